//! Times `ingest::load` alone on the given inputs and prints what it found:
//! the benchmark entry point `scripts/bench` measures next to `rg -c Error`.

use std::path::PathBuf;
use std::process::ExitCode;

use autoheal::ingest::{self, Source};

fn main() -> ExitCode {
    let sources: Vec<Source> = std::env::args_os()
        .skip(1)
        .map(|a| {
            if a == "-" {
                Source::Stdin
            } else {
                Source::Path(PathBuf::from(a))
            }
        })
        .collect();
    let bundle = match ingest::load(&sources) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let steps: usize = bundle.jobs.iter().map(|j| j.steps.len()).sum();
    let lines: u64 = bundle
        .jobs
        .iter()
        .flat_map(|j| &j.steps)
        .map(|s| s.line_count)
        .sum();
    println!(
        "jobs={} steps={steps} lines={lines} tests={} notes={}",
        bundle.jobs.len(),
        bundle.tests.len(),
        bundle.notes.len()
    );
    for job in &bundle.jobs {
        for step in job.steps.iter().filter(|s| s.failed == Some(true)) {
            let cause = step
                .tail
                .iter()
                .rev()
                .find(|l| l.text.contains("Error"))
                .map_or("", |l| l.text.as_str());
            println!(
                "failed: {} / {} (exit {:?}, lines {}..{}): {cause}",
                job.name,
                step.name,
                step.exit_code,
                step.first_line,
                step.first_line + step.line_count.saturating_sub(1),
            );
        }
    }
    ExitCode::SUCCESS
}
