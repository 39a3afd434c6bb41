//! GitHub mode: step outputs, the job summary, annotations and the log echo.
//!
//! Each channel has a reader that interprets what we write, and the text we
//! write came from a log that a fork's author may control:
//!
//! - `GITHUB_OUTPUT` is parsed as `name=value` lines and `name<<DELIM` heredocs.
//!   Every value goes in a heredoc whose delimiter is a fresh CSPRNG UUID; a
//!   value containing it is refused, never written (CVE-2022-35954).
//! - Stdout is scanned for `::command::` lines (after leading blanks, any case)
//!   and legacy `##[command]` anywhere in a line. Log text is echoed only
//!   between `::stop-commands::<token>` and `::<token>::`, the token 128 random
//!   bits printed nowhere else, so an echoed `::add-mask::` or
//!   `::stop-commands::zzz` stays text (CVE-2020-15228). Our own commands
//!   (the mask, annotations) are printed outside that block.
//! - The job summary is Markdown with HTML, and GitHub autolinks bare URLs in
//!   prose: excerpts sit in fences longer than any backtick run inside them,
//!   and every other log-derived field is one capped line in an inline code
//!   span, whose fence likewise outgrows its backtick runs.
//! - What a later step may print (`echo "$DIFF"`, `cat "$DIFF_FILE"`) is
//!   inert too: one-line outputs are neutralised, and a diff holding a line
//!   the runner would read as a command goes between stop-commands markers.
//! - Annotation properties and messages use the runner's own escapes.
//!
//! Secrets are redacted and control/Bidi characters escaped in every sink
//! (see [`crate::sanitize`]). This module never reads the environment: the CLI
//! passes the sink paths and the token in [`GithubSinks`].

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::classify::{Category, Diagnosis};
use crate::report::{Applicability, DiagnoseReport, FixReport};
use crate::sanitize::{self, Redactor};

/// Each step output is cut to this many bytes (GitHub allows 1 MiB).
pub const MAX_OUTPUT_BYTES: usize = 512 * 1024;
/// The job summary is cut to this many bytes (GitHub drops uploads over 1 MiB).
pub const MAX_SUMMARY_BYTES: usize = 900 * 1024;
/// Annotations per kind and step (GitHub shows ten).
pub const MAX_ANNOTATIONS: usize = 10;
/// One-line fields (table cells, job and step names) are cut to this.
const MAX_FIELD_BYTES: usize = 300;
/// The diff shown in the summary; the whole one is in `diff-file`.
const MAX_SUMMARY_DIFF_BYTES: usize = 400 * 1024;
/// The excerpt shown in the summary.
const MAX_SUMMARY_EXCERPT_BYTES: usize = 64 * 1024;

/// Where GitHub mode writes, as the CLI found it in the environment
/// (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, `GITHUB_WORKSPACE`,
/// the token). A sink that is `None` is skipped.
#[derive(Debug, Clone, Default)]
pub struct GithubSinks {
    pub output: Option<PathBuf>,
    pub summary: Option<PathBuf>,
    /// Where `diff-file` is created.
    pub runner_temp: Option<PathBuf>,
    /// The workspace root, stripped from absolute paths before annotating.
    pub workspace: Option<PathBuf>,
    /// The token we were given: masked on stdout, redacted everywhere.
    pub token: Option<String>,
    /// The run page and its jobs, when the logs came through the API: each
    /// failure links to its log line.
    pub links: Option<super::locate::RunLinks>,
}

/// Why GitHub mode could not write. Each maps to exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// The value came from a log that tried to close its own heredoc.
    #[error("output {0} contains its delimiter")]
    Delimiter(&'static str),
    /// The runner's files are not writable (the environment's fault).
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Writing stdout failed.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// The OS random source failed; we do not fall back to a guessable delimiter.
    #[error("no secure random source: {0}")]
    Random(String),
}

/// Writes GitHub mode for `diagnose`: the outputs that need no fix, the
/// summary, annotations and the echo. `fixable` is whether `fix` would have a
/// fixer for the primary failure (the CLI decides).
pub fn write_diagnose(
    report: &DiagnoseReport,
    fixable: bool,
    sinks: &GithubSinks,
    stdout: &mut impl Write,
) -> Result<(), GithubError> {
    let red = Redactor::new(sinks.token.as_deref());
    let mut outs = common_outputs(report, &red);
    outs.insert(2, ("fixable", bool_str(fixable).to_string()));
    if let Some(path) = &sinks.output {
        write_outputs(path, &outs)?;
    }
    if let Some(path) = &sinks.summary {
        let md = summary(report, None, sinks.links.as_ref(), &red);
        append(path, md.as_bytes())?;
    }
    write_stdout(report, None, sinks, &red, stdout)
}

/// Writes GitHub mode for `fix`: every output, `diff-file` under
/// `RUNNER_TEMP`, the summary, annotations and the echo.
pub fn write_fix(
    report: &FixReport,
    sinks: &GithubSinks,
    stdout: &mut impl Write,
) -> Result<(), GithubError> {
    let red = Redactor::new(sinks.token.as_deref());
    let diff = clean_diff(&red, &report.diff);
    let diff_file = match (&sinks.runner_temp, diff.is_empty()) {
        (Some(dir), false) => Some(write_diff_file(dir, &guard_printed(&diff, usize::MAX)?)?),
        _ => None,
    };
    let pr_body = super::pr_body::render(report, &red);
    let body_file = match &sinks.runner_temp {
        Some(dir) => Some(write_temp_file(dir, "pr-body.md", &pr_body)?),
        None => None,
    };
    if let Some(path) = &sinks.output {
        let mut outs = common_outputs(&report.diagnosis, &red);
        let files: Vec<String> = report
            .files_changed
            .iter()
            .map(|f| red.clean_line(f))
            .collect();
        outs.extend([
            ("fixable", bool_str(!report.diff.is_empty()).to_string()),
            ("applied", bool_str(report.applied).to_string()),
            ("diff", guard_printed(&diff, MAX_OUTPUT_BYTES)?),
            (
                "diff-file",
                diff_file
                    .as_ref()
                    .map(|p| red.clean_line(&p.to_string_lossy()))
                    .unwrap_or_default(),
            ),
            ("files-changed", files.join("\n")),
            (
                "touches-workflows",
                bool_str(report.touches_workflows).to_string(),
            ),
            // Already inert for the runner and capped below 1 MiB.
            ("pr-body", pr_body.clone()),
            (
                "pr-body-file",
                body_file
                    .as_ref()
                    .map(|p| red.clean_line(&p.to_string_lossy()))
                    .unwrap_or_default(),
            ),
        ]);
        // `fix --verify` only: passed, progressed, failed or skipped.
        if let Some(v) = &report.verification {
            outs.extend([
                ("verified", v.verified.as_str().to_string()),
                (
                    "verified-reason",
                    sanitize::cap(&red.clean_line(&v.reason), MAX_OUTPUT_BYTES).to_string(),
                ),
            ]);
        }
        write_outputs(path, &outs)?;
    }
    if let Some(path) = &sinks.summary {
        let md = summary(&report.diagnosis, Some(report), sinks.links.as_ref(), &red);
        append(path, md.as_bytes())?;
    }
    write_stdout(&report.diagnosis, Some(report), sinks, &red, stdout)
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// `0.97`, `0.8512`: enough digits to compare against a threshold.
pub(crate) fn confidence_str(c: f64) -> String {
    let c = if c.is_finite() {
        c.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let s = format!("{c:.4}");
    let s = s.trim_end_matches('0');
    let s = s.strip_suffix('.').unwrap_or(s);
    s.to_string()
}

/// The outputs `diagnose` and `fix` share, in the interface's order
/// (`fixable` is inserted at index 2 by `diagnose`).
fn common_outputs(report: &DiagnoseReport, red: &Redactor) -> Vec<(&'static str, String)> {
    let p = report.primary();
    let field = |f: fn(&Diagnosis) -> &str| {
        p.map(|d| sanitize::cap(&red.clean_line(f(d)), MAX_OUTPUT_BYTES).to_string())
            .unwrap_or_default()
    };
    vec![
        ("category", report.category.as_str().to_string()),
        ("confidence", confidence_str(report.confidence)),
        ("error-line", field(|d| &d.failure.error_line)),
        ("failed-job", field(|d| &d.failure.job)),
        ("failed-step", field(|d| &d.failure.step)),
        ("suggested-fix", field(|d| &d.suggested_fix)),
    ]
}

/// Redacts and escapes a diff, keeping the CR of CRLF line ends so that the
/// diff still applies to CRLF files; every other control is escaped.
pub(crate) fn clean_diff(red: &Redactor, diff: &str) -> String {
    let redacted = red.redact(diff);
    let mut out = String::with_capacity(redacted.len());
    for line in redacted.split_inclusive('\n') {
        let (body, end) = if let Some(b) = line.strip_suffix("\r\n") {
            (b, "\r\n")
        } else if let Some(b) = line.strip_suffix('\n') {
            (b, "\n")
        } else {
            (line, "")
        };
        out.push_str(&sanitize::escape_controls(body));
        out.push_str(end);
    }
    out
}

/// Whether the runner would read a line of `text` as a workflow command:
/// `::` after leading blanks, or a legacy `##[` anywhere. The runner splits
/// lines at CR as well as LF.
fn has_runner_command(text: &str) -> bool {
    text.split(['\n', '\r'])
        .any(|l| l.trim_start().starts_with("::") || l.contains("##["))
}

/// Text a later step may print (`echo "$DIFF"`, `cat "$DIFF_FILE"`), capped
/// at `max` bytes. A diff cannot be escaped line by line and still apply, so
/// when any line would read as a command (a context line ` ::set-output…`,
/// an added `##[set-output …]` taken from an "actual" value), the whole text
/// goes between `::stop-commands::<token>` and `::<token>::`, as our own echo
/// does, and a later print of it is inert. `git apply` and `patch` skip lines
/// before the first header and after the last hunk, so the diff still applies.
pub(crate) fn guard_printed(text: &str, max: usize) -> Result<String, GithubError> {
    if !has_runner_command(text) {
        return Ok(sanitize::cap(text, max).to_string());
    }
    // Room for the two marker lines.
    let body = sanitize::cap(text, max.saturating_sub(96));
    let mut buf = String::with_capacity(body.len() + 96);
    push_echo_block(&mut buf, body)?;
    Ok(buf)
}

/// A 128-bit random value from the OS CSPRNG.
fn random_bytes() -> Result<[u8; 16], GithubError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| GithubError::Random(e.to_string()))?;
    Ok(b)
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A version-4 UUID, as the runner's own `ghadelimiter_` uses.
fn uuid_v4() -> Result<String, GithubError> {
    let mut b = random_bytes()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Renders every output as a heredoc with its own delimiter, then appends
/// them in one write: either all outputs land or none.
fn write_outputs(path: &Path, outs: &[(&'static str, String)]) -> Result<(), GithubError> {
    let mut buf = String::new();
    for (name, value) in outs {
        let delim = format!("ghadelimiter_{}", uuid_v4()?);
        push_heredoc(&mut buf, name, value, &delim)?;
    }
    append(path, buf.as_bytes())
}

fn push_heredoc(
    buf: &mut String,
    name: &'static str,
    value: &str,
    delim: &str,
) -> Result<(), GithubError> {
    debug_assert!(valid_output_name(name));
    if value.contains(delim) {
        return Err(GithubError::Delimiter(name));
    }
    let _ = write!(buf, "{name}<<{delim}\n{value}\n{delim}\n");
    Ok(())
}

/// Output names are fixed by the interface; this is their shape.
fn valid_output_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn append(path: &Path, data: &[u8]) -> Result<(), GithubError> {
    let io = |source| GithubError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(io)?;
    f.write_all(data).map_err(io)?;
    f.flush().map_err(io)
}

/// Creates `autoheal-<random>.diff` in `dir`, never overwriting a file.
fn write_diff_file(dir: &Path, diff: &str) -> Result<PathBuf, GithubError> {
    write_temp_file(dir, "diff", diff)
}

/// Creates `autoheal-<random>.<ext>` in `dir`, never overwriting a file.
fn write_temp_file(dir: &Path, ext: &str, text: &str) -> Result<PathBuf, GithubError> {
    let name = format!("autoheal-{}.{ext}", &hex(&random_bytes()?)[..16]);
    let path = dir.join(name);
    let io = |source| GithubError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(path)
}

/// A log-derived field for the summary's prose: one inline code span, so
/// nothing in it is Markdown or HTML (no link, autolinked bare URL, mention,
/// image or tag). Redacted, controls and newlines escaped, capped; the
/// backtick fence is longer than any backtick run inside, and one space
/// pads each side (CommonMark strips exactly that one). Entities would show
/// literally inside a code span, so none are used.
pub(crate) fn md_field(red: &Redactor, s: &str) -> String {
    code_span(red, s, false)
}

/// [`md_field`] for a table cell: GFM splits a row at every `|` not escaped
/// by a backslash, code spans included, so each `|` becomes `\|` (shown as
/// `|`), and a backslash run right before it is doubled so that it cannot
/// escape the escape.
fn md_cell(red: &Redactor, s: &str) -> String {
    code_span(red, s, true)
}

fn code_span(red: &Redactor, s: &str, table_cell: bool) -> String {
    let line = red.clean_line(s);
    let capped = sanitize::cap(&line, MAX_FIELD_BYTES);
    if capped.is_empty() {
        return String::new();
    }
    let mut body = String::with_capacity(capped.len() + 8);
    let mut backslashes = 0usize;
    for c in capped.chars() {
        match c {
            '\\' if table_cell => backslashes += 1,
            '|' if table_cell => {
                body.push_str(&"\\".repeat(backslashes * 2));
                body.push_str("\\|");
                backslashes = 0;
            }
            _ => {
                body.push_str(&"\\".repeat(backslashes));
                backslashes = 0;
                body.push(c);
            }
        }
    }
    body.push_str(&"\\".repeat(backslashes));
    if capped.len() < line.len() {
        body.push('…');
    }
    let fence = "`".repeat(longest_backtick_run(&body) + 1);
    format!("{fence} {body} {fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    let mut longest = 0usize;
    let mut run = 0usize;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A fenced block that no line of `body` can close: the fence is one backtick
/// longer than the longest backtick run in it, and at least three.
pub(crate) fn fenced(info: &str, body: &str) -> String {
    let longest = longest_backtick_run(body);
    let fence = "`".repeat((longest + 1).max(3));
    let mut s = String::with_capacity(body.len() + 2 * fence.len() + 16);
    let _ = writeln!(s, "{fence}{info}");
    s.push_str(body);
    if !body.ends_with('\n') {
        s.push('\n');
    }
    let _ = writeln!(s, "{fence}");
    s
}

pub(crate) fn cut_with_marker(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let kept = sanitize::cap(s, max);
    format!("{kept}\n… [truncated {} bytes]\n", s.len() - kept.len())
}

/// The job summary, capped at [`MAX_SUMMARY_BYTES`].
fn summary(
    report: &DiagnoseReport,
    fix: Option<&FixReport>,
    links: Option<&super::locate::RunLinks>,
    red: &Redactor,
) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## autoheal: {} (confidence {})\n",
        report.category.as_str(),
        confidence_str(report.confidence)
    );
    match report.primary() {
        None => md.push_str("No failure found in the logs.\n\n"),
        Some(p) => {
            let _ = writeln!(
                md,
                "**Failed job:** {}  \n**Failed step:** {}  \n**Root cause** ({}): {}\n",
                md_field(red, &p.failure.job),
                md_field(red, &p.failure.step),
                log_line_ref(links, &p.failure),
                md_field(red, &p.failure.error_line),
            );
            let excerpt = red.clean(&p.failure.excerpt);
            if !excerpt.trim().is_empty() {
                // Folded: the root-cause line above says it; the excerpt is
                // for whoever wants the lines around it.
                md.push_str("<details><summary>Log excerpt</summary>\n\n");
                md.push_str(&fenced(
                    "text",
                    &cut_with_marker(&excerpt, MAX_SUMMARY_EXCERPT_BYTES),
                ));
                md.push_str("\n</details>\n\n");
            }
            if !p.suggested_fix.is_empty() {
                let _ = writeln!(
                    md,
                    "**Suggested fix:** {}\n",
                    md_field(red, &p.suggested_fix)
                );
            }
        }
    }
    if let Some(fix) = fix {
        fix_section(&mut md, report, fix, red);
    }
    failures_table(&mut md, report, fix, links, red);
    if md.len() > MAX_SUMMARY_BYTES {
        // Leave room for the marker itself.
        let kept = sanitize::cap(&md, MAX_SUMMARY_BYTES - 64).len();
        let dropped = md.len() - kept;
        md.truncate(kept);
        let _ = writeln!(md, "\n… [truncated {dropped} bytes]");
    }
    md
}

fn fix_section(md: &mut String, report: &DiagnoseReport, fix: &FixReport, red: &Redactor) {
    md.push_str("### Fix\n\n");
    verify_section(md, fix, red);
    if fix.diff.is_empty() {
        let reason = fix.reason.as_deref().unwrap_or("no fix");
        let _ = writeln!(md, "No fix: {}\n", md_field(red, reason));
        return;
    }
    let _ = writeln!(
        md,
        "{}\n",
        if fix.applied {
            "Applied to the workspace:"
        } else {
            "Not applied (diff only):"
        }
    );
    for e in &fix.fixes {
        let _ = writeln!(
            md,
            "- {} ({}): {}",
            md_field(red, &e.fixer),
            match e.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe",
                Applicability::DisplayOnly => "display-only",
            },
            md_field(red, &e.description)
        );
        let _ = writeln!(md, "  - decided by {}", e.evidence.decided_by.describe());
        if let Some(l) = &e.evidence.log {
            let _ = writeln!(md, "  - log line {}: {}", l.line, md_field(red, &l.text));
        }
        for p in &e.evidence.workspace {
            let _ = writeln!(
                md,
                "  - {}:{}: {}",
                md_field(red, &p.file),
                p.line,
                md_field(red, &p.text)
            );
        }
    }
    if !fix.fixes.is_empty() {
        md.push('\n');
    }
    let unsafe_rewrite = fix
        .fixes
        .iter()
        .any(|e| e.applicability == Applicability::Unsafe);
    if unsafe_rewrite
        && let Some(p) = report.primary()
        && let (Some(x), Some(y)) = (&p.facts.expected, &p.facts.actual)
    {
        let _ = writeln!(
            md,
            "> [!CAUTION]\n> expected value changed from {} to {} on the basis of CI output. \
             Review it before merging.\n",
            md_field(red, x),
            md_field(red, y)
        );
    }
    if fix.touches_workflows {
        md.push_str(
            "> [!WARNING]\n> This diff edits files under `.github/workflows/`: pushing it needs \
             a token with the `workflows` permission, which the default `GITHUB_TOKEN` lacks.\n\n",
        );
    }
    let diff = clean_diff(red, &fix.diff);
    md.push_str(&fenced(
        "diff",
        &cut_with_marker(&diff, MAX_SUMMARY_DIFF_BYTES),
    ));
    md.push('\n');
}

/// `log line N`, linked to the line on the run page when the logs came
/// through the API. The link is built from trusted parts only (see
/// [`super::locate`]); the line is a number.
fn log_line_ref(links: Option<&super::locate::RunLinks>, f: &crate::extract::Failure) -> String {
    match links {
        Some(l) => format!(
            "[log line {}]({})",
            f.line,
            l.log_line(&f.job, &f.step, f.line)
        ),
        None => format!("log line {}", f.line),
    }
}

/// `fix --verify`: the verdict first, as a later pull request should cite it.
fn verify_section(md: &mut String, fix: &FixReport, red: &Redactor) {
    let Some(v) = &fix.verification else {
        return;
    };
    let _ = writeln!(
        md,
        "**Verified: {}** ({})\n",
        v.verified.as_str(),
        md_field(red, &v.reason)
    );
    for r in &v.rounds {
        let _ = writeln!(
            md,
            "- round {}: {} by {}: {}",
            r.round,
            r.verified.as_str(),
            md_field(red, &r.fixers.join(", ")),
            md_field(red, &r.reason)
        );
    }
    if let Some(r) = v.rounds.iter().find(|r| !r.last_lines.is_empty()) {
        let text = red.clean(&r.last_lines.join("\n"));
        let _ = writeln!(md, "\nThe re-run's last lines (round {}):\n", r.round);
        md.push_str(&fenced(
            "text",
            &cut_with_marker(&text, MAX_SUMMARY_EXCERPT_BYTES),
        ));
    }
    md.push('\n');
}

fn failures_table(
    md: &mut String,
    report: &DiagnoseReport,
    fix: Option<&FixReport>,
    links: Option<&super::locate::RunLinks>,
    red: &Redactor,
) {
    if report.failures.is_empty() {
        return;
    }
    // With `fix`, each failure's fix status is a column.
    let statuses = fix.map(|f| f.failure_fixes.as_slice()).unwrap_or(&[]);
    let _ = writeln!(md, "### Failures ({})\n", report.failures.len());
    if fix.is_some() {
        md.push_str("| # | Job | Step | Log line | Category | Confidence | Fix | Error |\n");
        md.push_str("|---|---|---|---|---|---|---|---|\n");
    } else {
        md.push_str("| # | Job | Step | Log line | Category | Confidence | Error |\n");
        md.push_str("|---|---|---|---|---|---|---|\n");
    }
    for (i, d) in report.failures.iter().enumerate() {
        let status = match (fix, statuses.get(i)) {
            (None, _) => String::new(),
            (Some(_), Some(s)) => format!(" {} |", s.status.as_str()),
            (Some(_), None) => " not planned |".to_string(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |{status} {} |",
            i + 1,
            md_cell(red, &d.failure.job),
            md_cell(red, &d.failure.step),
            match links {
                Some(l) => format!(
                    "[{}]({})",
                    d.failure.line,
                    l.log_line(&d.failure.job, &d.failure.step, d.failure.line)
                ),
                None => d.failure.line.to_string(),
            },
            d.category.as_str(),
            confidence_str(d.confidence),
            md_cell(red, &d.failure.error_line),
        );
    }
    md.push('\n');
    let n = report.failures.len();
    if n > MAX_ANNOTATIONS {
        let _ = writeln!(
            md,
            "Annotations were made for the first {MAX_ANNOTATIONS} failures … and {} more.\n",
            n - MAX_ANNOTATIONS
        );
    }
}

/// Escapes an annotation property value the way the runner unescapes it.
fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

fn escape_message(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// The path to annotate, when it is a plain relative path inside the
/// workspace: the workspace prefix stripped, no `..`, empty or absolute part,
/// nothing under `.git/`, no backslash or control character.
fn annotation_path(workspace: Option<&Path>, raw: &str) -> Option<String> {
    let mut p = raw.trim();
    if let Some(ws) = workspace.and_then(|w| w.to_str()) {
        let ws = ws.trim_end_matches('/');
        if !ws.is_empty()
            && let Some(rest) = p.strip_prefix(ws).and_then(|r| r.strip_prefix('/'))
        {
            p = rest;
        }
    }
    let p = p.strip_prefix("./").unwrap_or(p);
    if p.is_empty()
        || p.len() > 1024
        || p.starts_with('/')
        || p.contains('\\')
        || p.chars()
            .any(|c| sanitize::must_escape(c) || c == '\n' || c == '\t')
    {
        return None;
    }
    let mut parts = p.split('/');
    if parts
        .clone()
        .any(|part| part.is_empty() || part == ".." || part == ".")
        || parts.next() == Some(".git")
    {
        return None;
    }
    Some(p.to_string())
}

/// Our `::error` annotations, at most [`MAX_ANNOTATIONS`].
fn annotations(report: &DiagnoseReport, sinks: &GithubSinks, red: &Redactor) -> Vec<String> {
    let mut lines = Vec::new();
    for d in report.failures.iter().take(MAX_ANNOTATIONS) {
        let file = d.facts.file.as_deref().or(d
            .failure
            .test
            .as_ref()
            .and_then(|t| t.file.as_deref()));
        let line = d
            .facts
            .line
            .or(d.failure.test.as_ref().and_then(|t| t.line));
        let mut props = Vec::new();
        if let Some(path) = file.and_then(|f| annotation_path(sinks.workspace.as_deref(), f)) {
            props.push(format!("file={}", escape_property(&red.clean_line(&path))));
            if let Some(l) = line.filter(|l| *l > 0) {
                props.push(format!("line={l}"));
            }
        }
        let title = if d.category == Category::Unknown {
            "autoheal: failure".to_string()
        } else {
            format!("autoheal: {}", d.category.as_str())
        };
        props.push(format!("title={}", escape_property(&title)));
        let mut msg = sanitize::cap(&red.clean(&d.failure.error_line), 4096).to_string();
        if !d.suggested_fix.is_empty() {
            msg.push('\n');
            msg.push_str(sanitize::cap(&red.clean(&d.suggested_fix), 4096));
        }
        // Our annotation is a `::` command, so the runner never looks for a
        // legacy `##[` in it; neutralised all the same.
        let msg = escape_message(&msg).replace("##[", "#\\u{23}[");
        lines.push(format!("::error {}::{msg}", props.join(",")));
    }
    lines
}

/// A `::notice` on the line each hunk of the diff changes (the line as it is
/// in the checked-out commit, which is what the annotation points at), with
/// the fix's description; at most [`MAX_ANNOTATIONS`]. Paths come from our
/// own diff and pass the same check as every annotated path.
fn fix_notices(fix: &FixReport, sinks: &GithubSinks, red: &Redactor) -> Vec<String> {
    let mut out = Vec::new();
    for h in super::locate::hunks(&fix.diff)
        .into_iter()
        .take(MAX_ANNOTATIONS)
    {
        let Some(path) = annotation_path(sinks.workspace.as_deref(), &h.file) else {
            continue;
        };
        let what = fix
            .fixes
            .iter()
            .find(|e| e.files.contains(&h.file))
            .map(|e| e.description.as_str())
            .unwrap_or("autoheal changes this line");
        let line = red.clean_line(what);
        let msg = escape_message(sanitize::cap(&line, 4096)).replace("##[", "#\\u{23}[");
        out.push(format!(
            "::notice file={},line={},title={}::{msg}",
            escape_property(&red.clean_line(&path)),
            h.old_line.max(1),
            escape_property(if fix.applied {
                "autoheal fix (applied)"
            } else {
                "autoheal fix (proposed)"
            }),
        ));
    }
    out
}

/// The human report, echoed between stop-commands markers.
fn echo_text(report: &DiagnoseReport, fix: Option<&FixReport>, red: &Redactor) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "autoheal: {} (confidence {})",
        report.category.as_str(),
        confidence_str(report.confidence)
    );
    for (i, d) in report.failures.iter().enumerate() {
        let _ = writeln!(
            s,
            "failure {}: job {:?}, step {:?}, log line {}: {}",
            i + 1,
            sanitize::cap(&red.clean_line(&d.failure.job), MAX_FIELD_BYTES),
            sanitize::cap(&red.clean_line(&d.failure.step), MAX_FIELD_BYTES),
            d.failure.line,
            sanitize::cap(&red.clean_line(&d.failure.error_line), 4096),
        );
        if i == 0 {
            if !d.failure.excerpt.is_empty() {
                s.push_str(sanitize::cap(&red.clean(&d.failure.excerpt), 64 * 1024));
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            }
            if !d.suggested_fix.is_empty() {
                let _ = writeln!(s, "suggested fix: {}", red.clean_line(&d.suggested_fix));
            }
        }
    }
    if let Some(fix) = fix {
        if fix.diff.is_empty() {
            let _ = writeln!(
                s,
                "no fix: {}",
                red.clean_line(fix.reason.as_deref().unwrap_or("none"))
            );
        } else {
            s.push_str(&clean_diff(red, &fix.diff));
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
    }
    s
}

/// `::add-mask::` for the token, one line per line of it: a token with a line
/// break must not start a command.
fn mask_lines(buf: &mut String, token: Option<&str>) {
    if let Some(tok) = token {
        for part in tok.split(['\r', '\n']).map(str::trim) {
            if !part.is_empty() {
                let _ = writeln!(buf, "::add-mask::{part}");
            }
        }
    }
}

/// Appends `text` to `buf` between `::stop-commands::<token>` and
/// `::<token>::`, the token 128 fresh random bits that the text does not hold.
fn push_echo_block(buf: &mut String, text: &str) -> Result<(), GithubError> {
    let mut token = hex(&random_bytes()?);
    // 128 random bits cannot be in the text, but checking costs nothing.
    while text.contains(&token) {
        token = hex(&random_bytes()?);
    }
    let _ = writeln!(buf, "::stop-commands::{token}");
    buf.push_str(text);
    if !text.is_empty() && !text.ends_with('\n') {
        buf.push('\n');
    }
    let _ = writeln!(buf, "::{token}::");
    Ok(())
}

/// Prints the mask for the token. The CLI calls it before anything else in
/// GitHub mode so the mask is the first line of stdout even when a later
/// stage fails; the writers print it again, which is harmless.
pub fn write_mask(sinks: &GithubSinks, out: &mut impl Write) -> Result<(), GithubError> {
    let mut buf = String::new();
    mask_lines(&mut buf, sinks.token.as_deref());
    out.write_all(buf.as_bytes()).map_err(GithubError::Stdout)?;
    out.flush().map_err(GithubError::Stdout)
}

/// Echoes untrusted text (an error message quoting an entry name, a note) on
/// a stream the runner reads: redacted, controls escaped, inside a fresh
/// stop-commands block.
pub fn write_echo(
    text: &str,
    sinks: &GithubSinks,
    out: &mut impl Write,
) -> Result<(), GithubError> {
    let red = Redactor::new(sinks.token.as_deref());
    let mut buf = String::new();
    push_echo_block(&mut buf, &red.clean(text))?;
    out.write_all(buf.as_bytes()).map_err(GithubError::Stdout)?;
    out.flush().map_err(GithubError::Stdout)
}

fn write_stdout(
    report: &DiagnoseReport,
    fix: Option<&FixReport>,
    sinks: &GithubSinks,
    red: &Redactor,
    out: &mut impl Write,
) -> Result<(), GithubError> {
    let mut buf = String::new();
    mask_lines(&mut buf, sinks.token.as_deref());
    for a in annotations(report, sinks, red) {
        buf.push_str(&a);
        buf.push('\n');
    }
    if let Some(fix) = fix {
        for n in fix_notices(fix, sinks, red) {
            buf.push_str(&n);
            buf.push('\n');
        }
    }
    if fix.is_some_and(|f| f.touches_workflows) {
        buf.push_str(
            "::warning title=autoheal::The diff edits .github/workflows/: pushing it needs a \
             token with the workflows permission\n",
        );
    }
    push_echo_block(&mut buf, &echo_text(report, fix, red))?;
    out.write_all(buf.as_bytes()).map_err(GithubError::Stdout)?;
    out.flush().map_err(GithubError::Stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_outgrows_backtick_runs() {
        assert!(fenced("", "a").starts_with("```\n"));
        let f = fenced("text", "x ````` y\n");
        assert!(f.starts_with("``````text\n"));
        assert!(f.ends_with("\n``````\n"));
    }

    /// The content of `s` if it is exactly one padded code span.
    fn span_content(s: &str) -> Option<&str> {
        let n = s.bytes().take_while(|&b| b == b'`').count();
        let fence = &s[..n];
        let inner = s.strip_prefix(fence)?.strip_suffix(fence)?;
        let inner = inner.strip_prefix(' ')?.strip_suffix(' ')?;
        (n > longest_backtick_run(inner)).then_some(inner)
    }

    #[test]
    fn md_field_is_one_code_span() {
        let red = Redactor::default();
        let raw =
            "<img src=x> [a](https://e) https://evil.example/approve @team &#64; `x` ``y``\nnext";
        let f = md_field(&red, raw);
        let inner = span_content(&f).unwrap_or_else(|| panic!("not one span: {f}"));
        assert_eq!(
            inner,
            "<img src=x> [a](https://e) https://evil.example/approve @team &#64; `x` ``y``\\u{a}next"
        );
        assert!(f.starts_with("``` "), "{f}");
        assert!(md_field(&red, &"a".repeat(1000)).ends_with("… `"));
        assert_eq!(md_field(&red, ""), "");
        // A table cell: pipes escaped, and a backslash cannot undo the escape.
        let c = md_cell(&red, r"a|b\|c\\");
        assert_eq!(span_content(&c), Some(r"a\|b\\\|c\\"));
    }

    #[test]
    fn printed_text_with_commands_is_fenced_by_stop_commands() {
        let plain = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(guard_printed(plain, 1000).ok().as_deref(), Some(plain));
        for bad in [
            " ::set-output name=x::y\n",
            "+x ##[set-output name=fixable]true\n",
            "+ok\r::error::x\n",
        ] {
            let g = guard_printed(&format!("{plain}{bad}"), 1000).unwrap_or_default();
            assert!(g.starts_with("::stop-commands::"), "{g}");
            let tok = g
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("::stop-commands::");
            assert_eq!(tok.len(), 32);
            assert!(g.ends_with(&format!("\n::{tok}::\n")), "{g}");
            assert!(g.contains(bad));
        }
        let big = format!("{}\n##[x]", "+a\n".repeat(100));
        assert!(guard_printed(&big, 200).unwrap_or_default().len() <= 200);
    }

    #[test]
    fn property_and_message_escapes() {
        assert_eq!(
            escape_property("a.py,title=x::y%\r\n"),
            "a.py%2Ctitle=x%3A%3Ay%25%0D%0A"
        );
        assert_eq!(escape_message("a::b%\r\n"), "a::b%25%0D%0A");
    }

    #[test]
    fn annotation_paths() {
        let ws = Path::new("/home/runner/work/r/r");
        let ok = |s: &str| annotation_path(Some(ws), s);
        assert_eq!(ok("tests/a.py").as_deref(), Some("tests/a.py"));
        assert_eq!(ok("./tests/a.py").as_deref(), Some("tests/a.py"));
        assert_eq!(
            ok("/home/runner/work/r/r/src/x.rs").as_deref(),
            Some("src/x.rs")
        );
        for bad in [
            "../x",
            "a/../../etc/passwd",
            "/etc/passwd",
            ".git/hooks/x",
            "a//b",
            "C:\\x",
            "",
            "a\u{202e}b",
            "a\nb",
        ] {
            assert_eq!(ok(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_v4().unwrap_or_default();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, uuid_v4().unwrap_or_default());
    }

    #[test]
    fn confidence_format() {
        assert_eq!(confidence_str(0.97), "0.97");
        assert_eq!(confidence_str(1.0), "1");
        assert_eq!(confidence_str(0.0), "0");
        assert_eq!(confidence_str(f64::NAN), "0");
        assert_eq!(confidence_str(0.851234), "0.8512");
    }

    #[test]
    fn diff_keeps_crlf_but_escapes_other_controls() {
        let red = Redactor::default();
        assert_eq!(
            clean_diff(&red, "+a\r\n+b\rc\x1b\n"),
            "+a\r\n+b\\u{d}c\\u{1b}\n"
        );
    }

    #[test]
    fn summary_truncates_with_marker() {
        let s = cut_with_marker(&"é".repeat(100), 51);
        assert!(s.ends_with("… [truncated 150 bytes]\n"));
    }

    #[test]
    fn value_holding_its_delimiter_is_refused() {
        let mut buf = String::new();
        let d = "ghadelimiter_0";
        let err = push_heredoc(&mut buf, "diff", "x\nghadelimiter_0\nfixable=true", d);
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("output diff contains its delimiter".to_string())
        );
        assert!(buf.is_empty());
        assert!(push_heredoc(&mut buf, "diff", "x\nEOF", d).is_ok());
        assert_eq!(buf, "diff<<ghadelimiter_0\nx\nEOF\nghadelimiter_0\n");
    }

    #[test]
    fn output_names_are_valid() {
        for n in [
            "category",
            "confidence",
            "fixable",
            "applied",
            "diff",
            "diff-file",
            "files-changed",
            "touches-workflows",
            "pr-body",
            "pr-body-file",
            "error-line",
            "failed-job",
            "failed-step",
            "suggested-fix",
            "verified",
            "verified-reason",
        ] {
            assert!(valid_output_name(n));
        }
        assert!(!valid_output_name("1x"));
        assert!(!valid_output_name("a b"));
    }
}
