//! `network-timeout`
//!
//! **What it does.** Advice only: retry or raise the timeout of the tool that
//! ran, and check the service, naming the host and port from the log.
//!
//! **Why.** A timeout or refused connection is rarely fixed by editing the
//! repository; what helps is specific: the retry flag of that tool, or a
//! health check on the service container that was not up yet.
//!
//! **Example.** `pip install` timing out on a registry: "retry with
//! `pip install --retries 5 --timeout 60`".
//!
//! **Fix safety.** Display-only: nothing is written.

use super::edit::{Fix, Refusal};
use super::workspace::Workspace;
use super::{FixOptions, Fixer};
use crate::classify::{Category, Diagnosis};

pub struct NetworkTimeout;

const ID: &str = "network-timeout";

/// A host name or address as printed: letters, digits, `.-:[]`, capped.
fn clean_host(h: &str) -> Option<&str> {
    (!h.is_empty()
        && h.len() <= 253
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c)))
    .then_some(h)
}

impl Fixer for NetworkTimeout {
    fn id(&self) -> &'static str {
        ID
    }

    fn category(&self) -> Category {
        Category::NetworkTimeout
    }

    fn plan(
        &self,
        d: &Diagnosis,
        _ws: &Workspace,
        _opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal> {
        let f = &d.facts;
        let target = match (f.host.as_deref().and_then(clean_host), f.port) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, Some(p)) => format!("port {p}"),
            (None, None) => "the remote service".to_string(),
        };
        let command = d
            .failure
            .command
            .as_deref()
            .or(f.command.as_deref())
            .unwrap_or("");
        let tool = command.split_whitespace().find(|w| {
            [
                "pip", "pip3", "npm", "yarn", "pnpm", "cargo", "curl", "wget", "git", "docker",
                "pytest", "go", "mvn", "gradle", "apt-get",
            ]
            .contains(&w.rsplit('/').next().unwrap_or(w))
        });
        let retry = match tool.map(|t| t.rsplit('/').next().unwrap_or(t)) {
            Some("pip" | "pip3") => "retry with `pip install --retries 5 --timeout 60`",
            Some("npm") => "retry with `npm ci --fetch-retries=5 --fetch-retry-maxtimeout=120000`",
            Some("yarn") => "raise `yarn --network-timeout 300000`",
            Some("pnpm") => "set `pnpm config set fetch-retries 5`",
            Some("cargo") => "set `CARGO_NET_RETRY=5` in the step's env",
            Some("curl") => "add `--retry 5 --retry-connrefused --max-time 60` to curl",
            Some("wget") => "add `--tries=5 --timeout=60` to wget",
            Some("git") => "retry the fetch, or use `actions/checkout` with `fetch-depth`",
            Some("docker") => "retry the pull, or log in to the registry to avoid rate limits",
            Some("pytest") => {
                "if the test needs a service, start it as a service container with a health check (`options: --health-cmd ...`), or rerun flaky tests with pytest-rerunfailures (`--reruns 2`)"
            }
            Some("go") => "set `GOPROXY` retries by re-running `go mod download`",
            Some("mvn") => "add `-Dmaven.wagon.http.retryHandler.count=5` to mvn",
            Some("gradle") => {
                "add `--no-daemon` and raise `systemProp.org.gradle.internal.http.socketTimeout`"
            }
            Some("apt-get") => "add `-o Acquire::Retries=5` to apt-get",
            _ => "retry the step or raise its timeout",
        };
        Ok(Some(Fix::advice(
            ID,
            format!(
                "The connection to {target} failed or timed out: {retry}; check that the service is up and reachable from the runner"
            ),
        )))
    }
}
