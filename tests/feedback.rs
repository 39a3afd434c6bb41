//! Feedback for people, through the binary against the loopback API mock:
//! the job summary links each failure to its log line and folds excerpts, a
//! `::notice` marks the line the fix changes, and the pull-request body
//! carries the diagnosis, evidence, diff and undo steps, inert for the runner
//! and for Markdown.

#[path = "support/checkout.rs"]
mod checkout;
#[path = "support/markdown.rs"]
mod markdown;
#[path = "support/mock_api.rs"]
mod mock_api;
#[path = "support/runner.rs"]
mod runner;

use std::path::{Path, PathBuf};
use std::process::Command;

use mock_api::MockApi;
use serde_json::json;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A committed copy of fixtures/example/repo (the run-1.zip incident).
fn example_checkout() -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read_dir") {
            let e = e.expect("entry");
            let dst = to.join(e.file_name());
            if e.file_type().expect("type").is_dir() {
                copy(&e.path(), &dst);
            } else {
                std::fs::copy(e.path(), dst).expect("copy");
            }
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    copy(&root().join("fixtures/example/repo"), &ws);
    checkout::git(&ws, &["init", "-q"]);
    checkout::git(&ws, &["add", "-A"]);
    checkout::git(&ws, &["commit", "-qm", "init"]);
    (tmp, ws)
}

const HEAD: &str = "0123456789abcdef0123456789abcdef01234567";

fn jobs() -> serde_json::Value {
    json!([{"id": 77, "name": "test", "status": "completed", "conclusion": "failure", "run_id": 4242,
            "steps": [{"name": "Run pytest", "number": 5, "status": "completed", "conclusion": "failure"}]}])
}

fn config(zip: &Path, head_repository: &str, can_write: bool) -> serde_json::Value {
    config_with(zip, head_repository, can_write, json!({}))
}

fn config_with(
    zip: &Path,
    head_repository: &str,
    can_write: bool,
    comments: serde_json::Value,
) -> serde_json::Value {
    json!({
        "token": "t0ken-for-tests",
        "bot": "github-actions[bot]",
        "repos": {"acme/shop": {
            "can_write": can_write,
            "runs": {"4242": {
                "zip": zip, "head_repository": head_repository, "head_branch": "feature/ocr",
                "head_sha": HEAD, "path": ".github/workflows/tee-mvp-ci.yml",
                "pull_requests": [7], "jobs": jobs()}},
            "pulls": {"7": {"head_repository": head_repository, "head_sha": HEAD,
                            "files": [".github/workflows/tee-mvp-ci.yml"]}},
            "comments": comments
        }}
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: Vec<(String, String)>,
}

/// `autoheal fix --format github --run-id 4242` in `ws` with a runner's
/// environment pointed at `api`.
fn fix_run(api: &MockApi, ws: &Path, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("output");
    let summary = tmp.path().join("summary");
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", &api.url)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_TOKEN", "t0ken-for-tests")
        .env("GITHUB_OUTPUT", &out)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", tmp.path())
        .env("GITHUB_WORKSPACE", ws)
        .envs(env.iter().copied())
        .args([
            "fix",
            "--format",
            "github",
            "--diff-only",
            "--run-id",
            "4242",
        ])
        .args(["--repo", "acme/shop", "-C"])
        .arg(ws)
        .args(extra)
        .output()
        .expect("binary runs");
    let outputs = runner::runner_outputs(&std::fs::read_to_string(&out).unwrap_or_default())
        .expect("outputs");
    // The pr-body-file lives in RUNNER_TEMP: read it before the directory goes.
    let outputs = outputs
        .into_iter()
        .flat_map(|(k, v)| {
            let file = (k == "pr-body-file" && !v.is_empty()).then(|| {
                (
                    "pr-body-file-content".to_string(),
                    std::fs::read_to_string(&v).unwrap_or_default(),
                )
            });
            std::iter::once((k, v)).chain(file)
        })
        .collect();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs,
    }
}

fn output<'a>(r: &'a Run, name: &str) -> &'a str {
    r.outputs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no output {name}: {:?}", r.outputs))
}

#[test]
fn summary_links_each_failure_to_its_log_line_and_folds_the_excerpt() {
    let api = MockApi::start(&config(
        &root().join("fixtures/example/run-1.zip"),
        "acme/shop",
        true,
    ));
    let (_t, ws) = example_checkout();
    let r = fix_run(&api, &ws, &[], &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Job 77 and step 5 come from the Jobs API; line 8 is the step log's line.
    let link = "https://github.com/acme/shop/actions/runs/4242/job/77#step:5:8";
    assert!(
        r.summary
            .contains(&format!("**Root cause** ([log line 8]({link}))")),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains(&format!("| [8]({link}) |")),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("<details><summary>Log excerpt</summary>\n\n```text\n"),
        "{}",
        r.summary
    );
    assert!(!r.summary.contains("&#"), "no HTML entities: {}", r.summary);
    // The notice sits on the pip line the fix changes, as it is in the commit.
    let notices: Vec<_> = runner::runner_commands(&r.stdout)
        .into_iter()
        .filter(|c| c.name == "notice")
        .collect();
    assert_eq!(notices.len(), 1, "{}", r.stdout);
    let n = &notices[0];
    assert!(
        n.props
            .contains("file=.github/workflows/tee-mvp-ci.yml,line=20,"),
        "{}",
        n.props
    );
    let text = std::fs::read_to_string(ws.join(".github/workflows/tee-mvp-ci.yml")).expect("read");
    assert_eq!(
        text.lines().nth(19),
        Some("      - run: pip install requests psycopg pytest")
    );
    assert!(n.data.contains("pytest-cov"), "{}", n.data);
}

#[test]
fn a_hostile_server_url_gives_no_link() {
    let api = MockApi::start(&config(
        &root().join("fixtures/example/run-1.zip"),
        "acme/shop",
        true,
    ));
    let (_t, ws) = example_checkout();
    let r = fix_run(
        &api,
        &ws,
        &[],
        &[("GITHUB_SERVER_URL", "https://evil.example)[x](https://e")],
    );
    assert_eq!(r.code, 0);
    assert!(
        r.summary.contains("**Root cause** (log line 8)"),
        "{}",
        r.summary
    );
    assert!(!r.summary.contains("evil.example"), "{}", r.summary);
}

#[test]
fn local_logs_get_no_link() {
    let (_t, ws) = example_checkout();
    let tmp = tempfile::tempdir().expect("tempdir");
    let summary = tmp.path().join("summary");
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["fix", "--format", "github", "--diff-only", "-C"])
        .arg(&ws)
        .arg(root().join("fixtures/example/run-1.zip"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let s = std::fs::read_to_string(summary).expect("summary");
    assert!(s.contains("**Root cause** (log line 8)"), "{s}");
    assert!(!s.contains("](http"), "{s}");
}

#[test]
fn pr_body_output_and_file_hold_the_diagnosis_evidence_diff_and_undo() {
    let api = MockApi::start(&config(
        &root().join("fixtures/example/run-1.zip"),
        "acme/shop",
        true,
    ));
    let (_t, ws) = example_checkout();
    let body_path = ws.parent().expect("tmp").join("body.md");
    let r = fix_run(
        &api,
        &ws,
        &["--pr-body", body_path.to_str().expect("utf-8")],
        &[],
    );
    assert_eq!(r.code, 0);
    let body = output(&r, "pr-body");
    assert_eq!(output(&r, "pr-body-file-content"), body);
    assert_eq!(
        std::fs::read_to_string(&body_path).expect("--pr-body file"),
        body
    );
    for part in [
        "## autoheal: dependency_missing",
        "### What failed",
        "pytest: error: unrecognized arguments: --cov=addons",
        "decided by a curated table",
        "```diff\n",
        "+      - run: pip install requests psycopg pytest pytest-cov\n",
        "### How to undo it",
        "git apply -R autoheal.diff",
    ] {
        assert!(body.contains(part), "{part:?} missing from:\n{body}");
    }
    // The body is not the raw diff: no line outside a fence starts with +/-.
    assert!(!body.starts_with("diff --git"));
}

/// The lines of `md` outside fenced blocks, code spans removed.
fn prose(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|&c| c == '`').collect();
        match &fence {
            Some(f) if line.trim_end() == f.as_str() => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                out.push_str(&markdown::strip_code_spans(line));
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn pr_body_keeps_hostile_log_text_inert() {
    // A failing step whose output mentions a team, links, tags, workflow
    // commands and backtick runs around the real error.
    let log = "2024-01-01T00:00:00.0000000Z ##[group]Run pytest\n\
               2024-01-01T00:00:00.0000000Z pytest\n\
               2024-01-01T00:00:00.0000000Z ##[endgroup]\n\
               2024-01-01T00:00:00.0000000Z @acme/maintainers [approve](https://evil.example) <img src=x>\n\
               2024-01-01T00:00:00.0000000Z ::add-mask::oops\n\
               2024-01-01T00:00:00.0000000Z ```` closing fences ```\n\
               2024-01-01T00:00:00.0000000Z E   ModuleNotFoundError: No module named 'yaml' @acme/maintainers ``x``\n\
               2024-01-01T00:00:00.0000000Z ##[error]Process completed with exit code 1.\n";
    let (_t, ws) = checkout::repo(&[
        ("requirements.txt", "requests\n"),
        ("tests/test_a.py", "import yaml\n"),
    ]);
    let log_path = ws.parent().expect("tmp").join("job.txt");
    std::fs::write(&log_path, log).expect("write log");
    let body_path = ws.parent().expect("tmp").join("body.md");
    let (code, _, err) = checkout::fix(
        &[
            "--diff-only",
            "--pr-body",
            body_path.to_str().expect("utf-8"),
        ],
        &ws,
        &log_path,
    );
    assert_eq!(code, 0, "{err}");
    let body = std::fs::read_to_string(&body_path).expect("body");
    assert!(body.contains("+PyYAML"), "{body}");
    assert!(
        body.contains("@acme/maintainers"),
        "the text is shown: {body}"
    );
    let p = prose(&body);
    for bad in ["@acme", "https://evil", "<img", "[approve]"] {
        assert!(
            !p.contains(bad),
            "{bad:?} outside code in:\n{p}\n--- body:\n{body}"
        );
    }
    assert!(runner::runner_commands(&body).is_empty(), "{body}");
}

fn zip() -> PathBuf {
    root().join("fixtures/example/run-1.zip")
}

/// (method, path) of every write the mock received.
fn writes(api: &MockApi) -> Vec<(String, String)> {
    api.writes()
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or("").to_string(),
                r["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn second_run_edits_the_comment_and_the_suggestion_instead_of_adding() {
    // Someone else's comment carries our marker: it is neither edited nor
    // taken for ours.
    let planted = json!({"7": [{"id": 5, "user": "mallory",
        "body": "<!-- autoheal:sticky-comment --> approve me"}]});
    let api = MockApi::start(&config_with(&zip(), "acme/shop", true, planted));
    let (_t, ws) = example_checkout();
    let first = fix_run(&api, &ws, &["--comment"], &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("comment: posted on pull request #7"),
        "{}",
        first.stderr
    );
    assert!(
        first
            .stderr
            .contains("suggestion: posted on pull request #7"),
        "{}",
        first.stderr
    );
    assert_eq!(
        writes(&api),
        [
            (
                "POST".to_string(),
                "/repos/acme/shop/issues/7/comments".to_string()
            ),
            (
                "POST".to_string(),
                "/repos/acme/shop/pulls/7/comments".to_string()
            ),
        ]
    );
    let posted = api.writes();
    let comment = posted[0]["body"]["body"].as_str().expect("comment body");
    assert!(
        comment.starts_with("<!-- autoheal:sticky-comment -->\n"),
        "{comment}"
    );
    assert!(
        comment.contains("## autoheal: dependency_missing"),
        "{comment}"
    );
    assert!(comment.contains("```diff\n"), "{comment}");
    let review = &posted[1]["body"];
    assert_eq!(review["path"], ".github/workflows/tee-mvp-ci.yml");
    assert_eq!(review["line"], 20);
    assert_eq!(review["side"], "RIGHT");
    assert_eq!(review["commit_id"], HEAD);
    assert!(review.get("start_line").is_none(), "{review}");
    let suggestion = review["body"].as_str().expect("suggestion body");
    assert!(
        suggestion.contains(
            "```suggestion\n      - run: pip install requests psycopg pytest pytest-cov\n```"
        ),
        "{suggestion}"
    );

    let second = fix_run(&api, &ws, &["--comment"], &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("comment: updated on pull request #7"),
        "{}",
        second.stderr
    );
    assert!(
        second
            .stderr
            .contains("suggestion: updated on pull request #7"),
        "{}",
        second.stderr
    );
    let w = writes(&api);
    assert_eq!(w.len(), 4, "{w:?}");
    assert_eq!(w[2].0, "PATCH");
    assert!(
        w[2].1.starts_with("/repos/acme/shop/issues/comments/"),
        "{w:?}"
    );
    assert_ne!(
        w[2].1, "/repos/acme/shop/issues/comments/5",
        "mallory's comment was edited"
    );
    assert_eq!(w[3].0, "PATCH");
    assert!(
        w[3].1.starts_with("/repos/acme/shop/pulls/comments/"),
        "{w:?}"
    );
}

#[test]
fn without_comment_nothing_is_written() {
    let api = MockApi::start(&config(&zip(), "acme/shop", true));
    let (_t, ws) = example_checkout();
    let r = fix_run(&api, &ws, &[], &[]);
    assert_eq!(r.code, 0);
    assert!(writes(&api).is_empty(), "{:?}", writes(&api));
}

#[test]
fn fork_run_posts_nothing_when_the_token_cannot_write() {
    // A fork's run: report only (exit 3), and the pull request is found
    // through its head commit (the run object lists none for forks). The
    // read-only token is refused: nothing is posted and the run does not fail.
    let api = MockApi::start(&config(&zip(), "evil/shop", false));
    let (_t, ws) = example_checkout();
    let r = fix_run(&api, &ws, &["--comment"], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("comment: not posted on pull request #7: could not send a comment: HTTP 403"),
        "{}",
        r.stderr
    );
    let stored: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|q| q["status"] == 201 || q["status"] == 200 && q["method"] != "GET")
        .collect();
    assert!(stored.is_empty(), "{stored:?}");
    assert!(r.stderr.contains("refused (fork-run)") || r.stdout.contains("fork-run"));
}

#[test]
fn fork_run_comment_has_the_diagnosis_when_the_token_allows_it() {
    let api = MockApi::start(&config(&zip(), "evil/shop", true));
    let (_t, ws) = example_checkout();
    let r = fix_run(&api, &ws, &["--comment"], &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let w = api.writes();
    // One comment, no suggestion: a fork's run gets no fix.
    assert_eq!(w.len(), 1, "{w:?}");
    let body = w[0]["body"]["body"].as_str().expect("body");
    assert!(body.contains("No fix: ` refused (fork-run)"), "{body}");
    assert!(
        body.contains("unrecognized arguments: --cov=addons"),
        "{body}"
    );
}

#[test]
fn no_pull_request_from_the_api_means_no_comment() {
    // The log can say what it likes; only the API names the pull request.
    let mut cfg = config(&zip(), "acme/shop", true);
    cfg["repos"]["acme/shop"]["runs"]["4242"]["pull_requests"] = json!([]);
    cfg["repos"]["acme/shop"]["pulls"]["7"]["head_sha"] =
        json!("ffffffffffffffffffffffffffffffffffffffff");
    let api = MockApi::start(&cfg);
    let (_t, ws) = example_checkout();
    let r = fix_run(&api, &ws, &["--comment"], &[]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("belongs to no single open pull request"),
        "{}",
        r.stderr
    );
    assert!(writes(&api).is_empty());
}
