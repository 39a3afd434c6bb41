//! Classify: the category (statistical: an embedded logistic-regression model)
//! and the facts (deterministic parsers). The two never blur: fixers read facts.

pub mod facts;
pub mod features;
pub mod model;
pub mod suggest;

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
