//! The one unified-diff renderer: `diff --git a/x b/x`, `--- a/x`, `+++ b/x`,
//! three lines of context, `\ No newline at end of file` where a side lacks
//! its final newline. The output is what `git apply` takes.

use similar::{Algorithm, TextDiff};

use super::apply::FileChange;

/// Render every change (already sorted by path) as one unified diff.
pub fn render(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for change in changes {
        let old = String::from_utf8_lossy(&change.old);
        let new = String::from_utf8_lossy(&change.new);
        if old == new {
            continue;
        }
        let diff = TextDiff::configure()
            .algorithm(Algorithm::Myers)
            .diff_lines(old.as_ref(), new.as_ref());
        let a = format!("a/{}", change.path);
        let b = format!("b/{}", change.path);
        out.push_str(&format!("diff --git {a} {b}\n"));
        let body = diff
            .unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&a, &b)
            .to_string();
        out.push_str(&body);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
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
}
