//! Markerless: the failure of a stream that carries no verdict of its own.
//!
//! An excerpt pasted from the web UI into an issue, a local run, another CI's
//! log: none has `##[error]` or `Process completed with exit code`, and many
//! state their cause in a shape the main scorer rates too weakly to trust on
//! its own (a lone `npm ERR! code E403`, a YAML parser's `line 3: ...`, a
//! release tool's `ENOGHTOKEN`, a CLI naming the token variable to set). So a
//! stream without verdicts is read a second time for the failure's own
//! evidence: error words at the start of a line, `ERR!`, `FAILED`, `fatal:`,
//! `panic:`, `×`, a traceback's `raise`, a non-zero exit code. A run stops at
//! the failure that killed it, so the last region of evidence is the root
//! cause, and inside it the strongest line (the first of equals: tools state
//! the point first and add detail below).
//!
//! Success must stay quiet: `0 errors`, `exit code 0`, warnings and counts of
//! nothing are never evidence, and a stream that ends with a success summary
//! is still clean (the caller checks that).
//!
//! Other CIs close a failed job or step with a verdict of their own
//! (CircleCI's `Exited with code exit status 1`, Travis's `The command "x"
//! exited with 1.`, Jenkins' `Finishing: FAILURE`, Azure's `Bash exited with
//! code '1'`); [`verdict`] reads them so such a stream counts as failed.

use std::sync::LazyLock;

use regex::Regex;

use crate::ingest::Line;
use crate::pattern::PatternSet;

mod shapes;

/// A line is evidence at this score or more.
pub(super) const MIN_EVIDENCE: u32 = 50;
/// Two evidence lines this many lines apart or closer belong to one region.
const REGION_GAP: usize = 6;
/// A verdict counts among this many last non-empty lines.
const VERDICT_LINES: usize = 6;

/// Prefixes that other runners and tools put before every line and that the
/// main scorer does not know: Nix's `pkg> `, gitlab-ci-local's `job   > `, a
/// Markdown quote's `> `, a pasted viewer's `516 | `, Compose's `db_1  | `,
/// Amplify's `[INFO]: `, a script's `[run.sh:77] `, TeamCity's `[12:44:28]`,
/// a clock time followed by two spaces, CTest's `74: `, BuildKit's
/// `=> => # `, logrus' `INFO[0000] `, npm's `npm verb stack `, syslog's
/// `Jan 25 17:14:56 host prog[12]: `, autopkgtest's `148s `, Heroku's `! `.
static FOREIGN_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\s*\d+\s*\|\s|[A-Za-z0-9][\w.@+-]*\s*> |>\s+|[a-z0-9][\w.-]*[_-]\d+\s+\|(?:\s|$)|\[(?:INFO|ERROR|WARNING|DEBUG)\]: |\[[a-z][\w@/.:-]*\]\s+|\[\d\d:\d\d:\d\d\](?:[A-Z]?:)?\s+|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [\w.@-]+(?:\[\d+\])?: |\[\s*\d+s\]\s+|\d+s\s+|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d |\s*!\s+|\d\d:\d\d:\d\d\s{2,}|\d{1,4}: |\s*=> => # |(?:INFO|DEBU|WARN)\[\d+\] |(?:npm |\d+ )verb(?:ose)? stack )+",
    )
    .expect("foreign prefix pattern is valid")
});

/// The failure's own evidence, with scores on the main scorer's scale.
const EVIDENCE: &[(&str, u32)] = &[
    // npm's first line names the error code; alone it is the whole story.
    (r"^npm (?:ERR!|error) code E[A-Z0-9_]+\s*$", 70),
    (r"\bERR!\s+\S", 55),
    // Release tools' missing-token codes (semantic-release `ENOGHTOKEN`).
    (r"\bE(?:NO|INVALID)[A-Z]*TOKEN\b", 92),
    // A CLI naming the variable to set (`set the GH_TOKEN environment variable`).
    (
        r"(?i)\b(?:set|provide|export|define) (?:the |your |an? )?`?\$?[A-Z][A-Z0-9_]{2,}`? (?:env(?:ironment)? )?var",
        88,
    ),
    (
        r"\b[A-Z][A-Z0-9]*_(?:TOKEN|KEY|SECRET|PASSWORD)\b.*\b(?:environment variable|env var|not (?:set|found|provided))",
        86,
    ),
    // A test runner's advice: `You passed the --record flag but did not provide us your Record Key`.
    (
        r"(?i)\byou passed (?:the )?--[\w-]+ (?:flag|option|argument)\b.*\bdid not provide\b",
        90,
    ),
    // A YAML parser's location (`yaml: line 12: did not find expected key`).
    (r"(?:^|: )line \d+(?:, column \d+)?: \S", 72),
    (r"\bat line \d+,? column \d+\b", 66),
    // Marks that tools put before a failed item.
    (
        r"^\s*(?:×|✖|✗|✘|❌|\[✗\]|\[x\]|\[FAIL\]|\[FAILED\])\s*\S",
        60,
    ),
    (r"^\s*(?:fatal|panic|FATAL|PANIC):\s*\S", 60),
    (r"^\s*Error(?: [A-Z]{2,}\d{2,})?:\s*\S", 60),
    (r"\b[Ee]rror [A-Z]{2,}\d{3,}:\s*\S", 65),
    (r"^\s*error(?:\[\w+\])?\s+\S", 56),
    (r"^\s*FAILED\b|\bFAILED$", 52),
    // A traceback cut off after its last frame's source line.
    (r"^\s+raise [A-Z]\w*", 55),
    (
        r"(?i)^\s*(?:could not|cannot|can't|unable to|failed to) \w",
        55,
    ),
    (
        r"(?i)\b(?:was|were|is|are) not found\b|\bunknown revision\b|\brequires a different version\b|Can't resolve '",
        58,
    ),
    // MSBuild's `project.csproj : error : message` and `error NU1301:`.
    (r"\s:\s+error(?: [A-Z]+\d+)?\s*:\s*\S", 62),
    (r"^Problem \d+$", 55),
    (
        r"(?i)\berrors? (?:found|detected|occurred|in your)\b|^Found errors\b",
        58,
    ),
    (r"^\s*[A-Z]\w*(?: \w+)? failed\b(?:!|,|$)", 52),
    (r"^\s*Invalid [a-z]\w* \w+", 55),
    (
        r"(?i)\b(?:is|are) (?:missing|invalid|not (?:valid|allowed|supported|installed|defined|found))\b",
        52,
    ),
    (r"(?i)\bshould be an? \w+", 50),
];

// Compiled pattern by pattern, only for lines that hold a pattern's literal:
// a clean log should not pay for automata it never needs.
static EVIDENCE_SET: LazyLock<(PatternSet, Vec<u32>)> = LazyLock::new(|| {
    let set = PatternSet::new(EVIDENCE.iter().map(|(p, _)| *p));
    (set, EVIDENCE.iter().map(|(_, s)| *s).collect())
});

/// Lines that report nothing wrong even though they use the words.
static NOT_EVIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:0|no|zero) (?:errors?|failures?|failed|problems?|issues?)\b|\b(?:errors?|failures?|failed)\s*[:=]\s*0\b|\bwithout errors\b|\bexit(?:ed with)? (?:code |status )?0\b|^\s*(?:warn(?:ing)?|deprecat\w*|note|hint|info)\b|\bif (?:it|this|that)\b|\bignor(?:e|ed|ing)\b",
    )
    .expect("not-evidence pattern is valid")
});

/// Another CI's (or a shell's) statement that the job or step failed.
static VERDICT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(?:Exited with code (?:exit status )?[1-9]\d*|The command ".*" (?:exited|failed) with [1-9]\d*\.?|The command ".*" failed and exited with [1-9]\d* during|Finished: FAILURE|(?:##\[error\]|\[error\])?\w+ exited with code '[1-9]\d*'\.?|script returned exit code [1-9]\d*|(?:ERROR|WARNING): Job failed: exit (?:code|status) [1-9]\d*|\S+ exited with code [1-9]\d*|\^\^\^ \+\+\+|(?:Error: )?The process '.*' failed with exit code [1-9]\d*|make(?:\[\d+\])?: \*\*\* .*(?:Error|Fehler|Erreur|Errore|Erro|Ошибка|错误|エラー) [1-9]\d*|🚨 Error: The command exited with status [1-9]\d*)\s*$"#,
    )
    .expect("verdict pattern is valid")
});

/// Step headers of other CIs, the step's name captured: GitLab's
/// `section_start:<time>:<name>`, Travis's `travis_fold:start:<name>`,
/// Jenkins' `[Pipeline] { (<stage>)`, Azure's `##[section]Starting: <name>`,
/// Buildkite's `--- <name>` / `+++ <name>` / `~~~ <name>` groups.
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:section_start:\d+:([\w.-]+)|travis_fold:start:([\w.-]+)|\[Pipeline\] \{ \((.+)\)$|##\[section\]Starting: (.+)$|(?:---|\+\+\+|~~~) (\S.*)$)",
    )
    .expect("section pattern is valid")
});

/// The end of a step of those that mark one.
static SECTION_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:section_end:\d+:|travis_fold:end:|\[Pipeline\] // stage$|##\[section\]Finishing: )",
    )
    .expect("section end pattern is valid")
});

/// Lines a step header is looked for above the root cause.
const SECTION_LOOKBACK: usize = 400;

/// The name of the other CI's step that holds line `index`: the nearest step
/// header above it, if the stream has one.
pub(super) fn section(lines: &[&Line], index: usize) -> Option<String> {
    let from = index.saturating_sub(SECTION_LOOKBACK);
    let window = lines.get(from..=index)?;
    // Steps closed above the line are not the line's step.
    let mut closed = 0usize;
    window.iter().enumerate().rev().find_map(|(i, l)| {
        let text = super::clean(&l.text).trim_end();
        if SECTION_END.is_match(text) {
            closed += 1;
            return None;
        }
        let c = SECTION.captures(text)?;
        if closed > 0
            && !text.starts_with("---")
            && !text.starts_with("+++")
            && !text.starts_with("~~~")
        {
            closed -= 1;
            return None;
        }
        let name = c.iter().skip(1).flatten().next()?.as_str().trim();
        // `---`/`+++` also open a diff's sides and Go's `--- FAIL:` lines.
        let diff_side = |j: Option<usize>| {
            j.and_then(|j| window.get(j)).is_some_and(|n| {
                let t = super::clean(&n.text);
                t.starts_with("+++ ") || t.starts_with("--- ")
            })
        };
        let buildkite = text.starts_with("--- ") || text.starts_with("+++ ");
        if name.is_empty()
            || (buildkite
                && (diff_side(i.checked_sub(1))
                    || diff_side(Some(i + 1))
                    || NOT_A_GROUP.is_match(name)))
        {
            return None;
        }
        Some(super::cap(name, 200))
    })
}

/// What follows `---`/`+++` when it is not a Buildkite group: a test verdict,
/// a diff side's path or label.
static NOT_A_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:FAIL|PASS|SKIP|RUN|a/|b/|/|expected|actual|got|want|left|right|original|modified|\S+\.\w{1,5}(?:\s|$))")
        .expect("not-a-group pattern is valid")
});

/// The line with another CI's failed verdict among the last lines, if any.
pub(super) fn verdict(lines: &[&Line]) -> bool {
    lines
        .iter()
        .rev()
        .map(|l| strip(super::clean(&l.text)).trim())
        .filter(|t| !t.is_empty())
        .take(VERDICT_LINES)
        .any(|t| VERDICT.is_match(t))
}

/// The text after any foreign line prefix.
fn strip(text: &str) -> &str {
    match FOREIGN_PREFIX.find(text) {
        Some(m) => text.get(m.end()..).unwrap_or(text),
        None => text,
    }
}

/// How strongly a line is a failure's own evidence: the main scorer's score of
/// the line without foreign prefixes, or the evidence patterns above.
pub(super) fn evidence(text: &str) -> u32 {
    let text = super::floor(super::clean(text), super::SCORE_MAX_BYTES);
    let t = strip(text);
    let base = super::score(text).max(super::score(t));
    let trimmed = t.trim();
    if trimmed.is_empty() {
        return base;
    }
    // A sanitizer's report is a failure though it may start with `WARNING:`.
    let report = shapes::report(trimmed);
    if report > 0 {
        return base.max(report);
    }
    if NOT_EVIDENCE.is_match(trimmed) || VERDICT.is_match(trimmed) {
        return base;
    }
    // The main scorer already decided boilerplate and warnings are no cause.
    if super::BOILERPLATE.is_match(trimmed) && !trimmed.starts_with("npm") {
        return base;
    }
    if super::WARNING.is_match(trimmed) {
        return base;
    }
    let (set, scores) = &*EVIDENCE_SET;
    let own = set
        .matches(t)
        .into_iter()
        .filter_map(|i| scores.get(i).copied())
        .max()
        .unwrap_or(0)
        .max(shapes::evidence(t));
    base.max(own)
}

/// The root-cause line of the last region of evidence, or the last verdict
/// line when there is no other evidence; `None` when the stream shows none.
pub(super) fn root(lines: &[&Line]) -> Option<usize> {
    let stripped: Vec<&str> = lines
        .iter()
        .map(|l| strip(super::floor(super::clean(&l.text), super::SCORE_MAX_BYTES)))
        .collect();
    // Retries are warnings, but a stream that ends while still retrying has
    // no other account of its failure.
    let retrying = shapes::ends_retrying(&stripped);
    let scored: Vec<(usize, u32)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut s = evidence(&l.text);
            let next = stripped[i + 1..]
                .iter()
                .take(3)
                .find(|t| !t.trim().is_empty());
            if next.is_some_and(|n| stripped.get(i).is_some_and(|t| shapes::pair(t, n))) {
                s = s.max(shapes::PAIR_SCORE);
            }
            if retrying && stripped.get(i).is_some_and(|t| shapes::transient(t)) {
                (i, s.max(shapes::TRANSIENT_SCORE))
            } else {
                (i, s)
            }
        })
        .filter(|&(_, s)| s >= MIN_EVIDENCE)
        .collect();
    let Some(&(last, _)) = scored.last() else {
        return lines
            .iter()
            .rposition(|l| VERDICT.is_match(strip(super::clean(&l.text)).trim()));
    };
    // Walk up from the last evidence line while the next one is close.
    let mut start = scored.len() - 1;
    let mut top = last;
    while start > 0 && top - scored[start - 1].0 <= REGION_GAP {
        start -= 1;
        top = scored[start].0;
    }
    let region = &scored[start..];
    let best = region.iter().map(|&(_, s)| s).max()?;
    region.iter().find(|&&(_, s)| s == best).map(|&(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                number: i as u64 + 1,
                text: t.to_owned(),
            })
            .collect()
    }

    fn root_of(text: &str) -> Option<String> {
        let owned = lines(text);
        let refs: Vec<&Line> = owned.iter().collect();
        root(&refs).map(|i| owned[i].text.clone())
    }

    #[test]
    fn counts_of_nothing_are_not_evidence() {
        for t in [
            "Found 0 errors in 12 files",
            "npm notice 0 errors",
            "✔ no problems",
            "Errors: 0, Failures: 0",
            "Process exited with code 0",
            "warning: unused variable `x`",
            "ignore errors in optional dependencies",
        ] {
            assert!(evidence(t) < MIN_EVIDENCE, "{t}: {}", evidence(t));
        }
    }

    #[test]
    fn the_last_region_wins_and_its_first_strong_line() {
        let text = "Error: first failure far above\n\
                    a\nb\nc\nd\ne\nf\ng\nh\n\
                    npm ERR! code E403\n\
                    npm ERR! the registry refused the request\n\
                    npm ERR! detail of the failure";
        assert_eq!(root_of(text).as_deref(), Some("npm ERR! code E403"));
    }

    #[test]
    fn a_verdict_alone_is_the_root_only_without_other_evidence() {
        assert_eq!(
            root_of("running tests\nExited with code exit status 2").as_deref(),
            Some("Exited with code exit status 2")
        );
        let text = "fatal: could not read Username for 'https://github.com'\nExited with code exit status 128";
        assert_eq!(
            root_of(text).as_deref(),
            Some("fatal: could not read Username for 'https://github.com'")
        );
    }

    #[test]
    fn foreign_prefixes_do_not_hide_the_message() {
        assert!(evidence("faster-fifo> x.cpp:14:17: error: 'stderr' was not declared") >= 60);
        assert!(evidence("517 | npm ERR! 403 Forbidden - GET https://registry.npmjs.org/x") >= 60);
        assert!(
            evidence("[webpack-cli] Invalid configuration object. Webpack has been initialized")
                >= 55
        );
    }

    #[test]
    fn steps_of_other_cis_are_named() {
        for (text, name) in [
            (
                "section_start:1702000000:step_script\nnpm test\nError: boom",
                "step_script",
            ),
            (
                "travis_fold:start:install\nnpm ci\nnpm ERR! code E403",
                "install",
            ),
            (
                "[Pipeline] stage\n[Pipeline] { (Unit tests)\n+ make test\nError: boom",
                "Unit tests",
            ),
            ("##[section]Starting: Run tests\nError: boom", "Run tests"),
            (
                "--- :npm: Install\nnpm ci\n+++ :jest: Test\nError: boom",
                ":jest: Test",
            ),
        ] {
            let owned = lines(text);
            let refs: Vec<&Line> = owned.iter().collect();
            assert_eq!(
                section(&refs, refs.len() - 1).as_deref(),
                Some(name),
                "{text}"
            );
        }
        for text in [
            "Error: boom",
            "--- FAIL: TestX (0.00s)\nError: boom",
            "--- Expected\n+++ Actual\nError: boom",
            "--- a/src/x.rs\n+++ b/src/x.rs\nError: boom",
            "[Pipeline] { (Build)\nmake\n[Pipeline] // stage\nERROR: script returned exit code 1",
        ] {
            let owned = lines(text);
            let refs: Vec<&Line> = owned.iter().collect();
            assert_eq!(section(&refs, refs.len() - 1), None, "{text}");
        }
    }

    #[test]
    fn verdicts_of_other_cis() {
        for (t, failed) in [
            ("Exited with code exit status 1", true),
            ("The command \"npm test\" exited with 1.", true),
            ("Finishing: FAILURE", false),
            ("Finished: FAILURE", true),
            ("##[error]Bash exited with code '1'.", true),
            ("[error]Bash exited with code '1'.", true),
            ("make: *** [Makefile:7: E3DC-Control] Fehler 127", true),
            ("make: [Makefile:11: clean] Fehler 1 (ignoriert)", false),
            ("ERROR: Job failed: exit code 1", true),
            ("The command \"npm test\" exited with 0.", false),
            ("Exited with code 0", false),
        ] {
            let owned = lines(t);
            let refs: Vec<&Line> = owned.iter().collect();
            assert_eq!(verdict(&refs), failed, "{t}");
        }
    }
}
