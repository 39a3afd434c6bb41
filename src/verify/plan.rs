//! What a verification re-runs, read from the workflow file, never the log.
//!
//! The log only points at the failed step (its title, or the file the step
//! wrote the log to); the script, its shell, its working directory and its
//! environment come from the workflow as it is in the workspace. What the
//! runner would have evaluated and we cannot evaluate safely is a skip with
//! its reason, not a guess: an expression other than the `vars` forms autoheal
//! itself writes, a secret, an action step, a shell we do not run.

use std::path::Path;

use regex::Regex;
use yaml_serde::Value;

use crate::classify::Diagnosis;
use crate::fix::apply::FileChange;
use crate::fix::workflow::{self, Job, Step, Workflow};

/// Why a verification did not run, as a stable id and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub id: &'static str,
    pub detail: String,
}

impl Skip {
    pub fn new(id: &'static str, detail: impl Into<String>) -> Skip {
        Skip {
            id,
            detail: detail.into(),
        }
    }
}

/// One step to re-run, as the runner would run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The step's title (`name:`, else `Run <first line>`).
    pub title: String,
    /// The `run:` text.
    pub run: String,
    /// The program and its arguments; `{0}` stands for the script file.
    pub shell: Vec<String>,
    /// The script file's extension (`.sh`, `.py`).
    pub ext: &'static str,
    /// Repository-relative working directory (`""` for the root).
    pub workdir: String,
    /// The workflow's, job's and step's `env:`, evaluated, in that order.
    pub env: Vec<(String, String)>,
}

/// The step of `job` that failed. The log's step title decides when the log
/// has one; a plain log (`pytest | tee pytest.log`) is matched to the one
/// `run:` step that mentions its file name.
pub fn failed_step(
    wf: &Workflow,
    job: &Job,
    d: &Diagnosis,
    log_names: &[String],
) -> Result<Step, Skip> {
    let by_title = workflow::failing_steps(wf, job, d);
    if by_title.len() == 1 {
        return Ok(by_title[0]);
    }
    if by_title.len() > 1 {
        return Err(Skip::new(
            "step-unknown",
            format!(
                "{} steps of job {} match the log's step",
                by_title.len(),
                job.id
            ),
        ));
    }
    let steps = wf.steps(job);
    let writes_log: Vec<Step> = steps
        .iter()
        .copied()
        .filter(|s| {
            wf.step_run(job, *s).is_some_and(|run| {
                log_names
                    .iter()
                    .any(|n| n.len() >= 3 && mentions_file(&run, n))
            })
        })
        .collect();
    match writes_log.len() {
        1 => Ok(writes_log[0]),
        0 => Err(Skip::new(
            "step-unknown",
            format!(
                "no step of job {} matches the log's step or writes the log file",
                job.id
            ),
        )),
        n => Err(Skip::new(
            "step-unknown",
            format!("{n} steps of job {} write the log file", job.id),
        )),
    }
}

/// `tee pytest.log`, `> logs/pytest.log`: the name as a whole word.
fn mentions_file(run: &str, name: &str) -> bool {
    run.match_indices(name).any(|(i, _)| {
        let before = run[..i].chars().next_back();
        let after = run[i + name.len()..].chars().next();
        before.is_none_or(|c| c.is_whitespace() || "/'\"=>".contains(c))
            && after.is_none_or(|c| c.is_whitespace() || "'\";|&)".contains(c))
    })
}

fn step_value<'a>(wf: &'a Workflow, job: &Job, step: Step) -> Option<&'a Value> {
    wf.value
        .get("jobs")?
        .get(job.id.as_str())?
        .get("steps")?
        .get(step.index)
}

fn job_value<'a>(wf: &'a Workflow, job: &Job) -> Option<&'a Value> {
    wf.value.get("jobs")?.get(job.id.as_str())
}

/// GitHub's title of a step.
pub fn title(wf: &Workflow, job: &Job, step: Step) -> String {
    let v = step_value(wf, job, step);
    if let Some(n) = v.and_then(|v| v.get("name")).and_then(Value::as_str) {
        return n.to_string();
    }
    if let Some(run) = v.and_then(|v| v.get("run")).and_then(Value::as_str) {
        let first = run.lines().map(str::trim).find(|l| !l.is_empty());
        return format!("Run {}", first.unwrap_or(""));
    }
    if let Some(uses) = v.and_then(|v| v.get("uses")).and_then(Value::as_str) {
        return format!("Run {uses}");
    }
    format!("step {}", step.index + 1)
}

/// The step as a script to run, with `vars` (the repository's Actions
/// variables as JSON, `${{ toJSON(vars) }}`) for `${{ vars.X }}`.
pub fn script(
    wf: &Workflow,
    job: &Job,
    step: Step,
    vars: &serde_json::Map<String, serde_json::Value>,
) -> Result<Script, Skip> {
    let v = step_value(wf, job, step)
        .ok_or_else(|| Skip::new("step-unknown", "the step is not in the workflow"))?;
    let title = title(wf, job, step);
    if v.get("uses").is_some() {
        return Err(Skip::new(
            "action-step",
            format!(
                "{} uses an action; only run: steps are re-run",
                quote(&title)
            ),
        ));
    }
    let run = v
        .get("run")
        .and_then(Value::as_str)
        .ok_or_else(|| Skip::new("step-unknown", format!("{} has no run:", quote(&title))))?;
    if run.contains("${{") {
        return Err(Skip::new(
            "expression",
            format!(
                "the run: of {} holds a ${{{{ }}}} expression the runner would have expanded",
                quote(&title)
            ),
        ));
    }
    let jv = job_value(wf, job);
    let defaults = |root: Option<&Value>, key: &str| -> Option<Value> {
        root?.get("defaults")?.get("run")?.get(key).cloned()
    };
    let setting = |key: &str| -> Option<Value> {
        v.get(key)
            .cloned()
            .or_else(|| defaults(jv, key))
            .or_else(|| defaults(Some(&wf.value), key))
    };
    let (shell, ext) = match setting("shell") {
        None => (words("bash -e {0}"), ".sh"),
        Some(Value::String(s)) => shell_command(&s)?,
        Some(_) => return Err(Skip::new("shell", "shell: is not a string")),
    };
    let workdir = match setting("working-directory") {
        None => String::new(),
        Some(Value::String(s)) => workdir(&s)?,
        Some(_) => return Err(Skip::new("working-directory", "not a string")),
    };
    let mut env = Vec::new();
    for scope in [Some(&wf.value), jv, Some(v)] {
        let Some(map) = scope.and_then(|s| s.get("env")) else {
            continue;
        };
        let Value::Mapping(map) = map else {
            return Err(Skip::new("expression", "an env: that is not a mapping"));
        };
        for (k, val) in map {
            let Some(k) = k.as_str() else { continue };
            let text = match val {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => return Err(Skip::new("expression", format!("env {k} is not a scalar"))),
            };
            let value = evaluate(k, &text, vars)?;
            env.retain(|(name, _): &(String, String)| name != k);
            env.push((k.to_string(), value));
        }
    }
    Ok(Script {
        title,
        run: run.to_string(),
        shell,
        ext,
        workdir,
        env,
    })
}

fn quote(s: &str) -> String {
    crate::fix::edit::quoted(s)
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// GitHub's shells for Linux runners, and custom `program args {0}` ones.
fn shell_command(s: &str) -> Result<(Vec<String>, &'static str), Skip> {
    let s = s.trim();
    Ok(match s {
        "bash" => (words("bash --noprofile --norc -eo pipefail {0}"), ".sh"),
        "sh" => (words("sh -e {0}"), ".sh"),
        "python" => (words("python {0}"), ".py"),
        _ if s.contains("${{") => {
            return Err(Skip::new("expression", "shell: holds an expression"));
        }
        _ if s.contains("{0}") && !s.starts_with("pwsh") && !s.starts_with("powershell") => {
            (words(s), "")
        }
        _ => {
            return Err(Skip::new(
                "shell",
                format!("shell {} is not re-run here", quote(s)),
            ));
        }
    })
}

fn workdir(s: &str) -> Result<String, Skip> {
    if s.contains("${{") {
        return Err(Skip::new(
            "expression",
            "working-directory holds an expression",
        ));
    }
    let p = Path::new(s.trim());
    let inside = p.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if !inside {
        return Err(Skip::new(
            "working-directory",
            format!("working-directory {} is not inside the workspace", quote(s)),
        ));
    }
    Ok(s.trim().trim_start_matches("./").to_string())
}

/// A literal, or one of the forms autoheal writes: `${{ vars.X }}` and
/// `${{ vars.X || 'default' }}`. A secret is never passed on; any other
/// expression is not guessed at.
fn evaluate(
    key: &str,
    text: &str,
    vars: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, Skip> {
    if !text.contains("${{") {
        return Ok(text.to_string());
    }
    if text.contains("secrets.") || text.contains("github.token") {
        return Err(Skip::new(
            "needs-secret",
            format!("env {key} takes a secret; secrets are never passed to a re-run"),
        ));
    }
    let re = vars_form();
    let Some(c) = re.captures(text.trim()) else {
        return Err(Skip::new(
            "expression",
            format!(
                "env {key} is {}, an expression not evaluated here",
                quote(text)
            ),
        ));
    };
    let name = &c[1];
    let set = vars
        .get(name)
        .and_then(|v| v.as_str())
        .filter(|v| !v.is_empty());
    Ok(match (set, c.get(2)) {
        (Some(v), _) => v.to_string(),
        (None, Some(d)) => d.as_str().replace("''", "'"),
        (None, None) => String::new(),
    })
}

fn vars_form() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^\$\{\{\s*vars\.([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\|\s*'((?:[^']|'')*)'\s*)?\}\}$",
        )
        .expect("static regex")
    })
}

/// The install step a fix changed, before the failed step in the same job:
/// the edited `pip install` step itself, or the step that installs from the
/// edited requirements file or `pyproject.toml`. `Ok(None)`: the fix changed
/// no install.
pub fn install_step(
    wf: &Workflow,
    job: &Job,
    failed: Step,
    changes: &[FileChange],
) -> Result<Option<Step>, Skip> {
    let before: Vec<Step> = wf
        .steps(job)
        .into_iter()
        .filter(|s| s.index < failed.index)
        .collect();
    let installs = |s: &Step, pred: &dyn Fn(&str) -> bool| {
        wf.step_run(job, *s)
            .is_some_and(|run| run.lines().any(|l| is_pip_install(l) && pred(l)))
    };
    let mut wanted: Vec<Step> = Vec::new();
    let mut deps_changed = false;
    for c in changes {
        if c.path == wf.path {
            // The edited lines: the steps whose span they fall in.
            let (old, new) = (
                String::from_utf8_lossy(&c.old),
                String::from_utf8_lossy(&c.new),
            );
            let changed_line = first_changed_line(&old, &new);
            for s in &before {
                let end = step_end(wf, job, *s);
                if (s.line..end).contains(&changed_line) && installs(s, &|_| true) {
                    wanted.push(*s);
                }
            }
            continue;
        }
        let file = c.path.as_str();
        if file.ends_with("pyproject.toml") || file.ends_with("setup.cfg") {
            deps_changed = true;
            let dir = Path::new(file)
                .parent()
                .map(|p| p.to_string_lossy().to_string())
                .unwrap_or_default();
            let found: Vec<Step> = before
                .iter()
                .copied()
                .filter(|s| installs(s, &|l| installs_project(l, &dir)))
                .collect();
            wanted.extend(found);
        } else if file.ends_with(".txt") || file.ends_with(".in") {
            deps_changed = true;
            let found: Vec<Step> = before
                .iter()
                .copied()
                .filter(|s| installs(s, &|l| installs_requirements(l, file)))
                .collect();
            wanted.extend(found);
        }
    }
    wanted.sort_by_key(|s| s.index);
    wanted.dedup();
    match wanted.len() {
        0 if deps_changed => Err(Skip::new(
            "no-install-step",
            format!(
                "no step of job {} before the failed one installs the edited file",
                job.id
            ),
        )),
        0 => Ok(None),
        1 => Ok(Some(wanted[0])),
        n => Err(Skip::new(
            "no-install-step",
            format!("{n} steps install the edited dependencies"),
        )),
    }
}

fn is_pip_install(line: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    w.windows(2)
        .any(|p| p[0].ends_with("pip") && p[1] == "install")
        || w.windows(4)
            .any(|p| p[1] == "-m" && p[2] == "pip" && p[3] == "install")
}

fn installs_requirements(line: &str, file: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    w.iter().enumerate().any(|(i, t)| {
        let arg = if *t == "-r" || *t == "--requirement" {
            w.get(i + 1).copied()
        } else {
            t.strip_prefix("-r")
                .or_else(|| t.strip_prefix("--requirement="))
                .filter(|a| !a.is_empty())
        };
        arg.is_some_and(|a| a.trim_start_matches("./") == file)
    })
}

fn installs_project(line: &str, dir: &str) -> bool {
    let want = if dir.is_empty() { "." } else { dir };
    line.split_whitespace().any(|t| {
        let t = t.trim_matches(|c| c == '"' || c == '\'');
        let base = t.split('[').next().unwrap_or(t).trim_end_matches('/');
        let base = base.strip_prefix("./").unwrap_or(base);
        base == want || (want == "." && base.is_empty() && t.starts_with("./"))
    })
}

/// 0-based index of the first line that differs.
fn first_changed_line(old: &str, new: &str) -> usize {
    old.lines()
        .zip(new.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| old.lines().count().min(new.lines().count()))
}

/// First line after a step's block.
fn step_end(wf: &Workflow, job: &Job, s: Step) -> usize {
    let steps = wf.steps(job);
    steps
        .iter()
        .find(|x| x.index == s.index + 1)
        .map(|x| x.line)
        .unwrap_or_else(|| {
            wf.child(job.line, "steps")
                .map(|l| wf.block_end(l))
                .unwrap_or(wf.lines.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(json: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn only_the_forms_autoheal_writes_are_evaluated() {
        let v = vars(r#"{"OCR_HOST":"http://127.0.0.1:9"}"#);
        assert_eq!(evaluate("A", "plain", &v).unwrap(), "plain");
        assert_eq!(
            evaluate("A", "${{ vars.OCR_HOST }}", &v).unwrap(),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            evaluate("A", "${{ vars.NOPE || 'it''s' }}", &v).unwrap(),
            "it's"
        );
        assert_eq!(evaluate("A", "${{ vars.NOPE }}", &v).unwrap(), "");
        assert_eq!(
            evaluate("A", "${{ secrets.TOKEN }}", &v).unwrap_err().id,
            "needs-secret"
        );
        assert_eq!(
            evaluate("A", "${{ github.token }}", &v).unwrap_err().id,
            "needs-secret"
        );
        assert_eq!(
            evaluate("A", "${{ matrix.py }}", &v).unwrap_err().id,
            "expression"
        );
        assert_eq!(
            evaluate("A", "x-${{ vars.OCR_HOST }}", &v).unwrap_err().id,
            "expression"
        );
    }

    #[test]
    fn install_lines_and_files() {
        assert!(is_pip_install("pip install requests"));
        assert!(is_pip_install("python -m pip install -r req.txt"));
        assert!(!is_pip_install("pipx run x"));
        assert!(installs_requirements(
            "pip install -r requirements.txt",
            "requirements.txt"
        ));
        assert!(installs_requirements(
            "pip install -rci/req.txt",
            "ci/req.txt"
        ));
        assert!(!installs_requirements("pip install -r dev.txt", "req.txt"));
        assert!(installs_project("pip install -e .[test]", ""));
        assert!(installs_project("pip install .", ""));
        assert!(!installs_project("pip install pytest", ""));
    }

    #[test]
    fn the_step_that_writes_the_log() {
        assert!(mentions_file("pytest 2>&1 | tee pytest.log", "pytest.log"));
        assert!(mentions_file("pytest > logs/pytest.log", "pytest.log"));
        assert!(!mentions_file("cat mypytest.log.bak", "pytest.log"));
    }

    #[test]
    fn what_is_not_rerun_says_why() {
        let text = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      A: \"1\"\n    defaults:\n      run:\n        working-directory: app\n    steps:\n      - uses: actions/setup-python@v5\n      - run: echo ${{ github.sha }}\n      - run: Get-Item x\n        shell: pwsh\n      - run: pytest\n        env:\n          KEY: ${{ secrets.KEY }}\n      - run: pytest\n        shell: bash\n        env:\n          HOST: ${{ vars.HOST || 'http://localhost:8000' }}\n";
        let wf = Workflow::from_text(".github/workflows/ci.yml", text.to_string()).expect("parses");
        let job = wf.jobs().expect("jobs").remove(0);
        let steps = wf.steps(&job);
        let v = vars("{}");
        let id = |i: usize| script(&wf, &job, steps[i], &v).expect_err("skipped").id;
        assert_eq!(id(0), "action-step");
        assert_eq!(id(1), "expression");
        assert_eq!(id(2), "shell");
        assert_eq!(id(3), "needs-secret");
        let s = script(&wf, &job, steps[4], &v).expect("runs");
        assert_eq!(s.shell[0..3], ["bash", "--noprofile", "--norc"]);
        assert_eq!(s.workdir, "app");
        assert_eq!(
            s.env,
            [
                ("A".to_string(), "1".to_string()),
                ("HOST".to_string(), "http://localhost:8000".to_string())
            ]
        );
    }

    #[test]
    fn working_directory_stays_inside() {
        assert_eq!(workdir("./app").unwrap(), "app");
        assert!(workdir("../x").is_err());
        assert!(workdir("/etc").is_err());
    }
}
