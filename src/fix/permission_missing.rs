//! `permission-missing`
//!
//! **What it does.** When the log names the token scope a step lacked
//! (`Resource not accessible by integration` with, say, `pull-requests:
//! write`), it adds that scope to the failing job's existing `permissions:`
//! block (or the workflow's, when the job has none), or raises an existing
//! `read` to `write`. Otherwise it gives advice: the scope to grant, or the
//! file whose mode to fix.
//!
//! **Why.** `GITHUB_TOKEN` defaults are read-only in many repositories; the
//! failing step needs one scope more, and the log often says which.
//!
//! **Example.** `permissions:` / `contents: read` gains `pull-requests: write`.
//!
//! **Fix safety.** Safe only as an addition to an existing block: creating a
//! job-level `permissions:` block would drop every other default permission,
//! so without a block the fix is display-only.

use super::edit::{Applicability, Evidence, Fix, Refusal, quoted};
use super::workflow::{self, Seg};
use super::workspace::Workspace;
use super::{FixOptions, Fixer};
use crate::classify::{Category, Diagnosis};

pub struct PermissionMissing;

const ID: &str = "permission-missing";

/// The scopes of `GITHUB_TOKEN`.
const SCOPES: &[&str] = &[
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
];

/// `pull-requests: write` / `pull-requests` → (scope, level).
fn parse_scope(s: &str) -> Option<(&'static str, &'static str)> {
    let (name, level) = match s.split_once(':') {
        Some((n, l)) => (n.trim(), l.trim()),
        None => (s.trim(), "write"),
    };
    let scope = SCOPES.iter().find(|x| **x == name)?;
    let level = match level {
        "write" => "write",
        "read" => "read",
        _ => return None,
    };
    Some((scope, level))
}

impl Fixer for PermissionMissing {
    fn id(&self) -> &'static str {
        ID
    }

    fn category(&self) -> Category {
        Category::PermissionDenied
    }

    fn plan(
        &self,
        d: &Diagnosis,
        ws: &Workspace,
        opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal> {
        let f = &d.facts;
        let Some((scope, level)) = f.scope.as_deref().and_then(parse_scope) else {
            return Ok(Some(file_advice(d, ws)));
        };
        let advice = Fix::advice(
            ID,
            format!(
                "Grant the job's token `{scope}: {level}` in the workflow's `permissions:` (a job-level `permissions:` block replaces all default permissions: list every scope the job needs)"
            ),
        );
        let (wf, job) = match workflow::locate(ws, d, opts) {
            Ok(x) => x,
            // A hostile workflow (duplicate keys, a symlink) stops the fix; a missing one does not.
            Err(r) if r.fatal || matches!(r.id, "duplicate-key" | "symlink") => return Err(r),
            Err(_) => return Ok(Some(advice)),
        };
        let (block, path) = match wf.child(job.line, "permissions") {
            Some(l) => (
                l,
                vec![
                    Seg::Key("jobs".into()),
                    Seg::Key(job.id.clone()),
                    Seg::Key("permissions".into()),
                ],
            ),
            None => match wf.top("permissions") {
                Some(l)
                    if wf
                        .value
                        .get("jobs")
                        .and_then(|j| j.get(job.id.as_str()))
                        .and_then(|j| j.get("permissions"))
                        .is_none() =>
                {
                    (l, vec![Seg::Key("permissions".into())])
                }
                _ => return Ok(Some(advice)),
            },
        };
        if !wf.inline_value(block).is_empty() || wf.children(block).is_empty() {
            // `read-all`, `{}` or a flow mapping: not ours to restructure.
            return Ok(Some(advice));
        }
        let where_ = if path.len() == 1 {
            "the workflow's".to_string()
        } else {
            format!("job `{}`'s", job.id)
        };
        if let Some(line) = wf.child(block, scope) {
            let current = wf.inline_value(line);
            if current == level || current == "write" {
                return Err(Refusal::already(format!(
                    "{where_} permissions in {} already grant {scope}: {current}",
                    wf.path
                )));
            }
            let Some(span) = wf.value_span(line) else {
                return Ok(Some(advice));
            };
            let edit = super::Edit::replace(&wf.path, span, level);
            let new_text = workflow::apply_one(&wf.text, &edit);
            wf.verify_set(&new_text, &path, scope, level)?;
            return Ok(Some(Fix {
                fixer: ID,
                description: format!(
                    "Raise {scope} to {level} in {where_} permissions in {}",
                    wf.path
                ),
                applicability: Applicability::Safe,
                edits: vec![edit],
                evidence: Evidence::default(),
            }));
        }
        let edit = wf.add_entry(Some(block), ("permissions", block, 0), scope, level)?;
        let new_text = workflow::apply_one(&wf.text, &edit);
        wf.verify_added(&new_text, &path, scope, level, false)?;
        Ok(Some(Fix {
            fixer: ID,
            description: format!(
                "Grant {scope}: {level} in {where_} permissions in {}",
                wf.path
            ),
            applicability: Applicability::Safe,
            edits: vec![edit],
            evidence: Evidence::default(),
        }))
    }
}

/// Advice for a file-mode or socket permission error.
fn file_advice(d: &Diagnosis, ws: &Workspace) -> Fix {
    let f = &d.facts;
    let text = match f.path.as_deref() {
        Some(p) if p.contains("docker.sock") => {
            "The runner user cannot reach the Docker daemon socket: run the command with `sudo` or add the user to the `docker` group".to_string()
        }
        Some(p) => match ws.resolve(p) {
            Ok(rel) => format!(
                "Permission denied on {rel}: if it is a script, make it executable and commit the mode (`git update-index --chmod=+x {rel}`); otherwise check who owns it"
            ),
            Err(_) => format!(
                "Permission denied on {}: check the file's mode and owner, or run the step with the needed rights",
                quoted(p)
            ),
        },
        None => "Grant the token the permission the step needs in the workflow's `permissions:`, or fix the file's mode".to_string(),
    };
    Fix::advice(ID, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scopes() {
        assert_eq!(
            parse_scope("pull-requests: write"),
            Some(("pull-requests", "write"))
        );
        assert_eq!(parse_scope("contents"), Some(("contents", "write")));
        assert_eq!(parse_scope("admin: write"), None);
        assert_eq!(parse_scope("contents: all"), None);
    }
}
