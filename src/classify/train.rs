//! Training and evaluation of the category model (feature `train` only).
//!
//! The binary never links this: it only reads the weights this module writes.
//! Every corpus text goes through the same pipeline as a real log
//! (ingest, extract, the first failure's region) and the same
//! [`features`](super::features), so the model is trained on exactly what it
//! will see. The fit is linfa-logistic's multinomial logistic regression on a
//! dense matrix of the buckets that occur in at least [`MIN_DF`] training
//! examples; unused buckets get no row. The abstention threshold is chosen by
//! stratified cross-validation. Nothing is random: files are read in name
//! order, folds come from a seeded SplitMix64, and the optimiser is
//! deterministic, so the same corpus gives the same weights file.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};

use super::features::{self, FeatureVec};
use super::model::{self, LABELS, Model, N_CLASSES, OTHER};

/// A bucket needs this many training examples to get a weight.
pub const MIN_DF: usize = 2;
/// At most this many buckets (the most frequent) get a weight.
pub const MAX_COLUMNS: usize = 8192;
/// L2 penalty of the fit (linfa's loss is summed over examples).
pub const ALPHA: f64 = 0.03;
/// LBFGS iterations.
pub const MAX_ITERATIONS: u64 = 60;
/// The fit's settings; [`Params::default`] is what the weights use, `eval`
/// can try others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub alpha: f64,
    pub min_df: usize,
    pub iterations: u64,
    pub max_columns: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            alpha: ALPHA,
            min_df: MIN_DF,
            iterations: MAX_ITERATIONS,
            max_columns: MAX_COLUMNS,
        }
    }
}

/// Folds of the cross-validation.
pub const FOLDS: usize = 5;
/// Seed of the fold assignment.
pub const SEED: u64 = 0x5eed_a0e0_4ea1;
/// Lines kept when the pipeline finds no failure in a labelled text.
pub const FALLBACK_LINES: usize = 30;
/// Weights smaller than this are written as zero; all-zero rows are dropped.
pub const PRUNE: f64 = 5e-4;
/// Thresholds tried, in steps of 0.05 from 0 to 0.95.
pub const THRESHOLD_STEPS: usize = 20;

/// Where a training run failed: the corpus (its files' fault) or the fit.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {msg}")]
    Corpus {
        path: String,
        line: usize,
        msg: String,
    },
    #[error("the corpus has no examples of {0}")]
    MissingLabel(&'static str),
    #[error("fit failed: {0}")]
    Fit(String),
    /// `add` refused the log (bad label, empty, duplicate, file full).
    #[error("{0}")]
    Add(String),
}

/// One labelled corpus line.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Item {
    pub label: String,
    pub source: String,
    pub text: String,
}

/// A corpus item ready for the model.
#[derive(Debug, Clone)]
pub struct Example {
    pub label: usize,
    pub source: String,
    /// Region and root line as the pipeline found them.
    pub region: String,
    pub root: String,
    /// The pipeline found no failure; the region is the text's last lines.
    pub fallback: bool,
    /// The corpus file's ecosystem (`public-node.jsonl`: `node`).
    pub ecosystem: String,
    /// The text is a GitHub job log with its step markers (`##[group]`,
    /// `##[error]`), not an excerpt without them.
    pub marked: bool,
    pub fv: FeatureVec,
}

/// The corpus as loaded.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub examples: Vec<Example>,
    /// FNV-1a over every file's name and bytes, in name order.
    pub hash: u64,
    pub files: usize,
    pub lines: usize,
    /// Items whose region and label repeat an earlier item (dropped).
    pub duplicates: usize,
    /// Items whose region repeats an earlier item with another label (dropped).
    pub conflicts: usize,
}

impl Corpus {
    pub fn fallbacks(&self) -> usize {
        self.examples.iter().filter(|e| e.fallback).count()
    }

    pub fn counts(&self) -> [usize; N_CLASSES] {
        let mut c = [0; N_CLASSES];
        for e in &self.examples {
            c[e.label] += 1;
        }
        c
    }
}

/// The `*.jsonl` files of a directory, in name order.
pub fn corpus_files(dir: &Path) -> Result<Vec<PathBuf>, TrainError> {
    let io = |source| TrainError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The label index of a corpus label.
pub fn label_index(label: &str) -> Option<usize> {
    LABELS.iter().position(|l| *l == label)
}

/// Reads every corpus file and runs each text through the pipeline.
pub fn load_corpus(dir: &Path) -> Result<Corpus, TrainError> {
    let mut corpus = Corpus::default();
    let mut hash_input: Vec<u8> = Vec::new();
    // Region text -> label of its first occurrence.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for path in corpus_files(dir)? {
        let bytes = std::fs::read(&path).map_err(|source| TrainError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        hash_input.extend_from_slice(name.as_bytes());
        hash_input.push(0);
        hash_input.extend_from_slice(&bytes);
        hash_input.push(0);
        corpus.files += 1;
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |msg: String| TrainError::Corpus {
                path: name.clone(),
                line: i + 1,
                msg,
            };
            let item: Item = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            let label = label_index(&item.label)
                .ok_or_else(|| bad(format!("unknown label {:?}", item.label)))?;
            corpus.lines += 1;
            let (region, root, fallback) = region_of(&name, &item.text);
            match seen.get(&(region.clone(), root.clone())) {
                Some(&l) if l == label => {
                    corpus.duplicates += 1;
                    continue;
                }
                Some(_) => {
                    corpus.conflicts += 1;
                    continue;
                }
                None => {
                    seen.insert((region.clone(), root.clone()), label);
                }
            }
            let fv = features::vectorize(&region, &root);
            let marked = item.text.contains("##[group]") || item.text.contains("##[error]");
            corpus.examples.push(Example {
                label,
                source: item.source,
                region,
                root,
                fallback,
                ecosystem: ecosystem(&name),
                marked,
                fv,
            });
        }
    }
    corpus.hash = features::fnv1a(&hash_input);
    for (i, c) in corpus.counts().iter().enumerate() {
        if *c == 0 {
            return Err(TrainError::MissingLabel(LABELS[i]));
        }
    }
    Ok(corpus)
}

/// The ecosystem a corpus file covers: its name without the origin prefix
/// (`public-`, `generated-`) and the extension.
pub fn ecosystem(file_name: &str) -> String {
    let stem = file_name.strip_suffix(".jsonl").unwrap_or(file_name);
    let stem = stem
        .strip_prefix("public-")
        .or_else(|| stem.strip_prefix("generated-"))
        .unwrap_or(stem);
    stem.to_string()
}

/// The region and root line of a labelled text, through the binary's own
/// pipeline; `true` when the pipeline found no failure and the text's last
/// [`FALLBACK_LINES`] lines stand in.
pub fn region_of(name: &str, text: &str) -> (String, String, bool) {
    let bundle = crate::ingest::from_text(name, text.as_bytes());
    if let Some(f) = crate::extract::failures(&bundle).into_iter().next() {
        let region = if f.region.is_empty() {
            f.excerpt.clone()
        } else {
            f.region.clone()
        };
        return (region, f.error_line, false);
    }
    let lines: Vec<&str> = bundle
        .jobs
        .iter()
        .flat_map(|j| j.steps.iter())
        .flat_map(|s| s.tail.iter())
        .map(|l| l.text.as_str())
        .filter(|l| !l.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(FALLBACK_LINES);
    let kept = &lines[start..];
    let root = kept
        .iter()
        .rev()
        .find(|l| {
            let l = l.to_lowercase();
            let boilerplate = BOILERPLATE.iter().any(|k| l.contains(k));
            !boilerplate && CAUSE_WORDS.iter().any(|k| l.contains(k))
        })
        .or(kept.last())
        .map(|s| s.to_string())
        .unwrap_or_default();
    (kept.join("\n"), root, true)
}

/// Words that make a fallback line look like a cause.
const CAUSE_WORDS: [&str; 6] = [
    "error",
    "fail",
    "denied",
    "refused",
    "not found",
    "exception",
];
/// Lines that only echo a failure reported above them.
const BOILERPLATE: [&str; 3] = [
    "process completed with exit code",
    "make: ***",
    "exited with code",
];

/// Fits the model on the given examples. The result has no hashes and a zero
/// threshold; [`train`] fills them in.
pub fn fit(
    examples: &[&Example],
    params: Params,
) -> Result<(Model, Vec<[f64; N_CLASSES]>), TrainError> {
    // Columns: buckets with enough examples, in bucket order.
    let mut df: BTreeMap<u32, usize> = BTreeMap::new();
    for e in examples {
        for b in &e.fv.buckets {
            *df.entry(*b).or_default() += 1;
        }
    }
    // The most frequent buckets (ties: lower bucket), in bucket order: the
    // optimiser's time grows with the columns, and rare word pairs add little.
    let mut frequent: Vec<(u32, usize)> = df
        .into_iter()
        .filter(|(_, n)| *n >= params.min_df)
        .collect();
    frequent.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    frequent.truncate(params.max_columns);
    let mut cols: Vec<u32> = frequent.into_iter().map(|(b, _)| b).collect();
    cols.sort_unstable();
    let col_of: HashMap<u32, usize> = cols.iter().enumerate().map(|(i, b)| (*b, i)).collect();
    // f32 halves the memory the optimiser streams through on every step;
    // the features are in [0, 1] and need no more precision.
    let mut x = Array2::<f32>::zeros((examples.len(), cols.len()));
    let mut y = Array1::<usize>::zeros(examples.len());
    for (r, e) in examples.iter().enumerate() {
        for (b, v) in e.fv.iter() {
            if let Some(&c) = col_of.get(&b) {
                x[[r, c]] = v;
            }
        }
        y[r] = e.label;
    }
    let fitted = MultiLogisticRegression::default()
        .alpha(params.alpha as f32)
        .max_iterations(params.iterations)
        .fit(&Dataset::new(x, y))
        .map_err(|e| TrainError::Fit(e.to_string()))?;
    // linfa numbers the classes it saw in sorted order; map them back.
    let class_col: Vec<usize> = fitted.classes().to_vec();
    let weights = fitted.params();
    let mut intercept = [0.0f64; N_CLASSES];
    // A label absent from this training set gets a very low score.
    intercept.iter_mut().for_each(|v| *v = -30.0);
    for (k, &label) in class_col.iter().enumerate() {
        intercept[label] = f64::from(fitted.intercept()[k]);
    }
    let mut rows64 = Vec::with_capacity(cols.len());
    for c in 0..cols.len() {
        let mut row = [0.0f64; N_CLASSES];
        for (k, &label) in class_col.iter().enumerate() {
            row[label] = f64::from(weights[[c, k]]);
        }
        rows64.push(row);
    }
    let rows32: Vec<[f32; N_CLASSES]> = rows64.iter().map(|r| r.map(|v| v as f32)).collect();
    let model = Model::from_rows(
        features::config_hash(),
        examples.len(),
        intercept.map(|v| v as f32),
        &cols,
        &rows32,
    );
    Ok((model, rows64))
}

/// SplitMix64: a tiny, fixed pseudo-random sequence for fold assignment.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Stratified fold of each example: every label spread evenly over the folds.
pub fn stratified_folds(examples: &[Example], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix(seed);
    let mut fold = vec![0; examples.len()];
    for label in 0..N_CLASSES {
        let mut idx: Vec<usize> = (0..examples.len())
            .filter(|&i| examples[i].label == label)
            .collect();
        rng.shuffle(&mut idx);
        for (pos, i) in idx.into_iter().enumerate() {
            fold[i] = pos % k;
        }
    }
    fold
}

/// The group of a source: the generator and its scenario, or the public
/// address, so that items made from one template stay in one fold.
pub fn source_group(source: &str) -> String {
    // Variants of one scenario differ only in a parenthesised note or a
    // number (`shell unset TOKEN (shape 2)`, `eslintrc (3)`): one group.
    let mut s = source.trim();
    while let Some(open) = s.rfind(" (")
        && s.ends_with(')')
    {
        s = s[..open].trim_end();
    }
    s.chars().filter(|c| !c.is_ascii_digit()).collect()
}

/// Group folds: all examples of a source group in one fold, groups dealt in
/// seeded order to the fold with the fewest examples so far.
pub fn group_folds(examples: &[Example], k: usize, seed: u64) -> Vec<usize> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in examples.iter().enumerate() {
        groups.entry(source_group(&e.source)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    SplitMix(seed).shuffle(&mut groups);
    // Big groups first, so the folds come out balanced.
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut sizes = vec![0usize; k];
    let mut fold = vec![0; examples.len()];
    for g in groups {
        let f = (0..k).min_by_key(|&f| sizes[f]).unwrap_or(0);
        sizes[f] += g.len();
        for i in g {
            fold[i] = f;
        }
    }
    fold
}

/// Out-of-fold probabilities of every example.
pub fn cross_validate(
    examples: &[Example],
    fold: &[usize],
    k: usize,
    params: Params,
) -> Result<Vec<[f64; N_CLASSES]>, TrainError> {
    // The folds are independent fits: run them side by side. Each fit is
    // single-threaded and sees the same input, so the result is the same.
    let fits: Vec<Result<Option<Model>, TrainError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..k)
            .map(|f| {
                scope.spawn(move || {
                    let train: Vec<&Example> = examples
                        .iter()
                        .zip(fold)
                        .filter(|(_, ef)| **ef != f)
                        .map(|(e, _)| e)
                        .collect();
                    if train.is_empty() {
                        return Ok(None);
                    }
                    fit(&train, params).map(|(m, _)| Some(m))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(TrainError::Fit("a fold's fit panicked".into())))
            })
            .collect()
    });
    let mut probs = vec![[0.0; N_CLASSES]; examples.len()];
    for (f, m) in fits.into_iter().enumerate() {
        let Some(m) = m? else { continue };
        for (i, e) in examples.iter().enumerate() {
            if fold[i] == f {
                probs[i] = m.predict(&e.fv).probs;
            }
        }
    }
    Ok(probs)
}

/// Confusion matrix (rows: true label, columns: predicted, `other` ≡ abstain)
/// and the scores derived from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub confusion: [[usize; N_CLASSES]; N_CLASSES],
    pub precision: [f64; N_CLASSES],
    pub recall: [f64; N_CLASSES],
    pub f1: [f64; N_CLASSES],
    pub macro_f1: f64,
    pub accuracy: f64,
}

/// Scores of the abstention rule at `threshold` over out-of-fold probabilities.
pub fn score(labels: &[usize], probs: &[[f64; N_CLASSES]], threshold: f64) -> Scores {
    let mut confusion = [[0usize; N_CLASSES]; N_CLASSES];
    for (l, p) in labels.iter().zip(probs) {
        let pred = model::decide(*p, threshold).label.unwrap_or(OTHER);
        confusion[*l][pred] += 1;
    }
    let mut s = Scores {
        confusion,
        precision: [0.0; N_CLASSES],
        recall: [0.0; N_CLASSES],
        f1: [0.0; N_CLASSES],
        macro_f1: 0.0,
        accuracy: 0.0,
    };
    let total: usize = labels.len();
    let mut correct = 0;
    #[allow(clippy::needless_range_loop)] // c indexes rows and columns alike
    for c in 0..N_CLASSES {
        let tp = confusion[c][c];
        correct += tp;
        let predicted: usize = (0..N_CLASSES).map(|r| confusion[r][c]).sum();
        let actual: usize = confusion[c].iter().sum();
        s.precision[c] = ratio(tp, predicted);
        s.recall[c] = ratio(tp, actual);
        let (p, r) = (s.precision[c], s.recall[c]);
        s.f1[c] = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
    }
    s.macro_f1 = s.f1.iter().sum::<f64>() / N_CLASSES as f64;
    s.accuracy = ratio(correct, total);
    s
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The threshold (0, 0.05, ... 0.95) with the best macro-F1; the highest of
/// equals, so the model abstains wherever abstaining cost nothing in
/// cross-validation (unfamiliar logs tend to get flatter probabilities).
pub fn choose_threshold(labels: &[usize], probs: &[[f64; N_CLASSES]]) -> (f64, Vec<(f64, Scores)>) {
    let sweep: Vec<(f64, Scores)> = (0..THRESHOLD_STEPS)
        .map(|i| {
            let t = i as f64 * 0.05;
            (t, score(labels, probs, t))
        })
        .collect();
    let top = sweep.iter().map(|(_, s)| s.macro_f1).fold(0.0, f64::max);
    let best = sweep
        .iter()
        .rposition(|(_, s)| s.macro_f1 >= top - 1e-12)
        .unwrap_or(0);
    (sweep[best].0, sweep)
}

/// A finished training run.
pub struct Trained {
    pub weights: String,
    pub threshold: f64,
    pub cv: Scores,
    pub rows: usize,
}

/// Trains on the whole corpus: cross-validation for the threshold, then the
/// final fit; returns the weights file's text.
pub fn train(corpus: &Corpus) -> Result<Trained, TrainError> {
    let labels: Vec<usize> = corpus.examples.iter().map(|e| e.label).collect();
    let folds = stratified_folds(&corpus.examples, FOLDS, SEED);
    let all: Vec<&Example> = corpus.examples.iter().collect();
    // The final fit does not depend on the cross-validation: run both at once.
    let (oof, full) = std::thread::scope(|scope| {
        let full = scope.spawn(|| fit(&all, Params::default()));
        let oof = cross_validate(&corpus.examples, &folds, FOLDS, Params::default());
        let full = full
            .join()
            .unwrap_or_else(|_| Err(TrainError::Fit("the final fit panicked".into())));
        (oof, full)
    });
    let (oof, (m, rows64)) = (oof?, full?);
    let (threshold, sweep) = choose_threshold(&labels, &oof);
    let cv = sweep
        .into_iter()
        .find(|(t, _)| *t == threshold)
        .map(|(_, s)| s)
        .unwrap_or_else(|| score(&labels, &oof, threshold));
    let (weights, rows) = render_weights(&m, &rows64, corpus, threshold);
    Ok(Trained {
        weights,
        threshold,
        cv,
        rows,
    })
}

/// A weight as written: four decimals, no negative zero.
fn fmt_weight(v: f64) -> String {
    if v.abs() < PRUNE {
        "0".into()
    } else {
        format!("{v:.4}")
    }
}

fn render_weights(
    m: &Model,
    rows64: &[[f64; N_CLASSES]],
    corpus: &Corpus,
    threshold: f64,
) -> (String, usize) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# autoheal category model: generated by scripts/train from fixtures/corpus; do not edit.\n\
         # Multinomial logistic regression (linfa-logistic, alpha {ALPHA}, {MAX_ITERATIONS} iterations),\n\
         # the {MAX_COLUMNS} most frequent buckets of features.rs seen in at least {MIN_DF} examples; |w| < {PRUNE} written as 0."
    );
    let _ = writeln!(out, "format\t1");
    let _ = writeln!(out, "features\t{:016x}", m.feature_hash);
    let _ = writeln!(out, "corpus\t{:016x}", corpus.hash);
    let _ = writeln!(out, "examples\t{}", corpus.examples.len());
    let _ = writeln!(out, "threshold\t{threshold:.2}");
    let _ = writeln!(out, "classes\t{}", LABELS.join("\t"));
    let icpt: Vec<String> = m
        .intercept
        .iter()
        .map(|v| fmt_weight(f64::from(*v)))
        .collect();
    let _ = writeln!(out, "intercept\t{}", icpt.join("\t"));
    let mut rows = 0;
    for (b, r) in m.buckets().zip(rows64) {
        if r.iter().all(|v| v.abs() < PRUNE) {
            continue;
        }
        let ws: Vec<String> = r.iter().map(|v| fmt_weight(*v)).collect();
        let _ = writeln!(out, "{b}\t{}", ws.join("\t"));
        rows += 1;
    }
    (out, rows)
}

/// Markdown tables of a cross-validation: per-label scores and the
/// confusion matrix.
pub fn markdown(s: &Scores, counts: &[usize; N_CLASSES]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| label | examples | precision | recall | F1 |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (c, count) in counts.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {:.3} | {:.3} |",
            display_label(c),
            count,
            s.precision[c],
            s.recall[c],
            s.f1[c]
        );
    }
    let _ = writeln!(
        out,
        "| **macro** | {} | {:.3} | {:.3} | **{:.3}** |",
        counts.iter().sum::<usize>(),
        s.precision.iter().sum::<f64>() / N_CLASSES as f64,
        s.recall.iter().sum::<f64>() / N_CLASSES as f64,
        s.macro_f1
    );
    let _ = writeln!(
        out,
        "\nConfusion matrix (rows: true label, columns: predicted):\n"
    );
    let short = ["dep", "env", "api", "net", "perm", "config", "unknown"];
    let _ = writeln!(out, "| true \\ predicted | {} |", short.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(N_CLASSES));
    for r in 0..N_CLASSES {
        let cells: Vec<String> = s.confusion[r].iter().map(|v| v.to_string()).collect();
        let _ = writeln!(out, "| {} | {} |", display_label(r), cells.join(" | "));
    }
    out
}

fn display_label(c: usize) -> &'static str {
    if c == OTHER {
        "other (unknown)"
    } else {
        LABELS[c]
    }
}

/// Largest log text `add` accepts, in bytes (the end is kept).
pub const MAX_ADD_BYTES: usize = 64 * 1024;
/// Most lines `add` keeps (the last ones).
pub const MAX_ADD_LINES: usize = 200;
/// `learned.jsonl` stops growing past this size.
pub const MAX_LEARNED_BYTES: u64 = 8 << 20;

/// Appends a labelled log to `learned.jsonl` in the corpus directory; the
/// text is capped to its last [`MAX_ADD_LINES`] lines and [`MAX_ADD_BYTES`].
/// Returns the number of items the file now has.
pub fn add(corpus_dir: &Path, label: &str, log: &[u8], source: &str) -> Result<usize, TrainError> {
    let path = corpus_dir.join("learned.jsonl");
    let bad = TrainError::Add;
    let label = if label == "unknown" { "other" } else { label };
    if label_index(label).is_none() {
        return Err(bad(format!(
            "unknown label {label:?}; use one of {}",
            LABELS.join(", ")
        )));
    }
    let text = String::from_utf8_lossy(log);
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = lines[lines.len().saturating_sub(MAX_ADD_LINES)..].join("\n");
    if kept.len() > MAX_ADD_BYTES {
        let mut start = kept.len() - MAX_ADD_BYTES;
        while !kept.is_char_boundary(start) {
            start += 1;
        }
        kept = kept[start..].to_string();
    }
    if kept.trim().is_empty() {
        return Err(bad("the log is empty".into()));
    }
    let existing = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(TrainError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    if existing.len() as u64 >= MAX_LEARNED_BYTES {
        return Err(bad(format!(
            "learned.jsonl is over {MAX_LEARNED_BYTES} bytes; move items into a curated corpus file"
        )));
    }
    for l in existing.lines() {
        if let Ok(item) = serde_json::from_str::<Item>(l)
            && item.text == kept
        {
            return Err(bad(format!(
                "this log is already in the corpus as {}",
                item.label
            )));
        }
    }
    let item = Item {
        label: label.to_string(),
        source: source.to_string(),
        text: kept,
    };
    let mut line = serde_json::to_string(&item).map_err(|e| bad(e.to_string()))?;
    line.push('\n');
    let mut new = existing;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&line);
    std::fs::create_dir_all(corpus_dir).map_err(|source| TrainError::Io {
        path: corpus_dir.display().to_string(),
        source,
    })?;
    std::fs::write(&path, &new).map_err(|source| TrainError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(new.lines().filter(|l| !l.trim().is_empty()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(label: usize, source: &str) -> Example {
        Example {
            label,
            source: source.into(),
            region: String::new(),
            root: String::new(),
            fallback: false,
            ecosystem: String::new(),
            marked: false,
            fv: FeatureVec::default(),
        }
    }

    #[test]
    fn stratified_folds_spread_every_label() {
        let examples: Vec<Example> = (0..70).map(|i| ex(i % N_CLASSES, "s")).collect();
        let folds = stratified_folds(&examples, 5, SEED);
        assert_eq!(folds, stratified_folds(&examples, 5, SEED));
        for label in 0..N_CLASSES {
            let mut per = [0; 5];
            for (e, f) in examples.iter().zip(&folds) {
                if e.label == label {
                    per[*f] += 1;
                }
            }
            assert_eq!(per, [2; 5], "label {label}");
        }
    }

    #[test]
    fn source_groups_merge_variants() {
        assert_eq!(
            source_group("gen.py: shell unset TOKEN (shape 2)"),
            source_group("gen.py: shell unset TOKEN (shape 1)")
        );
        assert_eq!(source_group("x (quoted in issue)"), "x");
        assert_eq!(source_group("a (b) (c)"), "a");
        assert_ne!(source_group("gen.py: pip"), source_group("gen.py: npm"));
    }

    #[test]
    fn group_folds_keep_groups_together() {
        let examples: Vec<Example> = (0..40)
            .map(|i| ex(0, &format!("g{}", (b'a' + (i % 8) as u8) as char)))
            .collect();
        let folds = group_folds(&examples, 5, SEED);
        for (i, a) in examples.iter().enumerate() {
            for (j, b) in examples.iter().enumerate() {
                if a.source == b.source {
                    assert_eq!(folds[i], folds[j]);
                }
            }
        }
        assert!((0..5).all(|f| folds.contains(&f)));
    }

    #[test]
    fn scores_and_threshold() {
        let labels = [0, 1, OTHER, 0];
        let confident = |c: usize, p: f64| {
            let mut v = [(1.0 - p) / 6.0; N_CLASSES];
            v[c] = p;
            v
        };
        // The third is unsure between 0 and other: a threshold makes it abstain.
        let probs = [
            confident(0, 0.9),
            confident(1, 0.8),
            confident(0, 0.4),
            confident(0, 0.7),
        ];
        let s = score(&labels, &probs, 0.0);
        assert_eq!(s.confusion[OTHER][0], 1);
        let (t, _) = choose_threshold(&labels, &probs);
        assert!(t > 0.4 && t <= 0.7, "{t}");
        let s = score(&labels, &probs, t);
        assert_eq!(s.accuracy, 1.0);
        // Labels that never occur count as F1 0 in the macro average.
        assert!((s.macro_f1 - 3.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn add_validates_caps_and_dedups() {
        let dir = tempfile::tempdir().unwrap();
        assert!(add(dir.path(), "flaky", b"x\n", "s").is_err());
        assert!(add(dir.path(), "other", b"  \n", "s").is_err());
        let log: String = (0..500).map(|i| format!("line {i}\n")).collect();
        assert_eq!(
            add(dir.path(), "network_timeout", log.as_bytes(), "t").unwrap(),
            1
        );
        assert!(add(dir.path(), "network_timeout", log.as_bytes(), "t").is_err());
        assert_eq!(
            add(dir.path(), "unknown", b"Segmentation fault\n", "t").unwrap(),
            2
        );
        let text = std::fs::read_to_string(dir.path().join("learned.jsonl")).unwrap();
        let first: Item = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first.text.lines().count(), MAX_ADD_LINES);
        assert!(first.text.ends_with("line 499"));
        let second: Item = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(second.label, "other");
    }
}
