//! The integration test binary: fixture snapshots through the library, and the
//! binary itself through assert_cmd.

mod cli;
mod fixtures;
