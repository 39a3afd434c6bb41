//! Patterns compiled on first need, behind a literal prefilter.
//!
//! The fact parsers and the line scorers hold a few hundred regexes, and a
//! short log used to spend almost all of its run time compiling them (Unicode
//! classes such as `\w` become large UTF-8 automata), although one failure
//! needs a handful. A [`Pattern`] therefore starts as its source text. On the
//! first search it parses the pattern's syntax tree (cheap: no Unicode table,
//! no automaton) and derives a set of literals of which every match must
//! contain one, e.g. `No module named ` for `No module named '(\w+)'`. A
//! haystack holding none of them cannot match, and the regex is compiled only
//! when some haystack does.
//!
//! The tree comes from `regex-syntax`, the parser the `regex` crate itself
//! uses, so the literals describe the same language: the prefilter only says
//! "cannot match" when the regex would say the same. A pattern with no usable
//! literal (`^\s*\d+`) or with case-insensitive parts is compiled on first use.
//!
//! Compiling is still the start-up cost of a short log: a Unicode class
//! (`\w`, `\d`, `.`, `[^"]`, every class under `(?i)`) becomes a UTF-8
//! automaton, forwards and in reverse, and `\.\w{1,5}` alone took
//! milliseconds. Almost every log line is ASCII, and on an ASCII haystack a
//! class can only ever match its ASCII members. So each pattern also has an
//! ASCII twin: the same syntax tree with every class cut to `[\0-\x7F]` and
//! Unicode word boundaries made ASCII ones, which compiles seven to thirty
//! times faster and finds exactly the same matches and groups on ASCII text.
//! A haystack with any non-ASCII byte gets the full regex.

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{CaptureMatches, Captures, Match, Matches, Regex};
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};

mod literals;
#[cfg(test)]
mod sources;
mod table;
mod tree;

use literals::Haystack;

/// The literals of `source` ([`literals::literals`]), from the table that
/// `build.rs` made of the patterns written in the source where it has them.
fn literals(source: &str, hay: Haystack) -> Option<(Vec<Vec<u8>>, bool)> {
    table::lookup(source, hay).unwrap_or_else(|| literals::literals(source, hay))
}

/// A regex compiled on first need; see the module documentation.
pub struct Pattern {
    source: &'static str,
    needles: OnceLock<Option<Needles>>,
    /// The literals for ASCII haystacks, where `(?i)` may keep `k` and `s`.
    ascii_needles: OnceLock<Option<Needles>>,
    regex: OnceLock<Regex>,
    /// The ASCII twin, for ASCII haystacks only.
    ascii: OnceLock<Regex>,
    /// A long alternation's branches, each with its own literals and twin:
    /// for ASCII haystacks, until the whole twin is built.
    branches: OnceLock<Option<Vec<Branch>>>,
}

/// Alternations at least this long are tried branch by branch first.
const SPLIT_MIN_BYTES: usize = 160;

/// One top-level branch of a long alternation (see [`Pattern::for_haystack`]).
struct Branch {
    source: String,
    needles: Option<Needles>,
    /// `None` if the twin could not be built (then the branch may match).
    regex: OnceLock<Option<Regex>>,
}

impl Branch {
    fn new(source: String) -> Branch {
        Branch {
            needles: needles(&source, Haystack::Ascii),
            source,
            regex: OnceLock::new(),
        }
    }

    /// Whether the branch matches the ASCII `haystack` (true if unsure).
    fn is_match(&self, haystack: &str) -> bool {
        if self
            .needles
            .as_ref()
            .is_some_and(|n| !n.is_match(haystack.as_bytes()))
        {
            return false;
        }
        self.regex
            .get_or_init(|| ascii_twin(&self.source).and_then(|p| Regex::new(&p).ok()))
            .as_ref()
            .is_none_or(|r| r.is_match(haystack))
    }
}

impl Pattern {
    pub const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            needles: OnceLock::new(),
            ascii_needles: OnceLock::new(),
            regex: OnceLock::new(),
            ascii: OnceLock::new(),
            branches: OnceLock::new(),
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.source
    }

    /// The compiled regex (compiling it now if need be). Panics on an
    /// invalid pattern, which the tests of each table rule out.
    pub fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| Regex::new(self.source).expect("built-in patterns are valid"))
    }

    /// The regex to run on `haystack`: the ASCII twin when the haystack is
    /// ASCII (the same matches, compiled far faster), else the full one.
    pub fn regex_for(&self, haystack: &str) -> &Regex {
        if !haystack.is_ascii() {
            return self.regex();
        }
        self.ascii.get_or_init(|| {
            ascii_twin(self.source)
                .and_then(|p| Regex::new(&p).ok())
                // Cannot happen for a valid pattern; the full regex is always right.
                .unwrap_or_else(|| self.regex().clone())
        })
    }

    /// Whether `haystack` may match: false only when it cannot.
    pub fn may_match(&self, haystack: &str) -> bool {
        let needles = if haystack.is_ascii() {
            self.ascii_needles
                .get_or_init(|| needles(self.source, Haystack::Ascii))
        } else {
            self.needles
                .get_or_init(|| needles(self.source, Haystack::Any))
        };
        needles
            .as_ref()
            .is_none_or(|n| n.is_match(haystack.as_bytes()))
    }

    /// The regex if `haystack` may match.
    ///
    /// A long alternation's twin is the costliest thing a short log builds,
    /// and its literals are often common words (`Error` in `Error \((\d{3})\)`).
    /// So until some ASCII haystack needs it, each top-level branch is tried
    /// on its own, behind its own literals: small twins, built only for the
    /// branches whose literals a haystack holds. No branch matching means
    /// the alternation cannot match.
    fn for_haystack(&self, haystack: &str) -> Option<&Regex> {
        if !self.may_match(haystack) {
            return None;
        }
        if haystack.is_ascii()
            && self.ascii.get().is_none()
            && self.source.len() >= SPLIT_MIN_BYTES
            && let Some(branches) = self.branches.get_or_init(|| {
                tree::top_branches(self.source).map(|b| b.into_iter().map(Branch::new).collect())
            })
            && !branches.iter().any(|b| b.is_match(haystack))
        {
            return None;
        }
        Some(self.regex_for(haystack))
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        self.for_haystack(haystack)
            .is_some_and(|r| r.is_match(haystack))
    }

    pub fn find<'h>(&self, haystack: &'h str) -> Option<Match<'h>> {
        self.for_haystack(haystack)?.find(haystack)
    }

    pub fn captures<'h>(&self, haystack: &'h str) -> Option<Captures<'h>> {
        self.for_haystack(haystack)?.captures(haystack)
    }

    pub fn replace<'h>(&self, haystack: &'h str, rep: &str) -> Cow<'h, str> {
        match self.for_haystack(haystack) {
            Some(r) => r.replace(haystack, rep),
            None => Cow::Borrowed(haystack),
        }
    }

    pub fn replace_all<'h>(&self, haystack: &'h str, rep: &str) -> Cow<'h, str> {
        match self.for_haystack(haystack) {
            Some(r) => r.replace_all(haystack, rep),
            None => Cow::Borrowed(haystack),
        }
    }

    pub fn captures_iter<'r, 'h>(
        &'r self,
        haystack: &'h str,
    ) -> std::iter::Flatten<std::option::IntoIter<CaptureMatches<'r, 'h>>> {
        self.for_haystack(haystack)
            .map(|r| r.captures_iter(haystack))
            .into_iter()
            .flatten()
    }

    pub fn find_iter<'r, 'h>(
        &'r self,
        haystack: &'h str,
    ) -> std::iter::Flatten<std::option::IntoIter<Matches<'r, 'h>>> {
        self.for_haystack(haystack)
            .map(|r| r.find_iter(haystack))
            .into_iter()
            .flatten()
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// Many patterns tried on the same lines (a `RegexSet` without compiling
/// the whole set): one Aho-Corasick pass over the line finds the patterns
/// whose literals it holds, and only those are run, each compiled on first
/// need. Patterns without usable literals are tried on every line.
pub struct PatternSet {
    patterns: Vec<Pattern>,
    /// The literals of the patterns, exact and ignoring ASCII case, each
    /// with a map from literal index to pattern index.
    literals: [Option<(AhoCorasick, Vec<usize>)>; 2],
    always: Vec<usize>,
}

impl PatternSet {
    pub fn new<I: IntoIterator<Item = &'static str>>(sources: I) -> PatternSet {
        let patterns: Vec<Pattern> = sources.into_iter().map(Pattern::new).collect();
        let mut lits: [(Vec<Vec<u8>>, Vec<usize>); 2] = Default::default();
        let mut always = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match literals(p.source, Haystack::Any) {
                Some((ls, ci)) => {
                    let (l, owner) = &mut lits[usize::from(ci)];
                    owner.extend(std::iter::repeat_n(i, ls.len()));
                    l.extend(ls);
                }
                None => always.push(i),
            }
        }
        let mut built = Vec::new();
        for (ci, (l, owner)) in [false, true].into_iter().zip(lits) {
            if l.is_empty() {
                built.push(None);
                continue;
            }
            // A noncontiguous automaton without a prefilter: it runs on a
            // few hundred kept lines at most, and building the contiguous
            // form and its prefilter cost a short log more than the search.
            let ac = AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .prefilter(false)
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(ci)
                .build(&l);
            match ac {
                Ok(ac) => built.push(Some((ac, owner))),
                // Cannot happen for so few literals; then the pattern is tried always.
                Err(_) => {
                    always.extend(owner);
                    built.push(None);
                }
            }
        }
        always.sort_unstable();
        always.dedup();
        let ci = built.pop().flatten();
        let exact = built.pop().flatten();
        let literals = [exact, ci];
        PatternSet {
            patterns,
            literals,
            always,
        }
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The indices of the patterns that match `haystack`, in increasing order.
    pub fn matches(&self, haystack: &str) -> Vec<usize> {
        let mut cand = self.candidates(haystack);
        cand.retain(|&i| self.is_match_one(i, haystack));
        cand
    }

    /// The indices of the patterns that may match `haystack` (a superset of
    /// [`PatternSet::matches`]), in increasing order, none compiled yet.
    pub fn candidates(&self, haystack: &str) -> Vec<usize> {
        let mut cand = self.always.clone();
        for (ac, owner) in self.literals.iter().flatten() {
            cand.extend(
                ac.find_overlapping_iter(haystack)
                    .map(|m| owner[m.pattern().as_usize()]),
            );
        }
        cand.sort_unstable();
        cand.dedup();
        cand
    }

    /// Whether pattern `i` matches (false for an index out of range).
    pub fn is_match_one(&self, i: usize, haystack: &str) -> bool {
        self.patterns
            .get(i)
            .is_some_and(|p| p.regex_for(haystack).is_match(haystack))
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        let hit = |i: &usize| self.patterns[*i].regex_for(haystack).is_match(haystack);
        if self.always.iter().any(hit) {
            return true;
        }
        let mut tried = Vec::new();
        for (ac, owner) in self.literals.iter().flatten() {
            for m in ac.find_overlapping_iter(haystack) {
                let i = owner[m.pattern().as_usize()];
                if !tried.contains(&i) {
                    if hit(&i) {
                        return true;
                    }
                    tried.push(i);
                }
            }
        }
        false
    }
}

/// `source` restricted to ASCII haystacks, as pattern text: parsed and
/// translated as the regex crate does (so `(?i)` is already folded into
/// classes), every class intersected with ASCII, Unicode word boundaries made
/// ASCII (they agree wherever both sides of the boundary are ASCII), then
/// printed. Literals stay as they are: a non-ASCII one simply never matches
/// ASCII text. Capture groups keep their order and names.
fn ascii_twin(source: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .ok()?;
    // regex-syntax prints `(?:x+)?` as `x+?`, a lazy `x+`: such a pattern
    // gets no twin.
    if nested_repetition(&hir) {
        return None;
    }
    Some(ascii_hir(hir).to_string())
}

/// Whether a repetition repeats a repetition directly.
fn nested_repetition(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Repetition(r) => {
            matches!(r.sub.kind(), HirKind::Repetition(_)) || nested_repetition(&r.sub)
        }
        HirKind::Capture(c) => nested_repetition(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(nested_repetition),
        _ => false,
    }
}

fn ascii_hir(h: Hir) -> Hir {
    match h.into_kind() {
        HirKind::Class(Class::Unicode(mut c)) => {
            c.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7f')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(c) => Hir::class(c),
        HirKind::Look(l) => Hir::look(match l {
            Look::WordUnicode => Look::WordAscii,
            Look::WordUnicodeNegate => Look::WordAsciiNegate,
            Look::WordStartUnicode => Look::WordStartAscii,
            Look::WordEndUnicode => Look::WordEndAscii,
            Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
            Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
            other => other,
        }),
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(ascii_hir(*r.sub));
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(ascii_hir(*c.sub));
            Hir::capture(c)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(ascii_hir).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.into_iter().map(ascii_hir).collect()),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Empty => Hir::empty(),
    }
}

/// The literals of one pattern, searched one by one (at most
/// [`literals::MAX_LITERALS`]): building an automaton cost about fifty microseconds,
/// more than many short lines' searches, and a short log asked a hundred
/// patterns.
struct Needles {
    lits: Vec<Vec<u8>>,
    ci: bool,
}

impl Needles {
    fn is_match(&self, hay: &[u8]) -> bool {
        if self.ci {
            self.lits.iter().any(|l| contains_ignore_ascii_case(hay, l))
        } else {
            self.lits
                .iter()
                .any(|l| memchr::memmem::find(hay, l).is_some())
        }
    }
}

/// Whether `hay` holds `lit` up to ASCII case (as Aho-Corasick's
/// `ascii_case_insensitive` finds it): candidates are the places where the
/// literal's first byte stands in either case.
fn contains_ignore_ascii_case(hay: &[u8], lit: &[u8]) -> bool {
    let Some(&first) = lit.first() else {
        return true;
    };
    if hay.len() < lit.len() {
        return false;
    }
    let last_start = hay.len() - lit.len();
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, &hay[..=last_start])
        .any(|i| hay[i..i + lit.len()].eq_ignore_ascii_case(lit))
}

/// The literals of `source` to search for, if it has usable ones.
fn needles(source: &str, hay: Haystack) -> Option<Needles> {
    let (lits, ci) = literals(source, hay)?;
    Some(Needles { lits, ci })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        let (v, _) = literals(p, Haystack::Any)?;
        Some(
            v.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect(),
        )
    }

    #[test]
    fn required_literals_of_typical_patterns() {
        assert_eq!(
            lits(r"No module named (?:'([^'\n]{1,200})'|([A-Za-z_][\w.]*))"),
            Some(vec!["No module named ".into()])
        );
        // An inner literal after an unbounded class.
        assert_eq!(
            lits(r"(?m)(?:^|: )([^\s:/']+): command not found"),
            Some(vec![": command not found".into()])
        );
        // Every branch must give one.
        assert_eq!(
            lits(r"package (\w+) does not exist|ClassNotFoundException"),
            Some(vec![
                " does not exist".into(),
                "ClassNotFoundException".into()
            ])
        );
        assert_eq!(lits(r"^\s*\d+\s*\|"), None);
        assert_eq!(lits(r"foo|\d+"), None);
        assert_eq!(lits(r"(?:abc)?\d"), None);
        // Case-insensitive literals are cut where a character has a non-ASCII
        // case form (`k` also matches the Kelvin sign).
        assert_eq!(
            literals(r"(?i)xyz", Haystack::Any),
            Some((vec![b"xyz".to_vec()], true))
        );
        assert_eq!(lits(r"(?i)the socket closed"), Some(vec!["et clo".into()]));
        assert_eq!(lits(r"(?i)kiss"), None);
        // On ASCII text `k` and `s` have no other case forms.
        let ascii = |p| literals(p, Haystack::Ascii).map(|(v, _)| v);
        assert_eq!(ascii(r"(?i)kiss"), Some(vec![b"kiss".to_vec()]));
        assert_eq!(
            ascii(r"(?i)reset|refused"),
            Some(vec![b"refused".to_vec(), b"reset".to_vec()])
        );
        assert_eq!(ascii("(?i)caf\u{e9}x"), Some(vec![b"caf".to_vec()]));
        // Exact parts next to each other are crossed into longer literals.
        assert_eq!(lits(r"abcd(?i:xyz)"), Some(vec!["abcdxyz".into()]));
        assert_eq!(
            lits(r"[\w.-]*\.(?:ya?ml|toml)(?::\d+)?"),
            Some(vec![".toml".into(), ".yaml".into(), ".yml".into()])
        );
        assert_eq!(
            lits(r"(?:Failed|Error) \((\d{3})\)"),
            Some(vec!["Error (".into(), "Failed (".into()])
        );
        assert_eq!(
            lits(r"timed? ?out"),
            Some(vec![
                "time out".into(),
                "timed out".into(),
                "timedout".into(),
                "timeout".into()
            ])
        );
        // Too many strings to cross: a new run starts at the part that
        // would have made too many.
        assert_eq!(
            lits(r"[ab](?:c|d|e|f|g|h)(?:i|j|k|l|m|n)(?:o|p|q|r|s|t)xyzw"),
            Some(
                ["oxyzw", "pxyzw", "qxyzw", "rxyzw", "sxyzw", "txyzw"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(lits(r"a{2}b{1,}cd"), Some(vec!["aa".into()]));
    }

    /// Patterns with their prefilter must answer exactly as the plain regex,
    /// on texts that hold a literal, lack it, or hold it in another case or
    /// as a Unicode case variant.
    #[test]
    fn prefiltered_search_agrees_with_the_regex() {
        let patterns = [
            r"No module named (?:'([^'\n]{1,200})'|([A-Za-z_][\w.]*))",
            r"(?i)codecov.*token (?:not found|required)|Token required (?:-|because)",
            r"(?m)(?:^|: )([^\s:/']+): command not found|exec: .([^/\s]+).: executable file not found",
            r"\b[1-9]\d* (?:failed|failures?|errors?)\b|\bFAILED\b|^FAIL\b",
            r"(?i)(?:^|[^\w-])error(?:[^\w-]|$)",
            r"(?i)\bkelvin\b",
            r"(?i)connection refused|permission denied",
            r"^\s*(?:>+\s*)?\d+\s*\|(?:\s|$)",
            r"a{0}b|c",
            r"[^\x00-\x{10FFFF}]",
        ];
        let hays = [
            "",
            "E   ModuleNotFoundError: No module named 'yaml'",
            "No module named",
            "codecov: TOKEN NOT FOUND",
            "Codecov upload: token required",
            "bash: line 1: foo: command not found",
            "exec: \"x\": executable file not found in $PATH",
            "3 failed, 2 passed in 0.1s",
            "FAILED tests/x.py::t",
            "an Error here",
            "errors-only",
            "\u{212a}elvin",
            "KELVIN",
            "CONNECTION REFUSED",
            "Permi\u{17f}\u{17f}ion denied",
            "PERMISSION DENIED",
            "Kelvin",
            "  12 | const x = 1;",
            "b c",
            "nothing to see",
        ];
        for p in patterns {
            let lazy = Pattern::new(p);
            let plain = Regex::new(p).unwrap();
            for h in hays {
                assert_eq!(lazy.is_match(h), plain.is_match(h), "{p} on {h:?}");
                assert_eq!(
                    lazy.find(h).map(|m| m.range()),
                    plain.find(h).map(|m| m.range()),
                    "{p} on {h:?}"
                );
                assert_eq!(lazy.find_iter(h).count(), plain.find_iter(h).count());
                assert_eq!(
                    lazy.captures_iter(h).count(),
                    plain.captures_iter(h).count()
                );
            }
        }
    }

    #[test]
    fn a_set_agrees_with_a_regex_set() {
        let sources = [
            r"^E\s+assert\b",
            r"\bERROR\b",
            r"(?i)(?:^|[^\w-])error(?:[^\w-]|$)",
            r"^\s*\d+\s*\|",
            r"No module named '(\w+)'",
            r"Error",
        ];
        let set = PatternSet::new(sources);
        let plain = regex::RegexSet::new(sources).unwrap();
        for h in [
            "",
            "E   assert 1 == 2",
            "ERROR: x",
            "an error",
            "  12 | x",
            "No module named 'yaml'",
            "ModuleNotFoundError: No module named 'yaml'",
            "fine",
        ] {
            let want: Vec<usize> = plain.matches(h).iter().collect();
            assert_eq!(set.matches(h), want, "{h:?}");
            assert_eq!(set.is_match(h), plain.is_match(h), "{h:?}");
        }
    }

    #[test]
    fn nothing_is_compiled_for_a_haystack_without_the_literal() {
        let p = Pattern::new(r"No module named '(\w+)'");
        assert!(p.captures("all tests passed").is_none());
        assert!(
            p.regex.get().is_none() && p.ascii.get().is_none(),
            "compiled although it could not match"
        );
        assert_eq!(&p.captures("No module named 'yaml'").unwrap()[1], "yaml");
        assert!(p.ascii.get().is_some() && p.regex.get().is_none());
        // Non-ASCII text gets the full regex, and its Unicode classes.
        assert_eq!(
            &p.captures("No module named 'y\u{e4}ml'").unwrap()[1],
            "y\u{e4}ml"
        );
        assert!(p.regex.get().is_some());
    }

    /// Patterns with every construct the twin rewrites: Unicode classes
    /// (`\w`, `\d`, `\s`, `\S`, `.`, negated sets), `(?i)` with the letters
    /// whose case forms leave ASCII (`k`, `s`), word boundaries of each kind,
    /// non-ASCII literals and classes, named groups, multi-line anchors; and
    /// the slowest of the built-in ones.
    const TWIN_PATTERNS: &[&str] = &[
        r"^(?:(?:[A-Za-z]:)?[\w./\\-]+\.\w{1,5}(?::\d+(?::\d+)?: \S|\(\d+,\d+\): error|:\d+:\d+ - error)|\s+\d+:\d+\s+error\s|Diff in \S+ at line \d+:|would reformat \S)",
        r"(?i)\bHTTP(?:/\d(?:\.\d)?)?(?: (?:code|status|error|response))?[ :]+(\d{3})\b|\bstatus(?: code)?(?: was)?[:= ]+(\d{3})\b",
        r"(?i)timed? ?out|refused|reset|unreachable|\b(?:429|50[234])\b|ECONN|ETIMEDOUT|kiss|SKY",
        r"No module named (?:'([^'\n]{1,200})'|([A-Za-z_][\w.]*))",
        r"^\s*(?:at )?(?:(?:async )?([\w$.<>\[\] ]+?) \()?(?:file://)?([^\s()']+?\.[cm]?[jt]sx?):(\d+):\d+\)?'?\s*$",
        r"^(?:\s*[│╷╵]\s*|remote: |#\d+ \d+\.\d+ )(?P<rest>.*)",
        r"^(?:_{3,} .+ _{3,}|---- \S+ stdout ----|\s*--- FAIL: \S+.*|\s*● .+|=+ .+ =+)$",
        r"(?m)^E\s+(?:[\w.]+\.)?\w*(?:Error|Exception)\b$",
        r"\B-\w+\B|\bx\b|(?-u:\b)y|\b{start}z\b{end}|\b{start-half}q\b{end-half}",
        r"(?i)café|[^a-z\s]{2,}|(?i:[à-ÿk]+)",
        r"(?s)a.c|a.{2}c|[\d\D]x",
    ];

    /// A haystack of pieces that exercise the patterns: their words, digits,
    /// punctuation, blanks, newlines, `k`, `s` and random ASCII.
    fn ascii_haystack() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            proptest::sample::select(vec![
                "No module named ",
                "'",
                "yaml",
                ".",
                "x",
                "y",
                "z",
                "q",
                ":",
                "12",
                "3",
                " ",
                "\t",
                "\n",
                "E ",
                "Error",
                "Exception",
                "HTTP/1.1 ",
                "status code ",
                "404",
                "503",
                "timed out",
                "KISS",
                "sky",
                "_",
                "___",
                "----",
                " stdout ",
                "--- FAIL: ",
                "at ",
                "file://",
                "src/a.ts",
                "(",
                ")",
                "[",
                "]",
                "-",
                "\\",
                "remote: ",
                "#1 0.5 ",
                "abc",
                "a",
                "c",
                "=",
                "would reformat ",
                "Diff in ",
            ])
            .prop_map(str::to_string),
            "[\\x00-\\x7f]{1,3}",
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    type Groups = Vec<Vec<Option<std::ops::Range<usize>>>>;

    fn all_groups(r: &Regex, h: &str) -> Groups {
        r.captures_iter(h)
            .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect())
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        /// On ASCII text the twin finds the same matches and groups as the
        /// full regex, for every pattern.
        #[test]
        fn ascii_twin_agrees_on_ascii_text(h in ascii_haystack()) {
            proptest::prop_assume!(h.is_ascii());
            for p in TWIN_PATTERNS {
                let full = Regex::new(p).unwrap();
                let twin = Regex::new(&ascii_twin(p).unwrap()).unwrap();
                proptest::prop_assert_eq!(all_groups(&twin, &h), all_groups(&full, &h), "{} on {:?}", p, h);
                let names: Vec<_> = twin.capture_names().collect();
                proptest::prop_assert_eq!(names, full.capture_names().collect::<Vec<_>>());
            }
        }
    }

    /// Text with the literals below in several cases, the Kelvin sign and
    /// random printable characters.
    fn needle_haystack() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            proptest::sample::select(vec![
                "Error",
                "ERROR",
                "eRr",
                "timed out",
                "TIMED",
                "\u{212a}iss",
                "kiss",
                "KISS",
                "x",
                " ",
                "\n",
                "e",
            ])
            .prop_map(str::to_string),
            "\\PC{0,3}",
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Literals searched one by one find what one Aho-Corasick pass
        /// finds, exactly and ignoring ASCII case, on any text (non-ASCII
        /// case variants such as the Kelvin sign included).
        #[test]
        fn few_needles_agree_with_aho_corasick(h in needle_haystack()) {
            use proptest::prelude::*;
            let sets: [&[&str]; 4] = [&["error"], &["timed out", "kiss", "e"], &["rr", "Err", "ss"], &["\u{212a}i", "x "]];
            for lits in sets {
                let lits: Vec<Vec<u8>> = lits.iter().map(|l| l.as_bytes().to_vec()).collect();
                for ci in [false, true] {
                    let few = Needles { lits: lits.clone(), ci };
                    let ac = AhoCorasick::builder()
                        .ascii_case_insensitive(ci)
                        .build(&lits)
                        .unwrap();
                    prop_assert_eq!(few.is_match(h.as_bytes()), ac.is_match(&h), "{:?} ci={} on {:?}", lits, ci, h);
                }
            }
        }
    }

    /// Long alternations (tried branch by branch) answer as the plain regex.
    const LONG_ALTERNATIONS: &[&str] = &[
        r"(?i)\bHTTP(?:/\d(?:\.\d)?)?(?: (?:code|status|error|response))?[ :]+(\d{3})\b|\bstatus(?: code)?(?: was)?[:= ]+(\d{3})\b|\b(\d{3}) (?:Not Found|Unauthorized|Forbidden|Bad Request)\b|returned error: (\d{3})\b|(?:Failed|Error|Forbidden|Unauthorized) \((\d{3})\)",
        r"(?i)timed? ?out|refused|reset|unreachable|resolv|Too Many Requests|Bad Gateway|Service Unavailable|Gateway Time|\b(?:429|50[234])\b|name resolution|hang up|rate limit|ECONN|ETIMEDOUT|EAI_AGAIN|ENOTFOUND",
        r"(?m)^Found \d+ errors? in \d+ files? \(checked \d+ source files?\)|^Found \d+ errors? in (?:\d+ files?|the same file)|✖ \d+ problems? \(\d+ errors?|^\d+ files? would be reformatted|^\d+ (?:E|W|F|C)\d{3}\b|^Diff in .* at line \d+:",
        r"(?P<kind>[|a-z]+) [a-z|]{2,} (?i:kelvin|status) \d+\|(?:x|y)|no module named '(?P<m>[\w.]+)'|error\[E\d{4}\]: [^\n]{0,40}|^\s*--> (\S+):(\d+)|cannot find (?:module|package) '([\w@/.-]+)'|permission denied \(publickey\)",
    ];

    #[test]
    fn long_alternations_agree_with_the_regex() {
        let hays = [
            "",
            "ModuleNotFoundError: No module named 'yaml'",
            "Error (404)",
            "error: HTTP 503",
            "Request failed: status code 429",
            "getaddrinfo ENOTFOUND registry.npmjs.org",
            "ModuleNotFoundError: NotFound",
            "Found 3 errors in 2 files (checked 14 source files)",
            "x\nFound 1 error in 1 file (checked 1 source file)\n",
            "12 files would be reformatted",
            "3 E501 line too long",
            "✖ 4 problems (4 errors",
            "error[E0425]: cannot find value `x`",
            "  --> src/main.rs:3",
            "a|b c|d KELVIN 3|x",
            "ab cd \u{212a}elvin 3|y",
            "returned error: 500",
            "Connection TIMED OUT",
        ];
        for p in LONG_ALTERNATIONS {
            assert!(p.len() >= SPLIT_MIN_BYTES, "{p}");
            assert!(tree::top_branches(p).is_some(), "{p}");
            let plain = Regex::new(p).unwrap();
            // A fresh pattern per haystack: the branch road is taken only
            // until the whole twin exists.
            for h in hays {
                let lazy = Pattern::new(p);
                assert_eq!(lazy.is_match(h), plain.is_match(h), "{p} on {h:?}");
                let lazy = Pattern::new(p);
                assert_eq!(
                    all_groups_of(&lazy, h),
                    all_groups(&plain, h),
                    "{p} on {h:?}"
                );
            }
            let shared = Pattern::new(p);
            for h in hays {
                assert_eq!(
                    shared.find(h).map(|m| m.range()),
                    plain.find(h).map(|m| m.range()),
                    "{p} on {h:?}"
                );
            }
        }
    }

    fn all_groups_of(p: &Pattern, h: &str) -> Groups {
        p.captures_iter(h)
            .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect())
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn long_alternations_agree_on_generated_text(h in ascii_haystack()) {
            for p in LONG_ALTERNATIONS {
                let lazy = Pattern::new(p);
                let plain = Regex::new(p).unwrap();
                proptest::prop_assert_eq!(lazy.is_match(&h), plain.is_match(&h), "{} on {:?}", p, h);
                proptest::prop_assert_eq!(all_groups_of(&lazy, &h), all_groups(&plain, &h));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// On generated patterns (optional parts, small alternations and
        /// counted repetitions, which the literal reader crosses) and
        /// generated text, a Pattern answers as the plain regex.
        #[test]
        fn generated_patterns_agree_with_the_regex(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b", "ab", "x", "K", "s", " ", "?", "*", "+", "{2}", "{1,2}", "{0,1}",
                "(?:", "(", ")", "|", "[ab]", "\\d", "\\b", ".", "(?i)", "(?i:", "^", "$",
            ]), 1..12),
            hay in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b", "A", "B", "x", "X", "k", "K", "\u{212a}", "s", "S", "\u{17f}", " ", "1", "\n",
            ]), 0..14),
        ) {
            let source = parts.concat();
            // Most token strings are not patterns: those test nothing.
            let Ok(plain) = Regex::new(&source) else {
                return Ok(());
            };
            let lazy = Pattern::new(Box::leak(source.clone().into_boxed_str()));
            let h = hay.concat();
            proptest::prop_assert_eq!(lazy.is_match(&h), plain.is_match(&h), "{} on {:?}", source, h);
            proptest::prop_assert_eq!(lazy.find(&h).map(|m| m.range()), plain.find(&h).map(|m| m.range()));
        }
    }

    /// Whether every class of `h` is ASCII.
    fn ascii_classes(h: &Hir) -> bool {
        match h.kind() {
            HirKind::Class(Class::Unicode(c)) => c.ranges().iter().all(|r| r.end().is_ascii()),
            HirKind::Class(Class::Bytes(c)) => c.ranges().iter().all(|r| r.end().is_ascii()),
            HirKind::Repetition(r) => ascii_classes(&r.sub),
            HirKind::Capture(c) => ascii_classes(&c.sub),
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().all(ascii_classes),
            HirKind::Empty | HirKind::Literal(_) | HirKind::Look(_) => true,
        }
    }

    /// The twin of each pattern has only ASCII classes (so it compiles
    /// without UTF-8 automata), and a Pattern gives the full regex's answer
    /// on text that is not ASCII.
    #[test]
    fn the_twin_is_ascii_and_other_text_gets_the_full_regex() {
        for p in TWIN_PATTERNS {
            let twin = ascii_twin(p).unwrap();
            let hir = regex_syntax::Parser::new().parse(&twin).unwrap();
            assert!(ascii_classes(&hir), "{p}: {twin}");
            // ... where the pattern itself has Unicode ones.
            assert!(
                !ascii_classes(&regex_syntax::Parser::new().parse(p).unwrap()),
                "{p}"
            );
            let lazy = Pattern::new(p);
            let full = Regex::new(p).unwrap();
            for h in [
                "k\u{212a}ss \u{17f}ky",
                "\u{2502} x",
                "café 12:3",
                "αβ1 x ÿK",
                "E  éError",
                "● a ●",
            ] {
                let got: Vec<_> = lazy
                    .captures_iter(h)
                    .map(|c| c.get(0).map(|m| m.range()))
                    .collect();
                let want: Vec<_> = full
                    .captures_iter(h)
                    .map(|c| c.get(0).map(|m| m.range()))
                    .collect();
                assert_eq!(got, want, "{p} on {h:?}");
            }
        }
        // `\w` on a non-ASCII word: the full class, not the ASCII one.
        assert_eq!(
            Pattern::new(r"\w+").find("été").map(|m| m.as_str()),
            Some("été")
        );
    }
}
