//! The one error type of the binary and the exit-code table.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | a diagnosis was made (`unknown` included), or a fix was produced |
//! | 1 | an error: unreadable or malformed input, I/O, network |
//! | 2 | usage (clap reports it) |
//! | 3 | `fix` produced no fix: unknown, below threshold, no fixer, refused, already fixed |

use std::process::ExitCode;

/// Everything that stops a run. Each variant says whose fault it is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input: unreadable, malformed or over a cap.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// GitHub's API or the network.
    #[error(transparent)]
    Github(#[from] crate::github::ApiError),
    /// Writing the fix (I/O in the workspace).
    #[error(transparent)]
    Fix(#[from] crate::fix::FixError),
    /// `fix --verify`: a re-run could not be started or the workspace not
    /// restored (the fix is rolled back first).
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    /// Writing a report sink (GITHUB_OUTPUT, the summary, stdout).
    #[error(transparent)]
    Output(#[from] crate::report::github::GithubError),
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Outcome of a run that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Diagnosis made or fix produced.
    Done,
    /// `fix` produced nothing.
    NoFix,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Done => ExitCode::SUCCESS,
            Outcome::NoFix => ExitCode::from(3),
        }
    }
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}
