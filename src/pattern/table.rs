//! The literals of the patterns written in the source, worked out by
//! `build.rs` with [`super::literals`] (so they cannot go stale) and looked
//! up by the pattern text's hash: a short log asks a few hundred patterns for
//! their literals, and reading them off each pattern took a fifth of its run.

use super::literals::Haystack;

/// One pattern's literals for a haystack kind: `None` if it has no usable
/// ones, else the literals and whether they ignore ASCII case.
type Lits = Option<(&'static [&'static [u8]], bool)>;

// `static TABLE: &[(u64, u32, Lits, Lits)]`: FNV-1a hash and byte length of
// the pattern, its literals for any haystack and for ASCII ones; sorted.
include!(concat!(env!("OUT_DIR"), "/pattern_literals.rs"));

/// FNV-1a, 64 bits: what `build.rs` keys the table by.
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `Some(answer)` when the table has `source`; `None` when it does not.
#[allow(clippy::type_complexity)]
pub(super) fn lookup(source: &str, hay: Haystack) -> Option<Option<(Vec<Vec<u8>>, bool)>> {
    let key = (fnv1a(source), u32::try_from(source.len()).ok()?);
    let i = TABLE.binary_search_by(|e| (e.0, e.1).cmp(&key)).ok()?;
    let (_, _, any, ascii) = TABLE[i];
    let lits = if hay == Haystack::Ascii { ascii } else { any };
    Some(lits.map(|(l, ci)| (l.iter().map(|b| b.to_vec()).collect(), ci)))
}

/// How many patterns the table holds.
#[cfg(test)]
pub(super) fn len() -> usize {
    TABLE.len()
}

#[cfg(test)]
mod tests {
    use super::super::{literals, sources};
    use super::*;

    /// Every pattern text in `src/` that parses, read as `build.rs` reads it.
    fn texts() -> Vec<String> {
        let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
        sources::in_dir(src)
            .into_iter()
            .filter(|s| regex_syntax::ast::parse::Parser::new().parse(s).is_ok())
            .collect()
    }

    /// The embedded answers are the literal reader's, for every pattern, so
    /// a change to the reader or to a pattern cannot leave a stale one.
    #[test]
    fn the_table_is_what_the_literal_reader_says() {
        let texts = texts();
        assert!(texts.len() >= 600, "{} pattern texts", texts.len());
        let mut found = 0;
        for s in &texts {
            for hay in [Haystack::Any, Haystack::Ascii] {
                if let Some(hit) = lookup(s, hay) {
                    assert_eq!(hit, literals::literals(s, hay), "{s}");
                    found += 1;
                }
            }
        }
        assert_eq!(
            found,
            2 * len(),
            "texts the table has but the scan does not"
        );
        assert!(
            len() + 2 >= texts.len(),
            "{} of {} texts in the table",
            len(),
            texts.len()
        );
    }

    /// The scan reads patterns as the compiler spells them.
    #[test]
    fn the_scan_reads_raw_strings_and_concat() {
        let text = r##"
            static A: Pattern = Pattern::new(r"a\d+");
            static B: Pattern = Pattern::new(concat!(
                r"x|", // comment with "quotes" and r"raw"
                "y\\.\t|\
                 z", r#"w"q"#
            ));
            let c = br"bytes"; let d = tr"x";
        "##;
        let got = sources::sources(text);
        assert_eq!(got[0], r"a\d+");
        assert_eq!(got[1], "x|y\\.\t|zw\"q");
        assert!(!got.iter().any(|s| s == "bytes" || s == "x"), "{got:?}");
    }
}
