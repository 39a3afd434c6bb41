//! The tables of `fixtures/corpus/PUBLIC_SOURCES.md` (totals, items per label,
//! file and source address) are generated from the public corpus files by
//! `scripts/public-sources`; this checks the committed file is what the corpus
//! gives, so a new excerpt cannot go in without its citation row.

use std::process::Command;

#[test]
fn public_sources_match_the_corpus() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/scripts/public-sources"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
