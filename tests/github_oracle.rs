//! The runner as an oracle: the injection attempts of SECURITY.md §1 and §8
//! run through the GitHub writer and read back through a parser of stdout and
//! of `GITHUB_OUTPUT` that behaves like actions/runner (`support/runner.rs`,
//! shared with `security.rs`).

use std::collections::BTreeMap;

#[path = "support/markdown.rs"]
mod markdown;
#[path = "support/runner.rs"]
mod runner;

use markdown::{strip_code_spans, table_cells};
use runner::{runner_commands, runner_outputs};

use autoheal::classify::{Category, Diagnosis, Facts};
use autoheal::extract::Failure;
use autoheal::report::github::{
    GithubError, GithubSinks, MAX_OUTPUT_BYTES, MAX_SUMMARY_BYTES, write_diagnose, write_echo,
    write_fix, write_mask,
};
use autoheal::report::{Applicability, DiagnoseReport, FixEntry, FixReport};

const TOKEN: &str = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB";
const PLANTED: &str = "ghp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210";

fn diagnosis(job: &str, step: &str, error_line: &str, excerpt: &str) -> Diagnosis {
    Diagnosis {
        failure: Failure {
            job: job.into(),
            step: step.into(),
            line: 42,
            error_line: error_line.into(),
            excerpt: excerpt.into(),
            ..Failure::default()
        },
        category: Category::DependencyMissing,
        confidence: 0.97,
        explanation: vec![("no module named".into(), 2.1)],
        facts: Facts {
            module: Some("yaml".into()),
            ..Facts::default()
        },
        suggested_fix: "Add PyYAML to the dependencies".into(),
    }
}

/// Every hostile string of SECURITY.md §1 in one place, put in each field.
fn hostile() -> Vec<&'static str> {
    vec![
        "::add-mask::error",
        "  ::stop-commands::zzz",
        "::ERROR file=x::injected",
        "##[set-output name=x]y",
        "x ##[add-mask]x",
        "EOF",
        "ghadelimiter_00000000-0000-4000-8000-000000000000",
        "x\nfixable=true",
        "x\r\n::error::cr",
        "```\n</details><img src=x onerror=alert(1)>",
        "[Fixed ✅](https://evil) @team | a | b",
        "\x1b[1A\x1b]8;;https://evil\x07link\x1b]8;;\x07\0\u{202e}\u{2066}",
        PLANTED,
    ]
}

struct Run {
    stdout: String,
    outputs: Vec<(String, String)>,
    summary: String,
    dir: tempfile::TempDir,
}

fn sinks(dir: &tempfile::TempDir, token: Option<&str>) -> GithubSinks {
    GithubSinks {
        output: Some(dir.path().join("output")),
        summary: Some(dir.path().join("summary")),
        runner_temp: Some(dir.path().join("tmp")),
        workspace: Some("/home/runner/work/r/r".into()),
        token: token.map(String::from),
        ..GithubSinks::default()
    }
}

fn fix_report(diag: DiagnoseReport, diff: &str) -> FixReport {
    FixReport {
        diagnosis: diag,
        fixes: vec![FixEntry {
            fixer: "python-module-not-installed".into(),
            applicability: Applicability::Safe,
            files: vec!["requirements.txt".into()],
            applied: false,
            description: "add PyYAML".into(),
            evidence: Default::default(),
            verified: None,
        }],
        diff: diff.into(),
        applied: false,
        reason: None,
        files_changed: vec!["requirements.txt".into()],
        touches_workflows: false,
        failure_fixes: Vec::new(),
        verification: None,
    }
}

fn run_fix(report: &FixReport, token: Option<&str>) -> Result<Run, GithubError> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("tmp")).expect("mkdir");
    let mut stdout = Vec::new();
    write_fix(report, &sinks(&dir, token), &mut stdout)?;
    Ok(read_run(dir, stdout))
}

fn run_diagnose(report: &DiagnoseReport, token: Option<&str>) -> Result<Run, GithubError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut stdout = Vec::new();
    write_diagnose(report, true, &sinks(&dir, token), &mut stdout)?;
    Ok(read_run(dir, stdout))
}

fn read_run(dir: tempfile::TempDir, stdout: Vec<u8>) -> Run {
    let out = std::fs::read_to_string(dir.path().join("output")).unwrap_or_default();
    Run {
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        outputs: runner_outputs(&out).expect("outputs parse"),
        summary: std::fs::read_to_string(dir.path().join("summary")).unwrap_or_default(),
        dir,
    }
}

const FIX_OUTPUTS: [&str; 14] = [
    "category",
    "confidence",
    "error-line",
    "failed-job",
    "failed-step",
    "suggested-fix",
    "fixable",
    "applied",
    "diff",
    "diff-file",
    "files-changed",
    "touches-workflows",
    "pr-body",
    "pr-body-file",
];

/// The runner must see exactly our commands: the mask, our annotations, one
/// stop-commands block and nothing else.
fn assert_only_our_commands(stdout: &str, token: Option<&str>) {
    let cmds = runner_commands(stdout);
    // The notice on the line a fix changes is ours: a path from our diff.
    for n in cmds.iter().filter(|c| c.name == "notice") {
        assert!(n.props.starts_with("file="), "{n:?}");
        assert!(n.props.contains(",title=autoheal fix ("), "{n:?}");
    }
    let mut names: Vec<&str> = cmds
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| *n != "notice")
        .collect();
    names.dedup();
    let expected: Vec<&str> = if token.is_some() {
        vec!["add-mask", "error", "stop-commands"]
    } else {
        vec!["error", "stop-commands"]
    };
    assert_eq!(names, expected, "commands seen: {cmds:#?}");
    assert!(cmds.iter().all(|c| !c.legacy));
    if let Some(t) = token {
        assert!(stdout.starts_with(&format!("::add-mask::{t}\n")));
        assert_eq!(cmds[0].data, t);
    }
    let stop = cmds.iter().filter(|c| c.name == "stop-commands").count();
    assert_eq!(stop, 1);
    // The stop token is 128 bits of hex and appears exactly twice.
    let tok = &cmds
        .iter()
        .find(|c| c.name == "stop-commands")
        .expect("stop")
        .data;
    assert_eq!(tok.len(), 32);
    assert!(tok.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(stdout.matches(tok.as_str()).count(), 2);
    // Everything after the block is ours: the block is closed.
    assert!(stdout.ends_with(&format!("::{tok}::\n")));
}

fn assert_clean_sink(name: &str, text: &str, token: Option<&str>) {
    assert!(!text.contains(PLANTED), "planted secret in {name}");
    if let Some(t) = token {
        // The mask line is the one place the token may appear.
        let without_mask = text.replacen(&format!("::add-mask::{t}\n"), "", 1);
        assert!(!without_mask.contains(t), "token in {name}");
    }
    for c in text.chars() {
        let bad = matches!(c, '\0'..='\x08' | '\x0b'..='\x0c' | '\x0e'..='\x1f' | '\x7f'..='\u{9f}')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "raw {c:?} in {name}");
    }
}

#[test]
fn hostile_fields_reach_no_channel_as_commands() {
    for h in hostile() {
        let diag = DiagnoseReport::new(vec![diagnosis(h, h, h, &format!("ctx\n{h}\nmore"))]);
        let fix = fix_report(diag, &format!("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-{h}\n+ok\n"));
        for token in [None, Some(TOKEN)] {
            let run = run_fix(&fix, token).expect("write");
            assert_only_our_commands(&run.stdout, token);
            // Outputs: exactly the interface's names, once each.
            let names: Vec<&str> = run.outputs.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(names, FIX_OUTPUTS, "for {h:?}");
            let map: BTreeMap<_, _> = run.outputs.iter().cloned().collect();
            assert_eq!(map["fixable"], "true");
            assert_eq!(map["applied"], "false");
            assert_eq!(map["category"], "dependency_missing");
            for field in ["error-line", "failed-job", "failed-step"] {
                assert!(!map[field].contains('\n'), "{field} spans lines");
            }
            assert_clean_sink("stdout", &run.stdout, token);
            assert_clean_sink("summary", &run.summary, token);
            for (k, v) in &run.outputs {
                assert_clean_sink(k, v, token);
            }
            assert_no_markdown_injection(&run.summary);
        }
    }
}

/// Outside fences, no raw `<`, `[`, `@`, `|` from input: the only ones left
/// are the table's own pipes.
fn assert_no_markdown_injection(md: &str) {
    let mut fence: Option<String> = None;
    let mut columns: Option<usize> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(f) => {
                if ticks.len() >= f.len() && line.trim_end() == ticks {
                    fence = None;
                }
                continue;
            }
            None if ticks.len() >= 3 && !line[ticks.len()..].contains('`') => {
                fence = Some(ticks);
                continue;
            }
            None => {}
        }
        // Log text sits in code spans, where nothing is Markdown or HTML.
        let body = if line.starts_with('|') {
            // Table rows: cells must not add columns.
            // As many cells as the header row: 7 columns, 8 with `fix`'s status.
            let cells = table_cells(line);
            let want = *columns.get_or_insert(cells.len());
            assert!(want == 9 || want == 10, "header {line:?}");
            assert_eq!(cells.len(), want, "row {line:?}");
            cells
                .iter()
                .map(|c| strip_code_spans(c))
                .collect::<Vec<_>>()
                .join("")
        } else {
            strip_code_spans(line)
        };
        for bad in ['<', '[', '@', '|', '`'] {
            // `> [!WARNING]` alerts are ours.
            let ours = line.starts_with("> [!")
                || (bad == '`' && body.contains("`workflows`"))
                || (bad == '<'
                    && ["<details><summary>Log excerpt</summary>", "</details>"].contains(&line));
            assert!(ours || !body.contains(bad), "raw {bad:?} in {line:?}");
        }
        assert!(
            !body.contains("https://"),
            "bare URL outside a code span: {line:?}"
        );
    }
    assert!(fence.is_none(), "unclosed fence");
}

#[test]
fn excerpt_fence_cannot_be_closed_from_inside() {
    let excerpt = "a\n````\n```````\n<img src=x>\n``";
    let diag = DiagnoseReport::new(vec![diagnosis("j", "s", "e", excerpt)]);
    let run = run_diagnose(&diag, None).expect("write");
    assert!(run.summary.contains("````````text\n"));
    assert_no_markdown_injection(&run.summary);
}

#[test]
fn diagnose_writes_only_outputs_without_a_fix() {
    let diag = DiagnoseReport::new(vec![diagnosis("test", "Run tests", "E   boom", "ctx")]);
    let run = run_diagnose(&diag, Some(TOKEN)).expect("write");
    let names: Vec<&str> = run.outputs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "category",
            "confidence",
            "fixable",
            "error-line",
            "failed-job",
            "failed-step",
            "suggested-fix"
        ]
    );
    let map: BTreeMap<_, _> = run.outputs.into_iter().collect();
    assert_eq!(map["failed-job"], "test");
    assert_eq!(map["failed-step"], "Run tests");
    assert_eq!(map["confidence"], "0.97");
    assert_eq!(map["fixable"], "true");
    assert_only_our_commands(&run.stdout, Some(TOKEN));
}

#[test]
fn no_failure_gives_unknown_and_empty_fields() {
    let run = run_diagnose(&DiagnoseReport::new(vec![]), None).expect("write");
    let map: BTreeMap<_, _> = run.outputs.into_iter().collect();
    assert_eq!(map["category"], "unknown");
    assert_eq!(map["failed-job"], "");
    assert!(run.summary.contains("No failure found"));
    let cmds = runner_commands(&run.stdout);
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].name, "stop-commands");
}

#[test]
fn delimiter_guess_is_irrelevant_and_round_trips() {
    // A value holding a whole heredoc with a guessed delimiter stays one value.
    let v = "a\nghadelimiter_11111111-1111-4111-8111-111111111111\ncategory=evil\nEOF";
    let diag = DiagnoseReport::new(vec![diagnosis("j", "s", "e", "x")]);
    let mut fix = fix_report(diag, &format!("--- a/x\n+++ b/x\n+{v}\n"));
    fix.diff = format!("+{v}\n");
    let run = run_fix(&fix, None).expect("write");
    let map: BTreeMap<_, _> = run.outputs.iter().cloned().collect();
    // The heredoc keeps the diff's final newline.
    assert_eq!(map["diff"], format!("+{v}\n"));
    assert_eq!(map["category"], "dependency_missing");
    assert_eq!(run.outputs.len(), FIX_OUTPUTS.len());
}

#[test]
fn diff_file_holds_the_whole_diff_and_output_is_capped() {
    let big = format!("+{}\n", "é".repeat(MAX_OUTPUT_BYTES));
    let diag = DiagnoseReport::new(vec![diagnosis("j", "s", "e", "x")]);
    let fix = fix_report(diag, &big);
    let run = run_fix(&fix, None).expect("write");
    let map: BTreeMap<_, _> = run.outputs.iter().cloned().collect();
    assert!(map["diff"].len() <= MAX_OUTPUT_BYTES);
    let file = std::path::Path::new(&map["diff-file"]);
    assert!(file.starts_with(run.dir.path().join("tmp")));
    assert_eq!(std::fs::read_to_string(file).expect("diff-file"), big);
    assert!(run.summary.len() <= MAX_SUMMARY_BYTES);
}

#[test]
fn summary_is_capped_with_marker() {
    let many: Vec<Diagnosis> = (0..5000)
        .map(|i| diagnosis(&"j".repeat(290), &format!("s{i}"), &"e<".repeat(200), "x"))
        .collect();
    let diag = DiagnoseReport::new(many);
    let run = run_diagnose(&diag, None).expect("write");
    assert!(
        run.summary.len() <= MAX_SUMMARY_BYTES,
        "{}",
        run.summary.len()
    );
    assert!(run.summary.trim_end().ends_with("bytes]"));
    assert!(run.summary.contains("… [truncated "));
    // Ten annotations, the rest summarised.
    let errors = runner_commands(&run.stdout)
        .into_iter()
        .filter(|c| c.name == "error")
        .count();
    assert_eq!(errors, 10);
}

#[test]
fn many_failures_are_summarised_beyond_ten() {
    let many: Vec<Diagnosis> = (0..490)
        .map(|i| diagnosis("j", &format!("s{i}"), "e", "x"))
        .collect();
    let run = run_diagnose(&DiagnoseReport::new(many), None).expect("write");
    assert!(run.summary.contains("… and 480 more"));
}

#[test]
fn annotation_properties_are_escaped() {
    let mut d = diagnosis("j", "s", "boom\r\n::error::cr %0A", "x");
    d.facts.file = Some("a.py,title=x::y".into());
    d.facts.line = Some(7);
    let run = run_diagnose(&DiagnoseReport::new(vec![d]), None).expect("write");
    let cmds = runner_commands(&run.stdout);
    let err = cmds.iter().find(|c| c.name == "error").expect("annotation");
    assert_eq!(
        err.props,
        "file=a.py%2Ctitle=x%3A%3Ay,line=7,title=autoheal%3A dependency_missing"
    );
    assert!(!err.data.contains('\r') && !err.data.contains('\n'));
    assert!(err.data.starts_with("boom\\u{d}%0A::error::cr %250A"));
    assert_eq!(cmds.iter().filter(|c| c.name == "error").count(), 1);
}

#[test]
fn unsafe_paths_are_not_annotated() {
    for p in ["../../etc/passwd", "/etc/passwd", ".git/hooks/pre-commit"] {
        let mut d = diagnosis("j", "s", "e", "x");
        d.facts.file = Some(p.into());
        let run = run_diagnose(&DiagnoseReport::new(vec![d]), None).expect("write");
        let cmds = runner_commands(&run.stdout);
        let err = cmds.iter().find(|c| c.name == "error").expect("annotation");
        assert!(!err.props.contains("file="), "{p}: {}", err.props);
    }
    let mut d = diagnosis("j", "s", "e", "x");
    d.facts.file = Some("/home/runner/work/r/r/tests/t.py".into());
    d.facts.line = Some(3);
    let run = run_diagnose(&DiagnoseReport::new(vec![d]), None).expect("write");
    assert!(run.stdout.contains("::error file=tests/t.py,line=3,"));
}

#[test]
fn workflow_edits_warn_and_unsafe_rewrites_say_so() {
    let mut d = diagnosis("j", "s", "assert 'ok' == 'healthy'", "x");
    d.category = Category::ApiContractMismatch;
    d.facts.expected = Some("'healthy'".into());
    d.facts.actual = Some("'ok' @team <b>".into());
    let mut fix = fix_report(DiagnoseReport::new(vec![d]), "+x\n");
    fix.fixes[0].applicability = Applicability::Unsafe;
    fix.touches_workflows = true;
    let run = run_fix(&fix, None).expect("write");
    assert!(
        run.summary
            .contains("expected value changed from ` 'healthy' ` to ` 'ok' @team <b> ` on the basis of CI output"),
        "{}",
        run.summary
    );
    assert_no_markdown_injection(&run.summary);
    assert!(run.summary.contains("`workflows` permission"));
    let map: BTreeMap<_, _> = run.outputs.into_iter().collect();
    assert_eq!(map["touches-workflows"], "true");
    let cmds = runner_commands(&run.stdout);
    assert!(cmds.iter().any(|c| c.name == "warning"));
}

#[test]
fn no_fix_reports_the_reason() {
    let diag = DiagnoseReport::new(vec![diagnosis("j", "s", "e", "x")]);
    let mut fix = fix_report(diag, "");
    fix.fixes.clear();
    fix.files_changed.clear();
    fix.reason = Some("refused (hash-mode): requirements.txt uses hash-checking mode".into());
    let run = run_fix(&fix, None).expect("write");
    let map: BTreeMap<_, _> = run.outputs.into_iter().collect();
    assert_eq!(map["fixable"], "false");
    assert_eq!(map["diff"], "");
    assert_eq!(map["diff-file"], "");
    assert!(run.summary.contains("refused (hash-mode)"));
}

#[test]
fn secrets_in_every_field_are_redacted() {
    let b64 = "Z2hzXzAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ekFC";
    let text = format!(
        "tok {TOKEN} b64 {b64} aws AKIAIOSFODNN7EXAMPLE url https://u:p4ss@h.example/x {PLANTED}"
    );
    let diag = DiagnoseReport::new(vec![diagnosis(&text, &text, &text, &text)]);
    let fix = fix_report(diag, &format!("+{text}\n"));
    let run = run_fix(&fix, Some(TOKEN)).expect("write");
    let map: BTreeMap<_, _> = run.outputs.iter().cloned().collect();
    let file = std::fs::read_to_string(&map["diff-file"]).expect("diff-file");
    for (name, sink) in [
        ("stdout", run.stdout.as_str()),
        ("summary", run.summary.as_str()),
        ("diff-file", file.as_str()),
    ]
    .into_iter()
    .chain(run.outputs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    {
        assert_clean_sink(name, sink, Some(TOKEN));
        for s in [b64, "IOSFODNN7EXAMPLE", "p4ss"] {
            assert!(!sink.contains(s), "{s} in {name}");
        }
    }
    assert!(run.summary.contains("***REDACTED***"));
}

#[test]
fn token_with_line_break_cannot_inject() {
    let tok = "abcdefgh\n::error::pwned";
    let diag = DiagnoseReport::new(vec![]);
    let run = run_diagnose(&diag, Some(tok)).expect("write");
    let cmds = runner_commands(&run.stdout);
    assert!(
        cmds.iter()
            .all(|c| c.name == "add-mask" || c.name == "stop-commands")
    );
}

#[test]
fn bare_carriage_returns_cannot_split_a_value_or_a_line() {
    let h = "a\rcategory=evil\r::add-mask::x\r\n::warning::y";
    let diag = DiagnoseReport::new(vec![diagnosis(h, h, h, h)]);
    let fix = fix_report(diag, &format!("+{h}\r\n+ok\r\n"));
    let run = run_fix(&fix, None).expect("write");
    assert_only_our_commands(&run.stdout, None);
    let names: Vec<&str> = run.outputs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, FIX_OUTPUTS);
    let map: BTreeMap<_, _> = run.outputs.iter().cloned().collect();
    assert_eq!(map["category"], "dependency_missing");
}

#[test]
fn echo_and_mask_helpers_for_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = sinks(&dir, Some(TOKEN));
    let mut out = Vec::new();
    write_mask(&s, &mut out).expect("mask");
    for h in hostile() {
        write_echo(
            &format!("error: archive entry \"{h}\" is not a local path {TOKEN}"),
            &s,
            &mut out,
        )
        .expect("echo");
    }
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.starts_with(&format!("::add-mask::{TOKEN}\n")));
    let names: Vec<String> = runner_commands(&text).into_iter().map(|c| c.name).collect();
    assert_eq!(names[0], "add-mask");
    assert!(names[1..].iter().all(|n| n == "stop-commands"), "{names:?}");
    assert_eq!(names.len(), 1 + hostile().len());
    assert_clean_sink("stderr", &text, Some(TOKEN));
}

/// Fragments an attacker would combine, glued by arbitrary text.
fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        Just("::".to_string()),
        Just("::add-mask::".to_string()),
        Just("::stop-commands::".to_string()),
        Just("##[".to_string()),
        Just("]".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("\r\n".to_string()),
        Just("=".to_string()),
        Just("<<".to_string()),
        Just("EOF".to_string()),
        Just("ghadelimiter_".to_string()),
        Just("```".to_string()),
        Just("<img src=x>".to_string()),
        Just("[x](https://evil)".to_string()),
        Just("@team".to_string()),
        Just("|".to_string()),
        Just("%0A".to_string()),
        Just("\u{202e}".to_string()),
        Just("\0".to_string()),
        Just(PLANTED.to_string()),
        "\\PC{0,8}",
        proptest::collection::vec(any::<char>(), 0..4).prop_map(|v| v.into_iter().collect()),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_fields_never_inject(
        parts in proptest::collection::vec(fragment(), 0..24),
        file in proptest::collection::vec(fragment(), 0..4),
    ) {
        let h: String = parts.concat();
        let mut d = diagnosis(&h, &h, &h, &h);
        d.facts.file = Some(file.concat());
        d.facts.line = Some(3);
        d.suggested_fix = h.clone();
        let fix = fix_report(DiagnoseReport::new(vec![d]), &format!("+{h}\n"));
        let run = run_fix(&fix, Some(TOKEN)).expect("write");
        assert_only_our_commands(&run.stdout, Some(TOKEN));
        let names: Vec<&str> = run.outputs.iter().map(|(k, _)| k.as_str()).collect();
        proptest::prop_assert_eq!(names, FIX_OUTPUTS);
        assert_clean_sink("stdout", &run.stdout, Some(TOKEN));
        assert_clean_sink("summary", &run.summary, Some(TOKEN));
        for (k, v) in &run.outputs {
            assert_clean_sink(k, v, Some(TOKEN));
        }
        assert_no_markdown_injection(&run.summary);
    }
}

#[test]
fn oracle_sees_injection_without_our_escaping() {
    // The oracle itself must catch what the writer prevents.
    let cmds = runner_commands(
        "x\n  ::ADD-MASK::y\nfoo ##[set-output name=x]y\n::stop-commands::t\n::error::no\n::t::\n::warning::yes\n",
    );
    let names: Vec<_> = cmds.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["add-mask", "set-output", "stop-commands", "warning"]
    );
    let outs = runner_outputs("a=1\nb<<EOF\nx\nfixable=true\nEOF\nc=2=3\n").expect("parse");
    assert_eq!(
        outs,
        [
            ("a".into(), "1".into()),
            ("b".into(), "x\nfixable=true".into()),
            ("c".into(), "2=3".into())
        ]
    );
    assert!(runner_outputs("b<<EOF\nx\n").is_err());
    // A bare CR ends a line for the runner.
    let cmds = runner_commands("x\r::warning::cr");
    assert_eq!(cmds.len(), 1);
}
