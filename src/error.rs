//! The one error type of the binary and the exit-code table.
