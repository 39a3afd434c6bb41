//! Classify: the category (statistical: an embedded logistic-regression model)
//! and the facts (deterministic parsers). The two never blur: fixers read facts.

pub mod facts;
pub mod features;
pub mod model;
pub mod names;
pub mod shapes;
pub mod signals;
pub mod suggest;
#[cfg(feature = "train")]
pub mod train;
mod weights_format;

use serde::{Deserialize, Serialize};

pub use facts::Facts;

use crate::extract::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DependencyMissing,
    EnvironmentVariable,
    ApiContractMismatch,
    NetworkTimeout,
    PermissionDenied,
    ConfigurationError,
    Unknown,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::DependencyMissing,
        Category::EnvironmentVariable,
        Category::ApiContractMismatch,
        Category::NetworkTimeout,
        Category::PermissionDenied,
        Category::ConfigurationError,
        Category::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::DependencyMissing => "dependency_missing",
            Category::EnvironmentVariable => "environment_variable",
            Category::ApiContractMismatch => "api_contract_mismatch",
            Category::NetworkTimeout => "network_timeout",
            Category::PermissionDenied => "permission_denied",
            Category::ConfigurationError => "configuration_error",
            Category::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with its category, the model's confidence and the facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    #[serde(flatten)]
    pub failure: Failure,
    pub category: Category,
    pub confidence: f64,
    /// The features that pushed hardest toward `category`, with their weight.
    pub explanation: Vec<(String, f64)>,
    pub facts: Facts,
    pub suggested_fix: String,
}

/// How many features an explanation lists.
pub const EXPLANATION_LEN: usize = 5;

/// Classifies one failure: the embedded model picks the category (or
/// abstains), the deterministic parsers pull the facts.
///
/// `confidence` is the model's probability of the reported category; for
/// `unknown` it is one minus the highest probability of the six real
/// categories (how sure the model is that none of them applies).
/// `explanation` lists the features of this failure that pushed hardest
/// toward the reported category (toward `other` for `unknown`): weight times
/// value, summed over a word's plain and root-line copies; bare placeholders
/// and stop words are left out as they tell a reader nothing.
pub fn diagnose(failure: &Failure) -> Diagnosis {
    let region = if failure.region.trim().is_empty() {
        &failure.excerpt
    } else {
        &failure.region
    };
    let (fv, names) = features::vectorize_named(region, &failure.error_line);
    let (category, confidence, explanation) = match model::embedded() {
        Some(m) => {
            let p = m.predict(&fv);
            let class = p.label.unwrap_or(model::OTHER);
            let category = p.label.map_or(Category::Unknown, |l| Category::ALL[l]);
            (
                category,
                round3(p.confidence),
                explain(m, &fv, &names, class),
            )
        }
        None => (Category::Unknown, 0.0, Vec::new()),
    };
    let facts = facts::parse(failure);
    let suggested_fix = suggest::suggest(category, &facts, failure);
    Diagnosis {
        failure: failure.clone(),
        category,
        confidence,
        explanation,
        facts,
        suggested_fix,
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The features with the largest positive weight × value toward `class`.
fn explain(
    m: &model::Model,
    fv: &features::FeatureVec,
    names: &[String],
    class: usize,
) -> Vec<(String, f64)> {
    let mut by_name: Vec<(String, f64)> = Vec::new();
    for ((b, v), name) in fv.iter().zip(names) {
        if features::is_uninformative(name) {
            continue;
        }
        let Some(row) = m.row(b) else { continue };
        let w = row.get(class).copied().unwrap_or(0.0);
        let c = f64::from(w) * f64::from(v);
        if c <= 0.0 {
            continue;
        }
        let shown = features::display_name(name);
        match by_name.iter_mut().find(|(n, _)| n == shown) {
            Some((_, acc)) => *acc += c,
            None => by_name.push((shown.to_string(), c)),
        }
    }
    // Largest first; names break ties so the order never depends on hashing.
    by_name.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by_name.truncate(EXPLANATION_LEN);
    by_name.into_iter().map(|(n, c)| (n, round3(c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(region: &str, line: &str) -> Failure {
        Failure {
            job: "test".into(),
            step: "Run pytest".into(),
            line: 3,
            error_line: line.into(),
            excerpt: region.into(),
            command: Some("pytest".into()),
            region: region.into(),
            test: None,
            frames: Vec::new(),
            test_id: None,
            tests_failed: None,
        }
    }

    #[test]
    fn diagnose_is_deterministic_and_bounded() {
        let f = failure(
            "E   ModuleNotFoundError: No module named 'yaml'",
            "E   ModuleNotFoundError: No module named 'yaml'",
        );
        let a = diagnose(&f);
        assert_eq!(a, diagnose(&f));
        assert!((0.0..=1.0).contains(&a.confidence));
        assert!(a.explanation.len() <= EXPLANATION_LEN);
        assert!(a.explanation.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(
            a.explanation
                .iter()
                .all(|(n, w)| !n.starts_with("L:") && *w > 0.0)
        );
        assert_eq!(a.failure, f);
    }

    #[test]
    fn empty_failure_is_unknown_or_low() {
        let d = diagnose(&Failure::default());
        assert!((0.0..=1.0).contains(&d.confidence));
        assert!(!d.suggested_fix.is_empty());
    }
}
