//! The workflow (YAML) editor through the fixers that edit workflows: an env
//! default, an action input and a `pip install` addition, on an arbitrary
//! workflow file. Each either refuses, or proposes only insertions (or, for a
//! pip line, one name appended) whose result re-parses, keeps every original
//! byte and holds no expression but the three allowed forms.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use autoheal::classify::{Category, Diagnosis, Facts};
use autoheal::extract::Failure;
use autoheal::fix::{self, FixOptions, Workspace, apply, workflow};
use libfuzzer_sys::fuzz_target;

const PATH: &str = ".github/workflows/ci.yml";

fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("autoheal-fuzz-yaml-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".github/workflows")).expect("temp workspace");
        dir
    })
}

const VARS: [&str; 6] = ["DATABASE_HOST", "API_TOKEN", "LD_PRELOAD", "GITHUB_TOKEN", "X", "PATH"];

fn diagnosis(pick: u8) -> Diagnosis {
    let mut facts = Facts::default();
    let category = match pick % 4 {
        0 | 1 => {
            facts.variable = Some(VARS[usize::from(pick / 4) % VARS.len()].to_string());
            // As a tool's own message names it: no code in the fuzzed
            // workspace reads it, and the edit path is what is fuzzed.
            facts.variable_from = Some("message".to_string());
            Category::EnvironmentVariable
        }
        2 => {
            facts.action_input = Some("token".to_string());
            Category::EnvironmentVariable
        }
        _ => {
            facts.module = Some("yaml".to_string());
            facts.package = Some("PyYAML".to_string());
            facts.ecosystem = Some("python".to_string());
            Category::DependencyMissing
        }
    };
    Diagnosis {
        failure: Failure {
            job: "test".to_string(),
            step: "Run pytest".to_string(),
            ..Failure::default()
        },
        category,
        confidence: 0.99,
        explanation: Vec::new(),
        facts,
        suggested_fix: String::new(),
    }
}

/// The only expressions a fixer may write.
fn allowed(expr: &str) -> bool {
    let inner = expr.trim_start_matches("${{").trim_end_matches("}}").trim();
    let name = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    if inner == "github.token" {
        return true;
    }
    if let Some(n) = inner.strip_prefix("secrets.") {
        return name(n);
    }
    if let Some(rest) = inner.strip_prefix("vars.") {
        return match rest.split_once(" || ") {
            None => name(rest),
            Some((n, d)) => name(n) && d.starts_with('\'') && d.ends_with('\'') && d.len() >= 2,
        };
    }
    false
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let dir = root();
    if std::fs::write(dir.join(PATH), &text).is_err() {
        return;
    }
    let Ok(ws) = Workspace::open(dir) else {
        return;
    };
    let opts = FixOptions {
        workflow: Some(PathBuf::from(PATH)),
        ..FixOptions::default()
    };
    let Ok(planned) = fix::plan(&diagnosis(pick), &ws, &opts) else {
        return;
    };
    for f in &planned.fixes {
        let edits: Vec<_> = f.edits.iter().filter(|e| e.path == PATH).cloned().collect();
        if edits.is_empty() {
            continue;
        }
        let (new, skipped) = apply::apply_edits(&text, &edits).expect("valid edit ranges");
        assert!(skipped.is_empty());
        // Every original byte survives, in order.
        let mut it = new.bytes();
        assert!(text.bytes().all(|b| it.any(|c| c == b)), "an original byte was lost");
        // The added text holds only allowed expressions and no line break but EOLs.
        for e in &edits {
            let mut s = e.content.as_str();
            while let Some(i) = s.find("${{") {
                let end = s[i..].find("}}").map(|j| i + j + 2).expect("closed expression");
                assert!(allowed(&s[i..end]), "expression {:?}", &s[i..end]);
                s = &s[end..];
            }
        }
        assert!(workflow::parse(PATH, &new).is_ok(), "the edit does not re-parse");
        // The file on disk was not touched: plan never writes.
        assert_eq!(std::fs::read_to_string(dir.join(PATH)).ok().as_deref(), Some(text.as_str()));
    }
});
