//! `assertion-expected-stale`
//!
//! **What it does.** When an equality assertion fails (pytest `assert x ==
//! LIT`, unittest `self.assertEqual(x, LIT)`, Jest/Vitest
//! `expect(x).toBe(LIT)`, Rust `assert_eq!`, Go testify `assert.Equal`), it
//! replaces the expected literal on the failing line with the value the code
//! produced, written as a literal of the test's language.
//!
//! **Why.** The seed's third incident: the service now answers
//! `{"status": "ok"}` and the test still expects `"healthy"`. When the
//! contract changed on purpose, updating the expectation is the whole fix.
//!
//! **Example.** `assert resp.json()["status"] == "healthy"` becomes
//! `assert resp.json()["status"] == "ok"`.
//!
//! **Fix safety.** Unsafe: it makes a failing test pass on the basis of CI
//! output, which may be the bug. Applied only with `--unsafe-fixes`. The log
//! only says where to look; the repository decides (SECURITY.md §7, §10):
//! the file must be a test by its framework's conventions (and tracked, in a
//! git checkout), the line an assertion inside the test the log names
//! (pytest node id or title, JUnit name, Jest title, `--- FAIL:`, Rust test
//! name), found through the traceback's frames. Else nothing is written
//! (`not-a-test`, `no-evidence`). Both sides must be simple literals of the
//! same type, the actual one shown whole (no `...` from a shortening
//! reporter; a shortened expected string must single out the file's
//! literal by what it kept, or Python's adjacent literals joined), with no
//! control, Bidi or zero-width characters, no workflow-command or shell
//! syntax, at most 1,000 chars, and nothing that looks like a secret
//! (`secret-value`, SECURITY.md §8); the expected literal occurs exactly
//! once on the line, and the line is re-tokenised after the edit: exactly
//! one literal may differ.

use super::edit::{
    Applicability, DecidedBy, Edit, Evidence, Fix, Refusal, is_dangerous_char, quoted,
};
use super::test_code::{self, FileKind, Lang, Span};
use super::workspace::Workspace;
use super::{FixOptions, Fixer};
use crate::classify::{Category, Diagnosis};
use crate::frames;

pub struct AssertionExpectedStale;

const ID: &str = "assertion-expected-stale";
const MAX_LITERAL_CHARS: usize = 1_000;
const MAX_LINE_CHARS: usize = 10_000;
/// Locations tried per failure (the parser's, then the traceback's frames).
const MAX_CANDIDATES: usize = 16;

impl Fixer for AssertionExpectedStale {
    fn id(&self) -> &'static str {
        ID
    }

    fn category(&self) -> Category {
        Category::ApiContractMismatch
    }

    fn plan(
        &self,
        d: &Diagnosis,
        ws: &Workspace,
        _opts: &FixOptions,
    ) -> Result<Option<Fix>, Refusal> {
        let f = &d.facts;
        let (Some(expected), Some(actual)) = (f.expected.as_deref(), f.actual.as_deref()) else {
            return Ok(None);
        };
        // One rewritten expectation cannot turn a step with more failing
        // tests green: it would hide one symptom of a wider change.
        if let Some(n) = d.failure.tests_failed.filter(|&n| n > 1) {
            return Err(Refusal::new(
                "partial-fix",
                format!(
                    "{n} tests failed in this step; rewriting one expected value cannot make it pass"
                ),
            ));
        }
        let Some(site) = ground(d, ws)? else {
            return Ok(None);
        };
        let (want, act) = check_values(expected, actual)?;
        let mut site = site;
        let statement_line = site.line_no;
        // `self.assertEqual(repr(d),\n    'Duration(...)')`: the location is
        // the statement's first line, the literal on a continuation line.
        if let Some((start, n)) = continuation_with(&site, &want) {
            site.line_start = start;
            site.line_no = n;
        }
        let path = site.path.as_str();
        let line_no = site.line_no;
        let line = site.line();
        if line.chars().count() > MAX_LINE_CHARS {
            return Err(Refusal::new(
                "unsafe-literal",
                format!("{path}:{line_no} is too long"),
            ));
        }
        let lang = site.lang;
        let Some(tokens) = tokenize(line, lang) else {
            return Err(Refusal::new(
                "unsafe-literal",
                format!("{path}:{line_no} has literals this fixer does not rewrite"),
            ));
        };
        let hits: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.lit.as_ref().is_some_and(|l| want.matches(l)))
            .collect();
        let tok = match hits[..] {
            [one] => one,
            [] => {
                if tokens
                    .iter()
                    .filter(|t| t.lit.as_ref() == Some(&act))
                    .count()
                    == 1
                {
                    return Err(Refusal::already(format!(
                        "{path}:{line_no} already expects {actual}"
                    )));
                }
                // `'isodate.duration.Duration(10, 10, 0,'\n' years=10)'`:
                // adjacent literals Python joins into the one expected.
                if let Some(run) = concat_run(&site, &want)? {
                    return rewrite_run(&site, &run, &act, actual);
                }
                return Err(Refusal::new(
                    "ambiguous-line",
                    format!(
                        "the expected value {} is not on {path}:{line_no}",
                        quoted(expected)
                    ),
                ));
            }
            _ => {
                return Err(Refusal::new(
                    "ambiguous-line",
                    format!(
                        "the expected value {} appears more than once on {path}:{line_no}",
                        quoted(expected)
                    ),
                ));
            }
        };
        // A piece of literals Python joins is not the expectation by itself.
        let at = site.line_start + tok.start;
        if joined_runs(&site, statement_line)
            .iter()
            .any(|(r, _)| (r.start..r.end).contains(&at))
        {
            return Err(Refusal::new(
                "ambiguous-line",
                format!(
                    "the expected value {} is only part of adjacent literals on {path}:{line_no}",
                    quoted(expected)
                ),
            ));
        }
        let Some(new_lit) = act.render(lang, tok.quote) else {
            return Err(Refusal::new(
                "unsafe-literal",
                format!("{} cannot be written as a literal here", quoted(actual)),
            ));
        };
        // Re-tokenise: exactly this one literal differs, and holds the new value.
        let new_line = format!("{}{}{}", &line[..tok.start], new_lit, &line[tok.end..]);
        let new_tokens = tokenize(&new_line, lang).unwrap_or_default();
        let differing: Vec<usize> = (0..new_tokens.len().max(tokens.len()))
            .filter(|&i| new_tokens.get(i).map(|t| &t.lit) != tokens.get(i).map(|t| &t.lit))
            .collect();
        if new_tokens.len() != tokens.len()
            || differing.len() != 1
            || new_tokens[differing[0]].lit.as_ref() != Some(&act)
        {
            return Err(Refusal::new(
                "unsafe-literal",
                format!("rewriting {path}:{line_no} would change more than one literal"),
            ));
        }
        let old_lit = &line[tok.start..tok.end];
        let evidence = Evidence::of(DecidedBy::Workspace)
            .at(path, site.test.start, site.nth(site.test.start))
            .at(path, line_no, line);
        Ok(Some(Fix {
            fixer: ID,
            description: format!(
                "expected value changed from {old_lit} to {new_lit} on the basis of CI output ({path}:{line_no})"
            ),
            applicability: Applicability::Unsafe,
            edits: vec![Edit::replace(
                path,
                site.line_start + tok.start..site.line_start + tok.end,
                new_lit,
            )],
            evidence,
        }))
    }
}

/// The assertion the repository confirms: a line of a test file, inside the
/// failing test.
struct Site {
    path: String,
    lang: Lang,
    text: String,
    line_no: u64,
    /// Byte offset of the line in `text`.
    line_start: usize,
    test: Span,
}

impl Site {
    fn line(&self) -> &str {
        self.nth(self.line_no)
    }

    fn nth(&self, n: u64) -> &str {
        nth_line(&self.text, n).map_or("", |(_, l)| l)
    }
}

/// Lines an assertion statement may continue over.
const MAX_CONTINUATION_LINES: u64 = 4;

/// The continuation line of the statement at the site that holds the
/// expected literal once, when the site's own line holds it nowhere; the
/// statement must stay open (brackets) and inside the failing test.
fn continuation_with(site: &Site, want: &Want) -> Option<(usize, u64)> {
    let hits = |line: &str| {
        tokenize(line, site.lang).map_or(0, |t| {
            t.iter()
                .filter(|t| t.lit.as_ref().is_some_and(|l| want.matches(l)))
                .count()
        })
    };
    let first = site.line();
    if hits(first) > 0 {
        return None;
    }
    let mut open = bracket_depth(first, site.lang);
    for k in 1..=MAX_CONTINUATION_LINES {
        if open <= 0 {
            return None;
        }
        let n = site.line_no + k;
        if !site.test.contains(n) {
            return None;
        }
        let (start, line) = nth_line(&site.text, n)?;
        match hits(line) {
            1 => return Some((start, n)),
            0 => open += bracket_depth(line, site.lang),
            _ => return None,
        }
    }
    None
}

/// How many brackets a line leaves open (negative: closes more).
fn bracket_depth(line: &str, lang: Lang) -> i64 {
    let mut d = 0;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => d += 1,
            (None, ')' | ']' | '}') => d -= 1,
            (None, '#') if lang == Lang::Python => break,
            _ => {}
        }
    }
    d
}

/// Adjacent string literals of one statement that Python joins into one
/// value, as byte offsets into the file.
struct Run {
    start: usize,
    end: usize,
    quote: Option<char>,
    first_line: u64,
    last_line: u64,
}

/// The one run of two or more adjacent plain string literals, within the
/// statement at the site, whose joined value is the expected one.
fn concat_run(site: &Site, want: &Want) -> Result<Option<Run>, Refusal> {
    let mut runs: Vec<Run> = joined_runs(site, site.line_no)
        .into_iter()
        .filter(|(_, v)| want.matches(&Lit::Str(v.clone())))
        .map(|(r, _)| r)
        .collect();
    match runs.len() {
        0 => Ok(None),
        1 => Ok(runs.pop()),
        _ => Err(Refusal::new(
            "ambiguous-line",
            format!(
                "the expected value appears more than once in the statement at {}:{}",
                site.path, site.line_no
            ),
        )),
    }
}

/// Runs of two or more adjacent plain string literals that Python joins into
/// one value, with that value, in the statement at the site (its line and
/// the lines its brackets keep open, inside the failing test). Literals count
/// as adjacent only when nothing but whitespace lies between them: a
/// comment, a backslash or an operator ends the run.
fn joined_runs(site: &Site, from: u64) -> Vec<(Run, String)> {
    if site.lang != Lang::Python {
        return Vec::new();
    }
    struct Piece {
        start: usize,
        end: usize,
        line: u64,
        quote: Option<char>,
        text: Option<String>,
    }
    let mut pieces: Vec<Piece> = Vec::new();
    let mut open = 0;
    for k in 0..=MAX_CONTINUATION_LINES {
        let n = from + k;
        if k > 0 && (open <= 0 || !site.test.contains(n)) {
            break;
        }
        let Some((start, line)) = nth_line(&site.text, n) else {
            break;
        };
        let Some(tokens) = tokenize(line, site.lang) else {
            break;
        };
        for t in tokens {
            let text = match (&t.lit, t.quote) {
                (Some(Lit::Str(s)), Some('\'' | '"')) => Some(s.clone()),
                _ => None,
            };
            pieces.push(Piece {
                start: start + t.start,
                end: start + t.end,
                line: n,
                quote: t.quote,
                text,
            });
        }
        open += bracket_depth(line, site.lang);
    }
    let mut runs = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let Some(first) = pieces[i].text.as_ref() else {
            i += 1;
            continue;
        };
        let mut value = first.clone();
        let mut j = i + 1;
        while j < pieces.len()
            && pieces[j].text.is_some()
            && site.text[pieces[j - 1].end..pieces[j].start]
                .chars()
                .all(char::is_whitespace)
        {
            value.push_str(pieces[j].text.as_deref().unwrap_or_default());
            j += 1;
        }
        if j - i >= 2 {
            let run = Run {
                start: pieces[i].start,
                end: pieces[j - 1].end,
                quote: pieces[i].quote,
                first_line: pieces[i].line,
                last_line: pieces[j - 1].line,
            };
            runs.push((run, value));
        }
        i = j;
    }
    runs
}

/// Replace a run of joined literals with one literal of the actual value.
fn rewrite_run(site: &Site, run: &Run, act: &Lit, actual: &str) -> Result<Option<Fix>, Refusal> {
    let path = site.path.as_str();
    let Some(new_lit) = act.render(site.lang, run.quote) else {
        return Err(Refusal::new(
            "unsafe-literal",
            format!("{} cannot be written as a literal here", quoted(actual)),
        ));
    };
    // The new text must read back as exactly the one literal.
    let back = tokenize(&new_lit, site.lang).unwrap_or_default();
    if back.len() != 1 || back[0].lit.as_ref() != Some(act) || back[0].end != new_lit.len() {
        return Err(Refusal::new(
            "unsafe-literal",
            format!("{} cannot be written as a literal here", quoted(actual)),
        ));
    }
    let old = &site.text[run.start..run.end];
    let mut evidence =
        Evidence::of(DecidedBy::Workspace).at(path, site.test.start, site.nth(site.test.start));
    for n in run.first_line..=run.last_line {
        evidence = evidence.at(path, n, site.nth(n));
    }
    Ok(Some(Fix {
        fixer: ID,
        description: format!(
            "expected value changed from {} to {new_lit} on the basis of CI output ({path}:{}, joined literals made one)",
            old.split_whitespace().collect::<Vec<_>>().join(" "),
            run.first_line
        ),
        applicability: Applicability::Unsafe,
        edits: vec![Edit::replace(path, run.start..run.end, new_lit)],
        evidence,
    }))
}

/// What one claimed location came to.
enum Found {
    Site(Box<Site>),
    /// A test file in a language this fixer does not rewrite.
    Unsupported,
    Refused(Refusal),
}

/// Find the failing assertion in the repository. The log offers locations
/// (the parser's file and line, the traceback's frames, a structured
/// report's file and line) and a test id; a location counts only when the
/// workspace shows it is an assertion inside that test in a test file.
/// `Ok(None)`: a test file in a language this fixer does not rewrite.
fn ground(d: &Diagnosis, ws: &Workspace) -> Result<Option<Site>, Refusal> {
    let claims = claimed_locations(d);
    if claims.is_empty() {
        return Err(Refusal::new(
            "no-evidence",
            "the log shows no file and line for the failing assertion (no traceback frame, no report location)",
        ));
    }
    let id = test_id(d);
    let mut first: Option<Found> = None;
    let mut texts: Vec<(String, Result<Option<String>, Refusal>)> = Vec::new();
    for (file, line) in claims {
        let found = locate(ws, &file, line, id.as_deref(), d, &mut texts);
        if let Found::Site(site) = found {
            return Ok(Some(*site));
        }
        first.get_or_insert(found);
    }
    match first {
        Some(Found::Refused(r)) => Err(r),
        _ => Ok(None),
    }
}

/// The failing test's id: the one the log names around the root cause, else
/// the structured report's.
fn test_id(d: &Diagnosis) -> Option<String> {
    d.failure
        .test_id
        .clone()
        .or_else(|| d.failure.test.as_ref().map(|t| t.name.clone()))
        .filter(|id| !id.trim().is_empty())
}

/// Locations the log claims, the parser's first, then the frames from the
/// deepest (nearest the failure) up, then the structured report's.
fn claimed_locations(d: &Diagnosis) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut push = |file: &str, line: u64| {
        let entry = (frames::relative(file), line);
        if line > 0 && !entry.0.is_empty() && !out.contains(&entry) {
            out.push(entry);
        }
    };
    if let (Some(file), Some(line)) = (d.facts.file.as_deref(), d.facts.line) {
        push(file, line);
    }
    for fr in d.failure.frames.iter().rev() {
        push(&fr.file, fr.line);
    }
    if let Some(t) = &d.failure.test
        && let (Some(file), Some(line)) = (t.file.as_deref(), t.line)
    {
        push(file, line);
    }
    out.truncate(MAX_CANDIDATES);
    out
}

fn locate(
    ws: &Workspace,
    file: &str,
    line_no: u64,
    id: Option<&str>,
    d: &Diagnosis,
    texts: &mut Vec<(String, Result<Option<String>, Refusal>)>,
) -> Found {
    let refuse = |id: &'static str, detail: String| Found::Refused(Refusal::new(id, detail));
    let path = match ws.resolve(file) {
        Ok(p) => p,
        Err(r) => return Found::Refused(r),
    };
    let lang = match test_code::classify(&path, d.facts.framework.as_deref()) {
        FileKind::Test(lang) => lang,
        FileKind::OtherTest => return Found::Unsupported,
        FileKind::NotTest => {
            return refuse(
                "not-a-test",
                format!(
                    "{} is not a test file by {} conventions; the log's claim that an assertion failed there is not evidence enough to rewrite it",
                    quoted(&path),
                    test_code::conventions(&path)
                ),
            );
        }
    };
    let Some(id) = id else {
        return refuse(
            "no-evidence",
            format!(
                "the log names no failing test (pytest node id or title, JUnit test name, Jest title, `--- FAIL:` line, Rust test name), so nothing shows that {path}:{line_no} is in the test that failed"
            ),
        );
    };
    // A pytest or Vitest id names its file too (Rust's `tests::name` does not).
    if let Some(named) = frames::test_file(id).filter(|f| {
        f.rsplit('/')
            .next()
            .is_some_and(|n| n.rsplit_once('.').is_some_and(|(_, e)| !e.is_empty()))
    }) && ws.resolve(&named).ok().as_deref() != Some(path.as_str())
    {
        return refuse(
            "no-evidence",
            format!(
                "the failing test {} is in {}, not in {path}",
                quoted(id),
                quoted(&named)
            ),
        );
    }
    let text = match texts.iter().find(|(p, _)| *p == path) {
        Some((_, t)) => t.clone(),
        None => {
            let t = ws.read_text(&path);
            texts.push((path.clone(), t.clone()));
            t
        }
    };
    let text = match text {
        Ok(Some(t)) => t,
        Ok(None) => return refuse("path", format!("{} does not exist", quoted(&path))),
        Err(r) => return Found::Refused(r),
    };
    // A Jest title is free text (`returns v1.2 for a/b`): only ` › `
    // separates its describe blocks.
    let (class, name) = if lang == Lang::Js && !id.contains(" › ") && !id.contains(" > ") {
        (None, id.trim().to_string())
    } else {
        frames::test_name(id)
    };
    // JUnit names a Python test by module (`tests.test_api.test_x`): a
    // "class" that is the file's own module name is none.
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|n| n.split('.').next())
        .unwrap_or("");
    let class = class.filter(|c| !(lang == Lang::Python && c == stem) && lang != Lang::Rust);
    let spans = test_code::find_test(&text, lang, class.as_deref(), &name);
    let what = match &class {
        Some(c) => format!("{c} › {name}"),
        None => name.clone(),
    };
    if spans.is_empty() {
        return refuse(
            "no-evidence",
            format!(
                "{path} has no test {} (the test the log says failed)",
                quoted(&what)
            ),
        );
    }
    let Some(span) = spans.iter().copied().find(|s| s.contains(line_no)) else {
        let at: Vec<String> = spans
            .iter()
            .map(|s| format!("lines {}-{}", s.start, s.end))
            .collect();
        return refuse(
            "no-evidence",
            format!(
                "{path}:{line_no} is not inside the failing test {} ({})",
                quoted(&what),
                at.join(", ")
            ),
        );
    };
    let Some((line_start, line)) = nth_line(&text, line_no) else {
        return refuse("path", format!("{path} has no line {line_no}"));
    };
    if !test_code::is_assertion(line, lang) {
        return refuse(
            "no-evidence",
            format!(
                "{path}:{line_no} in test {} is not an assertion",
                quoted(&what)
            ),
        );
    }
    Found::Site(Box::new(Site {
        path,
        lang,
        line_no,
        line_start,
        test: span,
        text,
    }))
}

/// The two values as literals, or the reason they may not be written.
/// What the log says the test expected: the whole literal, or a string
/// the reporter shortened (pytest: `'Literal("tes...scription="")'`), which
/// a literal of the repository must complete.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    Whole(Lit),
    Shortened {
        whole: String,
        head: String,
        tail: String,
    },
}

/// Characters a shortened value must keep, so that it still singles out
/// one literal.
const MIN_SHORTENED_KEPT: usize = 12;

impl Want {
    fn matches(&self, lit: &Lit) -> bool {
        match (self, lit) {
            (Want::Whole(w), l) => w == l,
            (Want::Shortened { whole, head, tail }, Lit::Str(s)) => {
                s == whole
                    || head.chars().count() + tail.chars().count() >= MIN_SHORTENED_KEPT
                        && s.len() > head.len() + tail.len()
                        && s.starts_with(head.as_str())
                        && s.ends_with(tail.as_str())
            }
            _ => false,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Want::Whole(l) => l.kind(),
            Want::Shortened { .. } => "string",
        }
    }
}

fn check_values(expected: &str, actual: &str) -> Result<(Want, Lit), Refusal> {
    for v in [expected, actual] {
        if v.chars().count() > MAX_LITERAL_CHARS {
            return Err(Refusal::new(
                "unsafe-literal",
                "the value is longer than 1,000 characters",
            ));
        }
        if v.chars()
            .any(|c| is_dangerous_char(c) || c == '\u{2028}' || c == '\u{2029}')
        {
            return Err(Refusal::new(
                "unsafe-literal",
                format!(
                    "the value {} has control, Bidi or zero-width characters",
                    quoted(v)
                ),
            ));
        }
    }
    // The new value is written into the file, so it must be whole; the
    // expected one only has to single out the literal the file holds.
    if actual.contains("...") || actual.contains('…') {
        return Err(Refusal::new(
            "unsafe-literal",
            format!(
                "the log shows the value {} shortened (`...`), not whole",
                quoted(actual)
            ),
        ));
    }
    if looks_like_secret(actual) {
        return Err(Refusal::new(
            "secret-value",
            "the actual value looks like a secret (a token, key or long random string); it is never written into a file, redacted or not",
        ));
    }
    let (Some(exp), Some(act)) = (Lit::parse(expected), Lit::parse(actual)) else {
        return Err(Refusal::new(
            "unsafe-literal",
            "expected and actual are not both simple literals",
        ));
    };
    let want = match &exp {
        Lit::Str(s) if s.contains('…') => {
            return Err(Refusal::new(
                "unsafe-literal",
                format!(
                    "the log shows the value {} shortened (`…`), not whole",
                    quoted(expected)
                ),
            ));
        }
        Lit::Str(s) if s.contains("...") => {
            let (head, tail) = s.split_once("...").unwrap_or_default();
            Want::Shortened {
                whole: s.clone(),
                head: head.to_string(),
                tail: tail.to_string(),
            }
        }
        _ => Want::Whole(exp.clone()),
    };
    if let Lit::Str(s) = &act
        && let Some(m) = ["##[", "::", "$(", "`", "${{"]
            .iter()
            .find(|m| s.contains(**m))
    {
        return Err(Refusal::new(
            "unsafe-literal",
            format!(
                "the actual value {} holds `{m}` (workflow-command or shell syntax)",
                quoted(actual)
            ),
        ));
    }
    if std::mem::discriminant(&exp) != std::mem::discriminant(&act) {
        return Err(Refusal::new(
            "unsafe-literal",
            format!(
                "the actual value {} is not a {} like the expected {}",
                quoted(actual),
                want.kind(),
                quoted(expected)
            ),
        ));
    }
    Ok((want, act))
}

/// Whether a value looks like a secret: the redactor's own test
/// (`sanitize::looks_like_secret`, SECURITY.md §8), and the fixer's shapes
/// besides: GitHub tokens, AWS key ids, Slack, Stripe and npm tokens, JWTs,
/// PEM blocks, credentials in URLs, what the redactor already replaced, and
/// any long mixed run of letters and digits.
fn looks_like_secret(v: &str) -> bool {
    if crate::sanitize::looks_like_secret(v) {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "sk_live_",
        "rk_live_",
        "npm_",
        "xoxa-",
        "xoxb-",
        "xoxp-",
        "xoxr-",
        "-----BEGIN",
        "***",
        "aws_secret_access_key",
        "AccountKey=",
        "\"private_key\":",
    ];
    if PREFIXES.iter().any(|p| v.contains(p)) {
        return true;
    }
    let b = v.as_bytes();
    // AKIA/ASIA + 16 upper-case letters or digits.
    for p in ["AKIA", "ASIA"] {
        for (i, _) in v.match_indices(p) {
            let tail = &b[i + 4..];
            if tail.len() >= 16
                && tail[..16]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                return true;
            }
        }
    }
    // A JWT: base64url header and payload, both starting `eyJ`.
    if let Some(i) = v.find("eyJ")
        && let Some(dot) = v[i..].find('.')
        && v[i + dot + 1..].starts_with("eyJ")
    {
        return true;
    }
    // Credentials in a URL: scheme://user:pass@host.
    if let Some(i) = v.find("://") {
        let rest = &v[i + 3..];
        let authority = rest.split(['/', ' ', '?', '#']).next().unwrap_or("");
        if authority.contains('@') && authority.split('@').next().is_some_and(|u| u.contains(':')) {
            return true;
        }
    }
    // 32 or more letters and digits (and the base64 / token punctuation)
    // without a space, mixing letters and digits.
    v.split(|c: char| !(c.is_ascii_alphanumeric() || "_-+/=".contains(c)))
        .any(|run| {
            run.len() >= 32
                && run.bytes().any(|c| c.is_ascii_digit())
                && run.bytes().any(|c| c.is_ascii_alphabetic())
        })
}

/// The byte offset and text (without line break) of 1-based line `n`.
fn nth_line(text: &str, n: u64) -> Option<(usize, &str)> {
    let mut start = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == n {
            let body = line.trim_end_matches('\n').trim_end_matches('\r');
            return Some((start, body));
        }
        start += line.len();
    }
    None
}

/// A simple literal's value.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Num(String),
    Bool(bool),
    Null,
}

impl Lit {
    /// A value as a log prints it: quoted string, number, bool, null/None.
    fn parse(s: &str) -> Option<Lit> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'' || b[0] == b'`') && b[b.len() - 1] == b[0]
        {
            return unescape(&s[1..s.len() - 1], b[0] as char).map(Lit::Str);
        }
        if let Some(n) = number(s) {
            return Some(Lit::Num(n));
        }
        match s {
            "True" | "true" => return Some(Lit::Bool(true)),
            "False" | "false" => return Some(Lit::Bool(false)),
            "None" | "null" | "nil" | "undefined" => return Some(Lit::Null),
            _ => {}
        }
        // An unquoted word (some reporters print strings bare).
        if !s.is_empty() && !s.chars().any(|c| "\"'`[]{}()<>,\\".contains(c)) {
            return Some(Lit::Str(s.to_string()));
        }
        None
    }

    /// The literal's type, for a message.
    fn kind(&self) -> &'static str {
        match self {
            Lit::Str(_) => "string",
            Lit::Num(_) => "number",
            Lit::Bool(_) => "boolean",
            Lit::Null => "null",
        }
    }

    /// Write as a literal of `lang`, in the quote style of the literal it replaces.
    fn render(&self, lang: Lang, quote: Option<char>) -> Option<String> {
        match self {
            Lit::Str(s) => {
                let q = match (lang, quote) {
                    (Lang::Python | Lang::Js, Some(q @ ('\'' | '"'))) => q,
                    _ => '"',
                };
                let mut out = String::new();
                out.push(q);
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        c if c == q => {
                            out.push('\\');
                            out.push(c);
                        }
                        c if is_dangerous_char(c) => return None,
                        c => out.push(c),
                    }
                }
                out.push(q);
                Some(out)
            }
            Lit::Num(n) => Some(n.clone()),
            Lit::Bool(b) => Some(match (lang, b) {
                (Lang::Python, true) => "True".into(),
                (Lang::Python, false) => "False".into(),
                (_, true) => "true".into(),
                (_, false) => "false".into(),
            }),
            Lit::Null => match lang {
                Lang::Python => Some("None".into()),
                Lang::Js => Some("null".into()),
                Lang::Go => Some("nil".into()),
                Lang::Rust => None,
            },
        }
    }
}

fn number(s: &str) -> Option<String> {
    let t = s.strip_prefix('-').unwrap_or(s);
    let mut parts = t.splitn(2, '.');
    let int = parts.next()?;
    let frac = parts.next();
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| s.to_string())
}

/// Decode the common escapes; anything fancier (`\x`, `\u`) is not a simple literal.
fn unescape(body: &str, quote: char) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                '`' => out.push('`'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                _ => return None,
            }
        } else if c == quote {
            return None;
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[derive(Debug, Clone)]
struct Token {
    start: usize,
    end: usize,
    quote: Option<char>,
    /// The literal's value; None for a literal we cannot decode (never matched).
    lit: Option<Lit>,
}

/// Literals of one line. `None` when the line has a construct we do not
/// rewrite around (triple quotes, an unterminated string).
fn tokenize(line: &str, lang: Lang) -> Option<Vec<Token>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        // Comments end the code of the line.
        if (lang == Lang::Python && c == b'#')
            || (lang != Lang::Python && c == b'/' && b.get(i + 1) == Some(&b'/'))
        {
            break;
        }
        let is_quote = match lang {
            Lang::Python => c == b'\'' || c == b'"',
            Lang::Js => c == b'\'' || c == b'"' || c == b'`',
            Lang::Rust => c == b'"',
            Lang::Go => c == b'"' || c == b'`',
        };
        if is_quote {
            // A prefix (`b"..."`, `r'...'`, `f"..."`) makes it not simple.
            let mut p = i;
            while p > 0 && b[p - 1].is_ascii_alphabetic() {
                p -= 1;
            }
            let prefix = &line[p..i];
            let prefixed = !(prefix.is_empty() || p > 0 && ident(b[p - 1]));
            if lang == Lang::Python && b[i..].starts_with(&[c, c, c]) {
                return None;
            }
            let raw =
                (lang == Lang::Go && c == b'`') || (lang == Lang::Rust && prefix.contains('r'));
            let mut j = i + 1;
            while j < b.len() && b[j] != c {
                if b[j] == b'\\' && !raw {
                    j += 1;
                }
                j += 1;
            }
            if j >= b.len() {
                return None;
            }
            let body = &line[i + 1..j];
            let simple = !prefixed || (lang == Lang::Python && prefix.eq_ignore_ascii_case("u"));
            let lit = if !simple || (c == b'`' && body.contains("${")) {
                None
            } else if raw {
                Some(Lit::Str(body.to_string()))
            } else {
                unescape(body, c as char).map(Lit::Str)
            };
            out.push(Token {
                start: if simple { i } else { p },
                end: j + 1,
                quote: Some(c as char),
                lit,
            });
            i = j + 1;
            continue;
        }
        if c.is_ascii_digit() && (i == 0 || !ident(b[i - 1]) && b[i - 1] != b'.') {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || ident(b[j])) {
                j += 1;
            }
            let mut start = i;
            // A minus sign that is a sign, not a subtraction.
            if i > 0 && b[i - 1] == b'-' {
                let before = line[..i - 1].trim_end().as_bytes().last().copied();
                if before.is_none_or(|p| b"(,=[:{!<>".contains(&p) || p == b' ') {
                    start = i - 1;
                }
            }
            let text = &line[start..j];
            out.push(Token {
                start,
                end: j,
                quote: None,
                lit: number(text).map(Lit::Num),
            });
            i = j;
            continue;
        }
        if ident(c) && (i == 0 || !ident(b[i - 1])) {
            let mut j = i;
            while j < b.len() && ident(b[j]) {
                j += 1;
            }
            let word = &line[i..j];
            let lit = match (lang, word) {
                (Lang::Python, "True") | (Lang::Js | Lang::Rust | Lang::Go, "true") => {
                    Some(Lit::Bool(true))
                }
                (Lang::Python, "False") | (Lang::Js | Lang::Rust | Lang::Go, "false") => {
                    Some(Lit::Bool(false))
                }
                (Lang::Python, "None") | (Lang::Js, "null") | (Lang::Go, "nil") => Some(Lit::Null),
                _ => None,
            };
            if lit.is_some() {
                out.push(Token {
                    start: i,
                    end: j,
                    quote: None,
                    lit,
                });
            }
            i = j;
            continue;
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Facts;
    use crate::extract::Failure;

    /// Plan on a one-file workspace, the log naming `id` and `file:line`.
    #[test]
    fn a_literal_on_the_statements_continuation_line_is_found() {
        let text = "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_repr(self):\n        self.assertEqual(repr(d),\n                         'Duration(10, 10)')\n";
        let fix = plan_in(
            "tests/test_d.py",
            text,
            "tests/test_d.py::T::test_repr",
            6,
            ("'Duration(10, 10)'", "'Duration(10, 10, 0)'"),
        )
        .unwrap()
        .unwrap();
        let e = &fix.edits[0];
        assert_eq!(&text[e.range.clone()], "'Duration(10, 10)'");
        assert_eq!(e.content, "'Duration(10, 10, 0)'");
        // A closed statement does not reach into the next one.
        let closed = text.replace("repr(d),\n", "repr(d), x)\n");
        assert!(
            plan_in(
                "tests/test_d.py",
                &closed,
                "tests/test_d.py::T::test_repr",
                6,
                ("'Duration(10, 10)'", "'x'")
            )
            .is_err()
        );
    }

    #[test]
    fn adjacent_literals_over_two_lines_are_one_expectation() {
        let text = "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_repr(self):\n        self.assertEqual('isodate.Duration(10,'\n                         ' years=10)', repr(d))\n";
        let id = "tests/test_d.py::T::test_repr";
        let fix = plan_in(
            "tests/test_d.py",
            text,
            id,
            6,
            (
                "'isodate.Duration(10, years=10)'",
                "'Duration(10, years=10)'",
            ),
        )
        .unwrap()
        .unwrap();
        let e = &fix.edits[0];
        assert_eq!(
            &text[e.range.clone()],
            "'isodate.Duration(10,'\n                         ' years=10)'"
        );
        assert_eq!(e.content, "'Duration(10, years=10)'");
        // A comment or an operator between the pieces ends the run.
        for broken in [
            text.replace("(10,'\n", "(10,' # c\n"),
            text.replace("(10,'\n", "(10,' +\n"),
        ] {
            assert!(
                plan_in(
                    "tests/test_d.py",
                    &broken,
                    id,
                    6,
                    ("'isodate.Duration(10, years=10)'", "'x'")
                )
                .is_err()
            );
        }
        // The joined value must be whole: a part of it is not the expectation,
        // on the statement's first line or its continuation.
        assert!(plan_in("tests/test_d.py", text, id, 6, ("' years=10)'", "'x'")).is_err());
        assert!(
            plan_in(
                "tests/test_d.py",
                text,
                id,
                6,
                ("'isodate.Duration(10,'", "'x'")
            )
            .is_err()
        );
    }

    #[test]
    fn a_shortened_expected_string_singles_out_the_literal() {
        let text = "def test_literal_repr():\n    assert repr(Literal(\"test\")) == 'Literal(\"test\", description=\"\")'\n";
        let id = "test_schema.py::test_literal_repr";
        let fix = plan_in(
            "test_schema.py",
            text,
            id,
            2,
            ("'Literal(\"tes...scription=\"\")'", "'Literal(\"test\")'"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            &text[fix.edits[0].range.clone()],
            "'Literal(\"test\", description=\"\")'"
        );
        assert_eq!(fix.edits[0].content, "'Literal(\"test\")'");
        // Too little kept to single anything out; a shortened actual is never written.
        assert!(
            plan_in(
                "test_schema.py",
                text,
                id,
                2,
                ("'Lit...\")'", "'Literal(\"test\")'")
            )
            .is_err()
        );
        assert!(
            plan_in(
                "test_schema.py",
                text,
                id,
                2,
                ("'Literal(\"test\", description=\"\")'", "'Lite...test\")'")
            )
            .is_err()
        );
    }

    fn plan_in(
        file: &str,
        text: &str,
        id: &str,
        line: u64,
        (expected, actual): (&str, &str),
    ) -> Result<Option<Fix>, Refusal> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let d = Diagnosis {
            failure: Failure {
                test_id: Some(id.to_string()),
                ..Failure::default()
            },
            category: Category::ApiContractMismatch,
            confidence: 0.99,
            explanation: Vec::new(),
            facts: Facts {
                file: Some(file.into()),
                line: Some(line),
                expected: Some(expected.into()),
                actual: Some(actual.into()),
                ..Facts::default()
            },
            suggested_fix: String::new(),
        };
        AssertionExpectedStale.plan(&d, &ws, &FixOptions::default())
    }

    #[test]
    fn grounds_rust_jest_and_junit_ids() {
        let rs = "pub fn version() -> &'static str { \"1.3.0\" }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn reports_version() {\n        assert_eq!(super::version(), \"1.2.0\");\n    }\n}\n";
        let fix = plan_in(
            "src/lib.rs",
            rs,
            "tests::reports_version",
            7,
            ("\"1.2.0\"", "\"1.3.0\""),
        )
        .unwrap()
        .unwrap();
        assert_eq!(fix.edits[0].content, "\"1.3.0\"");
        assert_eq!(fix.evidence.decided_by, DecidedBy::Workspace);
        assert_eq!(
            fix.evidence
                .workspace
                .iter()
                .map(|p| p.line)
                .collect::<Vec<_>>(),
            [6, 7]
        );
        // The same line, but the fn is not a #[test].
        let helper = rs.replace("    #[test]\n", "");
        let r = plan_in(
            "src/lib.rs",
            &helper,
            "tests::reports_version",
            6,
            ("\"1.2.0\"", "\"1.3.0\""),
        );
        assert_eq!(r.unwrap_err().id, "no-evidence");

        let dotted = "test('returns v1.2 for a/b', () => {\n  expect(v()).toBe('1.2');\n});\n";
        let fix = plan_in(
            "v.test.js",
            dotted,
            "returns v1.2 for a/b",
            2,
            ("'1.2'", "'1.3'"),
        );
        assert!(fix.unwrap().is_some());
        let js = "describe('health', () => {\n  it('reports ok', async () => {\n    expect(await status()).toBe('healthy');\n  });\n});\n";
        let fix = plan_in(
            "src/health.test.js",
            js,
            "health › reports ok",
            3,
            ("\"healthy\"", "\"ok\""),
        );
        assert_eq!(fix.unwrap().unwrap().edits[0].content, "'ok'");
        let r = plan_in(
            "src/health.test.js",
            js,
            "other › reports ok",
            3,
            ("\"healthy\"", "\"ok\""),
        );
        assert_eq!(r.unwrap_err().id, "no-evidence");

        // pytest's JUnit names the module as the class.
        let py = "def test_health():\n    assert status() == 'healthy'\n";
        let fix = plan_in(
            "tests/test_api.py",
            py,
            "tests.test_api.test_health",
            2,
            ("'healthy'", "'ok'"),
        );
        assert!(fix.unwrap().is_some());
        let r = plan_in(
            "tests/test_api.py",
            py,
            "tests.test_api.TestApi.test_health",
            2,
            ("'healthy'", "'ok'"),
        );
        assert_eq!(r.unwrap_err().id, "no-evidence");
    }

    #[test]
    fn secrets_are_recognised() {
        for v in [
            "'ghp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210'",
            "AKIAIOSFODNN7EXAMPLE",
            "x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "***REDACTED***",
            "https://u:p@host/x",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        ] {
            assert!(looks_like_secret(v), "{v}");
        }
        for v in [
            "'ok'",
            "'Welcome to the ACME API, version 2'",
            "1.3.0",
            "AKIA-short",
            "https://example.com/x",
        ] {
            assert!(!looks_like_secret(v), "{v}");
        }
    }

    fn lits(line: &str, lang: Lang) -> Vec<Option<Lit>> {
        tokenize(line, lang)
            .unwrap()
            .into_iter()
            .map(|t| t.lit)
            .collect()
    }

    #[test]
    fn tokenizes_python() {
        assert_eq!(
            lits(
                r#"    assert resp.json()["status"] == "healthy"  # 'x'"#,
                Lang::Python
            ),
            vec![
                Some(Lit::Str("status".into())),
                Some(Lit::Str("healthy".into()))
            ]
        );
        assert_eq!(
            lits("assert x == -1 and y is None", Lang::Python),
            vec![Some(Lit::Num("-1".into())), Some(Lit::Null)]
        );
        assert_eq!(
            lits("assert f'{x}' == b'y'", Lang::Python),
            vec![None, None]
        );
        assert!(tokenize("x = '''a'''", Lang::Python).is_none());
    }

    #[test]
    fn tokenizes_others() {
        assert_eq!(
            lits("expect(res.status).toBe(`ok`); // 'c'", Lang::Js),
            vec![Some(Lit::Str("ok".into()))]
        );
        assert_eq!(
            lits(r#"assert_eq!(s, "ok", "{}", 'c');"#, Lang::Rust).len(),
            2
        );
        assert_eq!(
            lits("assert.Equal(t, 200, code)", Lang::Go),
            vec![Some(Lit::Num("200".into()))]
        );
    }

    #[test]
    fn parses_and_renders() {
        assert_eq!(Lit::parse("'ok'"), Some(Lit::Str("ok".into())));
        assert_eq!(Lit::parse("\"it's\""), Some(Lit::Str("it's".into())));
        assert_eq!(Lit::parse("{'a': 1}"), None);
        let s = Lit::Str("a'\"b\\".into());
        assert_eq!(s.render(Lang::Python, Some('\'')).unwrap(), r#"'a\'"b\\'"#);
        assert_eq!(s.render(Lang::Rust, None).unwrap(), r#""a'\"b\\""#);
        assert_eq!(Lit::Null.render(Lang::Rust, None), None);
    }

    #[test]
    fn code_in_actual_stays_a_literal() {
        let evil = Lit::Str("\"); __import__(\"os\").system(\"x\"); (\"".into());
        let r = evil.render(Lang::Python, Some('"')).unwrap();
        let line = format!("assert v == {r}");
        assert_eq!(lits(&line, Lang::Python), vec![Some(evil)]);
    }
}
