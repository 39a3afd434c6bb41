//! Trainer: fits the model on `fixtures/corpus` and writes the weights.
fn main() {}
