//! Extract: per failing step, the root-cause line, its number, an excerpt and
//! the command that ran.
//!
//! A failing step ends with noise: the test runner's summary, `npm ERR!` footers,
//! `Process completed with exit code 1`, the runner's cleanup. The cause sits above
//! it (`E   ModuleNotFoundError: ...`). So each line of a step's tail is first
//! checked against a list of boilerplate patterns (skipped), then scored by how
//! specific an error it is: a named exception or a known failure message beats a
//! bare `error:` prefix, which beats the word `ERROR`. The best score wins; among
//! equals, the line nearest the end (the final exception of a chained traceback).
//! Tools that spread one message over a block of prefixed lines (pytest's `E   `,
//! `npm error`) are read from the block's first strong line. Every pattern lives
//! in one `RegexSet`, compiled once, so a step costs one pass over at most
//! [`crate::ingest::TAIL_LINES`] lines.
//!
//! Which steps failed: a whole job log marks them (`##[error]`), and those marks
//! are trusted. A fragment pasted into an issue often keeps its `##[group]` lines
//! but loses the marks, and a plain tool log has none: there a step counts as
//! failed only on strong evidence, and not when its last lines report success;
//! of a fragment's steps, the last one with evidence is the failure. Structured
//! test reports are attached to the failure that names their file or test, and
//! stand on their own when the logs show nothing.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Serialize;

use crate::frames::{self, Frame};
use crate::ingest::{Line, LogBundle, StepLog, TestFailure};
use crate::pattern::{Pattern, PatternSet};

mod markerless;

/// One failing step and the line that explains it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Failure {
    pub job: String,
    pub step: String,
    /// 1-based line number of `error_line` in its source file.
    pub line: u64,
    /// The root-cause line, normalised.
    pub error_line: String,
    /// A few lines around the root cause (normalised, capped).
    pub excerpt: String,
    /// The command the step ran, when the log says.
    pub command: Option<String>,
    /// The normalised error region the classifier reads (root cause and its
    /// neighbourhood); not printed.
    #[serde(skip)]
    pub region: String,
    /// The failing test from a structured report, when one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<TestFailure>,
    /// Code locations the log shows around the root cause (traceback and
    /// stack frames outside installed libraries), in log order. Candidates
    /// only: fixers read the workspace at them.
    #[serde(skip)]
    pub frames: Vec<Frame>,
    /// The failing test the log names around the root cause (pytest node id
    /// or section title, `--- FAIL: TestX`, Jest title).
    #[serde(skip)]
    pub test_id: Option<String>,
    /// How many tests the step's own summary says failed (`51 failed`),
    /// when it says: one rewritten expectation cannot turn such a step green.
    #[serde(skip)]
    pub tests_failed: Option<u64>,
}

/// Lines of context before and after the root cause in [`Failure::excerpt`].
const EXCERPT_BEFORE: usize = 5;
const EXCERPT_AFTER: usize = 3;
const EXCERPT_MAX_BYTES: usize = 2 * 1024;
/// Lines of context before and after the root cause in [`Failure::region`].
const REGION_BEFORE: usize = 25;
const REGION_AFTER: usize = 5;
const REGION_MAX_BYTES: usize = 8 * 1024;
/// Bytes of a line that are scored.
const SCORE_MAX_BYTES: usize = 4 * 1024;
/// The root-cause line as reported.
const ERROR_LINE_MAX_BYTES: usize = 1024;
/// How far above the window an `os.getenv(...)` or `https://{HOST}` source line is
/// looked for when the error shows an unset value (`https://None/`): pytest prints
/// the test's own frame above the library frames, often a hundred lines up.
const ENV_SOURCE_LOOKBACK: usize = 400;
/// A plain log (no step markers) counts as failed only with evidence this strong:
/// an `error:` prefix or better, not the bare word `ERROR`.
const PLAIN_MIN_SCORE: u32 = 50;
/// Below this, a line is not treated as the cause of a marked failing step when a
/// structured test report has a message.
const WEAK_SCORE: u32 = 40;
/// An `E   ` line above the pick, in the same block, at least this strong is the
/// block's message.
const E_BLOCK_MIN_SCORE: u32 = 90;
/// How far above the pick the first finding of a linter's list is looked for.
const LINT_LOOKBACK: usize = 60;
/// A bare exception line after a traceback's last frame scores this.
const PY_FINAL_SCORE: u32 = 85;
/// Score lost per this many lines of distance from the end of the tail, so that a
/// stray error far above does not outrank the failure at the end.
const DISTANCE_STEP: usize = 50;

/// Lines that are never the cause: exit-code echoes, runner housekeeping and
/// test-runner or build-tool summaries that repeat a cause printed above.
static BOILERPLATE: LazyLock<PatternSet> = LazyLock::new(|| {
    PatternSet::new([
        // GitHub runner and actions toolkit.
        r"^(?:##\[error\])?(?:Error: )?Process completed with exit code -?\d+",
        r"^(?:##\[error\])?(?:Error: )?The process '.*' failed with exit code -?\d+",
        r"^Post job cleanup",
        r"^Cleaning up orphan processes",
        r"^Terminate orphan process",
        r"^##\[(?:group|endgroup|command|debug|notice|warning)\]",
        r"^\[command\]",
        r"^Evaluate and set (?:job|environment)",
        // Code frames under a message (Jest, Babel, rustc, BuildKit): source, not cause.
        r"^\s*(?:>+\s*)?\d+\s*\|(?:\s|$)",
        // A step's header and the shell's trace of a command: what ran, not what broke.
        r"^(?:Run|\$) \S",
        // GitLab's runner; other CIs' verdicts on a step (their cause is above).
        r"^(?:ERROR|WARNING): Job failed: exit code \d+",
        r"^(?:🚨 Error: The command exited with status|user command error: exit status) -?\d+$|^\^\^\^ \+\+\+$",
        r"^(?:Error: )?Exited with code (?:exit status )?-?\d+$|^CircleCI received exit code -?\d+$",
        r"^(?:Actions|Attestations|Checks|Contents|Deployments|Discussions|IdToken|Issues|Metadata|Models|Packages|Pages|PullRequests|RepositoryProjects|SecurityEvents|Statuses): (?:read|write|none)$",
        // pytest.
        r"^=+ short test summary info =+$",
        r"^=+ (?:FAILURES|ERRORS) =+$",
        r"^=+ .*\b(?:failed|passed|errors?|skipped|deselected|xfailed)\b.* in [\d.]+s(?: \([\d:]+\))? =+$",
        r"^(?:FAILED|ERROR) \S+(?: - .*)?$",
        r"^!+ .* !+$",
        r"^\d+ (?:failed|errors?)(?:, \d+ \w+)* in [\d.]+s",
        r"^Error: Tests failed",
        r"^_{3,} .* _{3,}$",
        r"^(?:_ ){5,}",
        // npm and yarn.
        r"^npm (?:ERR!|error) (?:A complete log of this run|code |errno |syscall |Lifecycle|Failed at the|This is probably not|Exit status|command failed|signal |path |A complete log|Tip:|Make sure you have|Please include the following)",
        r"^npm (?:ERR!|error)\s*$",
        r"^npm (?:ERR!|error) (?:command sh -c|command \S+$)",
        r"^error Command failed with exit code",
        r"^info Visit https://yarnpkg",
        r"^ELIFECYCLE",
        r"^\s*ELIFECYCLE\s+Command failed",
        // make, just, cargo, rustc.
        r"^error: Recipe .* failed",
        r"^make(?:\[\d+\])?: \*\*\* .*Error \d+",
        r"^\*\*\* \[.*\] Error \d+",
        r"^error: could not compile",
        r"^error: aborting due to",
        r"^For more information about (?:this|an) error, try",
        r"^Some errors have detailed explanations",
        r"^error: test failed, to rerun pass",
        r"^error: \d+ targets? failed",
        r"^test result: FAILED",
        r"^failures:$",
        r"^note: run with `RUST_BACKTRACE",
        r"^note: Some details are omitted",
        r"^warning: build failed, waiting for other jobs",
        // Go.
        r"^FAIL\s*$",
        r"^FAIL\t\S+\s+[\d.]+s$",
        r"^FAIL\t\S+ \[(?:build|setup) failed\]$",
        r"^exit status \d+$",
        // Maven and Gradle.
        r"^\[ERROR\]\s*$",
        r"^\[ERROR\] -> \[Help \d+\]",
        r"^\[ERROR\] \[Help \d+\]",
        r"^\[ERROR\] To see the full stack trace",
        r"^\[ERROR\] Re-run Maven",
        r"^\[ERROR\] For more information about the errors",
        r"^\[ERROR\] After correcting the problems",
        r"^\[ERROR\]\s+mvn <args>",
        r"^\[ERROR\] Tests run:.*Failures",
        r"^\[ERROR\] Failures:\s*$",
        r"^\[ERROR\] Errors:\s*$",
        r"^\[ERROR\] There (?:are|were) test failures",
        r"^\[ERROR\] Please refer to .* for the individual test results",
        r"^\[INFO\] BUILD FAILURE",
        r"^BUILD FAILURE",
        r"^FAILURE: Build failed with an exception",
        r"^\* What went wrong:",
        r"^\* Try:",
        r"^> Run with --(?:stacktrace|info|debug|scan)",
        r"^> (?:Check your code|Get more help|Try:)",
        r"^BUILD FAILED in",
        r"^\* Get more help at",
        // Jest, Vitest, RSpec, Mocha summaries.
        r"^Test Suites: ",
        r"^Tests: +\d+",
        r"^Snapshots: ",
        r"^Time: +[\d.]+",
        r"^Ran all test suites",
        r"^\s*Test Files\s+\d+ failed",
        r"^\s*Tests\s+\d+ failed",
        r"^Failed examples:",
        r"^\d+ examples?, \d+ failures?",
        r"^\d+ passing \(",
        r"^\d+ failing$",
        // Generic.
        r"^Error: Command failed",
        r"^Error: The operation was canceled",
        r"^Error: Process completed",
        r"^Oops! Something went wrong",
        r"^Found \d+ errors? in \d+ files?",
        r"^\s*at (?:async )?\S.*(?:\)|:\d+)$",
        r"^npm (?:ERR!|error) (?:To see a list of scripts|\s+npm run|Run \x22npm help|Did you mean)",
        r"^(?:error: metadata-generation-failed|× Encountered error while|╰─> See above for output|note: This (?:is an issue with the package|error originates from a subprocess)|hint: See above for)",
        r"^\s*(?:code|errno|syscall|path|dest|address|port): ['\d-]",
        r"^(?:Error: buildx failed with: )?(?:ERROR: )?failed to solve: process .* did not complete successfully",
        r"^> Task :\S+ FAILED$",
        r"^ERROR: pip's dependency resolver does not currently take into account",
        r"^Caused by:$",
        r"^npm (?:ERR!|error) network (?:This is a problem related to network|In most cases you are behind a proxy|If you are behind a proxy|'proxy' config|and make sure)",
        r"^The build failed\. Fix the build errors",
        r"^If you still have problems, please stop by",
    ])
});

/// Prefixes other tools put before each line: BuildKit's `#8 2.345 `, Compose's
/// `api-1  | `, Jenkins' and loggers' clock times and dates.
static LINE_PREFIX: Pattern = Pattern::new(
    r"^(?:\s*[│╷╵]\s*|remote: |#\d+ \d+\.\d+ |[a-z0-9][\w.-]*-\d+\s+\| |\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[\d.,]*Z?\s+(?:-\s+)?|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)? |\[?\d\d?:\d\d:\d\d(?:\.\d+)?(?: [AP]M)?\]?\s+)+",
);

/// Lines that only warn: never a cause, whatever words they contain.
static WARNING: Pattern = Pattern::new(
    r"^(?:\w*Warning:|\S+:\d+: \w*Warning:|[^\s:]+:\d+:\d+: warning:|##\[warning\]|warning(?:\[\w+\])?:|npm WARN|npm warn|WARNING:|WARN\b|\[WARNING\]|\[WARN\]|.*\bDeprecationWarning\b|.*PytestConfigWarning)",
);

/// Candidate patterns with their score: the more specific the higher.
const PATTERNS: &[(&str, u32)] = &[
    // pytest `E   ` lines carrying an exception or an assertion.
    (
        r"^E\s+(?:[\w.]+\.)?\w*(?:Error|Exception|Exit|Interrupt|Warning|NotFound\w*)\b",
        100,
    ),
    (r"^E\s+assert\b", 100),
    // A project's own exception class (`E   app.stock.InsufficientStock: ...`).
    (r"^E\s+(?:[a-z_]\w*\.)*[A-Z]\w*: \S", 92),
    (r"^E\s+(?:Failed|DID NOT RAISE|failed)\b", 90),
    // Missing dependencies.
    (r"ModuleNotFoundError:|No module named", 96),
    (r"DistributionNotFound|PackageNotFoundError", 95),
    (r"unrecognized arguments:", 95),
    (r"Cannot find (?:module|package) '", 96),
    (r"ERR_MODULE_NOT_FOUND", 94),
    (r"^error\[E04(?:32|33|63)\]", 96),
    (r"can't find crate for", 96),
    (
        r"no required module provides package|cannot find package|is not in (?:GOROOT|std)",
        95,
    ),
    (r"package [\w.]+ does not exist", 95),
    (r"ClassNotFoundException|NoClassDefFoundError", 92),
    (r"cannot load such file|LoadError", 94),
    (
        r"Gem::MissingSpecError|Bundler::GemNotFound|Could not find gem",
        94,
    ),
    (
        r"command not found|: not found$|executable file not found",
        95,
    ),
    (r"error while loading shared libraries", 95),
    (r"No matching distribution found", 94),
    // Environment and action inputs.
    (r"Input required and not supplied", 97),
    (
        r"(?i)\benv(?:ironment)? var(?:iable)?s? .*\b(?:not set|was not set|not found|required|missing|undefined|not defined|must be set|is empty)",
        95,
    ),
    (
        r"\b[A-Z][A-Z0-9_]+ (?:must be set|is not set|is required|not set|is not defined|is undefined|is missing|is empty)\b",
        90,
    ),
    (r"Invalid URL '", 93),
    (
        r"Unable to locate credentials|credentials? (?:not found|were not found)",
        90,
    ),
    // GitHub token permissions.
    (r"Resource not accessible by integration", 97),
    (r"Permission to \S+ denied to", 97),
    (r"Write access to repository not granted", 95),
    // Network.
    (r"ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND", 93),
    (
        r"(?i)connection refused|connection reset|connection timed out",
        90,
    ),
    (
        r"Could not resolve host|Failed to connect to|Name or service not known|Temporary failure in name resolution",
        93,
    ),
    (
        r"(?i)\b(?:read|connect|i/o|tls handshake|operation) timed? ?out\b|\btimed out\b|Timeout(?:Error|Exception)",
        85,
    ),
    (
        r"context deadline exceeded|Client\.Timeout exceeded|deadline_exceeded|i/o timeout",
        90,
    ),
    (r"(?:HTTPS?ConnectionPool|Max retries exceeded)", 92),
    (
        r"\b(?:502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out|429 Too Many Requests)",
        88,
    ),
    // Permissions on files and sockets.
    (r"PermissionError|EACCES|EPERM\b", 94),
    (r"(?i)permission denied|operation not permitted", 88),
    // Configuration files.
    (r"Invalid workflow file|The workflow is not valid", 97),
    (
        r"yaml\.\w+\.\w+Error|YAMLException|YAMLError|error converting YAML",
        95,
    ),
    (
        r"TOML parse error|TOMLDecodeError|failed to parse manifest",
        95,
    ),
    (
        r"JSONDecodeError|JSON\.parse|Unexpected token .* in JSON|is not valid JSON|\bin JSON at position \d+",
        93,
    ),
    (
        r"(?:expected|trailing comma|EOF while parsing|key must be a string).* at line \d+ column \d+",
        92,
    ),
    // Assertions.
    (r"^\s*Expected:? ", 88),
    (r"^\s*Received:? ", 80),
    (r"expected:<.*> but was:<", 93),
    (r"panicked at", 90),
    (
        r"assertion `?\(?left == right\)?`? failed|assertion failed",
        91,
    ),
    (r"^\s*Error:\s+Not equal", 92),
    (r"^\s*Error:\s+\S", 70),
    (r"^\s*Error Trace:", 75),
    (r"^--- FAIL", 60),
    // A Go test's own message (`t.Errorf`), indented under `--- FAIL:`.
    (r"^\s+[\w./-]+_test\.go:\d+: \S", 82),
    (r"AssertionError", 90),
    (r"^\s*assert .*(?:==|!=| is | in )", 85),
    (r"^\s*● ", 60),
    (r"Failure/Error:|Failed asserting that", 88),
    (
        r"AssertionFailedError|ComparisonFailure|AssertionFailure",
        90,
    ),
    // Crashes and the runner giving up: causes of their own (`other`).
    (
        r"Segmentation fault|core dumped|SIGSEGV|SIGABRT|Illegal instruction",
        85,
    ),
    (
        r"(?i)out of memory|OOMKilled|heap out of memory|MemoryError|Cannot allocate memory",
        88,
    ),
    (r"No space left on device", 92),
    (
        r"has exceeded the maximum execution time|The (?:job|operation) was canceled",
        70,
    ),
    (r"^Killed$|Process completed with exit code 137", 60),
    // bash reporting a child killed by a signal: `script.sh: line 3: 4187 Killed  cmd`.
    (
        r": line \d+: +\d+ (?:Killed|Segmentation fault|Aborted)\b",
        88,
    ),
    // Compilers, linters and type checkers: `file:line:col: code message`.
    (r"\(\d+,\d+\): error TS\d+", 70),
    (r"^\s*\d+:\d+\s+error\s", 65),
    (
        r"^\S+\.(?:py|rb|go|js|ts|c|h|cpp|java|kt|swift|php):\d+:\d+: (?:[EWFC]\d*|[A-Z]{1,3}\d{2,4}|undefined|cannot|syntax)",
        62,
    ),
    (r"- error TS\d+|\berror TS\d+|^\s*TS\d{4}:", 70),
    (
        r"^\s*[\w./\\-]+\.(?:go|py|rb|js|jsx|ts|tsx|c|h|cc|cpp|java|kt|rs|php|cs|swift|scala):\d+(?::\d+)?:? ",
        52,
    ),
    // Build tools that explain below a header: Gradle's `> cause`, Go's `go: ...`.
    (
        r"^> .*(?:not found|failed|[Ee]rror|Could not|cannot|does not|is not|missing|[Ii]nvalid|denied)",
        78,
    ),
    (
        r"^(?:A problem occurred|Could not resolve all|Execution failed for task|Could not find [\w.:-]+\.)",
        75,
    ),
    (
        r"^go: .*(?:error|cannot|not found|invalid|missing|unknown|no such|no \w+ declaration|malformed)",
        72,
    ),
    (
        r"(?i)errors? parsing|\binvalid (?:go version|version|value|syntax|character|type|key|option|escape)",
        70,
    ),
    (r"\bHTTP [45]\d\d\b|Bad credentials|\bdenied: ", 78),
    (r"^panic: ", 85),
    (r"^goroutine \d+ \[running\]", 40),
    (r"\bERROR in ", 60),
    (r"\bKilled$|exit code 137", 60),
    (r"\b[A-Z][\w.]*(?:Error|Exception): ", 75),
    (
        r"^E\s+fixture '.*' not found|not found in `markers` configuration option|Unknown config option",
        95,
    ),
    (
        r"^Invalid requirement|InvalidRequirement|InvalidVersion|is not a valid operator",
        88,
    ),
    (
        r"No valid credential sources|NoCredentialsError|Bad credentials|Invalid or non-existent authentication",
        90,
    ),
    (
        r"\b(?:401|403) (?:Forbidden|Unauthorized|Invalid|Client Error)|(?i)access (?:was )?denied",
        85,
    ),
    (
        r"Temporary failure resolving|Could not resolve '|Failed to fetch .*(?:resolv|timed out|Connection)",
        93,
    ),
    (r"\bSC\d{4}\b", 60),
    (r"Assert\.\w+ failed|Expected:<.*>\.? Actual:<", 92),
    (
        r"\berror CS\d{4}|\berror NU\d{4}|\berror MSB\d{4}|\berror NETSDK\d{4}",
        70,
    ),
    // PHP, Kotlin, pre-commit, pydantic settings, Surefire 2's summary of failures.
    (
        r"PHP (?:Fatal|Parse) error:|\bUncaught (?:Error|Exception)\b",
        85,
    ),
    (r"^e: (?:file://)?\S+\.kts?:", 80),
    (r"^An error has occurred: \w", 80),
    (r"\b\d+ validation errors? for \w+", 85),
    (r"^(?:Failed tests|Tests in error):\s+\S", 86),
    // Ruby's namespaced exceptions (`Net::OpenTimeout: execution expired`).
    (
        r"^(?:[A-Z]\w*::)+[A-Z]\w*(?:Error|Exception|Timeout|Invalid\w*|NotFound\w*)?: \S",
        80,
    ),
    (
        r"\bNet::(?:Open|Read)Timeout\b|\bErrno::E(?:CONNREFUSED|TIMEDOUT|HOSTUNREACH|CONNRESET)\b",
        92,
    ),
    // Bundler's header above its explanation.
    (r"Could not find compatible versions", 88),
    (r"version solving has failed", 86),
    (r"npm (?:ERR!|error) need auth|\bENEEDAUTH\b", 88),
    (
        r"Unable to resolve action|Failed to download action|does not indicate success|An action could not be found at the URI",
        88,
    ),
    (r"::error(?: [^:]*)?::", 80),
    (r"^\s*status: [45]\d\d,?$", 60),
    (
        r"couldn't find the config .* to extend from|Failed to load (?:config|plugin)",
        88,
    ),
    (r"\+ expected - actual|expected \d{3} \S.*, got \d{3}", 88),
    (r"^[a-z_]+(?:\.[a-z_]+)+\.[A-Z]\w+:(?: |$)", 80),
    (
        r"must not be empty|must be (?:set|provided|configured|specified)",
        80,
    ),
    (
        r"(?i)\bno \S.*\b(?:env(?:ironment)? variable|token|secret)\b.* (?:was|is|were) (?:set|provided|given|found)\b",
        90,
    ),
    (r"^[A-Z][a-z]+(?:[A-Z][a-z]+)+: \S", 60),
    (r"^\s*(?:Error|ERROR|error)\b[ :]", 55),
    (r"^E: ", 60),
    (
        r"^[\w./-]+\.(?:ya?ml|toml|json|tf|hcl|ini|cfg|xml):\d+(?::\d+)?:? ",
        70,
    ),
    (r"^invalid config:|^\[FATAL\]|Non-parseable POM", 80),
    (r"missing go\.sum entry", 90),
    (r"^\s*-->\s+\S+:\d+:\d+", 55),
    (r"^[A-Z]{1,3}\d{3,4} ", 62),
    (r"^Found \d+ errors?\b", 50),
    (r"^\d+ error ", 55),
    (r": unbound variable$|: parameter null or not set$", 95),
    (
        r"No rule to make target|No targets specified and no makefile found|\*\*\* missing separator",
        90,
    ),
    (
        r"Configuration for rule .* is invalid|is invalid because|There was an error parsing|ParsingError|DuplicateOptionError|Missing script:",
        88,
    ),
    (r"^\s*Cause: \S", 80),
    (r"^parse error: .* at line \d+", 88),
    (
        r"\bNotPresent\b|kind: Empty|(?:username|password|token) is empty|key not found: \x22",
        88,
    ),
    (r"called `(?:Result|Option)::(?:unwrap|expect)\(\)`", 92),
    (r"requires superuser privilege|Could not open lock file", 90),
    (
        r"is required but not installed|Unable to locate executable file|no such module '|error NU1101|in the \w+ option was not found|Failed opening required",
        92,
    ),
    (r"(?i)no such file or directory", 60),
    (r"cannot find -l[\w.+-]+", 92),
    (r"^Expecting .*: line \d+ column \d+", 88),
    // Python's JSON decoder: `Extra data: line 4 column 1 (char 13)`.
    (r": line \d+ column \d+ \(char \d+\)$", 88),
    // `tool: error: message` (mypy on a path, psql, argparse).
    (r"^[\w./-]+: error: \S", 62),
    (r"^[\w./-]+:\d+: \*\*\* ", 90),
    (r": line \d+: (?:syntax error|unexpected EOF)", 88),
    (r"^curl: \(\d+\) \S", 88),
    // Go's net/http and net errors (`Get "http://x/": EOF`, `dial tcp: lookup db`).
    (
        r#"^(?:Get|Post|Put|Patch|Delete|Head) "https?://[^"]+": \S"#,
        85,
    ),
    (
        r"\bdial (?:tcp|udp)\b.*: |network is unreachable|no route to host",
        88,
    ),
    (
        r"changed significantly since poetry\.lock|poetry\.lock is not consistent",
        88,
    ),
    (r"Test environment .* cannot be found", 90),
    (r"\bERR_PNPM_[A-Z_]+\b", 88),
    // Formatters in check mode: rustfmt, black, Prettier.
    (
        r"^Diff in \S+ at line \d+:|^would reformat \S|Code style issues found in",
        60,
    ),
    (r"Exceeded timeout of \d+ ms for a (?:test|hook)", 85),
    (
        r"\((?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception|NotFound\w*)\)$",
        85,
    ),
    (r"Unable to connect to ", 85),
    // The server's reason above git's one-line verdict.
    (r"GH006|GH013|Protected branch update failed", 90),
    (r"! \[remote rejected\]", 86),
    (r"\bfatal error:|internal compiler error", 75),
    (
        r"CMake Error|Could not find a package configuration file provided by",
        85,
    ),
    (r"^\s*But was:", 85),
    (r"^\s*statusCode: [45]\d\d", 60),
    (
        r"Unprocessable Entity|Validation Failed|returned error: [45]\d\d",
        85,
    ),
    // Named exceptions and generic prefixes.
    (
        r"^\s*(?:[\w$]+\.)*[\w$]*(?:Error|Exception|Exit)\b(?::|$)",
        85,
    ),
    (r"Exception in thread|^Caused by: \S", 84),
    (r"npm (?:ERR!|error) 40\d", 90),
    (r"npm (?:ERR!|error) ", 55),
    (r"^\s*(?:error|Error|ERROR)(?:\[[\w-]+\])?\s*:\s*\S", 60),
    (r"^\s*(?:fatal|FATAL|Fatal)(?:\s*error)?\s*:\s*\S", 60),
    (r"^\s*(?:FATAL|PANIC|CRITICAL)\b", 55),
    (r"^\[ERROR\] ", 55),
    (r"^\S+\.\w+:\d+:(?:\d+:)? (?:error|fatal)", 65),
    (r"^\S+:\d+: \w*(?:Error|Exception)$", 50),
    (r"^Traceback \(most recent call last\)", 40),
    (r"^\s*FAIL\b", 35),
    (r"\bERROR\b", 30),
    (r"(?i)(?:^|[^\w-])error(?:[^\w-]|$)", 20),
    (r"(?i)(?:^|[^\w-])fail(?:ed|ure)?(?:[^\w-]|$)", 15),
];

static SCORES: LazyLock<(PatternSet, Vec<u32>)> = LazyLock::new(|| {
    let set = PatternSet::new(PATTERNS.iter().map(|(p, _)| *p));
    (set, PATTERNS.iter().map(|(_, s)| *s).collect())
});

/// A clear success summary at the end of a plain log: its errors were tolerated.
static SUCCESS_END: Pattern = Pattern::new(
    r"^(?:=+ (?:\d+ (?:passed|skipped|deselected|xfailed|xpassed|warnings?)(?:, )?)+ in [\d.]+s|test result: ok\.|\[INFO\] BUILD SUCCESS|BUILD SUCCESSFUL|Tests: +(?:\d+ (?:skipped|todo), )*\d+ passed, \d+ total|ok\s+\S+\s+[\d.]+s|PASS$|\d+ examples?, 0 failures$|All checks passed|Success: no issues found|Finished `?\w+`? profile|found 0 vulnerabilities)",
);

/// The last line of a Python traceback: an exception name, maybe dotted, maybe
/// with a message.
static PY_FINAL: Pattern = Pattern::new(r"^(?:[a-z_]\w*\.)*[A-Z]\w*(?::(?: .*)?)?$");

/// A linter, type checker or javac finding: `path/file.ext:line[:col]: message`,
/// tsc's `file.ts(line,col): error` and `file.ts:line:col - error`, ESLint's
/// `  line:col  error  message` under its file name, rustfmt's and black's files.
static LINT_LOCATION: Pattern = Pattern::new(
    r"^(?:(?:[A-Za-z]:)?[\w./\\-]+\.\w{1,5}(?::\d+(?::\d+)?: \S|\(\d+,\d+\): error|:\d+:\d+ - error)|\s+\d+:\d+\s+error\s|Diff in \S+ at line \d+:|would reformat \S)",
);

/// A rustc or clippy diagnostic header: `error: message`, `error[E0308]: message`.
static RUST_DIAGNOSTIC: Pattern = Pattern::new(r"^error(?:\[\w+\])?: \S");

/// A test runner's one-line summary of a failure that carries its message:
/// pytest's `FAILED tests/x.py::t - AssertionError: ...`.
static SUMMARY_WITH_MESSAGE: Pattern = Pattern::new(r"^(?:FAILED|ERROR) \S+ - \S");

/// The runner's last words on a finished job.
static RUNNER_END: Pattern = Pattern::new(
    r"^(?:Cleaning up orphan processes|Evaluate and set job outputs|Job completed|Finishing: SUCCESS)",
);

/// The runner's verdict on a step, kept as text when the marker was lost.
static FAILED_EXIT: Pattern =
    Pattern::new(r"^(?:##\[error\])?(?:Error: )?Process completed with exit code [1-9]\d*\.?$");

/// An error that shows a value that was never set (`https://None/`, `host='none'`).
static UNSET_VALUE: Pattern = Pattern::new(
    r"(?i)(?:://|host=')(?:none|undefined|null)\b|resolve (?:host: )?'?(?:none|undefined|null)\b|\b(?:None|undefined)\b|with base 10: ''",
);

/// A failure count or verdict among the last lines: the run did not pass.
static FAILURE_END: Pattern = Pattern::new(
    r"\b[1-9]\d* (?:failed|failures?|errors?)\b|\bFAILED\b|^FAIL\b|\b[1-9]\d* failing\b",
);

/// Source lines that read an environment variable, or build a URL from a name.
static ENV_SOURCE: Pattern =
    Pattern::new(r"getenv\(|environ\.get\(|environ\[|process\.env\b|ENV\[|ENV\.fetch|://\$?\{");

/// Failures kept per run at most; the rest are counted.
pub const MAX_RUN_FAILURES: usize = 5_000;
/// Bytes the kept failures may hold together (their text and bookkeeping).
const MAX_FAILURE_BYTES: usize = 48 << 20;

/// Every failing step in order (job order, then step order). The first is the
/// primary failure. Empty when nothing failed.
pub fn failures(bundle: &LogBundle) -> Vec<Failure> {
    failures_within(bundle, MAX_RUN_FAILURES).0
}

/// [`failures`], keeping at most `max` (and [`MAX_FAILURE_BYTES`]); the
/// second value counts the failing steps or tests not kept.
pub fn failures_within(bundle: &LogBundle, max: usize) -> (Vec<Failure>, usize) {
    let mut out = Vec::new();
    let mut omitted = 0;
    let mut bytes = 0;
    let trust = trust_markers(bundle);
    let full = |out: &Vec<Failure>, bytes: usize| out.len() >= max || bytes > MAX_FAILURE_BYTES;
    for job in &bundle.jobs {
        if full(&out, bytes) {
            omitted += job.steps.iter().filter(|s| s.failed == Some(true)).count();
            continue;
        }
        let mut judged: Option<Failure> = None;
        for step in &job.steps {
            match step.failed {
                Some(false) if trust => {}
                // A fragment without verdicts stops where it failed: of the steps
                // with evidence, the last one is the failure.
                Some(false) | None => {
                    if let Some(f) = step_failure(&job.name, step, None) {
                        judged = Some(f);
                    }
                }
                Some(true) if full(&out, bytes) => omitted += 1,
                Some(true) => match step_failure(&job.name, step, Some(true)) {
                    Some(f) => {
                        bytes += failure_bytes(&f);
                        out.push(f);
                    }
                    // Its lines were dropped by the run's memory budget.
                    None if trimmed(step) => omitted += 1,
                    None => {}
                },
            }
        }
        if let Some(f) = judged {
            if full(&out, bytes) {
                omitted += 1;
            } else {
                bytes += failure_bytes(&f);
                out.push(f);
            }
        }
    }
    let mut used = vec![false; bundle.tests.len()];
    for f in &mut out {
        if let Some(i) = matching_test(f, &bundle.tests, &used) {
            used[i] = true;
            let t = &bundle.tests[i];
            if f.error_line.is_empty() || is_weak(f) {
                f.error_line = cap(first_line(&t.message), ERROR_LINE_MAX_BYTES);
                if let Some(n) = t.line {
                    f.line = n;
                }
                f.region = cap(
                    &format!("{}\n{}\n{}", f.region, t.message, t.details),
                    REGION_MAX_BYTES,
                );
            }
            f.test = Some(t.clone());
        }
    }
    if out.is_empty() {
        for t in &bundle.tests {
            if full(&out, bytes) {
                omitted += 1;
                continue;
            }
            let f = test_failure(t);
            bytes += failure_bytes(&f);
            out.push(f);
        }
    }
    (out, omitted)
}

/// A step with lines of which none was kept: ingest's budget emptied it.
fn trimmed(step: &StepLog) -> bool {
    step.line_count > 0 && step.tail.is_empty() && step.errors.is_empty()
}

/// What a kept failure costs: its text and its bookkeeping.
fn failure_bytes(f: &Failure) -> usize {
    let test = f.test.as_ref().map_or(0, |t| {
        t.name.len() + t.message.len() + t.details.len() + t.source.len()
    });
    std::mem::size_of::<Failure>()
        + f.job.len()
        + f.step.len()
        + f.error_line.len()
        + f.excerpt.len()
        + f.command.as_ref().map_or(0, String::len)
        + f.region.len()
        + test
}

/// A failure built from a structured test report alone (an artifact of JUnit XML).
fn test_failure(t: &TestFailure) -> Failure {
    let message = if t.message.trim().is_empty() {
        first_line(&t.details)
    } else {
        first_line(&t.message)
    };
    Failure {
        job: t.source.clone(),
        step: t.name.clone(),
        line: t.line.unwrap_or(0),
        error_line: cap(message, ERROR_LINE_MAX_BYTES),
        excerpt: cap(&t.details, EXCERPT_MAX_BYTES),
        command: None,
        region: cap(&format!("{}\n{}", t.message, t.details), REGION_MAX_BYTES),
        test: Some(t.clone()),
        frames: frames::frames(t.details.lines()),
        test_id: Some(t.name.clone()).filter(|n| !n.is_empty()),
        tests_failed: None,
    }
}

fn first_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Whether the failure's error line is only a last-resort pick.
fn is_weak(f: &Failure) -> bool {
    score(&f.error_line) < WEAK_SCORE
}

/// The first unused test report whose file or test name appears in the failure.
fn matching_test(f: &Failure, tests: &[TestFailure], used: &[bool]) -> Option<usize> {
    tests.iter().enumerate().position(|(i, t)| {
        if used.get(i).copied().unwrap_or(true) {
            return false;
        }
        let short = t
            .name
            .rsplit([':', '.', ' '])
            .find(|s| !s.is_empty())
            .unwrap_or("");
        let file_hit = t
            .file
            .as_deref()
            .is_some_and(|p| !p.is_empty() && f.region.contains(p));
        let name_hit = short.len() >= 3 && f.region.contains(short);
        file_hit || name_hit
    })
}

/// The text used to match and score a tail line: the annotation marker removed.
fn clean(text: &str) -> &str {
    let t = text.trim_end();
    t.strip_prefix("##[error]").unwrap_or(t)
}

/// A line's score: 0 for boilerplate, warnings and lines without error evidence.
fn score(text: &str) -> u32 {
    // The cause is stated at the start of a line; a 64 KiB line is mostly payload.
    let t = floor(clean(text), SCORE_MAX_BYTES);
    // Other runners' and tools' line prefixes hide the start of the message.
    let t = match LINE_PREFIX.find(t) {
        Some(m) => t.get(m.end()..).unwrap_or(t),
        None => t,
    };
    let trimmed = t.trim_start();
    // `set -x` traces (`+ cmd`, `++ cmd`) quote commands; Mocha's diff header
    // `+ expected - actual` is not one.
    let traced = t.starts_with("+ ") || t.starts_with("++ ");
    if traced && !t.starts_with("+ expected - actual") {
        return 0;
    }
    if trimmed.is_empty()
        || BOILERPLATE.is_match(trimmed)
        || BOILERPLATE.is_match(t)
        || WARNING.is_match(trimmed)
    {
        return 0;
    }
    // The highest score of the patterns that match: tried from the highest
    // down, so the generic low scorers are rarely compiled or run.
    let (set, scores) = &*SCORES;
    let mut cand = set.candidates(t);
    cand.sort_by_key(|&i| std::cmp::Reverse(scores.get(i).copied().unwrap_or(0)));
    cand.into_iter()
        .find(|&i| set.is_match_one(i, t))
        .and_then(|i| scores.get(i).copied())
        .unwrap_or(0)
}

#[derive(Clone, Copy)]
struct Pick {
    /// Index into the candidate list.
    index: usize,
    score: u32,
}

/// Whether a step without `##[error]` really passed. A whole job log marks every
/// failing step, and ends with the runner's cleanup; a fragment pasted into an
/// issue often keeps a `##[group]` line but loses the `##[error]` one, so its
/// steps are judged by their evidence like a plain log.
fn trust_markers(bundle: &LogBundle) -> bool {
    let steps = || bundle.jobs.iter().flat_map(|j| &j.steps);
    steps().any(|s| s.failed == Some(true))
        || steps().any(|s| {
            s.name == "Complete job"
                || s.name.starts_with("Post ")
                || s.tail
                    .iter()
                    .rev()
                    .take(20)
                    .any(|l| RUNNER_END.is_match(&l.text))
        })
}

fn step_failure(job: &str, step: &StepLog, failed: Option<bool>) -> Option<Failure> {
    if failed == Some(false) {
        return None;
    }
    // Candidates: the tail, plus annotations that sit above it (the tail is the last
    // lines only); both in line order.
    let mut lines: Vec<&Line> = step.tail.iter().collect();
    let tail_numbers: HashSet<u64> = step.tail.iter().map(|l| l.number).collect();
    let annotation_numbers: HashSet<u64> = step.errors.iter().map(|l| l.number).collect();
    let extra: Vec<&Line> = step
        .errors
        .iter()
        .filter(|l| !tail_numbers.contains(&l.number))
        .collect();
    if !extra.is_empty() {
        lines.extend(extra);
        lines.sort_by_key(|l| l.number);
    }
    let pick = best_line(&lines, &annotation_numbers);
    // A plain log that kept the runner's verdict failed whatever its evidence.
    let failed = failed.or_else(|| {
        lines
            .iter()
            .rev()
            .take(5)
            .any(|l| FAILED_EXIT.is_match(&l.text))
            .then_some(true)
    });
    // Another CI's verdict: failed, but its cause is found like a plain log's.
    let foreign_verdict = failed.is_none() && markerless::verdict(&lines);
    match failed {
        None => {
            let index = match pick.filter(|p| p.score >= PLAIN_MIN_SCORE) {
                Some(p) => p.index,
                // A test summary naming a failure is evidence on its own.
                None => match lines
                    .iter()
                    .position(|l| SUMMARY_WITH_MESSAGE.is_match(&l.text))
                {
                    Some(i) => i,
                    // No line the scorer trusts: the failure's own evidence.
                    None => markerless::root(&lines)?,
                },
            };
            if !foreign_verdict && ends_clean(&lines) {
                return None;
            }
            let mut f = build(job, step, &lines, index);
            // Another CI's step header names the step a plain stream lacks.
            if step.name.is_empty()
                && let Some(name) = markerless::section(&lines, index)
            {
                f.step = name;
            }
            Some(f)
        }
        _ => match pick {
            Some(p) => Some(build(job, step, &lines, p.index)),
            None => Some(last_resort(job, step, &lines)),
        },
    }
}

/// The best-scoring line, scanning from the bottom up so that equals resolve to
/// the lowest; far-away lines lose a little.
fn best_line(lines: &[&Line], annotation_numbers: &HashSet<u64>) -> Option<Pick> {
    let n = lines.len();
    let mut best: Option<(i64, Pick)> = None;
    let traceback = lines
        .iter()
        .position(|l| l.text.starts_with("Traceback (most recent call last)"));
    for (index, line) in lines.iter().enumerate().rev() {
        let mut s = score(&line.text);
        // A bare exception name closing a Python traceback (`StopIteration`).
        if s < PY_FINAL_SCORE
            && traceback.is_some_and(|t| t < index)
            && index > 0
            && lines[index - 1].text.starts_with(' ')
            && PY_FINAL.is_match(&line.text)
        {
            s = PY_FINAL_SCORE;
        }
        if s == 0 {
            continue;
        }
        if is_echo(lines, index, annotation_numbers) {
            continue;
        }
        let distance = (n - 1 - index) / DISTANCE_STEP;
        let adjusted = i64::from(s) - distance as i64;
        // A message printed again below is reported where it first appeared: an
        // action's closing annotation, BuildKit's excerpt of a failed step. A
        // chained traceback's final exception is not a re-print: it names a type.
        let first_print = |(_, p): &(i64, Pick)| {
            s >= p.score
                && lines.get(p.index).is_some_and(|b| {
                    let annotation =
                        b.text.starts_with("##[error]") || annotation_numbers.contains(&b.number);
                    (annotation && repeats(&b.text, &line.text)) || reprints(&b.text, &line.text)
                })
        };
        if best
            .as_ref()
            .is_none_or(|b| adjusted > b.0 || first_print(b))
        {
            best = Some((adjusted, Pick { index, score: s }));
        }
    }
    best.map(|(_, p)| top_of_block(lines, p))
}

/// Whether `above` states the message of `below`: the text after `below`'s last
/// `: ` (an error's message without its type or prefixes), when long enough to be
/// specific, appears in `above` as text rather than as a quoted string in code.
fn repeats(below: &str, above: &str) -> bool {
    const MIN_CORE: usize = 20;
    let t = clean(below).trim();
    let core = t
        .rsplit(": ")
        .next()
        .unwrap_or(t)
        .trim_matches(|c: char| !c.is_alphanumeric());
    if core.len() < MIN_CORE || above.len() < core.len() || above == below {
        return false;
    }
    above.match_indices(core).any(|(at, _)| {
        !matches!(
            above.get(..at).and_then(|b| b.chars().next_back()),
            Some('"' | '\'' | '`')
        )
    })
}

/// Whether `below` is `above` again, maybe with less of a prefix (MSBuild's
/// summary repeating its errors, BuildKit's `#8 2.312 ` becoming `2.312 `).
fn reprints(below: &str, above: &str) -> bool {
    let b = below.trim();
    b.len() >= 20 && above.trim_end().ends_with(b)
}

/// Tools that print one message over several prefixed lines put its point first:
/// pytest's `E   ` block (`E   AssertionError: set REDIS_URL` above `E   assert None
/// is not None`) and npm's (`npm error The npm ci command can only install...`
/// above its continuation lines). The first strong line of the block wins.
fn top_of_block(lines: &[&Line], pick: Pick) -> Pick {
    let Some(text) = lines.get(pick.index).map(|l| l.text.as_str()) else {
        return pick;
    };
    // Rust prints a panic's message on the line after `panicked at file:line:col:`.
    if text.contains("panicked at ")
        && text.ends_with(':')
        && let Some(next) = lines.get(pick.index + 1)
        && !next.text.trim().is_empty()
        && !next.text.starts_with("note:")
    {
        return Pick {
            index: pick.index + 1,
            score: pick.score,
        };
    }
    // Jest titles a failure `● suite › test` and prints its message below.
    if text.trim_start().starts_with("● ") {
        let below = (pick.index + 1..(pick.index + 4).min(lines.len()))
            .find(|&i| lines.get(i).is_some_and(|l| !l.text.trim().is_empty()));
        if let Some(index) = below
            && lines
                .get(index)
                .is_some_and(|l| !l.text.trim_start().starts_with("at "))
        {
            return Pick {
                index,
                score: pick.score,
            };
        }
        return pick;
    }
    // A linter or compiler lists its findings (`file:line:col: message`, or rustc's
    // `error: message` over ` --> file:line:col`), each maybe followed by a code
    // snippet: the first finding of the list is the one to report, as people and
    // tools (the first annotation, `--max-errors 1`) read it.
    if is_finding(lines, pick.index) {
        let from = pick.index.saturating_sub(LINT_LOOKBACK);
        let first = (from..pick.index).find(|&i| {
            is_finding(lines, i) && lines.get(i).is_some_and(|l| score(&l.text) == pick.score)
        });
        return first.map_or(pick, |index| Pick {
            index,
            score: pick.score,
        });
    }
    let (prefix, min) = if text.starts_with("E ") {
        ("E ", E_BLOCK_MIN_SCORE)
    } else if let Some(p) = ["npm ERR! ", "npm error "]
        .into_iter()
        .find(|p| text.starts_with(p))
    {
        (p, pick.score)
    } else {
        return pick;
    };
    let mut best = pick;
    let mut i = best.index;
    // npm separates the paragraphs of its message with bare `npm error` lines.
    let marker = prefix.trim_end();
    while i > 0 && lines.get(i - 1).is_some_and(|l| l.text.starts_with(marker)) {
        i -= 1;
        let s = lines.get(i).map_or(0, |l| score(&l.text));
        if s >= min {
            best = Pick { index: i, score: s };
        }
    }
    best
}

/// Whether a line opens one finding of a list: `file:line:col: message`, or a
/// rustc-style `error: message` whose next lines point at ` --> file:line:col`.
fn is_finding(lines: &[&Line], index: usize) -> bool {
    let Some(line) = lines.get(index) else {
        return false;
    };
    // Tools that print GitHub's `::error::` commands show up as annotations.
    let text = clean(&line.text);
    if LINT_LOCATION.is_match(text) {
        return true;
    }
    RUST_DIAGNOSTIC.is_match(text)
        && lines
            .iter()
            .skip(index + 1)
            .take(2)
            .any(|l| l.text.trim_start().starts_with("--> "))
}

/// An `##[error]` annotation (or a line that only re-prints one) whose text already
/// appears on a line above it: the runner echoing the cause.
fn is_echo(lines: &[&Line], index: usize, annotation_numbers: &HashSet<u64>) -> bool {
    let Some(line) = lines.get(index) else {
        return false;
    };
    let raw = line.text.trim_end();
    if !raw.starts_with("##[error]") && !annotation_numbers.contains(&line.number) {
        return false;
    }
    let text = clean(raw).trim();
    let text = text.strip_prefix("Error: ").unwrap_or(text).trim();
    if text.len() < 4 {
        return false;
    }
    lines[..index].iter().any(|above| {
        !annotation_numbers.contains(&above.number)
            && !above.text.starts_with("##[error]")
            && above.text.contains(text)
    })
}

/// Whether the last lines of a plain log report success.
fn ends_clean(lines: &[&Line]) -> bool {
    let last = lines
        .iter()
        .rev()
        .map(|l| l.text.trim())
        .filter(|t| !t.is_empty())
        .take(8);
    let mut success = false;
    for (i, t) in last.enumerate() {
        if FAILURE_END.is_match(t) {
            return false;
        }
        success |= i < 5 && SUCCESS_END.is_match(t);
    }
    success
}

/// A failing step with no error evidence: its last error annotation that is not
/// boilerplate, else the exit-code line.
fn last_resort(job: &str, step: &StepLog, lines: &[&Line]) -> Failure {
    let at = |number: u64| lines.iter().position(|l| l.number == number);
    let annotation = step.errors.iter().rev().find(|l| {
        let t = clean(&l.text).trim();
        !t.is_empty() && !BOILERPLATE.is_match(t)
    });
    if let Some(index) = annotation.and_then(|a| at(a.number)) {
        return build(job, step, lines, index);
    }
    // A test runner's summary is boilerplate when the failure is printed above it;
    // run with `--tb=no` or `-q`, it is all there is.
    if let Some(index) = lines
        .iter()
        .position(|l| SUMMARY_WITH_MESSAGE.is_match(&l.text))
    {
        return build(job, step, lines, index);
    }
    if let Some(index) = step.errors.last().and_then(|a| at(a.number)) {
        return build(job, step, lines, index);
    }
    if let Some(index) = lines.iter().rposition(|l| {
        let t = clean(&l.text);
        t.contains("Process completed with exit code") || t.contains("exit code")
    }) {
        return build(job, step, lines, index);
    }
    let error_line = match step.exit_code {
        Some(code) => format!("Process completed with exit code {code}."),
        None => String::from("The step failed without an error message."),
    };
    let number = lines.last().map_or(step.first_line, |l| l.number);
    let excerpt = window(
        lines,
        lines.len().saturating_sub(EXCERPT_BEFORE + 1),
        lines.len(),
        EXCERPT_MAX_BYTES,
    );
    let mut region = command_header(step);
    region.push_str(&window(
        lines,
        lines.len().saturating_sub(REGION_BEFORE + 1),
        lines.len(),
        REGION_MAX_BYTES,
    ));
    region.push_str(&error_line);
    Failure {
        job: job.to_owned(),
        step: step_name(step),
        line: number,
        error_line,
        excerpt,
        command: step.command.clone(),
        region: cap(&region, REGION_MAX_BYTES),
        test: None,
        frames: Vec::new(),
        test_id: None,
        tests_failed: None,
    }
}

fn step_name(step: &StepLog) -> String {
    if !step.name.is_empty() {
        return step.name.clone();
    }
    match &step.command {
        Some(c) => format!("Run {}", cap(first_line(c), 80)),
        None => String::new(),
    }
}

fn command_header(step: &StepLog) -> String {
    match &step.command {
        Some(c) if !c.trim().is_empty() => format!("$ {}\n", cap(c.trim(), 1024)),
        _ => String::new(),
    }
}

fn build(job: &str, step: &StepLog, lines: &[&Line], index: usize) -> Failure {
    let Some(line) = lines.get(index) else {
        return last_resort_empty(job, step);
    };
    let error_line = cap(clean(&line.text).trim(), ERROR_LINE_MAX_BYTES);
    let excerpt = window(
        lines,
        index.saturating_sub(EXCERPT_BEFORE),
        (index + EXCERPT_AFTER + 1).min(lines.len()),
        EXCERPT_MAX_BYTES,
    );
    let start = index.saturating_sub(REGION_BEFORE);
    // The runner's post-job cleanup is another step's noise, not the cause's context.
    let end = (index + 1..(index + REGION_AFTER + 1).min(lines.len()))
        .find(|&i| {
            lines
                .get(i)
                .is_some_and(|l| l.text.starts_with("Post job cleanup"))
        })
        .unwrap_or_else(|| (index + REGION_AFTER + 1).min(lines.len()));
    let mut region = command_header(step);
    // An unset value printed as `None`/`undefined`: bring in the source lines above
    // the window that read the environment, so the variable can be named.
    if UNSET_VALUE.is_match(&error_line) {
        let from = start.saturating_sub(ENV_SOURCE_LOOKBACK);
        for l in lines
            .get(from..start)
            .unwrap_or(&[])
            .iter()
            .filter(|l| ENV_SOURCE.is_match(&l.text))
            .take(5)
        {
            region.push_str(clean(&l.text).trim_end());
            region.push('\n');
        }
    }
    let body = window(
        lines,
        start,
        end,
        REGION_MAX_BYTES.saturating_sub(region.len()),
    );
    region.push_str(&body);
    if !body.contains(&error_line) {
        region.push_str(&error_line);
    }
    let (frames, test_id) = locations(lines, index);
    Failure {
        job: job.to_owned(),
        step: step_name(step),
        line: line.number,
        error_line,
        excerpt,
        command: step.command.clone(),
        region: cap(&region, REGION_MAX_BYTES),
        test: None,
        frames,
        test_id,
        tests_failed: tests_failed(lines),
    }
}

/// A test runner's count of failed tests in its closing summary: pytest's
/// `== 2 failed, 95 passed in 1.2s ==`, Jest's `Tests: 2 failed`, cargo's
/// `test result: FAILED. 0 passed; 2 failed;`, node's `# fail 2`.
static TESTS_FAILED: Pattern = Pattern::new(
    r"^(?:=+ (?:.*?, )?(\d+) failed\b.* in [\d.]+s|Tests:\s+(\d+) failed\b|test result: FAILED\. \d+ passed; (\d+) failed;|# fail (\d+)$)",
);

fn tests_failed(lines: &[&Line]) -> Option<u64> {
    lines.iter().rev().find_map(|l| {
        let c = TESTS_FAILED.captures(clean(&l.text))?;
        c.iter().skip(1).flatten().next()?.as_str().parse().ok()
    })
}

/// A test section's first line: pytest's `___ test_x ___`, Rust's
/// `---- name stdout ----`, Go's `--- FAIL:`, Jest's `●`.
static SECTION: Pattern =
    Pattern::new(r"^(?:_{3,} .+ _{3,}|---- \S+ stdout ----|\s*--- FAIL: \S+.*|\s*● .+|=+ .+ =+)$");

/// How far after the root cause a failure's own frames are looked for.
const FRAMES_AFTER: usize = 80;

/// The frames and test id of the failure at `index`: from the start of its
/// test's section (or [`ENV_SOURCE_LOOKBACK`] lines up) to the next section.
fn locations(lines: &[&Line], index: usize) -> (Vec<Frame>, Option<String>) {
    let floor = index.saturating_sub(ENV_SOURCE_LOOKBACK);
    let start = (floor..=index)
        .rev()
        .find(|&i| {
            let t = clean(&lines[i].text);
            SECTION.is_match(t) && !t.starts_with('=')
        })
        .unwrap_or(floor);
    let cap_end = (index + FRAMES_AFTER).min(lines.len());
    let end = (index + 1..cap_end)
        .find(|&i| SECTION.is_match(clean(&lines[i].text)))
        .unwrap_or(cap_end);
    let text = |r: std::ops::Range<usize>| lines[r].iter().map(|l| clean(&l.text));
    let found = frames::frames(text(start..end));
    let mut id = frames::test_id(text(start..index + 1));
    // A bare pytest title gains its file from the short summary below.
    if let Some(name) = id.clone().filter(|i| !i.contains("::")) {
        let (_, bare) = frames::test_name(&name);
        let full = lines[index..].iter().rev().find_map(|l| {
            let t = clean(&l.text);
            let node = t
                .strip_prefix("FAILED ")
                .or_else(|| t.strip_prefix("ERROR "))?;
            let node = node.split(" - ").next()?.trim();
            (node.contains("::") && frames::test_name(node).1 == bare).then(|| node.to_string())
        });
        if full.is_some() {
            id = full;
        }
    }
    (found, id)
}

fn last_resort_empty(job: &str, step: &StepLog) -> Failure {
    Failure {
        job: job.to_owned(),
        step: step_name(step),
        line: step.first_line,
        error_line: String::from("The step failed without an error message."),
        command: step.command.clone(),
        ..Failure::default()
    }
}

/// Lines `start..end` joined, keeping the lines nearest the end when over `max`.
fn window(lines: &[&Line], start: usize, end: usize, max: usize) -> String {
    let slice = lines.get(start..end).unwrap_or(&[]);
    let mut kept: Vec<&str> = Vec::new();
    let mut size = 0;
    // Keep from the bottom: the root cause and what follows matter most; but the
    // window is centred, so first reserve the lines from the cause down.
    for l in slice.iter().rev() {
        let t = clean(&l.text).trim_end();
        let t = if t.len() > ERROR_LINE_MAX_BYTES {
            floor(t, ERROR_LINE_MAX_BYTES)
        } else {
            t
        };
        if size + t.len() + 1 > max {
            break;
        }
        size += t.len() + 1;
        kept.push(t);
    }
    kept.reverse();
    let mut out = String::with_capacity(size);
    for t in kept {
        out.push_str(t);
        out.push('\n');
    }
    out
}

/// The longest prefix of `s` of at most `max` bytes ending on a char boundary.
fn floor(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s` capped at `max` bytes on a char boundary, marked when cut.
pub(crate) fn cap(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut out = floor(s, max.saturating_sub(3)).to_owned();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::JobLog;

    /// A step from text, numbering lines from `first`.
    fn step(name: &str, failed: Option<bool>, first: u64, text: &str) -> StepLog {
        let tail: Vec<Line> = text
            .lines()
            .enumerate()
            .map(|(i, t)| Line {
                number: first + i as u64,
                text: t.to_owned(),
            })
            .collect();
        let errors = tail
            .iter()
            .filter(|l| l.text.starts_with("##[error]"))
            .cloned()
            .collect();
        StepLog {
            name: name.to_owned(),
            command: Some("pytest".to_owned()),
            failed,
            exit_code: failed.and_then(|f| f.then_some(1)),
            errors,
            line_count: tail.len() as u64,
            tail,
            first_line: first,
            number: None,
            ..StepLog::default()
        }
    }

    fn bundle(steps: Vec<StepLog>) -> LogBundle {
        LogBundle {
            jobs: vec![JobLog {
                name: "test".into(),
                source: "test.txt".into(),
                steps,
            }],
            ..LogBundle::default()
        }
    }

    #[test]
    fn failures_past_the_cap_or_trimmed_are_counted() {
        let failing = |n: u64| StepLog {
            name: format!("step {n}"),
            failed: Some(true),
            line_count: 2,
            first_line: 1,
            tail: vec![Line {
                number: 1,
                text: "E   ModuleNotFoundError: No module named 'yaml'".into(),
            }],
            ..StepLog::default()
        };
        let mut steps: Vec<StepLog> = (0..5).map(failing).collect();
        // A failing step whose lines the memory budget dropped.
        steps[4].tail.clear();
        let (kept, omitted) = failures_within(&bundle(steps), 3);
        assert_eq!(kept.len(), 3);
        assert_eq!(omitted, 2);
    }

    fn primary(text: &str, failed: Option<bool>) -> Option<Failure> {
        failures(&bundle(vec![step("Run tests", failed, 1, text)]))
            .into_iter()
            .next()
    }

    // Captured from `python -m pytest tests` with `import yaml` and no PyYAML
    // installed; the runner's exit-code annotation appended.
    const PYTEST_COLLECT: &str = "\
============================= test session starts ==============================
platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0
rootdir: /tmp/cap/t
collected 0 items / 1 error

==================================== ERRORS ====================================
_______________________ ERROR collecting tests/test_a.py _______________________
ImportError while importing test module '/tmp/cap/t/tests/test_a.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
tests/test_a.py:1: in <module>
    import yaml
E   ModuleNotFoundError: No module named 'yaml'
=========================== short test summary info ============================
ERROR tests/test_a.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
=============================== 1 error in 0.09s ===============================
##[error]Process completed with exit code 2.";

    // Captured from pytest 9 with three failing tests.
    pub(crate) const PYTEST_FAILURES: &str = "\
tests/test_a.py FFF                                                      [100%]

=================================== FAILURES ===================================
_________________________________ test_health __________________________________

    def test_health():
        resp = R()
>       assert resp.json()[\"status\"] == \"healthy\"
E       AssertionError: assert 'ok' == 'healthy'
E         
E         - healthy
E         + ok

tests/test_a.py:11: AssertionError
=========================== short test summary info ============================
FAILED tests/test_a.py::test_health - AssertionError: assert 'ok' == 'healthy'
============================== 1 failed in 0.02s ===============================
##[error]Process completed with exit code 1.";

    #[test]
    fn pytest_summary_and_exit_code_are_skipped_for_the_e_line() {
        let f = primary(PYTEST_COLLECT, Some(true)).expect("a failure");
        assert_eq!(
            f.error_line,
            "E   ModuleNotFoundError: No module named 'yaml'"
        );
        assert_eq!(f.line, 16);
        assert_eq!(f.job, "test");
        assert_eq!(f.step, "Run tests");
        assert_eq!(f.command.as_deref(), Some("pytest"));
        assert!(f.excerpt.contains("import yaml"), "{}", f.excerpt);
        assert!(f.excerpt.lines().count() <= EXCERPT_BEFORE + EXCERPT_AFTER + 1);
        assert!(f.region.starts_with("$ pytest\n"));
        assert!(f.region.contains("ImportError while importing test module"));
    }

    #[test]
    fn pytest_assertion_picks_the_first_e_line_not_the_diff() {
        let f = primary(PYTEST_FAILURES, Some(true)).expect("a failure");
        assert_eq!(
            f.error_line,
            "E       AssertionError: assert 'ok' == 'healthy'"
        );
        assert!(f.region.contains("tests/test_a.py:11: AssertionError"));
        assert!(f.region.contains(">       assert resp.json()"));
    }

    #[test]
    fn python_traceback_prefers_the_final_exception() {
        // Captured from `python3 -c 'import os; os.environ["OCR_HOST"]'`.
        let text = "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n  File \"<frozen os>\", line 679, in __getitem__\nKeyError: 'OCR_HOST'\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(f.error_line, "KeyError: 'OCR_HOST'");
        assert_eq!(f.line, 4);
    }

    #[test]
    fn node_missing_module() {
        // Captured from `node -e "require('left-padx')"` (node 20).
        let text = "node:internal/modules/cjs/loader:1210\n  throw err;\n  ^\n\nError: Cannot find module 'left-padx'\nRequire stack:\n- /tmp/cap/[eval]\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)\n    at Module._load (node:internal/modules/cjs/loader:1038:27)\n    at [eval]:1:1 {\n  code: 'MODULE_NOT_FOUND',\n  requireStack: [ '/tmp/cap/[eval]' ]\n}\n\nNode.js v20.20.2\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(f.error_line, "Error: Cannot find module 'left-padx'");
    }

    #[test]
    fn cargo_compile_error_skips_the_footer() {
        // Captured from `cargo build` with an undeclared crate.
        let text = "   Compiling rs v0.1.0 (/tmp/cap/rs)\nerror[E0432]: unresolved import `serde_yaml`\n --> src/lib.rs:1:5\n  |\n1 | use serde_yaml::Value;\n  |     ^^^^^^^^^^ use of unresolved module or unlinked crate `serde_yaml`\n  |\n  = help: if you wanted to use a crate named `serde_yaml`, use `cargo add serde_yaml` to add it to your `Cargo.toml`\n\nFor more information about this error, try `rustc --explain E0432`.\nerror: could not compile `rs` (lib) due to 1 previous error\n##[error]Process completed with exit code 101.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(f.error_line, "error[E0432]: unresolved import `serde_yaml`");
    }

    #[test]
    fn cargo_test_assertion_picks_the_panic() {
        // Captured from `cargo test` with a failing assert_eq!.
        let text = "running 1 test\ntest tests::health ... FAILED\n\nfailures:\n\n---- tests::health stdout ----\n\nthread 'tests::health' (8700) panicked at src/lib.rs:6:9:\nassertion `left == right` failed\n  left: \"ok\"\n right: \"healthy\"\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    tests::health\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\nerror: test failed, to rerun pass `--lib`\n##[error]Process completed with exit code 101.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(f.error_line, "assertion `left == right` failed");
        assert!(f.region.contains("panicked at src/lib.rs:6:9"));
        assert!(f.region.contains("right: \"healthy\""));
    }

    #[test]
    fn npm_footer_is_skipped() {
        let text = "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padx - Not found\nnpm ERR! 404\nnpm ERR! 404  'left-padx@*' is not in this registry.\nnpm ERR! A complete log of this run can be found in: /home/runner/.npm/_logs/x-debug-0.log\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert!(f.error_line.starts_with("npm ERR! 404"), "{}", f.error_line);
    }

    #[test]
    fn make_and_maven_footers_are_skipped() {
        let text = "gcc -o app main.c\nmain.c:1:10: fatal error: foo.h: No such file or directory\ncompilation terminated.\nmake: *** [Makefile:2: app] Error 1\n##[error]Process completed with exit code 2.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(
            f.error_line,
            "main.c:1:10: fatal error: foo.h: No such file or directory"
        );
        let text = "[ERROR] COMPILATION ERROR : \n[ERROR] /src/App.java:[3,8] package org.yaml.snakeyaml does not exist\n[INFO] BUILD FAILURE\n[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile\n[ERROR] \n[ERROR] -> [Help 1]\n[ERROR] Re-run Maven using the -X switch to enable full debug logging.";
        let f = primary(text, Some(true)).expect("a failure");
        assert!(
            f.error_line
                .contains("package org.yaml.snakeyaml does not exist"),
            "{}",
            f.error_line
        );
    }

    #[test]
    fn go_testify_picks_the_not_equal() {
        let text = "--- FAIL: TestHealth (0.00s)\n    health_test.go:12: \n        \tError Trace:\t/home/runner/work/x/health_test.go:12\n        \tError:      \tNot equal: \n        \t            \texpected: \"healthy\"\n        \t            \tactual  : \"ok\"\n        \tTest:       \tTestHealth\nFAIL\nFAIL\texample.com/x\t0.005s\nFAIL\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert!(
            f.error_line.starts_with("Error:") && f.error_line.contains("Not equal"),
            "{}",
            f.error_line
        );
    }

    #[test]
    fn annotation_that_echoes_a_line_above_is_skipped() {
        let text = "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server\n##[error]curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server\n##[error]Process completed with exit code 7.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(f.line, 1);
    }

    #[test]
    fn annotation_only_evidence_is_used() {
        let text =
            "Run actions/github-script@v7\n##[error]Resource not accessible by integration\n";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(f.error_line, "Resource not accessible by integration");
    }

    #[test]
    fn annotation_above_the_tail_is_a_candidate() {
        let mut s = step(
            "Run tests",
            Some(true),
            500,
            "all good\nstill fine\n##[error]Process completed with exit code 1.",
        );
        s.errors.insert(
            0,
            Line {
                number: 10,
                text: "Input required and not supplied: token".into(),
            },
        );
        let f = failures(&bundle(vec![s])).remove(0);
        assert_eq!(f.line, 10);
        assert_eq!(f.error_line, "Input required and not supplied: token");
    }

    #[test]
    fn no_evidence_falls_back_to_the_exit_code_line() {
        let f = primary(
            "building\ndone compiling\n##[error]Process completed with exit code 3.",
            Some(true),
        )
        .expect("a failure");
        assert_eq!(f.error_line, "Process completed with exit code 3.");
        assert_eq!(f.line, 3);
        let mut s = step("x", Some(true), 1, "quiet");
        s.exit_code = Some(4);
        let f = failures(&bundle(vec![s])).remove(0);
        assert_eq!(f.error_line, "Process completed with exit code 4.");
    }

    #[test]
    fn several_failing_steps_in_order() {
        let b = LogBundle {
            jobs: vec![
                JobLog {
                    name: "lint".into(),
                    steps: vec![
                        step(
                            "Checkout",
                            Some(false),
                            1,
                            "error: this is fine, the step passed",
                        ),
                        step(
                            "Run lint",
                            Some(true),
                            10,
                            "bash: line 1: shellcheck: command not found\n##[error]Process completed with exit code 127.",
                        ),
                    ],
                    ..JobLog::default()
                },
                JobLog {
                    name: "test (3.12)".into(),
                    steps: vec![step("Run tests", Some(true), 1, PYTEST_COLLECT)],
                    ..JobLog::default()
                },
            ],
            ..LogBundle::default()
        };
        let fs = failures(&b);
        assert_eq!(fs.len(), 2);
        assert_eq!(
            (fs[0].job.as_str(), fs[0].step.as_str()),
            ("lint", "Run lint")
        );
        assert_eq!(
            fs[0].error_line,
            "bash: line 1: shellcheck: command not found"
        );
        assert_eq!(fs[1].job, "test (3.12)");
    }

    #[test]
    fn plain_log_with_evidence_and_without() {
        let f = primary("$ python app.py\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    host = os.environ[\"OCR_HOST\"]\nKeyError: 'OCR_HOST'", None)
            .expect("a failure");
        assert_eq!(f.error_line, "KeyError: 'OCR_HOST'");
        assert!(
            primary(
                "Compiling foo\nFinished `dev` profile [unoptimized] target(s) in 2.1s",
                None
            )
            .is_none()
        );
        // Error words in a passing run are not a failure.
        let clean = "tests/test_errors.py::test_error_handling PASSED\ntests/test_x.py::test_ok PASSED\nERROR level logging configured\n============================== 2 passed in 0.01s ===============================";
        assert!(primary(clean, None).is_none());
    }

    #[test]
    fn clean_logs_yield_nothing() {
        assert!(failures(&LogBundle::default()).is_empty());
        let ok = step("Run tests", Some(false), 1, "=== 3 passed in 0.1s ===");
        assert!(failures(&bundle(vec![ok])).is_empty());
        assert!(primary("", None).is_none());
    }

    fn report(message: &str) -> TestFailure {
        TestFailure {
            name: "tests/test_api.py::test_health".into(),
            file: Some("tests/test_api.py".into()),
            line: Some(12),
            message: message.into(),
            details: "def test_health():\n>       assert r.status == 'healthy'\nE       AssertionError: assert 'ok' == 'healthy'".into(),
            source: "junit.xml".into(),
        }
    }

    #[test]
    fn structured_test_only_bundle() {
        let b = LogBundle {
            tests: vec![report("AssertionError: assert 'ok' == 'healthy'")],
            ..LogBundle::default()
        };
        let fs = failures(&b);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].error_line, "AssertionError: assert 'ok' == 'healthy'");
        assert_eq!(fs[0].line, 12);
        assert_eq!(fs[0].step, "tests/test_api.py::test_health");
        assert!(fs[0].test.is_some());
        assert!(fs[0].region.contains("assert r.status"));
    }

    #[test]
    fn structured_test_is_attached_and_fills_a_weak_line() {
        let mut b = bundle(vec![step(
            "Run tests",
            Some(true),
            1,
            "tests/test_api.py F\n##[error]Process completed with exit code 1.",
        )]);
        b.tests = vec![report("AssertionError: assert 'ok' == 'healthy'")];
        let f = failures(&b).remove(0);
        assert_eq!(f.error_line, "AssertionError: assert 'ok' == 'healthy'");
        assert_eq!(f.line, 12);
        assert_eq!(
            f.test.as_ref().map(|t| t.name.as_str()),
            Some("tests/test_api.py::test_health")
        );
        // A good log line is kept; the test is still attached.
        let mut b = bundle(vec![step("Run tests", Some(true), 1, PYTEST_FAILURES)]);
        b.tests = vec![report("something else")];
        b.tests[0].file = Some("tests/test_a.py".into());
        let f = failures(&b).remove(0);
        assert_eq!(
            f.error_line,
            "E       AssertionError: assert 'ok' == 'healthy'"
        );
        assert!(f.test.is_some());
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = "é".repeat(40_000);
        let text = format!("{long}\nerror: {long}\n##[error]Process completed with exit code 1.");
        let f = primary(&text, Some(true)).expect("a failure");
        assert!(f.error_line.len() <= ERROR_LINE_MAX_BYTES);
        assert!(f.excerpt.len() <= EXCERPT_MAX_BYTES);
        assert!(f.region.len() <= REGION_MAX_BYTES);
        let many: String = (0..400).map(|i| format!("error: thing {i}\n")).collect();
        let f = primary(&many, Some(true)).expect("a failure");
        assert_eq!(f.error_line, "error: thing 399");
    }

    #[test]
    fn seed_pytest_cov_in_github_format() {
        // The ingest stage strips timestamps and group markers; the annotation stays.
        let text = "ERROR: usage: pytest [options] [file_or_dir] [file_or_dir] [...]\npytest: error: unrecognized arguments: --cov=addons --cov-report=term-missing\n  inifile: /home/runner/work/tee/tee/pyproject.toml\n  rootdir: /home/runner/work/tee/tee\n\n##[error]Process completed with exit code 4.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(
            f.error_line,
            "pytest: error: unrecognized arguments: --cov=addons --cov-report=term-missing"
        );
        assert_eq!(f.line, 2);
    }

    #[test]
    fn lint_crash_and_resource_lines_are_evidence() {
        for (text, want) in [
            (
                "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.\nFound 1 error.",
                "src/a.ts(3,5): error TS2322",
            ),
            (
                "/src/app.js\n  3:5  error  'x' is not defined  no-undef\n\n✖ 1 problem (1 error, 0 warnings)",
                "3:5  error",
            ),
            (
                "app/models.py:10:80: E501 line too long (88 > 79 characters)",
                "E501",
            ),
            (
                "running tests\nSegmentation fault (core dumped)",
                "Segmentation fault",
            ),
            (
                "<--- JS stacktrace --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
                "heap out of memory",
            ),
            (
                "OSError: [Errno 28] No space left on device",
                "No space left",
            ),
        ] {
            let f = primary(text, None).unwrap_or_else(|| panic!("no failure in {text:?}"));
            assert!(
                f.error_line.contains(want),
                "{text:?} gave {:?}",
                f.error_line
            );
        }
    }

    #[test]
    fn worst_case_step_is_fast() {
        // 400 lines of 64 KiB each: the largest tail ingest hands over.
        let line = "x".repeat(64 * 1024);
        let text: String = (0..TAIL_LINES_FOR_TEST)
            .map(|_| format!("{line} error\n"))
            .collect();
        let start = std::time::Instant::now();
        let f = primary(&text, Some(true)).expect("a failure");
        assert!(f.region.len() <= REGION_MAX_BYTES);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    const TAIL_LINES_FOR_TEST: usize = crate::ingest::TAIL_LINES;

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(?s).{0,600}", marked in proptest::option::of(proptest::bool::ANY)) {
            for f in failures(&bundle(vec![step("s", marked, 1, &text)])) {
                proptest::prop_assert!(f.region.len() <= REGION_MAX_BYTES);
                let _ = crate::classify::facts::parse(&f);
            }
        }

        #[test]
        fn error_shaped_text_never_panics(
            lines in proptest::collection::vec("(E   |error: |KeyError: '|Expected: |  left: |##\\[error\\]|)[ -~é€]{0,80}", 0..40),
        ) {
            let text = lines.join("\n");
            for f in failures(&bundle(vec![step("s", Some(true), 1, &text)])) {
                let facts = crate::classify::facts::parse(&f);
                for c in crate::classify::Category::ALL {
                    let s = crate::classify::suggest::suggest(c, &facts, &f);
                    proptest::prop_assert!(!s.contains('\n'));
                }
            }
        }
    }

    #[test]
    fn pytest_e_block_message_wins_over_its_explanation() {
        let text = "    def test_config_present():\n>       assert CONFIG['REDIS_URL'] is not None, 'set REDIS_URL in the CI environment'\nE       AssertionError: set REDIS_URL in the CI environment\nE       assert None is not None\n\ntests/test_billing.py:9: AssertionError\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(
            f.error_line,
            "E       AssertionError: set REDIS_URL in the CI environment"
        );
    }

    #[test]
    fn fragments_without_verdicts_are_judged_by_evidence() {
        // A log pasted into an issue: group markers kept, `##[error]` lost.
        let install = step(
            "Run npm ci",
            Some(false),
            1,
            "npm WARN deprecated x@1\nadded 12 packages",
        );
        let build = step(
            "Run npm test",
            Some(false),
            10,
            "> jest\nError: Cannot find module 'left-pad'\nProcess completed with exit code 1.",
        );
        let f = failures(&bundle(vec![install, build]));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].error_line, "Error: Cannot find module 'left-pad'");
        // Of several steps with evidence, the last one is the failure.
        let a = step("Run a", Some(false), 1, "error: first thing");
        let b = step("Run b", Some(false), 5, "error: second thing");
        let f = failures(&bundle(vec![a, b]));
        assert_eq!(
            f.iter().map(|f| f.step.as_str()).collect::<Vec<_>>(),
            ["Run b"]
        );
        // A finished job log is trusted: no `##[error]`, no failure.
        let done = step(
            "Run b",
            Some(false),
            5,
            "error: tolerated\nCleaning up orphan processes",
        );
        assert!(failures(&bundle(vec![done])).is_empty());
        // The exit-code line kept as text is a verdict.
        let quiet = step(
            "Run c",
            None,
            1,
            "doing things\nProcess completed with exit code 2.",
        );
        assert_eq!(
            failures(&bundle(vec![quiet]))[0].error_line,
            "Process completed with exit code 2."
        );
    }

    #[test]
    fn bare_exception_closing_a_traceback() {
        // Captured from `python -c 'next(iter([]))'`.
        let text = "Starting test run\nTraceback (most recent call last):\n  File \"main.py\", line 2, in <module>\n    next(it)\nStopIteration\n##[error]Process completed with exit code 1.";
        assert_eq!(
            primary(text, Some(true)).map(|f| f.error_line),
            Some("StopIteration".to_owned())
        );
    }

    #[test]
    fn npm_message_starts_its_block() {
        let text = "npm error code EUSAGE\nnpm error\nnpm error The `npm ci` command can only install with an existing package-lock.json or\nnpm error npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with npm@5 or\nnpm error later to generate a package-lock.json file, then try again.\nnpm error A complete log of this run can be found in: /home/runner/.npm/_logs/x.log";
        let f = primary(text, Some(true)).expect("a failure");
        assert!(
            f.error_line.starts_with("npm error The `npm ci` command"),
            "{}",
            f.error_line
        );
    }

    #[test]
    fn tool_prefixes_do_not_hide_the_cause() {
        let text = "#8 1.234 Collecting nosuchpkg==99\n#8 2.345 ERROR: No matching distribution found for nosuchpkg==99\n#8 ERROR: process \"/bin/sh -c pip install -r requirements.txt\" did not complete successfully: exit code: 1\nERROR: failed to solve: process \"/bin/sh -c pip install -r requirements.txt\" did not complete successfully: exit code: 1\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert_eq!(
            f.error_line,
            "#8 2.345 ERROR: No matching distribution found for nosuchpkg==99"
        );
        let text = "api-1  | Traceback (most recent call last):\napi-1  |   File \"app.py\", line 3, in <module>\napi-1  | KeyError: 'DB_HOST'\napi-1 exited with code 1";
        assert_eq!(
            primary(text, None).map(|f| f.error_line),
            Some("api-1  | KeyError: 'DB_HOST'".to_owned())
        );
    }

    #[test]
    fn failure_summaries_are_not_success() {
        // Jest prints `Tests: 0 total` when a suite fails to load.
        let text = "  ● Test suite failed to run\n\n    Cannot find module 'commander' from 'test/billing.spec.js'\n\nTest Suites: 1 failed, 1 total\nTests:       0 total\nSnapshots:   0 total\nTime:        1.203 s";
        let f = primary(text, None).expect("a failure");
        assert_eq!(
            f.error_line,
            "Cannot find module 'commander' from 'test/billing.spec.js'"
        );
        let text = "LoadError:\n  cannot load such file -- dotenv\nNo examples found.\n\nFinished in 0.00004 seconds (files took 0.44 seconds to load)\n0 examples, 0 failures, 1 error occurred outside of examples";
        assert!(primary(text, None).is_some());
        for (text, want) in [
            (
                "==> Publishing\nscripts/deploy.sh: line 4: RELEASE_VERSION: unbound variable",
                "unbound variable",
            ),
            (
                "/usr/bin/ld: cannot find -lmysqlclient: No such file or directory\ncollect2: error: ld returned 1 exit status",
                "cannot find -lmysqlclient",
            ),
            (
                "  │ Error: error configuring S3 Backend: no valid credential sources for S3 Backend found.\n  │ ",
                "S3 Backend",
            ),
            (
                "lib/client.rb:2:in `get_user': wrong number of arguments (given 2, expected 1) (ArgumentError)\n\tfrom bin/sync:4:in `<main>'",
                "ArgumentError",
            ),
        ] {
            let f = primary(text, None).unwrap_or_else(|| panic!("no failure in {text:?}"));
            assert!(
                f.error_line.contains(want),
                "{text:?} gave {:?}",
                f.error_line
            );
        }
    }

    #[test]
    fn error_objects_and_panics_point_at_their_message() {
        let text = "Error: EACCES: permission denied, open '/etc/app.conf'\n    at Object.openSync (node:fs:596:3) {\n  errno: -13,\n  code: 'EACCES',\n  syscall: 'open',\n  path: '/etc/app.conf'\n}\n##[error]Process completed with exit code 1.";
        assert_eq!(
            primary(text, Some(true)).map(|f| f.error_line),
            Some("Error: EACCES: permission denied, open '/etc/app.conf'".to_owned())
        );
        let text = "thread 'main' (19754) panicked at src/main.rs:2:57:\ncalled `Result::unwrap()` on an `Err` value: Os { code: 13, kind: PermissionDenied, message: \"Permission denied\" }\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
        let f = primary(text, None).expect("a failure");
        assert!(
            f.error_line.starts_with("called `Result::unwrap()`"),
            "{}",
            f.error_line
        );
        // `fail-on-error` in an action's inputs is not an error.
        assert_eq!(score("  fail-on-error: 'true'"), 0);
    }

    #[test]
    fn a_linter_list_reports_its_first_finding() {
        let text = ".github/workflows/test.yml:5:5: unexpected key \"runs_on\" for \"job\" section [syntax-check]\n  |\n5 |     runs_on: ubuntu-latest\n  |     ^~~~~~~\n.github/workflows/test.yml:7:15: runtime \"node20\" is deprecated [action]\n  |\n7 |       - uses: actions/checkout@v4\n##[error]Process completed with exit code 1.";
        let f = primary(text, Some(true)).expect("a failure");
        assert!(f.error_line.contains("unexpected key"), "{}", f.error_line);
    }

    #[test]
    fn stack_frames_and_pip_footers_are_not_causes() {
        let text = "SyntaxError: Unexpected token } in JSON at position 12\n    at JSON.parse (<anonymous>)\n    at Object.<anonymous> (/app/index.js:3:6)\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
        let text = "  ModuleNotFoundError: No module named 'setuptools.build_meta_typo'\n  [end of output]\nnote: This error originates from a subprocess, and is likely not a problem with pip.\nerror: metadata-generation-failed\n\n× Encountered error while generating package metadata.\n╰─> See above for output.";
        let f = primary(text, None).expect("a failure");
        assert!(
            f.error_line.contains("ModuleNotFoundError"),
            "{}",
            f.error_line
        );
        let text = "make: *** No rule to make target 'build/app.o', needed by 'app'.  Stop.\n##[error]Process completed with exit code 2.";
        assert!(primary(text, Some(true)).is_some_and(|f| f.error_line.contains("No rule")));
    }

    #[test]
    fn panic_message_and_rule_codes() {
        let text = "thread 'main' (23470) panicked at src/main.rs:3:13:\nindex out of bounds: the len is 3 but the index is 5\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n##[error]Process completed with exit code 101.";
        assert_eq!(
            primary(text, Some(true)).map(|f| f.error_line),
            Some("index out of bounds: the len is 3 but the index is 5".to_owned())
        );
        let text = "F401 [*] `os` imported but unused\n --> app/models.py:1:8\n  |\n1 | import os\n  |        ^^\n\nFound 1 error.\n[*] 1 fixable with the `--fix` option.";
        assert_eq!(primary(text, None).map(|f| f.line), Some(1));
    }

    #[test]
    fn go_messages_and_signals_beat_runner_summaries() {
        let text = "=== RUN   TestStatus\n    api_test.go:20: status = 404, want 200\n--- FAIL: TestStatus (0.00s)\nFAIL\nFAIL\tgithub.com/acme/api\t0.002s\n##[error]Process completed with exit code 1.";
        assert_eq!(
            primary(text, Some(true)).map(|f| f.error_line),
            Some("api_test.go:20: status = 404, want 200".to_owned())
        );
        let text = "+ go run .\n2024/05/01 12:00:00 Get \"http://127.0.0.1:7070/x\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\nexit status 1\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
        let text = "loading model\n/home/runner/work/_temp/x.sh: line 3:  4187 Killed                  python train.py\n##[error]Process completed with exit code 137.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
        let text = "Error: Prisma schema validation - (get-config wasm)\nError code: P1012\nerror: Environment variable not found: DATABASE_URL.\n  -->  schema.prisma:7\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(3));
    }

    #[test]
    fn rustc_diagnostics_report_the_first_of_the_list() {
        let text = "    Checking app v0.1.0\nerror: writing `&Vec` instead of `&[_]`\n --> src/lib.rs:1:17\n  |\n1 | pub fn f(v: &Vec<u8>) {}\n  |\n\nerror: length comparison to zero\n --> src/lib.rs:2:5\n  |\n\nerror: could not compile `app` (lib) due to 2 previous errors\n##[error]Process completed with exit code 101.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
    }

    #[test]
    fn findings_without_columns_and_npm_paragraphs() {
        let text = "app/m.py:137: error: Incompatible types in assignment  [assignment]\napp/m.py:144: note: Error code not covered\napp/m.py:199: error: Incompatible return value type  [return-value]\nFound 2 errors in 1 file (checked 37 source files)\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
        let text = "npm error code EUSAGE\nnpm error\nnpm error `npm ci` can only install packages when your package.json and package-lock.json are in sync.\nnpm error\nnpm error Missing: zod@3.23.8 from lock file\nnpm error\nnpm error Clean install a project\nnpm error A complete log of this run can be found in: /x.log\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(3));
    }

    #[test]
    fn a_message_is_reported_where_it_first_appears() {
        // An action's closing annotation repeats the error's message; the property
        // dump of the error object quotes it.
        let text = "RequestError [HttpError]: Resource not accessible by integration\n    at main (/a/index.js:1:2) {\n  status: 403,\n    data: {\n      message: 'Resource not accessible by integration',\n    }\n}\n##[error]Unhandled error: HttpError: Resource not accessible by integration";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
        // BuildKit's excerpt of the failed step re-prints its lines.
        let text = "#8 2.312 ERROR: No matching distribution found for uvicorn==0.99.1\n#8 ERROR: process did not complete\n------\n > [4/5] RUN pip install -r requirements.txt:\n2.312 ERROR: No matching distribution found for uvicorn==0.99.1\n------\n##[error]buildx failed with: ERROR: failed to solve";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
        // A chained traceback's final exception keeps its place.
        let text = "urllib3.exceptions.MaxRetryError: HTTPConnectionPool(host='127.0.0.1', port=5000): Max retries exceeded\n\nDuring handling of the above exception, another exception occurred:\n\nrequests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=5000): Max retries exceeded\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(5));
        // The token's permissions in the job's set-up are not a cause.
        assert_eq!(score("PullRequests: read"), 0);
    }

    #[test]
    fn a_custom_exception_in_a_pytest_block() {
        let text = ">           raise InsufficientStock(f\"{sku}\")\nE           app.stock.InsufficientStock: A-1: wanted 7, have 5\n\napp/stock.py:31: InsufficientStock\n=========================== short test summary info ============================\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
        let text = "app/a.ts\n  14:10  error  'x' is defined but never used  no-unused-vars\n  31:7   error  Missing dependency  react-hooks/exhaustive-deps\n\n✖ 2 problems (2 errors, 0 warnings)\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
        let text = "src/c.ts(42,7): error TS2322: Type 'string' is not assignable to type 'number'.\nsrc/d.ts(17,5): error TS2741: Property 'currency' is missing\n##[error]Process completed with exit code 2.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
    }

    #[test]
    fn a_summary_line_is_the_last_resort() {
        let text = "tests/test_links.py ..F.                                   [100%]\n=========================== short test summary info ============================\nFAILED tests/test_links.py::test_links[x] - AssertionError: assert 404 in range(200, 400)\n========================= 1 failed, 3 passed in 1.02s ==========================\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(3));
        assert!(score("Net::OpenTimeout: execution expired") >= 90);
        assert!(score("No sonar.login or SONAR_TOKEN env variable was set") >= 90);
        assert!(score("PHP Fatal error:  Uncaught Error: Class 'Foo' not found") >= 85);
    }

    #[test]
    fn plain_logs_with_only_a_summary_or_a_tool_prefix() {
        let text = "PASSED tests/test_async.py::test_keys\nFAILED tests/test_async.py::test_fetch - Failed: async def functions are not natively supported.\n==================== 1 failed, 1 passed in 0.05s ====================\nERROR: Job failed: exit code 1";
        assert_eq!(primary(text, None).map(|f| f.line), Some(2));
        let text = "+ go run .\n2024/05/01 12:00:00 Get \"http://127.0.0.1:8098/token\": EOF\nexit status 1\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
        let text = "+ curl -sS --fail http://127.0.0.1:9098/api/export\ncurl: (52) Empty reply from server\n##[error]Process completed with exit code 52.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(2));
    }

    #[test]
    fn a_jest_title_points_at_its_message() {
        let text = "FAIL src/config.test.js\n  ● config › has REDIS_URL\n\n    REDIS_URL is not defined\n\n      at Object.<anonymous> (src/config.test.js:5:22)\n\nTest Suites: 1 failed, 1 total\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(4));
        let text = "  ● loads data\n\n    thrown: \"Exceeded timeout of 1500 ms for a test.\n\nTests:       1 failed, 1 total\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(3));
        let text = "  ● config › has REDIS_URL\n\n    REDIS_URL is not defined\n\n    > 5 |     if (!base) throw new Error('REDIS_URL is not defined');\n      at Object.<anonymous> (src/config.test.js:5:22)\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(3));
        assert_eq!(
            score("tests/test_a.py:4: PytestUnknownMarkWarning: Unknown pytest.mark.asyncio"),
            0
        );
    }

    #[test]
    fn annotated_findings_report_the_first() {
        let text = "##[error]app/models.py:1:8: F401 [*] `os` imported but unused\n##[error]app/models.py:2:8: F401 [*] `sys` imported but unused\nFound 2 errors.\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
    }

    #[test]
    fn traced_commands_are_not_causes() {
        let text = "+ node -e 'JSON.parse(require(\"fs\").readFileSync(\"app.json\"))'\n<anonymous_script>:3\n\nSyntaxError: Expected ',' or '}' after property value in JSON at position 11\n    at JSON.parse (<anonymous>)\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(4));
        assert!(score("+ expected - actual") > 0);
    }

    #[test]
    fn tool_messages_without_a_line() {
        assert!(score("src: error: Duplicate module named \"__main__\" (also at \"app\")") >= 60);
        assert!(score("Makefile:1: *** recipe commences before first target.  Stop.") >= 90);
        assert!(
            score("scripts/bootstrap.sh: line 3: unexpected EOF while looking for matching `\"'")
                >= 88
        );
        assert!(
            score("Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)") >= 88
        );
    }

    #[test]
    fn formatters_in_check_mode() {
        let text = "Diff in /home/runner/work/app/app/src/lib.rs at line 3:\n pub fn f() {\n-    1+1\n+    1 + 1\n }\nDiff in /home/runner/work/app/app/src/main.rs at line 9:\n-x\n+y\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
        let text = "would reformat src/app.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted, 12 files would be left unchanged.\n##[error]Process completed with exit code 1.";
        assert_eq!(primary(text, Some(true)).map(|f| f.line), Some(1));
    }

    #[test]
    fn msbuild_repeats_its_errors_after_the_verdict() {
        let e1 = r"D:\a\app\app\src\Program.cs(3,7): error CS0246: The type or namespace name 'Newtonsoft' could not be found [D:\a\app\app\src\App.csproj]";
        let e2 = r"D:\a\app\app\src\Export.cs(18,16): error CS0246: The type or namespace name 'JsonConvert' could not be found [D:\a\app\app\src\App.csproj]";
        let text = format!(
            "  Restored App.csproj\n{e1}\n{e2}\n\nBuild FAILED.\n\n{e1}\n{e2}\n    0 Warning(s)\n    2 Error(s)\n##[error]Process completed with exit code 1."
        );
        assert_eq!(primary(&text, Some(true)).map(|f| f.line), Some(2));
    }

    #[test]
    fn the_region_stops_at_post_job_cleanup() {
        let text = "KeyError: 'API_TOKEN'\n##[error]Process completed with exit code 1.\nPost job cleanup.\n[command]/usr/bin/git version";
        let f = primary(text, Some(true)).expect("a failure");
        assert!(f.region.contains("API_TOKEN") && !f.region.contains("git version"));
    }

    #[test]
    fn patterns_compile() {
        assert!(score("E   ModuleNotFoundError: No module named 'x'") >= 96);
        assert_eq!(score("Process completed with exit code 1."), 0);
        assert_eq!(score("##[error]Process completed with exit code 1."), 0);
        assert_eq!(score("warning: unused variable `error`"), 0);
        assert_eq!(score("Post job cleanup."), 0);
        assert!(
            !WARNING.is_match("x")
                && !SUCCESS_END.is_match("x")
                && ENV_SOURCE.is_match("os.getenv(")
        );
    }
}
