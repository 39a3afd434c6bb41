//! SECURITY.md §8 (secrets) and the rendered-output half of §1, end to end:
//! the real binary on real-shaped logs, every sink read back the way its
//! reader reads it (the runner oracle for stdout, stderr and
//! `GITHUB_OUTPUT`, the Markdown reading of the job summary), and the
//! workspace byte-identical after each `--diff-only` run.
//!
//! - Redaction happens before any cut: a token that the 1 KiB error-line cap
//!   splits, the run's own token split the same way, and an excerpt window
//!   that starts inside a private key leave nothing of the secret anywhere.
//! - Every secret shape of §8 is redacted to `<prefix>***REDACTED***` in
//!   stdout (text, JSON, GitHub), stderr, `GITHUB_OUTPUT`, the summary and
//!   the annotations.
//! - Log text in the summary is inert (code spans: no autolinked URL, no
//!   mention, no tag), and what a later step prints (`echo "$DIFF"`,
//!   `cat "$DIFF_FILE"`, `echo "$ERROR_LINE"`) carries no live command.

#[path = "support/markdown.rs"]
mod markdown;
#[path = "support/runner.rs"]
mod runner;

#[path = "support/bin.rs"]
mod bin;

use bin::autoheal;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use runner::{Command as RunnerCommand, runner_commands, runner_outputs};

const REDACTED: &str = "***REDACTED***";

// ---------------------------------------------------------------- harness

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

/// A GitHub job log: each line behind a runner timestamp.
fn gh(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| format!("2024-05-01T12:00:00.0000000Z {l}\n"))
        .collect()
}

/// A pytest collection failure for `import yaml`: `before` lines sit just
/// above the traceback (the excerpt shows the last two of them), `tail` is
/// appended to the error line, and `after` lines follow it (the excerpt shows
/// the first three).
fn module_log(before: &[&str], tail: &str, after: &[&str]) -> String {
    let err = format!("E   ModuleNotFoundError: No module named 'yaml'{tail}");
    let mut lines = vec![
        "##[group]Run pytest -q",
        "pytest -q",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "==================================== ERRORS ====================================",
        "____________________ ERROR collecting tests/test_app.py ____________________",
    ];
    lines.extend_from_slice(before);
    lines.extend_from_slice(&[
        "ImportError while importing test module '/home/runner/work/app/app/tests/test_app.py'.",
        "tests/test_app.py:1: in <module>",
        "    import yaml",
        &err,
    ]);
    lines.extend_from_slice(after);
    lines.extend_from_slice(&[
        "=========================== short test summary info ============================",
        "ERROR tests/test_app.py",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "##[error]Process completed with exit code 2.",
    ]);
    gh(&lines)
}

/// A pytest failure of `assert <actual> == 'healthy'` at tests/test_api.py:7.
fn assertion_log(actual: &str) -> String {
    let e = format!("E       AssertionError: assert {actual} == 'healthy'");
    gh(&[
        "##[group]Run pytest -q",
        "pytest -q",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "============================= test session starts ==============================",
        "collected 1 item",
        "",
        "tests/test_api.py F                                                      [100%]",
        "",
        "=================================== FAILURES ===================================",
        "_________________________________ test_health __________________________________",
        "",
        "    def test_health(client):",
        "        resp = client.get(\"/health\")",
        "        assert resp.status_code == 200",
        ">       assert resp.json()[\"status\"] == 'healthy'",
        &e,
        &format!(
            "E        +  where {actual} = <built-in method get of dict object at 0x7f>('status')"
        ),
        "",
        "tests/test_api.py:7: AssertionError",
        "=========================== short test summary info ============================",
        &format!(
            "FAILED tests/test_api.py::test_health - AssertionError: assert {actual} == 'healthy'"
        ),
        "============================== 1 failed in 0.12s ===============================",
        "##[error]Process completed with exit code 1.",
    ])
}

const WORKFLOW: &str = "name: CI\non: [push, pull_request]\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Install\n        run: |\n          pip install requests pytest   # test tools\n      - run: pytest -q\n";

const ASSERT_TEST: &str = "import requests\n\n\ndef test_health(client):\n    resp = client.get(\"/health\")\n    assert resp.status_code == 200\n    assert resp.json()[\"status\"] == \"healthy\"\n";

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    StdCommand::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
}

/// A committed Python checkout in `<tmp>/ws`; logs go beside it in `<tmp>`.
struct Ws {
    tmp: tempfile::TempDir,
}

impl Ws {
    fn python() -> Ws {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws = Ws { tmp };
        for (name, data) in [
            (".github/workflows/ci.yml", WORKFLOW),
            ("requirements.txt", "requests==2.32.3\n"),
            ("tests/test_api.py", ASSERT_TEST),
        ] {
            let p = ws.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        }
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &["commit", "-qm", "init"],
        ] {
            assert!(git(&ws.path(), args).status.success(), "git {args:?}");
        }
        ws
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("ws")
    }

    fn log(&self, name: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write log");
        p
    }

    /// Every entry under the workspace (`.git` included but its index): mode, bytes.
    fn snapshot(&self) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
        let root = self.path();
        let mut out = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let p = entry.expect("entry").path();
                let meta = std::fs::symlink_metadata(&p).expect("meta");
                let rel = p.strip_prefix(&root).expect("beneath").to_path_buf();
                if rel == Path::new(".git/index") {
                    continue;
                }
                let data = if meta.is_dir() {
                    stack.push(p.clone());
                    Vec::new()
                } else {
                    std::fs::read(&p).expect("read")
                };
                out.insert(rel, (meta.permissions().mode(), data));
            }
        }
        out
    }
}

/// The GitHub sinks of one run, with `GITHUB_ENV`/`GITHUB_PATH` sentinels.
struct Gh {
    dir: tempfile::TempDir,
}

const SENTINEL: &str = "SENTINEL=untouched\n";

impl Gh {
    fn new() -> Gh {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["output", "summary"] {
            std::fs::write(dir.path().join(f), "").expect("sink");
        }
        for f in ["env", "path"] {
            std::fs::write(dir.path().join(f), SENTINEL).expect("sentinel");
        }
        std::fs::create_dir(dir.path().join("temp")).expect("temp");
        Gh { dir }
    }

    fn apply(&self, cmd: &mut Command) {
        let p = |n: &str| self.dir.path().join(n);
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", p("output"))
            .env("GITHUB_STEP_SUMMARY", p("summary"))
            .env("GITHUB_ENV", p("env"))
            .env("GITHUB_PATH", p("path"))
            .env("RUNNER_TEMP", p("temp"))
            .args(["--format", "github"]);
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("output")).expect("output");
        let outs = runner_outputs(&text).expect("GITHUB_OUTPUT parses like the runner");
        let mut map = BTreeMap::new();
        for (k, v) in outs {
            assert!(
                map.insert(k.clone(), v).is_none(),
                "output {k} written twice"
            );
        }
        map
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary")).expect("summary")
    }

    fn assert_sentinels(&self) {
        for f in ["env", "path"] {
            let got = std::fs::read_to_string(self.dir.path().join(f)).expect("sentinel");
            assert_eq!(got, SENTINEL, "GITHUB_{} was written", f.to_uppercase());
        }
    }
}

/// Every sink of the four ways a workflow runs us on `log` in `ws`:
/// `diagnose` as text and JSON (stdout), `fix --diff-only` as text (the
/// report on stderr), and `fix --diff-only` in GitHub mode (stdout with its
/// annotations, stderr, each output, the summary, the diff file). Each run
/// exits 0, writes no file of the workspace and no `GITHUB_ENV`/`GITHUB_PATH`.
struct Sinks {
    text: String,
    json: serde_json::Value,
    json_raw: String,
    stderr: String,
    gh_stdout: String,
    gh_stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    diff_file: String,
    annotations: Vec<RunnerCommand>,
}

impl Sinks {
    fn collect(ws: &Ws, log: &Path, token: Option<&str>) -> Sinks {
        let before = ws.snapshot();
        let with_token = |cmd: &mut Command| {
            if let Some(t) = token {
                cmd.env("GITHUB_TOKEN", t);
            }
        };
        let mut cmd = autoheal();
        with_token(&mut cmd);
        let text = run(cmd.args(["diagnose", "--format", "text"]).arg(log));
        assert_eq!(text.code, 0, "{}", text.stderr);
        let mut cmd = autoheal();
        with_token(&mut cmd);
        let json = run(cmd.args(["diagnose", "--format", "json"]).arg(log));
        assert_eq!(json.code, 0, "{}", json.stderr);
        let mut cmd = autoheal();
        with_token(&mut cmd);
        let fix = run(cmd
            .args(["fix", "--diff-only", "--format", "text", "-C"])
            .arg(ws.path())
            .arg(log));
        assert_eq!(fix.code, 0, "{}", fix.stderr);
        let gh = Gh::new();
        let mut cmd = autoheal();
        with_token(&mut cmd);
        cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
        gh.apply(&mut cmd);
        let out = run(cmd.arg(log));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(ws.snapshot(), before, "the workspace changed");
        gh.assert_sentinels();
        let outputs = gh.outputs();
        let diff_file = std::fs::read_to_string(&outputs["diff-file"]).expect("diff-file");
        let cmds = runner_commands(&out.stdout);
        for c in &cmds {
            assert!(
                matches!(
                    c.name.as_str(),
                    "add-mask" | "error" | "warning" | "notice" | "stop-commands"
                ),
                "foreign command {c:?}"
            );
        }
        assert_eq!(runner_commands(&out.stderr), [], "command on stderr");
        Sinks {
            text: text.stdout,
            json: serde_json::from_str(&json.stdout).expect("json"),
            json_raw: json.stdout,
            stderr: fix.stderr,
            gh_stdout: out.stdout,
            gh_stderr: out.stderr,
            outputs,
            summary: gh.summary(),
            diff_file,
            annotations: cmds.into_iter().filter(|c| c.name == "error").collect(),
        }
    }

    /// (name, text) of every sink; the JSON twice (raw and its error line).
    fn all(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("text stdout".to_string(), self.text.clone()),
            ("json stdout".to_string(), self.json_raw.clone()),
            ("text stderr".to_string(), self.stderr.clone()),
            ("github stdout".to_string(), self.gh_stdout.clone()),
            ("github stderr".to_string(), self.gh_stderr.clone()),
            ("summary".to_string(), self.summary.clone()),
            ("diff-file".to_string(), self.diff_file.clone()),
        ];
        for (k, val) in &self.outputs {
            v.push((format!("output {k}"), val.clone()));
        }
        for a in &self.annotations {
            v.push(("annotation".to_string(), format!("{} {}", a.props, a.data)));
        }
        v
    }

    /// No sink holds any 8-character window of `body` (a secret's random part).
    fn assert_absent(&self, body: &str) {
        let chars: Vec<char> = body.chars().collect();
        let windows: Vec<String> = chars
            .windows(8.min(chars.len()))
            .map(|w| w.iter().collect())
            .collect();
        for (sink, text) in self.all() {
            for w in &windows {
                assert!(
                    !text.contains(w.as_str()),
                    "{w:?} of {body:?} in {sink}:\n{text}"
                );
            }
        }
    }

    /// `want` (a redacted form) is in each sink that shows the error line:
    /// text stdout and stderr, the JSON's error line, GitHub stdout, the
    /// `error-line` output, the summary and the annotation.
    fn assert_error_line_shows(&self, want: &str) {
        let json_line = self.json["failures"][0]["error_line"]
            .as_str()
            .unwrap_or("");
        let ann = self
            .annotations
            .first()
            .map(|a| a.data.clone())
            .unwrap_or_default();
        for (sink, text) in [
            ("text stdout", self.text.as_str()),
            ("text stderr", self.stderr.as_str()),
            ("json error_line", json_line),
            ("github stdout", self.gh_stdout.as_str()),
            ("output error-line", self.outputs["error-line"].as_str()),
            ("summary", self.summary.as_str()),
            ("annotation", ann.as_str()),
        ] {
            assert!(text.contains(want), "{want:?} not in {sink}:\n{text}");
        }
    }

    /// `want` is in each sink that shows the excerpt: text stdout and
    /// stderr, the JSON's excerpt, GitHub stdout and the summary.
    fn assert_excerpt_shows(&self, want: &str) {
        let excerpt = self.json["failures"][0]["excerpt"].as_str().unwrap_or("");
        for (sink, text) in [
            ("text stdout", self.text.as_str()),
            ("text stderr", self.stderr.as_str()),
            ("json excerpt", excerpt),
            ("github stdout", self.gh_stdout.as_str()),
            ("summary", self.summary.as_str()),
        ] {
            assert!(text.contains(want), "{want:?} not in {sink}:\n{text}");
        }
    }
}

// ------------------------------------------------- redact first, cut later

/// The error line is cut at 1 KiB; a token across that cut must not leave
/// its prefix and the first part of its random body.
#[test]
fn secrets_token_across_the_error_line_cut() {
    const BODY: &str = "Qm7Wc2Xr9TbK4LpZ8vNs3GhD6fJa1YuE5oRi";
    let token = format!("ghp_{BODY}");
    let ws = Ws::python();
    // `E   …'yaml'` + padding puts the token's first 30 characters before byte 1024.
    let head = "E   ModuleNotFoundError: No module named 'yaml'".len();
    let pad = " ".to_string() + &"x".repeat(1024 - head - 1 - 1 - 4 - 30);
    let log = ws.log("run.log", &module_log(&[], &format!("{pad} {token}"), &[]));
    let s = Sinks::collect(&ws, &log, None);
    s.assert_absent(BODY);
    // What the cut left is the redacted form's head, never the body.
    let line = s.outputs["error-line"].as_str();
    assert!(line.contains(" ghp_***"), "{line}");
}

/// The run's own token, whatever its shape, is redacted before the cut too.
#[test]
fn secrets_own_token_across_the_error_line_cut() {
    const TOKEN: &str = "v1.Zt8Kq2Wm5Xr7Lp3Nc9Bd4Hf6Jg1Ya0Ue8Qo2";
    let ws = Ws::python();
    let head = "E   ModuleNotFoundError: No module named 'yaml'".len();
    let pad = " ".to_string() + &"x".repeat(1024 - head - 1 - 1 - 20);
    let log = ws.log("run.log", &module_log(&[], &format!("{pad} {TOKEN}"), &[]));
    let s = Sinks::collect(&ws, &log, Some(TOKEN));
    // The mask line is the one place the token may appear.
    let mask = format!("::add-mask::{TOKEN}\n");
    for (sink, text) in s.all() {
        let text = text.replace(&mask, "");
        for w in TOKEN.as_bytes().windows(10) {
            let w = std::str::from_utf8(w).unwrap_or_default();
            assert!(!text.contains(w), "{w:?} of the token in {sink}:\n{text}");
        }
    }
    assert!(s.gh_stdout.starts_with(&mask), "{}", s.gh_stdout);
}

const KEY_BODY: [&str; 3] = [
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Jx8uQ9dZc4LkT0fYw7Hn5sVb1Ra",
    "Xe6Pq3Wn8Km2Lj5Hg9Fd4Sa7Zx1Cv0Bn6Mq3Wr8Et5Yu2Io7Pa4Sd9Fg1Hj6Kl3Zq",
    "Nb0Vc5Xz2Lk7Jh4Gf9Ds6Aq1Wp8Eo3Ri5Tu0Yy7Uu2Ii4Oo9Pp6Aa3Ss8Dd1Ff0Ww",
];

/// The excerpt shows five lines above the error line; a key whose BEGIN is
/// further up leaves the window starting inside its body.
#[test]
fn secrets_excerpt_window_inside_a_private_key() {
    let ws = Ws::python();
    let mut before = vec!["-----BEGIN RSA PRIVATE KEY-----"];
    before.extend_from_slice(&KEY_BODY);
    before.push("-----END RSA PRIVATE KEY-----");
    let log = ws.log("run.log", &module_log(&before, "", &[]));
    let s = Sinks::collect(&ws, &log, None);
    for b in KEY_BODY {
        s.assert_absent(b);
    }
    // The window holds the last body line (redacted) and the END line.
    let excerpt = s.json["failures"][0]["excerpt"].as_str().unwrap_or("");
    assert!(excerpt.starts_with(REDACTED), "{excerpt}");
    assert!(
        excerpt.contains("-----END RSA PRIVATE KEY-----"),
        "{excerpt}"
    );
    s.assert_excerpt_shows(REDACTED);
}

// ------------------------------------------------------- every shape, every sink

/// A private key of `kind` twice: once above the error line (the excerpt
/// window starts inside it) and once right below it (the whole block is in
/// the window).
fn pem_case(kind: &str, body: &[&str]) {
    let ws = Ws::python();
    let begin = format!("-----BEGIN {kind}-----");
    let end = format!("-----END {kind}-----");
    let mut above = vec![begin.as_str()];
    above.extend_from_slice(body);
    above.push(end.as_str());
    let mut below = vec![begin.as_str(), body[0], end.as_str()];
    below.truncate(3);
    let log = ws.log("run.log", &module_log(&above, "", &below));
    let s = Sinks::collect(&ws, &log, None);
    for b in body {
        s.assert_absent(b);
    }
    s.assert_excerpt_shows(&format!("{begin}{REDACTED}"));
    s.assert_excerpt_shows(&end);
}

#[test]
fn secrets_shape_pgp_private_key_block() {
    pem_case(
        "PGP PRIVATE KEY BLOCK",
        &[
            "lQOYBGXk3ZsBCADLxq9Vb2Nn7Tt4Yy1Uu8Ii5Oo2Pp9Aa6Ss3Dd0Ff7Gg4Hh1Jj8Kk",
            "Zm9Wn3Qe6Rt1Yu8Io5Pa2Sd7Fg4Hj9Kl0Zx3Cv6Bn1Mq8We5Rt2Yu7Io4Pa9Sd",
            "=Xq7L",
        ],
    );
}

#[test]
fn secrets_shape_openssh_private_key() {
    pem_case(
        "OPENSSH PRIVATE KEY",
        &[
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            "QyNTUxOQAAACBd8Kq2Wm5Xr7Lp3Nc9Bd4Hf6Jg1Ya0Ue8Qo2Zt8Kq2WmAAAAJhXr7Lp3",
            "Nc9Bd4Hf6Jg1Ya0Ue8Qo2Zt8Kq2Wm5Xr7Lp3Nc9Bd4Hf6Jg1Ya0Ue8Qo2Zt8Kq2",
        ],
    );
}

#[test]
fn secrets_shape_encrypted_private_key() {
    pem_case(
        "ENCRYPTED PRIVATE KEY",
        &[
            "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI3Tz2mr7SZiACAggA",
            "MAwGCCqGSIb3DQIJBQAwFAYIKoZIhvcNAwcECKq9Vb2Nn7Tt4Yy1Uu8Ii5Oo2Pp9",
            "Aa6Ss3Dd0Ff7Gg4Hh1Jj8KkZm9Wn3Qe6Rt1Yu8Io5Pa2Sd7Fg4Hj9Kl0Zx3Cv6",
        ],
    );
}

/// One secret on the error line and again on the excerpt line above it:
/// `body` (its secret part) reaches no sink, `shown` (its redacted form)
/// reaches every sink that shows the line.
fn line_case(secret: &str, body: &str, shown: &str) {
    assert!(secret.contains(body), "test data: {body} not in {secret}");
    let ws = Ws::python();
    let above = format!("config: {secret}");
    let log = ws.log(
        "run.log",
        &module_log(&[&above], &format!(" ({secret})"), &[]),
    );
    let s = Sinks::collect(&ws, &log, None);
    s.assert_absent(body);
    s.assert_error_line_shows(shown);
    s.assert_excerpt_shows(shown);
    // Both lines, the one above and the error line, in the excerpt.
    let excerpt = s.json["failures"][0]["excerpt"].as_str().unwrap_or("");
    assert!(excerpt.matches(shown).count() >= 2, "{excerpt}");
    assert!(excerpt.contains("config: "), "{excerpt}");
}

#[test]
fn secrets_shape_jwt() {
    let sig = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.{sig}"
    );
    line_case(
        &jwt,
        "IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkw",
        "eyJ***REDACTED***",
    );
    line_case(&jwt, sig, "eyJ***REDACTED***");
}

#[test]
fn secrets_shape_aws_secret_access_key() {
    let body = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEq";
    line_case(
        &format!("aws_secret_access_key = {body}"),
        body,
        "aws_secret_access_key = ***REDACTED***",
    );
    line_case(
        &format!("AWS_SECRET_ACCESS_KEY={body}"),
        body,
        "AWS_SECRET_ACCESS_KEY=***REDACTED***",
    );
}

#[test]
fn secrets_shape_azure_account_key() {
    let body =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    line_case(
        &format!(
            "DefaultEndpointsProtocol=https;AccountName=devstore;AccountKey={body};EndpointSuffix=core.windows.net"
        ),
        &body[..40],
        "AccountKey=***REDACTED***;EndpointSuffix",
    );
}

#[test]
fn secrets_shape_gcp_private_key() {
    let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Vb2Nn7Tt4Yy1";
    line_case(
        &format!(
            r#"{{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n", "client_email": "a@b.iam"}}"#
        ),
        body,
        r#""private_key": "***REDACTED***", "client_email""#,
    );
}

#[test]
fn secrets_shape_slack_token() {
    let body = "1234567890123-1234567890123-Zt8Kq2Wm5Xr7Lp3Nc9Bd4Hf6";
    line_case(
        &format!("SLACK=xoxb-{body}"),
        body,
        "SLACK=xoxb-***REDACTED***",
    );
    line_case(&format!("xoxp-{body}"), body, "xoxp-***REDACTED***");
}

#[test]
fn secrets_shape_stripe_key() {
    let body = "51Hx8Kq2Wm5Xr7Lp3Nc9Bd4Hf6Jg1Ya0Ue8Qo2";
    line_case(
        &format!("stripe key sk_live_{body}"),
        body,
        "sk_live_***REDACTED***",
    );
}

#[test]
fn secrets_shape_npm_token() {
    let body = "Zt8Kq2Wm5Xr7Lp3Nc9Bd4Hf6Jg1Ya0Ue8Qo2Ab";
    line_case(
        &format!("//registry.npmjs.org/:_authToken=npm_{body}"),
        body,
        "_authToken=npm_***REDACTED***",
    );
}

#[test]
fn secrets_shape_password_in_connection_strings() {
    line_case(
        "connecting to postgres://db.internal:5432/app password=Tr0ub4dor&3x",
        "Tr0ub4dor",
        "postgres://db.internal:5432/app password=***REDACTED***",
    );
    line_case(
        "DSN host=db passwd: correcthorsebatterystaple",
        "correcthorsebattery",
        "passwd: ***REDACTED***",
    );
    line_case(
        "Server=tcp:db.example,1433;Database=app;User Id=sa;secret=Zt8Kq2Wm5Xr7;",
        "Zt8Kq2Wm5Xr7",
        "secret=***REDACTED***;",
    );
}

/// Without a URL, DSN or connection string a password word is prose, and a
/// value of 8 characters or fewer is no secret: both stay, so the rule does
/// not blank ordinary log lines.
#[test]
fn secrets_password_rule_needs_a_connection_and_a_long_value() {
    let ws = Ws::python();
    let log = ws.log(
        "run.log",
        &module_log(
            &["note: password=changeme123 is the fixture default"],
            " (postgres://db/app password=short)",
            &[],
        ),
    );
    let s = Sinks::collect(&ws, &log, None);
    s.assert_error_line_shows("password=short");
    s.assert_excerpt_shows("password=changeme123");
}

// ------------------------------------------- links and commands in rendered output

/// A URL, a link, a mention and a tag on the error line reach the summary
/// only inside code spans: GitHub autolinks a bare URL in prose.
#[test]
fn summary_log_text_is_never_prose() {
    let ws = Ws::python();
    let hostile = " see https://evil.example/approve [Approve](https://evil.example/a) @acme/security <img src=x> `tick` &#64;";
    let log = ws.log("run.log", &module_log(&[], hostile, &[]));
    let s = Sinks::collect(&ws, &log, None);
    let mut fence: Option<usize> = None;
    let mut spans = 0;
    for line in s.summary.lines() {
        let ticks = line.bytes().take_while(|&b| b == b'`').count();
        if let Some(n) = fence {
            if ticks >= n && line[ticks..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if ticks >= 3 && !line[ticks..].contains('`') {
            fence = Some(ticks);
            continue;
        }
        let prose = if line.starts_with('|') {
            // `fix` adds a Fix column: 10 cells, as its header row has.
            let cells = markdown::table_cells(line);
            let want = if s.summary.contains("| Fix | Error |") {
                10
            } else {
                9
            };
            assert_eq!(cells.len(), want, "a cell added columns: {line}");
            cells
                .iter()
                .map(|c| markdown::strip_code_spans(c))
                .collect::<String>()
        } else {
            markdown::strip_code_spans(line)
        };
        if line.contains("evil.example/approve") {
            spans += 1;
        }
        for bad in ["https://", "evil.example", "@acme", "<img", "](", "&#"] {
            assert!(!prose.contains(bad), "{bad:?} outside code in {line:?}");
        }
    }
    assert!(fence.is_none(), "unclosed fence");
    // The root cause and the failures table both carry it, as code.
    assert!(spans >= 2, "{}", s.summary);
    // Inside code spans entities would show literally: the text is as logged.
    let root = s
        .summary
        .lines()
        .find(|l| l.starts_with("**Root cause**"))
        .unwrap_or_default();
    assert!(
        root.ends_with(": `` E   ModuleNotFoundError: No module named 'yaml' see https://evil.example/approve [Approve](https://evil.example/a) @acme/security <img src=x> `tick` &#64; ``"),
        "{root}"
    );
    assert!(
        s.summary.contains("<img src=x> `tick` &#64;"),
        "{}",
        s.summary
    );
}

/// An "actual" value holding workflow commands reaches the diff of an
/// assertion rewrite. What a later step prints, `cat "$DIFF_FILE"`,
/// `echo "$DIFF"`, `echo "$ERROR_LINE"`, `echo "$SUGGESTED_FIX"`, must give
/// the runner no command but the stop-commands pair around the diff; the
/// diff file still applies.
#[test]
fn printed_outputs_carry_no_live_command() {
    let ws = Ws::python();
    let actual = "'##[set-output name=fixable;]true ::add-mask::x'";
    let log = ws.log("run.log", &assertion_log(actual));
    let before = ws.snapshot();
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.args(["fix", "--unsafe-fixes", "--diff-only", "-C"])
        .arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&log));
    // The assertion fixer refuses a value with command syntax outright, so
    // it never reaches a diff (a command in a context line is the case of
    // `printed_diff_with_a_command_in_a_context_line`).
    assert_eq!(out.code, 3, "{}\n{}", out.stderr, out.stdout);
    assert!(
        out.stdout.contains("refused (unsafe-literal)")
            || out.stderr.contains("refused (unsafe-literal)"),
        "{}\n{}",
        out.stderr,
        out.stdout
    );
    assert_eq!(ws.snapshot(), before, "the workspace changed");
    gh.assert_sentinels();
    let outputs = gh.outputs();
    assert!(
        outputs.get("diff").is_none_or(|d| d.is_empty()),
        "{outputs:?}"
    );
    for name in [
        "error-line",
        "suggested-fix",
        "failed-job",
        "failed-step",
        "files-changed",
    ] {
        let v = outputs[name].as_str();
        assert_eq!(runner_commands(v), [], "{name} is live when echoed: {v}");
    }
    assert!(
        outputs["error-line"].contains("#\\u{23}[set-output"),
        "{}",
        outputs["error-line"]
    );
    // Our own stdout and stderr: only our commands.
    for c in runner_commands(&out.stdout) {
        assert!(
            matches!(c.name.as_str(), "error" | "warning" | "stop-commands"),
            "{c:?}"
        );
    }
    assert_eq!(runner_commands(&out.stderr), []);
}

/// A diff with nothing the runner would read stays byte-exact: no markers.
#[test]
fn printed_plain_diff_stays_exact() {
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log(&[], "", &[]));
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let outputs = gh.outputs();
    let diff_file = std::fs::read_to_string(&outputs["diff-file"]).expect("diff-file");
    assert!(diff_file.starts_with("diff --git "), "{diff_file}");
    assert_eq!(outputs["diff"], diff_file);
    let text = run(autoheal()
        .args(["fix", "--diff-only", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_eq!(text.stdout, diff_file, "the diff differs from text mode's");
}

/// A JUnit report's failure message is capped at 1 KiB as it is read; a
/// token across that cap goes before the cut there too.
#[test]
fn secrets_token_across_a_report_message_cut() {
    const BODY: &str = "Zt8Kq2Wm5Xr7Lp3Nc9Bd4Hf6Jg1Ya0Ue8Qo2A";
    let head = "AssertionError: deploy rejected ";
    let pad = "y".repeat(1024 - head.len() - 4 - 20);
    let message = format!("{head}{pad}ghs_{BODY}");
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<testsuite name=\"pytest\" tests=\"1\" failures=\"1\">\n\
         <testcase classname=\"tests.test_deploy\" name=\"test_push\" file=\"tests/test_deploy.py\" line=\"3\">\n\
         <failure message=\"{message}\">tests/test_deploy.py:3: {message}</failure>\n\
         </testcase>\n</testsuite>\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("report.xml");
    std::fs::write(&p, xml).expect("write");
    let mut sinks = Vec::new();
    for format in ["text", "json"] {
        let out = run(autoheal().args(["diagnose", "--format", format]).arg(&p));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains("deploy rejected"), "{}", out.stdout);
        sinks.push((format.to_string(), out.stdout));
    }
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.arg("diagnose");
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    gh.assert_sentinels();
    let outputs = gh.outputs();
    assert!(
        outputs["error-line"].contains("ghs_***"),
        "{}",
        outputs["error-line"]
    );
    sinks.push(("github stdout".into(), out.stdout));
    sinks.push(("github stderr".into(), out.stderr));
    sinks.push(("summary".into(), gh.summary()));
    sinks.extend(outputs.into_iter().map(|(k, v)| (format!("output {k}"), v)));
    for (sink, text) in sinks {
        for w in BODY.as_bytes().windows(8) {
            let w = std::str::from_utf8(w).unwrap_or_default();
            assert!(!text.contains(w), "{w:?} in {sink}:\n{text}");
        }
    }
}

/// A context line of the diff can be a command too: the runner trims the
/// leading blank of ` ::notice::…`. Here it comes from the repository (a
/// workflow line next to the edited one), not from the log.
#[test]
fn printed_diff_with_a_command_in_a_context_line() {
    let ws = Ws::python();
    let workflow = "name: CI\non: [push]\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Install\n        run: |\n          pip install requests pytest\n      - name: Banner\n        run: |\n          ::notice title=x::from the repository\n      - run: pytest -q\n";
    std::fs::write(ws.path().join(".github/workflows/ci.yml"), workflow).expect("write");
    assert!(
        git(&ws.path(), &["commit", "-qam", "banner"])
            .status
            .success()
    );
    let log = ws.log("run.log", &module_log(&[], "", &[]));
    let before = ws.snapshot();
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ws.snapshot(), before, "the workspace changed");
    gh.assert_sentinels();
    let outputs = gh.outputs();
    let diff_file = std::fs::read_to_string(&outputs["diff-file"]).expect("diff-file");
    assert!(
        diff_file.contains("\n           ::notice title=x::from the repository\n"),
        "{diff_file}"
    );
    for (name, printed) in [
        ("diff-file", diff_file.as_str()),
        ("diff", &outputs["diff"]),
    ] {
        let cmds = runner_commands(printed);
        assert_eq!(cmds.len(), 1, "{name}: {cmds:#?}");
        assert_eq!(cmds[0].name, "stop-commands", "{name}: {cmds:#?}");
        assert!(printed.ends_with(&format!("\n::{}::\n", cmds[0].data)));
    }
    let check = git(
        &ws.path(),
        &["apply", "--check", outputs["diff-file"].as_str()],
    );
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
