"""Builds fixtures/logs/: whole GitHub job logs for snapshot tests.

Failing logs are taken from the generated corpus (real output already wrapped in GitHub's
format), completed with the runner preamble and setup steps where the item has none, and
closed with the post-job cleanup a real log ends with. Each gets a sidecar `.expect`
naming its category (`unknown` for `other`) and its root-cause line after normalisation
(no timestamp, no ANSI). Clean logs come from real passing runs (pytest, Jest, cargo
test, ruff and flake8) made here."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from pathlib import Path

import common
from common import Case

LOGS = common.REPO_ROOT / "fixtures" / "logs"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")

# (label, fixture name, source substring, regex for the root-cause line[, "first"|"last"])
SPECS = [
    ("dependency_missing", "python-module-not-found", "python.py: python import of missing module pandas", r"ModuleNotFoundError"),
    ("dependency_missing", "pytest-cov-missing", "pytest_runs.py: pytest --cov=app without its plugin", r"unrecognized arguments"),
    ("dependency_missing", "node-cannot-find-module", "node.py: node require/import of missing express", r"Cannot find module|ERR_MODULE_NOT_FOUND|Cannot find package"),
    ("dependency_missing", "rust-unresolved-crate", "rust.py: cargo with undeclared crate serde_json", r"^error\[E0\d+\]", "first"),
    ("dependency_missing", "shell-command-not-found", "shell.py: shell command not found: helm", r"not found"),
    ("environment_variable", "python-environ-keyerror", "python.py: python env var DATABASE_URL unset", r"^KeyError|is not set|must be set|Missing required"),
    ("environment_variable", "pytest-fixture-env", "pytest_runs.py: pytest with API_TOKEN unset", r"KeyError|is not set|API_TOKEN"),
    ("environment_variable", "node-process-env", "node.py: node process.env.DATABASE_URL unset", r"Missing env var|Error"),
    ("environment_variable", "rust-env-var-expect", "rust.py: cargo run with DATABASE_URL unset", r"must be set|NotPresent|not set"),
    ("environment_variable", "action-input-required", "actions.py: @actions/core required input token not supplied", r"Input required and not supplied"),
    ("api_contract_mismatch", "pytest-assert-status", "pytest_runs.py: pytest against loopback API /api/items/99", r"^E\s+assert|^E\s+AssertionError"),
    ("api_contract_mismatch", "jest-expect-tobe", "node.py: jest expectation toBe status", r"^\s*Expected:", "first"),
    ("api_contract_mismatch", "rust-assert-eq", "rust.py: cargo test assertion failure: status code", r"assertion .*failed"),
    ("api_contract_mismatch", "python-changed-interface", "python.py: changed client interface", r"AttributeError|TypeError"),
    ("api_contract_mismatch", "java-expected-but-was", "java.py: java harness assertEquals status code", r"AssertionError"),
    ("network_timeout", "python-requests-refused", "python.py: requests connect to closed loopback port", r"requests.exceptions.ConnectionError"),
    ("network_timeout", "curl-timeout", "shell.py: curl --max-time against a silent loopback server", r"curl: \(28\)"),
    ("network_timeout", "node-fetch-refused", "node.py: node fetch to closed loopback port", r"connect ECONNREFUSED", "first"),
    ("network_timeout", "npm-install-offline", "node.py: npm install express offline", r"npm error (code|network|request)"),
    ("network_timeout", "psql-refused", "shell.py: psql/pg_isready to closed loopback port", r"Connection refused|no response", "first"),
    ("permission_denied", "python-permission-error", "python.py: python as unprivileged user: write read-only file", r"PermissionError"),
    ("permission_denied", "shell-script-not-executable", "shell.py: executing non-executable ./gradlew", r"Permission denied"),
    ("permission_denied", "docker-socket", "shell.py: docker ps as a user outside the docker group", r"permission denied"),
    ("permission_denied", "octokit-resource-not-accessible", "actions.py: octokit issues.createComment answered 403 Resource", r"Resource not accessible by integration"),
    ("permission_denied", "git-push-403", "shell.py: git push over HTTP answered 403", r"Permission to .* denied", "first"),
    ("configuration_error", "yaml-syntax", "configs.py: PyYAML on broken YAML", r"^yaml\.[\w.]+Error", "last"),
    ("configuration_error", "actionlint-workflow", "configs.py: actionlint: unknown key runs_on", r"unexpected key \"runs_on\"", "first"),
    ("configuration_error", "cargo-toml-invalid", "rust.py: broken Cargo.toml: invalid edition", r"^error: failed to parse manifest", "first"),
    ("configuration_error", "package-json-invalid", "node.py: npm with invalid package.json", r"JSON.parse Invalid package.json", "first"),
    ("configuration_error", "pip-no-matching-distribution", "configs.py: pip pin or name not in the index (pin)", r"No matching distribution"),
    ("dependency_missing", "go-no-required-module", "golang.py: go package no module provides: github.com/gin-gonic/gin", r"no required module provides package", "first"),
    ("environment_variable", "ruby-env-fetch", "ruby.py: ruby ENV DATABASE_URL unset", r"key not found"),
    ("api_contract_mismatch", "go-test-got-want", "golang.py: go test got/want mismatch: status", r"status = 404, want 200"),
    ("network_timeout", "go-client-timeout", "golang.py: go http.Client timeout", r"Client.Timeout|deadline exceeded", "first"),
    ("permission_denied", "ruby-eacces", "ruby.py: ruby as unprivileged user: write read-only file", r"EACCES|Permission denied", "first"),
    ("other", "python-syntax-error", "python.py: python SyntaxError missing colon", r"SyntaxError"),
    ("other", "tsc-type-error", "node.py: tsc type error", r"error TS\d+"),
    ("other", "clippy-deny", "rust.py: cargo clippy -D warnings", r"^error: (?!could not compile)", "first"),
    ("other", "oom-killed", "python.py: python killed by SIGKILL", r"Killed"),
    ("other", "flake8-violations", "lint.py: flake8 violation", r"\.py:\d+:\d+: [EFW]\d+"),
]


def strip(line: str) -> str:
    return ANSI.sub("", STAMP.sub("", line)).rstrip()


def load_corpus() -> list[dict]:
    rows = []
    for p in sorted(common.CORPUS_DIR.glob("generated-*.jsonl")):
        rows += [json.loads(ln) for ln in p.read_text().splitlines()]
    return rows


def kind_of(source: str) -> str:
    gen = source.split(":", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    return {"node": "node", "actions": "node", "rust": "rust", "java": "java", "shell": "shell"}.get(gen, "python")


def stamps(lines: list[str], start: dt.datetime, rng: random.Random) -> list[str]:
    out = []
    t = start
    for ln in lines:
        t += dt.timedelta(microseconds=rng.randint(200, 30000))
        out.append(t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond * 10:07d}Z {ln}")
    return out


def complete(text: str, source: str, rng: random.Random) -> str:
    """Adds the runner preamble, setup steps and post-job cleanup a whole job log has."""
    lines = text.split("\n")
    first = STAMP.match(lines[0])
    start = dt.datetime.strptime(first.group(0)[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    head: list[str] = []
    if not any("Current runner version" in ln for ln in lines[:3]):
        owner, repo = rng.choice(common.OWNERS), rng.choice(common.REPOS)
        m = re.search(r"/home/runner/work/([\w.-]+)/", text)
        if m:
            repo = m.group(1)
        head = common._runner_preamble(rng) + common._checkout(rng, owner, repo)
        if not any("Run actions/setup-" in ln or "rust-toolchain" in ln for ln in lines):
            for f in common.SETUP.get(kind_of(source), []):
                head += f(rng)
    head_start = start - dt.timedelta(seconds=len(head) * 0.03 + 1)
    last = STAMP.match(lines[-1])
    end = dt.datetime.strptime(last.group(0)[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    tail = ["Post job cleanup.", "[command]/usr/bin/git version", "git version 2.45.2",
            "[command]/usr/bin/git config --local --name-only --get-regexp core\\.sshCommand",
            "[command]/usr/bin/git submodule foreach --recursive sh -c \"git config --local --name-only --get-regexp 'core\\.sshCommand' && git config --local --unset-all 'core.sshCommand' || :\"",
            "[command]/usr/bin/git config --local --name-only --get-regexp http\\.https\\:\\/\\/github\\.com\\/\\.extraheader",
            "http.https://github.com/.extraheader",
            "[command]/usr/bin/git config --local --unset-all http.https://github.com/.extraheader",
            "Cleaning up orphan processes"]
    return "\n".join(stamps(head, head_start, rng) + lines + stamps(tail, end, rng)) + "\n"


def failing() -> None:
    rows = load_corpus()
    for spec in SPECS:
        label, name, src, pattern = spec[:4]
        which = spec[4] if len(spec) > 4 else "last"
        rng = random.Random(f"fixture:{name}")
        cands = [r for r in rows if r["label"] == label and src in r["source"] and "##[group]Run" in r["text"]]
        if not cands:
            cands = [r for r in rows if r["label"] == label and src in r["source"]]
        if not cands:
            print(f"fixture {name}: no corpus item for {src!r}")
            continue
        row = cands[0]
        text = row["text"]
        if not STAMP.match(text):
            # Rewrap a console transcript: drop the prompt lines, keep the output.
            body = [ln for ln in text.split("\n") if not ln.startswith(("$ ", "> ")) and not ln.startswith("Error: Process completed")]
            cmd = [ln[2:] for ln in text.split("\n") if ln.startswith(("$ ", "> "))]
            rc = 1
            m = re.search(r"exit code (\d+)", text)
            if m:
                rc = int(m.group(1))
            text = common.gh_wrap("\n".join(body), "\n".join(cmd) or "make", rc, kind_of(row["source"]), rng,
                                  rng.choice(common.OWNERS), rng.choice(common.REPOS), {})
        log = complete(text, row["source"], rng)
        plain = [strip(ln) for ln in log.split("\n")]
        # A step's `::error::` annotation shows as `##[error]<message>`: the message counts,
        # the runner's closing "Process completed" line does not.
        plain = [ln[len("##[error]"):] if ln.startswith("##[error]") and "Process completed" not in ln else ln for ln in plain]
        hits = [ln for ln in plain if re.search(pattern, ln) and not ln.startswith("##[")]
        if not hits:
            print(f"fixture {name}: no line matches {pattern!r}")
            continue
        d = LOGS / label
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.log").write_text(log)
        cat = "unknown" if label == "other" else label
        hit = hits[0] if which == "first" else hits[-1]
        (d / f"{name}.expect").write_text(f"category: {cat}\nerror_line: {hit.strip()}\n")


CLEAN = [
    ("pytest-pass", "python", "pytest -q" , {"tests/test_api.py": "def test_ok():\n    assert 1 + 1 == 2\n\n\ndef test_name():\n    assert 'a'.upper() == 'A'\n",
                                             "tests/test_models.py": "import pytest\n\n\n@pytest.mark.parametrize('n', [1, 2, 3])\ndef test_positive(n):\n    assert n > 0\n"}),
    ("pytest-verbose-pass", "python", "python -m pytest -v --color=yes", {"tests/test_utils.py": "def test_slug():\n    assert 'a b'.replace(' ', '-') == 'a-b'\n\n\ndef test_sum():\n    assert sum([1, 2]) == 3\n"}),
    ("npm-test-jest-pass", "node", "npm test", {"package.json": json.dumps({"name": "web", "version": "1.0.0", "scripts": {"test": "jest --ci"}}, indent=2),
                                                 "src/format.test.js": "const format = (n) => `$${n.toFixed(2)}`;\n\ntest('formats money', () => {\n  expect(format(3)).toBe('$3.00');\n});\n\ntest('adds', () => {\n  expect(1 + 2).toBe(3);\n});\n"}),
    ("cargo-test-pass", "rust", "cargo test", {"Cargo.toml": '[package]\nname = "ledger-clean"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
                                               "src/lib.rs": "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(2, 2), 4);\n    }\n\n    #[test]\n    fn negative() {\n        assert_eq!(super::add(-1, 1), 0);\n    }\n}\n"}),
    ("lint-pass", "python", "ruff check .\nflake8 .\nmypy app", {"app/__init__.py": "", "app/core.py": "def add(a: int, b: int) -> int:\n    return a + b\n"}),
    ("node-test-runner-pass", "node", "node --test", {"test/math.test.js": "const test = require('node:test');\nconst assert = require('node:assert');\n\ntest('adds', () => {\n  assert.strictEqual(1 + 1, 2);\n});\n"}),
]


def clean() -> None:
    d = LOGS / "clean"
    d.mkdir(parents=True, exist_ok=True)
    base = common.WS_ROOT / "fixtures"
    base.mkdir(parents=True, exist_ok=True)
    for i, (name, kind, cmd, files) in enumerate(CLEAN):
        rng = random.Random(f"clean:{name}")
        case = Case("other", name, cmd, files=files, node_modules=kind == "node", kind=kind)
        ws = base / f"c{i:04d}"
        common._prepare_ws(case, ws)
        env = common.base_env(None)
        rc, out = common.run_script(cmd, ws, env, None, 180, common.STEPS_DIR / f"clean-{i}.sh")
        repo = rng.choice(common.REPOS)
        out = common.normalise(out, ws, repo)
        if rc != 0:
            print(f"clean {name}: exited {rc}\n{out[-800:]}")
            continue
        text = common.gh_wrap(out, cmd, 0, kind, rng, rng.choice(common.OWNERS), repo, {})
        log = complete(text, f"scripts/gen-corpus/{kind}.py", rng)
        (d / f"{name}.log").write_text(log)
        (d / f"{name}.expect").write_text("category: unknown\nerror_line:\n")
        shutil.rmtree(ws, ignore_errors=True)


def main() -> None:
    if LOGS.exists():
        for p in LOGS.glob("*/*"):
            if p.suffix in (".log", ".expect"):
                p.unlink()
    failing()
    clean()
    for d in sorted(LOGS.iterdir()):
        print(d.name, len(list(d.glob("*.log"))))


if __name__ == "__main__":
    main()
