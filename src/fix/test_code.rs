//! Where a test lives in the code: which files are tests by their
//! framework's conventions, and which lines belong to the test a log names.
//!
//! A log can claim that any file and line failed an assertion; only the
//! repository can show that the line is an assertion inside the failing test.
//! This module reads a file's text (already confined and read through the
//! workspace) and finds the named test by the language's own structure:
//! indentation for Python, balanced brackets for JavaScript, Go and Rust.
//! It is deliberately strict: a test it cannot find is a test the fixer does
//! not touch.

use regex::Regex;

/// The languages whose tests the assertion fixer rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Js,
    Rust,
    Go,
}

/// What a path is, by its name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A test file by its framework's conventions, in a language we rewrite.
    Test(Lang),
    /// A test file in a language we do not rewrite (JUnit's `src/test/`).
    OtherTest,
    /// Production code, configuration, a workflow: never rewritten.
    NotTest,
}

/// A test function's lines, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The `def` / `fn` / `func` / `it(` line.
    pub start: u64,
    pub end: u64,
}

impl Span {
    pub fn contains(&self, line: u64) -> bool {
        (self.start..=self.end).contains(&line)
    }
}

const JS_EXTS: &[&str] = &["js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts"];
const JVM_EXTS: &[&str] = &["java", "kt", "kts", "scala", "groovy"];

/// Classify a repository-relative path by the test conventions of its
/// language (the framework named by the log only widens Python's unittest
/// pattern and Mocha's `test/` folder).
pub fn classify(path: &str, framework: Option<&str>) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dirs: Vec<&str> = path.split('/').rev().skip(1).collect();
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return FileKind::NotTest;
    };
    let test = match ext {
        // pytest: test_*.py or *_test.py; unittest discovers test*.py.
        "py" => {
            let unittest = framework == Some("unittest") && stem.starts_with("test");
            (stem.starts_with("test_") || stem.ends_with("_test") || unittest)
                .then_some(FileKind::Test(Lang::Python))
        }
        // Jest and Vitest: *.test.js, *.spec.ts, anything under __tests__/;
        // Mocha: the test/ folder.
        e if JS_EXTS.contains(&e) => {
            let marked = stem.ends_with(".test") || stem.ends_with(".spec");
            let folder = dirs.contains(&"__tests__")
                || (framework == Some("mocha") && dirs.contains(&"test"));
            (marked || folder).then_some(FileKind::Test(Lang::Js))
        }
        "go" => stem.ends_with("_test").then_some(FileKind::Test(Lang::Go)),
        // Cargo's integration tests live under tests/; unit tests sit in
        // src/ and are told apart by their `#[test]` attribute, checked by
        // [`find_test`].
        "rs" => Some(FileKind::Test(Lang::Rust)),
        e if JVM_EXTS.contains(&e) => path
            .split('/')
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w == ["src", "test"])
            .then_some(FileKind::OtherTest),
        _ => None,
    };
    test.unwrap_or(FileKind::NotTest)
}

/// The conventions [`classify`] applies to a path, for a refusal's message.
pub fn conventions(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "py" => "pytest's test_*.py or *_test.py",
        "go" => "Go's *_test.go",
        e if JS_EXTS.contains(&e) => "Jest's and Vitest's *.test.*, *.spec.* or __tests__/",
        e if JVM_EXTS.contains(&e) => "JUnit's src/test/",
        _ => "any test framework's (a workflow, configuration or production file)",
    }
}

/// The spans of the test `name` (inside `class`, a Python class or a Jest
/// `describe` title, when given) in `text`. Only what the runner would
/// collect as a test counts: pytest's and unittest's `test*` functions, Go's
/// `Test*` functions, Rust's `#[test]` fns, Jest's `it`/`test` calls.
pub fn find_test(text: &str, lang: Lang, class: Option<&str>, name: &str) -> Vec<Span> {
    let collected = match lang {
        Lang::Python => name.starts_with("test"),
        Lang::Go => name.starts_with("Test"),
        Lang::Js | Lang::Rust => !name.is_empty(),
    };
    if !collected {
        return Vec::new();
    }
    match lang {
        Lang::Python => python_tests(text, class, name),
        Lang::Js => js_tests(text, class, name),
        Lang::Go => braced_fns(
            text,
            lang,
            &format!(r"(?m)^func\s+{}\s*\(", regex::escape(name)),
        ),
        Lang::Rust => braced_fns(
            text,
            lang,
            &format!(
                r"(?m)^[ \t]*(?:pub(?:\([^)\n]*\))?\s+)?(?:async\s+)?fn\s+{}\s*[(<]",
                regex::escape(name)
            ),
        )
        .into_iter()
        .filter(|s| rust_is_test(text, s.start))
        .collect(),
    }
}

/// Whether a line of code is an assertion in `lang`.
pub fn is_assertion(line: &str, lang: Lang) -> bool {
    let t = line.trim_start();
    match lang {
        Lang::Python => {
            t.starts_with("assert ")
                || t.starts_with("assert(")
                || contains_call(t, ".assert")
                || contains_call(t, "assert_")
        }
        Lang::Js => contains_call(t, "expect") || contains_call(t, "assert"),
        Lang::Go => ["assert.", "require.", "s.Equal", "s.Require()."]
            .iter()
            .any(|p| t.contains(p)),
        Lang::Rust => {
            ["assert!", "assert_eq!", "assert_ne!", "assert_matches!"]
                .iter()
                .any(|m| t.contains(m))
                || (t.contains("assert") && t.contains("!("))
        }
    }
}

/// `prefix` followed by identifier characters and an opening parenthesis
/// (`.assertEqual(`, `expect(`, `assert.strictEqual(`).
fn contains_call(t: &str, prefix: &str) -> bool {
    t.match_indices(prefix).any(|(i, _)| {
        let before = t[..i].chars().next_back();
        if !prefix.starts_with('.') && before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return false;
        }
        let rest = &t[i + prefix.len()..];
        let rest = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
        rest.trim_start().starts_with('(')
    })
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Python: `def name(` at module level, or inside `class X` when a class is
/// named; the block runs while lines are indented deeper than the `def`.
fn python_tests(text: &str, class: Option<&str>, name: &str) -> Vec<Span> {
    let lines: Vec<&str> = text.lines().collect();
    let Ok(def) = Regex::new(&format!(
        r"^\s*(?:async\s+)?def\s+{}\s*\(",
        regex::escape(name)
    )) else {
        return Vec::new();
    };
    let class_re =
        class.and_then(|c| Regex::new(&format!(r"^\s*class\s+{}\s*[(:]", regex::escape(c))).ok());
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !def.is_match(line) {
            continue;
        }
        let ind = indent(line);
        let owner = enclosing_python_block(&lines, i, ind);
        let ok = match (&class_re, owner) {
            (None, _) => ind == 0,
            (Some(re), Some(o)) => re.is_match(lines[o]),
            (Some(_), None) => false,
        };
        if ok {
            out.push(Span {
                start: i as u64 + 1,
                end: python_block_end(&lines, i, ind) as u64 + 1,
            });
        }
    }
    out
}

/// The nearest line above `i` indented less than `ind` (the block's owner).
fn enclosing_python_block(lines: &[&str], i: usize, ind: usize) -> Option<usize> {
    (0..i).rev().find(|&k| {
        let t = lines[k].trim_start();
        !t.is_empty() && !t.starts_with('#') && indent(lines[k]) < ind
    })
}

/// The last line of the block whose header is line `i` at indentation `ind`.
fn python_block_end(lines: &[&str], i: usize, ind: usize) -> usize {
    // A signature spread over several lines ends where its brackets close.
    let mut depth = 0i64;
    let mut j = i;
    loop {
        depth += bracket_balance(lines[j]);
        if depth <= 0 || j + 1 >= lines.len() {
            break;
        }
        j += 1;
    }
    let mut end = j;
    for (k, line) in lines.iter().enumerate().skip(j + 1) {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if indent(line) <= ind {
            break;
        }
        end = k;
    }
    end
}

/// Opening minus closing brackets on a line, outside strings and comments.
fn bracket_balance(line: &str) -> i64 {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '#' => break,
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    depth
}

/// JavaScript: `it('title', …)` / `test("title", …)` calls, inside a
/// `describe('suite', …)` call when a suite is named.
fn js_tests(text: &str, suite: Option<&str>, title: &str) -> Vec<Span> {
    let tests = js_calls(text, r"(?:it|test)", title);
    let Some(suite) = suite else {
        return tests;
    };
    let suites = js_calls(text, "describe", suite);
    tests
        .into_iter()
        .filter(|t| suites.iter().any(|s| s.start <= t.start && t.end <= s.end))
        .collect()
}

/// Calls `callee(` whose first argument is the string literal `title`,
/// through their closing parenthesis.
fn js_calls(text: &str, callee: &str, title: &str) -> Vec<Span> {
    let Ok(re) = Regex::new(&format!(
        r"(?:^|[^\w.$])(?:{callee})(?:\.(?:only|skip|concurrent|failing|todo))?\s*(\()\s*([`'\x22])"
    )) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in re.captures_iter(text) {
        let (Some(open), Some(q)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let quote = q.as_str().as_bytes()[0];
        let Some(lit_end) = string_end(text.as_bytes(), q.start(), quote) else {
            continue;
        };
        let body = &text[q.end()..lit_end];
        if unescape_js(body).as_deref() != Some(title) {
            continue;
        }
        if let Some(close) = matching_close(text, open.start(), Lang::Js) {
            out.push(Span {
                start: line_of(text, open.start()),
                end: line_of(text, close),
            });
        }
    }
    out
}

fn unescape_js(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                c => c,
            });
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Go and Rust: functions matched by `head`, from the header through the
/// brace that closes their body.
fn braced_fns(text: &str, lang: Lang, head: &str) -> Vec<Span> {
    let Ok(re) = Regex::new(head) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in re.find_iter(text) {
        // The body's brace: the first `{` after the parameter list closes.
        let Some(paren) = text[m.start()..].find('(').map(|p| m.start() + p) else {
            continue;
        };
        let Some(params_end) = matching_close(text, paren, lang) else {
            continue;
        };
        let Some(open) = text[params_end..].find('{').map(|p| params_end + p) else {
            continue;
        };
        if text[params_end..open].contains(';') {
            continue;
        }
        if let Some(close) = matching_close(text, open, lang) {
            out.push(Span {
                start: line_of(text, m.start()),
                end: line_of(text, close),
            });
        }
    }
    out
}

/// Whether the Rust fn at 1-based line `start` carries a test attribute
/// (`#[test]`, `#[tokio::test]`, `#[rstest]`, `#[test_case(…)]`) among the
/// attributes and comments right above it.
fn rust_is_test(text: &str, start: u64) -> bool {
    let Ok(attr) = Regex::new(r"^#\[\s*(?:(?:\w+::)*test\b|rstest\b|test_case\b)") else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut k = start as usize - 1;
    while k > 0 {
        k -= 1;
        let t = lines[k].trim();
        if attr.is_match(t) {
            return true;
        }
        if !(t.starts_with("#[") || t.starts_with("//")) {
            return false;
        }
    }
    false
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> u64 {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// The end (the closing quote's offset) of the string literal opening at `at`.
fn string_end(b: &[u8], at: usize, quote: u8) -> Option<usize> {
    let mut j = at + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == quote => return Some(j),
            b'\n' if quote != b'`' => return None,
            _ => j += 1,
        }
    }
    None
}

/// The offset of the bracket closing the one at `open`, skipping strings,
/// character literals and comments of `lang`; `None` when unbalanced.
fn matching_close(text: &str, open: usize, lang: Lang) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0i64;
    let mut i = open;
    while i < b.len() {
        let c = b[i];
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                if depth < 0 {
                    return None;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            b'"' => i = string_end(b, i, b'"')?,
            b'`' if lang != Lang::Rust => {
                // Go raw strings have no escapes; JS templates do.
                i = if lang == Lang::Go {
                    text[i + 1..].find('`').map(|p| i + 1 + p)?
                } else {
                    string_end(b, i, b'`')?
                }
            }
            b'\'' if lang == Lang::Js => i = string_end(b, i, b'\'')?,
            b'\'' => {
                // A char or rune literal ('x', '\n', '\u{1F600}'); in Rust
                // also a lifetime ('a), which has no closing quote.
                if b.get(i + 1) == Some(&b'\\') {
                    i = string_end(b, i, b'\'')?;
                } else if let Some(ch) = text[i + 1..].chars().next()
                    && b.get(i + 1 + ch.len_utf8()) == Some(&b'\'')
                {
                    i += 1 + ch.len_utf8();
                }
            }
            b'r' if lang == Lang::Rust
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // Raw strings: r"…", r#"…"#.
                let hashes = b[i + 1..].iter().take_while(|&&h| h == b'#').count();
                if b.get(i + 1 + hashes) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let from = i + 2 + hashes;
                    i = text[from..]
                        .find(&close)
                        .map(|p| from + p + close.len() - 1)?;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_files_by_convention() {
        for (path, kind) in [
            ("tests/test_api.py", FileKind::Test(Lang::Python)),
            ("pkg/api_test.py", FileKind::Test(Lang::Python)),
            ("tests/conftest.py", FileKind::NotTest),
            ("app/settings.py", FileKind::NotTest),
            ("tests/helpers.py", FileKind::NotTest),
            ("src/api.test.ts", FileKind::Test(Lang::Js)),
            ("src/api.spec.jsx", FileKind::Test(Lang::Js)),
            ("src/__tests__/api.js", FileKind::Test(Lang::Js)),
            ("src/api.js", FileKind::NotTest),
            ("api_test.go", FileKind::Test(Lang::Go)),
            ("api.go", FileKind::NotTest),
            ("tests/api.rs", FileKind::Test(Lang::Rust)),
            ("src/test/java/x/ApiTest.java", FileKind::OtherTest),
            ("src/main/java/x/Api.java", FileKind::NotTest),
            (".github/workflows/ci.yml", FileKind::NotTest),
            ("pyproject.toml", FileKind::NotTest),
            ("Makefile", FileKind::NotTest),
        ] {
            assert_eq!(classify(path, Some("pytest")), kind, "{path}");
        }
        assert_eq!(
            classify("tests/testing.py", Some("unittest")),
            FileKind::Test(Lang::Python)
        );
        assert_eq!(
            classify("test/api.js", Some("mocha")),
            FileKind::Test(Lang::Js)
        );
    }

    #[test]
    fn python_tests_by_indentation() {
        let text = "import x\n\n\ndef test_a():\n    assert 1 == 2\n\n    # c\n    assert 2\n\n\nclass TestX:\n    def test_a(self):\n        assert 3\n\n    def test_b(\n        self,\n    ):\n        assert 4\n\ndef test_c(): pass\n";
        assert_eq!(
            find_test(text, Lang::Python, None, "test_a"),
            [Span { start: 4, end: 8 }]
        );
        assert_eq!(
            find_test(text, Lang::Python, Some("TestX"), "test_a"),
            [Span { start: 12, end: 13 }]
        );
        assert_eq!(
            find_test(text, Lang::Python, Some("TestX"), "test_b"),
            [Span { start: 15, end: 18 }]
        );
        assert!(find_test(text, Lang::Python, Some("TestY"), "test_a").is_empty());
        assert!(find_test(text, Lang::Python, None, "test_b").is_empty());
        // A helper is no test, whatever a log calls it.
        let helper = "def check(v):\n    assert v == 1\n";
        assert!(find_test(helper, Lang::Python, None, "check").is_empty());
    }

    #[test]
    fn js_go_rust_tests_by_brackets() {
        let js = "describe('health', () => {\n  it(\"reports ok\", async () => {\n    const s = ')';\n    expect(s).toBe('x');\n  });\n});\ntest('reports ok', () => {});\n";
        assert_eq!(
            find_test(js, Lang::Js, Some("health"), "reports ok"),
            [Span { start: 2, end: 5 }]
        );
        assert_eq!(find_test(js, Lang::Js, None, "reports ok").len(), 2);
        let go = "package x\n\nfunc TestA(t *testing.T) {\n\ts := \"}\"\n\tassert.Equal(t, 1, len(s))\n}\n\nfunc TestB(t *testing.T) {}\n";
        assert_eq!(
            find_test(go, Lang::Go, None, "TestA"),
            [Span { start: 3, end: 6 }]
        );
        let rs = "fn helper<'a>(s: &'a str) -> &'a str { s }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn works() {\n        let c = '}';\n        assert_eq!(helper(\"x\"), r#\"}\"#);\n    }\n\n    fn not_a_test() {\n        assert_eq!(1, 2);\n    }\n}\n";
        assert_eq!(
            find_test(rs, Lang::Rust, None, "works"),
            [Span { start: 6, end: 9 }]
        );
        assert!(find_test(rs, Lang::Rust, None, "not_a_test").is_empty());
        assert!(find_test(rs, Lang::Rust, None, "helper").is_empty());
    }

    #[test]
    fn assertion_lines() {
        for (line, lang) in [
            ("    assert resp.status == 200", Lang::Python),
            ("        self.assertEqual(version(), '1.2.0')", Lang::Python),
            ("  expect(await status()).toBe('ok');", Lang::Js),
            ("  assert.strictEqual(a, 'b');", Lang::Js),
            ("\tassert.Equal(t, 200, Status())", Lang::Go),
            ("    assert_eq!(v, \"1.2.0\");", Lang::Rust),
        ] {
            assert!(is_assertion(line, lang), "{line}");
        }
        for (line, lang) in [
            ("VERIFY_TLS = True", Lang::Python),
            ("    resp = client.get('/health')", Lang::Python),
            ("const expected = 'x';", Lang::Js),
            ("\tif got != 200 {", Lang::Go),
            ("    let v = version();", Lang::Rust),
        ] {
            assert!(!is_assertion(line, lang), "{line}");
        }
    }
}
