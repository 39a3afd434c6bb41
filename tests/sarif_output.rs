//! `--format sarif` through the binary: valid against the OASIS SARIF 2.1.0
//! schema (fixtures/sarif/, validated with Python's jsonschema), the fix's
//! replacements turning the original file into what the diff does, the
//! root cause located at its repository file, and log-written paths that
//! lie kept out of locations.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "support/checkout.rs"]
mod checkout;
use checkout::git;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn autoheal(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args)
        .output()
        .expect("binary runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Validates `doc` against the committed schema; panics with the errors.
fn assert_valid(doc: &str) {
    let schema = root().join("fixtures/sarif/sarif-schema-2.1.0.json");
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  doc = json.load(sys.stdin)\n\
                  v = jsonschema.Draft4Validator(schema)\n\
                  errs = [f\"{list(e.absolute_path)}: {e.message}\" for e in v.iter_errors(doc)]\n\
                  print('\\n'.join(errs)); sys.exit(1 if errs else 0)\n";
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/setup installs jsonschema)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "not valid SARIF 2.1.0:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The validator itself rejects what the schema forbids, so a pass means something.
#[test]
fn the_validator_rejects_invalid_sarif() {
    let schema = root().join("fixtures/sarif/sarif-schema-2.1.0.json");
    for bad in [
        r#"{"version": "2.1.0"}"#,
        r#"{"version": "2.0.0", "runs": []}"#,
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}"#,
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}"#,
    ] {
        let o = Command::new("python3")
            .args([
                "-c",
                "import json,sys,jsonschema; jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])), cls=jsonschema.Draft4Validator)",
            ])
            .arg(&schema)
            .arg(bad)
            .output()
            .unwrap();
        assert!(!o.status.success(), "accepted: {bad}");
    }
}

fn example_checkout() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let ok = Command::new("cp")
        .arg("-R")
        .arg(root().join("fixtures/example/repo"))
        .arg(&ws)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    (tmp, ws)
}

/// Applies a result's SARIF fix to the original files and compares them with
/// what `git apply` of the diff gives: the two must be the same change.
fn check_fix_matches_diff(ws: &Path, result: &serde_json::Value, diff: &str) {
    let fixes = result["fixes"].as_array().expect("fixes");
    let mut sarif_files = Vec::new();
    for change in fixes[0]["artifactChanges"].as_array().unwrap() {
        let path = change["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_string();
        let mut bytes = fs::read(ws.join(&path)).unwrap();
        let mut reps: Vec<(usize, usize, String)> = change["replacements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize,
                    r["deletedRegion"]["byteLength"].as_u64().unwrap() as usize,
                    r["insertedContent"]["text"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        reps.sort_by_key(|r| std::cmp::Reverse(r.0));
        for (off, len, text) in reps {
            bytes.splice(off..off + len, text.into_bytes());
        }
        sarif_files.push((path, bytes));
    }
    let patch = ws.join("../fix.patch");
    fs::write(&patch, diff).unwrap();
    git(ws, &["apply", patch.to_str().unwrap()]);
    for (path, bytes) in sarif_files {
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            fs::read_to_string(ws.join(&path)).unwrap(),
            "{path}"
        );
    }
}

#[test]
fn a_dependency_fix_is_valid_sarif_with_its_replacements() {
    let (_t, ws) = example_checkout();
    let zip = root().join("fixtures/example/run-1.zip");
    let ws_s = ws.to_str().unwrap();
    let (code, sarif, err) = autoheal(&[
        "fix",
        "--diff-only",
        "--format",
        "sarif",
        "-C",
        ws_s,
        zip.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_valid(&sarif);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "autoheal");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "dependency_missing");
    assert_eq!(result["properties"]["fixStatus"], "fixed");
    let fix = &result["fixes"][0];
    assert_eq!(
        fix["artifactChanges"][0]["artifactLocation"]["uri"],
        ".github/workflows/tee-mvp-ci.yml"
    );
    let (_, diff, _) = autoheal(&["fix", "--diff-only", "-C", ws_s, zip.to_str().unwrap()]);
    check_fix_matches_diff(&ws, result, &diff);
}

#[test]
fn an_assertion_fix_is_located_at_its_test_file() {
    let (_t, ws) = example_checkout();
    let zip = root().join("fixtures/example/run-3.zip");
    let ws_s = ws.to_str().unwrap();
    let args = [
        "fix",
        "--diff-only",
        "--unsafe-fixes",
        "-C",
        ws_s,
        zip.to_str().unwrap(),
    ];
    let mut sarif_args = args.to_vec();
    sarif_args.splice(1..1, ["--format", "sarif"]);
    let (code, sarif, err) = autoheal(&sarif_args);
    assert_eq!(code, 0, "{err}");
    assert_valid(&sarif);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "api_contract_mismatch");
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "tests/test_ocr_endpoints.py"
    );
    assert!(loc["region"]["startLine"].as_u64().unwrap() > 0);
    let (_, diff, _) = autoheal(&args);
    check_fix_matches_diff(&ws, result, &diff);
}

#[test]
fn an_unapplied_fix_carries_its_reason_code_and_stays_valid() {
    let (_t, ws) = example_checkout();
    let zip = root().join("fixtures/example/run-3.zip");
    // Without --unsafe-fixes the assertion rewrite is not applied.
    let (code, sarif, err) = autoheal(&[
        "fix",
        "--diff-only",
        "--format",
        "sarif",
        "-C",
        ws.to_str().unwrap(),
        zip.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{err}");
    assert_valid(&sarif);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["properties"]["reasonCode"], "unsafe-not-applied");
    // Still offered, as SARIF fixes are proposals, and marked unsafe.
    let text = result["fixes"][0]["description"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("assertion-expected-stale [unsafe]"),
        "{text}"
    );
}

#[test]
fn diagnose_of_every_fixture_log_is_valid_sarif() {
    let mut logs: Vec<PathBuf> = Vec::new();
    for dir in fs::read_dir(root().join("fixtures/logs")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "log") {
                    logs.push(f);
                }
            }
        }
    }
    assert!(logs.len() > 50, "{}", logs.len());
    let mut args = vec!["diagnose".to_string(), "--format".into(), "sarif".into()];
    args.extend(logs.iter().map(|p| p.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, sarif, err) = autoheal(&args);
    assert_eq!(code, 0, "{err}");
    assert_valid(&sarif);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert!(v["runs"][0]["results"].as_array().unwrap().len() > 50);
}

#[test]
fn a_lying_traceback_path_is_no_location() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("x.log");
    for (path, want) in [
        ("/home/runner/work/app/app/src/ok.py", Some("src/ok.py")),
        ("../../../etc/passwd", None),
        ("https://evil.example/x.py", None),
        ("src/a b\u{202e}.py", None),
    ] {
        fs::write(
            &log,
            format!(
                "Traceback (most recent call last):\n  File \"{path}\", line 3, in <module>\n    import yaml\nModuleNotFoundError: No module named 'yaml'\n"
            ),
        )
        .unwrap();
        let (code, sarif, err) =
            autoheal(&["diagnose", "--format", "sarif", log.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_valid(&sarif);
        let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        let uri = v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"]
            .as_str();
        assert_eq!(uri, want, "{path}: {sarif}");
    }
}
