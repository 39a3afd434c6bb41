//! `.github/autoheal.yml` through the binary: each lever on a real fix, the
//! strict parser's errors, and which copy is trusted (the default branch's,
//! never a fork's head) under forged event payloads.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/checkout.rs"]
mod checkout;
use checkout::git;

const WF: &str = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install pytest\n      - run: pytest\n";

/// A GitHub job log of pytest failing on `import MODULE`.
fn module_log(module: &str) -> String {
    [
        "##[group]Run pytest",
        "pytest",
        "##[endgroup]",
        "tests/test_app.py:1: in <module>",
        &format!("    import {module}"),
        &format!("E   ModuleNotFoundError: No module named '{module}'"),
        "##[error]Process completed with exit code 2.",
    ]
    .iter()
    .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
    .collect()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `autoheal ARGS` in `ws` with a scrubbed environment plus `env`.
fn run(args: &[&str], ws: &Path, env: &[(&str, &Path)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autoheal"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_REPOSITORY", "acme/app")
        .current_dir(ws)
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

/// A committed checkout with the workflow, a test importing `module`, the
/// given config (when any), and the log beside it.
fn setup(module: &str, config: Option<&str>) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let mut files = vec![
        (".github/workflows/ci.yml", WF.to_string()),
        ("tests/test_app.py", format!("import {module}\n")),
    ];
    if let Some(c) = config {
        files.push((".github/autoheal.yml", c.to_string()));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let (tmp, ws) = checkout::repo(&refs);
    let log = tmp.path().join("0_test.txt");
    fs::write(&log, module_log(module)).unwrap();
    (tmp, ws, log)
}

fn fix(ws: &Path, log: &Path, extra: &[&str]) -> Out {
    let mut args = vec!["fix", "--diff-only", "-C", ws.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(log.to_str().unwrap());
    run(&args, ws, &[])
}

#[test]
fn without_a_config_the_fix_is_written() {
    let (_t, ws, log) = setup("yaml", None);
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("+      - run: pip install pytest PyYAML"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_category_turned_off_gets_no_fix_and_says_why() {
    let (_t, ws, log) = setup(
        "yaml",
        Some("categories:\n  dependency_missing:\n    enabled: false\n"),
    );
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("no fix [disabled]"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("category dependency_missing is turned off"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_fixer_turned_off_gets_no_fix() {
    let (_t, ws, log) = setup(
        "yaml",
        Some("fixers:\n  python-module-not-installed:\n    enabled: false\n"),
    );
    let out = fix(&ws, &log, &["--format", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["diff"], "");
    assert_eq!(v["reason_code"], "disabled");
    assert_eq!(
        v["diagnosis"]["failures"][0]["fix"]["reason_code"],
        "disabled"
    );
}

#[test]
fn the_allow_list_vouches_for_an_unlisted_package_and_the_refusal_says_so() {
    // No list knows `acme_internal`: refused, and the message says how to allow it.
    let (_t, ws, log) = setup("acme_internal", None);
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("refused (unknown-package)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("[unknown-package]"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`packages.allow` in .github/autoheal.yml"),
        "{}",
        out.stderr
    );
    // Listed (in another spelling PyPI treats as the same name): added.
    let (_t, ws, log) = setup(
        "acme_internal",
        Some("packages:\n  allow: [Acme-Internal]\n"),
    );
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("+      - run: pip install pytest acme_internal"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_deny_list_stops_even_a_curated_package() {
    let (_t, ws, log) = setup("yaml", Some("packages:\n  deny:\n    - pyyaml\n"));
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("refused (denied-package)"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_ignored_path_is_never_written() {
    let (_t, ws, log) = setup("yaml", Some("ignore-paths:\n  - .github/workflows/\n"));
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("refused (ignored-path)"),
        "{}",
        out.stderr
    );
    let (_t, ws, log) = setup("yaml", Some("ignore-paths: [\"*.yml\"]\n"));
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}

/// The shipped example repository, committed, with a config.
fn example(config: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example/repo");
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let ok = Command::new("cp")
        .arg("-R")
        .arg(&src)
        .arg(&ws)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    if let Some(c) = config {
        fs::write(ws.join(".github/autoheal.yml"), c).unwrap();
    }
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    (tmp, ws)
}

fn example_run(n: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/example/run-{n}.zip"))
}

#[test]
fn a_category_threshold_overrides_the_flag_for_that_category() {
    // Run 3: a stale expectation the model calls api_contract_mismatch at 0.999.
    let (_t, ws) = example(None);
    let out = fix(&ws, &example_run(3), &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_t, ws) = example(Some(
        "categories:\n  api_contract_mismatch:\n    min-confidence: 0.99999\n",
    ));
    let out = fix(
        &ws,
        &example_run(3),
        &["--unsafe-fixes", "--format", "json"],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["reason_code"], "below-threshold", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("< 1.00"), "{v}");
}

#[test]
fn the_env_value_form_is_the_configs_choice() {
    let (_t, ws) = example(None);
    let out = fix(&ws, &example_run(2), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("${{ vars.OCR_HOST || "),
        "{}",
        out.stdout
    );
    let (_t, ws) = example(Some("env:\n  value: secrets\n"));
    let out = fix(&ws, &example_run(2), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("OCR_HOST: ${{ secrets.OCR_HOST }}"),
        "{}",
        out.stdout
    );
    let (_t, ws) = example(Some("env:\n  value: vars\n"));
    let out = fix(&ws, &example_run(2), &["--unsafe-fixes"]);
    assert!(
        out.stdout.contains("OCR_HOST: ${{ vars.OCR_HOST }}"),
        "{}",
        out.stdout
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_errors_with_the_line() {
    for (config, line, word) in [
        ("packages:\n  allow: [x]\n  alow: [y]\n", 3, "alow"),
        (
            "categories:\n  dependency_mising:\n    enabled: false\n",
            2,
            "dependency_mising",
        ),
        (
            "fixers:\n  env-var-unset:\n    enabled: false\n  pip-fixer:\n    enabled: false\n",
            4,
            "pip-fixer",
        ),
        ("ignore-paths: vendor/\n", 1, "sequence"),
        (
            "categories:\n  network_timeout:\n    enabled: \"no\"\n",
            3,
            "boolean",
        ),
        ("env:\n  value: plaintext\n", 2, "plaintext"),
    ] {
        let (_t, ws, log) = setup("yaml", Some(config));
        let out = fix(&ws, &log, &[]);
        assert_eq!(out.code, 1, "{config}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .contains(&format!("error: .github/autoheal.yml:{line}: ")),
            "{config}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(word), "{config}: {}", out.stderr);
        // Nothing was written.
        assert!(
            fs::read_to_string(ws.join(".github/workflows/ci.yml")).unwrap() == WF,
            "{config}"
        );
    }
}

/// A checkout whose default branch `main` carries `main_config` and whose
/// HEAD (another branch, as a pull request's checkout is) carries
/// `head_config`.
fn two_branches(
    module: &str,
    main_config: Option<&str>,
    head_config: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, ws, log) = setup(module, main_config);
    git(&ws, &["branch", "-M", "main"]);
    git(&ws, &["checkout", "-qb", "feature"]);
    fs::write(ws.join(".github/autoheal.yml"), head_config).unwrap();
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "head"]);
    (tmp, ws, log)
}

fn event(tmp: &Path, json: &str) -> PathBuf {
    let p = tmp.join("event.json");
    fs::write(&p, json).unwrap();
    p
}

fn fix_with_event(ws: &Path, log: &Path, ev: &Path, format: &str) -> Out {
    run(
        &[
            "fix",
            "--diff-only",
            "--format",
            format,
            "-C",
            ws.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
        ws,
        &[("GITHUB_EVENT_PATH", ev)],
    )
}

/// A step output's value in a `GITHUB_OUTPUT` file (`k=v` or a heredoc).
fn output_value(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with(&format!("{name}=")) || l.starts_with(&format!("{name}<<")))
        .unwrap_or_else(|| panic!("no output {name}: {text}"));
    match lines[i].strip_prefix(&format!("{name}=")) {
        Some(v) => v.to_string(),
        None => lines[i + 1].to_string(),
    }
}

const ALLOW: &str = "packages:\n  allow: [acme_internal]\n";

#[test]
fn the_default_branchs_config_wins_over_the_checkouts() {
    // HEAD's config allows the package, main's does not: main decides.
    let (tmp, ws, log) = two_branches("acme_internal", Some("env:\n  value: vars\n"), ALLOW);
    let ev = event(
        tmp.path(),
        r#"{"repository": {"full_name": "acme/app", "default_branch": "main"}}"#,
    );
    let out = fix_with_event(&ws, &log, &ev, "text");
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("refused (unknown-package)"),
        "{}",
        out.stderr
    );
    // Without an event naming the default branch, the checkout's file is the config.
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A default branch named like an option or a path is not a revision.
    for bad in ["-p", "../main", "main..feature", "main:x"] {
        let ev = event(
            tmp.path(),
            &format!(r#"{{"repository": {{"default_branch": "{bad}"}}}}"#),
        );
        let out = fix_with_event(&ws, &log, &ev, "text");
        assert_eq!(out.code, 0, "{bad}: {}", out.stderr);
    }
}

#[test]
fn a_forks_config_is_never_read() {
    // A pull request from a fork: the checkout's config (the fork's) allows
    // the package and the default branch is not in the checkout.
    let (tmp, ws, log) = setup("acme_internal", Some(ALLOW));
    let pr = r#"{"pull_request": {"head": {"repo": {"full_name": "mallory/app"}}}, "repository": {"full_name": "acme/app", "default_branch": "main"}}"#;
    let ev = event(tmp.path(), pr);
    let out = fix_with_event(&ws, &log, &ev, "json");
    assert_eq!(out.code, 3, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["reason_code"], "fork-run");
    assert!(
        out.stderr
            .contains(".github/autoheal.yml of the fork's head is not read"),
        "{}",
        out.stderr
    );
    // diagnose's `fixable` has fix's meaning: false here too.
    let gh_out = tmp.path().join("out");
    fs::write(&gh_out, "").unwrap();
    let d = run(
        &["diagnose", "--format", "github", log.to_str().unwrap()],
        &ws,
        &[("GITHUB_EVENT_PATH", &ev), ("GITHUB_OUTPUT", &gh_out)],
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    let outputs = fs::read_to_string(&gh_out).unwrap();
    assert_eq!(output_value(&outputs, "fixable"), "false", "{outputs}");
    // The same fork run with the default branch fetched: its config is the one
    // read (here a broken one, so the run stops on it, naming it).
    let (tmp, ws, log) = two_branches("acme_internal", Some("packages:\n  alow: []\n"), ALLOW);
    let ev = event(tmp.path(), pr);
    let out = fix_with_event(&ws, &log, &ev, "text");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(".github/autoheal.yml:2: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("alow"), "{}", out.stderr);
}

#[test]
fn diagnose_and_fix_agree_on_fixable() {
    let outputs = |args: &[&str], ws: &Path, tmp: &Path| -> String {
        let p = tmp.join(format!("out-{}", args[0]));
        fs::write(&p, "").unwrap();
        let o = run(args, ws, &[("GITHUB_OUTPUT", &p)]);
        assert!(o.code == 0 || o.code == 3, "{}", o.stderr);
        fs::read_to_string(&p).unwrap()
    };
    for (module, config, want) in [
        ("yaml", None, "true"),
        ("acme_internal", None, "false"),
        ("acme_internal", Some(ALLOW), "true"),
        (
            "yaml",
            Some("categories:\n  dependency_missing:\n    enabled: false\n"),
            "false",
        ),
    ] {
        let (tmp, ws, log) = setup(module, config);
        let l = log.to_str().unwrap();
        let d = outputs(&["diagnose", "--format", "github", l], &ws, tmp.path());
        let f = outputs(
            &["fix", "--diff-only", "--format", "github", l],
            &ws,
            tmp.path(),
        );
        assert_eq!(
            output_value(&d, "fixable"),
            want,
            "{module} {config:?} diagnose: {d}"
        );
        assert_eq!(
            output_value(&f, "fixable"),
            want,
            "{module} {config:?} fix: {f}"
        );
    }
}

#[test]
fn a_symlinked_config_is_not_followed() {
    let (tmp, ws, log) = setup("acme_internal", None);
    let outside = tmp.path().join("outside.yml");
    fs::write(&outside, ALLOW).unwrap();
    std::os::unix::fs::symlink(&outside, ws.join(".github/autoheal.yml")).unwrap();
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "link"]);
    let out = fix(&ws, &log, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("note: .github/autoheal.yml not read ("),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("refused (unknown-package)"),
        "{}",
        out.stderr
    );
}
