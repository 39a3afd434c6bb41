//! Trainer: fits the model on `fixtures/corpus` and writes the weights.
//!
//! `train` regenerates `src/classify/weights.tsv` (deterministically: the same
//! corpus gives the same bytes), `eval` prints the cross-validation tables for
//! the README, and `add` appends a newly labelled log to the corpus, which is
//! the self-learning loop: label, retrain, rebuild.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use autoheal::classify::model::{LABELS, N_CLASSES};
use autoheal::classify::train::{self, Corpus, FOLDS, SEED};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "autoheal-train",
    about = "Train and evaluate autoheal's category model"
)]
struct Args {
    /// The labelled corpus: every `*.jsonl` file in it.
    #[arg(long, global = true, default_value = "fixtures/corpus")]
    corpus: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fit on the whole corpus and write the weights file.
    Train {
        #[arg(long, default_value = "src/classify/weights.tsv")]
        out: PathBuf,
    },
    /// Print stratified 5-fold cross-validation as Markdown.
    Eval {
        /// Also score folds that keep each source together (slower).
        #[arg(long)]
        groups: bool,
        /// List the misclassified examples.
        #[arg(long)]
        errors: bool,
        /// Try another L2 penalty (the weights always use train::ALPHA).
        #[arg(long, default_value_t = train::ALPHA)]
        alpha: f64,
        /// Try another minimum document frequency (default train::MIN_DF).
        #[arg(long, default_value_t = train::MIN_DF)]
        min_df: usize,
        /// Try another iteration cap (default train::MAX_ITERATIONS).
        #[arg(long, default_value_t = train::MAX_ITERATIONS)]
        iterations: u64,
    },
    /// Append a labelled log to `learned.jsonl` in the corpus.
    Add {
        /// One of the six categories or `other` (`unknown` is accepted for it).
        label: String,
        /// The log file.
        log: PathBuf,
        /// Where the log came from (a run URL, a description).
        source: Option<String>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("autoheal-train: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    match args.command {
        Command::Train { out } => {
            let start = Instant::now();
            let corpus = train::load_corpus(&args.corpus)?;
            summary(&corpus);
            let t = train::train(&corpus)?;
            std::fs::write(&out, &t.weights)?;
            eprintln!(
                "threshold {:.2}, cross-validated macro-F1 {:.3}; wrote {} ({} rows, {} bytes) in {:.1} s",
                t.threshold,
                t.cv.macro_f1,
                out.display(),
                t.rows,
                t.weights.len(),
                start.elapsed().as_secs_f64()
            );
        }
        Command::Eval {
            groups,
            errors,
            alpha,
            min_df,
            iterations,
        } => {
            let start = Instant::now();
            let params = train::Params {
                alpha,
                min_df,
                iterations,
            };
            let corpus = train::load_corpus(&args.corpus)?;
            summary(&corpus);
            let labels: Vec<usize> = corpus.examples.iter().map(|e| e.label).collect();
            let folds = train::stratified_folds(&corpus.examples, FOLDS, SEED);
            let oof = train::cross_validate(&corpus.examples, &folds, FOLDS, params)?;
            let (threshold, sweep) = train::choose_threshold(&labels, &oof);
            let chosen = train::score(&labels, &oof, threshold);
            println!(
                "### Stratified {FOLDS}-fold cross-validation ({} examples, seed {SEED:#x}, alpha {alpha}, min_df {min_df}, {iterations} iterations, threshold {threshold:.2})\n",
                corpus.examples.len()
            );
            println!("{}", train::markdown(&chosen, &corpus.counts()));
            println!("Threshold sweep (an item under the threshold is `unknown`):\n");
            println!("| threshold | macro-F1 | accuracy |\n|---:|---:|---:|");
            for (t, s) in &sweep {
                let mark = if *t == threshold { " ←" } else { "" };
                println!("| {t:.2} | {:.3} | {:.3}{mark} |", s.macro_f1, s.accuracy);
            }
            if errors {
                println!("\nMisclassified:\n");
                for (i, e) in corpus.examples.iter().enumerate() {
                    let p = autoheal::classify::model::decide(oof[i], threshold);
                    let pred = p.label.unwrap_or(autoheal::classify::model::OTHER);
                    if pred != e.label {
                        println!(
                            "- {} → {} ({:.2}) [{}]: {}",
                            LABELS[e.label],
                            LABELS[pred],
                            oof[i][p.argmax],
                            e.source,
                            e.root.chars().take(160).collect::<String>()
                        );
                    }
                }
            }
            if groups {
                let gfolds = train::group_folds(&corpus.examples, FOLDS, SEED);
                let goof = train::cross_validate(&corpus.examples, &gfolds, FOLDS, params)?;
                let gs = train::score(&labels, &goof, threshold);
                let n_groups = corpus
                    .examples
                    .iter()
                    .map(|e| train::source_group(&e.source))
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                println!(
                    "\n### Grouped {FOLDS}-fold cross-validation (each of {n_groups} sources in one fold, threshold {threshold:.2})\n"
                );
                println!("{}", train::markdown(&gs, &corpus.counts()));
            }
            eprintln!("evaluated in {:.1} s", start.elapsed().as_secs_f64());
        }
        Command::Add { label, log, source } => {
            let bytes =
                std::fs::read(&log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
            let source = source.unwrap_or_else(|| {
                format!(
                    "learned: {}",
                    log.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                )
            });
            let n = train::add(&args.corpus, &label, &bytes, &source)?;
            println!(
                "added to {} ({n} learned items). Retrain and rebuild:\n  scripts/train && cargo build --release",
                args.corpus.join("learned.jsonl").display()
            );
        }
    }
    Ok(())
}

fn summary(c: &Corpus) {
    let counts = c.counts();
    let per: Vec<String> = (0..N_CLASSES)
        .map(|i| format!("{} {}", LABELS[i], counts[i]))
        .collect();
    eprintln!(
        "corpus: {} files, {} items, {} used ({}), {} duplicates and {} conflicting labels dropped, {} without a pipeline failure (last {} lines used)",
        c.files,
        c.lines,
        c.examples.len(),
        per.join(", "),
        c.duplicates,
        c.conflicts,
        c.fallbacks(),
        train::FALLBACK_LINES
    );
}
