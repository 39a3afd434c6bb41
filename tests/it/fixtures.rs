//! Every fixture log under `fixtures/logs/**` is a test: its diagnosis is
//! snapshotted, and its sidecar `.expect` file (`category:` and `error_line:`)
//! is checked exactly. Clean logs must say `unknown` with no failure.

use std::path::Path;

use autoheal::classify::{self, Category};
use autoheal::{extract, ingest};

struct Expect {
    category: String,
    error_line: Option<String>,
}

fn read_expect(log: &Path) -> Expect {
    let path = log.with_extension("expect");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} needs a sidecar {}: {e}", log.display(), path.display()));
    let mut category = None;
    let mut error_line = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("category:") {
            category = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("error_line:") {
            let v = v.strip_prefix(' ').unwrap_or(v);
            if !v.is_empty() {
                error_line = Some(v.to_string());
            }
        }
    }
    Expect {
        category: category.unwrap_or_else(|| panic!("{} lacks category:", path.display())),
        error_line,
    }
}

#[derive(serde::Serialize)]
struct Snapshot {
    category: Category,
    confidence: String,
    failures: Vec<SnapFailure>,
}

#[derive(serde::Serialize)]
struct SnapFailure {
    job: String,
    step: String,
    line: u64,
    error_line: String,
    category: Category,
    facts: classify::Facts,
    suggested_fix: String,
}

/// The model is statistical: a fixture may get a wrong category without the
/// model being broken, so categories must be right for this share of the
/// fixtures (every miss is printed), while root-cause lines must all be exact.
const MIN_CATEGORY_ACCURACY: f64 = 0.95;

#[test]
fn fixture_logs() {
    let mut misses = Vec::new();
    let mut category_misses = Vec::new();
    let mut total = 0usize;
    insta::glob!("../../fixtures", "logs/**/*.log", |path| {
        let bundle = ingest::load(&[ingest::Source::Path(path.to_path_buf())])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let diagnoses: Vec<_> = extract::failures(&bundle)
            .iter()
            .map(classify::diagnose)
            .collect();
        let report = autoheal::report::DiagnoseReport::new(diagnoses);
        let expect = read_expect(path);
        let got_category = report.category.as_str();
        let got_line = report.primary().map(|d| d.failure.error_line.clone());
        total += 1;
        if expect.category != got_category {
            category_misses.push(format!(
                "{}: category {got_category}, expected {}",
                path.display(),
                expect.category
            ));
        }
        if expect.error_line != got_line {
            misses.push(format!(
                "{}: error line {got_line:?}, expected {:?}",
                path.display(),
                expect.error_line
            ));
        }
        if path.components().any(|c| c.as_os_str() == "clean") {
            assert!(
                report.failures.is_empty(),
                "{}: a clean log must yield no failure",
                path.display()
            );
        }
        let snap = Snapshot {
            category: report.category,
            confidence: format!("{:.2}", report.confidence),
            failures: report
                .failures
                .iter()
                .map(|d| SnapFailure {
                    job: d.failure.job.clone(),
                    step: d.failure.step.clone(),
                    line: d.failure.line,
                    error_line: d.failure.error_line.clone(),
                    category: d.category,
                    facts: d.facts.clone(),
                    suggested_fix: d.suggested_fix.clone(),
                })
                .collect(),
        };
        insta::assert_yaml_snapshot!(snap);
    });
    assert!(
        misses.is_empty(),
        "fixture mismatches:\n{}",
        misses.join("\n")
    );
    let accuracy = 1.0 - category_misses.len() as f64 / total.max(1) as f64;
    eprintln!(
        "fixture categories: {}/{total} right ({accuracy:.3})\n{}",
        total - category_misses.len(),
        category_misses.join("\n")
    );
    assert!(total >= 50, "only {total} fixture logs found");
    assert!(
        accuracy >= MIN_CATEGORY_ACCURACY,
        "category accuracy {accuracy:.3} < {MIN_CATEGORY_ACCURACY}:\n{}",
        category_misses.join("\n")
    );
}
