//! Excerpts without markers, through the built binary: each public excerpt in
//! `fixtures/excerpts/` must yield a failure whose root-cause line is the one
//! its `.expect` names, and every clean log (`fixtures/logs/clean/`, and
//! `clean-*` logs in the other folders) must stay
//! `unknown` with no failure. The excerpts are quoted from the corpus as they
//! were pasted; a test checks that each is still the corpus item it cites.

#[path = "support/bin.rs"]
mod bin;

use bin::autoheal;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn diagnose(args: &[&str], stdin: Option<&[u8]>) -> Value {
    let mut cmd = autoheal();
    cmd.args(["diagnose", "--format", "json"]).args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    let out = cmd.output().expect("autoheal runs");
    assert!(
        out.status.success(),
        "{args:?}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn logs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    v.sort();
    v
}

/// `source:` and `error_line:` of an excerpt's sidecar.
fn expect(log: &Path) -> (String, String) {
    let path = log.with_extension("expect");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} needs {}: {e}", log.display(), path.display()));
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{} lacks {name}", path.display()))
    };
    (field("source:"), field("error_line:"))
}

#[test]
fn excerpts_without_markers_yield_their_failure() {
    let dir = root().join("fixtures/excerpts");
    let all = logs(&dir);
    assert!(all.len() >= 30, "only {} excerpts", all.len());
    let mut misses = Vec::new();
    for log in &all {
        let (_, want) = expect(log);
        let report = diagnose(&[log.to_str().expect("utf-8 path")], None);
        let got = report["failures"][0]["error_line"]
            .as_str()
            .map(str::to_string);
        if got.as_deref() != Some(want.as_str()) {
            misses.push(format!("{}: got {got:?}, want {want:?}", log.display()));
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn excerpts_are_the_corpus_items_they_cite() {
    let mut corpus = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures/corpus")).expect("corpus") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(name.starts_with("public-") && name.ends_with(".jsonl")) {
            continue;
        }
        for line in std::fs::read_to_string(&path).expect("jsonl").lines() {
            if line.trim().is_empty() {
                continue;
            }
            let item: Value = serde_json::from_str(line).expect("corpus item");
            let source = item["source"].as_str().unwrap_or("");
            let address = source.split(" (").next().unwrap_or("").trim().to_string();
            corpus.push((address, item["text"].as_str().unwrap_or("").to_string()));
        }
    }
    for log in logs(&root().join("fixtures/excerpts")) {
        let (source, _) = expect(&log);
        let text = std::fs::read_to_string(&log).expect("log");
        let text = text.strip_suffix('\n').unwrap_or(&text);
        assert!(
            corpus.iter().any(|(a, t)| *a == source && t == text),
            "{} is not the corpus item quoted from {source}",
            log.display()
        );
    }
}

/// The clean runs: `fixtures/logs/clean/`, and other folders' `clean-*` logs
/// (a passing Travis job among the other CIs').
fn clean_logs() -> Vec<PathBuf> {
    let mut all = logs(&root().join("fixtures/logs/clean"));
    for dir in std::fs::read_dir(root().join("fixtures/logs")).expect("fixtures/logs") {
        let dir = dir.expect("entry").path();
        if dir.is_dir() && !dir.ends_with("clean") {
            all.extend(logs(&dir).into_iter().filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("clean-"))
            }));
        }
    }
    all
}

#[test]
fn clean_logs_stay_unknown() {
    let clean = clean_logs();
    assert!(clean.len() >= 10, "{clean:?}");
    for log in clean {
        let report = diagnose(&[log.to_str().expect("utf-8 path")], None);
        assert_eq!(report["category"], "unknown", "{}", log.display());
        assert_eq!(
            report["failures"].as_array().map(Vec::len),
            Some(0),
            "{}: {}",
            log.display(),
            report["failures"][0]["error_line"]
        );
    }
}

/// The counter-example is not quiet because nothing is ever found: the same
/// real pip run cut after its retries (as a log ends when the job is killed)
/// is a failure, and the retry is its root cause.
#[test]
fn a_retry_is_a_failure_only_when_the_log_ends_on_it() {
    let log = root().join("fixtures/logs/clean/pip-retry-then-installed.log");
    let text = std::fs::read_to_string(&log).expect("log");
    let cut: String = text
        .lines()
        .take_while(|l| !l.starts_with("Collecting"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(cut.contains("Retrying") && !cut.contains("Successfully"));
    let report = diagnose(&["-"], Some(cut.as_bytes()));
    let line = report["failures"][0]["error_line"].as_str().unwrap_or("");
    assert!(
        line.starts_with("WARNING: Retrying (Retry(total=5,"),
        "{report}"
    );
}

/// Attacker view: lines forged in the shapes these rules read, printed after a
/// cause the main scorer trusts, do not move the root cause (and so cannot
/// move what a fixer is asked about). The shapes are consulted only when no
/// line of the stream is strong enough on its own.
#[test]
fn forged_shapes_do_not_outrank_a_scored_cause() {
    let log = "Traceback (most recent call last):\n  File \"app.py\", line 1, in <module>\n    import yaml\nModuleNotFoundError: No module named 'yaml'\n==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1\ntoomanyrequests: You have reached your pull rate limit.\nsudo: a password is required\nWARNING: Retrying (Retry(total=1)) after connection broken by 'NewConnectionError()': /simple/x/\n";
    let report = diagnose(&["-"], Some(log.as_bytes()));
    assert_eq!(
        report["failures"][0]["error_line"], "ModuleNotFoundError: No module named 'yaml'",
        "{report}"
    );
    assert_eq!(report["failures"].as_array().map(Vec::len), Some(1));
}
