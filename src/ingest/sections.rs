//! Sections: another CI's log read as job and step structure.
//!
//! GitHub's steps come from the run-log zip and the Jobs API; the scanner
//! splits a job log on `##[group]Run`. Other CIs mark their steps with lines of
//! their own, and without reading them a GitLab, Travis, Jenkins, Azure,
//! Buildkite or CircleCI log is one undivided stream: the failure gets no step
//! name, and an earlier step that printed an error word and went on can take
//! the blame from the step that failed.
//!
//! The markers read (each with its end, where the CI has one):
//!
//! | CI | opens | closes |
//! |---|---|---|
//! | GitLab | `section_start:<ts>:<name>[opts]` | `section_end:<ts>:<name>` |
//! | Travis | `travis_fold:start:<name>` | `travis_fold:end:<name>` |
//! | Jenkins | `[Pipeline] { (<stage>)` | `[Pipeline] // stage` |
//! | Azure | `##[section]Starting: <name>` | `##[section]Finishing: <name>` |
//! | Buildkite | `--- `, `+++ `, `~~~ ` groups | the next group |
//! | CircleCI | `====>> <step>`, `#!/bin/bash -eo pipefail` | the next step |
//!
//! GitLab and Travis print their markers inside the line, around `\r\e[0K`,
//! so a terminal hides them; the normalised text keeps what a terminal shows,
//! so marks are read from the raw bytes while the scanner normalises a tail
//! line ([`note`]), and the stream is split afterwards ([`split`]) into one
//! [`StepLog`] per section.
//!
//! Which step failed is the CI's verdict, not the evidence of error words: a
//! step-level verdict closes the step it sits in (CircleCI's `Exited with code
//! exit status 1`, Buildkite's `🚨 Error: The command exited with status 1`
//! and `^^^ +++`, Azure's `##[error]`, Travis's `The command "x" exited with
//! 1.`); a job-level verdict (GitLab's `ERROR: Job failed`, Jenkins'
//! `Finished: FAILURE`) blames the last step of work before it, never the
//! runner's own after-script, cleanup or post stages.
//!
//! Every byte here is the log author's. So: a GitHub log (a zip's step files,
//! or a stream split on `##[group]Run`) is never re-split by these markers; a
//! step-level verdict counts only where it closes its section (a step that
//! printed one and went on did not fail there); a section whose end appears
//! twice ends at the last one, so an end printed early by the step's own output
//! cannot cut the step short; a runner's post section is never blamed. Caps:
//! [`MAX_MARKS`] marks, [`MAX_SECTIONS`] sections, [`MAX_DEPTH`] nesting,
//! [`MAX_NAME_BYTES`] per name; past them, markers are ordinary lines.
//!
//! Only the kept tail of the stream ([`super::TAIL_LINES`] lines) is split:
//! a section opened above it starts at the tail's first line, named by its end
//! marker when the CI's end carries the name.

use std::sync::LazyLock;

use regex::Regex;

use super::text;
use super::{Line, StepLog};
use crate::sanitize::Redactor;

/// Marks kept from one stream.
pub(crate) const MAX_MARKS: usize = 512;
/// Sections one stream splits into.
pub(crate) const MAX_SECTIONS: usize = 256;
/// Sections open inside each other, at most.
pub(crate) const MAX_DEPTH: usize = 16;
/// A section's name, at most.
pub(crate) const MAX_NAME_BYTES: usize = 200;
/// A step-level verdict closes its section: it is among this many last
/// non-empty lines of it.
const VERDICT_CLOSES: usize = 4;

/// The CI whose marker a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ci {
    GitLab,
    Travis,
    Jenkins,
    Azure,
    Buildkite,
    CircleCI,
}

/// What a marker line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A section opens. CircleCI's `#!/bin/sh` header opens one named by the
    /// command on the next line (`name` empty until then).
    Open(String),
    /// A section closes; GitLab, Travis and Azure name it.
    Close(Option<String>),
    /// Buildkite's `^^^ +++`: the current group failed.
    Reopen,
}

/// One marker found in a raw line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mark {
    pub line: u64,
    pub ci: Ci,
    pub kind: Kind,
    /// CircleCI: the header is the `#!` line, named by the next line.
    shebang: bool,
}

/// Records the markers of raw line `number` in `marks` (at most [`MAX_MARKS`]).
/// Names go through `red` like every kept line.
pub(crate) fn note(marks: &mut Vec<Mark>, number: u64, raw: &[u8], red: &Redactor) {
    if marks.len() >= MAX_MARKS {
        return;
    }
    let rest = &raw[text::prefix_len(raw)..];
    // A quick refusal: every marker has one of these bytes early on.
    let head = &rest[..rest.len().min(24)];
    if !head.iter().any(|b| {
        matches!(
            b,
            0x1B | b's' | b't' | b'[' | b'#' | b'-' | b'+' | b'~' | b'^' | b'='
        )
    }) {
        return;
    }
    // Escapes go first (Buildkite's `\e_bk;t=...\a` timestamps too); then each
    // carriage-return segment is what one marker may fill.
    let plain;
    let rest = if memchr::memchr(0x1B, rest).is_some() {
        plain = text::strip_ansi(rest);
        &plain[..]
    } else {
        rest
    };
    for seg in rest.split(|&b| b == b'\r').take(8) {
        let Ok(seg) = std::str::from_utf8(seg) else {
            continue;
        };
        let seg = seg.trim_end();
        if let Some((ci, mut kind, shebang)) = parse(seg) {
            if marks.len() >= MAX_MARKS {
                return;
            }
            if let Kind::Open(n) | Kind::Close(Some(n)) = &mut kind
                && let std::borrow::Cow::Owned(r) = red.redact(n)
            {
                *n = r;
            }
            marks.push(Mark {
                line: number,
                ci,
                kind,
                shebang,
            });
        }
    }
}

/// A section's name as the log gives it: trimmed, not empty, capped, no
/// control or Bidi characters (those hide or reorder text on a screen).
fn name(s: &str) -> Option<String> {
    let s = s.trim();
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if s.is_empty() || s.chars().any(hidden) {
        return None;
    }
    let mut end = s.len().min(MAX_NAME_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Some(s[..end].to_string())
}

/// GitLab's and Travis's section names: `[\w.-]` (GitLab allows `[A-Za-z0-9_.-]`).
fn word_name(s: &str) -> Option<String> {
    let n: &str = s.split('[').next().unwrap_or(s);
    (!n.is_empty()
        && n.len() <= MAX_NAME_BYTES
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
    .then(|| n.to_string())
}

/// What follows `---`/`+++` when it is not a Buildkite group: a test verdict,
/// a diff side's path or label.
static NOT_A_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:FAIL|PASS|SKIP|RUN|a/|b/|/|expected|actual|got|want|left|right|original|modified|\S+\.\w{1,5}(?:\s|$)|\d{4}-\d\d-\d\d)")
        .expect("not-a-group pattern is valid")
});

fn parse(seg: &str) -> Option<(Ci, Kind, bool)> {
    if let Some(r) = seg.strip_prefix("section_start:") {
        let (ts, n) = r.split_once(':')?;
        ts.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
        return Some((Ci::GitLab, Kind::Open(word_name(n)?), false));
    }
    if let Some(r) = seg.strip_prefix("section_end:") {
        let (ts, n) = r.split_once(':')?;
        ts.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
        return Some((Ci::GitLab, Kind::Close(Some(word_name(n)?)), false));
    }
    if let Some(n) = seg.strip_prefix("travis_fold:start:") {
        return Some((Ci::Travis, Kind::Open(word_name(n)?), false));
    }
    if let Some(n) = seg.strip_prefix("travis_fold:end:") {
        return Some((Ci::Travis, Kind::Close(Some(word_name(n)?)), false));
    }
    if let Some(r) = seg.strip_prefix("[Pipeline] ") {
        if r == "// stage" {
            return Some((Ci::Jenkins, Kind::Close(None), false));
        }
        let n = r.strip_prefix("{ (")?.strip_suffix(')')?;
        // Parallel branches are parts of their stage.
        if n.starts_with("Branch: ") {
            return None;
        }
        return Some((Ci::Jenkins, Kind::Open(name(n)?), false));
    }
    if let Some(r) = seg.strip_prefix("##[section]") {
        if let Some(n) = r.strip_prefix("Starting: ") {
            return Some((Ci::Azure, Kind::Open(name(n)?), false));
        }
        let n = r.strip_prefix("Finishing: ")?;
        return Some((Ci::Azure, Kind::Close(Some(name(n)?)), false));
    }
    if let Some(n) = seg.strip_prefix("====>> ") {
        return Some((Ci::CircleCI, Kind::Open(name(n)?), false));
    }
    let t = seg.trim_start();
    if t.starts_with("#!/bin/") && t.ends_with(" -eo pipefail") && !t.contains("  ") {
        return Some((Ci::CircleCI, Kind::Open(String::new()), true));
    }
    if seg == "^^^ +++" {
        return Some((Ci::Buildkite, Kind::Reopen, false));
    }
    for p in ["--- ", "+++ ", "~~~ "] {
        if let Some(n) = seg.strip_prefix(p) {
            let n = name(n)?;
            if p != "~~~ " && NOT_A_GROUP.is_match(&n) {
                return None;
            }
            return Some((Ci::Buildkite, Kind::Open(n), false));
        }
    }
    if seg == "~~~" || seg == "---" || seg == "+++" {
        return Some((Ci::Buildkite, Kind::Open(String::new()), false));
    }
    None
}

/// A CI's statement that a step failed; it closes the step it sits in.
static STEP_VERDICT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(?:(?:Error: )?Exited with code (?:exit status )?([1-9]\d*)|CircleCI received exit code ([1-9]\d*)|🚨 Error: The command exited with status ([1-9]\d*)|user command error: exit status ([1-9]\d*))$"#,
    )
    .expect("step verdict pattern is valid")
});

/// Travis's verdict on one command of the script (it goes on to the next).
static TRAVIS_VERDICT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^The command "(.{1,4000})" (?:exited with|failed and exited with) ([1-9]\d*)(?:\.| during)"#)
        .expect("travis verdict pattern is valid")
});

/// A CI's statement that the whole job failed, after its post steps.
static JOB_VERDICT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(?:(?:ERROR|WARNING): Job failed\b|Finished: FAILURE$|ERROR: script returned exit code [1-9]\d*$|Build step '.*' marked build as failure$|Done\. Your build exited with [1-9]\d*\.?$)"#,
    )
    .expect("job verdict pattern is valid")
});

/// The steps a runner runs after the work, whatever happened: never blamed.
fn is_post(ci: Ci, name: &str) -> bool {
    match ci {
        Ci::GitLab => {
            name == "after_script"
                || name.starts_with("upload_artifacts")
                || name.starts_with("archive_cache")
                || name.starts_with("cleanup")
        }
        Ci::Travis => name.starts_with("after_") || name.starts_with("cache."),
        Ci::Jenkins => name.starts_with("Declarative: Post"),
        Ci::Azure => name.starts_with("Post-job: ") || name == "Finalize Job",
        Ci::Buildkite => {
            name.contains("pre-exit hook")
                || name.contains("post-command hook")
                || name.contains("post-artifact hook")
                || name.contains("Uploading artifacts")
        }
        Ci::CircleCI => name == "Uploading artifacts" || name == "Uploading test results",
    }
}

#[derive(Debug, Clone)]
struct Section {
    name: String,
    ci: Ci,
    /// Tail indices: the header line (or the tail's first line) ..
    start: usize,
    /// .. the closing marker's line, included; the tail's end when unclosed.
    end: usize,
    depth: usize,
    parent: Option<usize>,
    /// Whether a marker closed it (else the next header or the stream's end).
    closed: bool,
}

/// A line's text for verdicts: trimmed, with a leading clock (`11:36:59  `) off.
fn verdict_text(t: &str) -> &str {
    let t = t.trim();
    let b = t.as_bytes();
    if b.len() > 10
        && b[2] == b':'
        && b[5] == b':'
        && b[..8]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
        && b[8] == b' '
    {
        return t[8..].trim_start();
    }
    t
}

/// Splits the one step of a stream without GitHub structure (not a run-log
/// zip's step file, not split on `##[group]Run`) into the other CI's
/// sections, when its marks show one and a verdict says which failed;
/// otherwise returns `steps` as they are. Marks are dropped either way.
pub(crate) fn split(mut steps: Vec<StepLog>, opts: super::scan::Options) -> Vec<StepLog> {
    // A GitHub step file is one step whatever it prints.
    let github = opts.github || !opts.split_steps;
    let marks = match steps.as_mut_slice() {
        [one] if !github => std::mem::take(&mut one.marks),
        _ => {
            for s in &mut steps {
                s.marks = Vec::new();
            }
            return steps;
        }
    };
    let one = &steps[0];
    // Travis's verdict names its command even in an excerpt without folds.
    let travis = || {
        one.tail
            .iter()
            .rev()
            .take(50)
            .any(|l| TRAVIS_VERDICT.is_match(verdict_text(&l.text)))
    };
    if !one.name.is_empty() || one.tail.is_empty() || (marks.is_empty() && !travis()) {
        return steps;
    }
    match structure(one, &marks) {
        Some(split) => split,
        None => steps,
    }
}

/// The CI the marks speak for: the one with most of them; Buildkite's loose
/// `---` only when no other CI marked anything.
fn dominant(marks: &[Mark]) -> Option<Ci> {
    let all = [
        Ci::GitLab,
        Ci::Travis,
        Ci::Jenkins,
        Ci::Azure,
        Ci::CircleCI,
        Ci::Buildkite,
    ];
    let count = |ci: Ci| marks.iter().filter(|m| m.ci == ci).count();
    let best = all[..5].iter().copied().max_by_key(|&ci| count(ci))?;
    if count(best) > 0 {
        return Some(best);
    }
    (count(Ci::Buildkite) > 0).then_some(Ci::Buildkite)
}

fn structure(step: &StepLog, marks: &[Mark]) -> Option<Vec<StepLog>> {
    let ci = dominant(marks).unwrap_or(Ci::Travis);
    let tail = &step.tail;
    let index_of = |number: u64| tail.binary_search_by_key(&number, |l| l.number).ok();
    let marks: Vec<(usize, &Mark)> = marks
        .iter()
        .filter(|m| m.ci == ci)
        .filter_map(|m| Some((index_of(m.line)?, m)))
        .collect();
    let sections = build(ci, tail, &marks);
    let reopened: Vec<usize> = marks
        .iter()
        .filter(|(_, m)| m.kind == Kind::Reopen)
        .map(|&(i, _)| i)
        .collect();
    let failing = failing(ci, step, tail, &sections, &reopened);
    if failing.is_empty() {
        return None;
    }
    Some(assemble(step, &sections, &failing))
}

/// The sections of the tail, from its marks, within the caps.
fn build(ci: Ci, tail: &[Line], marks: &[(usize, &Mark)]) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    // A named end that comes again before the name reopens is not the
    // section's end: the step's own output printed the first one.
    let last_end = |name: &str, from: usize| {
        for (_, m) in &marks[from + 1..] {
            match &m.kind {
                Kind::Open(n) if n == name => return true,
                Kind::Close(Some(n)) if n == name => return false,
                _ => {}
            }
        }
        true
    };
    let flat = matches!(ci, Ci::Buildkite | Ci::CircleCI);
    let mut last_named_open: Option<usize> = None;
    for (k, &(i, m)) in marks.iter().enumerate() {
        match &m.kind {
            Kind::Open(n) => {
                if sections.len() >= MAX_SECTIONS {
                    continue;
                }
                // CircleCI prints `====>> name` and then the `#!` line of the same step.
                if m.shebang && last_named_open.is_some_and(|j| i <= j + 2) {
                    continue;
                }
                let mut n = n.clone();
                if m.shebang {
                    n = tail
                        .get(i + 1..)
                        .unwrap_or(&[])
                        .iter()
                        .map(|l| l.text.trim())
                        .find(|t| !t.is_empty())
                        .and_then(name)
                        .unwrap_or_default();
                } else if ci == Ci::CircleCI {
                    last_named_open = Some(i);
                }
                if flat {
                    for s in stack.drain(..) {
                        sections[s].end = i.saturating_sub(1).max(sections[s].start);
                    }
                } else if stack.len() >= MAX_DEPTH {
                    continue;
                }
                sections.push(Section {
                    name: n,
                    ci,
                    start: i,
                    end: tail.len() - 1,
                    depth: stack.len(),
                    parent: stack.last().copied(),
                    closed: false,
                });
                stack.push(sections.len() - 1);
            }
            Kind::Close(n) => {
                if let Some(n) = n
                    && !last_end(n, k)
                {
                    continue;
                }
                let open = match n {
                    Some(n) => stack.iter().rposition(|&s| sections[s].name == *n),
                    None => (!stack.is_empty()).then(|| stack.len() - 1),
                };
                match open {
                    Some(at) => {
                        for s in stack.drain(at..) {
                            sections[s].end = i;
                            sections[s].closed = true;
                        }
                    }
                    // Opened above the tail: it runs from the tail's start,
                    // around everything before it that is closed.
                    None if stack.is_empty() && sections.len() < MAX_SECTIONS => {
                        let name = n.clone().unwrap_or_default();
                        for s in &mut sections {
                            s.depth += 1;
                        }
                        let at = sections.len();
                        for s in &mut sections {
                            if s.parent.is_none() {
                                s.parent = Some(at);
                            }
                        }
                        sections.push(Section {
                            name,
                            ci,
                            start: 0,
                            end: i,
                            depth: 0,
                            parent: None,
                            closed: true,
                        });
                    }
                    None => {}
                }
            }
            Kind::Reopen => {}
        }
    }
    sections
}

/// The innermost section holding tail index `i` that is not a post step.
fn holder(sections: &[Section], i: usize) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (k, s) in sections.iter().enumerate() {
        if s.start <= i && i <= s.end && best.is_none_or(|b| s.depth > sections[b].depth) {
            best = Some(k);
        }
    }
    let mut at = best;
    while let Some(k) = at {
        if !is_post(sections[k].ci, &sections[k].name) {
            return Some(k);
        }
        at = sections[k].parent;
    }
    None
}

/// Whether tail index `i` is among the last non-empty lines of its section.
fn closes(tail: &[Line], s: &Section, i: usize) -> bool {
    let last = if s.closed {
        s.end.saturating_sub(1)
    } else {
        s.end
    };
    let below = tail
        .get(i + 1..=last)
        .unwrap_or(&[])
        .iter()
        .filter(|l| !l.text.trim().is_empty())
        .count();
    below < VERDICT_CLOSES
}

/// A failing step: a section's lines, or the lines Travis's verdict names.
#[derive(Debug, Clone)]
struct Failing {
    start: usize,
    end: usize,
    name: String,
    exit_code: Option<i32>,
    command: Option<String>,
    /// The CI's verdict on the step (in it, or below it for a job-level
    /// one), carried as the step's error line, as GitHub's `##[error]` is.
    verdict: Option<usize>,
}

fn failing(
    ci: Ci,
    step: &StepLog,
    tail: &[Line],
    sections: &[Section],
    reopened: &[usize],
) -> Vec<Failing> {
    let mut out: Vec<Failing> = Vec::new();
    let of_section = |k: usize, code: Option<i32>| {
        let s = &sections[k];
        Failing {
            start: s.start,
            end: s.end,
            name: s.name.clone(),
            exit_code: code,
            command: (s.ci == Ci::CircleCI && !s.name.is_empty()).then(|| s.name.clone()),
            verdict: None,
        }
    };
    let push = |f: Failing, out: &mut Vec<Failing>| {
        if !out.iter().any(|o| f.start <= o.end && o.start <= f.end) {
            out.push(f);
        }
    };
    // Step-level verdicts, where each closes its section.
    let mut points: Vec<(usize, Option<i32>)> = Vec::new();
    for (i, l) in tail.iter().enumerate() {
        if let Some(c) = STEP_VERDICT.captures(verdict_text(&l.text)) {
            let code = c
                .iter()
                .skip(1)
                .flatten()
                .next()
                .and_then(|m| m.as_str().parse().ok());
            points.push((i, code));
        }
    }
    if ci == Ci::Azure {
        // Azure's verdicts are its `##[error]` lines, never plain text.
        points.clear();
        for e in &step.errors {
            if let Ok(i) = tail.binary_search_by_key(&e.number, |l| l.number) {
                points.push((i, None));
            }
        }
    }
    if ci == Ci::Buildkite {
        points.extend(reopened.iter().map(|&i| (i, None)));
        points.sort_unstable();
    }
    if matches!(ci, Ci::Buildkite | Ci::CircleCI | Ci::Azure) {
        for &(i, code) in &points {
            let Some(k) = holder(sections, i) else {
                continue;
            };
            // Azure closes a failed step with `##[error]` anywhere in it.
            if ci != Ci::Azure && !closes(tail, &sections[k], i) {
                continue;
            }
            if let Some(o) = out.iter_mut().find(|o| o.start == sections[k].start) {
                // `^^^ +++` comes before the line that says the status.
                if o.exit_code.is_none() && code.is_some() {
                    o.exit_code = code;
                    o.verdict = Some(i);
                }
                continue;
            }
            let mut f = of_section(k, code);
            f.verdict = Some(i);
            push(f, &mut out);
        }
        if !out.is_empty() {
            return out;
        }
    }
    if ci == Ci::Travis
        || tail
            .iter()
            .any(|l| TRAVIS_VERDICT.is_match(verdict_text(&l.text)))
    {
        for (i, l) in tail.iter().enumerate() {
            let Some(c) = TRAVIS_VERDICT.captures(verdict_text(&l.text)) else {
                continue;
            };
            let cmd = c.get(1).map_or("", |m| m.as_str());
            let Some(cmd) = name(cmd) else { continue };
            let code = c.get(2).and_then(|m| m.as_str().parse().ok());
            // The command's output starts at its `$ cmd` line.
            let start = tail[..i]
                .iter()
                .rposition(|l| l.text.trim().strip_prefix("$ ") == Some(cmd.as_str()))
                .unwrap_or_else(|| {
                    sections
                        .iter()
                        .filter(|s| s.closed && s.end < i)
                        .map(|s| s.end + 1)
                        .max()
                        .unwrap_or(0)
                });
            push(
                Failing {
                    start,
                    end: i,
                    name: cmd.clone(),
                    exit_code: code,
                    command: Some(cmd),
                    verdict: None,
                },
                &mut out,
            );
        }
        if !out.is_empty() {
            return out;
        }
    }
    // A job-level verdict: the last step of work before it. Of the verdicts
    // at the end, the first says most (`ERROR: script returned exit code 1`
    // above `Finished: FAILURE`).
    let is_verdict = |l: &Line| JOB_VERDICT.is_match(verdict_text(&l.text));
    let Some(mut v) = tail.iter().rposition(is_verdict) else {
        return out;
    };
    while let Some(u) = tail[..v].iter().rposition(|l| !l.text.trim().is_empty())
        && is_verdict(&tail[u])
    {
        v = u;
    }
    let skipped = |s: &Section| {
        tail.get(s.start..=s.end.min(tail.len() - 1))
            .unwrap_or(&[])
            .iter()
            .any(|l| l.text.contains("skipped due to earlier failure"))
    };
    let Some(top) = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.depth == 0 && s.start < v && !is_post(s.ci, &s.name) && !skipped(s))
        .map(|(k, _)| k)
        .next_back()
    else {
        return out;
    };
    let s = &sections[top];
    let last = if s.closed {
        s.end.saturating_sub(1)
    } else {
        s.end.min(v.saturating_sub(1))
    };
    let p = last.max(s.start);
    if let Some(k) = holder(sections, p) {
        let mut f = of_section(k, None);
        f.verdict = Some(v);
        push(f, &mut out);
    }
    out
}

/// The steps: each failing range whole, the other lines by their innermost
/// section, in order.
fn assemble(step: &StepLog, sections: &[Section], failing: &[Failing]) -> Vec<StepLog> {
    let tail = &step.tail;
    let innermost = |i: usize| {
        let mut best: Option<usize> = None;
        for (k, s) in sections.iter().enumerate() {
            if s.start <= i && i <= s.end && best.is_none_or(|b| s.depth > sections[b].depth) {
                best = Some(k);
            }
        }
        best
    };
    #[derive(PartialEq)]
    enum Key {
        Failing(usize),
        Section(Option<usize>),
    }
    let key = |i: usize| match failing.iter().position(|f| f.start <= i && i <= f.end) {
        Some(f) => Key::Failing(f),
        None => Key::Section(innermost(i)),
    };
    let mut out: Vec<StepLog> = Vec::new();
    let mut from = 0;
    while from < tail.len() {
        let k = key(from);
        let mut to = from + 1;
        while to < tail.len() && key(to) == k {
            to += 1;
        }
        let lines = &tail[from..to];
        let first = if from == 0 {
            step.first_line
        } else {
            lines[0].number
        };
        let last = lines.last().map_or(first, |l| l.number);
        let mut s = StepLog {
            first_line: first,
            line_count: last + 1 - first,
            tail: lines.to_vec(),
            errors: step
                .errors
                .iter()
                .filter(|e| e.number >= first && e.number <= last)
                .cloned()
                .collect(),
            failed: Some(false),
            ..StepLog::default()
        };
        match k {
            Key::Failing(f) => {
                let f = &failing[f];
                s.name = f.name.clone();
                s.failed = Some(true);
                s.exit_code = f.exit_code;
                s.command = f.command.clone();
                if let Some(v) = f.verdict.and_then(|v| tail.get(v))
                    && !s.errors.iter().any(|e| e.number == v.number)
                {
                    s.errors.push(v.clone());
                }
            }
            Key::Section(Some(sec)) => s.name = sections[sec].name.clone(),
            Key::Section(None) => {}
        }
        out.push(s);
        from = to;
    }
    // The lines after the tail's last kept one (dropped markers) stay counted.
    if let Some(last) = out.last_mut() {
        let end = step.first_line + step.line_count;
        if end > last.first_line + last.line_count {
            last.line_count = end - last.first_line;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{LogBundle, from_text};

    fn steps(raw: &[u8]) -> Vec<StepLog> {
        let b: LogBundle = from_text("job.log", raw);
        b.jobs
            .into_iter()
            .next()
            .map(|j| j.steps)
            .unwrap_or_default()
    }

    fn failed(raw: &[u8]) -> Vec<String> {
        steps(raw)
            .into_iter()
            .filter(|s| s.failed == Some(true))
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn gitlab_raw_markers_around_carriage_returns() {
        let log = b"\x1b[0Ksection_start:1700000000:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the \"docker\" executor\x1b[0;m\n\
Using docker image python:3.12\n\
\x1b[0Ksection_end:1700000001:prepare_executor\r\x1b[0K\n\
\x1b[0Ksection_start:1700000001:get_sources\r\x1b[0K\x1b[0K\x1b[36;1mGetting source from Git repository\x1b[0;m\n\
error: could not lock config file: retrying\n\
Checking out 1a2b3c4d as detached HEAD\n\
\x1b[0Ksection_end:1700000002:get_sources\r\x1b[0K\n\
\x1b[0Ksection_start:1700000002:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage of the job script\x1b[0;m\n\
$ pytest\n\
E   ModuleNotFoundError: No module named 'yaml'\n\
\x1b[0Ksection_end:1700000003:step_script\r\x1b[0K\n\
\x1b[0Ksection_start:1700000003:after_script[collapsed=true]\r\x1b[0K\x1b[0K\x1b[36;1mRunning after_script\x1b[0;m\n\
Error: cleanup could not reach the cache\n\
\x1b[0Ksection_end:1700000004:after_script\r\x1b[0K\n\
\x1b[0Ksection_start:1700000004:cleanup_file_variables\r\x1b[0K\x1b[0K\x1b[36;1mCleaning up project directory and file based variables\x1b[0;m\n\
\x1b[0Ksection_end:1700000005:cleanup_file_variables\r\x1b[0K\n\
\x1b[31;1mERROR: Job failed: exit code 1\n\x1b[0;m\n";
        let s = steps(log);
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"get_sources"), "{names:?}");
        assert_eq!(failed(log), ["step_script"]);
        let f = s.iter().find(|s| s.failed == Some(true)).unwrap();
        assert!(f.tail.iter().any(|l| l.text.contains("No module named")));
        assert!(!f.tail.iter().any(|l| l.text.contains("cleanup could not")));
    }

    #[test]
    fn travis_folds_and_the_failed_command() {
        let log = b"travis_fold:start:install\r\x1b[0Ktravis_time:start:0a1b\r\x1b[0K$ npm ci\n\
npm ERR! code E403 (retried and went on)\n\
added 120 packages\n\
travis_time:end:0a1b:start=1,finish=2,duration=1\r\x1b[0Ktravis_fold:end:install\r\x1b[0K\n\
travis_time:start:0c2d\r\x1b[0K$ npm test\n\
Error: expected 2 to equal 3\n\
\n\
travis_time:end:0c2d:start=3,finish=4,duration=1\r\x1b[0K\n\
The command \"npm test\" exited with 1.\n\
\n\
Done. Your build exited with 1.\n";
        let s = steps(log);
        assert_eq!(failed(log), ["npm test"]);
        assert!(
            s.iter()
                .any(|s| s.name == "install" && s.failed == Some(false))
        );
        let f = s.iter().find(|s| s.failed == Some(true)).unwrap();
        assert_eq!(f.exit_code, Some(1));
        assert_eq!(f.command.as_deref(), Some("npm test"));
    }

    #[test]
    fn jenkins_stages_and_post_actions() {
        let log = b"[Pipeline] stage\n[Pipeline] { (Lint)\n[Pipeline] sh\n+ flake8\nERROR: ignored, lint is advisory\n[Pipeline] }\n[Pipeline] // stage\n\
[Pipeline] stage\n[Pipeline] { (Unit tests)\n[Pipeline] sh\n+ make test\nFAILED tests/test_x.py::test_y\n[Pipeline] }\n[Pipeline] // stage\n\
[Pipeline] stage\n[Pipeline] { (Deploy)\nStage \"Deploy\" skipped due to earlier failure(s)\n[Pipeline] }\n[Pipeline] // stage\n\
[Pipeline] stage\n[Pipeline] { (Declarative: Post Actions)\n[Pipeline] sh\n+ echo cleanup\nError: cleanup\n[Pipeline] }\n[Pipeline] // stage\n\
[Pipeline] End of Pipeline\nERROR: script returned exit code 1\nFinished: FAILURE\n";
        assert_eq!(failed(log), ["Unit tests"]);
    }

    #[test]
    fn azure_sections_blame_the_error_marker() {
        let log = b"##[section]Starting: Lint\nBash exited with code '1'.\nlint done\n##[section]Finishing: Lint\n\
##[section]Starting: Run tests\n========================== Starting Command Output ===========================\nE   AssertionError\n##[error]Bash exited with code '1'.\n##[section]Finishing: Run tests\n";
        assert_eq!(failed(log), ["Run tests"]);
    }

    #[test]
    fn buildkite_groups_diff_sides_and_reopen() {
        let log = "~~~ Preparing working directory\n$ git checkout -f abc\n--- :eslint: Lint\nError: unused variable (warning only)\n\
+++ :jest: Test\n--- a/src/x.js\n+++ b/src/x.js\n-old\n+new\n^^^ +++\n\u{1F6A8} Error: The command exited with status 1\n^^^ +++\nuser command error: exit status 1\n\
~~~ Running global pre-exit hook\n$ /etc/buildkite-agent/hooks/pre-exit\n";
        assert_eq!(failed(log.as_bytes()), [":jest: Test"]);
    }

    #[test]
    fn circleci_steps_and_their_exit() {
        let log = b"====>> Checkout code\n  #!/bin/sh\ngit clone\n====>> npm test\n  #!/bin/bash -eo pipefail\nnpm test\nError: boom\nError: Exited with code exit status 1\nStep failed\n";
        assert_eq!(failed(log), ["npm test"]);
        let web = b"#!/bin/bash -eo pipefail\npip install -r requirements.txt\nerror: could not build wheel (retried)\nSuccessfully installed\n#!/bin/bash -eo pipefail\npytest -q\nE   ImportError\n\nExited with code exit status 2\nCircleCI received exit code 2\n";
        assert_eq!(failed(web), ["pytest -q"]);
    }

    #[test]
    fn a_verdict_printed_by_a_step_that_went_on_is_not_its_failure() {
        // CircleCI: the first step prints a verdict line and keeps going.
        let log = b"====>> Setup\n  #!/bin/bash -eo pipefail\necho 'Exited with code exit status 1'\nExited with code exit status 1\nmore output\nmore\nmore\nmore\nsetup done\n====>> Test\n  #!/bin/bash -eo pipefail\nmake test\nFAIL\nExited with code exit status 2\n";
        assert_eq!(failed(log), ["Test"]);
        // Azure: plain text saying a task failed is not Azure's verdict.
        let azure = b"##[section]Starting: Build\nBash exited with code '1'.\n##[section]Finishing: Build\n##[section]Starting: Test\nboom\n##[error]Bash exited with code '2'.\n##[section]Finishing: Test\n";
        assert_eq!(failed(azure), ["Test"]);
    }

    #[test]
    fn forged_markers_do_not_move_the_blame() {
        // The script ends its runner section early and opens a post step of
        // its own; the runner's real end comes later.
        let log = b"section_start:1:step_script\r\x1b[0K\n$ ./run.sh\nsection_end:1:step_script\r\x1b[0K\nsection_start:1:after_script\r\x1b[0K\nTraceback (most recent call last):\nRuntimeError: boom\nsection_end:2:step_script\r\x1b[0K\n\
section_start:2:after_script\r\x1b[0K\necho done\nsection_end:2:after_script\r\x1b[0K\nERROR: Job failed: exit code 1\n";
        assert_eq!(failed(log), ["step_script"]);
        // A GitHub log is never re-split by other CIs' markers.
        let gh = b"2024-01-01T00:00:00.0000000Z ##[group]Run pytest\n2024-01-01T00:00:00.0000000Z pytest\n2024-01-01T00:00:00.0000000Z ##[endgroup]\n\
2024-01-01T00:00:01.0000000Z section_start:1:deploy\r\x1b[0K\n2024-01-01T00:00:01.0000000Z ====>> Deploy\n2024-01-01T00:00:01.0000000Z Exited with code exit status 1\n\
2024-01-01T00:00:02.0000000Z ##[error]Process completed with exit code 1.\n";
        let s = steps(gh);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, "Run pytest");
        // Markers after the job's verdict do not count as its work.
        let late = b"section_start:1:step_script\r\x1b[0K\nFAILED x\nsection_end:1:step_script\r\x1b[0K\nERROR: Job failed: exit code 1\nsection_start:2:deploy\r\x1b[0K\n";
        assert_eq!(failed(late), ["step_script"]);
    }

    #[test]
    fn a_github_step_file_is_never_split() {
        let log = b"travis_fold:start:install\r\x1b[0K$ npm ci\ntravis_fold:end:install\r\x1b[0K\n$ npm test\nboom\nThe command \"npm test\" exited with 1.\n";
        for opts in [
            super::super::scan::Options {
                split_steps: false,
                github: true,
            },
            super::super::scan::Options {
                split_steps: false,
                github: false,
            },
        ] {
            let s = super::super::scan::scan(&log[..], opts, &Redactor::default()).unwrap();
            assert_eq!(s.len(), 1);
            assert!(s[0].name.is_empty() && s[0].marks.is_empty());
        }
        // The same bytes as a plain log are Travis's steps.
        assert_eq!(failed(log), ["npm test"]);
    }

    #[test]
    fn caps_hold_on_hostile_markers() {
        let mut log = String::new();
        for i in 0..5000 {
            log.push_str(&format!("section_start:{i}:s{i}\r\x1b[0K\n"));
        }
        log.push_str(&format!("section_start:1:{}\n", "n".repeat(100_000)));
        log.push_str("ERROR: Job failed: exit code 1\n");
        let t = std::time::Instant::now();
        let s = steps(log.as_bytes());
        assert!(t.elapsed().as_secs() < 5);
        assert!(s.len() <= 2 * MAX_SECTIONS + 2, "{}", s.len());
        assert!(s.iter().all(|s| s.name.len() <= MAX_NAME_BYTES));
        // Nesting stops at the cap: the innermost blamed is at most that deep.
        let f: Vec<_> = s.iter().filter(|s| s.failed == Some(true)).collect();
        assert_eq!(f.len(), 1);
        let mut marks = Vec::new();
        for i in 0..10_000u64 {
            note(&mut marks, i, b"~~~ group", &Redactor::default());
        }
        assert_eq!(marks.len(), MAX_MARKS);
        let mut marks = Vec::new();
        note(&mut marks, 1, b"--- a/src/x.rs", &Redactor::default());
        note(
            &mut marks,
            2,
            b"--- FAIL: TestX (0.00s)",
            &Redactor::default(),
        );
        note(
            &mut marks,
            3,
            b"section_start:12:bad name",
            &Redactor::default(),
        );
        note(
            &mut marks,
            4,
            "~~~ a\u{202e}b".as_bytes(),
            &Redactor::default(),
        );
        note(&mut marks, 5, b"section_start:x1:s", &Redactor::default());
        assert!(marks.is_empty(), "{marks:?}");
    }

    #[test]
    fn steps_of_one_name_stay_apart() {
        let log = b"##[section]Starting: Bash\nboom\n##[error]Bash exited with code '1'.\n##[section]Finishing: Bash\n\
##[section]Starting: Bash\nsecond\n##[section]Finishing: Bash\n";
        let s = steps(log);
        let f: Vec<_> = s.iter().filter(|s| s.failed == Some(true)).collect();
        assert_eq!(f.len(), 1);
        assert!(f[0].tail.iter().any(|l| l.text == "boom"));
        assert!(!f[0].tail.iter().any(|l| l.text == "second"));
    }

    /// Lines a hostile log mixes: every CI's markers and verdicts, post
    /// steps' names, diff sides, plain text.
    const PIECES: &[&str] = &[
        "section_start:1:step_script\r\x1b[0K",
        "section_end:1:step_script\r\x1b[0K",
        "section_start:2:after_script\r\x1b[0K",
        "section_end:2:after_script\r\x1b[0K",
        "travis_fold:start:install\r\x1b[0K",
        "travis_fold:end:install\r\x1b[0K",
        "[Pipeline] { (Build)",
        "[Pipeline] { (Declarative: Post Actions)",
        "[Pipeline] // stage",
        "##[section]Starting: Test",
        "##[section]Finishing: Test",
        "##[error]Bash exited with code '1'.",
        "--- :jest: Test",
        "~~~ Running global pre-exit hook",
        "^^^ +++",
        "\u{1F6A8} Error: The command exited with status 1",
        "====>> Deploy",
        "#!/bin/bash -eo pipefail",
        "Exited with code exit status 1",
        "The command \"npm test\" exited with 1.",
        "ERROR: Job failed: exit code 1",
        "Finished: FAILURE",
        "--- a/x.rs",
        "Error: boom",
        "",
        "ok",
    ];

    proptest::proptest! {
        #[test]
        fn hostile_mixes_never_panic_nor_blame_a_post_step(
            picks in proptest::collection::vec(0..PIECES.len(), 0..120)
        ) {
            let log: String = picks.iter().map(|&i| format!("{}\n", PIECES[i])).collect();
            let s = steps(log.as_bytes());
            let lines: u64 = s.iter().map(|s| s.line_count).sum();
            proptest::prop_assert_eq!(lines, picks.len() as u64);
            for f in s.iter().filter(|s| s.failed == Some(true)) {
                proptest::prop_assert!(
                    !matches!(f.name.as_str(), "after_script" | "Declarative: Post Actions" | "Running global pre-exit hook"),
                    "{:?}", f.name
                );
            }
        }
    }

    #[test]
    fn no_verdict_no_split() {
        let log = b"section_start:1:build\r\x1b[0K\nmake\nsection_end:1:build\r\x1b[0K\nall good\n";
        let s = steps(log);
        assert_eq!(s.len(), 1);
        assert!(s[0].name.is_empty());
    }
}
