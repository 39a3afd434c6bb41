//! `fix --verify` through the binary, on the shipped example with real pip
//! and pytest: a fresh virtualenv per test, packages from a local wheelhouse
//! (`scripts/verify-wheelhouse`, filled once from PyPI; the runs use
//! `PIP_NO_INDEX` and `PIP_FIND_LINKS`), the runner's `GITHUB_*` facts of an
//! in-job step, and loopback only (a stand-in for the OCR service, or a
//! closed port where the service is missing). Each refusal has its own test.

#[path = "support/checkout.rs"]
mod checkout;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> PathBuf {
    root().join("fixtures/example").join(name)
}

/// The wheelhouse, filled on first use.
fn wheelhouse() -> &'static Path {
    static W: OnceLock<PathBuf> = OnceLock::new();
    W.get_or_init(|| {
        let o = Command::new(root().join("scripts/verify-wheelhouse"))
            .output()
            .expect("scripts/verify-wheelhouse runs");
        assert!(
            o.status.success(),
            "verify-wheelhouse: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
    })
}

/// A failed job's state: the example repository checked out (as committed,
/// or with `files` changed), and, when `installed` is not empty, a
/// virtualenv where the workflow's install step already ran.
struct Job {
    tmp: tempfile::TempDir,
    ws: PathBuf,
    venv: Option<PathBuf>,
}

fn example_files() -> Vec<(String, String)> {
    let base = example("repo");
    let mut out = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&base).expect("inside").to_string_lossy();
                out.push((rel.to_string(), std::fs::read_to_string(&p).expect("text")));
            }
        }
    }
    out
}

fn job(changed: &[(&str, &str)], installed: &[&str]) -> Job {
    let mut files = example_files();
    for (name, text) in changed {
        files.retain(|(n, _)| n != name);
        files.push((name.to_string(), text.to_string()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (tmp, ws) = checkout::repo(&refs);
    std::fs::create_dir(tmp.path().join("runner-temp")).expect("mkdir");
    std::fs::write(
        tmp.path().join("event.json"),
        r#"{"ref":"refs/heads/main"}"#,
    )
    .expect("event");
    let venv = (!installed.is_empty()).then(|| {
        let venv = tmp.path().join("venv");
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(ok.success(), "python3 -m venv");
        let o = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check", "--no-index"])
            .arg("--find-links")
            .arg(wheelhouse())
            .args(installed)
            .output()
            .expect("pip");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        venv
    });
    Job { tmp, ws, venv }
}

/// The step's environment on the runner: `GITHUB_*` of a push build of
/// acme/tee-mvp, job `test`, and `extra` over it.
fn run(j: &Job, args: &[&str], log: &Path, extra: &[(&str, &str)]) -> (i32, Value, String) {
    let path = match &j.venv {
        Some(v) => format!("{}:/usr/bin:/bin", v.join("bin").display()),
        None => "/usr/bin:/bin".into(),
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autoheal"));
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", j.tmp.path())
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", wheelhouse())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_CACHE_DIR", "1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_JOB", "test")
        .env("GITHUB_RUN_ID", "7")
        .env("GITHUB_REPOSITORY", "acme/tee-mvp")
        .env(
            "GITHUB_WORKFLOW_REF",
            "acme/tee-mvp/.github/workflows/tee-mvp-ci.yml@refs/heads/main",
        )
        .env("GITHUB_EVENT_PATH", j.tmp.path().join("event.json"))
        .env("RUNNER_TEMP", j.tmp.path().join("runner-temp"));
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let o = cmd
        .args(["fix", "--format", "json"])
        .args(args)
        .arg("-C")
        .arg(&j.ws)
        .arg(log)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let json = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}\n{stderr}"));
    (o.status.code().unwrap_or(-1), json, stderr)
}

/// Every file of the workspace but `.git`, with its bytes.
fn tree(ws: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![ws.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.file_name().is_some_and(|n| n == ".git") && d == ws {
                continue;
            }
            let rel = p
                .strip_prefix(ws)
                .expect("inside")
                .to_string_lossy()
                .to_string();
            let meta = std::fs::symlink_metadata(&p).expect("meta");
            if meta.is_dir() {
                stack.push(p);
                out.push((rel + "/", Vec::new()));
            } else {
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

fn read(j: &Job, rel: &str) -> String {
    std::fs::read_to_string(j.ws.join(rel)).expect("read")
}

const WORKFLOW: &str = ".github/workflows/tee-mvp-ci.yml";

/// A loopback port that nothing listens on: the missing OCR service.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A loopback stand-in for the OCR service: `GET /health` → `{"status": "ok"}`.
fn stand_in() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let body = r#"{"status": "ok"}"#;
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn verification(v: &Value) -> &Value {
    &v["verification"]
}

fn rounds(v: &Value) -> &Vec<Value> {
    v["verification"]["rounds"].as_array().expect("rounds")
}

#[test]
fn run_1_progresses_pytest_cov_added_then_ocr_host_stops_the_step() {
    let j = job(&[], &["requests", "psycopg", "pytest"]);
    let before = tree(&j.ws);
    let (code, v, stderr) = run(&j, &["--verify"], &example("run-1.zip"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verification(&v)["verified"], "progressed", "{v:#}");
    let r = rounds(&v);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["fixers"][0], "python-module-not-installed");
    let failure = r[0]["failure"].as_str().expect("failure");
    assert!(failure.contains("Invalid URL 'None/health'"), "{failure}");
    assert_eq!(v["fixes"][0]["verified"], "progressed");
    assert!(read(&j, WORKFLOW).contains("pip install requests psycopg pytest pytest-cov"));
    // The re-runs ran for real and their output was echoed in a group.
    assert!(stderr.contains("autoheal verify: Run pytest (before the fix)"));
    assert!(stderr.contains("Successfully installed coverage-7.5.4 pytest-cov-5.0.0"));
    assert!(stderr.contains("plugins: cov-5.0.0"));
    // Nothing but the fix is left: no .pytest_cache, .coverage, __pycache__.
    let after = tree(&j.ws);
    let changed: Vec<&str> = after
        .iter()
        .filter(|e| !before.contains(e))
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(changed, [WORKFLOW]);
    assert_eq!(before.len(), after.len());
}

#[test]
fn run_1_with_three_rounds_goes_as_far_as_the_missing_service_allows() {
    let j = job(&[], &["requests", "psycopg", "pytest"]);
    let vars = format!(r#"{{"OCR_HOST": "http://127.0.0.1:{}"}}"#, closed_port());
    let (code, v, stderr) = run(
        &j,
        &["--verify", "--heal-rounds", "3"],
        &example("run-1.zip"),
        &[("AUTOHEAL_VARS", &vars)],
    );
    assert_eq!(code, 0, "{stderr}");
    let r = rounds(&v);
    assert_eq!(r.len(), 2, "{v:#}");
    assert_eq!(r[0]["verified"], "progressed");
    assert_eq!(r[1]["verified"], "progressed");
    assert_eq!(r[1]["fixers"][0], "env-var-unset");
    let failure = r[1]["failure"].as_str().expect("failure");
    assert!(failure.contains("Connection refused"), "{failure}");
    // The connection failure has advice only: the chain stops there.
    let reason = r[1]["reason"].as_str().expect("reason");
    assert!(reason.contains("no fix left"), "{reason}");
    assert_eq!(verification(&v)["verified"], "progressed");
    let wf = read(&j, WORKFLOW);
    assert!(wf.contains("pytest-cov"));
    assert!(wf.contains("OCR_HOST: ${{ vars.OCR_HOST || 'http://localhost:8000' }}"));
    // One diff of both rounds against the workspace as it was.
    let diff = v["diff"].as_str().expect("diff");
    assert!(diff.contains("+      - run: pip install requests psycopg pytest pytest-cov"));
    assert!(diff.contains("+      OCR_HOST:"));
}

#[test]
fn run_3_with_unsafe_fixes_passes_against_a_loopback_stand_in() {
    // The workspace after the first two incidents' fixes.
    let j = job(&[], &["requests", "psycopg", "pytest", "pytest-cov"]);
    for n in ["run-1.zip", "run-2.zip"] {
        let (code, _, err) = checkout::fix(&[], &j.ws, &example(n));
        assert_eq!(code, 0, "{n}: {err}");
    }
    checkout::git(&j.ws, &["commit", "-qam", "the first two fixes"]);
    let vars = format!(r#"{{"OCR_HOST": "http://127.0.0.1:{}"}}"#, stand_in());
    let (code, v, stderr) = run(
        &j,
        &["--verify", "--unsafe-fixes"],
        &example("run-3.zip"),
        &[("AUTOHEAL_VARS", &vars)],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verification(&v)["verified"], "passed", "{v:#}");
    assert_eq!(v["fixes"][0]["fixer"], "assertion-expected-stale");
    assert_eq!(v["fixes"][0]["verified"], "passed");
    assert!(read(&j, "tests/test_ocr_endpoints.py").contains(r#"== "ok""#));
    // Before the fix the step failed on the assertion, against the stand-in.
    assert!(stderr.contains("assert 'ok' == 'healthy'"));
    assert!(stderr.contains("2 passed"));
}

/// run-1's log, with pytest's message replaced by one naming a module the
/// step does not miss.
fn wrong_module_log(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(example("run-1.txt")).expect("run-1.txt");
    let wrong = text.replace(
        "pytest: error: unrecognized arguments: --cov=addons --cov-report=term-missing",
        "E   ModuleNotFoundError: No module named 'yaml'",
    );
    assert_ne!(text, wrong);
    let p = dir.join("job.txt");
    std::fs::write(&p, wrong).expect("write");
    p
}

#[test]
fn a_fix_for_the_wrong_module_fails_and_is_rolled_back() {
    let j = job(&[], &["requests", "psycopg", "pytest"]);
    let log = wrong_module_log(j.tmp.path());
    let before = tree(&j.ws);
    let (code, v, stderr) = run(&j, &["--verify"], &log, &[]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(verification(&v)["verified"], "failed", "{v:#}");
    assert_eq!(v["fixes"][0]["verified"], "failed");
    assert_eq!(v["fixes"][0]["applied"], false);
    assert_eq!(v["applied"], false);
    assert_eq!(v["diff"], "");
    let reason = v["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("refused (fix-did-not-heal):"),
        "{reason}"
    );
    // The PyYAML install ran and the step failed as before it.
    assert!(stderr.contains("Successfully installed PyYAML-6.0.1"));
    let last = rounds(&v)[0]["last_lines"].as_array().expect("last lines");
    assert!(last.iter().any(|l| {
        l.as_str()
            .is_some_and(|l| l.contains("unrecognized arguments: --cov"))
    }));
    // Byte-identical: the workflow put back, the re-runs' leftovers gone.
    assert_eq!(tree(&j.ws), before);
}

#[test]
fn a_step_that_needs_a_secret_is_not_rerun() {
    let wf = std::fs::read_to_string(example("repo").join(WORKFLOW)).expect("workflow");
    let wf = wf.replace(
        "    runs-on: ubuntu-latest\n",
        "    runs-on: ubuntu-latest\n    env:\n      OCR_TOKEN: ${{ secrets.OCR_TOKEN }}\n",
    );
    let j = job(&[(WORKFLOW, &wf)], &[]);
    let (code, v, stderr) = run(&j, &["--verify"], &example("run-1.zip"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verification(&v)["verified"], "skipped");
    let reason = verification(&v)["reason"].as_str().expect("reason");
    assert!(reason.starts_with("needs-secret:"), "{reason}");
    assert_eq!(v["fixes"][0]["verified"], "skipped");
    assert!(!stderr.contains("autoheal verify:"), "nothing re-run");
    // The fix stays, unverified, as without --verify.
    assert!(read(&j, WORKFLOW).contains("pytest-cov"));
}

/// A refusal: exit 3, `verify-not-same-job` with `detail`, nothing run,
/// nothing written.
fn assert_refused(j: &Job, args: &[&str], log: &Path, extra: &[(&str, &str)], detail: &str) {
    let before = tree(&j.ws);
    let (code, v, stderr) = run(j, args, log, extra);
    assert_eq!(code, 3, "{stderr}");
    let reason = v["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("refused (verify-not-same-job):") && reason.contains(detail),
        "{reason}"
    );
    assert!(!stderr.contains("autoheal verify:"), "nothing re-run");
    assert_eq!(tree(&j.ws), before);
}

#[test]
fn refused_for_workflow_run() {
    let j = job(&[], &[]);
    let log = example("run-1.zip");
    let extra = [("GITHUB_EVENT_NAME", "workflow_run")];
    assert_refused(&j, &["--verify"], &log, &extra, "`workflow_run`");
}

#[test]
fn refused_for_pull_request_target() {
    let j = job(&[], &[]);
    let log = example("run-1.zip");
    let extra = [("GITHUB_EVENT_NAME", "pull_request_target")];
    assert_refused(&j, &["--verify"], &log, &extra, "`pull_request_target`");
}

#[test]
fn refused_for_a_fork_pull_request() {
    let j = job(&[], &[]);
    std::fs::write(
        j.tmp.path().join("event.json"),
        r#"{"pull_request":{"head":{"repo":{"full_name":"evil/tee-mvp"}}}}"#,
    )
    .expect("event");
    let extra = [("GITHUB_EVENT_NAME", "pull_request")];
    assert_refused(&j, &["--verify"], &example("run-1.zip"), &extra, "fork");
}

#[test]
fn refused_for_logs_fetched_by_run_id() {
    let j = job(&[], &[]);
    let before = tree(&j.ws);
    // Refused before any download: the API URL is a closed loopback port.
    let api = format!("http://127.0.0.1:{}", closed_port());
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_TOKEN", "ghs_notarealtoken")
        .env("GITHUB_API_URL", &api)
        .args(["fix", "--format", "json", "--verify", "--run-id", "7"])
        .args(["--repo", "acme/tee-mvp", "-C"])
        .arg(&j.ws)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let reason = v["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("refused (verify-not-same-job):") && reason.contains("--run-id"),
        "{reason}"
    );
    assert_eq!(tree(&j.ws), before);
}

#[test]
fn refused_for_logs_fetched_by_job_id() {
    let j = job(&[], &[]);
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_TOKEN", "ghs_notarealtoken")
        .env(
            "GITHUB_API_URL",
            format!("http://127.0.0.1:{}", closed_port()),
        )
        .args(["fix", "--format", "json", "--verify", "--job-id", "9"])
        .args(["--repo", "acme/tee-mvp", "-C"])
        .arg(&j.ws)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let reason = v["reason"].as_str().expect("reason");
    assert!(reason.contains("verify-not-same-job"), "{reason}");
}

#[test]
fn refused_outside_a_github_actions_job() {
    let j = job(&[], &[]);
    let extra = [("GITHUB_ACTIONS", "false")];
    assert_refused(
        &j,
        &["--verify"],
        &example("run-1.zip"),
        &extra,
        "GITHUB_ACTIONS",
    );
}

#[test]
fn refused_when_the_log_is_another_jobs() {
    // This job is `lint`; the log's failing job is `test`.
    let wf = std::fs::read_to_string(example("repo").join(WORKFLOW)).expect("workflow");
    let wf =
        format!("{wf}  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ruff check .\n");
    let j = job(&[(WORKFLOW, &wf)], &[]);
    let extra = [("GITHUB_JOB", "lint")];
    assert_refused(
        &j,
        &["--verify"],
        &example("run-1.zip"),
        &extra,
        "is not this job (lint)",
    );
}

#[test]
fn refused_for_a_workflow_of_another_repository() {
    let j = job(&[], &[]);
    let extra = [(
        "GITHUB_WORKFLOW_REF",
        "evil/tools/.github/workflows/tee-mvp-ci.yml@refs/heads/main",
    )];
    assert_refused(
        &j,
        &["--verify"],
        &example("run-1.zip"),
        &extra,
        "GITHUB_WORKFLOW_REF",
    );
}

#[test]
fn heal_rounds_are_bounded() {
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .args(["fix", "--verify", "--heal-rounds", "6", "-"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}
