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
            // The hunk spans every op's range: Myers may place an insert's
            // old index before the equal run it follows, so the last op's
            // range is not always the hunk's end.
            let (Some(o0), Some(o1), Some(n0), Some(n1)) = (
                group.iter().map(|op| op.old_range().start).min(),
                group.iter().map(|op| op.old_range().end).max(),
                group.iter().map(|op| op.new_range().start).min(),
                group.iter().map(|op| op.new_range().end).max(),
            ) else {
                continue;
            };
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
    fn hunk_ranges_match_gnu_diff() {
        assert_eq!(range(0, 0), "0,0");
        assert_eq!(range(4, 4), "4,0");
        assert_eq!(range(4, 5), "5");
        assert_eq!(range(4, 7), "5,3");
    }
}
