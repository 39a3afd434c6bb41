//! Command line and environment into a typed config; the only place that reads
//! either. Everything below `run` takes plain values.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Outcome};
use crate::fix::{FixOptions, Workspace};
use crate::ingest::Source;
use crate::report::DiagnoseReport;
use crate::report::github::GithubSinks;
use crate::sanitize::Redactor;
use crate::{classify, extract, github, ingest, report};

mod docs;

#[derive(Debug, Parser)]
#[command(
    name = "autoheal",
    version,
    about = "Diagnose a failed CI run from its logs and write the deterministic fix as a unified diff"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Also print the model's feature weights (`why:`) for each failure.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find the root-cause line of each failing step and classify it.
    Diagnose(CommonArgs),
    /// Diagnose, then fix the primary failure in the workspace.
    Fix(FixArgs),
    /// Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`).
    Completions {
        #[arg(value_enum)]
        shell: docs::Shell,
    },
    /// Print the manual page (roff; e.g. `autoheal man > autoheal.1`).
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Github,
    /// SARIF 2.1.0 (code scanning): a result per failure, fixes as replacements.
    Sarif,
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// Log files, directories, zips (run-log or artifact archives), or `-` for stdin.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN).
    #[arg(long, value_name = "ID", conflicts_with = "inputs")]
    run_id: Option<u64>,
    /// Download the log of this one job through the GitHub API.
    #[arg(long, value_name = "ID", conflicts_with = "inputs")]
    job_id: Option<u64>,
    /// With --run-id: read this artifact of the run (logs or test reports)
    /// instead of its logs; no fix when the API says every job succeeded.
    #[arg(
        long,
        value_name = "NAME",
        requires = "run_id",
        conflicts_with = "job_id"
    )]
    artifact: Option<String>,
    /// The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
}

#[derive(Debug, Args)]
struct FixArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The repository to change.
    #[arg(short = 'C', long, value_name = "DIR", default_value = ".")]
    workspace: PathBuf,
    /// Print the unified diff of what would be applied; write nothing.
    #[arg(long)]
    diff_only: bool,
    /// Below this confidence, no fix.
    #[arg(long, value_name = "F", default_value_t = 0.85, value_parser = parse_confidence)]
    min_confidence: f64,
    /// Also apply fixes marked unsafe (assertion rewrites).
    #[arg(long)]
    unsafe_fixes: bool,
    /// The workflow file of the failed run (for env fixes); inferred when absent.
    #[arg(long, value_name = "PATH")]
    workflow: Option<PathBuf>,
    /// Also write a pull-request body for people (diagnosis, evidence, diff, how to undo) to FILE.
    #[arg(long, value_name = "FILE")]
    pr_body: Option<PathBuf>,
    /// With --run-id: post or update one comment on the run's pull request (and a
    /// suggestion for a one-hunk fix); needs a token with pull-requests: write.
    #[arg(long, requires = "run_id")]
    comment: bool,
    #[command(flatten)]
    verify: VerifyArgs,
}

/// `fix --verify`: only as a step of the failed job (see `verify`).
#[derive(Debug, Args)]
struct VerifyArgs {
    /// Re-run the failed step (and the install step the fix changed) with
    /// the fix in place; keep it only if the failure is gone. Only inside
    /// the failed job itself.
    #[arg(long)]
    verify: bool,
    /// Deadline of one round's re-runs: seconds, or with a unit (90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    verify_timeout: std::time::Duration,
    /// With --verify: fix and verify again while the step progresses (1-5).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=crate::verify::MAX_HEAL_ROUNDS as i64))]
    heal_rounds: u32,
}

impl Cli {
    fn format(&self) -> Option<Format> {
        match &self.command {
            Command::Diagnose(a) => a.format,
            Command::Fix(a) => a.common.format,
            Command::Completions { .. } | Command::Man => Some(Format::Text),
        }
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.strip_suffix('m') {
        Some(n) => (n, 60),
        None => (t.strip_suffix('s').unwrap_or(t), 1),
    };
    match num.parse::<u64>() {
        Ok(n) if n > 0 && n <= 6 * 3600 / unit => Ok(std::time::Duration::from_secs(n * unit)),
        _ => Err(format!(
            "{s:?} is not a duration between 1s and 6h (600, 90s, 10m)"
        )),
    }
}

fn parse_confidence(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number between 0 and 1")),
    }
}

/// What the environment contributes, read once, here.
struct Env {
    github_actions: bool,
    no_color: bool,
    token: Option<String>,
    api_url: String,
    repository: Option<String>,
    event_path: Option<PathBuf>,
    sinks: GithubSinks,
    /// `GITHUB_SERVER_URL`: the run page links of the job summary.
    server_url: String,
    /// What `fix --verify` needs of the runner: which job this is.
    job: crate::verify::JobContext,
    /// `AUTOHEAL_VARS`: the repository's Actions variables as JSON.
    vars: Option<String>,
}

impl Env {
    fn read() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let token = var("GITHUB_TOKEN");
        Env {
            github_actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            repository: var("GITHUB_REPOSITORY"),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            job: crate::verify::JobContext {
                github_actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
                event_name: var("GITHUB_EVENT_NAME"),
                job: var("GITHUB_JOB"),
                run_id: var("GITHUB_RUN_ID"),
                workflow_ref: var("GITHUB_WORKFLOW_REF"),
                repository: var("GITHUB_REPOSITORY"),
                event: var("GITHUB_EVENT_PATH").and_then(|p| std::fs::read(p).ok()),
                api_logs: false,
            },
            vars: var("AUTOHEAL_VARS"),
            sinks: GithubSinks {
                output: var("GITHUB_OUTPUT").map(PathBuf::from),
                summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
                runner_temp: var("RUNNER_TEMP").map(PathBuf::from),
                workspace: var("GITHUB_WORKSPACE").map(PathBuf::from),
                token: token.clone(),
                links: None,
            },
            server_url: var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into()),
            token,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let env = Env::read();
    let scrub = Redactor::new(env.token.as_deref());
    let format = resolve_format(cli.format(), &env);
    match run(cli, &env, &scrub) {
        Ok(outcome) => outcome.exit_code(),
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let msg = format!("error: {}", scrub.clean_line(&error_chain(&e)));
            // The runner reads stderr for commands too, and an error may quote
            // an entry name (`##[set-output ...]`): in GitHub mode it goes
            // inside a stop-commands block.
            let stderr = &mut io::stderr();
            if format != Format::Github
                || report::github::write_echo(&msg, &env.sinks, stderr).is_err()
            {
                let _ = writeln!(stderr, "{msg}");
            }
            e.exit_code()
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_msg = s.to_string();
        if !msg.contains(&s_msg) {
            msg.push_str(": ");
            msg.push_str(&s_msg);
        }
        cur = s.source();
    }
    msg
}

fn run(cli: Cli, env: &Env, scrub: &Redactor) -> Result<Outcome, Error> {
    let human = Human {
        color: cli.color,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Diagnose(args) => {
            let format = resolve_format(args.format, env);
            let github = format == Format::Github;
            let d = diagnose(&args, env, format, github)?;
            let fixable = github && would_fix(&d, env, format, manifest_source(&args, env))?;
            emit_diagnose(
                &d.report,
                format,
                env,
                d.links.clone(),
                scrub,
                fixable,
                human,
            )?;
            Ok(Outcome::Done)
        }
        Command::Fix(args) => {
            let format = resolve_format(args.common.format, env);
            if args.verify.verify && (args.common.run_id.is_some() || args.common.job_id.is_some())
            {
                // Refused before any download: another job's log is never
                // verified here.
                let mut job = env.job.clone();
                job.api_logs = true;
                let fixed = crate::verify::refuse_outside(&DiagnoseReport::new(Vec::new()), &job);
                emit_fix(&fixed, format, env, None, scrub, human)?;
                return Ok(Outcome::NoFix);
            }
            let d = diagnose(&args.common, env, format, true)?;
            let ws = Workspace::open(&args.workspace).map_err(io_err("opening the workspace"))?;
            let opts = fix_options(&args, &d, &ws, env, format)?;
            let fixed = if args.verify.verify {
                verify(&args, &d.report, &ws, &opts, env, format)?
            } else {
                crate::fix::run(&d.report, &ws, &opts)?
            };
            if let Some(path) = &args.pr_body {
                let body = report::pr_body::render(&fixed, scrub);
                std::fs::write(path, body).map_err(io_err("writing the pull-request body"))?;
            }
            emit_fix(&fixed, format, env, d.links.clone(), scrub, human)?;
            if args.comment
                && let (Some(run_id), Some(repo)) = (
                    args.common.run_id,
                    args.common.repo.clone().or_else(|| env.repository.clone()),
                )
            {
                // The run was downloaded with this client's settings already.
                let client = github::Client::new(&env.api_url, env.token.clone())?;
                let notes = crate::feedback::post(&client, &repo, run_id, &fixed, scrub);
                write_notes(&notes, format, env)?;
            }
            Ok(if fixed.diff.is_empty() {
                Outcome::NoFix
            } else {
                Outcome::Done
            })
        }
        Command::Completions { shell } => {
            io::stdout()
                .write_all(shell.script().as_bytes())
                .map_err(io_err("writing the completions"))?;
            Ok(Outcome::Done)
        }
        Command::Man => {
            io::stdout()
                .write_all(docs::MAN.as_bytes())
                .map_err(io_err("writing the manual page"))?;
            Ok(Outcome::Done)
        }
    }
}

/// How `fix` runs: the flags, the run's own word on its workflow and its
/// fork status, and the trusted copy of `.github/autoheal.yml`.
fn fix_options(
    args: &FixArgs,
    d: &Diagnosed,
    ws: &Workspace,
    env: &Env,
    format: Format,
) -> Result<FixOptions, Error> {
    let (event_fork, previous_autofix) = run_event(env)?;
    let fork_run = event_fork || d.api_fork;
    Ok(FixOptions {
        diff_only: args.diff_only,
        unsafe_fixes: args.unsafe_fixes,
        min_confidence: args.min_confidence,
        // The run's own word on its workflow: --workflow, else the
        // API's run object, else the workflow_run event's path.
        workflow: args
            .workflow
            .clone()
            .or_else(|| d.api_workflow.clone().map(PathBuf::from))
            .or_else(|| event_workflow(env).map(PathBuf::from)),
        fork_run,
        previous_autofix,
        dropped_succeeded_jobs: d.dropped_succeeded,
        config: load_config(ws, env, fork_run, format)?,
        action_manifests: manifest_source(&args.common, env),
    })
}

/// The `.github/autoheal.yml` to trust. The work tree of a fork's run is the
/// fork's head (a `pull_request` checkout is the merge with the fork's
/// commits), written by whoever opened the pull request: its config could
/// allow a typosquat or lift a safety threshold. So the copy on the default
/// branch (the event's `repository.default_branch`, as fetched into the
/// checkout: `origin/<branch>`, else the local branch) is read whenever git
/// has it; a fork's run without it gets the built-in defaults and a note;
/// any other run falls back to the work tree's file.
fn load_config(
    ws: &Workspace,
    env: &Env,
    fork_run: bool,
    format: Format,
) -> Result<crate::config::Config, Error> {
    use crate::config::{self, Config};
    let ids: Vec<&str> = crate::fix::FIXERS.iter().map(|f| f.id()).collect();
    let branch = env
        .event_path
        .as_ref()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| github::event_default_branch(&b));
    if let Some(b) = &branch {
        for rev in [
            format!("refs/remotes/origin/{b}"),
            format!("refs/heads/{b}"),
        ] {
            if let Some(bytes) = ws.read_committed(&rev, config::PATH, config::MAX_BYTES) {
                let text = String::from_utf8(bytes).map_err(|_| crate::config::ConfigError {
                    line: 0,
                    message: format!("not UTF-8 (on {rev})"),
                })?;
                return Ok(Config::parse(&text, &ids)?);
            }
        }
    }
    if fork_run {
        if ws.read(config::PATH).ok().flatten().is_some() {
            let note = format!(
                "{} of the fork's head is not read (a fork writes it); the default branch's copy is not in the checkout: built-in defaults",
                config::PATH
            );
            write_notes(&[note], format, env)?;
        }
        return Ok(Config::default());
    }
    match ws.read(config::PATH) {
        Ok(Some(bytes)) => {
            if bytes.len() > config::MAX_BYTES {
                return Err(crate::config::ConfigError {
                    line: 0,
                    message: format!("larger than {} bytes", config::MAX_BYTES),
                }
                .into());
            }
            let text = String::from_utf8(bytes).map_err(|_| crate::config::ConfigError {
                line: 0,
                message: "not UTF-8".into(),
            })?;
            Ok(Config::parse(&text, &ids)?)
        }
        Ok(None) => Ok(Config::default()),
        // A symlink, an untracked file: the workspace's own rules say no, as
        // for any file a fix would read; the built-in defaults apply.
        Err(r) if !r.fatal => {
            let note = format!(
                "{} not read ({}): built-in defaults",
                config::PATH,
                r.detail
            );
            write_notes(&[note], format, env)?;
            Ok(Config::default())
        }
        Err(r) => Err(crate::config::ConfigError {
            line: 0,
            message: r.detail,
        }
        .into()),
    }
}

/// In GitHub mode (`--run-id`/`--job-id`, a token), the contents API reads
/// the `action.yml` of an action the embedded table does not know. A failed
/// read is no fix for that action, never an error of the run.
fn manifest_source(args: &CommonArgs, env: &Env) -> Option<crate::fix::ManifestSource> {
    if args.run_id.is_none() && args.job_id.is_none() {
        return None;
    }
    let client = github::Client::new(&env.api_url, env.token.clone()).ok()?;
    let reads = std::sync::atomic::AtomicUsize::new(0);
    Some(crate::fix::ManifestSource(std::sync::Arc::new(
        move |action: &str, git_ref: &str| {
            if reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= MAX_MANIFEST_READS {
                return None;
            }
            client.action_manifest(action, git_ref).ok().flatten()
        },
    )))
}

/// `action.yml` reads per run.
const MAX_MANIFEST_READS: usize = 8;

/// `fix --verify`: the runner's facts and this process's environment,
/// handed to the verify stage.
fn verify(
    args: &FixArgs,
    report: &DiagnoseReport,
    ws: &Workspace,
    opts: &FixOptions,
    env: &Env,
    format: Format,
) -> Result<report::FixReport, Error> {
    let mut job = env.job.clone();
    job.api_logs = args.common.run_id.is_some() || args.common.job_id.is_some();
    // Variables that are not a JSON object are no variables: `${{ vars.X }}`
    // then takes the default the fix wrote.
    let vars = env
        .vars
        .as_deref()
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        .and_then(|v| match v {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let v = crate::verify::VerifyOptions {
        timeout: args.verify.verify_timeout,
        heal_rounds: args.verify.heal_rounds,
        vars,
        parent_env: std::env::vars_os().collect(),
        temp_dir: env
            .sinks
            .runner_temp
            .clone()
            .unwrap_or_else(std::env::temp_dir),
        log_names: args
            .common
            .inputs
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
            .collect(),
        github: format == Format::Github,
        token: env.token.clone(),
    };
    let stderr = io::stderr();
    let mut err = stderr.lock();
    Ok(crate::verify::heal(report, ws, opts, &job, &v, &mut err)?)
}

/// From the event payload (any event that names a head repository: see
/// [`github::fork_run`]), whether the failed run came from a fork (report
/// only), and whether its head commit is an earlier autoheal fix.
fn run_event(env: &Env) -> Result<(bool, bool), Error> {
    let Some(path) = &env.event_path else {
        return Ok((false, false));
    };
    let bytes = std::fs::read(path).map_err(io_err("reading GITHUB_EVENT_PATH"))?;
    let repo = env.repository.as_deref().unwrap_or("");
    // A payload we cannot read fails closed: no file is written.
    let fork = github::fork_run(&bytes, repo).unwrap_or(true);
    let ours = github::previous_autofix(&bytes).unwrap_or(true);
    Ok((fork, ours))
}

/// `workflow_run.path` of the event payload, when there is one.
fn event_workflow(env: &Env) -> Option<String> {
    let bytes = std::fs::read(env.event_path.as_ref()?).ok()?;
    github::event_workflow_file(&bytes)
}

/// `diagnose`'s `fixable` output, with the one meaning `fix` gives it:
/// `fix` with its defaults, on this log and the current directory, produces
/// a diff. So the planner runs here too (diff only, nothing written); a
/// directory that is no workspace or a config that does not parse is `false`.
fn would_fix(
    d: &Diagnosed,
    env: &Env,
    format: Format,
    action_manifests: Option<crate::fix::ManifestSource>,
) -> Result<bool, Error> {
    let Ok(ws) = Workspace::open(std::path::Path::new(".")) else {
        return Ok(false);
    };
    let (event_fork, previous_autofix) = run_event(env)?;
    let fork_run = event_fork || d.api_fork;
    let config = match load_config(&ws, env, fork_run, format) {
        Ok(c) => c,
        Err(e) => {
            write_notes(&[format!("fixable=false: {e}")], format, env)?;
            return Ok(false);
        }
    };
    let opts = FixOptions {
        diff_only: true,
        workflow: d
            .api_workflow
            .clone()
            .map(PathBuf::from)
            .or_else(|| event_workflow(env).map(PathBuf::from)),
        fork_run,
        previous_autofix,
        dropped_succeeded_jobs: d.dropped_succeeded,
        config,
        action_manifests,
        ..FixOptions::default()
    };
    Ok(crate::fix::run(&d.report, &ws, &opts).is_ok_and(|r| !r.diff.is_empty()))
}

fn resolve_format(asked: Option<Format>, env: &Env) -> Format {
    asked.unwrap_or(if env.github_actions {
        Format::Github
    } else {
        Format::Text
    })
}

/// A diagnosis, how many failures were dropped because the Jobs API says
/// their job succeeded (a forged `##[error]` in a passing job), and whether
/// the API's run object names another repository as the run's head.
struct Diagnosed {
    report: DiagnoseReport,
    dropped_succeeded: usize,
    api_fork: bool,
    /// The failed run's workflow file, as the API's run object names it.
    api_workflow: Option<String>,
    /// The run page and its jobs (logs from `--run-id`).
    links: Option<report::locate::RunLinks>,
}

/// `for_fix`: also ask the API for the run object (the fork check), which
/// only `fix` needs.
fn diagnose(
    args: &CommonArgs,
    env: &Env,
    format: Format,
    for_fix: bool,
) -> Result<Diagnosed, Error> {
    if format == Format::Github {
        // Before any download, so even an error is printed after the mask.
        report::github::write_mask(&env.sinks, &mut io::stdout().lock())?;
    }
    let (sources, api) = sources(args, env, for_fix)?;
    let mut bundle = ingest::load_redacted(&sources, &Redactor::new(env.token.as_deref()))?;
    drop(sources);
    // Before the caps, so forged failures in passing jobs cannot crowd out
    // the real ones.
    let mut dropped_succeeded = api.drop_succeeded_jobs(&mut bundle);
    let (mut failures, omitted) = extract::failures_within(&bundle, extract::MAX_RUN_FAILURES);
    let mut notes = bundle.notes.clone();
    let omitted = omitted + bundle.omitted_tests;
    if omitted > 0 {
        notes.push(format!(
            "{omitted} more failure(s) not kept (at most {} per report and {} per run)",
            ingest::MAX_REPORT_FAILURES,
            extract::MAX_RUN_FAILURES
        ));
    }
    drop(bundle);
    write_notes(&notes, format, env)?;
    if api.whole_succeeded() {
        dropped_succeeded += failures.len() + omitted;
        failures.clear();
    }
    // Each failure is dropped once classified: one copy at a time.
    let diagnoses = failures
        .into_iter()
        .map(|f| classify::diagnose(&f))
        .collect();
    let mut report = DiagnoseReport::new(diagnoses);
    report.omitted_failures = omitted;
    Ok(Diagnosed {
        report,
        dropped_succeeded,
        api_fork: api.fork,
        api_workflow: api.workflow.clone(),
        links: api.links.clone(),
    })
}

/// What the GitHub API said about the logs it served; empty for local inputs.
#[derive(Default)]
struct ApiFacts {
    /// The jobs whose conclusions decide `job-not-failed`.
    jobs: Option<Vec<github::Job>>,
    /// The log is not one job's among many (`--job-id`: that job's, an
    /// artifact: the run's): its failures count as failed only when one of
    /// `jobs` did not succeed, whatever their names.
    whole: bool,
    /// The run object names another head repository (or none): a fork.
    fork: bool,
    /// The workflow file the run object names.
    workflow: Option<String>,
    /// The run page and its jobs, for the summary's links.
    links: Option<report::locate::RunLinks>,
}

impl ApiFacts {
    /// The log is one job's or the run's, and every job succeeded.
    fn whole_succeeded(&self) -> bool {
        self.whole
            && self.jobs.as_ref().is_some_and(|jobs| {
                jobs.iter()
                    .all(|j| matches!(j.conclusion.as_deref(), Some("success" | "skipped")))
            })
    }

    /// Removes the jobs of a run-log zip that the API calls successful;
    /// returns how many failing steps they held.
    fn drop_succeeded_jobs(&self, bundle: &mut ingest::LogBundle) -> usize {
        let Some(jobs) = self.jobs.as_ref().filter(|_| !self.whole) else {
            return 0;
        };
        let mut dropped = 0;
        bundle.jobs.retain(|job| {
            if !job_succeeded(jobs, &job.name) {
                return true;
            }
            dropped += job.steps.iter().filter(|s| s.failed != Some(false)).count();
            false
        });
        dropped
    }
}

/// Whether the Jobs API reports the job of this name as successful: steps and
/// outcomes come from the API, never from text a log could forge.
/// Names in the zip are sanitised and cut, so an exact match (letters and
/// digits) wins over a prefix one: `build` must not speak for `build (ubuntu,
/// 3.11)`. Every matching job must have succeeded.
fn job_succeeded(jobs: &[github::Job], name: &str) -> bool {
    let key = ingest::job_name_key(name);
    let mut matching: Vec<&github::Job> = jobs
        .iter()
        .filter(|j| ingest::job_name_key(&j.name) == key)
        .collect();
    if matching.is_empty() {
        matching = jobs
            .iter()
            .filter(|j| ingest::job_names_match(&j.name, name))
            .collect();
    }
    !matching.is_empty()
        && matching
            .iter()
            .all(|j| matches!(j.conclusion.as_deref(), Some("success" | "skipped")))
}

/// What ingest skipped (a nested archive not expanded, an unreadable file),
/// on stderr. Notes quote entry names, so in GitHub mode they are echoed
/// inside a stop-commands block; elsewhere each is one escaped line.
fn write_notes(notes: &[String], format: Format, env: &Env) -> Result<(), Error> {
    if notes.is_empty() {
        return Ok(());
    }
    let scrub = Redactor::new(env.token.as_deref());
    let mut text = String::new();
    for n in notes {
        text.push_str("note: ");
        text.push_str(&scrub.clean_line(n));
        text.push('\n');
    }
    let stderr = &mut io::stderr();
    if format == Format::Github {
        report::github::write_echo(&text, &env.sinks, stderr)?;
    } else {
        stderr
            .write_all(text.as_bytes())
            .map_err(io_err("writing notes"))?;
    }
    Ok(())
}

type Sources = (Vec<Source>, ApiFacts);

/// `--run-id` / `--job-id` download the logs and ask the API what it knows:
/// the jobs' conclusions and, for `fix`, the run's head repository. Local
/// inputs carry no such facts.
fn sources(args: &CommonArgs, env: &Env, for_fix: bool) -> Result<Sources, Error> {
    if args.run_id.is_some() || args.job_id.is_some() {
        let repo = args
            .repo
            .clone()
            .or_else(|| env.repository.clone())
            .ok_or_else(|| Error::Usage("--run-id and --job-id need --repo OWNER/NAME".into()))?;
        let token = env
            .token
            .clone()
            .ok_or_else(|| Error::Usage("--run-id and --job-id need GITHUB_TOKEN".into()))?;
        let client = github::Client::new(&env.api_url, Some(token))?.with_rate_limit_notice(
            Box::new(|wait| {
                eprintln!(
                    "note: GitHub API rate limit reached; waiting {} s before retrying",
                    wait.as_secs().max(1)
                );
            }),
        );
        let (source, jobs, whole, run_id) = match (args.run_id, args.job_id) {
            (run, Some(job)) => {
                let found = client.job(&repo, job)?;
                if let (Some(asked), Some(real)) = (run, found.run_id)
                    && asked != real
                {
                    return Err(Error::Usage(format!(
                        "job {job} belongs to run {real}, not run {asked}"
                    )));
                }
                let run_id = found.run_id;
                let data = client.job_logs(&repo, job)?;
                let name = format!("job-{job}.txt");
                (Source::Bytes { name, data }, vec![found], true, run_id)
            }
            (Some(run), None) => {
                let (data, name) = match &args.artifact {
                    Some(a) => (
                        client.artifact_by_name(&repo, run, a)?,
                        format!("artifact-{run}.zip"),
                    ),
                    None => (client.run_logs(&repo, run)?, format!("run-{run}.zip")),
                };
                let jobs = client.run_jobs(&repo, run)?;
                let whole = args.artifact.is_some();
                (Source::Bytes { name, data }, jobs, whole, Some(run))
            }
            (None, None) => unreachable!("checked above"),
        };
        let (fork, workflow) = if for_fix {
            // A job without a run cannot be checked: fail closed.
            match run_id {
                Some(id) => {
                    let run = client.run(&repo, id)?;
                    let fork = run.is_fork_of(&repo)
                        || env.repository.as_deref().is_some_and(|r| run.is_fork_of(r));
                    (fork, run.path.as_deref().and_then(github::workflow_file))
                }
                None => (true, None),
            }
        } else {
            (false, None)
        };
        let links = run_id
            .and_then(|id| report::locate::RunLinks::new(&env.server_url, &repo, id, jobs.clone()));
        let facts = ApiFacts {
            jobs: Some(jobs),
            whole,
            fork,
            workflow,
            links,
        };
        return Ok((vec![source], facts));
    }
    if args.inputs.is_empty() {
        if io::stdin().is_terminal() {
            return Err(Error::Usage(NO_INPUT.into()));
        }
        return Ok((vec![Source::Stdin], ApiFacts::default()));
    }
    let inputs = args
        .inputs
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Source::Stdin
            } else {
                Source::Path(p.clone())
            }
        })
        .collect();
    Ok((inputs, ApiFacts::default()))
}

/// Said instead of waiting on a terminal for a log that will not come.
const NO_INPUT: &str = "no input: give a log file, a directory, a zip, `-` for standard input, \
                        or --run-id/--job-id (see --help)";

/// How the text report is shown to a person.
#[derive(Clone, Copy)]
struct Human {
    color: ColorChoice,
    verbose: bool,
}

/// `--color always` and `never` are the user's word; `auto` is colour on a
/// terminal unless `NO_COLOR` is set (no-color.org).
fn color_for(env: &Env, choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stream_is_tty && !env.no_color,
    }
}

fn io_err(context: &str) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        context: context.to_string(),
        source,
    }
}

fn emit_diagnose(
    report: &DiagnoseReport,
    format: Format,
    env: &Env,
    links: Option<report::locate::RunLinks>,
    scrub: &Redactor,
    fixable: bool,
    human: Human,
) -> Result<(), Error> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Text => {
            let color = color_for(env, human.color, io::stdout().is_terminal());
            report::text::write_diagnose(&mut out, report, scrub, color, human.verbose)
                .map_err(io_err("writing the report"))?;
        }
        Format::Json => {
            report::json::write_diagnose(&mut out, report, scrub)
                .map_err(io_err("writing the report"))?;
        }
        Format::Sarif => {
            report::sarif::write_diagnose(&mut out, report, scrub)
                .map_err(io_err("writing the report"))?;
        }
        Format::Github => {
            let sinks = GithubSinks {
                links,
                ..env.sinks.clone()
            };
            report::github::write_diagnose(report, fixable, &sinks, &mut out)?;
        }
    }
    out.flush().map_err(io_err("writing the report"))
}

fn emit_fix(
    report: &report::FixReport,
    format: Format,
    env: &Env,
    links: Option<report::locate::RunLinks>,
    scrub: &Redactor,
    human: Human,
) -> Result<(), Error> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Text => {
            // stdout carries exactly the diff (coloured only for a person:
            // a terminal, or --color always); the report goes to stderr.
            let diff = scrub.redact(&report.diff);
            let diff = if color_for(env, human.color, io::stdout().is_terminal()) {
                std::borrow::Cow::Owned(report::text::paint_diff(&diff))
            } else {
                diff
            };
            out.write_all(diff.as_bytes())
                .map_err(io_err("writing the diff"))?;
            let color = color_for(env, human.color, io::stderr().is_terminal());
            report::text::write_fix_summary(
                &mut io::stderr().lock(),
                report,
                scrub,
                color,
                human.verbose,
            )
            .map_err(io_err("writing the report"))?;
        }
        Format::Json => {
            report::json::write_fix(&mut out, report, scrub)
                .map_err(io_err("writing the report"))?;
        }
        Format::Sarif => {
            report::sarif::write_fix(&mut out, report, scrub)
                .map_err(io_err("writing the report"))?;
        }
        Format::Github => {
            let sinks = GithubSinks {
                links,
                ..env.sinks.clone()
            };
            report::github::write_fix(report, &sinks, &mut out)?;
        }
    }
    out.flush().map_err(io_err("writing the report"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn job(name: &str, conclusion: &str) -> github::Job {
        github::Job {
            id: 1,
            name: name.into(),
            status: Some("completed".into()),
            conclusion: Some(conclusion.into()),
            steps: Vec::new(),
            run_id: Some(7),
        }
    }

    #[test]
    fn only_jobs_the_api_calls_successful_are_dropped() {
        let jobs = [
            job("build", "success"),
            job("build (ubuntu, 3.11)", "failure"),
        ];
        // The zip sanitises `,` to `_`; the exact job decides, not the prefix `build`.
        assert!(!job_succeeded(&jobs, "build (ubuntu_ 3.11)"));
        assert!(job_succeeded(&jobs, "build"));
        // A job the API does not know stays (fail closed toward reporting).
        assert!(!job_succeeded(&jobs, "lint"));
        // A cut name matches by prefix when nothing matches exactly.
        let jobs = [job(
            "integration tests on a very long matrix name",
            "success",
        )];
        assert!(job_succeeded(&jobs, "integration tests on a very"));
    }

    #[test]
    fn confidence_must_be_a_probability() {
        assert!(parse_confidence("0.5").is_ok());
        assert!(parse_confidence("1.5").is_err());
        assert!(parse_confidence("x").is_err());
    }
}
