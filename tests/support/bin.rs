//! The binary under test, run as a CI step runs it: an environment with
//! nothing of this machine's but `PATH`, and `HOME` in the temp directory.

#![allow(dead_code)]

use assert_cmd::Command;

pub fn autoheal() -> Command {
    let mut cmd = Command::cargo_bin("autoheal").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    cmd
}
