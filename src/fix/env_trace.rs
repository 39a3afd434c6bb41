//! Env trace: which environment variables the failing code reads.
//!
//! A log can claim any variable is missing; only the repository can say which
//! one the failing line depends on. Starting from the frames the log shows
//! (read from the workspace, never from the log's copy of the code), this
//! follows names assigned in the same file, across a chain
//! (`OCR = f"https://{OCR_HOST}"`, `OCR_HOST = os.getenv("OCR_HOST")`), one
//! import hop into the module a name comes from, and the pytest fixtures the
//! failing test takes, to the environment reads at the end of the chain.
//! Reads recognised: Python `os.getenv`, `os.environ.get`, `os.environ[...]`;
//! `process.env.X` and `process.env["X"]`; Go `os.Getenv`/`os.LookupEnv`;
//! Rust `env::var` and `env!`; Ruby `ENV[...]`, `ENV.fetch`; shell `$X`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::workspace::Workspace;
use crate::frames::{self, Frame};

/// A read of an environment variable in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub var: String,
    pub file: String,
    pub line: u64,
    pub text: String,
}

/// A failing line in the workspace and the reads its names lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traced {
    pub file: String,
    pub line: u64,
    pub text: String,
    pub reads: Vec<Read>,
}

/// Bounds: frames followed, lines of one statement, chain passes, files read.
const MAX_FRAMES: usize = 16;
const MAX_STATEMENT_LINES: usize = 6;
const MAX_PASSES: usize = 8;
const MAX_FILES: usize = 24;
const MAX_FILE_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    Js,
    Go,
    Rust,
    Ruby,
    Shell,
}

impl Lang {
    fn of(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        Some(match ext {
            "py" => Lang::Python,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" => Lang::Js,
            "go" => Lang::Go,
            "rs" => Lang::Rust,
            "rb" => Lang::Ruby,
            "sh" | "bash" => Lang::Shell,
            _ => return None,
        })
    }
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("regex")
}

/// Environment reads, one pattern a language, the name in any group.
static READS: LazyLock<[(Lang, Regex); 6]> = LazyLock::new(|| {
    [
        (
            Lang::Python,
            re(
                r#"\b(?:os\.)?(?:getenv|environ\.get|environ\.setdefault)\(\s*["']([A-Za-z_]\w*)["']|\benviron\[\s*["']([A-Za-z_]\w*)["']\s*\]"#,
            ),
        ),
        (
            Lang::Js,
            re(
                r#"(?:process\.env|import\.meta\.env)(?:\.([A-Za-z_$][\w$]*)|\[\s*["'`]([A-Za-z_$][\w$]*)["'`]\s*\])"#,
            ),
        ),
        (
            Lang::Go,
            re(r#"\bos\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_]\w*)""#),
        ),
        (
            Lang::Rust,
            re(
                r#"\benv::var(?:_os)?\(\s*"([A-Za-z_]\w*)"|\b(?:option_)?env!\(\s*"([A-Za-z_]\w*)""#,
            ),
        ),
        (
            Lang::Ruby,
            re(r#"\bENV(?:\[\s*["']([A-Za-z_]\w*)["']\s*\]|\.fetch\(\s*["']([A-Za-z_]\w*)["'])"#),
        ),
        (Lang::Shell, re(r"\$\{?([A-Z_][A-Z0-9_]*)")),
    ]
});

/// `const { A, B: b } = process.env`: each destructured name reads its variable.
static JS_DESTRUCTURE: LazyLock<Regex> = LazyLock::new(|| re(r"\{([^{}]*)\}\s*=\s*process\.env\b"));

/// `name = rhs`, one pattern a language.
static ASSIGN: LazyLock<[(Lang, Regex); 6]> = LazyLock::new(|| {
    [
        (
            Lang::Python,
            re(r"^\s*([A-Za-z_]\w*)\s*(?::\s*[^=]+)?=[^=]\s*(.*)$"),
        ),
        (
            Lang::Js,
            re(
                r"^\s*(?:export\s+)?(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=(?:[^=>])\s*(.*)|([A-Za-z_$][\w$]*)\s*:\s*(.*process\.env.*))$",
            ),
        ),
        (
            Lang::Go,
            re(r"^\s*(?:var\s+|const\s+)?([A-Za-z_]\w*)\s*(?:[\w.*\[\]]+\s*)?:?=[^=]\s*(.*)$"),
        ),
        (
            Lang::Rust,
            re(
                r"^\s*(?:pub\s+)?(?:let|const|static)\s+(?:mut\s+)?([A-Za-z_]\w*)\s*(?::[^=]+)?=[^=]\s*(.*)$",
            ),
        ),
        (
            Lang::Ruby,
            re(r"^\s*@?([A-Za-z_]\w*)\s*\|{0,2}=[^=~]\s*(.*)$"),
        ),
        (
            Lang::Shell,
            re(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.*)$"),
        ),
    ]
});

static IDENT: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z_$][\w$]*"));
static PY_FROM_IMPORT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*from\s+(\.*[\w.]*)\s+import\s+\(?([\w\s,]+)\)?"));
static PY_IMPORT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$"));
static PY_DEF: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(([^)]*)\)?"));

fn reads_in(lang: Lang, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (l, r) in READS.iter() {
        if *l != lang {
            continue;
        }
        for c in r.captures_iter(text) {
            if let Some(m) = c.iter().skip(1).flatten().next() {
                out.insert(m.as_str().to_string());
            }
        }
    }
    if lang == Lang::Js {
        for c in JS_DESTRUCTURE.captures_iter(text) {
            for part in c[1].split(',') {
                let name = part.split(':').next().unwrap_or("").trim();
                if IDENT.is_match(name) && !name.is_empty() {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

fn idents(text: &str) -> BTreeSet<String> {
    // String contents are names too in f-strings and templates (`{OCR_HOST}`).
    IDENT
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// A source file's names bound to environment reads, with the line of each
/// binding (the first read in the chain).
struct Bindings {
    /// name → (variables, line number, line text)
    names: BTreeMap<String, (BTreeSet<String>, u64, String)>,
    /// Reads by line number: for evidence.
    reads: BTreeMap<String, (u64, String)>,
}

fn bindings(lang: Lang, text: &str) -> Bindings {
    let assign = ASSIGN.iter().find(|(l, _)| *l == lang).map(|(_, r)| r);
    let mut assigns: Vec<(String, String, u64, String)> = Vec::new();
    let mut reads: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        for var in reads_in(lang, line) {
            reads.entry(var).or_insert((n, line.trim().to_string()));
        }
        if let Some(c) = assign.and_then(|r| r.captures(line)) {
            let name = c.get(1).or_else(|| c.get(3));
            let rhs = c.get(2).or_else(|| c.get(4));
            if let (Some(name), Some(rhs)) = (name, rhs) {
                assigns.push((
                    name.as_str().to_string(),
                    rhs.as_str().to_string(),
                    n,
                    line.trim().to_string(),
                ));
            }
        }
        // Destructuring binds each name to its own variable.
        if lang == Lang::Js {
            for var in JS_DESTRUCTURE
                .captures_iter(line)
                .flat_map(|c| reads_in(lang, c.get(0).map_or("", |m| m.as_str())))
            {
                assigns.push((
                    var.clone(),
                    format!("process.env.{var}"),
                    n,
                    line.trim().to_string(),
                ));
            }
        }
    }
    let mut names: BTreeMap<String, (BTreeSet<String>, u64, String)> = BTreeMap::new();
    for _ in 0..MAX_PASSES {
        let mut changed = false;
        for (name, rhs, n, line) in &assigns {
            let mut vars = reads_in(lang, rhs);
            for id in idents(rhs) {
                if id != *name
                    && let Some((v, _, _)) = names.get(&id)
                {
                    vars.extend(v.iter().cloned());
                }
            }
            if vars.is_empty() {
                continue;
            }
            let entry = names
                .entry(name.clone())
                .or_insert_with(|| (BTreeSet::new(), *n, line.clone()));
            let before = entry.0.len();
            entry.0.extend(vars);
            changed |= entry.0.len() != before;
        }
        if !changed {
            break;
        }
    }
    Bindings { names, reads }
}

/// Read a workspace file for tracing, bounded; `None` when it cannot be read.
fn source(ws: &Workspace, rel: &str) -> Option<String> {
    let text = ws.read_text(rel).ok()??;
    (text.len() <= MAX_FILE_BYTES).then_some(text)
}

/// A frame's path as the workspace names it; absolute paths from local runs
/// match by their longest suffix that is a file of the workspace.
pub fn resolve_frame(ws: &Workspace, file: &str) -> Option<String> {
    let rel = frames::relative(file);
    if let Ok(r) = ws.resolve(&rel)
        && matches!(ws.read(&r), Ok(Some(_)))
    {
        return Some(r);
    }
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    for skip in 1..parts.len().min(12) {
        let candidate = parts[skip..].join("/");
        if let Ok(r) = ws.resolve(&candidate)
            && matches!(ws.read(&r), Ok(Some(_)))
        {
            return Some(r);
        }
    }
    None
}

/// The statement starting at 1-based `line`: continuation lines are joined
/// while brackets stay open.
fn statement(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = usize::try_from(line).ok()?.checked_sub(1)?;
    let mut out = String::new();
    let mut depth: i32 = 0;
    for l in lines.iter().skip(start).take(MAX_STATEMENT_LINES) {
        out.push_str(l);
        out.push('\n');
        for c in l.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            break;
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

/// Python modules a file imports names from, as candidate workspace paths:
/// `from app.config import A` → `app/config.py`, `src/app/config.py`,
/// `app/config/__init__.py`.
fn py_imports(text: &str, from_file: &str) -> Vec<(Vec<String>, String)> {
    let dir = from_file.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    let module_paths = |m: &str| -> Vec<String> {
        let dots = m.chars().take_while(|c| *c == '.').count();
        let rest = m[dots..].replace('.', "/");
        let base = if dots > 0 {
            let mut d: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
            for _ in 1..dots {
                d.pop();
            }
            let d = d.join("/");
            match (d.is_empty(), rest.is_empty()) {
                (true, _) => rest,
                (false, true) => d,
                (false, false) => format!("{d}/{rest}"),
            }
        } else {
            rest
        };
        vec![
            format!("{base}.py"),
            format!("src/{base}.py"),
            format!("{base}/__init__.py"),
            format!("src/{base}/__init__.py"),
        ]
    };
    for line in text.lines() {
        if let Some(c) = PY_FROM_IMPORT.captures(line) {
            let names: Vec<String> = c[2]
                .split(',')
                .map(|n| n.split_whitespace().next().unwrap_or("").to_string())
                .filter(|n| !n.is_empty())
                .collect();
            for p in module_paths(&c[1]) {
                out.push((names.clone(), p));
            }
            // `from pkg import config` then `config.URL`: the name is a module.
            for n in &names {
                for p in module_paths(&format!("{}.{n}", &c[1])) {
                    out.push((vec![n.clone()], p));
                }
            }
        } else if let Some(c) = PY_IMPORT.captures(line) {
            let alias = c.get(2).map_or_else(
                || c[1].rsplit('.').next().unwrap_or("").to_string(),
                |m| m.as_str().to_string(),
            );
            for p in module_paths(&c[1]) {
                out.push((vec![alias.clone()], p));
            }
        }
    }
    out
}

/// The variables a statement of `file` depends on, with the reads behind
/// them: direct reads, names bound in the file, and names imported from a
/// workspace module (one hop).
fn trace_statement(
    ws: &Workspace,
    file: &str,
    text: &str,
    stmt: &str,
    budget: &mut usize,
) -> Vec<Read> {
    let Some(lang) = Lang::of(file) else {
        return Vec::new();
    };
    let b = bindings(lang, text);
    let mut out: Vec<Read> = Vec::new();
    let push = |out: &mut Vec<Read>, var: &str, file: &str, line: u64, t: &str| {
        if !out.iter().any(|r| r.var == var) {
            out.push(Read {
                var: var.to_string(),
                file: file.to_string(),
                line,
                text: t.to_string(),
            });
        }
    };
    let first = stmt.lines().next().unwrap_or("").trim().to_string();
    for var in reads_in(lang, stmt) {
        push(&mut out, &var, file, 0, &first);
    }
    let ids = idents(stmt);
    let mut unresolved = Vec::new();
    for id in &ids {
        match b.names.get(id) {
            Some((vars, _, _)) => {
                for v in vars {
                    let (n, t) = b.reads.get(v).cloned().unwrap_or((0, String::new()));
                    push(&mut out, v, file, n, &t);
                }
            }
            None => unresolved.push(id.clone()),
        }
    }
    if lang == Lang::Python && !unresolved.is_empty() {
        for (names, path) in py_imports(text, file) {
            let wanted: Vec<&String> = unresolved
                .iter()
                .filter(|u| names.contains(u) || names.iter().any(|n| ids.contains(n)))
                .collect();
            if wanted.is_empty() || *budget == 0 {
                continue;
            }
            let Ok(rel) = ws.resolve(&path) else { continue };
            let Some(other) = source(ws, &rel) else {
                continue;
            };
            *budget -= 1;
            let ob = bindings(Lang::Python, &other);
            for u in wanted {
                if let Some((vars, _, _)) = ob.names.get(u.as_str()) {
                    for v in vars {
                        let (n, t) = ob.reads.get(v).cloned().unwrap_or((0, String::new()));
                        push(&mut out, v, &rel, n, &t);
                    }
                }
            }
        }
    }
    // A direct read on the statement is its own evidence line.
    for r in &mut out {
        if r.line == 0 {
            r.text = first.clone();
        }
    }
    out
}

/// The pytest fixtures a test function takes, traced through their bodies in
/// the test file and the `conftest.py` files above it.
fn fixture_reads(
    ws: &Workspace,
    test_file: &str,
    test_text: &str,
    test_name: &str,
    budget: &mut usize,
) -> Vec<Read> {
    let mut params: Vec<String> = Vec::new();
    for line in test_text.lines() {
        if let Some(c) = PY_DEF.captures(line)
            && &c[2] == test_name
        {
            params = c[3]
                .split(',')
                .map(|p| p.split([':', '=']).next().unwrap_or("").trim().to_string())
                .filter(|p| !p.is_empty() && p != "self")
                .collect();
            break;
        }
    }
    if params.is_empty() {
        return Vec::new();
    }
    let mut files = vec![test_file.to_string()];
    let mut dir = test_file.rsplit_once('/').map(|(d, _)| d.to_string());
    while let Some(d) = dir {
        files.push(format!("{d}/conftest.py"));
        dir = d.rsplit_once('/').map(|(p, _)| p.to_string());
    }
    files.push("conftest.py".to_string());
    let mut out = Vec::new();
    for f in files {
        if *budget == 0 {
            break;
        }
        let Some(text) = (if f == test_file {
            Some(test_text.to_string())
        } else {
            ws.resolve(&f).ok().and_then(|r| source(ws, &r))
        }) else {
            continue;
        };
        *budget -= 1;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(c) = PY_DEF.captures(line) else {
                continue;
            };
            if !params.iter().any(|p| p == &c[2]) {
                continue;
            }
            let indent = c[1].len();
            let body_end = lines[i + 1..]
                .iter()
                .position(|l| !l.trim().is_empty() && l.len() - l.trim_start().len() <= indent)
                .map_or(lines.len(), |p| i + 1 + p);
            let body = lines[i..body_end].join("\n");
            for mut r in trace_statement(ws, &f, &text, &body, budget) {
                if r.line == 0
                    && let Some(at) = reads_of(&f, &text, &r.var)
                {
                    r.line = at.line;
                    r.text = at.text;
                }
                if !out.iter().any(|o: &Read| o.var == r.var) {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// Whether a file is in a language whose environment reads are recognised.
pub fn traceable(path: &str) -> bool {
    Lang::of(path).is_some()
}

/// The first line of `text` (a workspace file) that reads `var`.
pub fn reads_of(file: &str, text: &str, var: &str) -> Option<Read> {
    let lang = Lang::of(file)?;
    text.lines().enumerate().find_map(|(i, l)| {
        reads_in(lang, l).contains(var).then(|| Read {
            var: var.to_string(),
            file: file.to_string(),
            line: i as u64 + 1,
            text: l.trim().to_string(),
        })
    })
}

/// Trace the failing frames (innermost last in `frames`) and, for a pytest
/// test id, the test's fixtures. Frames outside the workspace are skipped.
pub fn trace(ws: &Workspace, frames: &[Frame], test_id: Option<&str>) -> Vec<Traced> {
    let mut budget = MAX_FILES;
    let mut out: Vec<Traced> = Vec::new();
    let mut test_file: Option<(String, String)> = None;
    for f in frames.iter().rev().take(MAX_FRAMES) {
        if budget == 0 {
            break;
        }
        let Some(rel) = resolve_frame(ws, &f.file) else {
            continue;
        };
        let Some(text) = source(ws, &rel) else {
            continue;
        };
        budget -= 1;
        let Some(stmt) = statement(&text, f.line) else {
            continue;
        };
        let mut reads = trace_statement(ws, &rel, &text, &stmt, &mut budget);
        for r in reads.iter_mut().filter(|r| r.line == 0) {
            r.line = f.line;
        }
        if test_file.is_none() && rel.ends_with(".py") {
            test_file = Some((rel.clone(), text.clone()));
        }
        out.push(Traced {
            file: rel,
            line: f.line,
            text: stmt.lines().next().unwrap_or("").trim().to_string(),
            reads,
        });
    }
    // Fixtures of the failing pytest test, read where the test lives.
    if let Some(id) = test_id {
        let (_, name) = frames::test_name(id);
        let file = frames::test_file(id)
            .and_then(|f| resolve_frame(ws, &f))
            .and_then(|f| source(ws, &f).map(|t| (f, t)))
            .or(test_file);
        if let Some((file, text)) = file
            && let Some((n, def)) = text
                .lines()
                .enumerate()
                .find(|(_, l)| PY_DEF.captures(l).is_some_and(|c| c[2] == *name))
        {
            let reads = fixture_reads(ws, &file, &text, &name, &mut budget);
            if !reads.is_empty() {
                out.push(Traced {
                    file,
                    line: n as u64 + 1,
                    text: def.trim().to_string(),
                    reads,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_chain() {
        let text = "import os\nOCR_HOST = os.getenv(\"OCR_HOST\", \"\")\nOCR = f\"https://{OCR_HOST}\"\nURL = OCR + '/x'\n";
        let b = bindings(Lang::Python, text);
        assert!(b.names["URL"].0.contains("OCR_HOST"));
        assert!(b.names["OCR"].0.contains("OCR_HOST"));
        assert_eq!(b.reads["OCR_HOST"].0, 2);
    }

    #[test]
    fn reads_of_each_language() {
        let cases: [(Lang, &str, &str); 8] = [
            (Lang::Python, "x = os.environ['API_KEY']", "API_KEY"),
            (Lang::Python, "x = os.environ.get(\"DB\")", "DB"),
            (Lang::Js, "const u = process.env.SERVICE_URL", "SERVICE_URL"),
            (
                Lang::Js,
                "const u = process.env[\"SERVICE_URL\"]",
                "SERVICE_URL",
            ),
            (Lang::Go, "u := os.Getenv(\"BASE\")", "BASE"),
            (Lang::Rust, "let u = std::env::var(\"BASE\")?;", "BASE"),
            (Lang::Ruby, "u = ENV.fetch('BASE')", "BASE"),
            (Lang::Shell, "curl \"${BASE}/x\"", "BASE"),
        ];
        for (lang, line, var) in cases {
            assert!(reads_in(lang, line).contains(var), "{line}");
        }
        let d = reads_in(Lang::Js, "const { HOST, PORT: p } = process.env;");
        assert!(d.contains("HOST") && d.contains("PORT"));
    }

    #[test]
    fn statements_join_open_brackets() {
        let t = "a = f(\n  b,\n  c)\nd = 1\n";
        assert_eq!(statement(t, 1).unwrap(), "a = f(\n  b,\n  c)\n");
        assert_eq!(statement(t, 4).unwrap(), "d = 1\n");
        assert!(statement(t, 9).is_none());
    }
}
