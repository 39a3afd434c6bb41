//! Fix: one fixer per problem behind one trait; edits over the original text.
//!
//! A [`Fixer`] reads only a diagnosis's facts, the failing job's name and
//! command, and the repository through a confined [`Workspace`]; it returns a
//! [`Fix`] (edits plus an [`Applicability`]), nothing, or a [`Refusal`] naming
//! the safety rule that stopped it. Fixers never write. [`run`] picks the
//! fixers of the primary failure's category, decides what applies (safe
//! always, unsafe only with `--unsafe-fixes`, display-only never), renders one
//! unified diff and, unless `--diff-only`, applies it all or nothing.
//!
//! Adding a fixer: a file with a unit struct implementing [`Fixer`] (its
//! module doc in ruff's four sections: what it does, why, example, fix
//! safety), an entry in [`FIXERS`], fixture repositories under
//! `fixtures/repos/<fixer>/` and a test in `tests/fix_*.rs`.

pub mod apply;
pub mod diff;
pub mod edit;
pub mod project;
pub mod pypi;
pub mod workflow;
pub mod workspace;

mod action_input_missing;
mod assertion_expected_stale;
mod config_invalid;
mod env_trace;
mod env_var_unset;
mod network_timeout;
mod node_module_not_installed;
mod permission_missing;
mod python_module_not_installed;
mod test_code;

use std::path::PathBuf;

pub use edit::{Applicability, DecidedBy, Edit, Evidence, Fix, Refusal};
pub use workspace::Workspace;

use crate::classify::{Category, Diagnosis};
use crate::report::{DiagnoseReport, FailureFix, FixEntry, FixReport, FixStatus, Place};

/// The default of `--min-confidence`.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.85;

/// How `fix` was asked to run.
#[derive(Debug, Clone, PartialEq)]
pub struct FixOptions {
    /// Render the diff, write nothing.
    pub diff_only: bool,
    /// Also apply fixes marked unsafe.
    pub unsafe_fixes: bool,
    /// Below this confidence no fix is made.
    pub min_confidence: f64,
    /// The failed run's workflow file (repository-relative), when known.
    pub workflow: Option<PathBuf>,
    /// The failed run came from a fork: report only.
    pub fork_run: bool,
    /// Failures dropped because the Jobs API reports their job as successful
    /// (the log's error markers are forged or from a `continue-on-error` step).
    pub dropped_succeeded_jobs: usize,
    /// The failed run's head commit is an autoheal fix (`Autofix-By: autoheal`).
    pub previous_autofix: bool,
    /// Reads an action's `action.yml` at a ref (GitHub mode, the contents
    /// API), for actions the embedded table does not know.
    pub action_manifests: Option<ManifestSource>,
}

/// `read(owner/name[/path], ref)` → the text of that action's `action.yml`.
#[derive(Clone)]
pub struct ManifestSource(pub std::sync::Arc<ReadManifest>);

/// `(action, ref)` → the manifest's text.
pub type ReadManifest = dyn Fn(&str, &str) -> Option<String> + Send + Sync;

impl ManifestSource {
    pub fn read(&self, action: &str, git_ref: &str) -> Option<String> {
        (self.0)(action, git_ref)
    }
}

impl std::fmt::Debug for ManifestSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManifestSource")
    }
}

impl PartialEq for ManifestSource {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            diff_only: false,
            unsafe_fixes: false,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            workflow: None,
            fork_run: false,
            dropped_succeeded_jobs: 0,
            previous_autofix: false,
            action_manifests: None,
        }
    }
}

/// One deterministic fixer.
pub trait Fixer: Sync {
    /// Kebab-case id naming the problem (`python-module-not-installed`).
    fn id(&self) -> &'static str;
    /// The category whose failures it handles.
    fn category(&self) -> Category;
    /// Propose a fix, or nothing (`Ok(None)`: not this fixer's case), or refuse.
    fn plan(
        &self,
        d: &Diagnosis,
        ws: &Workspace,
        opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal>;
}

/// Every fixer, in the order they run within a category.
pub const FIXERS: &[&dyn Fixer] = &[
    &python_module_not_installed::PythonModuleNotInstalled,
    &node_module_not_installed::NodeModuleNotInstalled,
    &action_input_missing::ActionInputMissing,
    &env_var_unset::EnvVarUnset,
    &assertion_expected_stale::AssertionExpectedStale,
    &network_timeout::NetworkTimeout,
    &permission_missing::PermissionMissing,
    &config_invalid::ConfigInvalid,
];

/// What stops `fix` with exit 1: the input's fault or the file system's.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// A file the fix must read is malformed or over a budget (the user's input).
    #[error("{0}")]
    Input(String),
    /// Writing failed and every file was left as it was (I/O).
    #[error("{0}")]
    NotWritten(String),
}

/// What the fixers of one diagnosis proposed.
#[derive(Debug, Clone, Default)]
pub struct Planned {
    pub fixes: Vec<Fix>,
    pub refusals: Vec<Refusal>,
    /// Whether any fixer handles the category.
    pub has_fixer: bool,
}

/// Run the fixers of `d`'s category. A fatal refusal (malformed input) is an error.
pub fn plan(d: &Diagnosis, ws: &Workspace, opts: &FixOptions) -> Result<Planned, FixError> {
    let mut planned = Planned::default();
    for fixer in FIXERS.iter().filter(|f| f.category() == d.category) {
        planned.has_fixer = true;
        match fixer.plan(d, ws, opts) {
            Ok(Some(mut fix)) => {
                if fix.evidence.log.is_none() {
                    fix.evidence.log = Some(Place::new("", d.failure.line, &d.failure.error_line));
                }
                planned.fixes.push(fix)
            }
            Ok(None) => {}
            Err(r) if r.fatal => return Err(FixError::Input(r.detail)),
            Err(r) => planned.refusals.push(r),
        }
    }
    Ok(planned)
}

fn applies(fix: &Fix, opts: &FixOptions) -> bool {
    !fix.edits.is_empty()
        && match fix.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => opts.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
}

/// Diagnose-to-diff: run the fixers of every failure, render one diff of
/// what applies and write it unless `diff_only`. Each failure gets a status
/// (fixed, refused with its reason, no fixer ...). A report without a diff
/// has its `reason` set (the primary failure's); the CLI exits 0 when `diff`
/// is non-empty, else 3.
pub fn run(
    report: &DiagnoseReport,
    ws: &Workspace,
    opts: &FixOptions,
) -> Result<FixReport, FixError> {
    let mut out = FixReport {
        diagnosis: report.clone(),
        fixes: Vec::new(),
        diff: String::new(),
        applied: false,
        reason: None,
        files_changed: Vec::new(),
        touches_workflows: false,
        failure_fixes: Vec::new(),
        verification: None,
    };
    if opts.fork_run {
        out.reason = Some(
            "refused (fork-run): the failed run comes from a fork; diagnosis only".to_string(),
        );
        return Ok(out);
    }
    if opts.previous_autofix || ws.head_is_autofix() {
        out.reason = Some(
            "refused (previous-autofix-failed): the failed run's head commit is an autoheal fix \
             (Autofix-By: autoheal); not fixing it again"
                .to_string(),
        );
        return Ok(out);
    }
    if report.failures.is_empty() {
        out.reason = Some(if opts.dropped_succeeded_jobs > 0 {
            "refused (job-not-failed): the GitHub API reports the job whose log shows errors as successful".to_string()
        } else {
            "no failure found".to_string()
        });
        return Ok(out);
    }
    // Every failure is planned: a lint error first must not hide a missing
    // module after it. The first failures up to the cap; the rest counted.
    let mut plans: Vec<(Planned, Option<String>)> = Vec::new();
    for (i, d) in report.failures.iter().enumerate() {
        if i >= MAX_FIXED_FAILURES {
            plans.push((
                Planned::default(),
                Some(format!(
                    "not planned: only the first {MAX_FIXED_FAILURES} failures are fixed"
                )),
            ));
            continue;
        }
        match plan_failure(d, ws, opts) {
            Ok(p) => plans.push(p),
            // A malformed workspace file stops the run only for the primary failure.
            Err(e) if i == 0 => return Err(e),
            Err(e) => plans.push((Planned::default(), Some(format!("error: {e}")))),
        }
    }
    // One fix per distinct set of edits; fixes of different failures that
    // overlap conflict and are refused together.
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    let mut conflicts: Vec<(usize, String)> = Vec::new();
    for (i, (planned, _)) in plans.iter().enumerate() {
        for (k, fix) in planned.fixes.iter().enumerate() {
            if !applies(fix, opts) {
                continue;
            }
            let same = chosen
                .iter()
                .any(|&(ci, ck)| plans[ci].0.fixes[ck].edits == fix.edits);
            if same {
                continue;
            }
            if let Some(&(ci, _)) = chosen
                .iter()
                .find(|&&(ci, ck)| ci != i && overlaps(&plans[ci].0.fixes[ck].edits, &fix.edits))
            {
                conflicts.push((i, format!("conflicts with the fix for failure {}", ci + 1)));
                conflicts.push((ci, format!("conflicts with the fix for failure {}", i + 1)));
                continue;
            }
            chosen.push((i, k));
        }
    }
    let conflicted: Vec<usize> = conflicts.iter().map(|(i, _)| *i).collect();
    chosen.retain(|(i, _)| !conflicted.contains(i));
    let edits: Vec<Edit> = chosen
        .iter()
        .flat_map(|&(i, k)| plans[i].0.fixes[k].edits.iter().cloned())
        .collect();
    let prepared = match apply::prepare(ws, &edits) {
        Ok(p) => p,
        Err(r) if r.fatal => return Err(FixError::Input(r.detail)),
        Err(r) => {
            out.reason = Some(r.to_string());
            apply::Prepared::default()
        }
    };
    out.diff = diff::render(&prepared.changes);
    out.files_changed = prepared.changes.iter().map(|c| c.path.clone()).collect();
    out.touches_workflows = out
        .files_changed
        .iter()
        .any(|p| p.starts_with(".github/workflows/"));
    if !prepared.changes.is_empty() && !opts.diff_only {
        apply::write_all(ws, &prepared.changes).map_err(FixError::NotWritten)?;
        out.applied = true;
    }
    let mut seen: Vec<&Vec<Edit>> = Vec::new();
    for (i, (planned, early)) in plans.iter().enumerate() {
        let mut fixers = Vec::new();
        let mut included_any = false;
        for fix in &planned.fixes {
            let files = fix.files();
            let included = applies(fix, opts)
                && !conflicted.contains(&i)
                && files.iter().any(|f| out.files_changed.contains(f));
            included_any |= included;
            fixers.push(fix.fixer.to_string());
            if !fix.edits.is_empty() && seen.contains(&&fix.edits) {
                continue;
            }
            if !fix.edits.is_empty() {
                seen.push(&fix.edits);
            }
            let mut description = fix.description.clone();
            let skipped = prepared
                .skipped
                .iter()
                .filter(|e| fix.edits.contains(e))
                .count();
            if skipped > 0 {
                description.push_str(&format!(" ({skipped} overlapping edit(s) skipped)"));
            }
            out.fixes.push(FixEntry {
                fixer: fix.fixer.to_string(),
                applicability: fix.applicability,
                files,
                applied: included && out.applied,
                description,
                evidence: fix.evidence.clone(),
                verified: None,
            });
        }
        let d = &report.failures[i];
        let (status, reason) = if included_any {
            (FixStatus::Fixed, None)
        } else if let Some((_, why)) = conflicts.iter().find(|(c, _)| *c == i) {
            (
                FixStatus::Refused,
                Some(format!("refused (conflict): {why}")),
            )
        } else if let Some(why) = early {
            (early_status(d, why), Some(why.clone()))
        } else {
            let why = no_diff_reason(planned, opts);
            let below = d.confidence.is_nan() || d.confidence < opts.min_confidence;
            let status = if why.starts_with("already") {
                FixStatus::AlreadyFixed
            } else if why.starts_with("unsafe fix not applied") {
                FixStatus::UnsafeNotApplied
            } else if why.starts_with("no automatic fix") {
                FixStatus::Advice
            } else if why.starts_with("refused") {
                FixStatus::Refused
            } else {
                FixStatus::NoFix
            };
            let why = if below && !why.starts_with("already") {
                format!(
                    "below the confidence threshold ({:.2} < {:.2}); {why}",
                    d.confidence, opts.min_confidence
                )
            } else {
                why
            };
            (status, Some(why))
        };
        out.failure_fixes.push(FailureFix {
            status,
            reason,
            fixers,
        });
    }
    if out.diff.is_empty() && out.reason.is_none() {
        // The most telling failure's reason; the first among equals.
        let rank = |s: FixStatus| match s {
            FixStatus::Refused => 0,
            FixStatus::UnsafeNotApplied => 1,
            FixStatus::AlreadyFixed => 2,
            FixStatus::Advice => 3,
            FixStatus::BelowThreshold => 4,
            FixStatus::NoFix => 5,
            FixStatus::NoFixer | FixStatus::Fixed => 6,
        };
        out.reason = out
            .failure_fixes
            .iter()
            .min_by_key(|f| rank(f.status))
            .and_then(|f| f.reason.clone());
    }
    Ok(out)
}

/// Failures whose fixers run in one `fix`; the rest are counted.
const MAX_FIXED_FAILURES: usize = 20;

/// Whether two fixes' edits touch the same bytes (or insert at one point).
fn overlaps(a: &[Edit], b: &[Edit]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.path == y.path
                && (x.range.start < y.range.end && y.range.start < x.range.end
                    || x.range.start == y.range.start)
        })
    })
}

fn early_status(d: &Diagnosis, why: &str) -> FixStatus {
    if d.category == Category::Unknown || why.starts_with("no fixer") {
        FixStatus::NoFixer
    } else if why.starts_with("below") {
        FixStatus::BelowThreshold
    } else {
        FixStatus::NoFix
    }
}

/// Plan one failure: its category's fixers, gated by confidence or by the
/// repository's evidence, and the grounded environment fix for a failure
/// the model put elsewhere. The second value is why nothing can be planned.
fn plan_failure(
    d: &Diagnosis,
    ws: &Workspace,
    opts: &FixOptions,
) -> Result<(Planned, Option<String>), FixError> {
    // NaN confidence counts as below.
    let below = d.confidence.is_nan() || d.confidence < opts.min_confidence;
    let unknown = d.category == Category::Unknown;
    let mut planned = if unknown {
        Planned::default()
    } else {
        match plan(d, ws, opts) {
            Ok(p) => p,
            // Below the threshold a malformed workspace file is not ours to report.
            Err(_) if below => Planned {
                has_fixer: true,
                ..Planned::default()
            },
            Err(e) => return Err(e),
        }
    };
    if below {
        // Evidence gates the fix, the model the category: below the
        // threshold only a fix the repository vouches for stands.
        // That is the environment chain (the failing frame reads X, the
        // workflow lacks X), and an input the step's action declares and
        // the step lacks; an assertion's place in a test says where, not
        // whether the contract changed, so it stays gated by the model.
        planned.fixes.retain(|f| {
            (f.fixer == env_var_unset::ID || f.fixer == action_input_missing::ID)
                && f.evidence.decided_by == DecidedBy::Workspace
                && !f.edits.is_empty()
        });
        for f in &mut planned.fixes {
            f.description.push_str(&format!(
                " (the model's confidence {:.2} is below {:.2}; the repository's evidence decided)",
                d.confidence, opts.min_confidence
            ));
        }
    }
    // An unset variable behind a failure the model put elsewhere: the
    // repository's chain (frame reads it, workflow lacks it) decides alone.
    if d.category != Category::EnvironmentVariable
        && !planned.fixes.iter().any(|f| applies(f, opts))
    {
        match env_var_unset::plan_grounded(d, ws, opts) {
            Ok(Some(mut fix)) => {
                fix.description.push_str(&format!(
                    " (the model said {} at {:.2}; the repository shows an unset variable behind it)",
                    d.category, d.confidence
                ));
                planned.fixes.insert(0, fix);
                planned.has_fixer = true;
            }
            Ok(None) => {}
            Err(r) => {
                planned.refusals.insert(0, r);
                planned.has_fixer = true;
            }
        }
    }
    if planned.fixes.is_empty() && planned.refusals.is_empty() {
        if unknown {
            return Ok((planned, Some("no fixer for category unknown".to_string())));
        }
        if below {
            let why = format!(
                "below the confidence threshold ({:.2} < {:.2})",
                d.confidence, opts.min_confidence
            );
            return Ok((planned, Some(why)));
        }
    }
    if !planned.has_fixer {
        let why = format!("no fixer for category {}", d.category);
        return Ok((planned, Some(why)));
    }
    Ok((planned, None))
}

/// Why nothing was produced, most useful first.
fn no_diff_reason(planned: &Planned, opts: &FixOptions) -> String {
    if let Some(r) = planned.refusals.iter().find(|r| r.id != "already-present") {
        return r.to_string();
    }
    if let Some(f) = planned.fixes.iter().find(|f| {
        f.applicability == Applicability::Unsafe && !f.edits.is_empty() && !opts.unsafe_fixes
    }) {
        return format!(
            "unsafe fix not applied (use --unsafe-fixes): {}",
            f.description
        );
    }
    if let Some(r) = planned.refusals.first() {
        return format!("already fixed: {}", r.detail);
    }
    if let Some(f) = planned
        .fixes
        .iter()
        .find(|f| f.applicability == Applicability::DisplayOnly)
    {
        return format!("no automatic fix (advice only): {}", f.description);
    }
    if planned.fixes.iter().any(|f| !f.edits.is_empty()) {
        return "already fixed".to_string();
    }
    "no fix found for this failure".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixer_is_registered_once() {
        let mut ids: Vec<&str> = FIXERS.iter().map(|f| f.id()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate fixer id");
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id} is not kebab-case"
            );
        }
        for cat in Category::ALL {
            if cat != Category::Unknown {
                assert!(
                    FIXERS.iter().any(|f| f.category() == cat),
                    "no fixer for {cat}"
                );
            }
        }
    }
}
