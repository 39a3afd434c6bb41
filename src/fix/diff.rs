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
            let (Some(first), Some(last)) = (group.first(), group.last()) else {
                continue;
            };
            out.push_str(&format!(
                "@@ -{} +{} @@\n",
                range(first.old_range().start, last.old_range().end),
                range(first.new_range().start, last.new_range().end)
            ));
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
    fn hunk_ranges_match_gnu_diff() {
        assert_eq!(range(0, 0), "0,0");
        assert_eq!(range(4, 4), "4,0");
        assert_eq!(range(4, 5), "5");
        assert_eq!(range(4, 7), "5,3");
    }
}
