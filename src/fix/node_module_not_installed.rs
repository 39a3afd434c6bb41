//! `node-module-not-installed`
//!
//! **What it does.** When a Node job fails with `Cannot find module 'x'` (or
//! `ERR_MODULE_NOT_FOUND` for a package) and the failing job installs its
//! tools with an inline `npm install a b` / `npm i -g x` line, it adds the
//! package to that line, as `python-module-not-installed` does for pip.
//! `package.json` and lockfile edits stay advice: they need the registry.
//!
//! **Why.** Workflows that install a linter, a test runner or a CLI inline
//! break when a script starts requiring one more package; the fix is one
//! word on the install line.
//!
//! **Example.** `npm install -g jest` becomes `npm install -g jest supertest`.
//!
//! **Fix safety.** Safe, and only on the repository's word: the exact
//! package name must be required or imported by a tracked source file of the
//! repository (never just named by the log), pass npm's name rules, and not
//! be a relative path or a Node built-in; the line must be a plain list of
//! names (no `${{`, `&&`, `;`, `|`, `$(`, continuation or comment).

use std::sync::LazyLock;

use regex::Regex;

use super::edit::{Applicability, DecidedBy, Edit, Evidence, Fix, Refusal, quoted};
use super::workflow::{self, Job, Workflow};
use super::workspace::Workspace;
use super::{FixOptions, Fixer, ReasonCode};
use crate::classify::{Category, Diagnosis};

pub struct NodeModuleNotInstalled;

const ID: &str = "node-module-not-installed";

/// npm's package-name rules: lowercase, URL-safe, an optional `@scope/`.
static NPM_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$").expect("regex")
});

/// An inline install: `npm install|i|add [-g|-D|...] names`.
static NPM_INSTALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*npm\s+(?:install|i|add)\s+(.*)$").expect("regex"));

/// Flags that take no value and may stand on the line.
const FLAGS: &[&str] = &[
    "-g",
    "--global",
    "-D",
    "--save-dev",
    "--no-save",
    "--save",
    "-S",
    "--no-audit",
    "--no-fund",
    "--silent",
    "--quiet",
    "--legacy-peer-deps",
];

const BUILTINS: &[&str] = &[
    "assert",
    "buffer",
    "child_process",
    "crypto",
    "dns",
    "events",
    "fs",
    "http",
    "https",
    "net",
    "os",
    "path",
    "process",
    "querystring",
    "readline",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "url",
    "util",
    "vm",
    "worker_threads",
    "zlib",
    "module",
    "perf_hooks",
    "http2",
    "inspector",
    "cluster",
    "dgram",
    "v8",
    "async_hooks",
    "test",
];

/// The package a module specifier belongs to: `lodash/fp` → `lodash`,
/// `@scope/pkg/x` → `@scope/pkg`; none for relative paths and built-ins.
pub fn package_of(spec: &str) -> Option<String> {
    let spec = spec.trim();
    if spec.starts_with('.') || spec.starts_with('/') || spec.starts_with("node:") {
        return None;
    }
    let mut parts = spec.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    if BUILTINS.contains(&name.as_str()) || name.len() > 214 || !NPM_NAME.is_match(&name) {
        return None;
    }
    Some(name)
}

/// `require('x')`, `import ... from 'x'`, `import('x')`, `import 'x'`.
static IMPORTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:\brequire\s*\(\s*|\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"\s]+)['"]"#,
    )
    .expect("regex")
});

const MAX_FILES: usize = 2_000;
const MAX_BYTES: usize = 256 * 1024;

/// A tracked source file that imports `package`, with the line.
fn imported_by(ws: &Workspace, package: &str) -> Option<(String, u64, String)> {
    let files = ws.walk(&|rel: &str| {
        let ext = rel.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        matches!(
            ext,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx"
        )
    });
    for rel in files.iter().take(MAX_FILES) {
        let Ok(Some(text)) = ws.read_text(rel) else {
            continue;
        };
        if text.len() > MAX_BYTES || !text.contains(package) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if IMPORTS
                .captures_iter(line)
                .any(|c| package_of(&c[1]).as_deref() == Some(package))
            {
                return Some((rel.clone(), i as u64 + 1, line.trim().to_string()));
            }
        }
    }
    None
}

impl Fixer for NodeModuleNotInstalled {
    fn id(&self) -> &'static str {
        ID
    }

    fn category(&self) -> Category {
        Category::DependencyMissing
    }

    fn plan(
        &self,
        d: &Diagnosis,
        ws: &Workspace,
        opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal> {
        if d.facts.ecosystem.as_deref() != Some("node") {
            return Ok(None);
        }
        let Some(spec) = d.facts.module.as_deref().or(d.facts.package.as_deref()) else {
            return Ok(None);
        };
        let Some(package) = package_of(spec) else {
            return Ok(None);
        };
        if opts
            .config
            .denies(crate::classify::names::Registry::Npm, &package)
        {
            return Err(Refusal::new(
                ReasonCode::DeniedPackage,
                format!(
                    "{} is under `packages.deny` in {}",
                    quoted(&package),
                    crate::config::PATH
                ),
            ));
        }
        let (wf, job) = match workflow::locate(ws, d, opts) {
            Ok(x) => x,
            Err(r) if r.fatal => return Err(r),
            Err(_) => return Ok(None),
        };
        // No inline install line: nothing this fixer could edit.
        let Some(fix) = edit_install_line(&wf, &job, &package)? else {
            return Ok(None);
        };
        let Some((file, line, text)) = imported_by(ws, &package) else {
            return Err(Refusal::new(
                ReasonCode::NoEvidence,
                format!(
                    "no tracked source file of the repository requires {}; not adding a package only the log names",
                    quoted(&package)
                ),
            ));
        };
        Ok(Some(fix.with_evidence(
            Evidence::of(DecidedBy::Workspace).at(&file, line, &text),
        )))
    }
}

/// Add `package` to the job's one plain inline `npm install` line.
fn edit_install_line(wf: &Workflow, job: &Job, package: &str) -> Result<Option<Fix>, Refusal> {
    let steps = wf.steps(job);
    let job_end = wf.block_end(job.line);
    let mut found: Vec<(usize, usize, String, String)> = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        let Some(run) = wf.step_run(job, *step) else {
            continue;
        };
        let next = steps.get(k + 1).map_or(job_end, |s| s.line);
        for line in run.lines() {
            if let Some(c) = NPM_INSTALL.captures(line) {
                found.push((step.line, next, line.to_string(), c[1].to_string()));
            }
        }
    }
    let [(step_line, next, line, args)] = &found[..] else {
        return Ok(None);
    };
    let complex = |why: &str| {
        Refusal::new(
            ReasonCode::ComplexRunBlock,
            format!(
                "the `npm install` line in {} {why}; add {package} by hand",
                wf.path
            ),
        )
    };
    for bad in ["${{", "&&", ";", "|", "$(", "`", "<", ">", "#", "\\"] {
        if line.contains(bad) {
            return Err(complex(&format!("contains `{bad}`")));
        }
    }
    let mut names = Vec::new();
    for a in args.split_whitespace() {
        if FLAGS.contains(&a) {
            continue;
        }
        // `name@version` is a name too.
        let bare = a
            .rsplit_once('@')
            .filter(|(n, _)| !n.is_empty())
            .map_or(a, |(n, _)| n);
        match package_of(bare) {
            Some(n) => names.push(n),
            None => return Err(complex("has something other than package names")),
        }
    }
    if names.is_empty() {
        // A bare `npm install` installs package.json: not ours to extend.
        return Ok(None);
    }
    if names.iter().any(|n| n == package) {
        return Err(Refusal::already(format!(
            "{package} is already on the `npm install` line of job `{}` in {}",
            job.id, wf.path
        )));
    }
    let needle = line.trim();
    let candidates: Vec<usize> = (*step_line..*next)
        .filter(|&k| {
            let l = &wf.lines[k];
            let text = wf.text[l.start..l.end].trim();
            let rest = text.trim_start_matches("- ").trim_start();
            rest.strip_prefix("run:")
                .map(str::trim_start)
                .unwrap_or(rest)
                == needle
        })
        .collect();
    let [k] = candidates[..] else {
        return Err(complex("could not be located unambiguously"));
    };
    let l = &wf.lines[k];
    let physical = &wf.text[l.start..l.end];
    let Some(at) = physical.find(needle) else {
        return Err(complex("could not be located unambiguously"));
    };
    let edit = Edit::insert(&wf.path, l.start + at + needle.len(), format!(" {package}"));
    // Re-parse: the one run text gained exactly the name.
    let new_text = workflow::apply_one(&wf.text, &edit);
    let new_value = workflow::parse(&wf.path, &new_text)?;
    let changed = new_value
        .get("jobs")
        .and_then(|j| j.get(job.id.as_str()))
        .and_then(|j| j.get("steps"))
        .and_then(|s| match s {
            yaml_serde::Value::Sequence(v) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let before = wf
        .value
        .get("jobs")
        .and_then(|j| j.get(job.id.as_str()))
        .and_then(|j| j.get("steps"))
        .and_then(|s| match s {
            yaml_serde::Value::Sequence(v) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let diffs: Vec<usize> = (0..changed.len().max(before.len()))
        .filter(|&i| changed.get(i) != before.get(i))
        .collect();
    let ok = diffs.len() == 1
        && changed[diffs[0]]
            .get("run")
            .and_then(|r| r.as_str())
            .is_some_and(|r| r.contains(&format!("{needle} {package}")));
    if !ok {
        return Err(complex("did not re-parse as intended"));
    }
    Ok(Some(Fix {
        fixer: ID,
        description: format!(
            "Add {package} to the `npm install` line of job `{}` in {}",
            job.id, wf.path
        ),
        applicability: Applicability::Safe,
        edits: vec![edit],
        evidence: Evidence::default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_of_specifiers() {
        assert_eq!(package_of("lodash/fp").as_deref(), Some("lodash"));
        assert_eq!(
            package_of("@babel/core/lib").as_deref(),
            Some("@babel/core")
        );
        for none in ["./x", "../x", "/abs", "node:fs", "fs", "Express", "a b"] {
            assert!(package_of(none).is_none(), "{none}");
        }
    }

    #[test]
    fn imports_are_recognised() {
        for line in [
            "const request = require('supertest');",
            "import request from \"supertest\";",
            "const m = await import('supertest');",
            "import 'supertest';",
        ] {
            let c = IMPORTS.captures(line).unwrap();
            assert_eq!(&c[1], "supertest", "{line}");
        }
    }
}
