//! How GitHub's Markdown reads a line of the job summary, for the tests that
//! check that log text stays inert there: inline code spans (CommonMark) and
//! table cells (GFM).

#![allow(dead_code)]

/// `line` without its inline code spans, as CommonMark reads them: a run
/// of n backticks opens one that the next run of exactly n closes; a run
/// with no closer is literal text.
pub fn strip_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push_str(&line[last..i]);
                last = end;
                i = end;
            }
            None => i += n,
        }
    }
    out.push_str(&line[last..]);
    out
}

/// The cells of a GFM table row as cmark-gfm splits it: a backslash escapes
/// the next character (so `\|` does not split), then `\|` becomes `|`.
pub fn table_cells(row: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '|' => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    cells.push(cur);
    cells.into_iter().map(|c| c.replace("\\|", "|")).collect()
}
