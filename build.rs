//! Encodes `src/classify/weights.tsv` (the reviewed text the trainer writes)
//! as the binary image the model reads in place. Done at every build that
//! sees the text change, so a retrained model can never ship a stale image.

#[allow(dead_code)]
#[path = "src/classify/weights_format.rs"]
mod weights_format;

use std::path::PathBuf;

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
}
