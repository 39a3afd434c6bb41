//! Extract: per failing step, the root-cause line, its number, an excerpt and
//! the command that ran.

use serde::Serialize;

use crate::ingest::{LogBundle, TestFailure};

/// One failing step and the line that explains it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Failure {
    pub job: String,
    pub step: String,
    /// 1-based line number of `error_line` in its source file.
    pub line: u64,
    /// The root-cause line, normalised.
    pub error_line: String,
    /// A few lines around the root cause (normalised, capped).
    pub excerpt: String,
    /// The command the step ran, when the log says.
    pub command: Option<String>,
    /// The normalised error region the classifier reads (root cause and its
    /// neighbourhood); not printed.
    #[serde(skip)]
    pub region: String,
    /// The failing test from a structured report, when one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<TestFailure>,
}

/// Every failing step in order (job order, then step order). The first is the
/// primary failure. Empty when nothing failed.
pub fn failures(bundle: &LogBundle) -> Vec<Failure> {
    let _ = bundle;
    Vec::new()
}
