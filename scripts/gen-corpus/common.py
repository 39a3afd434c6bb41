"""Shared machinery for the corpus generators.

Every generator builds a list of `Case`s (a label, a description, a shell script), runs
each script for real on this machine, and turns what it printed into a corpus item. This
module owns the parts that must be identical across generators so the corpus is
consistent: running as root or as an unprivileged user, replacing machine-specific paths
with stable runner paths, wrapping some items in GitHub's job-log format, and writing the
sorted JSONL output.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import http.server
import json
import os
import random
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "fixtures" / "corpus"
RAW_DIR = Path(os.environ.get("GC_RAW_DIR", "/tmp/gc-raw"))
WS_ROOT = Path("/tmp/gc-ws")
VENV = Path(os.environ.get("GC_VENV", "/tmp/gc-venv"))
BARE_VENV = Path("/tmp/gc-venv-bare")
NODE_PROJ = Path(os.environ.get("GC_NODE", "/tmp/gc-node"))
CARGO_TARGET = Path(os.environ.get("GC_CARGO_TARGET", "/tmp/gc-target"))
NOBODY_HOME = Path("/tmp/gc-home-nobody")

LABELS = (
    "dependency_missing",
    "environment_variable",
    "api_contract_mismatch",
    "network_timeout",
    "permission_denied",
    "configuration_error",
    "other",
)

REPOS = [
    "app", "api-server", "billing-service", "web", "backend", "platform", "payments",
    "inventory", "auth-service", "data-pipeline", "frontend", "core", "notifications",
    "search", "gateway", "worker", "cli", "analytics", "orders", "catalog",
]
OWNERS = ["acme", "octo-org", "contoso", "initech", "globex", "umbrella-corp", "hooli",
          "stark-industries", "wayne-ent", "vandelay"]

HOSTED_PY = "/opt/hostedtoolcache/Python/3.11.7/x64"
MAX_LINES = 200


@dataclass
class Case:
    """One real command to run and the label its output gets."""

    label: str
    what: str
    script: str
    # Files to write into the workspace before running: relative path -> content.
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None  # "nobody" to drop root privileges
    timeout: float = 60.0
    # Called with the workspace path before the script runs (chmod, git init...).
    prepare: Callable[[Path], None] | None = None
    # The command shown in a GitHub `Run` header; defaults to the script.
    display: str | None = None
    # Which setup steps fit this case in a wrapped log.
    kind: str = "python"
    # Wrap decision: None lets the runner pick (about half), True/False forces.
    wrap: bool | None = None
    # Accept only outputs matching this regex (a guard against a case that silently
    # did not fail the way its label says).
    expect: str | None = None
    # Link node_modules from the shared Node project into the workspace.
    node_modules: bool = False
    # Run inside an empty network namespace (DNS failures, offline registries).
    netns: bool = False
    # A `uses:` step: `display` is the action reference plus its `with:` block.
    uses: bool = False
    # Drop the case when its output matches this: the failure was of another kind.
    reject: str | None = None


def base_env(user: str | None) -> dict[str, str]:
    env = {
        "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin:/root/.cargo/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": "/root",
        "TERM": "dumb",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "CARGO_TARGET_DIR": str(CARGO_TARGET),
        "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", "/root/.rustup"),
        "CARGO_HOME": os.environ.get("CARGO_HOME", "/root/.cargo"),
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "NO_UPDATE_NOTIFIER": "1",
    }
    if user:
        NOBODY_HOME.mkdir(parents=True, exist_ok=True)
        os.chmod(NOBODY_HOME, 0o777)
        env["HOME"] = str(NOBODY_HOME)
        # The pyenv interpreter lives under root's home, which nobody cannot enter.
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return env


STEPS_DIR = Path("/tmp/gc-steps")


def run_script(script: str, cwd: Path, env: dict[str, str], user: str | None,
               timeout: float, step_file: Path, netns: bool = False) -> tuple[int, str]:
    """Run a script the way a `run:` step does (`bash -e file`), stdout and stderr
    interleaved as a CI log shows them. `netns` runs it in a network namespace with no
    interfaces, so name lookups fail without any packet leaving the machine."""
    step_file.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(step_file.parent, 0o755)
    step_file.write_text(script + "\n")
    os.chmod(step_file, 0o644)
    argv = ["bash", "-e", str(step_file)]
    if user == "nobody":
        # A guard: these scripts try to write system paths and must never run as root.
        step_file.write_text('[ "$(id -u)" = 65534 ] || exit 99\n' + script + "\n")
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + argv
    if netns:
        argv = ["unshare", "-n", "--"] + argv
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, _ = proc.communicate()
        return 124, out.decode("utf-8", "replace")
    return proc.returncode, out.decode("utf-8", "replace")


HOSTNAME = socket.gethostname()


def _nameservers() -> list[str]:
    try:
        text = Path("/etc/resolv.conf").read_text()
    except OSError:
        return []
    return re.findall(r"^nameserver\s+(\S+)", text, flags=re.M)


# The resolver a DNS error names is this machine's; a runner shows systemd-resolved's.
NAMESERVERS = [ns for ns in _nameservers() if ns != "127.0.0.53"]


def normalise(text: str, ws: Path, repo: str, step_file: Path | None = None,
              step_name: str = "") -> str:
    """Replace machine-specific paths and names with what a GitHub runner shows."""
    wsp = f"/home/runner/work/{repo}/{repo}"
    reps = [
        (str(step_file), f"/home/runner/work/_temp/{step_name}.sh") if step_file else ("\0", "\0"),
        (str(ws), wsp),
        ("/tmp/gc-docker.sock", "/var/run/docker.sock"),
        ("/tmp/gc-gopath", "/home/runner/go"),
        ("/tmp/gc-npm9/node_modules/npm", "/usr/local/lib/node_modules/npm"),
        ("/tmp/gc-npm9/node_modules/.bin", "/usr/local/bin"),
        ("/tmp/gc-gocache", "/home/runner/.cache/go-build"),
        ("%2Ftmp%2Fgc-docker.sock", "%2Fvar%2Frun%2Fdocker.sock"),
        (str(CARGO_TARGET), f"{wsp}/target"),
        (str(NODE_PROJ), wsp),
        ("/tmp/gc-venv-bare", HOSTED_PY),
        ("/tmp/gc-venv-sys", "/usr/local"),
        (str(VENV), HOSTED_PY),
        ("/root/.pyenv/versions/3.11.7", HOSTED_PY),
        ("/root/.cargo", "/home/runner/.cargo"),
        ("/root/.rustup", "/home/runner/.rustup"),
        ("/root/.npm", "/home/runner/.npm"),
        ("/root/.cache", "/home/runner/.cache"),
        (str(NOBODY_HOME), "/home/runner"),
        ("/root", "/home/runner"),
        (str(WS_ROOT), "/home/runner/work"),
    ]
    for a, b in reps:
        text = text.replace(a, b)
    text = re.sub(r"/tmp/gc-[\w.-]+", "/tmp", text)
    text = re.sub(r"/tmp/tmp[\w]{6,}", "/tmp/tmpk2x9q0ab", text)
    for ns in NAMESERVERS:
        text = text.replace(ns, "127.0.0.53")
    if HOSTNAME and len(HOSTNAME) > 3:
        text = text.replace(HOSTNAME, "fv-az1234-567")
    # Process ids that bash reports for a killed child change on every run.
    text = re.sub(r"(line \d+: +)\d+( +(?:Killed|Aborted|Segmentation fault|Terminated))", r"\g<1>4187\2", text)
    # Temporary names that pip and gcc pick at random.
    text = re.sub(r"/tmp/pip-([a-z-]+)-[a-z0-9_]{8}\b", r"/tmp/pip-\1-k2x9q0ab", text)
    text = re.sub(r"/tmp/cc[A-Za-z0-9]{6}\.o\b", "/tmp/ccq3LxVb.o", text)
    # Go's log package stamps every line with the wall clock.
    text = re.sub(r"(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", "2024/05/01 12:00:00 ", text)
    # npm names its debug log after the current time.
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d_\d\d_\d\d_\d+Z-debug", "2024-05-01T12_00_00_000Z-debug", text)
    text = text.replace("\r\n", "\n")
    return text


def clip(lines: list[str], limit: int) -> list[str]:
    """Keep the head and the tail: the cause of a failure is nearly always near the end."""
    if len(lines) <= limit:
        return lines
    head = limit // 4
    return lines[:head] + lines[len(lines) - (limit - head):]


# ---------------------------------------------------------------- GitHub wrapping

def _checkout(rng: random.Random, owner: str, repo: str) -> list[str]:
    sha = hashlib.sha1(f"{owner}/{repo}{rng.random()}".encode()).hexdigest()
    return [
        "##[group]Run actions/checkout@v4",
        "with:",
        f"  repository: {owner}/{repo}",
        "  token: ***",
        "  ssh-strict: true",
        "  persist-credentials: true",
        "  clean: true",
        "  fetch-depth: 1",
        "##[endgroup]",
        "Syncing repository: " + f"{owner}/{repo}",
        "##[group]Getting Git version info",
        f"Working directory is '/home/runner/work/{repo}/{repo}'",
        "[command]/usr/bin/git version",
        "git version 2.45.2",
        "##[endgroup]",
        f"[command]/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +{sha}:refs/remotes/origin/main",
        f" * [new ref]         {sha} -> origin/main",
        "[command]/usr/bin/git checkout --progress --force -B main refs/remotes/origin/main",
        "Switched to a new branch 'main'",
        f"branch 'main' set up to track 'origin/main'.",
        f"[command]/usr/bin/git log -1 --format='%H'",
        f"'{sha}'",
    ]


def _setup_python(rng: random.Random) -> list[str]:
    v = rng.choice(["3.11", "3.12", "3.10", "3.11.7"])
    return [
        "##[group]Run actions/setup-python@v5",
        "with:",
        f"  python-version: {v}",
        "  cache: pip",
        "  check-latest: false",
        "  token: ***",
        "##[endgroup]",
        "##[group]Installed versions",
        f"Successfully set up CPython ({v if v.count('.') == 2 else v + '.9'})",
        "##[endgroup]",
    ]


def _pip_install(rng: random.Random) -> list[str]:
    pkgs = rng.sample(["requests-2.32.3", "urllib3-2.2.2", "idna-3.7", "certifi-2024.7.4",
                       "charset-normalizer-3.3.2", "pluggy-1.5.0", "iniconfig-2.0.0",
                       "packaging-24.1", "pytest-8.3.2", "PyYAML-6.0.1", "attrs-23.2.0",
                       "click-8.1.7", "Jinja2-3.1.4", "MarkupSafe-2.1.5"], 6)
    lines = ["##[group]Run python -m pip install --upgrade pip",
             "python -m pip install --upgrade pip",
             "pip install -r requirements.txt",
             "shell: /usr/bin/bash -e {0}",
             "env:",
             f"  pythonLocation: {HOSTED_PY}",
             f"  LD_LIBRARY_PATH: {HOSTED_PY}/lib",
             "##[endgroup]",
             f"Requirement already satisfied: pip in {HOSTED_PY}/lib/python3.11/site-packages (24.1.2)"]
    for p in pkgs:
        name, ver = p.rsplit("-", 1)
        lines.append(f"Collecting {name}=={ver} (from -r requirements.txt (line {rng.randint(1, 9)}))")
        lines.append(f"  Downloading {name.replace('-', '_')}-{ver}-py3-none-any.whl.metadata ({rng.randint(2, 9)}.{rng.randint(0, 9)} kB)")
    lines.append("Installing collected packages: " + ", ".join(p.rsplit("-", 1)[0] for p in pkgs))
    lines.append("Successfully installed " + " ".join(pkgs))
    return lines


def _setup_node(rng: random.Random) -> list[str]:
    v = rng.choice(["18", "20", "20.x", "22"])
    return [
        "##[group]Run actions/setup-node@v4",
        "with:",
        f"  node-version: {v}",
        "  cache: npm",
        "  always-auth: false",
        "  check-latest: false",
        "  token: ***",
        "##[endgroup]",
        "Found in cache @ /opt/hostedtoolcache/node/20.15.1/x64",
        "##[group]Environment details",
        "node: v20.15.1",
        "npm: 10.7.0",
        "yarn: 1.22.22",
        "##[endgroup]",
        "[command]/usr/local/bin/npm config get cache",
        "/home/runner/.npm",
        "npm cache is not found",
    ]


def _npm_ci(rng: random.Random) -> list[str]:
    n = rng.randint(180, 1400)
    return [
        "##[group]Run npm ci",
        "npm ci",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        f"npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
        f"npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported",
        "",
        f"added {n} packages, and audited {n + 1} packages in {rng.randint(4, 40)}s",
        "",
        f"{rng.randint(20, 200)} packages are looking for funding",
        "  run `npm fund` for details",
        "",
        "found 0 vulnerabilities",
    ]


def _setup_rust(rng: random.Random) -> list[str]:
    return [
        "##[group]Run dtolnay/rust-toolchain@stable",
        "with:",
        "  toolchain: stable",
        "##[endgroup]",
        "##[group]Run rustup toolchain install stable --profile minimal --no-self-update",
        "rustup toolchain install stable --profile minimal --no-self-update",
        "shell: /usr/bin/bash --noprofile --norc -e -o pipefail {0}",
        "##[endgroup]",
        "info: syncing channel updates for 'stable-x86_64-unknown-linux-gnu'",
        "  stable-x86_64-unknown-linux-gnu unchanged - rustc 1.79.0 (129f3b996 2024-06-10)",
        "##[group]Run Swatinem/rust-cache@v2",
        "with:",
        "  prefix-key: v0-rust",
        "  cache-on-failure: false",
        "##[endgroup]",
        "No cache found.",
    ]


def _setup_java(rng: random.Random) -> list[str]:
    return [
        "##[group]Run actions/setup-java@v4",
        "with:",
        "  distribution: temurin",
        f"  java-version: {rng.choice(['17', '21', '11'])}",
        "  java-package: jdk",
        "##[endgroup]",
        "##[group]Installed distributions",
        "Resolved Java 17.0.11+9 from tool-cache",
        "Setting Java 17.0.11+9 as the default",
        "Java configuration:",
        "  Distribution: temurin",
        "  Version: 17.0.11+9",
        "  Path: /opt/hostedtoolcache/Java_Temurin-Hotspot_jdk/17.0.11-9/x64",
        "##[endgroup]",
    ]


SETUP = {
    "python": [_setup_python, _pip_install],
    "node": [_setup_node, _npm_ci],
    "rust": [_setup_rust],
    "java": [_setup_java],
    "shell": [],
}


def _runner_preamble(rng: random.Random) -> list[str]:
    img = rng.choice(["ubuntu22", "ubuntu24"])
    ver = "22.04.4" if img == "ubuntu22" else "24.04"
    return [
        f"Current runner version: '2.{rng.randint(315, 319)}.{rng.randint(0, 1)}'",
        "##[group]Operating System",
        "Ubuntu",
        ver,
        "LTS",
        "##[endgroup]",
        "##[group]Runner Image",
        f"Image: {img}",
        f"Version: 2024{rng.randint(5, 9):02d}{rng.randint(1, 28):02d}.1.0",
        "##[endgroup]",
        "##[group]GITHUB_TOKEN Permissions",
        "Contents: read",
        "Metadata: read",
        "##[endgroup]",
        "Secret source: Actions",
        "Prepare workflow directory",
        "Prepare all required actions",
        "Getting action download info",
        "Download action repository 'actions/checkout@v4' (SHA:692973e3d937129bcbf40652eb9f2f61becf3332)",
        "Complete job name: " + rng.choice(["test", "build", "lint", "ci / test (3.11)", "unit-tests", "check"]),
    ]


def gh_wrap(output: str, display: str, rc: int, kind: str, rng: random.Random,
            owner: str, repo: str, env: dict[str, str], uses: bool = False) -> str:
    body: list[str] = []
    style = rng.random()
    if style < 0.35:
        body += _runner_preamble(rng) + _checkout(rng, owner, repo)
        for f in SETUP.get(kind, []):
            body += f(rng)
    elif style < 0.65:
        for f in SETUP.get(kind, []):
            body += f(rng)
    shell = rng.choice(["/usr/bin/bash -e {0}", "/usr/bin/bash -e {0}",
                        "/usr/bin/bash --noprofile --norc -e -o pipefail {0}"])
    cmd_lines = [ln for ln in display.strip("\n").split("\n")]
    body.append(f"##[group]Run {cmd_lines[0]}")
    if uses:
        body += cmd_lines[1:]
    else:
        body += cmd_lines
        body.append(f"shell: {shell}")
        shown_env = {k: v for k, v in env.items() if k in SHOWN_ENV}
        if kind == "python" and rng.random() < 0.6:
            shown_env = {"pythonLocation": HOSTED_PY, **shown_env}
        if shown_env:
            body.append("env:")
            body += [f"  {k}: {v}" for k, v in shown_env.items()]
    body.append("##[endgroup]")
    # The runner turns workflow commands printed by a step into log markers.
    for ln in output.rstrip("\n").split("\n"):
        m = re.match(r"::(error|warning|notice|debug)(?: [^:]*)?::(.*)", ln)
        body.append(f"##[{m.group(1)}]{m.group(2)}" if m else ln)
    if rc and not uses:
        body.append(f"##[error]Process completed with exit code {rc}.")
    # Timestamps: a plausible monotonic clock from a seeded start.
    t = dt.datetime(2024, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                    rng.randint(0, 59), rng.randint(0, 59), tzinfo=dt.timezone.utc)
    out = []
    for ln in body:
        t += dt.timedelta(microseconds=rng.randint(0, 40000) if rng.random() < 0.9 else rng.randint(100000, 3000000))
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond * 10 + rng.randint(0, 9):07d}Z"
        out.append(f"{stamp} {ln}")
    return "\n".join(out)


SHOWN_ENV = {"DATABASE_URL", "REDIS_URL", "API_BASE_URL", "NODE_ENV", "RUST_BACKTRACE",
             "CARGO_TERM_COLOR", "FORCE_COLOR", "PYTHONPATH", "APP_ENV", "PGHOST", "PGPORT"}


# ---------------------------------------------------------------- loopback services

def closed_port(rng: random.Random, candidates: list[int] | None = None) -> int:
    """A loopback port nothing listens on, preferring the well-known ones services use."""
    pool = list(candidates or [5432, 6379, 8080, 3000, 9200, 27017, 5672, 8000, 11211,
                               3306, 8081, 9090, 4222, 2181, 9092, 8500, 5000, 7000])
    rng.shuffle(pool)
    for p in pool + [rng.randint(20000, 40000) for _ in range(20)]:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", p)) != 0:
                return p
    raise RuntimeError("no closed port")


class _Hang(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        # Accept and never answer: the client's read timeout fires.
        self.request.settimeout(30)
        try:
            while self.request.recv(4096):
                pass
        except OSError:
            pass


class _Reset(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        # Read what the client sent, then abort the connection: the client sees a reset.
        self.request.settimeout(2)
        try:
            self.request.recv(4096)
        except OSError:
            pass
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


class _Empty(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        # Read the request and close without a reply: "empty reply", "socket hang up".
        self.request.settimeout(2)
        try:
            self.request.recv(4096)
        except OSError:
            pass


class _ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _StatusHandler(http.server.BaseHTTPRequestHandler):
    """Answers each path as ROUTES says (status, body, content type); `/simple/<name>/`
    serves a tiny package index from SIMPLE_INDEX; anything else is a 404."""

    server_version = "nginx/1.25.3"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a: object) -> None:
        pass

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if code == 429:
            self.send_header("Retry-After", "30")
        if code == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="registry"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reply(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(min(n, 1 << 20))
        path = self.path.split("?", 1)[0]
        route = ROUTES.get(path)
        if route is None:
            for prefix, r in ROUTES.items():
                if prefix.endswith("*") and path.startswith(prefix[:-1]):
                    route = r
                    break
        if route is not None:
            code, body, ctype = route
            self._send(code, body, ctype)
            return
        m = re.match(r"/simple/([^/]+)/?$", path)
        if m and m.group(1).lower() in SIMPLE_INDEX:
            name = m.group(1).lower()
            links = "".join(
                f'<a href="/files/{name}-{v}.tar.gz#sha256={"0" * 64}">{name}-{v}.tar.gz</a><br/>\n'
                for v in SIMPLE_INDEX[name])
            self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode(), "text/html")
            return
        self._send(404, b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx/1.25.3</center></body></html>", "text/html")

    do_GET = _reply
    do_POST = _reply
    do_PUT = _reply
    do_PATCH = _reply
    do_DELETE = _reply
    do_HEAD = _reply


ROUTES: dict[str, tuple[int, bytes, str]] = {}
SIMPLE_INDEX: dict[str, list[str]] = {}


def route(path: str, code: int, body: object = None, ctype: str = "application/json") -> None:
    if body is None:
        body = {"message": http.HTTPStatus(code).phrase, "status": code}
    raw = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    ROUTES[path] = (code, raw, ctype)


def _bind(handler: type, ports: list[int]) -> list[_ThreadingTCP]:
    servers = []
    for p in ports:
        try:
            servers.append(_ThreadingTCP(("127.0.0.1", p), handler))
        except OSError:
            continue
    if not servers:
        servers.append(_ThreadingTCP(("127.0.0.1", 0), handler))
    return servers


class Services:
    """Loopback servers the generators talk to: some that accept and never answer, and
    HTTP servers with set answers. Fixed well-known ports keep the output reproducible."""

    def __init__(self) -> None:
        self.hangs = _bind(_Hang, [8088, 9000, 4010, 7070, 5001])
        self.https = _bind(_StatusHandler, [8085, 8090, 3001, 5050])
        self.resets = _bind(_Reset, [8099, 9099, 6380])
        self.empties = _bind(_Empty, [8098, 9098, 4001])
        for s in self.hangs + self.https + self.resets + self.empties:
            threading.Thread(target=s.serve_forever, daemon=True).start()
        self.hang_ports = [s.server_address[1] for s in self.hangs]
        self.http_ports = [s.server_address[1] for s in self.https]
        self.hang_port = self.hang_ports[0]
        self.http_port = self.http_ports[0]
        self.reset_ports = [s.server_address[1] for s in self.resets]
        self.empty_ports = [s.server_address[1] for s in self.empties]

    def close(self) -> None:
        for s in self.hangs + self.https + self.resets + self.empties:
            s.shutdown()
            s.server_close()


# ---------------------------------------------------------------- running and writing

@dataclass
class Item:
    label: str
    source: str
    text: str


def _prepare_ws(case: Case, ws: Path) -> None:
    if ws.exists():
        subprocess.run(["chmod", "-R", "u+rwx", str(ws)], check=False)
        shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    for rel, content in case.files.items():
        p = ws / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    if case.node_modules:
        (ws / "node_modules").symlink_to(NODE_PROJ / "node_modules")
    if case.user:
        subprocess.run(["chmod", "-R", "a+rwX", str(ws)], check=False)
        os.chmod(ws.parent, 0o755)
        os.chmod(WS_ROOT, 0o755)
    if case.prepare:
        case.prepare(ws)


def execute(gen: str, cases: list[Case], workers: int = 2, wrap_ratio: float = 0.5) -> list[Item]:
    """Run every case and build its item; the order of cases fixes every random choice."""
    script_path = f"scripts/gen-corpus/{gen}.py"
    ws_base = WS_ROOT / gen
    ws_base.mkdir(parents=True, exist_ok=True)
    os.chmod(WS_ROOT, 0o755)
    os.chmod(ws_base, 0o755)

    def one(idx_case: tuple[int, Case]) -> Item | None:
        idx, case = idx_case
        rng = random.Random(f"{gen}:{idx}:{case.what}")
        ws = ws_base / f"c{idx:04d}"
        try:
            _prepare_ws(case, ws)
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"[{gen}] case {idx} ({case.what}) could not be prepared: {exc}", file=sys.stderr)
            return None
        env = base_env(case.user)
        env.update(case.env)
        step_file = STEPS_DIR / f"{gen}-{idx:04d}.sh"
        wrap = case.wrap if case.wrap is not None else rng.random() < wrap_ratio
        # A console transcript echoes each command as it runs, the way Jenkins (`+ `) and
        # GitLab (`$ `) logs do: bash's xtrace gives exactly that interleaving.
        trace = not wrap and not case.uses and case.display is None
        script = case.script
        if trace:
            ps4 = rng.choice(["+ ", "+ ", "$ "])
            script = f"PS4='{ps4}'\nset -x\n{script}"
        rc, out = run_script(script, ws, env, case.user, case.timeout, step_file, case.netns)
        owner = rng.choice(OWNERS)
        repo = rng.choice(REPOS)
        step_name = "%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                                   rng.getrandbits(16), rng.getrandbits(16),
                                                   rng.getrandbits(48))
        out = normalise(out, ws, repo, step_file, step_name)
        if case.expect and not re.search(case.expect, out):
            print(f"[{gen}] case {idx} ({case.what}) did not match {case.expect!r}; rc={rc}\n"
                  + "\n".join(out.splitlines()[-8:]), file=sys.stderr)
            return None
        if case.reject and re.search(case.reject, out):
            print(f"[{gen}] case {idx} ({case.what}) failed another way ({case.reject!r})", file=sys.stderr)
            return None
        if rc == 0:
            print(f"[{gen}] case {idx} ({case.what}) exited 0; skipped", file=sys.stderr)
            return None
        display = case.display or case.script
        lines = out.rstrip("\n").split("\n")
        if case.uses and not wrap:
            display = case.script
        if not wrap and len(lines) + (0 if trace else len(display.strip().split("\n"))) < 5:
            wrap = True
            display = case.display or case.script
        if wrap:
            lines = clip(lines, MAX_LINES - 80)
            text = gh_wrap("\n".join(lines), display, rc, case.kind, rng, owner, repo, case.env, case.uses)
            text = "\n".join(clip(text.split("\n"), MAX_LINES))
        else:
            if not trace:
                lines = [f"$ {ln}" for ln in display.strip().split("\n")] + lines
            ending = rng.choice([None, None, "Error: Process completed with exit code {rc}.",
                                 "ERROR: Job failed: exit code {rc}", "script returned exit code {rc}"])
            if ending:
                lines.append(ending.format(rc=rc))
            text = "\n".join(clip(lines, MAX_LINES))
        n = text.count("\n") + 1
        if n < 5:
            print(f"[{gen}] case {idx} ({case.what}) too short ({n} lines)", file=sys.stderr)
            return None
        shutil.rmtree(ws, ignore_errors=True)
        return Item(case.label, f"{script_path}: {case.what}", text)

    items: list[Item] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for it in pool.map(one, enumerate(cases)):
            if it is not None:
                items.append(it)
    return items


def write(gen: str, items: list[Item]) -> Path:
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    path = CORPUS_DIR / f"generated-{gen}.jsonl"
    seen = set()
    rows = []
    for it in sorted(items, key=lambda i: (i.label, i.source, i.text)):
        key = (it.label, it.text)
        if key in seen:
            continue
        seen.add(key)
        rows.append(json.dumps({"label": it.label, "source": it.source, "text": it.text},
                               ensure_ascii=False))
    path.write_text("\n".join(rows) + "\n")
    counts: dict[str, int] = {}
    for it in items:
        counts[it.label] = counts.get(it.label, 0) + 1
    print(f"[{gen}] wrote {len(rows)} items to {path.name}: "
          + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())), file=sys.stderr)
    return path


def carried_over(gen: str, pattern: str) -> list[Item]:
    """Rows of the current file whose source matches `pattern`, for cases a re-run skips."""
    path = CORPUS_DIR / f"generated-{gen}.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    return [Item(r["label"], r["source"], r["text"]) for r in rows if re.search(pattern, r["source"])]


def main(gen: str, build: Callable[[random.Random, Services], list[Case]], workers: int = 2,
         keep: Callable[[], list[Item]] | None = None) -> None:
    rng = random.Random(f"gen-corpus:{gen}")
    svc = Services()
    try:
        cases = build(rng, svc)
        only = os.environ.get("GC_ONLY")
        if only:
            cases = [c for c in cases if re.search(only, c.what)]
        t0 = time.time()
        items = execute(gen, cases, workers=workers)
        if os.environ.get("GC_DRY"):
            for it in items:
                print("=" * 30, it.label, "|", it.source)
                print(it.text)
            return
        if keep:
            items += keep()
        write(gen, items)
        print(f"[{gen}] {len(cases)} cases in {time.time() - t0:.0f}s", file=sys.stderr)
    finally:
        svc.close()
