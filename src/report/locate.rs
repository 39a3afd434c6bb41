//! Where things are on GitHub: a failure's log line on the run page, and the
//! lines a fix changes.
//!
//! A reader of the job summary wants to click from a failure to its line in
//! the run's log, and to see the fix on the line it changes. Links are built
//! only from trusted parts: the server URL the runner sets, the repository,
//! the run id we downloaded, and the job id and step number the Jobs API
//! reports (a step number in a log file name could be forged). Only the line
//! number within the step comes from the log, and it is a number. A changed
//! line comes from our own rendered diff, never from log text.

use crate::github::Job;

/// The run page of a run whose logs came through the API, and its jobs.
#[derive(Debug, Clone, Default)]
pub struct RunLinks {
    /// `https://github.com/OWNER/NAME/actions/runs/RUN`
    run_url: String,
    jobs: Vec<Job>,
}

impl RunLinks {
    /// `None` unless the server URL is a plain `https://host[:port][/path]`
    /// and the repository a plain `OWNER/NAME`: nothing else may reach a link.
    pub fn new(server_url: &str, repo: &str, run_id: u64, jobs: Vec<Job>) -> Option<RunLinks> {
        let server = server_url.trim_end_matches('/');
        let rest = server.strip_prefix("https://")?;
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        };
        let mut host_and_path = rest.split('/');
        let host = host_and_path.next()?;
        let (name, port) = host.split_once(':').unwrap_or((host, ""));
        if !plain(name) || !port.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if !host_and_path.all(plain) {
            return None;
        }
        let (owner, name) = repo.split_once('/')?;
        if !plain(owner) || !plain(name) || name.contains('/') {
            return None;
        }
        Some(RunLinks {
            run_url: format!("{server}/{owner}/{name}/actions/runs/{run_id}"),
            jobs,
        })
    }

    /// The link to `line` of step `step` of job `job` on the run page
    /// (`…/job/ID#step:N:L`); the job alone when the step is not known; the
    /// run page when the job is not.
    pub fn log_line(&self, job: &str, step: &str, line: u64) -> String {
        let Some(j) = self.job(job) else {
            return self.run_url.clone();
        };
        let step = step.trim();
        match j.steps.iter().find(|s| s.name.trim() == step) {
            Some(s) if line > 0 => {
                format!("{}/job/{}#step:{}:{line}", self.run_url, j.id, s.number)
            }
            Some(s) => format!("{}/job/{}#step:{}", self.run_url, j.id, s.number),
            None => format!("{}/job/{}", self.run_url, j.id),
        }
    }

    /// The API's job of this name: an exact match (letters and digits) wins
    /// over a prefix one, and two candidates are none.
    fn job(&self, name: &str) -> Option<&Job> {
        let key = crate::ingest::job_name_key(name);
        let exact: Vec<&Job> = self
            .jobs
            .iter()
            .filter(|j| crate::ingest::job_name_key(&j.name) == key)
            .collect();
        let found = if exact.is_empty() {
            self.jobs
                .iter()
                .filter(|j| crate::ingest::job_names_match(&j.name, name))
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// One hunk of a unified diff: the file, where it starts on each side, and
/// its removed and added lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub file: String,
    /// First changed line on the old side (1-based).
    pub old_line: u64,
    /// First changed line on the new side (1-based; for a pure deletion, the
    /// line after it).
    pub new_line: u64,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// The hunks of our own unified diff, narrowed to their changed lines (the
/// context around them dropped). A hunk whose changed lines are not one run
/// is split at its context lines.
pub fn hunks(diff: &str) -> Vec<Hunk> {
    let mut out = Vec::new();
    let mut file: Option<String> = None;
    let (mut old, mut new) = (0u64, 0u64);
    // Lines left in the current hunk on each side: inside a hunk, `--- x`
    // is a removed line, not a header.
    let (mut old_left, mut new_left) = (0u64, 0u64);
    let mut cur: Option<Hunk> = None;
    for line in diff.lines() {
        if old_left == 0 && new_left == 0 {
            out.extend(cur.take());
            if let Some(path) = line.strip_prefix("+++ ") {
                file = path.strip_prefix("b/").map(str::to_string);
            } else if let Some(h) = line.strip_prefix("@@ ") {
                let mut parts = h.split_whitespace();
                let range = |p: Option<&str>, sign: char| -> (u64, u64) {
                    let mut r = p
                        .and_then(|p| p.strip_prefix(sign))
                        .unwrap_or("")
                        .split(',');
                    let start = r.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                    let len = r.next().map_or(Some(1), |n| n.parse().ok()).unwrap_or(0);
                    (start, len)
                };
                (old, old_left) = range(parts.next(), '-');
                (new, new_left) = range(parts.next(), '+');
                // An empty side starts after the line its number names.
                if old_left == 0 {
                    old += 1;
                }
                if new_left == 0 {
                    new += 1;
                }
            }
            continue;
        }
        let Some(f) = &file else {
            (old_left, new_left) = (0, 0);
            continue;
        };
        if let Some(r) = line.strip_prefix('-') {
            open_hunk(&mut cur, f, old, new).removed.push(r.to_string());
            old += 1;
            old_left = old_left.saturating_sub(1);
        } else if let Some(a) = line.strip_prefix('+') {
            open_hunk(&mut cur, f, old, new).added.push(a.to_string());
            new += 1;
            new_left = new_left.saturating_sub(1);
        } else if line.starts_with('\\') {
            // `\ No newline at end of file`
        } else {
            out.extend(cur.take());
            old += 1;
            new += 1;
            old_left = old_left.saturating_sub(1);
            new_left = new_left.saturating_sub(1);
        }
    }
    out.extend(cur);
    out
}

fn open_hunk<'a>(cur: &'a mut Option<Hunk>, file: &str, old: u64, new: u64) -> &'a mut Hunk {
    cur.get_or_insert_with(|| Hunk {
        file: file.to_string(),
        old_line: old,
        new_line: new,
        removed: Vec::new(),
        added: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::JobStep;

    fn jobs() -> Vec<Job> {
        vec![Job {
            id: 77,
            name: "test".into(),
            status: None,
            conclusion: Some("failure".into()),
            steps: vec![JobStep {
                name: "Run pytest".into(),
                number: 5,
                status: None,
                conclusion: None,
            }],
            run_id: Some(9),
        }]
    }

    #[test]
    fn links_come_from_trusted_parts_only() {
        let l = RunLinks::new("https://github.com", "acme/shop", 9, jobs()).expect("links");
        assert_eq!(
            l.log_line("test", "Run pytest", 8),
            "https://github.com/acme/shop/actions/runs/9/job/77#step:5:8"
        );
        assert_eq!(
            l.log_line("test", "Other", 8),
            "https://github.com/acme/shop/actions/runs/9/job/77"
        );
        assert_eq!(
            l.log_line("lint", "Run pytest", 8),
            "https://github.com/acme/shop/actions/runs/9"
        );
        assert!(RunLinks::new("https://ghes.example.com:8443/", "a/b", 1, vec![]).is_some());
        for (server, repo) in [
            ("http://github.com", "a/b"),
            ("https://evil.example)[x](y", "a/b"),
            ("https://github.com", "a/b/c"),
            ("https://github.com", "a/b)"),
            ("https://github.com", "a b/c"),
            ("javascript:alert(1)", "a/b"),
        ] {
            assert!(
                RunLinks::new(server, repo, 1, vec![]).is_none(),
                "{server} {repo}"
            );
        }
    }

    #[test]
    fn hunks_of_a_diff() {
        let diff = "diff --git a/w.yml b/w.yml\n--- a/w.yml\n+++ b/w.yml\n@@ -17,4 +17,4 @@\n   a\n   b\n-  c\n+  c d\n   e\n@@ -40,2 +40,3 @@\n x\n+y\n z\n";
        // A removed line that reads like a header stays a removed line.
        let tricky = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n--- a\n+++ b\n k\n";
        let t = hunks(tricky);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].removed.clone(), t[0].added.clone()),
            (vec!["-- a".to_string()], vec!["++ b".to_string()])
        );
        let h = hunks(diff);
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h[0].file, "w.yml");
        assert_eq!((h[0].old_line, h[0].new_line), (19, 19));
        assert_eq!(h[0].removed, vec!["  c"]);
        assert_eq!(h[0].added, vec!["  c d"]);
        assert_eq!((h[1].old_line, h[1].new_line), (41, 41));
        assert!(h[1].removed.is_empty());
    }
}
