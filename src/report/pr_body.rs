//! The pull-request body (and the sticky comment) for people.
//!
//! The diff alone makes a poor pull request: `body-path: <diff-file>` renders
//! its `+`/`-` lines as bullet lists, and a reviewer has to guess why the
//! change is right. This body says what failed, what decided the fix (the
//! evidence), shows the diff in a fence, and says how to undo it.
//!
//! It is built from a log a fork's author may control, and GitHub renders it
//! as Markdown that notifies every `@mention` and follows every link. So each
//! log-derived field is one capped code span and each block a fence longer
//! than any backtick run inside (the summary's own helpers), and every line
//! passes [`sanitize::neutralize_commands`] so that a step printing the body
//! cannot issue a workflow command. GitHub caps a body at 65,536 characters;
//! the diff is cut before that, with a note.

use std::fmt::Write as _;

use crate::report::github::{clean_diff, confidence_str, cut_with_marker, fenced, md_field};
use crate::report::{Applicability, FixReport};
use crate::sanitize::{self, Redactor};

/// GitHub refuses longer bodies (characters; bytes are a safe bound).
pub const MAX_BODY_BYTES: usize = 60_000;
/// The diff shown; the rest of the body needs well under the difference.
const MAX_BODY_DIFF_BYTES: usize = 45_000;
/// The excerpt shown.
const MAX_BODY_EXCERPT_BYTES: usize = 4 * 1024;

/// The hidden line that marks autoheal's sticky comment; the comment is found
/// again by it (and by its author).
pub const COMMENT_MARKER: &str = "<!-- autoheal:sticky-comment -->";

/// The pull-request body for `fix`'s report.
pub fn render(report: &FixReport, red: &Redactor) -> String {
    let mut md = String::new();
    let d = &report.diagnosis;
    let _ = writeln!(
        md,
        "## autoheal: {} (confidence {})\n",
        d.category.as_str(),
        confidence_str(d.confidence)
    );
    diagnosis(&mut md, report, red);
    fix(&mut md, report, red);
    if !report.diff.is_empty() {
        undo(&mut md, report);
    }
    md.push_str(
        "<sub>Written by autoheal from the failed run's logs; the log is data from the run, \
         the change stands on the repository's files listed above.</sub>\n",
    );
    finish(md)
}

/// The sticky comment: the marker, then the same text as the body, with the
/// fix status in the heading line.
pub fn render_comment(report: &FixReport, red: &Redactor) -> String {
    let mut md = String::new();
    md.push_str(COMMENT_MARKER);
    md.push('\n');
    md.push_str(&render(report, red));
    finish(md)
}

/// Neutralises every line for the runner and caps the whole.
fn finish(md: String) -> String {
    let mut out = String::with_capacity(md.len());
    for line in md.split_inclusive('\n') {
        out.push_str(&sanitize::neutralize_commands(line));
    }
    if out.len() > MAX_BODY_BYTES {
        let kept = sanitize::cap(&out, MAX_BODY_BYTES - 64).len();
        let dropped = out.len() - kept;
        out.truncate(kept);
        let _ = writeln!(out, "\n… [truncated {dropped} bytes]");
    }
    out
}

fn diagnosis(md: &mut String, report: &FixReport, red: &Redactor) {
    md.push_str("### What failed\n\n");
    let Some(p) = report.diagnosis.primary() else {
        md.push_str("No failure was found in the logs.\n\n");
        return;
    };
    let _ = writeln!(
        md,
        "Job {}, step {}, log line {}:\n",
        md_field(red, &p.failure.job),
        md_field(red, &p.failure.step),
        p.failure.line,
    );
    let excerpt = red.clean(&p.failure.excerpt);
    let shown = if excerpt.trim().is_empty() {
        red.clean(&p.failure.error_line)
    } else {
        excerpt
    };
    md.push_str(&fenced(
        "text",
        &cut_with_marker(&shown, MAX_BODY_EXCERPT_BYTES),
    ));
    md.push('\n');
    let others = report.diagnosis.failures.len() - 1;
    if others > 0 {
        let _ = writeln!(
            md,
            "{others} more failure(s) in the run; the job summary lists each with its fix status.\n"
        );
    }
}

fn fix(md: &mut String, report: &FixReport, red: &Redactor) {
    md.push_str("### The fix\n\n");
    if report.diff.is_empty() {
        let reason = report.reason.as_deref().unwrap_or("no fix");
        let _ = writeln!(md, "No fix: {}\n", md_field(red, reason));
        return;
    }
    for e in report.fixes.iter().filter(|e| !e.files.is_empty()) {
        let _ = writeln!(
            md,
            "- {} ({}, {}): {}",
            md_field(red, &e.fixer),
            match e.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe: review it",
                Applicability::DisplayOnly => "advice",
            },
            if e.applied { "applied" } else { "not applied" },
            md_field(red, &e.description)
        );
        let _ = writeln!(md, "  - decided by {}", e.evidence.decided_by.describe());
        if let Some(l) = &e.evidence.log {
            let _ = writeln!(md, "  - log line {}: {}", l.line, md_field(red, &l.text));
        }
        for w in &e.evidence.workspace {
            let _ = writeln!(
                md,
                "  - {}:{}: {}",
                md_field(red, &w.file),
                w.line,
                md_field(red, &w.text)
            );
        }
    }
    md.push('\n');
    if report.touches_workflows {
        md.push_str(
            "This change edits `.github/workflows/`: the token that pushed it needs the \
             `workflows` permission.\n\n",
        );
    }
    let diff = clean_diff(red, &report.diff);
    md.push_str(&fenced(
        "diff",
        &cut_with_marker(&diff, MAX_BODY_DIFF_BYTES),
    ));
    md.push('\n');
}

fn undo(md: &mut String, report: &FixReport) {
    md.push_str("### How to undo it\n\n");
    md.push_str(
        "- Before merging: close this pull request; nothing else changed.\n\
         - After merging: `git revert` the merge commit (or this commit).\n",
    );
    let files: Vec<&str> = report.files_changed.iter().map(String::as_str).collect();
    if !files.is_empty() && files.iter().all(|f| plain_path(f)) {
        let _ = writeln!(
            md,
            "- Locally, with the diff above saved as `autoheal.diff`: `git apply -R autoheal.diff` \
             (it touches {}).",
            files
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    md.push('\n');
}

/// A path shown bare in a code span: letters, digits and `._-/` only, so no
/// backtick or markup can ride along (any other path is left out).
fn plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 200
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_neutralises_runner_commands_and_caps() {
        let out = finish("a\n  ::add-mask::x\n+b ##[set-output name=x]y\n".into());
        assert_eq!(
            out,
            "a\n  \\u{3a}:add-mask::x\n+b #\\u{23}[set-output name=x]y\n"
        );
        let big = finish("x".repeat(MAX_BODY_BYTES * 2));
        assert!(big.len() <= MAX_BODY_BYTES);
        assert!(big.ends_with("bytes]\n"), "{}", &big[big.len() - 40..]);
    }

    #[test]
    fn only_plain_paths_are_shown_bare() {
        assert!(plain_path(".github/workflows/ci.yml"));
        assert!(!plain_path("a`b"));
        assert!(!plain_path("@team"));
        assert!(!plain_path(""));
    }
}
