//! The applier and the diff renderer: arbitrary text and edits are applied in
//! memory, rendered as a unified diff, and the diff applied to the original by
//! a strict independent applier must give the applier's text back.
#![no_main]

use autoheal::fix::Edit;
use autoheal::fix::apply::{FileChange, apply_edits};
use autoheal::fix::diff::render;
use libfuzzer_sys::fuzz_target;

fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|b| *b == b'\n').collect()
}

fn parse_range(s: &str) -> (usize, usize) {
    match s.split_once(',') {
        Some((a, b)) => (a.parse().expect("start"), b.parse().expect("len")),
        None => (s.parse().expect("start"), 1),
    }
}

/// Applies a one-file unified diff strictly: context must match exactly.
fn patch(old: &[u8], diff: &str) -> Vec<u8> {
    let old = lines(old);
    let mut out: Vec<u8> = Vec::new();
    let mut at = 0usize;
    let body: Vec<&str> = diff.split_inclusive('\n').collect();
    let mut i = 0;
    while i < body.len() {
        let l = body[i];
        i += 1;
        let Some(h) = l.strip_prefix("@@ -") else {
            assert!(
                l.starts_with("diff --git ") || l.starts_with("--- ") || l.starts_with("+++ "),
                "stray line {l:?}"
            );
            continue;
        };
        let (o, _) = h.split_once(' ').expect("hunk header");
        let (start, len) = parse_range(o);
        let first = if len == 0 { start } else { start - 1 };
        assert!(first >= at, "hunks out of order");
        for l in &old[at..first] {
            out.extend_from_slice(l);
        }
        at = first;
        while i < body.len() && !body[i].starts_with("@@ ") && !body[i].starts_with("diff --git ") {
            let l = body[i];
            i += 1;
            let no_eol = body.get(i).is_some_and(|n| n.starts_with("\\ No newline at end of file"));
            if no_eol {
                i += 1;
            }
            let (tag, content) = l.split_at(1);
            let content = if no_eol {
                content.strip_suffix('\n').expect("line")
            } else {
                content
            };
            match tag {
                " " | "-" => {
                    assert_eq!(old.get(at).copied(), Some(content.as_bytes()), "context mismatch");
                    if tag == " " {
                        out.extend_from_slice(content.as_bytes());
                    }
                    at += 1;
                }
                "+" => out.extend_from_slice(content.as_bytes()),
                _ => panic!("bad hunk line {l:?}"),
            }
        }
    }
    for l in &old[at..] {
        out.extend_from_slice(l);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    // `text \xff edits`, each edit 3 bytes: start, length, content index.
    let split = data.iter().position(|&b| b == 0xff).unwrap_or(data.len());
    let text = String::from_utf8_lossy(&data[..split]).into_owned();
    let raw = data.get(split + 1..).unwrap_or(&[]);
    const PIECES: [&str; 6] = ["", "x\n", "\n", "é", "a\r\nb", "line\n\n"];
    let idx: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
    let edits: Vec<Edit> = raw
        .chunks_exact(3)
        .take(8)
        .map(|c| {
            let s = idx[usize::from(c[0]) % idx.len()];
            let e = idx[(usize::from(c[0]) % idx.len() + usize::from(c[1] % 8)).min(idx.len() - 1)];
            Edit::replace("f.txt", s..e, PIECES[usize::from(c[2]) % PIECES.len()])
        })
        .collect();
    let (new, _) = apply_edits(&text, &edits).expect("valid ranges");
    let change = FileChange {
        path: "f.txt".to_string(),
        old: text.clone().into_bytes(),
        new: new.clone().into_bytes(),
    };
    let diff = render(std::slice::from_ref(&change));
    if text == new {
        assert!(diff.is_empty(), "diff for no change");
        return;
    }
    assert_eq!(patch(text.as_bytes(), &diff), new.as_bytes(), "diff:\n{diff}");
});
