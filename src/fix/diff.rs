//! The one unified-diff renderer: `diff --git a/x b/x`, `--- a/x`, `+++ b/x`,
//! three lines of context, `\ No newline at end of file` where a side lacks
//! its final newline. The output is what `git apply` takes.

use similar::{Algorithm, DiffOp, DiffTag, capture_diff_slices, group_diff_ops};

use super::apply::FileChange;

/// Lines as git sees them: split after each `\n` only. (A bare `\r` is not a
/// line break for git, though `similar`'s own line splitter takes it as one;
/// so we split here and give `similar` the slices.)
fn git_lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|b| *b == b'\n').collect()
}

/// `start,len` of a hunk range, 1-based; an empty range names the line before it.
fn range(start: usize, end: usize) -> String {
    let len = end - start;
    match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    }
}

fn push_line(out: &mut String, prefix: char, line: &[u8]) {
    out.push(prefix);
    out.push_str(&String::from_utf8_lossy(line));
    if !line.ends_with(b"\n") {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// Render every change (already sorted by path) as one unified diff.
pub fn render(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for change in changes {
        let old = git_lines(&change.old);
        let new = git_lines(&change.new);
        let ops = capture_diff_slices(Algorithm::Myers, &old, &new);
        let groups = group_diff_ops(ops, 3);
        if groups.is_empty() {
            continue;
        }
        let path = &change.path;
        out.push_str(&format!(
            "diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        ));
        for group in groups {
            // The hunk spans the old lines of every op that has some (equal,
            // delete, replace) and the new lines likewise: `similar` gives an
            // insert's old index and a delete's new index loosely (found by
            // the property test and the diff_applier fuzz target).
            let side = |old: bool| {
                let ranges: Vec<std::ops::Range<usize>> = group
                    .iter()
                    .filter(|op| match op.tag() {
                        DiffTag::Equal | DiffTag::Replace => true,
                        DiffTag::Delete => old,
                        DiffTag::Insert => !old,
                    })
                    .map(|op| if old { op.old_range() } else { op.new_range() })
                    .collect();
                let start = ranges.iter().map(|r| r.start).min();
                let end = ranges.iter().map(|r| r.end).max();
                start.zip(end)
            };
            let Some(first) = group.first() else {
                continue;
            };
            // A side with no lines at all (an empty file) is named by the
            // first op's own index.
            let at = |r: std::ops::Range<usize>| (r.start, r.start);
            let (o0, o1) = side(true).unwrap_or_else(|| at(first.old_range()));
            let (n0, n1) = side(false).unwrap_or_else(|| at(first.new_range()));
            out.push_str(&format!("@@ -{} +{} @@\n", range(o0, o1), range(n0, n1)));
            for op in &group {
                hunk_lines(&mut out, op, &old, &new);
            }
        }
    }
    out
}

fn hunk_lines(out: &mut String, op: &DiffOp, old: &[&[u8]], new: &[&[u8]]) {
    let (tag, o, n) = op.as_tag_tuple();
    match tag {
        DiffTag::Equal => old[o].iter().for_each(|l| push_line(out, ' ', l)),
        DiffTag::Delete => old[o].iter().for_each(|l| push_line(out, '-', l)),
        DiffTag::Insert => new[n].iter().for_each(|l| push_line(out, '+', l)),
        DiffTag::Replace => {
            old[o].iter().for_each(|l| push_line(out, '-', l));
            new[n].iter().for_each(|l| push_line(out, '+', l));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, old: &str, new: &str) -> FileChange {
        FileChange {
            path: path.into(),
            old: old.into(),
            new: new.into(),
        }
    }

    #[test]
    fn renders_git_headers() {
        let d = render(&[change("a.txt", "1\n2\n", "1\n2\n3\n")]);
        assert_eq!(
            d,
            "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,3 @@\n 1\n 2\n+3\n"
        );
    }

    #[test]
    fn marks_missing_final_newline() {
        let d = render(&[change("a.txt", "1\n2", "1\n3")]);
        assert!(
            d.contains("-2\n\\ No newline at end of file\n+3\n\\ No newline at end of file\n"),
            "{d}"
        );
    }

    #[test]
    fn a_bare_cr_is_not_a_line_break() {
        let d = render(&[change("a.txt", "x\ry\n", "x\rz\n")]);
        assert_eq!(
            d,
            "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\ry\n+x\rz\n"
        );
    }

    #[test]
    fn hunk_ranges_cover_every_op() {
        // Found by the applier property test: a replaced line followed by an
        // unchanged blank line and an inserted one.
        let old = "t\ns\ni\n:\nx: k\n\n";
        let new = "t\ns\ni\n:\n\nax: k\n\n";
        let d = render(&[change("f.txt", old, new)]);
        let header = d.lines().find(|l| l.starts_with("@@")).unwrap();
        let body: Vec<&str> = d
            .lines()
            .skip_while(|l| !l.starts_with("@@"))
            .skip(1)
            .collect();
        let olds = body.iter().filter(|l| !l.starts_with('+')).count();
        let news = body.iter().filter(|l| !l.starts_with('-')).count();
        assert!(header.contains(&format!(",{olds} ")), "{d}");
        assert!(header.contains(&format!(",{news} @@")), "{d}");
    }

    #[test]
    fn hunk_starts_ignore_the_loose_index_of_inserts_and_deletes() {
        // The diff_applier fuzz target's crash input, decoded the way the
        // target does: text, 0xff, then 3-byte edits.
        let data: &[u8] = b"\x9a\x9a\x3b\x0a\x0a\x0a\xd4\xd4\xd4\xd6\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x03\x0a\x0a\x0a\xd4\xd4\xd6\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x03\x0a\x0a\x0a\x0a\xff\x40\x44\x20\x59\x03\x6e\x2c\x3d\x01\x00\xef\x06\x6c\x40\x6e\x65\x0a\x20";
        let split = data.iter().position(|&b| b == 0xff).unwrap();
        let text = String::from_utf8_lossy(&data[..split]).into_owned();
        const PIECES: [&str; 6] = ["", "x\n", "\n", "é", "a\r\nb", "line\n\n"];
        let idx: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect();
        let edits: Vec<crate::fix::Edit> = data[split + 1..]
            .chunks_exact(3)
            .map(|c| {
                let s = idx[usize::from(c[0]) % idx.len()];
                let e =
                    idx[(usize::from(c[0]) % idx.len() + usize::from(c[1] % 8)).min(idx.len() - 1)];
                crate::fix::Edit::replace("f.txt", s..e, PIECES[usize::from(c[2]) % PIECES.len()])
            })
            .collect();
        let (new, _) = crate::fix::apply::apply_edits(&text, &edits).unwrap();
        let d = render(&[change("f.txt", &text, &new)]);
        // Every hunk's context and removed lines are the old file's lines
        // from the header's start on.
        let old_lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut lines = d.lines().peekable();
        let mut hunks = 0;
        while let Some(l) = lines.next() {
            let Some(h) = l.strip_prefix("@@ -") else {
                continue;
            };
            hunks += 1;
            let start: usize = h.split([',', ' ']).next().unwrap().parse().unwrap();
            let mut at = start.saturating_sub(1);
            while let Some(b) = lines.next_if(|b| !b.starts_with("@@")) {
                if let Some(body) = b.strip_prefix(' ').or_else(|| b.strip_prefix('-')) {
                    assert_eq!(old_lines[at].trim_end_matches('\n'), body, "{d}");
                    at += 1;
                }
            }
        }
        assert!(hunks >= 3, "{d}");
    }

    #[test]
    fn hunk_ranges_match_gnu_diff() {
        assert_eq!(range(0, 0), "0,0");
        assert_eq!(range(4, 4), "4,0");
        assert_eq!(range(4, 5), "5");
        assert_eq!(range(4, 7), "5,3");
    }
}
