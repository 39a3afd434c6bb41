//! Feedback where the developer looks: the pull request of the failed run.
//!
//! The job summary sits on a page few people open; the pull request is where
//! its author waits. With `--comment`, `fix` keeps one sticky comment there
//! (the diagnosis, the fix status and the diff: [`pr_body::render_comment`])
//! and, for a one-hunk fix that replaces lines of a file the pull request
//! touches, one review comment with a ```` ```suggestion ```` block, so the
//! fix is one click. A second run edits both instead of adding more.
//!
//! Nothing here can fail the run: the diagnosis and the diff already went to
//! their sinks, and a refused write (a read-only token) is one note. Which
//! pull request, and which comments are ours, is the API's word (see
//! [`crate::github::comment`]).

use crate::github::Client;
use crate::github::comment::{PullRequest, Upsert};
use crate::report::FixReport;
use crate::report::github::fenced;
use crate::report::locate;
use crate::report::pr_body;
use crate::sanitize::{self, Redactor};

/// Marks our suggestion among the review comments.
pub const SUGGESTION_MARKER: &str = "<!-- autoheal:suggestion -->";

/// Posts or updates the comment (and the suggestion) for run `run_id` of
/// `repo`; returns what to tell the user.
pub fn post(
    client: &Client,
    repo: &str,
    run_id: u64,
    report: &FixReport,
    red: &Redactor,
) -> Vec<String> {
    let mut notes = Vec::new();
    let pr = match client.pull_request_of_run(repo, run_id) {
        Ok(Some(pr)) => pr,
        Ok(None) => {
            notes.push(format!(
                "comment: run {run_id} belongs to no single open pull request; nothing posted"
            ));
            return notes;
        }
        Err(e) => {
            notes.push(format!("comment: not posted: {e}"));
            return notes;
        }
    };
    let me = client.own_login();
    let body = pr_body::render_comment(report, red);
    match client.upsert_issue_comment(repo, pr.number, &me, pr_body::COMMENT_MARKER, &body) {
        Ok(u) => notes.push(describe("comment", pr.number, u)),
        Err(e) => {
            notes.push(format!(
                "comment: not posted on pull request #{}: {e} (the token needs pull-requests: write)",
                pr.number
            ));
            return notes;
        }
    }
    if let Some(n) = suggest(client, repo, &pr, &me, report, red) {
        notes.push(n);
    }
    notes
}

fn describe(what: &str, pr: u64, u: Upsert) -> String {
    match u {
        Upsert::Created(id) => format!("{what}: posted on pull request #{pr} (id {id})"),
        Upsert::Updated(id) => format!("{what}: updated on pull request #{pr} (id {id})"),
    }
}

/// The suggestion, when the diff is one hunk that replaces lines of a file
/// the pull request changes (a suggestion can only replace lines it is
/// attached to, and only lines of the pull request's diff take comments).
fn suggest(
    client: &Client,
    repo: &str,
    pr: &PullRequest,
    me: &str,
    report: &FixReport,
    red: &Redactor,
) -> Option<String> {
    let hunks = locate::hunks(&report.diff);
    let [h] = hunks.as_slice() else {
        return None;
    };
    if h.removed.is_empty() {
        return None;
    }
    let files = match client.pull_request_files(repo, pr.number) {
        Ok(f) => f,
        Err(e) => return Some(format!("suggestion: not posted: {e}")),
    };
    if !files.contains(&h.file) {
        return None;
    }
    let start = h.old_line;
    let end = h.old_line + h.removed.len() as u64 - 1;
    let mut added = String::new();
    for l in &h.added {
        added.push_str(&sanitize::escape_controls(&red.redact(l)));
        added.push('\n');
    }
    let what = report
        .fixes
        .iter()
        .find(|e| e.files.contains(&h.file))
        .map(|e| red.clean_line(&e.description))
        .unwrap_or_default();
    let mut body = format!("{SUGGESTION_MARKER}\n**autoheal:** ");
    body.push_str(&crate::report::github::md_field(red, &what));
    body.push_str("\n\n");
    body.push_str(&fenced("suggestion", &added));
    match client.upsert_review_comment(
        repo,
        pr,
        me,
        SUGGESTION_MARKER,
        &h.file,
        (start, end),
        &body,
    ) {
        Ok(u) => Some(describe("suggestion", pr.number, u)),
        Err(e) => Some(format!("suggestion: not posted: {e}")),
    }
}
