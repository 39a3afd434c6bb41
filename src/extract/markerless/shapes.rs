//! Shapes: the failure evidence that error words at the start of a line miss.
//!
//! Real excerpts state their failure in shapes the word rules of
//! [`super`] do not see: a sanitizer's report printed under `WARNING:`, a
//! compiler message indented by the paste or written in the user's language,
//! a registry's error code (`toomanyrequests:`), an errno text at the end of
//! a line, a logger's `error=` field or a JSON `"error"` member, a retry that
//! never got through before the log ended. Each rule here names a kind of
//! statement, not one tool's sentence, and each has a counter-example in the
//! tests below that must stay quiet: a passing run's `error=<nil>`, a warning,
//! a retry that later succeeded.

use std::sync::LazyLock;

use crate::pattern::{Pattern, PatternSet};

/// Score of a retry line when the stream ends while still retrying.
pub(super) const TRANSIENT_SCORE: u32 = 54;
/// Lines (not themselves retries) a stream may print after its last retry and
/// still count as ending on it: a progress line, a wrapped rest of the retry.
const AFTER_RETRY: usize = 2;

/// The word for "error" and "fatal error" in the languages compilers and
/// shells translate their messages into (GNU gettext catalogues).
macro_rules! error_word {
    () => {
        "(?:fatal error|fatal|error|Error|ERROR|致命错误|错误|錯誤|致命的エラー|エラー|schwerwiegender Fehler|Fehler|erreur fatale|erreur|errore fatale|errore|erro fatal|erro|error fatal|фатальная ошибка|ошибка|hata|błąd krytyczny|błąd|chyba|fout)"
    };
}

/// Reports that tools print under a warning word but that are failures:
/// sanitizers and Valgrind found a memory or threading bug.
static REPORT: LazyLock<(PatternSet, Vec<u32>)> = LazyLock::new(|| {
    let rules: &[(&'static str, u32)] = &[
        (r"^(?:==\d+==\s*)?(?:ERROR|WARNING): \w*Sanitizer: \S", 85),
        (r"^SUMMARY: \w*Sanitizer: \S", 80),
        (r"^==\d+== ERROR SUMMARY: [1-9]\d* errors?\b", 70),
    ];
    (
        PatternSet::new(rules.iter().map(|(p, _)| *p)),
        rules.iter().map(|(_, s)| *s).collect(),
    )
});

/// Evidence rules, with scores on the main scorer's scale.
static RULES: LazyLock<(PatternSet, Vec<u32>)> = LazyLock::new(|| {
    let rules: &[(&'static str, u32)] = &[
        // A location and an error word, at any indentation, in any language:
        // gcc `  /src/x.hpp:11:13: error: ...`, doctest `x.cc(235): ERROR: ...`,
        // MSBuild `x.targets(114,5): error : ...`, gas `{standard input}:12: 错误：`.
        (
            concat!(
                r"^\s*(?:[A-Za-z]:)?[^\s:][^:]*?(?:\(\d+(?:,\d+)?\)|:\d+(?::\d+)?):\s*",
                error_word!(),
                r"\s*[:：]"
            ),
            66,
        ),
        // A program's own name before a (translated) error: `gcc: 致命错误：`.
        (
            concat!(r"^\s*[\w.+-]+:\s*", error_word!(), r"\s*[:：]\s*\S"),
            62,
        ),
        // UBSan: `file:line:col: runtime error: ...`.
        (r":\d+(?::\d+)?: runtime error: \S", 80),
        // A tool or area named before `Error:` (`AWS Error:`, `CMake Error:`).
        (r"^\s*(?:[A-Z][\w.-]* ){1,2}(?:Error|ERROR):\s*\S", 60),
        (r"^\s*(?:ERROR|FATAL)(?: [A-Z]{2,}\d{2,})?:\s*\S", 58),
        // An exception with a code (`RequestError [HttpError]: Not Found`).
        (
            r"^\s*(?:Uncaught )?[A-Z]\w*(?:Error|Exception) \[[\w.-]+\]: \S",
            62,
        ),
        // Marks that loggers put before a failed action (goreleaser's `⨯`).
        (r"^\s*(?:⨯|✕|⛔)\s*\S", 60),
        // Azure Pipelines' error level when the `##` was lost in the paste.
        (r"^\[error\]\s*\S", 65),
        // Loggers' error levels: logrus `ERRO[0001]`, logfmt `level=error`.
        (r"^\s*(?:ERRO|FATA|PANI)\[\d+\]", 62),
        (r"\b(?:level|lvl)=(?:error|fatal|panic|crit(?:ical)?)\b", 60),
        // A container registry's error code (distribution spec).
        (
            r"(?i)(?:^|:\s)(?:toomanyrequests|manifest unknown|name unknown|blob unknown|manifest invalid)\b|\bYou have reached your pull rate limit\b",
            70,
        ),
        // An errno text closing a line: `exec /app/start.sh: exec format error`.
        (
            r"(?i): (?:exec format error|no such file or directory|permission denied|operation not permitted|connection refused|connection reset by peer|no space left on device|text file busy|read-only file system|input/output error|cannot allocate memory|connection timed out|network is unreachable|no route to host|too many open files|broken pipe)\.?\s*$",
            62,
        ),
        // A builder's verdict on a command: `returned a non-zero code: 137`.
        (
            r"(?i)\breturned (?:a )?non-zero (?:exit )?(?:code|status)\b:? ?[1-9]",
            60,
        ),
        // `rake aborted!`
        (r"^\s*\w[\w.:-]* aborted!", 58),
        // A CLI refusing its arguments: `Unrecognized option: 'check'`.
        (
            r"(?i)^\s*(?:unrecognized|unknown|invalid|unexpected|unsupported) (?:command[- ]line )?(?:option|argument|flag|sub-?command|command|parameter|switch)s?\b",
            60,
        ),
        // `Gradle sync failed: ...`, `Campaign Failed.`, `Release failed after 3s`.
        (
            r"(?i)^\s*[a-z]\w*(?: \w+)? failed(?: after [\w.]+)?(?:[!,.:]|\s*$)",
            52,
        ),
        (r"(?i)\b(?:has|have) failed\b", 52),
        // A program saying what it needs: `sudo: a password is required`.
        (
            r"^\s*[\w.-]+: (?:an? |the )?[\w ]{0,40}\b(?:is|are) required\b",
            55,
        ),
        // `... not found; install specified SDK version`, `... not found!`
        (r"(?i)\bnot found\s*(?:[;!]|$)", 55),
        (
            r"(?i)\b(?:does not|doesn't|do not|cannot|can't) support\b",
            50,
        ),
        // .NET's `Type : message` (NUnit, xUnit, `dotnet test`).
        (
            r"^\s*(?:-+> )?(?:[A-Za-z_]\w*\.)+\w*(?:Exception|Error) : \S",
            62,
        ),
        // A variable named as the thing to set, quoted: `Set the 'DOTNET_CLI_HOME'
        // environment variable`, `Please Set RAPTOR_CONFIGCONNECTIONSTRING`.
        (
            r#"(?i)\b(?:set|provide|export|define) (?:the |your |an? )?['"`]\$?[A-Z][A-Z0-9_]{2,}['"`] (?:env(?:ironment)? )?var"#,
            88,
        ),
        (
            r"\b[Ss]et [A-Z][A-Z0-9]*_[A-Z0-9_]{2,}\b(?: or [A-Z][A-Z0-9_]+)?\s*$",
            70,
        ),
        (
            r"(?i)\b(?:credentials?|token|api key|secret|password)s? (?:(?:is|are) )?(?:not (?:available|set|provided|configured)|missing)\b",
            62,
        ),
        // A thing the tool needed and could not get.
        (
            r"(?i)\b(?:could not|cannot|can ?not) be (?:\w+ly )?(?:determined|found|loaded|resolved|read|opened|created|built|installed|parsed|satisfied|downloaded|authenticated|verified|accessed|located|fetched)\b",
            55,
        ),
        (
            r"(?i)^\s*(?:\.\.\. )?[\w.-]+: (?:could not|cannot|can't|unable to|failed to) \w",
            58,
        ),
        // A version requirement not met: `go.mod requires go >= 1.22 (running go
        // 1.21.4)`, `requires rustc 1.74 or newer, while the currently active`,
        // Composer's `-> your php version (8.0.9) does not satisfy that requirement`.
        (
            r"(?i)\brequires? [\w.-]+ (?:version )?(?:[<>=^~]+ ?)?v?\d[\w.]*.*(?:\(running\b|\bcurrently active\b|\bis installed\b)|\bdoes not satisfy (?:that|the|this) requirement\b",
            62,
        ),
        // Composer's numbered problems, indented under their header.
        (r"^\s+Problem \d+\s*$", 55),
        // A Symfony console exception's header: `In CurlDownloader.php line 365:`.
        (r"^\s*In \S+\.php line \d+:\s*$", 60),
        (r"(?i)\bcurl error \d+\b", 62),
        (r"(?i)\b(?:syntax|parse) error\b", 60),
        (
            r"(?i)\binvalid (?:credentials|token|password|api key|username or password)\b",
            58,
        ),
        (
            r"(?i)\b(?:do(?:es)? not|don't|doesn't) have (?:the )?(?:required )?(?:permissions?|access|rights?)\b",
            62,
        ),
        // A server's refusal in a status line: `HTTP code: 502`, `HTTP 401`.
        (r"\bHTTP(?: code| status| error)?:? ?[45]\d\d\b", 58),
        (r"\bError response from daemon: \S", 65),
        // Monolog's `production.ERROR:`, a service's exit in systemd's journal.
        (r"\b\w+\.(?:ERROR|CRITICAL|ALERT|EMERGENCY): \S", 62),
        (r"\bcode=(?:exited|killed|dumped), status=[1-9]\d*", 58),
        // A test runner's summary counting errors: Surefire's `Tests in error:`.
        (r"^\s*Tests in error:\s*$", 58),
        (r"\b(?:Failures|Errors): [1-9]\d*\b", 55),
        // Go's checks of go.mod against vendor/modules.txt.
        (r"^\s*\S+: inconsistent \w+", 62),
        (
            r"@\S+: is (?:explicitly required in go\.mod|marked as explicit in vendor/modules\.txt|replaced in go\.mod), but\b",
            60,
        ),
    ];
    (
        PatternSet::new(rules.iter().map(|(p, _)| *p)),
        rules.iter().map(|(_, s)| *s).collect(),
    )
});

/// Lines the weaker rules must not read as a failure: words before a
/// `failed` that say nothing failed (`Nothing failed.`), a build system's
/// probe of the platform (CMake's `-- Looking for x - not found`).
static NOTHING: Pattern = Pattern::new(
    r"(?i)\b(?:nothing|none|no \w+|0 \w+|zero \w+)(?: of (?:the )?\w+)? (?:has |have )?failed\b|\bskipping\b|\bfalling back\b|^\s*-- |^\s*(?:Looking for|Check(?:ing)? (?:for|if|whether)|Performing Test)\b",
);

/// A logger's `error=` or `err=` field, its value captured.
static FIELD: Pattern = Pattern::new(r#"\berr(?:or)?=("[^"]*"|\S+)"#);

/// A JSON `"error"` member (Docker's stream: `{"errorDetail":{"message":"..."}}`),
/// its string value captured.
static JSON_ERROR: Pattern =
    Pattern::new(r#""(?:error|errorDetail|err)"\s*:\s*(?:\{\s*"message"\s*:\s*)?"([^"]*)""#);

/// Values of an error field that mean no error.
fn no_error(value: &str) -> bool {
    let v = value.trim_matches('"').trim();
    v.is_empty()
        || ["nil", "<nil>", "null", "none", "0", "false", "ok", "-"]
            .iter()
            .any(|n| v.eq_ignore_ascii_case(n))
}

/// How strongly a report that tools print under a warning word is a failure;
/// 0 when the line is none. Checked before warnings are ruled out.
pub(super) fn report(line: &str) -> u32 {
    let (set, scores) = &*REPORT;
    set.matches(line)
        .into_iter()
        .filter_map(|i| scores.get(i).copied())
        .max()
        .unwrap_or(0)
}

/// How strongly a line (foreign prefixes removed, not a warning or a count of
/// nothing: the caller checked) is a failure's evidence in the shapes above.
pub(super) fn evidence(line: &str) -> u32 {
    let (set, scores) = &*RULES;
    let mut best = set
        .matches(line)
        .into_iter()
        .filter_map(|i| scores.get(i).copied())
        .max()
        .unwrap_or(0);
    if best > 0 && best <= 55 && NOTHING.is_match(line) {
        best = 0;
    }
    if FIELD
        .captures_iter(line)
        .any(|c| c.get(1).is_some_and(|v| !no_error(v.as_str())))
    {
        best = best.max(58);
    }
    if JSON_ERROR
        .captures_iter(line)
        .any(|c| c.get(1).is_some_and(|v| !no_error(v.as_str())))
    {
        best = best.max(60);
    }
    best
}

/// An assertion's two values on consecutive lines: RSpec's `expected:` over
/// `got:`, NUnit's `expected:` over `actual:`, Jest's `Expected:` over `Received:`.
static EXPECTED: Pattern = Pattern::new(r"^\s*(?:[Ee]xpected|[Ww]ant(?:ed)?)\b[^:]{0,20}:\s*\S");
static ACTUAL: Pattern =
    Pattern::new(r"^\s*(?:[Gg]ot|[Aa]ctual|[Rr]eceived|[Bb]ut was)\b[^:]{0,20}:\s*\S");

/// Score of a line that opens an assertion's pair of values.
pub(super) const PAIR_SCORE: u32 = 60;

/// Whether `line` states an expected value and `next` the value found.
pub(super) fn pair(line: &str, next: &str) -> bool {
    EXPECTED.is_match(line) && ACTUAL.is_match(next)
}

/// A transient failure a tool retries: pip's `Retrying (Retry(total=3...)) after
/// connection broken by`, cargo's `spurious network error (2 tries remaining)`,
/// NuGet's `The request will now be retried`, Maven's `Could not transfer`.
static TRANSIENT: Pattern = Pattern::new(
    r"(?i)\bretrying\b.*\b(?:after|in \d|connection|timed? ?out|broken|attempt)|\bwill (?:now )?be retried\b|\bspurious network error\b|\bcould not transfer (?:artifact|metadata)\b|\bfailure to transfer\b|\b(?:tries|retries|attempts) (?:remaining|left)\b|\battempt \d+ (?:of|/) ?\d+ failed\b",
);

/// A line showing that work went on after a retry: it got through.
static MOVED_ON: Pattern = Pattern::new(
    r"(?i)^\s*(?:successfully\b|downloaded\b|installed\b|collecting\b|installing\b|compiling\b|finished\b|done\b|fetched\b|resolved\b|restored\b|requirement already satisfied|using cached\b|saved\b|added \d|building\b|running\b|BUILD SUCCESS|ok\b|✓|✔)",
);

/// Whether a line is a retry of a transient failure.
pub(super) fn transient(line: &str) -> bool {
    TRANSIENT.is_match(line)
}

/// Whether a stream (its lines, foreign prefixes removed) ends while a tool is
/// still retrying: after its last retry line come at most [`AFTER_RETRY`]
/// other lines, none showing that the work went on. A retry that got through
/// is no failure; one the log ends on is the only account of it there is.
pub(super) fn ends_retrying(lines: &[&str]) -> bool {
    let Some(last) = lines.iter().rposition(|l| transient(l)) else {
        return false;
    };
    let after: Vec<&str> = lines[last + 1..]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    after.len() <= AFTER_RETRY && !after.iter().any(|l| MOVED_ON.is_match(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_under_warning_words() {
        for t in [
            "==19976==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6030000000b2",
            "WARNING: ThreadSanitizer: data race (pid=55117)",
            "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior ../src/graphsym.cpp:389:62 in",
            "==4242== ERROR SUMMARY: 3 errors from 3 contexts (suppressed: 0 from 0)",
        ] {
            assert!(report(t) >= 70, "{t}");
        }
        for t in [
            "==4242== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)",
            "-- Performing Test HAVE_ADDRESS_SANITIZER - Success",
            "ThreadSanitizer: reported 0 warnings",
        ] {
            assert_eq!(report(t), 0, "{t}");
        }
    }

    #[test]
    fn shapes_that_are_evidence() {
        for t in [
            "    /build/source/components/misc/utf8stream.hpp:11:13: error: 'uint32_t' does not name a type",
            r"D:\Gothic Studio\ZenKit\tests\TestWorld.cc(235): ERROR: CHECK_EQ( box1.max, x ) is NOT correct!",
            r"C:\Program Files\dotnet\sdk\2.2.102\NuGet.targets(114,5): error : A task was canceled.",
            "{standard input}:24109: 错误：expected symbol name",
            "gcc: 致命错误：已杀死 signal terminated program cc1",
            "../src/graphsym.cpp:389:62: runtime error: signed integer overflow",
            "AWS Error: NoCredentialProviders - no valid providers in chain. Deprecated.",
            "  Make Error: The following variables are used in this project, but they are set to NOTFOUND.",
            "RequestError [HttpError]: Not Found",
            "⨯ release failed after 0.06s error=missing GITHUB_TOKEN",
            "[error]Bash exited with code '1'.",
            "ERRO[0003] error waiting for container: context canceled",
            r#"time="2024-01-01T00:00:00Z" level=error msg="pull failed""#,
            "toomanyrequests: You have reached your pull rate limit. You may increase the limit",
            "manifest unknown",
            r#"{"errorDetail":{"message":"toomanyrequests: You have reached your pull rate limit."},"error":"x"}"#,
            "exec /app/start.sh: exec format error",
            "The command '/bin/sh -c /home/beakerx/setup.sh' returned a non-zero code: 137",
            "rake aborted!",
            "Unrecognized option: 'check'",
            "Gradle sync failed: Could not find method implementation() for arguments",
            "Campaign Failed. CIScore Higher than threshold !!!",
            "The job was not started because recent account payments have failed or",
            "sudo: a terminal is required to read the password; either use the -S option",
            "The specified SDK version [] from global.json [/x/global.json] not found; install specified SDK version",
            "The current .NET SDK does not support targeting .NET 10.0.",
            "go: inconsistent vendoring in /go/pkg/mod/x@v1.9.4:",
            "go: go.mod requires go >= 1.22 (running go 1.21.4)",
            "Caused by:   package `clap_lex v0.7.0` cannot be built because it requires rustc 1.74 or newer",
            "  - laravel/ui v2.2.0 requires php ^7.2.5 -> your php version (8.0.9) does not satisfy that requirement.",
            "The user's home directory could not be determined. Set the 'DOTNET_CLI_HOME' environment variable to specify the directory to use.",
            "----> NUnit.Framework.AssertionException : Incorrect Raptor Config. Please Set RAPTOR_CONFIGCONNECTIONSTRING or RAPTOR_CONFIGENDPOINT",
            "Artifact Registry credentials not available",
            "You do not have permission to push to this gem.",
            "Gemfile syntax error:",
            "In CurlDownloader.php line 365:",
            "  curl error 28 while downloading https://repo.packagist.org/packages.json:",
            "healthHandler: docker Info error: Error response from daemon: client version 1.51 is too new.",
            "[2023-08-31 13:58:15] production.ERROR: No application encryption key has been specified.",
            "TechnitiumDNS.service: main process exited, code=exited, status=1/FAILURE",
            "Tests run: 6, Failures: 0, Errors: 2, Skipped: 0",
            "\tgithub.com/spf13/cobra@v1.6.1: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt",
        ] {
            assert!(evidence(t) >= 50, "{t}: {}", evidence(t));
        }
    }

    #[test]
    fn counter_examples_stay_quiet() {
        for t in [
            r#"time="2024-01-01T00:00:00Z" level=info msg="pulled" error=<nil>"#,
            "request done err=nil status=200",
            r#"{"status":"Downloaded newer image","error":""}"#,
            r#"{"result":"ok","error":null}"#,
            "Nothing failed.",
            "0 tests failed.",
            "None of the checks have failed",
            "latest: Pulling from library/alpine",
            "Status: Downloaded newer image for alpine:latest",
            "src/x.c:12:5: note: declared here",
            "src/x.c:12:5: warning: unused variable 'y'",
            "Cache not found for input keys: Linux-pip-abc",
            "Errors: 0",
            "-- Looking for pthread.h - found",
            "-- Looking for sys/random.h - not found",
            "Tests run: 6, Failures: 0, Errors: 0, Skipped: 0",
            "HTTP/1.1 200 OK",
            "[2023-08-31 13:58:15] production.INFO: cache cleared",
            "TechnitiumDNS.service: main process exited, code=exited, status=0/SUCCESS",
            "Requirement already satisfied: requests>=2.0 in ./venv (2.31.0)",
        ] {
            assert!(evidence(t) < 50, "{t}: {}", evidence(t));
        }
    }

    #[test]
    fn an_assertion_is_two_values() {
        assert!(pair(
            "expected: #<ObjectA>",
            "     got: #<ObjectA> (using ==)"
        ));
        assert!(pair(
            r#"expected: "intValue INT(4)\r\n2  X""#,
            r#"actual:   "intValue INT(4)\n2  X""#
        ));
        assert!(!pair("expected: #<ObjectA>", "all 3 passed"));
        assert!(!pair("Collecting expected", "got: x"));
    }

    #[test]
    fn a_retry_counts_only_when_the_stream_ends_on_it() {
        let retry = "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError(...)': /simple/requests/";
        assert!(ends_retrying(&[
            "Collecting requests",
            retry,
            retry,
            "  Downloading requests-2.31.0.tar.gz"
        ]));
        assert!(ends_retrying(&[
            "warning: spurious network error (2 tries remaining): [28] Timeout was reached",
            " Downloading 71 crates, remaining bytes: 33.0 KB",
        ]));
        // The retry got through.
        assert!(!ends_retrying(&[
            retry,
            "  Downloading requests-2.31.0-py3-none-any.whl (62 kB)",
            "Installing collected packages: requests",
            "Successfully installed requests-2.31.0",
        ]));
        assert!(!ends_retrying(&[
            "warning: spurious network error (2 tries remaining): [7] Couldn't connect to server",
            "  Downloaded serde v1.0.200",
        ]));
        assert!(!ends_retrying(&["Collecting requests", "all good"]));
    }
}
