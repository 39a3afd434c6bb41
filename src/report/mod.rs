//! Report: one serialisable report; text, JSON and GitHub writers are views of it.
//! Everything in it that came from a log is untrusted when printed or written.

pub mod github;
pub mod locate;
pub mod pr_body;

use serde::Serialize;

use crate::classify::{Category, Diagnosis};

/// What `diagnose` found: the primary failure's category and confidence, and
/// every failure in order (the first is the primary one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnoseReport {
    pub category: Category,
    pub confidence: f64,
    pub failures: Vec<Diagnosis>,
    /// Failures found but not kept: past the per-report or per-run cap, or
    /// the run's memory budget.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted_failures: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
            omitted_failures: 0,
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

/// What decided that a fix may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    /// The repository shows it: the failing code reads the variable, the
    /// assertion is in the failing test, the step runs the command.
    Workspace,
    /// The failing tool's own message names it (`KeyError: 'X'` from
    /// `os.environ`, `Input required and not supplied: token`).
    ToolMessage,
    /// A curated table maps the log's fact to the change (`yaml` → `PyYAML`).
    Curated,
    /// Only the log's text and the model's confidence in the category: advice
    /// at most.
    #[default]
    Log,
}

/// A place in a file: the workspace file and line a fix stands on, or the log
/// line that triggered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Repository-relative path, or the log's source (`test/3_Run pytest.txt`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// 1-based line number; 0 when unknown.
    pub line: u64,
    /// The line's text (trimmed, capped).
    pub text: String,
}

/// Longest text kept of an evidence line.
pub const EVIDENCE_TEXT_CHARS: usize = 300;

impl Place {
    pub fn new(file: impl Into<String>, line: u64, text: &str) -> Place {
        Place {
            file: file.into(),
            line,
            text: text.trim().chars().take(EVIDENCE_TEXT_CHARS).collect(),
        }
    }
}

/// Why a fix writes what it writes: the log line that triggered it and the
/// workspace's word for it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Evidence {
    pub decided_by: DecidedBy,
    /// The log line that triggered the fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<Place>,
    /// The workspace lines that justify it, strongest first (the failing
    /// frame, the line that reads the variable, the workflow that lacks it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspace: Vec<Place>,
}

impl DecidedBy {
    /// How the reports name it.
    pub fn describe(self) -> &'static str {
        match self {
            DecidedBy::Workspace => "the repository",
            DecidedBy::ToolMessage => "the failing tool's own message",
            DecidedBy::Curated => "a curated table",
            DecidedBy::Log => "the log and the model's confidence",
        }
    }
}

impl Evidence {
    pub fn of(decided_by: DecidedBy) -> Evidence {
        Evidence {
            decided_by,
            ..Evidence::default()
        }
    }

    /// Add a workspace line.
    pub fn at(mut self, file: &str, line: u64, text: &str) -> Evidence {
        self.workspace.push(Place::new(file, line, text));
        self
    }
}

/// One fix as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixEntry {
    pub fixer: String,
    pub applicability: Applicability,
    pub files: Vec<String>,
    pub applied: bool,
    pub description: String,
    pub evidence: Evidence,
    /// What re-running the failed step said of it (`fix --verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<Verified>,
}

/// What became of one failure's fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixStatus {
    /// Its fix is in the diff.
    Fixed,
    /// Nothing left to change.
    AlreadyFixed,
    /// A safety rule or a conflict stopped it.
    Refused,
    /// An unsafe fix, not applied without `--unsafe-fixes`.
    UnsafeNotApplied,
    /// Advice only.
    Advice,
    /// The model's confidence is under the threshold and no evidence stood.
    BelowThreshold,
    /// No fixer handles its category.
    NoFixer,
    /// The fixers found nothing to do.
    NoFix,
}

impl FixStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FixStatus::Fixed => "fixed",
            FixStatus::AlreadyFixed => "already fixed",
            FixStatus::Refused => "refused",
            FixStatus::UnsafeNotApplied => "unsafe, not applied",
            FixStatus::Advice => "advice",
            FixStatus::BelowThreshold => "below threshold",
            FixStatus::NoFixer => "no fixer",
            FixStatus::NoFix => "no fix",
        }
    }
}

/// One failure's fix status, in the order of the diagnosis's failures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureFix {
    pub status: FixStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The fixers that proposed something for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixers: Vec<String>,
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
    /// Each failure's fix status, aligned with `diagnosis.failures`; the JSON
    /// shows it as `diagnosis.failures[].fix`.
    #[serde(skip)]
    pub failure_fixes: Vec<FailureFix>,
    /// `fix --verify`: each round's re-run and the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

/// The verdict of re-running the failed step with a fix in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verified {
    /// The step is green.
    Passed,
    /// The original failure is gone; a different one stops the step.
    Progressed,
    /// The same failure again: the fix was rolled back.
    Failed,
    /// Not re-run, with the reason.
    Skipped,
}

impl Verified {
    pub fn as_str(self) -> &'static str {
        match self {
            Verified::Passed => "passed",
            Verified::Progressed => "progressed",
            Verified::Failed => "failed",
            Verified::Skipped => "skipped",
        }
    }
}

/// One fix-and-verify round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyRound {
    pub round: u32,
    pub verified: Verified,
    /// `needs-secret: ...`, `the same failure again: ...`.
    pub reason: String,
    /// The fixers applied in this round.
    pub fixers: Vec<String>,
    /// The failure that stops the step after this round's fix, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The re-run's last lines (on `failed` and `progressed`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_lines: Vec<String>,
}

/// What `fix --verify` established: the last kept round's verdict, and
/// every round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub verified: Verified,
    pub reason: String,
    pub rounds: Vec<VerifyRound>,
}

pub mod json;
pub mod text;
