//! Report: one serialisable report; text, JSON and GitHub writers are views of it.
//! Everything in it that came from a log is untrusted when printed or written.

pub mod github;

use serde::Serialize;

use crate::classify::{Category, Diagnosis};

/// What `diagnose` found: the primary failure's category and confidence, and
/// every failure in order (the first is the primary one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnoseReport {
    pub category: Category,
    pub confidence: f64,
    pub failures: Vec<Diagnosis>,
}

impl DiagnoseReport {
    pub fn new(failures: Vec<Diagnosis>) -> Self {
        let (category, confidence) = failures
            .first()
            .map(|d| (d.category, d.confidence))
            .unwrap_or((Category::Unknown, 0.0));
        DiagnoseReport {
            category,
            confidence,
            failures,
        }
    }

    pub fn primary(&self) -> Option<&Diagnosis> {
        self.failures.first()
    }
}

/// `safe`, `unsafe` or `display-only`, as ruff names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    DisplayOnly,
    Unsafe,
    Safe,
}

/// One fix as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixEntry {
    pub fixer: String,
    pub applicability: Applicability,
    pub files: Vec<String>,
    pub applied: bool,
    pub description: String,
}

/// What `fix` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixReport {
    pub diagnosis: DiagnoseReport,
    pub fixes: Vec<FixEntry>,
    /// The unified diff of what was applied, or would be with `--diff-only`.
    pub diff: String,
    pub applied: bool,
    /// Why no fix was produced (`refused (hash-mode): ...`, `already fixed`), when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Repository-relative paths the diff changes.
    pub files_changed: Vec<String>,
    /// Whether the diff edits `.github/workflows/` (pushing it needs the workflows permission).
    pub touches_workflows: bool,
}

pub mod json;
pub mod text;
