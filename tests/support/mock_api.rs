//! The loopback GitHub API mock (`tests/action/mock_api.py`, the one
//! scripts/e2e-recipes runs under act) for tests that run the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct MockApi {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl MockApi {
    /// Starts the mock on 127.0.0.1 with `config` (see the script's doc).
    pub fn start(config: &serde_json::Value) -> MockApi {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = dir.path().join("mock.json");
        std::fs::write(&cfg, serde_json::to_vec(config).expect("json")).expect("write config");
        let port = dir.path().join("port");
        let log = dir.path().join("requests.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/action/mock_api.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(&cfg)
            .arg(&port)
            .arg(&log)
            .spawn()
            .expect("python3 runs the mock");
        let start = Instant::now();
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port) {
                break p;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "mock did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        MockApi {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
            log,
            _dir: dir,
        }
    }

    /// Every request so far: `{method, path, status, authorized, body?}`.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("request log line"))
            .collect()
    }

    pub fn writes(&self) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] != "GET")
            .collect()
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
