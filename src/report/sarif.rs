//! SARIF 2.1.0, for code scanning and any tool that reads static-analysis
//! results.
//!
//! One run, one rule per category, one result per failure: its message is
//! the root-cause line and the suggested fix, its location the repository
//! file the failure points at when one is known (the fact parsers' file and
//! line, else the innermost traceback frame in the repository). A fix with
//! edits becomes the result's `fixes` entry: per file, byte-range
//! replacements over the original contents, exactly the edits of the diff.
//! Job, step, log line, confidence, fix status and reason code ride in
//! `properties`. Every string from a log is scrubbed like the JSON's.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::classify::{Category, Diagnosis};
use crate::frames;
use crate::report::{DiagnoseReport, FixReport};
use crate::sanitize::Redactor;

/// The schema the output declares and is tested against.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub fn write_diagnose(
    out: &mut dyn Write,
    report: &DiagnoseReport,
    scrub: &Redactor,
) -> io::Result<()> {
    write(out, &sarif(report, None, scrub))
}

pub fn write_fix(out: &mut dyn Write, report: &FixReport, scrub: &Redactor) -> io::Result<()> {
    write(out, &sarif(&report.diagnosis, Some(report), scrub))
}

fn write(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(io::Error::other)?;
    // As in the JSON: a runner echoing it must see no legacy command.
    writeln!(out, "{}", text.replace("##[", "#\\u0023["))
}

fn rules() -> Vec<Value> {
    Category::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.as_str(),
                "shortDescription": {"text": describe(*c)},
                "defaultConfiguration": {"level": if *c == Category::Unknown { "warning" } else { "error" }},
            })
        })
        .collect()
}

fn describe(c: Category) -> &'static str {
    match c {
        Category::DependencyMissing => "A dependency the failing step needs is not installed",
        Category::EnvironmentVariable => "A variable or input the failing step reads is not set",
        Category::ApiContractMismatch => {
            "A test's expectation no longer matches what the code returns"
        }
        Category::NetworkTimeout => "A network call failed or timed out",
        Category::PermissionDenied => "The step lacks a permission",
        Category::ConfigurationError => "A configuration file is invalid",
        Category::Unknown => "A failure of another kind, or one the model is unsure of",
    }
}

fn sarif(report: &DiagnoseReport, fix: Option<&FixReport>, scrub: &Redactor) -> Value {
    let clean = |s: &str| scrub.clean_line(s);
    let results: Vec<Value> = report
        .failures
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut text = clean(&d.failure.error_line);
            if !d.suggested_fix.is_empty() {
                text.push_str(" — ");
                text.push_str(&clean(&d.suggested_fix));
            }
            let mut props = json!({
                "job": clean(&d.failure.job),
                "step": clean(&d.failure.step),
                "logLine": d.failure.line,
                "confidence": if d.confidence.is_finite() { d.confidence } else { 0.0 },
            });
            if let Some(ff) = fix.and_then(|f| f.failure_fixes.get(i)) {
                props["fixStatus"] = json!(ff.status);
                if let Some(c) = ff.reason_code {
                    props["reasonCode"] = json!(c.as_str());
                }
                if let Some(r) = &ff.reason {
                    props["reason"] = json!(clean(r));
                }
            }
            let rule_index = Category::ALL
                .iter()
                .position(|c| *c == d.category)
                .unwrap_or(0);
            let mut result = json!({
                "ruleId": d.category.as_str(),
                "ruleIndex": rule_index,
                "level": if d.category == Category::Unknown { "warning" } else { "error" },
                "message": {"text": text},
                "properties": props,
            });
            if let Some((file, line)) = location(d) {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": file},
                        "region": {"startLine": line},
                    }
                }]);
            }
            if let Some(f) = fix {
                let fixes = fixes_of(f, i, scrub);
                if !fixes.is_empty() {
                    result["fixes"] = Value::Array(fixes);
                }
            }
            result
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "autoheal",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules(),
            }},
            "results": results,
        }],
    })
}

/// The fixes planned for failure `i` that have edits, as SARIF `fix` objects.
fn fixes_of(f: &FixReport, i: usize, scrub: &Redactor) -> Vec<Value> {
    f.fixes
        .iter()
        .zip(&f.fix_sources)
        .filter(|(_, src)| src.failure == i && !src.replacements.is_empty())
        .map(|(entry, src)| {
            let mut files: Vec<&str> = Vec::new();
            for r in &src.replacements {
                if !files.contains(&r.path.as_str()) {
                    files.push(&r.path);
                }
            }
            let changes: Vec<Value> = files
                .iter()
                .map(|path| {
                    let replacements: Vec<Value> = src
                        .replacements
                        .iter()
                        .filter(|r| r.path == *path)
                        .map(|r| {
                            json!({
                                "deletedRegion": {"byteOffset": r.offset, "byteLength": r.length},
                                "insertedContent": {"text": scrub.redact(&r.text)},
                            })
                        })
                        .collect();
                    json!({
                        "artifactLocation": {"uri": path},
                        "replacements": replacements,
                    })
                })
                .collect();
            json!({
                "description": {"text": scrub.clean_line(&format!(
                    "{} [{}]: {}",
                    entry.fixer,
                    match entry.applicability {
                        crate::report::Applicability::Safe => "safe",
                        crate::report::Applicability::Unsafe => "unsafe",
                        crate::report::Applicability::DisplayOnly => "display-only",
                    },
                    entry.description
                ))},
                "artifactChanges": changes,
            })
        })
        .collect()
}

/// The repository file and line a failure points at: the fact parsers' file
/// and line, else the innermost frame outside installed code. Log-written,
/// so only a plain relative path is taken (no scheme, no `..`, no
/// characters a URI would need escaped).
fn location(d: &Diagnosis) -> Option<(String, u64)> {
    let from_facts = match (&d.facts.file, d.facts.line) {
        (Some(f), Some(l)) if l > 0 => Some((frames::relative(f), l)),
        _ => None,
    };
    let from_frames = || {
        d.failure
            .frames
            .iter()
            .rev()
            .find(|f| f.line > 0 && !frames::is_library(&f.file))
            .map(|f| (frames::relative(&f.file), f.line))
    };
    from_facts
        .filter(|(f, _)| plain_path(f))
        .or_else(|| from_frames().filter(|(f, _)| plain_path(f)))
}

fn plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 300
        && !p.starts_with('/')
        && !p.split('/').any(|c| c.is_empty() || c == "." || c == "..")
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_become_locations() {
        assert!(plain_path("tests/test_app.py"));
        for bad in [
            "/etc/passwd",
            "../x.py",
            "a//b",
            "https://evil/x",
            "a b.py",
            "x\u{202e}.py",
            "",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
    }
}
