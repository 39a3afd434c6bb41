//! Verify: prove a fix by re-running what failed, in the failed job itself.
//!
//! A diff autoheal believes in is a claim; the step turning green is proof.
//! `fix --verify` runs as a step of the failed job (`if: failure()`), at the
//! trust level the failed step had, and nowhere else ([`gate`]). It re-runs
//! the failed step once as it is (the baseline: a log may be stale or wrong,
//! the workspace is not), applies the fix, re-runs the install step the fix
//! changed and then the failed step, both read from the workflow file
//! ([`plan`]), and compares the failure before and after:
//!
//! - `passed`: the step is green;
//! - `progressed`: the failure is gone, another one stops the step; with
//!   `--heal-rounds N` that one is diagnosed from the re-run's output and
//!   fixed and verified in turn;
//! - `failed`: the same failure again; the round's fix is rolled back;
//! - `skipped`: not re-run (a secret, an action step, an expression, a
//!   timeout), and the fix stays as an unverified one.
//!
//! This module owns every process autoheal starts ([`exec`]), and leaves
//! the workspace as it found it plus the kept fixes ([`snapshot`]).

mod exec;
pub mod gate;
mod plan;
mod snapshot;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use gate::JobContext;

use crate::classify::{self, Category};
use crate::extract;
use crate::fix::apply::FileChange;
use crate::fix::workflow::{self, Job, Step, Workflow};
use crate::fix::{self, FixError, FixOptions, Refusal, Workspace};
use crate::ingest::{self, Source};
use crate::report::{DiagnoseReport, FixReport, Verification, Verified, VerifyRound};
use crate::sanitize::Redactor;

/// The default of `--verify-timeout`: one round's re-runs together.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// `--heal-rounds` at most.
pub const MAX_HEAL_ROUNDS: u32 = 5;
/// Lines of a re-run's output kept in the report.
const LAST_LINES: usize = 20;

/// How `fix --verify` was asked to run, and what the runner gave it.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Deadline of one round's re-runs.
    pub timeout: Duration,
    pub heal_rounds: u32,
    /// The repository's Actions variables (`${{ toJSON(vars) }}`).
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// This process's environment, the base of a re-run's (secrets removed).
    pub parent_env: Vec<(OsString, OsString)>,
    /// Where script files go (`RUNNER_TEMP`).
    pub temp_dir: PathBuf,
    /// File names of the logs read (a plain log names its step by being
    /// the file that step wrote).
    pub log_names: Vec<String>,
    /// Echo re-runs in GitHub mode (groups, stop-commands).
    pub github: bool,
    pub token: Option<String>,
}

/// What stops a verification with exit 1; the workspace has been put back.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Fix(#[from] FixError),
    /// Starting a process, reading its output, walking or restoring the workspace.
    #[error("verify: {0}")]
    Io(#[from] io::Error),
}

/// `fix --verify`: fix, re-run, judge; round after round while the step
/// progresses and rounds are left.
pub fn heal(
    report: &DiagnoseReport,
    ws: &Workspace,
    opts: &FixOptions,
    ctx: &JobContext,
    v: &VerifyOptions,
    out: &mut dyn Write,
) -> Result<FixReport, VerifyError> {
    let same = match gate::check(ctx) {
        Ok(s) => s,
        Err(r) => return Ok(refused(report, &r)),
    };
    let wf = match Workflow::load(ws, &same.workflow) {
        Ok(wf) => wf,
        Err(r) if r.fatal => return Err(FixError::Input(r.detail).into()),
        Err(_) => {
            let r = Refusal::new(
                gate::NOT_SAME_JOB,
                format!(
                    "the running workflow {} is not in the workspace",
                    same.workflow
                ),
            );
            return Ok(refused(report, &r));
        }
    };
    let Some(job) = wf
        .jobs()
        .unwrap_or_default()
        .into_iter()
        .find(|j| j.id == same.job)
    else {
        let r = Refusal::new(
            gate::NOT_SAME_JOB,
            format!("job {} is not in {}", same.job, same.workflow),
        );
        return Ok(refused(report, &r));
    };
    let job_name = wf.job_name(&job);
    let mut current = report.clone();
    for d in &mut current.failures {
        let named = d.failure.job.trim();
        // A plain log or a job log file is named after its file.
        if named.is_empty() || v.log_names.iter().any(|n| n == named) {
            // A plain log has no job; in the failed job it is this one.
            d.failure.job = job_name.clone().unwrap_or_else(|| job.id.clone());
        } else if !workflow::job_matches(&job.id, job_name.as_deref(), named) {
            let r = Refusal::new(
                gate::NOT_SAME_JOB,
                format!(
                    "the log's failing job {} is not this job ({})",
                    fix::edit::quoted(named),
                    job.id
                ),
            );
            return Ok(refused(report, &r));
        }
    }
    let mut fopts = opts.clone();
    fopts.workflow = Some(PathBuf::from(&same.workflow));
    Healer {
        ws,
        job,
        opts: fopts,
        user_diff_only: opts.diff_only,
        v,
        red: Redactor::new(v.token.as_deref()),
        out,
    }
    .run(report, current)
}

/// The report of a verification refused before anything was read (logs
/// that would come through the API): the gate's refusal.
pub fn refuse_outside(report: &DiagnoseReport, ctx: &JobContext) -> FixReport {
    match gate::check(ctx) {
        Err(r) => refused(report, &r),
        Ok(_) => refused(
            report,
            &Refusal::new(
                gate::NOT_SAME_JOB,
                "verification needs the failed job's own log",
            ),
        ),
    }
}

/// A report that says why nothing was verified or written.
fn refused(report: &DiagnoseReport, r: &Refusal) -> FixReport {
    FixReport {
        diagnosis: report.clone(),
        fixes: Vec::new(),
        diff: String::new(),
        applied: false,
        reason: Some(r.to_string()),
        files_changed: Vec::new(),
        touches_workflows: false,
        failure_fixes: Vec::new(),
        verification: None,
    }
}

struct Healer<'a> {
    ws: &'a Workspace,
    job: Job,
    opts: FixOptions,
    user_diff_only: bool,
    v: &'a VerifyOptions,
    red: Redactor,
    out: &'a mut dyn Write,
}

/// A failure as compared before and after a fix.
#[derive(Debug, Clone)]
struct Signature {
    category: Option<Category>,
    /// The root-cause line with what varies between runs blanked.
    key: String,
    /// The line as printed.
    line: String,
}

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        self.category == other.category && self.key == other.key
    }
}

/// One round's result, before it is assembled into the report.
struct RoundResult {
    verified: Verified,
    reason: String,
    failure: Option<String>,
    last_lines: Vec<String>,
    /// The diagnosis of the re-run's output, for the next round.
    next: Option<(DiagnoseReport, Signature)>,
}

impl Healer<'_> {
    fn run(
        mut self,
        original: &DiagnoseReport,
        first: DiagnoseReport,
    ) -> Result<FixReport, VerifyError> {
        let wf = self.workflow()?;
        let step = match first
            .primary()
            .ok_or_else(|| plan::Skip::new("step-unknown", "no failure found"))
            .and_then(|d| plan::failed_step(&wf, &self.job, d, &self.v.log_names))
        {
            Ok(s) => s,
            Err(skip) => return self.unverified(original, &first, skip),
        };
        let pre = match plan::script(&wf, &self.job, step, &self.v.vars) {
            Ok(s) => s,
            Err(skip) => return self.unverified(original, &first, skip),
        };
        // Nothing to fix, nothing to run.
        let mut probe = self.opts.clone();
        probe.diff_only = true;
        let planned = fix::run(&first, self.ws, &probe)?;
        if planned.diff.is_empty() {
            let mut planned = planned;
            planned.diagnosis = original.clone();
            return Ok(planned);
        }
        // The baseline: the step as it is, before any fix.
        let snap = snapshot::Snapshot::take(self.ws.root())?;
        let deadline = Instant::now() + self.v.timeout;
        let base = self.exec(&pre, deadline, "before the fix")?;
        snap.restore(&[])?;
        drop(snap);
        if base.timed_out {
            return self.unverified(
                original,
                &first,
                plan::Skip::new("timeout", "the re-run before the fix did not end in time"),
            );
        }
        if base.passed() {
            return self.unverified(
                original,
                &first,
                plan::Skip::new(
                    "not-reproduced",
                    format!(
                        "{} passes without the fix; the failure did not reproduce",
                        pre.title
                    ),
                ),
            );
        }
        let step_title = pre.title.clone();
        let job_label = first
            .primary()
            .map(|d| d.failure.job.clone())
            .unwrap_or_else(|| self.job.id.clone());
        let mut before = signature(&self.diagnose_output(&base, &job_label, &step_title));

        // Path → bytes before the first round touched it.
        let mut originals: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut rounds: Vec<VerifyRound> = Vec::new();
        let mut entries = Vec::new();
        let mut first_report: Option<FixReport> = None;
        let mut current = first;
        for round in 1..=self.v.heal_rounds.clamp(1, MAX_HEAL_ROUNDS) {
            let mut planned_opts = self.opts.clone();
            planned_opts.diff_only = true;
            let planned = fix::run(&current, self.ws, &planned_opts)?;
            if planned.diff.is_empty() {
                if first_report.is_none() {
                    // Nothing to fix: the plain report (exit 3).
                    return Ok(planned);
                }
                let why = planned.reason.unwrap_or_else(|| "no fix found".into());
                if let Some(last) = rounds.last_mut() {
                    last.reason.push_str(&format!("; no fix left: {why}"));
                }
                break;
            }
            let mut olds = Vec::new();
            for path in &planned.files_changed {
                let old = self.read(path)?;
                originals.entry(path.clone()).or_insert_with(|| old.clone());
                olds.push((path.clone(), old));
            }
            let snap = snapshot::Snapshot::take(self.ws.root())?;
            let mut apply_opts = self.opts.clone();
            apply_opts.diff_only = false;
            let applied = fix::run(&current, self.ws, &apply_opts)?;
            let mut changes = Vec::new();
            for (path, old) in olds {
                let new = self.read(&path)?;
                changes.push(FileChange { path, old, new });
            }
            let result = match self.judge(step, &changes, &before, &job_label, &step_title) {
                Ok(r) => r,
                Err(e) => {
                    // Leave nothing behind on an error.
                    let _ = snap.restore(&applied.files_changed);
                    let _ = self.roll_back(&changes);
                    return Err(e);
                }
            };
            let unrestored = snap.restore(&applied.files_changed)?;
            let mut reason = result.reason;
            if !unrestored.is_empty() {
                reason.push_str(&format!(
                    "; changed by the re-run and not restored: {}",
                    unrestored.join(", ")
                ));
            }
            if result.verified == Verified::Failed {
                self.roll_back(&changes)?;
            }
            let kept = result.verified != Verified::Failed;
            for mut e in applied.fixes.iter().cloned() {
                e.verified = Some(result.verified);
                if !kept {
                    e.applied = false;
                }
                entries.push(e);
            }
            rounds.push(VerifyRound {
                round,
                verified: result.verified,
                reason,
                fixers: applied
                    .fixes
                    .iter()
                    .filter(|f| f.applied)
                    .map(|f| f.fixer.clone())
                    .collect(),
                failure: result.failure,
                last_lines: result.last_lines,
            });
            if first_report.is_none() {
                first_report = Some(applied);
            }
            match (result.verified, result.next) {
                (Verified::Progressed, Some((next, sig))) => {
                    current = next;
                    before = sig;
                }
                _ => break,
            }
        }
        let base_report = first_report.expect("the first round planned a fix");
        self.assemble(base_report, entries, rounds, &originals)
    }

    /// Re-run the changed install step and the failed step with the fix in
    /// place, and compare.
    fn judge(
        &mut self,
        step: Step,
        changes: &[FileChange],
        before: &Signature,
        job_label: &str,
        step_title: &str,
    ) -> Result<RoundResult, VerifyError> {
        let skipped = |s: plan::Skip| RoundResult {
            verified: Verified::Skipped,
            reason: format!("{}: {}", s.id, s.detail),
            failure: None,
            last_lines: Vec::new(),
            next: None,
        };
        let wf = self.workflow()?;
        let script = match plan::script(&wf, &self.job, step, &self.v.vars) {
            Ok(s) => s,
            Err(s) => return Ok(skipped(s)),
        };
        let install = match plan::install_step(&wf, &self.job, step, changes) {
            Ok(i) => i,
            Err(s) => return Ok(skipped(s)),
        };
        let deadline = Instant::now() + self.v.timeout;
        if let Some(i) = install {
            let install_script = match plan::script(&wf, &self.job, i, &self.v.vars) {
                Ok(s) => s,
                Err(s) => return Ok(skipped(s)),
            };
            let ran = self.exec(&install_script, deadline, "the changed install step")?;
            if ran.timed_out {
                return Ok(skipped(plan::Skip::new(
                    "timeout",
                    "the install step did not end in time",
                )));
            }
            if !ran.passed() {
                return Ok(RoundResult {
                    verified: Verified::Failed,
                    reason: format!(
                        "fix-did-not-heal: the changed install step {} failed (exit {})",
                        fix::edit::quoted(&install_script.title),
                        exit_text(&ran)
                    ),
                    failure: None,
                    last_lines: ran.last_lines(LAST_LINES),
                    next: None,
                });
            }
        }
        let ran = self.exec(&script, deadline, "with the fix")?;
        if ran.timed_out {
            return Ok(skipped(plan::Skip::new(
                "timeout",
                format!(
                    "{} did not end within {} s",
                    script.title,
                    self.v.timeout.as_secs()
                ),
            )));
        }
        if ran.passed() {
            return Ok(RoundResult {
                verified: Verified::Passed,
                reason: format!("{} passes with the fix", script.title),
                failure: None,
                last_lines: Vec::new(),
                next: None,
            });
        }
        let next = self.diagnose_output(&ran, job_label, step_title);
        let sig = signature(&next);
        let failure = Some(sig.line.clone());
        if &sig == before {
            return Ok(RoundResult {
                verified: Verified::Failed,
                reason: format!(
                    "fix-did-not-heal: {} fails the same way with the fix: {}",
                    script.title, sig.line
                ),
                failure,
                last_lines: ran.last_lines(LAST_LINES),
                next: None,
            });
        }
        Ok(RoundResult {
            verified: Verified::Progressed,
            reason: format!(
                "the failure is gone ({}); {} now stops at: {}",
                before.line, script.title, sig.line
            ),
            failure,
            last_lines: ran.last_lines(LAST_LINES),
            next: Some((next, sig)),
        })
    }

    /// The final report: the first round's diagnosis, every round's fixes,
    /// one diff of what is kept against the workspace as it was.
    fn assemble(
        &mut self,
        mut report: FixReport,
        entries: Vec<crate::report::FixEntry>,
        rounds: Vec<VerifyRound>,
        originals: &BTreeMap<String, Vec<u8>>,
    ) -> Result<FixReport, VerifyError> {
        let mut kept = Vec::new();
        for (path, old) in originals {
            let new = self.read(path)?;
            if &new != old {
                kept.push(FileChange {
                    path: path.clone(),
                    old: old.clone(),
                    new,
                });
            }
        }
        report.fixes = entries;
        report.diff = fix::diff::render(&kept);
        report.files_changed = kept.iter().map(|c| c.path.clone()).collect();
        report.touches_workflows = report
            .files_changed
            .iter()
            .any(|p| p.starts_with(".github/workflows/"));
        report.applied = !kept.is_empty();
        let last_kept = rounds.iter().rev().find(|r| r.verified != Verified::Failed);
        let (verified, mut reason) = match last_kept {
            Some(r) => (r.verified, format!("round {}: {}", r.round, r.reason)),
            None => (Verified::Failed, rounds[0].reason.clone()),
        };
        if let Some(f) = rounds
            .iter()
            .skip(1)
            .find(|r| r.verified == Verified::Failed)
        {
            reason.push_str(&format!(
                "; round {} was rolled back: {}",
                f.round, f.reason
            ));
        }
        if kept.is_empty() {
            let why = &rounds[0].reason;
            report.reason = Some(match why.split_once(": ") {
                Some((id, detail)) => format!("refused ({id}): {detail}"),
                None => format!("refused: {why}"),
            });
        }
        if self.user_diff_only && !kept.is_empty() {
            // Verified, shown, not written.
            self.roll_back(&kept)?;
            report.applied = false;
            for e in &mut report.fixes {
                e.applied = false;
            }
        }
        report.verification = Some(Verification {
            verified,
            reason,
            rounds,
        });
        Ok(report)
    }

    /// The fix as `fix` alone would make it, marked unverified and why.
    fn unverified(
        &mut self,
        original: &DiagnoseReport,
        current: &DiagnoseReport,
        skip: plan::Skip,
    ) -> Result<FixReport, VerifyError> {
        let mut opts = self.opts.clone();
        opts.diff_only = self.user_diff_only;
        let mut report = fix::run(current, self.ws, &opts)?;
        report.diagnosis = original.clone();
        if report.diff.is_empty() {
            return Ok(report);
        }
        for e in &mut report.fixes {
            e.verified = Some(Verified::Skipped);
        }
        let reason = format!("{}: {}", skip.id, skip.detail);
        report.verification = Some(Verification {
            verified: Verified::Skipped,
            reason: reason.clone(),
            rounds: vec![VerifyRound {
                round: 1,
                verified: Verified::Skipped,
                reason,
                fixers: report
                    .fixes
                    .iter()
                    .filter(|f| f.applied || !report.diff.is_empty())
                    .map(|f| f.fixer.clone())
                    .collect(),
                failure: None,
                last_lines: Vec::new(),
            }],
        });
        Ok(report)
    }

    fn workflow(&self) -> Result<Workflow, VerifyError> {
        let path = self
            .opts
            .workflow
            .as_ref()
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_default();
        Workflow::load(self.ws, &path).map_err(|r| FixError::Input(r.to_string()).into())
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, VerifyError> {
        match self.ws.read(path) {
            Ok(b) => Ok(b.unwrap_or_default()),
            Err(r) => Err(FixError::Input(r.to_string()).into()),
        }
    }

    /// Puts the files of `changes` back to their old bytes, all or none.
    fn roll_back(&self, changes: &[FileChange]) -> Result<(), VerifyError> {
        let back: Vec<FileChange> = changes
            .iter()
            .filter(|c| c.old != c.new)
            .map(|c| FileChange {
                path: c.path.clone(),
                old: c.new.clone(),
                new: c.old.clone(),
            })
            .collect();
        fix::apply::write_all(self.ws, &back).map_err(|e| FixError::NotWritten(e).into())
    }

    fn exec(
        &mut self,
        s: &plan::Script,
        deadline: Instant,
        when: &str,
    ) -> Result<exec::Ran, VerifyError> {
        let dir = self
            .v
            .temp_dir
            .join(format!("autoheal-verify-{}", random_hex()?));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(format!("step{}", s.ext));
        std::fs::write(&file, &s.run)?;
        let sinks = [
            "GITHUB_ENV",
            "GITHUB_PATH",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_STATE",
        ];
        let mut env = child_env(&self.v.parent_env, &s.env);
        for k in sinks {
            // The re-run's own sinks, thrown away: it must not set our
            // step's outputs or the job's later environment.
            let p = dir.join(k.to_ascii_lowercase());
            std::fs::write(&p, b"")?;
            env.push((k.into(), p.into_os_string()));
        }
        let mut args: Vec<OsString> = s
            .shell
            .iter()
            .map(|a| {
                if a == "{0}" {
                    file.clone().into_os_string()
                } else {
                    OsString::from(a.replace("{0}", &file.to_string_lossy()))
                }
            })
            .collect();
        if !s.shell.iter().any(|a| a.contains("{0}")) {
            args.push(file.clone().into_os_string());
        }
        let program = args.remove(0);
        let cwd = self.ws.root().join(&s.workdir);
        let title = format!("{} ({when})", s.title);
        let mut echo = exec::Echo {
            out: &mut *self.out,
            github: self.v.github,
            redactor: &self.red,
        };
        let ran = exec::run(
            exec::Spec {
                program: &program.to_string_lossy(),
                args,
                cwd: &cwd,
                env,
                title: &title,
            },
            deadline,
            &mut echo,
        );
        let _ = std::fs::remove_dir_all(&dir);
        Ok(ran?)
    }

    /// The re-run's output through the same pipeline as any log.
    fn diagnose_output(&self, ran: &exec::Ran, job: &str, step: &str) -> DiagnoseReport {
        let source = Source::Bytes {
            name: "verify.log".into(),
            data: ran.tail.clone(),
        };
        let failures = match ingest::load_redacted(&[source], &self.red) {
            Ok(bundle) => extract::failures(&bundle),
            Err(_) => Vec::new(),
        };
        DiagnoseReport::new(
            failures
                .into_iter()
                .map(|mut f| {
                    f.job = job.to_string();
                    f.step = step.to_string();
                    classify::diagnose(&f)
                })
                .collect(),
        )
    }
}

fn exit_text(ran: &exec::Ran) -> String {
    ran.code
        .map(|c| c.to_string())
        .unwrap_or_else(|| "killed".into())
}

/// A failure's identity across two runs: its category and root-cause line
/// with what varies between runs (numbers, durations, addresses) blanked.
fn signature(r: &DiagnoseReport) -> Signature {
    match r.primary() {
        Some(d) => Signature {
            category: Some(d.category),
            key: normalise(&d.failure.error_line),
            line: d.failure.error_line.trim().to_string(),
        },
        None => Signature {
            category: None,
            key: String::new(),
            line: "no failure found in the output".into(),
        },
    }
}

fn normalise(line: &str) -> String {
    static HEX: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let hex = HEX.get_or_init(|| regex::Regex::new(r"0x[0-9a-fA-F]+").expect("static regex"));
    let line = hex.replace_all(line, "0x");
    let mut out = String::with_capacity(line.len());
    let mut in_digits = false;
    for c in line.trim().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The re-run's environment: ours without what only our step holds (the
/// token, the action's inputs, the runner's internal tokens, anything named
/// like a secret, and whatever the workflow's `env:` sets, which `env`
/// sets again from the workflow file).
fn child_env(
    parent: &[(OsString, OsString)],
    env: &[(String, String)],
) -> Vec<(OsString, OsString)> {
    let mut out: Vec<(OsString, OsString)> = parent
        .iter()
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            !dropped_var(&k) && !env.iter().any(|(e, _)| *e == k)
        })
        .cloned()
        .collect();
    out.extend(env.iter().map(|(k, v)| (k.into(), v.into())));
    out
}

fn dropped_var(k: &str) -> bool {
    let up = k.to_ascii_uppercase();
    up.starts_with("INPUT_")
        || up.starts_with("AUTOHEAL_")
        || up.starts_with("ACTIONS_")
        || up == "GITHUB_TOKEN"
        || [
            "TOKEN",
            "SECRET",
            "PASSWORD",
            "PASSWD",
            "CREDENTIAL",
            "PRIVATE_KEY",
            "API_KEY",
        ]
        .iter()
        .any(|w| up.contains(w))
}

fn random_hex() -> io::Result<String> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_our_inputs_stay_with_us() {
        let parent: Vec<(OsString, OsString)> = [
            ("PATH", "/bin"),
            ("GITHUB_TOKEN", "t"),
            ("INPUT_GITHUB-TOKEN", "t"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
            ("AUTOHEAL_VARS", "{}"),
            ("DEPLOY_KEY_PASSWORD", "p"),
            ("OCR_HOST", "stale"),
            ("PIP_NO_INDEX", "1"),
        ]
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
        let env = child_env(&parent, &[("OCR_HOST".into(), "http://x".into())]);
        let keys: Vec<String> = env
            .iter()
            .map(|(k, _)| k.to_string_lossy().to_string())
            .collect();
        assert_eq!(keys, ["PATH", "PIP_NO_INDEX", "OCR_HOST"]);
        assert_eq!(env[2].1, "http://x");
    }

    #[test]
    fn signatures_ignore_what_varies_between_runs() {
        assert_eq!(
            normalise("FAILED tests/t.py::x - 1 failed in 0.12s"),
            normalise("FAILED tests/t.py::x - 1 failed in 3.4s")
        );
        assert_eq!(
            normalise("<Conn object at 0x7f3a9c>: refused"),
            normalise("<Conn object at 0x7fbb01>: refused")
        );
        assert_ne!(
            normalise("No module named 'yaml'"),
            normalise("No module named 'toml'")
        );
    }
}
