//! Derives what the binary embeds from the reviewed text files, at every
//! build that sees them change, so nothing derived can go stale:
//! - `src/classify/weights.tsv` (the trainer's text) as the binary image the
//!   model reads in place (`src/classify/weights_format.rs`);
//! - the big tables, deflated (`src/tables.rs`);
//! - the prefilter literals of every pattern written in `src/`
//!   (`src/pattern/table.rs`).

#[allow(dead_code)]
#[path = "src/classify/weights_format.rs"]
mod weights_format;

#[allow(dead_code)]
#[path = "src/pattern/tree.rs"]
mod tree;

#[allow(dead_code)]
#[path = "src/pattern/literals.rs"]
mod literals;

#[allow(dead_code)]
#[path = "src/pattern/sources.rs"]
mod sources;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Tables embedded deflated: (source, name in OUT_DIR without `.deflate`).
const TABLES: &[(&str, &str)] = &[
    ("src/fix/data/action_inputs.tsv", "action_inputs.tsv"),
    ("src/fix/data/pypi_top.txt", "pypi_top.txt"),
    ("src/classify/data/well_known/npm.txt", "npm.txt"),
];

fn main() {
    const TEXT: &str = "src/classify/weights.tsv";
    println!("cargo:rerun-if-changed={TEXT}");
    println!("cargo:rerun-if-changed=src/classify/weights_format.rs");
    let text = std::fs::read_to_string(TEXT).unwrap_or_else(|e| panic!("{TEXT}: {e}"));
    let parsed = weights_format::parse_text(&text)
        .unwrap_or_else(|(line, msg)| panic!("{TEXT} line {line}: {msg}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("weights.bin"), parsed.to_image())
        .unwrap_or_else(|e| panic!("writing weights.bin: {e}"));
    for (src, name) in TABLES {
        println!("cargo:rerun-if-changed={src}");
        deflate(Path::new(src), &out.join(format!("{name}.deflate")));
    }
    println!("cargo:rerun-if-changed=src");
    std::fs::write(
        out.join("pattern_literals.rs"),
        pattern_table(Path::new("src")),
    )
    .unwrap_or_else(|e| panic!("writing pattern_literals.rs: {e}"));
}

/// The source of `src/pattern/table.rs`'s `TABLE`: each pattern text found
/// under `dir` that parses, keyed by its FNV-1a hash and length, with its
/// literals for any haystack and for ASCII ones.
fn pattern_table(dir: &Path) -> String {
    let found = sources::in_dir(dir);
    let mut rows: Vec<((u64, u32), String)> = Vec::new();
    for s in found {
        let Ok(len) = u32::try_from(s.len()) else {
            continue;
        };
        if regex_syntax::ast::parse::Parser::new().parse(&s).is_err() {
            continue;
        }
        let any = lits(literals::literals(&s, literals::Haystack::Any));
        let ascii = lits(literals::literals(&s, literals::Haystack::Ascii));
        rows.push(((fnv1a(&s), len), format!("{any}, {ascii}")));
    }
    rows.sort();
    // Two texts with one key: neither is in the table.
    let mut table = String::from("static TABLE: &[(u64, u32, Lits, Lits)] = &[\n");
    for (i, (key, row)) in rows.iter().enumerate() {
        let clash = |j: usize| rows.get(j).is_some_and(|(k, _)| k == key);
        if clash(i + 1) || (i > 0 && clash(i - 1)) {
            continue;
        }
        table.push_str(&format!("    ({:#x}, {}, {row}),\n", key.0, key.1));
    }
    table.push_str("];\n");
    table
}

fn lits(l: Option<(Vec<Vec<u8>>, bool)>) -> String {
    match l {
        None => "None".to_string(),
        Some((l, ci)) => {
            let items: Vec<String> = l
                .iter()
                .map(|b| {
                    let esc: String = b.iter().map(|&c| format!("\\x{c:02x}")).collect();
                    format!("b\"{esc}\"")
                })
                .collect();
            format!("Some((&[{}], {ci}))", items.join(", "))
        }
    }
}

/// FNV-1a, 64 bits, as `src/pattern/table.rs` computes it.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn deflate(src: &Path, dst: &Path) {
    let text = std::fs::read(src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let packed = enc
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    std::fs::write(dst, packed).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
}
