//! Derives what the binary embeds from the reviewed text files, at every
//! build that sees them change, so nothing derived can go stale:
//! - `src/classify/weights.tsv` (the trainer's text) as the binary image the
//!   model reads in place (`src/classify/weights_format.rs`);
//! - the big tables, deflated (`src/tables.rs`).

#[allow(dead_code)]
#[path = "src/classify/weights_format.rs"]
mod weights_format;

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
