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

// ------------------------------------------------ GitHub mode: action.yml

#[path = "support/api.rs"]
mod api;

const UNLISTED: &str = "name: CI\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: acme-corp/deploy-action@v2\n        with:\n          region: eu-west-1\n";

/// The action's own words: no `Input required` line names the input.
fn unlisted_log(logged_ref: &str) -> String {
    gh(&[
        &format!("##[group]Run acme-corp/deploy-action@{logged_ref}"),
        "with:",
        "  region: eu-west-1",
        "##[endgroup]",
        "##[error]Error: API key required",
    ])
}

const UNLISTED_ACTION_YML: &str = "name: Deploy\ninputs:\n  api-key:\n    description: The API key of your account\n    required: true\n  region:\n    description: Where to deploy\n    required: false\n    default: us-east-1\nruns:\n  using: node20\n  main: dist/index.js\n";

fn contents(text: &str) -> Vec<u8> {
    // The contents API wraps base64 at 60 columns.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &c| (acc << 8) | u32::from(c)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let wrapped: Vec<String> = b64
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    serde_json::json!({"type": "file", "encoding": "base64", "content": wrapped.join("\n") + "\n"})
        .to_string()
        .into_bytes()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Run 70 of acme/app, job `deploy`, with `log`, and acme-corp/deploy-action's
/// `action.yml` at v2 only.
fn deploy_api(log: &str) -> api::Api {
    let job = serde_json::json!({"id": 7, "run_id": 70, "name": "deploy", "status": "completed",
        "conclusion": "failure", "steps": []});
    let jobs = serde_json::json!({"total_count": 1, "jobs": [job]});
    let run = serde_json::json!({"id": 70, "event": "push", "status": "completed",
        "conclusion": "failure", "path": ".github/workflows/ci.yml",
        "head_repository": {"full_name": "acme/app"}, "repository": {"full_name": "acme/app"}});
    api::Api::start(vec![
        (
            "/repos/acme/app/actions/runs/70/logs".into(),
            zip_of(&[("deploy/2_Run acme-corpdeploy-action@v2.txt", log.as_bytes())]),
        ),
        (
            "/repos/acme/app/actions/runs/70/jobs?per_page=100&page=1".into(),
            jobs.to_string().into_bytes(),
        ),
        (
            "/repos/acme/app/actions/runs/70".into(),
            run.to_string().into_bytes(),
        ),
        (
            "/repos/acme-corp/deploy-action/contents/action.yml?ref=v2".into(),
            contents(UNLISTED_ACTION_YML),
        ),
    ])
}

fn fix_run(ws: &std::path::Path, api: &api::Api) -> (i32, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_TOKEN", "ghs_000000000000000000000000000000000000")
        .env("GITHUB_API_URL", api.url())
        .args([
            "fix",
            "--diff-only",
            "--format",
            "text",
            "--run-id",
            "70",
            "--repo",
            "acme/app",
            "-C",
        ])
        .arg(ws)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn an_unlisted_action_is_read_at_the_workflows_ref() {
    // The log claims @v9; the workflow's step uses @v2: v2's action.yml is read.
    let (_tmp, ws, log) = setup(UNLISTED, &unlisted_log("v9"));
    // Offline, the action is unknown: no input can be named.
    let (code, stdout, _) = autoheal(&["--diff-only"], &ws, &log);
    assert_eq!(code, 3);
    assert!(stdout.is_empty(), "{stdout}");
    let api = deploy_api(&unlisted_log("v9"));
    let (code, stdout, stderr) = fix_run(&ws, &api);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("+          api-key: ${{ secrets.API_KEY }}"),
        "{stdout}"
    );
    assert!(
        stderr.contains("acme-corp/deploy-action/action.yml@v2"),
        "{stderr}"
    );
    let seen = api.seen();
    assert!(
        seen.iter()
            .any(|p| p == "/repos/acme-corp/deploy-action/contents/action.yml?ref=v2"),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|p| p.contains("ref=v9")), "{seen:?}");
}

#[test]
fn an_action_yml_that_does_not_declare_the_input_gives_no_fix() {
    // The action's words name an input its action.yml does not declare.
    let log = unlisted_log("v2").replace("API key required", "Password and user required");
    let (_tmp, ws, _) = setup(UNLISTED, &log);
    let api = deploy_api(&log);
    let (code, stdout, stderr) = fix_run(&ws, &api);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}
