//! Command line and environment into a typed config; the only place that reads either.

pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
