//! Which workflow a fix edits, through the binary: when two workflows have a
//! job of the failing job's name, the `workflow_run` event's `path` decides;
//! without it, the fix is refused (`ambiguous-workflow`).

use std::fs;
#[path = "support/checkout.rs"]
mod checkout;
use checkout::git;
use std::process::Command;

const WF: &str = "name: X\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install pytest\n      - run: pytest\n";

fn log() -> String {
    [
        "##[group]Run pytest",
        "pytest",
        "##[endgroup]",
        "tests/test_app.py:1: in <module>",
        "    import yaml",
        "E   ModuleNotFoundError: No module named 'yaml'",
        "##[error]Process completed with exit code 2.",
    ]
    .iter()
    .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
    .collect()
}

fn run(event: Option<&str>) -> (i32, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    fs::create_dir_all(ws.join(".github/workflows")).unwrap();
    fs::write(ws.join(".github/workflows/a.yml"), WF).unwrap();
    fs::write(ws.join(".github/workflows/b.yml"), WF).unwrap();
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    let log_path = tmp.path().join("0_test.txt");
    fs::write(&log_path, log()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autoheal"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_REPOSITORY", "acme/app");
    if let Some(e) = event {
        let p = tmp.path().join("event.json");
        fs::write(&p, e).unwrap();
        cmd.env("GITHUB_EVENT_PATH", &p);
    }
    let o = cmd
        .args(["fix", "--diff-only", "-C"])
        .arg(&ws)
        .arg(&log_path)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn two_workflows_with_the_job_are_ambiguous_without_the_event() {
    let (code, stdout, stderr) = run(None);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("refused (ambiguous-workflow)"), "{stderr}");
}

#[test]
fn the_workflow_run_events_path_decides() {
    let event = r#"{"workflow_run": {"path": ".github/workflows/b.yml@refs/heads/main", "head_repository": {"full_name": "acme/app"}, "head_commit": {"message": "x"}}}"#;
    let (code, stdout, stderr) = run(Some(event));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("diff --git a/.github/workflows/b.yml"),
        "{stdout}"
    );
}

#[test]
fn a_hostile_event_path_is_ignored() {
    let event = r#"{"workflow_run": {"path": "../../etc/cron.d/x.yml", "head_repository": {"full_name": "acme/app"}}}"#;
    let (code, stdout, stderr) = run(Some(event));
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("refused (ambiguous-workflow)"), "{stderr}");
}
