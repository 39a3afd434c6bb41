//! Whether this process runs in the failed job itself.
//!
//! Re-running a step executes the repository's code. That is only as safe as
//! the failed step was: the same job, the same trigger, the same token, right
//! after the failure (`if: failure()`). A `workflow_run` or
//! `pull_request_target` job holds secrets and a write token while the code it
//! checked out may be a fork's; logs fetched through the API are another
//! job's; a fork's run is report-only everywhere. Every check here fails
//! closed: a value the runner should have set and did not is a refusal.

use crate::fix::Refusal;
use crate::github;

/// What the runner says about the job this process runs in (the CLI reads
/// it from `GITHUB_*` once).
#[derive(Debug, Clone, Default)]
pub struct JobContext {
    /// `GITHUB_ACTIONS=true`.
    pub github_actions: bool,
    /// `GITHUB_EVENT_NAME`.
    pub event_name: Option<String>,
    /// `GITHUB_JOB`: the job id (the key under `jobs:`).
    pub job: Option<String>,
    /// `GITHUB_RUN_ID`.
    pub run_id: Option<String>,
    /// `GITHUB_WORKFLOW_REF`: `owner/repo/.github/workflows/ci.yml@refs/...`.
    pub workflow_ref: Option<String>,
    /// `GITHUB_REPOSITORY`.
    pub repository: Option<String>,
    /// The event payload (`GITHUB_EVENT_PATH`), when it could be read.
    pub event: Option<Vec<u8>>,
    /// The logs came through the API (`--run-id`, `--job-id`).
    pub api_logs: bool,
}

/// The id of every refusal of this module.
pub const NOT_SAME_JOB: &str = "verify-not-same-job";

/// Triggers whose job runs the repository's own code with the trust that
/// code already had. Everything else is refused: `workflow_run`,
/// `pull_request_target`, `issue_comment` and the like run privileged on
/// behalf of someone else's change, and an unknown event is not trusted.
const SAME_TRUST_EVENTS: &[&str] = &[
    "push",
    "pull_request",
    "merge_group",
    "workflow_dispatch",
    "schedule",
];

fn refuse(detail: impl Into<String>) -> Refusal {
    Refusal::new(NOT_SAME_JOB, detail)
}

/// Where this job's workflow file is and the job's id, once every check
/// has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameJob {
    /// Repository-relative path of the running workflow.
    pub workflow: String,
    pub job: String,
}

/// The checks that need no workspace: the logs' origin, the trigger, the
/// run, the fork test, and which workflow and job are running.
pub fn check(ctx: &JobContext) -> Result<SameJob, Refusal> {
    if ctx.api_logs {
        return Err(refuse(
            "logs downloaded with --run-id/--job-id are another job's; verification runs only \
             as a step of the failed job (if: failure())",
        ));
    }
    if !ctx.github_actions {
        return Err(refuse(
            "not inside a GitHub Actions job (GITHUB_ACTIONS is not true); verification runs only \
             as a step of the failed job",
        ));
    }
    let event = ctx.event_name.as_deref().unwrap_or("");
    if !SAME_TRUST_EVENTS.contains(&event) {
        return Err(refuse(format!(
            "the job was triggered by {}, not by the change it tests; verification re-runs code \
             only in push, pull_request, merge_group, workflow_dispatch and schedule jobs",
            if event.is_empty() {
                "an unknown event".to_string()
            } else {
                format!("`{}`", crate::sanitize::escape_single_line(event))
            }
        )));
    }
    let run_ok = ctx
        .run_id
        .as_deref()
        .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()));
    if !run_ok {
        return Err(refuse("GITHUB_RUN_ID is missing or not a number"));
    }
    let repo = ctx.repository.as_deref().unwrap_or("");
    if repo.is_empty() {
        return Err(refuse("GITHUB_REPOSITORY is not set"));
    }
    let Some(event_json) = ctx.event.as_deref() else {
        return Err(refuse(
            "the event payload (GITHUB_EVENT_PATH) could not be read",
        ));
    };
    match github::fork_run(event_json, repo) {
        Ok(false) => {}
        Ok(true) => {
            return Err(refuse(
                "the run comes from a fork; its code is not re-run (report only)",
            ));
        }
        Err(_) => return Err(refuse("the event payload is not JSON")),
    }
    let job = ctx.job.as_deref().unwrap_or("");
    if job.is_empty() || job.len() > 100 || !job.bytes().all(is_job_id_byte) {
        return Err(refuse("GITHUB_JOB is missing or not a job id"));
    }
    let workflow = ctx
        .workflow_ref
        .as_deref()
        .and_then(|r| workflow_path(r, repo))
        .ok_or_else(|| {
            refuse(
                "GITHUB_WORKFLOW_REF does not name a workflow of this repository (a reusable \
                 workflow of another repository?)",
            )
        })?;
    Ok(SameJob {
        workflow,
        job: job.to_string(),
    })
}

fn is_job_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `owner/repo/.github/workflows/ci.yml@refs/heads/main` → the path, when
/// the owner/repo part is `repository` and the path is a workflow file.
fn workflow_path(workflow_ref: &str, repository: &str) -> Option<String> {
    let (path, _ref) = workflow_ref.rsplit_once('@')?;
    let rest = path.get(repository.len()..)?;
    if !path[..repository.len()].eq_ignore_ascii_case(repository) {
        return None;
    }
    let rest = rest.strip_prefix('/')?;
    let name = rest.strip_prefix(".github/workflows/")?;
    let ok = !name.is_empty()
        && !name.contains('/')
        && !name.starts_with('.')
        && (name.ends_with(".yml") || name.ends_with(".yaml"));
    ok.then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> JobContext {
        JobContext {
            github_actions: true,
            event_name: Some("push".into()),
            job: Some("test".into()),
            run_id: Some("42".into()),
            workflow_ref: Some("acme/tee-mvp/.github/workflows/ci.yml@refs/heads/main".into()),
            repository: Some("acme/tee-mvp".into()),
            event: Some(br#"{"ref":"refs/heads/main"}"#.to_vec()),
            api_logs: false,
        }
    }

    #[test]
    fn the_failed_job_itself_passes() {
        let ok = check(&ctx()).expect("same job");
        assert_eq!(ok.workflow, ".github/workflows/ci.yml");
        assert_eq!(ok.job, "test");
    }

    #[test]
    fn each_missing_or_foreign_fact_refuses() {
        type Change = Box<dyn Fn(&mut JobContext)>;
        let cases: Vec<(&str, Change)> = vec![
            ("api", Box::new(|c| c.api_logs = true)),
            ("not actions", Box::new(|c| c.github_actions = false)),
            (
                "workflow_run",
                Box::new(|c| c.event_name = Some("workflow_run".into())),
            ),
            (
                "pull_request_target",
                Box::new(|c| c.event_name = Some("pull_request_target".into())),
            ),
            ("no event", Box::new(|c| c.event_name = None)),
            ("no run", Box::new(|c| c.run_id = Some("4x".into()))),
            ("no job", Box::new(|c| c.job = None)),
            ("odd job", Box::new(|c| c.job = Some("a b".into()))),
            ("no payload", Box::new(|c| c.event = None)),
            ("bad payload", Box::new(|c| c.event = Some(b"{".to_vec()))),
            (
                "fork",
                Box::new(|c| {
                    c.event = Some(
                        br#"{"pull_request":{"head":{"repo":{"full_name":"evil/tee-mvp"}}}}"#
                            .to_vec(),
                    )
                }),
            ),
            (
                "other repo's workflow",
                Box::new(|c| {
                    c.workflow_ref = Some("evil/x/.github/workflows/ci.yml@refs/heads/main".into())
                }),
            ),
            (
                "not a workflow path",
                Box::new(|c| {
                    c.workflow_ref = Some("acme/tee-mvp/../ci.yml@refs/heads/main".into())
                }),
            ),
        ];
        for (name, change) in cases {
            let mut c = ctx();
            change(&mut c);
            let r = check(&c).expect_err(name);
            assert_eq!(r.id, NOT_SAME_JOB, "{name}");
        }
    }
}
