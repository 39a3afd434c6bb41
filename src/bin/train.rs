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
    /// Print grouped (the headline) and stratified 5-fold cross-validation as
    /// Markdown, with rows per ecosystem and per log shape.
    Eval {
        /// Accepted for old scripts: grouped folds are always scored now.
        #[arg(long, hide = true)]
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
        /// Try another column cap (default train::MAX_COLUMNS).
        #[arg(long, default_value_t = train::MAX_COLUMNS)]
        max_columns: usize,
        /// Another fold assignment (default train::SEED), to see that a
        /// change holds beyond one split.
        #[arg(long, default_value_t = SEED, value_parser = parse_seed)]
        seed: u64,
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
            max_columns,
            seed,
        } => {
            let start = Instant::now();
            let params = train::Params {
                alpha,
                min_df,
                iterations,
                max_columns,
            };
            let corpus = train::load_corpus(&args.corpus)?;
            summary(&corpus);
            let labels: Vec<usize> = corpus.examples.iter().map(|e| e.label).collect();
            // The threshold is chosen as the trainer chooses it (stratified folds);
            // the headline is the grouped estimate, closest to logs never seen.
            let folds = train::stratified_folds(&corpus.examples, FOLDS, seed);
            let oof = train::cross_validate(&corpus.examples, &folds, FOLDS, params)?;
            let (threshold, sweep) = train::choose_threshold(&labels, &oof);
            let gfolds = train::group_folds(&corpus.examples, FOLDS, seed);
            let goof = train::cross_validate(&corpus.examples, &gfolds, FOLDS, params)?;
            let gs = train::score(&labels, &goof, threshold);
            let n_groups = corpus
                .examples
                .iter()
                .map(|e| train::source_group(&e.source))
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            println!(
                "### Grouped {FOLDS}-fold cross-validation ({} examples; each of {n_groups} sources in one fold; seed {seed:#x}, alpha {alpha}, min_df {min_df}, {iterations} iterations, {max_columns} columns, threshold {threshold:.2})\n",
                corpus.examples.len()
            );
            println!("{}", train::markdown(&gs, &corpus.counts()));
            println!("Per ecosystem (grouped folds; macro-F1 over the labels present):\n");
            println!(
                "{}",
                slices(&corpus, &goof, threshold, |e| e.ecosystem.clone())
            );
            println!("By shape (grouped folds):\n");
            println!(
                "{}",
                slices(&corpus, &goof, threshold, |e| {
                    let origin = if e.source.starts_with("https://") {
                        "public"
                    } else {
                        "generated"
                    };
                    let shape = if e.marked {
                        "GitHub log with markers"
                    } else {
                        "excerpt without markers"
                    };
                    format!("{shape}, {origin}")
                })
            );
            let chosen = train::score(&labels, &oof, threshold);
            println!(
                "### Stratified {FOLDS}-fold cross-validation (items of one source may share folds; flatters the model)\n"
            );
            println!("{}", train::markdown(&chosen, &corpus.counts()));
            println!("Threshold sweep (stratified; an item under the threshold is `unknown`):\n");
            println!("| threshold | macro-F1 | accuracy |\n|---:|---:|---:|");
            for (t, s) in &sweep {
                let mark = if *t == threshold { " ←" } else { "" };
                println!("| {t:.2} | {:.3} | {:.3}{mark} |", s.macro_f1, s.accuracy);
            }
            if errors {
                println!("\nMisclassified (grouped folds):\n");
                for (i, e) in corpus.examples.iter().enumerate() {
                    let p = autoheal::classify::model::decide(goof[i], threshold);
                    let pred = p.label.unwrap_or(autoheal::classify::model::OTHER);
                    if pred != e.label {
                        println!(
                            "- {} → {} ({:.2}) [{}]{}: {}",
                            LABELS[e.label],
                            LABELS[pred],
                            goof[i][p.argmax],
                            e.source,
                            if e.fallback {
                                " (no failure found)"
                            } else {
                                ""
                            },
                            e.root.chars().take(160).collect::<String>()
                        );
                    }
                }
            }
            let _ = groups;
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

/// A seed in decimal or `0x` hexadecimal.
fn parse_seed(s: &str) -> Result<u64, String> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => s.parse(),
    }
    .map_err(|e| format!("not a seed: {e}"))
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

/// One row per slice of the corpus: examples, the share where the pipeline
/// found a failure, accuracy and macro-F1 over the labels the slice has.
fn slices(
    corpus: &Corpus,
    probs: &[[f64; N_CLASSES]],
    threshold: f64,
    key: impl Fn(&train::Example) -> String,
) -> String {
    use std::fmt::Write as _;
    let mut by: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, e) in corpus.examples.iter().enumerate() {
        by.entry(key(e)).or_default().push(i);
    }
    let mut out = String::from(
        "| slice | examples | failure found | accuracy | macro-F1 |\n|---|---:|---:|---:|---:|\n",
    );
    for (name, idx) in by {
        let labels: Vec<usize> = idx.iter().map(|&i| corpus.examples[i].label).collect();
        let p: Vec<[f64; N_CLASSES]> = idx.iter().map(|&i| probs[i]).collect();
        let s = train::score(&labels, &p, threshold);
        let present: Vec<usize> = (0..N_CLASSES).filter(|c| labels.contains(c)).collect();
        let macro_f1 = present.iter().map(|&c| s.f1[c]).sum::<f64>() / present.len().max(1) as f64;
        let found = idx
            .iter()
            .filter(|&&i| !corpus.examples[i].fallback)
            .count();
        let _ = writeln!(
            out,
            "| {name} | {} | {:.3} | {:.3} | {:.3} |",
            idx.len(),
            found as f64 / idx.len().max(1) as f64,
            s.accuracy,
            macro_f1
        );
    }
    out
}
