//! Making untrusted text safe for each sink: control and Bidi characters, secrets.
//!
//! Every byte of a log may come from a fork's author, and every sink we write
//! (a terminal, the job summary, step outputs, annotations, a diff) has a reader
//! that interprets some characters. Three transformations are shared by all of
//! them, so they live here and nowhere else:
//!
//! - [`escape_controls`]: every C0/C1 control except TAB and LF (NUL, ESC, bare
//!   CR, DEL included) and every Bidi_Control code point becomes `\u{…}`, so no
//!   terminal escape, OSC-8 link or Trojan-Source reordering (CVE-2021-42574)
//!   survives into a sink.
//! - [`Redactor`]: well-known token shapes (the gitleaks rules for GitHub, AWS,
//!   Slack, Stripe and npm tokens, JWTs, Azure and GCP keys, private-key
//!   blocks, credentials in URLs, passwords in connection strings) and the
//!   token we were given, with its base64, double-base64 and URL-encoded
//!   forms, become `<prefix>***REDACTED***`. Ingest applies it to each line
//!   it keeps before anything is cut ([`Redactor::redact_cut`] for a line cut
//!   at the line cap, [`redact_pem_lines`] for keys spread over lines); the
//!   sinks apply it again. [`looks_like_secret`] tells fixers what never to
//!   write into a file.
//! - [`cap`]: cutting to a byte budget on a UTF-8 boundary.
//!
//! The patterns run on the `regex` crate, whose matching is linear in the input
//! (no backtracking), and whose literal prefilter skips lines holding none of
//! the prefixes, so a 10 MiB line costs one scan; the rest (armor lines,
//! URLs, `password=`) are found by hand from a `memchr`/`memmem` hit.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use crate::pattern::Pattern;

/// What every redacted secret's tail becomes.
pub const REDACTED: &str = "***REDACTED***";

/// Tokens shorter than this are not redacted literally: a one-letter "token"
/// would blank out every occurrence of that letter.
const MIN_TOKEN_LEN: usize = 4;

/// Whether `c` must be shown escaped: C0 and C1 controls (and DEL) other than
/// TAB and LF, and the Unicode Bidi_Control code points.
pub fn must_escape(c: char) -> bool {
    match c {
        '\t' | '\n' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// Replaces every character for which [`must_escape`] holds with `\u{hex}`.
/// Borrows when there is nothing to escape (the common case).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// Like [`escape_controls`], but LF and TAB are escaped too: for fields that
/// must stay on one line (table cells, annotation titles).
pub fn escape_single_line(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

/// One pass over the bytes: every character to escape starts with an ASCII
/// control byte or with one of the lead bytes 0xC2 (C1), 0xD8 (U+061C) and
/// 0xE2 (the other Bidi controls), so runs of ordinary text are copied whole.
fn escape_with(s: &str, tab_and_lf: bool) -> Cow<'_, str> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        let len = match b[i] {
            b'\t' | b'\n' => usize::from(tab_and_lf),
            0..=0x1f | 0x7f => 1,
            0xc2 if matches!(b.get(i + 1), Some(0x80..=0x9f)) => 2,
            0xd8 if b.get(i + 1) == Some(&0x9c) => 2,
            0xe2 => match (b.get(i + 1), b.get(i + 2)) {
                (Some(0x80), Some(0x8e | 0x8f | 0xaa..=0xae)) => 3,
                (Some(0x81), Some(0xa6..=0xa9)) => 3,
                _ => 0,
            },
            _ => 0,
        };
        if len == 0 {
            i += 1;
            continue;
        }
        // `i` is a char boundary: an ASCII byte or a lead byte.
        let o = out.get_or_insert_with(|| String::with_capacity(s.len() + 16));
        o.push_str(&s[last..i]);
        if let Some(c) = s[i..].chars().next() {
            push_escaped(o, c);
        }
        i += len;
        last = i;
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[last..]);
            Cow::Owned(o)
        }
    }
}

/// Makes one line inert to the runner's command parser: a legacy `##[` is
/// recognised anywhere in a line and becomes `#\u{23}[`; a `::` command is
/// recognised after leading white space (the runner's `TrimStart`, Unicode
/// white space) and its first colon becomes `\u{3a}`. Meant for text already
/// on one line; see [`escape_single_line`].
pub fn neutralize_commands(s: &str) -> Cow<'_, str> {
    let body = s.trim_start();
    let lead = s.len() - body.len();
    let leading_cmd = body.starts_with("::");
    if !leading_cmd && !s.contains("##[") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..lead]);
    let rest = if leading_cmd {
        out.push_str("\\u{3a}");
        &body[1..]
    } else {
        body
    };
    out.push_str(&rest.replace("##[", "#\\u{23}["));
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// The longest prefix of `s` that is at most `max` bytes and ends on a char
/// boundary.
pub fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The token shapes that start with a literal prefix (the gitleaks rules).
/// Each alternative's group is the prefix that stays visible. Lengths are
/// lower bounds (`{36,}`): a token glued to more word characters is still a
/// token, and over-redacting is harmless. Every class is ASCII, and every
/// alternative starts with a literal, so the prefilter (`crate::pattern`) skips
/// text that holds none of the prefixes.
static TOKEN_PATTERNS: Pattern = Pattern::new(concat!(
    r"(gh[pousr]_)[A-Za-z0-9]{36,}",
    r"|(github_pat_)[A-Za-z0-9_]{82,}",
    r"|(AKIA|ASIA)[A-Z0-9]{16,}",
    // Slack, Stripe (live secret and restricted keys), npm.
    r"|(xox[abpr]-)[A-Za-z0-9-]{10,}",
    r"|(sk_live_|rk_live_)[A-Za-z0-9]{16,}",
    r"|(npm_)[A-Za-z0-9]{36,}",
    // A JWT: base64url header and payload, both JSON objects (`{"`
    // is `eyJ`), and a signature that may be empty (`alg: none`).
    r"|(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    // Values after a well-known key name: everything up to the value stays.
    r#"|((?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}"#,
    r"|(AccountKey=)[A-Za-z0-9+/=]{16,}",
    r#"|("private_key"\s*:\s*")(?:[^"\\]|\\.)+"#,
));

/// The values of `password=`, `passwd:`, `secret=` (any case, after optional
/// quotes and blanks; `client_secret=`, `PGPASSWORD=` too) longer than 8
/// characters, as byte spans. Scanned by hand from each `=` and `:`: a
/// case-insensitive regex costs several times more on every kept line.
fn password_values(s: &str) -> Vec<(usize, usize)> {
    const KEYS: [&[u8]; 3] = [b"password", b"passwd", b"secret"];
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut next = 0;
    for sep in memchr::memchr2_iter(b'=', b':', b) {
        if sep < next {
            continue;
        }
        // Back over blanks and a closing quote to the key's last letter.
        let mut k = sep;
        while k > 0 && matches!(b[k - 1], b' ' | b'\t') {
            k -= 1;
        }
        if k > 0 && matches!(b[k - 1], b'"' | b'\'') {
            k -= 1;
        }
        let named = KEYS
            .iter()
            .any(|key| k >= key.len() && b[k - key.len()..k].eq_ignore_ascii_case(key));
        if !named {
            continue;
        }
        let mut v = sep + 1;
        while v < b.len() && matches!(b[v], b' ' | b'\t') {
            v += 1;
        }
        if v < b.len() && matches!(b[v], b'"' | b'\'') {
            v += 1;
        }
        let end = b[v..]
            .iter()
            .position(|&c| {
                c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'&' | b';' | b',')
            })
            .map_or(b.len(), |i| v + i);
        // `v` and `end` sit next to ASCII bytes, so both are char boundaries.
        if s[v..end].chars().count() > 8 {
            out.push((v, end));
            next = end;
        }
    }
    out
}

/// What makes a line a URL, a DSN or a connection string.
static CONNECTION_CUE: Pattern = Pattern::new(
    r"(?i)://|\bdsn\b|jdbc:|connection|connstr|\b(?:server|host|data source|database|uid|user id)\s*=",
);

/// Password values on lines that name a URL, a DSN or a connection string;
/// elsewhere such a word is too often prose.
fn redact_passwords(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    for (v, end) in password_values(s) {
        let ls = memchr::memrchr(b'\n', &b[..v]).map_or(0, |i| i + 1);
        let le = memchr::memchr(b'\n', &b[end..]).map_or(s.len(), |i| end + i);
        if !CONNECTION_CUE.is_match(&s[ls..le]) {
            continue;
        }
        let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
        o.push_str(&s[last..v]);
        o.push_str(REDACTED);
        last = end;
    }
    out.map(|mut o| {
        o.push_str(&s[last..]);
        o
    })
}

/// A secret's prefix and an unfinished rest at the very end of a text: what a
/// cut leaves of a token too short for [`TOKEN_PATTERNS`]. Group 1 is what
/// stays visible.
static PARTIAL_PATTERN: Pattern = Pattern::new(concat!(
    r"(?:(gh[pousr]_|github_pat_|AKIA|ASIA|xox[abpr]-|sk_live_|rk_live_|npm_|eyJ|AccountKey=",
    r#"|(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)["']?\s*[:=]\s*["']?"#,
    r#"|"private_key"\s*:\s*"|(?i:password|passwd|secret)["']?\s*[=:]\s*["']?)"#,
    r#"[^\s"']+"#,
    // Userinfo with a password and no `@` yet.
    r"|([A-Za-z0-9+.-]://)[^\s/?#@:]*:[^\s/?#@]*)\z",
));

/// Five dashes, which every armor line holds: the cheap test that nearly
/// every text fails. Built once; building a searcher costs more than
/// running it on a short line.
fn dashes() -> &'static memchr::memmem::Finder<'static> {
    static F: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    F.get_or_init(|| memchr::memmem::Finder::new("-----"))
}

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_END: &str = "-----END ";

/// The end of a private-key armor header whose label starts at `from`
/// (`RSA PRIVATE KEY-----`, `PGP PRIVATE KEY BLOCK-----`): the label holds
/// `PRIVATE KEY`, ends with five dashes, and stays on one line within 80 bytes.
fn private_label_end(b: &[u8], from: usize) -> Option<usize> {
    let window = &b[from..b.len().min(from + 80)];
    let line = memchr::memchr(b'\n', window).map_or(window, |i| &window[..i]);
    let dashes = memchr::memmem::find(line, b"-----")?;
    let label = &line[..dashes];
    let private = label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK");
    private.then_some(from + dashes + 5)
}

/// The end of the armor line that `-----END ` at `at` starts (its closing
/// dashes), whatever its label.
fn end_label_end(b: &[u8], at: usize) -> usize {
    let from = at + PEM_END.len();
    let window = &b[from..b.len().min(from + 80)];
    let line = memchr::memchr(b'\n', window).map_or(window, |i| &window[..i]);
    memchr::memmem::find(line, b"-----").map_or(from, |i| from + i + 5)
}

/// Private-key blocks (`-----BEGIN … PRIVATE KEY-----`, PGP's `… PRIVATE KEY
/// BLOCK-----`) through their END line or, when it was cut off, to the end
/// of the text. Scanned by hand: linear, since each search resumes where the
/// last one stopped.
fn redact_private_keys(s: &str) -> Option<String> {
    use memchr::memmem::Finder;
    let b = s.as_bytes();
    // Nearly every text has no five dashes at all.
    dashes().find(b)?;
    let begin = Finder::new(PEM_BEGIN);
    let end_marker = Finder::new(PEM_END);
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut from = 0;
    while let Some(off) = begin.find(&b[from..]) {
        let start = from + off;
        let label_from = start + PEM_BEGIN.len();
        let Some(header_end) = private_label_end(b, label_from) else {
            from = label_from;
            continue;
        };
        // The END line stays (it is no secret), so redacting the result
        // again, or a run of its lines, finds the block closed.
        let (body_end, end) = match end_marker.find(&b[header_end..]) {
            Some(i) => (header_end + i, end_label_end(b, header_end + i)),
            None => (s.len(), s.len()),
        };
        let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
        o.push_str(&s[last..header_end]);
        o.push_str(REDACTED);
        o.push_str(&s[body_end..end]);
        last = end;
        from = end;
    }
    out.map(|mut o| {
        o.push_str(&s[last..]);
        o
    })
}

/// The first private-key armor marker in `line`: whether it is a BEGIN, where
/// it starts, and the byte after its closing dashes. `only_end` skips BEGINs.
fn pem_marker(line: &str, only_end: bool) -> Option<(bool, usize, usize)> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(i) = dashes().find(&b[from..]) {
        let at = from + i;
        let rest = &b[at..];
        if !only_end
            && rest.starts_with(PEM_BEGIN.as_bytes())
            && let Some(e) = private_label_end(b, at + PEM_BEGIN.len())
        {
            return Some((true, at, e));
        }
        if rest.starts_with(PEM_END.as_bytes())
            && private_label_end(b, at + PEM_END.len()).is_some()
        {
            return Some((false, at, end_label_end(b, at)));
        }
        from = at + 5;
    }
    None
}

/// The line-wise half of private-key redaction, for a run of lines that were
/// each redacted already: a block whose BEGIN and END lie on different lines
/// is redacted as a unit, every line between them becoming `***REDACTED***`.
/// A run that starts inside a block (an END before any BEGIN, as when a
/// window or a step's tail begins mid-key) is redacted from its first line.
/// The armor lines themselves stay, so the result is redacted again to
/// itself. `text` picks a line's text out of an item.
pub fn redact_pem_lines<T>(lines: &mut [T], text: impl Fn(&mut T) -> &mut String) {
    // Most runs hold no armor at all: one memmem per line, nothing else.
    let first = lines
        .iter_mut()
        .enumerate()
        .find_map(|(i, l)| pem_marker(text(l), false).map(|m| (i, m.0)));
    let Some((first_i, first_begin)) = first else {
        return;
    };
    let mut inside = !first_begin;
    let start = if inside { 0 } else { first_i };
    for l in &mut lines[start..] {
        let t = text(l);
        if !inside && pem_marker(t, false).is_none() {
            continue;
        }
        let mut out = String::with_capacity(t.len());
        let mut rest: &str = t.as_str();
        // Whether `out` already ends with the marker for the current block.
        let mut marked = false;
        loop {
            if inside {
                match pem_marker(rest, true) {
                    Some((_, at, end)) => {
                        if at > 0 && !marked {
                            out.push_str(REDACTED);
                        }
                        out.push_str(&rest[at..end]);
                        rest = &rest[end..];
                        inside = false;
                        marked = false;
                    }
                    None => {
                        if !marked {
                            out.push_str(REDACTED);
                        }
                        rest = "";
                        break;
                    }
                }
            } else {
                match pem_marker(rest, false) {
                    None => break,
                    Some((false, _, end)) => {
                        out.push_str(&rest[..end]);
                        rest = &rest[end..];
                    }
                    Some((true, _, hdr)) => {
                        out.push_str(&rest[..hdr]);
                        out.push_str(REDACTED);
                        rest = &rest[hdr..];
                        inside = true;
                        marked = true;
                    }
                }
            }
        }
        out.push_str(rest);
        *t = out;
    }
}

/// Credentials in URLs: `scheme://user:password@host` becomes
/// `scheme://***REDACTED***@host`. Scanned by hand from each `://`: the
/// userinfo scan stops at the first blank, `/`, `?`, `#` or `@`, so the scans
/// never overlap and the whole pass is linear.
fn redact_url_credentials(s: &str) -> Option<String> {
    const MAX_USERINFO: usize = 2048;
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut from = 0;
    static SEP: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let sep_finder = SEP.get_or_init(|| memchr::memmem::Finder::new("://"));
    while let Some(off) = sep_finder.find(&b[from..]) {
        let sep = from + off;
        let user_from = sep + 3;
        from = user_from;
        // A scheme: at least one ASCII letter, digit, `+`, `-` or `.` before `://`.
        if sep == 0
            || !matches!(b[sep - 1], b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'-' | b'.')
        {
            continue;
        }
        let mut colon = false;
        let mut at = None;
        for (i, &c) in b[user_from..].iter().enumerate().take(MAX_USERINFO) {
            match c {
                b'@' => {
                    at = Some(user_from + i);
                    break;
                }
                b':' => colon = true,
                b'/' | b'?' | b'#' => break,
                c if c.is_ascii_whitespace() => break,
                _ => {}
            }
        }
        let Some(at) = at.filter(|&a| colon && a > user_from) else {
            continue;
        };
        // `@` and `://` are ASCII, so both ends are char boundaries.
        let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
        o.push_str(&s[last..user_from]);
        o.push_str(REDACTED);
        last = at;
        from = at;
    }
    out.map(|mut o| {
        o.push_str(&s[last..]);
        o
    })
}

/// Redacts well-known secrets and, when given, one token in its common
/// encodings.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// The token and its encoded forms, longest first so a form that contains
    /// another is replaced whole.
    token_forms: Vec<String>,
    token_re: Option<Regex>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(None)
    }
}

impl Redactor {
    pub fn new(token: Option<&str>) -> Redactor {
        let token = token.map(str::trim).filter(|t| t.len() >= MIN_TOKEN_LEN);
        let mut forms = Vec::new();
        if let Some(t) = token {
            let b64 = base64(t.as_bytes());
            let b64b64 = base64(b64.as_bytes());
            // git's http.extraheader carries `basic base64(x-access-token:<token>)`.
            let basic = base64(format!("x-access-token:{t}").as_bytes());
            for f in [
                t.to_string(),
                url_encode(t),
                b64.trim_end_matches('=').to_string(),
                b64b64.trim_end_matches('=').to_string(),
                basic.trim_end_matches('=').to_string(),
                b64,
                b64b64,
                basic,
            ] {
                if f.len() >= MIN_TOKEN_LEN && !forms.contains(&f) {
                    forms.push(f);
                }
            }
            forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        }
        let token_re = if forms.is_empty() {
            None
        } else {
            let alts: Vec<String> = forms.iter().map(|f| regex::escape(f)).collect();
            // Escaped literals always compile; fall back to no literal pass if
            // the automaton would be too large for some absurd token.
            Regex::new(&alts.join("|")).ok()
        };
        Redactor {
            token_forms: forms,
            token_re,
        }
    }

    /// Whether a token was configured.
    pub fn has_token(&self) -> bool {
        !self.token_forms.is_empty()
    }

    /// Replaces every secret in `s`. Borrows when nothing matched.
    pub fn redact<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut cur: Cow<'a, str> = Cow::Borrowed(s);
        if let Some(re) = &self.token_re
            && re.is_match(&cur)
        {
            cur = Cow::Owned(re.replace_all(&cur, REDACTED).into_owned());
        }
        if TOKEN_PATTERNS.is_match(&cur) {
            let replaced = TOKEN_PATTERNS
                .regex_for(&cur)
                .replace_all(&cur, |caps: &regex::Captures<'_>| {
                    // The one participating group is the visible prefix.
                    let prefix = caps
                        .iter()
                        .skip(1)
                        .flatten()
                        .next()
                        .map(|m| m.as_str())
                        .unwrap_or("");
                    format!("{prefix}{REDACTED}")
                })
                .into_owned();
            cur = Cow::Owned(replaced);
        }
        if let Some(r) = redact_private_keys(&cur) {
            cur = Cow::Owned(r);
        }
        if let Some(r) = redact_passwords(&cur) {
            cur = Cow::Owned(r);
        }
        if let Some(r) = redact_url_credentials(&cur) {
            cur = Cow::Owned(r);
        }
        cur
    }

    /// [`Redactor::redact`] for text that a reader cut at its end without
    /// seeing the rest (a line longer than the line cap): a secret the cut
    /// left unfinished, too short for its full pattern, goes too, from its
    /// prefix (or from the start of our token's form) to the end.
    pub fn redact_cut(&self, s: &str) -> String {
        let mut r = self.redact(s).into_owned();
        let caps = PARTIAL_PATTERN.captures(&r);
        if let Some(m) = caps.and_then(|c| c.get(1).or_else(|| c.get(2))) {
            r.truncate(m.end());
            r.push_str(REDACTED);
        }
        // The longest head of one of our token's forms that the text ends with.
        let cut_at = self
            .token_forms
            .iter()
            .filter_map(|f| {
                (MIN_TOKEN_LEN..f.len().min(r.len() + 1))
                    .rev()
                    .find(|&k| f.is_char_boundary(k) && r.ends_with(&f[..k]))
                    .map(|k| r.len() - k)
            })
            .min();
        if let Some(at) = cut_at {
            r.truncate(at);
            r.push_str(REDACTED);
        }
        r
    }

    /// Redacts, then escapes controls: what every multi-line sink gets.
    pub fn clean(&self, s: &str) -> String {
        let r = self.redact(s);
        escape_controls(&r).into_owned()
    }

    /// Redacts, then escapes controls, LF and TAB, then neutralises workflow
    /// commands: for one-line fields. Such a field may be printed on a line of
    /// its own (an error on stderr, an indented excerpt line) or echoed by a
    /// later workflow step from a step output, so it must never read as a
    /// command to the runner.
    pub fn clean_line(&self, s: &str) -> String {
        let r = self.redact(s);
        let e = escape_single_line(&r);
        neutralize_commands(&e).into_owned()
    }
}

/// Whether `s` looks like a secret: a token shape of [`Redactor`] (a PEM
/// block, a JWT, a cloud or CI token, credentials in a URL), a password or
/// secret assignment even without a URL, text already redacted, or a long
/// random-looking run (see [`random_run`]). A fix never writes such a value
/// into a file, not even redacted: fixers refuse it (`secret-value`).
pub fn looks_like_secret(s: &str) -> bool {
    if s.contains(REDACTED) || !password_values(s).is_empty() {
        return true;
    }
    if matches!(Redactor::default().redact(s), Cow::Owned(_)) {
        return true;
    }
    s.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-')))
        .any(random_run)
}

/// A run of 32 or more token characters that reads as random rather than as
/// an identifier: upper and lower case letters and a digit or symbol, at
/// least 3.9 bits of entropy per character, and lower-case letters mostly
/// outside word-like runs of three or more (`CamelCaseNames2024` have them,
/// random strings rarely). Hex digests and UUIDs (one letter case) are not
/// flagged.
fn random_run(run: &str) -> bool {
    let b = run.as_bytes();
    if b.len() < 32 {
        return false;
    }
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let other = b.iter().any(|c| !c.is_ascii_alphabetic());
    if !(upper && lower && other) {
        return false;
    }
    let mut counts = [0u32; 256];
    for &c in b {
        counts[usize::from(c)] += 1;
    }
    let n = b.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| {
            let p = f64::from(k) / n;
            -p * p.log2()
        })
        .sum();
    let (mut lowers, mut wordy, mut run_len) = (0usize, 0usize, 0usize);
    for &c in b.iter().chain(std::iter::once(&b' ')) {
        if c.is_ascii_lowercase() {
            lowers += 1;
            run_len += 1;
        } else {
            if run_len >= 3 {
                wordy += run_len;
            }
            run_len = 0;
        }
    }
    entropy >= 3.9 && (wordy as f64) < 0.55 * lowers as f64
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encoding of everything but RFC 3986 unreserved characters.
fn url_encode(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GHP: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(escape_controls("a\tb\nc"), "a\tb\nc");
        assert_eq!(escape_controls("\x1b[1A"), "\\u{1b}[1A");
        assert_eq!(escape_controls("a\0b"), "a\\u{0}b");
        assert_eq!(escape_controls("x\ry"), "x\\u{d}y");
        assert_eq!(escape_controls("\u{202e}cod"), "\\u{202e}cod");
        assert_eq!(escape_controls("\u{2066}\u{2069}"), "\\u{2066}\\u{2069}");
        assert_eq!(escape_controls("\u{061c}"), "\\u{61c}");
        assert_eq!(escape_controls("\u{85}\u{7f}"), "\\u{85}\\u{7f}");
        // OSC-8 hyperlink.
        assert_eq!(
            escape_controls("\x1b]8;;https://e\x07x\x1b]8;;\x07"),
            "\\u{1b}]8;;https://e\\u{7}x\\u{1b}]8;;\\u{7}"
        );
        assert!(matches!(escape_controls("plain ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn single_line_escapes_newlines() {
        assert_eq!(escape_single_line("a\nb\tc"), "a\\u{a}b\\u{9}c");
    }

    #[test]
    fn commands_are_neutralized_in_lines() {
        assert_eq!(neutralize_commands("plain"), "plain");
        assert_eq!(neutralize_commands("::add-mask::x"), "\\u{3a}:add-mask::x");
        assert_eq!(
            neutralize_commands(" \u{3000}::error::x"),
            " \u{3000}\\u{3a}:error::x"
        );
        assert_eq!(neutralize_commands("a ::b"), "a ::b");
        assert_eq!(
            neutralize_commands("x ##[set-output name=a]b ##[group]"),
            "x #\\u{23}[set-output name=a]b #\\u{23}[group]"
        );
        let r = Redactor::default();
        assert_eq!(
            r.clean_line("  ::stop-commands::zzz\n##[add-mask]x"),
            "  \\u{3a}:stop-commands::zzz\\u{a}#\\u{23}[add-mask]x"
        );
    }

    #[test]
    fn caps_on_char_boundary() {
        assert_eq!(cap("héllo", 2), "h");
        assert_eq!(cap("héllo", 3), "hé");
        assert_eq!(cap("abc", 10), "abc");
        assert_eq!(cap("€", 2), "");
    }

    #[test]
    fn redacts_known_shapes() {
        let r = Redactor::default();
        assert_eq!(r.redact(&format!("tok={GHP}!")), "tok=ghp_***REDACTED***!");
        let pat = format!("github_pat_{}", "A1_".repeat(28));
        assert_eq!(r.redact(&pat), "github_pat_***REDACTED***");
        for p in ["gho_", "ghu_", "ghs_", "ghr_"] {
            let t = format!("{p}{}", "Z".repeat(36));
            assert_eq!(r.redact(&t), format!("{p}***REDACTED***"));
        }
        assert_eq!(
            r.redact("key AKIAIOSFODNN7EXAMPLE end"),
            "key AKIA***REDACTED*** end"
        );
        assert_eq!(r.redact("ASIAABCDEFGHIJKLMNOP"), "ASIA***REDACTED***");
        assert_eq!(
            r.redact("clone https://bob:s3cr3t@example.com/x.git"),
            "clone https://***REDACTED***@example.com/x.git"
        );
        let pem = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\nb";
        assert_eq!(
            r.redact(pem),
            "a\n-----BEGIN RSA PRIVATE KEY-----***REDACTED***-----END RSA PRIVATE KEY-----\nb"
        );
        let cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn";
        assert_eq!(
            r.redact(cut),
            "-----BEGIN OPENSSH PRIVATE KEY-----***REDACTED***"
        );
        assert_eq!(
            r.redact("a ftp://x:y@h b svn+ssh://u:p@h c https://only-user@h d https://h:443/p@x e"),
            "a ftp://***REDACTED***@h b svn+ssh://***REDACTED***@h c https://only-user@h d https://h:443/p@x e"
        );
        assert_eq!(r.redact("://a:b@c"), "://a:b@c");
        assert_eq!(
            r.redact("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"),
            "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"
        );
        let two = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\nmid\n-----BEGIN EC PRIVATE KEY-----\ny\n-----END EC PRIVATE KEY-----";
        assert_eq!(
            r.redact(two),
            "-----BEGIN PRIVATE KEY-----***REDACTED***-----END PRIVATE KEY-----\nmid\n-----BEGIN EC PRIVATE KEY-----***REDACTED***-----END EC PRIVATE KEY-----"
        );
        // Too short to be a token: untouched.
        assert_eq!(r.redact("ghp_short AKIA12"), "ghp_short AKIA12");
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn redacts_new_shapes() {
        let r = Redactor::default();
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let cases = [
            (format!("auth {jwt} ok"), "auth eyJ***REDACTED*** ok".to_string()),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                "aws_secret_access_key = ***REDACTED***".into(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"".into(),
                "AWS_SECRET_ACCESS_KEY: \"***REDACTED***\"".into(),
            ),
            (
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core".into(),
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=***REDACTED***;EndpointSuffix=core".into(),
            ),
            (
                r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n", "x": 1}"#.into(),
                r#"{"type": "service_account", "private_key": "***REDACTED***", "x": 1}"#.into(),
            ),
            (
                "xoxb-1234567890-abcdefghijkl".into(),
                "xoxb-***REDACTED***".into(),
            ),
            (
                "key sk_live_4eC39HqLyjWDarjtT1zdp7dc".into(),
                "key sk_live_***REDACTED***".into(),
            ),
            (
                "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789".into(),
                "//registry.npmjs.org/:_authToken=npm_***REDACTED***".into(),
            ),
            (
                "connecting to postgres://db.internal:5432/app password=hunter2hunter2 sslmode=require".into(),
                "connecting to postgres://db.internal:5432/app password=***REDACTED*** sslmode=require".into(),
            ),
            (
                "Server=tcp:db;Database=app;User Id=sa;Password=Sup3rS3cret!x;".into(),
                "Server=tcp:db;Database=app;User Id=sa;Password=***REDACTED***;".into(),
            ),
            (
                "DSN passwd: correcthorsebattery".into(),
                "DSN passwd: ***REDACTED***".into(),
            ),
            (
                "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----".into(),
                "-----BEGIN PGP PRIVATE KEY BLOCK-----***REDACTED***-----END PGP PRIVATE KEY BLOCK-----".into(),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact(&input), want, "{input}");
            // Redacting twice changes nothing more.
            assert_eq!(r.redact(&want), want, "{want}");
        }
        // No URL, DSN or connection string: a password word is prose; short values stay.
        for keep in [
            "password=hunter2hunter2 for the test user",
            "https://x.example/ password=short",
            "eyJhbGci only a header",
        ] {
            assert_eq!(r.redact(keep), keep);
        }
    }

    #[test]
    fn cut_text_loses_unfinished_secrets() {
        let r = Redactor::new(Some("s3cr3t-t0ken-value"));
        for (cut, want) in [
            ("x ghp_abcdefghij", "x ghp_***REDACTED***"),
            ("x github_pat_11ABC", "x github_pat_***REDACTED***"),
            ("k AKIAIOSF", "k AKIA***REDACTED***"),
            ("t eyJhbGciOiJIUzI1NiJ9.eyJz", "t eyJ***REDACTED***"),
            (
                "aws_secret_access_key=wJalr",
                "aws_secret_access_key=***REDACTED***",
            ),
            (
                "git clone https://bob:hunt",
                "git clone https://***REDACTED***",
            ),
            ("our s3cr3t-t0k", "our ***REDACTED***"),
            ("nothing to see", "nothing to see"),
            ("https://example.com/a/b", "https://example.com/a/b"),
        ] {
            assert_eq!(r.redact_cut(cut), want, "{cut}");
        }
    }

    #[test]
    fn pem_lines_are_redacted_as_a_unit() {
        let r = Redactor::default();
        let lines =
            |v: &[&str]| -> Vec<String> { v.iter().map(|l| r.redact(l).into_owned()).collect() };
        let mut v = lines(&[
            "before",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU",
            "AAAAC3NzaC1lZDI1NTE5AAAAIB",
            "-----END OPENSSH PRIVATE KEY-----",
            "after",
        ]);
        redact_pem_lines(&mut v, |s| s);
        assert_eq!(
            v,
            [
                "before",
                "-----BEGIN OPENSSH PRIVATE KEY-----***REDACTED***",
                "***REDACTED***",
                "***REDACTED***",
                "-----END OPENSSH PRIVATE KEY-----",
                "after"
            ]
        );
        // Joined and redacted again (a sink), the block stays one unit.
        let joined = v.join("\n");
        assert_eq!(
            r.redact(&joined),
            "before\n-----BEGIN OPENSSH PRIVATE KEY-----***REDACTED***-----END OPENSSH PRIVATE KEY-----\nafter"
        );
        // A window that starts inside a block.
        let mut w = lines(&[
            "MIIEowIBAAKCAQEA7",
            "Zm9vYmFy",
            "-----END ENCRYPTED PRIVATE KEY-----",
            "E   ModuleNotFoundError",
        ]);
        redact_pem_lines(&mut w, |s| s);
        assert_eq!(
            w,
            [
                "***REDACTED***",
                "***REDACTED***",
                "-----END ENCRYPTED PRIVATE KEY-----",
                "E   ModuleNotFoundError"
            ]
        );
        // A public key or certificate is no secret; its END opens nothing.
        let mut p = lines(&["abc", "-----END CERTIFICATE-----", "x"]);
        redact_pem_lines(&mut p, |s| s);
        assert_eq!(p, ["abc", "-----END CERTIFICATE-----", "x"]);
        // A block that runs off the end of the window.
        let mut o = lines(&["-----BEGIN EC PRIVATE KEY-----", "MHcCAQEE", "more"]);
        redact_pem_lines(&mut o, |s| s);
        assert_eq!(
            o,
            [
                "-----BEGIN EC PRIVATE KEY-----***REDACTED***",
                "***REDACTED***",
                "***REDACTED***"
            ]
        );
    }

    #[test]
    fn secrets_are_recognised_for_fixers() {
        for s in [
            GHP,
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc",
            "-----BEGIN RSA PRIVATE KEY-----",
            "xoxp-1234567890-abcdefghijkl",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "npm_abcdefghijklmnopqrstuvwxyz0123456789",
            "password=hunter2hunter2",
            "https://u:p@h.example",
            "ghp_***REDACTED***",
            "Z2hzX1RPS0VOdG9rZW4wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHE=",
            "value 8fK2pQ9xLmZ3vR7tY1wB4nC6hJ0sD5gE end",
        ] {
            assert!(looks_like_secret(s), "{s}");
        }
        for s in [
            "healthy",
            "ok",
            "550e8400-e29b-41d4-a716-446655440000",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "ThisIsAVeryLongIdentifierName2024",
            "SomeVeryLongCamelCaseNameThatGoesOnAndOn_v2",
            "test_some_long_function_name_2024_XY",
            "https://example.com/health",
            "The quick brown fox jumps over the lazy dog, twice: 12345",
        ] {
            assert!(!looks_like_secret(s), "{s}");
        }
    }

    #[test]
    fn redacts_own_token_and_encodings() {
        let tok = "s3cr3t/t0k+n=";
        let r = Redactor::new(Some(tok));
        assert!(r.has_token());
        let b64 = base64(tok.as_bytes());
        let b64b64 = base64(b64.as_bytes());
        let basic = base64(format!("x-access-token:{tok}").as_bytes());
        let text = format!(
            "a {tok} b {b64} c {b64b64} d {} e AUTHORIZATION: basic {basic}",
            url_encode(tok)
        );
        let out = r.redact(&text);
        for f in [tok, &b64, &b64b64, &url_encode(tok), &basic] {
            assert!(!out.contains(f), "{f} survived in {out}");
        }
        assert_eq!(out.matches(REDACTED).count(), 5);
    }

    #[test]
    fn base64_matches_rfc_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(url_encode("a b/c~"), "a%20b%2Fc~");
    }

    #[test]
    fn tiny_token_is_ignored() {
        let r = Redactor::new(Some("ab"));
        assert!(!r.has_token());
        assert_eq!(r.redact("abc"), "abc");
    }

    #[test]
    fn long_line_is_fast() {
        // 16 MiB of near-misses: prefixes without their tails.
        let line = "ghp_x AKIA https://a: -----BEGIN ".repeat(500_000);
        let r = Redactor::new(Some("tokentokentoken"));
        let t = std::time::Instant::now();
        let out = r.clean(&line);
        assert_eq!(out.len(), line.len());
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
    }

    proptest! {
        #[test]
        fn clean_leaves_no_control_and_no_token(
            pre in "\\PC{0,40}",
            ctl in proptest::collection::vec(prop_oneof![
                (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('a')),
                (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap_or('a')),
                Just('\u{202e}'), Just('\u{2067}'), Just('\u{200f}'),
            ], 0..8),
            post in "\\PC{0,40}",
            tok in "[A-Za-z0-9+/=]{8,40}",
        ) {
            let r = Redactor::new(Some(&tok));
            let text: String = format!("{pre}{tok}{}{post}{GHP}", ctl.iter().collect::<String>());
            let out = r.clean(&text);
            prop_assert!(!out.contains(&tok));
            prop_assert!(!out.contains(GHP));
            prop_assert!(!out.chars().any(must_escape));
            let line = r.clean_line(&text);
            prop_assert!(!line.contains('\n'));
        }

        #[test]
        fn cap_is_a_bounded_prefix(s in "\\PC{0,64}", n in 0usize..80) {
            let c = cap(&s, n);
            prop_assert!(c.len() <= n);
            prop_assert!(s.starts_with(c));
            prop_assert!(c.len() + 4 > n.min(s.len()));
        }
    }
}
