//! Ingest: turn every input form (file, directory, stdin, run-log zip, artifact
//! zip) into one bounded [`LogBundle`].
//!
//! A log is never held whole: each step keeps its last lines (the failure of a
//! step sits near its end) plus its `##[error]` lines, and counts the rest.
//! `scan` does that at close to memory bandwidth (see its essay: big blocks,
//! `memchr` for newlines and markers, only kept lines normalised); `text`
//! normalises one line; `zip` reads archives in memory under the caps of the
//! security contract; `reports` reads JUnit XML and pytest-json-report.
//!
//! What is sniffed how: a zip by its magic bytes (`PK\x03\x04`) or a `.zip`
//! name; a report by a `.xml`/`.json` name and then its content (a `.json` that
//! is not a pytest-json-report is read as a log); everything else is a log.
//! Directories are walked in sorted order; a file that cannot be read there
//! becomes a note, while an archive that breaks a safety rule still fails the
//! whole input. A walk never follows a symlink, file or directory, even one
//! that points inside the input: each is skipped with a note, and walked
//! files are opened with `O_NOFOLLOW`, so a link swapped in later is refused
//! too. An ELF binary, an image or a compressed tarball is not a log: given
//! by name it is an error, met in a walk a note.
//!
//! One memory budget holds for the whole run, across every stream: each
//! stream keeps at most [`scan`]'s 32 MiB, and the bundle at most
//! [`MAX_RUN_KEPT_BYTES`] (text and bookkeeping of every kept line, step and
//! test); past it, passed steps lose their lines first, then later failures.
//! A report keeps [`MAX_REPORT_FAILURES`] failing tests and a run
//! [`MAX_RUN_TESTS`]; the rest are counted.

mod reports;
mod scan;
mod sections;
pub mod text;
mod zip;
pub use zip::{names_match as job_names_match, norm as job_name_key};

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::sanitize::Redactor;

/// A line longer than this is cut and marked `…[line truncated]`.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Per zip entry, uncompressed.
pub const MAX_ENTRY_BYTES: u64 = 64 << 20;
/// All zip entries together, uncompressed.
pub const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// Entries in one archive.
pub const MAX_ENTRIES: usize = 10_000;
/// Bytes in one entry name.
pub const MAX_ENTRY_NAME: usize = 1024;
/// Lines kept from the end of each step.
pub const TAIL_LINES: usize = 400;
/// Bytes of normalised text kept in one step's tail (long lines make fewer lines).
pub const MAX_TAIL_BYTES: usize = 1 << 20;
/// `##[error]` lines kept per step.
pub const MAX_ERROR_LINES: usize = 64;
/// Failing tests kept from one report; the rest are counted.
pub const MAX_REPORT_FAILURES: usize = 1_000;
/// Failing tests kept from all reports of a run; the rest are counted.
pub const MAX_RUN_TESTS: usize = 5_000;
/// Bytes the whole bundle keeps: steps' lines and tests, with bookkeeping.
pub const MAX_RUN_KEPT_BYTES: usize = 64 << 20;
/// Bytes sniffed at the start of an input to tell a log from a binary.
const SNIFF_BYTES: usize = 1024;

/// Where log bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file or a directory (read recursively: `*.txt`, `*.log`, `*.xml`, `*.json`, zips).
    Path(PathBuf),
    /// Standard input.
    Stdin,
    /// Bytes already in memory (downloaded archives, tests, the trainer), with a display name.
    Bytes { name: String, data: Vec<u8> },
}

impl Source {
    /// The source as messages name it: escaped, on one line.
    pub fn display(&self) -> String {
        match self {
            Source::Path(p) => escaped(p),
            Source::Stdin => STDIN_NAME.to_string(),
            Source::Bytes { name, .. } => name.escape_debug().to_string(),
        }
    }
}

/// How messages name standard input.
const STDIN_NAME: &str = "standard input";

fn escaped(p: &Path) -> String {
    p.display().to_string().escape_debug().to_string()
}

/// Everything read from the inputs, bounded in size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogBundle {
    pub jobs: Vec<JobLog>,
    /// Failing tests from JUnit XML or pytest-json-report files.
    pub tests: Vec<TestFailure>,
    /// Things skipped on the way (a nested archive not expanded, an unreadable file).
    pub notes: Vec<String>,
    /// What every kept line and message went through while being read.
    #[serde(skip)]
    pub(crate) redactor: Redactor,
    /// Failing tests found in reports but not kept (over a cap or the budget).
    pub omitted_tests: usize,
    /// Bytes held by `jobs` and `tests` (see [`MAX_RUN_KEPT_BYTES`]).
    #[serde(skip)]
    pub kept: usize,
}

impl LogBundle {
    /// Adds a job, then keeps the bundle within the run's budget.
    pub(crate) fn push_job(&mut self, job: JobLog) {
        self.kept += job_bytes(&job);
        self.jobs.push(job);
        self.enforce_budget();
    }

    /// Adds the failing tests `kept` of one report that had `found` (the
    /// report's own cap already applied), within the run's cap and budget.
    pub(crate) fn push_tests(&mut self, source: &str, kept: Vec<TestFailure>, found: usize) {
        let mut taken = 0;
        for t in kept {
            if self.tests.len() >= MAX_RUN_TESTS {
                break;
            }
            self.kept += test_bytes(&t);
            self.tests.push(t);
            taken += 1;
        }
        if found > taken {
            self.omitted_tests += found - taken;
            self.notes.push(format!(
                "{}: {found} failing tests, {taken} kept",
                source.escape_debug()
            ));
        }
        self.enforce_budget();
        while self.kept > MAX_RUN_KEPT_BYTES
            && let Some(t) = self.tests.pop()
        {
            self.kept -= test_bytes(&t);
            self.omitted_tests += 1;
        }
    }

    /// Past [`MAX_RUN_KEPT_BYTES`], trims the steps of every job (see
    /// [`trim_steps`]).
    fn enforce_budget(&mut self) {
        if self.kept <= MAX_RUN_KEPT_BYTES {
            return;
        }
        let steps = self.jobs.iter_mut().flat_map(|j| j.steps.iter_mut());
        trim_steps(steps.collect(), &mut self.kept, MAX_RUN_KEPT_BYTES);
    }
}

/// While `kept` is over `budget`, drops the lines kept of passed steps, then
/// of failed ones from the newest back; the first failure is kept whole.
pub(crate) fn trim_steps(mut steps: Vec<&mut StepLog>, kept: &mut usize, budget: usize) {
    if *kept <= budget {
        return;
    }
    let failed = |s: &StepLog| s.failed == Some(true);
    let first_failed = steps.iter().position(|s| failed(s));
    let mut order: Vec<usize> = (0..steps.len()).filter(|&i| !failed(steps[i])).collect();
    order.extend(
        (0..steps.len())
            .rev()
            .filter(|&i| failed(steps[i]) && Some(i) != first_failed),
    );
    for i in order {
        if *kept <= budget {
            return;
        }
        let step = &mut *steps[i];
        if step.tail.is_empty() && step.errors.is_empty() {
            continue;
        }
        *kept -= scan::kept_bytes(step);
        step.tail = Vec::new();
        step.errors = Vec::new();
        *kept += scan::kept_bytes(step);
    }
}

/// What a job costs in memory: its steps' lines and bookkeeping.
fn job_bytes(job: &JobLog) -> usize {
    std::mem::size_of::<JobLog>()
        + job.name.capacity()
        + job.source.capacity()
        + job.steps.iter().map(scan::kept_bytes).sum::<usize>()
}

/// What a kept failing test costs in memory.
fn test_bytes(t: &TestFailure) -> usize {
    std::mem::size_of::<TestFailure>()
        + t.name.capacity()
        + t.file.as_ref().map_or(0, String::capacity)
        + t.message.capacity()
        + t.details.capacity()
        + t.source.capacity()
        + 5 * scan::ALLOC_OVERHEAD
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JobLog {
    /// The job's name (from the run-log zip's file name), or the input's file name.
    pub name: String,
    /// Where it came from, for messages.
    pub source: String,
    pub steps: Vec<StepLog>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StepLog {
    /// `Run pytest` (from `##[group]Run`), `Set up job` (the lines of a GitHub
    /// job log before its first step), the per-step file's name, or empty (a
    /// log without markers).
    pub name: String,
    /// The step's number from a per-step file name (`3_Run tests.txt`).
    pub number: Option<u32>,
    /// The command that ran: the script lines of the `##[group]Run` header (up
    /// to its `shell:`/`env:`/`with:` lines), else the last `##[command]`, else
    /// the header's text after `Run ` (an action's `uses:`). Capped at 4 KiB.
    pub command: Option<String>,
    /// Whether the log marked the step as failed (`##[error]` or `::error::`);
    /// `Some(false)` for the other steps of a log with markers (or from a
    /// run-log zip); `None` when the input carries no markers (plain output).
    pub failed: Option<bool>,
    /// From `##[error]Process completed with exit code N.`
    pub exit_code: Option<i32>,
    /// The `##[error]` annotation lines, marker removed (first [`MAX_ERROR_LINES`]).
    pub errors: Vec<Line>,
    /// The last [`TAIL_LINES`] normalised lines of the step (at most
    /// [`MAX_TAIL_BYTES`] of text). Marker lines stay with the marker removed
    /// (`##[error]` lines are here too); `##[endgroup]` and `::add-mask::`
    /// lines are dropped, so numbers may skip. When one input keeps more than
    /// 32 MiB of tails, passed steps lose theirs first (then later failures;
    /// the first failing step is never emptied).
    pub tail: Vec<Line>,
    /// Line number (1-based, in the source file: the job log, or the per-step
    /// file for steps read from one) of the step's first line.
    pub first_line: u64,
    /// Number of lines in the step.
    pub line_count: u64,
    /// Other CIs' section markers seen in the raw tail lines, until
    /// `sections::split` reads them (always empty after ingest).
    #[serde(skip)]
    pub(crate) marks: Vec<sections::Mark>,
}

/// One normalised line: timestamp, ANSI, BOM, CR removed; lossy UTF-8; capped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Line {
    /// 1-based line number in its source file.
    pub number: u64,
    pub text: String,
}

/// A failing test from a structured report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestFailure {
    /// `tests/test_x.py::test_health` or the JUnit `classname.name`.
    pub name: String,
    pub file: Option<String>,
    pub line: Option<u64>,
    /// The one-line failure message.
    pub message: String,
    /// The longer text (traceback), capped.
    pub details: String,
    /// The report file it came from.
    pub source: String,
}

/// Why input could not be read. Every variant is the input's fault or the
/// environment's (I/O), never a bug of ours; each maps to exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("log archive is truncated or not a zip: {0}")]
    NotZip(String),
    #[error("archive entry \"{0}\" is not a local path")]
    UnsafePath(String),
    #[error("archive entry \"{0}\" is a symlink; refused")]
    Symlink(String),
    #[error("entry \"{0}\" exceeds 64 MiB uncompressed")]
    EntryTooLarge(String),
    #[error("archive exceeds 512 MiB uncompressed in total")]
    TotalTooLarge,
    #[error("archive has too many entries ({0} > 10000)")]
    TooManyEntries(usize),
    #[error("archive entry name is longer than 1024 bytes")]
    NameTooLong,
    #[error("duplicate entry \"{0}\"")]
    DuplicateEntry(String),
    #[error("overlapping zip entries")]
    Overlapping,
    #[error("local/central header mismatch for \"{0}\"")]
    HeaderMismatch(String),
    #[error("entry \"{0}\" size/CRC mismatch")]
    SizeMismatch(String),
    #[error("unsupported compression method {method} in \"{name}\"")]
    UnsupportedMethod { method: String, name: String },
    #[error("{0}: input is empty")]
    Empty(String),
    /// An executable, an image or a compressed archive given as a log.
    #[error("{0}: not a text log")]
    NotText(String),
    #[error("input exceeds {0} bytes")]
    TooLarge(u64),
    /// The entry inflates past what DEFLATE can produce: its sizes lie.
    #[error("entry \"{0}\" inflates past 1032:1; stopped")]
    Ratio(String),
}

/// An archive read from standard input is held in memory, at most this much.
pub const MAX_STDIN_ARCHIVE: u64 = 512 << 20;
/// Directory levels walked below an input directory.
const MAX_DEPTH: usize = 32;

/// Reads every source, in order, into one bundle. Fails on the first source
/// that cannot be read or breaks an archive rule; `Empty` when nothing had a
/// line or a test.
pub fn load(sources: &[Source]) -> Result<LogBundle, IngestError> {
    load_redacted(sources, &Redactor::default())
}

/// [`load`], with `red` (which knows the run's own token) applied to every
/// line and report message as soon as it is normalised, before any cap,
/// window or excerpt.
pub fn load_redacted(sources: &[Source], red: &Redactor) -> Result<LogBundle, IngestError> {
    let mut bundle = LogBundle {
        redactor: red.clone(),
        ..LogBundle::default()
    };
    for source in sources {
        match source {
            Source::Path(path) => load_path(path, &mut bundle)?,
            Source::Stdin => load_stdin(&mut bundle)?,
            Source::Bytes { name, data } => load_bytes(name, data, &mut bundle)?,
        }
    }
    let names = || {
        let mut names: Vec<String> = sources.iter().take(3).map(Source::display).collect();
        if sources.len() > 3 {
            names.push(format!("and {} more", sources.len() - 3));
        }
        names.join(", ")
    };
    let lines: u64 = bundle
        .jobs
        .iter()
        .flat_map(|j| &j.steps)
        .map(|s| s.line_count)
        .sum();
    if lines == 0 && bundle.tests.is_empty() && bundle.omitted_tests == 0 {
        return Err(IngestError::Empty(names()));
    }
    Ok(bundle)
}

/// One in-memory text log as a bundle of one job; never fails.
pub fn from_text(name: &str, bytes: &[u8]) -> LogBundle {
    let red = Redactor::default();
    LogBundle {
        jobs: vec![text_job(name, name, bytes, &red)],
        redactor: red,
        ..LogBundle::default()
    }
}

fn text_job(name: &str, source: &str, bytes: &[u8], red: &Redactor) -> JobLog {
    let opts = scan::Options {
        split_steps: true,
        github: false,
    };
    JobLog {
        name: name.to_string(),
        source: source.to_string(),
        // Reading from a slice cannot fail.
        steps: scan::scan_sized(bytes, opts, Some(bytes.len() as u64), red).unwrap_or_default(),
    }
}

fn load_path(path: &Path, bundle: &mut LogBundle) -> Result<(), IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_dir() {
        return load_file(path, bundle);
    }
    let mut files = Vec::new();
    walk(path, 0, &mut files, &mut bundle.notes);
    if files.len() > MAX_ENTRIES {
        bundle.notes.push(format!(
            "{} holds {} log files; only the first {MAX_ENTRIES} were read",
            path.display(),
            files.len()
        ));
        files.truncate(MAX_ENTRIES);
    }
    for file in files {
        match open_walked(&file).and_then(|f| load_open(f, &file, bundle)) {
            Err(IngestError::Io { path, source }) => {
                bundle.notes.push(format!("cannot read {path}: {source}"));
            }
            Err(IngestError::NotText(path)) => {
                bundle
                    .notes
                    .push(format!("{path}: not a text log; skipped"));
            }
            other => other?,
        }
    }
    Ok(())
}

/// `O_NOFOLLOW` (std has no constant for it and unsafe code is forbidden).
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
const O_NOFOLLOW: i32 = 0o100000;
#[cfg(not(any(target_arch = "aarch64", target_arch = "arm")))]
const O_NOFOLLOW: i32 = 0o400000;

/// Opens a file found by a walk without following a symlink at its last
/// component (one swapped in after the walk saw a file), and only a regular
/// file.
fn open_walked(path: &Path) -> Result<File, IngestError> {
    #[cfg(unix)]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW)
            .open(path)
    };
    #[cfg(not(unix))]
    let file = File::open(path);
    let file = file.map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(io_error(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    Ok(file)
}

/// Files under `dir` that may hold logs, in sorted order. Symlinked
/// directories are not followed (no loops, no escaping the input).
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, notes: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            notes.push(format!("cannot read {}: {e}", dir.display()));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        // `file_type` does not follow links: a link is never walked or read,
        // wherever it points.
        if kind.is_symlink() {
            if wanted(&path) || path.is_dir() {
                notes.push(format!(
                    "{}: a symlink; skipped (links in input directories are not followed)",
                    escaped(&path)
                ));
            }
            continue;
        }
        if kind.is_dir() {
            if entry.file_name() == ".git" {
                continue;
            }
            if depth + 1 >= MAX_DEPTH {
                notes.push(format!("{} is too deep; skipped", path.display()));
                continue;
            }
            walk(&path, depth + 1, out, notes);
        } else if wanted(&path) && kind.is_file() {
            out.push(path);
        }
    }
}

fn wanted(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "txt" | "log" | "xml" | "json" | "zip")
}

fn load_file(path: &Path, bundle: &mut LogBundle) -> Result<(), IngestError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    load_open(file, path, bundle)
}

fn load_open(mut file: File, path: &Path, bundle: &mut LogBundle) -> Result<(), IngestError> {
    let display = path.display().to_string();
    let name = path
        .file_name()
        .map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return load_stream(file, path, &name, bundle);
    }
    let len = meta.len();
    let mut head = [0u8; SNIFF_BYTES];
    let n = read_head(&mut file, &mut head).map_err(|e| io_error(path, e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io_error(path, e))?;
    let kind = Kind::of(&name, &head[..n]);
    if kind != Kind::Zip && not_text(&head[..n]) {
        return Err(IngestError::NotText(escaped(path)));
    }
    match kind {
        Kind::Zip => zip::read_archive(file, len, &display, bundle),
        Kind::Xml | Kind::Json if len <= zip::MAX_REPORT_BYTES => {
            let mut data = Vec::new();
            file.read_to_end(&mut data).map_err(|e| io_error(path, e))?;
            if !add_report(kind, &data, &display, bundle) {
                let job = text_job(&name, &display, &data, &bundle.redactor);
                bundle.push_job(job);
            }
            Ok(())
        }
        _ => {
            let opts = scan::Options {
                split_steps: true,
                github: false,
            };
            let steps = scan::scan_stream(file, opts, Some(len), &bundle.redactor)
                .map_err(|e| io_error(path, e))?;
            bundle.push_job(JobLog {
                name: text::job_of_prefix(&head[..n]).unwrap_or(name),
                source: display,
                steps,
            });
            Ok(())
        }
    }
}

fn load_stdin(bundle: &mut LogBundle) -> Result<(), IngestError> {
    load_stream(io::stdin(), Path::new("-"), "stdin", bundle)
}

/// A stream that cannot seek (stdin, a pipe, `<(...)`): text is scanned as it
/// arrives; an archive is held in memory up to [`MAX_STDIN_ARCHIVE`].
fn load_stream(
    mut input: impl Read + Send,
    path: &Path,
    name: &str,
    bundle: &mut LogBundle,
) -> Result<(), IngestError> {
    let source = path.display().to_string();
    let mut head = [0u8; SNIFF_BYTES];
    let n = read_head(&mut input, &mut head).map_err(|e| io_error(path, e))?;
    let head = &head[..n];
    let mut rest = Cursor::new(head.to_vec()).chain(input);
    let shown = || {
        if path == Path::new("-") {
            STDIN_NAME.to_string()
        } else {
            escaped(path)
        }
    };
    if !head.starts_with(zip::MAGIC) && not_text(head) {
        return Err(IngestError::NotText(shown()));
    }
    if head.starts_with(zip::MAGIC) {
        let mut data = Vec::new();
        (&mut rest)
            .take(MAX_STDIN_ARCHIVE + 1)
            .read_to_end(&mut data)
            .map_err(|e| io_error(path, e))?;
        if data.len() as u64 > MAX_STDIN_ARCHIVE {
            return Err(IngestError::TooLarge(MAX_STDIN_ARCHIVE));
        }
        let len = data.len() as u64;
        return zip::read_archive(Cursor::new(data), len, name, bundle);
    }
    let opts = scan::Options {
        split_steps: true,
        github: false,
    };
    let job = text::job_of_prefix(head).unwrap_or_else(|| name.to_string());
    let steps =
        scan::scan_stream(rest, opts, None, &bundle.redactor).map_err(|e| io_error(path, e))?;
    bundle.push_job(JobLog {
        name: job,
        source,
        steps,
    });
    Ok(())
}

fn load_bytes(name: &str, data: &[u8], bundle: &mut LogBundle) -> Result<(), IngestError> {
    let kind = Kind::of(name, data);
    if kind != Kind::Zip && not_text(&data[..data.len().min(SNIFF_BYTES)]) {
        return Err(IngestError::NotText(name.escape_debug().to_string()));
    }
    match kind {
        Kind::Zip => zip::read_archive(Cursor::new(data), data.len() as u64, name, bundle),
        _ => {
            if !add_report(kind, data, name, bundle) {
                let job = text_job(name, name, data, &bundle.redactor);
                bundle.push_job(job);
            }
            Ok(())
        }
    }
}

/// How an input is read, from its name and its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    Xml,
    Json,
    Text,
}

impl Kind {
    fn of(name: &str, head: &[u8]) -> Kind {
        let lower = name.to_ascii_lowercase();
        if head.starts_with(zip::MAGIC) || lower.ends_with(".zip") {
            Kind::Zip
        } else if lower.ends_with(".xml") {
            Kind::Xml
        } else if lower.ends_with(".json") {
            Kind::Json
        } else {
            Kind::Text
        }
    }
}

/// Adds a report's failing tests; false when the data is not a report.
fn add_report(kind: Kind, data: &[u8], source: &str, bundle: &mut LogBundle) -> bool {
    let report = match kind {
        Kind::Xml => reports::junit(data, source, &bundle.redactor),
        Kind::Json => reports::pytest_json(data, source, &bundle.redactor),
        Kind::Zip | Kind::Text => None,
    };
    match report {
        Some(r) => {
            bundle.push_tests(source, r.tests, r.failing);
            true
        }
        None => false,
    }
}

/// Whether the first bytes of an input show an executable, an image or a
/// compressed archive (by magic), or binary data (more than one NUL in
/// eight bytes: text with a stray NUL is still a log).
pub(crate) fn not_text(head: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x7fELF",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF87a",
        b"GIF89a",
        b"\x1f\x8b",
        b"\xfd7zXZ\x00",
        b"\x28\xb5\x2f\xfd",
        b"MZ\x90\x00",
        b"\xcf\xfa\xed\xfe",
        b"%PDF-",
    ];
    if MAGICS.iter().any(|m| head.starts_with(m)) {
        return true;
    }
    // bzip2: `BZh`, the block size, then the block magic (pi's digits).
    if head.starts_with(b"BZh") && head.get(4..10) == Some(b"1AY&SY") {
        return true;
    }
    // A POSIX or GNU tar header names its format at offset 257.
    if head.get(257..262) == Some(b"ustar") {
        return true;
    }
    let nul = head.iter().filter(|&&b| b == 0).count();
    nul * 8 > head.len()
}

fn read_head(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn io_error(path: &Path, source: io::Error) -> IngestError {
    IngestError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn from_text_is_one_job() {
        let b = from_text("ci.log", b"\xEF\xBB\xBFhello\r\nworld\n");
        assert_eq!(b.jobs.len(), 1);
        assert_eq!(b.jobs[0].name, "ci.log");
        let tail: Vec<_> = b.jobs[0].steps[0]
            .tail
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(tail, ["hello", "world"]);
        assert!(from_text("e", b"").jobs[0].steps.is_empty());
    }

    #[test]
    fn empty_input_is_an_error() {
        let r = load(&[Source::Bytes {
            name: "x.log".into(),
            data: Vec::new(),
        }]);
        assert_eq!(
            r.map(|_| ()).map_err(|e| e.to_string()),
            Err("x.log: input is empty".into())
        );
    }

    #[test]
    fn sniffs_zip_by_magic_and_reports_by_name() {
        let zip = zip::tests::build(&[zip::tests::e("1_job.txt", b"line\n")]);
        let b = load(&[
            Source::Bytes {
                name: "logs.bin".into(),
                data: zip,
            },
            Source::Bytes {
                name: "junit.xml".into(),
                data:
                    b"<testsuite><testcase name=\"t\"><error message=\"m\"/></testcase></testsuite>"
                        .to_vec(),
            },
            Source::Bytes {
                name: "notes.json".into(),
                data: b"{\"not\": \"a report\"}\n".to_vec(),
            },
        ])
        .unwrap_or_default();
        let jobs: Vec<_> = b.jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(jobs, ["job", "notes.json"]);
        assert_eq!(b.tests.len(), 1);
        assert_eq!(b.tests[0].message, "m");
    }

    #[test]
    fn streams_read_text_and_archives() {
        let mut b = LogBundle::default();
        let zip = zip::tests::build(&[zip::tests::e("1_job.txt", b"##[error]x\n")]);
        let r = load_stream(&zip[..], Path::new("-"), "stdin", &mut b);
        assert!(r.is_ok());
        let r = load_stream(&b"plain\n"[..], Path::new("-"), "stdin", &mut b);
        assert!(r.is_ok());
        let jobs: Vec<_> = b
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), j.source.as_str()))
            .collect();
        assert_eq!(jobs, [("job", "stdin:1_job.txt"), ("stdin", "-")]);
        assert_eq!(b.jobs[0].steps[0].failed, Some(true));
    }

    #[test]
    fn directory_walk_is_sorted_and_notes_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let root = dir.path();
        let write = |p: &str, data: &[u8]| {
            let path = root.join(p);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap_or_default();
            }
            std::fs::write(path, data).unwrap_or_default();
        };
        write("b/z.log", b"z\n");
        write("a.txt", b"a\n");
        write("b/c.log", b"c\n");
        write("b/skip.png", b"png");
        write(
            "c/run.txt",
            &zip::tests::build(&[zip::tests::e("1_build.txt", b"zipped\n")]),
        );
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("missing.log"), root.join("dangling.log"))
            .unwrap_or_default();
        let b = load(&[Source::Path(root.to_path_buf())]).unwrap_or_default();
        let jobs: Vec<_> = b.jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(jobs, ["a.txt", "c.log", "z.log", "build"]);
        #[cfg(unix)]
        assert!(
            b.notes.iter().any(|n| n.contains("dangling.log")),
            "{:?}",
            b.notes
        );
        #[cfg(unix)]
        {
            // Links are skipped wherever they point, inside the input or out.
            let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            std::fs::write(outside.path().join("secret.log"), b"outside\n").unwrap_or_default();
            std::os::unix::fs::symlink(outside.path().join("secret.log"), root.join("leak.log"))
                .unwrap_or_default();
            std::os::unix::fs::symlink(outside.path(), root.join("d")).unwrap_or_default();
            std::os::unix::fs::symlink(root.join("a.txt"), root.join("same.log"))
                .unwrap_or_default();
            let b = load(&[Source::Path(root.to_path_buf())]).unwrap_or_default();
            let jobs: Vec<_> = b.jobs.iter().map(|j| j.name.as_str()).collect();
            assert_eq!(jobs, ["a.txt", "c.log", "z.log", "build"]);
            for link in ["leak.log", "same.log", "/d:"] {
                assert!(
                    b.notes.iter().any(|n| n.contains(link)),
                    "{link}: {:?}",
                    b.notes
                );
            }
        }
        let missing = load(&[Source::Path(root.join("nope.log"))]);
        assert!(matches!(missing, Err(IngestError::Io { .. })));
    }

    #[test]
    fn the_budget_trims_passed_steps_first_and_keeps_the_first_failure() {
        let step = |failed: bool, n: u64| StepLog {
            failed: Some(failed),
            line_count: 100,
            tail: (0..100)
                .map(|i| Line {
                    number: n * 1000 + i,
                    text: "x".into(),
                })
                .collect(),
            ..StepLog::default()
        };
        let mut steps = [
            step(false, 0),
            step(true, 1),
            step(false, 2),
            step(true, 3),
            step(true, 4),
        ];
        let cost = scan::kept_bytes(&steps[0]);
        // Bookkeeping counts: 100 one-byte lines cost far more than 100 bytes.
        assert!(cost > 100 * (std::mem::size_of::<Line>() + 1), "{cost}");
        let mut kept: usize = steps.iter().map(scan::kept_bytes).sum();
        // Room for two steps' lines; an emptied step still costs its struct.
        let budget = 2 * cost + 3 * scan::kept_bytes(&StepLog::default());
        trim_steps(steps.iter_mut().collect(), &mut kept, budget);
        let kept_tails: Vec<bool> = steps.iter().map(|s| !s.tail.is_empty()).collect();
        // Passed steps go first, then failures from the newest back.
        assert_eq!(kept_tails, [false, true, false, true, false]);
        assert_eq!(kept, steps.iter().map(scan::kept_bytes).sum::<usize>());
        assert!(kept <= budget);
    }

    #[test]
    fn binaries_are_not_logs() {
        let mut tar = vec![0u8; 512];
        tar[..8].copy_from_slice(b"file.txt");
        tar[257..262].copy_from_slice(b"ustar");
        for head in [
            &b"\x7fELF\x02\x01\x01"[..],
            b"\x89PNG\r\n\x1a\n\0\0",
            b"\xff\xd8\xff\xe0",
            b"GIF89a\x01\0",
            b"\x1f\x8b\x08\0",
            b"\xfd7zXZ\0\0",
            b"\x28\xb5\x2f\xfd\0",
            &tar,
            &[0u8; 64],
        ] {
            assert!(not_text(head), "{head:?}");
        }
        for text in [
            &b"2024-05-01T12:00:00Z ok\n"[..],
            b"\xff\xfe\x00garbage \xc3\x28\nzzzzzzzzzzzzzzzz",
            b"GIF is a format\n",
            b"BZh9 is not bzip2 without its block magic\n",
            b"",
        ] {
            assert!(!not_text(text), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn from_text_never_panics_and_caps_lines(
            bytes in proptest::collection::vec(any::<u8>(), 0..4096),
            markers in proptest::collection::vec(0usize..6, 0..8),
        ) {
            // Arbitrary bytes with markers spliced in at line starts.
            let mut input = Vec::new();
            let pieces: [&[u8]; 6] = [
                b"##[group]Run x\n", b"##[error]e\n", b"##[endgroup]\n",
                b"2024-05-01T12:34:56.1234567Z ##[command]c\n", b"::error::m\n", b"\r\x1b[31m",
            ];
            let step = bytes.len() / (markers.len() + 1) + 1;
            for (i, chunk) in bytes.chunks(step).enumerate() {
                input.extend_from_slice(chunk);
                if let Some(&m) = markers.get(i) {
                    input.push(b'\n');
                    input.extend_from_slice(pieces[m]);
                }
            }
            let b = from_text("p", &input);
            let cap = MAX_LINE_BYTES + text::TRUNCATED_MARK.len();
            for step in &b.jobs[0].steps {
                for l in step.tail.iter().chain(&step.errors) {
                    prop_assert!(l.text.len() <= cap);
                    prop_assert!(l.number >= step.first_line);
                    prop_assert!(l.number < step.first_line + step.line_count);
                }
            }
        }

        #[test]
        fn long_lines_stay_capped(len in 0usize..(3 * MAX_LINE_BYTES), c in any::<u8>()) {
            let b = from_text("p", &vec![c; len]);
            for step in &b.jobs[0].steps {
                for l in &step.tail {
                    prop_assert!(l.text.len() <= MAX_LINE_BYTES + text::TRUNCATED_MARK.len());
                }
            }
        }
    }
}
