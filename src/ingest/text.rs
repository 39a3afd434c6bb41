//! Normalising one raw log line: the few lines ingest keeps (a step's tail, its
//! `##[error]` lines, its `##[group]Run` header) go through here; the millions
//! it only counts never do.
//!
//! Order matters: the UTF-8 BOM and the runner's timestamp prefix come first
//! (workflow-command markers sit right after the timestamp), then the marker,
//! then carriage returns, then ANSI/OSC escapes, then lossy UTF-8 and the cap.
//!
//! Carriage returns follow a terminal: a trailing CR (CRLF) is dropped, and a
//! line redrawn with bare CRs (progress bars) keeps its last non-empty segment,
//! which is what a person saw last. Bare CR therefore never starts a new line,
//! so line numbers match `wc -l` and editors that split on `\n`.

use super::MAX_LINE_BYTES;

/// Appended to a line cut at [`MAX_LINE_BYTES`].
pub const TRUNCATED_MARK: &str = "…[line truncated]";

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What a workflow-command marker at the start of a line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// No marker: ordinary output.
    None,
    /// `##[group]Run X`: a new step begins (its name is `Run X`).
    GroupRun,
    /// `##[group]Name` / `::group::Name`: a sub-group; the text is kept.
    Group,
    /// `##[endgroup]` / `::endgroup::`: dropped.
    EndGroup,
    /// `##[command]X`: the command that ran.
    Command,
    /// `##[error]X` / `::error ...::X`: the step failed.
    Error,
    /// `##[warning]`, `##[notice]`, `##[debug]` and their `::` forms: text kept.
    Annotation,
    /// `::add-mask::X` and similar runner-only commands: dropped (a mask is a secret).
    Hidden,
}

impl Marker {
    /// Markers whose line vanishes from the normalised output.
    pub fn drops_line(self) -> bool {
        matches!(self, Marker::EndGroup | Marker::Hidden)
    }
}

/// Length of a leading `2024-05-01T12:34:56.1234567Z ` timestamp (with its
/// trailing space, or at the end of the line), 0 when there is none. The
/// fraction may have 0 to 9 digits.
pub fn timestamp_len(line: &[u8]) -> usize {
    fn digits(b: &[u8], at: usize, n: usize) -> bool {
        b.get(at..at + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    }
    let sep = |at: usize, c: u8| line.get(at) == Some(&c);
    if !(digits(line, 0, 4)
        && sep(4, b'-')
        && digits(line, 5, 2)
        && sep(7, b'-')
        && digits(line, 8, 2)
        && sep(10, b'T')
        && digits(line, 11, 2)
        && sep(13, b':')
        && digits(line, 14, 2)
        && sep(16, b':')
        && digits(line, 17, 2))
    {
        return 0;
    }
    let mut i = 19;
    if sep(i, b'.') {
        let start = i + 1;
        let mut j = start;
        while j < line.len() && j - start < 9 && line[j].is_ascii_digit() {
            j += 1;
        }
        if j == start {
            return 0;
        }
        i = j;
    }
    if !sep(i, b'Z') {
        return 0;
    }
    i += 1;
    match line.get(i) {
        None => i,
        Some(b' ') => i + 1,
        Some(b'\r') if i + 1 == line.len() => i,
        Some(_) => 0,
    }
}

/// Longest `JOB<TAB>STEP<TAB>` prefix looked for before a timestamp.
pub const MAX_JOB_STEP_PREFIX: usize = 256;

/// Bytes before the marker position: an optional BOM, then an optional
/// timestamp, itself optionally behind the `JOB<TAB>STEP<TAB>` prefix that
/// `gh run view --log` writes on every line.
pub fn prefix_len(line: &[u8]) -> usize {
    let bom = if line.starts_with(BOM) { BOM.len() } else { 0 };
    let rest = &line[bom..];
    let ts = timestamp_len(rest);
    if ts > 0 {
        return bom + ts;
    }
    let head = &rest[..rest.len().min(MAX_JOB_STEP_PREFIX)];
    if let Some(t1) = memchr::memchr(b'\t', head)
        && let Some(t2) = memchr::memchr(b'\t', &head[t1 + 1..])
    {
        let after = t1 + 1 + t2 + 1;
        let ts = timestamp_len(&rest[after..]);
        if ts > 0 {
            return bom + after + ts;
        }
    }
    bom
}

/// The job a `gh run view --log` line names in its `JOB<TAB>STEP<TAB>`
/// prefix, read from the first line of a log: the job's name for the whole
/// input (such a log is one job's, or the first failing job's, lines).
pub fn job_of_prefix(head: &[u8]) -> Option<String> {
    let first = head.split(|&b| b == b'\n').next()?;
    let first = first.strip_prefix(BOM).unwrap_or(first);
    if timestamp_len(first) > 0 || prefix_len(first) == 0 {
        return None;
    }
    let job = &first[..memchr::memchr(b'\t', first)?];
    let job = String::from_utf8_lossy(job);
    let job = job.trim();
    (!job.is_empty() && job.len() <= 200 && !job.chars().any(char::is_control))
        .then(|| job.to_string())
}

/// Finds the marker at the start of `rest` (prefix already removed) and the
/// offset of the text it carries.
pub fn marker(rest: &[u8]) -> (Marker, usize) {
    if let Some(body) = rest.strip_prefix(b"##[") {
        let Some(close) = memchr::memchr(b']', &body[..body.len().min(16)]) else {
            return (Marker::None, 0);
        };
        let kind = match &body[..close] {
            b"group" => {
                if body[close + 1..].starts_with(b"Run ") {
                    Marker::GroupRun
                } else {
                    Marker::Group
                }
            }
            b"endgroup" => Marker::EndGroup,
            b"command" => Marker::Command,
            b"error" => Marker::Error,
            b"warning" | b"notice" | b"debug" | b"section" => Marker::Annotation,
            _ => return (Marker::None, 0),
        };
        return (kind, 3 + close + 1);
    }
    if let Some(body) = rest.strip_prefix(b"::") {
        // `::name key=value,...::text`; the name ends at a space or `::`.
        let name_end = body
            .iter()
            .take(32)
            .position(|&c| c == b' ' || c == b':')
            .unwrap_or(body.len().min(32));
        let Some(text_at) = memchr::memmem::find(body, b"::").map(|i| i + 2) else {
            return (Marker::None, 0);
        };
        let kind = match &body[..name_end] {
            b"group" => Marker::Group,
            b"endgroup" => Marker::EndGroup,
            b"error" => Marker::Error,
            b"warning" | b"notice" | b"debug" => Marker::Annotation,
            b"add-mask" | b"stop-commands" | b"set-output" | b"save-state" | b"add-path"
            | b"set-env" | b"echo" => Marker::Hidden,
            _ => return (Marker::None, 0),
        };
        if text_at < name_end {
            return (Marker::None, 0);
        }
        return (kind, 2 + text_at);
    }
    (Marker::None, 0)
}

/// One raw line (no `\n`) split into its marker and its normalised text.
/// `cut` says the raw bytes were already cut at the cap upstream.
pub fn normalize(raw: &[u8], cut: bool) -> (Marker, String) {
    let rest = &raw[prefix_len(raw)..];
    let (kind, at) = marker(rest);
    let text = clean(&rest[at..], cut);
    (kind, text)
}

/// Carriage returns, escapes, lossy UTF-8 and the cap, in that order.
pub fn clean(bytes: &[u8], cut: bool) -> String {
    let mut b = bytes;
    while let [head @ .., b'\r'] = b {
        b = head;
    }
    if memchr::memchr(b'\r', b).is_some() {
        // A terminal shows the last redraw; empty redraws overwrite nothing.
        b = b
            .rsplit(|&c| c == b'\r')
            .find(|seg| !seg.is_empty())
            .unwrap_or(&[]);
    }
    let stripped;
    if memchr::memchr(0x1B, b).is_some() {
        stripped = strip_ansi(b);
        b = &stripped;
    }
    let mut text = String::from_utf8_lossy(b).into_owned();
    let mut truncated = cut;
    if text.len() > MAX_LINE_BYTES {
        let mut end = MAX_LINE_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        truncated = true;
    }
    if truncated {
        text.push_str(TRUNCATED_MARK);
    }
    text
}

/// Removes CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ESC \`, which covers
/// OSC-8 hyperlinks: their visible text sits between two OSCs and is kept),
/// APC/DCS/PM strings ended the same way, and two-byte escapes (`ESC (B`,
/// `ESC =`).
pub fn strip_ansi(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let Some(off) = memchr::memchr(0x1B, &b[i..]) else {
            out.extend_from_slice(&b[i..]);
            break;
        };
        out.extend_from_slice(&b[i..i + off]);
        i += off + 1;
        match b.get(i) {
            Some(b'[') => {
                i += 1;
                while i < b.len() && (0x20..=0x3F).contains(&b[i]) {
                    i += 1;
                }
                // The final byte (0x40..=0x7E); anything else ends the sequence too.
                if i < b.len() && (0x40..=0x7E).contains(&b[i]) {
                    i += 1;
                }
            }
            // OSC; and APC, DCS, PM, which end the same way (Buildkite puts
            // `ESC _bk;t=<ms> BEL` timestamps before its lines).
            Some(b']' | b'_' | b'P' | b'^') => {
                i += 1;
                while i < b.len() {
                    if b[i] == 0x07 {
                        i += 1;
                        break;
                    }
                    if b[i] == 0x1B && b.get(i + 1) == Some(&b'\\') {
                        i += 2;
                        break;
                    }
                    i += 1;
                }
            }
            Some(b'(' | b')' | b'*' | b'+' | b'#') => i = (i + 2).min(b.len()),
            Some(_) => i += 1,
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gh_run_view_prefixes() {
        let line = b"build (3.11)\tRun pytest\t2026-01-01T00:00:00.1234567Z ##[error]boom";
        assert_eq!(&line[prefix_len(line)..], b"##[error]boom");
        assert_eq!(job_of_prefix(line).as_deref(), Some("build (3.11)"));
        assert_eq!(job_of_prefix(b"2026-01-01T00:00:00Z x"), None);
        assert_eq!(prefix_len(b"a\tb\tno timestamp"), 0);
    }

    #[test]
    fn timestamp_shapes() {
        assert_eq!(timestamp_len(b"2024-05-01T12:34:56.1234567Z hello"), 29);
        assert_eq!(timestamp_len(b"2024-05-01T12:34:56.123Z x"), 25);
        assert_eq!(timestamp_len(b"2024-05-01T12:34:56Z x"), 21);
        assert_eq!(timestamp_len(b"2024-05-01T12:34:56.1234567Z"), 28);
        assert_eq!(timestamp_len(b"2024-05-01T12:34:56.1234567Zx"), 0);
        assert_eq!(timestamp_len(b"2024-05-01 12:34:56.1234567Z x"), 0);
        assert_eq!(timestamp_len(b"2024-05-01T12:34:56.Z x"), 0);
        assert_eq!(timestamp_len(b"2024-05-01T12:34"), 0);
        assert_eq!(timestamp_len(b""), 0);
    }

    #[test]
    fn normalizes_prefix_ansi_and_crlf() {
        let raw = "\u{FEFF}2024-05-01T12:34:56.1234567Z \x1b[31;1mE   ModuleNotFoundError\x1b[0m\r";
        assert_eq!(
            normalize(raw.as_bytes(), false),
            (Marker::None, "E   ModuleNotFoundError".to_string())
        );
    }

    #[test]
    fn osc8_link_keeps_visible_text() {
        let raw = b"see \x1b]8;;https://example.com/x\x1b\\the docs\x1b]8;;\x1b\\ now";
        assert_eq!(clean(raw, false), "see the docs now");
        assert_eq!(clean(b"title \x1b]0;win\x07done", false), "title done");
        assert_eq!(clean(b"\x1b(Bplain\x1b", false), "plain");
    }

    #[test]
    fn bare_cr_keeps_last_redraw() {
        assert_eq!(clean(b"10%\r50%\r100%", false), "100%");
        assert_eq!(clean(b"\rdone", false), "done");
        assert_eq!(clean(b"abc\r\r", false), "abc");
        assert_eq!(clean(b"abc\r", false), "abc");
    }

    #[test]
    fn invalid_utf8_is_lossy() {
        assert_eq!(clean(b"caf\xC3 ok\xFF", false), "caf\u{FFFD} ok\u{FFFD}");
    }

    #[test]
    fn long_line_is_cut_on_a_char_boundary() {
        let s = "é".repeat(MAX_LINE_BYTES);
        let out = clean(s.as_bytes(), false);
        assert!(out.ends_with(TRUNCATED_MARK));
        assert!(out.len() <= MAX_LINE_BYTES + TRUNCATED_MARK.len());
        assert_eq!(clean(b"short", true), format!("short{TRUNCATED_MARK}"));
    }

    #[test]
    fn github_markers() {
        let ts = "2024-05-01T12:34:56.1234567Z ";
        let m = |s: &str| normalize(format!("{ts}{s}").as_bytes(), false);
        assert_eq!(
            m("##[group]Run pytest -q"),
            (Marker::GroupRun, "Run pytest -q".into())
        );
        assert_eq!(
            m("##[group]Installing"),
            (Marker::Group, "Installing".into())
        );
        assert_eq!(m("##[endgroup]"), (Marker::EndGroup, String::new()));
        assert_eq!(
            m("##[command]/usr/bin/git log"),
            (Marker::Command, "/usr/bin/git log".into())
        );
        assert_eq!(
            m("##[error]Process completed with exit code 1."),
            (Marker::Error, "Process completed with exit code 1.".into())
        );
        assert_eq!(
            m("##[warning]old node"),
            (Marker::Annotation, "old node".into())
        );
        assert_eq!(m("##[debug]x"), (Marker::Annotation, "x".into()));
        assert_eq!(m("##[bogus]x"), (Marker::None, "##[bogus]x".into()));
        assert_eq!(
            m("  ##[error]indented"),
            (Marker::None, "  ##[error]indented".into())
        );
    }

    #[test]
    fn stdout_command_forms() {
        let m = |s: &str| normalize(s.as_bytes(), false);
        assert_eq!(m("::error::boom"), (Marker::Error, "boom".into()));
        assert_eq!(
            m("::error file=app.py,line=3::bad thing"),
            (Marker::Error, "bad thing".into())
        );
        assert_eq!(m("::group::Build"), (Marker::Group, "Build".into()));
        assert_eq!(m("::endgroup::"), (Marker::EndGroup, String::new()));
        assert_eq!(
            m("::warning::careful"),
            (Marker::Annotation, "careful".into())
        );
        assert_eq!(m("::add-mask::hunter2").0, Marker::Hidden);
        assert_eq!(
            m("::std::io::Error"),
            (Marker::None, "::std::io::Error".into())
        );
        assert_eq!(
            m("::error no terminator"),
            (Marker::None, "::error no terminator".into())
        );
    }
}
