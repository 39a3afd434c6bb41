//! The one place autoheal starts a process.
//!
//! A re-run is the repository's own code, so it is bounded like anything
//! else we do not control: one deadline (the whole process group is killed
//! when it passes, and again when the leader exits, so a stray background
//! process cannot hold the pipe open), a cap on what is echoed, a bounded tail
//! kept for diagnosis, no stdin. Its output is log text: on the runner it is
//! echoed inside a collapsed group and a fresh stop-commands block, redacted,
//! with controls escaped and workflow commands neutralised, so the re-run
//! cannot speak to the runner through us.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::sanitize::{self, Redactor};

/// What is echoed of one process at most; the rest is counted.
pub const MAX_ECHO_BYTES: usize = 1024 * 1024;
/// What is kept of the end of the output for diagnosis.
pub const MAX_TAIL_BYTES: usize = 512 * 1024;
/// Longest line echoed.
const MAX_LINE_BYTES: usize = 16 * 1024;

/// How a process ended.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The exit code; `None` when killed by a signal or the deadline.
    pub code: Option<i32>,
    pub timed_out: bool,
    /// The last [`MAX_TAIL_BYTES`] of stdout and stderr, interleaved as written.
    pub tail: Vec<u8>,
}

impl Ran {
    pub fn passed(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// The last `n` lines of the output, lossily decoded.
    pub fn last_lines(&self, n: usize) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.tail);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| l.to_string())
            .collect()
    }
}

/// Where re-run output is echoed, and how.
pub struct Echo<'a> {
    pub out: &'a mut dyn Write,
    /// GitHub mode: a `::group::` and a stop-commands block.
    pub github: bool,
    pub redactor: &'a Redactor,
}

/// A process to run: program, arguments, working directory, environment
/// (exactly this; nothing is inherited).
pub struct Spec<'a> {
    pub program: &'a str,
    pub args: Vec<OsString>,
    pub cwd: &'a Path,
    pub env: Vec<(OsString, OsString)>,
    pub title: &'a str,
}

/// Run `spec` until it exits or `deadline` passes.
pub fn run(spec: Spec<'_>, deadline: Instant, echo: &mut Echo<'_>) -> io::Result<Ran> {
    use std::os::unix::process::CommandExt;
    let (reader, writer) = io::pipe()?;
    let mut cmd = Command::new(spec.program);
    cmd.args(&spec.args)
        .current_dir(spec.cwd)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .process_group(0);
    let token = open_group(echo, spec.title)?;
    let child = cmd.spawn();
    // The pipe's write ends live in `cmd`; drop them so EOF comes when the
    // process group is done.
    drop(cmd);
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            close_group(echo, &token)?;
            return Err(e);
        }
    };
    let pid = rustix::process::Pid::from_child(&child);
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let collector = std::thread::spawn(move || collect(reader, tx));
    let mut stream = Stream::default();
    let mut timed_out = false;
    let mut status = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(chunk) => stream.feed(echo, &chunk)?,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if status.is_none() {
            if let Some(s) = child.try_wait()? {
                status = Some(s);
                // Background processes of the step die with it, as on the
                // runner, so none keeps the pipe open.
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            } else if Instant::now() >= deadline {
                timed_out = true;
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
                status = child.wait().ok();
            }
        }
    }
    if status.is_none() {
        status = child.wait().ok();
    }
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    let (tail, bytes) = collector
        .join()
        .map_err(|_| io::Error::other("the output reader panicked"))??;
    stream.finish(echo, bytes)?;
    close_group(echo, &token)?;
    Ok(Ran {
        code: status.and_then(|s| s.code()),
        timed_out,
        tail,
    })
}

/// Reads the pipe to its end, sending each chunk to be echoed and keeping
/// the last [`MAX_TAIL_BYTES`] for diagnosis.
fn collect(
    mut reader: io::PipeReader,
    tx: std::sync::mpsc::Sender<Vec<u8>>,
) -> io::Result<(Vec<u8>, u64)> {
    let mut tail = Vec::new();
    let mut bytes = 0u64;
    let mut sent = 0usize;
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        bytes += n as u64;
        let room = MAX_ECHO_BYTES.saturating_sub(sent);
        if room > 0 {
            let take = n.min(room);
            sent += take;
            let _ = tx.send(buf[..take].to_vec());
        }
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > 2 * MAX_TAIL_BYTES {
            tail.drain(..tail.len() - MAX_TAIL_BYTES);
        }
    }
    if tail.len() > MAX_TAIL_BYTES {
        tail.drain(..tail.len() - MAX_TAIL_BYTES);
    }
    Ok((tail, bytes))
}

/// Echoes whole lines as they arrive.
#[derive(Default)]
struct Stream {
    pending: Vec<u8>,
    echoed: u64,
}

impl Stream {
    fn feed(&mut self, echo: &mut Echo<'_>, chunk: &[u8]) -> io::Result<()> {
        self.echoed += chunk.len() as u64;
        self.pending.extend_from_slice(chunk);
        if let Some(end) = memchr::memrchr(b'\n', &self.pending) {
            let rest = self.pending.split_off(end + 1);
            let lines = std::mem::replace(&mut self.pending, rest);
            echo_lines(echo, &lines)?;
        } else if self.pending.len() > MAX_LINE_BYTES {
            let lines = std::mem::take(&mut self.pending);
            echo_lines(echo, &lines)?;
        }
        Ok(())
    }

    fn finish(&mut self, echo: &mut Echo<'_>, total: u64) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        echo_lines(echo, &rest)?;
        if total > self.echoed {
            writeln!(
                echo.out,
                "[autoheal: {} more bytes of output not shown]",
                total - self.echoed
            )?;
        }
        Ok(())
    }
}

fn open_group(echo: &mut Echo<'_>, title: &str) -> io::Result<String> {
    let title = sanitize::neutralize_commands(&echo.redactor.clean_line(title)).into_owned();
    if !echo.github {
        writeln!(echo.out, "── autoheal verify: {title}")?;
        return Ok(String::new());
    }
    let token = random_token()?;
    // The group's title is ours, but it quotes the step: one escaped line.
    writeln!(echo.out, "::group::autoheal verify: {title}")?;
    writeln!(echo.out, "::stop-commands::{token}")?;
    Ok(token)
}

fn echo_lines(echo: &mut Echo<'_>, out: &[u8]) -> io::Result<()> {
    if out.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(out);
    let mut buf = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        let line = sanitize::cap(line, MAX_LINE_BYTES);
        let clean = echo.redactor.clean_line(line);
        let clean = sanitize::neutralize_commands(&clean);
        if !echo.github {
            buf.push_str("│ ");
        }
        buf.push_str(&clean);
        buf.push('\n');
    }
    echo.out.write_all(buf.as_bytes())?;
    echo.out.flush()
}

fn close_group(echo: &mut Echo<'_>, token: &str) -> io::Result<()> {
    if echo.github {
        writeln!(echo.out, "::{token}::")?;
        writeln!(echo.out, "::endgroup::")?;
    }
    echo.out.flush()
}

fn random_token() -> io::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, secs: u64) -> (Ran, String) {
        let mut out = Vec::new();
        let red = Redactor::new(None);
        let mut echo = Echo {
            out: &mut out,
            github: true,
            redactor: &red,
        };
        let env = vec![(OsString::from("PATH"), OsString::from("/usr/bin:/bin"))];
        let ran = run(
            Spec {
                program: "sh",
                args: vec!["-c".into(), script.into()],
                cwd: Path::new("."),
                env,
                title: "t",
            },
            Instant::now() + Duration::from_secs(secs),
            &mut echo,
        )
        .expect("runs");
        (ran, String::from_utf8(out).expect("utf8"))
    }

    #[test]
    fn output_is_fenced_and_commands_stay_text() {
        let (ran, out) = sh("echo '::add-mask::x'; echo '::endgroup::' >&2; exit 4", 30);
        assert_eq!(ran.code, Some(4));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "::group::autoheal verify: t");
        let token = lines[1].strip_prefix("::stop-commands::").expect("block");
        assert_eq!(token.len(), 32);
        assert_eq!(lines[lines.len() - 2], format!("::{token}::"));
        assert_eq!(lines[lines.len() - 1], "::endgroup::");
        // Inside the block nothing starts a command.
        for l in &lines[2..lines.len() - 2] {
            assert!(!l.trim_start().starts_with("::"), "{l}");
        }
    }

    #[test]
    fn the_deadline_kills_the_whole_group() {
        let start = Instant::now();
        let (ran, _) = sh("sleep 30 & sleep 30; echo never", 1);
        assert!(ran.timed_out);
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn the_tail_is_bounded() {
        let (ran, out) = sh("yes 0123456789 | head -c 3000000", 60);
        assert!(ran.passed());
        assert!(ran.tail.len() <= MAX_TAIL_BYTES);
        assert!(out.len() < MAX_ECHO_BYTES + 200_000);
        assert!(out.contains("more bytes of output not shown"));
    }
}
