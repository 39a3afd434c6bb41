//! Every failure of a run is planned, through the binary: a lint failure
//! first does not hide a missing module after it; each failure has a fix
//! status in the text report and in the JSON (`diagnosis.failures[].fix`).

use std::io::Write;
use std::path::PathBuf;
#[path = "support/checkout.rs"]
mod checkout;
use checkout::{fix as autoheal, git};
use std::process::Command;

fn gh(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
        .collect()
}

fn lint_log() -> String {
    gh(&[
        "##[group]Run ruff check .",
        "ruff check .",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "app/main.py:3:8: F401 [*] `os` imported but unused",
        "Found 1 error.",
        "[*] 1 fixable with the `--fix` option.",
        "##[error]Process completed with exit code 1.",
    ])
}

fn module_log() -> String {
    gh(&[
        "##[group]Run pytest",
        "pytest",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "==================================== ERRORS ====================================",
        "____________________ ERROR collecting tests/test_app.py ____________________",
        "ImportError while importing test module '/home/runner/work/app/app/tests/test_app.py'.",
        "Hint: make sure your test modules/packages have valid Python names.",
        "Traceback:",
        "tests/test_app.py:1: in <module>",
        "    import yaml",
        "E   ModuleNotFoundError: No module named 'yaml'",
        "=========================== short test summary info ============================",
        "ERROR tests/test_app.py",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "##[error]Process completed with exit code 2.",
    ])
}

const WORKFLOW: &str = "name: CI\non: [push]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install ruff\n      - run: ruff check .\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install pytest\n      - run: pytest\n";

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    for (name, text) in [
        (".github/workflows/ci.yml", WORKFLOW),
        ("tests/test_app.py", "import yaml\n"),
        ("app/main.py", "import os\n"),
    ] {
        let p = ws.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    let zip_path = tmp.path().join("run.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [("0_lint.txt", lint_log()), ("1_test.txt", module_log())] {
        w.start_file(name, opts).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    (tmp, ws, zip_path)
}

#[test]
fn a_second_failing_job_is_fixed_when_the_first_has_no_fixer() {
    let (_tmp, ws, log) = setup();
    let (code, stdout, stderr) = autoheal(&["--diff-only"], &ws, &log);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("+      - run: pip install pytest PyYAML"),
        "{stdout}"
    );
    assert!(
        stderr.contains("  1. lint › Run ruff check .: no fixer")
            && stderr.contains("  2. test › Run pytest: fixed"),
        "{stderr}"
    );
    let (code, stdout, stderr) = autoheal(&["--diff-only", "--format", "json"], &ws, &log);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let failures = json["diagnosis"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["fix"]["status"], "no-fixer");
    assert_eq!(failures[1]["fix"]["status"], "fixed");
    assert_eq!(
        failures[1]["fix"]["fixers"][0],
        "python-module-not-installed"
    );
    // Applied, then the same log finds both as they were: nothing to do.
    let (code, _, stderr) = autoheal(&[], &ws, &log);
    assert_eq!(code, 0, "{stderr}");
    git(&ws, &["commit", "-qam", "fix"]);
    let (code, stdout, stderr) = autoheal(&["--format", "json"], &ws, &log);
    assert_eq!(code, 3, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["diagnosis"]["failures"][1]["fix"]["status"],
        "already-fixed"
    );
}

#[test]
fn the_summary_shows_every_failure_with_its_fix_status() {
    let (tmp, ws, log) = setup();
    let summary = tmp.path().join("summary.md");
    let output = tmp.path().join("output.txt");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&output, "").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_TEMP", tmp.path())
        .args(["fix", "--diff-only", "--format", "github", "-C"])
        .arg(&ws)
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 1 |") || l.starts_with("| 2 |"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    assert!(
        rows[0].contains("| no fixer |") && rows[0].contains("lint"),
        "{md}"
    );
    assert!(
        rows[1].contains("| fixed |") && rows[1].contains("test"),
        "{md}"
    );
    assert!(md.contains("| Fix |"), "{md}");
}
