"""cargo failing for real on tiny crates: undeclared crates, `env::var(..).expect`
panics, assert_eq! failures, refused and silent loopback connections, permission errors
as an unprivileged user, broken Cargo.toml, compile errors, clippy denials and panics.
All crates share one target directory and build one at a time (cargo's build lock would
otherwise print "Blocking waiting for file lock" into the output)."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import common
from common import Case, Services

W1 = ["order", "ledger", "billing", "auth", "event", "metrics", "search", "image", "config", "queue",
      "report", "user", "cache", "sync", "deploy", "stream", "geo", "mail", "token", "audit"]
W2 = ["core", "service", "worker", "api", "cli", "engine", "store", "client", "daemon", "tools",
      "server", "proxy", "agent", "gateway", "index", "runner"]
CRATES = [("serde_json", "Value"), ("serde", "Deserialize"), ("tokio", "runtime"), ("reqwest", "Client"),
          ("anyhow", "Result"), ("thiserror", "Error"), ("clap", "Parser"), ("regex", "Regex"),
          ("chrono", "Utc"), ("uuid", "Uuid"), ("rand", "Rng"), ("log", "info"), ("tracing", "info"),
          ("sqlx", "PgPool"), ("axum", "Router"), ("hyper", "Body"), ("futures", "StreamExt"),
          ("itertools", "Itertools"), ("once_cell", "sync::Lazy"), ("lazy_static", "lazy_static"),
          ("base64", "engine"), ("sha2", "Sha256"), ("bytes", "Bytes"), ("tempfile", "tempdir"),
          ("walkdir", "WalkDir"), ("rayon", "prelude"), ("toml", "Value"), ("serde_yaml", "Value"),
          ("url", "Url"), ("env_logger", "Builder"), ("diesel", "prelude"), ("redis", "Commands"),
          ("tonic", "transport"), ("prost", "Message"), ("csv", "Reader"), ("indicatif", "ProgressBar")]


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.pool = [f"{a}-{b}" for a in W1 for b in W2]
        rng.shuffle(self.pool)

    def next(self) -> str:
        return self.pool.pop()


def cargo_toml(name: str, deps: str = "", edition: str = "2021", extra: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "0.{len(name) % 7}.0"\nedition = "{edition}"\n{extra}\n[dependencies]\n{deps}'


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(["cargo --version", "rustc --version", "cargo --version --verbose | head -n 3",
                                 "rustup show active-toolchain", "echo \"Building $(basename $PWD)\""], rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def cenv(rng: random.Random) -> dict[str, str]:
    env = {"CARGO_NET_RETRY": "0"}
    if rng.random() < 0.35:
        env["CARGO_TERM_COLOR"] = "always"
    if rng.random() < 0.3:
        env["RUST_BACKTRACE"] = "1"
    return env


def dependency_cases(rng: random.Random, names: Names) -> list[Case]:
    cases = []
    for i, (krate, item) in enumerate(CRATES):
        name = names.next()
        shape = i % 4
        if shape == 0:
            src = {"src/main.rs": f"use {krate}::{item};\n\nfn main() {{\n    println!(\"starting {name}\");\n}}\n"}
        elif shape == 1:
            src = {"src/lib.rs": f"pub mod handlers;\n", "src/handlers.rs": f"use std::collections::HashMap;\n\npub fn handle(m: &HashMap<String, String>) -> usize {{\n    let _ = {krate}::{item.split('::')[0]}::default();\n    m.len()\n}}\n"}
        elif shape == 2:
            src = {"src/main.rs": f"extern crate {krate};\n\nfn main() {{}}\n"}
        else:
            src = {"src/lib.rs": f"#[cfg(test)]\nmod tests {{\n    use {krate}::{item};\n\n    #[test]\n    fn it_works() {{\n        assert_eq!(2 + 2, 4);\n    }}\n}}\n"}
        cmd = "cargo test" if shape == 3 else rng.choice(["cargo check", "cargo build", "cargo check --all-targets", "cargo build --release"])
        cases.append(Case("dependency_missing", f"cargo with undeclared crate {krate} (shape {shape})", join(pre(rng), cmd),
                          files={"Cargo.toml": cargo_toml(name), **src}, env=cenv(rng),
                          expect="E0432|E0433|E0463|can't find crate|unresolved|undeclared"))
    for krate in ["openssl-sys", "libsqlite3", "zstd"]:
        pass
    return cases


def env_cases(rng: random.Random, names: Names) -> list[Case]:
    cases = []
    vars_ = ["DATABASE_URL", "RUST_LOG_LEVEL", "API_TOKEN", "AWS_REGION", "REDIS_URL", "BIND_ADDR",
             "SECRET_KEY", "GITHUB_TOKEN", "KAFKA_BROKERS", "S3_BUCKET", "JWT_SECRET", "SENTRY_DSN",
             "GRPC_ENDPOINT", "SMTP_HOST", "NATS_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "CLICKHOUSE_URL",
             "SIGNING_KEY", "WEBHOOK_SECRET", "CONFIG_PATH"]
    for i, var in enumerate(vars_):
        name = names.next()
        shape = i % 5
        if shape == 0:
            main = f"use std::env;\n\nfn main() {{\n    let url = env::var(\"{var}\").expect(\"{var} must be set\");\n    println!(\"connecting to {{url}}\");\n}}\n"
        elif shape == 1:
            main = f"fn main() {{\n    let v = std::env::var(\"{var}\").unwrap();\n    println!(\"{{v}}\");\n}}\n"
        elif shape == 2:
            main = f"use std::env;\n\n#[derive(Debug)]\nstruct Config {{\n    value: String,\n}}\n\nfn load() -> Result<Config, String> {{\n    let value = env::var(\"{var}\").map_err(|_| \"environment variable {var} is not set\".to_string())?;\n    Ok(Config {{ value }})\n}}\n\nfn main() -> Result<(), String> {{\n    let cfg = load()?;\n    println!(\"{{cfg:?}}\");\n    Ok(())\n}}\n"
        elif shape == 3:
            main = f"fn main() {{\n    let port: u16 = std::env::var(\"{var}\").unwrap_or_default().parse().expect(\"{var} must be a valid number\");\n    println!(\"{{port}}\");\n}}\n"
        else:
            main = f"fn main() {{\n    match std::env::var(\"{var}\") {{\n        Ok(v) => println!(\"using {{v}}\"),\n        Err(e) => {{\n            eprintln!(\"error: {var}: {{e}}\");\n            std::process::exit(2);\n        }}\n    }}\n}}\n"
        cases.append(Case("environment_variable", f"cargo run with {var} unset (shape {shape})", join(pre(rng), "cargo run --quiet" if rng.random() < 0.4 else "cargo run"),
                          files={"Cargo.toml": cargo_toml(name), "src/main.rs": main}, env=cenv(rng), expect=var, timeout=120))
    for var in rng.sample(vars_, 6):
        name = names.next()
        lib = f"pub fn endpoint() -> String {{\n    std::env::var(\"{var}\").expect(\"{var} must be set for integration tests\")\n}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn reads_endpoint() {{\n        assert!(!super::endpoint().is_empty());\n    }}\n}}\n"
        cases.append(Case("environment_variable", f"cargo test needing {var}", join(pre(rng), "cargo test"),
                          files={"Cargo.toml": cargo_toml(name), "src/lib.rs": lib}, env=cenv(rng), expect=var, timeout=120))
    return cases


def api_cases(rng: random.Random, names: Names) -> list[Case]:
    cases = []
    fails = [
        ("status code", "let status: u16 = 404;", "assert_eq!(status, 200);"),
        ("string field", "let body = String::from(\"ok\");", "assert_eq!(body, \"healthy\");"),
        ("vec", "let ids = vec![1, 2, 4];", "assert_eq!(ids, vec![1, 2, 3]);"),
        ("struct", "#[derive(Debug, PartialEq)] struct User { id: u32, name: &'static str }\n        let u = User { id: 1, name: \"ada\" };", "assert_eq!(u, User { id: 1, name: \"Ada\" });"),
        ("custom message", "let version = \"2.0.1\";", "assert_eq!(version, \"2.1.0\", \"API version changed\");"),
        ("option", "let token: Option<&str> = None;", "assert_eq!(token, Some(\"abc\"));"),
        ("tuple", "let r = (\"ok\", 201);", "assert_eq!(r, (\"ok\", 200));"),
        ("hashmap len", "let m: std::collections::HashMap<&str, i32> = [(\"a\", 1)].into_iter().collect();", "assert_eq!(m.len(), 2);"),
        ("assert_ne", "let a = \"v1\";", "assert_ne!(a, \"v1\");"),
        ("json string", "let s = format!(\"{{\\\"id\\\":{}}}\", 7);", "assert_eq!(s, r#\"{\"id\":7,\"name\":\"x\"}\"#);"),
    ]
    for rep in range(2):
        for what, setup, line in fails:
            name = names.next()
            test = rng.choice(["parses_response", "returns_expected_status", "serializes_user", "contract_v2", "health_check"])
            lib = f"pub fn add(a: i32, b: i32) -> i32 {{\n    a + b\n}}\n\n#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n    fn adds() {{\n        assert_eq!(add(2, 2), 4);\n    }}\n\n    #[test]\n    fn {test}() {{\n        {setup}\n        {line}\n    }}\n}}\n"
            cmd = rng.choice(["cargo test", "cargo test --all", "cargo test -- --nocapture", "cargo test --lib"])
            cases.append(Case("api_contract_mismatch", f"cargo test assertion failure: {what}", join(pre(rng), cmd),
                              files={"Cargo.toml": cargo_toml(name), "src/lib.rs": lib}, env=cenv(rng),
                              expect="assertion", timeout=120))
    return cases


def network_cases(rng: random.Random, svc: Services, names: Names) -> list[Case]:
    cases = []
    for rep in range(8):
        name = names.next()
        port = common.closed_port(rng)
        shape = rep % 4
        if shape == 0:
            main = f"use std::net::TcpStream;\n\nfn main() -> std::io::Result<()> {{\n    let _s = TcpStream::connect(\"127.0.0.1:{port}\")?;\n    Ok(())\n}}\n"
        elif shape == 1:
            main = f"use std::net::TcpStream;\n\nfn main() {{\n    let s = TcpStream::connect((\"127.0.0.1\", {port})).expect(\"failed to connect to database\");\n    drop(s);\n}}\n"
        elif shape == 2:
            main = f"use std::io::Write;\nuse std::net::TcpStream;\n\nfn main() {{\n    match TcpStream::connect(\"localhost:{port}\") {{\n        Ok(mut s) => {{ s.write_all(b\"PING\").unwrap(); }}\n        Err(e) => {{ eprintln!(\"Error: could not reach service at localhost:{port}: {{e}}\"); std::process::exit(1); }}\n    }}\n}}\n"
        else:
            main = f"#[cfg(test)]\nmod tests {{\n    #[test]\n    fn talks_to_server() {{\n        let s = std::net::TcpStream::connect(\"127.0.0.1:{port}\").unwrap();\n        drop(s);\n    }}\n}}\n"
        files = {"Cargo.toml": cargo_toml(name), ("src/lib.rs" if shape == 3 else "src/main.rs"): main}
        cmd = "cargo test" if shape == 3 else "cargo run"
        cases.append(Case("network_timeout", f"rust TcpStream to closed loopback port (shape {shape})", join(pre(rng), cmd),
                          files=files, env=cenv(rng), expect="Connection refused|ConnectionRefused", timeout=120))
    for rep in range(5):
        name = names.next()
        port = rng.choice(svc.hang_ports)
        main = (f"use std::io::{{Read, Write}};\nuse std::net::TcpStream;\nuse std::time::Duration;\n\nfn main() -> std::io::Result<()> {{\n"
                f"    let mut s = TcpStream::connect(\"127.0.0.1:{port}\")?;\n    s.set_read_timeout(Some(Duration::from_secs(1)))?;\n"
                f"    s.write_all(b\"GET /health HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n\")?;\n    let mut buf = [0u8; 512];\n"
                f"    let n = s.read(&mut buf){'?' if rep % 2 == 0 else '.expect(\"timed out waiting for response\")'};\n    println!(\"{{n}}\");\n    Ok(())\n}}\n")
        cases.append(Case("network_timeout", "rust read timeout against a silent loopback server", join(pre(rng), "cargo run"),
                          files={"Cargo.toml": cargo_toml(name), "src/main.rs": main}, env=cenv(rng),
                          expect="WouldBlock|timed out|Resource temporarily", timeout=120))
    for rep, host in enumerate(["db", "redis", "api.internal", "kafka"]):
        name = names.next()
        main = f"use std::net::ToSocketAddrs;\n\nfn main() {{\n    let addrs = \"{host}:5432\".to_socket_addrs().expect(\"failed to resolve {host}\");\n    println!(\"{{:?}}\", addrs.collect::<Vec<_>>());\n}}\n"
        cases.append(Case("network_timeout", f"rust DNS failure for {host} (no network namespace)", join(pre(rng), "cargo run"),
                          files={"Cargo.toml": cargo_toml(name), "src/main.rs": main}, env=cenv(rng), netns=True,
                          expect="resolve|resolution|lookup", timeout=120))
    # Fetching a dependency without network: cargo's own error.
    for krate, ver in [("serde", "1"), ("tokio", "1"), ("anyhow", "1"), ("regex", "1.10"), ("rand", "0.8"), ("clap", "4"),
                       ("itoa", "1")]:
        name = names.next()
        files = {"Cargo.toml": cargo_toml(name, f'{krate} = "{ver}"\n'), "src/main.rs": "fn main() {}\n"}
        cases.append(Case("network_timeout", f"cargo fetch {krate} offline (no network namespace)", join(pre(rng), rng.choice(["cargo build", "cargo fetch", "cargo check --locked" if False else "cargo check"])),
                          files=files, env={**cenv(rng), "CARGO_HOME": "/tmp/gc-cargo-home"}, netns=True,
                          expect="resolve|network|spurious|failed to", timeout=120))
    return cases


def permission_cases(rng: random.Random, names: Names) -> list[Case]:
    cases = []
    shapes = [
        ("open chmod-000 file", "config/secrets.toml", 0o000, "fn main() {\n    let s = std::fs::read_to_string(\"config/secrets.toml\").expect(\"failed to read config/secrets.toml\");\n    println!(\"{}\", s.len());\n}\n"),
        ("write into read-only dir", "out", 0o555, "use std::fs;\n\nfn main() -> std::io::Result<()> {\n    fs::write(\"out/report.json\", b\"{}\")?;\n    Ok(())\n}\n"),
        ("create_dir_all under /var/lib", None, 0, "fn main() {\n    std::fs::create_dir_all(\"/var/lib/{n}/data\").unwrap();\n}\n"),
        ("bind port 80", None, 0, "fn main() {\n    let l = std::net::TcpListener::bind(\"127.0.0.1:80\").expect(\"could not bind to 127.0.0.1:80\");\n    drop(l);\n}\n"),
        ("remove file in read-only dir", "cache", 0o555, "fn main() -> Result<(), Box<dyn std::error::Error>> {\n    std::fs::remove_file(\"cache/index.bin\")?;\n    Ok(())\n}\n"),
    ]
    for rep in range(3):
        for what, target, mode, code in shapes:
            name = names.next()
            files = {"Cargo.toml": cargo_toml(name), "src/main.rs": code.replace("{n}", name),
                     "config/secrets.toml": "k = 1\n", "out/.keep": "", "cache/index.bin": ""}
            bin_path = common.CARGO_TARGET / "debug" / name

            def prep(ws: Path, target=target, mode=mode) -> None:
                env = common.base_env(None)
                subprocess.run(["cargo", "build", "-q"], cwd=ws, env=env, check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if target:
                    os.chmod(ws / target, mode)

            cases.append(Case("permission_denied", f"rust binary as unprivileged user: {what}",
                              join(pre(rng) if False else "", f"{bin_path}"), files=files, user="nobody", prepare=prep,
                              display=f"./target/debug/{name}", expect="Permission denied|PermissionDenied", timeout=120))
    return cases


def config_cases(rng: random.Random, names: Names) -> list[Case]:
    cases = []
    bad = [
        ("TOML syntax: unclosed string", lambda n: f'[package]\nname = "{n}\nversion = "0.1.0"\n'),
        ("TOML syntax: missing equals", lambda n: f'[package]\nname "{n}"\nversion = "0.1.0"\n'),
        ("invalid edition", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2030"\n'),
        ("invalid version", lambda n: f'[package]\nname = "{n}"\nversion = "1.0"\nedition = "2021"\n'),
        ("features must be a list", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nserde = {{ version = "1", features = "derive" }}\n'),
        ("missing package name", lambda n: '[package]\nversion = "0.1.0"\nedition = "2021"\n'),
        ("duplicate key", lambda n: f'[package]\nname = "{n}"\nname = "{n}-2"\nversion = "0.1.0"\n'),
        ("invalid dependency version req", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nlog = "^^0.4"\n'),
        ("workspace member missing", lambda n: f'[workspace]\nmembers = ["crates/{n}", "crates/missing-crate"]\nresolver = "2"\n'),
        ("invalid rust-version", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\nrust-version = "latest"\n'),
        ("bad table header", lambda n: f'[package\nname = "{n}"\nversion = "0.1.0"\n'),
        ("invalid package name", lambda n: f'[package]\nname = "{n}!"\nversion = "0.1.0"\nedition = "2021"\n'),
        ("lib path missing", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\npath = "src/library.rs"\n'),
        ("dependency with wrong type", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nregex = 1\n'),
        ("profile opt-level invalid", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[profile.release]\nopt-level = "fast"\n'),
        ("edition 2024 unsupported key lints wrong type", lambda n: f'[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[lints.rust]\nunsafe_code = "never"\n'),
    ]
    for rep in range(2):
        for what, mk in bad:
            name = names.next()
            files = {"Cargo.toml": mk(name), "src/lib.rs": "pub fn f() {}\n", f"crates/{name}/Cargo.toml": cargo_toml(name),
                     f"crates/{name}/src/lib.rs": ""}
            cases.append(Case("configuration_error", f"broken Cargo.toml: {what}", join(pre(rng), rng.choice(["cargo check", "cargo build", "cargo test", "cargo metadata --format-version 1 >/dev/null"])),
                              files=files, env=cenv(rng), netns=True, expect="error|failed"))
    for krate, ver in [("serde", "99.0"), ("tokio", "0.99"), ("anyhow", "=1.0.999")]:
        name = names.next()
        files = {"Cargo.toml": cargo_toml(name, f'{krate} = "{ver}"\n'), "src/main.rs": "fn main() {}\n"}
        cases.append(Case("configuration_error", f"cargo dependency {krate} {ver} does not exist", join(pre(rng), "cargo check"),
                          files=files, env=cenv(rng), expect="failed to select a version", timeout=180))
    return cases


def other_cases(rng: random.Random, names: Names) -> list[Case]:
    cases = []
    compile_errs = [
        ("E0308 mismatched types", "fn port() -> u16 {\n    \"8080\"\n}\n\nfn main() {\n    println!(\"{}\", port());\n}\n"),
        ("E0382 use after move", "fn main() {\n    let v = vec![1, 2, 3];\n    let w = v;\n    println!(\"{:?} {:?}\", v, w);\n}\n"),
        ("E0502 borrow conflict", "fn main() {\n    let mut v = vec![1];\n    let first = &v[0];\n    v.push(2);\n    println!(\"{}\", first);\n}\n"),
        ("E0425 unresolved name", "fn main() {\n    let total = 3;\n    println!(\"{}\", totl);\n}\n"),
        ("E0599 no method", "struct Client;\n\nfn main() {\n    let c = Client;\n    c.send();\n}\n"),
        ("E0061 wrong arg count", "fn area(w: u32, h: u32) -> u32 { w * h }\n\nfn main() {\n    println!(\"{}\", area(3));\n}\n"),
        ("E0277 trait bound", "fn main() {\n    let x: i32 = \"5\".parse::<u8>().unwrap() + 1i32;\n    println!(\"{x}\");\n}\n"),
        ("E0106 missing lifetime", "struct Parser {\n    input: &str,\n}\n\nfn main() {}\n"),
        ("syntax error", "fn main() {\n    let x = 5\n    println!(\"{}\", x);\n}\n"),
        ("E0384 assign twice", "fn main() {\n    let x = 1;\n    x = 2;\n    println!(\"{x}\");\n}\n"),
        ("E0004 non-exhaustive", "enum State { A, B, C }\n\nfn f(s: State) -> u8 {\n    match s {\n        State::A => 1,\n        State::B => 2,\n    }\n}\n\nfn main() { f(State::C); }\n"),
        ("E0596 borrow immutable as mutable", "fn main() {\n    let v = Vec::new();\n    v.push(1);\n}\n"),
    ]
    for rep in range(2):
        for what, code in compile_errs:
            name = names.next()
            cases.append(Case("other", f"rust compile error {what}", join(pre(rng), rng.choice(["cargo build", "cargo check", "cargo test", "cargo build --all-targets"])),
                              files={"Cargo.toml": cargo_toml(name), "src/main.rs": code}, env=cenv(rng), expect="error", timeout=120))
    clippy = [
        ("needless_return", "pub fn f(x: i32) -> i32 {\n    return x + 1;\n}\n"),
        ("redundant_clone", "pub fn f(s: &String) -> usize {\n    let t = s.clone();\n    t.len()\n}\n"),
        ("len_zero", "pub fn empty(v: &Vec<u8>) -> bool {\n    v.len() == 0\n}\n"),
        ("unused variable warning", "pub fn f() {\n    let unused = 5;\n}\n"),
        ("manual_range_contains", "pub fn ok(x: i32) -> bool {\n    x >= 1 && x <= 10\n}\n"),
        ("single_match", "pub fn f(o: Option<u8>) {\n    match o {\n        Some(v) => println!(\"{v}\"),\n        _ => {}\n    }\n}\n"),
        ("dead_code", "fn helper() -> u8 {\n    1\n}\n\npub fn g() {}\n"),
        ("needless_range_loop", "pub fn sum(v: &[i32]) -> i32 {\n    let mut s = 0;\n    for i in 0..v.len() {\n        s += v[i];\n    }\n    s\n}\n"),
    ]
    for rep in range(2):
        for what, code in clippy:
            name = names.next()
            cases.append(Case("other", f"cargo clippy -D warnings: {what}", join(pre(rng), rng.choice(["cargo clippy -- -D warnings", "cargo clippy --all-targets -- -D warnings"])),
                              files={"Cargo.toml": cargo_toml(name), "src/lib.rs": code}, env=cenv(rng), expect="error", timeout=120))
    panics = [
        ("unwrap on Err", "fn main() {\n    let n: u32 = \"abc\".parse().unwrap();\n    println!(\"{n}\");\n}\n"),
        ("index out of bounds", "fn main() {\n    let v: Vec<u8> = Vec::new();\n    println!(\"{}\", v[3]);\n}\n"),
        ("explicit panic", "fn main() {\n    panic!(\"invariant violated: ledger balance negative\");\n}\n"),
        ("overflow", "fn main() {\n    let x: u8 = 255;\n    let y = x + std::env::args().count() as u8;\n    println!(\"{y}\");\n}\n"),
        ("divide by zero", "fn main() {\n    let d = std::env::args().count() - 1;\n    println!(\"{}\", 10 / d);\n}\n"),
        ("test panics", "#[cfg(test)]\nmod tests {\n    #[test]\n    fn parses() {\n        let v: Vec<i32> = \"1,x,3\".split(',').map(|s| s.parse().unwrap()).collect();\n        assert!(v.len() == 3);\n    }\n}\n"),
        ("bare assert in test", "#[cfg(test)]\nmod tests {\n    #[test]\n    fn within_budget() {\n        let elapsed_ms = 1250;\n        assert!(elapsed_ms < 1000);\n    }\n}\n"),
        ("stack overflow", "fn f(n: u64) -> u64 { if n == u64::MAX { 0 } else { f(n + 1) + 1 } }\n\nfn main() {\n    println!(\"{}\", f(0));\n}\n"),
    ]
    for rep in range(2):
        for what, code in panics:
            name = names.next()
            is_test = "test" in what
            cases.append(Case("other", f"rust panic: {what}", join(pre(rng), "cargo test" if is_test else "cargo run"),
                              files={"Cargo.toml": cargo_toml(name), ("src/lib.rs" if is_test else "src/main.rs"): code},
                              env=cenv(rng), expect="panicked|overflow|error", timeout=120))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    names = Names(rng)
    cases = (dependency_cases(rng, names) + env_cases(rng, names) + api_cases(rng, names)
             + network_cases(rng, svc, names) + permission_cases(rng, names) + config_cases(rng, names)
             + other_cases(rng, names))
    for c in cases:
        c.kind = "rust"
    return cases


if __name__ == "__main__":
    common.main("rust", build, workers=1)
