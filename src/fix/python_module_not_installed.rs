//! `python-module-not-installed`
//!
//! **What it does.** When a Python job fails because a module or a pytest
//! plugin is missing (`ModuleNotFoundError`, `No module named`,
//! `DistributionNotFound`, `pytest: error: unrecognized arguments: --cov`), it
//! adds the distribution to what the failing job installs, in this order: the
//! plain `pip install` line of the job's step that installs the test tools;
//! the requirements file that step installs with `-r`; `pyproject.toml`
//! (`[project.optional-dependencies]` test/dev group, `[dependency-groups]`,
//! `[project] dependencies`); `requirements.txt`. Other ecosystems (Node,
//! Rust, Go, Ruby, Java, a missing command) get advice with the exact command.
//!
//! **Why.** The seed's first incident: `addopts = "--cov=..."` without
//! pytest-cov installed; the fix is one word on the workflow's pip line.
//!
//! **Example.** `pip install requests psycopg pytest` becomes
//! `pip install requests psycopg pytest pytest-cov`.
//!
//! **Fix safety.** Safe: the name comes from the curated map or the committed
//! list of most-downloaded distributions (never just from the log); names are
//! PEP 508-checked; a near miss of a listed name is a typosquat and refused;
//! files in `--hash` mode, duplicates (PEP 503) and complex `run:` blocks are
//! refused; only a bare name is ever written, never an option, URL or path.
//! A module of the repository's own package (`pkg/__init__.py`, `src/pkg/`,
//! `pkg.py`, the project's name) is refused (`own-module`): the project is
//! not installed or the import path is wrong, and a PyPI name twin is a
//! stranger's code. Advice for other ecosystems names a package only when the
//! repository's manifests or lockfiles list it or a curated list of
//! well-known names has it ([`crate::classify::names`]); a near miss of a
//! well-known name is never named.

use regex::Regex;
use std::sync::OnceLock;

use super::edit::{Applicability, DecidedBy, Edit, Evidence, Fix, Refusal, quoted, squoted};
use super::project;
use super::pypi;
use super::workflow::{self, Job, Workflow};
use super::workspace::Workspace;
use super::{FixOptions, Fixer};
use crate::classify::names::{self, Registry};
use crate::classify::{Category, Diagnosis, Facts};

pub struct PythonModuleNotInstalled;

const ID: &str = "python-module-not-installed";

impl Fixer for PythonModuleNotInstalled {
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
        let f = &d.facts;
        // `pytest: command not found` in a job that pip-installs its tools:
        // the command's distribution joins that pip line.
        if matches!(f.ecosystem.as_deref(), None | Some("system" | "python"))
            && f.module.is_none()
            && f.package.is_none()
            && let Some(dist) = f.command.as_deref().and_then(python_cli)
            && job_installs_with_pip(d, ws, opts)?
        {
            return place(dist, d, ws, opts).map(Some);
        }
        match f.ecosystem.as_deref() {
            Some("python") | None => {}
            Some(other) => return Ok(other_ecosystem(other, f, ws)),
        }
        if f.ecosystem.is_none() && f.module.is_none() && f.package.is_none() && f.option.is_none()
        {
            return Ok(f
                .command
                .as_deref()
                .and_then(|_| other_ecosystem("system", f, ws)));
        }
        if let Some(m) = f.module.as_deref() {
            own_module(m, ws)?;
        }
        let Some(package) = choose_package(f)? else {
            return Ok(None);
        };
        place(&package, d, ws, opts).map(Some)
    }
}

/// A module of the repository's own package is not a missing dependency: the
/// project is not installed, or the import path is wrong. Adding a PyPI
/// distribution of that name would install a stranger's code.
fn own_module(module: &str, ws: &Workspace) -> Result<(), Refusal> {
    let top = module.split('.').next().unwrap_or(module);
    match project::own_python_package(ws, top) {
        Some(place) => Err(Refusal::new(
            "own-module",
            format!(
                "{} is this repository's own package ({place}), not a dependency: install the project itself in the failing job (`pip install -e .`) or fix the import path (tests run from the repository root, `python -m pytest`, or `pythonpath` in the pytest configuration)",
                squoted(module)
            ),
        )),
        None => Ok(()),
    }
}

/// The distribution to add, if the facts name one we may trust.
fn choose_package(f: &Facts) -> Result<Option<String>, Refusal> {
    let trusted = |name: &str| -> Result<String, Refusal> {
        if !pypi::valid_name(name) {
            return Err(Refusal::new(
                "invalid-package-name",
                format!("{} is not a valid package name", quoted(name)),
            ));
        }
        if pypi::is_curated(name) || pypi::is_well_known(name) {
            return Ok(name.to_string());
        }
        let hint = match pypi::near_miss(name) {
            Some(n) => format!("; it is a near miss of the well-known '{n}' (possible typosquat)"),
            None => String::new(),
        };
        Err(Refusal::new(
            "unknown-package",
            format!(
                "not adding unknown package {} (from log){hint}",
                squoted(name)
            ),
        ))
    };
    if let Some(p) = f.package.as_deref() {
        // `coverage[toml]`: the tool's own message named the extra.
        if let Some((name, extras)) = split_extras(p) {
            let name = trusted(name)?;
            if extras.is_empty() || extras.iter().any(|e| !valid_extra(e)) {
                return Err(Refusal::new(
                    "invalid-package-name",
                    format!("{} is not a valid package name with extras", quoted(p)),
                ));
            }
            return Ok(Some(format!("{name}[{}]", extras.join(","))));
        }
        return trusted(p).map(Some);
    }
    if let Some(opt) = f.option.as_deref()
        && let Some(p) = pypi::for_pytest_option(opt)
    {
        return Ok(Some(p.to_string()));
    }
    if let Some(m) = f.module.as_deref() {
        if !m
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            || m.is_empty()
        {
            return Err(Refusal::new(
                "invalid-package-name",
                format!("{} is not a valid module name", quoted(m)),
            ));
        }
        if let Some(p) = pypi::for_import(m) {
            return Ok(Some(p.to_string()));
        }
        let top = m.split('.').next().unwrap_or(m);
        return trusted(top).map(Some);
    }
    Ok(None)
}

/// `name[a,b]` → (`name`, [`a`, `b`]); None without extras.
fn split_extras(req: &str) -> Option<(&str, Vec<&str>)> {
    let (name, rest) = req.split_once('[')?;
    let inner = rest.strip_suffix(']')?;
    Some((name, inner.split(',').map(str::trim).collect()))
}

/// An extra's name (PEP 685): letters, digits, `-`, `_`, `.`, short.
fn valid_extra(e: &str) -> bool {
    e.len() <= 30 && pypi::valid_name(e)
}

/// Whether a requirement as written (`Coverage[toml,x]>=5`, quoted or not)
/// already installs `package` (`coverage[toml]`): the same distribution,
/// with every extra asked for.
fn satisfies(written: &str, package: &str) -> bool {
    let written = written.trim().trim_matches(|c| c == '"' || c == '\'');
    let (want, want_extras) = split_extras(package).unwrap_or((package, Vec::new()));
    if pypi::normalize(requirement_name(written)) != pypi::normalize(want) {
        return false;
    }
    let rest = &written[requirement_name(written).len()..];
    let have: Vec<String> = rest
        .trim_start()
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map(|(inner, _)| {
            inner
                .split(',')
                .map(|e| pypi::normalize(e.trim()))
                .collect()
        })
        .unwrap_or_default();
    want_extras
        .iter()
        .all(|e| have.contains(&pypi::normalize(e)))
}

/// How a package is written on a shell line: brackets are a glob, so a
/// name with extras is quoted.
fn shell_word(package: &str) -> String {
    if package.contains('[') {
        format!("'{package}'")
    } else {
        package.to_string()
    }
}

/// Where a pip line in a workflow sends us.
#[derive(Debug)]
enum PipTarget {
    /// The line's own package names.
    Inline,
    /// `-r FILE`.
    Requirements(String),
    /// `-e .[extras]` / `.[extras]`.
    Project(Vec<String>),
}

fn pip_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?:^|\s)(?:python[0-9.]*\s+-m\s+)?(?:uv\s+)?pip[0-9.]*\s+install(?:\s|$)")
            .expect("static regex")
    })
}

/// Flags of `pip install` that take a value.
const VALUE_FLAGS: &[&str] = &[
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--target",
    "-t",
    "--prefix",
    "--root",
    "--upgrade-strategy",
    "--python-version",
    "--platform",
    "--only-binary",
    "--no-binary",
    "--progress-bar",
    "--cache-dir",
    "--src",
    "--trusted-host",
];

/// Parse the arguments after `pip install`.
fn classify_pip(args: &str) -> (PipTarget, Vec<String>) {
    let toks: Vec<&str> = args.split_whitespace().collect();
    let mut names = Vec::new();
    let mut i = 0;
    let mut target = PipTarget::Inline;
    while i < toks.len() {
        let t = toks[i].trim_matches(|c| c == '"' || c == '\'');
        if t == "-r" || t == "--requirement" {
            if let Some(f) = toks.get(i + 1) {
                target =
                    PipTarget::Requirements(f.trim_matches(|c| c == '"' || c == '\'').to_string());
            }
            i += 2;
            continue;
        }
        let glued = t
            .strip_prefix("--requirement=")
            .or_else(|| t.strip_prefix("-r").filter(|f| !f.is_empty()));
        if let Some(f) = glued {
            target = PipTarget::Requirements(f.to_string());
            i += 1;
            continue;
        }
        if t == "-e" || t == "--editable" {
            i += 1;
            continue;
        }
        if VALUE_FLAGS.contains(&t) {
            i += 2;
            continue;
        }
        if t.starts_with('-') {
            i += 1;
            continue;
        }
        if t == "." || t.starts_with(".[") || t.starts_with("./") {
            let extras = t
                .split_once('[')
                .map(|(_, e)| {
                    e.trim_end_matches(']')
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect()
                })
                .unwrap_or_default();
            if !matches!(target, PipTarget::Requirements(_)) {
                target = PipTarget::Project(extras);
            }
        } else {
            names.push(requirement_name(t).to_string());
        }
        i += 1;
    }
    (target, names)
}

/// The name part of a requirement (`Foo[bar]>=1; python_version<"3"` → `Foo`).
fn requirement_name(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Whether a tool line installs test tools.
fn installs_test_tools(names: &[String]) -> bool {
    names.iter().any(|n| {
        let n = pypi::normalize(n);
        n == "pytest" || n.starts_with("pytest-") || n == "tox" || n == "nox" || n == "coverage"
    })
}

struct PipLine {
    step_line: usize,
    next_step_line: usize,
    line: String,
    target: PipTarget,
    names: Vec<String>,
    run: String,
    step_index: usize,
    working_dir: Option<String>,
}

fn pip_lines(wf: &Workflow, job: &Job) -> Vec<PipLine> {
    let steps = wf.steps(job);
    let job_end = wf.block_end(job.line);
    let mut out = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        let Some(run) = wf.step_run(job, *step) else {
            continue;
        };
        let next = steps.get(k + 1).map_or(job_end, |s| s.line);
        let working_dir = wf
            .value
            .get("jobs")
            .and_then(|j| j.get(job.id.as_str()))
            .and_then(|j| j.get("steps"))
            .and_then(|s| s.get(step.index))
            .and_then(|s| s.get("working-directory"))
            .and_then(|w| w.as_str())
            .map(str::to_string);
        for line in run.lines() {
            // A trailing shell comment is not part of the command.
            let cmd = line.split(" #").next().unwrap_or(line);
            if let Some(m) = pip_re().find(cmd) {
                let (target, names) = classify_pip(&cmd[m.end()..]);
                out.push(PipLine {
                    step_line: step.line,
                    next_step_line: next,
                    line: line.to_string(),
                    target,
                    names,
                    run: run.clone(),
                    step_index: step.index,
                    working_dir: working_dir.clone(),
                });
            }
        }
    }
    out
}

/// Python command-line tools and the distribution that installs them.
const PYTHON_CLIS: &[(&str, &str)] = &[
    ("pytest", "pytest"),
    ("py.test", "pytest"),
    ("tox", "tox"),
    ("nox", "nox"),
    ("black", "black"),
    ("flake8", "flake8"),
    ("mypy", "mypy"),
    ("ruff", "ruff"),
    ("isort", "isort"),
    ("pylint", "pylint"),
    ("coverage", "coverage"),
    ("pre-commit", "pre-commit"),
    ("twine", "twine"),
    ("uvicorn", "uvicorn"),
    ("gunicorn", "gunicorn"),
    ("django-admin", "Django"),
    ("alembic", "alembic"),
    ("sphinx-build", "sphinx"),
    ("mkdocs", "mkdocs"),
    ("bandit", "bandit"),
    ("pyright", "pyright"),
    ("celery", "celery"),
    ("flask", "Flask"),
    ("pip-compile", "pip-tools"),
    ("pyinstaller", "pyinstaller"),
    ("maturin", "maturin"),
    ("cython", "Cython"),
    ("behave", "behave"),
    ("locust", "locust"),
    ("invoke", "invoke"),
    ("codespell", "codespell"),
    ("pydocstyle", "pydocstyle"),
    ("pycodestyle", "pycodestyle"),
    ("autopep8", "autopep8"),
    ("yapf", "yapf"),
    ("vulture", "vulture"),
    ("radon", "radon"),
];

fn python_cli(command: &str) -> Option<&'static str> {
    PYTHON_CLIS
        .iter()
        .find(|(c, _)| *c == command)
        .map(|(_, d)| *d)
}

/// Whether the failing job installs anything with pip (so a Python tool
/// belongs there rather than in the system's packages).
fn job_installs_with_pip(
    d: &Diagnosis,
    ws: &Workspace,
    opts: &FixOptions,
) -> Result<bool, Refusal> {
    match workflow::locate(ws, d, opts) {
        Ok((wf, job)) => Ok(!pip_lines(&wf, &job).is_empty()),
        Err(r) if r.fatal => Err(r),
        Err(_) => Ok(false),
    }
}

/// Decide where the package goes and build the edit.
fn place(package: &str, d: &Diagnosis, ws: &Workspace, opts: &FixOptions) -> Result<Fix, Refusal> {
    let located = match workflow::locate(ws, d, opts) {
        Ok(x) => Some(x),
        // A hostile workflow (duplicate keys, a symlink) stops the fix; a missing one does not.
        Err(r) if r.fatal || matches!(r.id, "duplicate-key" | "symlink") => return Err(r),
        // Two workflows have the failing job: guessing one, or falling back
        // to the project's files, could fix a job that never ran.
        Err(r) if r.id == "ambiguous-workflow" && r.detail.starts_with("job ") => return Err(r),
        Err(_) => None,
    };
    if let Some((wf, job)) = &located {
        let lines = pip_lines(wf, job);
        let chosen = lines
            .iter()
            .position(|l| installs_test_tools(&l.names))
            .or_else(|| (lines.len() == 1).then_some(0))
            .or_else(|| {
                lines
                    .iter()
                    .position(|l| matches!(l.target, PipTarget::Requirements(_)))
            });
        if let Some(i) = chosen {
            let pl = &lines[i];
            match &pl.target {
                PipTarget::Inline => return edit_pip_line(ws, wf, job, pl, package),
                PipTarget::Requirements(file) => {
                    let path = match &pl.working_dir {
                        Some(w) if !file.starts_with('/') => {
                            format!("{}/{file}", w.trim_end_matches('/'))
                        }
                        _ => file.clone(),
                    };
                    return edit_requirements(ws, &path, package);
                }
                // `pip install -e . pytest` also names packages: still a
                // plain pip line, and the one the job reads.
                PipTarget::Project(_) if !pl.names.is_empty() => {
                    return edit_pip_line(ws, wf, job, pl, package);
                }
                PipTarget::Project(extras) => {
                    if let Some(fix) = edit_pyproject(ws, package, extras)? {
                        return Ok(fix);
                    }
                }
            }
        }
    }
    if let Some(fix) = edit_pyproject(ws, package, &[])? {
        return Ok(fix);
    }
    if ws.read("requirements.txt")?.is_some() {
        return edit_requirements(ws, "requirements.txt", package);
    }
    Ok(Fix::advice(
        ID,
        format!(
            "Add {package} to the dependencies the failing job installs (for example `pip install {package}`); no requirements file, pyproject.toml dependency list or workflow pip line was found"
        ),
    )
    .with_evidence(curated()))
}

fn edit_pip_line(
    ws: &Workspace,
    wf: &Workflow,
    job: &Job,
    pl: &PipLine,
    package: &str,
) -> Result<Fix, Refusal> {
    let complex = |why: &str| {
        Refusal::new(
            "complex-run-block",
            format!(
                "the `pip install` line in {} ({why}) is not a plain list of names; add {package} by hand",
                wf.path
            ),
        )
    };
    // The command, without a trailing shell comment.
    let command = match pl.line.find(" #") {
        Some(p) => &pl.line[..p],
        None => pl.line.as_str(),
    }
    .trim_end();
    for bad in ["${{", "&&", ";", "|", "$(", "`", "<<", ">", "<", "#"] {
        if command.contains(bad) {
            return Err(complex(&format!("it contains `{bad}`")));
        }
    }
    if command.ends_with('\\') {
        return Err(complex("it continues on the next line"));
    }
    let run_lines: Vec<&str> = pl.run.lines().collect();
    if let Some(pos) = run_lines.iter().position(|l| *l == pl.line)
        && pos > 0
        && run_lines[pos - 1].trim_end().ends_with('\\')
    {
        return Err(complex("it continues a previous line"));
    }
    if pl.names.iter().any(|n| !pypi::valid_name(n)) {
        return Err(complex("it has something other than package names"));
    }
    // `pip install -c constraints.txt x` with hashes in the constraints:
    // a bare name on the line would break the install.
    let toks: Vec<&str> = command.split_whitespace().collect();
    for (i, t) in toks.iter().enumerate() {
        let file = match *t {
            "--require-hashes" => {
                return Err(Refusal::new(
                    "hash-mode",
                    format!(
                        "the `pip install` line in {} uses --require-hashes; cannot add '{package}' without hashes",
                        wf.path
                    ),
                ));
            }
            "-r" | "-c" | "--requirement" | "--constraint" => toks.get(i + 1).copied(),
            _ => include_of(t),
        };
        let Some(file) = file.map(|f| f.trim_matches(|c| c == '"' || c == '\'')) else {
            continue;
        };
        let rel = match &pl.working_dir {
            Some(w) if !file.starts_with('/') => format!("{}/{file}", w.trim_end_matches('/')),
            _ => file.to_string(),
        };
        if let Ok(rel) = ws.resolve(&rel)
            && let Ok(Some(text)) = ws.read_text(&rel)
            && let Some(hashed) = hash_mode(ws, &rel, &text)?
        {
            return Err(Refusal::new(
                "hash-mode",
                format!(
                    "the `pip install` line in {} installs in hash-checking mode ({hashed} has hashes); cannot add '{package}' without hashes",
                    wf.path
                ),
            ));
        }
    }
    if command.split_whitespace().any(|t| satisfies(t, package)) {
        return Err(Refusal::already(format!(
            "{package} is already on the `pip install` line of job `{}` in {}",
            job.id, wf.path
        )));
    }
    let word = shell_word(package);
    // Find the physical line of the step that holds this run line.
    let needle = pl.line.trim();
    let candidates: Vec<usize> = (pl.step_line..pl.next_step_line)
        .filter(|&k| {
            let l = &wf.lines[k];
            let text = wf.text[l.start..l.end].trim_end();
            let rest = text.trim_start().trim_start_matches("- ").trim_start();
            let rest = rest
                .strip_prefix("run:")
                .map(str::trim_start)
                .unwrap_or(rest);
            rest == needle
        })
        .collect();
    let [k] = candidates[..] else {
        return Err(complex("its text could not be located unambiguously"));
    };
    let l = &wf.lines[k];
    let physical = &wf.text[l.start..l.end];
    let Some(cmd_at) = physical.find(command.trim_start()) else {
        return Err(complex("its text could not be located unambiguously"));
    };
    let at = l.start + cmd_at + command.trim_start().len();
    let edit = Edit::insert(&wf.path, at, format!(" {word}"));
    // Re-parse: the only change is this step's run text gaining the name.
    let new_text = workflow::apply_one(&wf.text, &edit);
    let new_value = workflow::parse(&wf.path, &new_text)?;
    let mut expected = wf.value.clone();
    let new_line = format!("{command} {word}{}", &pl.line[command.len()..]);
    let new_run = pl.run.replacen(&pl.line, &new_line, 1);
    if let Some(step) = expected
        .get_mut("jobs")
        .and_then(|j| j.get_mut(job.id.as_str()))
        .and_then(|j| j.get_mut("steps"))
        .and_then(|s| s.get_mut(pl.step_index))
        .and_then(|s| s.get_mut("run"))
    {
        *step = yaml_serde::Value::String(new_run);
    }
    if new_value != expected {
        return Err(complex("the edit did not re-parse as intended"));
    }
    Ok(Fix {
        fixer: ID,
        description: format!(
            "Add {package} to the `pip install` line of job `{}` in {}",
            job.id, wf.path
        ),
        applicability: Applicability::Safe,
        edits: vec![edit],
        evidence: curated().at(&wf.path, k as u64 + 1, physical),
    })
}

/// Requirement files read through `-r`/`-c` includes, at most.
const MAX_INCLUDES: usize = 16;

/// The first file, `path` or one it includes with `-r`/`-c` (transitively,
/// inside the workspace), that puts pip in hash-checking mode: one hashed
/// requirement anywhere makes pip demand hashes for all.
fn hash_mode(ws: &Workspace, path: &str, text: &str) -> Result<Option<String>, Refusal> {
    let mut queue = vec![(path.to_string(), text.to_string())];
    let mut seen = vec![path.to_string()];
    while let Some((file, body)) = queue.pop() {
        if body.contains("--hash") || body.contains("--require-hashes") {
            return Ok(Some(file));
        }
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        for line in body.lines() {
            let Some(inc) = include_of(line) else {
                continue;
            };
            // Outside the workspace or unreadable: nothing to see there.
            let Some(rel) = beside(dir, inc) else {
                continue;
            };
            let Ok(rel) = ws.resolve(&rel) else {
                continue;
            };
            if seen.contains(&rel) || seen.len() >= MAX_INCLUDES {
                continue;
            }
            seen.push(rel.clone());
            if let Ok(Some(t)) = ws.read_text(&rel) {
                queue.push((rel, t));
            }
        }
    }
    Ok(None)
}

/// `inc` read from directory `dir` of the workspace, `..` resolved; None
/// when it is absolute or climbs out.
fn beside(dir: &str, inc: &str) -> Option<String> {
    if inc.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in inc.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The file a requirements line includes (`-r x`, `-c x`, `--requirement=x`).
fn include_of(line: &str) -> Option<&str> {
    let line = line.split(" #").next()?.trim();
    for flag in ["-r", "-c", "--requirement", "--constraint"] {
        if let Some(rest) = line.strip_prefix(flag) {
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            if flag.len() == 2 || rest.starts_with(' ') || line[flag.len()..].starts_with('=') {
                let f = rest.trim();
                if !f.is_empty() {
                    return Some(f);
                }
            }
        }
    }
    None
}

/// The package came from the curated tables (import map, pytest options,
/// tools) or the committed top list: never from the log's word alone.
fn curated() -> Evidence {
    Evidence::of(DecidedBy::Curated)
}

/// The 1-based line of byte `at` in `text` and that line's text.
fn line_at(text: &str, at: usize) -> (u64, &str) {
    let start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let end = text[start..].find('\n').map_or(text.len(), |p| start + p);
    (
        text[..start].matches('\n').count() as u64 + 1,
        &text[start..end],
    )
}

fn eol_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn edit_requirements(ws: &Workspace, raw_path: &str, package: &str) -> Result<Fix, Refusal> {
    let path = ws.resolve(raw_path)?;
    let Some(text) = ws.read_text(&path)? else {
        return Err(Refusal::new(
            "path",
            format!("requirements file {} does not exist", quoted(&path)),
        ));
    };
    if let Some(hashed) = hash_mode(ws, &path, &text)? {
        return Err(Refusal::new(
            "hash-mode",
            format!(
                "{path} installs in hash-checking mode ({hashed} has hashes); cannot add '{package}' without hashes"
            ),
        ));
    }
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        if satisfies(line, package) {
            return Err(Refusal::already(format!("{package} is already in {path}")));
        }
    }
    let eol = eol_of(&text);
    let content = if text.is_empty() || text.ends_with('\n') {
        format!("{package}{eol}")
    } else {
        format!("{eol}{package}")
    };
    // The line the package will be on.
    let line = text.lines().count() as u64 + 1;
    Ok(Fix {
        fixer: ID,
        description: format!("Add {package} to {path}"),
        applicability: Applicability::Safe,
        edits: vec![Edit::insert(&path, text.len(), content)],
        evidence: curated().at(&path, line, package),
    })
}

/// The dependency arrays of a pyproject, in the order we prefer them, each
/// with a label: optional-dependencies test/tests/testing/dev groups,
/// dependency-groups test/tests/dev, then project dependencies. `extras`
/// (from `pip install .[x]`) come first.
fn dependency_arrays<'d>(
    doc: &'d toml_edit::Document<&str>,
    extras: &[String],
) -> Vec<(String, &'d toml_edit::Array)> {
    let mut out: Vec<(String, &toml_edit::Array)> = Vec::new();
    let project = doc.get("project");
    let optional = project.and_then(|p| p.get("optional-dependencies"));
    let groups = doc.get("dependency-groups");
    let mut push = |label: String, item: Option<&'d toml_edit::Item>| {
        if let Some(arr) = item.and_then(|i| i.as_array())
            && !out.iter().any(|(l, _)| *l == label)
        {
            out.push((label, arr));
        }
    };
    for e in extras {
        push(
            format!("[project.optional-dependencies] {e}"),
            optional.and_then(|o| o.get(e.as_str())),
        );
    }
    for g in ["test", "tests", "testing", "dev"] {
        push(
            format!("[project.optional-dependencies] {g}"),
            optional.and_then(|o| o.get(g)),
        );
    }
    for g in ["test", "tests", "dev"] {
        push(
            format!("[dependency-groups] {g}"),
            groups.and_then(|o| o.get(g)),
        );
    }
    push(
        "[project] dependencies".to_string(),
        project.and_then(|p| p.get("dependencies")),
    );
    out
}

/// Flatten a TOML document to (path, value) leaves for comparing two versions.
fn leaves(item: &toml_edit::Item, path: String, out: &mut Vec<(String, String)>) {
    match item {
        toml_edit::Item::None => {}
        toml_edit::Item::Value(v) => value_leaves(v, path, out),
        toml_edit::Item::Table(t) => {
            for (k, v) in t.iter() {
                leaves(v, format!("{path}.{k}"), out);
            }
        }
        toml_edit::Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                for (k, v) in t.iter() {
                    leaves(v, format!("{path}[{i}].{k}"), out);
                }
            }
        }
    }
}

fn value_leaves(v: &toml_edit::Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        toml_edit::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                value_leaves(x, format!("{path}[{i}]"), out);
            }
        }
        toml_edit::Value::InlineTable(t) => {
            for (k, x) in t.iter() {
                value_leaves(x, format!("{path}.{k}"), out);
            }
        }
        other => out.push((path, other.clone().decorated("", "").to_string())),
    }
}

fn edit_pyproject(
    ws: &Workspace,
    package: &str,
    extras: &[String],
) -> Result<Option<Fix>, Refusal> {
    let path = "pyproject.toml";
    let Some(text) = ws.read_text(path)? else {
        return Ok(None);
    };
    let doc = toml_edit::Document::parse(text.as_str()).map_err(|e| {
        Refusal::new(
            "invalid-pyproject",
            format!(
                "pyproject.toml does not parse: {}",
                e.message().chars().take(200).collect::<String>()
            ),
        )
    })?;
    let arrays = dependency_arrays(&doc, extras);
    let Some((label, arr)) = arrays.first() else {
        return Ok(None);
    };
    for v in arr.iter() {
        if let Some(s) = v.as_str()
            && satisfies(s, package)
        {
            return Err(Refusal::already(format!(
                "{package} is already in {label} of pyproject.toml"
            )));
        }
    }
    let Some(span) = arr.span() else {
        return Ok(None);
    };
    let eol = eol_of(&text);
    let quote = match arr.iter().last().and_then(|v| v.span()) {
        Some(s) if text[s.clone()].starts_with('\'') => '\'',
        _ => '"',
    };
    let item = format!("{quote}{package}{quote}");
    let body = &text[span.clone()];
    let mut edits = Vec::new();
    match arr.iter().last().and_then(|v| v.span()) {
        None => edits.push(Edit::insert(path, span.start + 1, item.clone())),
        Some(last) if body.contains('\n') => {
            // One element a line: a new line after the last element's line.
            let line_start = text[..last.start].rfind('\n').map_or(0, |p| p + 1);
            let indent: String = text[line_start..last.start]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let after = &text[last.end..span.end - 1];
            let trailing_comma = after.trim_start().starts_with(',');
            let line_end = text[last.end..].find('\n').map(|p| last.end + p + 1);
            match line_end {
                Some(le) if le < span.end => {
                    if !trailing_comma {
                        edits.push(Edit::insert(path, last.end, ","));
                    }
                    let comma = if trailing_comma { "," } else { "" };
                    edits.push(Edit::insert(
                        path,
                        le,
                        format!("{indent}{item}{comma}{eol}"),
                    ));
                }
                _ => {
                    let sep = if trailing_comma { "" } else { "," };
                    let at = if trailing_comma {
                        last.end + after.find(',').map_or(0, |p| p + 1)
                    } else {
                        last.end
                    };
                    edits.push(Edit::insert(path, at, format!("{sep}{eol}{indent}{item}")));
                }
            }
        }
        Some(last) => edits.push(Edit::insert(path, last.end, format!(", {item}"))),
    }
    // Re-parse: the only difference must be one more element in that array.
    let mut new_text = text.clone();
    let mut sorted = edits.clone();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    for e in &sorted {
        new_text = workflow::apply_one(&new_text, e);
    }
    let new_doc = toml_edit::Document::parse(new_text.as_str())
        .map_err(|_| Refusal::new("verify", "pyproject.toml did not re-parse after the edit"))?;
    let mut old_leaves = Vec::new();
    leaves(doc.as_item(), String::new(), &mut old_leaves);
    let mut new_leaves = Vec::new();
    leaves(new_doc.as_item(), String::new(), &mut new_leaves);
    let added: Vec<_> = new_leaves
        .iter()
        .filter(|l| !old_leaves.contains(l))
        .collect();
    let removed = old_leaves.iter().any(|l| !new_leaves.contains(l));
    if removed
        || added.len() != 1
        || added[0].1 != format!("\"{package}\"") && added[0].1 != format!("'{package}'")
    {
        return Err(Refusal::new(
            "verify",
            "pyproject.toml edit did not re-parse as intended",
        ));
    }
    let (line, line_text) = line_at(&text, edits[0].range.start);
    Ok(Some(Fix {
        fixer: ID,
        description: format!("Add {package} to {label} of pyproject.toml"),
        applicability: Applicability::Safe,
        edits,
        evidence: curated().at(path, line, line_text),
    }))
}

/// Debian packages for commands missing on a runner image.
const DEBIAN: &[(&str, &str)] = &[
    ("jq", "jq"),
    ("yq", "yq"),
    ("zip", "zip"),
    ("unzip", "unzip"),
    ("xvfb-run", "xvfb"),
    ("convert", "imagemagick"),
    ("magick", "imagemagick"),
    ("ffmpeg", "ffmpeg"),
    ("ffprobe", "ffmpeg"),
    ("shellcheck", "shellcheck"),
    ("msgfmt", "gettext"),
    ("envsubst", "gettext-base"),
    ("pkg-config", "pkg-config"),
    ("make", "make"),
    ("gcc", "gcc"),
    ("g++", "g++"),
    ("cc", "gcc"),
    ("clang", "clang"),
    ("cmake", "cmake"),
    ("ninja", "ninja-build"),
    ("meson", "meson"),
    ("protoc", "protobuf-compiler"),
    ("sqlite3", "sqlite3"),
    ("psql", "postgresql-client"),
    ("pg_dump", "postgresql-client"),
    ("pg_isready", "postgresql-client"),
    ("mysql", "default-mysql-client"),
    ("redis-cli", "redis-tools"),
    ("xmllint", "libxml2-utils"),
    ("xsltproc", "xsltproc"),
    ("pandoc", "pandoc"),
    ("tesseract", "tesseract-ocr"),
    ("gs", "ghostscript"),
    ("rsync", "rsync"),
    ("curl", "curl"),
    ("wget", "wget"),
    ("git-lfs", "git-lfs"),
    ("yamllint", "yamllint"),
    ("bc", "bc"),
    ("dos2unix", "dos2unix"),
    ("xxd", "xxd"),
    ("file", "file"),
    ("tree", "tree"),
    ("ccache", "ccache"),
    ("nasm", "nasm"),
    ("valgrind", "valgrind"),
    ("gdb", "gdb"),
    ("strace", "strace"),
    ("zstd", "zstd"),
    ("xz", "xz-utils"),
    ("7z", "p7zip-full"),
    ("java", "default-jre"),
    ("javac", "default-jdk"),
    ("mvn", "maven"),
    ("gradle", "gradle"),
    ("ruby", "ruby"),
    ("bundle", "ruby-bundler"),
    ("php", "php-cli"),
    ("composer", "composer"),
    ("perl", "perl"),
    ("Rscript", "r-base"),
    ("latexmk", "latexmk"),
    ("pdflatex", "texlive-latex-base"),
    ("xelatex", "texlive-xetex"),
    ("inkscape", "inkscape"),
    ("optipng", "optipng"),
    ("pngquant", "pngquant"),
    ("sponge", "moreutils"),
    ("parallel", "parallel"),
    ("rg", "ripgrep"),
    ("fdfind", "fd-find"),
    ("bats", "bats"),
    ("expect", "expect"),
    ("socat", "socat"),
    ("nc", "netcat-openbsd"),
    ("dig", "dnsutils"),
    ("nslookup", "dnsutils"),
    ("ping", "iputils-ping"),
    ("ip", "iproute2"),
    ("lsof", "lsof"),
    ("killall", "psmisc"),
    ("openssl", "openssl"),
    ("gpg", "gnupg"),
    ("ssh", "openssh-client"),
    ("scp", "openssh-client"),
    ("sshpass", "sshpass"),
    ("htpasswd", "apache2-utils"),
    ("ab", "apache2-utils"),
    ("python", "python-is-python3"),
    ("pip", "python3-pip"),
    ("node", "nodejs"),
    ("npm", "npm"),
    ("go", "golang-go"),
    ("cargo", "cargo"),
    ("rustc", "rustc"),
    ("lua", "lua5.4"),
    ("ansible", "ansible"),
    ("docker-compose", "docker-compose"),
    ("xdg-open", "xdg-utils"),
    ("hunspell", "hunspell"),
    ("aspell", "aspell"),
    ("doxygen", "doxygen"),
    ("dot", "graphviz"),
    ("swig", "swig"),
    ("autoreconf", "autoconf"),
    ("automake", "automake"),
    ("libtool", "libtool"),
    ("bison", "bison"),
    ("flex", "flex"),
    ("gettext", "gettext"),
    ("zsh", "zsh"),
    ("fish", "fish"),
];

fn simple_name(s: &str, extra: &str) -> bool {
    !s.is_empty()
        && s.len() <= 214
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c) || extra.contains(c))
}

/// A package name for advice outside Python, and what vouches for it: the
/// repository's manifest or lockfile that lists it (a workspace place), or a
/// curated list. `None`: advice names no package.
fn vouched(reg: Registry, name: &str, ws: &Workspace) -> Option<(String, Option<String>)> {
    let declared = project::declared(ws, reg, name);
    names::advisable_declared(reg, name, declared.is_some()).map(|n| (n, declared))
}

/// Advice naming `name` as vouched for, or the unnamed advice.
fn registry_advice(
    reg: Registry,
    name: Option<&str>,
    ws: &Workspace,
    named: impl Fn(&str) -> String,
    installed: impl Fn(&str, &str) -> String,
    unnamed: &str,
) -> Fix {
    match name.and_then(|n| vouched(reg, n, ws)) {
        Some((n, Some(file))) => {
            // The line that lists it, when the name appears as written.
            let (line, text) = ws
                .read_text(&file)
                .ok()
                .flatten()
                .and_then(|t| {
                    t.lines()
                        .enumerate()
                        .find(|(_, l)| l.contains(n.as_str()))
                        .map(|(i, l)| (i as u64 + 1, l.to_string()))
                })
                .unwrap_or((0, n.clone()));
            Fix::advice(ID, installed(&n, &file))
                .with_evidence(Evidence::of(DecidedBy::Workspace).at(&file, line, &text))
        }
        Some((n, None)) => Fix::advice(ID, named(&n)).with_evidence(curated()),
        None => Fix::advice(ID, unnamed),
    }
}

/// Advice for a missing dependency outside Python. A package is named only
/// when the repository's manifests or a curated list vouch for it.
fn other_ecosystem(eco: &str, f: &Facts, ws: &Workspace) -> Option<Fix> {
    let name = f.package.as_deref().or(f.module.as_deref());
    let advice = match eco {
        "node" => {
            let m = name?;
            if m.starts_with('.') || m.starts_with('/') {
                format!(
                    "A local module {} is missing: check the path and that the file is committed",
                    quoted(m)
                )
            } else if m.starts_with("node:") {
                return None;
            } else {
                // `lodash/fp` → `lodash`, `@scope/pkg/sub` → `@scope/pkg`.
                let parts: Vec<&str> = m.split('/').collect();
                let pkg = if m.starts_with('@') && parts.len() >= 2 {
                    format!("{}/{}", parts[0], parts[1])
                } else {
                    parts[0].to_string()
                };
                return Some(registry_advice(
                    Registry::Npm,
                    Some(&pkg),
                    ws,
                    |n| {
                        format!(
                            "Add the missing npm package: `npm install {n}` (`--save-dev` if only the tests need it), and commit package.json and the lockfile"
                        )
                    },
                    |n, file| {
                        format!(
                            "{n} is listed in {file} but not installed in the failing job: install the dependencies (`npm ci`) in a step before it"
                        )
                    },
                    "A required npm package is not installed: install the missing package and add it to package.json (check its exact name first: the log's spelling is not vouched for)",
                ));
            }
        }
        "rust" => {
            let krate = name.map(|m| m.split("::").next().unwrap_or(m));
            return Some(registry_advice(
                Registry::Crates,
                krate,
                ws,
                |n| format!("Add the missing crate: `cargo add {n}`"),
                |n, file| {
                    format!(
                        "The crate {n} is listed in {file}: check its name in the code (a hyphen there is an underscore) and the features it needs"
                    )
                },
                "A crate the code uses is not a dependency: add it to Cargo.toml (check its exact name first: the log's spelling is not vouched for)",
            ));
        }
        "go" => {
            return Some(registry_advice(
                Registry::Go,
                name,
                ws,
                |n| {
                    format!(
                        "Add the missing module: `go get {n}` then `go mod tidy`, and commit go.mod and go.sum"
                    )
                },
                |n, file| {
                    format!(
                        "{n} is covered by {file}: run `go mod download` (or `go mod tidy`) in a step before the failing one, and commit go.mod and go.sum"
                    )
                },
                "A Go module the code imports is missing: add it with `go get` (check its exact path first: the log's spelling is not vouched for) and commit go.mod and go.sum",
            ));
        }
        "ruby" => {
            let gem = name.map(|m| m.split('/').next().unwrap_or(m));
            return Some(registry_advice(
                Registry::Gems,
                gem,
                ws,
                |n| format!("Add the missing gem to the Gemfile: `bundle add {n}`"),
                |n, file| {
                    format!(
                        "The gem {n} is listed in {file} but not installed: run `bundle install` in a step before the failing one"
                    )
                },
                "A gem the code requires is missing: add it to the Gemfile (check its exact name first: the log's spelling is not vouched for)",
            ));
        }
        "dotnet" => {
            return Some(registry_advice(
                Registry::Nuget,
                f.package.as_deref(),
                ws,
                |n| format!("Add the missing NuGet package: `dotnet add package {n}`"),
                |n, file| {
                    format!(
                        "The package {n} is referenced in {file}: run `dotnet restore` before the build, and check the package source"
                    )
                },
                "A NuGet package is missing: add it to the project (check its exact name first: the log's spelling is not vouched for)",
            ));
        }
        "java" => {
            let m = name?;
            if !simple_name(m, "") {
                return None;
            }
            format!(
                "Add the dependency that provides {} to pom.xml or build.gradle",
                quoted(m)
            )
        }
        _ => {
            let cmd = f.command.as_deref().or(name)?;
            if !simple_name(cmd, "+") {
                return None;
            }
            if cmd.ends_with(".so") || cmd.contains(".so.") {
                return Some(Fix::advice(
                    ID,
                    format!(
                        "The shared library {cmd} is missing on the runner: install the Debian package that provides it in a step before (find it with `apt-file search {cmd}`)"
                    ),
                ));
            }
            match DEBIAN.iter().find(|(c, _)| *c == cmd) {
                Some((_, pkg)) => format!(
                    "The command `{cmd}` is not installed on the runner: add a step `sudo apt-get update && sudo apt-get install -y {pkg}` before it"
                ),
                None => format!(
                    "The command `{cmd}` is not installed on the runner: install it in a step before it runs"
                ),
            }
        }
    };
    Some(Fix::advice(ID, advice))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pip_lines() {
        let (t, n) = classify_pip(" -U requests psycopg 'pytest>=7'");
        assert!(matches!(t, PipTarget::Inline));
        assert_eq!(n, ["requests", "psycopg", "pytest"]);
        let (t, _) = classify_pip(" -r requirements-dev.txt");
        assert!(matches!(t, PipTarget::Requirements(ref f) if f == "requirements-dev.txt"));
        let (t, _) = classify_pip(" -e '.[test,dev]'");
        assert!(matches!(t, PipTarget::Project(ref e) if e == &["test", "dev"]));
        assert!(pip_re().is_match("python -m pip install x"));
        assert!(!pip_re().is_match("pipx run x"));
    }

    #[test]
    fn extras_are_part_of_what_is_already_installed() {
        assert!(satisfies("coverage[toml]>=6", "coverage[toml]"));
        assert!(satisfies("'Coverage[TOML, yaml]'", "coverage[toml]"));
        assert!(!satisfies("coverage", "coverage[toml]"));
        assert!(satisfies("coverage[toml]", "coverage"));
        assert!(!satisfies("coverage-x[toml]", "coverage[toml]"));
        assert_eq!(shell_word("coverage[toml]"), "'coverage[toml]'");
        assert_eq!(beside("ci", "../c.txt").as_deref(), Some("c.txt"));
        assert_eq!(beside("", "../c.txt"), None);
        assert_eq!(include_of("--constraint=c.txt"), Some("c.txt"));
        assert_eq!(include_of("--require-hashes"), None);
        let facts = |p: &str| Facts {
            package: Some(p.into()),
            ..Facts::default()
        };
        assert_eq!(
            choose_package(&facts("coverage[toml]")).unwrap().as_deref(),
            Some("coverage[toml]")
        );
        for bad in [
            "coverage[toml --x]",
            "coverage[]",
            "covrage[toml]",
            "coverage[a;b]",
        ] {
            assert!(choose_package(&facts(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn chooses_trusted_packages_only() {
        let f = |package: Option<&str>, module: Option<&str>, option: Option<&str>| Facts {
            package: package.map(str::to_string),
            module: module.map(str::to_string),
            option: option.map(str::to_string),
            ..Facts::default()
        };
        assert_eq!(
            choose_package(&f(None, Some("yaml"), None))
                .unwrap()
                .unwrap(),
            "PyYAML"
        );
        assert_eq!(
            choose_package(&f(None, None, Some("--cov=x")))
                .unwrap()
                .unwrap(),
            "pytest-cov"
        );
        assert_eq!(
            choose_package(&f(None, Some("requests.adapters"), None))
                .unwrap()
                .unwrap(),
            "requests"
        );
        assert_eq!(
            choose_package(&f(None, Some("reqeusts"), None))
                .unwrap_err()
                .id,
            "unknown-package"
        );
        assert_eq!(
            choose_package(&f(Some("x --extra-index-url https://evil"), None, None))
                .unwrap_err()
                .id,
            "invalid-package-name"
        );
        assert_eq!(
            choose_package(&f(Some("-e"), None, None)).unwrap_err().id,
            "invalid-package-name"
        );
    }

    #[test]
    fn advice_for_other_ecosystems() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"devDependencies": {"@acme/ui-kit": "^1.0.0"}}"#,
        )
        .unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let f = Facts {
            module: Some("@acme/ui-kit/button".into()),
            ..Facts::default()
        };
        let fix = other_ecosystem("node", &f, &ws).unwrap();
        assert!(
            fix.description
                .contains("@acme/ui-kit is listed in package.json")
        );
        assert_eq!(fix.evidence.decided_by, DecidedBy::Workspace);
        for (eco, name) in [
            ("node", "expresss"),
            ("rust", "serde_jsonn"),
            ("go", "github.com/gin-gonic/ginn"),
            ("ruby", "nokogirii"),
            ("dotnet", "Newtonsoft.Jsonn"),
        ] {
            let f = Facts {
                package: Some(name.into()),
                module: Some(name.into()),
                ..Facts::default()
            };
            let fix = other_ecosystem(eco, &f, &ws).unwrap();
            assert!(
                !fix.description.contains(name),
                "{eco}: {}",
                fix.description
            );
        }
        let f = Facts {
            module: Some("@scope/pkg/sub".into()),
            ..Facts::default()
        };
        assert!(
            other_ecosystem("node", &f, &ws)
                .unwrap()
                .description
                .contains("install the missing package")
        );
        let f = Facts {
            command: Some("jq".into()),
            ..Facts::default()
        };
        assert!(
            other_ecosystem("system", &f, &ws)
                .unwrap()
                .description
                .contains("apt-get install -y jq")
        );
        let f = Facts {
            module: Some("libGL.so.1".into()),
            ..Facts::default()
        };
        assert!(
            other_ecosystem("system", &f, &ws)
                .unwrap()
                .description
                .contains("apt-file search libGL.so.1")
        );
        let f = Facts {
            command: Some("x;rm -rf /".into()),
            ..Facts::default()
        };
        assert!(other_ecosystem("system", &f, &ws).is_none());
    }
}
