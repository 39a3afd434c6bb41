//! action.yml without a runner: its shape against the interface, and its two
//! scripts run by bash with the environment a runner would give them. The
//! checksum gate (SECURITY.md §9) is exercised here in milliseconds; the same
//! under act is scripts/e2e-action.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_serde::Value;

const INPUTS: [&str; 16] = [
    "logs",
    "run-id",
    "job-id",
    "repository",
    "github-token",
    "working-directory",
    "diff-only",
    "min-confidence",
    "unsafe-fixes",
    "workflow-file",
    "comment",
    "verify",
    "verify-timeout",
    "heal-rounds",
    "version",
    "download-base-url",
];

const OUTPUTS: [&str; 16] = [
    "category",
    "confidence",
    "fixable",
    "applied",
    "diff",
    "diff-file",
    "files-changed",
    "touches-workflows",
    "pr-body",
    "pr-body-file",
    "error-line",
    "failed-job",
    "failed-step",
    "suggested-fix",
    "verified",
    "verified-reason",
];

fn action() -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("action.yml");
    yaml_serde::from_str(&text).expect("action.yml parses")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn step(id: &str) -> Value {
    let a = action();
    a["runs"]["steps"]
        .as_sequence()
        .and_then(|s| s.iter().find(|st| st["id"].as_str() == Some(id)))
        .cloned()
        .expect("step")
}

fn script(id: &str) -> String {
    step(id)["run"].as_str().expect("run").to_string()
}

#[test]
fn inputs_and_outputs_are_the_interface() {
    let a = action();
    assert_eq!(
        keys(&a["inputs"]),
        INPUTS.iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(
        keys(&a["outputs"]),
        OUTPUTS.iter().map(|s| s.to_string()).collect()
    );
    for o in OUTPUTS {
        assert_eq!(
            a["outputs"][o]["value"].as_str(),
            Some(format!("${{{{ steps.run.outputs.{o} }}}}").as_str())
        );
    }
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    assert!(a["branding"]["icon"].as_str().is_some());
    assert!(a["branding"]["color"].as_str().is_some());
    assert_eq!(a["inputs"]["diff-only"]["default"].as_str(), Some("false"));
    assert_eq!(
        a["inputs"]["min-confidence"]["default"].as_str(),
        Some("0.85")
    );
    assert_eq!(
        a["inputs"]["download-base-url"]["default"].as_str(),
        Some("https://github.com/autoheal/autoheal/releases/download")
    );
}

#[test]
fn no_expression_reaches_a_script() {
    let a = action();
    for st in a["runs"]["steps"].as_sequence().expect("steps") {
        let run = st["run"].as_str().expect("run");
        assert!(!run.contains("${{"), "expression inside run: {st:?}");
        // Every expression is in env:, and names an input, the action path or
        // the install step's output.
        for (_, v) in st["env"].as_mapping().expect("env") {
            let v = v.as_str().expect("string");
            assert!(
                v.starts_with("${{ inputs.")
                    || v == "${{ github.action_path }}"
                    || v == "${{ steps.install.outputs.bin }}",
                "{v}"
            );
        }
    }
}

#[test]
fn version_file_is_semver() {
    let v = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/VERSION"))
        .expect("dist/VERSION");
    let v = v.trim();
    let parts: Vec<&str> = v.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert!(
        parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    );
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
}

/// An action directory, a mirror with a fake asset and the runner's dirs.
struct Fixture {
    dir: tempfile::TempDir,
}

const ASSET: &str = "autoheal-0.1.0-x86_64-unknown-linux-musl.tar.gz";

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path();
        for d in [
            "action/dist",
            "mirror/v0.1.0",
            "evil",
            "tools",
            "temp",
            "bin",
        ] {
            std::fs::create_dir_all(p.join(d)).expect("mkdir");
        }
        std::fs::write(p.join("action/dist/VERSION"), "0.1.0\n").expect("write");
        // The "binary" leaves a marker when run, so a test can tell.
        let bin = p.join("evil/autoheal");
        std::fs::write(&bin, "#!/bin/sh\ntouch \"$MARKER\"\n").expect("write");
        let ok = Command::new("tar")
            .args(["-czf"])
            .arg(p.join("mirror/v0.1.0").join(ASSET))
            .arg("-C")
            .arg(p.join("evil"))
            .arg("autoheal")
            .status()
            .expect("tar");
        assert!(ok.success());
        let f = Fixture { dir };
        let sum = f.sha256(&f.asset());
        f.pin(&format!("{sum}  {ASSET}\n"));
        f
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn asset(&self) -> PathBuf {
        self.p("mirror/v0.1.0").join(ASSET)
    }

    fn sha256(&self, path: &Path) -> String {
        let out = Command::new("sha256sum")
            .arg(path)
            .output()
            .expect("sha256sum");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    }

    fn pin(&self, sums: &str) {
        std::fs::write(self.p("action/dist/SHA256SUMS"), sums).expect("write");
    }

    fn install(&self, vars: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("bash");
        cmd.arg("-c").arg(script("install")).env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("AUTOHEAL_ACTION_PATH", self.p("action"))
            .env("INPUT_VERSION", "")
            .env(
                "INPUT_DOWNLOAD_BASE_URL",
                format!("file://{}/", self.p("mirror").display()),
            )
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.p("tools"))
            .env("RUNNER_TEMP", self.p("temp"))
            .env("GITHUB_OUTPUT", self.p("output"))
            .env("MARKER", self.p("ran"))
            .current_dir(self.dir.path());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().expect("bash")
    }

    fn output_file(&self) -> String {
        std::fs::read_to_string(self.p("output")).unwrap_or_default()
    }

    fn cached(&self) -> PathBuf {
        self.p("tools/autoheal/0.1.0/x86_64-unknown-linux-musl")
            .join(ASSET)
    }

    fn cache_entries(&self) -> Vec<String> {
        std::fs::read_dir(self.p("tools/autoheal/0.1.0/x86_64-unknown-linux-musl"))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn install_verifies_caches_and_extracts() {
    let f = Fixture::new();
    let o = f.install(&[]);
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    let out = f.output_file();
    let bin = out.strip_prefix("bin=").expect("bin output").trim_end();
    assert!(Path::new(bin).starts_with(f.p("temp")));
    assert!(f.cached().is_file());
    assert!(!f.p("ran").exists(), "install must not run the binary");
    // Second run from the cache, with the mirror gone.
    std::fs::remove_file(f.asset()).expect("rm");
    let o = f.install(&[]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn checksum_mismatch_stops_before_the_binary_runs() {
    let f = Fixture::new();
    let wrong = "0".repeat(64);
    f.pin(&format!("{wrong}  {ASSET}\n"));
    let o = f.install(&[]);
    assert_eq!(o.status.code(), Some(1));
    let got = f.sha256(&f.asset());
    assert_eq!(
        stdout(&o).trim_end(),
        format!(
            "::error title=autoheal::checksum mismatch for {ASSET}: expected {wrong} got {got}"
        )
    );
    assert!(f.output_file().is_empty());
    assert!(f.cache_entries().is_empty(), "{:?}", f.cache_entries());
    assert!(!f.p("ran").exists());
}

#[test]
fn poisoned_cache_is_replaced() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.cached().parent().expect("parent")).expect("mkdir");
    std::fs::write(f.cached(), "poison").expect("write");
    let o = f.install(&[]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("does not match its checksum; downloading again"));
    assert_eq!(f.sha256(&f.cached()), f.sha256(&f.asset()));
}

#[test]
fn missing_pin_fails() {
    let f = Fixture::new();
    f.pin(&format!(
        "{}  autoheal-0.1.0-aarch64-unknown-linux-musl.tar.gz\n",
        "a".repeat(64)
    ));
    let o = f.install(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o).trim_end(),
        format!("::error title=autoheal::no checksum for {ASSET} in dist/SHA256SUMS")
    );
}

#[test]
fn hostile_versions_are_refused_unexpanded() {
    let f = Fixture::new();
    for v in [
        "1; touch pwned",
        "latest",
        "0.1.0\n",
        "$(touch pwned)",
        "../0.1.0",
        "v0.1.0",
    ] {
        let o = f.install(&[("INPUT_VERSION", v)]);
        assert_eq!(o.status.code(), Some(1), "{v:?}");
        assert_eq!(
            stdout(&o).trim_end(),
            "::error title=autoheal::input version must look like 1.2.3"
        );
        assert!(!f.p("pwned").exists());
    }
}

#[test]
fn only_https_and_file_urls() {
    let f = Fixture::new();
    for url in [
        "http://127.0.0.1:9/x",
        "ftp://x",
        "file://relative/x",
        "x",
        "https://a b",
    ] {
        let o = f.install(&[("INPUT_DOWNLOAD_BASE_URL", url)]);
        assert_eq!(o.status.code(), Some(1), "{url}");
        assert!(stdout(&o).starts_with("::error title=autoheal::download-base-url must"));
    }
}

#[test]
fn runner_platforms() {
    let f = Fixture::new();
    let o = f.install(&[("RUNNER_OS", "macOS"), ("RUNNER_ARCH", "ARM64")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("unsupported runner macOS/ARM64"));
    let o = f.install(&[("RUNNER_ARCH", "ARM64")]);
    assert!(
        stdout(&o).contains("no checksum for autoheal-0.1.0-aarch64-unknown-linux-musl.tar.gz")
    );
}

/// Runs the `run` step with a fake binary that prints its arguments.
fn run_step(vars: &[(&str, &str)], rc: i32) -> (Output, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::write(
        &bin,
        format!("#!/bin/sh\nfor a in \"$@\"; do echo \"ARG:$a\"; done\nexit {rc}\n"),
    )
    .expect("write");
    Command::new("chmod")
        .arg("755")
        .arg(&bin)
        .status()
        .expect("chmod");
    for f in ["logs/a.txt", "logs/b.txt", "logs/sub/c.log"] {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, "x").expect("write");
    }
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script("run")).env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in [
        ("INPUT_LOGS", ""),
        ("INPUT_RUN_ID", ""),
        ("INPUT_JOB_ID", ""),
        ("INPUT_REPOSITORY", "octo/app"),
        ("INPUT_WORKING_DIRECTORY", "."),
        ("INPUT_DIFF_ONLY", "false"),
        ("INPUT_MIN_CONFIDENCE", "0.85"),
        ("INPUT_UNSAFE_FIXES", "false"),
        ("INPUT_WORKFLOW_FILE", ""),
        ("INPUT_COMMENT", ""),
        ("INPUT_VERIFY", "false"),
        ("INPUT_VERIFY_TIMEOUT", "10m"),
        ("INPUT_HEAL_ROUNDS", "1"),
    ] {
        cmd.env(k, v);
    }
    cmd.env("AUTOHEAL_BIN", &bin).current_dir(dir.path());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("bash");
    let args = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("ARG:").map(String::from))
        .collect();
    (o, args)
}

#[test]
fn run_step_passes_verify_on() {
    let (o, args) = run_step(
        &[
            ("INPUT_LOGS", "logs/a.txt"),
            ("INPUT_VERIFY", "true"),
            ("INPUT_VERIFY_TIMEOUT", "90s"),
            ("INPUT_HEAL_ROUNDS", "3"),
        ],
        0,
    );
    assert!(o.status.success());
    let joined = args.join(" ");
    assert!(
        joined.contains("--verify --verify-timeout 90s --heal-rounds 3 --"),
        "{joined}"
    );
    let (o, _) = run_step(&[("INPUT_LOGS", "logs/a.txt"), ("INPUT_VERIFY", "yes")], 0);
    assert!(!o.status.success());
}

#[test]
fn run_step_builds_the_command_line() {
    let (o, args) = run_step(
        &[
            ("INPUT_LOGS", "  logs/*.txt\n\nlogs/**/*.log\n-rf\n"),
            ("INPUT_DIFF_ONLY", "true"),
            ("INPUT_UNSAFE_FIXES", "true"),
            ("INPUT_WORKFLOW_FILE", ".github/workflows/ci.yml"),
            ("INPUT_WORKING_DIRECTORY", "repo dir"),
        ],
        0,
    );
    assert!(o.status.success());
    assert_eq!(
        args,
        [
            "fix",
            "--format",
            "github",
            "-C",
            "repo dir",
            "--min-confidence",
            "0.85",
            "--diff-only",
            "--unsafe-fixes",
            "--workflow",
            ".github/workflows/ci.yml",
            "--",
            "logs/a.txt",
            "logs/b.txt",
            "logs/sub/c.log",
            "-rf",
        ]
    );
}

#[test]
fn run_step_downloads_by_run_id() {
    let (o, args) = run_step(&[("INPUT_RUN_ID", "123"), ("INPUT_JOB_ID", "45")], 0);
    assert!(o.status.success());
    let tail: Vec<&str> = args.iter().skip(7).map(String::as_str).collect();
    assert_eq!(
        tail,
        [
            "--repo", "octo/app", "--run-id", "123", "--job-id", "45", "--"
        ]
    );
}

#[test]
fn run_step_exit_codes() {
    let logs = [("INPUT_LOGS", "logs/a.txt")];
    assert_eq!(run_step(&logs, 0).0.status.code(), Some(0));
    // 3 is "no fix": not a failure of the step.
    assert_eq!(run_step(&logs, 3).0.status.code(), Some(0));
    assert_eq!(run_step(&logs, 1).0.status.code(), Some(1));
    assert_eq!(run_step(&logs, 2).0.status.code(), Some(2));
}

#[test]
fn run_step_rejects_bad_inputs() {
    let (o, args) = run_step(&[], 0);
    assert_eq!(o.status.code(), Some(1));
    assert!(args.is_empty());
    assert!(stdout(&o).contains("one of the inputs logs, run-id or job-id is required"));
    let (o, args) = run_step(&[("INPUT_LOGS", "x"), ("INPUT_DIFF_ONLY", "yes")], 0);
    assert_eq!(o.status.code(), Some(1));
    assert!(args.is_empty());
    assert!(stdout(&o).contains("input diff-only must be true or false"));
    // The pull request comes from the API's run object: no run-id, no comment.
    let (o, args) = run_step(&[("INPUT_LOGS", "x"), ("INPUT_COMMENT", "true")], 0);
    assert_eq!(o.status.code(), Some(1));
    assert!(args.is_empty());
    assert!(stdout(&o).contains("input comment needs run-id"));
    let (o, _) = run_step(&[("INPUT_RUN_ID", "1"), ("INPUT_COMMENT", "yes")], 0);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn run_step_passes_comment_with_run_id() {
    let (o, args) = run_step(&[("INPUT_RUN_ID", "123"), ("INPUT_COMMENT", "true")], 0);
    assert!(o.status.success());
    let tail: Vec<&str> = args.iter().skip(7).map(String::as_str).collect();
    assert_eq!(
        tail,
        ["--comment", "--repo", "octo/app", "--run-id", "123", "--"]
    );
}
