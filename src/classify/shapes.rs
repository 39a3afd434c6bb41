//! Shapes: the wording of a tool's own message, as named model features.
//!
//! Words of the region blur where a tool's message does not: a YAML or JSON
//! parser names its file and position whatever went wrong inside it; a
//! linter or type checker ends with its own summary; pip says it retried an
//! index before giving up, and without that line a missing pin is the
//! manifest's mistake; a program that read an environment variable shows the
//! read in its trace. [`super::signals`] turns each shape found here into one
//! `F:` feature, so the model weighs it and `explanation` names it.
//!
//! Every pattern is anchored on the tool's own wording, and a shape is only
//! one feature among many: the category stays the model's call. Log text is
//! attacker-written, so nothing here does more than match lines.

use crate::pattern::Pattern;

/// A config or manifest file: the files whose syntax or keys a run trips on.
macro_rules! config_file {
    () => {
        r"(?:[\w.-]*\.(?:ya?ml|toml|json|jsonc|ini|cfg|conf|hcl|tf|properties|xml|csproj|gradle)|go\.mod|Gemfile|Makefile|Dockerfile|\.[\w-]+rc(?:\.\w+)?)"
    };
}

/// A config file named with a position: `app.yaml:6:7`, `tsconfig.json(6,3)`,
/// `.pre-commit-config.yaml, line 4`, `in "x.yml", line 3, column 5`.
static CONFIG_POSITION: Pattern = Pattern::new(concat!(
    r#"(?i)(?:^|[\s'"`(/\\])"#,
    config_file!(),
    r#"(?:["'`]?(?::\d+(?::\d+)?\b|\(\d+,\d+\))|["'`]?,? (?:on )?line \d+| \(Line: \d+, Col: \d+\))"#
));

/// A parser's own message about a file it could not read.
static PARSER_ERROR: Pattern = Pattern::new(concat!(
    r"YAMLException|yaml\.(?:scanner|parser|composer|constructor)\.\w+Error|ScannerError|",
    r"mapping values are not allowed|could not find expected ':'|did not find expected (?:key|node|'-')|",
    r"found character that cannot start any token|found undefined alias|bad indentation of a|",
    r"(?i:yaml: line \d+:)|is not valid JSON|JSONDecodeError|Expecting (?:property name enclosed|value|',' delimiter)|",
    r"Unexpected token .* in JSON|in JSON at position \d+|TOMLDecodeError|TOML parse error|(?i:invalid toml)|",
    r"toml: (?:line|expected)|MissingSectionHeaderError|configparser\.\w+Error|",
    r"There was an error parsing `|Invalid workflow file|error parsing (?:\S+ )?(?:file|config)|",
    r"(?i:failed to parse (?:manifest|config|the config|configuration))|(?i:could not parse (?:config|configuration))"
));

/// A message about a key or option of a configuration: unknown, misspelt,
/// of the wrong type.
static KEY_ERROR: Pattern = Pattern::new(concat!(
    r"(?i)\bunknown (?:key|field|option|property|setting|config(?:uration)?(?: option| key)?|compiler option|rule selector|rule)s?\b|",
    r"(?i)\b(?:unrecognized|unexpected|unsupported|invalid) (?:key|field|property|configuration key|config key|config option|configuration option)s?\b|",
    r"(?i)\bin `\w+` configuration option|(?i)configuration option\b|requires a value of type|must be set to '|",
    r"(?i)additional propert(?:y|ies)(?: .*)? (?:not allowed|is not allowed|were unexpected)|",
    r"(?i)\bis not a valid (?:value|option|key|configuration)|Invalid (?:ecmaVersion|configuration object)|",
    r"(?i)\bconfig(?:uration)? file .* not found|(?i)\bno such (?:option|key)\b|Unexpected value '"
));

/// A config or manifest file that is not there at all.
static MANIFEST_MISSING: Pattern = Pattern::new(concat!(
    r"go\.mod file not found|Could not open requirements file|could not find `Cargo\.toml`|",
    r"(?i)\bno (?:such file or directory|such file)\b.*(?:package\.json|requirements[\w.-]*\.txt|pyproject\.toml|Cargo\.toml|go\.mod|Gemfile|pom\.xml|\.ya?ml\b)|",
    r"ENOENT.*package\.json|(?i)\bconfig(?:uration)? file ['`\x22]?[^ ]+['`\x22]? (?:was )?not found"
));

/// Credentials that are not there: nothing was configured to send.
static CREDENTIALS_MISSING: Pattern = Pattern::new(concat!(
    r"(?i)\b(?:missing|no|could not (?:find|load)|unable to locate|not (?:find|load)) (?:default |valid )?credentials?\b|",
    r"(?i)\bno valid credential sources|credentials could not be loaded|\bENO(?:GH|NPM|GL)?TOKEN\b|",
    r"(?i)\bno (?:github |gitlab |npm |api |auth )?token (?:was )?(?:specified|provided|found|set)\b|",
    r"(?i)\b(?:token|api key|password|credentials?) (?:is |are )?(?:not set|not provided|empty|required)\b|ENEEDAUTH"
));

/// Credentials sent and refused.
static CREDENTIALS_REJECTED: Pattern = Pattern::new(concat!(
    r"(?i)\bbad credentials\b|incorrect username or password|invalid (?:or non-existent )?(?:authentication|credentials|token|username or password)|",
    r"(?i)\bauthentication failed\b|\bnot authorized to perform\b|\b(?:401 )?unauthorized\b|\bexpired token\b|\btoken (?:has )?expired\b"
));

/// A service saying "not so often": a wait, not a permission.
static RATE_LIMITED: Pattern = Pattern::new(
    r"(?i)\brate limit(?:ed| exceeded| reached)|\btoo many requests\b|secondary rate limit",
);

/// The process died rather than failed: a signal, memory, disk, the runner.
static CRASH: Pattern = Pattern::new(concat!(
    r"(?i)segmentation fault|core dumped|\bSIG(?:SEGV|ABRT|BUS|ILL|KILL)\b|exit code:? 13[4-9]\b|",
    r"(?i)\bout of memory\b|OOMKilled|JavaScript heap out of memory|MemoryError|",
    r"(?i)no space left on device|The operation was canceled|runner has received a shutdown signal"
));

/// A failed equality with both sides printed: a value, response or schema
/// that changed (pytest, Jest, JUnit, assert_eq!, testify, PHPUnit, RSpec).
static EQUALITY: Pattern = Pattern::new(concat!(
    r"^\s*E\s+(?:AssertionError: )?assert .+ (?:==|!=) .+|AssertionError: .+ != .+|expected:? ?<.*> but was:? ?<.*>|",
    r"assertion `left == right` failed|assertion failed: `\(left == right\)`|Error:\s+Not equal:|",
    r"Failed asserting that .+ (?:is identical to|matches expected|is equal to)|Failed asserting that two \w+ are (?:equal|identical)|",
    r"^\s*Expected: (?:[^<>\s]|<[^=]).*|expected: .+ got: .+|^\s*got: .+|^\s*Actual: .+|",
    r"\bexpected .+ to (?:have|be|eq|equal|match|return) .+ but (?:it )?(?:was|got|returned)\b"
));

/// An assertion that only says no: a truth test, no expected value.
static BARE_ASSERTION: Pattern = Pattern::new(concat!(
    r"(?i)\bFalse is not true\b|\bTrue is not false\b|Failed asserting that (?:false is true|true is false|null is not null)|",
    r"(?i)^\s*expected:? (?:true|false)\s*$|^\s*E\s+(?:AssertionError: )?assert (?:not )?[\w.()\[\]']+\s*$|",
    r"^\s*(?:java\.lang\.|org\.opentest4j\.)?Assertion(?:Failed)?Error:?\s*$|to be (?:true|truthy|falsy|false)\b"
));

/// pip saying it retried: the index was unreachable or failing.
static PIP_RETRY: Pattern =
    Pattern::new(r"Retrying \(Retry\(total=|after connection broken by|Max retries exceeded");

static PIP_NO_MATCH: Pattern = Pattern::new(r"No matching distribution found for");

/// A version or ref the manifest pins that the registry does not have.
static PIN_NOT_FOUND: Pattern = Pattern::new(concat!(
    r"No matching distribution found for \S+(?:==|>=|~=|<=)|\bETARGET\b|No matching version found for|",
    r"unable to find version `|Unable to resolve action `|",
    r"(?i)could not find (?:a )?version (?:that )?match|(?i)\bunknown revision\b|",
    r"(?i)\bfailed to select a version for the requirement\b|(?i)\bno matching package named\b"
));

/// Code that reads an environment variable, as a trace or a source line shows
/// it: what a failure after an unset variable carries.
static ENV_READ: Pattern = Pattern::new(concat!(
    r"process\.env\.|process\.env\[|os\.environ\b|os\.getenv\(|\bgetenv\(|System\.getenv|",
    r"\bENV\[|\bENV\.fetch|env::var|std::env::var|\$ENV\{|Environment\.GetEnvironmentVariable|",
    r"\bos\.Getenv\(|\bos\.LookupEnv\(|\bNotPresent\b|import\.meta\.env\."
));

/// A line of a diff a formatter or `git diff` prints.
static DIFF_LINE: Pattern = Pattern::new(r"^\s*[-+](?:\s|$)");

/// A script's own syntax error: shell, Python, Ruby source rather than a
/// manifest (a `Gemfile`'s is a parser error above).
static SCRIPT_SYNTAX: Pattern = Pattern::new(concat!(
    r": line \d+: syntax error|unexpected EOF while looking for matching|syntax error: unexpected end of file|",
    r"^\s*(?:E\s+)?(?:SyntaxError|IndentationError|TabError): |",
    r"\.rb:\d+: syntax error"
));

/// A linter's or type checker's closing summary.
static CHECKER_SUMMARY: Pattern = Pattern::new(concat!(
    r"^Found \d+ errors? in \d+ files? \(checked \d+ source files?\)|", // mypy
    r"^Found \d+ errors? in (?:\d+ files?|the same file)|",             // tsc
    r"✖ \d+ problems? \(\d+ errors?|",                                  // eslint
    r"^Found \d+ errors?\.|^\d+ files? would be reformatted|",          // ruff
    r"^\d+\s+files? inspected, \d+ offenses? detected|",                // rubocop
    r"^error: could not compile `[\w-]+`.* due to \d+ previous errors?|", // rustc
    r"^\d+ (?:E|W|F|C)\d{3}\b|^\[(?:error|warn)\] Code style issues|",  // flake8 --count, prettier
    r"^Diff in .* at line \d+:|^would reformat |^Oh no! .* files? would be reformatted" // rustfmt, black
));

/// A compiler's or linter's finding located in a project source file:
/// `./main.go:6:14: ...`, `src/a.ts(2,7): error ...`, `Foo.java:12: error:`.
static SOURCE_DIAGNOSTIC: Pattern = Pattern::new(
    r"^\s*(?:\./)?[\w.-]+(?:[/\\][\w.-]+)*\.(?:go|rs|ts|tsx|js|jsx|mjs|java|kt|cs|c|cc|cpp|h|hpp|swift|scala|php|py|rb)(?::\d+(?::\d+)?:|\(\d+,\d+\):) ?(?:error|warning|[A-Z]{1,3}\d{2,4}\b|[a-z])",
);

/// Installed code: a finding there is not the project's.
static LIBRARY_PATH: Pattern = Pattern::new(
    r"node_modules|site-packages|dist-packages|/\.cargo/registry/|/go/pkg/mod/|/usr/(?:lib|include)/",
);

/// The shapes of a region's lines, each once, in a fixed order.
pub fn shapes<'a>(lines: impl Iterator<Item = &'a str> + Clone) -> Vec<&'static str> {
    let mut out = Vec::new();
    let any = |re: &Pattern| lines.clone().any(|l| re.is_match(l));
    if any(&CONFIG_POSITION) {
        out.push("config-file-position");
    }
    if any(&PARSER_ERROR) {
        out.push("config-parser-error");
    }
    if any(&KEY_ERROR) {
        out.push("config-key-error");
    }
    if any(&MANIFEST_MISSING) {
        out.push("manifest-missing");
    }
    if any(&PIN_NOT_FOUND) {
        out.push("pin-not-found");
    }
    if any(&PIP_NO_MATCH) {
        out.push(if any(&PIP_RETRY) {
            "pip-no-match-after-retries"
        } else {
            "pip-no-match-without-retries"
        });
    }
    // A diff's lines are code being shown, not code that ran.
    if lines
        .clone()
        .any(|l| ENV_READ.is_match(l) && !DIFF_LINE.is_match(l))
    {
        out.push("env-read");
    }
    if any(&CREDENTIALS_MISSING) {
        out.push("credentials-missing");
    }
    if any(&CREDENTIALS_REJECTED) {
        out.push("credentials-rejected");
    }
    if any(&RATE_LIMITED) {
        out.push("rate-limited");
    }
    if any(&CRASH) {
        out.push("crash");
    }
    if any(&EQUALITY) {
        out.push("equality-assertion");
    }
    if any(&BARE_ASSERTION) {
        out.push("bare-assertion");
    }
    if any(&SCRIPT_SYNTAX) {
        out.push("script-syntax-error");
    }
    if any(&CHECKER_SUMMARY) {
        out.push("checker-summary");
    }
    if lines
        .clone()
        .any(|l| SOURCE_DIAGNOSTIC.is_match(l) && !LIBRARY_PATH.is_match(l))
    {
        out.push("source-diagnostic");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Vec<&'static str> {
        shapes(text.lines())
    }

    #[test]
    fn config_parsers_name_their_file_and_position() {
        let yaml = "YAMLException: bad indentation of a mapping entry (6:10)\n in \"config/app.yaml\", line 6, column 10";
        assert_eq!(
            of(yaml),
            vec!["config-file-position", "config-parser-error"]
        );
        let ts = "tsconfig.json(3,15): error TS5024: Compiler option 'strict' requires a value of type boolean.";
        assert_eq!(of(ts), vec!["config-file-position", "config-key-error"]);
        // A source file's position is not a config file's.
        let src = "src/routes.ts(2,18): error TS2339: Property 'email' does not exist on type '{ id: number; }'.";
        assert_eq!(of(src), vec!["source-diagnostic"]);
        assert!(of("error: could not read package.json").is_empty());
    }

    #[test]
    fn pip_without_retries_is_a_pin_with_them_an_index() {
        let pin = "ERROR: Could not find a version that satisfies the requirement httpx==99.0.0 (from versions: 0.27.0)\nERROR: No matching distribution found for httpx==99.0.0";
        assert_eq!(
            of(pin),
            vec!["pin-not-found", "pip-no-match-without-retries"]
        );
        let net = "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError'\nERROR: No matching distribution found for flask";
        assert_eq!(of(net), vec!["pip-no-match-after-retries"]);
    }

    #[test]
    fn credentials_missing_or_refused_rate_limits_and_crashes() {
        assert_eq!(
            of("[semantic-release] » ×  ENOGHTOKEN No GitHub token specified."),
            vec!["credentials-missing"]
        );
        assert_eq!(
            of(
                "Error: Error response from daemon: Get https://registry-1.docker.io/v2/: unauthorized: incorrect username or password"
            ),
            vec!["credentials-rejected"]
        );
        assert_eq!(
            of(
                "Error: unexpected error encountered: API rate limit exceeded for installation ID 1."
            ),
            vec!["rate-limited"]
        );
        assert_eq!(
            of("make: *** [test] Segmentation fault (core dumped)"),
            vec!["crash"]
        );
        assert_eq!(
            of("go: go.mod file not found in current directory or any parent directory."),
            vec!["manifest-missing"]
        );
        assert_eq!(
            of(
                "The workflow is not valid. .github/workflows/ci.yml (Line: 10, Col: 5): Unexpected value 'build'"
            ),
            vec!["config-file-position", "config-key-error"]
        );
    }

    #[test]
    fn equalities_name_both_sides_bare_assertions_do_not() {
        assert_eq!(of("E       assert 201 == 200"), vec!["equality-assertion"]);
        assert_eq!(
            of("E       AssertionError: assert 'Welcome to t...on 2' == 'Welcome to t...on 1'"),
            vec!["equality-assertion"]
        );
        assert_eq!(
            of("expected:<[healthy]> but was:<[ok]>"),
            vec!["equality-assertion"]
        );
        assert_eq!(
            of("    Expected: \"healthy\"\n    Received: \"ok\""),
            vec!["equality-assertion"]
        );
        assert_eq!(
            of(
                "       expected the response to have status code :ok (200) but it was :not_found (404)"
            ),
            vec!["equality-assertion"]
        );
        // toBeGreaterThan prints an inequality.
        assert!(of("    Expected: > 80\n    Received:   12").is_empty());
        assert_eq!(
            of("AssertionError: False is not True"),
            vec!["bare-assertion"]
        );
        assert_eq!(of("E       assert False"), vec!["bare-assertion"]);
        assert_eq!(of("java.lang.AssertionError"), vec!["bare-assertion"]);
        assert_eq!(
            of("Failed asserting that false is true."),
            vec!["bare-assertion"]
        );
    }

    #[test]
    fn env_reads_script_syntax_and_checker_summaries() {
        assert_eq!(
            of(
                "    const dsn = process.env.SENTRY_DSN.split(',')\nTypeError: Cannot read properties of undefined (reading 'split')"
            ),
            vec!["env-read"]
        );
        assert!(of("TypeError: Cannot read properties of undefined (reading 'map')").is_empty());
        assert_eq!(
            of("scripts/release.sh: line 5: syntax error near unexpected token `fi'"),
            vec!["script-syntax-error"]
        );
        // A formatter's diff shows code; it did not run.
        assert_eq!(
            of(
                "Diff in /w/src/config.rs at line 14:\n-        let port = std::env::var(\"PORT\").ok();"
            ),
            vec!["checker-summary"]
        );
        assert_eq!(
            of("Found 3 errors in 2 files (checked 14 source files)"),
            vec!["checker-summary"]
        );
        assert_eq!(
            of("./main.go:6:14: cannot use \"3\" (untyped string constant) as int value"),
            vec!["source-diagnostic"]
        );
        // A finding inside installed code is not the project's.
        assert!(
            of("node_modules/@types/node/index.d.ts(20,1): error TS6200: Definitions conflict")
                .is_empty()
        );
    }
}
