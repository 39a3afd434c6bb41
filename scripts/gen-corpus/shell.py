"""Shell steps failing for real: commands and shared libraries that are not installed,
`set -u` and `${VAR:?}` on unset variables, curl/git/psql/ssh against closed or silent
loopback ports and in an empty network namespace, permission errors (non-executable
scripts, an unprivileged user writing system paths, a root-only Docker socket), broken
Makefiles and repositories, C compile errors, disk-full and killed processes."""

from __future__ import annotations

import os
import random
import socket
import subprocess
from pathlib import Path

import common
from common import Case, Services, route

TOOLS = ["terraform", "kubectl", "helm", "aws", "gcloud", "az", "docker-compose", "jq", "yq", "shellcheck",
         "hadolint", "poetry", "pipenv", "yarn", "pnpm", "bun", "deno", "go", "ruby", "bundle", "gradle",
         "sbt", "dotnet", "cmake", "protoc", "buf", "golangci-lint", "goreleaser", "sam", "serverless",
         "firebase", "vercel", "netlify", "heroku", "ansible-playbook", "packer", "vault", "sops",
         "kustomize", "skaffold", "k6", "newman", "trivy", "snyk", "gh", "flyway", "liquibase", "bazel",
         "ninja", "meson", "rustfmt-nightly", "wasm-pack", "tflint", "cosign", "syft", "act", "just",
         "task", "earthly", "pulumi", "doctl", "eksctl", "kind", "minikube", "kubeval", "conftest"]
ARGS = ["--version", "version", "init", "plan -out=tfplan", "apply -auto-approve", "get pods -n staging",
        "upgrade --install app ./chart", "s3 sync dist/ s3://acme-assets", "install --frozen-lockfile",
        "build", "lint ./...", "-r .", "test", "deploy --prod", "fmt -check", "."]
VARS = ["API_KEY", "DEPLOY_TOKEN", "AWS_ACCESS_KEY_ID", "DOCKER_PASSWORD", "SSH_PRIVATE_KEY", "KUBECONFIG_DATA",
        "NPM_TOKEN", "RELEASE_VERSION", "SLACK_WEBHOOK", "CF_API_TOKEN", "GCP_SA_KEY", "SONAR_TOKEN",
        "HEROKU_API_KEY", "VERCEL_TOKEN", "ARTIFACTORY_PASSWORD", "TF_VAR_db_password", "PYPI_TOKEN",
        "CODECOV_TOKEN", "GPG_PASSPHRASE", "IMAGE_TAG", "ENVIRONMENT", "REGISTRY_URL"]
LIBS = ["libssl.so.1.1", "libcrypto.so.1.1", "libffi.so.7", "libmysqlclient.so.21", "libprotobuf.so.23",
        "libboost_system.so.1.74.0", "libpython3.8.so.1.0", "libcudart.so.11.0", "libicuuc.so.70",
        "libnode.so.108", "libjpeg.so.8", "libreadline.so.7"]
HEADERS = [("curl/curl.h", "libcurl4-openssl-dev"), ("boost/asio.hpp", "libboost-dev"), ("openblas/cblas.h", "libopenblas-dev"),
           ("mysql/mysql.h", "libmysqlclient-dev"), ("lua.h", "liblua5.4-dev"), ("snappy-c.h", "libsnappy-dev"),
           ("pcap.h", "libpcap-dev"), ("gdal.h", "libgdal-dev"), ("hiredis/hiredis.h", "libhiredis-dev"),
           ("librdkafka/rdkafka.h", "librdkafka-dev")]
LDLIBS = ["curl", "boost_system", "openblas", "mysqlclient", "snappy", "hiredis", "rdkafka", "pcap", "gdal", "zmq"]
SCRIPTS = ["scripts/deploy.sh", "scripts/release.sh", "ci/build.sh", "bin/setup", "scripts/bootstrap.sh",
           "tools/publish.sh", "scripts/e2e.sh", "ci/install-deps.sh"]

PRE = ["echo \"Runner: $(uname -sm)\"", "bash --version | head -n 1", "echo \"Working in $PWD\"", "echo \"Job: ${GITHUB_JOB:-build}\"",
       "ls -1", "echo '==> Starting'", "git --version", "env | grep -c PATH"]


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(PRE, rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def script_file(lines: list[str]) -> str:
    return "#!/usr/bin/env bash\n" + "\n".join(lines) + "\n"


def dependency_cases(rng: random.Random) -> list[Case]:
    cases = []
    import shutil
    path = common.base_env(None)["PATH"] + ":/usr/sbin:/sbin"
    tools = [t for t in TOOLS if shutil.which(t, path=path) is None]
    for i, tool in enumerate(tools):
        args = rng.choice(ARGS)
        shape = i % 6
        files: dict[str, str] = {}
        if shape == 0:
            script = join(pre(rng), f"{tool} {args}")
        elif shape == 1:
            path = rng.choice(SCRIPTS)
            files = {path: script_file(["set -euo pipefail", "echo \"Preparing release...\"", "VERSION=1.4.2",
                                        f"echo \"Version: $VERSION\"", f"{tool} {args}", "echo done"])}
            script = join(pre(rng), f"bash {path}")
        elif shape == 2:
            script = join(pre(rng), f"sh -c '{tool} {args}'")
        elif shape == 3:
            script = join(pre(rng), f"command -v {tool} >/dev/null 2>&1 || {{ echo >&2 \"error: {tool} is required but not installed\"; exit 1; }}",
                          f"{tool} {args}")
        elif shape == 4:
            script = join(pre(rng), "set -x", f"export PATH=\"$HOME/.local/bin:$PATH\"", f"{tool} {args}")
        else:
            script = join(pre(rng), f"env {tool} {args}")
        cases.append(Case("dependency_missing", f"shell command not found: {tool} (shape {shape})", script, files=files,
                          kind="shell", expect="not found|No such file|not installed"))
    for lib in LIBS:
        prog = rng.choice(["server", "app", "migrate", "worker", "cli", "indexer"])
        stem = lib.split(".so")[0][3:]

        def prep(ws: Path, lib=lib, stem=stem, prog=prog) -> None:
            (ws / "build").mkdir(exist_ok=True)
            (ws / "lib.c").write_text("int helper(void) { return 42; }\n")
            (ws / "main.c").write_text("#include <stdio.h>\nint helper(void);\nint main(void) { printf(\"%d\\n\", helper()); return 0; }\n")
            subprocess.run(["gcc", "-shared", "-fPIC", f"-Wl,-soname,{lib}", "-o", str(ws / "build" / lib), str(ws / "lib.c")], check=True)
            link = ws / "build" / f"lib{stem}.so"
            link.symlink_to(lib)
            subprocess.run(["gcc", "-o", str(ws / "build" / prog), str(ws / "main.c"), f"-L{ws / 'build'}", f"-l{stem}"], check=True)
            os.remove(ws / "build" / lib)
            os.remove(link)

        cases.append(Case("dependency_missing", f"binary needing missing shared library {lib}", join(pre(rng), f"./build/{prog} --help"),
                          prepare=prep, kind="shell", expect="error while loading shared libraries"))
    for header, pkg in HEADERS:
        src = rng.choice(["src/main.c", "native/ext.c", "src/client.c", "csrc/module.c"])
        files = {src: f"#include <stdio.h>\n#include <{header}>\n\nint main(void) {{\n    puts(\"ok\");\n    return 0;\n}}\n",
                 "Makefile": f"CC ?= gcc\nCFLAGS ?= -O2 -Wall\n\nbuild/app: {src}\n\tmkdir -p build\n\t$(CC) $(CFLAGS) -o $@ $<\n"}
        cases.append(Case("dependency_missing", f"C compile missing header {header} ({pkg})", join(pre(rng), rng.choice(["make", "make build/app"])),
                          files=files, kind="shell", expect="No such file or directory"))
    for lib in LDLIBS:
        files = {"main.c": "int main(void) { return 0; }\n"}
        cases.append(Case("dependency_missing", f"linker cannot find -l{lib}", join(pre(rng), f"gcc -o app main.c -l{lib}"),
                          files=files, kind="shell", expect="cannot find -l"))
    return cases


def env_cases(rng: random.Random) -> list[Case]:
    cases = []
    for i, var in enumerate(VARS):
        shape = i % 6
        files: dict[str, str] = {}
        if shape == 0:
            script = join(pre(rng), "set -u", f"echo \"Deploying with key ${{{var}:0:4}}...\"" if False else f"curl_header=\"Authorization: Bearer ${var}\"", "echo \"$curl_header\" | wc -c")
            exp = "unbound variable"
        elif shape == 1:
            path = rng.choice(SCRIPTS)
            files = {path: script_file(["set -euo pipefail", "echo \"==> Publishing\"", f"TOKEN=\"${var}\"", "echo \"token length: ${#TOKEN}\""])}
            script = join(pre(rng), f"bash {path}")
            exp = "unbound variable"
        elif shape == 2:
            script = join(pre(rng), f": \"${{{var}:?{var} is required}}\"", "echo ok")
            exp = "is required"
        elif shape == 3:
            script = join(pre(rng), f"echo \"Using ${{{var}:?}}\"")
            exp = "parameter null or not set"
        elif shape == 4:
            script = join(pre(rng), f"if [ -z \"${{{var}:-}}\" ]; then", f"  echo \"Error: {var} is not set. Add it as a repository secret.\" >&2", "  exit 1", "fi")
            exp = "is not set"
        else:
            script = join(pre(rng), f"test -n \"${var}\" || {{ echo \"::error::Missing {var}\" | sed 's/::error:://' >&2; echo \"{var} must be set\" >&2; exit 1; }}")
            exp = "must be set"
        cases.append(Case("environment_variable", f"shell unset {var} (shape {shape})", script, files=files, kind="shell", expect=exp,
                          env={var: ""} if shape in (2, 3) and rng.random() < 0.5 else {}))
    for user_var in ["DOCKERHUB_USERNAME", "REGISTRY_USER", "GHCR_USER"]:
        script = join(pre(rng), f"echo \"$DOCKER_PASSWORD\" | docker login -u \"${user_var}\" --password-stdin")
        cases.append(Case("environment_variable", f"docker login with empty {user_var}", script, kind="shell", netns=True,
                          expect="username|Username|non TTY|password"))
    return cases


def network_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    paths = ["/health", "/api/v1/status", "/ready", "/v2/_catalog", "/metrics", "/api/deployments"]
    for rep in range(10):
        port = common.closed_port(rng)
        flags = rng.choice(["-sS", "-fsS", "-fsSL", "--fail --show-error --silent", "-v", "-sSf --retry 2 --retry-delay 1 --retry-connrefused", "-I"])
        host = rng.choice(["127.0.0.1", "localhost"])
        script = join(pre(rng), f"curl {flags} http://{host}:{port}{rng.choice(paths)}")
        cases.append(Case("network_timeout", "curl to closed loopback port", script, kind="shell", expect="Failed to connect|Couldn't connect|refused", timeout=30))
    for rep in range(6):
        port = rng.choice(svc.hang_ports)
        t = rng.choice([1, 2])
        script = join(pre(rng), f"curl -sS --max-time {t} http://127.0.0.1:{port}{rng.choice(paths)}")
        cases.append(Case("network_timeout", "curl --max-time against a silent loopback server", script, kind="shell", expect="timed out", timeout=30))
    for rep in range(3):
        port = rng.choice(svc.hang_ports)
        script = join(pre(rng), f"wget -q -T 1 -t 1 -O- http://127.0.0.1:{port}/api/export")
        cases.append(Case("network_timeout", "wget timeout against a silent loopback server", script, kind="shell", expect=".", timeout=30))
    for rep in range(3):
        port = common.closed_port(rng)
        script = join(pre(rng), f"wget -t 1 http://127.0.0.1:{port}/artifacts/build.tar.gz")
        cases.append(Case("network_timeout", "wget to closed loopback port", script, kind="shell", expect="refused", timeout=30))
    for host in ["api.github.com", "registry-1.docker.io", "pypi.org", "objects.githubusercontent.com", "deb.debian.org",
                 "storage.googleapis.com", "dl.k8s.io", "get.helm.sh", "releases.hashicorp.com", "sh.rustup.rs"]:
        tool = rng.choice(["curl -fsSL", "curl -sS -o /dev/null", "wget", "git clone"])
        if tool == "git clone":
            script = join(pre(rng), f"git clone https://{host}/acme/tools.git")
        else:
            script = join(pre(rng), f"{tool} https://{host}/install.sh")
        cases.append(Case("network_timeout", f"{tool.split()[0]} DNS failure for {host} (no network namespace)", script, kind="shell",
                          netns=True, expect="resolve|resolving|Temporary failure", timeout=30))
    for rep in range(6):
        port = common.closed_port(rng, [5432, 5433, 15432, 6543])
        script = join(pre(rng), rng.choice([f"psql -h 127.0.0.1 -p {port} -U postgres -c 'select 1'",
                                            f"psql \"postgresql://app:app@localhost:{port}/app_test\" -f db/schema.sql",
                                            f"pg_isready -h 127.0.0.1 -p {port} -t 2 || (echo 'Postgres is not ready' && exit 1)",
                                            f"PGPASSWORD=postgres psql -h 127.0.0.1 -p {port} -U postgres -d ci -c '\\dt'"]))
        cases.append(Case("network_timeout", "psql/pg_isready to closed loopback port", script, kind="shell",
                          expect="refused|no response|not ready", timeout=30))
    for rep in range(3):
        port = rng.choice(svc.hang_ports)
        script = join(pre(rng), f"PGCONNECT_TIMEOUT=2 psql -h 127.0.0.1 -p {port} -U postgres -c 'select version()'")
        cases.append(Case("network_timeout", "psql connect timeout against a silent loopback server", script, kind="shell", expect="timeout", timeout=30))
    for rep in range(4):
        port = common.closed_port(rng, [2222, 22022, 2200, 10022])
        script = join(pre(rng), f"ssh -o BatchMode=yes -o StrictHostKeyChecking=no -p {port} deploy@127.0.0.1 'systemctl restart app'")
        cases.append(Case("network_timeout", "ssh to closed loopback port", script, kind="shell", expect="refused", timeout=30))
    for rep in range(2):
        port = rng.choice(svc.hang_ports)
        script = join(pre(rng), f"ssh -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -p {port} deploy@127.0.0.1 uptime")
        cases.append(Case("network_timeout", "ssh banner timeout against a silent loopback server", script, kind="shell", expect="timed out|Connection", timeout=30))
    for rep in range(4):
        port = common.closed_port(rng, [3000, 8080, 9418, 8929])
        script = join(pre(rng), rng.choice([f"git clone http://127.0.0.1:{port}/acme/shared-config.git",
                                            f"git ls-remote http://localhost:{port}/platform/charts.git",
                                            f"git fetch http://127.0.0.1:{port}/acme/app.git main"]))
        cases.append(Case("network_timeout", "git over HTTP to closed loopback port", script, kind="shell",
                          prepare=lambda ws: subprocess.run(["git", "init", "-q", str(ws)], check=True),
                          expect="Failed to connect|refused", timeout=30))
    for i, code in enumerate([503, 502, 504]):
        path = f"/acme/mirror{i}.git"
        route(path + "/info/refs", code, "upstream error\n", "text/plain")
        port = svc.http_ports[i % len(svc.http_ports)]
        script = join(pre(rng), f"git clone http://127.0.0.1:{port}{path}")
        cases.append(Case("network_timeout", f"git clone answered {code}", script, kind="shell", expect=str(code), timeout=30))
    for i, code in enumerate([503, 502, 504, 429, 503, 502]):
        path = f"/downloads/tool-{i}.tar.gz"
        route(path, code, "<html><body>Service Unavailable</body></html>", "text/html")
        port = svc.http_ports[i % len(svc.http_ports)]
        script = join(pre(rng), f"curl -fsSL -o tool.tar.gz http://127.0.0.1:{port}{path}")
        cases.append(Case("network_timeout", f"curl -f answered {code}", script, kind="shell", expect=str(code), timeout=30))
    waits = [
        ("postgres", 5432), ("redis", 6379), ("mysql", 3306), ("elasticsearch", 9200), ("rabbitmq", 5672)]
    for name, port in waits:
        if not common.closed_port(rng, [port]) == port:
            continue
        script = join(pre(rng), "for i in $(seq 1 5); do",
                      f"  if (echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null; then echo '{name} is up'; exit 0; fi",
                      f"  echo \"Waiting for {name}... ($i/5)\"", "  sleep 0.2", "done",
                      f"echo \"Timed out waiting for {name} on port {port}\" >&2", "exit 1")
        cases.append(Case("network_timeout", f"wait-for-port loop for {name}", script, kind="shell", expect="Timed out", timeout=30))
    return cases


def permission_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for path in ["./deploy.sh", "./gradlew", "./mvnw", "./scripts/test.sh", "./configure", "./bin/setup", "./ci/run-e2e.sh",
                 "./tools/generate.sh"]:
        for rep in range(2):
            files = {path[2:]: "#!/usr/bin/env bash\necho running\n"}
            args = rng.choice(["", " build", " --no-daemon test", " --prefix=/usr/local", " production"])
            cases.append(Case("permission_denied", f"executing non-executable {path}", join(pre(rng), f"{path}{args}"), files=files,
                              kind="shell", expect="Permission denied"))
    system = [
        "touch /usr/local/bin/{t}",
        "mkdir -p /opt/{t}/releases",
        "cp {t}.sh /usr/local/bin/{t}",
        "echo 'export APP_ENV=ci' > /etc/profile.d/{t}.sh",
        "echo '127.0.0.1 {t}.local' >> /etc/hosts",
        "ln -s \"$PWD/{t}.sh\" /usr/local/bin/{t}",
        "chmod +x /usr/bin/python3",
        "chown nobody {t}.sh",
        "cat /etc/shadow",
        "apt-get install -y --no-install-recommends jq",
        "apt-get update -qq",
        "install -m 0755 {t}.sh /usr/local/bin/{t}",
        "mkdir /var/log/{t} && touch /var/log/{t}/app.log",
        "cat /root/.bashrc",
        "dpkg -i {t}.deb",
        "/usr/sbin/sysctl -w vm.max_map_count=262144",
        "ulimit -n 1048576",
        "mount -t tmpfs tmpfs /mnt",
    ]
    for rep in range(2):
        for cmd in system:
            t = rng.choice(["acme-cli", "deployer", "app", "agent", "runner-tools", "kubectl"])
            files = {f"{t}.sh": "#!/bin/sh\necho hi\n", f"{t}.tar.gz": "", f"{t}.deb": ""}
            script = join(pre(rng), cmd.replace("{t}", t))
            cases.append(Case("permission_denied", f"shell as unprivileged user: {cmd.split()[0]} {cmd.split()[-1][:20]}", script, files=files,
                              user="nobody", kind="shell", netns=True, reject="command not found",
                              expect="Permission denied|Operation not permitted|are you root|must be root|superuser|not permitted|Permission"))

    def chmod_many(ws: Path) -> None:
        for p in ["dist", "secrets/id_rsa"]:
            if (ws / p).exists():
                os.chmod(ws / p, 0o555 if (ws / p).is_dir() else 0o000)

    local = ["rm -rf dist/*", "cat secrets/id_rsa", "cp build/app.js dist/", "echo '{}' > dist/manifest.json", "mv build/app.js dist/app.js",
             "cp -r build/. dist/", "sed -i 's/1.0/1.1/' dist/VERSION", "zip -r dist/app.zip build"]
    for rep in range(2):
        for cmd in local:
            files = {"dist/old.js": "x", "dist/VERSION": "1.0\n", "build/app.js": "x", "secrets/id_rsa": "key"}
            cases.append(Case("permission_denied", f"shell as unprivileged user in read-only workspace dir: {cmd.split()[0]}",
                              join(pre(rng), cmd), files=files, user="nobody", prepare=chmod_many, kind="shell",
                              expect="Permission denied|denied", reject="command not found"))

    def docker_sock(ws: Path) -> None:
        path = "/tmp/gc-docker.sock"
        if not os.path.exists(path):
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.listen(1)
            _SOCKS.append(s)
        os.chmod(path, 0o660)

    for cmd in ["docker ps", "docker build -t acme/app:ci .", "docker pull postgres:16", "docker compose up -d" if False else "docker info",
                "docker run --rm alpine:3.20 echo hi", "docker push ghcr.io/acme/app:latest", "docker images"]:
        files = {"Dockerfile": "FROM alpine:3.20\nRUN echo hi\n"}
        cases.append(Case("permission_denied", f"{cmd.split()[0]} {cmd.split()[1]} as a user outside the docker group",
                          join(pre(rng), cmd), files=files, user="nobody", prepare=docker_sock, kind="shell",
                          env={"DOCKER_HOST": "unix:///tmp/gc-docker.sock"}, expect="permission denied"))

    def bare_repo(ws: Path) -> None:
        subprocess.run(["git", "init", "-q", "--bare", str(ws / "origin.git")], check=True)
        subprocess.run(["chmod", "-R", "go-w", str(ws / "origin.git")], check=True)
        subprocess.run(["chmod", "777", str(ws)], check=True)

    for rep in range(5):
        branch = rng.choice(["main", "gh-pages", "release/v2", "master", "chore/bump-version"])
        script = join(pre(rng), "git clone -q origin.git work 2>/dev/null || git init -q work", "cd work",
                      "git -c user.name=ci -c user.email=ci@example.com commit -q --allow-empty -m 'chore: release'",
                      f"git push ../origin.git HEAD:{branch}")
        cases.append(Case("permission_denied", "git push to a read-only bare repository", script, user="nobody", prepare=bare_repo,
                          kind="shell", env={"GIT_CONFIG_GLOBAL": SAFE_GITCONFIG},
                          display=join("git push origin HEAD:" + branch), expect="insufficient permission|Permission denied|unable"))
    for i, code in enumerate([403, 403, 403, 403]):
        owner, repo = rng.choice(common.OWNERS), rng.choice(common.REPOS)
        path = f"/{owner}/{repo}-{i}.git"
        route(path + "/info/refs", code, f"Permission to {owner}/{repo}.git denied to github-actions[bot].\n", "text/plain")
        port = svc.http_ports[i % len(svc.http_ports)]
        script = join(pre(rng), f"git push http://x-access-token:ghs_xxx@127.0.0.1:{port}{path} HEAD:main")
        cases.append(Case("permission_denied", f"git push over HTTP answered {code}", script, kind="shell",
                          prepare=lambda ws: (subprocess.run(["git", "init", "-q", str(ws)], check=True),
                                              subprocess.run(["git", "-C", str(ws), "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "x"], check=True)),
                          env={"GIT_TERMINAL_PROMPT": "0"}, expect=str(code)))
    for i, code in enumerate([403, 401, 403, 401]):
        path = f"/upload/releases/v1.{i}.0/app.tar.gz"
        route(path, code, {"message": "Forbidden" if code == 403 else "Bad credentials"})
        port = svc.http_ports[i % len(svc.http_ports)]
        files = {"dist/app.tar.gz": "x"}
        script = join(pre(rng), f"curl -fsS -X PUT -H \"Authorization: token $RELEASE_TOKEN\" --upload-file dist/app.tar.gz http://127.0.0.1:{port}{path}")
        cases.append(Case("permission_denied", f"curl upload answered {code}", script, files=files, kind="shell",
                          env={"RELEASE_TOKEN": "ghp_redacted"}, expect=str(code)))
    return cases


_SOCKS: list[socket.socket] = []
SAFE_GITCONFIG = "/tmp/gc-gitconfig-safe"
Path(SAFE_GITCONFIG).write_text("[safe]\n\tdirectory = *\n")
os.chmod(SAFE_GITCONFIG, 0o644)


def config_cases(rng: random.Random) -> list[Case]:
    cases = []
    for cmd in ["git status", "git log -1 --format=%H", "git describe --tags", "git rev-parse HEAD", "git rev-parse --abbrev-ref HEAD"]:
        for rep in range(2):
            cases.append(Case("configuration_error", f"{cmd} outside a repository", join(pre(rng), cmd), kind="shell",
                              env={"GIT_CEILING_DIRECTORIES": str(common.WS_ROOT)}, expect="not a git repository"))
    for rep in range(4):
        src = rng.choice(["/home/runner/work/shared-config", "../infra-modules", "file:///srv/git/templates.git", "/opt/mirrors/app.git"])
        cases.append(Case("configuration_error", "git clone of a nonexistent local path", join(pre(rng), f"git clone {src} vendor/templates"),
                          kind="shell", expect="does not exist|not found|Could not read"))
    makefiles = [
        ("spaces instead of tab", "build:\n    go build ./...\n", "make", "missing separator"),
        ("no rule for target", "build:\n\techo build\n", "make test", "No rule to make target"),
        ("missing prerequisite", "all: dist/app.js\n\ndist/app.js: src/index.ts\n\techo compile\n", "make", "No rule to make target"),
        ("unterminated variable", "VERSION := $(shell cat VERSION\nall:\n\techo $(VERSION)\n", "make", "unterminated|missing"),
        ("recipe before target", "\techo orphan\nall:\n\techo ok\n", "make", "recipe commences before first target"),
        ("no makefile", None, "make build", "No rule to make target|No targets specified"),
    ]
    for rep in range(2):
        for what, mk, cmd, exp in makefiles:
            files = {"Makefile": mk} if mk else {}
            cases.append(Case("configuration_error", f"Makefile: {what}", join(pre(rng), cmd), files=files, kind="shell", expect=exp))
    jsons = ['{"name": "app",}\n', "{'a': 1}\n", '{"a": 1\n', '{"a": [1, 2,]}\n', '// comment\n{"a": 1}\n', '{"a": 1}{"b": 2}\n']
    for rep in range(2):
        for i, text in enumerate(jsons):
            fname = rng.choice(["config/settings.json", "renovate.json", ".vscode/settings.json", "app.json", "composer.json", "deploy/params.json"])
            cases.append(Case("configuration_error", f"python -m json.tool on invalid JSON ({i})",
                              join(pre(rng), f"python3 -m json.tool {fname} > /dev/null"), files={fname: text}, kind="shell",
                              expect="Expecting|Extra data|line"))
    return cases


def other_cases(rng: random.Random) -> list[Case]:
    cases = []
    syntax = [
        "if [ \"$CI\" = true ]; then\n  echo ci\nfi fi\n",
        "for f in *.txt; do\n  echo $f\n",
        "case $1 in\n  a) echo a ;;\n",
        "function build {\n  echo building\n",
        "echo \"unterminated\n",
        "if [ -f x ]\n  echo missing then\nfi\n",
    ]
    for rep in range(2):
        for i, text in enumerate(syntax):
            path = rng.choice(SCRIPTS)
            cases.append(Case("other", f"bash syntax error in script ({i})", join(pre(rng), f"bash {path}"),
                              files={path: "#!/usr/bin/env bash\nset -e\n" + text}, kind="shell", expect="syntax error|unexpected"))
    c_errs = [
        ("undeclared identifier", "int main(void) {\n    return count + 1;\n}\n"),
        ("implicit declaration", "int main(void) {\n    return compute(3);\n}\n"),
        ("missing semicolon", "#include <stdio.h>\nint main(void) {\n    printf(\"hi\\n\")\n    return 0;\n}\n"),
        ("incompatible pointer -Werror", "int main(void) {\n    int x = 1;\n    char *p = &x;\n    return *p;\n}\n"),
        ("unused variable -Werror", "int main(void) {\n    int unused = 5;\n    return 0;\n}\n"),
        ("undefined reference", "int helper(void);\nint main(void) {\n    return helper();\n}\n"),
    ]
    for rep in range(2):
        for what, code in c_errs:
            src = rng.choice(["src/main.c", "main.c", "lib/util.c"])
            cases.append(Case("other", f"C compile error: {what}", join(pre(rng), f"gcc -Wall -Werror -o app {src}"),
                              files={src: code}, kind="shell", expect="error"))
    misc = [
        ("disk full via dd", "dd if=/dev/zero of=/dev/full bs=1M count=4", "No space left"),
        ("disk full via cp", "head -c 100000 /dev/zero > blob.bin\ncp blob.bin /dev/full", "No space left"),
        ("disk full writing archive", "tar -cf /dev/full .", "No space left|Wrote only|Error"),
        ("SIGKILL exit 137", "echo 'Compiling assets...'\nbash -c 'kill -9 $$'", "Killed"),
        ("job timeout", "echo 'Running integration suite'\ntimeout 1 sleep 5 || { echo 'Error: step timed out after 1s' >&2; exit 124; }", "timed out"),
        ("generated files out of date", "git init -q . && git add -A && git -c user.name=a -c user.email=a@b commit -qm init\necho '// regenerated' >> generated.go\ngit diff --exit-code", "regenerated"),
        ("grep finds TODO", "if grep -rn 'FIXME' src; then echo 'FIXME markers found' >&2; exit 1; fi", "FIXME"),
        ("diff of formatting", "printf 'a\\nb\\n' > expected.txt\nprintf 'a\\nc\\n' > actual.txt\ndiff -u expected.txt actual.txt", "@@"),
        ("test -f dist missing", "test -f dist/index.js || { echo 'Build output missing: dist/index.js' >&2; exit 1; }", "Build output missing"),
        ("segfault", "printf 'int main(void){int *p=0;return *p;}' > crash.c && gcc -o crash crash.c && ./crash", "Segmentation fault"),
        ("abort", "printf '#include <stdlib.h>\\nint main(void){abort();}' > a.c && gcc -o a a.c && ./a", "Aborted"),
        ("false exit", "echo 'Checking changelog entry'\nfalse", "Checking"),
    ]
    for rep in range(2):
        for what, script, exp in misc:
            files = {"src/app.js": "// FIXME: remove\n", "generated.go": "package gen\n"}
            cases.append(Case("other", f"shell failure: {what}", join(pre(rng), script), files=files, kind="shell", expect=exp, timeout=30))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = (dependency_cases(rng) + env_cases(rng) + network_cases(rng, svc) + permission_cases(rng, svc)
             + config_cases(rng) + other_cases(rng))
    return cases


if __name__ == "__main__":
    try:
        common.main("shell", build, workers=3)
    finally:
        for s in _SOCKS:
            s.close()
        if os.path.exists("/tmp/gc-docker.sock"):
            os.remove("/tmp/gc-docker.sock")
