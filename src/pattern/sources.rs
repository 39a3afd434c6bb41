//! The pattern texts written in the crate's source, as `build.rs` finds them
//! for the literal table ([`super::table`]): every raw string (`r"..."`,
//! `r#"..."#`) and every `concat!` of string literals, as the compiler would
//! spell them. A pattern missed here is not wrong, only read at run time.

/// The candidate pattern texts of every `.rs` file under `dir`, each once.
pub(crate) fn in_dir(dir: &std::path::Path) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut paths = vec![dir.to_path_buf()];
    while let Some(path) = paths.pop() {
        if path.is_dir() {
            let entries =
                std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            paths.extend(entries.flatten().map(|e| e.path()));
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            found.extend(sources(&text));
        }
    }
    found
}

/// Candidate pattern texts in one Rust source file, in order, with repeats.
pub(crate) fn sources(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"concat!(") {
            if let Some((s, end)) = concat_at(text, i + "concat!(".len()) {
                out.push(s);
                i = end;
                continue;
            }
        } else if let Some((s, end)) = raw_at(text, i) {
            out.push(s.to_string());
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// A raw string starting at `i` (`r"`, `r#"`), not part of a longer
/// identifier or a byte string: its text and the index after it.
fn raw_at(text: &str, i: usize) -> Option<(&str, usize)> {
    let b = text.as_bytes();
    if b[i] != b'r' || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
        return None;
    }
    let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
    let open = i + 1 + hashes;
    if b.get(open) != Some(&b'"') {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    let len = text[open + 1..].find(&close)?;
    Some((
        &text[open + 1..open + 1 + len],
        open + 1 + len + close.len(),
    ))
}

/// The items of a `concat!(` whose arguments start at `i`, if all of them
/// are string literals (comments and commas between): the joined text and
/// the index after the `)`.
fn concat_at(text: &str, mut i: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut out = String::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            i += text[i..].find('\n')?;
            continue;
        }
        match *b.get(i)? {
            b')' => return Some((out, i + 1)),
            b'"' => {
                let (s, end) = cooked_at(text, i + 1)?;
                out.push_str(&s);
                i = end;
            }
            b'r' => {
                let (s, end) = raw_at(text, i)?;
                out.push_str(s);
                i = end;
            }
            _ => return None,
        }
    }
}

/// A plain string literal whose text starts at `i` (after its `"`), with
/// the escapes patterns use; `None` for any other escape.
fn cooked_at(text: &str, i: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = text[i..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + k + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    // A line continuation: the newline and the next line's
                    // leading blanks are not part of the string.
                    '\n' => {
                        let rest = &text[i + k + 2..];
                        let skip = rest.len() - rest.trim_start().len();
                        let consumed = i + k + 2 + skip;
                        let (s, end) = cooked_at(text, consumed)?;
                        out.push_str(&s);
                        return Some((out, end));
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    None
}
