//! Structured test reports: JUnit XML and pytest-json-report.
//!
//! A report names the failing test, its file and line, which a log only
//! implies. The XML reader is a small hand-written scanner rather than a
//! parser: it looks for `<testcase>` elements and the `<failure>`/`<error>`
//! inside them, decodes the five predefined entities and character references
//! and nothing else (no DTD, so no entity expansion), and is linear in its
//! input, which the caller caps.

use std::sync::LazyLock;

use regex::Regex;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{MAX_REPORT_FAILURES, TestFailure};
use crate::sanitize::Redactor;

/// The failing tests of one report: the first [`MAX_REPORT_FAILURES`] kept,
/// all counted (a 16 MiB report can hold 360,000).
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub tests: Vec<TestFailure>,
    pub failing: usize,
}

/// The longer text of a failure, at most.
const MAX_DETAILS: usize = 16 * 1024;
/// The one-line message, at most.
const MAX_MESSAGE: usize = 1024;

/// Failing tests of a JUnit XML document; `None` when it is not one.
pub(crate) fn junit(xml: &[u8], source: &str, red: &Redactor) -> Option<Report> {
    let text = String::from_utf8_lossy(xml);
    let text = text.as_ref();
    if !text.contains("<testsuite") && !text.contains("<testcase") {
        return None;
    }
    let mut out = Vec::new();
    let mut failing = 0;
    let mut i = 0;
    while let Some((_, attrs, body, next)) = element(text, i, "testcase") {
        i = next;
        let Some((_, fattrs, content, _)) = ["failure", "error"]
            .iter()
            .filter_map(|n| element(body, 0, n))
            .min_by_key(|e| e.0)
        else {
            continue;
        };
        failing += 1;
        if out.len() >= MAX_REPORT_FAILURES {
            continue;
        }
        let attrs = attributes(attrs);
        let fattrs = attributes(fattrs);
        let get = |a: &[(String, String)], k: &str| {
            a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        };
        let name = get(&attrs, "name").unwrap_or_default();
        let name = match get(&attrs, "classname") {
            Some(c) if !c.is_empty() => format!("{c}.{name}"),
            _ => name,
        };
        let details = unescape(content);
        let mut file = get(&attrs, "file").or_else(|| get(&fattrs, "file"));
        let mut line = get(&attrs, "line")
            .or_else(|| get(&fattrs, "line"))
            .and_then(|l| l.trim().parse().ok());
        if (file.is_none() || line.is_none())
            && let Some((f, l)) = location_in(&details)
            && (file.is_none() || file.as_deref() == Some(f.as_str()))
        {
            file = Some(f);
            line = Some(l);
        }
        let message = get(&fattrs, "message")
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| first_line(&details).to_string());
        out.push(TestFailure {
            name,
            file,
            line,
            message: redact_cap(red, first_line(&message), MAX_MESSAGE),
            details: redact_cap(red, details.trim(), MAX_DETAILS),
            source: source.to_string(),
        });
    }
    Some(Report {
        tests: out,
        failing,
    })
}

/// Failing tests of a pytest-json-report document; `None` when it is not one.
///
/// The document is streamed: one test at a time becomes a `Value`, never the
/// whole array (a 16 MiB report of 400,000 tests would be ten times that as
/// one tree); other top-level keys are skipped unparsed.
pub(crate) fn pytest_json(data: &[u8], source: &str, red: &Redactor) -> Option<Report> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let report = Document { source, red }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    report
}

/// The top-level object: its `tests` array, or `None` without one.
struct Document<'a> {
    source: &'a str,
    red: &'a Redactor,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = Option<Report>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = Option<Report>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a pytest-json-report object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut report = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "tests" && report.is_none() {
                report = Some(map.next_value_seed(Tests {
                    source: self.source,
                    red: self.red,
                })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(report)
    }
}

/// The `tests` array, read one element at a time.
struct Tests<'a> {
    source: &'a str,
    red: &'a Redactor,
}

impl<'de> DeserializeSeed<'de> for Tests<'_> {
    type Value = Report;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Tests<'_> {
    type Value = Report;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of tests")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut report = Report::default();
        while let Some(t) = seq.next_element::<Value>()? {
            let outcome = t.get("outcome").and_then(Value::as_str).unwrap_or("");
            if outcome != "failed" && outcome != "error" {
                continue;
            }
            report.failing += 1;
            if report.tests.len() < MAX_REPORT_FAILURES {
                report.tests.push(pytest_test(&t, self.source, self.red));
            }
        }
        Ok(report)
    }
}

/// One failed pytest-json-report test.
fn pytest_test(t: &Value, source: &str, red: &Redactor) -> TestFailure {
    let nodeid = t.get("nodeid").and_then(Value::as_str).unwrap_or("");
    // The phase that failed carries the crash and the traceback.
    let phase = ["setup", "call", "teardown"]
        .iter()
        .filter_map(|p| t.get(p))
        .find(|p| {
            matches!(
                p.get("outcome").and_then(Value::as_str),
                Some("failed" | "error")
            )
        });
    let crash = phase.and_then(|p| p.get("crash"));
    let longrepr = phase
        .and_then(|p| p.get("longrepr"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let file = crash
        .and_then(|c| c.get("path"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            nodeid
                .split("::")
                .next()
                .filter(|f| !f.is_empty())
                .map(str::to_string)
        });
    // `lineno` of the test item is pytest's 0-based location.
    let line = crash
        .and_then(|c| c.get("lineno"))
        .and_then(Value::as_u64)
        .or_else(|| t.get("lineno").and_then(Value::as_u64).map(|l| l + 1));
    let message = crash
        .and_then(|c| c.get("message"))
        .and_then(Value::as_str)
        .map(first_line)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| last_line(longrepr));
    TestFailure {
        name: nodeid.to_string(),
        file,
        line,
        message: redact_cap(red, message, MAX_MESSAGE),
        details: redact_cap(red, longrepr.trim(), MAX_DETAILS),
        source: source.to_string(),
    }
}

/// The last `File "x.py", line N` or `x.py:N:` in a traceback: the frame
/// closest to the failure.
fn location_in(text: &str) -> Option<(String, u64)> {
    static PY: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#"File "([^"\n]+)", line (\d+)"#).ok());
    static COLON: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?m)^\s*([^\s:]+\.[A-Za-z]{1,5}):(\d+):").ok());
    let mut best: Option<(usize, String, u64)> = None;
    for re in [&*PY, &*COLON].into_iter().flatten() {
        for c in re.captures_iter(text) {
            let (Some(all), Some(f), Some(l)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let Ok(l) = l.as_str().parse() else { continue };
            if best.as_ref().is_none_or(|b| all.start() >= b.0) {
                best = Some((all.start(), f.as_str().to_string(), l));
            }
        }
    }
    best.map(|(_, f, l)| (f, l))
}

/// The element `<name ...>body</name>` (or `<name .../>`) at or after `from`:
/// (start, attributes text, body, index after it).
fn element<'a>(text: &'a str, from: usize, name: &str) -> Option<(usize, &'a str, &'a str, usize)> {
    let open = format!("<{name}");
    let mut i = from;
    loop {
        let start = i + text.get(i..)?.find(&open)?;
        let after = start + open.len();
        match text[after..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => {}
            _ => {
                i = after;
                continue;
            }
        }
        let tag_end = tag_end(text, after)?;
        let attrs = &text[after..tag_end];
        if let Some(attrs) = attrs.trim_end().strip_suffix('/') {
            return Some((start, attrs, "", tag_end + 1));
        }
        let body_start = tag_end + 1;
        let close = format!("</{name}");
        return Some(match text[body_start..].find(&close) {
            Some(e) => {
                let end = body_start + e;
                let next = text[end..].find('>').map_or(text.len(), |g| end + g + 1);
                (start, attrs, &text[body_start..end], next)
            }
            None => (start, attrs, &text[body_start..], text.len()),
        });
    }
}

/// Index of the `>` closing a start tag, skipping quoted attribute values.
fn tag_end(text: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(end) = after[1..].find(q) else { break };
        out.push((name, unescape(&after[1..1 + end])));
        rest = &after[1 + end + 1..];
    }
    out
}

/// Text content: CDATA kept verbatim, the predefined entities and character
/// references decoded, any other entity left as written.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_DETAILS * 2));
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body.find("]]>").unwrap_or(body.len());
            out.push_str(&body[..end]);
            rest = body.get(end + 3..).unwrap_or("");
            continue;
        }
        let next = rest.find(['&', '<']).unwrap_or(rest.len());
        out.push_str(&rest[..next]);
        rest = &rest[next..];
        if rest.starts_with('<') {
            if rest.starts_with("<![CDATA[") {
                continue;
            }
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        if rest.is_empty() {
            break;
        }
        let semi = rest[..rest.len().min(12)].find(';');
        let decoded = semi.and_then(|semi| {
            let ent = &rest[1..semi];
            let c = match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn last_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
}

/// Redacts, then caps: a cut never leaves part of a secret behind. Only a
/// bounded head is redacted (twice the cap), as a text cut there.
fn redact_cap(red: &Redactor, s: &str, max: usize) -> String {
    let head = cap(s, max.saturating_mul(2));
    let r = if head.len() < s.len() {
        red.redact_cut(&head)
    } else {
        red.redact(&head).into_owned()
    };
    cap(&r, max)
}

fn cap(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_failures_and_errors() {
        let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" tests="3">
<testcase classname="tests.test_api" name="test_ok" time="0.01"/>
<testcase classname="tests.test_api" name="test_health" time="0.02">
  <failure message="AssertionError: assert &apos;ok&apos; == &apos;healthy&apos;">def test_health():
&gt;       assert status() == 'healthy'
E       AssertionError: assert 'ok' == 'healthy'

tests/test_api.py:12: AssertionError</failure>
</testcase>
<testcase classname="tests.test_db" name="test_conn" file="tests/test_db.py" line="7">
  <error message="">Traceback:
  File "tests/test_db.py", line 9, in test_conn
ConnectionRefusedError: [Errno 111]</error>
</testcase>
<testcase name="java" classname="x.Y"><failure><![CDATA[expected:<1> but was:<2>]]></failure></testcase>
</testsuite></testsuites>"#;
        let r = junit(xml, "report.xml", &Redactor::default()).unwrap_or_default();
        assert_eq!(r.failing, 3);
        let t = r.tests;
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].name, "tests.test_api.test_health");
        assert_eq!(t[0].message, "AssertionError: assert 'ok' == 'healthy'");
        assert_eq!(
            (t[0].file.as_deref(), t[0].line),
            (Some("tests/test_api.py"), Some(12))
        );
        assert!(
            t[0].details
                .contains(">       assert status() == 'healthy'")
        );
        assert_eq!(
            (t[1].file.as_deref(), t[1].line),
            (Some("tests/test_db.py"), Some(7))
        );
        assert_eq!(t[1].message, "Traceback:");
        assert_eq!(t[2].message, "expected:<1> but was:<2>");
        assert_eq!(t[2].source, "report.xml");
    }

    #[test]
    fn a_report_keeps_its_first_failures_and_counts_all() {
        let mut xml = String::from("<testsuite>");
        for i in 0..MAX_REPORT_FAILURES + 7 {
            xml.push_str(&format!("<testcase name=\"t{i}\"><failure/></testcase>"));
        }
        xml.push_str("<testcase name=\"ok\"/></testsuite>");
        let r = junit(xml.as_bytes(), "r.xml", &Redactor::default()).unwrap_or_default();
        assert_eq!(r.failing, MAX_REPORT_FAILURES + 7);
        assert_eq!(r.tests.len(), MAX_REPORT_FAILURES);
        assert_eq!(r.tests[0].name, "t0");
    }

    #[test]
    fn not_junit() {
        assert!(junit(b"<html><body>hi</body></html>", "x", &Redactor::default()).is_none());
        assert!(
            junit(b"<testsuite><testcase name='a'", "x", &Redactor::default())
                .is_some_and(|r| r.tests.is_empty())
        );
    }

    #[test]
    fn unescape_is_bounded_to_known_entities() {
        assert_eq!(
            unescape("a &lt;b&gt; &amp;&#65;&#x42; &bogus; &"),
            "a <b> &AB &bogus; &"
        );
        assert_eq!(unescape("x<![CDATA[<&>]]>y"), "x<&>y");
    }

    #[test]
    fn pytest_json_report() {
        let json = br#"{"created": 1, "tests": [
          {"nodeid": "tests/test_a.py::test_pass", "lineno": 3, "outcome": "passed"},
          {"nodeid": "tests/test_a.py::test_env", "lineno": 9, "outcome": "failed",
           "setup": {"outcome": "passed"},
           "call": {"outcome": "failed",
             "crash": {"path": "/w/tests/test_a.py", "lineno": 12, "message": "KeyError: 'API_TOKEN'\nmore"},
             "longrepr": "def test_env():\n>   os.environ['API_TOKEN']\nE   KeyError: 'API_TOKEN'"}},
          {"nodeid": "tests/test_b.py::test_setup", "lineno": 4, "outcome": "error",
           "setup": {"outcome": "failed", "longrepr": "fixture 'db' not found"}}
        ]}"#;
        let t = pytest_json(json, "report.json", &Redactor::default())
            .unwrap_or_default()
            .tests;
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].name, "tests/test_a.py::test_env");
        assert_eq!(
            (t[0].file.as_deref(), t[0].line),
            (Some("/w/tests/test_a.py"), Some(12))
        );
        assert_eq!(t[0].message, "KeyError: 'API_TOKEN'");
        assert!(t[0].details.ends_with("KeyError: 'API_TOKEN'"));
        assert_eq!(
            (t[1].file.as_deref(), t[1].line),
            (Some("tests/test_b.py"), Some(5))
        );
        assert_eq!(t[1].message, "fixture 'db' not found");
        assert!(pytest_json(b"{\"x\": 1}", "r", &Redactor::default()).is_none());
        assert!(pytest_json(b"not json", "r", &Redactor::default()).is_none());
    }
}
