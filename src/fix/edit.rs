//! The fix model, after ruff's: an [`Edit`] replaces a byte range of a file's
//! original contents; a [`Fix`] groups the edits one fixer proposes with how
//! far they can be trusted ([`Applicability`]). Because edits are ranges over
//! the original bytes, everything outside them (line endings, BOM, a missing
//! final newline) survives by construction.

use std::fmt;
use std::ops::Range;

pub use crate::report::{Applicability, DecidedBy, Evidence, ReasonCode};

/// Replace `range` (bytes of the original file) with `content`. An empty range
/// inserts; an empty content deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Repository-relative path with `/` separators, already confined by the workspace.
    pub path: String,
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn insert(path: &str, at: usize, content: impl Into<String>) -> Edit {
        Edit {
            path: path.to_string(),
            range: at..at,
            content: content.into(),
        }
    }

    pub fn replace(path: &str, range: Range<usize>, content: impl Into<String>) -> Edit {
        Edit {
            path: path.to_string(),
            range,
            content: content.into(),
        }
    }

    /// The smallest single edit that turns `old` into `new` (common prefix and
    /// suffix kept), or `None` when they are equal. Cut on char boundaries.
    pub fn between(path: &str, old: &str, new: &str) -> Option<Edit> {
        if old == new {
            return None;
        }
        let mut prefix = old
            .bytes()
            .zip(new.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
            prefix -= 1;
        }
        let max_suffix = old.len().min(new.len()) - prefix;
        let mut suffix = old
            .bytes()
            .rev()
            .zip(new.bytes().rev())
            .take(max_suffix)
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix)
        {
            suffix -= 1;
        }
        Some(Edit::replace(
            path,
            prefix..old.len() - suffix,
            &new[prefix..new.len() - suffix],
        ))
    }
}

/// What one fixer proposes. A display-only fix carries advice and no edits
/// that will ever be applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub fixer: &'static str,
    pub description: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// What the fix stands on; the log line is filled in by [`super::run`]
    /// when the fixer leaves it empty.
    pub evidence: Evidence,
}

impl Fix {
    pub fn advice(fixer: &'static str, description: impl Into<String>) -> Fix {
        Fix {
            fixer,
            description: description.into(),
            applicability: Applicability::DisplayOnly,
            edits: Vec::new(),
            evidence: Evidence::default(),
        }
    }

    /// The same fix, standing on `evidence`.
    pub fn with_evidence(mut self, evidence: Evidence) -> Fix {
        self.evidence = evidence;
        self
    }

    /// The distinct files the edits touch, in first-seen order.
    pub fn files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.edits {
            if !out.contains(&e.path) {
                out.push(e.path.clone());
            }
        }
        out
    }
}

/// Why a fixer made no fix although its category matched: a safety rule, or
/// nothing left to do. Printed as `refused (<id>): <detail>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why, as a stable code (`hash-mode`, `unknown-package`, `path` ...).
    pub id: ReasonCode,
    pub detail: String,
    /// The input itself is malformed or over a budget (a YAML alias bomb, an
    /// unreadable file): an error (exit 1) rather than a refusal (exit 3).
    pub fatal: bool,
}

impl Refusal {
    pub fn new(id: ReasonCode, detail: impl Into<String>) -> Refusal {
        Refusal {
            id,
            detail: detail.into(),
            fatal: false,
        }
    }

    pub fn fatal(id: ReasonCode, detail: impl Into<String>) -> Refusal {
        Refusal {
            id,
            detail: detail.into(),
            fatal: true,
        }
    }

    /// Nothing to do because the fix is already in place.
    pub fn already(detail: impl Into<String>) -> Refusal {
        Refusal::new(ReasonCode::AlreadyFixed, detail)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused ({}): {}", self.id, self.detail)
    }
}

/// Quote untrusted text for a message: escaped (control and Bidi characters as
/// `\u{..}`) and capped at 200 chars.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for (n, c) in s.chars().enumerate() {
        if n >= 200 {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_dangerous_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Like [`quoted`] but in single quotes, as the messages about package names
/// are written (`not adding unknown package 'reqeusts'`).
pub fn squoted(s: &str) -> String {
    let inner = quoted(s);
    let inner = &inner[1..inner.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

/// C0/C1 controls (TAB included here: never wanted inside a name or literal),
/// Bidi controls and zero-width characters.
pub fn is_dangerous_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_finds_the_minimal_edit() {
        let e = Edit::between("f", "pip install a b\n", "pip install a b c\n").unwrap();
        assert_eq!(e.range, 15..15);
        assert_eq!(e.content, " c");
        assert!(Edit::between("f", "x", "x").is_none());
    }

    #[test]
    fn between_respects_char_boundaries() {
        let e = Edit::between("f", "é", "è").unwrap();
        assert_eq!(e.range, 0..2);
        assert_eq!(e.content, "è");
    }

    #[test]
    fn refusal_prints_its_id() {
        let r = Refusal::new(ReasonCode::HashMode, "x");
        assert_eq!(r.to_string(), "refused (hash-mode): x");
    }

    #[test]
    fn squoted_escapes_single_quotes() {
        assert_eq!(squoted("reqeusts"), "'reqeusts'");
        assert_eq!(squoted("a'b\"c\n"), "'a\\'b\"c\\u{a}'");
    }

    #[test]
    fn quoted_escapes_controls_and_bidi() {
        assert_eq!(quoted("a\u{202E}b\n"), "\"a\\u{202e}b\\u{a}\"");
    }
}
