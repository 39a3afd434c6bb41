"""The Go toolchain failing for real on tiny modules: packages no module provides,
missing go.sum entries, `os.Getenv` checks, failed `got/want` comparisons in tests,
refused, silent and unresolvable loopback services, permission errors as an unprivileged
user, broken go.mod files, compile errors, vet and gofmt complaints, and panics. The
module proxy is switched off, so nothing is fetched."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import common
from common import Case, Services, route

MODS = ["github.com/gin-gonic/gin", "github.com/stretchr/testify/assert", "github.com/spf13/cobra", "github.com/sirupsen/logrus",
        "go.uber.org/zap", "github.com/go-redis/redis/v8", "github.com/jackc/pgx/v5", "github.com/google/uuid",
        "github.com/gorilla/mux", "github.com/aws/aws-sdk-go-v2/config", "gopkg.in/yaml.v3", "github.com/joho/godotenv",
        "github.com/prometheus/client_golang/prometheus", "google.golang.org/grpc", "github.com/labstack/echo/v4",
        "github.com/golang-jwt/jwt/v5", "github.com/spf13/viper", "gorm.io/gorm", "github.com/rs/zerolog/log",
        "github.com/urfave/cli/v2", "k8s.io/client-go/kubernetes", "github.com/nats-io/nats.go"]
NAMES = ["billing", "gateway", "ledger", "notifier", "scheduler", "indexer", "authsvc", "exporter", "syncer", "webhooks"]
PRE = ["go version", "go env GOPATH", "echo \"Go: $(go version)\"", "go env GOOS GOARCH"]


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(PRE, rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def gomod(name: str, extra: str = "") -> str:
    return f"module github.com/acme/{name}\n\ngo 1.19\n{extra}"


def genv(rng: random.Random) -> dict[str, str]:
    return {"GOPROXY": "off", "GOCACHE": "/tmp/gc-gocache", "GOPATH": "/tmp/gc-gopath",
            "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GONOSUMDB": "*", "GONOSUMCHECK": "1", "GOSUMDB": "off"}


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for i, mod in enumerate(MODS):
        name = rng.choice(NAMES)
        alias = mod.rstrip("/").split("/")[-1].split(".")[0]
        if alias.startswith("v") and alias[1:].isdigit():
            alias = mod.split("/")[-2]
        alias = alias.replace("-", "")
        shape = i % 3
        if shape == 0:
            files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport (\n\t\"fmt\"\n\n\t{alias} \"{mod}\"\n)\n\nvar _ = {alias}.New\n\nfunc main() {{\n\tfmt.Println(\"start\")\n}}\n"}
            cmd = rng.choice(["go build ./...", "go build -o bin/app .", "go vet ./..."])
        elif shape == 1:
            files = {"go.mod": gomod(name, f"\nrequire {mod.split('/v')[0] if '/v' in mod and mod.split('/v')[-1].isdigit() else mod} v1.9.0\n"),
                     "main.go": f"package main\n\nimport _ \"{mod}\"\n\nfunc main() {{}}\n"}
            cmd = rng.choice(["go build ./...", "go test ./..."])
        else:
            files = {"go.mod": gomod(name), "internal/store/store_test.go": f"package store\n\nimport (\n\t\"testing\"\n\n\t{alias} \"{mod}\"\n)\n\nfunc TestStore(t *testing.T) {{\n\t_ = {alias}.New\n}}\n"}
            cmd = rng.choice(["go test ./...", "go test -count=1 ./...", "go test -v ./internal/..."])
        cases.append(Case("dependency_missing", f"go package no module provides: {mod} (shape {shape})", join(pre(rng), cmd),
                          files=files, env=genv(rng), kind="shell", expect="no required module|missing go.sum|cannot find|module lookup disabled"))
    for i, var in enumerate(["DATABASE_URL", "PORT", "REDIS_ADDR", "JWT_SECRET", "AWS_REGION", "KAFKA_BROKERS", "GITHUB_TOKEN", "STRIPE_KEY",
                             "NATS_URL", "S3_BUCKET", "OTEL_ENDPOINT", "SIGNING_SECRET"]):
        name = rng.choice(NAMES)
        shape = i % 3
        if shape == 0:
            body = f"\tv := os.Getenv(\"{var}\")\n\tif v == \"\" {{\n\t\tlog.Fatal(\"{var} environment variable is required\")\n\t}}\n\tlog.Println(v)"
        elif shape == 1:
            body = f"\tv, ok := os.LookupEnv(\"{var}\")\n\tif !ok {{\n\t\tpanic(\"missing required env var {var}\")\n\t}}\n\tlog.Println(v)"
        else:
            body = f"\tif os.Getenv(\"{var}\") == \"\" {{\n\t\tlog.Printf(\"config: %s must be set\", \"{var}\")\n\t\tos.Exit(1)\n\t}}"
        files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport (\n\t\"log\"\n\t\"os\"\n)\n\nfunc main() {{\n{body}\n}}\n"}
        cases.append(Case("environment_variable", f"go program with {var} unset (shape {shape})", join(pre(rng), "go run ."),
                          files=files, env=genv(rng), kind="shell", expect=var))
    fails = [
        ("status", "got := 404\n\twant := 200", "if got != want {\n\t\tt.Errorf(\"status = %d, want %d\", got, want)\n\t}"),
        ("body", "got := \"ok\"\n\twant := \"healthy\"", "if got != want {\n\t\tt.Fatalf(\"GET /health: got %q, want %q\", got, want)\n\t}"),
        ("struct", "type user struct{ ID int; Name string }\n\tgot := user{1, \"ada\"}\n\twant := user{1, \"Ada\"}",
         "if !reflect.DeepEqual(got, want) {\n\t\tt.Errorf(\"user mismatch:\\n got: %+v\\nwant: %+v\", got, want)\n\t}"),
        ("slice", "got := []string{\"a\", \"c\"}\n\twant := []string{\"a\", \"b\", \"c\"}", "if !reflect.DeepEqual(got, want) {\n\t\tt.Errorf(\"ListIDs() = %v, want %v\", got, want)\n\t}"),
        ("map", "got := map[string]int{\"a\": 1}\n\twant := map[string]int{\"a\": 1, \"b\": 2}", "if !reflect.DeepEqual(got, want) {\n\t\tt.Errorf(\"Counts() mismatch: got %v want %v\", got, want)\n\t}"),
        ("version", "got := \"v2.1.0\"\n\twant := \"v2.0.0\"", "if got != want {\n\t\tt.Errorf(\"Version() = %s; want %s\", got, want)\n\t}"),
        ("content-type", "got := \"text/plain\"\n\twant := \"application/json\"", "if got != want {\n\t\tt.Errorf(\"Content-Type: got %q want %q\", got, want)\n\t}"),
    ]
    for rep in range(2):
        for what, setup, check in fails:
            name = rng.choice(NAMES)
            files = {"go.mod": gomod(name), "api/api_test.go": f"package api\n\nimport (\n\t\"reflect\"\n\t\"testing\"\n)\n\nvar _ = reflect.DeepEqual\n\nfunc TestSum(t *testing.T) {{\n\tif 1+1 != 2 {{\n\t\tt.Fatal(\"math\")\n\t}}\n}}\n\nfunc Test{what.title().replace('-', '')}(t *testing.T) {{\n\t{setup}\n\t{check}\n}}\n"}
            cases.append(Case("api_contract_mismatch", f"go test got/want mismatch: {what}", join(pre(rng), rng.choice(["go test ./...", "go test -v ./...", "go test -count=1 ./api"])),
                              files=files, env=genv(rng), kind="shell", expect="FAIL"))
    for i, (path, code) in enumerate([("/v1/users/7", 404), ("/v1/orders", 422), ("/v1/session", 409), ("/v2/items", 400)]):
        route(path, code, {"error": "contract changed"})
        port = svc.http_ports[i % len(svc.http_ports)]
        name = rng.choice(NAMES)
        files = {"go.mod": gomod(name), "client/client_test.go": f"package client\n\nimport (\n\t\"net/http\"\n\t\"testing\"\n)\n\nfunc TestAPI(t *testing.T) {{\n\tresp, err := http.Get(\"http://127.0.0.1:{port}{path}\")\n\tif err != nil {{\n\t\tt.Fatal(err)\n\t}}\n\tif resp.StatusCode != http.StatusOK {{\n\t\tt.Fatalf(\"GET {path}: expected status 200, got %d\", resp.StatusCode)\n\t}}\n}}\n"}
        cases.append(Case("api_contract_mismatch", f"go test against loopback API answered {code}", join(pre(rng), "go test ./..."),
                          files=files, env=genv(rng), kind="shell", expect="expected status"))
    for rep in range(6):
        name = rng.choice(NAMES)
        port = common.closed_port(rng)
        shape = rep % 3
        if shape == 0:
            body = f"\tconn, err := net.Dial(\"tcp\", \"127.0.0.1:{port}\")\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n\tconn.Close()"
            imp = "\"log\"\n\t\"net\""
        elif shape == 1:
            body = f"\tresp, err := http.Get(\"http://localhost:{port}/healthz\")\n\tif err != nil {{\n\t\tlog.Fatalf(\"health check failed: %v\", err)\n\t}}\n\tresp.Body.Close()"
            imp = "\"log\"\n\t\"net/http\""
        else:
            body = f"\t_, err := net.DialTimeout(\"tcp\", \"127.0.0.1:{port}\", 2*time.Second)\n\tif err != nil {{\n\t\tpanic(fmt.Sprintf(\"cannot connect to postgres: %v\", err))\n\t}}"
            imp = "\"fmt\"\n\t\"net\"\n\t\"time\""
        files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport (\n\t{imp}\n)\n\nfunc main() {{\n{body}\n}}\n"}
        cases.append(Case("network_timeout", f"go connect to closed loopback port (shape {shape})", join(pre(rng), "go run ."),
                          files=files, env=genv(rng), kind="shell", expect="connection refused"))
    for rep in range(4):
        name = rng.choice(NAMES)
        port = rng.choice(svc.hang_ports)
        files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n\t\"time\"\n)\n\nfunc main() {{\n\tc := &http.Client{{Timeout: {rng.choice([1, 2])} * time.Second}}\n\tresp, err := c.Get(\"http://127.0.0.1:{port}/api/report\")\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n\tdefer resp.Body.Close()\n}}\n"}
        cases.append(Case("network_timeout", "go http.Client timeout against a silent loopback server", join(pre(rng), "go run ."),
                          files=files, env=genv(rng), kind="shell", expect="Client.Timeout|deadline exceeded|timeout"))
    for host in ["db", "redis", "kafka", "proxy.golang.org"]:
        name = rng.choice(NAMES)
        files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport (\n\t\"log\"\n\t\"net\"\n)\n\nfunc main() {{\n\t_, err := net.Dial(\"tcp\", \"{host}:443\")\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n}}\n"}

        def prep(ws: Path) -> None:
            subprocess.run(["go", "build", "-o", "app", "."], cwd=ws, env={**common.base_env(None), **genv(rng), "PATH": "/usr/bin:/bin"}, check=True)

        cases.append(Case("network_timeout", f"go DNS failure for {host} (no network namespace)", join(pre(rng) if False else "", "./app"),
                          files=files, env=genv(rng), prepare=prep, netns=True, kind="shell", display="go run .", expect="lookup"))
    for rep in range(3):
        name = rng.choice(NAMES)
        env = genv(rng)
        env["GOPROXY"] = "https://proxy.golang.org,direct"
        env["GOPATH"] = f"/tmp/gc-gopath-empty{rep}"
        files = {"go.mod": gomod(name, "\nrequire github.com/google/uuid v1.6.0\n"), "main.go": "package main\n\nimport _ \"github.com/google/uuid\"\n\nfunc main() {}\n"}
        cases.append(Case("network_timeout", "go mod download offline (no network namespace)", join(pre(rng), rng.choice(["go mod download", "go build ./..."])),
                          files=files, env=env, netns=True, kind="shell", expect="dial tcp|lookup|network is unreachable"))
    perm = [("write into read-only dir", "reports", 0o555, "\tif err := os.WriteFile(\"reports/out.json\", []byte(\"{}\"), 0o644); err != nil {\n\t\tlog.Fatal(err)\n\t}"),
            ("open chmod-000 file", "secrets.env", 0o000, "\tb, err := os.ReadFile(\"secrets.env\")\n\tif err != nil {\n\t\tlog.Fatalf(\"read secrets: %v\", err)\n\t}\n\tlog.Println(len(b))"),
            ("listen on :80", None, 0, "\tln, err := net.Listen(\"tcp\", \":80\")\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tln.Close()"),
            ("MkdirAll under /var/lib", None, 0, "\tif err := os.MkdirAll(\"/var/lib/acme/cache\", 0o755); err != nil {\n\t\tpanic(err)\n\t}")]
    for rep in range(3):
        for what, target, mode, body in perm:
            name = rng.choice(NAMES)
            files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport (\n\t\"log\"\n\t\"net\"\n\t\"os\"\n)\n\nvar _ = net.Listen\nvar _ = log.Println\nvar _ = os.Exit\n\nfunc main() {{\n{body}\n}}\n",
                     "reports/.keep": "", "secrets.env": "K=V\n"}

            def prep(ws: Path, target=target, mode=mode) -> None:
                subprocess.run(["go", "build", "-o", "app", "."], cwd=ws, env={**common.base_env(None), **genv(rng), "PATH": "/usr/bin:/bin"}, check=True)
                if target:
                    os.chmod(ws / target, mode)

            cases.append(Case("permission_denied", f"go binary as unprivileged user: {what}", "./app", files=files, user="nobody",
                              prepare=prep, kind="shell", display=rng.choice(["./app", "./bin/server", "go run ."]), expect="permission denied"))
    gomods = [("unknown directive", "module github.com/acme/x\n\ngo 1.19\n\nrequir github.com/google/uuid v1.6.0\n"),
              ("invalid go version", "module github.com/acme/x\n\ngo 1.x\n"),
              ("missing module path", "go 1.19\n"),
              ("invalid version", "module github.com/acme/x\n\ngo 1.19\n\nrequire github.com/google/uuid latest\n"),
              ("malformed require block", "module github.com/acme/x\n\ngo 1.19\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n"),
              ("replace missing target", "module github.com/acme/x\n\ngo 1.19\n\nreplace github.com/acme/lib =>\n")]
    for rep in range(2):
        for what, text in gomods:
            files = {"go.mod": text, "main.go": "package main\n\nfunc main() {}\n"}
            cases.append(Case("configuration_error", f"invalid go.mod: {what}", join(pre(rng), rng.choice(["go build ./...", "go mod tidy", "go test ./..."])),
                              files=files, env=genv(rng), kind="shell", expect="go.mod"))
    other = [("undefined", "func main() {\n\tfmt.Println(total)\n}"), ("declared and not used", "func main() {\n\tx := 1\n\tfmt.Println()\n}"),
             ("type mismatch", "func main() {\n\tvar n int = \"3\"\n\tfmt.Println(n)\n}"), ("missing return", "func f() int {\n\tfmt.Println()\n}\n\nfunc main() { f() }"),
             ("nil map panic", "func main() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n\tfmt.Println(m)\n}"),
             ("index out of range", "func main() {\n\ts := []int{}\n\tfmt.Println(s[len(s)+2])\n}"),
             ("vet printf", "func main() {\n\tfmt.Printf(\"%d\\n\", \"x\")\n}"), ("explicit panic", "func main() {\n\tfmt.Println(\"migrating\")\n\tpanic(\"migration 0042 failed: duplicate key\")\n}")]
    for rep in range(2):
        for what, body in other:
            name = rng.choice(NAMES)
            cmd = "go vet ./..." if "vet" in what else rng.choice(["go run .", "go build ./..."] if "panic" not in what and "range" not in what else ["go run ."])
            files = {"go.mod": gomod(name), "main.go": f"package main\n\nimport \"fmt\"\n\n{body}\n"}
            cases.append(Case("other", f"go failure: {what}", join(pre(rng), cmd), files=files, env=genv(rng), kind="shell", expect="."))
    for rep in range(4):
        name = rng.choice(NAMES)
        files = {"go.mod": gomod(name), "main.go": "package main\nimport \"fmt\"\nfunc main() {\nfmt.Println( \"x\" )\n}\n"}
        cases.append(Case("other", "gofmt would reformat", join(pre(rng), "test -z \"$(gofmt -l .)\" || { gofmt -d .; echo 'Run gofmt -w .' >&2; exit 1; }"),
                          files=files, env=genv(rng), kind="shell", expect="gofmt"))
    return cases


if __name__ == "__main__":
    common.main("golang", build, workers=2)
