//! A committed git checkout to fix, and the binary's `fix` run on it: the
//! harness the grounded-fix tests share.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `git` in `dir`, with a throwaway identity; panics when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// A checkout at `<tmp>/ws` holding `files`, committed.
pub fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    for (name, text) in files {
        let p = ws.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    (tmp, ws)
}

/// `autoheal fix ARGS -C WS LOG` with a scrubbed environment: exit code,
/// stdout, stderr.
pub fn fix(args: &[&str], ws: &Path, log: &Path) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("fix")
        .args(args)
        .arg("-C")
        .arg(ws)
        .arg(log)
        .output()
        .expect("binary runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
