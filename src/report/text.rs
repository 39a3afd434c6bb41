//! The report for people: failing job and step, root-cause line, category,
//! confidence, suggested fix. Colour only on a terminal and never with NO_COLOR
//! (the CLI decides and passes `color`).

use std::io::{self, Write};

use crate::classify::{Category, Diagnosis};
use crate::report::{Applicability, DiagnoseReport, Evidence, FixReport};
use crate::sanitize::Redactor;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    fn category(&self, c: Category) -> String {
        let code = if c == Category::Unknown { "33" } else { "1;31" };
        self.paint(code, c.as_str())
    }
}

/// Writes the diagnosis. Every field that came from a log goes through `scrub`.
pub fn write_diagnose(
    out: &mut dyn Write,
    report: &DiagnoseReport,
    scrub: &Redactor,
    color: bool,
) -> io::Result<()> {
    let s = Style { color };
    if report.failures.is_empty() {
        writeln!(
            out,
            "{} no failure found in the logs",
            s.category(Category::Unknown)
        )?;
        return Ok(());
    }
    let n = report.failures.len();
    for (i, d) in report.failures.iter().enumerate() {
        if n > 1 {
            let label = if i == 0 { "primary failure" } else { "failure" };
            writeln!(out, "{}", s.dim(&format!("── {label} {} of {n}", i + 1)))?;
        }
        write_one(out, d, scrub, &s)?;
        if i + 1 < n {
            writeln!(out)?;
        }
    }
    if report.omitted_failures > 0 {
        writeln!(
            out,
            "\n{}",
            s.dim(&format!(
                "… and {} more failure(s) not kept",
                report.omitted_failures
            ))
        )?;
    }
    Ok(())
}

fn write_one(out: &mut dyn Write, d: &Diagnosis, scrub: &Redactor, s: &Style) -> io::Result<()> {
    let f = &d.failure;
    writeln!(
        out,
        "{} (confidence {:.2})",
        s.category(d.category),
        d.confidence
    )?;
    let where_ = match (f.job.is_empty(), f.step.is_empty()) {
        (false, false) => format!(
            "{} › {}",
            scrub.clean_line(&f.job),
            scrub.clean_line(&f.step)
        ),
        (false, true) => scrub.clean_line(&f.job),
        (true, false) => scrub.clean_line(&f.step),
        (true, true) => "(log)".to_string(),
    };
    writeln!(out, "  {} {where_}", s.bold("failed:"))?;
    if let Some(cmd) = &f.command {
        writeln!(
            out,
            "  {} {}",
            s.bold("command:"),
            scrub.clean_line(first_line(cmd))
        )?;
    }
    writeln!(
        out,
        "  {} {}: {}",
        s.bold("line"),
        f.line,
        scrub.clean_line(&f.error_line)
    )?;
    if !f.excerpt.is_empty() {
        for l in f.excerpt.lines() {
            writeln!(out, "    {}", s.dim(&scrub.clean_line(l)))?;
        }
    }
    if !d.explanation.is_empty() {
        let why: Vec<String> = d
            .explanation
            .iter()
            .map(|(k, w)| format!("{} {w:+.2}", scrub.clean_line(k)))
            .collect();
        writeln!(out, "  {} {}", s.bold("why:"), why.join(", "))?;
    }
    writeln!(
        out,
        "  {} {}",
        s.bold("fix:"),
        scrub.clean_line(&d.suggested_fix)
    )?;
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// What a fix stands on: what decided, the log line, the workspace lines.
fn write_evidence(out: &mut dyn Write, e: &Evidence, scrub: &Redactor) -> io::Result<()> {
    writeln!(out, "  decided by: {}", e.decided_by.describe())?;
    if let Some(l) = &e.log {
        writeln!(out, "  log line {}: {}", l.line, scrub.clean_line(&l.text))?;
    }
    for p in &e.workspace {
        writeln!(
            out,
            "  {}:{}: {}",
            scrub.clean_line(&p.file),
            p.line,
            scrub.clean_line(&p.text)
        )?;
    }
    Ok(())
}

/// The human part of `fix`'s report (stderr; the diff itself goes to stdout).
/// `fix --verify`: the verdict, each round, and the re-run's last lines
/// where they tell what stops the step.
fn write_verification(
    out: &mut dyn Write,
    v: &crate::report::Verification,
    scrub: &Redactor,
    s: &Style,
) -> io::Result<()> {
    writeln!(
        out,
        "{} {}: {}",
        s.bold("verified:"),
        v.verified.as_str(),
        scrub.clean_line(&v.reason)
    )?;
    for r in &v.rounds {
        writeln!(
            out,
            "  round {} [{}] {}: {}",
            r.round,
            r.verified.as_str(),
            scrub.clean_line(&r.fixers.join(", ")),
            scrub.clean_line(&r.reason)
        )?;
        if r.verified == crate::report::Verified::Failed && !r.last_lines.is_empty() {
            writeln!(out, "    last lines of the re-run:")?;
            for l in &r.last_lines {
                writeln!(out, "      {}", scrub.clean_line(l))?;
            }
        }
    }
    Ok(())
}

pub fn write_fix_summary(
    out: &mut dyn Write,
    report: &FixReport,
    scrub: &Redactor,
    color: bool,
) -> io::Result<()> {
    write_diagnose(out, &report.diagnosis, scrub, color)?;
    let s = Style { color };
    writeln!(out)?;
    for f in &report.fixes {
        let app = match f.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        };
        let in_diff =
            !f.files.is_empty() && f.files.iter().all(|p| report.files_changed.contains(p));
        let state = if f.applied {
            "applied"
        } else if f.applicability == Applicability::DisplayOnly {
            "advice"
        } else if in_diff && !report.applied {
            "diff only, not written"
        } else {
            "not applied"
        };
        writeln!(
            out,
            "{} [{app}, {state}] {}",
            s.bold(&f.fixer),
            scrub.clean_line(&f.description)
        )?;
        write_evidence(out, &f.evidence, scrub)?;
        if f.applicability == Applicability::Unsafe && !f.applied && !in_diff {
            writeln!(out, "  (unsafe: rerun with --unsafe-fixes to apply)")?;
        }
    }
    // With several failures, what became of each one's fix.
    if report.failure_fixes.len() > 1 {
        writeln!(out, "{}", s.bold("failures:"))?;
        for (i, (d, f)) in report
            .diagnosis
            .failures
            .iter()
            .zip(&report.failure_fixes)
            .enumerate()
        {
            let reason = f
                .reason
                .as_deref()
                .map(|r| format!(": {}", scrub.clean_line(r)))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}. {} › {}: {}{reason}",
                i + 1,
                scrub.clean_line(&d.failure.job),
                scrub.clean_line(&d.failure.step),
                f.status.as_str()
            )?;
        }
    }
    if let Some(v) = &report.verification {
        write_verification(out, v, scrub, &s)?;
    }
    if let Some(reason) = &report.reason {
        writeln!(out, "{} {}", s.bold("no fix:"), scrub.clean_line(reason))?;
    }
    if report.touches_workflows && !report.diff.is_empty() {
        writeln!(
            out,
            "note: this diff edits .github/workflows/; pushing it needs a token with the workflows permission"
        )?;
    }
    Ok(())
}
