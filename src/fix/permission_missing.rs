//! `permission-missing`
//!
//! **What it does.** When a step fails because the job's `GITHUB_TOKEN` lacks
//! a scope (`Resource not accessible by integration`, `remote: Permission to
//! o/r.git denied`), it finds that step in the workflow and, when what the
//! step runs needs a scope (`git push`: `contents: write`; `gh pr comment`,
//! `review`, `create`, `merge`: `pull-requests: write`; `gh issue create`,
//! `comment`, ... and `github.rest.issues.*` in `actions/github-script`:
//! `issues: write`), grants it in that job's `permissions:` block: it adds
//! the scope or raises `read` to `write`. A job without a block in a workflow
//! with one gets its own block: the workflow's scopes copied, plus the new
//! one. File-mode and socket errors get advice.
//!
//! **Why.** `GITHUB_TOKEN` defaults are read-only in many repositories; the
//! failing step needs one scope more.
//!
//! **Example.** Job `release` runs `git push --tags`; its `permissions:` /
//! `contents: read` becomes `contents: write`.
//!
//! **Fix safety.** Never safe: widening a token is `unsafe`, applied only with
//! `--unsafe-fixes`. The log is attacker-controlled (a fork writes it), so it
//! only says what went wrong; the scope written is one the workflow shows the
//! failing step needs (its `run:` or script), and a scope named only by the
//! log, a step the workflow does not have, or a step that needs no such scope
//! is refused (`no-evidence`), saying which evidence is missing. The edit is
//! always the failing job's block, never the workflow-wide one, so no other
//! job gains anything. Copying the workflow's scopes into a new job block
//! keeps the job's token exactly as it was plus the one scope (a job block
//! replaces the workflow's); a job that runs on the repository's default
//! permissions (no block anywhere), or a `read-all`/`write-all`/flow block,
//! gets advice, since a new block there would drop scopes we cannot see.

use regex::Regex;
use std::sync::OnceLock;
use yaml_serde::Value;

use super::edit::{Applicability, DecidedBy, Edit, Evidence, Fix, Refusal, quoted};
use super::workflow::{self, Job, Seg, Step, Workflow};
use super::workspace::Workspace;
use super::{FixOptions, Fixer, ReasonCode};
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

/// A command in a step that needs write scopes: the scopes that let it
/// through (the first is the one to grant when the log names none) and the
/// workflow line that shows it.
#[derive(Debug, Clone, PartialEq)]
struct Need {
    scopes: &'static [&'static str],
    command: &'static str,
    /// 0-based line of the workflow.
    line: usize,
    text: String,
}

/// Shell commands and the scopes they write with. Commenting on a pull
/// request goes through the issue-comment API, which either scope opens.
fn shell_needs() -> &'static [(Regex, &'static [&'static str], &'static str)] {
    static RE: OnceLock<Vec<(Regex, &'static [&'static str], &'static str)>> = OnceLock::new();
    RE.get_or_init(|| {
        // In command position: a line's start, after `;`, `&&`, `|`, `(`, or
        // a keyword that runs what follows (`echo git push` runs nothing).
        let start = r"(?:^|[;&|(`]|\b(?:then|do|else|if|sudo|exec|time|xargs)\s|!\s)\s*";
        let re = |s: &str| Regex::new(&format!("{start}{s}")).expect("static regex");
        vec![
            (
                re(r"git\s+(?:-[Cc]\s+\S+\s+)*push\b"),
                &["contents"][..],
                "git push",
            ),
            (
                re(r"gh\s+pr\s+comment\b"),
                &["pull-requests", "issues"][..],
                "gh pr comment",
            ),
            (
                re(r"gh\s+pr\s+(?:review|create|edit|close|reopen|ready)\b"),
                &["pull-requests"][..],
                "gh pr",
            ),
            (
                re(r"gh\s+pr\s+merge\b"),
                &["pull-requests", "contents"][..],
                "gh pr merge",
            ),
            (
                re(
                    r"gh\s+issue\s+(?:create|comment|edit|close|reopen|delete|transfer|pin|unpin|lock|unlock|develop)\b",
                ),
                &["issues"][..],
                "gh issue",
            ),
        ]
    })
}

/// `github.rest.issues.createComment(` / `github.pulls.createReview(` in an
/// `actions/github-script` script.
fn script_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\bgithub\.(?:rest\.)?(issues|pulls)\.[A-Za-z]+\s*\(").expect("static regex")
    })
}

/// The workflow line in `from..to` holding `needle`, else `fallback`.
fn line_of(wf: &Workflow, from: usize, to: usize, needle: &str, fallback: usize) -> usize {
    (from..to.min(wf.lines.len()))
        .find(|&k| {
            let l = &wf.lines[k];
            wf.text[l.start..l.end].contains(needle)
        })
        .unwrap_or(fallback)
}

/// What the step runs that needs a write scope, in order.
fn step_needs(wf: &Workflow, job: &Job, step: Step, next: usize) -> Vec<Need> {
    let mut out = Vec::new();
    let Some(v) = wf
        .value
        .get("jobs")
        .and_then(|j| j.get(job.id.as_str()))
        .and_then(|j| j.get("steps"))
        .and_then(|s| s.get(step.index))
    else {
        return out;
    };
    if let Some(run) = v.get("run").and_then(Value::as_str) {
        for line in run.lines() {
            let cmd = line.split(" #").next().unwrap_or(line);
            if cmd.trim_start().starts_with('#') {
                continue;
            }
            for (re, scopes, command) in shell_needs() {
                if re.is_match(cmd) {
                    let at = line_of(wf, step.line, next, line.trim(), step.line);
                    out.push(Need {
                        scopes,
                        command,
                        line: at,
                        text: line.trim().to_string(),
                    });
                }
            }
        }
    }
    let uses = v.get("uses").and_then(Value::as_str).unwrap_or("");
    if uses.split('@').next() == Some("actions/github-script")
        && let Some(script) = v
            .get("with")
            .and_then(|w| w.get("script"))
            .and_then(Value::as_str)
    {
        for line in script.lines() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(c) = script_re().captures(line) {
                let (scopes, command): (&'static [&'static str], _) = match &c[1] {
                    "issues" => (&["issues", "pull-requests"], "github.rest.issues"),
                    _ => (&["pull-requests"], "github.rest.pulls"),
                };
                let at = line_of(wf, step.line, next, line.trim(), step.line);
                out.push(Need {
                    scopes,
                    command,
                    line: at,
                    text: line.trim().to_string(),
                });
            }
        }
    }
    out
}

/// Whether the failure reads as GitHub refusing the job's token (rather than
/// a file mode or another registry's token): the only case where the step
/// alone may pick the scope.
fn token_refused(d: &Diagnosis) -> bool {
    let text = format!("{}\n{}", d.failure.error_line, d.failure.region);
    text.contains("Resource not accessible by integration")
        || (text.contains("remote: Permission to ") && text.contains(" denied to "))
        || (d.facts.http_status == Some(403) && text.contains("github.com"))
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
        let logged = f.scope.as_deref().and_then(parse_scope);
        if logged.is_none() && (f.path.is_some() || !token_refused(d)) {
            return Ok(Some(file_advice(d, ws)));
        }
        let claim = match logged {
            Some((s, l)) => format!("the log names `{s}: {l}`"),
            None => "the token was refused".to_string(),
        };
        let step_title = if d.failure.step.trim().is_empty() {
            "the failing step".to_string()
        } else {
            format!("step {}", quoted(d.failure.step.trim()))
        };
        let (wf, job) = match workflow::locate(ws, d, opts) {
            Ok(x) => x,
            // A hostile workflow (duplicate keys, a symlink) stops the fix.
            Err(r) if r.fatal || matches!(r.id, ReasonCode::DuplicateKey | ReasonCode::Symlink) => {
                return Err(r);
            }
            Err(r) => {
                return Err(Refusal::new(
                    ReasonCode::NoEvidence,
                    format!(
                        "{claim}, but no workflow shows the failing job ({}), so nothing shows {step_title} needs a wider token; grant a scope by hand only if the step needs it",
                        r.detail
                    ),
                ));
            }
        };
        let steps = wf.steps(&job);
        let job_end = wf.block_end(job.line);
        let failing = workflow::failing_steps(&wf, &job, d);
        if failing.is_empty() {
            return Err(Refusal::new(
                ReasonCode::NoEvidence,
                format!(
                    "{claim}, but job `{}` in {} has no {step_title}; not widening the token on the log's word",
                    job.id, wf.path
                ),
            ));
        }
        let needs: Vec<Need> = failing
            .iter()
            .flat_map(|s| {
                let next = steps
                    .iter()
                    .find(|n| n.index == s.index + 1)
                    .map_or(job_end, |n| n.line);
                step_needs(&wf, &job, *s, next)
            })
            .collect();
        let chosen = match logged {
            Some((scope, level)) => needs
                .iter()
                .find(|n| n.scopes.contains(&scope))
                .map(|n| (scope, level, n)),
            None => needs.first().map(|n| (n.scopes[0], "write", n)),
        };
        let Some((scope, level, need)) = chosen else {
            let runs = if needs.is_empty() {
                "runs nothing that writes with the token (`git push`, `gh pr comment`, `gh issue`, `github.rest.issues.*`)".to_string()
            } else {
                let cmds: Vec<&str> = needs.iter().map(|n| n.command).collect();
                format!("runs `{}`, which does not need it", cmds.join("`, `"))
            };
            return Err(Refusal::new(
                ReasonCode::NoEvidence,
                format!(
                    "{claim}, but {step_title} of job `{}` in {} {runs}; not widening the token on the log's word",
                    job.id, wf.path
                ),
            ));
        };
        let evidence =
            Evidence::of(DecidedBy::Workspace).at(&wf.path, need.line as u64 + 1, &need.text);
        let why = format!("{step_title} runs `{}`", need.command);
        grant(&wf, &job, scope, level, &why).map(|f| Some(f.with_evidence(evidence)))
    }
}

/// Grant `scope: level` in job `job`'s `permissions:` block.
fn grant(wf: &Workflow, job: &Job, scope: &str, level: &str, why: &str) -> Result<Fix, Refusal> {
    let advice = |extra: &str| {
        Fix::advice(
            ID,
            format!(
                "Grant `{scope}: {level}` in the `permissions:` of job `{}` in {} ({why}){extra}",
                job.id, wf.path
            ),
        )
    };
    let job_path = vec![
        Seg::Key("jobs".into()),
        Seg::Key(job.id.clone()),
        Seg::Key("permissions".into()),
    ];
    let Some(block) = wf.child(job.line, "permissions") else {
        return create_job_block(wf, job, scope, level, why).or_else(|r| match r.id {
            ReasonCode::Advice => Ok(advice(&r.detail)),
            _ => Err(r),
        });
    };
    if !wf.inline_value(block).is_empty() || wf.children(block).is_empty() {
        // `read-all`, `{}` or a flow mapping: not ours to restructure.
        return Ok(advice("; its block is not a plain list of scopes"));
    }
    let fix = |description: String, edit: Edit| Fix {
        fixer: ID,
        description,
        applicability: Applicability::Unsafe,
        edits: vec![edit],
        evidence: Evidence::default(),
    };
    if let Some(line) = wf.child(block, scope) {
        let current = wf.inline_value(line);
        if current == level || current == "write" {
            return Err(Refusal::already(format!(
                "job `{}`'s permissions in {} already grant {scope}: {current}",
                job.id, wf.path
            )));
        }
        let Some(span) = wf.value_span(line) else {
            return Ok(advice(""));
        };
        let edit = Edit::replace(&wf.path, span, level);
        let new_text = workflow::apply_one(&wf.text, &edit);
        wf.verify_set(&new_text, &job_path, scope, level)?;
        return Ok(fix(
            format!(
                "Raise {scope} to {level} in job `{}`'s permissions in {} ({why})",
                job.id, wf.path
            ),
            edit,
        ));
    }
    let edit = wf.add_entry(Some(block), ("permissions", block, 0), scope, level)?;
    let new_text = workflow::apply_one(&wf.text, &edit);
    wf.verify_added(&new_text, &job_path, scope, level, false)?;
    Ok(fix(
        format!(
            "Grant {scope}: {level} in job `{}`'s permissions in {} ({why})",
            job.id, wf.path
        ),
        edit,
    ))
}

/// A job without `permissions:` runs with the workflow's block, or with the
/// repository's defaults when there is none. Copying a plain workflow block
/// (or `{}`) into the job keeps its token as it was plus the one scope; the
/// defaults cannot be seen from here, so without a workflow block: advice
/// (a `Refusal` with id `advice` carries the reason).
fn create_job_block(
    wf: &Workflow,
    job: &Job,
    scope: &str,
    level: &str,
    why: &str,
) -> Result<Fix, Refusal> {
    let advise = |detail: &str| Refusal::new(ReasonCode::Advice, detail);
    let Some(top) = wf.top("permissions") else {
        return Err(advise(
            "; the job and the workflow have no `permissions:`, and a new job block would replace the repository's default permissions: list every scope the job needs",
        ));
    };
    let mut entries: Vec<(String, String)> = Vec::new();
    let inline = wf.inline_value(top);
    if inline == "{}" {
        // No scopes at all: the new block holds only the new one.
    } else if !inline.is_empty() || wf.children(top).is_empty() {
        return Err(advise(&format!(
            "; the workflow's `permissions: {inline}` is not a plain list of scopes to copy into the job"
        )));
    } else {
        for (k, line) in wf.children(top) {
            let v = wf.inline_value(line);
            if !SCOPES.contains(&k.as_str()) || !matches!(v, "read" | "write" | "none") {
                return Err(advise(&format!(
                    "; the workflow's permissions hold `{k}: {v}`, which is not a plain scope to copy"
                )));
            }
            entries.push((k, v.to_string()));
        }
    }
    match entries.iter_mut().find(|(k, _)| k == scope) {
        Some((_, v)) if v == "write" || v == level => {
            return Err(Refusal::already(format!(
                "the workflow's permissions in {} already grant {scope}: {v} to job `{}`",
                wf.path, job.id
            )));
        }
        Some((_, v)) => *v = level.to_string(),
        None => entries.push((scope.to_string(), level.to_string())),
    }
    let Some(indent) = wf.child_indent(job.line) else {
        return Err(advise("; the job is not a plain block mapping"));
    };
    if wf.has_aliases(job.line, wf.block_end(job.line)) {
        return Err(advise("; the job has YAML anchors or aliases"));
    }
    let eol = wf.eol;
    let pad = " ".repeat(indent);
    let step = " ".repeat(wf.indent_step());
    let mut text = format!("{pad}permissions:{eol}");
    for (k, v) in &entries {
        text.push_str(&format!("{pad}{step}{k}: {v}{eol}"));
    }
    let (at, prefix) = wf.after_line(job.line);
    let content = if prefix.is_empty() {
        text
    } else {
        format!("{prefix}{}", text.strip_suffix(eol).unwrap_or(&text))
    };
    let edit = Edit::insert(&wf.path, at, content);
    // Re-parse: the only change is the job's new block, exactly these entries.
    let new_value = workflow::parse(&wf.path, &workflow::apply_one(&wf.text, &edit))?;
    let mut expected = wf.value.clone();
    let mut block = yaml_serde::Mapping::new();
    for (k, v) in &entries {
        block.insert(Value::String(k.clone()), Value::String(v.clone()));
    }
    match expected
        .get_mut("jobs")
        .and_then(|j| j.get_mut(job.id.as_str()))
    {
        Some(Value::Mapping(m)) => {
            m.insert(Value::String("permissions".into()), Value::Mapping(block));
        }
        _ => return Err(advise("; the job is not a mapping")),
    }
    if new_value != expected {
        return Err(Refusal::new(
            ReasonCode::Verify,
            format!("{}: the edit did not re-parse as intended", wf.path),
        ));
    }
    let copied = if entries.len() > 1 {
        " (the workflow's scopes copied: a job block replaces them)"
    } else {
        ""
    };
    Ok(Fix {
        fixer: ID,
        description: format!(
            "Give job `{}` in {} its own permissions with {scope}: {level}{copied} ({why})",
            job.id, wf.path
        ),
        applicability: Applicability::Unsafe,
        edits: vec![edit],
        evidence: Evidence::default(),
    })
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
        None => "Grant the token the permission the step needs in the job's `permissions:`, or fix the file's mode".to_string(),
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

    fn needs_of(step_yaml: &str) -> Vec<(&'static str, String)> {
        let text = format!("on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n{step_yaml}");
        let wf = Workflow::from_text("ci.yml", text).unwrap();
        let job = wf.jobs().unwrap().remove(0);
        let step = wf.steps(&job)[0];
        step_needs(&wf, &job, step, wf.lines.len())
            .into_iter()
            .map(|n| (n.scopes[0], n.text))
            .collect()
    }

    #[test]
    fn commands_that_write_with_the_token() {
        assert_eq!(
            needs_of("      - run: |\n          git add .\n          git push origin HEAD\n"),
            [("contents", "git push origin HEAD".to_string())]
        );
        assert_eq!(
            needs_of("      - run: make && git -C out push\n")[0].0,
            "contents"
        );
        assert_eq!(
            needs_of("      - run: gh pr comment 1 --body hi\n")[0].0,
            "pull-requests"
        );
        assert_eq!(
            needs_of("      - run: gh issue create -t x\n")[0].0,
            "issues"
        );
        assert_eq!(
            needs_of(
                "      - uses: actions/github-script@v7\n        with:\n          script: |\n            await github.rest.issues.createComment({})\n"
            )[0],
            (
                "issues",
                "await github.rest.issues.createComment({})".to_string()
            )
        );
        for none in [
            "      - run: pytest\n",
            "      - run: echo git push\n",
            "      - run: gh issue list\n",
            "      - run: |\n          # git push later\n          make\n",
            "      - uses: actions/checkout@v4\n",
        ] {
            assert!(needs_of(none).is_empty(), "{none}");
        }
    }
}
