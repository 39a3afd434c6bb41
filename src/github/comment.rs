//! The opt-in writes: one sticky pull-request comment and one suggestion.
//!
//! The only requests autoheal sends that are not GET (SECURITY.md §2), made
//! only with `--comment`. What they rest on:
//!
//! - The pull request comes from the API (the run object's `pull_requests`,
//!   else the pull requests of the run's head commit, whose head must be
//!   that commit), never from log text.
//! - The comment to edit is found by a hidden marker *and* by its author
//!   being the token's own user: anyone can paste the marker into a comment
//!   of theirs, and we must not edit (or be steered by) it.
//! - One attempt, no redirect followed, the token to the API origin only (the
//!   client's rules); a refusal (403 for a read-only token, as a fork's
//!   `pull_request` run gets) means nothing is posted, which the caller
//!   reports without failing the run.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Client, MAX_JSON_BYTES, check_repo, read_capped, transport_reason};

/// The author GitHub gives comments made with a workflow's `GITHUB_TOKEN`
/// (whose `/user` answers 403).
pub const ACTIONS_BOT: &str = "github-actions[bot]";
/// Comment pages read at most when looking for our own.
const MAX_COMMENT_PAGES: u32 = 10;

/// A pull request the API ties to the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    /// The commit its head is at (review comments attach to it).
    pub head_sha: String,
}

#[derive(Deserialize)]
struct RunPrs {
    #[serde(default)]
    head_sha: Option<String>,
    #[serde(default)]
    pull_requests: Vec<PrRef>,
}

#[derive(Deserialize)]
struct PrRef {
    number: u64,
    #[serde(default)]
    head: Option<ShaRef>,
}

#[derive(Deserialize)]
struct ShaRef {
    #[serde(default)]
    sha: Option<String>,
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct PrFile {
    filename: String,
}

/// Whether a write made a new comment or edited ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Created(u64),
    Updated(u64),
}

impl Client {
    /// The open pull request of run `run_id`, by the API's word: one whose
    /// head is the run's head commit.
    pub fn pull_request_of_run(
        &self,
        repo: &str,
        run_id: u64,
    ) -> Result<Option<PullRequest>, ApiError> {
        let repo = check_repo(repo)?;
        let run: RunPrs = self.get_json(
            &format!("/repos/{repo}/actions/runs/{run_id}"),
            &format!("run {run_id}"),
        )?;
        let Some(head) = run.head_sha.filter(|s| is_sha(s)) else {
            return Ok(None);
        };
        let same_head = |p: &PrRef| p.head.as_ref().and_then(|h| h.sha.as_deref()) == Some(&head);
        let mut prs = run.pull_requests;
        if prs.is_empty() {
            // A fork's run lists none; the commit's own pull requests do.
            prs = self.get_json(
                &format!("/repos/{repo}/commits/{head}/pulls"),
                &format!("pull requests of {head}"),
            )?;
        }
        let mut found = prs.into_iter().filter(same_head);
        match (found.next(), found.next()) {
            (Some(p), None) => Ok(Some(PullRequest {
                number: p.number,
                head_sha: head,
            })),
            // None, or two: which one would be a guess.
            _ => Ok(None),
        }
    }

    /// The token's own login: `/user` for a personal or App user token, else
    /// the Actions bot (a workflow token cannot read `/user`).
    pub fn own_login(&self) -> String {
        #[derive(Deserialize)]
        struct Me {
            login: String,
        }
        match self.get_json::<Me>("/user", "the token's user") {
            Ok(me) if !me.login.trim().is_empty() => me.login,
            _ => ACTIONS_BOT.to_string(),
        }
    }

    /// Files the pull request changes.
    pub fn pull_request_files(&self, repo: &str, pr: u64) -> Result<Vec<String>, ApiError> {
        let repo = check_repo(repo)?;
        let mut out = Vec::new();
        for page in 1..=MAX_COMMENT_PAGES {
            let files: Vec<PrFile> = self.get_json(
                &format!("/repos/{repo}/pulls/{pr}/files?per_page=100&page={page}"),
                &format!("files of pull request {pr}"),
            )?;
            let n = files.len();
            out.extend(files.into_iter().map(|f| f.filename));
            if n < 100 {
                break;
            }
        }
        Ok(out)
    }

    /// Posts `body` on the pull request, or edits our earlier comment holding
    /// `marker` (ours: written by `me`).
    pub fn upsert_issue_comment(
        &self,
        repo: &str,
        pr: u64,
        me: &str,
        marker: &str,
        body: &str,
    ) -> Result<Upsert, ApiError> {
        let repo = check_repo(repo)?;
        let list = format!("/repos/{repo}/issues/{pr}/comments");
        match self.find_own(&list, me, marker, None)? {
            Some(id) => {
                let path = format!("/repos/{repo}/issues/comments/{id}");
                self.send_json("PATCH", &path, &json!({ "body": body }), "the comment")?;
                Ok(Upsert::Updated(id))
            }
            None => {
                let v = self.send_json("POST", &list, &json!({ "body": body }), "a comment")?;
                Ok(Upsert::Created(v["id"].as_u64().unwrap_or(0)))
            }
        }
    }

    /// Posts a review comment on `path` lines `start..=end` of the pull
    /// request's head (`RIGHT` side), or edits our earlier one on that path.
    #[allow(clippy::too_many_arguments)]
    pub fn upsert_review_comment(
        &self,
        repo: &str,
        pr: &PullRequest,
        me: &str,
        marker: &str,
        path: &str,
        (start, end): (u64, u64),
        body: &str,
    ) -> Result<Upsert, ApiError> {
        let repo = check_repo(repo)?;
        let list = format!("/repos/{repo}/pulls/{}/comments", pr.number);
        match self.find_own(&list, me, marker, Some(path))? {
            Some(id) => {
                let p = format!("/repos/{repo}/pulls/comments/{id}");
                self.send_json("PATCH", &p, &json!({ "body": body }), "the suggestion")?;
                Ok(Upsert::Updated(id))
            }
            None => {
                let mut req = json!({
                    "body": body, "commit_id": pr.head_sha, "path": path,
                    "line": end, "side": "RIGHT",
                });
                if start < end {
                    req["start_line"] = json!(start);
                    req["start_side"] = json!("RIGHT");
                }
                let v = self.send_json("POST", &list, &req, "a suggestion")?;
                Ok(Upsert::Created(v["id"].as_u64().unwrap_or(0)))
            }
        }
    }

    /// Our comment in the listing at `list` that holds `marker` (and is on
    /// `path`, for review comments).
    fn find_own(
        &self,
        list: &str,
        me: &str,
        marker: &str,
        path: Option<&str>,
    ) -> Result<Option<u64>, ApiError> {
        for page in 1..=MAX_COMMENT_PAGES {
            let comments: Vec<Comment> = self.get_json(
                &format!("{list}?per_page=100&page={page}"),
                "the pull request's comments",
            )?;
            let n = comments.len();
            let own = comments.into_iter().find(|c| {
                c.user.as_ref().is_some_and(|u| u.login == me)
                    && c.body.as_deref().is_some_and(|b| b.contains(marker))
                    && path.is_none_or(|p| c.path.as_deref() == Some(p))
            });
            if let Some(c) = own {
                return Ok(Some(c.id));
            }
            if n < 100 {
                break;
            }
        }
        Ok(None)
    }

    /// One JSON write to the API: no retry (a POST is not idempotent), no
    /// redirect followed.
    fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &Value,
        what: &str,
    ) -> Result<Value, ApiError> {
        let url = format!("{}{path}", self.base);
        let data = serde_json::to_vec(body).map_err(|e| ApiError::Json {
            what: what.to_string(),
            reason: e.to_string(),
        })?;
        let builder = match method {
            "POST" => self.agent.post(&url),
            _ => self.agent.patch(&url),
        };
        let mut req = builder
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("Content-Type", "application/json");
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let resp = req.send(&data[..]).map_err(|e| ApiError::Transport {
            what: format!("sending {what}"),
            reason: transport_reason(&e),
        })?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            return Err(ApiError::WriteStatus {
                what: what.to_string(),
                status,
            });
        }
        let bytes = read_capped(resp, what, MAX_JSON_BYTES)?;
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shas() {
        assert!(is_sha("abc1234"));
        assert!(!is_sha("abc"));
        assert!(!is_sha("../../x"));
    }
}
