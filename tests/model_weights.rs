//! The committed weights must be what `scripts/train` makes of the committed
//! corpus, so corpus and model never drift apart. Needs the trainer, hence
//! `--features train` (the README's `cargo test --all-features` has it).
#![cfg(feature = "train")]

use std::path::Path;

use autoheal::classify::features;
use autoheal::classify::model::{self, Model};
use autoheal::classify::train;

/// Largest difference tolerated between a committed and a fresh weight when
/// the bytes differ: the optimiser's matrix products use CPU-specific SIMD
/// kernels, so another machine may round differently in the last digits.
const TOLERANCE: f32 = 0.01;

#[test]
fn committed_weights_match_a_fresh_training_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = std::time::Instant::now();
    let corpus = train::load_corpus(&root.join("fixtures/corpus")).expect("corpus loads");
    eprintln!("corpus loaded in {:.1} s", t.elapsed().as_secs_f64());
    let committed = Model::parse(model::WEIGHTS_TSV).expect("committed weights parse");
    assert_eq!(
        committed.feature_hash,
        features::config_hash(),
        "features.rs changed since the weights were made: run scripts/train"
    );
    assert_eq!(
        format!("{:016x}", committed.corpus_hash),
        format!("{:016x}", corpus.hash),
        "fixtures/corpus changed since the weights were made: run scripts/train"
    );
    let fresh = train::train(&corpus).expect("training succeeds");
    eprintln!("trained in {:.1} s", t.elapsed().as_secs_f64());
    if fresh.weights == model::WEIGHTS_TSV {
        return;
    }
    // Not byte-equal: accept only last-digit noise.
    let fresh = Model::parse(&fresh.weights).expect("fresh weights parse");
    assert_eq!(fresh.threshold, committed.threshold, "threshold differs");
    assert_eq!(fresh.examples, committed.examples);
    let zero = [0.0f32; model::N_CLASSES];
    let mut buckets: Vec<u32> = fresh.buckets().chain(committed.buckets()).collect();
    buckets.sort_unstable();
    buckets.dedup();
    for b in buckets {
        let a = fresh.row(b).unwrap_or(zero);
        let c = committed.row(b).unwrap_or(zero);
        for (x, y) in a.iter().zip(c) {
            assert!(
                (x - y).abs() <= TOLERANCE,
                "bucket {b}: fresh {a:?} committed {c:?}"
            );
        }
    }
    for (x, y) in fresh.intercept.iter().zip(&committed.intercept) {
        assert!((x - y).abs() <= TOLERANCE, "intercept: {x} vs {y}");
    }
}

#[test]
fn committed_model_classifies_its_own_corpus() {
    // A sanity floor, far below the cross-validated score: catches a model
    // that loads but is wired to the wrong features or labels.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = train::load_corpus(&root.join("fixtures/corpus")).expect("corpus loads");
    let m = model::embedded().expect("embedded weights parse");
    let right = corpus
        .examples
        .iter()
        .filter(|e| m.predict(&e.fv).label.unwrap_or(model::OTHER) == e.label)
        .count();
    let share = right as f64 / corpus.examples.len() as f64;
    assert!(share > 0.9, "training accuracy {share:.3}");
}
