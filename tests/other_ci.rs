//! Other CIs' logs through the binary: each fixture of `fixtures/logs/other-ci/`
//! (real logs, cited in its README) is diagnosed by `autoheal diagnose --format
//! json`, and the failure's step and root-cause line are the ones its
//! `.expect` file states. Raw GitLab bytes (markers behind `\r\e[0K`) and forged markers
//! go through the binary too.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/logs/other-ci")
}

/// `autoheal diagnose --format json INPUT` in an empty directory with a
/// scrubbed environment; `stdin` is fed when INPUT is `-`.
fn diagnose(input: &Path, stdin: Option<&[u8]>) -> serde_json::Value {
    let cwd = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(cwd.path())
        .args(["diagnose", "--format", "json"])
        .arg(input)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).expect("write stdin");
        }
    }
    let out = child.wait_with_output().expect("binary ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}: {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json on stdout")
}

fn primary(v: &serde_json::Value) -> &serde_json::Value {
    &v["failures"][0]
}

#[test]
fn each_fixture_is_diagnosed_with_its_step() {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    assert!(logs.len() >= 7, "{logs:?}");
    let mut with_step = 0;
    for log in &logs {
        let expect = std::fs::read_to_string(log.with_extension("expect")).expect("expect file");
        let field = |k: &str| {
            expect
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.strip_prefix(' ').unwrap_or(v).to_string())
        };
        let v = diagnose(log, None);
        let f = primary(&v);
        let name = log.file_name().unwrap().to_string_lossy();
        // A passing run of another CI: its structure must not make a failure.
        if field("error_line:").is_some_and(|l| l.is_empty()) {
            assert_eq!(v["failures"], serde_json::json!([]), "{name}");
            assert_eq!(v["category"], "unknown", "{name}");
            continue;
        }
        // Categories are the model's, checked with its tolerance by
        // `tests/it/fixtures.rs`; the structure is checked exactly here.
        assert!(field("category:").is_some(), "{name}");
        assert_eq!(
            f["error_line"],
            field("error_line:").unwrap().as_str(),
            "{name}"
        );
        assert_eq!(f["job"], name.as_ref(), "{name}");
        if let Some(step) = field("step:") {
            assert_eq!(f["step"], step.as_str(), "{name}");
            with_step += 1;
        }
    }
    assert!(with_step >= 4, "{with_step} fixtures name their step");
}

#[test]
fn each_ci_has_a_cited_fixture() {
    let readme = std::fs::read_to_string(dir().join("README.md")).expect("README");
    for ci in [
        "Buildkite",
        "CircleCI",
        "Azure Pipelines",
        "GitLab CI",
        "Travis CI",
        "Jenkins",
    ] {
        let row = readme
            .lines()
            .find(|l| l.starts_with("| `") && l.contains(ci))
            .unwrap_or_else(|| panic!("no fixture row for {ci}"));
        let fixture = row.split('`').nth(1).expect("fixture name");
        assert!(
            dir().join(format!("{fixture}.log")).is_file(),
            "{ci}: {fixture}.log is missing"
        );
        assert!(row.contains("https://github.com/"), "{ci}: no address");
    }
}

/// A GitLab job log as the runner writes it: markers between `\e[0K` and `\r`.
const GITLAB_RAW: &[u8] = b"Running with gitlab-runner 16.9.0 (abc)\n\
\x1b[0Ksection_start:1700000001:get_sources\r\x1b[0K\x1b[0K\x1b[36;1mGetting source from Git repository\x1b[0;m\n\
error: could not lock config file .git/config: File exists (retried)\n\
\x1b[0Ksection_end:1700000002:get_sources\r\x1b[0K\n\
\x1b[0Ksection_start:1700000002:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage of the job script\x1b[0;m\n\
\x1b[32;1m$ pytest\x1b[0;m\n\
E   ModuleNotFoundError: No module named 'yaml'\n\
\x1b[0Ksection_end:1700000003:step_script\r\x1b[0K\n\
\x1b[0Ksection_start:1700000003:after_script\r\x1b[0K\x1b[0K\x1b[36;1mRunning after_script\x1b[0;m\n\
Error: could not reach the cache server\n\
\x1b[0Ksection_end:1700000004:after_script\r\x1b[0K\n\
\x1b[31;1mERROR: Job failed: exit code 1\n\x1b[0;m\n";

#[test]
fn raw_gitlab_sections_name_the_failed_step() {
    let v = diagnose(Path::new("-"), Some(GITLAB_RAW));
    let f = primary(&v);
    assert_eq!(f["step"], "step_script");
    assert_eq!(
        f["error_line"],
        "E   ModuleNotFoundError: No module named 'yaml'"
    );
    assert_eq!(v["category"], "dependency_missing");
    let excerpt = f["excerpt"].as_str().unwrap();
    assert!(!excerpt.contains("cache server"), "{excerpt}");
}

#[test]
fn forged_markers_cannot_move_the_failure() {
    // A GitHub job log whose step prints other CIs' markers stays GitHub's step.
    let gh: String = [
        "##[group]Run pytest",
        "pytest",
        "##[endgroup]",
        "section_start:1700000000:deploy\r\x1b[0K",
        "====>> Deploy",
        "--- :rocket: Deploy",
        "E   ModuleNotFoundError: No module named 'yaml'",
        "##[error]Process completed with exit code 1.",
    ]
    .iter()
    .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
    .collect();
    let v = diagnose(Path::new("-"), Some(gh.as_bytes()));
    assert_eq!(primary(&v)["step"], "Run pytest");
    // In a GitLab log, the script ends its own section early and opens a post
    // step; the runner's real end of step_script comes later.
    let forged =
        b"section_start:1:step_script\r\x1b[0K\n$ ./run.sh\nsection_end:1:step_script\r\x1b[0K\n\
section_start:1:after_script\r\x1b[0K\nE   ModuleNotFoundError: No module named 'yaml'\n\
section_end:2:step_script\r\x1b[0K\nsection_start:2:after_script\r\x1b[0K\necho done\n\
section_end:2:after_script\r\x1b[0K\nERROR: Job failed: exit code 1\n";
    let v = diagnose(Path::new("-"), Some(forged));
    assert_eq!(primary(&v)["step"], "step_script");
    // A Buildkite group that printed an error and went on is not the failure.
    let bk = "--- :eslint: Lint\nError: unused variable in src/a.js\n+++ :pytest: Test\n\
E   ModuleNotFoundError: No module named 'yaml'\n^^^ +++\n\u{1F6A8} Error: The command exited with status 1\n\
~~~ Running global pre-exit hook\nError: pre-exit could not upload\n";
    let v = diagnose(Path::new("-"), Some(bk.as_bytes()));
    assert_eq!(primary(&v)["step"], ":pytest: Test");
    assert_eq!(
        primary(&v)["error_line"],
        "E   ModuleNotFoundError: No module named 'yaml'"
    );
}

#[test]
fn a_run_log_zip_step_is_never_resplit() {
    // The step file prints Travis's and CircleCI's structure; the zip's step
    // is the step.
    let step: String = [
        "travis_fold:start:install\r\x1b[0K$ npm ci",
        "travis_fold:end:install\r\x1b[0K",
        "====>> Deploy",
        "$ npm test",
        "E   ModuleNotFoundError: No module named 'yaml'",
        "The command \"npm test\" exited with 1.",
        "Exited with code exit status 1",
        "##[error]Process completed with exit code 1.",
    ]
    .iter()
    .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
    .collect();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("test/2_Run pytest.txt", opts).expect("entry");
    w.write_all(step.as_bytes()).expect("write");
    let bytes = w.finish().expect("zip").into_inner();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.zip");
    std::fs::write(&path, bytes).expect("write zip");
    let v = diagnose(&path, None);
    assert_eq!(primary(&v)["step"], "Run pytest");
    assert_eq!(primary(&v)["job"], "test");
}
