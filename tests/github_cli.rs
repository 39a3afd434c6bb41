//! The binary in GitHub mode, read back by the runner-like oracle: hostile log
//! lines, a hostile archive entry name and planted secrets must not become a
//! command on stdout or stderr, an extra output, or a write to `GITHUB_ENV` /
//! `GITHUB_PATH` (SECURITY.md §1, §8).

#[path = "support/runner.rs"]
mod runner;

use std::path::Path;

use assert_cmd::Command;
use runner::{runner_commands, runner_outputs};

const TOKEN: &str = "ghs_CLItokenCLItokenCLItokenCLItoken1234";
const PLANTED: &str = "ghp_PLANTEDplantedPLANTEDplantedPLANTED12";
const SENTINEL: &str = "SENTINEL=untouched\n";

fn hostile_log() -> String {
    let lines = [
        "2024-05-01T12:34:54.0000000Z ##[group]Run pytest -q",
        "2024-05-01T12:34:54.0100000Z pytest -q",
        "2024-05-01T12:34:54.0300000Z ##[endgroup]",
        "2024-05-01T12:34:55.0000000Z ::add-mask::error",
        "2024-05-01T12:34:55.0100000Z   ::stop-commands::zzz",
        "2024-05-01T12:34:55.0200000Z ::error::injected after a planted stop",
        "2024-05-01T12:34:55.0300000Z ##[set-output name=category]evil",
        "2024-05-01T12:34:55.0400000Z x ##[add-mask]y",
        "2024-05-01T12:34:55.0500000Z ::set-env name=LD_PRELOAD::/tmp/x.so",
        "2024-05-01T12:34:55.0600000Z ::add-path::/tmp/evil",
        &format!("2024-05-01T12:34:55.0700000Z token {PLANTED} and {TOKEN}"),
        "2024-05-01T12:34:55.0800000Z \x1b]8;;https://evil\x07link\x1b]8;;\x07 \u{202e}txt.exe",
        "2024-05-01T12:34:55.0900000Z tests/test_config.py:1: in <module>",
        "2024-05-01T12:34:55.1000000Z     import yaml",
        "2024-05-01T12:34:55.1100000Z E   ModuleNotFoundError: No module named 'yaml' ::warning::w ##[add-mask]m",
        "2024-05-01T12:34:55.1200000Z ghadelimiter_00000000-0000-4000-8000-000000000000",
        "2024-05-01T12:34:55.1300000Z fixable=true",
        "2024-05-01T12:34:55.1400000Z ```</details><img src=x onerror=alert(1)> [Fixed](https://evil) @team |",
        "2024-05-01T12:34:55.3000000Z ##[error]Process completed with exit code 2.",
    ];
    lines.join("\n") + "\n"
}

struct Sinks {
    dir: tempfile::TempDir,
}

impl Sinks {
    fn new() -> Sinks {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["env", "path"] {
            std::fs::write(dir.path().join(f), SENTINEL).expect("sentinel");
        }
        std::fs::create_dir(dir.path().join("tmp")).expect("mkdir");
        std::fs::create_dir(dir.path().join("repo")).expect("mkdir");
        std::fs::write(dir.path().join("repo/requirements.txt"), "pytest\n").expect("write");
        std::fs::write(dir.path().join("job.log"), hostile_log()).expect("write");
        Sinks { dir }
    }

    fn p(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("autoheal").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.p("output"))
            .env("GITHUB_STEP_SUMMARY", self.p("summary"))
            .env("GITHUB_ENV", self.p("env"))
            .env("GITHUB_PATH", self.p("path"))
            .env("RUNNER_TEMP", self.p("tmp"))
            .env("GITHUB_TOKEN", TOKEN)
            .current_dir(self.dir.path());
        cmd
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.p(rel)).unwrap_or_default()
    }
}

fn assert_inert(name: &str, text: &str) {
    // The CLI and the writer may each print the mask; nothing else may hold the token.
    let without_mask = text.replace(&format!("::add-mask::{TOKEN}\n"), "");
    assert!(!without_mask.contains(TOKEN), "token in {name}");
    assert!(!text.contains(PLANTED), "planted secret in {name}");
    assert!(!text.contains('\u{202e}') && !text.contains('\x1b') && !text.contains('\0'));
}

/// Only our commands: the mask, annotations, stop-commands blocks.
fn assert_only_ours(stream: &str, text: &str) {
    for c in runner_commands(text) {
        assert!(!c.legacy, "{stream}: legacy command {c:?}");
        match c.name.as_str() {
            "add-mask" => assert_eq!(c.data, TOKEN, "{stream}: {c:?}"),
            "stop-commands" => {
                assert_eq!(c.data.len(), 32);
                assert!(c.data.bytes().all(|b| b.is_ascii_hexdigit()));
            }
            "error" | "warning" | "notice" => {
                assert!(c.props.contains("title=autoheal"), "{stream}: {c:?}");
            }
            other => panic!("{stream}: unexpected command {other}: {c:?}"),
        }
    }
}

#[test]
fn diagnose_in_github_mode_injects_nothing() {
    let s = Sinks::new();
    let out = s.cmd().args(["diagnose", "job.log"]).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stdout.starts_with(&format!("::add-mask::{TOKEN}\n")));
    assert_only_ours("stdout", &stdout);
    assert_only_ours("stderr", &stderr);
    let outputs = runner_outputs(&s.read("output")).expect("outputs parse");
    let names: Vec<&str> = outputs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "category",
            "confidence",
            "fixable",
            "error-line",
            "failed-job",
            "failed-step",
            "suggested-fix"
        ]
    );
    for (k, v) in &outputs {
        assert_inert(k, v);
        if k != "category" {
            continue;
        }
        assert_eq!(v, "dependency_missing");
    }
    assert_inert("stdout", &stdout);
    assert_inert("stderr", &stderr);
    assert_inert("summary", &s.read("summary"));
    assert_eq!(s.read("env"), SENTINEL);
    assert_eq!(s.read("path"), SENTINEL);
}

#[test]
fn fix_in_github_mode_injects_nothing() {
    let s = Sinks::new();
    let out = s
        .cmd()
        .args(["fix", "--diff-only", "-C", "repo", "job.log"])
        .output()
        .expect("run");
    let code = out.status.code();
    assert!(code == Some(0) || code == Some(3), "{code:?}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_only_ours("stdout", &stdout);
    assert_only_ours("stderr", &stderr);
    let outputs = runner_outputs(&s.read("output")).expect("outputs parse");
    let names: Vec<&str> = outputs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "category",
            "confidence",
            "error-line",
            "failed-job",
            "failed-step",
            "suggested-fix",
            "fixable",
            "applied",
            "diff",
            "diff-file",
            "files-changed",
            "touches-workflows",
            "pr-body",
            "pr-body-file"
        ]
    );
    for (k, v) in &outputs {
        assert_inert(k, v);
    }
    let map: std::collections::BTreeMap<_, _> = outputs.into_iter().collect();
    assert_eq!(map["applied"], "false");
    assert_inert("summary", &s.read("summary"));
    assert_eq!(
        s.read("repo/requirements.txt"),
        "pytest\n",
        "diff-only wrote"
    );
    assert_eq!(s.read("env"), SENTINEL);
    assert_eq!(s.read("path"), SENTINEL);
    if !map["diff-file"].is_empty() {
        let f = Path::new(&map["diff-file"]);
        assert!(f.starts_with(s.p("tmp")));
        assert_inert("diff-file", &std::fs::read_to_string(f).expect("diff-file"));
    }
    // The pull-request body: inert, and printing it issues no command.
    let body = Path::new(&map["pr-body-file"]);
    assert!(body.starts_with(s.p("tmp")));
    let body = std::fs::read_to_string(body).expect("pr-body-file");
    assert_eq!(body, map["pr-body"]);
    assert_inert("pr-body", &body);
    assert!(runner_commands(&body).is_empty(), "{body}");
}

#[test]
fn hostile_archive_entry_name_is_inert_on_stderr() {
    let s = Sinks::new();
    // A zip whose only entry has a non-local name that carries commands.
    let zip = s.p("evil.zip");
    {
        let f = std::fs::File::create(&zip).expect("create");
        let mut w = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("../##[set-output name=fixable]true", opts)
            .expect("entry");
        std::io::Write::write_all(&mut w, b"x").expect("write");
        w.finish().expect("finish");
    }
    let out = s
        .cmd()
        .args(["diagnose", "evil.zip"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("is not a local path"), "{stderr}");
    assert_only_ours("stdout", &stdout);
    assert_only_ours("stderr", &stderr);
    assert!(runner_outputs(&s.read("output")).expect("parse").is_empty());
}
