"""javac and java failing for real: packages and classes that are not on the class path,
`System.getenv` returning null, equality assertions in a small test harness and methods
removed from a library, refused and silent loopback connections, permission errors as an
unprivileged user, invalid compiler flags and POMs, compile errors and runtime crashes."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import common
from common import Case, Services

PKGS = [("org.junit", "Test"), ("org.junit.jupiter.api", "Assertions"), ("com.google.gson", "Gson"),
        ("com.fasterxml.jackson.databind", "ObjectMapper"), ("org.apache.commons.lang3", "StringUtils"),
        ("org.slf4j", "Logger"), ("lombok", "Data"), ("org.springframework.boot", "SpringApplication"),
        ("io.micrometer.core.instrument", "MeterRegistry"), ("org.mockito", "Mockito"),
        ("com.google.common.collect", "ImmutableList"), ("okhttp3", "OkHttpClient"),
        ("org.apache.kafka.clients.producer", "KafkaProducer"), ("software.amazon.awssdk.services.s3", "S3Client"),
        ("org.postgresql", "Driver"), ("redis.clients.jedis", "Jedis"), ("io.grpc", "ManagedChannel"),
        ("org.hibernate", "Session"), ("jakarta.servlet.http", "HttpServlet"), ("org.yaml.snakeyaml", "Yaml"),
        ("org.assertj.core.api", "Assertions"), ("io.restassured", "RestAssured"), ("org.testng", "Assert"),
        ("com.squareup.moshi", "Moshi")]
CLASSES = ["com.acme.App", "Main", "com.acme.cli.Launcher", "org.example.Server", "com.acme.jobs.Migrate",
           "io.acme.Worker", "com.acme.tools.Export", "App"]
PRE = ["java -version", "javac -version", "echo \"JAVA_HOME=${JAVA_HOME:-unset}\"", "java -XshowSettings:properties -version 2>&1 | grep java.vendor | head -n 1"]

HARNESS = """package test;

public final class Assert {
    private Assert() {}

    public static void assertEquals(Object expected, Object actual) {
        if (expected == null ? actual != null : !expected.equals(actual)) {
            throw new AssertionError("expected:<" + expected + "> but was:<" + actual + ">");
        }
    }

    public static void assertEquals(String message, Object expected, Object actual) {
        if (expected == null ? actual != null : !expected.equals(actual)) {
            throw new AssertionError(message + " ==> expected: <" + expected + "> but was: <" + actual + ">");
        }
    }
}
"""


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(PRE, rng.choice([0, 1, 1])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def java_main(cls: str, body: str, imports: str = "") -> tuple[str, str]:
    pkg, _, name = cls.rpartition(".")
    path = f"src/main/java/{cls.replace('.', '/')}.java"
    head = f"package {pkg};\n\n" if pkg else ""
    return path, f"{head}{imports}public class {name} {{\n{body}\n}}\n"


def run_cmd(cls: str) -> str:
    return f"javac -d build $(find src -name '*.java') && java -cp build {cls}"


def dependency_cases(rng: random.Random) -> list[Case]:
    cases = []
    for pkg, cls in PKGS:
        main = rng.choice(CLASSES)
        path, src = java_main(main, "    public static void main(String[] args) {\n        System.out.println(\"start\");\n    }", f"import {pkg}.{cls};\n\n")
        cmd = rng.choice(["javac -d build $(find src -name '*.java')", "javac -d out " + path, "mkdir -p build && javac -Xlint:all -d build $(find src -name '*.java')"])
        cases.append(Case("dependency_missing", f"javac import from absent package {pkg}", join(pre(rng), cmd), files={path: src},
                          kind="java", expect="does not exist"))
    for cls in CLASSES:
        cases.append(Case("dependency_missing", f"java main class not on class path {cls}", join(pre(rng), f"java -cp build:lib/* {cls}"),
                          files={"build/.keep": ""}, kind="java", expect="ClassNotFoundException|Could not find or load"))
    for dep in ["com.acme.util.Strings", "org.example.core.Config", "com.acme.db.Pool", "io.acme.metrics.Timer"]:
        main = rng.choice(CLASSES)
        dpath, dsrc = java_main(dep, "    public static String value() { return \"v\"; }")
        mpath, msrc = java_main(main, f"    public static void main(String[] args) {{\n        System.out.println(\"booting\");\n        System.out.println({dep}.value());\n    }}")

        def prep(ws: Path, dep=dep) -> None:
            subprocess.run("javac -d build $(find src -name '*.java')", shell=True, cwd=ws, check=True)
            (ws / "build" / (dep.replace(".", "/") + ".class")).unlink()

        cases.append(Case("dependency_missing", f"NoClassDefFoundError for {dep}", join(pre(rng), f"java -cp build {main}"),
                          files={dpath: dsrc, mpath: msrc}, prepare=prep, kind="java", expect="NoClassDefFoundError"))
    return cases


def env_cases(rng: random.Random) -> list[Case]:
    cases = []
    vars_ = ["DB_PASSWORD", "SPRING_DATASOURCE_URL", "API_KEY", "KAFKA_BOOTSTRAP", "AWS_REGION", "JWT_SIGNING_KEY",
             "SONATYPE_PASSWORD", "GPG_KEY_ID", "REDIS_HOST", "KEYSTORE_PASSWORD", "SERVICE_URL", "OAUTH_CLIENT_SECRET"]
    for i, var in enumerate(vars_):
        main = rng.choice(CLASSES)
        shape = i % 3
        if shape == 0:
            body = f"    public static void main(String[] args) {{\n        String v = System.getenv(\"{var}\").trim();\n        System.out.println(\"length=\" + v.length());\n    }}"
            exp = "getenv"
        elif shape == 1:
            body = f"    static String require(String name) {{\n        String v = System.getenv(name);\n        if (v == null || v.isEmpty()) {{\n            throw new IllegalStateException(\"Environment variable \" + name + \" is not set\");\n        }}\n        return v;\n    }}\n\n    public static void main(String[] args) {{\n        System.out.println(require(\"{var}\"));\n    }}"
            exp = "is not set"
        else:
            body = f"    public static void main(String[] args) {{\n        java.util.Objects.requireNonNull(System.getenv(\"{var}\"), \"{var} must be set\");\n    }}"
            exp = "must be set"
        path, src = java_main(main, body)
        cases.append(Case("environment_variable", f"java with {var} unset (shape {shape})", join(pre(rng), run_cmd(main)),
                          files={path: src}, kind="java", expect=exp))
    return cases


def api_cases(rng: random.Random) -> list[Case]:
    cases = []
    checks = [("status code", "200", "404", "Integer.valueOf(200)", "Integer.valueOf(404)"),
              ("status field", "\"healthy\"", "\"ok\"", "\"healthy\"", "\"ok\""),
              ("user name", "\"Ada Lovelace\"", "\"ada\"", "\"Ada Lovelace\"", "\"ada\""),
              ("item count", "3", "2", "Integer.valueOf(3)", "Integer.valueOf(java.util.List.of(1, 2).size())"),
              ("content type", "\"application/json\"", "\"text/html\"", "\"application/json\"", "\"text/html\""),
              ("api version", "\"v2\"", "\"v3\"", "\"v2\"", "\"v3\""),
              ("json body", "", "", "\"{\\\"id\\\":1,\\\"name\\\":\\\"x\\\"}\"", "\"{\\\"id\\\":1}\""),
              ("list", "", "", "java.util.List.of(\"a\", \"b\")", "java.util.List.of(\"a\")")]
    for rep in range(2):
        for what, _, _, expected, actual in checks:
            test = rng.choice(["ApiContractTest", "UserServiceTest", "OrderClientTest", "HealthCheckTest"])
            msg = rep == 1
            call = f"Assert.assertEquals(\"{what} mismatch\", {expected}, {actual})" if msg else f"Assert.assertEquals({expected}, {actual})"
            src = (f"package test;\n\npublic class {test} {{\n    static void test{what.title().replace(' ', '')}() {{\n        {call};\n    }}\n\n"
                   f"    public static void main(String[] args) {{\n        System.out.println(\"Running {test}\");\n        test{what.title().replace(' ', '')}();\n        System.out.println(\"OK\");\n    }}\n}}\n")
            files = {"src/test/java/test/Assert.java": HARNESS, f"src/test/java/test/{test}.java": src}
            cases.append(Case("api_contract_mismatch", f"java harness assertEquals {what}",
                              join(pre(rng), f"javac -d build $(find src -name '*.java') && java -ea -cp build test.{test}"), files=files,
                              kind="java", expect="expected"))
    removed = [("fetchUser", "int", "1"), ("getBalance", "String", "\"acct-1\""), ("send", "String", "\"hello\""),
               ("listOrders", "int", "10"), ("connect", "String", "\"db:5432\""), ("parse", "String", "\"{}\"")]
    for name, typ, arg in removed:
        lib_old = f"package com.acme.sdk;\n\npublic class Client {{\n    public String {name}({typ} x) {{ return \"ok\"; }}\n}}\n"
        lib_new = f"package com.acme.sdk;\n\npublic class Client {{\n    public String {name}V2({typ} x, boolean strict) {{ return \"ok\"; }}\n}}\n"
        main = rng.choice(CLASSES)
        mpath, msrc = java_main(main, f"    public static void main(String[] args) {{\n        var c = new com.acme.sdk.Client();\n        System.out.println(c.{name}({arg}));\n    }}")

        def prep(ws: Path, lib_new=lib_new) -> None:
            subprocess.run("javac -d build $(find src -name '*.java')", shell=True, cwd=ws, check=True)
            (ws / "src/main/java/com/acme/sdk/Client.java").write_text(lib_new)
            subprocess.run("javac -d build src/main/java/com/acme/sdk/Client.java", shell=True, cwd=ws, check=True)

        cases.append(Case("api_contract_mismatch", f"NoSuchMethodError after library upgrade: {name}", join(pre(rng), f"java -cp build {main}"),
                          files={"src/main/java/com/acme/sdk/Client.java": lib_old, mpath: msrc}, prepare=prep, kind="java",
                          expect="NoSuchMethodError"))
    return cases


def network_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for rep in range(6):
        port = common.closed_port(rng)
        main = rng.choice(CLASSES)
        shape = rep % 3
        if shape == 0:
            body = f"    public static void main(String[] args) throws Exception {{\n        try (var s = new java.net.Socket(\"127.0.0.1\", {port})) {{\n            System.out.println(\"connected\");\n        }}\n    }}"
        elif shape == 1:
            body = (f"    public static void main(String[] args) throws Exception {{\n        var client = java.net.http.HttpClient.newHttpClient();\n"
                    f"        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(\"http://127.0.0.1:{port}/actuator/health\")).build();\n"
                    f"        System.out.println(client.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body());\n    }}")
        else:
            body = f"    public static void main(String[] args) throws Exception {{\n        var conn = (java.net.HttpURLConnection) new java.net.URL(\"http://localhost:{port}/api/v1/ping\").openConnection();\n        System.out.println(conn.getResponseCode());\n    }}"
        path, src = java_main(main, body)
        cases.append(Case("network_timeout", f"java connect to closed loopback port (shape {shape})", join(pre(rng), run_cmd(main)),
                          files={path: src}, kind="java", expect="Connection refused|ConnectException"))
    for rep in range(4):
        port = rng.choice(svc.hang_ports)
        main = rng.choice(CLASSES)
        if rep % 2 == 0:
            body = (f"    public static void main(String[] args) throws Exception {{\n        var client = java.net.http.HttpClient.newHttpClient();\n"
                    f"        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(\"http://127.0.0.1:{port}/api/report\")).timeout(java.time.Duration.ofSeconds(1)).build();\n"
                    f"        client.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());\n    }}")
            exp = "HttpTimeoutException|timed out"
        else:
            body = f"    public static void main(String[] args) throws Exception {{\n        var s = new java.net.Socket(\"127.0.0.1\", {port});\n        s.setSoTimeout(1000);\n        s.getInputStream().read();\n    }}"
            exp = "Read timed out|SocketTimeoutException"
        path, src = java_main(main, body)
        cases.append(Case("network_timeout", "java read timeout against a silent loopback server", join(pre(rng), run_cmd(main)),
                          files={path: src}, kind="java", expect=exp))
    for host in ["db", "kafka", "repo.maven.apache.org", "auth.internal"]:
        main = rng.choice(CLASSES)
        path, src = java_main(main, f"    public static void main(String[] args) throws Exception {{\n        System.out.println(java.net.InetAddress.getByName(\"{host}\"));\n    }}")
        cases.append(Case("network_timeout", f"java UnknownHostException for {host} (no network namespace)", join(pre(rng), run_cmd(main)),
                          files={path: src}, kind="java", netns=True, expect="UnknownHostException"))
    return cases


def permission_cases(rng: random.Random) -> list[Case]:
    cases = []
    shapes = [("write into read-only dir", "build/reports", 0o555, "new java.io.FileOutputStream(\"build/reports/summary.txt\").close();"),
              ("read chmod-000 keystore", "config/keystore.jks", 0o000, "new java.io.FileInputStream(\"config/keystore.jks\").read();"),
              ("bind port 80", None, 0, "new java.net.ServerSocket(80).close();"),
              ("Files.createDirectories under /opt", None, 0, "java.nio.file.Files.createDirectories(java.nio.file.Path.of(\"/opt/app/logs\"));"),
              ("Files.writeString to read-only file", "config/app.properties", 0o444, "java.nio.file.Files.writeString(java.nio.file.Path.of(\"config/app.properties\"), \"x=1\");")]
    for rep in range(3):
        for what, target, mode, stmt in shapes:
            main = rng.choice(CLASSES)
            path, src = java_main(main, f"    public static void main(String[] args) throws Exception {{\n        {stmt}\n    }}")

            def prep(ws: Path, target=target, mode=mode) -> None:
                import os
                subprocess.run("javac -d build $(find src -name '*.java')", shell=True, cwd=ws, check=True)
                subprocess.run(["chmod", "-R", "a+rX", str(ws)], check=True)
                if target:
                    os.chmod(ws / target, mode)

            files = {path: src, "build/reports/.keep": "", "config/keystore.jks": "x", "config/app.properties": "a=1\n"}
            cases.append(Case("permission_denied", f"java as unprivileged user: {what}", join(pre(rng), f"java -cp build {main}"),
                              files=files, user="nobody", prepare=prep, kind="java", expect="Permission denied|AccessDenied"))
    return cases


def config_cases(rng: random.Random) -> list[Case]:
    cases = []
    for flags, exp in [("--release 99", "not supported|invalid"), ("-source 1.4 -target 1.4", "no longer supported|not supported"),
                       ("--release 8 --add-modules java.sql", "not allowed|cannot be used"), ("-Xlint:bogus", "invalid|bogus"),
                       ("-encoding UTF-9", "unsupported encoding"), ("--module-path libs --module missing.mod", "not found|module")]:
        main = rng.choice(CLASSES)
        path, src = java_main(main, "    public static void main(String[] args) {}")
        cases.append(Case("configuration_error", f"javac invalid flags {flags}", join(pre(rng), f"javac {flags} -d build {path}"),
                          files={path: src}, kind="java", expect=exp))
    poms = [
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <artifactId>app</artifactId>\n  <version>1.0</version>\n  <dependencies>\n    <dependency>\n      <groupId>junit</groupId>\n  </dependencies>\n</project>\n",
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <version>1.0</version>\n</project>\n",
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <artifactId>app</artifactId>\n  <version>1.0</version>\n  <packaging>jarr</packaging>\n</project>\n",
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <artifactId>app</artifactId>\n  <version>1.0</version>\n  <properties>\n    <java.version>17</java.version>\n  </properties\n</project>\n",
    ]
    for i, pom in enumerate(poms):
        cases.append(Case("configuration_error", f"mvn with invalid pom.xml ({i})", join(pre(rng), "mvn -o -B -q validate"),
                          files={"pom.xml": pom}, kind="java", netns=True, expect="ERROR|FATAL", timeout=90))
    return cases


def other_cases(rng: random.Random) -> list[Case]:
    cases = []
    compile_errs = [
        ("cannot find symbol (typo)", "    public static void main(String[] args) {\n        int total = 3;\n        System.out.println(totl);\n    }"),
        ("incompatible types", "    public static void main(String[] args) {\n        int port = \"8080\";\n    }"),
        ("missing return", "    static int f(boolean b) {\n        if (b) return 1;\n    }\n\n    public static void main(String[] args) {}"),
        ("missing semicolon", "    public static void main(String[] args) {\n        System.out.println(\"hi\")\n    }"),
        ("unreported exception", "    public static void main(String[] args) {\n        Thread.sleep(10);\n    }"),
        ("unreachable code", "    public static void main(String[] args) {\n        return;\n        System.out.println(1);\n    }"),
    ]
    for rep in range(2):
        for what, body in compile_errs:
            main = rng.choice(CLASSES)
            path, src = java_main(main, body)
            cases.append(Case("other", f"javac compile error: {what}", join(pre(rng), f"javac -d build {path}"), files={path: src},
                              kind="java", expect="error"))
    crashes = [
        ("NullPointerException", "        String s = null;\n        System.out.println(s.trim());", "NullPointerException"),
        ("ArrayIndexOutOfBounds", "        int[] a = new int[2];\n        System.out.println(a[5]);", "ArrayIndexOutOfBounds"),
        ("NumberFormatException", "        System.out.println(Integer.parseInt(\"12a\"));", "NumberFormatException"),
        ("StackOverflowError", "        main(args);", "StackOverflowError"),
        ("OutOfMemoryError", "        var l = new java.util.ArrayList<long[]>();\n        while (true) l.add(new long[1_000_000]);", "OutOfMemoryError"),
        ("ClassCastException", "        Object o = \"x\";\n        Integer i = (Integer) o;", "ClassCastException"),
        ("IllegalStateException", "        throw new IllegalStateException(\"migration 42 failed: duplicate column\");", "IllegalStateException"),
        ("ConcurrentModification", "        var l = new java.util.ArrayList<>(java.util.List.of(1, 2, 3));\n        for (var x : l) l.remove(x);", "ConcurrentModification"),
    ]
    for rep in range(2):
        for what, stmts, exp in crashes:
            main = rng.choice(CLASSES)
            path, src = java_main(main, f"    public static void main(String[] args) {{\n{stmts}\n    }}")
            cmd = run_cmd(main).replace("java -cp", "java -Xmx32m -cp") if "Memory" in what else run_cmd(main)
            cases.append(Case("other", f"java runtime crash: {what}", join(pre(rng), cmd), files={path: src}, kind="java", expect=exp))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    return (dependency_cases(rng) + env_cases(rng) + api_cases(rng) + network_cases(rng, svc) + permission_cases(rng)
            + config_cases(rng) + other_cases(rng))


if __name__ == "__main__":
    common.main("java", build, workers=2)
