//! The binary through assert_cmd, with the environment scrubbed so that a run
//! inside GitHub Actions (GITHUB_*, RUNNER_*, CI) behaves like one on a laptop.

#[path = "../support/bin.rs"]
mod bin;

use bin::autoheal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> PathBuf {
    root().join("fixtures/example").join(name)
}

/// A copy of the example repository in a fresh temp dir, as a git checkout
/// (the fixers require tracked files there).
fn repo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&example("repo"), dir.path());
    let git = |args: &[&str]| {
        let ok = StdCommand::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "core.hooksPath=/dev/null",
            ])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable fixture") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// Every file under `dir` (but `.git`) with its bytes.
fn snapshot_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let entry = entry.expect("entry");
            if entry.file_name() == ".git" {
                continue;
            }
            let p = entry.path();
            if entry.file_type().expect("type").is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("beneath").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

#[test]
fn diagnose_json_names_the_missing_plugin() {
    let out = autoheal()
        .args(["diagnose", "--format", "json"])
        .arg(example("run-1.zip"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["category"], "dependency_missing");
    let f = &v["failures"][0];
    assert_eq!(f["job"], "test");
    assert_eq!(f["facts"]["package"], "pytest-cov");
    assert!(
        f["error_line"]
            .as_str()
            .is_some_and(|l| l.contains("unrecognized arguments: --cov")),
        "{f}"
    );
    assert!(
        v["confidence"]
            .as_f64()
            .is_some_and(|c| (0.0..=1.0).contains(&c))
    );
}

#[test]
fn diagnose_reads_stdin_and_plain_text() {
    let log = std::fs::read(example("run-3.txt")).expect("fixture");
    let out = autoheal()
        .args(["diagnose", "--format", "json", "-"])
        .write_stdin(log)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["category"], "api_contract_mismatch");
    assert_eq!(v["failures"][0]["facts"]["actual"], "'ok'");
}

#[test]
fn clean_log_is_unknown_with_no_failures() {
    let out = autoheal()
        .args(["diagnose", "--format", "json"])
        .write_stdin(
            "2024-05-01T12:00:00.0000000Z ##[group]Run pytest\n\
             2024-05-01T12:00:00.0000000Z pytest\n\
             2024-05-01T12:00:00.0000000Z ##[endgroup]\n\
             2024-05-01T12:00:01.0000000Z ============ 12 passed in 0.31s ============\n",
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["category"], "unknown");
    assert_eq!(v["failures"], Value::Array(vec![]));
}

#[test]
fn text_report_has_no_colour_off_a_terminal() {
    let out = autoheal()
        .arg("diagnose")
        .arg(example("run-1.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.starts_with("dependency_missing (confidence "),
        "{text}"
    );
    assert!(text.contains("line "), "{text}");
    assert!(!text.contains('\x1b'), "colour off a terminal: {text:?}");
}

#[test]
fn missing_input_is_a_one_line_error() {
    let assert = autoheal()
        .args(["diagnose", "no/such/file.log"])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn truncated_zip_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = std::fs::read(example("run-1.zip")).expect("fixture");
    let cut = dir.path().join("cut.zip");
    std::fs::write(&cut, &zip[..zip.len() / 2]).expect("write");
    let assert = autoheal().arg("diagnose").arg(&cut).assert().code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains("log archive is truncated or not a zip"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    autoheal()
        .args(["diagnose", "--format", "yaml"])
        .assert()
        .code(2);
    autoheal().arg("frobnicate").assert().code(2);
    autoheal()
        .args(["fix", "--min-confidence", "7", "x.log"])
        .assert()
        .code(2);
}

#[test]
fn diff_only_prints_the_fix_and_writes_nothing() {
    let repo = repo_copy();
    let before = snapshot_tree(repo.path());
    let out = autoheal()
        .args(["fix", "--diff-only", "-C"])
        .arg(repo.path())
        .arg(example("run-1.zip"))
        .assert()
        .success()
        .get_output()
        .clone();
    let diff = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        diff.starts_with("diff --git a/.github/workflows/tee-mvp-ci.yml"),
        "{diff}"
    );
    assert!(
        diff.contains("+      - run: pip install requests psycopg pytest pytest-cov"),
        "{diff}"
    );
    assert_eq!(
        before,
        snapshot_tree(repo.path()),
        "--diff-only wrote files"
    );
    // The printed diff applies to the untouched tree.
    let patch = repo
        .path()
        .join("..")
        .join(format!("autoheal-test-{}.diff", std::process::id()));
    std::fs::write(&patch, &diff).expect("write patch");
    let ok = StdCommand::new("git")
        .args(["apply", "--check"])
        .arg(&patch)
        .current_dir(repo.path())
        .status()
        .expect("git apply runs")
        .success();
    let _ = std::fs::remove_file(&patch);
    assert!(ok, "git apply --check rejected:\n{diff}");
}

#[test]
fn fix_applies_once_then_reports_already_fixed() {
    let repo = repo_copy();
    autoheal()
        .args(["fix", "-C"])
        .arg(repo.path())
        .arg(example("run-1.zip"))
        .assert()
        .success();
    let workflow = std::fs::read_to_string(repo.path().join(".github/workflows/tee-mvp-ci.yml"))
        .expect("workflow");
    assert!(workflow.contains("pip install requests psycopg pytest pytest-cov"));
    let after = snapshot_tree(repo.path());
    let second = autoheal()
        .args(["fix", "-C"])
        .arg(repo.path())
        .arg(example("run-1.zip"))
        .assert()
        .code(3)
        .get_output()
        .clone();
    assert!(second.stdout.is_empty(), "a second run prints no diff");
    let err = String::from_utf8_lossy(&second.stderr).into_owned();
    assert!(err.contains("already fixed"), "{err}");
    assert_eq!(after, snapshot_tree(repo.path()));
}

#[test]
fn unsafe_assertion_rewrite_needs_the_flag() {
    let repo = repo_copy();
    let before = snapshot_tree(repo.path());
    let out = autoheal()
        .args(["fix", "-C"])
        .arg(repo.path())
        .arg(example("run-3.zip"))
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("assertion-expected-stale"), "{err}");
    assert!(err.contains("--unsafe-fixes"), "{err}");
    assert_eq!(before, snapshot_tree(repo.path()));
    let out = autoheal()
        .args(["fix", "--unsafe-fixes", "--format", "json", "-C"])
        .arg(repo.path())
        .arg(example("run-3.zip"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["applied"], true);
    assert_eq!(v["fixes"][0]["applicability"], "unsafe");
    let test = std::fs::read_to_string(repo.path().join("tests/test_ocr_endpoints.py"))
        .expect("test file");
    assert!(
        test.contains(r#"assert resp.json()["status"] == "ok""#),
        "{test}"
    );
}

#[test]
fn github_mode_writes_step_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("output");
    let summary = dir.path().join("summary");
    std::fs::write(&output, "").expect("touch");
    std::fs::write(&summary, "").expect("touch");
    let out = autoheal()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", dir.path())
        .arg("diagnose")
        .arg(example("run-1.zip"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8_lossy(&out).into_owned();
    assert!(
        stdout.contains("::stop-commands::"),
        "log text is fenced: {stdout}"
    );
    let outputs = std::fs::read_to_string(&output).expect("outputs");
    for key in [
        "category",
        "confidence",
        "fixable",
        "error-line",
        "failed-job",
        "failed-step",
        "suggested-fix",
    ] {
        assert!(
            outputs.contains(&format!("{key}<<ghadelimiter_")),
            "{key} missing:\n{outputs}"
        );
    }
    assert!(outputs.contains("\ndependency_missing\n"), "{outputs}");
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.contains("dependency_missing"), "{md}");
}

#[test]
fn a_failure_on_an_autofix_commit_is_not_fixed_again() {
    let repo = repo_copy();
    let ok = StdCommand::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args([
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "autoheal: add pytest-cov\n\nAutofix-By: autoheal",
        ])
        .current_dir(repo.path())
        .status()
        .expect("git runs")
        .success();
    assert!(ok);
    let before = snapshot_tree(repo.path());
    let out = autoheal()
        .args(["fix", "-C"])
        .arg(repo.path())
        .arg(example("run-1.zip"))
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("refused (previous-autofix-failed)"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(before, snapshot_tree(repo.path()));
}
