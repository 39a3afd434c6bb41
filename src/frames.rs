//! Frames: the code locations a failing step's log points at, and the test it names.
//!
//! A fix is grounded in the repository: the variable is one the failing code
//! reads, the assertion lives in the failing test. The log only says where to
//! look. This module reads the lines around a root cause for traceback and
//! stack frames (Python, pytest, Node, Go, Rust, Ruby) and for the failing
//! test's id (pytest node id or section title, JUnit, Jest, `--- FAIL:`), and
//! keeps them as candidate locations. Nothing here is trusted: every path is
//! resolved and read through the workspace by the fixer, and the code it finds
//! there, not the log's copy, decides.

use std::sync::LazyLock;

use crate::pattern::Pattern;

/// One frame: a file and line the log says the failure passed through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// As the log wrote it, the runner's workspace prefix removed.
    pub file: String,
    pub line: u64,
    /// The function, when the frame names one.
    pub func: Option<String>,
}

/// Frames kept per failure, and the longest path kept.
const MAX_FRAMES: usize = 64;
const MAX_PATH_CHARS: usize = 300;

static RUNNER_PREFIX: Pattern = Pattern::new(
    r"^(?:/home/runner/work/[^/]+/[^/]+/|/__w/[^/]+/[^/]+/|/github/workspace/|/builds/[^/]+/[^/]+/|/workspace/|[A-Za-z]:\\a\\[^\\]+\\[^\\]+\\|\./)",
);

/// A frame shape and its groups: (pattern, file, line, func).
type Shape = (Pattern, usize, usize, Option<usize>);

/// Frame shapes, each with the groups (file, line, func).
static FRAME_SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
    let r = Pattern::new;
    vec![
        // Python: `  File "tests/a.py", line 12, in test_x`
        (
            r(r#"^\s*File "([^"]+)", line (\d+)(?:, in (\S+))?"#),
            1,
            2,
            Some(3),
        ),
        // pytest long traceback: `tests/a.py:17: ` / `tests/a.py:17: in f` / `...:11: AssertionError`
        (
            r(r"^(\S+\.pyi?):(\d+):(?: (?:in (\w+)|[A-Za-z_][\w.]*))?\s*$"),
            1,
            2,
            Some(3),
        ),
        // Node: `    at fn (path:12:5)` / `    at path:12:5`
        (
            r(
                r"^\s*(?:at )?(?:(?:async )?([\w$.<>\[\] ]+?) \()?(?:file://)?([^\s()']+?\.[cm]?[jt]sx?):(\d+):\d+\)?'?\s*$",
            ),
            2,
            3,
            Some(1),
        ),
        // Go test output: `    x_test.go:12: message` and panics' `\t/path/x.go:12 +0x1d`
        (r(r"^\s+([\w./-]+_test\.go):(\d+): "), 1, 2, None),
        (r(r"^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$"), 1, 2, None),
        // Vitest: ` ❯ tests/a.test.ts:10:20`
        (r(r"^\s*❯ (\S+\.[cm]?[jt]sx?):(\d+):\d+\s*$"), 1, 2, None),
        // Rust: `panicked at src/lib.rs:6:9:` / `thread 'x' panicked at 'msg', src/lib.rs:6:9`
        (
            r(r"panicked at (?:'.*', )?([\w./-]+\.rs):(\d+):\d+"),
            1,
            2,
            None,
        ),
        (r(r"^\s+at (\S+\.rs):(\d+):\d+\s*$"), 1, 2, None),
        // Ruby: `app/x.rb:12:in 'm'` / `# ./spec/x_spec.rb:12:in ...`
        (
            r(r"^\s*(?:#\s*)?(\S+\.rb):(\d+)(?::in [`'](?:[\w:]+[#.])?([^'`]+)')?"),
            1,
            2,
            Some(3),
        ),
    ]
});

/// Test ids: pytest section titles and node ids, `--- FAIL: TestX`, Rust's
/// `---- name stdout ----`, Jest's `● Suite › title`, JUnit's `Class > method`.
static TEST_IDS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    [
        r"^_{3,} ([\w.\[\]-]+(?:\[[^\]]*\])?) _{3,}$",
        r"^(?:FAILED|ERROR) (\S+::\S+)",
        r"^\s*--- FAIL: (\w+(?:/\S+)?)",
        r"^---- (\S+) stdout ----$",
        r"^\s*● (.+?)\s*$",
        // Vitest: ` FAIL  tests/a.test.ts > suite > title`.
        r"^\s*FAIL\s+(\S+\.[cm]?[jt]sx? > .+?)\s*$",
    ]
    .map(Pattern::new)
    .into()
});

/// Installed or generated code, never the project's.
pub fn is_library(path: &str) -> bool {
    const MARKS: &[&str] = &[
        "site-packages/",
        "dist-packages/",
        "/lib/python",
        "node_modules/",
        "/usr/lib/",
        "/usr/local/lib/",
        "/rustc/",
        "/.cargo/registry/",
        "/go/pkg/mod/",
        "/hostedtoolcache/",
        "/gems/",
        "node:internal",
        "internal/",
    ];
    path.starts_with('<') || MARKS.iter().any(|m| path.contains(m))
}

/// The path as the workspace would name it: the runner's prefix removed.
pub fn relative(path: &str) -> String {
    let p = path.trim().trim_matches(|c| c == '"' || c == '\'');
    let p = RUNNER_PREFIX.replace(p, "");
    p.replace('\\', "/")
}

/// Frames in `lines`, in the order the log prints them.
pub fn frames<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::new();
    for text in lines {
        if text.len() > 4 * 1024 {
            continue;
        }
        for (re, f, l, func) in FRAME_SHAPES.iter() {
            let Some(c) = re.captures(text) else { continue };
            let (Some(file), Some(line)) = (c.get(*f), c.get(*l)) else {
                continue;
            };
            let file = relative(file.as_str());
            let Ok(line) = line.as_str().parse::<u64>() else {
                continue;
            };
            if file.is_empty() || file.chars().count() > MAX_PATH_CHARS || is_library(&file) {
                break;
            }
            let func = func
                .and_then(|g| c.get(g))
                .map(|m| m.as_str().trim().to_string())
                .filter(|s| !s.is_empty());
            let frame = Frame { file, line, func };
            if out.last() != Some(&frame) {
                out.push(frame);
            }
            break;
        }
        if out.len() >= MAX_FRAMES {
            break;
        }
    }
    out
}

/// The failing test's id: the last one named in `lines` (the one whose
/// section holds the root cause when `lines` ends at it).
pub fn test_id<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut found = None;
    for text in lines {
        if text.len() > 4 * 1024 {
            continue;
        }
        for re in TEST_IDS.iter() {
            if let Some(c) = re.captures(text) {
                let id = c[1].trim();
                if !id.is_empty() && id.len() <= 300 && !id.contains("test session starts") {
                    found = Some(id.to_string());
                }
                break;
            }
        }
    }
    found
}

/// The function and class a test id names: `tests/a.py::TestX::test_y[1]` →
/// (`Some("TestX")`, `test_y`); `TestX.test_y` → the same; `TestFoo/sub` →
/// (`None`, `TestFoo`); `Suite › title` → (`Some("Suite")`, `title`).
pub fn test_name(id: &str) -> (Option<String>, String) {
    if let Some(parts) = vitest_parts(id) {
        let name = parts.last().copied().unwrap_or_default().to_string();
        let suite = (parts.len() >= 3).then(|| parts[1].to_string());
        return (suite, name);
    }
    let id = id.split('[').next().unwrap_or(id);
    if id.contains(" › ") {
        let mut parts: Vec<&str> = id.split(" › ").collect();
        let name = parts.pop().unwrap_or_default().to_string();
        return (parts.first().map(|s| s.to_string()), name);
    }
    if id.contains("::") {
        let parts: Vec<&str> = id.split("::").collect();
        let name = parts.last().copied().unwrap_or_default().to_string();
        let class = (parts.len() >= 3).then(|| parts[parts.len() - 2].to_string());
        return (class, name);
    }
    let id = id.split('/').next().unwrap_or(id);
    match id.rsplit_once('.') {
        Some((class, name)) => (
            Some(class.rsplit('.').next().unwrap_or(class).to_string()),
            name.to_string(),
        ),
        None => (None, id.to_string()),
    }
}

/// The file a pytest node id names (`tests/a.py::test_x` → `tests/a.py`),
/// or a Vitest id (`tests/a.test.ts > suite > title` → `tests/a.test.ts`).
pub fn test_file(id: &str) -> Option<String> {
    if let Some(parts) = vitest_parts(id) {
        return Some(relative(parts[0]));
    }
    let (file, _) = id.split_once("::")?;
    Some(relative(file))
}

/// A Vitest id's parts, the file first: `tests/a.test.ts > suite > title`.
fn vitest_parts(id: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = id.split(" > ").collect();
    let file = parts.first()?;
    let is_file = file.rsplit_once('.').is_some_and(|(_, ext)| {
        matches!(
            ext,
            "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts"
        )
    });
    (parts.len() >= 2 && is_file && !file.contains(' ')).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_and_pytest_frames() {
        let log = [
            "    def test_health():",
            ">       resp = requests.get(endpoint(OCR_HOST, \"/health\"), timeout=5)",
            "tests/test_ocr_endpoints.py:17:",
            "/opt/hostedtoolcache/Python/3.11.7/x64/lib/python3.11/site-packages/requests/api.py:87: in get",
            "  File \"/home/runner/work/app/app/app/config.py\", line 4, in <module>",
            "tests/test_a.py:11: AssertionError",
        ];
        let f = frames(log);
        assert_eq!(
            f.iter()
                .map(|f| (f.file.as_str(), f.line))
                .collect::<Vec<_>>(),
            [
                ("tests/test_ocr_endpoints.py", 17),
                ("app/config.py", 4),
                ("tests/test_a.py", 11)
            ]
        );
        assert_eq!(f[1].func.as_deref(), Some("<module>"));
    }

    #[test]
    fn node_go_rust_ruby_frames() {
        let log = [
            "    at Object.<anonymous> (/home/runner/work/w/w/src/client.test.js:12:5)",
            "    at node:internal/modules/cjs/loader:1105:14",
            "    at /home/runner/work/w/w/node_modules/x/index.js:3:1",
            "    ordersUrl (/home/runner/work/w/w/src/client.js:4:10)",
            "    health_test.go:21: expected ok",
            "thread 'tests::health' panicked at src/lib.rs:6:9:",
            "app/models/user.rb:12:in 'save'",
        ];
        let f: Vec<(String, u64)> = frames(log).into_iter().map(|f| (f.file, f.line)).collect();
        assert_eq!(
            f,
            [
                ("src/client.test.js".to_string(), 12),
                ("src/client.js".to_string(), 4),
                ("health_test.go".to_string(), 21),
                ("src/lib.rs".to_string(), 6),
                ("app/models/user.rb".to_string(), 12)
            ]
        );
    }

    #[test]
    fn test_ids_and_names() {
        let log = [
            "_________________________________ test_health __________________________________",
            "E   assert 1 == 2",
        ];
        assert_eq!(test_id(log).as_deref(), Some("test_health"));
        assert_eq!(
            test_id(["FAILED tests/a.py::TestX::test_y[1] - assert 1 == 2"]).as_deref(),
            Some("tests/a.py::TestX::test_y[1]")
        );
        assert_eq!(
            test_name("tests/a.py::TestX::test_y[1]"),
            (Some("TestX".into()), "test_y".into())
        );
        assert_eq!(
            test_name("TestX.test_y"),
            (Some("TestX".into()), "test_y".into())
        );
        assert_eq!(test_name("TestFoo/sub"), (None, "TestFoo".into()));
        assert_eq!(
            test_name("health › reports ok"),
            (Some("health".into()), "reports ok".into())
        );
        assert_eq!(test_file("tests/a.py::t").as_deref(), Some("tests/a.py"));
        assert_eq!(
            test_id(["--- FAIL: TestHealth (0.00s)"]).as_deref(),
            Some("TestHealth")
        );
        let vitest = " FAIL  tests/health.test.ts > health > reports ok";
        assert_eq!(
            test_id([vitest]).as_deref(),
            Some("tests/health.test.ts > health > reports ok")
        );
        assert_eq!(
            test_name("tests/health.test.ts > health > reports ok"),
            (Some("health".into()), "reports ok".into())
        );
        assert_eq!(test_name("tests/a.test.ts > works"), (None, "works".into()));
        assert_eq!(
            test_file("tests/a.test.ts > works").as_deref(),
            Some("tests/a.test.ts")
        );
        assert_eq!(
            frames([" ❯ tests/health.test.ts:10:20"]),
            [Frame {
                file: "tests/health.test.ts".into(),
                line: 10,
                func: None
            }]
        );
    }
}
