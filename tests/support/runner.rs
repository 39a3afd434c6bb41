//! The runner as an oracle, shared by the tests that read our GitHub sinks: a
//! parser of stdout and of `GITHUB_OUTPUT` that behaves like actions/runner.
//!
//! A `::command props::data` line is a command after leading blanks, in any
//! case; a legacy `##[command props]data` is a command anywhere in a line;
//! after `::stop-commands::T` nothing is a command until a line `::T::`.
//! `GITHUB_OUTPUT` lines are `name=value` when an `=` comes before any `<<`,
//! else a heredoc `name<<DELIM` closed by a line equal to `DELIM`.

#![allow(dead_code)]

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub props: String,
    pub data: String,
    pub legacy: bool,
}

/// Lines as .NET's `StreamReader.ReadLine` (which the runner uses for both
/// stdout and `GITHUB_OUTPUT`) splits them: at CR, LF or CRLF. A bare CR in a
/// value would therefore start a new line for the runner.
pub fn runner_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    lines
}

/// Parses stdout the way the runner does and returns the commands it acts on.
pub fn runner_commands(stdout: &str) -> Vec<Command> {
    let mut cmds = Vec::new();
    let mut stopped: Option<String> = None;
    for line in runner_lines(stdout) {
        let trimmed = line.trim_start();
        if let Some(tok) = &stopped {
            if trimmed.trim_end() == format!("::{tok}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("::") {
            // `name props::data`
            if let Some(end) = rest.find("::") {
                let head = &rest[..end];
                let data = &rest[end + 2..];
                let (name, props) = match head.find(' ') {
                    Some(i) => (&head[..i], &head[i + 1..]),
                    None => (head, ""),
                };
                let name = name.to_ascii_lowercase();
                if name == "stop-commands" {
                    stopped = Some(data.to_string());
                }
                cmds.push(Command {
                    name,
                    props: props.to_string(),
                    data: data.to_string(),
                    legacy: false,
                });
                continue;
            }
        }
        if let Some(i) = line.find("##[") {
            let rest = &line[i + 3..];
            if let Some(end) = rest.find(']') {
                let head = &rest[..end];
                let (name, props) = match head.find(' ') {
                    Some(i) => (&head[..i], &head[i + 1..]),
                    None => (head, ""),
                };
                cmds.push(Command {
                    name: name.to_ascii_lowercase(),
                    props: props.to_string(),
                    data: rest[end + 1..].to_string(),
                    legacy: true,
                });
            }
        }
    }
    cmds
}

/// Parses a `GITHUB_OUTPUT` file the way the runner does, keeping duplicates.
pub fn runner_outputs(file: &str) -> Result<Vec<(String, String)>, String> {
    let lines: Vec<&str> = runner_lines(file);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let hd = line.find("<<");
        match (eq, hd) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                out.push((line[..e].to_string(), line[e + 1..].to_string()));
            }
            (_, Some(h)) => {
                let name = &line[..h];
                let delim = &line[h + 2..];
                let mut value = Vec::new();
                loop {
                    let Some(l) = lines.get(i) else {
                        return Err(format!("heredoc {name} not closed"));
                    };
                    i += 1;
                    if *l == delim {
                        break;
                    }
                    value.push(*l);
                }
                out.push((name.to_string(), value.join("\n")));
            }
            _ => return Err(format!("bad line {line:?}")),
        }
    }
    Ok(out)
}
