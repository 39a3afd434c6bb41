//! `.github/autoheal.yml`: what a repository tells autoheal about itself.
//!
//! A team that adopts autoheal needs a few levers the command line does not
//! carry from run to run: turn a category or a fixer off, raise the bar for
//! one category, vouch for an internal package (the allow-list is how a name
//! outside the top-downloads list gets added) or forbid one, keep fixes out
//! of vendored or generated paths, and choose how an environment value is
//! written. This module only parses and answers questions; which copy of the
//! file is trusted (the default branch's, never a fork's head) is decided by
//! the caller, since only it knows the event.
//!
//! Parsing is strict: an unknown key or a wrong type is an error that names
//! the key and its line, so a typo never silently leaves a fixer on.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::classify::Category;
use crate::classify::names::{self, Registry};

/// Where the file lives in a repository.
pub const PATH: &str = ".github/autoheal.yml";

/// Larger than any real config; a bigger file is refused before parsing.
pub const MAX_BYTES: usize = 64 * 1024;

/// Names listed under `packages:` at most, each side.
const MAX_PACKAGES: usize = 1000;

/// Patterns under `ignore-paths:` at most.
const MAX_IGNORE: usize = 200;

/// How `env-var-unset` writes a variable's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvValue {
    /// `${{ vars.X || 'default' }}` when the repository has a default, else
    /// `${{ vars.X }}` (the built-in behaviour).
    #[default]
    VarsOrDefault,
    /// Always `${{ vars.X }}`: the repository variable decides, no default.
    Vars,
    /// Always `${{ secrets.X }}`.
    Secrets,
}

/// The parsed config. `Config::default()` is what a repository without the
/// file gets: everything on, no lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    disabled_categories: Vec<Category>,
    min_confidence: BTreeMap<&'static str, f64>,
    disabled_fixers: Vec<String>,
    allow: Vec<String>,
    deny: Vec<String>,
    ignore_paths: Vec<String>,
    pub env_value: EnvValue,
}

/// A config that cannot be used: the user's input, with its line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line; 0 when unknown.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{PATH}:{}: {}", self.line, self.message)
        } else {
            write!(f, "{PATH}: {}", self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    categories: RawCategories,
    #[serde(default)]
    fixers: BTreeMap<String, Switch>,
    #[serde(default)]
    packages: RawPackages,
    #[serde(default)]
    ignore_paths: Vec<String>,
    #[serde(default)]
    env: RawEnv,
}

/// One field per category, so an unknown category is serde's unknown field
/// (with its location), not a silently ignored map key.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCategories {
    dependency_missing: Option<RawCategory>,
    environment_variable: Option<RawCategory>,
    api_contract_mismatch: Option<RawCategory>,
    network_timeout: Option<RawCategory>,
    permission_denied: Option<RawCategory>,
    configuration_error: Option<RawCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCategory {
    #[serde(default = "yes")]
    enabled: bool,
    min_confidence: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Switch {
    enabled: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPackages {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEnv {
    #[serde(default)]
    value: EnvValue,
}

fn yes() -> bool {
    true
}

impl Config {
    /// Parse the file's text. `fixer_ids` are the ids a `fixers:` key may name.
    pub fn parse(text: &str, fixer_ids: &[&str]) -> Result<Config, ConfigError> {
        if text.len() > MAX_BYTES {
            return Err(ConfigError {
                line: 0,
                message: format!("larger than {MAX_BYTES} bytes"),
            });
        }
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        if body.trim().is_empty() {
            return Ok(Config::default());
        }
        let raw: Raw = yaml_serde::from_str(body).map_err(|e| {
            let msg = e.to_string();
            // serde's message ends with its own " at line N column M".
            let msg = match msg.find(" at line ") {
                Some(i) => msg[..i].to_string(),
                None => msg,
            };
            ConfigError {
                line: e.location().map(|l| l.line()).unwrap_or(0),
                message: msg.chars().take(300).collect(),
            }
        })?;
        let mut cfg = Config::default();
        let cats = [
            (
                Category::DependencyMissing,
                raw.categories.dependency_missing,
            ),
            (
                Category::EnvironmentVariable,
                raw.categories.environment_variable,
            ),
            (
                Category::ApiContractMismatch,
                raw.categories.api_contract_mismatch,
            ),
            (Category::NetworkTimeout, raw.categories.network_timeout),
            (Category::PermissionDenied, raw.categories.permission_denied),
            (
                Category::ConfigurationError,
                raw.categories.configuration_error,
            ),
        ];
        for (cat, c) in cats {
            let Some(c) = c else { continue };
            if !c.enabled {
                cfg.disabled_categories.push(cat);
            }
            if let Some(m) = c.min_confidence {
                if !(0.0..=1.0).contains(&m) {
                    return Err(ConfigError {
                        line: key_line(body, &["categories", cat.as_str(), "min-confidence"]),
                        message: format!(
                            "categories.{cat}.min-confidence: {m} is not a number between 0 and 1"
                        ),
                    });
                }
                cfg.min_confidence.insert(cat.as_str(), m);
            }
        }
        for (id, sw) in raw.fixers {
            if !fixer_ids.contains(&id.as_str()) {
                return Err(ConfigError {
                    line: key_line(body, &["fixers", &id]),
                    message: format!(
                        "unknown fixer `{}` under `fixers`, expected one of: {}",
                        printable(&id),
                        fixer_ids.join(", ")
                    ),
                });
            }
            if !sw.enabled {
                cfg.disabled_fixers.push(id);
            }
        }
        for (side, list, out) in [
            ("allow", raw.packages.allow, &mut cfg.allow),
            ("deny", raw.packages.deny, &mut cfg.deny),
        ] {
            if list.len() > MAX_PACKAGES {
                return Err(ConfigError {
                    line: key_line(body, &["packages", side]),
                    message: format!("packages.{side}: more than {MAX_PACKAGES} names"),
                });
            }
            for name in list {
                if !valid_package(&name) {
                    return Err(ConfigError {
                        line: value_line(body, &name),
                        message: format!(
                            "packages.{side}: `{}` is not a package name",
                            printable(&name)
                        ),
                    });
                }
                out.push(name);
            }
        }
        if raw.ignore_paths.len() > MAX_IGNORE {
            return Err(ConfigError {
                line: key_line(body, &["ignore-paths"]),
                message: format!("ignore-paths: more than {MAX_IGNORE} patterns"),
            });
        }
        for p in raw.ignore_paths {
            let clean = p.trim().trim_start_matches("./").to_string();
            if clean.is_empty()
                || clean.starts_with('/')
                || clean.len() > 300
                || clean.chars().any(char::is_control)
            {
                return Err(ConfigError {
                    line: value_line(body, &p),
                    message: format!(
                        "ignore-paths: `{}` is not a repository-relative path pattern",
                        printable(&p)
                    ),
                });
            }
            cfg.ignore_paths.push(clean);
        }
        cfg.env_value = raw.env.value;
        Ok(cfg)
    }

    /// Whether the config turns the category off.
    pub fn category_disabled(&self, c: Category) -> bool {
        self.disabled_categories.contains(&c)
    }

    /// Whether the config turns the fixer off.
    pub fn fixer_disabled(&self, id: &str) -> bool {
        self.disabled_fixers.iter().any(|f| f == id)
    }

    /// The category's own threshold, when the config sets one.
    pub fn min_confidence(&self, c: Category) -> Option<f64> {
        self.min_confidence.get(c.as_str()).copied()
    }

    /// Whether `packages.allow` lists the name (compared as the registry
    /// compares names: `Foo_Bar` is `foo-bar` on PyPI).
    pub fn allows(&self, reg: Registry, name: &str) -> bool {
        listed(&self.allow, reg, name)
    }

    /// Whether `packages.deny` lists the name.
    pub fn denies(&self, reg: Registry, name: &str) -> bool {
        listed(&self.deny, reg, name)
    }

    /// The `ignore-paths` pattern that covers the repository-relative path.
    pub fn ignored(&self, path: &str) -> Option<&str> {
        self.ignore_paths
            .iter()
            .find(|p| path_matches(p, path))
            .map(String::as_str)
    }
}

fn listed(list: &[String], reg: Registry, name: &str) -> bool {
    let want = names::normalize(reg, name);
    list.iter().any(|n| names::normalize(reg, n) == want)
}

/// A name any registry could hold: letters, digits and `-_.@/` (npm scopes),
/// no leading `-` (never an option to a package manager).
fn valid_package(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 214
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@' | b'/'))
}

/// Untrusted text for a message: controls dropped, capped.
fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>()
}

/// Whether `pattern` covers `path`. A pattern ending in `/` is a directory
/// and covers everything below it; a pattern without `/` matches a file or
/// directory name at any depth; `*` matches within one component, `**` across
/// components, `?` one character. Otherwise the pattern is anchored at the
/// repository root and also covers what lies below a matching directory.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let path = path.trim_start_matches("./");
    if let Some(dir) = pattern.strip_suffix('/') {
        return glob(&format!("{dir}/**"), path)
            || (!dir.contains('/') && glob(&format!("**/{dir}/**"), path));
    }
    if !pattern.contains('/') {
        return glob(&format!("**/{pattern}"), path) || glob(&format!("**/{pattern}/**"), path);
    }
    glob(pattern, path) || glob(&format!("{pattern}/**"), path)
}

/// `*`, `**` and `?` over bytes; `**/` also matches nothing.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        if p.is_empty() {
            return t.is_empty();
        }
        if p.starts_with(b"**") {
            let rest = &p[2..];
            let rest_after_slash = rest.strip_prefix(b"/").unwrap_or(rest);
            if rest.starts_with(b"/") && go(rest_after_slash, t) {
                return true;
            }
            return (0..=t.len()).any(|i| go(rest, &t[i..]));
        }
        match p[0] {
            b'*' => (0..=t.len())
                .take_while(|&i| i == 0 || t[i - 1] != b'/')
                .any(|i| go(&p[1..], &t[i..])),
            b'?' => !t.is_empty() && t[0] != b'/' && go(&p[1..], &t[1..]),
            c => !t.is_empty() && t[0] == c && go(&p[1..], &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// The 1-based line of a nested key (`fixers:` then `  x:`), found by
/// indentation; 0 when not found.
fn key_line(text: &str, keys: &[&str]) -> usize {
    let mut want = keys.iter().peekable();
    let mut min_indent = 0usize;
    for (i, line) in text.lines().enumerate() {
        let Some(key) = want.peek() else { break };
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if body.is_empty() || body.starts_with('#') || indent < min_indent {
            continue;
        }
        let k = body.split(':').next().unwrap_or("").trim();
        let k = k.trim_matches(|c| c == '"' || c == '\'');
        if k == **key
            && body[k.len()..]
                .trim_start_matches(['"', '\''])
                .starts_with(':')
        {
            want.next();
            if want.peek().is_none() {
                return i + 1;
            }
            min_indent = indent + 1;
        }
    }
    0
}

/// The 1-based line where a list value first appears; 0 when not found.
fn value_line(text: &str, value: &str) -> usize {
    text.lines()
        .position(|l| {
            let b = l.trim_start();
            b.starts_with('-') && b.contains(value) || b.contains(&format!("[{value}"))
        })
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: &[&str] = &["python-module-not-installed", "env-var-unset"];

    #[test]
    fn a_full_config_parses() {
        let c = Config::parse(
            "categories:\n  api_contract_mismatch:\n    enabled: false\n  dependency_missing:\n    min-confidence: 0.95\nfixers:\n  env-var-unset:\n    enabled: false\npackages:\n  allow: [Acme_Internal]\n  deny:\n    - requests\nignore-paths:\n  - vendor/\n  - \"**/*.generated.py\"\nenv:\n  value: secrets\n",
            IDS,
        )
        .unwrap();
        assert!(c.category_disabled(Category::ApiContractMismatch));
        assert!(!c.category_disabled(Category::DependencyMissing));
        assert_eq!(c.min_confidence(Category::DependencyMissing), Some(0.95));
        assert!(c.fixer_disabled("env-var-unset"));
        assert!(c.allows(Registry::Pypi, "acme-internal"));
        assert!(c.denies(Registry::Pypi, "Requests"));
        assert_eq!(c.env_value, EnvValue::Secrets);
        assert_eq!(c.ignored("vendor/lib/x.py"), Some("vendor/"));
        assert_eq!(c.ignored("src/a/b.generated.py"), Some("**/*.generated.py"));
        assert_eq!(c.ignored("src/vendor.py"), None);
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let e = Config::parse("packages:\n  allow: [x]\n  alow: [y]\n", IDS).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("alow"), "{e}");
        let e = Config::parse(
            "fixers:\n  env-var-unset:\n    enabled: false\n  nope:\n    enabled: true\n",
            IDS,
        )
        .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("nope"), "{e}");
        let e = Config::parse(
            "categories:\n  dependency_mising:\n    enabled: false\n",
            IDS,
        )
        .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("dependency_mising"), "{e}");
    }

    #[test]
    fn wrong_types_are_errors() {
        let e = Config::parse("categories:\n  network_timeout:\n    enabled: maybe\n", IDS)
            .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = Config::parse("env:\n  value: plaintext\n", IDS).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = Config::parse(
            "categories:\n  network_timeout:\n    min-confidence: 2\n",
            IDS,
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = Config::parse("packages:\n  allow:\n    - \"--index-url=x\"\n", IDS).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(Config::parse("ignore-paths: [/etc]\n", IDS).is_err());
        assert!(Config::parse("[1, 2]\n", IDS).is_err());
    }

    // No field holds a list of lists or a map of lists, so YAML aliases
    // cannot multiply: a nested sequence is a type error at its first item.
    #[test]
    fn a_huge_file_or_nested_aliases_are_errors() {
        let huge = format!("ignore-paths:\n{}", "  - a\n".repeat(MAX_BYTES / 6 + 1));
        let e = Config::parse(&huge, IDS).unwrap_err();
        assert!(e.message.contains("larger than"), "{e}");
        let nested = "packages:\n  allow: &a [x, y]\n  deny: [*a, *a]\n";
        assert!(Config::parse(nested, IDS).is_err());
        let flat = "packages:\n  allow: &a [x, y]\n  deny: *a\n";
        assert!(
            Config::parse(flat, IDS)
                .unwrap()
                .denies(Registry::Pypi, "y")
        );
    }

    #[test]
    fn empty_is_the_default() {
        assert_eq!(Config::parse("", IDS).unwrap(), Config::default());
        assert_eq!(
            Config::parse("# nothing\n", IDS).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn patterns() {
        assert!(path_matches("docs", "docs/a.md"));
        assert!(path_matches("docs", "sub/docs/a.md"));
        assert!(path_matches("*.lock", "a/b/c.lock"));
        assert!(path_matches(
            ".github/workflows/release.yml",
            ".github/workflows/release.yml"
        ));
        assert!(!path_matches(
            ".github/workflows/release.yml",
            ".github/workflows/ci.yml"
        ));
        assert!(path_matches(
            ".github/workflows/*.yml",
            ".github/workflows/ci.yml"
        ));
        assert!(!path_matches("src/*.py", "src/a/b.py"));
        assert!(path_matches("src/**/*.py", "src/b.py"));
        assert!(path_matches("src/**/*.py", "src/a/b.py"));
        assert!(!path_matches("vendor/", "src/vendorx/a"));
    }
}
