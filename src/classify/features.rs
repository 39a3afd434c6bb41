//! Features: the normalised error region as hashed word and word-pair counts.
//!
//! The trainer and the binary must see exactly the same features, so this is
//! the one place that turns text into a vector. Text is lowercased and the
//! parts that vary between two logs of the same failure (numbers, paths, URLs,
//! hashes, versions, quoted names) become placeholders, so the model learns
//! `no module named <q>` rather than one module name per example.
//!
//! Every feature is a string (`no module`, `L:modulenotfounderror`) hashed with
//! FNV-1a into [`N_BUCKETS`] buckets: no vocabulary has to ship with the
//! binary, and the hash is stable across builds and machines (std's hasher is
//! randomised per process and would not be). The root-cause line contributes a
//! second, `L:`-prefixed copy of its words, which is how it gets extra weight.
//! Counts are log-scaled and the vector is L2-normalised, so a long region does
//! not outvote a short one.
//!
//! Log text is untrusted: the input is capped before it is scanned, slicing
//! only happens on char boundaries, and nothing here can panic on any string.

/// Number of hash buckets (2^18): large enough that collisions between the
/// few thousand features a corpus has are rare; only used buckets are stored.
pub const N_BUCKETS: u32 = 1 << 18;
/// Bytes of the region that are read (the end is kept: the cause sits low).
pub const MAX_REGION_BYTES: usize = 16 * 1024;
/// Bytes of one line that are read.
pub const MAX_LINE_BYTES: usize = 1024;
/// Tokens of one line that are used.
pub const MAX_LINE_TOKENS: usize = 48;
/// Prefix of the features taken from the root-cause line.
pub const ROOT_PREFIX: &str = "L:";
/// Prefix of the character-level cues.
pub const CUE_PREFIX: &str = "C:";
/// The value of a named fact, outside the words' normalisation.
pub const FACT_VALUE: f32 = 0.25;

/// Describes everything above and the tokeniser's rules; its hash is stored
/// with the weights, so weights made for other features are detected. Bump
/// the version whenever the tokeniser changes.
pub const CONFIG: &str = "features v4; fnv1a64 mod 2^18; region tail 16384 B; line 1024 B; \
     48 tokens/line; unigrams+bigrams per line; L: root line copy; C: cues; F: signals v3 at 0.25 outside the l2; \
     placeholders <num> <ip> <ver> <hex> <id> <path> <url> <q>; 1+ln(count); l2";

/// The hash of [`CONFIG`], recorded in the weights file.
pub fn config_hash() -> u64 {
    fnv1a(CONFIG.as_bytes())
}

/// 64-bit FNV-1a: simple, stable, and good enough to spread short strings.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The bucket a feature string falls into.
pub fn bucket(feature: &str) -> u32 {
    // N_BUCKETS is a power of two, so the low bits are the remainder.
    (fnv1a(feature.as_bytes()) & u64::from(N_BUCKETS - 1)) as u32
}

/// A sparse feature vector: buckets in increasing order, each once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureVec {
    pub buckets: Vec<u32>,
    pub values: Vec<f32>,
}

impl FeatureVec {
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.buckets
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

/// The feature vector of a region and its root-cause line.
pub fn vectorize(region: &str, root_line: &str) -> FeatureVec {
    let mut words: Vec<u32> = Vec::new();
    let mut facts: Vec<u32> = Vec::new();
    for_each_feature(region, root_line, |f| {
        if is_fact(f) {
            facts.push(bucket(f))
        } else {
            words.push(bucket(f))
        }
    });
    from_parts(words, facts)
}

/// A named fact (`F:...`): words are lowercased, so no word starts with `F:`.
fn is_fact(feature: &str) -> bool {
    feature.starts_with(super::signals::FACT_PREFIX)
}

/// Like [`vectorize`], plus one readable name per bucket (the first feature
/// string that landed in it), for explanations.
pub fn vectorize_named(region: &str, root_line: &str) -> (FeatureVec, Vec<String>) {
    let mut named: Vec<(u32, String)> = Vec::new();
    for_each_feature(region, root_line, |f| {
        named.push((bucket(f), f.to_string()))
    });
    // Stable sort keeps the first name seen for each bucket first.
    named.sort_by_key(|(b, _)| *b);
    let mut names: Vec<String> = Vec::new();
    let mut last = None;
    for (b, name) in &named {
        if last != Some(*b) {
            names.push(name.clone());
            last = Some(*b);
        }
    }
    let (facts, words): (Vec<_>, Vec<_>) = named.iter().partition(|(_, n)| is_fact(n));
    let fv = from_parts(
        words.into_iter().map(|(b, _)| *b).collect(),
        facts.into_iter().map(|(b, _)| *b).collect(),
    );
    (fv, names)
}

/// The readable form of a feature string: the `L:` copy of the root line and
/// the plain word share one name.
pub fn display_name(feature: &str) -> &str {
    feature.strip_prefix(ROOT_PREFIX).unwrap_or(feature)
}

/// The words' vector, L2-normalised, plus each fact at [`FACT_VALUE`]. A
/// fact is one feature among the hundreds of a long region: normalised with
/// them it would weigh a tenth of what it weighs in a one-line excerpt, while
/// what it states is just as certain in both.
fn from_parts(words: Vec<u32>, mut facts: Vec<u32>) -> FeatureVec {
    let fv = from_buckets(words);
    if facts.is_empty() {
        return fv;
    }
    facts.sort_unstable();
    facts.dedup();
    let mut out = FeatureVec::default();
    let (mut i, mut j) = (0, 0);
    while i < fv.buckets.len() || j < facts.len() {
        let w = fv.buckets.get(i).copied();
        let f = facts.get(j).copied();
        match (w, f) {
            (Some(w), Some(f)) if w == f => {
                out.buckets.push(w);
                out.values.push(fv.values[i] + FACT_VALUE);
                i += 1;
                j += 1;
            }
            (Some(w), f) if f.is_none_or(|f| w < f) => {
                out.buckets.push(w);
                out.values.push(fv.values[i]);
                i += 1;
            }
            (_, Some(f)) => {
                out.buckets.push(f);
                out.values.push(FACT_VALUE);
                j += 1;
            }
            _ => break,
        }
    }
    out
}

/// Counts, log-scales and L2-normalises a list of buckets.
fn from_buckets(mut hashed: Vec<u32>) -> FeatureVec {
    hashed.sort_unstable();
    let mut fv = FeatureVec::default();
    let mut i = 0;
    while i < hashed.len() {
        let b = hashed[i];
        let mut j = i;
        while j < hashed.len() && hashed[j] == b {
            j += 1;
        }
        fv.buckets.push(b);
        fv.values.push(1.0 + ((j - i) as f32).ln());
        i = j;
    }
    let norm = fv.values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for v in &mut fv.values {
            *v /= norm;
        }
    }
    fv
}

/// Calls `emit` with every feature string of the region and root line, in a
/// fixed order.
pub fn for_each_feature(region: &str, root_line: &str, mut emit: impl FnMut(&str)) {
    let region = tail(region, MAX_REGION_BYTES);
    let mut buf = String::new();
    for line in region.lines() {
        line_features(line, "", &mut buf, &mut emit);
    }
    let root = root_line
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    line_features(root, ROOT_PREFIX, &mut buf, &mut emit);
    // What the log settles for certain, by name (see `signals`).
    for fact in super::signals::signals(region, root) {
        buf.clear();
        buf.push_str(super::signals::FACT_PREFIX);
        buf.push_str(&fact);
        emit(&buf);
    }
}

fn line_features(line: &str, prefix: &str, buf: &mut String, emit: &mut impl FnMut(&str)) {
    let line = head(line, MAX_LINE_BYTES);
    if let Some(cue) = cue(line).filter(|_| prefix.is_empty()) {
        buf.clear();
        buf.push_str(CUE_PREFIX);
        buf.push_str(cue);
        emit(buf);
    }
    let toks = tokens(line);
    for (i, t) in toks.iter().enumerate() {
        buf.clear();
        buf.push_str(prefix);
        buf.push_str(t);
        emit(buf);
        if let Some(next) = toks.get(i + 1) {
            buf.push(' ');
            buf.push_str(next);
            emit(buf);
        }
    }
}

/// Line-shape cues the words alone lose: pytest's `E   ` lines, GitHub
/// annotations, a line that starts with `error`.
fn cue(line: &str) -> Option<&'static str> {
    if line.starts_with("E   ") || line.starts_with("E       ") {
        return Some("pytest-E");
    }
    let t = line.trim_start();
    let lower_start: String = t.chars().take(8).flat_map(char::to_lowercase).collect();
    if t.starts_with("::error") || t.starts_with("##[error]") {
        Some("annotation-error")
    } else if lower_start.starts_with("error") {
        Some("starts-error")
    } else if lower_start.starts_with("warning") || t.starts_with("::warning") {
        Some("starts-warning")
    } else if t.starts_with('>') {
        Some("starts-gt")
    } else {
        None
    }
}

/// The last `max` bytes of `s`, cut at a char boundary.
fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The first `max` bytes of `s`, cut at a char boundary.
fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The normalised tokens of one line: lowercase words, placeholders, and the
/// comparison operators that assertions print.
pub fn tokens(line: &str) -> Vec<String> {
    let lower = line.to_lowercase();
    let mut out: Vec<String> = Vec::new();
    for chunk in lower.split_whitespace() {
        if out.len() >= MAX_LINE_TOKENS {
            break;
        }
        chunk_tokens(chunk, &mut out);
    }
    out.truncate(MAX_LINE_TOKENS);
    out
}

fn chunk_tokens(chunk: &str, out: &mut Vec<String>) {
    if chunk.contains("://") {
        out.push("<url>".into());
        return;
    }
    let trimmed = chunk.trim_matches(|c: char| "()[]{},;:.".contains(c));
    if is_path(trimmed) {
        out.push("<path>".into());
        return;
    }
    // A quoted name without spaces is one placeholder; a quote that opens a
    // phrase is only punctuation (the phrase's words still count).
    if let Some(inner) = quoted(trimmed)
        && !inner.is_empty()
        && inner.len() <= 80
        && !inner.contains(char::is_whitespace)
    {
        out.push("<q>".into());
        return;
    }
    let chars: Vec<char> = chunk.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_word_char(c) {
            let start = i;
            while i < chars.len()
                && (is_word_char(chars[i])
                    || ((chars[i] == '.' || chars[i] == '-')
                        && chars.get(i + 1).is_some_and(|n| is_word_char(*n))
                        && i > start))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            word_tokens(&word, out);
        } else if (c == '=' || c == '!') && chars.get(i + 1) == Some(&'=') {
            out.push(if c == '=' { "==" } else { "!=" }.into());
            i += 2;
            while i < chars.len() && chars[i] == '=' {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `'x'`, `"x"` or `` `x` ``: the inside.
fn quoted(s: &str) -> Option<&str> {
    for q in ['\'', '"', '`'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s.get(1..s.len() - 1);
        }
    }
    None
}

/// Something with a directory separator between names, or an explicit
/// absolute, relative or home path.
fn is_path(s: &str) -> bool {
    let s = s.trim_matches(|c| c == '\'' || c == '"' || c == '`');
    if s.len() < 2 {
        return false;
    }
    if s.starts_with('/') || s.starts_with("./") || s.starts_with("../") || s.starts_with("~/") {
        return s.chars().filter(|c| c.is_alphanumeric()).count() > 0;
    }
    if s.len() > 2 && s.as_bytes()[1] == b':' && s.as_bytes()[2] == b'\\' {
        return true;
    }
    let seps = s.matches(['/', '\\']).count();
    seps >= 1 && {
        let parts: Vec<&str> = s.split(['/', '\\']).collect();
        parts
            .iter()
            .filter(|p| p.chars().any(char::is_alphanumeric))
            .count()
            >= 2
    }
}

/// One word-ish run (may contain inner `.` and `-`) into tokens.
fn word_tokens(word: &str, out: &mut Vec<String>) {
    if is_ipv4(word) {
        out.push("<ip>".into());
        return;
    }
    if is_version(word) {
        out.push("<ver>".into());
        return;
    }
    for piece in word.split(['.', '-']).filter(|p| !p.is_empty()) {
        out.push(piece_token(piece));
    }
}

fn piece_token(p: &str) -> String {
    if p.chars().all(|c| c.is_ascii_digit()) {
        // HTTP statuses (and exit codes such as 137) say a lot; other numbers
        // are line numbers, counts and durations.
        if p.len() == 3 && matches!(p.as_bytes()[0], b'1'..=b'5') {
            return p.to_string();
        }
        return "<num>".into();
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    if p.len() >= 7 && digits > 0 && p.chars().all(|c| c.is_ascii_hexdigit()) {
        return "<hex>".into();
    }
    if p.starts_with("0x") && p.len() > 2 && p[2..].chars().all(|c| c.is_ascii_hexdigit()) {
        return "<hex>".into();
    }
    if p.chars().count() >= 12 && digits >= 3 {
        return "<id>".into();
    }
    p.to_string()
}

/// `127.0.0.1`: an address, not a version.
fn is_ipv4(w: &str) -> bool {
    let parts: Vec<&str> = w.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
}

/// Single tokens that say nothing to a reader of an explanation.
pub fn is_uninformative(feature: &str) -> bool {
    const STOP: [&str; 16] = [
        "a", "an", "and", "at", "by", "c", "for", "in", "is", "it", "of", "on", "or", "the", "to",
        "with",
    ];
    let f = display_name(feature);
    !f.contains(' ') && (STOP.contains(&f) || (f.starts_with('<') && f.ends_with('>')))
}

/// `1.2`, `v1.2.3`, `3.11.4-rc1`, `2.0.0+build`.
fn is_version(w: &str) -> bool {
    let w = w.strip_prefix('v').unwrap_or(w);
    let mut parts = w.split('.');
    let first = parts.next().unwrap_or("");
    if first.is_empty() || !first.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let mut n = 0;
    for p in parts {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return false;
        }
        n += 1;
    }
    n >= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokens(s)
    }

    #[test]
    fn placeholders_replace_names_numbers_paths() {
        assert_eq!(
            toks("E   ModuleNotFoundError: No module named 'yaml'"),
            ["e", "modulenotfounderror", "no", "module", "named", "<q>"]
        );
        assert_eq!(
            toks("  File \"/usr/lib/python3.11/site.py\", line 42, in <module>"),
            ["file", "<path>", "line", "<num>", "in", "module"]
        );
        assert_eq!(
            toks("curl: (7) https://example.com/x failed"),
            ["curl", "<num>", "<url>", "failed"]
        );
        assert_eq!(
            toks("commit 3f2a9c1d0b on v1.2.3 and 3.11"),
            ["commit", "<hex>", "on", "<ver>", "and", "<ver>"]
        );
        assert_eq!(
            toks("HTTP 403 after 1200 ms"),
            ["http", "403", "after", "<num>", "ms"]
        );
        assert_eq!(
            toks("assert 'ok' == 'healthy'"),
            ["assert", "<q>", "==", "<q>"]
        );
        assert_eq!(
            toks("os.environ['TOKEN'] pytest-cov"),
            ["os", "environ", "token", "pytest", "cov"]
        );
        assert_eq!(
            toks("error[E0432]: unresolved import"),
            ["error", "e0432", "unresolved", "import"]
        );
        assert_eq!(toks("see src/lib.rs:12:5"), ["see", "<path>"]);
        assert_eq!(
            toks("host='127.0.0.1', port=5432"),
            ["host", "<ip>", "port", "<num>"]
        );
        assert_eq!(
            toks("connect 10.0.0.12:5432 failed"),
            ["connect", "<ip>", "<num>", "failed"]
        );
    }

    #[test]
    fn quoted_phrases_keep_their_words() {
        assert_eq!(
            toks("Error: \"Resource not accessible\""),
            ["error", "resource", "not", "accessible"]
        );
    }

    #[test]
    fn vectors_are_deterministic_normalised_and_sorted() {
        let region =
            "Traceback (most recent call last):\nE   ModuleNotFoundError: No module named 'yaml'\n";
        let a = vectorize(region, "E   ModuleNotFoundError: No module named 'yaml'");
        let b = vectorize(region, "E   ModuleNotFoundError: No module named 'yaml'");
        assert_eq!(a, b);
        assert!(a.buckets.windows(2).all(|w| w[0] < w[1]));
        let norm: f32 = a.values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        // Another module name is the same vector.
        let c = vectorize(
            &region.replace("yaml", "requests"),
            "E   ModuleNotFoundError: No module named 'requests'",
        );
        assert_eq!(a, c);
    }

    #[test]
    fn root_line_gets_its_own_features_and_cues() {
        let mut seen = Vec::new();
        for_each_feature("E   KeyError: 'TOKEN'", "E   KeyError: 'TOKEN'", |f| {
            seen.push(f.to_string())
        });
        assert!(seen.contains(&"C:pytest-E".to_string()));
        assert!(seen.contains(&"keyerror <q>".to_string()));
        assert!(seen.contains(&"L:keyerror <q>".to_string()));
        assert_eq!(display_name("L:keyerror"), "keyerror");
        assert!(is_uninformative("L:<num>") && is_uninformative("at"));
        assert!(!is_uninformative("<q> ==") && !is_uninformative("keyerror"));
    }

    #[test]
    fn named_vector_matches_plain_vector() {
        let (fv, names) = vectorize_named("npm ERR! code E404\nnpm ERR! 404 Not Found", "");
        assert_eq!(
            fv,
            vectorize("npm ERR! code E404\nnpm ERR! 404 Not Found", "")
        );
        assert_eq!(names.len(), fv.len());
        for (name, b) in names.iter().zip(&fv.buckets) {
            assert_eq!(bucket(name), *b);
        }
    }

    #[test]
    fn config_names_the_fact_value() {
        assert!(CONFIG.contains(&format!(" at {FACT_VALUE} outside")));
    }

    #[test]
    fn facts_keep_their_value_in_a_long_region() {
        let long = "npm ERR! some words of a long region\n".repeat(50)
            + "Error: Input required and not supplied: token";
        let fv = vectorize(&long, "");
        let fact = bucket("F:input-required");
        let v = fv.iter().find(|(b, _)| *b == fact).map(|(_, v)| v);
        assert_eq!(v, Some(FACT_VALUE));
    }

    #[test]
    fn hash_is_stable() {
        // FNV-1a test vectors: the weights file depends on these never changing.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let long = "é".repeat(40_000);
        let fv = vectorize(&long, &long);
        assert!(!fv.is_empty());
        assert!(vectorize("", "").is_empty());
        let weird = "\u{0}\u{ffff} '\"` ==== != :// / \\ 0x 'a b' C:\\";
        let _ = vectorize(weird, weird);
        let _ = tokens("'");
        let _ = tokens("v.");
        let _ = tokens("1..2");
    }
}
