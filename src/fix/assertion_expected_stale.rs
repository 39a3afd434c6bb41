//! `assertion-expected-stale`
//!
//! **What it does.** When an equality assertion fails (pytest `assert x ==
//! LIT`, Jest/Vitest `expect(x).toBe(LIT)`, Rust `assert_eq!`, Go testify
//! `assert.Equal`), it replaces the expected literal on the failing line with
//! the value the code produced, written as a literal of the test's language.
//!
//! **Why.** The seed's third incident: the service now answers
//! `{"status": "ok"}` and the test still expects `"healthy"`. When the
//! contract changed on purpose, updating the expectation is the whole fix.
//!
//! **Example.** `assert resp.json()["status"] == "healthy"` becomes
//! `assert resp.json()["status"] == "ok"`.
//!
//! **Fix safety.** Unsafe: it makes a failing test pass on the basis of CI
//! output, which may be the bug. Applied only with `--unsafe-fixes`. Only when
//! both sides are simple literals (string, number, bool, None/null), the
//! expected literal occurs exactly once on the line, and the new literal has no
//! control, Bidi or zero-width characters and at most 1,000 chars; the line is
//! re-tokenised after the edit and exactly one literal may differ.

use super::edit::{Applicability, Edit, Evidence, Fix, Refusal, is_dangerous_char, quoted};
use super::workspace::Workspace;
use super::{FixOptions, Fixer};
use crate::classify::{Category, Diagnosis};

pub struct AssertionExpectedStale;

const ID: &str = "assertion-expected-stale";
const MAX_LITERAL_CHARS: usize = 1_000;
const MAX_LINE_CHARS: usize = 10_000;

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
        let (Some(file), Some(line_no), Some(expected), Some(actual)) = (
            f.file.as_deref(),
            f.line,
            f.expected.as_deref(),
            f.actual.as_deref(),
        ) else {
            return Ok(None);
        };
        let path = ws.resolve(file)?;
        let Some(lang) = Lang::of(&path, f.framework.as_deref()) else {
            return Ok(None);
        };
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
        let (Some(exp), Some(act)) = (Lit::parse(expected), Lit::parse(actual)) else {
            return Err(Refusal::new(
                "unsafe-literal",
                "expected and actual are not both simple literals",
            ));
        };
        let Some(text) = ws.read_text(&path)? else {
            return Err(Refusal::new(
                "path",
                format!("{} does not exist", quoted(&path)),
            ));
        };
        let Some((start, line)) = nth_line(&text, line_no) else {
            return Err(Refusal::new(
                "path",
                format!("{path} has no line {line_no}"),
            ));
        };
        if line.chars().count() > MAX_LINE_CHARS {
            return Err(Refusal::new(
                "unsafe-literal",
                format!("{path}:{line_no} is too long"),
            ));
        }
        let Some(tokens) = tokenize(line, lang) else {
            return Err(Refusal::new(
                "unsafe-literal",
                format!("{path}:{line_no} has literals this fixer does not rewrite"),
            ));
        };
        let hits: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.lit.as_ref() == Some(&exp))
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
        Ok(Some(Fix {
            fixer: ID,
            description: format!(
                "expected value changed from {old_lit} to {new_lit} on the basis of CI output ({path}:{line_no})"
            ),
            applicability: Applicability::Unsafe,
            edits: vec![Edit::replace(
                &path,
                start + tok.start..start + tok.end,
                new_lit,
            )],
            evidence: Evidence::default(),
        }))
    }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    Js,
    Rust,
    Go,
}

impl Lang {
    fn of(path: &str, framework: Option<&str>) -> Option<Lang> {
        let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "py" => Some(Lang::Python),
            "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts" => Some(Lang::Js),
            "rs" => Some(Lang::Rust),
            "go" => Some(Lang::Go),
            _ => match framework {
                Some("pytest") => Some(Lang::Python),
                Some("jest" | "vitest") => Some(Lang::Js),
                _ => None,
            },
        }
    }
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
