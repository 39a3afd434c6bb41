//! The one-line suggested fix of a diagnosis: the category's remedy made specific
//! by the facts (the package to add, the variable to define, the scope to grant).
//!
//! The text is advice for people and names only facts, which were validated and
//! capped by [`super::facts`]; the report still escapes it for each sink.

use super::names::{self, Registry};
use super::{Category, Facts};
use crate::extract::Failure;

/// The suggested fix for `category`, one line.
pub fn suggest(category: Category, facts: &Facts, failure: &Failure) -> String {
    match category {
        Category::DependencyMissing => dependency(facts),
        Category::EnvironmentVariable => environment(facts),
        Category::ApiContractMismatch => contract(facts),
        Category::NetworkTimeout => network(facts),
        Category::PermissionDenied => permission(facts, failure),
        Category::ConfigurationError => configuration(facts),
        Category::Unknown => "No automatic fix; see the error line".to_owned(),
    }
}

fn dependency(f: &Facts) -> String {
    let module = f.module.as_deref();
    // A package name is printed only when a curated list vouches for it: the
    // log's word is how typosquats get installed (see [`super::names`]).
    let package = match (
        f.ecosystem.as_deref().and_then(Registry::of),
        f.package.as_deref(),
    ) {
        (Some(reg), Some(p)) => names::advisable(reg, p),
        (None, p) => p.map(str::to_owned),
        (Some(_), None) => None,
    };
    let package = package.as_deref();
    let vetted_away = package.is_none() && f.package.is_some();
    match (f.ecosystem.as_deref(), package) {
        (Some("python"), Some(p)) => match f.option.as_deref() {
            Some(o) => format!(
                "Add {p} to the dependencies that the failing step installs (it provides `{o}`)"
            ),
            None => format!("Add {p} to the dependencies that the failing step installs"),
        },
        (Some("python"), None) => match (module, f.option.as_deref()) {
            (Some(m), _) => format!(
                "Add the distribution that provides the Python module `{m}` to the dependencies that the failing step installs"
            ),
            (None, Some(o)) => {
                format!("Install the pytest plugin that provides `{o}`, or remove the option")
            }
            (None, None) => {
                "Add the missing Python package to the dependencies that the failing step installs"
                    .to_owned()
            }
        },
        (Some("node"), Some(p)) => format!(
            "Run `npm install {p}` (`--save-dev` if only the tests need it) and commit package.json and the lockfile"
        ),
        (Some("node"), None) => match module {
            Some(m) if !vetted_away && m.starts_with(['.', '/']) => {
                format!("Check the path `{m}`: the required file does not exist")
            }
            _ => "Install the missing package and add it to package.json (check its exact name first)".to_owned(),
        },
        (Some("rust"), Some(p)) => format!("Run `cargo add {p}`"),
        (Some("rust"), None) => {
            "Add the missing crate to Cargo.toml (check its exact name first)".to_owned()
        }
        (Some("go"), Some(p)) => format!("Run `go get {p}` and commit go.mod and go.sum"),
        (Some("go"), None) => {
            "Add the missing module to go.mod with `go get` (check its exact path first) and commit go.mod and go.sum".to_owned()
        }
        (Some("ruby"), Some(p)) => format!("Run `bundle add {p}`"),
        (Some("ruby"), None) => match module {
            Some(m) if !vetted_away => {
                format!("Add the gem that provides `{m}` to the Gemfile (`bundle add <gem>`)")
            }
            _ => "Add the missing gem to the Gemfile (check its exact name first)".to_owned(),
        },
        (Some("java"), _) => match module {
            Some(m) => format!("Add the dependency that provides `{m}` to pom.xml or build.gradle"),
            None => "Add the missing dependency to pom.xml or build.gradle".to_owned(),
        },
        (Some("system"), Some(p)) => match (f.command.as_deref(), module) {
            (Some(c), _) => {
                format!("Install `{c}` before this step: `sudo apt-get install -y {p}`")
            }
            (None, Some(m)) => format!(
                "Install {p} (it provides {m}) before this step: `sudo apt-get install -y {p}`"
            ),
            (None, None) => format!("Install it before this step: `sudo apt-get install -y {p}`"),
        },
        (Some("system"), None) => match (f.command.as_deref(), module) {
            (Some(c), _) => format!("Install `{c}` in a step before this one"),
            (None, Some(m)) => {
                format!("Install the package that provides `{m}` in a step before this one")
            }
            (None, None) => "Install the missing tool in a step before this one".to_owned(),
        },
        (Some("dotnet"), Some(p)) => format!("Run `dotnet add package {p}`"),
        (Some("dotnet"), None) => {
            "Add the missing NuGet package to the project (check its exact name first)".to_owned()
        }
        (Some("swift"), _) | (Some("cmake"), _) => match module {
            Some(m) => format!("Add the package that provides `{m}` to the project's dependencies"),
            None => "Add the missing package to the project's dependencies".to_owned(),
        },
        (Some("php"), _) => "Run `composer install` before this step".to_owned(),
        _ => "Add the missing dependency to what the failing step installs".to_owned(),
    }
}

fn environment(f: &Facts) -> String {
    if let Some(input) = &f.action_input {
        return format!("Pass `{input}` in the step's `with:`");
    }
    match &f.variable {
        Some(v) => format!(
            "Define {v} in the workflow's env from a repository variable or secret (vars.{v} / secrets.{v})"
        ),
        None => "Define the missing environment variable in the workflow's env from a repository variable or secret"
            .to_owned(),
    }
}

fn contract(f: &Facts) -> String {
    let at = match (&f.file, f.line) {
        (Some(file), Some(line)) => format!(" at {file}:{line}"),
        (Some(file), None) => format!(" in {file}"),
        _ => String::new(),
    };
    let values = match (&f.expected, &f.actual) {
        (Some(e), Some(a)) => format!(" (expected {e}, got {a})"),
        _ => match f.http_status {
            Some(code) => format!(" (the API answered HTTP {code})"),
            None => String::new(),
        },
    };
    format!("Update the test{at} to the current contract{values}")
}

fn network(f: &Facts) -> String {
    match (&f.host, f.port) {
        (Some(h), Some(p)) => format!("Retry or raise the timeout; check that {h}:{p} is up"),
        (Some(h), None) => format!("Retry or raise the timeout; check that {h} is reachable"),
        _ => "Retry or raise the timeout; check that the service is up".to_owned(),
    }
}

fn permission(f: &Facts, failure: &Failure) -> String {
    if let Some(scope) = &f.scope {
        return format!("Grant the token `{scope}` in the workflow's `permissions:`");
    }
    let line = failure.error_line.as_str();
    if line.contains("dubious ownership")
        && let Some(path) = &f.path
    {
        return format!(
            "Mark the checkout as safe: `git config --global --add safe.directory {path}`"
        );
    }
    if line.contains("Bad credentials") || line.contains("Invalid or non-existent authentication") {
        return "Check the token or password the step uses: it is invalid or expired".to_owned();
    }
    if line.contains("requires superuser privilege") || line.contains("Could not open lock file") {
        return "Run the command with sudo (the runner user is not root)".to_owned();
    }
    if line.contains("Permission denied (publickey)") {
        return "Give the job an SSH key with access (a deploy key in a secret), or clone over HTTPS with a token".to_owned();
    }
    if let Some(path) = &f.path {
        if path.ends_with(".sock") {
            return format!(
                "Give the job's user access to {path} (for Docker: add it to the docker group or use sudo)"
            );
        }
        // Executing a file without its x bit: the shell names it before the error.
        let exec = path.ends_with(".sh")
            || line.contains(&format!("{path}: Permission denied"))
                && (line.starts_with("bash") || line.starts_with("sh") || line.contains(": line "));
        return if exec {
            format!(
                "Fix the file mode of {path} (chmod +x, committed with `git update-index --chmod=+x`)"
            )
        } else {
            format!("Fix the permissions of {path}, or write somewhere the job owns")
        };
    }
    if f.http_status.is_some_and(|c| c == 401 || c == 403) {
        return "Grant the token the permission the call needs in the workflow's `permissions:`, or use a token that has it".to_owned();
    }
    "Grant the token the permission it needs in the workflow's `permissions:`, or fix the file modes".to_owned()
}

fn configuration(f: &Facts) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("Correct {file} at line {line}"),
        (Some(file), None) => format!("Correct {file}"),
        (None, Some(line)) => format!("Correct the configuration file at line {line}"),
        (None, None) => "Correct the configuration file named in the error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        let mut f = Facts::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "ecosystem" => f.ecosystem = v,
                "module" => f.module = v,
                "package" => f.package = v,
                "option" => f.option = v,
                "variable" => f.variable = v,
                "action_input" => f.action_input = v,
                "file" => f.file = v,
                "expected" => f.expected = v,
                "actual" => f.actual = v,
                "host" => f.host = v,
                "path" => f.path = v,
                "scope" => f.scope = v,
                "command" => f.command = v,
                other => panic!("unknown fact {other}"),
            }
        }
        f
    }

    fn say(category: Category, f: &Facts) -> String {
        suggest(category, f, &Failure::default())
    }

    #[test]
    fn dependency_suggestions_name_the_package_and_command() {
        use Category::DependencyMissing as D;
        assert_eq!(
            say(
                D,
                &facts(&[
                    ("ecosystem", "python"),
                    ("module", "yaml"),
                    ("package", "PyYAML")
                ])
            ),
            "Add PyYAML to the dependencies that the failing step installs"
        );
        assert!(
            say(
                D,
                &facts(&[
                    ("ecosystem", "python"),
                    ("option", "--cov"),
                    ("package", "pytest-cov")
                ])
            )
            .starts_with("Add pytest-cov to")
        );
        assert!(
            say(D, &facts(&[("ecosystem", "node"), ("package", "express")]))
                .contains("npm install express")
        );
        // Names no curated list vouches for are not repeated.
        for (eco, p) in [
            ("node", "expresss"),
            ("node", "left-pad-x"),
            ("rust", "serde_jsonn"),
            ("go", "github.com/x/y"),
            ("ruby", "rakee"),
            ("dotnet", "Newtonsoft.Jsonn"),
            ("python", "reqeusts"),
        ] {
            // (A Python module is named as the module it is, not as a package.)
            let module = if eco == "python" { "package" } else { "module" };
            let s = say(
                D,
                &facts(&[("ecosystem", eco), (module, p), ("package", p)]),
            );
            assert!(!s.contains(p), "{eco}: {s}");
        }
        assert_eq!(
            say(D, &facts(&[("ecosystem", "rust"), ("package", "rand")])),
            "Run `cargo add rand`"
        );
        assert!(
            say(
                D,
                &facts(&[("ecosystem", "go"), ("package", "github.com/gin-gonic/gin")])
            )
            .contains("go get github.com/gin-gonic/gin")
        );
        assert_eq!(
            say(D, &facts(&[("ecosystem", "ruby"), ("package", "rake")])),
            "Run `bundle add rake`"
        );
        assert!(
            say(
                D,
                &facts(&[
                    ("ecosystem", "system"),
                    ("command", "jq"),
                    ("package", "jq")
                ])
            )
            .contains("sudo apt-get install -y jq")
        );
        assert!(say(D, &Facts::default()).starts_with("Add the missing dependency"));
    }

    #[test]
    fn other_categories() {
        assert_eq!(
            say(
                Category::EnvironmentVariable,
                &facts(&[("variable", "OCR_HOST")])
            ),
            "Define OCR_HOST in the workflow's env from a repository variable or secret (vars.OCR_HOST / secrets.OCR_HOST)"
        );
        assert_eq!(
            say(
                Category::EnvironmentVariable,
                &facts(&[("action_input", "token")])
            ),
            "Pass `token` in the step's `with:`"
        );
        let mut f = facts(&[
            ("file", "tests/x.py"),
            ("expected", "'healthy'"),
            ("actual", "'ok'"),
        ]);
        f.line = Some(12);
        assert_eq!(
            say(Category::ApiContractMismatch, &f),
            "Update the test at tests/x.py:12 to the current contract (expected 'healthy', got 'ok')"
        );
        let mut f = facts(&[("host", "127.0.0.1")]);
        f.port = Some(5432);
        assert_eq!(
            say(Category::NetworkTimeout, &f),
            "Retry or raise the timeout; check that 127.0.0.1:5432 is up"
        );
        assert_eq!(
            say(
                Category::PermissionDenied,
                &facts(&[("scope", "pull-requests: write")])
            ),
            "Grant the token `pull-requests: write` in the workflow's `permissions:`"
        );
        assert!(
            say(
                Category::PermissionDenied,
                &facts(&[("path", "./deploy.sh")])
            )
            .contains("chmod +x")
        );
        let dubious = Failure {
            error_line: "fatal: detected dubious ownership in repository at '/__w/x/x'".into(),
            ..Failure::default()
        };
        assert_eq!(
            suggest(
                Category::PermissionDenied,
                &facts(&[("path", "/__w/x/x")]),
                &dubious
            ),
            "Mark the checkout as safe: `git config --global --add safe.directory /__w/x/x`"
        );
        assert!(
            say(
                Category::PermissionDenied,
                &facts(&[("path", "/etc/shadow")])
            )
            .starts_with("Fix the permissions of /etc/shadow")
        );
        let mut f = facts(&[("file", ".github/workflows/ci.yml")]);
        f.line = Some(12);
        assert_eq!(
            say(Category::ConfigurationError, &f),
            "Correct .github/workflows/ci.yml at line 12"
        );
        assert_eq!(
            say(Category::Unknown, &f),
            "No automatic fix; see the error line"
        );
    }

    #[test]
    fn every_suggestion_is_one_line() {
        let f = facts(&[
            ("ecosystem", "python"),
            ("module", "x"),
            ("variable", "X"),
            ("host", "h"),
            ("path", "p"),
        ]);
        for c in Category::ALL {
            let s = say(c, &f);
            assert!(!s.is_empty() && !s.contains('\n'), "{c}: {s}");
        }
    }
}
