//! Thin entry point: parse, run, map the outcome to one exit code.
fn main() -> std::process::ExitCode {
    autoheal::cli::main()
}
