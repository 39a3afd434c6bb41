//! The log parser end to end: ingest's scanner and normaliser, the failure
//! extractor and the classifier on arbitrary bytes. No panic, every kept line
//! within its cap, and the same answer twice.
#![no_main]

use autoheal::ingest::{self, MAX_LINE_BYTES};
use autoheal::{classify, extract};
use libfuzzer_sys::fuzz_target;

/// `…[line truncated]` may follow a cut line.
const MARK: usize = 32;

fn run(data: &[u8]) -> Vec<String> {
    let bundle = ingest::from_text("fuzz.log", data);
    for job in &bundle.jobs {
        for step in &job.steps {
            for line in step.tail.iter().chain(&step.errors) {
                assert!(line.text.len() <= MAX_LINE_BYTES + MARK, "line of {}", line.text.len());
                assert!(!line.text.contains('\n'));
            }
        }
    }
    extract::failures(&bundle)
        .iter()
        .map(|f| {
            let d = classify::diagnose(f);
            format!("{} {} {:?} {}", f.line, d.category, d.facts, d.confidence)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let first = run(data);
    assert_eq!(first, run(data), "not deterministic");
});
