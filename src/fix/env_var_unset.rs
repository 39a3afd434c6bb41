//! `env-var-unset`
//!
//! **What it does.** When a job fails because an environment variable (or a
//! required action input) is unset, it defines it in the failing job of the
//! workflow: `NAME: ${{ vars.NAME || 'default' }}` in the job's `env:`
//! (created right after `runs-on:` if absent), with the default found in the
//! repository (`os.getenv("X", "d")`, `os.environ.get`, `process.env.X ?? "d"`,
//! `.env.example`/`.env.sample`, a compose file); `${{ vars.NAME }}` when there
//! is none; `${{ secrets.NAME }}` for secret-like names. A missing action
//! input goes into the failing step's `with:`.
//!
//! **Why.** The seed's second incident: `OCR_HOST` unset gave
//! `Invalid URL 'http://None/health'`. A repository variable with the
//! repository's own default makes the job run and stays configurable.
//!
//! **Example.** `env:` / `OCR_HOST: ${{ vars.OCR_HOST || 'localhost:8000' }}`.
//!
//! **Fix safety.** Safe when the value can work as written: a secret, or a
//! repository variable with the repository's own default. Without a default
//! the entry is right but heals nothing until the variable is set: unsafe,
//! shown and not applied without `--unsafe-fixes`. The value is never read from the log; the only
//! expressions written are the three allowed forms for a validated name;
//! loader and runner names (`LD_PRELOAD`, `PATH`, `GITHUB_*` ...) are refused
//! (`GITHUB_TOKEN` only as `${{ secrets.GITHUB_TOKEN }}`); the workflow is
//! edited as text at scanned spans and re-parsed to check that exactly one
//! key was added.

use regex::Regex;

use std::io::Read;
use std::sync::LazyLock;

use super::edit::{
    Applicability, DecidedBy, Edit, Evidence, Fix, Refusal, is_dangerous_char, quoted,
};
use super::env_trace;
use super::workflow::{self, Job, Seg, Workflow};
use super::workspace::{Workspace, open_nofollow};
use super::{FixOptions, Fixer, ReasonCode};
use crate::classify::{Category, Diagnosis};
use crate::config::EnvValue;

pub struct EnvVarUnset;

pub const ID: &str = "env-var-unset";

/// Longest default literal written into a workflow.
const MAX_DEFAULT_CHARS: usize = 200;
/// Files read while looking for a default, and bytes read of each.
const MAX_SEARCH_FILES: usize = 2_000;
const MAX_SEARCH_BYTES: u64 = 256 * 1024;
/// Bytes read in all while looking for a default.
const MAX_SEARCH_TOTAL_BYTES: u64 = 32 * 1024 * 1024;

impl Fixer for EnvVarUnset {
    fn id(&self) -> &'static str {
        ID
    }

    fn category(&self) -> Category {
        Category::EnvironmentVariable
    }

    fn plan(
        &self,
        d: &Diagnosis,
        ws: &Workspace,
        opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal> {
        // A missing action input is `action-input-missing`'s.
        if d.facts.action_input.is_some() {
            return Ok(None);
        }
        plan_variables(d, ws, opts, false)
    }
}

/// An environment fix for a failure the model put elsewhere or was unsure
/// of: only when the repository's chain holds (the failing frame reads a
/// variable the workflow does not set, and the error shows an unset value).
/// `Err` only for `already-fixed`: the chain holds and the fix is in.
pub fn plan_grounded(
    d: &Diagnosis,
    ws: &Workspace,
    opts: &FixOptions,
) -> Result<Option<Fix>, Refusal> {
    match plan_variables(d, ws, opts, true) {
        Ok(f) => Ok(f.filter(|f| f.evidence.decided_by == DecidedBy::Workspace)),
        Err(r) if r.id == ReasonCode::AlreadyFixed => Err(r),
        Err(_) => Ok(None),
    }
}

fn plan_variables(
    d: &Diagnosis,
    ws: &Workspace,
    opts: &FixOptions,
    grounded_only: bool,
) -> Result<Option<Fix>, Refusal> {
    {
        let traced = env_trace::trace(ws, &d.failure.frames, d.failure.test_id.as_deref());
        let (names, evidence) = choose(d, ws, &traced, grounded_only)?;
        let (wf, job) = match workflow::locate(ws, d, opts) {
            Ok(x) => x,
            Err(mut r) if r.id == ReasonCode::AmbiguousWorkflow => {
                // Still say what the entry would be, for a person to add.
                let (value, _) = value_for(&names[0], ws, opts.config.env_value);
                r.detail.push_str(&format!(
                    "; to fix by hand, add `{}: {value}` to the failing job's env",
                    names[0]
                ));
                return Err(r);
            }
            Err(r) => return Err(r),
        };
        if wf.child(job.line, "uses").is_some() {
            return Err(Refusal::new(
                ReasonCode::ComplexWorkflow,
                format!(
                    "job `{}` in {} calls a reusable workflow; define {} in the called workflow",
                    job.id, wf.path, names[0]
                ),
            ));
        }
        let unset: Vec<&String> = names
            .iter()
            .filter(|n| defined_in(&wf, &job, n, &d.failure.step).is_none())
            .collect();
        if unset.is_empty() {
            let place = defined_in(&wf, &job, &names[0], &d.failure.step).unwrap_or_default();
            return Err(Refusal::already(format!(
                "{} is already defined in {place} of {}",
                names.join(", "),
                wf.path
            )));
        }
        if wf.has_aliases(job.line, wf.block_end(job.line)) {
            return Err(Refusal::new(
                ReasonCode::Alias,
                format!(
                    "job `{}` in {} uses YAML anchors or aliases",
                    job.id, wf.path
                ),
            ));
        }
        let mut current = wf.clone();
        let mut described = Vec::new();
        // A variable with no default and no secret: the edit alone heals
        // nothing until someone sets the repository variable.
        let mut needs_setting: Vec<String> = Vec::new();
        for name in &unset {
            let (value, origin) = value_for(name, ws, opts.config.env_value);
            let cjob = current
                .jobs()?
                .into_iter()
                .find(|j| j.id == job.id)
                .ok_or_else(|| {
                    Refusal::new(ReasonCode::ComplexWorkflow, "the job moved while editing")
                })?;
            let env_line = current.child(cjob.line, "env");
            let indent = current
                .child_indent(cjob.line)
                .unwrap_or(current.lines[cjob.line].indent + current.indent_step());
            let after = current.child(cjob.line, "runs-on").unwrap_or(cjob.line);
            let edit = current.add_entry(env_line, ("env", after, indent), name, &value)?;
            let new_text = workflow::apply_one(&current.text, &edit);
            let path = [
                Seg::Key("jobs".into()),
                Seg::Key(job.id.clone()),
                Seg::Key("env".into()),
            ];
            let created = env_line.is_none_or(|l| current.children(l).is_empty());
            current.verify_added(&new_text, &path, name, &value, created)?;
            current = Workflow::from_text(&wf.path, new_text)?;
            if value == format!("${{{{ vars.{name} }}}}") {
                needs_setting.push((*name).clone());
            }
            described.push(format!("{name} as `{value}`{origin}"));
        }
        let Some(edit) = Edit::between(&wf.path, &wf.text, &current.text) else {
            return Ok(None);
        };
        let evidence = evidence.at(
            &wf.path,
            job.line as u64 + 1,
            &format!(
                "job `{}` does not set {}",
                job.id,
                unset
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        Ok(Some(Fix {
            fixer: ID,
            description: format!(
                "Define {} in the env of job `{}` in {}{}",
                described.join(", and "),
                job.id,
                wf.path,
                if needs_setting.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the repository has no default for {}: set the repository variable first, or the step still sees it empty",
                        needs_setting.join(", ")
                    )
                }
            ),
            applicability: if needs_setting.is_empty() {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            },
            edits: vec![edit],
            evidence,
        }))
    }
}

/// Variables set for one failure at the most: more is a guess.
const MAX_VARIABLES: usize = 3;

/// The error text shows an unset value: `None`, `undefined`, an empty host,
/// `int(None)`, an empty string parsed as a date or compared with a setting.
static UNSET_SYMPTOM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\bNone\b|NoneType|\bundefined\b|\bnull\b|\bnil\b|No host supplied|No scheme supplied|Invalid URL|ERR_INVALID_URL|Invalid URI|invalid URL|with base 10: ''|strptime|does not match format ''|KeyError|\bnot set\b|\bunset\b|is empty|must be (?:a )?str|expected str|NotPresent|environment variable|''|"""#,
    )
    .expect("regex")
});

fn has_symptom(d: &Diagnosis) -> bool {
    [&d.failure.error_line, &d.failure.excerpt, &d.failure.region]
        .iter()
        .any(|t| UNSET_SYMPTOM.is_match(t))
}

/// Which variables to set, and on what evidence. The repository decides: a
/// variable the failing code reads (traced from the log's frames), or one
/// some code of the repository reads; else only one the failing tool's own
/// message names as required. A symptom alone names nothing.
fn choose(
    d: &Diagnosis,
    ws: &Workspace,
    traced: &[env_trace::Traced],
    grounded_only: bool,
) -> Result<(Vec<String>, Evidence), Refusal> {
    let found = |var: &str| {
        traced.iter().find_map(|t| {
            t.reads
                .iter()
                .find(|r| r.var == var)
                .map(|r| (t.clone(), r.clone()))
        })
    };
    let grounded = |t: &env_trace::Traced, reads: &[&env_trace::Read]| {
        let mut e = Evidence::of(DecidedBy::Workspace).at(&t.file, t.line, &t.text);
        for r in reads {
            if !(r.file == t.file && (r.line == t.line || r.line == 0)) {
                e = e.at(&r.file, r.line, &r.text);
            }
        }
        e
    };
    if let Some(name) = d.facts.variable.as_deref().filter(|_| !grounded_only) {
        check_name(name)?;
        if let Some((t, r)) = found(name) {
            return Ok((vec![name.to_string()], grounded(&t, &[&r])));
        }
        if let Some(r) = read_anywhere(ws, name) {
            return Ok((
                vec![name.to_string()],
                Evidence::of(DecidedBy::Workspace).at(&r.file, r.line, &r.text),
            ));
        }
        if d.facts.variable_from.as_deref() == Some("message") {
            return Ok((vec![name.to_string()], Evidence::of(DecidedBy::ToolMessage)));
        }
    }
    if has_symptom(d) {
        for t in traced {
            let reads: Vec<&env_trace::Read> = t
                .reads
                .iter()
                .filter(|r| check_name(&r.var).is_ok())
                .take(MAX_VARIABLES + 1)
                .collect();
            if reads.is_empty() {
                continue;
            }
            if reads.len() > MAX_VARIABLES {
                return Err(Refusal::new(
                    ReasonCode::AmbiguousVariable,
                    format!(
                        "{}:{} depends on more than {MAX_VARIABLES} environment variables",
                        t.file, t.line
                    ),
                ));
            }
            let names = reads.iter().map(|r| r.var.clone()).collect();
            return Ok((names, grounded(t, &reads)));
        }
    }
    match d.facts.variable.as_deref() {
        Some(name) => Err(Refusal::new(
            ReasonCode::NoEvidence,
            format!(
                "the log names {name}, but no code of the repository reads it and no tool message requires it"
            ),
        )),
        None if traced.is_empty() => Err(Refusal::new(
            ReasonCode::NoEvidence,
            "the log shows no failing frame inside the repository, so no variable can be traced",
        )),
        None => Err(Refusal::new(
            ReasonCode::NoEvidence,
            format!(
                "the failing code ({}:{}) reads no environment variable{}",
                traced[0].file,
                traced[0].line,
                if has_symptom(d) {
                    ""
                } else {
                    ", and the error shows no unset value"
                }
            ),
        )),
    }
}

/// A read of `name` in the repository's code, for a variable the failing
/// frames do not lead to: the repository still vouches that it is one.
fn read_anywhere(ws: &Workspace, name: &str) -> Option<env_trace::Read> {
    let files = ws.walk(&env_trace::traceable);
    let mut budget = MAX_SEARCH_TOTAL_BYTES;
    for rel in files.iter().take(MAX_SEARCH_FILES) {
        let Some(text) = read_small(ws, rel) else {
            continue;
        };
        budget = budget.checked_sub(text.len() as u64)?;
        if !text.contains(name) {
            continue;
        }
        if let Some(r) = env_trace::reads_of(rel, &text, name) {
            return Some(r);
        }
    }
    None
}

/// Variables that change how loaders, shells, runtimes, package managers or
/// the runner behave, by family: never set from a log's say-so (SECURITY.md
/// §4, §10). Each family is (why, exact names, prefixes, suffixes, words).
type Family = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const DENY_FAMILIES: &[Family] = &[
    (
        "a TLS or certificate switch",
        &[
            "NODE_TLS_REJECT_UNAUTHORIZED",
            "NODE_EXTRA_CA_CERTS",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
            "GIT_SSL_NO_VERIFY",
            "PYTHONHTTPSVERIFY",
        ],
        &["SSL_", "TLS_", "OPENSSL_", "CURL_"],
        &["_CA_BUNDLE", "_CA_CERTS", "_CA_CERT", "_CAFILE", "_CAPATH"],
        &[
            "TLS_REJECT",
            "SSL_VERIFY",
            "VERIFY_SSL",
            "INSECURE",
            "SKIP_VERIFY",
            "NO_VERIFY",
            "TLS_VERIFY",
            "VERIFY_TLS",
        ],
    ),
    (
        "a loader or preload hook",
        &[
            "GLIBC_TUNABLES",
            "GCONV_PATH",
            "DOTNET_STARTUP_HOOKS",
            "DOTNET_ADDITIONAL_DEPS",
            "DOTNET_SHARED_STORE",
            "CORECLR_ENABLE_PROFILING",
            "COR_ENABLE_PROFILING",
            "LOCPATH",
            "NLSPATH",
            "HOSTALIASES",
            "RESOLV_HOST_CONF",
            "MALLOC_CHECK_",
            "CLASSPATH",
        ],
        &[
            "LD_", "DYLD_", "MALLOC_", "CORECLR_", "COR_", "GLIBC_", "DOTNET_",
        ],
        &["_PRELOAD", "_PROFILER", "_LIBRARY_PATH", "_PLUGIN_PATH"],
        &["PRELOAD", "STARTUP_HOOK"],
    ),
    (
        "a runtime's option variable",
        &[
            "NODE_OPTIONS",
            "NODE_PATH",
            "JAVA_TOOL_OPTIONS",
            "JDK_JAVA_OPTIONS",
            "JAVA_OPTIONS",
            "_JAVA_OPTIONS",
            "MAVEN_OPTS",
            "GRADLE_OPTS",
            "PERLLIB",
            "RUBYOPT",
            "RUBYLIB",
            "RUSTFLAGS",
            "RUSTC_WRAPPER",
            "RUSTC",
            "RUSTDOC",
            "GOFLAGS",
            "CGO_CFLAGS",
            "CGO_LDFLAGS",
            "CFLAGS",
            "CXXFLAGS",
            "LDFLAGS",
            "CC",
            "CXX",
            "LUA_PATH",
            "LUA_INIT",
            "PHPRC",
            "PHP_INI_SCAN_DIR",
            "ERL_FLAGS",
            "ERL_AFLAGS",
            "ELIXIR_ERL_OPTIONS",
        ],
        &[
            "PYTHON", "PERL5", "PERL_", "RUBY", "NODE_", "JAVA_", "JDK_", "JVM_", "RUSTC_", "CGO_",
            "PHP_", "LUA_",
        ],
        &["_OPTIONS", "_OPTS", "FLAGS", "_WRAPPER"],
        &[],
    ),
    (
        "a shell start-up variable",
        &[
            "BASH_ENV",
            "ENV",
            "SHELLOPTS",
            "BASHOPTS",
            "IFS",
            "PS4",
            "PROMPT_COMMAND",
            "CDPATH",
            "ZDOTDIR",
            "INPUTRC",
            "HISTFILE",
            "SHELL",
            "PATH",
            "HOME",
            "TMPDIR",
            "EDITOR",
            "VISUAL",
            "PAGER",
            "USER",
            "LANG",
            "LC_ALL",
            "TERM",
            "CI",
        ],
        &["BASH_", "ZSH_", "LC_"],
        &[],
        &[],
    ),
    (
        "a package manager, module proxy or checksum database setting",
        &[
            "GOPROXY",
            "GOSUMDB",
            "GONOSUMDB",
            "GONOSUMCHECK",
            "GONOPROXY",
            "GOPRIVATE",
            "GOINSECURE",
            "GOTOOLCHAIN",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "FTP_PROXY",
        ],
        &[
            "NPM_CONFIG_",
            "YARN_",
            "PNPM_",
            "PIP_",
            "UV_",
            "POETRY_",
            "PDM_",
            "CONDA_",
            "CARGO_",
            "RUSTUP_",
            "BUNDLE_",
            "GEM_",
            "MAVEN_",
            "GRADLE_",
            "NUGET_",
            "COMPOSER_",
            "DOCKER_",
            "HELM_",
            "DENO_",
            "BUN_",
            "GIT_",
        ],
        &[
            "_PROXY",
            "_INDEX_URL",
            "_REGISTRY",
            "_REGISTRY_URL",
            "_MIRROR",
        ],
        &[],
    ),
    (
        "a runner variable",
        &[],
        &["GITHUB_", "RUNNER_", "ACTIONS_"],
        &[],
        &[],
    ),
];

/// The family a name belongs to, if it is denied.
fn denied_family(name: &str) -> Option<&'static str> {
    // The Go toolchain's own variables are `GO` and capitals, no underscore.
    if name.starts_with("GO") && !name.contains('_') {
        return Some("a runtime's option variable");
    }
    DENY_FAMILIES
        .iter()
        .find(|(_, exact, prefixes, suffixes, words)| {
            exact.contains(&name)
                || prefixes.iter().any(|p| name.starts_with(p))
                || suffixes.iter().any(|s| name.ends_with(s))
                || words.iter().any(|w| name.contains(w))
        })
        .map(|f| f.0)
}

fn check_name(name: &str) -> Result<(), Refusal> {
    let b = name.as_bytes();
    let valid = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_');
    if !valid {
        return Err(Refusal::new(
            ReasonCode::EnvDenied,
            format!("{} is not a valid environment variable name", quoted(name)),
        ));
    }
    if name == "GITHUB_TOKEN" {
        return Ok(());
    }
    if let Some(family) = denied_family(name) {
        return Err(Refusal::new(
            ReasonCode::EnvDenied,
            format!(
                "refusing to set {name}: it is {family}, which changes how the runner, a loader or a tool behaves"
            ),
        ));
    }
    Ok(())
}

/// Whether a name looks like it holds a credential.
pub fn secret_like(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "TOKEN",
        "KEY",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "PAT",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "AUTH",
        "APIKEY",
        "CERT",
        "DSN",
        "SIGNATURE",
        "SALT",
    ];
    name.split('_').any(|w| WORDS.contains(&w))
        || ["TOKEN", "SECRET", "PASSWORD", "APIKEY"]
            .iter()
            .any(|w| name.contains(w))
}

/// The value expression and where its default came from.
/// `form` is the config's `env.value`; a secret-like name is a secret
/// whatever it says (a `vars` value is printed in logs).
fn value_for(name: &str, ws: &Workspace, form: EnvValue) -> (String, String) {
    if name == "GITHUB_TOKEN" || secret_like(name) || form == EnvValue::Secrets {
        return (
            format!("${{{{ secrets.{name} }}}}"),
            " (from the repository's secrets)".to_string(),
        );
    }
    let default = match form {
        EnvValue::Vars => None,
        _ => find_default(name, ws),
    };
    match default {
        Some((d, file)) => (
            format!("${{{{ vars.{name} || '{}' }}}}", d.replace('\'', "''")),
            format!(" (from the repository variable, else the default found in {file})"),
        ),
        None => (
            format!("${{{{ vars.{name} }}}}"),
            " (from the repository variable; set it in the repository's settings)".to_string(),
        ),
    }
}

/// Where the variable is already defined for the failing step: the
/// workflow's env, the job's env, or the failing step's own env (matched by
/// its name, or `Run <first line of its run:>`). Other steps' envs do not
/// reach the failing step, so they do not count.
fn defined_in(wf: &Workflow, job: &Job, name: &str, failing_step: &str) -> Option<String> {
    let has = |v: Option<&yaml_serde::Value>| workflow::keys_of(v).iter().any(|k| k == name);
    let hint = " (if its value is empty, set the repository variable or secret)";
    if has(wf.value.get("env")) {
        return Some(format!("the workflow's env{hint}"));
    }
    let j = wf.value.get("jobs")?.get(job.id.as_str())?;
    if has(j.get("env")) {
        return Some(format!("the env of job `{}`{hint}", job.id));
    }
    let failing = failing_step.trim();
    if let Some(yaml_serde::Value::Sequence(steps)) = j.get("steps") {
        for s in steps {
            let named = s.get("name").and_then(|n| n.as_str()) == Some(failing);
            let run = s
                .get("run")
                .and_then(|r| r.as_str())
                .and_then(|r| r.lines().next())
                .map(|l| format!("Run {}", l.trim()));
            if (named || run.as_deref() == Some(failing)) && has(s.get("env")) {
                return Some(format!("the failing step's env{hint}"));
            }
        }
    }
    None
}

/// Whether a default found in the repository may be written as a literal.
fn acceptable_default(d: &str) -> bool {
    !d.is_empty()
        && d.chars().count() <= MAX_DEFAULT_CHARS
        && !d.chars().any(is_dangerous_char)
        && !d.contains("${")
        && !d.contains("}}")
        && !d.contains(": ")
        && !d.contains(" #")
        && !d.ends_with(':')
        && d.trim() == d
}

/// A default for `name` found in the repository, with the file it came from:
/// code first (`os.getenv`, `os.environ.get`, `process.env.X ??`), then
/// `.env.example`-style files, then compose files. Several different defaults
/// in the first tier that has any: no default (not certain).
fn find_default(name: &str, ws: &Workspace) -> Option<(String, String)> {
    let n = regex::escape(name);
    let lit = r#"(?:"([^"\\\r\n]*)"|'([^'\\\r\n]*)')"#;
    let code = Regex::new(&format!(
        r#"(?:os\.getenv|os\.environ\.get|environ\.get|getenv)\(\s*["']{n}["']\s*,\s*{lit}\s*\)|process\.env(?:\.{n}\b|\[\s*["']{n}["']\s*\])\s*(?:\?\?|\|\|)\s*{lit}"#
    ))
    .ok()?;
    let dotenv = Regex::new(&format!(r#"(?m)^\s*(?:export\s+)?{n}\s*=\s*([^\r\n#]*)"#)).ok()?;
    let compose = Regex::new(&format!(
        r#"(?m)^\s*(?:-\s*)?["']?{n}["']?\s*[:=]\s*([^\r\n#]*)"#
    ))
    .ok()?;
    let files = ws.walk(&|rel: &str| {
        let base = rel.rsplit('/').next().unwrap_or(rel);
        tier_of(base).is_some()
    });
    let mut found: [Vec<(String, String)>; 3] = Default::default();
    let mut budget = MAX_SEARCH_TOTAL_BYTES;
    for rel in files.iter().take(MAX_SEARCH_FILES) {
        if budget == 0 {
            break;
        }
        let base = rel.rsplit('/').next().unwrap_or(rel);
        let Some(tier) = tier_of(base) else { continue };
        let Some(text) = read_small(ws, rel) else {
            continue;
        };
        budget = budget.saturating_sub(text.len() as u64);
        if !text.contains(name) {
            continue;
        }
        let values: Vec<String> = match tier {
            0 => code
                .captures_iter(&text)
                .filter_map(|c| {
                    (1..=4)
                        .find_map(|i| c.get(i))
                        .map(|m| m.as_str().to_string())
                })
                .collect(),
            1 => dotenv
                .captures_iter(&text)
                .filter_map(|c| c.get(1).map(|m| unquote(m.as_str().trim())))
                .collect(),
            _ => compose
                .captures_iter(&text)
                .filter_map(|c| c.get(1).map(|m| unquote(m.as_str().trim())))
                .collect(),
        };
        for v in values {
            if acceptable_default(&v) {
                found[tier].push((v, rel.clone()));
            }
        }
    }
    for tier in found {
        if let Some((first, file)) = tier.first() {
            if tier.iter().all(|(v, _)| v == first) {
                return Some((first.clone(), file.clone()));
            }
            return None;
        }
    }
    None
}

fn tier_of(base: &str) -> Option<usize> {
    let ext = base.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if matches!(ext, "py" | "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx") {
        Some(0)
    } else if matches!(
        base,
        ".env.example"
            | ".env.sample"
            | ".env.template"
            | ".env.dist"
            | "env.example"
            | "example.env"
            | "tox.ini"
            | "pytest.ini"
    ) || (base.starts_with(".env.") && base.ends_with(".example"))
        || (base.starts_with("config") && base.ends_with(".example"))
    {
        Some(1)
    } else if (base.starts_with("docker-compose") || base.starts_with("compose"))
        && (base.ends_with(".yml") || base.ends_with(".yaml"))
    {
        Some(2)
    } else {
        None
    }
}

fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// Read a file for searching only (never edited): no symlinks, bounded.
fn read_small(ws: &Workspace, rel: &str) -> Option<String> {
    if !matches!(ws.check_components(rel), Ok(true)) {
        return None;
    }
    let f = open_nofollow(&ws.root().join(rel)).ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut buf = Vec::new();
    f.take(MAX_SEARCH_BYTES).read_to_end(&mut buf).ok()?;
    String::from_utf8(buf).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for bad in [
            "NODE_TLS_REJECT_UNAUTHORIZED",
            "GLIBC_TUNABLES",
            "JDK_JAVA_OPTIONS",
            "DOTNET_STARTUP_HOOKS",
            "PERLLIB",
            "OPENSSL_CONF",
            "SHELLOPTS",
            "GOSUMDB",
            "GOPROXY",
            "LD_AUDIT",
            "BASH_FUNC_X",
            "CORECLR_PROFILER",
            "PIP_EXTRA_INDEX_URL",
            "NPM_CONFIG_REGISTRY",
            "VERIFY_SSL",
            "APP_INSECURE_TLS",
            "LD_PRELOAD",
            "PATH",
            "GITHUB_ENV",
            "RUNNER_TEMP",
            "NODE_OPTIONS",
            "lower",
            "A-B",
            "PYTHONPATH",
            "PIP_INDEX_URL",
            "CI",
        ] {
            assert_eq!(
                check_name(bad).unwrap_err().id.as_str(),
                "env-denied",
                "{bad}"
            );
        }
        for good in [
            "GITHUB_TOKEN",
            "OCR_HOST",
            "DATABASE_URL",
            "API_BASE",
            "WORKERS",
            "SERVICE_URL",
            "REDIS_URL",
            "OPENAI_API_KEY",
            "SECRET_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            check_name(good).unwrap_or_else(|r| panic!("{good}: {r}"));
        }
    }

    #[test]
    fn secret_names() {
        assert!(secret_like("API_KEY"));
        assert!(secret_like("NPM_TOKEN"));
        assert!(secret_like("DB_PASSWORD"));
        assert!(!secret_like("OCR_HOST"));
    }

    #[test]
    fn defaults_must_be_plain() {
        assert!(acceptable_default("localhost:8000"));
        assert!(!acceptable_default("a: b"));
        assert!(!acceptable_default("${{ secrets.X }}"));
        assert!(!acceptable_default("x\u{202e}"));
        assert!(!acceptable_default(&"a".repeat(300)));
    }
}
