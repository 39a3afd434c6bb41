//! Missing action inputs, through the binary: the step is the one that uses
//! the logged action (the echoed `with:` decides between two), the input goes
//! into that step's `with:`, never `env:`.

use std::fs;
use std::path::PathBuf;
#[path = "support/checkout.rs"]
mod checkout;
use checkout::{fix as autoheal, git, repo};

fn gh(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
        .collect()
}

fn setup(workflow: &str, log: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, ws) = repo(&[(".github/workflows/ci.yml", workflow)]);
    let log_path = tmp.path().join("run.log");
    fs::write(&log_path, log).unwrap();
    (tmp, ws, log_path)
}

const CODECOV: &str = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest --cov --cov-report=xml\n      - uses: codecov/codecov-action@v4\n        with:\n          files: coverage.xml\n          fail_ci_if_error: true\n";

fn codecov_log() -> String {
    gh(&[
        "##[group]Run actions/checkout@v4",
        "with:",
        "  repository: acme/app",
        "  token: ***",
        "##[endgroup]",
        "##[group]Run codecov/codecov-action@v4",
        "with:",
        "  files: coverage.xml",
        "  fail_ci_if_error: true",
        "  verbose: false",
        "##[endgroup]",
        "==> Running version latest",
        "##[error]Error: Input required and not supplied: token",
    ])
}

#[test]
fn the_input_goes_into_the_steps_with() {
    let (_tmp, ws, log) = setup(CODECOV, &codecov_log());
    let (code, stdout, stderr) = autoheal(&[], &ws, &log);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("+          token: ${{ secrets.CODECOV_TOKEN }}"),
        "{stdout}"
    );
    let wf = fs::read_to_string(ws.join(".github/workflows/ci.yml")).unwrap();
    assert!(!wf.contains("env:"), "{wf}");
    git(&ws, &["commit", "-qam", "fix"]);
    let (code, stdout, stderr) = autoheal(&[], &ws, &log);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty() && stderr.contains("already"), "{stderr}");
}

const TWO_DEPLOYS: &str = "name: CI\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: acme/deploy-action@v2\n        with:\n          target: docs\n      - uses: acme/deploy-action@v2\n        with:\n          target: site\n";

fn deploy_log(target: &str) -> String {
    let t = format!("  target: {target}");
    gh(&[
        "##[group]Run acme/deploy-action@v2",
        "with:",
        &t,
        "  dry-run: false",
        "##[endgroup]",
        "##[error]Input required and not supplied: github-token",
    ])
}

#[test]
fn the_echoed_with_picks_one_of_two_steps_of_the_same_action() {
    for (target, line) in [("docs", 10), ("site", 13)] {
        let (_tmp, ws, log) = setup(TWO_DEPLOYS, &deploy_log(target));
        let (code, stdout, stderr) = autoheal(&["--diff-only"], &ws, &log);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("+          github-token: ${{ github.token }}"),
            "{stdout}"
        );
        // The new line sits right under the right step's `target:`.
        let patched = {
            let wf = fs::read_to_string(ws.join(".github/workflows/ci.yml")).unwrap();
            let mut lines: Vec<String> = wf.lines().map(str::to_string).collect();
            lines.insert(
                line,
                "          github-token: ${{ github.token }}".to_string(),
            );
            lines.join("\n") + "\n"
        };
        let applied = {
            let (code, _, stderr) = autoheal(&[], &ws, &log);
            assert_eq!(code, 0, "{stderr}");
            fs::read_to_string(ws.join(".github/workflows/ci.yml")).unwrap()
        };
        assert_eq!(applied, patched, "target {target}");
    }
}

#[test]
fn two_indistinguishable_steps_are_refused() {
    let wf = TWO_DEPLOYS.replace("target: site", "target: docs");
    let (_tmp, ws, log) = setup(&wf, &deploy_log("docs"));
    let before = fs::read(ws.join(".github/workflows/ci.yml")).unwrap();
    let (code, stdout, stderr) = autoheal(&[], &ws, &log);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("refused (ambiguous-workflow)"), "{stderr}");
    assert_eq!(
        fs::read(ws.join(".github/workflows/ci.yml")).unwrap(),
        before
    );
}

#[test]
fn a_log_naming_an_action_the_job_does_not_use_changes_nothing() {
    // The forged header names an action no step of the workflow uses.
    let log = codecov_log().replace("codecov/codecov-action@v4", "evil/collector@v1");
    let (_tmp, ws, log_path) = setup(CODECOV, &log);
    let before = fs::read(ws.join(".github/workflows/ci.yml")).unwrap();
    let (code, stdout, stderr) = autoheal(&[], &ws, &log_path);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("refused (ambiguous-workflow)"), "{stderr}");
    assert_eq!(
        fs::read(ws.join(".github/workflows/ci.yml")).unwrap(),
        before
    );
}

const PAGES: &str = "name: CI\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Publish to Pages\n        uses: cloudflare/pages-action@v1\n        with:\n          accountId: abc123\n          projectName: site\n          directory: dist\n";

#[test]
fn an_actions_own_words_name_a_declared_input() {
    // The action's bundle throws in its own words; the step carries a name,
    // so the header is the name and the action shows in the stack.
    let log = gh(&[
        "##[group]Run cloudflare/pages-action@v1",
        "with:",
        "  accountId: abc123",
        "  projectName: site",
        "  directory: dist",
        "##[endgroup]",
        "Error: Input required: API token is required to deploy",
        "    at run (/home/runner/work/_actions/cloudflare/pages-action/v1/index.js:22120:11)",
        "##[error]API token is required to deploy",
    ]);
    let (_tmp, ws, log_path) = setup(PAGES, &log);
    let (code, stdout, stderr) =
        autoheal(&["--diff-only", "--min-confidence", "0.3"], &ws, &log_path);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("+          apiToken: ${{ secrets.PAGES_APITOKEN }}")
            || stdout.contains("+          apiToken: ${{ secrets.APITOKEN }}"),
        "{stdout}"
    );
}
