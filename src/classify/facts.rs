//! Facts: deterministic parsers over the failure's text. Never the model.

use serde::Serialize;

/// What the parsers could pull out of a failure. Every field is optional and
/// every value came from (untrusted) log text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// `python`, `node`, `rust`, `go`, `java`, `ruby`, `system`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// The import name that failed (`yaml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The distribution that provides it (`PyYAML`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The command-line option that needs a plugin (`--cov`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// The environment variable that is unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    /// An action input that is required and not supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_input: Option<String>,
    /// A file the failure points at (assertion, config, permission error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Assertion: the expected literal, as written in the test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Assertion: the value the code produced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Assertion: `pytest`, `jest`, `rust`, `go`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// A path that could not be read, written or executed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A GitHub token permission scope (`pull-requests: write`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A missing command (`command not found`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}
