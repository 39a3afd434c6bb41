#!/usr/bin/env python3
"""Writes a realistic GitHub-format job log of about SIZE bytes for scripts/bench.

Every line carries the runner's timestamp prefix; steps are marked with
`##[group]Run` / `##[endgroup]`; the output is varied CI noise (pip, npm,
cargo, pytest progress), a few lines contain the word Error, and the last step
(pytest) fails with a ModuleNotFoundError near its end.

usage: gen-bench-log.py SIZE OUT   (SIZE like 1G, 10M, 20K)
"""
import datetime
import random
import sys


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * mult[s[-1].upper()] if s[-1].upper() in mult else int(s)


rnd = random.Random(42)
PKGS = ["requests", "numpy", "pandas", "urllib3", "idna", "certifi", "charset-normalizer",
        "pyyaml", "pytest", "pluggy", "iniconfig", "packaging", "attrs", "click", "jinja2",
        "markupsafe", "werkzeug", "flask", "sqlalchemy", "greenlet", "pydantic", "typing-extensions"]
NPM = ["@babel/core", "react", "react-dom", "webpack", "eslint", "typescript", "lodash",
       "@types/node", "jest", "ts-jest", "chalk", "semver", "glob", "minimatch"]
CRATES = ["serde", "serde_json", "regex", "memchr", "tokio", "hyper", "clap", "syn", "quote",
          "proc-macro2", "libc", "cfg-if", "anyhow", "thiserror", "bytes", "mio"]
TESTS = ["test_api", "test_models", "test_views", "test_utils", "test_error_handling",
         "test_cli", "test_db", "test_auth", "test_parser", "test_cache"]


def v():
    return f"{rnd.randint(0, 9)}.{rnd.randint(0, 40)}.{rnd.randint(0, 20)}"


def pip_line():
    p = rnd.choice(PKGS)
    r = rnd.random()
    if r < 0.3:
        return f"Collecting {p}>={v()}"
    if r < 0.6:
        return (f"  Downloading {p}-{v()}-py3-none-any.whl ({rnd.randint(10, 9000)} kB)")
    if r < 0.8:
        return (f"     \x1b[90m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m "
                f"\x1b[32m{rnd.randint(1, 900)}.0/{rnd.randint(900, 999)}.0 kB\x1b[0m "
                f"\x1b[31m{rnd.randint(1, 90)}.{rnd.randint(0, 9)} MB/s\x1b[0m eta \x1b[36m0:00:00\x1b[0m")
    if r < 0.999:
        return f"Requirement already satisfied: {p} in /opt/hostedtoolcache/Python/3.11.9/x64/lib/python3.11/site-packages ({v()})"
    return f"  WARNING: Retrying (Retry(total=4)) after connection broken by 'ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))': /simple/{p}/"


def npm_line():
    p = rnd.choice(NPM)
    r = rnd.random()
    if r < 0.4:
        return f"npm http fetch GET 200 https://registry.npmjs.org/{p} {rnd.randint(5, 900)}ms (cache revalidated)"
    if r < 0.7:
        return f"npm timing reify:unpack:node_modules/{p} Completed in {rnd.randint(1, 400)}ms"
    if r < 0.999:
        return f"npm WARN deprecated {p}@{v()}: This version is no longer supported, please upgrade"
    return f"npm WARN ERESOLVE overriding peer dependency: Error while resolving {p}@{v()}"


def cargo_line():
    c = rnd.choice(CRATES)
    r = rnd.random()
    if r < 0.5:
        return f"   \x1b[1m\x1b[32mCompiling\x1b[0m {c} v{v()}"
    if r < 0.8:
        return f"  \x1b[1m\x1b[32mDownloaded\x1b[0m {c} v{v()}"
    if r < 0.999:
        return (f"warning: unused import: `std::io::{rnd.choice(['Read', 'Write', 'Seek'])}`\n"
                f"  --> src/{c}.rs:{rnd.randint(1, 400)}:{rnd.randint(1, 40)}")
    return f"   \x1b[1m\x1b[32mCompiling\x1b[0m {c}-error v{v()} (impl std::error::Error for ParseError)"


def pytest_line():
    t = rnd.choice(TESTS)
    r = rnd.random()
    if r < 0.9:
        dots = "".join(rnd.choice("....................s") for _ in range(60))
        return f"tests/{t}.py {dots} [{rnd.randint(0, 99):3d}%]"
    if r < 0.999:
        return f"tests/{t}.py::test_case_{rnd.randint(0, 9999)} PASSED"
    return f"tests/test_error_handling.py::test_raises_ValueError_on_bad_input PASSED"


STEPS = [
    ("pip install -r requirements.txt", ["pip install -r requirements.txt"], pip_line, 0.30),
    ("npm ci", ["npm ci", "npm run build --if-present"], npm_line, 0.20),
    ("cargo build --release --locked", ["cargo build --release --locked"], cargo_line, 0.20),
    ("pytest -q --maxfail=1", ["pytest -q --maxfail=1"], pytest_line, 0.30),
]

FAILURE = """_____________________ ERROR collecting tests/test_api.py ______________________
ImportError while importing test module '/home/runner/work/app/app/tests/test_api.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/opt/hostedtoolcache/Python/3.11.9/x64/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
tests/test_api.py:3: in <module>
    import yaml
E   ModuleNotFoundError: No module named 'yaml'
=========================== short test summary info ============================
ERROR tests/test_api.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 error in 0.42s""".split("\n")


def main():
    size, out = parse_size(sys.argv[1]), sys.argv[2]
    t = datetime.datetime(2024, 5, 1, 12, 0, 0)
    written = 0
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        def emit(lines):
            nonlocal t, written
            stamp = t.strftime("%Y-%m-%dT%H:%M:%S")
            buf = []
            parts = [part for line in lines for part in line.split("\n")]
            for i, line in enumerate(parts):
                buf.append(f"{stamp}.{(i * 7919) % 10_000_000:07d}Z {line}\n")
            t += datetime.timedelta(seconds=1)
            s = "".join(buf)
            f.write(s)
            written += len(s.encode())

        emit(["Current runner version: '2.317.0'", "##[group]Operating System", "Ubuntu",
              "22.04.4", "LTS", "##[endgroup]", "##[group]Runner Image", "Image: ubuntu-22.04",
              "Version: 20240514.3.0", "##[endgroup]", "Secret source: Actions",
              "Prepare workflow directory", "Prepare all required actions",
              "Getting action download info", "Download action repository 'actions/checkout@v4'",
              "Complete job name: test"])
        emit(["##[group]Run actions/checkout@v4", "with:", "  repository: octo/app",
              "  token: ***", "##[endgroup]", "Syncing repository: octo/app",
              "##[command]/usr/bin/git version", "git version 2.45.1",
              "##[command]/usr/bin/git init /home/runner/work/app/app",
              "Initialized empty Git repository in /home/runner/work/app/app/.git/"])
        budget = size - written - 4096
        for cmd, script, gen, share in STEPS:
            header = [f"##[group]Run {cmd}"] + [f"\x1b[36;1m{s}\x1b[0m" for s in script] + [
                "shell: /usr/bin/bash -e {0}", "env:",
                "  pythonLocation: /opt/hostedtoolcache/Python/3.11.9/x64", "##[endgroup]"]
            emit(header)
            target = written + int(budget * share)
            pool = [gen() for _ in range(min(20000, max(50, int(budget * share) // 100)))]
            while written < target:
                n = max(1, min(5000, (target - written) // 110))
                emit([rnd.choice(pool) for _ in range(n)])
        emit(FAILURE + ["##[error]Process completed with exit code 2."])
        emit(["Post job cleanup.", "##[command]/usr/bin/git version", "git version 2.45.1",
              "Cleaning up orphan processes"])


if __name__ == "__main__":
    main()
