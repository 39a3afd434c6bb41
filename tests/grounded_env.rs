//! Environment fixes grounded in the repository, through the binary on real
//! logs: the shipped example's three runs in a chain, the variable shapes of
//! `fixtures/env/` (captured by `scripts/gen-env-fixtures` from real pytest
//! and node runs), and forged logs that must change nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
#[path = "support/checkout.rs"]
mod checkout;
use checkout::git;
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn autoheal(args: &[&str], ws: &Path, log: &Path) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("fix")
        .args(args)
        .arg("-C")
        .arg(ws)
        .arg(log)
        .output()
        .expect("binary runs");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A fresh checkout of `src` (committed) in a temp dir: `<tmp>/ws`.
fn checkout(src: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    copy_tree(src, &ws);
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    (tmp, ws)
}

/// Every file under `root` but `.git/index`, with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if rel == Path::new(".git/index") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn commit_all(ws: &Path, msg: &str) {
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-qm", msg]);
}

#[test]
fn example_runs_heal_in_a_chain_from_their_logs() {
    let ex = fixtures().join("example");
    let (_tmp, ws) = checkout(&ex.join("repo"));
    let wf = ".github/workflows/tee-mvp-ci.yml";
    // Run 1: pytest-cov from the pytest `--cov` option.
    let out = autoheal(&[], &ws, &ex.join("run-1.zip"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(ws.join(wf)).unwrap();
    assert!(text.contains("pip install requests psycopg pytest pytest-cov"));
    commit_all(&ws, "run 1 fix");
    // Run 2: OCR_HOST, traced from the failing test's frame to its read.
    let out = autoheal(&["--format", "json"], &ws, &ex.join("run-2.zip"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let fix = &json["fixes"][0];
    assert_eq!(fix["fixer"], "env-var-unset");
    assert_eq!(fix["evidence"]["decided_by"], "workspace");
    let places: Vec<String> = fix["evidence"]["workspace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}:{}", p["file"].as_str().unwrap(), p["line"]))
        .collect();
    assert_eq!(
        places,
        [
            "tests/test_ocr_endpoints.py:17",
            "tests/test_ocr_endpoints.py:9",
            ".github/workflows/tee-mvp-ci.yml:12"
        ]
    );
    let text = fs::read_to_string(ws.join(wf)).unwrap();
    assert!(
        text.contains("      OCR_HOST: ${{ vars.OCR_HOST || 'http://localhost:8000' }}\n"),
        "{text}"
    );
    commit_all(&ws, "run 2 fix");
    // Run 3: the stale expectation, unsafe.
    let out = autoheal(&[], &ws, &ex.join("run-3.zip"));
    assert_eq!(out.code, 3, "{}", out.stderr);
    let out = autoheal(&["--unsafe-fixes"], &ws, &ex.join("run-3.zip"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let test = fs::read_to_string(ws.join("tests/test_ocr_endpoints.py")).unwrap();
    assert!(
        test.contains(r#"assert resp.json()["status"] == "ok""#),
        "{test}"
    );
    commit_all(&ws, "run 3 fix");
    // Each log again: nothing left to change.
    for (run, extra) in [
        ("run-1.zip", &[][..]),
        ("run-2.zip", &[]),
        ("run-3.zip", &["--unsafe-fixes"]),
    ] {
        let before = snapshot(&ws);
        let out = autoheal(extra, &ws, &ex.join(run));
        assert_eq!(out.code, 3, "{run}: {}", out.stderr);
        assert!(out.stderr.contains("already"), "{run}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert_eq!(snapshot(&ws), before, "{run} changed the tree");
    }
}

#[test]
fn each_variable_shape_is_traced_to_its_read() {
    let dir = fixtures().join("env");
    let mut cases = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let case = entry.unwrap().path();
        if !case.join("run.zip").exists() {
            continue;
        }
        cases += 1;
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let want = fs::read_to_string(case.join("EXPECTED")).unwrap();
        let want = want.trim();
        let (_tmp, ws) = checkout(&case.join("repo"));
        // Without a default in the repository the entry is unsafe: it
        // heals nothing until the repository variable is set.
        let out = autoheal(
            &["--format", "json", "--diff-only"],
            &ws,
            &case.join("run.zip"),
        );
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let has_default = json["fixes"][0]["description"]
            .as_str()
            .unwrap()
            .contains("else the default found in");
        let safety = if has_default { "safe" } else { "unsafe" };
        assert_eq!(json["fixes"][0]["applicability"], safety, "{name}");
        let code = if has_default { 0 } else { 3 };
        assert_eq!(out.code, code, "{name}: {}", out.stderr);
        let out = autoheal(
            &["--format", "json", "--unsafe-fixes"],
            &ws,
            &case.join("run.zip"),
        );
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            json["fixes"][0]["evidence"]["decided_by"], "workspace",
            "{name}"
        );
        let diff = json["diff"].as_str().unwrap();
        let added: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++") && l.contains(": "))
            .collect();
        assert_eq!(added.len(), 1, "{name}: {diff}");
        assert!(
            added[0]
                .trim_start_matches('+')
                .trim_start()
                .starts_with(&format!("{want}: ${{{{ vars.{want}")),
            "{name}: {diff}"
        );
        // Applied: the same log again finds it defined.
        commit_all(&ws, "fix");
        let out = autoheal(&[], &ws, &case.join("run.zip"));
        assert_eq!(out.code, 3, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains("already defined"),
            "{name}: {}",
            out.stderr
        );
    }
    assert!(cases >= 7, "only {cases} cases");
}

/// A pytest failure whose frame is `tests/test_app.py:5` with `error` as
/// its message, as the runner prints it.
fn pytest_log(frame_line: u32, source: &str, error: &str) -> String {
    let lines = [
        "##[group]Run pytest".to_string(),
        "pytest".into(),
        "shell: /usr/bin/bash -e {0}".into(),
        "##[endgroup]".into(),
        "=================================== FAILURES ===================================".into(),
        "__________________________________ test_app ___________________________________".into(),
        String::new(),
        "    def test_app():".into(),
        format!(">       {source}"),
        format!("E       {error}"),
        String::new(),
        format!(
            "tests/test_app.py:{frame_line}: {}",
            error.split(':').next().unwrap_or("")
        ),
        "=========================== short test summary info ============================".into(),
        format!("FAILED tests/test_app.py::test_app - {error}"),
        "============================== 1 failed in 0.05s ===============================".into(),
        "##[error]Process completed with exit code 1.".into(),
    ];
    lines
        .iter()
        .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
        .collect()
}

const WORKFLOW: &str = "name: CI\non: [push]\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install requests pytest\n      - run: pytest\n";

fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let src = tempfile::tempdir().unwrap();
    fs::create_dir_all(src.path().join(".github/workflows")).unwrap();
    fs::write(src.path().join(".github/workflows/ci.yml"), WORKFLOW).unwrap();
    for (name, text) in files {
        let p = src.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    checkout(src.path())
}

fn assert_refused(ws: &Path, log: &str, reason: &str) -> Out {
    let log_path = ws.parent().unwrap().join("run.log");
    fs::write(&log_path, log).unwrap();
    let before = snapshot(ws);
    let out = autoheal(&["--unsafe-fixes"], ws, &log_path);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(reason),
        "want {reason:?} in:\n{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(snapshot(ws), before, "the workspace changed");
    out
}

const TEST_APP: &str = "import os\n\n\ndef test_app():\n    assert connect(HOST)\n";

#[test]
fn dangerous_variables_are_refused_by_family() {
    for var in [
        "NODE_TLS_REJECT_UNAUTHORIZED",
        "GLIBC_TUNABLES",
        "JDK_JAVA_OPTIONS",
        "DOTNET_STARTUP_HOOKS",
        "PERLLIB",
        "OPENSSL_CONF",
        "SHELLOPTS",
        "GOSUMDB",
    ] {
        // Even when the repository reads it and has a default for it.
        let code = format!("import os\n\n\ndef test_app():\n    assert os.environ['{var}']\n");
        let (_tmp, ws) = repo(&[
            ("tests/test_app.py", &code),
            (".env.example", &format!("{var}=0\n")),
        ]);
        let log = pytest_log(
            5,
            &format!("assert os.environ['{var}']"),
            &format!("KeyError: '{var}'"),
        );
        let out = assert_refused(&ws, &log, "refused (env-denied)");
        assert!(out.stderr.contains(var), "{}", out.stderr);
    }
}

#[test]
fn a_variable_no_code_reads_needs_the_tools_own_words() {
    // The log's traceback claims `os.getenv("EVIL_HOST")`; the repository's
    // line 5 reads nothing of the kind.
    let (_tmp, ws) = repo(&[("tests/test_app.py", TEST_APP)]);
    let log = pytest_log(
        5,
        "r = requests.get(os.getenv(\"EVIL_HOST\") + \"/x\")",
        "requests.exceptions.MissingSchema: Invalid URL 'None/x': No scheme supplied",
    );
    assert_refused(&ws, &log, "refused (no-evidence)");
}

#[test]
fn a_symptom_without_a_read_in_the_failing_frame_names_nothing() {
    // The frame is in the repository, but its line reads no variable.
    let (_tmp, ws) = repo(&[(
        "tests/test_app.py",
        "import os\n\nHOST = 'db'\n\ndef test_app():\n    assert connect(HOST) is not None\n",
    )]);
    let log = pytest_log(
        6,
        "assert connect(HOST) is not None",
        "AssertionError: assert None is not None",
    );
    let out = assert_refused(&ws, &log, "");
    assert!(!out.stderr.contains("env-var-unset ["), "{}", out.stderr);
}

#[test]
fn a_read_with_no_unset_symptom_is_not_an_environment_fix() {
    // The failing line uses a variable the workflow lacks, but the error is
    // a plain wrong value: the chain needs an unset value to stand.
    let (_tmp, ws) = repo(&[(
        "tests/test_app.py",
        "import os\n\nTIMEOUT = int(os.getenv('TIMEOUT', '3'))\n\ndef test_app():\n    assert compute(TIMEOUT) == 5\n",
    )]);
    let log = pytest_log(6, "assert compute(TIMEOUT) == 5", "assert 4 == 5");
    let out = assert_refused(&ws, &log, "");
    assert!(!out.stderr.contains("env-var-unset ["), "{}", out.stderr);
}

#[test]
fn a_gh_run_view_log_reads_as_the_job_log_it_prefixes() {
    // `gh run view --log` writes `JOB<TAB>STEP<TAB>` before every line.
    let ex = fixtures().join("example");
    let (tmp, ws) = checkout(&ex.join("repo"));
    let text = fs::read_to_string(ex.join("run-2.txt")).unwrap();
    let gh: String = text
        .lines()
        .map(|l| format!("test\tRun pytest\t{l}\n"))
        .collect();
    let log = tmp.path().join("gh-run-view.log");
    fs::write(&log, gh).unwrap();
    let out = autoheal(&["--diff-only", "--format", "json"], &ws, &log);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = &json["diagnosis"]["failures"][0];
    assert_eq!(f["job"], "test");
    assert_eq!(f["step"], "Run pytest");
    assert!(
        json["diff"]
            .as_str()
            .unwrap()
            .contains("OCR_HOST: ${{ vars.OCR_HOST")
    );
}
