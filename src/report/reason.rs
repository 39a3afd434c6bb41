//! Reason codes: why a failure got no fix, as one closed set.
//!
//! The prose reasons are for people and change with the wording; scripts,
//! the action's `reason-code` output and the JSON's `reason_code` need a
//! name that does not. Every refusal a fixer returns and every no-fix the
//! pipeline decides carries one of these, so a consumer can `match` on it.

use std::fmt;

use serde::Serialize;

macro_rules! reason_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)*) => {
        /// Why a failure got no fix (or why a fixer refused), kebab-case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum ReasonCode {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl ReasonCode {
            /// Every code, in declaration order.
            pub const ALL: &[ReasonCode] = &[$(ReasonCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ReasonCode::$variant => $text,)*
                }
            }
        }
    };
}

reason_codes! {
    // The run as a whole.
    /// The failed run came from a fork: diagnosis only.
    ForkRun = "fork-run",
    /// The failed run's head commit is an autoheal fix.
    PreviousAutofixFailed = "previous-autofix-failed",
    /// The GitHub API reports the job whose log shows errors as successful.
    JobNotFailed = "job-not-failed",
    /// No failing step was found in the log.
    NoFailure = "no-failure",
    /// Past the number of failures one run fixes.
    NotPlanned = "not-planned",
    /// A workspace file this failure's fixer reads is malformed (a later failure).
    Error = "error",
    // A failure's outcome.
    /// The model's confidence is under the threshold and no evidence stood.
    BelowThreshold = "below-threshold",
    /// No fixer handles the category (`unknown` included).
    NoFixer = "no-fixer",
    /// The fixers found nothing to do.
    NoFix = "no-fix",
    /// Advice only: no edit a machine can make safely.
    AdviceOnly = "advice-only",
    /// An unsafe fix, not applied without `--unsafe-fixes`.
    UnsafeNotApplied = "unsafe-not-applied",
    /// The fix is already in place.
    AlreadyFixed = "already-fixed",
    /// Fixes of two failures overlap.
    Conflict = "conflict",
    // `.github/autoheal.yml` said no.
    /// The category or the fixer is turned off in the config.
    Disabled = "disabled",
    /// The fix would write under a path the config ignores.
    IgnoredPath = "ignored-path",
    /// The package is on the config's deny-list.
    DeniedPackage = "denied-package",
    // A fixer's safety rules.
    /// A step to advise about, not to edit.
    Advice = "advice",
    /// YAML anchors or aliases where an edit would land.
    Alias = "alias",
    /// More than one line could be the one to change.
    AmbiguousLine = "ambiguous-line",
    /// More than one variable could be the one unset.
    AmbiguousVariable = "ambiguous-variable",
    /// No single workflow or job is the failed one.
    AmbiguousWorkflow = "ambiguous-workflow",
    /// An internal inconsistency (our bug).
    Bug = "bug",
    /// A `run:` block too complex to edit safely.
    ComplexRunBlock = "complex-run-block",
    /// A workflow shape the editor does not handle.
    ComplexWorkflow = "complex-workflow",
    /// A YAML mapping with a duplicate key.
    DuplicateKey = "duplicate-key",
    /// The variable belongs to a family that is never set (loader hooks, TLS switches).
    EnvDenied = "env-denied",
    /// An expression where a literal was expected.
    Expression = "expression",
    /// The requirements file pins hashes.
    HashMode = "hash-mode",
    /// Not a valid package name.
    InvalidPackageName = "invalid-package-name",
    /// pyproject.toml does not parse.
    InvalidPyproject = "invalid-pyproject",
    /// The workflow does not parse.
    InvalidWorkflow = "invalid-workflow",
    /// A file could not be read.
    Io = "io",
    /// The repository does not back what the log claims.
    NoEvidence = "no-evidence",
    /// The package is the repository's own.
    OwnModule = "own-module",
    /// One edit cannot make the failing step pass.
    PartialFix = "partial-fix",
    /// The file the log names is not a test file.
    NotATest = "not-a-test",
    /// A path outside the workspace or under `.git/`.
    Path = "path",
    /// The value looks like a secret.
    SecretValue = "secret-value",
    /// A symlink where a file was expected.
    Symlink = "symlink",
    /// A package no list vouches for (typosquats included).
    UnknownPackage = "unknown-package",
    /// A literal that cannot be written safely.
    UnsafeLiteral = "unsafe-literal",
    /// The edited file did not re-parse as intended.
    Verify = "verify",
    /// `--verify` runs only in the failed job itself.
    VerifyNotSameJob = "verify-not-same-job",
    /// `--verify` re-ran the step and kept no fix (rolled back or skipped).
    VerifyFailed = "verify-failed",
    /// A YAML document over the parsing budget.
    YamlBudget = "yaml-budget",
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_kebab_case_and_serialise_as_printed() {
        let mut seen = std::collections::HashSet::new();
        for c in ReasonCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{c}"
            );
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
