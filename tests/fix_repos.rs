//! The fixers against the tiny repositories under `fixtures/repos/<fixer>/<case>/`
//! and the shipped seed example: the diff's snapshot, `git apply --check` of
//! that diff against a copy of the original tree (and that applying it gives
//! exactly the fixed tree), a second run that finds nothing, `--diff-only`
//! leaving the tree byte-identical, all-or-nothing writes, and every refusal.
//! Diagnoses are built by hand: these tests are about fixing, not parsing.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use autoheal::classify::{Category, Diagnosis, Facts};
use autoheal::extract::Failure;
use autoheal::fix::apply::{self, FileChange, Stage};
use autoheal::fix::{self, Applicability, Edit, FixOptions, Workspace};
use autoheal::report::{DiagnoseReport, FixReport};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn diag(category: Category, job: &str, step: &str, facts: Facts) -> Diagnosis {
    Diagnosis {
        failure: Failure {
            job: job.to_string(),
            step: step.to_string(),
            ..Failure::default()
        },
        category,
        confidence: 0.97,
        explanation: Vec::new(),
        facts,
        suggested_fix: String::new(),
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Every file under `root` with its bytes (`.git` left out).
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let ft = entry.file_type().unwrap();
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if rel == ".git" {
                continue;
            }
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_symlink() {
                out.insert(
                    rel,
                    fs::read_link(entry.path())
                        .unwrap()
                        .to_string_lossy()
                        .as_bytes()
                        .to_vec(),
                );
            } else {
                out.insert(rel, fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

struct Case {
    _dir: tempfile::TempDir,
    root: PathBuf,
    original: PathBuf,
}

fn case(fixer: &str, name: &str) -> Case {
    let original = fixtures().join("repos").join(fixer).join(name);
    assert!(original.is_dir(), "{}", original.display());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    copy_tree(&original, &root);
    Case {
        _dir: dir,
        root,
        original,
    }
}

fn run(c: &Case, d: &Diagnosis, opts: &FixOptions) -> Result<FixReport, fix::FixError> {
    let ws = Workspace::open(&c.root).unwrap();
    fix::run(&DiagnoseReport::new(vec![d.clone()]), &ws, opts)
}

fn git(dir: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// `git apply --check` the diff against a fresh copy of the original tree,
/// apply it, and return the resulting tree.
fn git_apply(original: &Path, diff: &str) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    copy_tree(original, &root);
    assert!(git(&root, &["init", "-q"], None).status.success());
    let check = git(&root, &["apply", "--check", "-"], Some(diff));
    assert!(
        check.status.success(),
        "git apply --check failed: {}\n{diff}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = git(&root, &["apply", "-"], Some(diff));
    assert!(out.status.success());
    tree(&root)
}

/// The full contract of a fix that applies: diff-only writes nothing, the
/// diff is git-apply-able and gives the fixed tree, the second run finds
/// nothing. Returns the diff.
fn check_fix(fixer: &str, name: &str, d: &Diagnosis, opts: &FixOptions) -> String {
    let c = case(fixer, name);
    let before = tree(&c.root);
    let dry = run(
        &c,
        d,
        &FixOptions {
            diff_only: true,
            ..opts.clone()
        },
    )
    .unwrap();
    assert!(!dry.diff.is_empty(), "no diff: {:?}", dry.reason);
    assert!(!dry.applied);
    assert_eq!(tree(&c.root), before, "--diff-only changed the tree");

    let report = run(&c, d, opts).unwrap();
    assert_eq!(report.diff, dry.diff);
    assert!(report.applied);
    assert!(report.reason.is_none());
    assert!(report.fixes.iter().any(|f| f.applied));
    let after = tree(&c.root);
    assert_ne!(after, before);
    assert_eq!(
        git_apply(&c.original, &report.diff),
        after,
        "git apply disagrees"
    );
    assert_eq!(
        report.touches_workflows,
        report
            .files_changed
            .iter()
            .any(|f| f.starts_with(".github/workflows/"))
    );

    let again = run(&c, d, opts).unwrap();
    assert!(again.diff.is_empty(), "second run: {}", again.diff);
    assert!(!again.applied);
    let reason = again.reason.unwrap_or_default();
    assert!(reason.starts_with("already fixed"), "{reason}");
    assert_eq!(tree(&c.root), after);
    report.diff
}

/// A run that must produce nothing, with this reason, and change nothing.
fn check_refused(c: &Case, d: &Diagnosis, opts: &FixOptions, reason_prefix: &str) -> FixReport {
    let before = tree(&c.root);
    let report = run(c, d, opts).unwrap();
    assert!(report.diff.is_empty(), "{}", report.diff);
    assert!(!report.applied);
    let reason = report.reason.clone().unwrap_or_default();
    assert!(reason.starts_with(reason_prefix), "{reason}");
    assert_eq!(tree(&c.root), before);
    report
}

fn py_facts(package: Option<&str>, module: Option<&str>, option: Option<&str>) -> Facts {
    Facts {
        ecosystem: Some("python".into()),
        package: package.map(str::to_string),
        module: module.map(str::to_string),
        option: option.map(str::to_string),
        ..Facts::default()
    }
}

const PY: &str = "python-module-not-installed";
const ENV: &str = "env-var-unset";
const AS: &str = "assertion-expected-stale";
const PM: &str = "permission-missing";

fn dep(job: &str, facts: Facts) -> Diagnosis {
    diag(Category::DependencyMissing, job, "Run pytest", facts)
}

// ---------------------------------------------------------------- python

#[test]
fn python_adds_to_the_workflow_pip_line() {
    let d = dep(
        "test",
        py_facts(Some("pytest-cov"), None, Some("--cov=app")),
    );
    let diff = check_fix(PY, "workflow-pip-line", &d, &FixOptions::default());
    insta::assert_snapshot!("python_workflow_pip_line", diff);
}

#[test]
fn python_adds_to_the_requirements_file_the_step_installs() {
    let d = dep("Unit tests", py_facts(None, Some("yaml"), None));
    let diff = check_fix(PY, "requirements-dev", &d, &FixOptions::default());
    assert!(diff.contains("+PyYAML\n"));
    insta::assert_snapshot!("python_requirements_dev", diff);
}

#[test]
fn python_adds_to_the_pyproject_extra_the_step_installs() {
    let d = dep("test", py_facts(None, None, Some("--timeout")));
    let diff = check_fix(PY, "pyproject-extras", &d, &FixOptions::default());
    insta::assert_snapshot!("python_pyproject_extras", diff);
}

#[test]
fn python_adds_to_dependency_groups_without_a_workflow() {
    let d = dep("test", py_facts(None, Some("bs4"), None));
    let diff = check_fix(PY, "dependency-groups", &d, &FixOptions::default());
    assert!(
        diff.contains("dev = ['pytest', 'ruff', 'beautifulsoup4']"),
        "{diff}"
    );
}

#[test]
fn python_keeps_crlf_and_missing_final_newline() {
    let d = dep("test", py_facts(Some("PyYAML"), Some("yaml"), None));
    let diff = check_fix(PY, "requirements-crlf", &d, &FixOptions::default());
    insta::assert_snapshot!("python_requirements_crlf", diff);
}

#[test]
fn python_refuses_typosquats_and_unknown_names() {
    let c = case(PY, "workflow-pip-line");
    let d = dep("test", py_facts(None, Some("reqeusts"), None));
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "refused (unknown-package): not adding unknown package 'reqeusts' (from log)",
    );
    assert!(r.reason.unwrap().contains("'requests'"));
    let d = dep(
        "test",
        py_facts(Some("zzqq-not-a-real-package"), None, None),
    );
    check_refused(&c, &d, &FixOptions::default(), "refused (unknown-package)");
}

#[test]
fn python_refuses_option_line_injection() {
    let c = case(PY, "workflow-pip-line");
    for evil in [
        "x --extra-index-url https://evil.example",
        "x @ https://evil.example/x.whl",
        "-e git+https://evil.example/x",
        "requests\n",
        "ｒequests",
        "--index-url=https://evil.example",
    ] {
        let d = dep("test", py_facts(Some(evil), None, None));
        check_refused(
            &c,
            &d,
            &FixOptions::default(),
            "refused (invalid-package-name)",
        );
    }
}

#[test]
fn python_never_duplicates() {
    let c = case(PY, "workflow-pip-line");
    let d = dep("test", py_facts(Some("Requests"), None, None));
    check_refused(&c, &d, &FixOptions::default(), "already fixed");
    let c = case(PY, "requirements-dev");
    let d = dep("Unit tests", py_facts(Some("Ruff"), None, None));
    check_refused(&c, &d, &FixOptions::default(), "already fixed");
}

#[test]
fn python_refuses_hash_mode() {
    let c = case(PY, "hash-mode");
    let d = dep("test", py_facts(Some("PyYAML"), None, None));
    check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "refused (hash-mode): requirements.txt installs in hash-checking mode (requirements.txt has hashes); cannot add 'PyYAML' without hashes",
    );
}

#[test]
fn python_refuses_complex_run_blocks() {
    let c = case(PY, "complex-run");
    let d = dep("test", py_facts(Some("pytest-cov"), None, None));
    check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "refused (complex-run-block)",
    );
}

#[test]
fn other_ecosystems_get_advice_only() {
    let c = case(PY, "workflow-pip-line");
    let d = dep(
        "test",
        Facts {
            ecosystem: Some("node".into()),
            module: Some("lodash".into()),
            ..Facts::default()
        },
    );
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "no automatic fix (advice only)",
    );
    assert_eq!(r.fixes[0].applicability, Applicability::DisplayOnly);
    assert!(r.fixes[0].description.contains("`npm install lodash`"));
}

// ---------------------------------------------------------------- env

/// A variable named by the failing tool's own message (`KeyError` from
/// `os.environ`): these tests are about editing the workflow; the grounding
/// in the code is tested through the binary in tests/grounded_env.rs.
fn env_diag(job: &str, var: &str) -> Diagnosis {
    diag(
        Category::EnvironmentVariable,
        job,
        "Run pytest",
        Facts {
            variable: Some(var.to_string()),
            variable_from: Some("message".to_string()),
            ..Facts::default()
        },
    )
}

#[test]
fn env_creates_the_job_env_keeping_crlf_bom_and_comments() {
    let d = env_diag("test", "DATABASE_HOST");
    let diff = check_fix(ENV, "create-env", &d, &FixOptions::default());
    assert!(
        diff.contains(
            "+    env:\r\n+      DATABASE_HOST: ${{ vars.DATABASE_HOST || 'localhost' }}\r\n"
        ),
        "{diff}"
    );
    insta::assert_snapshot!("env_create_env_crlf", diff.replace('\r', "\\r"));
}

#[test]
fn env_default_from_process_env() {
    let d = env_diag("test", "API_BASE_URL");
    let diff = check_fix(ENV, "create-env", &d, &FixOptions::default());
    assert!(
        diff.contains("API_BASE_URL: ${{ vars.API_BASE_URL || 'http://localhost:3000' }}"),
        "{diff}"
    );
}

#[test]
fn env_adds_to_an_existing_env_without_final_newline() {
    let d = env_diag("test", "REDIS_URL");
    let diff = check_fix(ENV, "existing-env", &d, &FixOptions::default());
    insta::assert_snapshot!("env_existing_env", diff);
}

#[test]
fn env_secret_like_names_come_from_secrets() {
    let d = env_diag("test", "SERVICE_API_TOKEN");
    let diff = check_fix(ENV, "existing-env", &d, &FixOptions::default());
    assert!(
        diff.contains("+      SERVICE_API_TOKEN: ${{ secrets.SERVICE_API_TOKEN }}"),
        "{diff}"
    );
    let d = env_diag("test", "GITHUB_TOKEN");
    let diff = check_fix(ENV, "existing-env", &d, &FixOptions::default());
    assert!(
        diff.contains("+      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}"),
        "{diff}"
    );
}

#[test]
fn env_without_default_uses_the_variable_alone() {
    let d = env_diag("test", "OCR_REGION");
    let diff = check_fix(ENV, "existing-env", &d, &unsafe_opts());
    assert!(
        diff.contains("+      OCR_REGION: ${{ vars.OCR_REGION }}"),
        "{diff}"
    );
}

#[test]
fn env_refuses_denied_and_invalid_names() {
    let c = case(ENV, "create-env");
    for name in [
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "DYLD_INSERT_LIBRARIES",
        "NODE_OPTIONS",
        "BASH_ENV",
        "PATH",
        "GITHUB_ENV",
        "RUNNER_TEMP",
        "ACTIONS_RUNTIME_TOKEN",
        "PYTHONPATH",
        "GIT_SSH_COMMAND",
        "CI",
        "lower_case",
        "X; rm -rf /",
        "A}}${{ github.token",
        "",
    ] {
        check_refused(
            &c,
            &env_diag("test", name),
            &FixOptions::default(),
            "refused (env-denied)",
        );
    }
}

#[test]
fn env_refuses_an_ambiguous_workflow_unless_named() {
    let c = case(ENV, "ambiguous");
    let d = env_diag("test", "OCR_HOST");
    check_refused(&c, &d, &unsafe_opts(), "refused (ambiguous-workflow)");
    let opts = FixOptions {
        workflow: Some(".github/workflows/b.yml".into()),
        ..unsafe_opts()
    };
    let diff = check_fix(ENV, "ambiguous", &d, &opts);
    assert!(diff.contains("b/.github/workflows/b.yml"));
}

#[test]
fn env_refuses_duplicate_keys() {
    let c = case(ENV, "duplicate-key");
    check_refused(
        &c,
        &env_diag("test", "OCR_HOST"),
        &FixOptions::default(),
        "refused (duplicate-key): duplicate key \"env\" at .github/workflows/ci.yml:7",
    );
}

#[test]
fn env_alias_bomb_is_an_error_and_writes_nothing() {
    let c = case(ENV, "alias-bomb");
    let before = tree(&c.root);
    let t = std::time::Instant::now();
    let err = run(&c, &env_diag("test", "OCR_HOST"), &FixOptions::default()).unwrap_err();
    assert!(t.elapsed().as_secs() < 1);
    assert_eq!(
        err.to_string(),
        "YAML alias expansion budget exceeded in .github/workflows/ci.yml"
    );
    assert_eq!(tree(&c.root), before);
}

#[test]
fn env_action_input_goes_into_the_steps_with() {
    let d = diag(
        Category::EnvironmentVariable,
        "release",
        "Publish release",
        Facts {
            action_input: Some("token".into()),
            ..Facts::default()
        },
    );
    let diff = check_fix(ENV, "action-input", &d, &FixOptions::default());
    insta::assert_snapshot!("env_action_input", diff);
    let d = diag(
        Category::EnvironmentVariable,
        "release",
        "Run actions/upload-artifact@v4",
        Facts {
            action_input: Some("token".into()),
            ..Facts::default()
        },
    );
    // upload-artifact declares no `token`: the action outranks the log.
    check_refused(
        &case(ENV, "action-input"),
        &d,
        &FixOptions::default(),
        "refused (no-evidence): actions/upload-artifact declares no input \"token\"",
    );
    let c = case(ENV, "action-input");
    let d = diag(
        Category::EnvironmentVariable,
        "release",
        "Run something/else@v1",
        Facts {
            action_input: Some("token".into()),
            ..Facts::default()
        },
    );
    check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "refused (ambiguous-workflow)",
    );
}

// ---------------------------------------------------------------- assertions

fn assert_diag(file: &str, line: u64, expected: &str, actual: &str, framework: &str) -> Diagnosis {
    let mut d = diag(
        Category::ApiContractMismatch,
        "test",
        "Run tests",
        Facts {
            file: Some(file.into()),
            line: Some(line),
            expected: Some(expected.into()),
            actual: Some(actual.into()),
            framework: Some(framework.into()),
            ..Facts::default()
        },
    );
    // The failing test as each runner's log names it (pytest's section
    // title, Jest's `●` title, Rust's `---- name stdout ----`, Go's
    // `--- FAIL:`): the fixer rewrites only inside that test.
    d.failure.test_id = Some(
        match framework {
            "jest" => "status",
            "rust" => "version_is_reported",
            "go" => "TestStatus",
            _ => "test_health",
        }
        .to_string(),
    );
    d
}

fn unsafe_opts() -> FixOptions {
    FixOptions {
        unsafe_fixes: true,
        ..FixOptions::default()
    }
}

#[test]
fn assertion_is_unsafe_and_listed_without_the_flag() {
    let c = case(AS, "pytest");
    let d = assert_diag(
        "/home/runner/work/api/api/tests/test_api.py",
        7,
        "'healthy'",
        "'ok'",
        "pytest",
    );
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "unsafe fix not applied (use --unsafe-fixes)",
    );
    assert_eq!(r.fixes.len(), 1);
    assert_eq!(r.fixes[0].applicability, Applicability::Unsafe);
    assert!(!r.fixes[0].applied);
    let diff = check_fix(AS, "pytest", &d, &unsafe_opts());
    insta::assert_snapshot!("assertion_pytest", diff);
}

#[test]
fn assertion_in_jest_rust_and_go() {
    let d = assert_diag("src/api.test.ts", 4, "\"healthy\"", "\"ok\"", "jest");
    let diff = check_fix(AS, "jest", &d, &unsafe_opts());
    assert!(
        diff.contains("+  expect(await status()).toBe('ok'); // contract"),
        "{diff}"
    );
    let d = assert_diag("tests/api.rs", 3, "\"1.2.0\"", "\"1.3.0\"", "rust");
    let diff = check_fix(AS, "rust", &d, &unsafe_opts());
    assert!(
        diff.contains("+    assert_eq!(demo::version(), \"1.3.0\", \"version\");"),
        "{diff}"
    );
    let d = assert_diag("api_test.go", 10, "200", "201", "go");
    let diff = check_fix(AS, "go", &d, &unsafe_opts());
    assert!(diff.contains("+\tassert.Equal(t, 201, Status())"), "{diff}");
}

#[test]
fn assertion_refuses_unsafe_literals() {
    let c = case(AS, "pytest");
    for actual in [
        "'ok\u{202e}'",
        "'a\u{200b}'",
        "'a\u{7}'",
        "{'status': 'ok'}",
    ] {
        let d = assert_diag("tests/test_api.py", 7, "'healthy'", actual, "pytest");
        check_refused(&c, &d, &unsafe_opts(), "refused (unsafe-literal)");
    }
    let long = format!("'{}'", "a".repeat(1_001));
    let d = assert_diag("tests/test_api.py", 7, "'healthy'", &long, "pytest");
    check_refused(&c, &d, &unsafe_opts(), "refused (unsafe-literal)");
}

#[test]
fn assertion_code_in_actual_is_written_as_one_literal() {
    let c = case(AS, "pytest");
    let evil = r#"'"); __import__("os").system("id"); ("'"#;
    let d = assert_diag("tests/test_api.py", 7, "'healthy'", evil, "pytest");
    let r = run(&c, &d, &unsafe_opts()).unwrap();
    let text = fs::read_to_string(c.root.join("tests/test_api.py")).unwrap();
    assert!(r.applied);
    assert!(
        text.contains(
            r#"assert resp.json()["status"] == "\"); __import__(\"os\").system(\"id\"); (\"""#
        ),
        "{text}"
    );
}

#[test]
fn paths_from_logs_stay_in_the_workspace() {
    let c = case(AS, "pytest");
    for path in [
        "../outside.py",
        "tests/../../outside.py",
        "/etc/passwd",
        "/home/runner/work/api/api/../../../etc/cron.d/x.py",
        ".git/hooks/pre-commit.py",
    ] {
        let d = assert_diag(path, 1, "'healthy'", "'ok'", "pytest");
        check_refused(
            &c,
            &d,
            &unsafe_opts(),
            "refused (path): refusing to edit path outside workspace",
        );
    }
    // A symlink pointing out of the workspace, and a symlinked directory
    // (named like tests, so that only the symlink rule stops them).
    let outside = c.root.parent().unwrap().join("test_outside.py");
    fs::write(&outside, "assert x == 'healthy'\n").unwrap();
    std::os::unix::fs::symlink(&outside, c.root.join("tests/test_link.py")).unwrap();
    std::os::unix::fs::symlink(c.root.parent().unwrap(), c.root.join("up")).unwrap();
    for path in ["tests/test_link.py", "up/test_outside.py"] {
        let d = assert_diag(path, 1, "'healthy'", "'ok'", "pytest");
        check_refused(
            &c,
            &d,
            &unsafe_opts(),
            "refused (symlink): refusing to follow symlink at",
        );
    }
    assert_eq!(
        fs::read_to_string(&outside).unwrap(),
        "assert x == 'healthy'\n"
    );
}

#[test]
fn in_a_git_checkout_only_tracked_regular_files_are_edited() {
    let c = case(AS, "pytest");
    assert!(git(&c.root, &["init", "-q"], None).status.success());
    let d = assert_diag("tests/test_api.py", 7, "'healthy'", "'ok'", "pytest");
    check_refused(&c, &d, &unsafe_opts(), "refused (path)");
    assert!(
        git(&c.root, &["add", "tests/test_api.py"], None)
            .status
            .success()
    );
    let r = run(&c, &d, &unsafe_opts()).unwrap();
    assert!(r.applied, "{:?}", r.reason);
}

// ---------------------------------------------------------------- permissions and advice

#[test]
fn permission_scope_is_added_to_an_existing_block() {
    let d = diag(
        Category::PermissionDenied,
        "comment",
        "Run actions/github-script@v7",
        Facts {
            scope: Some("pull-requests: write".into()),
            ..Facts::default()
        },
    );
    // Widening a token is never safe.
    check_refused(
        &case(PM, "existing-block"),
        &d,
        &FixOptions::default(),
        "unsafe fix not applied",
    );
    let diff = check_fix(PM, "existing-block", &d, &unsafe_opts());
    insta::assert_snapshot!("permission_existing_block", diff);
    let d = diag(
        Category::PermissionDenied,
        "comment",
        "Run actions/github-script@v7",
        Facts {
            scope: Some("issues: write".into()),
            ..Facts::default()
        },
    );
    let diff = check_fix(PM, "existing-block", &d, &unsafe_opts());
    assert!(
        diff.contains("-      issues: read\n+      issues: write\n"),
        "{diff}"
    );
}

#[test]
fn permission_without_a_block_is_advice_only() {
    let c = case(PM, "no-block");
    let d = diag(
        Category::PermissionDenied,
        "comment",
        "Run actions/github-script@v7",
        Facts {
            scope: Some("pull-requests: write".into()),
            ..Facts::default()
        },
    );
    let r = check_refused(&c, &d, &unsafe_opts(), "no automatic fix (advice only)");
    assert!(r.fixes[0].description.contains("pull-requests: write"));
}

#[test]
fn run_gates_on_category_confidence_and_forks() {
    let c = case(PY, "workflow-pip-line");
    let mut d = dep("test", py_facts(Some("pytest-cov"), None, None));
    d.confidence = 0.5;
    check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "below the confidence threshold",
    );
    d.confidence = 0.99;
    let fork = FixOptions {
        fork_run: true,
        ..FixOptions::default()
    };
    check_refused(&c, &d, &fork, "refused (fork-run)");
    d.category = Category::Unknown;
    check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "no fixer for category unknown",
    );
    let d = diag(
        Category::NetworkTimeout,
        "test",
        "Run pip install x",
        Facts {
            host: Some("pypi.org".into()),
            port: Some(443),
            ..Facts::default()
        },
    );
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "no automatic fix (advice only)",
    );
    assert!(r.fixes[0].description.contains("pypi.org:443"));
    let d = diag(
        Category::ConfigurationError,
        "test",
        "Run x",
        Facts {
            file: Some("pyproject.toml".into()),
            line: Some(3),
            ..Facts::default()
        },
    );
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "no automatic fix (advice only)",
    );
    assert!(r.fixes[0].description.contains("pyproject.toml at line 3"));
}

// ---------------------------------------------------------------- applier

#[test]
fn a_failure_half_way_leaves_every_file_unchanged() {
    let c = case(PY, "requirements-dev");
    let ws = Workspace::open(&c.root).unwrap();
    let edits = vec![
        Edit::insert("requirements.txt", 0, "attrs\n"),
        Edit::insert("requirements-dev.txt", 0, "# edited\n"),
    ];
    let prepared = apply::prepare(&ws, &edits).unwrap();
    assert_eq!(prepared.changes.len(), 2);
    let before = tree(&c.root);
    for fail_at in [Stage::Temp(1), Stage::Rename(1)] {
        let err = apply::write_all_with_hook(&ws, &prepared.changes, &mut |s| {
            if s == fail_at {
                Err(std::io::Error::other("injected failure"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(err.starts_with("no changes written: "), "{err}");
        assert!(err.contains("injected failure"));
        assert_eq!(
            tree(&c.root),
            before,
            "{fail_at:?} left a change or a temp file"
        );
    }
    apply::write_all(&ws, &prepared.changes).unwrap();
    assert_eq!(
        fs::read_to_string(c.root.join("requirements.txt")).unwrap(),
        "attrs\nflask\n"
    );
}

#[test]
fn overlapping_edits_are_skipped_and_reported() {
    let c = case(PY, "requirements-dev");
    let ws = Workspace::open(&c.root).unwrap();
    let edits = vec![
        Edit::replace("requirements.txt", 0..5, "quart"),
        Edit::replace("requirements.txt", 2..4, "xx"),
    ];
    let prepared = apply::prepare(&ws, &edits).unwrap();
    assert_eq!(prepared.skipped, vec![edits[1].clone()]);
    assert_eq!(
        prepared.changes,
        vec![FileChange {
            path: "requirements.txt".into(),
            old: b"flask\n".to_vec(),
            new: b"quart\n".to_vec(),
        }]
    );
}

#[test]
fn a_file_changed_after_planning_is_not_overwritten() {
    let c = case(PY, "requirements-dev");
    let ws = Workspace::open(&c.root).unwrap();
    let prepared = apply::prepare(&ws, &[Edit::insert("requirements.txt", 0, "attrs\n")]).unwrap();
    fs::write(c.root.join("requirements.txt"), "changed\n").unwrap();
    let err = apply::write_all(&ws, &prepared.changes).unwrap_err();
    assert!(err.starts_with("no changes written: "), "{err}");
    assert_eq!(
        fs::read_to_string(c.root.join("requirements.txt")).unwrap(),
        "changed\n"
    );
}

// ---------------------------------------------------------------- the seed example

fn example() -> Case {
    let original = fixtures().join("example").join("repo");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tee-mvp");
    copy_tree(&original, &root);
    Case {
        _dir: dir,
        root,
        original,
    }
}

#[test]
fn seed_example_three_incidents_in_order() {
    let c = example();
    // Run 1: pytest rejects --cov; pytest-cov joins the workflow's pip line.
    let d1 = dep(
        "test",
        py_facts(Some("pytest-cov"), None, Some("--cov=addons")),
    );
    let r1 = run(&c, &d1, &FixOptions::default()).unwrap();
    assert!(r1.applied, "{:?}", r1.reason);
    assert!(r1.touches_workflows);
    assert_eq!(r1.files_changed, [".github/workflows/tee-mvp-ci.yml"]);
    assert!(
        r1.diff
            .contains("+      - run: pip install requests psycopg pytest pytest-cov\n"),
        "{}",
        r1.diff
    );
    insta::assert_snapshot!("example_run_1", r1.diff);

    // Run 2: OCR_HOST unset; defined from the repository variable with the
    // default the repository's .env.example gives.
    let d2 = env_diag("test", "OCR_HOST");
    let r2 = run(&c, &d2, &FixOptions::default()).unwrap();
    assert!(r2.applied, "{:?}", r2.reason);
    assert!(
        r2.diff.contains(
            "+    env:\n+      OCR_HOST: ${{ vars.OCR_HOST || 'http://localhost:8000' }}\n"
        ),
        "{}",
        r2.diff
    );
    insta::assert_snapshot!("example_run_2", r2.diff);

    // Run 3: the health check says 'ok'; the expectation changes only with --unsafe-fixes.
    let d3 = assert_diag(
        "/home/runner/work/tee-mvp/tee-mvp/tests/test_ocr_endpoints.py",
        19,
        "'healthy'",
        "'ok'",
        "pytest",
    );
    let r3 = run(&c, &d3, &FixOptions::default()).unwrap();
    assert!(r3.diff.is_empty() && !r3.applied);
    assert_eq!(r3.fixes[0].applicability, Applicability::Unsafe);
    let r3 = run(&c, &d3, &unsafe_opts()).unwrap();
    assert!(r3.applied);
    assert!(
        r3.diff
            .contains("+    assert resp.json()[\"status\"] == \"ok\"\n"),
        "{}",
        r3.diff
    );
    insta::assert_snapshot!("example_run_3", r3.diff);

    // The three diffs apply in order to the original tree and give the fixed one.
    let combined = format!("{}{}{}", r1.diff, r2.diff, r3.diff);
    assert_eq!(git_apply(&c.original, &combined), tree(&c.root));
    // And every incident is now fixed.
    for (d, opts) in [
        (&d1, FixOptions::default()),
        (&d2, FixOptions::default()),
        (&d3, unsafe_opts()),
    ] {
        let again = run(&c, d, &opts).unwrap();
        assert!(again.diff.is_empty());
        assert!(
            again
                .reason
                .unwrap_or_default()
                .starts_with("already fixed")
        );
    }
}

#[test]
fn seed_example_logs_are_shipped() {
    let dir = fixtures().join("example");
    let expect = [
        (
            "run-1.txt",
            "pytest: error: unrecognized arguments: --cov=addons --cov-report=term-missing",
        ),
        ("run-2.txt", "Invalid URL 'None/health'"),
        ("run-3.txt", "AssertionError: assert 'ok' == 'healthy'"),
    ];
    for (file, needle) in expect {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.contains(needle), "{file}");
        assert!(text.contains("/home/runner/work/tee-mvp/tee-mvp"), "{file}");
        assert!(
            text.contains("##[error]Process completed with exit code"),
            "{file}"
        );
        assert!(
            !text.contains("/tmp/") && !text.contains("/root/"),
            "{file} leaks a local path"
        );
        let zip = dir.join(file.replace(".txt", ".zip"));
        assert!(fs::metadata(zip).unwrap().len() > 0);
    }
}

#[test]
fn env_ambiguous_refusal_says_what_to_add_by_hand() {
    let c = case(ENV, "ambiguous");
    let r = check_refused(
        &c,
        &env_diag("test", "OCR_HOST"),
        &FixOptions::default(),
        "refused (ambiguous-workflow)",
    );
    assert!(
        r.reason
            .unwrap()
            .contains("add `OCR_HOST: ${{ vars.OCR_HOST }}` to the failing job's env")
    );
}

#[test]
fn env_plain_action_inputs_get_advice() {
    let c = case(ENV, "action-input");
    let d = diag(
        Category::EnvironmentVariable,
        "release",
        "Publish release",
        Facts {
            action_input: Some("body_path".into()),
            ..Facts::default()
        },
    );
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "no automatic fix (advice only)",
    );
    assert!(r.fixes[0].description.contains("`body_path:`"));
    let d = diag(
        Category::EnvironmentVariable,
        "release",
        "Publish release",
        Facts {
            action_input: Some("api-key".into()),
            ..Facts::default()
        },
    );
    // softprops/action-gh-release declares no `api-key`.
    check_refused(&c, &d, &FixOptions::default(), "refused (no-evidence)");
}

// ---------------------------------------------------------------- property tests

mod props {
    use super::*;
    use autoheal::fix::workflow::{self, Workflow};
    use proptest::prelude::*;

    fn allowed_value(v: &str) -> bool {
        let re = regex::Regex::new(
            r"^\$\{\{ (?:vars\.[A-Z][A-Z0-9_]{0,63}(?: \|\| '(?:[^'\r\n]|'')*')?|secrets\.[A-Z][A-Z0-9_]{0,63}|github\.token) \}\}$",
        )
        .unwrap();
        re.is_match(v)
    }

    fn workflow_text() -> impl Strategy<Value = String> {
        (
            prop::bool::ANY,
            prop::sample::select(vec![2usize, 4]),
            prop::bool::ANY,
            prop::bool::ANY,
            prop::bool::ANY,
            prop::sample::select(vec!["test", "build", "unit-tests"]),
        )
            .prop_map(|(crlf, ind, env_block, comment, final_nl, job)| {
                let i = " ".repeat(ind);
                let mut s = String::from("name: ci\non: push\njobs:\n");
                s.push_str(&format!("{i}{job}:\n"));
                if comment {
                    s.push_str(&format!("{i}{i}# a comment: with colon\n"));
                }
                s.push_str(&format!("{i}{i}runs-on: ubuntu-latest\n"));
                if env_block {
                    s.push_str(&format!("{i}{i}env:\n{i}{i}{i}EXISTING: \"1\"\n"));
                }
                s.push_str(&format!(
                    "{i}{i}steps:\n{i}{i}- run: |\n{i}{i}{i}{i}echo 'x: y'\n"
                ));
                s.push_str(&format!("{i}{i}- run: pytest"));
                if final_nl {
                    s.push('\n');
                }
                if crlf { s.replace('\n', "\r\n") } else { s }
            })
    }

    fn env_name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Z][A-Z0-9_]{0,10}",
            Just("LD_PRELOAD".to_string()),
            Just("GITHUB_TOKEN".to_string()),
            Just("A}} ${{ github.token".to_string()),
            Just("X\nY".to_string()),
            ".{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn yaml_scanner_never_panics(text in ".{0,400}") {
            let _ = workflow::parse("x.yml", &text);
            if let Ok(wf) = Workflow::from_text("x.yml", text.clone())
                && let Ok(jobs) = wf.jobs()
            {
                for j in &jobs {
                    let _ = wf.steps(j);
                    let _ = wf.children(j.line);
                }
            }
        }

        #[test]
        fn env_edit_is_one_allowed_key_or_nothing(text in workflow_text(), name in env_name()) {
            let dir = tempfile::tempdir().unwrap();
            let wf_dir = dir.path().join(".github/workflows");
            fs::create_dir_all(&wf_dir).unwrap();
            fs::write(wf_dir.join("ci.yml"), &text).unwrap();
            let ws = Workspace::open(dir.path()).unwrap();
            let d = env_diag("whatever", &name);
            let report = fix::run(&DiagnoseReport::new(vec![d]), &ws, &FixOptions::default()).unwrap();
            let after = fs::read_to_string(wf_dir.join("ci.yml")).unwrap();
            if report.diff.is_empty() {
                prop_assert_eq!(&after, &text);
            } else {
                let old: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
                let mut new: yaml_serde::Value = yaml_serde::from_str(&after).unwrap();
                let job = new["jobs"].as_mapping().unwrap().keys().next().unwrap().clone();
                let env = new["jobs"][&job]["env"].as_mapping_mut().unwrap();
                let value = env.shift_remove(name.as_str()).unwrap();
                prop_assert!(allowed_value(value.as_str().unwrap()), "{:?}", value);
                if env.is_empty() && old["jobs"][&job].get("env").is_none() {
                    new["jobs"][&job].as_mapping_mut().unwrap().shift_remove("env");
                }
                prop_assert_eq!(new, old);
                // Every original line is still there, byte for byte.
                let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
                for line in text.split(eol) {
                    prop_assert!(after.contains(line));
                }
            }
        }
    }

    fn text_and_edits() -> impl Strategy<Value = (String, Vec<(usize, usize, String)>)> {
        (
            prop::collection::vec("[a-zé #:]{0,12}", 1..12),
            prop::bool::ANY,
            prop::bool::ANY,
        )
            .prop_flat_map(|(lines, crlf, final_nl)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut text = lines.join(eol);
                if final_nl {
                    text.push_str(eol);
                }
                let n = text.chars().count();
                let edits = prop::collection::vec((0..=n, 0..4usize, "[a-z\n]{0,6}"), 0..4);
                (Just(text), edits)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn applier_and_git_apply_agree((text, raw) in text_and_edits()) {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("r");
            fs::create_dir_all(&root).unwrap();
            fs::write(root.join("f.txt"), &text).unwrap();
            let ws = Workspace::open(&root).unwrap();
            // Char offsets to byte offsets, so every edit is on a boundary.
            let idx: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
            let edits: Vec<Edit> = raw
                .iter()
                .map(|(at, len, content)| {
                    let s = idx[*at];
                    let e = idx[(*at + len).min(idx.len() - 1)];
                    Edit::replace("f.txt", s..e, content.clone())
                })
                .collect();
            let prepared = apply::prepare(&ws, &edits).unwrap();
            let diff = fix::diff::render(&prepared.changes);
            let original = tempfile::tempdir().unwrap();
            fs::write(original.path().join("f.txt"), &text).unwrap();
            apply::write_all(&ws, &prepared.changes).unwrap();
            let ours = fs::read(root.join("f.txt")).unwrap();
            if diff.is_empty() {
                prop_assert_eq!(ours, text.as_bytes().to_vec());
            } else {
                let theirs = git_apply(original.path(), &diff);
                prop_assert_eq!(&theirs["f.txt"], &ours);
            }
        }
    }
}

#[test]
fn env_in_another_steps_env_does_not_count_but_the_failing_steps_does() {
    let c = case(ENV, "ambiguous");
    let wf = c.root.join(".github/workflows/a.yml");
    fs::remove_file(c.root.join(".github/workflows/b.yml")).unwrap();
    fs::write(
        &wf,
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./setup.sh\n        env:\n          OCR_HOST: x\n      - run: pytest\n",
    )
    .unwrap();
    let d = env_diag("test", "OCR_HOST");
    let r = run(
        &c,
        &d,
        &FixOptions {
            diff_only: true,
            ..unsafe_opts()
        },
    )
    .unwrap();
    assert!(
        r.diff
            .contains("+    env:\n+      OCR_HOST: ${{ vars.OCR_HOST }}\n"),
        "{}",
        r.diff
    );
    let mut d = d;
    d.failure.step = "Run ./setup.sh".into();
    check_refused(
        &c,
        &d,
        &unsafe_opts(),
        "already fixed: OCR_HOST is already defined in the failing step's env",
    );
}

#[test]
fn env_fills_an_empty_env_and_refuses_reusable_workflow_jobs() {
    let c = case(ENV, "ambiguous");
    let wf = c.root.join(".github/workflows/a.yml");
    fs::remove_file(c.root.join(".github/workflows/b.yml")).unwrap();
    fs::write(&wf, "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n    steps:\n      - run: pytest\n").unwrap();
    let d = env_diag("test", "OCR_HOST");
    let r = run(&c, &d, &unsafe_opts()).unwrap();
    assert!(
        r.diff
            .contains(" env:\n+      OCR_HOST: ${{ vars.OCR_HOST }}\n"),
        "{:?} {}",
        r.reason,
        r.diff
    );
    fs::write(
        &wf,
        "on: push\njobs:\n  test:\n    uses: ./.github/workflows/called.yml\n",
    )
    .unwrap();
    check_refused(&c, &d, &unsafe_opts(), "refused (complex-workflow)");
}

#[test]
fn python_tool_not_found_joins_the_pip_line() {
    let d = dep(
        "test",
        Facts {
            ecosystem: Some("system".into()),
            command: Some("mypy".into()),
            ..Facts::default()
        },
    );
    let diff = check_fix(PY, "workflow-pip-line", &d, &FixOptions::default());
    assert!(
        diff.contains("+          pip install requests pytest mypy   # test tools"),
        "{diff}"
    );
    // Without a pip line in the job, it stays advice.
    let c = case(PY, "requirements-crlf");
    let r = check_refused(
        &c,
        &d,
        &FixOptions::default(),
        "no automatic fix (advice only)",
    );
    assert!(r.fixes[0].description.contains("`mypy`"));
}

#[test]
fn permission_copies_the_workflow_block_into_the_job_when_it_has_none() {
    let c = case(PM, "no-block");
    let wf = c.root.join(".github/workflows/pr.yml");
    let script = "    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: github.rest.issues.addLabels(params)\n";
    fs::write(
        &wf,
        format!("on: pull_request\npermissions:\n  contents: read\njobs:\n  comment:\n    runs-on: ubuntu-latest\n{script}"),
    )
    .unwrap();
    let d = diag(
        Category::PermissionDenied,
        "comment",
        "Run actions/github-script@v7",
        Facts {
            scope: Some("issues: write".into()),
            ..Facts::default()
        },
    );
    let r = run(&c, &d, &unsafe_opts()).unwrap();
    assert!(
        r.diff.contains(
            "   comment:\n+    permissions:\n+      contents: read\n+      issues: write\n     runs-on:"
        ),
        "{}{:?}",
        r.diff,
        r.reason
    );
    // `permissions: read-all` is not restructured.
    fs::write(
        &wf,
        format!("on: pull_request\npermissions: read-all\njobs:\n  comment:\n    runs-on: ubuntu-latest\n{script}"),
    )
    .unwrap();
    check_refused(&c, &d, &unsafe_opts(), "no automatic fix (advice only)");
}

#[test]
fn a_workspace_inside_a_checkout_is_a_checkout() {
    let c = case(AS, "pytest");
    assert!(git(&c.root, &["init", "-q"], None).status.success());
    assert!(
        git(&c.root, &["add", "tests/test_api.py"], None)
            .status
            .success()
    );
    let ws = Workspace::open(&c.root.join("tests")).unwrap();
    assert!(ws.is_git());
    assert!(ws.read("test_api.py").unwrap().is_some());
    fs::write(c.root.join("tests/untracked.py"), "x = 1\n").unwrap();
    assert_eq!(ws.read("untracked.py").unwrap_err().id, "path");
}
