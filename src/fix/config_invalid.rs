//! `config-invalid`
//!
//! **What it does.** Advice only: names the configuration file and line that
//! failed to parse (YAML, TOML, JSON, INI, a manifest), from the facts.
//!
//! **Why.** A syntax error has no deterministic repair, but pointing at the
//! exact file and line is most of the work.
//!
//! **Example.** "Fix the syntax error in .github/workflows/ci.yml at line 12".
//!
//! **Fix safety.** Display-only: nothing is written. The path is shown only if
//! it passes the workspace's confinement rules.

use super::edit::{Fix, Refusal};
use super::workspace::Workspace;
use super::{FixOptions, Fixer};
use crate::classify::{Category, Diagnosis};

pub struct ConfigInvalid;

const ID: &str = "config-invalid";

impl Fixer for ConfigInvalid {
    fn id(&self) -> &'static str {
        ID
    }

    fn category(&self) -> Category {
        Category::ConfigurationError
    }

    fn plan(
        &self,
        d: &Diagnosis,
        ws: &Workspace,
        _opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal> {
        let f = &d.facts;
        let file = f
            .file
            .as_deref()
            .or(f.path.as_deref())
            .and_then(|p| ws.resolve(p).ok());
        let advice = match (file, f.line) {
            (Some(file), Some(line)) => format!("Fix the configuration error in {file} at line {line}"),
            (Some(file), None) => format!("Fix the configuration error in {file}"),
            (None, _) => "Fix the configuration file named in the error (syntax, unknown or wrong-typed keys, or a version that does not exist)".to_string(),
        };
        Ok(Some(Fix::advice(ID, advice)))
    }
}
