//! The CLI for people, through the binary: the model's weights only with
//! --verbose, colour by --color and NO_COLOR (the diff too), completions and
//! the manual page (files generated from the one CLI definition), API errors that say
//! what to do and one line per rate-limit wait (against a loopback server).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::Command;

#[path = "support/checkout.rs"]
mod checkout;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn autoheal(args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autoheal"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("binary runs");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn run1() -> String {
    root()
        .join("fixtures/example/run-1.zip")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_models_weights_need_verbose() {
    let plain = autoheal(&["diagnose", &run1()], &[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!plain.stdout.contains("why:"), "{}", plain.stdout);
    assert!(
        plain.stdout.contains("fix: Add pytest-cov"),
        "{}",
        plain.stdout
    );
    let verbose = autoheal(&["diagnose", "--verbose", &run1()], &[]);
    assert!(
        verbose.stdout.contains("  why: pytest +"),
        "{}",
        verbose.stdout
    );
    // A global flag: before the subcommand too.
    let v = autoheal(&["-v", "diagnose", &run1()], &[]);
    assert!(v.stdout.contains("why:"), "{}", v.stdout);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let esc = "\x1b[";
    // Piped: auto means no colour.
    let auto = autoheal(&["diagnose", &run1()], &[]);
    assert!(!auto.stdout.contains(esc));
    let always = autoheal(&["diagnose", "--color", "always", &run1()], &[]);
    assert!(always.stdout.contains(esc), "{}", always.stdout);
    // NO_COLOR turns auto off, not an explicit `always`.
    let no = autoheal(
        &["diagnose", "--color", "auto", &run1()],
        &[("NO_COLOR", "1")],
    );
    assert!(!no.stdout.contains(esc));
    let never = autoheal(&["diagnose", "--color", "never", &run1()], &[]);
    assert!(!never.stdout.contains(esc));
    let bad = autoheal(&["diagnose", "--color", "sometimes", &run1()], &[]);
    assert_eq!(bad.code, 2);
}

#[test]
fn the_diff_is_coloured_only_when_asked_or_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let copy = Command::new("cp")
        .arg("-R")
        .arg(root().join("fixtures/example/repo"))
        .arg(&ws)
        .status()
        .unwrap();
    assert!(copy.success());
    checkout::git(&ws, &["init", "-q"]);
    checkout::git(&ws, &["add", "-A"]);
    checkout::git(&ws, &["commit", "-qm", "example"]);
    let ws = ws.to_string_lossy().into_owned();
    let plain = autoheal(&["fix", "--diff-only", "-C", &ws, &run1()], &[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(plain.stdout.starts_with("diff --git"), "{}", plain.stdout);
    assert!(!plain.stdout.contains('\x1b'));
    let coloured = autoheal(
        &[
            "fix",
            "--diff-only",
            "--color",
            "always",
            "-C",
            &ws,
            &run1(),
        ],
        &[],
    );
    assert!(
        coloured.stdout.contains(
            "\x1b[32m+      - run: pip install requests psycopg pytest pytest-cov\x1b[0m"
        ),
        "{}",
        coloured.stdout
    );
    assert!(
        coloured
            .stdout
            .contains("\x1b[31m-      - run: pip install")
    );
    // Without the escapes it is the same diff.
    let stripped = coloured
        .stdout
        .replace("\x1b[0m", "")
        .replace("\x1b[1m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[31m", "");
    assert_eq!(stripped, plain.stdout);
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef autoheal"),
        ("fish", "complete -c autoheal"),
        ("elvish", "autoheal"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = autoheal(&["completions", shell], &[]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        assert!(o.stdout.contains(marker), "{shell}: {}", o.stdout);
        for word in ["diagnose", "fix", "min-confidence", "unsafe-fixes", "sarif"] {
            assert!(o.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    // bash accepts the script.
    let o = autoheal(&["completions", "bash"], &[]);
    let check = Command::new("bash")
        .args(["-n", "-c", &o.stdout])
        .status()
        .unwrap();
    assert!(check.success());
    assert_eq!(autoheal(&["completions", "tcsh"], &[]).code, 2);
}

/// The binary prints the files that `scripts/gen-cli-docs` renders (the
/// library's test checks those against the CLI definition), each shell its
/// own.
#[test]
fn completions_and_the_manual_page_are_the_generated_files() {
    let data = root().join("src/cli/data");
    for (shell, file) in [
        ("bash", "autoheal.bash"),
        ("zsh", "autoheal.zsh"),
        ("fish", "autoheal.fish"),
        ("elvish", "autoheal.elv"),
        ("powershell", "autoheal.ps1"),
    ] {
        let o = autoheal(&["completions", shell], &[]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        let want = std::fs::read_to_string(data.join(file)).unwrap();
        assert!(o.stdout == want, "{shell}: not {file}");
    }
    let o = autoheal(&["man"], &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let want = std::fs::read_to_string(data.join("autoheal.1")).unwrap();
    assert!(o.stdout == want, "man: not autoheal.1");
}

#[test]
fn the_manual_page_is_generated() {
    let o = autoheal(&["man"], &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &o.stdout[..200.min(o.stdout.len())]
    );
    assert!(o.stdout.contains(".TH autoheal 1"), "{}", o.stdout);
    for word in ["diagnose", "completions", "\\-\\-color", "\\-\\-verbose"] {
        assert!(o.stdout.contains(word), "man page lacks {word}");
    }
    // man(1) renders it, when installed.
    if Command::new("man").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("autoheal.1");
        std::fs::write(&page, &o.stdout).unwrap();
        let r = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        if r.status.success() {
            assert!(String::from_utf8_lossy(&r.stdout).contains("diagnose"));
        }
    }
}

/// A loopback server answering each request with the next of `answers`
/// (by request path); returns its port.
fn server(answers: Vec<(&'static str, Vec<u8>)>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let Some((want, body)) = answers.next() else {
                return;
            };
            assert!(head.contains(want), "{head} is not {want}");
            let _ = stream.write_all(&body);
        }
    });
    port
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

fn api_diagnose(port: u16) -> Out {
    autoheal(
        &["diagnose", "--run-id", "7", "--repo", "acme/app"],
        &[
            ("GITHUB_TOKEN", "ghs_PEOPLEtoken0123456789abcdefghijklmn"),
            ("GITHUB_API_URL", &format!("http://127.0.0.1:{port}")),
        ],
    )
}

#[test]
fn api_errors_say_what_to_do() {
    for (status, words) in [
        ("401 Unauthorized", &["HTTP 401", "bad credentials"][..]),
        (
            "403 Forbidden",
            &["HTTP 403", "`actions: read`", "rate limit"][..],
        ),
        ("404 Not Found", &["HTTP 404", "private repository"][..]),
        ("410 Gone", &["HTTP 410", "expired"][..]),
    ] {
        let port = server(vec![("/actions/runs/7/logs", http(status, "", b"{}"))]);
        let o = api_diagnose(port);
        assert_eq!(o.code, 1, "{status}: {}", o.stderr);
        for w in words {
            assert!(o.stderr.contains(w), "{status}: {}", o.stderr);
        }
        assert!(!o.stderr.contains("ghs_PEOPLE"), "{}", o.stderr);
    }
}

#[test]
fn a_rate_limit_wait_prints_one_line() {
    let zip = std::fs::read(run1()).unwrap();
    let jobs = br#"{"total_count": 1, "jobs": [{"id": 1, "name": "test", "status": "completed", "conclusion": "failure"}]}"#;
    let port = server(vec![
        (
            "/actions/runs/7/logs",
            http(
                "429 Too Many Requests",
                "Retry-After: 1\r\nX-RateLimit-Remaining: 0\r\n",
                b"",
            ),
        ),
        ("/actions/runs/7/logs", http("200 OK", "", &zip)),
        ("/actions/runs/7/jobs", http("200 OK", "", jobs)),
    ]);
    let o = api_diagnose(port);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let waits: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("rate limit"))
        .collect();
    assert_eq!(
        waits,
        ["note: GitHub API rate limit reached; waiting 1 s before retrying"],
        "{}",
        o.stderr
    );
    assert!(o.stdout.contains("dependency_missing"), "{}", o.stdout);
}
