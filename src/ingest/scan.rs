//! The block scanner: one log stream (a file, stdin, a zip entry) into steps,
//! at close to memory bandwidth and in bounded memory.
//!
//! A per-line pass that decodes and normalises every line costs many times
//! what `rg -c Error` spends on a file, and a job log can be a gigabyte. So
//! the scanner reads blocks of 256 KiB (a partial last line is carried to the
//! next block) and does only three cheap things to all of the bytes:
//!
//! - counts newlines with `memchr`'s vectorised count, for line numbers;
//! - finds `##[` with `memchr::memmem` (and `::` in logs without timestamps,
//!   where stdout-style workflow commands may appear); a hit counts only when
//!   it sits at the start of a line, after an optional BOM and timestamp;
//! - at the end of each block, copies the raw bytes of the current step's last
//!   [`TAIL_LINES`] lines (each cut at [`RAW_CAP`]) into a ring.
//!
//! Markers are rare, so almost every block is one count and one search. Only
//! marker lines, the script lines of a `##[group]Run` header, and a step's
//! tail when the step ends go through `text::normalize`. With the block in the
//! L2 cache, the kernel's copy out of the page cache dominates the time.
//!
//! Memory is the block, the ring (at most [`MAX_TAIL_BYTES`] of live lines,
//! usually a few tens of KiB) and what the finished steps keep: a tail of at
//! most [`MAX_TAIL_BYTES`], [`MAX_ERROR_LINES`] error lines, a capped name and
//! command, at most [`MAX_STEPS`] steps, and [`MAX_KEPT_BYTES`] of tails and
//! errors in all. A line longer than the block (a gigabyte with no newline)
//! keeps its first [`RAW_CAP`] bytes and the rest is read and dropped.

use std::collections::VecDeque;
use std::io::{self, Read};

use memchr::memmem;

use super::text::{self, Marker};
use super::{Line, MAX_ERROR_LINES, MAX_LINE_BYTES, MAX_TAIL_BYTES, StepLog, TAIL_LINES};
use crate::sanitize::{self, Redactor};

/// Bytes read at a time: small enough that the kernel's copy and our passes
/// over it stay in the L2 cache, big enough that syscalls do not matter.
const BLOCK: usize = 1 << 18;
/// Raw bytes kept of one line: the cap plus room for a BOM and timestamp.
pub(crate) const RAW_CAP: usize = MAX_LINE_BYTES + 64;
/// The command of a `##[group]Run` header, at most.
const MAX_COMMAND_BYTES: usize = 4096;
/// Header lines read on the slow path before giving up on its `##[endgroup]`.
const MAX_HEADER_LINES: u32 = 1000;
/// A step's name, at most.
const MAX_NAME_BYTES: usize = 512;
/// Steps one stream splits into; past this, `##[group]Run` is a sub-group.
pub(crate) const MAX_STEPS: usize = 1000;
/// Tails kept by one stream in all; past it the oldest tails of steps that
/// did not fail are dropped first.
pub(crate) const MAX_KEPT_BYTES: usize = 32 << 20;

/// How to read a stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// `##[group]Run` starts a new step (a job log); off for a per-step file,
    /// which is one step whatever it contains.
    pub split_steps: bool,
    /// The stream is known to come from GitHub (a run-log zip): steps without
    /// `##[error]` are `failed: Some(false)` even if no marker was seen.
    pub github: bool,
}

/// Reads `r` to its end and returns its steps. Errors only from `r`.
#[cfg(test)]
pub(crate) fn scan<R: Read + Send>(
    r: R,
    opts: Options,
    red: &Redactor,
) -> io::Result<Vec<StepLog>> {
    scan_stream(r, opts, None, red)
}

/// [`scan_sized`] for a file or a stream: a large or unsized input is read
/// on a second thread while this one scans ([`scan_threaded`]).
pub(crate) fn scan_stream<R: Read + Send>(
    r: R,
    opts: Options,
    size: Option<u64>,
    red: &Redactor,
) -> io::Result<Vec<StepLog>> {
    if size.is_none_or(|n| n >= THREADED_BYTES) {
        return scan_threaded(r, opts, red);
    }
    scan_sized(r, opts, size, red)
}

/// [`scan`] with the input's (claimed) size: a small input gets a small block
/// (never less than a capped line needs, never more than [`BLOCK`]), which
/// matters for archives of thousands of small entries.
pub(crate) fn scan_sized<R: Read>(
    r: R,
    opts: Options,
    size: Option<u64>,
    red: &Redactor,
) -> io::Result<Vec<StepLog>> {
    let block = size.map_or(BLOCK, |n| {
        usize::try_from(n.saturating_add(1)).map_or(BLOCK, |n| n.clamp(RAW_CAP + 1, BLOCK))
    });
    let mut s = Scanner::new(opts, red);
    let mut blocks = Blocks::new(r, vec![0u8; block]);
    while let Some(piece) = blocks.next_piece()? {
        match piece {
            Piece::Region(len) => s.region(&blocks.buf[..len]),
            Piece::Long(head) => s.long_line(head),
        }
    }
    Ok(s.finish())
}

/// Inputs from this size on are read on a second thread: on a large log
/// the kernel's copy out of the page cache was a third of the time, and it
/// now overlaps the scan. Peak memory grows by [`READ_AHEAD`] blocks.
const THREADED_BYTES: u64 = 4 << 20;
/// The block of the threaded path: the scan reads it from the other core's
/// cache anyway, and each hand-over costs a wake-up.
const THREADED_BLOCK: usize = 1 << 20;
/// Blocks read ahead of the scan, at most.
const READ_AHEAD: usize = 2;

/// [`scan_sized`] with the reads on a second thread: whole blocks of complete
/// lines go through a bounded channel and come back to be refilled.
fn scan_threaded<R: Read + Send>(r: R, opts: Options, red: &Redactor) -> io::Result<Vec<StepLog>> {
    use std::sync::mpsc;
    enum Sent {
        Region(Vec<u8>, usize),
        Long(Vec<u8>),
    }
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Sent>>(READ_AHEAD);
        let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
        scope.spawn(move || {
            let mut blocks = Blocks::new(r, vec![0u8; THREADED_BLOCK]);
            loop {
                let sent = match blocks.next_piece() {
                    Ok(None) => return,
                    Ok(Some(Piece::Long(head))) => Ok(Sent::Long(head)),
                    Ok(Some(Piece::Region(len))) => {
                        // The partial line goes to the next block first.
                        let next = back_rx.try_recv().unwrap_or_else(|_| vec![0u8; THREADED_BLOCK]);
                        let full = std::mem::replace(&mut blocks.buf, next);
                        blocks.carry_from(&full, len);
                        Ok(Sent::Region(full, len))
                    }
                    Err(e) => Err(e),
                };
                let failed = sent.is_err();
                // The scanner stopped (an error of ours it returned early).
                if tx.send(sent).is_err() || failed {
                    return;
                }
            }
        });
        let mut s = Scanner::new(opts, red);
        for sent in rx {
            match sent? {
                Sent::Region(buf, len) => {
                    s.region(&buf[..len]);
                    // The reader may have ended; the block is then dropped.
                    let _ = back_tx.send(buf);
                }
                Sent::Long(head) => s.long_line(head),
            }
        }
        Ok(s.finish())
    })
}

/// What one read step yields.
enum Piece {
    /// `buf[..len]` holds complete lines (the last one may lack its `\n`
    /// only at the end of the input).
    Region(usize),
    /// The first [`RAW_CAP`] bytes of a line longer than the block; the
    /// rest of it was read and dropped.
    Long(Vec<u8>),
}

/// Blocks of complete lines out of a reader: a partial last line is carried
/// to the front of the next block.
struct Blocks<R> {
    r: R,
    buf: Vec<u8>,
    /// Bytes at the front of `buf` that belong to the next piece.
    filled: usize,
    /// `buf[start..filled]` is carried: returned lines end before `start`.
    start: usize,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    fn new(r: R, buf: Vec<u8>) -> Self {
        Blocks {
            r,
            buf,
            filled: 0,
            start: 0,
            eof: false,
        }
    }

    /// Puts `old[len..filled]` (the carried partial line) at the front of
    /// `self.buf`, which replaced `old` after the region `old[..len]` was
    /// taken.
    fn carry_from(&mut self, old: &[u8], len: usize) {
        let rest = self.filled - len;
        self.buf[..rest].copy_from_slice(&old[len..self.filled]);
        self.filled = rest;
        self.start = 0;
    }

    fn read_some(&mut self, from: usize) -> io::Result<usize> {
        loop {
            match self.r.read(&mut self.buf[from..]) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next piece; `None` at the end of the input.
    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        // The region returned last time is done with: drop it.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        while self.filled < self.buf.len() && !self.eof {
            match self.read_some(self.filled)? {
                0 => self.eof = true,
                n => self.filled += n,
            }
        }
        if self.eof {
            self.start = self.filled;
            return Ok((self.filled > 0).then_some(Piece::Region(self.filled)));
        }
        if let Some(i) = memchr::memrchr(b'\n', &self.buf[..self.filled]) {
            self.start = i + 1;
            return Ok(Some(Piece::Region(i + 1)));
        }
        // One line fills the whole block: keep its head, drop the rest of it.
        let head = self.buf[..RAW_CAP].to_vec();
        self.filled = 0;
        loop {
            let n = self.read_some(0)?;
            if n == 0 {
                self.eof = true;
                break;
            }
            if let Some(i) = memchr::memchr(b'\n', &self.buf[..n]) {
                self.buf.copy_within(i + 1..n, 0);
                self.filled = n - i - 1;
                break;
            }
        }
        Ok(Some(Piece::Long(head)))
    }
}

/// The current step's last raw lines from earlier blocks, in one buffer (no
/// allocation per line); normalised only if they are still the tail when the
/// step ends.
#[derive(Default)]
struct Ring {
    bytes: Vec<u8>,
    lines: VecDeque<RingLine>,
    /// Bytes of the lines still in `lines`.
    live: usize,
}

struct RingLine {
    number: u64,
    start: usize,
    end: usize,
    cut: bool,
}

impl Ring {
    fn clear(&mut self) {
        self.bytes.clear();
        self.lines.clear();
        self.live = 0;
    }

    fn push(&mut self, number: u64, raw: &[u8], cut: bool) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(raw);
        self.lines.push_back(RingLine {
            number,
            start,
            end: self.bytes.len(),
            cut,
        });
        self.live += raw.len();
        while self.lines.len() > TAIL_LINES
            || (self.lines.len() > 1 && self.live > MAX_TAIL_BYTES + RAW_CAP)
        {
            if let Some(old) = self.lines.pop_front() {
                self.live -= old.end - old.start;
            }
        }
    }

    /// Drops bytes of lines that left the ring once they outweigh the live ones.
    fn compact(&mut self) {
        let dead = self.lines.front().map_or(self.bytes.len(), |l| l.start);
        if dead > 0 && dead >= self.bytes.len() - dead {
            self.bytes.drain(..dead);
            for l in &mut self.lines {
                l.start -= dead;
                l.end -= dead;
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = (u64, &[u8], bool)> {
        self.lines
            .iter()
            .map(|l| (l.number, &self.bytes[l.start..l.end], l.cut))
    }
}

/// The `##[group]Run` header being read: its script lines are the command.
#[derive(Default)]
struct Header {
    run: String,
    script: Vec<String>,
    bytes: usize,
    lines: u32,
    done: bool,
}

struct Scanner<'r> {
    opts: Options,
    /// Applied to every line kept, right after it is normalised and before
    /// any cap, window or excerpt can cut a secret in two.
    red: &'r Redactor,
    /// Lines fully handled so far (the number of the last one).
    line_no: u64,
    steps: Vec<StepLog>,
    cur: StepLog,
    /// `cur` saw an error marker.
    cur_failed: bool,
    /// `cur.command` came from a Run header's script (a later `##[command]`
    /// of an action does not replace it).
    cmd_from_script: bool,
    header: Option<Header>,
    ring: Ring,
    any_marker: bool,
    /// Bytes of the tails of finished steps.
    kept: usize,
    /// Look for `::error::`-style commands too (decided on the first line:
    /// only in logs without runner timestamps).
    colon_forms: Option<bool>,
    hash: memmem::Finder<'static>,
    colon: memmem::Finder<'static>,
}

impl<'r> Scanner<'r> {
    fn new(opts: Options, red: &'r Redactor) -> Self {
        Scanner {
            opts,
            red,
            line_no: 0,
            steps: Vec::new(),
            cur: new_step(1),
            cur_failed: false,
            cmd_from_script: false,
            header: None,
            ring: Ring::default(),
            any_marker: false,
            kept: 0,
            colon_forms: None,
            hash: memmem::Finder::new(b"##[").into_owned(),
            colon: memmem::Finder::new(b"::").into_owned(),
        }
    }

    fn decide_forms(&mut self, first: &[u8]) {
        if self.colon_forms.is_none() {
            let bom = usize::from(first.starts_with(b"\xEF\xBB\xBF")) * 3;
            self.colon_forms = Some(text::timestamp_len(&first[bom..]) == 0);
        }
    }

    /// Complete lines (the last one may lack its `\n` only at end of input).
    fn region(&mut self, buf: &[u8]) {
        self.decide_forms(buf);
        let colon_forms = self.colon_forms == Some(true);
        let mut pos = 0;
        let mut step_start = 0;
        let mut next_hash = self.hash.find(buf);
        let mut next_colon = if colon_forms {
            self.colon.find(buf)
        } else {
            None
        };
        while pos < buf.len() {
            let ls = if self.header.is_some() {
                pos
            } else {
                match self.next_marker_line(buf, pos, &mut next_hash, &mut next_colon) {
                    Some(ls) => ls,
                    None => {
                        self.line_no += count_lines(&buf[pos..]);
                        break;
                    }
                }
            };
            self.line_no += count_nl(&buf[pos..ls]);
            let le = memchr::memchr(b'\n', &buf[ls..]).map_or(buf.len(), |i| ls + i);
            let cut = le - ls > RAW_CAP;
            let raw = &buf[ls..le.min(ls + RAW_CAP)];
            if self.line(raw, cut, &buf[step_start..ls]) {
                step_start = ls;
            }
            pos = le + 1;
        }
        self.retain(&buf[step_start..]);
    }

    /// The start of the next line that begins with a marker candidate.
    fn next_marker_line(
        &self,
        buf: &[u8],
        pos: usize,
        hash: &mut Option<usize>,
        colon: &mut Option<usize>,
    ) -> Option<usize> {
        loop {
            if hash.is_some_and(|h| h < pos) {
                *hash = self.hash.find(&buf[pos..]).map(|i| i + pos);
            }
            if colon.is_some_and(|c| c < pos) {
                *colon = self.colon.find(&buf[pos..]).map(|i| i + pos);
            }
            let (q, from_hash) = match (*hash, *colon) {
                (None, None) => return None,
                (Some(h), None) => (h, true),
                (None, Some(c)) => (c, false),
                (Some(h), Some(c)) => (h.min(c), h <= c),
            };
            if let Some(ls) = marker_line_start(buf, q) {
                return Some(ls);
            }
            // Only a line's start can hold a marker: go on from the next line,
            // so a line full of `::` costs one look, not one per pair.
            let from = memchr::memchr(b'\n', &buf[q..]).map_or(buf.len(), |i| q + i + 1);
            let (finder, slot) = if from_hash {
                (&self.hash, &mut *hash)
            } else {
                (&self.colon, &mut *colon)
            };
            *slot = finder.find(&buf[from..]).map(|i| i + from);
        }
    }

    /// A line that did not fit in a block; `head` is its first [`RAW_CAP`] bytes.
    fn long_line(&mut self, head: Vec<u8>) {
        self.decide_forms(&head);
        self.line(&head, true, &[]);
        self.ring.push(self.line_no, &head, true);
        self.ring.compact();
    }

    /// One line on the slow path; `before` is the rest of the current step in
    /// this block. Returns whether the line started a new step.
    fn line(&mut self, raw: &[u8], cut: bool, before: &[u8]) -> bool {
        let number = self.line_no + 1;
        // Marker lines are many in some logs; only the text kept is redacted.
        let (kind, text) = text::normalize(raw, cut);
        if kind != Marker::None {
            self.any_marker = true;
        }
        let mut new_step = false;
        match kind {
            Marker::GroupRun => {
                let text = redact_normalized(text, self.red);
                if self.opts.split_steps && self.steps.len() < MAX_STEPS {
                    if self.steps.is_empty() && self.cur.name.is_empty() {
                        self.cur.name = "Set up job".to_string();
                    }
                    self.finish_step(before);
                    new_step = true;
                    self.cur.name = cap(&text, MAX_NAME_BYTES);
                } else {
                    self.close_header();
                    if self.cur.name.is_empty() {
                        self.cur.name = cap(&text, MAX_NAME_BYTES);
                    }
                }
                self.header = Some(Header {
                    run: text,
                    ..Header::default()
                });
            }
            Marker::EndGroup => self.close_header(),
            Marker::Command => {
                if !self.cmd_from_script && !text.is_empty() {
                    let text = redact_normalized(text, self.red);
                    self.cur.command = Some(cap(&text, MAX_COMMAND_BYTES));
                }
            }
            Marker::Error => {
                self.cur_failed = true;
                if let Some(code) = text
                    .strip_prefix("Process completed with exit code ")
                    .and_then(|r| r.strip_suffix('.'))
                    .and_then(|n| n.parse().ok())
                {
                    self.cur.exit_code = Some(code);
                }
                if self.cur.errors.len() < MAX_ERROR_LINES {
                    let text = redact_normalized(text, self.red);
                    self.cur.errors.push(Line { number, text });
                }
            }
            Marker::None => {
                if let Some(h) = &mut self.header {
                    h.lines += 1;
                    let key = ["shell:", "env:", "with:"];
                    if key.iter().any(|k| text.starts_with(k)) {
                        h.done = true;
                    }
                    let text = if h.done {
                        text
                    } else {
                        redact_normalized(text, self.red)
                    };
                    if !h.done && h.bytes + text.len() <= MAX_COMMAND_BYTES {
                        h.bytes += text.len() + 1;
                        h.script.push(text);
                    }
                    if h.lines > MAX_HEADER_LINES {
                        self.close_header();
                    }
                }
            }
            Marker::Group | Marker::Annotation | Marker::Hidden => {}
        }
        self.line_no = number;
        new_step
    }

    fn close_header(&mut self) {
        let Some(mut h) = self.header.take() else {
            return;
        };
        sanitize::redact_pem_lines(&mut h.script, |s| s);
        let script = h.script.join("\n");
        let script = script.trim_end();
        if !script.is_empty() {
            self.cur.command = Some(script.to_string());
            self.cmd_from_script = true;
        } else if self.cur.command.is_none() {
            let run = h.run.strip_prefix("Run ").unwrap_or(&h.run).trim();
            if !run.is_empty() {
                self.cur.command = Some(cap(run, MAX_COMMAND_BYTES));
            }
        }
    }

    /// Keeps the last lines of the current step's part of this block.
    fn retain(&mut self, region: &[u8]) {
        let spans = last_lines(region, TAIL_LINES);
        if spans.len() == TAIL_LINES {
            self.ring.clear();
        }
        let first_number = self.line_no + 1 - spans.len() as u64;
        for (i, &(s, e)) in spans.iter().enumerate() {
            let raw = &region[s..e.min(s + RAW_CAP)];
            self.ring
                .push(first_number + i as u64, raw, e - s > RAW_CAP);
        }
        self.ring.compact();
    }

    /// Ends the current step after line `self.line_no`; `before` holds its
    /// lines in the current block that the ring does not have yet.
    fn finish_step(&mut self, before: &[u8]) {
        self.close_header();
        let last = self.line_no;
        let next = new_step(last + 1);
        let mut step = std::mem::replace(&mut self.cur, next);
        let failed = std::mem::take(&mut self.cur_failed);
        self.cmd_from_script = false;
        if last + 1 == step.first_line && step.errors.is_empty() {
            self.ring.clear();
            return;
        }
        step.line_count = last + 1 - step.first_line;
        step.failed = Some(failed);
        let spans = last_lines(before, TAIL_LINES);
        let from_ring = TAIL_LINES - spans.len();
        let skip = self.ring.lines.len().saturating_sub(from_ring);
        let mut tail = Vec::with_capacity(TAIL_LINES.min(256));
        // Other CIs' markers hide behind carriage returns: read them raw,
        // for the first step only (a stream with two has GitHub's structure).
        let marks = self.steps.is_empty() && self.opts.split_steps && !self.opts.github;
        for (number, raw, cut) in self.ring.iter().skip(skip) {
            push_normalized(&mut tail, number, raw, cut, self.red);
            if marks {
                super::sections::note(&mut step.marks, number, raw, self.red);
            }
        }
        let first_number = last + 1 - spans.len() as u64;
        for (i, &(s, e)) in spans.iter().enumerate() {
            let raw = &before[s..e.min(s + RAW_CAP)];
            push_normalized(
                &mut tail,
                first_number + i as u64,
                raw,
                e - s > RAW_CAP,
                self.red,
            );
            if marks {
                super::sections::note(&mut step.marks, first_number + i as u64, raw, self.red);
            }
        }
        // Long lines make a shorter tail: its newest lines, MAX_TAIL_BYTES in all.
        let mut bytes = 0;
        let keep_from = tail
            .iter()
            .rposition(|l| {
                bytes += l.text.len();
                bytes > MAX_TAIL_BYTES
            })
            .map_or(0, |i| i + 1);
        tail.drain(..keep_from.min(tail.len().saturating_sub(1)));
        // A private key spread over lines goes as a unit, also when the tail
        // starts inside it.
        sanitize::redact_pem_lines(&mut tail, |l| &mut l.text);
        sanitize::redact_pem_lines(&mut step.errors, |l| &mut l.text);
        tail.shrink_to_fit();
        step.tail = tail;
        step.errors.shrink_to_fit();
        self.kept += kept_bytes(&step);
        self.ring.clear();
        self.steps.push(step);
        self.enforce_budget();
    }

    /// Past [`MAX_KEPT_BYTES`], drops what was kept of passed steps, then of
    /// failed steps from the newest back; the first failure (the primary one)
    /// is kept whole.
    fn enforce_budget(&mut self) {
        if self.kept <= MAX_KEPT_BYTES {
            return;
        }
        let first_failed = self.steps.iter().position(|s| s.failed == Some(true));
        let passed = (0..self.steps.len()).filter(|&i| self.steps[i].failed != Some(true));
        let failed = (0..self.steps.len())
            .rev()
            .filter(|&i| self.steps[i].failed == Some(true) && Some(i) != first_failed);
        let order: Vec<usize> = passed.chain(failed).collect();
        for i in order {
            if self.kept <= MAX_KEPT_BYTES {
                return;
            }
            let step = &mut self.steps[i];
            self.kept -= kept_bytes(step);
            step.tail = Vec::new();
            step.errors = Vec::new();
            self.kept += kept_bytes(step);
        }
    }

    fn finish(mut self) -> Vec<StepLog> {
        // A GitHub job log's lines before any step belong to "Set up job".
        let github_job = self.opts.github && self.opts.split_steps;
        if github_job && self.steps.is_empty() && self.cur.name.is_empty() {
            self.cur.name = "Set up job".to_string();
        }
        self.finish_step(&[]);
        let marked = self.any_marker || self.opts.github;
        for step in &mut self.steps {
            if !marked {
                step.failed = None;
            }
        }
        super::sections::split(self.steps, self.opts)
    }
}

fn new_step(first_line: u64) -> StepLog {
    StepLog {
        first_line,
        ..StepLog::default()
    }
}

/// What the allocator adds to each heap block, about (glibc and musl: 16).
pub(crate) const ALLOC_OVERHEAD: usize = 16;

/// Bytes a finished step holds: the text of its tail and error lines and the
/// bookkeeping around it (each `Line`, each string's block, the step itself),
/// so a million one-byte lines count as what they cost, not a megabyte.
pub(crate) fn kept_bytes(step: &StepLog) -> usize {
    let slots =
        (step.tail.capacity() + step.errors.capacity()) * std::mem::size_of::<super::Line>();
    let text: usize = step
        .tail
        .iter()
        .chain(&step.errors)
        .map(|l| ALLOC_OVERHEAD + l.text.capacity())
        .sum();
    std::mem::size_of::<StepLog>()
        + slots
        + text
        + step.name.capacity()
        + step.command.as_ref().map_or(0, String::capacity)
        + 3 * ALLOC_OVERHEAD
}

fn cap(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn push_normalized(tail: &mut Vec<Line>, number: u64, raw: &[u8], cut: bool, red: &Redactor) {
    let (kind, text) = normalize(raw, cut, red);
    if !kind.drops_line() {
        tail.push(Line { number, text });
    }
}

/// [`text::normalize`], then redaction of the whole normalised line before
/// anything can cut it; a line cut at the line cap also loses a secret the
/// cut left unfinished.
fn normalize(raw: &[u8], cut: bool, red: &Redactor) -> (Marker, String) {
    let (kind, text) = text::normalize(raw, cut);
    if kind.drops_line() {
        return (kind, text);
    }
    (kind, redact_normalized(text, red))
}

/// Redacts one normalised line; a line that ends cut at the line cap
/// (`…[line truncated]`) also loses what the cut left of a secret. A
/// redaction can be longer than what it replaces (`://a:b@` becomes
/// `://***REDACTED***@`), so the cap is applied again after it.
fn redact_normalized(text: String, red: &Redactor) -> String {
    let (body, cut) = match text.strip_suffix(text::TRUNCATED_MARK) {
        Some(body) => (body, true),
        None => (text.as_str(), false),
    };
    let mut r = if cut {
        red.redact_cut(body)
    } else {
        match red.redact(body) {
            std::borrow::Cow::Borrowed(_) => return text,
            std::borrow::Cow::Owned(r) => r,
        }
    };
    let over = r.len() > MAX_LINE_BYTES;
    if over {
        let mut end = MAX_LINE_BYTES;
        while !r.is_char_boundary(end) {
            end -= 1;
        }
        r.truncate(end);
    }
    if cut || over {
        r.push_str(text::TRUNCATED_MARK);
    }
    r
}

/// Whether the candidate at `q` starts its line, after an optional BOM and
/// timestamp; returns the line's start.
fn marker_line_start(buf: &[u8], q: usize) -> Option<usize> {
    if q == 0 || buf[q - 1] == b'\n' {
        return Some(q);
    }
    let lo = q.saturating_sub(40 + text::MAX_JOB_STEP_PREFIX);
    let ls = match memchr::memrchr(b'\n', &buf[lo..q]) {
        Some(i) => lo + i + 1,
        None if lo == 0 => 0,
        None => return None,
    };
    (text::prefix_len(&buf[ls..]) == q - ls).then_some(ls)
}

fn count_nl(s: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', s).count() as u64
}

/// Lines in `s`, counting a last line without `\n`.
fn count_lines(s: &[u8]) -> u64 {
    count_nl(s) + u64::from(s.last().is_some_and(|&c| c != b'\n'))
}

/// Spans (without `\n`) of the last `max` lines of `region`, in order.
fn last_lines(region: &[u8], max: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if region.is_empty() || max == 0 {
        return spans;
    }
    let mut end = region.len();
    if region[end - 1] == b'\n' {
        end -= 1;
    }
    loop {
        let start = memchr::memrchr(b'\n', &region[..end]).map_or(0, |i| i + 1);
        spans.push((start, end));
        if start == 0 || spans.len() == max {
            break;
        }
        end = start - 1;
    }
    spans.reverse();
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: &str = "2024-05-01T12:34:56.1234567Z ";

    fn run(text: &str, split: bool) -> Vec<StepLog> {
        let opts = Options {
            split_steps: split,
            github: false,
        };
        scan(text.as_bytes(), opts, &Redactor::default()).unwrap_or_default()
    }

    fn gh(lines: &[&str]) -> String {
        lines.iter().map(|l| format!("{TS}{l}\n")).collect()
    }

    #[test]
    fn plain_log_is_one_unnamed_step() {
        let steps = run("a\r\nb\nc", true);
        assert_eq!(steps.len(), 1);
        let s = &steps[0];
        assert_eq!(s.name, "");
        assert_eq!(s.failed, None);
        assert_eq!((s.first_line, s.line_count), (1, 3));
        let texts: Vec<_> = s.tail.iter().map(|l| (l.number, l.text.as_str())).collect();
        assert_eq!(texts, [(1, "a"), (2, "b"), (3, "c")]);
    }

    #[test]
    fn empty_input_has_no_steps() {
        assert!(run("", true).is_empty());
    }

    #[test]
    fn github_log_splits_steps_and_reads_markers() {
        let log = gh(&[
            "Current runner version: '2.317.0'",
            "##[group]Operating System",
            "Ubuntu",
            "##[endgroup]",
            "##[group]Run actions/checkout@v4",
            "with:",
            "  repository: o/r",
            "##[endgroup]",
            "##[command]/usr/bin/git version",
            "git version 2.45",
            "##[group]Run pip install -r requirements.txt",
            "\x1b[36;1mpip install -r requirements.txt\x1b[0m",
            "\x1b[36;1mpytest -q\x1b[0m",
            "shell: /usr/bin/bash -e {0}",
            "env:",
            "  pythonLocation: /opt/py",
            "##[endgroup]",
            "Collecting requests",
            "E   ModuleNotFoundError: No module named 'yaml'",
            "##[error]Process completed with exit code 1.",
        ]);
        let steps = run(&log, true);
        let names: Vec<_> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Set up job",
                "Run actions/checkout@v4",
                "Run pip install -r requirements.txt"
            ]
        );
        assert_eq!(steps[0].failed, Some(false));
        assert_eq!((steps[0].first_line, steps[0].line_count), (1, 4));
        let tail0: Vec<_> = steps[0].tail.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            tail0,
            [
                "Current runner version: '2.317.0'",
                "Operating System",
                "Ubuntu"
            ]
        );
        assert_eq!(steps[1].command.as_deref(), Some("/usr/bin/git version"));
        assert_eq!(steps[1].failed, Some(false));
        assert_eq!(steps[1].first_line, 5);
        let s = &steps[2];
        assert_eq!(
            s.command.as_deref(),
            Some("pip install -r requirements.txt\npytest -q")
        );
        assert_eq!(s.failed, Some(true));
        assert_eq!(s.exit_code, Some(1));
        assert_eq!((s.first_line, s.line_count), (11, 10));
        assert_eq!(
            s.errors,
            [Line {
                number: 20,
                text: "Process completed with exit code 1.".into()
            }]
        );
        let last = s
            .tail
            .iter()
            .rev()
            .nth(1)
            .map(|l| (l.number, l.text.as_str()));
        assert_eq!(
            last,
            Some((19, "E   ModuleNotFoundError: No module named 'yaml'"))
        );
        assert!(s.tail.iter().all(|l| !l.text.contains("endgroup")));
    }

    #[test]
    fn bom_and_marker_on_the_first_line() {
        let log = format!(
            "\u{FEFF}{}",
            gh(&["##[group]Run make", "make", "##[endgroup]", "##[error]bad"])
        );
        let steps = run(&log, true);
        assert_eq!(steps.len(), 1);
        assert_eq!(
            (steps[0].name.as_str(), steps[0].first_line),
            ("Run make", 1)
        );
        assert_eq!(steps[0].command.as_deref(), Some("make"));
        assert_eq!(steps[0].failed, Some(true));
    }

    #[test]
    fn per_step_file_is_one_step() {
        let log = gh(&[
            "##[group]Run make",
            "make",
            "##[endgroup]",
            "##[group]Run not a step",
            "x",
        ]);
        let steps = run(&log, false);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].name, "Run make");
        assert_eq!(steps[0].failed, Some(false));
    }

    #[test]
    fn indented_or_mid_line_markers_are_text() {
        let steps = run("echo '##[error]no'\n  ##[group]Run x\n", true);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].failed, None);
    }

    #[test]
    fn stdout_forms_mark_failure() {
        let steps = run(
            "::group::Build\nok\n::endgroup::\nstd::io::Error\n::error file=a.py,line=2::boom\n",
            true,
        );
        assert_eq!(steps.len(), 1);
        let s = &steps[0];
        assert_eq!(s.failed, Some(true));
        assert_eq!(
            s.errors,
            [Line {
                number: 5,
                text: "boom".into()
            }]
        );
        let tail: Vec<_> = s.tail.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(tail, ["Build", "ok", "std::io::Error", "boom"]);
    }

    #[test]
    fn tail_keeps_last_lines_across_blocks() {
        // More than a block of lines in one step, then a failure at its end.
        let mut log = gh(&["##[group]Run big"]);
        let filler = format!("{TS}{}\n", "x".repeat(100));
        let n = BLOCK / filler.len() * 2 + 7;
        for _ in 0..n {
            log.push_str(&filler);
        }
        log.push_str(&gh(&[
            "the cause",
            "##[error]Process completed with exit code 2.",
        ]));
        let steps = run(&log, true);
        let s = steps.last().cloned().unwrap_or_default();
        assert_eq!(s.tail.len(), TAIL_LINES);
        let total = n as u64 + 3;
        assert_eq!(s.line_count, total);
        let last = &s.tail[TAIL_LINES - 2];
        assert_eq!((last.number, last.text.as_str()), (total - 1, "the cause"));
        assert_eq!(s.tail[0].number, total - TAIL_LINES as u64 + 1);
        assert_eq!(s.exit_code, Some(2));
    }

    #[test]
    fn huge_line_without_newline_is_cut() {
        let mut log = b"first\n".to_vec();
        log.extend(std::iter::repeat_n(b'a', BLOCK * 2 + 3));
        log.extend_from_slice(b"\nlast\n");
        let steps = scan(
            &log[..],
            Options {
                split_steps: true,
                github: false,
            },
            &Redactor::default(),
        )
        .unwrap_or_default();
        let s = &steps[0];
        assert_eq!(s.line_count, 3);
        assert_eq!(s.tail.len(), 3);
        assert!(s.tail[1].text.ends_with(text::TRUNCATED_MARK));
        assert!(s.tail[1].text.len() <= MAX_LINE_BYTES + text::TRUNCATED_MARK.len());
        assert_eq!((s.tail[2].number, s.tail[2].text.as_str()), (3, "last"));
    }

    #[test]
    fn kept_lines_are_redacted_before_the_line_cap() {
        // A token across the 64 KiB cap, a key spread over lines whose BEGIN
        // is above the tail, and the run's own token in a `##[error]` line.
        let body = "Qm7Wc2Xr9TbK4LpZ8vNs3GhD6fJa1YuE5oRi";
        let long = format!("{} ghp_{body}", "a".repeat(MAX_LINE_BYTES - 20));
        let mut lines = vec![
            "##[group]Run t".to_string(),
            "-----BEGIN EC PRIVATE KEY-----".into(),
        ];
        lines.extend((0..TAIL_LINES).map(|i| format!("MHcCAQEEIB{i:04}keybody")));
        lines.push("-----END EC PRIVATE KEY-----".into());
        lines.push(long);
        lines.push("##[error]auth failed for own-t0ken-value-123".into());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let log = gh(&refs);
        let opts = Options {
            split_steps: true,
            github: false,
        };
        let red = Redactor::new(Some("own-t0ken-value-123"));
        let steps = scan(log.as_bytes(), opts, &red).unwrap_or_default();
        let s = &steps[0];
        let all: Vec<&str> = s
            .tail
            .iter()
            .chain(&s.errors)
            .map(|l| l.text.as_str())
            .collect();
        assert!(
            all.iter().all(|t| !t.contains("keybody")),
            "{:?}",
            &all[..3]
        );
        assert!(
            all.iter()
                .all(|t| !t.contains(&body[..8]) && !t.contains("own-t0ken"))
        );
        let cut = s
            .tail
            .iter()
            .find(|l| l.text.ends_with(text::TRUNCATED_MARK));
        assert!(cut.is_some_and(|l| {
            l.text
                .ends_with(&format!(" ghp_***REDACTED***{}", text::TRUNCATED_MARK))
        }));
        assert_eq!(s.errors[0].text, "auth failed for ***REDACTED***");
    }

    #[test]
    fn redaction_never_grows_a_line_past_the_cap() {
        let line = "x://a:b@h ".repeat(MAX_LINE_BYTES / 10);
        let log = format!("{line}\n##[error]{line}\n");
        let steps = run(&log, true);
        let s = &steps[0];
        for l in s.tail.iter().chain(&s.errors) {
            assert!(l.text.len() <= MAX_LINE_BYTES + text::TRUNCATED_MARK.len());
            assert!(l.text.ends_with(text::TRUNCATED_MARK));
            assert!(!l.text.contains(":b@"));
        }
    }

    #[test]
    fn line_between_cap_and_block_is_cut() {
        let log = format!("{}\n##[error]x\n", "b".repeat(MAX_LINE_BYTES * 3));
        let steps = run(&log, true);
        assert!(steps[0].tail[0].text.ends_with(text::TRUNCATED_MARK));
        assert_eq!(steps[0].errors[0].number, 2);
    }

    #[test]
    fn kept_bytes_stay_in_budget_and_the_first_failure_survives() {
        let filler = format!("{TS}{}\n", "y".repeat(4000));
        let mut log = String::new();
        for i in 0..40 {
            log.push_str(&gh(&[&format!("##[group]Run step {i}")]));
            for _ in 0..300 {
                log.push_str(&filler);
            }
            if i % 10 == 3 {
                log.push_str(&gh(&["##[error]Process completed with exit code 1."]));
            }
        }
        let steps = run(&log, true);
        assert_eq!(steps.len(), 40);
        let kept: usize = steps.iter().map(kept_bytes).sum();
        assert!(kept <= MAX_KEPT_BYTES, "{kept}");
        let first = &steps[3];
        assert_eq!(first.failed, Some(true));
        assert!(!first.tail.is_empty() && !first.errors.is_empty());
        assert!(first.tail.iter().map(|l| l.text.len()).sum::<usize>() <= MAX_TAIL_BYTES);
        assert!(steps[0].tail.is_empty());
    }

    #[test]
    fn lines_full_of_candidates_stay_linear() {
        let line = format!("x{}\n", ":".repeat(4000));
        let log = line.repeat(4000) + "::error::real\n";
        let start = std::time::Instant::now();
        let steps = run(&log, true);
        assert_eq!(steps[0].errors.len(), 1);
        assert_eq!(steps[0].errors[0].number, 4001);
        // Quadratic candidate handling takes minutes here; linear, milliseconds.
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn block_size_does_not_change_the_result() {
        let mut log = gh(&["setup", "##[group]Run a", "a", "##[endgroup]"]);
        for i in 0..3000 {
            log.push_str(&format!("{TS}line {i} {}\n", "z".repeat(i % 200)));
            if i % 700 == 0 {
                log.push_str(&format!("{TS}{}\n", "L".repeat(RAW_CAP + i)));
                log.push_str(&gh(&[
                    "##[group]Run next",
                    "next",
                    "##[endgroup]",
                    "##[error]e",
                ]));
            }
        }
        let opts = Options {
            split_steps: true,
            github: false,
        };
        let json = |steps: Vec<StepLog>| serde_json::to_string(&steps).unwrap_or_default();
        let red = Redactor::default();
        let big = json(scan(log.as_bytes(), opts, &red).unwrap_or_default());
        let small = json(scan_sized(log.as_bytes(), opts, Some(0), &red).unwrap_or_default());
        let len = Some(log.len() as u64);
        let one_thread = json(scan_sized(log.as_bytes(), opts, len, &red).unwrap_or_default());
        assert!(log.len() > 2 * BLOCK && big.len() > 1000);
        assert!(big == small, "results differ with a small block");
        assert!(big == one_thread, "results differ with the reads on this thread");
    }

    #[test]
    fn last_lines_spans() {
        assert_eq!(last_lines(b"a\nbb\nc\n", 2), [(2, 4), (5, 6)]);
        assert_eq!(last_lines(b"a\nbb", 5), [(0, 1), (2, 4)]);
        assert_eq!(last_lines(b"\n", 5), [(0, 0)]);
        assert!(last_lines(b"", 5).is_empty());
    }
}
