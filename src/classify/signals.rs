//! Signals: what the log states for certain, as named model features.
//!
//! Words alone leave some failures ambiguous where the log itself settles
//! them: `ImportError` reads like a missing dependency, but not when the
//! module lives in the project's own tree; `Cannot find module './x'` names a
//! file, not a package; a setup action's `Version 3.1 ... not found` is a
//! configuration slip (an unquoted `3.10`), not a missing install; a 403 from
//! `git` is a permission, a 403 from a proxy in a download is not the same
//! thing; a snapshot test that no longer matches is a changed contract. Each
//! such fact becomes one feature named `F:<fact>`, so the model weighs it like
//! any word and `explanation` shows it by name.
//!
//! Only the region's text is read (the same text the trainer sees), every
//! pattern is anchored on the tool's own wording, and a line that lies only
//! adds one feature among hundreds: the category stays the model's call.

use std::sync::LazyLock;

use crate::pattern::Pattern;

/// Prefix of the named facts among the features.
pub const FACT_PREFIX: &str = "F:";

/// Python's `cannot import name 'x' from 'pkg.mod' (/path/to/pkg/mod.py)`.
static IMPORT_FROM: Pattern =
    Pattern::new(r"cannot import name '[\w.]+' from '([\w.]+)' \(([^)]+)\)");

/// Python's missing module, its top-level package captured.
static NO_MODULE: Pattern = Pattern::new(r"No module named '([A-Za-z_]\w*)(?:\.[\w.]+)?'");

/// A traceback frame's file.
static FRAME_FILE: Pattern = Pattern::new(r#"^\s*File "([^"]+)", line \d+"#);

/// Installed code: never the project's own.
static LIBRARY_PATH: Pattern = Pattern::new(
    r"site-packages|dist-packages|/lib/python\d|\\Lib\\|/usr/lib/|node_modules|/\.cargo/registry/|/go/pkg/mod/",
);

/// A module path that is a file of the project: `./x`, `../x`.
static RELATIVE_MODULE: Pattern = Pattern::new(
    r#"(?:Cannot find module|Can't resolve|Could not resolve|Failed to resolve import|Module not found: Error: Can't resolve|ERR_MODULE_NOT_FOUND.*?) ['"`]\.\.?/"#,
);

static INPUT_REQUIRED: Pattern = Pattern::new(r"Input required and not supplied: [\w-]+");

/// A setup action that has no build of the version asked for.
static SETUP_VERSION: Pattern = Pattern::new(
    r"(?i)\bversion '?[\w.+-]+'? (?:with arch \w+ )?(?:was )?not found\b|Unable to find (?:Node|Go|Python|Java|Ruby|\.NET) version|Could not find a version that matches|No (?:matching )?(?:Node|Python|Go|JDK) version found",
);

/// A version as an unquoted YAML float leaves it: `3.1` for `3.10`.
static TRUNCATED_VERSION: Pattern =
    Pattern::new(r"(?i)\bversion '?3\.1'? (?:with arch \w+ )?(?:was )?not found\b");

/// An HTTP status in a line, with its number.
static HTTP_STATUS: Pattern = Pattern::new(
    r"(?i)(?:\b(?:error|status|http(?:/[\d.]+)?|code|returned|response)[: ]+|npm (?:ERR!|error) )(40[013-9]|429|5\d\d)\b|\b(40[13]|407|429|50[234]) (?:Forbidden|Unauthorized|Not Found|Proxy|Too Many|Bad Gateway|Service Unavailable|Gateway)",
);

/// Which tool printed a line with a status.
const TOOLS: &[(&str, &str)] = &[
    (
        "git",
        r"^(?:fatal|remote|error): |\bgit(?:@| push| pull| clone| fetch)|unable to access '",
    ),
    (
        "npm",
        r"\bnpm (?:ERR!|error)|\byarn\b|\bpnpm\b|registry\.npmjs\.org|registry\.yarnpkg",
    ),
    ("pip", r"\bpip\b|pypi\.org|pythonhosted|HTTPError|urllib"),
    (
        "docker",
        r"\bdocker\b|\bdenied: |manifest|registry-1\.docker|ghcr\.io",
    ),
    ("curl", r"^curl: |\bwget\b"),
    ("gh", r"\bgh: |HttpError|api\.github\.com|Octokit|octokit"),
];

static TOOL_SETS: LazyLock<Vec<(&'static str, Pattern)>> = LazyLock::new(|| {
    TOOLS
        .iter()
        .map(|(name, p)| (*name, Pattern::new(p)))
        .collect()
});

static SNAPSHOT: Pattern = Pattern::new(
    r"(?i)toMatch(?:Inline)?Snapshot|snapshots? (?:failed|mismatch(?:ed)?|do(?:es)? not match|obsolete)|\bSnapshot Summary\b|snapshot assertion|assert_snapshot!|\binsta\b.*\bsnapshot\b|SnapshotAssertion|Snapshot comparison failed|stored snapshot|new snapshot|\bsnapshot .* (?:differ|changed)",
);

/// pip naming the versions it has: the pin asks for one that does not exist
/// (a manifest's mistake), not an index it could not reach (`versions: none`).
static VERSIONS_LISTED: Pattern = Pattern::new(r"\(from versions: (?:none|[^)]+)\)");

/// A compiler's or type checker's finding in code: tsc outside its config
/// codes (TS5xxx/TS6xxx), rustc's numbered errors other than unresolved
/// crates, mypy's bracketed codes. Code mistakes, not configuration.
static TYPE_ERROR: Pattern = Pattern::new(
    r"\berror TS[1-47-9]\d{3,4}\b|^error\[E0(?:[0-35-9]\d\d|4[0-2457-9]\d|43[0-14-9]|46[0-24-9])\]|: error: .* \[[a-z-]+\]$",
);

/// A linter's rule finding: ESLint's `  1:24  error  message  rule-name`,
/// ruff's and flake8's `path:1:1: E501 message`.
static LINT_RULE: Pattern =
    Pattern::new(r"^\s+\d+:\d+\s+error\s.*\s[@\w/-]+$|^[\w./-]+\.\w+:\d+:\d+: [A-Z]{1,3}\d{2,4}\b");

/// The facts of a region and its root line, each once, in a fixed order.
pub fn signals(region: &str, root_line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let text = || region.lines().chain(std::iter::once(root_line));
    if own_module(region, root_line) {
        add("own-module".into());
    }
    if text().any(|l| RELATIVE_MODULE.is_match(l)) {
        add("relative-module".into());
    }
    if text().any(|l| INPUT_REQUIRED.is_match(l)) {
        add("input-required".into());
    }
    if text().any(|l| SETUP_VERSION.is_match(l)) {
        add("setup-version-not-found".into());
    }
    if text().any(|l| TRUNCATED_VERSION.is_match(l)) {
        add("version-truncated".into());
    }
    for l in text() {
        if let Some(c) = HTTP_STATUS.captures(l) {
            let code = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            let tool = TOOL_SETS
                .iter()
                .find(|(_, re)| re.is_match(l.trim_start()))
                .map_or("other", |(name, _)| name);
            add(format!("http-{code}-{tool}"));
            // The status's kind, which holds across tools: who to ask.
            add(match code {
                "401" | "403" | "407" => "http-auth",
                "429" => "http-rate-limited",
                c if c.starts_with('5') => "http-unavailable",
                _ => "http-client-error",
            }
            .into());
        }
    }
    if text().any(|l| SNAPSHOT.is_match(l)) {
        add("snapshot-mismatch".into());
    }
    if let Some(c) = text().find_map(|l| VERSIONS_LISTED.captures(l)) {
        let none = c
            .get(0)
            .is_some_and(|m| m.as_str().contains("versions: none"));
        add(if none {
            "versions-none"
        } else {
            "versions-listed"
        }
        .into());
    }
    // tsc reports its own config's syntax with the same codes as code's.
    if text().any(|l| TYPE_ERROR.is_match(l) && !l.contains(".json(")) {
        add("type-error".into());
    }
    if text().any(|l| LINT_RULE.is_match(l)) {
        add("lint-rule".into());
    }
    for shape in super::shapes::shapes(text()) {
        add(shape.into());
    }
    out
}

/// A module the failing import names that the log shows inside the project:
/// an `ImportError` whose file is not installed code, or a missing module whose
/// top-level package is a directory of a project frame of the traceback.
fn own_module(region: &str, root_line: &str) -> bool {
    let lines = || region.lines().chain(std::iter::once(root_line));
    if lines().any(|l| {
        IMPORT_FROM
            .captures(l)
            .and_then(|c| c.get(2))
            .is_some_and(|p| !LIBRARY_PATH.is_match(p.as_str()))
    }) {
        return true;
    }
    let Some(top) = lines().find_map(|l| NO_MODULE.captures(l).and_then(|c| c.get(1))) else {
        return false;
    };
    let top = top.as_str();
    let dir = format!("/{top}/");
    lines().any(|l| {
        FRAME_FILE
            .captures(l)
            .and_then(|c| c.get(1))
            .is_some_and(|f| {
                let f = f.as_str().replace('\\', "/");
                !LIBRARY_PATH.is_match(&f) && f.contains(&dir)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_package_import_is_a_fact_installed_one_is_not() {
        let own = "ImportError: cannot import name 'helper' from 'app.utils' (/home/runner/work/app/app/app/utils.py)";
        assert!(signals(own, own).contains(&"own-module".to_string()));
        let lib = "ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/opt/hostedtoolcache/Python/3.10.4/x64/lib/python3.10/site-packages/markupsafe/__init__.py)";
        assert!(!signals(lib, lib).contains(&"own-module".to_string()));
        let tb = "  File \"/home/runner/work/x/x/mypkg/cli.py\", line 3, in <module>\n    from mypkg.core import run\nModuleNotFoundError: No module named 'mypkg.core'";
        assert!(signals(tb, "").contains(&"own-module".to_string()));
        let dep = "  File \"/home/runner/work/x/x/mypkg/cli.py\", line 3, in <module>\n    import yaml\nModuleNotFoundError: No module named 'yaml'";
        assert!(!signals(dep, "").contains(&"own-module".to_string()));
    }

    #[test]
    fn http_status_carries_its_tool() {
        let git = "fatal: unable to access 'https://github.com/o/r/': The requested URL returned error: 403";
        assert_eq!(signals(git, ""), vec!["http-403-git", "http-auth"]);
        let npm = "npm ERR! 403 403 Forbidden - GET https://registry.npmjs.org/grunt";
        assert_eq!(signals(npm, ""), vec!["http-403-npm", "http-auth"]);
        let curl = "curl: (22) The requested URL returned error: 504";
        assert_eq!(signals(curl, ""), vec!["http-504-curl", "http-unavailable"]);
    }

    #[test]
    fn setup_versions_relative_modules_inputs_and_snapshots() {
        let v = "Error: Version 3.1 with arch x64 not found in the list of available versions";
        let s = signals(v, v);
        assert!(s.contains(&"setup-version-not-found".to_string()));
        assert!(s.contains(&"version-truncated".to_string()));
        assert!(
            signals("Error: Cannot find module './config'", "")
                .contains(&"relative-module".to_string())
        );
        assert!(
            !signals("Error: Cannot find module 'express'", "")
                .contains(&"relative-module".to_string())
        );
        assert_eq!(
            signals("Error: Input required and not supplied: token", ""),
            vec!["input-required".to_string()]
        );
        assert_eq!(
            signals("› 1 snapshot failed from 1 test suite.", ""),
            vec!["snapshot-mismatch".to_string()]
        );
        assert!(signals("all good", "").is_empty());
        assert_eq!(
            signals(
                "ERROR: Could not find a version that satisfies the requirement httpx==99.0.0 (from versions: 0.27.0)",
                ""
            ),
            vec!["versions-listed".to_string()]
        );
        assert_eq!(
            signals(
                "src/routes.ts(2,18): error TS2339: Property 'email' does not exist on type '{ id: number; }'.",
                ""
            ),
            vec!["type-error", "source-diagnostic"]
        );
        assert_eq!(
            signals(
                "tsconfig.json(3,5): error TS5023: Unknown compiler option 'foo'.",
                ""
            ),
            vec!["config-file-position", "config-key-error"]
        );
        assert_eq!(
            signals("tsconfig.json(6,3): error TS1005: ',' expected.", ""),
            vec!["config-file-position"]
        );
        assert!(signals("error[E0432]: unresolved import `serde`", "").is_empty());
        assert!(signals("error[E0463]: can't find crate for `serde`", "").is_empty());
        assert!(signals("error[E0308]: mismatched types", "").contains(&"type-error".to_string()));
        assert_eq!(
            signals(
                "  1:24  error  'undefinedThing' is not defined  no-undef",
                ""
            ),
            vec!["lint-rule".to_string()]
        );
    }
}
