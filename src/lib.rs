//! autoheal: diagnose a failed CI run from its logs and, where a deterministic
//! fix exists, write it as a unified diff.
//!
//! The pipeline is a chain of stages, each a data type:
//! `ingest` (sources to a bounded [`ingest::LogBundle`]), `extract` (root-cause
//! lines as [`extract::Failure`]s), `classify` (category, confidence and facts as
//! [`classify::Diagnosis`]), `fix` (edits with an applicability, rendered as a
//! unified diff) and `report` (text, JSON and GitHub views of one report).
//! The library never reads the environment and never prints; `cli` does both.

mod allocator;
pub mod classify;
pub mod cli;
pub mod config;
pub mod error;
pub mod extract;
pub mod feedback;
pub mod fix;
pub mod frames;
pub mod github;
pub mod ingest;
pub mod pattern;
pub mod report;
pub mod sanitize;
pub mod tables;
pub mod verify;
