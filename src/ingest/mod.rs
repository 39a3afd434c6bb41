//! Ingest: turn every input form (file, directory, stdin, run-log zip, artifact
//! zip) into one bounded [`LogBundle`].
//!
//! A log is never held whole: each step keeps its last lines (the failure of a
//! step sits near its end) plus its `##[error]` lines, and counts the rest.

use std::path::PathBuf;

use serde::Serialize;

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
/// `##[error]` lines kept per step.
pub const MAX_ERROR_LINES: usize = 64;

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

/// Everything read from the inputs, bounded in size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogBundle {
    pub jobs: Vec<JobLog>,
    /// Failing tests from JUnit XML or pytest-json-report files.
    pub tests: Vec<TestFailure>,
    /// Things skipped on the way (a nested archive not expanded, an unreadable file).
    pub notes: Vec<String>,
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
    /// `Run pytest` (from `##[group]Run`), or the per-step file's name, or empty.
    pub name: String,
    /// The step's number from a per-step file name (`3_Run tests.txt`).
    pub number: Option<u32>,
    /// The command that ran (`##[group]Run` header and script, or `##[command]`).
    pub command: Option<String>,
    /// Whether the log marked the step as failed (`##[error]`); `None` when the
    /// input carries no such markers (plain tool output).
    pub failed: Option<bool>,
    /// From `##[error]Process completed with exit code N.`
    pub exit_code: Option<i32>,
    /// The `##[error]` annotation lines, marker removed (first [`MAX_ERROR_LINES`]).
    pub errors: Vec<Line>,
    /// The last [`TAIL_LINES`] normalised lines of the step.
    pub tail: Vec<Line>,
    /// Line number (1-based, in the source file) of the step's first line.
    pub first_line: u64,
    /// Number of lines in the step.
    pub line_count: u64,
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
    #[error("input is empty")]
    Empty,
    #[error("input exceeds {0} bytes")]
    TooLarge(u64),
}
