//! Facts: deterministic parsers over the failure's text. Never the model.
//!
//! The fixers act on facts, so a fact is only set when the text says it plainly: a
//! module from `No module named 'x'`, a variable from a `KeyError` raised by
//! `os.environ`, the expected and actual values of one assertion. Each parser reads
//! the root-cause line first and then the error region (and the structured test
//! report, when one matched), and fills only what is still empty. Package names
//! come from curated tables embedded as data (`data/*.tsv`), never from guessing.
//! Every value came from log text: names are validated against their grammar and
//! every string is stripped of control characters and capped.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Captures;
use serde::Serialize;

use crate::extract::Failure;
use crate::frames::Frame;
use crate::pattern::Pattern;

/// What the parsers could pull out of a failure. Every field is optional and
/// every value came from (untrusted) log text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// `python`, `node`, `rust`, `go`, `java`, `ruby`, `system`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// The import name that failed (`yaml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The distribution that provides it (`PyYAML`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The command-line option that needs a plugin (`--cov`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// The environment variable that is unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    /// What named `variable`: `message` (the failing tool's own words say it
    /// is required or missing) or `symptom` (an unset value seen in the
    /// output next to code that reads it: a hint, never enough on its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable_from: Option<String>,
    /// An action input that is required and not supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_input: Option<String>,
    /// A file the failure points at (assertion, config, permission error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Assertion: the expected literal, as written in the test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Assertion: the value the code produced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Assertion: `pytest`, `unittest`, `jest`, `vitest`, `mocha`, `rspec`,
    /// `phpunit`, `rust`, `go`, `junit`, `mstest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// A path that could not be read, written or executed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A GitHub token permission scope (`pull-requests: write`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A missing command (`command not found`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// Longest value kept in any fact.
pub const MAX_FACT_CHARS: usize = 200;

static PY_IMPORTS_TSV: &str = include_str!("data/py_imports.tsv");
static PYTEST_OPTIONS_TSV: &str = include_str!("data/pytest_options.tsv");
static COMMANDS_TSV: &str = include_str!("data/commands.tsv");
static NODE_BINS_TSV: &str = include_str!("data/node_bins.tsv");
static C_HEADERS_TSV: &str = include_str!("data/c_headers.tsv");

/// Rows of a two-column TSV table, comments and blank lines skipped.
fn rows(tsv: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.trim(), b.trim()))
}

static PY_IMPORTS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(PY_IMPORTS_TSV).collect());
static NODE_BINS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(NODE_BINS_TSV).collect());
static COMMANDS: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(COMMANDS_TSV).collect());
/// (option or prefix, is a prefix, plugin).
static PYTEST_OPTIONS: LazyLock<Vec<(&'static str, bool, &'static str)>> = LazyLock::new(|| {
    rows(PYTEST_OPTIONS_TSV)
        .map(|(opt, plugin)| match opt.strip_suffix('*') {
            Some(prefix) => (prefix, true, plugin),
            None => (opt, false, plugin),
        })
        .collect()
});

/// pytest fixtures and ini keys that only a plugin provides.
const PYTEST_FIXTURES: &[(&str, &str)] = &[
    ("mocker", "pytest-mock"),
    ("benchmark", "pytest-benchmark"),
    ("httpx_mock", "pytest-httpx"),
    ("requests_mock", "requests-mock"),
    ("respx_mock", "respx"),
    ("freezer", "pytest-freezer"),
    ("snapshot", "syrupy"),
    ("httpserver", "pytest-httpserver"),
    ("aioresponses", "aioresponses"),
    ("event_loop", "pytest-asyncio"),
    ("django_db_setup", "pytest-django"),
    ("admin_client", "pytest-django"),
    ("django_user_model", "pytest-django"),
    ("faker", "Faker"),
    ("datadir", "pytest-datadir"),
    ("db", "pytest-django"),
    ("rf", "pytest-django"),
    ("live_server", "pytest-django"),
    ("django_db_blocker", "pytest-django"),
    ("postgresql", "pytest-postgresql"),
    ("postgresql_proc", "pytest-postgresql"),
    ("redis_proc", "pytest-redis"),
    ("redisdb", "pytest-redis"),
    ("mongodb", "pytest-mongodb"),
    ("docker_services", "pytest-docker"),
    ("xprocess", "pytest-xprocess"),
    ("monkeysession", "pytest-monkeysession"),
    ("loop", "pytest-aiohttp"),
    ("aiohttp_client", "pytest-aiohttp"),
    ("qtbot", "pytest-qt"),
    ("mock_env", "pytest-mock-resources"),
    ("data_regression", "pytest-regressions"),
    ("subtests", "pytest-subtests"),
    ("celery_app", "celery"),
    ("page", "pytest-playwright"),
];
const PYTEST_INI_KEYS: &[(&str, &str)] = &[
    ("asyncio_mode", "pytest-asyncio"),
    ("asyncio_default_fixture_loop_scope", "pytest-asyncio"),
    ("timeout", "pytest-timeout"),
    ("env", "pytest-env"),
    ("env_files", "pytest-dotenv"),
    ("DJANGO_SETTINGS_MODULE", "pytest-django"),
    ("django_find_project", "pytest-django"),
    ("mock_use_standalone_module", "pytest-mock"),
    ("reruns", "pytest-rerunfailures"),
    ("json_report_file", "pytest-json-report"),
];

/// Tools whose missing credential has one conventional variable.
static KNOWN_CREDENTIALS: [(Pattern, &str); 7] = [
    // AWS SDKs and Terraform read the key pair from the environment; the
    // access key id is the one to name first.
    (
        Pattern::new(
            r"Unable to locate credentials|NoCredentialsError|No valid credential sources found",
        ),
        "AWS_ACCESS_KEY_ID",
    ),
    (
        Pattern::new(r"(?i)codecov.*token (?:not found|required)|Token required (?:-|because)"),
        "CODECOV_TOKEN",
    ),
    // actions/setup-node writes an .npmrc that reads NODE_AUTH_TOKEN.
    (
        Pattern::new(
            r"npm (?:ERR!|error) (?:need auth|code ENEEDAUTH)|requires you to be logged in to https://registry\.npmjs\.org",
        ),
        "NODE_AUTH_TOKEN",
    ),
    (
        Pattern::new(r"No token defined in the environment|No GitHub token specified"),
        "GITHUB_TOKEN",
    ),
    (Pattern::new(r"No npm token specified"), "NPM_TOKEN"),
    (
        Pattern::new(r"no (?:upload )?token found, please run `cargo login`"),
        "CARGO_REGISTRY_TOKEN",
    ),
    (
        Pattern::new(r"could not find default credentials"),
        "GOOGLE_APPLICATION_CREDENTIALS",
    ),
];

/// pytest markers that only a plugin registers.
const PYTEST_MARKS: &[(&str, &str)] = &[
    ("asyncio", "pytest-asyncio"),
    ("async", "pytest-asyncio"),
    ("django_db", "pytest-django"),
    ("timeout", "pytest-timeout"),
    ("flaky", "pytest-rerunfailures"),
    ("benchmark", "pytest-benchmark"),
    ("order", "pytest-order"),
    ("vcr", "pytest-recording"),
    ("httpx_mock", "pytest-httpx"),
    ("freeze_time", "pytest-freezer"),
    ("dependency", "pytest-dependency"),
    ("trio", "pytest-trio"),
    ("anyio", "anyio"),
    ("xdist_group", "pytest-xdist"),
    ("repeat", "pytest-repeat"),
];

/// Ruby files whose gem has another name (`require "active_support"`).
const RUBY_GEMS: &[(&str, &str)] = &[
    ("active_support", "activesupport"),
    ("active_record", "activerecord"),
    ("active_model", "activemodel"),
    ("action_controller", "actionpack"),
    ("action_view", "actionview"),
    ("action_mailer", "actionmailer"),
    ("rspec", "rspec"),
    ("nokogiri", "nokogiri"),
    ("json", "json"),
    ("rake", "rake"),
    ("rack", "rack"),
    ("sinatra", "sinatra"),
    ("rails", "rails"),
    ("pry", "pry"),
    ("byebug", "byebug"),
    ("faraday", "faraday"),
    ("httparty", "httparty"),
    ("rest-client", "rest-client"),
    ("rest_client", "rest-client"),
    ("redis", "redis"),
    ("pg", "pg"),
    ("mysql2", "mysql2"),
    ("sqlite3", "sqlite3"),
    ("rubocop", "rubocop"),
    ("simplecov", "simplecov"),
    ("webmock", "webmock"),
    ("vcr", "vcr"),
    ("dotenv", "dotenv"),
    ("bcrypt", "bcrypt"),
    ("jwt", "jwt"),
    ("minitest", "minitest"),
    ("capybara", "capybara"),
    ("selenium-webdriver", "selenium-webdriver"),
    ("octokit", "octokit"),
    ("thor", "thor"),
    ("yaml", "psych"),
    ("psych", "psych"),
];

/// The distribution that provides a Python import (`yaml` → `PyYAML`,
/// `google.protobuf` → `protobuf`): the longest dotted prefix in the curated map.
pub fn python_distribution(import: &str) -> Option<&'static str> {
    let mut name = import;
    loop {
        if let Some(d) = PY_IMPORTS.get(name) {
            return Some(d);
        }
        name = name.rsplit_once('.')?.0;
    }
}

/// Whether `name` is a distribution named by one of the curated tables (imports,
/// pytest options, fixtures, markers, ini keys): a fixer may add it as certain.
pub fn is_curated_distribution(name: &str) -> bool {
    let n = normalize_distribution(name);
    let same = |d: &str| normalize_distribution(d) == n;
    PY_IMPORTS.values().any(|d| same(d))
        || PYTEST_OPTIONS.iter().any(|(_, _, d)| same(d))
        || [PYTEST_FIXTURES, PYTEST_INI_KEYS, PYTEST_MARKS]
            .iter()
            .any(|t| t.iter().any(|(_, d)| same(d)))
}

/// Whether an npm package or a gem is named by the curated tables (commands
/// in `node_modules/.bin`, require paths of gems): advice may print it.
pub fn is_curated_package(ecosystem: &str, name: &str) -> bool {
    match ecosystem {
        "node" => NODE_BINS.values().any(|p| p.eq_ignore_ascii_case(name)),
        "ruby" => RUBY_GEMS.iter().any(|(_, g)| g.eq_ignore_ascii_case(name)),
        _ => false,
    }
}

/// The pytest plugin that adds a command-line option (`--cov=x` → `pytest-cov`).
pub fn pytest_plugin(option: &str) -> Option<&'static str> {
    let opt = option.split('=').next().unwrap_or(option);
    PYTEST_OPTIONS
        .iter()
        .find(|(o, prefix, _)| {
            if *prefix {
                opt.starts_with(o)
            } else {
                opt == *o
            }
        })
        .map(|(_, _, p)| *p)
}

/// Like [`pytest_plugin`], but only the option families that end in `*` in the
/// table: spelled the same by no other tool.
fn pytest_prefix_plugin(option: &str) -> Option<&'static str> {
    let opt = option.split('=').next().unwrap_or(option);
    PYTEST_OPTIONS
        .iter()
        .find(|(o, prefix, _)| *prefix && opt.starts_with(o))
        .map(|(_, _, p)| *p)
}

/// The Debian package that provides a C header (`curl/curl.h` → `libcurl4-openssl-dev`):
/// an exact entry, else the longest directory entry (`boost/` for `boost/asio.hpp`).
pub fn debian_header_package(header: &str) -> Option<&'static str> {
    let exact = rows(C_HEADERS_TSV)
        .find(|(h, _)| *h == header)
        .map(|(_, p)| p);
    exact.or_else(|| {
        rows(C_HEADERS_TSV)
            .filter(|(h, _)| h.ends_with('/') && header.starts_with(h))
            .max_by_key(|(h, _)| h.len())
            .map(|(_, p)| p)
    })
}

/// The Debian package that provides a command, when it is obvious.
pub fn debian_package(command: &str) -> Option<&'static str> {
    COMMANDS.get(command).copied()
}

/// PEP 503 normalised form of a distribution name.
pub fn normalize_distribution(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    normalize_distribution_into(name, &mut out);
    out
}

/// [`normalize_distribution`], appended to `out`.
pub fn normalize_distribution_into(name: &str, out: &mut String) {
    let start = out.len();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
            continue;
        }
        if dash && out.len() > start {
            out.push('-');
        }
        dash = false;
        out.push(c.to_ascii_lowercase());
    }
}

// Compiled only when a text holds one of its literals (see `crate::pattern`).
macro_rules! regex {
    ($name:ident, $p:expr) => {
        static $name: Pattern = Pattern::new($p);
    };
}

regex!(IDENT, r"^[A-Za-z_][A-Za-z0-9_]*$");
regex!(PEP508_NAME, r"^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$");
regex!(NPM_NAME, r"^(?:@[a-zA-Z0-9][\w.-]*/)?[a-zA-Z0-9][\w.-]*$");
regex!(COMMAND_NAME, r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$");
regex!(
    HOST_NAME,
    r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*)$"
);
regex!(INPUT_NAME, r"^[A-Za-z_][A-Za-z0-9_-]*$");

// Dependencies.
// The quoted form takes the whole name, so a forged `'yaml --extra-index-url x'`
// stays one (invalid) name that the fixer refuses, not `yaml`.
regex!(
    PY_NO_MODULE,
    r"No module named (?:'([^'\n]{1,200})'|([A-Za-z_][\w.]*))"
);
regex!(PY_UNRECOGNIZED, r"unrecognized arguments: (.+)$");
// coverage: `coverage.exceptions.CoverageException: Can't read
// 'pyproject.toml' without TOML support. Install with [toml] extra`; the
// exception's package and the extra its own message names.
regex!(
    PY_INSTALL_EXTRA,
    r"(?m)\b([A-Za-z_]\w*)(?:\.\w+)*\.\w*(?:Exception|Error): .*\bInstall with \[([A-Za-z0-9][A-Za-z0-9_.-]{0,30})\] extra\b"
);
regex!(
    PY_DIST_NOT_FOUND,
    r"The '([^']+)' distribution was not found"
);
regex!(
    PY_NO_METADATA,
    r"No package metadata was found for '?([A-Za-z0-9][\w.-]*)'?"
);
regex!(PY_FIXTURE, r"fixture '([A-Za-z_]\w*)' not found");
regex!(PY_INI_KEY, r"Unknown config option: ([A-Za-z_]\w*)");
regex!(
    NODE_MODULE,
    r"Cannot find (?:module|package) (?:'([^'\s]+)'|(@?[A-Za-z0-9][\w./-]*[A-Za-z0-9]))"
);
regex!(
    PY_REQUIRED_PLUGIN,
    r"Missing required plugins: ([A-Za-z0-9][\w.-]*)"
);
regex!(
    PY_MARK,
    r"Unknown pytest\.mark\.(\w+)|'(\w+)' not found in `markers` configuration option|(async) def functions are not natively supported"
);
regex!(
    DOTNET_TYPE,
    r"(?i)error CS0246:? The type or namespace name '([\w.]+)' could not be found"
);
regex!(
    RUST_CRATE,
    r"(?:use of undeclared crate or module|use of unresolved module or unlinked crate|use of undeclared type or module|can't find crate for|unresolved import) `([A-Za-z_]\w*)"
);
regex!(
    GO_MODULE,
    r#"(?:no required module provides package|cannot find module providing package) ([\w.~/-]+)|cannot find package "([^"\s]+)"|package ([\w.~/-]+) is not in (?:GOROOT|std)|missing go\.sum entry[^\n]*\n?[^\n]*?go mod download ([\w.~/-]+)"#
);
regex!(
    JAVA_PACKAGE,
    r"package ([A-Za-z_][\w.]*) does not exist|(?:ClassNotFoundException|NoClassDefFoundError):? ([A-Za-z_][\w.$/]*)"
);
regex!(RUBY_LOAD, r"cannot load such file -- ([\w/.+-]+)");
regex!(
    RUBY_GEM,
    r"Could not find '([A-Za-z0-9_.-]+)' \(|Could not find ([A-Za-z0-9_.-]+?)-\d[\w.]* in any of the sources|Could not find gem '([A-Za-z0-9_.-]+)|Gem::MissingSpecError: [Cc]ould not find '([A-Za-z0-9_.-]+)'|Bundler::GemNotFound: Could not find ([A-Za-z0-9_.-]+?)-\d"
);
regex!(
    CMD_NOT_FOUND,
    r#"(?m)(?:^|: )([^\s:/'"]+): command not found|(?:^|\b)(?:sh|bash|dash|zsh): \d+: ([^\s:/'"]+): not found|exec: "([^"/\s]+)": executable file not found|env: ['‘]?([^'‘’\s:/]+)['’]?: No such file or directory"#
);
regex!(
    SHARED_LIB,
    r"error while loading shared libraries: ([\w.+-]+)|([\w.+-]+\.so(?:\.[\w.]+)?): cannot open shared object file"
);

// Environment.
regex!(ACTION_INPUT, r"Input required and not supplied: ([\w-]+)");
regex!(KEY_ERROR, r"KeyError: '([^']+)'");
regex!(
    ENVIRON_USE,
    r"os\.environ|environ\[|environ\(\{|<frozen os>|/os\.py"
);
regex!(
    ENV_PHRASE,
    r#"(?i)environment variables? (?:are |is )?(?:missing|not set|required|undefined):? [`'"$]?([A-Za-z_]\w*)|(?:environment variable|env var(?:iable)?)s?:? [`'"$]?([A-Za-z_]\w*)[`'"]? (?:is |was )?(?:not set|required|missing|undefined|not defined|must be set|empty|unset|not found|not provided)|(?:missing|required|undefined|unset) (?:required )?(?:environment variable|env var)s?:? [`'"$]?([A-Za-z_]\w*)|(?:define|set) the environment variable ([A-Za-z_]\w*)|\b([A-Z_][A-Z0-9_]+) (?:environment variable|env var) (?:is )?(?:not set|required|missing|undefined|not defined|must be set|empty|unset)"#
);
regex!(
    ENV_SHOUT,
    r"\$?\b([A-Z][A-Z0-9_]*_[A-Z0-9_]+|[A-Z]{3,}) (?:must be set|is not set|is required|not set|is empty|is undefined|is unset)\b"
);
regex!(
    UNSET_VALUE,
    r#"Invalid URL '[^']*\b(?:None|undefined|null)\b|(?i:host=')(?:[Nn]one|undefined|null)'|(?i:failed to resolve|could not resolve host:?) '?(?:[Nn]one|undefined|null)\b|https?://(?:None|none|undefined|null)[/:'"]|getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (?:undefined|null|none)\b|URL from (?:undefined|null)\b|input: '(?:undefined|null)\b|'NoneType'|NoneType object|with base 10: ''|of undefined \(reading"#
);
regex!(
    URL_TEMPLATE_NAME,
    r"https?://\$?\{(?:process\.env\.)?([A-Z][A-Z0-9_]*)\}"
);
regex!(
    PYTEST_SUMMARY_FILE,
    r"(?m)^(?:FAILED|ERROR) ([\w./-]+\.py)::"
);
regex!(PY_FRAME, r#"File "([^"]+\.py)", line (\d+)"#);
regex!(
    PY_GETENV,
    r#"(?:getenv|environ\.get)\(\s*['"]([A-Za-z_]\w*)['"]|environ\[\s*['"]([A-Za-z_]\w*)['"]\s*\]"#
);
regex!(
    NODE_ENV,
    r#"process\.env\.([A-Za-z_]\w*)|process\.env\[\s*['"]([A-Za-z_]\w*)['"]\s*\]"#
);

// Assertions.
regex!(
    PYTEST_E_ASSERT,
    r"(?m)^E\s+(?:AssertionError: )?assert (.+)$"
);
regex!(PY_ASSERTION_MSG, r"(?m)AssertionError: assert (.+)$");
regex!(PYTEST_SOURCE, r"(?m)^>\s+assert (.+)$");
// `self.assertEqual('expected', got)`: the first argument is a literal.
regex!(
    UNITTEST_SOURCE_LITERAL_FIRST,
    r#"(?m)^>\s+self\.assert(?:Equal|Equals|MultiLineEqual)\(\s*(?:['"]|-?\d|True\b|False\b|None\b)"#
);
regex!(PYTEST_SECTION, r"^_{3,} .+ _{3,}$");
regex!(PYTEST_NEXT_SECTION, r"^(?:_{3,} .+ _{3,}|=+ .+ =+)$");
regex!(
    PYTEST_LOCATION,
    r"(?m)^([\w./\\-]+\.py):(\d+): (?:[\w.]*(?:Error|Exception)|in \S+)?\s*$"
);
regex!(JEST_EXPECTED, r"(?m)^\s*Expected(?: value)?: (.+)$");
regex!(JEST_RECEIVED, r"(?m)^\s*Received(?: value)?: (.+)$");
regex!(
    JEST_FRAME,
    r"(?m)^\s*at (?:.*? \()?((?:[^\s()]+/)?[^\s()/]+\.[cm]?[jt]sx?):(\d+):\d+\)?$"
);
regex!(VITEST_FRAME, r"(?m)❯ ([^\s:]+\.[cm]?[jt]sx?):(\d+):\d+");
regex!(
    RUST_ASSERT,
    r"assertion `left == right` failed|assertion failed: `\(left == right\)`"
);
regex!(RUST_LEFT, r"(?m)^\s*left: ?`?(.+?)`?,?$");
regex!(RUST_RIGHT, r"(?m)^\s*right: ?`?(.+?)`?$");
regex!(RUST_OLD_PAIR, r"left: `(.*)`,\s*right: `(.*)`");
regex!(
    RUST_PANIC_AT,
    r"(?m)panicked at ([\w./\\-]+\.rs):(\d+):\d+|', ([\w./\\-]+\.rs):(\d+):\d+$"
);
regex!(GO_TRACE, r"Error Trace:\s+([^\s:]+\.go):(\d+)");
regex!(GO_EXPECTED, r"(?m)^\s*expected\s*: (.+)$");
regex!(GO_ACTUAL, r"(?m)^\s*actual\s*: (.+)$");
regex!(JUNIT_PAIR, r"expected:\s*<(.*)> but was:\s*<(.*)>");
regex!(ENV_NAME_TOKEN, r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b");
regex!(
    ENV_CONTEXT,
    r"(?i)\benv(?:ironment)?\b|env var|\bis set to an invalid|\bnot set\b|\bunset\b"
);
regex!(
    PRISMA_ENV,
    r#"Environment variable not found: ([A-Za-z_]\w*)|var_name: "([A-Za-z_]\w*)""#
);
regex!(MSTEST_PAIR, r"Expected:<(.*)>\.? Actual:<(.*)>");
regex!(
    UNITTEST_PAIR,
    r"(?m)AssertionError: ('(?:[^'\\]|\\.)*'|\x22(?:[^\x22\\]|\\.)*\x22|-?\d+(?:\.\d+)?|True|False|None) != ('(?:[^'\\]|\\.)*'|\x22(?:[^\x22\\]|\\.)*\x22|-?\d+(?:\.\d+)?|True|False|None)\s*$"
);
regex!(RSPEC_PAIR, r"(?m)^\s*expected: (.+)\n\s*got: (.+)$");
regex!(
    PHPUNIT_DIFF,
    r"(?m)^--- Expected\n\+\+\+ Actual\n@@ @@\n-(.*)\n\+(.*)$"
);
regex!(
    MOCHA_DIFF,
    r"(?m)\+ expected - actual\s*\n(?:\s*\n)*\s*([+-])(\S.*)\n\s*([+-])(\S.*)$"
);
regex!(
    C_HEADER,
    r"fatal error: ([\w./+-]+\.h(?:pp|h|xx)?): No such file or directory"
);
regex!(
    REQUIRED_TOOL,
    r"(?:error: )?([\w.+-]+) is required but not installed|Unable to locate executable file: ([\w+-]+(?:\.[\w+-]+)*)"
);
regex!(SWIFT_MODULE, r"error: no such module '([\w.]+)'");
regex!(
    NUGET_PACKAGE,
    r"error NU1101: Unable to find package ([\w-]+(?:\.[\w-]+)*)"
);
regex!(
    JEST_TRANSFORM,
    r"Module ([@\w./-]+) in the \w+ option was not found"
);
regex!(
    PHP_AUTOLOAD,
    r"Failed opening required '[^']*?(vendor/autoload\.php)'|require(?:_once)?\((vendor/autoload\.php)\)"
);
regex!(
    BASH_UNBOUND,
    r"([A-Za-z_][A-Za-z0-9_]*): (?:unbound variable|parameter null or not set)"
);
regex!(
    RUST_ENV,
    r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\b[^\n]*(?:NotPresent|kind: Empty)"
);
regex!(
    RUBY_ENV_FETCH,
    r#"`fetch': key not found: "([A-Z][A-Z0-9_]*)""#
);
regex!(
    NO_NAME_PROVIDED,
    r"\bNo ([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]) (?:provided|found|set|given|defined|specified)"
);
regex!(
    DOCKER_LOGIN_USER,
    r#"docker login[^\n]*?(?:-u|--username)[ =]"?\$\{?([A-Za-z_]\w*)"#
);
regex!(LINKER_LIB, r"cannot find -l([\w.+-]+)");
regex!(
    CMAKE_PACKAGE,
    r#"Could not find a package configuration file provided by "([^"]+)"|Could NOT find (\w+)"#
);
regex!(
    NUNIT_PAIR,
    r"(?m)Expected:\s*(.+?)\s*\n\s*But was:\s*(.+?)\s*$"
);
regex!(CMAKE_AT, r"CMake Error at ([\w./-]+):(\d+)");
regex!(
    DJANGO_SETTING,
    r"The ([A-Z][A-Z0-9_]+) setting must not be empty"
);

// HTTP, network, permissions.
regex!(
    HTTP_STATUS,
    r"(?i)\bHTTP(?:/\d(?:\.\d)?)?(?: (?:code|status|error|response))?[ :]+(\d{3})\b|\bstatus(?: code)?(?: was)?[:= ]+(\d{3})\b|\bresponse code:? (\d{3})\b|\b(\d{3}) (?:Not Found|Unauthorized|Forbidden|Bad Request|Unprocessable Entity|Conflict|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|Too Many Requests|Method Not Allowed|Gone|Client Error|Server Error|Validation Failed|Unprocessable)\b|returned error: (\d{3})\b|does not indicate success: (\d{3})\b|, got (\d{3}) \x22|(?:Failed|Error|Forbidden|Unauthorized) \((\d{3})\)|statusCode:? (\d{3})\b|(\d{3}): (?:Unprocessable Entity|Not Found|Forbidden|Unauthorized|Conflict|Bad Request)"
);
regex!(
    NET_HOST_PORT,
    r#"Failed to connect to (\S+) port (\d+)|connect (?:ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH) (\[[0-9A-Fa-f:.]+\]|[\w.-]+):(\d+)|HTTPS?ConnectionPool\(host='([^']+)', port=(\d+)\)|dial tcp (\[[^\]\s]+\]|[\w.-]+):(\d+)|connection to server at "([^"]+)"[^,]*, port (\d+)|server running on host "([^"]+)"[^\n]*?port (\d+)|connect to host ([\w.-]+) port (\d+)|Error \d+ connecting to ([\w.-]+):(\d+)|Can't connect to MySQL server on '([^':]+)'?:?(\d+)?|[Cc]onnection to ([\w.-]+):(\d+) failed"#
);
regex!(
    NET_HOST,
    r"Could not resolve host: ([\w.-]+)|dial tcp: lookup ([\w.-]+)|getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)|Connection to ([\w.-]+) timed out|Failed to resolve '([\w.-]+)'|Name or service not known.*?'([\w.-]+)'|could not translate host name \x22([^\x22\s]+)\x22|Could not resolve hostname ([\w.-]+)|Temporary failure resolving '([\w.-]+)'|Unable to connect to ([\w.-]+):|Could not resolve '([\w.-]+)'"
);
regex!(URL_HOST, r"https?://([A-Za-z0-9.-]+)(?::(\d+))?");
regex!(
    IP_PORT,
    r"\b((?:\d{1,3}\.){3}\d{1,3}|localhost):(\d{2,5})\b"
);
regex!(
    NET_WORDS,
    r"(?i)timed? ?out|refused|reset|unreachable|resolv|Too Many Requests|Bad Gateway|Service Unavailable|Gateway Time|\b(?:429|50[234])\b|name resolution|hang up|rate limit|\bECONN|\b(?:ETIMEDOUT|EAI_AGAIN|ENOTFOUND)\b"
);
regex!(
    PERM_PATH,
    r#"\[Errno (?:13|1)\] (?:Permission denied|Operation not permitted): '([^']+)'|‘([^’]+)’: (?:Permission denied|Operation not permitted)|'([^']+)': Operation not permitted|([^\s:()]+) \(Permission denied\)|AccessDeniedException: (\S+)|lock file (\S+) - open \(13: Permission denied\)|(?:EACCES|EPERM)(?:: (?:permission denied|operation not permitted))?, \w+ '([^']+)'|detected dubious ownership in repository at '([^']+)'|'([^']+)': Permission denied|(?:open|mkdir|remove|chmod|stat) ([^\s:]+): (?:permission denied|operation not permitted)|(?:^|: )(\.?/?[\w./-]+): Permission denied|unix://(/[\w/.-]+\.sock)"#
);
regex!(GH_INTEGRATION, r"Resource not accessible by integration");
regex!(
    GH_API_PATH,
    r"/repos/[^/\s]+/[^/\s]+/([a-z-]+)|docs\.github\.com/(?:[\w-]+/)?rest/(?:reference/)?([a-z-]+)"
);
regex!(
    GH_PUSH_DENIED,
    r"Permission to \S+ denied to github-actions|Write access to repository not granted|denied to github-actions\[bot\]"
);
regex!(
    GH_PACKAGES_DENIED,
    r"permission_denied: write_package|installation not allowed to \w+ organization package|ghcr\.io\S*.*(?:denied|403 Forbidden|unauthorized)|(?:denied|403 Forbidden|unauthorized).*ghcr\.io"
);

// Configuration files.
regex!(
    YAML_ERROR,
    r"yaml\.\w+\.\w+Error|ScannerError|ParserError|ComposerError"
);
regex!(YAML_MARK, r#"in "([^"]+)", line (\d+), column \d+"#);
regex!(
    WORKFLOW_FILE,
    r"Invalid workflow file\s*:\s*([^\s#]+)#L(\d+)|([\w./-]+\.ya?ml) \(Line: (\d+), Col: \d+\)|(\.github[\w./-]*)#L(\d+)"
);
regex!(
    TOML_AT,
    r"TOML parse error at line (\d+), column \d+|TOMLDecodeError: .*\(at line (\d+), column \d+\)"
);
regex!(MANIFEST, r"failed to parse manifest at `([^`]+)`");
regex!(
    ARROW_FILE,
    r"-->\s+([^\s:]+\.(?:toml|json|ya?ml)):(\d+)(?::\d+)?"
);
regex!(
    JSON_AT,
    r"(?i:JSONDecodeError|Expecting|expected|trailing comma|EOF while parsing|key must be a string|invalid type|JSON)[^\n]*?\bline (\d+),? column \d+|\(at line (\d+), column \d+\)"
);
regex!(
    PIP_REQ_LINE,
    r"\(from -r ([^\s()]+) \(line (\d+)\)\)|from line (\d+) of ([^\s)]+)"
);
regex!(
    CONFIG_MENTION,
    r#"(?:^|[\s'"(])(/?(?:[\w.-]+/)*(?:tsconfig[\w.-]*\.json|package\.json|\.eslintrc(?:\.[a-z]+)?|eslint\.config\.[a-z]+|pyproject\.toml|setup\.cfg|tox\.ini|pytest\.ini|Cargo\.toml|go\.mod|\.pre-commit-config\.yaml|action\.ya?ml|\.github/workflows/[\w.-]+\.ya?ml|requirements[\w.-]*\.txt))\b"#
);
regex!(TF_AT, r"\bon ([\w./-]+\.tf) line (\d+)");
regex!(
    POM_AT,
    r"Non-parseable POM ([^\s:]+):(?:[^\n]*?@(\d+):\d+)?"
);
regex!(
    NAMED_CONFIG,
    r"The Compose file '([^']+)' is invalid|error parsing `([^`]+)`|[Cc]onfig(?:uration)? file '([^']+)'|Source contains parsing errors: '([^']+)'|While reading from '([^']+)'|^(Makefile|GNUmakefile|makefile):\d+: \*\*\*"
);
regex!(
    CONFIG_LINE_ONLY,
    r"parse error: [^\n]* at line (\d+), column \d+|@ line (\d+), column \d+|\[line +(\d+)\]|^(?:Makefile|GNUmakefile|makefile):(\d+): \*\*\*"
);
regex!(PYTEST_CONFIGFILE, r"(?m)^(?:configfile|inifile): ([^\s,]+)");
regex!(CONFIG_PAREN, r"([\w./-]+\.(?:json|jsonc))\((\d+),\d+\)");
regex!(NODE_JSON_FILE, r"SyntaxError: ([^\s:]+\.json):");
regex!(
    CONFIG_COLON,
    r"([\w./-]*(?:\.(?:ya?ml|toml|json|ini|cfg|conf|tf|hcl)|go\.mod|go\.work|requirements[\w.-]*\.txt|Dockerfile|Makefile)):(\d+)"
);
regex!(
    CONFIG_WORDS,
    r"(?i)pars(?:e|ing)|syntax|invalid|unexpected|expected|unknown (?:\w+ )?(?:key|field|option|property)|illegal|not allowed|must (?:be|define)|requires"
);
regex!(
    RUNNER_PREFIX,
    r"^(?:/home/runner/work/[^/]+/[^/]+/|/__w/[^/]+/[^/]+/|/github/workspace/|[A-Za-z]:\\a\\[^\\]+\\[^\\]+\\)"
);

/// The facts of one failure.
pub fn parse(failure: &Failure) -> Facts {
    let el = failure.error_line.as_str();
    let mut text = String::with_capacity(failure.region.len() + 256);
    text.push_str(el);
    text.push('\n');
    text.push_str(&failure.region);
    if let Some(t) = &failure.test {
        text.push('\n');
        text.push_str(&t.message);
        text.push('\n');
        text.push_str(&t.details);
    }
    let mut f = Facts::default();
    dependency(&mut f, el, &text);
    environment(&mut f, el, &text);
    assertion(&mut f, el, own_section(&text, el), &failure.frames);
    if let Some(t) = &failure.test {
        if f.file.is_none() {
            f.file = t.file.clone();
        }
        if f.line.is_none() && f.file.is_some() {
            f.line = t.line;
        }
    }
    http(&mut f, el, &text);
    network(&mut f, el, &text);
    permission(&mut f, el, &text);
    config(&mut f, el, &text);
    finish(f)
}

/// Captures from the root-cause line, else from the whole text.
fn find<'t>(r: &Pattern, el: &'t str, text: &'t str) -> Option<Captures<'t>> {
    r.captures(el).or_else(|| r.captures(text))
}

/// The first group that matched.
fn group<'t>(c: &Captures<'t>) -> Option<&'t str> {
    c.iter().skip(1).flatten().next().map(|m| m.as_str())
}

fn dependency(f: &mut Facts, el: &str, text: &str) {
    if let Some(c) = find(&PY_INSTALL_EXTRA, el, text) {
        let top = &c[1];
        let dist = python_distribution(top).unwrap_or(top);
        if PEP508_NAME.is_match(dist) {
            f.ecosystem = Some("python".into());
            f.module = Some(top.into());
            f.package = Some(format!("{dist}[{}]", &c[2]));
            return;
        }
    }
    if let Some(c) = find(&PY_NO_MODULE, el, text) {
        let name = group(&c).unwrap_or("");
        let dotted = name.trim_end_matches('.');
        let top = dotted.split('.').next().unwrap_or(dotted);
        if !dotted.split('.').all(|part| IDENT.is_match(part)) {
            // Not a Python module name: keep it whole as evidence, name no package.
            f.ecosystem = Some("python".into());
            f.module = Some(dotted.into());
            return;
        }
        if IDENT.is_match(top) {
            f.ecosystem = Some("python".into());
            f.module = Some(top.into());
            f.package = python_distribution(dotted).map(str::to_owned);
            return;
        }
    }
    if let Some(c) = find(&PY_UNRECOGNIZED, el, text) {
        // Without pytest in sight (`setup.py test`), only options no other tool
        // spells the same way: the prefix families (`--cov*`, `--reruns*`).
        let pytest = text.to_ascii_lowercase().contains("pytest");
        let options: Vec<&str> = c[1]
            .split_whitespace()
            .filter(|t| t.starts_with('-'))
            .collect();
        let hit = options.iter().find_map(|o| {
            let plugin = if pytest {
                pytest_plugin(o)
            } else {
                pytest_prefix_plugin(o)
            };
            plugin.map(|p| (*o, p))
        });
        if hit.is_none() && !pytest {
            return;
        }
        let (opt, plugin) = match hit {
            Some((o, p)) => (o, Some(p)),
            None => (options.first().copied().unwrap_or(""), None),
        };
        let opt = opt.split('=').next().unwrap_or(opt);
        if !opt.is_empty() {
            f.ecosystem = Some("python".into());
            f.option = Some(opt.into());
            f.package = plugin.map(str::to_owned);
            return;
        }
    }
    if let Some(c) = find(&PY_REQUIRED_PLUGIN, el, text) {
        let name = c[1]
            .split(|ch: char| "<>=!~;[ (,".contains(ch))
            .next()
            .unwrap_or("");
        if PEP508_NAME.is_match(name) {
            f.ecosystem = Some("python".into());
            f.package = Some(name.into());
            return;
        }
    }
    for (r, table) in [
        (&PY_FIXTURE, PYTEST_FIXTURES),
        (&PY_INI_KEY, PYTEST_INI_KEYS),
        (&PY_MARK, PYTEST_MARKS),
    ] {
        if let Some(c) = find(r, el, text)
            && let Some(name) = group(&c)
            && let Some((_, plugin)) = table.iter().find(|(k, _)| *k == name)
        {
            f.ecosystem = Some("python".into());
            f.package = Some((*plugin).into());
            return;
        }
    }
    if let Some(c) = find(&PY_DIST_NOT_FOUND, el, text).or_else(|| find(&PY_NO_METADATA, el, text))
    {
        let name = c[1]
            .split(|ch: char| "<>=!~;[ (".contains(ch))
            .next()
            .unwrap_or("");
        if PEP508_NAME.is_match(name) {
            f.ecosystem = Some("python".into());
            f.package = Some(name.into());
            return;
        }
    }
    if let Some(c) = find(&NODE_MODULE, el, text)
        && let Some(spec) = group(&c)
    {
        f.ecosystem = Some("node".into());
        f.module = Some(spec.into());
        if !spec.starts_with(['.', '/', '~']) && !spec.contains(':') && !spec.contains('\\') {
            let mut parts = spec.split('/');
            let first = parts.next().unwrap_or("");
            let name = if first.starts_with('@') {
                parts.next().map(|second| format!("{first}/{second}"))
            } else {
                Some(first.to_owned())
            };
            if let Some(n) = name.filter(|n| NPM_NAME.is_match(n)) {
                f.package = Some(n);
            }
        }
        return;
    }
    if let Some(c) = find(&RUST_CRATE, el, text) {
        let name = &c[1];
        if !matches!(name, "crate" | "self" | "super" | "std" | "core" | "alloc") {
            f.ecosystem = Some("rust".into());
            f.module = Some(name.into());
            f.package = Some(name.into());
            return;
        }
    }
    if let Some(c) = find(&GO_MODULE, el, text)
        && let Some(path) = group(&c)
    {
        f.ecosystem = Some("go".into());
        f.module = Some(path.into());
        f.package = Some(path.into());
        return;
    }
    if let Some(c) = find(&JAVA_PACKAGE, el, text)
        && let Some(name) = group(&c)
    {
        f.ecosystem = Some("java".into());
        f.module = Some(name.replace('/', ".").trim_end_matches('.').to_owned());
        return;
    }
    if let Some(c) = find(&RUBY_LOAD, el, text) {
        let file = &c[1];
        f.ecosystem = Some("ruby".into());
        f.module = Some(file.into());
        let top = file.split('/').next().unwrap_or(file);
        f.package = RUBY_GEMS
            .iter()
            .find(|(k, _)| *k == top)
            .map(|(_, g)| (*g).to_owned());
        return;
    }
    if let Some(c) = find(&RUBY_GEM, el, text)
        && let Some(name) = group(&c)
    {
        f.ecosystem = Some("ruby".into());
        f.package = Some(name.into());
        return;
    }
    if let Some(c) = find(&JEST_TRANSFORM, el, text)
        && NPM_NAME.is_match(&c[1])
    {
        f.ecosystem = Some("node".into());
        f.package = Some(c[1].to_owned());
        return;
    }
    if let Some(c) = find(&C_HEADER, el, text) {
        f.ecosystem = Some("system".into());
        f.module = Some(c[1].to_owned());
        f.package = debian_header_package(&c[1]).map(str::to_owned);
        return;
    }
    if let Some(c) = find(&SWIFT_MODULE, el, text) {
        f.ecosystem = Some("swift".into());
        f.module = Some(c[1].to_owned());
        return;
    }
    if let Some(c) = find(&NUGET_PACKAGE, el, text) {
        f.ecosystem = Some("dotnet".into());
        f.package = Some(c[1].to_owned());
        return;
    }
    if let Some(c) = find(&PHP_AUTOLOAD, el, text)
        && let Some(m) = group(&c)
    {
        f.ecosystem = Some("php".into());
        f.module = Some(m.to_owned());
        return;
    }
    if let Some(c) = find(&REQUIRED_TOOL, el, text)
        && let Some(cmd) = group(&c)
        && COMMAND_NAME.is_match(cmd)
    {
        f.command = Some(cmd.into());
        if let Some(pkg) = NODE_BINS.get(cmd) {
            f.ecosystem = Some("node".into());
            f.package = Some((*pkg).into());
        } else {
            f.ecosystem = Some("system".into());
            f.package = debian_package(cmd).map(str::to_owned);
        }
        return;
    }
    if let Some(c) = find(&CMD_NOT_FOUND, el, text)
        && let Some(cmd) = group(&c)
        && COMMAND_NAME.is_match(cmd)
    {
        f.command = Some(cmd.into());
        // A tool npm installs into node_modules/.bin is a missing npm package.
        if let Some(pkg) = NODE_BINS.get(cmd) {
            f.ecosystem = Some("node".into());
            f.package = Some((*pkg).into());
        } else {
            f.ecosystem = Some("system".into());
            f.package = debian_package(cmd).map(str::to_owned);
        }
        return;
    }
    if let Some(c) = find(&SHARED_LIB, el, text)
        && let Some(lib) = group(&c)
    {
        f.ecosystem = Some("system".into());
        f.module = Some(lib.to_owned());
        return;
    }
    if let Some(c) = find(&LINKER_LIB, el, text) {
        f.ecosystem = Some("system".into());
        f.module = Some(format!("lib{}", &c[1]));
        return;
    }
    if let Some(c) = find(&CMAKE_PACKAGE, el, text)
        && let Some(name) = group(&c)
    {
        f.ecosystem = Some("cmake".into());
        f.module = Some(name.to_owned());
        return;
    }
    if let Some(c) = find(&DOTNET_TYPE, el, text) {
        f.ecosystem = Some("dotnet".into());
        f.module = Some(c[1].to_owned());
    }
}

fn environment(f: &mut Facts, el: &str, text: &str) {
    environment_named(f, el, text);
    if f.variable.is_some() && f.variable_from.is_none() {
        f.variable_from = Some("message".into());
    }
}

fn environment_named(f: &mut Facts, el: &str, text: &str) {
    if let Some(c) = find(&ACTION_INPUT, el, text)
        && INPUT_NAME.is_match(&c[1])
    {
        f.action_input = Some(c[1].to_owned());
        return;
    }
    let valid = |name: &str| IDENT.is_match(name);
    if let Some(c) = find(&KEY_ERROR, el, text)
        && valid(&c[1])
        && ENVIRON_USE.is_match(text)
    {
        f.variable = Some(c[1].to_owned());
        return;
    }
    // The phrase patterns are case-insensitive: a lowercase word without an
    // underscore ("environment variables are not set") is prose, not a name.
    if let Some(name) = find(&ENV_PHRASE, el, text).as_ref().and_then(group)
        && valid(name)
        && (name.contains('_') || name.chars().any(|c| c.is_ascii_uppercase()))
    {
        f.variable = Some(name.to_owned());
        return;
    }
    if let Some((_, name)) = KNOWN_CREDENTIALS.iter().find(|(r, _)| r.is_match(el)) {
        f.variable = Some((*name).to_owned());
        return;
    }
    if let Some(name) = find(&PRISMA_ENV, el, text).as_ref().and_then(group) {
        f.variable = Some(name.to_owned());
        return;
    }
    // A message that names one UPPER_SNAKE token and talks about the environment:
    // "set REDIS_URL in the CI environment", "by setting the OPENAI_API_KEY
    // environment variable", "JAVA_HOME is set to an invalid directory".
    if ENV_CONTEXT.is_match(el)
        && let Some(name) = unique(ENV_NAME_TOKEN.find_iter(el).map(|m| m.as_str().to_owned()))
    {
        f.variable = Some(name);
        return;
    }
    for r in [&BASH_UNBOUND, &RUST_ENV, &RUBY_ENV_FETCH, &NO_NAME_PROVIDED] {
        if let Some(c) = find(r, el, text) {
            f.variable = Some(c[1].to_owned());
            return;
        }
    }
    if el.contains("username is empty")
        && let Some(c) = DOCKER_LOGIN_USER.captures(text)
    {
        f.variable = Some(c[1].to_owned());
        return;
    }
    if let Some(c) = find(&DJANGO_SETTING, el, text) {
        // Django reads SECRET_KEY and friends from the environment of the same name.
        f.variable = Some(c[1].to_owned());
        return;
    }
    if let Some(c) = find(&ENV_SHOUT, el, text)
        && !matches!(
            &c[1],
            "ERROR"
                | "FATAL"
                | "WARNING"
                | "WARN"
                | "INFO"
                | "DEBUG"
                | "NOTE"
                | "TODO"
                | "FAIL"
                | "FAILED"
                | "THIS"
                | "VALUE"
                | "PATH"
        )
    {
        f.variable = Some(c[1].to_owned());
        return;
    }
    if UNSET_VALUE.is_match(el) || (UNSET_VALUE.is_match(text) && el.contains("URL")) {
        let names = |r: &Pattern| {
            unique(
                r.captures_iter(text)
                    .filter_map(|c| group(&c).map(str::to_owned)),
            )
        };
        f.variable = names(&PY_GETENV)
            .or_else(|| names(&NODE_ENV))
            .or_else(|| names(&URL_TEMPLATE_NAME));
        f.variable_from = f.variable.as_ref().map(|_| "symptom".into());
        if f.variable.is_none() {
            // The fixer can look for the lookup in the file that failed.
            if let Some(c) = PYTEST_SUMMARY_FILE.captures(text) {
                f.file = Some(c[1].to_owned());
            } else if let Some(c) = PY_FRAME
                .captures_iter(text)
                .filter(|c| !is_library(&c[1]))
                .last()
            {
                f.file = Some(c[1].to_owned());
                f.line = c[2].parse().ok();
            }
        }
        return;
    }
    let lower = el.to_ascii_lowercase();
    if text.contains("process.env")
        && (lower.contains("undefined")
            || lower.contains("not set")
            || lower.contains("missing")
            || text.contains("Received: undefined")
            || text.contains("toBeDefined"))
        && let Some(name) = unique(
            NODE_ENV
                .captures_iter(text)
                .filter_map(|c| group(&c).map(str::to_owned)),
        )
    {
        f.variable = Some(name);
        f.variable_from = Some("symptom".into());
    }
}

/// Installed code, not the project's: `site-packages`, the standard library.
fn is_library(path: &str) -> bool {
    path.contains("site-packages")
        || path.contains("dist-packages")
        || path.starts_with('<')
        || path.contains("/lib/python")
}

/// The single distinct value, or none when there are zero or several.
fn unique(mut it: impl Iterator<Item = String>) -> Option<String> {
    let first = it.next()?;
    if it.all(|x| x == first) {
        Some(first)
    } else {
        None
    }
}

/// The two sides of `left OP right` as printed, split outside quotes and brackets.
fn split_comparison(s: &str) -> Option<(&str, &str, &'static str)> {
    let bytes = s.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b' ' if depth == 0 => {
                    for op in [" == ", " != ", " is not ", " is "] {
                        if s.get(i..).is_some_and(|rest| rest.starts_with(op)) {
                            let left = s.get(..i)?.trim();
                            let right = s.get(i + op.len()..)?.trim();
                            if left.is_empty() || right.is_empty() {
                                return None;
                            }
                            return Some((left, right, op.trim()));
                        }
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// A simple literal: a quoted string, a number, a bool or None/null.
fn is_literal(s: &str) -> bool {
    let s = s.trim();
    let quoted = s.len() >= 2
        && ((s.starts_with('\'') && s.ends_with('\'')) || (s.starts_with('"') && s.ends_with('"')));
    quoted
        || s.parse::<f64>().is_ok()
        || matches!(
            s,
            "True" | "False" | "None" | "true" | "false" | "null" | "undefined"
        )
}

/// The part of `text` (the root-cause line, then the region around it) in
/// the root cause's own pytest section: from the `___ test_x ___` title above
/// it to the next title or `=== … ===` line below. The region reaches 25
/// lines up, often into the previous test's failure, whose assertion is not
/// this one's. Text without such a title is returned whole.
fn own_section<'t>(text: &'t str, el: &str) -> &'t str {
    let el = el.trim_end();
    let body_at = text.find('\n').map_or(text.len(), |i| i + 1);
    let body = &text[body_at..];
    if el.is_empty() {
        return text;
    }
    let Some(at) = body
        .match_indices(el)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || body.as_bytes()[i - 1] == b'\n')
    else {
        return text;
    };
    let mut start = None;
    let mut pos = 0;
    for l in body[..at].split_inclusive('\n') {
        if PYTEST_SECTION.is_match(l.trim_end()) {
            start = Some(pos);
        }
        pos += l.len();
    }
    let Some(start) = start else {
        return text;
    };
    let mut end = body.len();
    let mut pos = at;
    for l in body[at..].split_inclusive('\n') {
        if pos > at && PYTEST_NEXT_SECTION.is_match(l.trim_end()) {
            end = pos;
            break;
        }
        pos += l.len();
    }
    &body[start..end]
}

/// The whole strings behind a pytest `assert 'a...b' == 'c...d'` whose
/// sides were shortened: its string diff prints the right side as the one
/// `- ` line and the left as the one `+ ` line. Each shortened side must
/// match its diff line by what it kept; else nothing is taken.
fn pytest_whole_strings(text: &str, left: &str, right: &str) -> Option<(String, String)> {
    if !(left.contains("...") || right.contains("...")) {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    // The `E` lines under an `E ... assert` line (the text may hold the
    // root-cause line twice: alone first, then in its region).
    let (minus, plus) = lines.iter().enumerate().find_map(|(i, l)| {
        if !PYTEST_E_ASSERT.is_match(l) {
            return None;
        }
        let block: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| l.starts_with('E'))
            .map(|l| l[1..].trim_start())
            .collect();
        let one = |sign: &str| -> Option<&str> {
            let mut it = block.iter().filter_map(|l| l.strip_prefix(sign));
            let first = it.next()?;
            it.next().is_none().then_some(first)
        };
        Some((one("- ")?, one("+ ")?))
    })?;
    let whole = |shown: &str, line: &str| -> Option<String> {
        let q = shown.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let body = shown.strip_prefix(q)?.strip_suffix(q)?;
        let keeps = match body.split_once("...") {
            Some((head, tail)) => {
                line.len() > head.len() + tail.len()
                    && line.starts_with(head)
                    && line.ends_with(tail)
            }
            None => body == line,
        };
        if !keeps || line.contains('\\') || line.contains(q) {
            return None;
        }
        Some(format!("{q}{line}{q}"))
    };
    Some((whole(left, plus)?, whole(right, minus)?))
}

fn assertion(f: &mut Facts, el: &str, text: &str, frames: &[Frame]) {
    python_assertion(f, el, text);
    // pytest prints `tests/x.py:N: AssertionError` after the assertion's
    // diff, which with `?` hint lines falls past the region: the traceback's
    // deepest Python frame is the same line.
    if matches!(f.framework.as_deref(), Some("pytest" | "unittest"))
        && f.file.is_none()
        && let Some(fr) = frames.iter().rev().find(|fr| fr.file.ends_with(".py"))
    {
        f.file = Some(fr.file.clone());
        f.line = Some(fr.line);
    }
}

fn python_assertion(f: &mut Facts, el: &str, text: &str) {
    if let Some(c) = PYTEST_E_ASSERT
        .captures(el)
        .or_else(|| PYTEST_E_ASSERT.captures(text))
        .or_else(|| PY_ASSERTION_MSG.captures(el))
        .or_else(|| PY_ASSERTION_MSG.captures(text))
        && let Some((left, right, op)) = split_comparison(c[1].trim())
        && matches!(op, "==" | "is")
    {
        // The side that is a literal in the source line is the expectation.
        let source_left_literal = PYTEST_SOURCE
            .captures(text)
            .and_then(|s| {
                split_comparison(s[1].trim()).map(|(l, r, _)| is_literal(l) && !is_literal(r))
            })
            .unwrap_or(false);
        // pytest shortens long strings in the `assert` line (`'Welc...ble)'`)
        // but diffs them whole below it: `- right` and `+ left`.
        let (left, right) = match pytest_whole_strings(text, left, right) {
            Some((l, r)) => (l, r),
            None => (left.to_owned(), right.to_owned()),
        };
        let (expected, actual) = if source_left_literal {
            (left, right)
        } else {
            (right, left)
        };
        f.framework = Some("pytest".into());
        f.expected = Some(expected);
        f.actual = Some(actual);
        if let Some(loc) = PYTEST_LOCATION
            .captures_iter(text)
            .find(|c| !c[1].contains("site-packages"))
        {
            f.file = Some(loc[1].to_owned());
            f.line = loc[2].parse().ok();
        }
        return;
    }
    if let (Some(e), Some(r)) = (JEST_EXPECTED.captures(text), JEST_RECEIVED.captures(text)) {
        let vitest =
            VITEST_FRAME.is_match(text) || text.contains("vitest") || text.contains("Vitest");
        f.framework = Some(if vitest { "vitest" } else { "jest" }.into());
        f.expected = Some(e[1].trim().to_owned());
        f.actual = Some(r[1].trim().to_owned());
        let frame = VITEST_FRAME
            .captures_iter(text)
            .chain(JEST_FRAME.captures_iter(text))
            .find(|c| !c[1].contains("node_modules") && !c[1].starts_with("node:"));
        if let Some(c) = frame {
            f.file = Some(c[1].to_owned());
            f.line = c[2].parse().ok();
        }
        return;
    }
    if RUST_ASSERT.is_match(text) {
        let pair = RUST_OLD_PAIR
            .captures(text)
            .map(|c| (c[1].to_owned(), c[2].to_owned()))
            .or_else(
                || match (RUST_LEFT.captures(text), RUST_RIGHT.captures(text)) {
                    (Some(l), Some(r)) => Some((l[1].to_owned(), r[1].to_owned())),
                    _ => None,
                },
            );
        if let Some((left, right)) = pair {
            f.framework = Some("rust".into());
            f.actual = Some(left);
            f.expected = Some(right);
            if let Some(c) = RUST_PANIC_AT.captures(text) {
                let groups: Vec<Option<&str>> =
                    c.iter().skip(1).map(|m| m.map(|m| m.as_str())).collect();
                if let Some([Some(file), Some(line)]) = groups
                    .chunks(2)
                    .find(|p| p[0].is_some())
                    .map(|p| [p[0], p[1]])
                {
                    f.file = Some(file.to_owned());
                    f.line = line.parse().ok();
                }
            }
            return;
        }
    }
    if let (Some(e), Some(a)) = (GO_EXPECTED.captures(text), GO_ACTUAL.captures(text)) {
        f.framework = Some("go".into());
        f.expected = Some(e[1].trim().to_owned());
        f.actual = Some(a[1].trim().to_owned());
        if let Some(c) = GO_TRACE.captures(text) {
            f.file = Some(c[1].to_owned());
            f.line = c[2].parse().ok();
        }
        return;
    }
    if let Some(c) = find(&JUNIT_PAIR, el, text) {
        f.framework = Some("junit".into());
        f.expected = Some(c[1].to_owned());
        f.actual = Some(c[2].to_owned());
    } else if let Some(c) = find(&UNITTEST_PAIR, el, text) {
        // `self.assertEqual(got, want)` prints `got != want`; a literal
        // first argument (`assertEqual('want', got)`) is the expectation.
        f.framework = Some("unittest".into());
        let (a, e) = if UNITTEST_SOURCE_LITERAL_FIRST.is_match(text) {
            (2, 1)
        } else {
            (1, 2)
        };
        f.actual = Some(c[a].to_owned());
        f.expected = Some(c[e].to_owned());
    } else if let Some(c) = RSPEC_PAIR.captures(text) {
        f.framework = Some("rspec".into());
        f.expected = Some(c[1].trim().to_owned());
        f.actual = Some(c[2].trim().to_owned());
    } else if let Some(c) = PHPUNIT_DIFF.captures(text) {
        f.framework = Some("phpunit".into());
        f.expected = Some(c[1].trim().to_owned());
        f.actual = Some(c[2].trim().to_owned());
    } else if let Some(c) = MOCHA_DIFF.captures(text) {
        // Mocha/Chai: `+` lines are expected, `-` lines actual.
        let (a, b) = ((&c[1], &c[2]), (&c[3], &c[4]));
        let (plus, minus) = if a.0 == "+" { (a.1, b.1) } else { (b.1, a.1) };
        if a.0 != b.0 {
            f.framework = Some("mocha".into());
            f.expected = Some(plus.trim().to_owned());
            f.actual = Some(minus.trim().to_owned());
        }
    } else if let Some(c) = NUNIT_PAIR.captures(text) {
        f.framework = Some("nunit".into());
        f.expected = Some(c[1].to_owned());
        f.actual = Some(c[2].to_owned());
    } else if let Some(c) = find(&MSTEST_PAIR, el, text) {
        f.framework = Some("mstest".into());
        f.expected = Some(c[1].to_owned());
        f.actual = Some(c[2].to_owned());
    }
}

fn http(f: &mut Facts, el: &str, text: &str) {
    let found = find(&HTTP_STATUS, el, text)
        .as_ref()
        .and_then(group)
        .and_then(|s| s.parse::<u16>().ok());
    // 1xx never explains a failure, and `exit status 127` is not HTTP.
    if let Some(code) = found.filter(|c| (200..=599).contains(c)) {
        f.http_status = Some(code);
    }
}

fn network(f: &mut Facts, el: &str, text: &str) {
    if let Some(c) = find(&NET_HOST_PORT, el, text) {
        // Alternatives come in (host, port) pairs: find the pair that matched.
        let groups: Vec<Option<&str>> = c.iter().skip(1).map(|m| m.map(|m| m.as_str())).collect();
        for pair in groups.chunks(2) {
            if let [Some(host), port] = pair {
                f.host = Some((*host).to_owned());
                f.port = port.and_then(|p| p.parse().ok());
                break;
            }
        }
    } else if let Some(c) = find(&NET_HOST, el, text)
        && let Some(host) = group(&c)
    {
        f.host = Some(host.trim_end_matches('.').to_owned());
    } else if NET_WORDS.is_match(el) {
        // A network failure without a named host: the URL or address on the
        // error line, else on a line of the region that reports the failure.
        let lines = std::iter::once(el).chain(text.lines().filter(|l| NET_WORDS.is_match(l)));
        for line in lines {
            if let Some(c) = URL_HOST.captures(line).or_else(|| IP_PORT.captures(line)) {
                f.host = Some(c[1].to_owned());
                f.port = c.get(2).and_then(|p| p.as_str().parse().ok());
                break;
            }
        }
    }
    if f.host
        .as_deref()
        // `host='none'` is an unset variable, not a host.
        .is_some_and(|h| {
            !HOST_NAME.is_match(h)
                || matches!(
                    h.to_ascii_lowercase().as_str(),
                    "none" | "undefined" | "null"
                )
        })
    {
        f.host = None;
        f.port = None;
    }
}

fn permission(f: &mut Facts, el: &str, text: &str) {
    if GH_PUSH_DENIED.is_match(text) {
        f.scope = Some("contents: write".into());
    } else if GH_PACKAGES_DENIED.is_match(text) {
        f.scope = Some("packages: write".into());
    } else if GH_INTEGRATION.is_match(text) {
        f.scope = integration_scope(text).map(str::to_owned);
    }
    let lower = text.to_ascii_lowercase();
    if (lower.contains("permission denied")
        || lower.contains("operation not permitted")
        || lower.contains("eacces")
        || lower.contains("eperm")
        || lower.contains("dubious ownership")
        || lower.contains("accessdenied"))
        && let Some(c) = find(&PERM_PATH, el, text)
        && let Some(path) = group(&c)
    {
        f.path = Some(path.to_owned());
    }
}

/// The token scope that a `Resource not accessible by integration` call needed,
/// from the REST path or documentation link printed with it.
fn integration_scope(text: &str) -> Option<&'static str> {
    if text.contains("/statuses") {
        return Some("statuses: write");
    }
    if text.contains("/check-runs")
        || text.contains("/check-suites")
        || text.contains("rest/checks")
    {
        return Some("checks: write");
    }
    let c = GH_API_PATH.captures(text)?;
    Some(match group(&c)? {
        "pulls" => "pull-requests: write",
        "issues" | "labels" | "milestones" | "assignees" => "issues: write",
        "contents" | "git" | "releases" | "commits" | "branches" | "merges" | "tags"
        | "comments" | "repos" => "contents: write",
        "packages" => "packages: write",
        "checks" => "checks: write",
        "deployments" => "deployments: write",
        "actions" => "actions: write",
        "pages" => "pages: write",
        "code-scanning" => "security-events: write",
        _ => return None,
    })
}

fn config(f: &mut Facts, el: &str, text: &str) {
    let mut file: Option<String> = None;
    let mut line: Option<u64> = None;
    if let Some(c) = find(&WORKFLOW_FILE, el, text) {
        let groups: Vec<Option<&str>> = c.iter().skip(1).map(|m| m.map(|m| m.as_str())).collect();
        if let Some([Some(fl), Some(ln)]) = groups
            .chunks(2)
            .find(|p| p[0].is_some())
            .map(|p| [p[0], p[1]])
        {
            file = Some(fl.to_owned());
            line = ln.parse().ok();
        }
    } else if let Some(c) = CMAKE_AT.captures(text) {
        file = Some(c[1].to_owned());
        line = c[2].parse().ok();
    } else if let Some(c) = TF_AT.captures(text) {
        file = Some(c[1].to_owned());
        line = c[2].parse().ok();
    } else if let Some(c) = POM_AT.captures(text) {
        file = Some(c[1].to_owned());
        line = c.get(2).and_then(|l| l.as_str().parse().ok());
    } else if YAML_ERROR.is_match(text) {
        if let Some(c) = YAML_MARK.captures_iter(text).last() {
            if !c[1].starts_with('<') {
                file = Some(c[1].to_owned());
            }
            line = c[2].parse().ok();
        }
    } else if let Some(c) = find(&TOML_AT, el, text) {
        line = group(&c).and_then(|l| l.parse().ok());
        file = MANIFEST.captures(text).map(|m| m[1].to_owned());
        if file.is_none()
            && let Some(a) = ARROW_FILE.captures(text)
        {
            file = Some(a[1].to_owned());
        }
    } else if let Some(c) = ARROW_FILE.captures(text) {
        file = Some(c[1].to_owned());
        line = c[2].parse().ok();
    } else if let Some(c) = MANIFEST.captures(text) {
        file = Some(c[1].to_owned());
    } else if let Some(c) = find(&CONFIG_PAREN, el, text) {
        file = Some(c[1].to_owned());
        line = c[2].parse().ok();
    } else if let Some(c) = find(&JSON_AT, el, text) {
        line = group(&c).and_then(|l| l.parse().ok());
        file = find(&NODE_JSON_FILE, el, text).map(|c| c[1].to_owned());
    } else if let Some(c) = find(&NODE_JSON_FILE, el, text) {
        file = Some(c[1].to_owned());
    } else if let Some(c) = find(&PIP_REQ_LINE, el, text) {
        // `(from -r requirements.txt (line 28))` or `(from line 7 of requirements.txt)`.
        let (fl, ln) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(fl), Some(ln), _, _) | (_, _, Some(ln), Some(fl)) => (fl.as_str(), ln.as_str()),
            _ => ("", ""),
        };
        if !fl.is_empty() {
            file = Some(fl.to_owned());
            line = ln.parse().ok();
        }
    } else if let Some(c) = CONFIG_COLON
        .captures(el)
        .filter(|c| c.get(0).is_some_and(|m| m.start() == 0))
    {
        // `file.yml:8:13: message`: a linter (actionlint, yamllint) names the spot.
        file = Some(c[1].to_owned());
        line = c[2].parse().ok();
    } else if CONFIG_WORDS.is_match(el)
        && let Some(c) = find(&CONFIG_COLON, el, text)
    {
        file = Some(c[1].to_owned());
        line = c[2].parse().ok();
    }
    if file.is_none()
        && let Some(c) = find(&NAMED_CONFIG, el, text)
    {
        file = group(&c).map(str::to_owned);
    }
    if line.is_none()
        && let Some(c) = find(&CONFIG_LINE_ONLY, el, text)
    {
        line = group(&c).and_then(|l| l.parse().ok());
    }
    // A config error that names its file without a line, or pytest's header.
    if file.is_none()
        && (CONFIG_WORDS.is_match(el) || el.contains("not found") || el.contains("JSON"))
    {
        file = find(&CONFIG_MENTION, el, text)
            .map(|c| c[1].to_owned())
            .or_else(|| {
                PYTEST_CONFIGFILE
                    .captures(text)
                    .map(|c| c[1].to_owned())
                    .filter(|f| f != "None")
            });
    }
    if f.file.is_none() && f.line.is_none() {
        f.file = file;
        f.line = line;
    }
}

/// Validation and caps applied to every fact.
fn finish(mut f: Facts) -> Facts {
    for slot in [
        &mut f.ecosystem,
        &mut f.module,
        &mut f.package,
        &mut f.option,
        &mut f.variable,
        &mut f.action_input,
        &mut f.file,
        &mut f.framework,
        &mut f.host,
        &mut f.path,
        &mut f.scope,
        &mut f.command,
    ] {
        if let Some(v) = slot.take() {
            let v = tidy(&v);
            if !v.is_empty() {
                *slot = Some(v);
            }
        }
    }
    // Assertion values keep their control and Bidi characters: removing them
    // would hand the fixer a different value to write, while kept they make it
    // refuse (`unsafe-literal`); every sink escapes them.
    for slot in [&mut f.expected, &mut f.actual] {
        if let Some(v) = slot.take() {
            let v: String = v.trim().chars().take(MAX_FACT_CHARS).collect();
            if !v.is_empty() {
                *slot = Some(v);
            }
        }
    }
    if let Some(file) = f.file.take() {
        let relative = RUNNER_PREFIX.replace(&file, "").into_owned();
        f.file = Some(relative);
    }
    if let Some(v) = &f.variable
        && !IDENT.is_match(v)
    {
        f.variable = None;
        f.variable_from = None;
    }
    // A Python package is a PEP 508 name, with extras (`coverage[toml]`)
    // only as `name[extra,...]` of names.
    if f.ecosystem.as_deref() == Some("python")
        && let Some(p) = &f.package
        && !python_requirement(p)
    {
        f.package = None;
    }
    f
}

fn python_requirement(p: &str) -> bool {
    match p.split_once('[') {
        None => PEP508_NAME.is_match(p),
        Some((name, rest)) => {
            PEP508_NAME.is_match(name)
                && rest
                    .strip_suffix(']')
                    .is_some_and(|inner| inner.split(',').all(|e| PEP508_NAME.is_match(e.trim())))
        }
    }
}

/// Control and Bidi characters removed, capped at [`MAX_FACT_CHARS`].
fn tidy(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_control() && !matches!(*c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .take(MAX_FACT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    // Captured from pytest 9 with a failing equality assertion.
    const PYTEST_FAILURES: &str = "\
    def test_health():
        resp = R()
>       assert resp.json()[\"status\"] == \"healthy\"
E       AssertionError: assert 'ok' == 'healthy'
E         
E         - healthy
E         + ok

tests/test_a.py:11: AssertionError
=========================== short test summary info ============================
FAILED tests/test_a.py::test_health - AssertionError: assert 'ok' == 'healthy'";

    fn facts(error_line: &str, region: &str) -> Facts {
        parse(&Failure {
            error_line: error_line.into(),
            region: region.into(),
            ..Failure::default()
        })
    }

    fn facts_of(error_line: &str, region: &str) -> Facts {
        facts(error_line, region)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn python_missing_module_maps_to_its_distribution() {
        // Captured from `python3 -c 'import yaml_x'` and pytest collection.
        let f = facts(
            "ModuleNotFoundError: No module named 'yaml_x'",
            "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nModuleNotFoundError: No module named 'yaml_x'",
        );
        assert_eq!(
            (f.ecosystem.as_deref(), f.module.as_deref(), f.package),
            (Some("python"), Some("yaml_x"), None)
        );
        let f = facts(
            "E   ModuleNotFoundError: No module named 'yaml'",
            "tests/test_a.py:1: in <module>\n    import yaml\nE   ModuleNotFoundError: No module named 'yaml'",
        );
        assert_eq!((f.module, f.package), (s("yaml"), s("PyYAML")));
        for (import, dist) in [
            ("cv2", "opencv-python"),
            ("sklearn.linear_model", "scikit-learn"),
            ("PIL", "Pillow"),
            ("bs4", "beautifulsoup4"),
            ("dateutil.parser", "python-dateutil"),
            ("google.protobuf", "protobuf"),
            ("psycopg2", "psycopg2-binary"),
            ("requests", "requests"),
        ] {
            let f = facts(
                &format!("ModuleNotFoundError: No module named '{import}'"),
                "",
            );
            assert_eq!(f.package.as_deref(), Some(dist), "{import}");
            assert_eq!(f.module.as_deref(), import.split('.').next());
        }
        let f = facts("ImportError: No module named yaml", "");
        assert_eq!(f.package, s("PyYAML"));
    }

    #[test]
    fn pytest_options_map_to_plugins() {
        // Captured from `python -m pytest --cov=addons` without pytest-cov.
        let region = "ERROR: usage: python -m pytest [options] [file_or_dir] [file_or_dir] [...]\npython -m pytest: error: unrecognized arguments: --cov=addons\n  inifile: None\n  rootdir: /tmp/cap/t";
        let f = facts(
            "python -m pytest: error: unrecognized arguments: --cov=addons",
            region,
        );
        assert_eq!(
            (f.option, f.package, f.ecosystem),
            (s("--cov"), s("pytest-cov"), s("python"))
        );
        // Captured: `pytest -n 4 --reruns 2` with neither plugin; `4` taken as a path.
        let f = facts(
            "python -m pytest: error: unrecognized arguments: -n --reruns 2",
            "usage: pytest",
        );
        assert_eq!((f.option, f.package), (s("-n"), s("pytest-xdist")));
        for (opt, plugin) in [
            ("--cov-report=term-missing", "pytest-cov"),
            ("--reruns", "pytest-rerunfailures"),
            ("--timeout=30", "pytest-timeout"),
            ("--json-report-file=x", "pytest-json-report"),
            ("--html=r.html", "pytest-html"),
            ("--benchmark-only", "pytest-benchmark"),
            ("--asyncio-mode=auto", "pytest-asyncio"),
            ("--snapshot-update", "syrupy"),
            ("--ds=app.settings", "pytest-django"),
            ("--numprocesses", "pytest-xdist"),
            ("--dist=loadfile", "pytest-xdist"),
        ] {
            assert_eq!(pytest_plugin(opt), Some(plugin), "{opt}");
        }
        assert_eq!(pytest_plugin("--junitxml=x.xml"), None);
        assert_eq!(
            pytest_plugin("--cov-branch"),
            Some("pytest-cov"),
            "prefix options match by prefix"
        );
        for (line, plugin) in [
            (
                "ERROR: Missing required plugins: pytest-asyncio>=0.21",
                "pytest-asyncio",
            ),
            (
                "tests/test_async.py:4: PytestUnknownMarkWarning: Unknown pytest.mark.asyncio - is this a typo?",
                "pytest-asyncio",
            ),
            ("E       fixture 'rf' not found", "pytest-django"),
            (
                "'django_db' not found in `markers` configuration option",
                "pytest-django",
            ),
            (
                "setup.py: error: unrecognized arguments: --cov=todoman --cov-report=term-missing",
                "pytest-cov",
            ),
        ] {
            assert_eq!(facts(line, "").package.as_deref(), Some(plugin), "{line}");
        }
        // Only prefix families are trusted without pytest in sight.
        assert_eq!(
            facts("app.py: error: unrecognized arguments: -n 4", "").option,
            None
        );
        let f = facts("E       fixture 'mocker' not found", "");
        assert_eq!((f.option, f.package), (None, s("pytest-mock")));
        // Not pytest and not a plugin family: no guess.
        let f = facts(
            "mypy: error: unrecognized arguments: --strict-x",
            "usage: mypy",
        );
        assert_eq!((f.option, f.package), (None, None));
    }

    #[test]
    fn distribution_not_found() {
        let f = facts(
            "pkg_resources.DistributionNotFound: The 'requests>=2.0' distribution was not found and is required by app",
            "",
        );
        assert_eq!((f.package, f.ecosystem), (s("requests"), s("python")));
        let f = facts(
            "importlib.metadata.PackageNotFoundError: No package metadata was found for flask-cors",
            "",
        );
        assert_eq!(f.package, s("flask-cors"));
    }

    #[test]
    fn node_modules() {
        let f = facts(
            "Error: Cannot find module 'left-padx'",
            "Require stack:\n- /tmp/cap/[eval]",
        );
        assert_eq!(
            (f.ecosystem, f.module, f.package),
            (s("node"), s("left-padx"), s("left-padx"))
        );
        let f = facts("Error: Cannot find module '@scope/pkg/dist/index.js'", "");
        assert_eq!(f.package, s("@scope/pkg"));
        let f = facts(
            "Error: Cannot find module @rollup/rollup-linux-x64-gnu. npm has a bug related to optional dependencies",
            "",
        );
        assert_eq!(f.package, s("@rollup/rollup-linux-x64-gnu"));
        let f = facts("Error: Cannot find module './config'", "");
        assert_eq!((f.module, f.package), (s("./config"), None));
        let f = facts(
            "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'chalk' imported from /app/index.js",
            "",
        );
        assert_eq!(f.package, s("chalk"));
    }

    #[test]
    fn rust_go_java_ruby_modules() {
        let f = facts(
            "error[E0432]: unresolved import `serde_yaml`",
            "  |     ^^^^^^^^^^ use of unresolved module or unlinked crate `serde_yaml`",
        );
        assert_eq!((f.ecosystem, f.package), (s("rust"), s("serde_yaml")));
        let f = facts(
            "error[E0433]: failed to resolve: use of undeclared crate or module `rand`",
            "",
        );
        assert_eq!(f.package, s("rand"));
        let f = facts("error[E0432]: unresolved import `crate::missing`", "");
        assert_eq!(f.package, None);
        let f = facts(
            "main.go:4:2: no required module provides package github.com/stretchr/testify/assert; to add it:",
            "",
        );
        assert_eq!(
            (f.ecosystem, f.package),
            (s("go"), s("github.com/stretchr/testify/assert"))
        );
        let f = facts(
            "[ERROR] /src/App.java:[3,8] package org.yaml.snakeyaml does not exist",
            "",
        );
        assert_eq!(
            (f.ecosystem, f.module),
            (s("java"), s("org.yaml.snakeyaml"))
        );
        let f = facts(
            "Exception in thread \"main\" java.lang.NoClassDefFoundError: com/google/gson/Gson",
            "",
        );
        assert_eq!(f.module, s("com.google.gson.Gson"));
        let f = facts(
            "<internal:/usr/lib/ruby/3.1.0/rubygems/core_ext/kernel_require.rb>:85:in `require': cannot load such file -- active_support/core_ext (LoadError)",
            "",
        );
        assert_eq!(
            (f.ecosystem, f.module, f.package),
            (s("ruby"), s("active_support/core_ext"), s("activesupport"))
        );
        let f = facts(
            "Bundler::GemNotFound: Could not find rake-13.0.6 in any of the sources",
            "",
        );
        assert_eq!(f.package, s("rake"));
    }

    #[test]
    fn missing_commands() {
        for (line, module, package) in [
            (
                "src/main.c:2:10: fatal error: curl/curl.h: No such file or directory",
                Some("curl/curl.h"),
                Some("libcurl4-openssl-dev"),
            ),
            (
                "csrc/module.c:2:10: fatal error: boost/asio.hpp: No such file or directory",
                Some("boost/asio.hpp"),
                Some("libboost-all-dev"),
            ),
            (
                "x.c:1:10: fatal error: nosuch.h: No such file or directory",
                Some("nosuch.h"),
                None,
            ),
        ] {
            let f = facts(line, "");
            assert_eq!(
                (f.module.as_deref(), f.package.as_deref()),
                (module, package),
                "{line}"
            );
        }
        let f = facts("error: golangci-lint is required but not installed", "");
        assert_eq!(f.command, s("golangci-lint"));
        let f = facts(
            "Error: Unable to locate executable file: git. Please verify either the file path exists",
            "",
        );
        assert_eq!((f.command, f.package), (s("git"), s("git")));
        let f = facts(
            "Sources/Xi.swift:15:8: error: no such module 'ArgumentParser'",
            "",
        );
        assert_eq!((f.ecosystem, f.module), (s("swift"), s("ArgumentParser")));
        let f = facts(
            "X.csproj : error NU1101: Unable to find package Castle.Core. No packages exist",
            "",
        );
        assert_eq!((f.ecosystem, f.package), (s("dotnet"), s("Castle.Core")));
        let f = facts(
            "● Validation Error:",
            "● Validation Error:\n\n  Module ts-jest in the transform option was not found.",
        );
        assert_eq!((f.ecosystem, f.package), (s("node"), s("ts-jest")));
        let f = facts(
            "rubygems/dependency.rb:313:in `to_specs': Could not find 'rake' (= 99.0) - did find: [rake-13.0.6] (Gem::MissingSpecVersionError)",
            "",
        );
        assert_eq!((f.ecosystem, f.package), (s("ruby"), s("rake")));
        let f = facts(
            "bundler/definition.rb:481:in `materialize': Could not find puma-6.4.2 in any of the sources (Bundler::GemNotFound)",
            "",
        );
        assert_eq!(f.package, s("puma"));
        let f = facts("env: ‘ansible-playbook’: No such file or directory", "");
        assert_eq!(f.command, s("ansible-playbook"));
        let f = facts(
            "/usr/bin/ld: cannot find -lmysqlclient: No such file or directory",
            "",
        );
        assert_eq!((f.ecosystem, f.module), (s("system"), s("libmysqlclient")));
        let f = facts(
            "CMake Error at CMakeLists.txt:141 (find_package):",
            "  Could not find a package configuration file provided by \"CEF\" with any of\n  the following names:",
        );
        assert_eq!((f.ecosystem, f.module), (s("cmake"), s("CEF")));
        assert_eq!((f.file, f.line), (s("CMakeLists.txt"), Some(141)));
        // Captured from bash and dash here.
        let f = facts("bash: line 1: foobarcmd: command not found", "");
        assert_eq!(
            (f.ecosystem, f.command, f.package),
            (s("system"), s("foobarcmd"), None)
        );
        let f = facts(
            "OSError: libsndfile.so.1: cannot open shared object file: No such file or directory",
            "",
        );
        assert_eq!((f.ecosystem, f.module), (s("system"), s("libsndfile.so.1")));
        let f = facts(
            "Program.cs(4,7): error CS0246: The type or namespace name 'Newtonsoft' could not be found",
            "",
        );
        assert_eq!((f.ecosystem, f.module), (s("dotnet"), s("Newtonsoft")));
        let f = facts("sh: 1: jq: not found", "");
        assert_eq!((f.command, f.package), (s("jq"), s("jq")));
        let f = facts(
            "/home/runner/work/_temp/x.sh: line 3: shellcheck: command not found",
            "",
        );
        assert_eq!((f.command, f.package), (s("shellcheck"), s("shellcheck")));
        let f = facts("exec: \"protoc\": executable file not found in $PATH", "");
        assert_eq!(f.package, s("protobuf-compiler"));
        let f = facts("bash: line 1: /tmp/cap/s.sh: Permission denied", "");
        assert_eq!(f.command, None);
    }

    #[test]
    fn environment_variables() {
        for (line, region, want) in [
            (
                "/home/runner/work/_temp/x.sh: line 3: CF_API_TOKEN: parameter null or not set",
                "",
                "CF_API_TOKEN",
            ),
            (
                "KAFKA_BROKERS must be a valid number: ParseIntError { kind: Empty }",
                "",
                "KAFKA_BROKERS",
            ),
            (
                "config/boot.rb:1:in `fetch': key not found: \"SENTRY_DSN\" (KeyError)",
                "",
                "SENTRY_DSN",
            ),
            (
                "Error: No SLACK_WEBHOOK_URL provided",
                "",
                "SLACK_WEBHOOK_URL",
            ),
            (
                "Error: The following environment variables are missing: SMTP_PASSWORD, NODE_ENV",
                "",
                "SMTP_PASSWORD",
            ),
            (
                "django.core.exceptions.ImproperlyConfigured: Requested setting FILE_DB, but settings are not configured. You must either define the environment variable DJANGO_SETTINGS_MODULE or call settings.configure()",
                "",
                "DJANGO_SETTINGS_MODULE",
            ),
            (
                "username is empty",
                "echo \"$DOCKER_PASSWORD\" | docker login -u \"$GHCR_USER\" --password-stdin\nusername is empty",
                "GHCR_USER",
            ),
            (
                "SemanticReleaseError: No GitHub token specified.",
                "",
                "GITHUB_TOKEN",
            ),
            (
                "error: no token found, please run `cargo login`",
                "",
                "CARGO_REGISTRY_TOKEN",
            ),
            (
                "● config › has SUPABASE_URL",
                "    expect(process.env.SUPABASE_URL).toBeDefined()\n    Received: undefined",
                "SUPABASE_URL",
            ),
        ] {
            assert_eq!(
                facts(line, region).variable.as_deref(),
                Some(want),
                "{line}"
            );
        }
        let f = facts(
            "scripts/deploy.sh: line 4: RELEASE_VERSION: unbound variable",
            "",
        );
        assert_eq!(f.variable, s("RELEASE_VERSION"));
        assert_eq!(
            facts("Error: required environment variables are not set", "").variable,
            None
        );
        for (line, want) in [
            (
                "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
                "AWS_ACCESS_KEY_ID",
            ),
            (
                "error - Upload failed: {\"message\":\"Token required - not valid tokenless upload\"}",
                "CODECOV_TOKEN",
            ),
            (
                "npm error need auth This command requires you to be logged in to https://registry.npmjs.org/",
                "NODE_AUTH_TOKEN",
            ),
        ] {
            assert_eq!(facts(line, "").variable.as_deref(), Some(want), "{line}");
        }
        // Captured from `python3 -c 'import os; os.environ["OCR_HOST"]'`.
        let f = facts(
            "KeyError: 'OCR_HOST'",
            "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n  File \"<frozen os>\", line 679, in __getitem__\nKeyError: 'OCR_HOST'",
        );
        assert_eq!(f.variable, s("OCR_HOST"));
        // A KeyError on a dict is not an environment variable.
        let f = facts(
            "KeyError: 'status'",
            "    return data['status']\nKeyError: 'status'",
        );
        assert_eq!(f.variable, None);
        let f = facts("Error: environment variable DATABASE_URL is not set", "");
        assert_eq!(f.variable, s("DATABASE_URL"));
        let f = facts(
            "RuntimeError: Missing required environment variable: API_KEY",
            "",
        );
        assert_eq!(f.variable, s("API_KEY"));
        let f = facts("ValueError: OPENAI_API_KEY must be set", "");
        assert_eq!(f.variable, s("OPENAI_API_KEY"));
        for (line, want) in [
            (
                "E       AssertionError: set REDIS_URL in the CI environment",
                "REDIS_URL",
            ),
            (
                "openai.OpenAIError: The api_key client option must be set either by passing api_key to the client or by setting the OPENAI_API_KEY environment variable",
                "OPENAI_API_KEY",
            ),
            (
                "> SDK location not found. Define location with sdk.dir in the local.properties file or with an ANDROID_HOME environment variable.",
                "ANDROID_HOME",
            ),
            (
                "ERROR: JAVA_HOME is set to an invalid directory: /opt/jdk",
                "JAVA_HOME",
            ),
            (
                "error: Environment variable not found: DATABASE_URL.",
                "DATABASE_URL",
            ),
            (
                "django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.",
                "SECRET_KEY",
            ),
        ] {
            assert_eq!(facts(line, "").variable.as_deref(), Some(want), "{line}");
        }
        // Captured shapes: an unset variable used as a string or a number.
        let f = facts(
            "TypeError: unsupported operand type(s) for +: 'NoneType' and 'str'",
            "  File \"/home/runner/work/web/web/client.py\", line 4, in <module>\n    url = os.environ.get('SERVICE_URL') + '/status'\n          ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^~~~~~~~~~~\nTypeError: unsupported operand type(s) for +: 'NoneType' and 'str'",
        );
        assert_eq!(f.variable, s("SERVICE_URL"));
        let f = facts(
            "ValueError: invalid literal for int() with base 10: ''",
            "    port = int(os.environ[\"PORT\"])\nValueError: invalid literal for int() with base 10: ''",
        );
        assert_eq!(f.variable, s("PORT"));
        // Two names: not certain which one.
        assert_eq!(
            facts(
                "Error: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
                ""
            )
            .variable,
            None
        );
        let f = facts("ERROR is required", "");
        assert_eq!(f.variable, None);
        let region = "    url = f\"https://{os.getenv('OCR_HOST')}/health\"\n>       resp = requests.get(url)\nE   requests.exceptions.InvalidURL: Invalid URL 'https://None/health': No host supplied";
        let f = facts(
            "E   requests.exceptions.InvalidURL: Invalid URL 'https://None/health': No host supplied",
            region,
        );
        assert_eq!(f.variable, s("OCR_HOST"));
        let f = facts(
            "E   requests.exceptions.InvalidURL: Invalid URL 'https://None/health': No host supplied",
            "",
        );
        assert_eq!(f.variable, None);
        let f = facts(
            "TypeError: Cannot read properties of undefined (reading 'split')",
            "const hosts = process.env.ALLOWED_HOSTS.split(',');\nTypeError: Cannot read properties of undefined (reading 'split')",
        );
        assert_eq!(f.variable, s("ALLOWED_HOSTS"));
        let f = facts("Error: Input required and not supplied: github-token", "");
        assert_eq!((f.action_input, f.variable), (s("github-token"), None));
    }

    /// The failures of a marked failing step holding `text`.
    fn pipeline(text: &str) -> Vec<Failure> {
        use crate::ingest::{JobLog, Line, LogBundle, StepLog};
        let tail = text
            .lines()
            .enumerate()
            .map(|(i, t)| Line {
                number: i as u64 + 1,
                text: t.to_owned(),
            })
            .collect();
        let step = StepLog {
            name: "Run pytest".into(),
            failed: Some(true),
            tail,
            ..StepLog::default()
        };
        let job = JobLog {
            name: "test".into(),
            steps: vec![step],
            ..JobLog::default()
        };
        crate::extract::failures(&LogBundle {
            jobs: vec![job],
            ..LogBundle::default()
        })
    }

    #[test]
    fn unset_host_from_os_getenv_is_traced_to_its_variable() {
        // Captured from pytest 9 + requests 2.32: `OCR_HOST = os.getenv("OCR_HOST")` unset,
        // then `requests.get(f"https://{OCR_HOST}/health")`. urllib3 lowercases `None`.
        let text = format!(
            "{}##[error]Process completed with exit code 1.",
            include_str!("data/captures/pytest_requests_unset_host.txt")
        );
        let f = pipeline(&text).remove(0);
        assert!(
            f.error_line.starts_with(
                "E           requests.exceptions.ConnectionError: HTTPSConnectionPool(host='none'"
            ),
            "{}",
            f.error_line
        );
        let facts = parse(&f);
        assert_eq!(facts.variable, s("OCR_HOST"));
        assert_eq!((facts.host, facts.port), (None, None));
        // Without the source line, the file that failed is named for the fixer.
        let f = Failure {
            region: f.region.replace("{OCR_HOST}", "{host}"),
            ..f
        };
        let facts = parse(&f);
        assert_eq!((facts.variable, facts.file), (None, s("tests/test_a.py")));
        // Older requests: `Invalid URL` with the `None` kept.
        let f = facts_of(
            "E   requests.exceptions.InvalidURL: Invalid URL 'https://None/health': No host supplied",
            "    host = os.environ.get(\"OCR_HOST\")\n",
        );
        assert_eq!(f.variable, s("OCR_HOST"));
    }

    #[test]
    fn pytest_assertions() {
        let region = PYTEST_FAILURES;
        let f = facts("E       AssertionError: assert 'ok' == 'healthy'", region);
        assert_eq!(f.framework, s("pytest"));
        assert_eq!((f.expected, f.actual), (s("'healthy'"), s("'ok'")));
        assert_eq!((f.file, f.line), (s("tests/test_a.py"), Some(11)));
        // Captured: `assert 200 == 404` with both sides literal in the source.
        let f = facts(
            "E       assert 200 == 404",
            "    def test_code():\n>       assert 200 == 404\nE       assert 200 == 404\n\ntests/test_a.py:15: AssertionError",
        );
        assert_eq!(
            (f.expected, f.actual, f.line),
            (s("404"), s("200"), Some(15))
        );
        // The literal on the left of the source line is the expectation.
        let f = facts(
            "E       AssertionError: assert 'healthy' == 'ok'",
            ">       assert \"healthy\" == body[\"status\"]\nE       AssertionError: assert 'healthy' == 'ok'\ntests/t.py:3: AssertionError",
        );
        assert_eq!((f.expected, f.actual), (s("'healthy'"), s("'ok'")));
        let f = facts("E       assert 'a == b' == 'c'", "");
        assert_eq!((f.expected, f.actual), (s("'c'"), s("'a == b'")));
    }

    #[test]
    fn pytest_assertion_is_read_from_its_own_section() {
        // Captured from pytest 9: the previous test's failure sits in the
        // window above, and `?` hint lines push the location out of it.
        let el = "E       AssertionError: '1.3.0' != '1.2.0'";
        let region = "_________________________________ test_retries _________________________________\n\n    def test_retries():\n>       assert retries() == 3\nE       assert 5 == 3\nE        +  where 5 = retries()\n\ntests/test_numbers.py:5: AssertionError\n___________________________ TestVersion.test_version ___________________________\n\n    def test_version(self):\n>       self.assertEqual(version(), \"1.2.0\")\nE       AssertionError: '1.3.0' != '1.2.0'\nE       - 1.3.0\nE       ?   ^\nE       + 1.2.0";
        let f = parse(&Failure {
            error_line: el.into(),
            region: region.into(),
            frames: vec![
                Frame {
                    file: "tests/test_numbers.py".into(),
                    line: 5,
                    func: None,
                },
                Frame {
                    file: "tests/test_unit.py".into(),
                    line: 8,
                    func: None,
                },
            ],
            ..Failure::default()
        });
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("unittest"), s("'1.2.0'"), s("'1.3.0'"))
        );
        assert_eq!((f.file, f.line), (s("tests/test_unit.py"), Some(8)));
    }

    #[test]
    fn pytest_shortened_strings_are_read_whole_from_the_diff() {
        // pytest 8, tests/test_long.py of the grounded fixtures.
        let region = ">       assert greeting() == \"Welcome to the ACME API, version 1 (stable)\"\nE       AssertionError: assert 'Welcome to t...on 2 (stable)' == 'Welcome to t...on 1 (stable)'\nE         \nE         - Welcome to the ACME API, version 1 (stable)\nE         ?                                  ^\nE         + Welcome to the ACME API, version 2 (stable)\nE         ?                                  ^\n\ntests/test_long.py:5: AssertionError";
        let f = facts(region.lines().nth(1).unwrap(), region);
        assert_eq!(
            (f.expected, f.actual),
            (
                s("'Welcome to the ACME API, version 1 (stable)'"),
                s("'Welcome to the ACME API, version 2 (stable)'")
            )
        );
        // A diff line that does not complete the shortened side is not taken.
        let forged = region.replace(
            "+ Welcome to the ACME API, version 2",
            "+ Goodbye, version 2",
        );
        let f = facts(forged.lines().nth(1).unwrap(), &forged);
        assert_eq!(f.actual, s("'Welcome to t...on 2 (stable)'"));
    }

    #[test]
    fn an_extra_the_tools_message_asks_for() {
        // Quoted in Fusion-Power-Plant-Framework/bluemira#295.
        let el = "coverage.exceptions.CoverageException: Can't read 'pyproject.toml' without TOML support. Install with [toml] extra";
        let f = facts(el, el);
        assert_eq!((f.module, f.package), (s("coverage"), s("coverage[toml]")));
        // The extra is a name, never an option or a path.
        let f = facts(
            "coverage.exceptions.ConfigError: x. Install with [toml --index-url=http://evil] extra",
            "",
        );
        assert_eq!(f.package, None);
    }

    #[test]
    fn unittest_literal_first_argument_is_the_expectation() {
        // pytest 8 on isodate's test_repr: `assertEqual(LITERAL, repr(d))`.
        let region = "    def test_repr(self):\n>       self.assertEqual('isodate.duration.Duration(10, 10, 0,'\n                         ' years=10, months=10)', repr(dur))\nE       AssertionError: 'isodate.duration.Duration(10, 10, 0, years=10, months=10)' != 'Duration(10, 10, 0, years=10, months=10)'";
        let el = region.lines().last().unwrap();
        let f = facts(el, region);
        assert_eq!(
            (f.expected, f.actual),
            (
                s("'isodate.duration.Duration(10, 10, 0, years=10, months=10)'"),
                s("'Duration(10, 10, 0, years=10, months=10)'")
            )
        );
    }

    #[test]
    fn jest_vitest_rust_go_junit_assertions() {
        let f = facts(
            "Test(s) failed.   Expected: null",
            "  Expected: null\n  But was:  False\n",
        );
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("nunit"), s("null"), s("False"))
        );
        assert_eq!(
            facts(
                "Unable to create pull request: 422: Unprocessable Entity",
                ""
            )
            .http_status,
            Some(422)
        );
        assert_eq!(facts("    statusCode: 404,", "").http_status, Some(404));
        let f = facts(
            "Failure/Error: expect(last_response.status).to eq 123",
            "     Failure/Error: expect(last_response.status).to eq 123\n\n       expected: 123\n            got: 200\n",
        );
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("rspec"), s("123"), s("200"))
        );
        let f = facts(
            "Failed asserting that two strings are equal.",
            "Failed asserting that two strings are equal.\n--- Expected\n+++ Actual\n@@ @@\n-'foo'\n+' foo '\n",
        );
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("phpunit"), s("'foo'"), s("' foo '"))
        );
        let jest = "  ● health › returns healthy\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: \"healthy\"\n    Received: \"ok\"\n\n      10 |   const res = await get('/health');\n    > 11 |   expect(res.body.status).toBe(\"healthy\");\n         |                           ^\n\n      at Object.<anonymous> (tests/health.test.js:11:27)";
        let f = facts("Expected: \"healthy\"", jest);
        assert_eq!(
            (
                f.framework.as_deref(),
                f.expected.as_deref(),
                f.actual.as_deref()
            ),
            (Some("jest"), Some("\"healthy\""), Some("\"ok\""))
        );
        assert_eq!((f.file, f.line), (s("tests/health.test.js"), Some(11)));
        let vitest = "AssertionError: expected 'ok' to be 'healthy' // Object.is equality\n\nExpected: \"healthy\"\nReceived: \"ok\"\n\n ❯ tests/health.test.ts:10:20";
        let f = facts("AssertionError: expected 'ok' to be 'healthy'", vitest);
        assert_eq!(
            (f.framework, f.file, f.line),
            (s("vitest"), s("tests/health.test.ts"), Some(10))
        );
        // Captured from `cargo test` (Rust 1.95).
        let rust = "thread 'tests::health' (8700) panicked at src/lib.rs:6:9:\nassertion `left == right` failed\n  left: \"ok\"\n right: \"healthy\"\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
        let f = facts("assertion `left == right` failed", rust);
        assert_eq!(
            (
                f.framework.as_deref(),
                f.expected.as_deref(),
                f.actual.as_deref()
            ),
            (Some("rust"), Some("\"healthy\""), Some("\"ok\""))
        );
        assert_eq!((f.file, f.line), (s("src/lib.rs"), Some(6)));
        let old = "thread 'main' panicked at 'assertion failed: `(left == right)`\n  left: `1`,\n right: `2`', src/main.rs:2:5";
        let f = facts("assertion failed", old);
        assert_eq!((f.expected, f.actual, f.line), (s("2"), s("1"), Some(2)));
        let go = "--- FAIL: TestHealth (0.00s)\n    health_test.go:12: \n        \tError Trace:\t/home/runner/work/x/x/api/health_test.go:12\n        \tError:      \tNot equal: \n        \t            \texpected: \"healthy\"\n        \t            \tactual  : \"ok\"";
        let f = facts("Error:      \tNot equal:", go);
        assert_eq!(
            (
                f.framework.as_deref(),
                f.expected.as_deref(),
                f.actual.as_deref()
            ),
            (Some("go"), Some("\"healthy\""), Some("\"ok\""))
        );
        assert_eq!((f.file, f.line), (s("api/health_test.go"), Some(12)));
        let f = facts("E       AssertionError: 'degraded' != 'healthy'", "");
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("unittest"), s("'healthy'"), s("'degraded'"))
        );
        let f = facts(
            "+ expected - actual",
            "  1) reporter\n   + expected - actual\n\n   -\"foo\"\n   +\"bar\"\n",
        );
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("mocha"), s("\"bar\""), s("\"foo\""))
        );
        assert_eq!(
            facts("GitHubError: Validation Failed (422)", "").http_status,
            Some(422)
        );
        let f = facts(
            "org.opentest4j.AssertionFailedError: expected: <healthy> but was: <ok>",
            "",
        );
        assert_eq!(
            (f.framework, f.expected, f.actual),
            (s("junit"), s("healthy"), s("ok"))
        );
    }

    #[test]
    fn http_and_network() {
        let f = facts(
            "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: http://127.0.0.1:8000/v1/x",
            "",
        );
        assert_eq!(f.http_status, Some(404));
        assert_eq!(
            facts("curl: (22) The requested URL returned error: 422", "").http_status,
            Some(422)
        );
        assert_eq!(facts("Response code: 500", "").http_status, Some(500));
        assert_eq!(
            facts("AssertionError: expected status code 200", "").http_status,
            Some(200)
        );
        // Captured from `curl http://127.0.0.1:9/`.
        let f = facts(
            "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
            "",
        );
        assert_eq!((f.host, f.port), (s("127.0.0.1"), Some(9)));
        let f = facts("Error: connect ECONNREFUSED 127.0.0.1:5432", "");
        assert_eq!((f.host, f.port), (s("127.0.0.1"), Some(5432)));
        let f = facts(
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded",
            "",
        );
        assert_eq!((f.host, f.port), (s("api.example.com"), Some(443)));
        // Captured from `curl http://nonexistent.invalid/`.
        let f = facts("curl: (6) Could not resolve host: nonexistent.invalid", "");
        assert_eq!((f.host, f.port), (s("nonexistent.invalid"), None));
        let f = facts(
            "Get \"https://proxy.golang.org/x\": dial tcp 142.250.1.1:443: i/o timeout",
            "",
        );
        assert_eq!((f.host, f.port), (s("142.250.1.1"), Some(443)));
        let f = facts(
            "psycopg2.OperationalError: connection to server at \"localhost\" (127.0.0.1), port 5432 failed: Connection refused",
            "",
        );
        assert_eq!((f.host, f.port), (s("localhost"), Some(5432)));
        let f = facts(
            "ReadTimeoutError: read timed out for https://pypi.org/simple/x",
            "",
        );
        for (line, region, host, port) in [
            (
                "Error: Redis connection to 127.0.0.1:6379 failed - connect ECONNREFUSED",
                "",
                "127.0.0.1",
                Some(6379),
            ),
            (
                "psycopg2.OperationalError: could not translate host name \"db\" to address: Temporary failure in name resolution",
                "",
                "db",
                None,
            ),
            (
                "ssh: Could not resolve hostname github.com: nodename nor servname provided, or not known",
                "",
                "github.com",
                None,
            ),
            (
                "W: Failed to fetch http://security.ubuntu.com/ubuntu/dists/x  Temporary failure resolving 'security.ubuntu.com'",
                "",
                "security.ubuntu.com",
                None,
            ),
            (
                "E   requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: http://127.0.0.1:8090/api/x",
                "",
                "127.0.0.1",
                Some(8090),
            ),
            (
                "E   httpx.ConnectError: [Errno 111] Connection refused",
                "    client = Client(base_url=\"http://localhost:8000\")  # refused when down\nE   httpx.ConnectError: [Errno 111] Connection refused",
                "localhost",
                Some(8000),
            ),
        ] {
            let f = facts(line, region);
            assert_eq!((f.host.as_deref(), f.port), (Some(host), port), "{line}");
        }
        assert_eq!(
            facts("Exception: HTTP code: 502", "").http_status,
            Some(502)
        );
        assert_eq!(
            facts("Task failed: Status code was 403 and not [200]", "").http_status,
            Some(403)
        );
        assert_eq!(f.host, s("pypi.org"));
    }

    #[test]
    fn permissions() {
        for (line, path) in [
            (
                "mkdir: cannot create directory ‘/opt/app’: Permission denied",
                "/opt/app",
            ),
            (
                "chmod: changing permissions of '/usr/bin/python3': Operation not permitted",
                "/usr/bin/python3",
            ),
            (
                "Exception in thread \"main\" java.io.FileNotFoundException: config/keystore.jks (Permission denied)",
                "config/keystore.jks",
            ),
            (
                "Exception in thread \"main\" java.nio.file.AccessDeniedException: /opt/app",
                "/opt/app",
            ),
            (
                "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)",
                "/var/lib/dpkg/lock-frontend",
            ),
        ] {
            assert_eq!(facts(line, "").path.as_deref(), Some(path), "{line}");
        }
        // Captured from python3 and node here.
        let f = facts(
            "PermissionError: [Errno 13] Permission denied: '/proc/1/mem'",
            "",
        );
        assert_eq!(f.path, s("/proc/1/mem"));
        let f = facts("Error: EACCES: permission denied, open '/proc/1/mem'", "");
        assert_eq!(f.path, s("/proc/1/mem"));
        let f = facts("bash: line 1: ./scripts/deploy.sh: Permission denied", "");
        assert_eq!(f.path, s("./scripts/deploy.sh"));
        let f = facts(
            "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info\": dial unix /var/run/docker.sock: connect: permission denied",
            "",
        );
        assert_eq!(f.path, s("/var/run/docker.sock"));
        let f = facts(
            "fatal: detected dubious ownership in repository at '/__w/docs/docs'",
            "",
        );
        assert_eq!(f.path, s("/__w/docs/docs"));
        let f = facts(
            "14 error  { [Error: EACCES, mkdir '/Users/me'] errno: -13, code: 'EACCES', path: '/Users/me' }",
            "",
        );
        assert_eq!(f.path, s("/Users/me"));
        let f = facts(
            "Error: buildx failed with: ERROR: denied: installation not allowed to Write organization package",
            "",
        );
        assert_eq!(f.scope, s("packages: write"));
        let f = facts(
            "RequestError [HttpError]: Resource not accessible by integration",
            "POST /repos/o/r/issues/12/comments - 403\n  documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment'",
        );
        assert_eq!(f.scope, s("issues: write"));
        let f = facts(
            "Resource not accessible by integration",
            "https://api.github.com/repos/o/r/pulls/3/reviews",
        );
        assert_eq!(f.scope, s("pull-requests: write"));
        let f = facts(
            "Resource not accessible by integration",
            "documentation_url: https://docs.github.com/rest/reference/repos#create-a-commit-status\n url: /repos/o/r/statuses/abc",
        );
        assert_eq!(f.scope, s("statuses: write"));
        let f = facts("Resource not accessible by integration", "");
        assert_eq!(f.scope, None);
        let f = facts(
            "remote: Permission to o/r.git denied to github-actions[bot].",
            "fatal: unable to access 'https://github.com/o/r/': The requested URL returned error: 403",
        );
        assert_eq!((f.scope, f.http_status), (s("contents: write"), Some(403)));
    }

    #[test]
    fn configuration_files() {
        for (line, region, file, n) in [
            (
                "ERROR: The Compose file './docker-compose.yml' is invalid because:",
                "",
                Some("./docker-compose.yml"),
                None,
            ),
            (
                "configparser.DuplicateOptionError: While reading from 'config/app.ini' [line  3]: option 'port' in section 'server' already exists",
                "",
                Some("config/app.ini"),
                Some(3),
            ),
            (
                "parse error: Invalid numeric literal at line 4, column 0",
                "",
                None,
                Some(4),
            ),
            (
                "[!] There was an error parsing `Gemfile`: syntax error, unexpected `end'",
                "",
                Some("Gemfile"),
                None,
            ),
            (
                "Makefile:3: *** missing separator.  Stop.",
                "",
                Some("Makefile"),
                Some(3),
            ),
            (
                "error TS18003: No inputs were found in config file '/w/tsconfig.json'. Specified 'include' paths were '[]'",
                "",
                Some("/w/tsconfig.json"),
                None,
            ),
        ] {
            let f = facts(line, region);
            assert_eq!((f.file.as_deref(), f.line), (file, n), "{line}");
        }
        for (line, region, file, n) in [
            (
                ".github/workflows/test.yml:8:13: step ID \"build\" duplicates. previously defined at line:6,col:13",
                "",
                Some(".github/workflows/test.yml"),
                Some(8),
            ),
            (
                "│ Error: Missing name for resource",
                "│ Error: Missing name for resource\n│\n│   on variables.tf line 1, in resource \"aws_iam_role\":",
                Some("variables.tf"),
                Some(1),
            ),
            (
                "[FATAL] Non-parseable POM /src/pom.xml: unexpected character in markup < (position: END_TAG seen ...<<... @73:3)  @ line 73, column 3",
                "",
                Some("/src/pom.xml"),
                Some(73),
            ),
        ] {
            let f = facts(line, region);
            assert_eq!((f.file.as_deref(), f.line), (file, n), "{line}");
        }
        let f = facts(
            "go: github.com/x/y@v0.13.10 requires",
            "go: github.com/x/y@v0.13.10 requires\n\tgithub.com/Azure/azure-event-hubs-go/v3@v3.3.7: missing go.sum entry; to add it:\n\tgo mod download github.com/Azure/azure-event-hubs-go/v3",
        );
        assert_eq!(
            (f.ecosystem, f.package),
            (s("go"), s("github.com/Azure/azure-event-hubs-go/v3"))
        );
        // Captured from PyYAML 6 on a broken document.
        let yaml = "yaml.parser.ParserError: while parsing a block mapping\n  in \"ci.yml\", line 1, column 1\nexpected <block end>, but found '<block mapping start>'\n  in \"ci.yml\", line 3, column 2";
        let f = facts(
            "yaml.parser.ParserError: while parsing a block mapping",
            yaml,
        );
        assert_eq!((f.file, f.line), (s("ci.yml"), Some(3)));
        let f = facts(
            "yaml.scanner.ScannerError: mapping values are not allowed here",
            "  in \"<unicode string>\", line 2, column 4:",
        );
        assert_eq!((f.file, f.line), (None, Some(2)));
        let f = facts("Invalid workflow file: .github/workflows/ci.yml#L12", "");
        assert_eq!((f.file, f.line), (s(".github/workflows/ci.yml"), Some(12)));
        let f = facts(
            "The workflow is not valid. .github/workflows/ci.yml (Line: 7, Col: 9): Unexpected value 'foo'",
            "",
        );
        assert_eq!((f.file, f.line), (s(".github/workflows/ci.yml"), Some(7)));
        let f = facts(
            "error: failed to parse manifest at `/home/runner/work/x/x/Cargo.toml`",
            "Caused by:\n  TOML parse error at line 3, column 11",
        );
        assert_eq!((f.file, f.line), (s("Cargo.toml"), Some(3)));
        // Captured from cargo 1.95 on `version = 0.1`.
        let f = facts(
            "error: invalid type: floating point `0.1`, expected SemVer version",
            " --> Cargo.toml:3:11\n  |\n3 | version = 0.1",
        );
        assert_eq!((f.file, f.line), (s("Cargo.toml"), Some(3)));
        // Captured from python3's json and tomllib.
        let f = facts(
            "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 3 column 1 (char 10)",
            "",
        );
        assert_eq!(f.line, Some(3));
        let f = facts(
            "tomllib.TOMLDecodeError: Invalid value (at line 1, column 5)",
            "",
        );
        assert_eq!(f.line, Some(1));
        let f = facts("Error: expected `,` or `}` at line 4 column 3", "");
        assert_eq!(f.line, Some(4));
        for (line, region, file, n) in [
            (
                "go: errors parsing go.mod:",
                "go: errors parsing go.mod:\n/home/runner/work/x/x/go.mod:3: invalid go version '1.22.0': must match format 1.23",
                Some("go.mod"),
                Some(3),
            ),
            (
                "tsconfig.json:12:5 - error TS5023: Unknown compiler option 'include'.",
                "",
                Some("tsconfig.json"),
                Some(12),
            ),
            (
                "error TS5023: Unknown compiler option 'buildOnSave'.",
                "ERROR in /home/ubuntu/app/tsconfig.json\nerror TS5023: Unknown compiler option 'buildOnSave'.",
                Some("/home/ubuntu/app/tsconfig.json"),
                None,
            ),
            (
                "npm error JSON.parse Invalid package.json: JSONParseError: Expected ',' or '}' after property value in JSON at position 224 (line 9 column 5)",
                "",
                Some("package.json"),
                Some(9),
            ),
            (
                "ERROR: No matching distribution found for opencv-python==4.2.0.34 (from -r requirements.txt (line 28))",
                "",
                Some("requirements.txt"),
                Some(28),
            ),
            (
                "ERROR: Invalid requirement: 'pytest chardet yacs termcolor' (from line 7 of requirements-dev.txt)",
                "",
                Some("requirements-dev.txt"),
                Some(7),
            ),
            (
                "ERROR: /home/runner/work/search/search/pyproject.toml: Illegal character '\\n' (at line 2, column 5)",
                "",
                Some("pyproject.toml"),
                Some(2),
            ),
            (
                "ERROR: Unknown config option: async_mode",
                "rootdir: /home/runner/work/x/x\nconfigfile: pyproject.toml\nERROR: Unknown config option: async_mode",
                Some("pyproject.toml"),
                None,
            ),
            (
                "Invalid workflow file : .github/workflows/github-actions.yml#L6",
                "",
                Some(".github/workflows/github-actions.yml"),
                Some(6),
            ),
            (
                "Error : .github#L1 every step must define a `uses` or `run` key",
                "",
                Some(".github"),
                Some(1),
            ),
        ] {
            let f = facts(line, region);
            assert_eq!((f.file.as_deref(), f.line), (file, n), "{line}");
        }
        let f = facts(
            "tsconfig.json(5,3): error TS5023: Unknown compiler option 'foo'.",
            "",
        );
        assert_eq!((f.file, f.line), (s("tsconfig.json"), Some(5)));
    }

    #[test]
    fn facts_are_capped_and_cleaned() {
        let long = "A".repeat(5000);
        let f = facts(&format!("Error: Cannot find module '{long}\u{202e}'"), "");
        assert!(
            f.module
                .as_ref()
                .is_some_and(|m| m.chars().count() <= MAX_FACT_CHARS && !m.contains('\u{202e}'))
        );
        let f = facts("KeyError: 'A B'", "os.environ");
        assert_eq!(f.variable, None);
        assert_eq!(facts("", ""), Facts::default());
    }

    /// Phrases that trigger the parsers, to be glued together at random.
    const TRIGGERS: &[&str] = &[
        "No module named '",
        "unrecognized arguments: ",
        "fixture '",
        "Unknown pytest.mark.",
        "' not found in `markers` configuration option",
        "async def functions are not natively supported",
        "Missing required plugins: ",
        "The '",
        "' distribution was not found",
        "Cannot find module ",
        "Cannot find package '",
        "unresolved import `",
        "no required module provides package ",
        "cannot find package \"",
        "package x.y does not exist",
        "NoClassDefFoundError: ",
        "cannot load such file -- ",
        "Could not find gem '",
        "Bundler::GemNotFound: Could not find ",
        ": command not found",
        "sh: 1: ",
        ": not found",
        "exec: \"",
        "env: '",
        "error while loading shared libraries: ",
        ".so.1: cannot open shared object file",
        "error CS0246: The type or namespace name '",
        "Input required and not supplied: ",
        "KeyError: '",
        "os.environ",
        "environment variable ",
        " is not set",
        " must be set",
        "Invalid URL 'https://None/",
        "host='none'",
        "os.getenv('",
        "process.env.",
        "undefined",
        "NoneType",
        "with base 10: ''",
        "E   assert ",
        " == ",
        " is ",
        ">       assert ",
        ".py:12: AssertionError",
        "Expected: ",
        "Received: ",
        "at Object.<anonymous> (",
        ":10:20)",
        "❯ ",
        "assertion `left == right` failed",
        "  left: ",
        " right: ",
        "panicked at ",
        "', src/main.rs:2:5",
        "Error Trace:",
        "expected: ",
        "actual  : ",
        "expected:<",
        "> but was:<",
        "Expected:<",
        ">. Actual:<",
        "HTTP 404",
        "status code 422",
        "returned error: ",
        "Failed to connect to ",
        " port ",
        "connect ECONNREFUSED ",
        "HTTPSConnectionPool(host='",
        "', port=",
        "dial tcp ",
        "Could not resolve host: ",
        "connection to server at \"",
        "Permission denied: '",
        "EACCES: permission denied, open '",
        ": Permission denied",
        "unix:///",
        "Resource not accessible by integration",
        "/repos/o/r/",
        "docs.github.com/rest/",
        "Permission to o/r.git denied to github-actions",
        "yaml.scanner.ScannerError",
        "in \"",
        "\", line ",
        ", column 5",
        "Invalid workflow file: ",
        "#L",
        "TOML parse error at line ",
        "failed to parse manifest at `",
        "--> ",
        "JSONDecodeError: x: line ",
        " column ",
        "tsconfig.json(",
        "SyntaxError: ",
        ".json:",
        "The SECRET_KEY setting must not be empty",
        "var_name: \"",
        "'",
        "\"",
        "`",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "\n",
        " ",
        "é",
        "\u{202e}",
        "9",
        "99999",
        "A_B",
        "x",
    ];

    proptest::proptest! {
        #[test]
        fn glued_triggers_never_panic(picks in proptest::collection::vec(0..TRIGGERS.len(), 0..24), cut in 0usize..3) {
            let text: String = picks.iter().filter_map(|i| TRIGGERS.get(*i)).copied().collect();
            let el = text.lines().nth(cut).unwrap_or("");
            let f = facts(el, &text);
            for v in [&f.module, &f.package, &f.variable, &f.file, &f.expected, &f.actual, &f.host, &f.path] {
                proptest::prop_assert!(v.as_ref().is_none_or(|v| v.chars().count() <= MAX_FACT_CHARS));
            }
        }
    }

    fn table_keys(tsv: &'static str) -> Vec<(&'static str, &'static str)> {
        rows(tsv).collect()
    }

    #[test]
    fn python_import_map_is_valid() {
        let rows = table_keys(PY_IMPORTS_TSV);
        assert!(rows.len() >= 300, "{} entries", rows.len());
        let mut seen = HashSet::new();
        let dotted =
            regex::Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$").unwrap();
        for (import, dist) in &rows {
            assert!(seen.insert(*import), "duplicate import {import}");
            assert!(dotted.is_match(import), "bad import name {import}");
            assert!(PEP508_NAME.is_match(dist), "bad distribution {dist}");
            assert!(!normalize_distribution(dist).is_empty());
        }
        for line in PY_IMPORTS_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            assert_eq!(line.split('\t').count(), 2, "malformed row {line:?}");
        }
        assert_eq!(
            normalize_distribution("Flask_SQLAlchemy"),
            "flask-sqlalchemy"
        );
        assert_eq!(normalize_distribution("ruamel.yaml"), "ruamel-yaml");
        assert!(is_curated_distribution("pyyaml") && is_curated_distribution("Pytest_Cov"));
        assert!(!is_curated_distribution("pyyaml-x"));
    }

    #[test]
    fn pytest_option_and_command_maps_are_valid() {
        let mut seen = HashSet::new();
        for (opt, plugin) in table_keys(PYTEST_OPTIONS_TSV) {
            assert!(seen.insert(opt), "duplicate option {opt}");
            assert!(
                opt.starts_with('-') && !opt.contains(char::is_whitespace),
                "bad option {opt}"
            );
            assert!(PEP508_NAME.is_match(plugin), "bad plugin {plugin}");
        }
        for table in [PYTEST_FIXTURES, PYTEST_INI_KEYS, PYTEST_MARKS, RUBY_GEMS] {
            let mut keys = HashSet::new();
            for (k, p) in table {
                assert!(keys.insert(k), "duplicate {k}");
                assert!(PEP508_NAME.is_match(p), "bad name {p}");
            }
        }
        let mut seen = HashSet::new();
        let debian = regex::Regex::new(r"^[a-z0-9][a-z0-9.+-]+$").unwrap();
        for (cmd, pkg) in table_keys(COMMANDS_TSV) {
            assert!(seen.insert(cmd), "duplicate command {cmd}");
            assert!(COMMAND_NAME.is_match(cmd), "bad command {cmd}");
            assert!(debian.is_match(pkg), "bad Debian package {pkg}");
        }
        let mut seen = HashSet::new();
        for (header, pkg) in table_keys(C_HEADERS_TSV) {
            assert!(seen.insert(header), "duplicate header {header}");
            assert!(debian.is_match(pkg), "bad Debian package {pkg}");
        }
        let mut seen = HashSet::new();
        for (cmd, pkg) in table_keys(NODE_BINS_TSV) {
            assert!(seen.insert(cmd), "duplicate bin {cmd}");
            assert!(COMMAND_NAME.is_match(cmd), "bad bin {cmd}");
            assert!(NPM_NAME.is_match(pkg), "bad npm package {pkg}");
        }
        // A bin name is not also a Debian command with another meaning.
        for (cmd, _) in table_keys(NODE_BINS_TSV) {
            assert!(!COMMANDS.contains_key(cmd), "{cmd} is in both tables");
        }
        let f = facts("sh: 1: react-scripts: not found", "");
        assert_eq!(
            (f.ecosystem, f.command, f.package),
            (s("node"), s("react-scripts"), s("react-scripts"))
        );
    }
}
