//! Big embedded tables, stored deflated and inflated on first use.
//!
//! The action-inputs table and the well-known package lists are over half a
//! megabyte of text that most runs never read. `build.rs` deflates each one
//! from its reviewed text file at build time (so it cannot go stale), the
//! binary carries about a fifth of the bytes, and the fixer or list that needs
//! a table inflates it once, in about a millisecond, with the deflate decoder
//! the zip reader already uses.

use std::io::Read;
use std::sync::OnceLock;

/// One deflated table and its inflated text once read.
pub struct Table {
    deflated: &'static [u8],
    text: OnceLock<String>,
}

impl Table {
    pub const fn new(deflated: &'static [u8]) -> Table {
        Table {
            deflated,
            text: OnceLock::new(),
        }
    }

    /// The table's text. Empty only if the embedded bytes were broken, which
    /// the tests rule out (each table is compared with its source file).
    pub fn text(&'static self) -> &'static str {
        self.text.get_or_init(|| {
            let mut s = String::new();
            if flate2::read::DeflateDecoder::new(self.deflated)
                .read_to_string(&mut s)
                .is_err()
            {
                s.clear();
            }
            s
        })
    }
}

macro_rules! table {
    ($name:ident, $file:literal) => {
        pub static $name: Table = Table::new(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            $file,
            ".deflate"
        )));
    };
}

table!(ACTION_INPUTS, "action_inputs.tsv");
table!(PYPI_TOP, "pypi_top.txt");
table!(NPM, "npm.txt");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_inflates_to_its_source_file() {
        assert_eq!(
            ACTION_INPUTS.text(),
            include_str!("fix/data/action_inputs.tsv")
        );
        assert_eq!(PYPI_TOP.text(), include_str!("fix/data/pypi_top.txt"));
        assert_eq!(NPM.text(), include_str!("classify/data/well_known/npm.txt"));
    }

    #[test]
    fn the_binary_carries_much_less_than_the_text() {
        let text = ACTION_INPUTS.text().len() + PYPI_TOP.text().len() + NPM.text().len();
        let packed = ACTION_INPUTS.deflated.len() + PYPI_TOP.deflated.len() + NPM.deflated.len();
        assert!(packed * 3 < text, "{packed} of {text} bytes");
    }

    #[test]
    fn broken_bytes_give_an_empty_table_not_a_panic() {
        static BROKEN: Table = Table::new(b"\xff\xff\xff not deflate");
        assert_eq!(BROKEN.text(), "");
    }
}
