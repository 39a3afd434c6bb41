//! GitHub REST API client: run and job logs, jobs, artifacts; and the fork check.
//!
//! Only what `--run-id`/`--job-id` need, and only GET (the opt-in
//! pull-request comment of `--comment` aside: see [`comment`]). Three rules
//! shape it:
//!
//! - The token goes to the API host and nowhere else. Log and artifact
//!   downloads answer with a redirect to a storage host; redirects are followed
//!   here, by hand (at most five, HTTPS only), and `Authorization` is sent only
//!   when the target is the API's own scheme, host and port.
//! - Bounded: bodies over 256 MiB are dropped (the Content-Length is not
//!   trusted; the stream is counted), and retries (5xx, rate limits, transport
//!   errors) stop after three or five minutes of waiting.
//! - The token never appears in an error, a `Debug` output or a message.
//!
//! The downloaded bytes go to `ingest`, which owns every archive rule. Plain
//! `http://` is allowed for loopback hosts only, so tests can run a local server.

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use ureq::http::{self, Uri};

pub mod comment;

/// The public API; the CLI passes `GITHUB_API_URL` when it is set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Larger bodies are dropped whole.
pub const MAX_BODY_BYTES: u64 = 256 << 20;
/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 3;
/// All waiting between retries, together.
pub const RETRY_BUDGET: Duration = Duration::from_secs(300);
/// Redirects followed per download.
pub const MAX_REDIRECTS: usize = 5;
/// Pages of 100 jobs or artifacts read at most.
const MAX_PAGES: u32 = 50;
/// JSON listings are small; a larger one is not GitHub's.
const MAX_JSON_BYTES: u64 = 32 << 20;

/// Why a download failed. `what` names the resource (`logs for run 42`);
/// every variant is GitHub's or the network's fault, or a bad argument.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid API URL {0:?}: {1}")]
    BadBaseUrl(String, &'static str),
    #[error("invalid repository {0:?}: expected OWNER/NAME")]
    BadRepo(String),
    #[error("could not download {what}: HTTP {status}")]
    Status { what: String, status: u16 },
    #[error("could not download {what}: {reason}")]
    Transport { what: String, reason: String },
    #[error("could not download {what}: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects { what: String },
    #[error("could not download {what}: refusing redirect to {reason}")]
    BadRedirect { what: String, reason: String },
    #[error("could not download {what}: response exceeds {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("could not download {what}: malformed JSON: {reason}")]
    Json { what: String, reason: String },
    #[error("no artifact named {name:?} in run {run}")]
    NoArtifact { name: String, run: u64 },
    /// A write (`--comment`) was refused: 403 when the token lacks
    /// `pull-requests: write`, as a fork's `pull_request` token does.
    #[error("could not send {what}: HTTP {status}")]
    WriteStatus { what: String, status: u16 },
}

/// A job of a run, as the Jobs API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Job {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    /// `success`, `failure`, `cancelled`, `skipped`...; `None` while running.
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub steps: Vec<JobStep>,
    /// The run the job belongs to (the single-job endpoint names it).
    #[serde(default)]
    pub run_id: Option<u64>,
}

/// A workflow run, as `GET /repos/{repo}/actions/runs/{id}` reports it: what
/// decides whether it came from a fork, whatever event triggered it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Run {
    pub id: u64,
    /// `null` when the fork was deleted.
    #[serde(default)]
    pub head_repository: Option<RepoRef>,
    #[serde(default)]
    pub conclusion: Option<String>,
    /// The workflow file that ran (`.github/workflows/ci.yml`, possibly
    /// with `@ref`).
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RepoRef {
    #[serde(default)]
    pub full_name: Option<String>,
}

impl Run {
    /// Whether the run's head repository is not `repository` (a fork). Fails
    /// closed: a run without a head repository counts as a fork.
    pub fn is_fork_of(&self, repository: &str) -> bool {
        match self
            .head_repository
            .as_ref()
            .and_then(|h| h.full_name.as_deref())
        {
            Some(h) => !h.eq_ignore_ascii_case(repository.trim()),
            None => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JobStep {
    pub name: String,
    pub number: u32,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub conclusion: Option<String>,
}

/// An artifact of a run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Artifact {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub size_in_bytes: u64,
    #[serde(default)]
    pub expired: bool,
}

#[derive(Deserialize)]
struct JobsPage {
    #[serde(default)]
    total_count: u64,
    #[serde(default)]
    jobs: Vec<Job>,
}

#[derive(Deserialize)]
struct ArtifactsPage {
    #[serde(default)]
    total_count: u64,
    #[serde(default)]
    artifacts: Vec<Artifact>,
}

/// How the client waits between retries; tests pass one that only records.
pub type Sleeper = Box<dyn Fn(Duration) + Send + Sync>;

/// Scheme, host and port: what must match for the token to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Origin {
    fn of(uri: &Uri) -> Option<Origin> {
        let https = match uri.scheme_str()? {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Origin { https, host, port })
    }

    fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost" || h == "::1" || h.starts_with("127.")
    }

    /// HTTPS anywhere; plain HTTP only to this machine (tests).
    fn allowed(&self) -> bool {
        self.https || self.is_loopback()
    }
}

/// A GitHub REST client for one API base URL and one optional token.
pub struct Client {
    base: String,
    origin: Origin,
    token: Option<String>,
    agent: ureq::Agent,
    sleeper: Sleeper,
    max_body: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is never printed, not even its length.
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Client {
    /// `base` is `GITHUB_API_URL` (`https://api.github.com`, or
    /// `https://HOST/api/v3` on GitHub Enterprise Server).
    pub fn new(base: &str, token: Option<String>) -> Result<Client, ApiError> {
        let base = base.trim().trim_end_matches('/').to_string();
        let uri: Uri = base
            .parse()
            .map_err(|_| ApiError::BadBaseUrl(base.clone(), "not a URL"))?;
        let origin =
            Origin::of(&uri).ok_or_else(|| ApiError::BadBaseUrl(base.clone(), "not http(s)"))?;
        if !origin.allowed() {
            return Err(ApiError::BadBaseUrl(
                base,
                "plain http is allowed only for loopback hosts",
            ));
        }
        if uri.query().is_some() {
            return Err(ApiError::BadBaseUrl(base, "has a query"));
        }
        let proxy = if origin.is_loopback() {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(concat!("autoheal/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .timeout_recv_body(Some(Duration::from_secs(600)))
            .build();
        Ok(Client {
            base,
            origin,
            token: token.filter(|t| !t.trim().is_empty()),
            agent: ureq::Agent::new_with_config(config),
            sleeper: Box::new(std::thread::sleep),
            max_body: MAX_BODY_BYTES,
        })
    }

    /// Replaces `thread::sleep` between retries (tests record instead).
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> Client {
        self.sleeper = sleeper;
        self
    }

    /// Lowers the body cap (tests); it can only be lowered.
    pub fn with_max_body(mut self, max: u64) -> Client {
        self.max_body = max.min(MAX_BODY_BYTES);
        self
    }

    /// The run's log archive (a zip of every job's log), for `ingest`.
    pub fn run_logs(&self, repo: &str, run_id: u64) -> Result<Vec<u8>, ApiError> {
        let repo = check_repo(repo)?;
        let path = format!("/repos/{repo}/actions/runs/{run_id}/logs");
        self.get_bytes(&path, &format!("logs for run {run_id}"), self.max_body)
    }

    /// One job's log (plain text).
    pub fn job_logs(&self, repo: &str, job_id: u64) -> Result<Vec<u8>, ApiError> {
        let repo = check_repo(repo)?;
        let path = format!("/repos/{repo}/actions/jobs/{job_id}/logs");
        self.get_bytes(&path, &format!("logs for job {job_id}"), self.max_body)
    }

    /// One job, with its conclusion and the id of its run.
    pub fn job(&self, repo: &str, job_id: u64) -> Result<Job, ApiError> {
        let repo = check_repo(repo)?;
        let path = format!("/repos/{repo}/actions/jobs/{job_id}");
        self.get_json(&path, &format!("job {job_id}"))
    }

    /// The run object: its head repository decides the fork check.
    pub fn run(&self, repo: &str, run_id: u64) -> Result<Run, ApiError> {
        let repo = check_repo(repo)?;
        let path = format!("/repos/{repo}/actions/runs/{run_id}");
        self.get_json(&path, &format!("run {run_id}"))
    }

    /// Every job of the run (latest attempt), with its steps' conclusions.
    pub fn run_jobs(&self, repo: &str, run_id: u64) -> Result<Vec<Job>, ApiError> {
        let repo = check_repo(repo)?;
        let what = format!("jobs of run {run_id}");
        let mut jobs = Vec::new();
        for page in 1..=MAX_PAGES {
            let path = format!("/repos/{repo}/actions/runs/{run_id}/jobs?per_page=100&page={page}");
            let p: JobsPage = self.get_json(&path, &what)?;
            let n = p.jobs.len();
            jobs.extend(p.jobs);
            if n < 100 || jobs.len() as u64 >= p.total_count {
                break;
            }
        }
        Ok(jobs)
    }

    /// Every artifact of the run.
    pub fn run_artifacts(&self, repo: &str, run_id: u64) -> Result<Vec<Artifact>, ApiError> {
        let repo = check_repo(repo)?;
        let what = format!("artifacts of run {run_id}");
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let path =
                format!("/repos/{repo}/actions/runs/{run_id}/artifacts?per_page=100&page={page}");
            let p: ArtifactsPage = self.get_json(&path, &what)?;
            let n = p.artifacts.len();
            all.extend(p.artifacts);
            if n < 100 || all.len() as u64 >= p.total_count {
                break;
            }
        }
        Ok(all)
    }

    /// The zip of the run's artifact called `name` (not expired).
    pub fn artifact_by_name(
        &self,
        repo: &str,
        run_id: u64,
        name: &str,
    ) -> Result<Vec<u8>, ApiError> {
        let found = self
            .run_artifacts(repo, run_id)?
            .into_iter()
            .find(|a| a.name == name && !a.expired)
            .ok_or_else(|| ApiError::NoArtifact {
                name: name.to_string(),
                run: run_id,
            })?;
        let repo = check_repo(repo)?;
        let path = format!("/repos/{repo}/actions/artifacts/{}/zip", found.id);
        self.get_bytes(
            &path,
            &format!("artifact {:?} of run {run_id}", found.name),
            self.max_body,
        )
    }

    /// The `action.yml` (else `action.yaml`) of `owner/name[/path]` at
    /// `git_ref`, through the contents API; None when neither exists.
    pub fn action_manifest(&self, action: &str, git_ref: &str) -> Result<Option<String>, ApiError> {
        let (repo, dir) = check_action(action)?;
        let git_ref = check_ref(git_ref)?;
        for file in ["action.yml", "action.yaml"] {
            let path = match dir {
                "" => format!("/repos/{repo}/contents/{file}?ref={git_ref}"),
                d => format!("/repos/{repo}/contents/{d}/{file}?ref={git_ref}"),
            };
            let what = format!("{file} of {action}@{git_ref}");
            let body = match self.get_bytes(&path, &what, MAX_MANIFEST_BYTES) {
                Ok(b) => b,
                Err(ApiError::Status { status: 404, .. }) => continue,
                Err(e) => return Err(e),
            };
            let c: Contents = serde_json::from_slice(&body).map_err(|e| ApiError::Json {
                what: what.clone(),
                reason: e.to_string(),
            })?;
            if c.encoding != "base64" {
                return Err(ApiError::Json {
                    what,
                    reason: format!("encoding {:?}", c.encoding),
                });
            }
            let bytes = decode_base64(&c.content).ok_or_else(|| ApiError::Json {
                what: what.clone(),
                reason: "content is not base64".into(),
            })?;
            return String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| ApiError::Json {
                    what,
                    reason: "not UTF-8".into(),
                });
        }
        Ok(None)
    }

    fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, ApiError> {
        let bytes = self.get_bytes(path, what, MAX_JSON_BYTES.min(self.max_body))?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Json {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }

    /// GET with retries; each attempt follows redirects by hand.
    fn get_bytes(&self, path: &str, what: &str, cap: u64) -> Result<Vec<u8>, ApiError> {
        let url = format!("{}{path}", self.base);
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        loop {
            match self.attempt(&url, what, cap) {
                Ok(body) => return Ok(body),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry { err, wait }) => {
                    let wait = wait.unwrap_or_else(|| backoff(attempt));
                    if attempt >= MAX_RETRIES || waited + wait > RETRY_BUDGET {
                        return Err(err);
                    }
                    (self.sleeper)(wait);
                    waited += wait;
                    attempt += 1;
                }
            }
        }
    }

    fn attempt(&self, start: &str, what: &str, cap: u64) -> Result<Vec<u8>, Attempt> {
        let mut url = start.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let uri: Uri = url.parse().map_err(|_| {
                Attempt::Fatal(ApiError::BadRedirect {
                    what: what.to_string(),
                    reason: "an unparsable URL".to_string(),
                })
            })?;
            let origin = Origin::of(&uri).filter(Origin::allowed).ok_or_else(|| {
                Attempt::Fatal(ApiError::BadRedirect {
                    what: what.to_string(),
                    reason: "a non-HTTPS URL".to_string(),
                })
            })?;
            let mut req = self
                .agent
                .get(&url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28");
            if origin == self.origin
                && let Some(t) = &self.token
            {
                req = req.header("Authorization", format!("Bearer {t}"));
            }
            let resp = match req.call() {
                Ok(r) => r,
                Err(e) => {
                    return Err(Attempt::Retry {
                        err: ApiError::Transport {
                            what: what.to_string(),
                            reason: transport_reason(&e),
                        },
                        wait: None,
                    });
                }
            };
            let status = resp.status().as_u16();
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let Some(loc) = loc else {
                    return Err(Attempt::Fatal(ApiError::Status {
                        what: what.to_string(),
                        status,
                    }));
                };
                url = resolve(&uri, &loc);
                continue;
            }
            if resp.status().is_success() {
                return read_capped(resp, what, cap).map_err(Attempt::Fatal);
            }
            let err = ApiError::Status {
                what: what.to_string(),
                status,
            };
            let headers = resp.headers();
            let rate_limited = headers.contains_key("retry-after")
                || headers
                    .get("x-ratelimit-remaining")
                    .and_then(|v| v.to_str().ok())
                    == Some("0");
            return Err(match status {
                500..=599 => Attempt::Retry {
                    err,
                    wait: retry_wait(headers),
                },
                403 | 429 if rate_limited => Attempt::Retry {
                    err,
                    wait: retry_wait(headers),
                },
                _ => Attempt::Fatal(err),
            });
        }
        Err(Attempt::Fatal(ApiError::TooManyRedirects {
            what: what.to_string(),
        }))
    }
}

/// Largest `action.yml` read (the contents API's JSON, base64 included).
const MAX_MANIFEST_BYTES: u64 = 512 * 1024;

/// The contents API's answer for a file.
#[derive(Deserialize)]
struct Contents {
    #[serde(default)]
    encoding: String,
    #[serde(default)]
    content: String,
}

/// `owner/name[/path]` → (`owner/name`, `path`): every part a plain name,
/// so that nothing the log says can steer the request elsewhere.
fn check_action(action: &str) -> Result<(String, &str), ApiError> {
    let bad = || ApiError::BadRepo(action.chars().take(100).collect());
    let parts: Vec<&str> = action.split('/').collect();
    let plain = |p: &&str| {
        !p.is_empty()
            && p.len() <= 100
            && *p != "."
            && *p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    if parts.len() < 2 || parts.len() > 6 || !parts.iter().all(plain) {
        return Err(bad());
    }
    let repo = check_repo(&format!("{}/{}", parts[0], parts[1]))?.to_string();
    let dir_start = parts[0].len() + parts[1].len() + 2;
    Ok((repo, action.get(dir_start..).unwrap_or("")))
}

/// A git ref as `uses:` writes it: a tag, branch or sha, no `..`.
fn check_ref(r: &str) -> Result<&str, ApiError> {
    let ok = !r.is_empty()
        && r.len() <= 100
        && !r.contains("..")
        && !r.starts_with('/')
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
    if ok {
        Ok(r)
    } else {
        Err(ApiError::BadRepo(r.chars().take(100).collect()))
    }
}

/// Standard base64 with the line breaks the contents API puts in.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut ended = false;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                ended = true;
                continue;
            }
            b'\n' | b'\r' => continue,
            _ => return None,
        };
        if ended {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

enum Attempt {
    Retry {
        err: ApiError,
        wait: Option<Duration>,
    },
    Fatal(ApiError),
}

/// 1 s, 2 s, 4 s: GitHub's advice for secondary limits without headers is
/// "wait at least a minute", but 5xx are usually brief.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(6))
}

/// `retry-after` (seconds) first, then `x-ratelimit-reset` (epoch seconds).
fn retry_wait(headers: &http::HeaderMap) -> Option<Duration> {
    let num = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    if let Some(s) = num("retry-after") {
        return Some(Duration::from_secs(s));
    }
    let reset = num("x-ratelimit-reset")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    // One second of slack for clock skew.
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

/// An absolute `Location`, or a path resolved against the current origin.
fn resolve(current: &Uri, loc: &str) -> String {
    if loc.starts_with("https://") || loc.starts_with("http://") || loc.contains("://") {
        return loc.to_string();
    }
    let scheme = current.scheme_str().unwrap_or("https");
    let auth = current.authority().map(|a| a.as_str()).unwrap_or("");
    if loc.starts_with('/') {
        format!("{scheme}://{auth}{loc}")
    } else {
        // Relative to the current path's directory.
        let path = current.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        format!("{scheme}://{auth}{dir}{loc}")
    }
}

/// Reads at most `cap` bytes; one byte more drops the whole body. The
/// declared length only short-cuts the refusal; it is never trusted to size a
/// buffer.
fn read_capped(
    resp: http::Response<ureq::Body>,
    what: &str,
    cap: u64,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::TooLarge {
        what: what.to_string(),
        limit: cap,
    };
    if resp.body().content_length().is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(64 * 1024);
    resp.into_body()
        .into_reader()
        .take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| ApiError::Transport {
            what: what.to_string(),
            reason: e.to_string(),
        })?;
    if buf.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(buf)
}

/// A transport error without anything that could carry a header value.
fn transport_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => format!("{}", io.kind()),
        ureq::Error::Timeout(t) => format!("timeout ({t})"),
        ureq::Error::HostNotFound => "host not found".to_string(),
        other => other.to_string(),
    }
}

/// `OWNER/NAME` with GitHub's characters only, so it is safe in a URL path.
fn check_repo(repo: &str) -> Result<&str, ApiError> {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.len() <= 100
            && p != "."
            && p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    match repo.split_once('/') {
        Some((o, n)) if ok_part(o) && ok_part(n) => Ok(repo),
        _ => Err(ApiError::BadRepo(repo.to_string())),
    }
}

/// Why the event payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("malformed event payload: {0}")]
    Json(String),
}

/// Whether the event payload describes a run from another repository (a
/// fork): `workflow_run.head_repository.full_name`, or
/// `pull_request(_target).head.repo.full_name`, differs from
/// `GITHUB_REPOSITORY`. Fails closed: such an event without a head repository
/// (a deleted fork) counts as a fork. Other events carry no head here; with
/// `--run-id` or `--job-id` the API's run object decides for every event.
pub fn fork_run(event_json: &[u8], repository: &str) -> Result<bool, EventError> {
    let v: serde_json::Value =
        serde_json::from_slice(event_json).map_err(|e| EventError::Json(e.to_string()))?;
    let head = if let Some(run) = v.get("workflow_run") {
        run.get("head_repository")
    } else if let Some(pr) = v.get("pull_request") {
        pr.get("head").and_then(|h| h.get("repo"))
    } else {
        return Ok(false);
    };
    let head = head
        .and_then(|h| h.get("full_name"))
        .and_then(|n| n.as_str());
    Ok(match head {
        Some(h) => !h.eq_ignore_ascii_case(repository.trim()),
        None => true,
    })
}

/// The workflow file a run names (`workflow_run.path` in the event, `path`
/// in the API's run object), as a workspace path: the `@ref` suffix dropped,
/// and only a plain file under `.github/workflows/`.
pub fn workflow_file(path: &str) -> Option<String> {
    let p = path.split('@').next().unwrap_or("").trim();
    let plain = p.starts_with(".github/workflows/")
        && (p.ends_with(".yml") || p.ends_with(".yaml"))
        && p.len() <= 300
        && !p.split('/').any(|c| c.is_empty() || c == "." || c == "..")
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'));
    plain.then(|| p.to_string())
}

/// `workflow_run.path` of an event payload, as [`workflow_file`] takes it.
pub fn event_workflow_file(event_json: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(event_json).ok()?;
    workflow_file(v.get("workflow_run")?.get("path")?.as_str()?)
}

/// Whether the failed run's head commit is one of ours: its message (in a
/// `workflow_run` event's `head_commit`) has an `Autofix-By: autoheal`
/// trailer. A failure there is not fixed again (PAT or App tokens lift
/// GitHub's recursion guard, so a bad fix could loop).
pub fn previous_autofix(event_json: &[u8]) -> Result<bool, EventError> {
    let v: serde_json::Value =
        serde_json::from_slice(event_json).map_err(|e| EventError::Json(e.to_string()))?;
    let message = v
        .get("workflow_run")
        .and_then(|r| r.get("head_commit"))
        .and_then(|c| c.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or("");
    Ok(message.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("autofix-by") && v.trim().eq_ignore_ascii_case("autoheal")
        })
    }))
}

#[cfg(test)]
mod tests {

    #[test]
    fn action_manifest_requests_stay_plain() {
        assert_eq!(
            decode_base64("aGVs\nbG8=\n").as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(decode_base64("aGVsbG8=x"), None);
        assert_eq!(decode_base64("a$b"), None);
        assert_eq!(
            check_action("Acme/deploy-action/sub/dir").unwrap(),
            ("Acme/deploy-action".to_string(), "sub/dir")
        );
        for bad in [
            "acme",
            "acme/../x",
            "acme/x/..",
            "acme/x?ref=y",
            "acme/x#y",
            "acme//x",
            "a/b/c/d/e/f/g",
        ] {
            assert!(check_action(bad).is_err(), "{bad}");
        }
        assert!(check_ref("v4.1.0").is_ok() && check_ref("releases/v2").is_ok());
        for bad in ["", "v1&x=y", "../main", "/etc", "v1 x", "a..b"] {
            assert!(check_ref(bad).is_err(), "{bad}");
        }
    }
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(Client::new("https://api.github.com/", None).is_ok());
        assert!(Client::new("https://ghe.example/api/v3", None).is_ok());
        assert!(Client::new("http://127.0.0.1:8080", None).is_ok());
        assert!(Client::new("http://localhost:1", None).is_ok());
        assert!(Client::new("http://api.github.com", None).is_err());
        assert!(Client::new("ftp://x", None).is_err());
        assert!(Client::new("not a url", None).is_err());
    }

    #[test]
    fn debug_hides_token() {
        let c =
            Client::new("https://api.github.com", Some("ghs_secret123".into())).expect("client");
        let d = format!("{c:?}");
        assert!(!d.contains("secret"));
        assert!(d.contains("<redacted>"));
    }

    #[test]
    fn repo_names() {
        assert!(check_repo("octo-org/repo.name_1").is_ok());
        for bad in ["x", "a/b/c", "../x", "a/..", "a/b?x=1", "a/b#", "/b", "a/"] {
            assert!(check_repo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirect_resolution() {
        let cur: Uri = "https://api.github.com/repos/o/r/x".parse().expect("uri");
        assert_eq!(resolve(&cur, "https://s.example/a"), "https://s.example/a");
        assert_eq!(resolve(&cur, "/b"), "https://api.github.com/b");
        assert_eq!(resolve(&cur, "c"), "https://api.github.com/repos/o/r/c");
    }

    #[test]
    fn origins() {
        let o = |s: &str| Origin::of(&s.parse::<Uri>().expect("uri"));
        assert_eq!(o("https://A.example/x"), o("https://a.example:443/"));
        assert_ne!(o("https://a.example"), o("https://a.example:8443"));
        assert_ne!(o("http://127.0.0.1:1"), o("http://localhost:1"));
        assert!(o("http://127.0.0.1:9").is_some_and(|o| o.allowed()));
        assert!(o("http://example.com").is_some_and(|o| !o.allowed()));
    }

    #[test]
    fn retry_headers() {
        let mut h = http::HeaderMap::new();
        assert_eq!(retry_wait(&h), None);
        h.insert("x-ratelimit-reset", http::HeaderValue::from_static("0"));
        assert_eq!(retry_wait(&h), Some(Duration::from_secs(1)));
        h.insert("retry-after", http::HeaderValue::from_static("7"));
        assert_eq!(retry_wait(&h), Some(Duration::from_secs(7)));
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(4));
    }

    #[test]
    fn fork_check() {
        let ev = |head: &str| {
            format!(r#"{{"workflow_run": {{"head_repository": {{"full_name": "{head}"}}}}}}"#)
        };
        assert!(!fork_run(ev("o/r").as_bytes(), "o/r").expect("json"));
        let ours = r#"{"workflow_run":{"head_commit":{"message":"fix: add PyYAML\n\nAutofix-By: autoheal\n"}}}"#;
        assert!(previous_autofix(ours.as_bytes()).expect("json"));
        let theirs =
            r#"{"workflow_run":{"head_commit":{"message":"mention Autofix-By in prose"}}}"#;
        assert!(!previous_autofix(theirs.as_bytes()).expect("json"));
        assert!(!previous_autofix(b"{}").expect("json"));
        assert!(!fork_run(ev("O/R").as_bytes(), "o/r").expect("json"));
        assert!(fork_run(ev("evil/r").as_bytes(), "o/r").expect("json"));
        assert!(fork_run(br#"{"workflow_run": {"head_repository": null}}"#, "o/r").expect("json"));
        assert_eq!(
            event_workflow_file(
                br#"{"workflow_run": {"path": ".github/workflows/ci.yml@refs/heads/main"}}"#
            )
            .as_deref(),
            Some(".github/workflows/ci.yml")
        );
        for bad in [
            "../x.yml",
            ".github/workflows/../../etc/x.yml",
            "/etc/x.yml",
            ".github/workflows/a b.yml",
            "ci.yml",
        ] {
            assert_eq!(workflow_file(bad), None, "{bad}");
        }
        assert!(!fork_run(br#"{"push": {}}"#, "o/r").expect("json"));
        let pr = |head: &str| {
            format!(r#"{{"pull_request": {{"head": {{"repo": {{"full_name": "{head}"}}}}}}}}"#)
        };
        assert!(fork_run(pr("mallory/r").as_bytes(), "o/r").expect("json"));
        assert!(!fork_run(pr("o/r").as_bytes(), "o/r").expect("json"));
        assert!(fork_run(br#"{"pull_request": {"head": {"repo": null}}}"#, "o/r").expect("json"));
        let run = |head: Option<&str>| Run {
            id: 1,
            head_repository: Some(RepoRef {
                full_name: head.map(str::to_string),
            }),
            conclusion: None,
            path: None,
        };
        assert!(!run(Some("O/r")).is_fork_of("o/r"));
        assert!(run(Some("mallory/r")).is_fork_of("o/r"));
        assert!(run(None).is_fork_of("o/r"));
        assert!(fork_run(b"not json", "o/r").is_err());
    }
}
