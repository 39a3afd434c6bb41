//! `action-input-missing`
//!
//! **What it does.** When an action step fails because a required input was
//! not given (`Input required and not supplied: token`, or the action's own
//! words: `API key and secret required`, `Parameter token is required` from
//! its bundled `dist/index.js`), it adds the input to that step's `with:`:
//! `${{ github.token }}` for a GitHub token, `${{ secrets.NAME }}` (the input
//! in SCREAMING_SNAKE_CASE) for a credential; other inputs get advice, as
//! only the author knows their value.
//!
//! **Why.** The most common "environment" failure on GitHub Actions, and the
//! one the log names most exactly. The log says which input; the workflow
//! says which step: the one that uses that action, singled out by the
//! `with:` values the runner echoes under the step's `Run owner/action@ref`
//! header when the job uses the action twice.
//!
//! **Example.** `uses: codecov/codecov-action@v4` / `with:` gains
//! `token: ${{ secrets.CODECOV_TOKEN }}`.
//!
//! **Fix safety.** Safe: the value is one of the three allowed expressions
//! for a validated name; the input must be named exactly by the tool or be
//! an input the action declares (the embedded table of action inputs); the
//! step must use the action the log names. Never added to `env:`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::edit::{Applicability, DecidedBy, Evidence, Fix, Refusal, quoted};
use super::workflow::{self, Seg, Step, Workflow};
use super::workspace::Workspace;
use super::{FixOptions, Fixer, ReasonCode};
use crate::classify::{Category, Diagnosis};

pub struct ActionInputMissing;

pub(super) const ID: &str = "action-input-missing";

/// One input of an action, from `data/action_inputs.tsv` or the action's
/// own `action.yml` read at the step's ref (GitHub mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: Cow<'static, str>,
    pub required: bool,
    pub default: Cow<'static, str>,
    pub description: Cow<'static, str>,
}

/// Inputs an `action.yml` declares; None when it is not one.
pub fn manifest_inputs(text: &str) -> Option<Vec<Input>> {
    let v: yaml_serde::Value = yaml_serde::from_str(text).ok()?;
    let inputs = v.get("inputs")?.as_mapping()?;
    let scalar = |v: Option<&yaml_serde::Value>| -> String {
        match v {
            Some(yaml_serde::Value::String(s)) => s.clone(),
            Some(yaml_serde::Value::Bool(b)) => b.to_string(),
            Some(yaml_serde::Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let mut out = Vec::new();
    for (k, spec) in inputs.iter().take(MAX_MANIFEST_INPUTS) {
        let Some(name) = k.as_str().filter(|n| valid_input(n)) else {
            continue;
        };
        let required = matches!(spec.get("required"), Some(yaml_serde::Value::Bool(true)))
            || scalar(spec.get("required")) == "true";
        let cut = |s: String| -> Cow<'static, str> { Cow::Owned(s.chars().take(300).collect()) };
        out.push(Input {
            name: Cow::Owned(name.to_string()),
            required,
            default: cut(scalar(spec.get("default"))),
            description: cut(scalar(spec.get("description")).replace('\n', " ")),
        });
    }
    Some(out)
}

/// Inputs read from one `action.yml`, at most.
const MAX_MANIFEST_INPUTS: usize = 200;

/// action (`owner/name[/path]`, lowercase) → its inputs.
pub static ACTION_INPUTS: LazyLock<HashMap<String, Vec<Input>>> = LazyLock::new(|| {
    let mut m: HashMap<String, Vec<Input>> = HashMap::new();
    for line in crate::tables::ACTION_INPUTS.text().lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(action), Some(name), Some(required)) = (cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        let default = cols.next().unwrap_or("");
        let description = cols.next().unwrap_or("");
        m.entry(action.to_ascii_lowercase())
            .or_default()
            .push(Input {
                name: Cow::Borrowed(name),
                required: required == "true",
                default: Cow::Borrowed(default),
                description: Cow::Borrowed(description),
            });
    }
    m
});

/// `owner/name[/path]@ref` as a step's `uses:` or the log's `Run` header has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActionRef {
    /// Lowercase `owner/name[/path]`.
    action: String,
    git_ref: Option<String>,
}

impl ActionRef {
    fn parse(s: &str) -> Option<ActionRef> {
        let s = s.trim();
        if s.starts_with("./") || s.starts_with("docker://") || !s.contains('/') {
            return None;
        }
        let (action, git_ref) = match s.split_once('@') {
            Some((a, r)) => (a, Some(r.to_string())),
            None => (s, None),
        };
        let ok = action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            && !action.contains("..");
        ok.then(|| ActionRef {
            action: action.to_ascii_lowercase(),
            git_ref,
        })
    }
}

/// The bundle of an action in a stack trace: `_actions/owner/name/ref/`.
static ACTIONS_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/_actions/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/").expect("regex")
});

/// The action the failing step ran, as the log names it.
fn failing_action(d: &Diagnosis) -> Option<ActionRef> {
    let step = d.failure.step.trim();
    [
        step.strip_prefix("Run "),
        d.failure.command.as_deref(),
        d.facts.command.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(|s| ActionRef::parse(s.lines().next().unwrap_or("")))
    .or_else(|| {
        let c = ACTIONS_PATH.captures(&d.failure.region)?;
        Some(ActionRef {
            action: format!("{}/{}", &c[1], &c[2]).to_ascii_lowercase(),
            git_ref: Some(c[3].to_string()),
        })
    })
}

/// The `with:` values the runner echoes under a `Run owner/action@ref` header.
fn echoed_with(region: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in region.lines() {
        if line.trim_end() == "with:" {
            inside = true;
            out.clear();
            continue;
        }
        if inside {
            match line.strip_prefix("  ").and_then(|l| l.split_once(": ")) {
                Some((k, v)) if !k.starts_with(' ') => {
                    out.push((k.to_string(), v.trim().to_string()));
                }
                _ => inside = line.starts_with("    "),
            }
        }
    }
    out
}

/// Words of a message, lowercase.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// The inputs a message asks for, among the action's declared inputs that
/// have no default: each of the input's name parts appears in the message.
fn inputs_named_by<'i>(message: &str, inputs: &'i [Input]) -> Vec<&'i str> {
    let msg = words(message);
    let asks = msg.iter().any(|w| {
        matches!(
            w.as_str(),
            "required"
                | "missing"
                | "provide"
                | "provided"
                | "supplied"
                | "set"
                | "specify"
                | "specified"
                | "empty"
        )
    });
    if !asks {
        return Vec::new();
    }
    inputs
        .iter()
        .filter(|i| i.default.is_empty())
        .filter(|i| {
            let parts = words(&split_camel(&i.name));
            !parts.is_empty() && parts.iter().all(|p| msg.contains(p))
        })
        .map(|i| i.name.as_ref())
        .collect()
}

/// `apiToken` → `api Token`: an input's camelCase parts are words too.
fn split_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

fn valid_input(input: &str) -> bool {
    let b = input.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// A GitHub token input: by name (`github-token`, `repo-token`), or a plain
/// `token` that the action itself describes as a GitHub token.
fn is_github_token(input: &str, decl: Option<&Input>) -> bool {
    let lower = input.to_ascii_lowercase();
    let described = decl.is_some_and(|d| {
        let text = format!("{} {}", d.default, d.description).to_ascii_lowercase();
        text.contains("github.token")
            || text.contains("github_token")
            || text.contains("github token")
            || words(&text).iter().any(|w| w == "pat")
    });
    match lower.as_str() {
        "github-token" | "github_token" | "repo-token" | "repo_token" | "gh-token" => true,
        "token" => described,
        _ => false,
    }
}

/// The secret an input's value is read from: the input in SCREAMING_SNAKE_CASE,
/// prefixed with the action's name when the input is one bare word
/// (`codecov/codecov-action`'s `token` → `CODECOV_TOKEN`).
fn secret_name(input: &str, action: &str) -> String {
    let base = input.to_ascii_uppercase().replace('-', "_");
    if base.contains('_') {
        return base;
    }
    let name = action.split('/').nth(1).unwrap_or("");
    let name = name.strip_suffix("-action").unwrap_or(name);
    let prefix: String = name
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if prefix.is_empty() || !prefix.as_bytes()[0].is_ascii_alphabetic() {
        base
    } else {
        format!("{prefix}_{base}")
    }
}

impl Fixer for ActionInputMissing {
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
        let logged = failing_action(d);
        if logged.is_none() && d.facts.action_input.is_none() {
            return Ok(None);
        }
        let (wf, job) = workflow::locate(ws, d, opts)?;
        // The workflow's step named as the log names it says which action,
        // when the log's header gave the step's name rather than its `uses:`.
        let action = match logged.or_else(|| named_step_action(&wf, &job, d)) {
            Some(a) => a,
            None => return Ok(None),
        };
        let table = ACTION_INPUTS.get(&action.action).map(Vec::as_slice);
        // An action the table does not know, or an input it does not list
        // (a newer version): in GitHub mode, the action's own `action.yml`
        // at the ref the workflow's step uses (never the log's ref).
        let fetched = match (&opts.action_manifests, table) {
            (Some(source), t)
                if t.is_none()
                    || d.facts
                        .action_input
                        .as_deref()
                        .is_some_and(|i| !t.unwrap_or_default().iter().any(|x| x.name == i)) =>
            {
                let step = find_step(&wf, &job, d, &action)?;
                step_ref(&wf, &job, step)
                    .and_then(|r| Some((source.read(&action.action, &r)?, r)))
                    .and_then(|(text, r)| Some((manifest_inputs(&text)?, r)))
            }
            _ => None,
        };
        let declared: Option<&[Input]> = fetched.as_ref().map(|(v, _)| v.as_slice()).or(table);
        // The exact runner message decides; else the action's own words
        // matched against the inputs it declares.
        let (names, decided) = match d.facts.action_input.as_deref() {
            // The runner's words, confirmed by the action's declaration.
            Some(i) if declared.is_some_and(|d| d.iter().any(|x| x.name == i)) => {
                (vec![i.to_string()], DecidedBy::Workspace)
            }
            Some(i) => (vec![i.to_string()], DecidedBy::ToolMessage),
            None => {
                let Some(inputs) = declared else {
                    return Ok(None);
                };
                let named = inputs_named_by(&d.failure.error_line, inputs);
                if named.is_empty() {
                    return Ok(None);
                }
                (
                    named.into_iter().map(str::to_string).collect(),
                    DecidedBy::Workspace,
                )
            }
        };
        for n in &names {
            if !valid_input(n) {
                return Err(Refusal::new(
                    ReasonCode::EnvDenied,
                    format!("{} is not a valid action input name", quoted(n)),
                ));
            }
            // The action's own declaration outranks the log's claim.
            if let Some(inputs) = declared
                && !inputs.iter().any(|i| i.name == n.as_str())
            {
                return Err(Refusal::new(
                    ReasonCode::NoEvidence,
                    format!(
                        "{} declares no input {}; the log's claim is not the action's",
                        action.action,
                        quoted(n)
                    ),
                ));
            }
        }
        let step = find_step(&wf, &job, d, &action)?;
        let jv = wf.value.get("jobs").and_then(|j| j.get(job.id.as_str()));
        let step_value = jv
            .and_then(|j| j.get("steps"))
            .and_then(|s| s.get(step.index));
        let with_keys = workflow::keys_of(step_value.and_then(|s| s.get("with")));
        let missing: Vec<&String> = names.iter().filter(|n| !with_keys.contains(n)).collect();
        if missing.is_empty() {
            return Err(Refusal::already(format!(
                "the input {} is already given to the step in {}",
                names.join(", "),
                wf.path
            )));
        }
        let keys = wf.step_keys(step);
        let uses_line = keys
            .iter()
            .find(|(k, _)| k == "uses")
            .map(|(_, l)| *l)
            .unwrap_or(step.line);
        let evidence = {
            let uses = step_value
                .and_then(|s| s.get("uses"))
                .and_then(|u| u.as_str())
                .unwrap_or("");
            let e =
                Evidence::of(decided).at(&wf.path, uses_line as u64 + 1, &format!("uses: {uses}"));
            let manifest = match &fetched {
                Some((_, r)) => format!("{}/action.yml@{r}", action.action),
                None => format!("{}/action.yml", action.action),
            };
            match declared.and_then(|inputs| inputs.iter().find(|i| i.name == missing[0].as_str()))
            {
                Some(i) => e.at(
                    &manifest,
                    0,
                    &format!(
                        "input `{}` (required: {}): {}",
                        i.name, i.required, i.description
                    ),
                ),
                None => e,
            }
        };
        let mut values = Vec::new();
        for input in &missing {
            let decl = declared.and_then(|inputs| inputs.iter().find(|i| i.name == input.as_str()));
            let value = if is_github_token(input, decl) {
                "${{ github.token }}".to_string()
            } else if credential(input, decl) {
                let secret = secret_name(input, &action.action);
                if secret.len() > 64 || secret.starts_with("GITHUB_") {
                    return Err(Refusal::new(
                        ReasonCode::EnvDenied,
                        format!("refusing the secret name {}", quoted(&secret)),
                    ));
                }
                format!("${{{{ secrets.{secret} }}}}")
            } else {
                // A plain input (a path, a version): only the author knows its value.
                return Ok(Some(
                    Fix::advice(
                        ID,
                        format!(
                            "Give the step `uses: {}` of job `{}` in {} the required input `{input}:` in its `with:`",
                            action.action, job.id, wf.path
                        ),
                    )
                    .with_evidence(evidence),
                ));
            };
            values.push(((*input).clone(), value));
        }
        let end = keys.last().map_or(step.line + 1, |(_, l)| wf.block_end(*l));
        if wf.has_aliases(step.line, end) {
            return Err(Refusal::new(
                ReasonCode::Alias,
                format!("the step in {} uses YAML anchors or aliases", wf.path),
            ));
        }
        let mut current = wf.clone();
        for (input, value) in &values {
            let cjob = current
                .jobs()?
                .into_iter()
                .find(|j| j.id == job.id)
                .ok_or_else(|| {
                    Refusal::new(ReasonCode::ComplexWorkflow, "the job moved while editing")
                })?;
            let cstep = current
                .steps(&cjob)
                .into_iter()
                .find(|s| s.index == step.index)
                .ok_or_else(|| {
                    Refusal::new(ReasonCode::ComplexWorkflow, "the step moved while editing")
                })?;
            let ckeys = current.step_keys(cstep);
            let with_line = ckeys.iter().find(|(k, _)| k == "with").map(|(_, l)| *l);
            let cuses = ckeys
                .iter()
                .find(|(k, _)| k == "uses")
                .map(|(_, l)| *l)
                .unwrap_or(cstep.line);
            let edit =
                current.add_entry(with_line, ("with", cuses, cstep.key_col), input, value)?;
            let new_text = workflow::apply_one(&current.text, &edit);
            let path = [
                Seg::Key("jobs".into()),
                Seg::Key(job.id.clone()),
                Seg::Key("steps".into()),
                Seg::Index(step.index),
                Seg::Key("with".into()),
            ];
            current.verify_added(&new_text, &path, input, value, with_line.is_none())?;
            current = Workflow::from_text(&wf.path, new_text)?;
        }
        let Some(edit) = super::Edit::between(&wf.path, &wf.text, &current.text) else {
            return Ok(None);
        };
        let described: Vec<String> = values
            .iter()
            .map(|(i, v)| format!("{i} as `{v}`"))
            .collect();
        Ok(Some(Fix {
            fixer: ID,
            description: format!(
                "Give the step `uses: {}` of job `{}` in {} the input {}",
                action.action,
                job.id,
                wf.path,
                described.join(" and ")
            ),
            applicability: Applicability::Safe,
            edits: vec![edit],
            evidence,
        }))
    }
}

/// The ref in the `uses:` of the workflow's step.
fn step_ref(wf: &Workflow, job: &workflow::Job, step: Step) -> Option<String> {
    let uses = wf
        .value
        .get("jobs")?
        .get(job.id.as_str())?
        .get("steps")?
        .get(step.index)?
        .get("uses")?
        .as_str()?;
    ActionRef::parse(uses)?.git_ref
}

/// A credential input: by its name's words, or the action's description.
fn credential(input: &str, decl: Option<&Input>) -> bool {
    let secret = input.to_ascii_uppercase().replace('-', "_");
    super::env_var_unset::secret_like(&secret)
        || decl.is_some_and(|d| {
            let t = d.description.to_ascii_lowercase();
            ["token", "api key", "secret", "password", "credential"]
                .iter()
                .any(|w| t.contains(w))
        })
}

/// The action of the step the log names by its `name:`.
fn named_step_action(wf: &Workflow, job: &workflow::Job, d: &Diagnosis) -> Option<ActionRef> {
    let failing = d.failure.step.trim();
    let steps = wf.value.get("jobs")?.get(job.id.as_str())?.get("steps")?;
    let yaml_serde::Value::Sequence(steps) = steps else {
        return None;
    };
    let mut named = steps
        .iter()
        .filter(|s| s.get("name").and_then(|n| n.as_str()) == Some(failing));
    let one = named.next()?;
    if named.next().is_some() {
        return None;
    }
    ActionRef::parse(one.get("uses")?.as_str()?)
}

/// The step of `job` that ran the failing action: by the log's step name,
/// then among the steps using that action (the logged ref first), singled
/// out by the `with:` values the runner echoed.
fn find_step(
    wf: &Workflow,
    job: &workflow::Job,
    d: &Diagnosis,
    action: &ActionRef,
) -> Result<Step, Refusal> {
    let jv = wf.value.get("jobs").and_then(|j| j.get(job.id.as_str()));
    let value = |i: usize| jv.and_then(|j| j.get("steps")).and_then(|s| s.get(i));
    let steps = wf.steps(job);
    let failing = d.failure.step.trim();
    let named: Vec<Step> = steps
        .iter()
        .filter(|s| {
            value(s.index)
                .and_then(|v| v.get("name"))
                .and_then(|n| n.as_str())
                == Some(failing)
        })
        .copied()
        .collect();
    if let [one] = named[..] {
        return Ok(one);
    }
    let using: Vec<(Step, ActionRef)> = steps
        .iter()
        .filter_map(|s| {
            let uses = value(s.index)?.get("uses")?.as_str()?;
            let r = ActionRef::parse(uses)?;
            (r.action == action.action).then_some((*s, r))
        })
        .collect();
    let same_ref: Vec<&(Step, ActionRef)> = using
        .iter()
        .filter(|(_, r)| action.git_ref.is_some() && r.git_ref == action.git_ref)
        .collect();
    let pool: Vec<&(Step, ActionRef)> = if same_ref.is_empty() {
        using.iter().collect()
    } else {
        same_ref
    };
    if let [one] = pool[..] {
        return Ok(one.0);
    }
    // Several: the echoed `with:` must agree with every literal the step sets.
    let echoed = echoed_with(&d.failure.region);
    if !echoed.is_empty() {
        let agree: Vec<Step> = pool
            .iter()
            .filter(|(s, _)| {
                let with = value(s.index).and_then(|v| v.get("with"));
                workflow::keys_of(with).iter().all(|k| {
                    let lit = with.and_then(|w| w.get(k.as_str())).and_then(|v| match v {
                        yaml_serde::Value::String(s) => Some(s.clone()),
                        yaml_serde::Value::Number(n) => Some(n.to_string()),
                        yaml_serde::Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    });
                    match lit {
                        // An expression or a secret is echoed evaluated or masked.
                        Some(l) if !l.contains("${{") => {
                            echoed.iter().any(|(ek, ev)| ek == k && ev == l.trim())
                        }
                        _ => echoed.iter().any(|(ek, _)| ek == k),
                    }
                })
            })
            .map(|(s, _)| *s)
            .collect();
        if let [one] = agree[..] {
            return Ok(one);
        }
    }
    Err(Refusal::new(
        ReasonCode::AmbiguousWorkflow,
        format!(
            "cannot tell which step of job `{}` in {} runs {}",
            job.id,
            wf.path,
            quoted(&action.action)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_refs() {
        let r = ActionRef::parse("Codecov/codecov-action@v4").unwrap();
        assert_eq!(
            (r.action.as_str(), r.git_ref.as_deref()),
            ("codecov/codecov-action", Some("v4"))
        );
        assert!(ActionRef::parse("./local").is_none());
        assert!(ActionRef::parse("pytest -q").is_none());
        assert_eq!(
            ActionRef::parse("github/codeql-action/init@v3")
                .unwrap()
                .action,
            "github/codeql-action/init"
        );
    }

    #[test]
    fn echoed_inputs() {
        let region = "Run actions/checkout@v4\nwith:\n  repository: a/b\n  path: tools\n  token: ***\nSyncing\n";
        assert_eq!(
            echoed_with(region),
            [
                ("repository".to_string(), "a/b".to_string()),
                ("path".into(), "tools".into()),
                ("token".into(), "***".into())
            ]
        );
    }

    #[test]
    fn secret_names() {
        assert_eq!(
            secret_name("token", "codecov/codecov-action"),
            "CODECOV_TOKEN"
        );
        assert_eq!(secret_name("api-key", "x/y"), "API_KEY");
        assert!(is_github_token("github-token", None));
        assert!(!is_github_token("token", None));
    }

    #[test]
    fn message_words_name_inputs() {
        let inputs = manifest_inputs(
            "inputs:\n  api-key:\n    required: true\n  api-secret:\n    required: 'true'\n  region:\n    default: us\n  bad name:\n    required: true\n",
        )
        .unwrap();
        assert_eq!(
            inputs
                .iter()
                .map(|i| (i.name.as_ref(), i.required))
                .collect::<Vec<_>>(),
            [("api-key", true), ("api-secret", true), ("region", false)]
        );
        assert_eq!(manifest_inputs("runs: {using: node20}"), None);
        assert_eq!(
            inputs_named_by("Error: API key and secret required", &inputs),
            ["api-key", "api-secret"]
        );
        assert!(inputs_named_by("Error: API key rotated", &inputs).is_empty());
    }
}
