//! What the repository itself says about a name a log mentions: whether it is
//! the project's own Python package, and which dependencies its manifests and
//! lockfiles declare.
//!
//! Logs are attacker-controlled; a name they print is only a claim. A fix or
//! an advice that names a package stands on the repository's word (this
//! module) or on a curated table ([`crate::classify::names`]), never on the
//! log's. Everything here reads through the confined [`Workspace`] and treats
//! an unreadable file as saying nothing.

use super::workspace::Workspace;
use crate::classify::names::{self, Registry};

/// A Python identifier we will look for on disk (`tools`, `acme_export`).
fn identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 100
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// A project name as its import name (`Acme-Export` → `acme_export`).
fn import_form(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn text(ws: &Workspace, rel: &str) -> Option<String> {
    ws.read_text(rel).ok().flatten()
}

fn exists(ws: &Workspace, rel: &str) -> bool {
    // A symlink there is still the project's own name: not a dependency.
    !matches!(ws.check_components(rel), Ok(false))
}

/// Where the repository shows that `top` (the first part of an import) is
/// its own package: `top/__init__.py`, `src/top/`, `top.py`, or the project's
/// name in pyproject.toml, setup.cfg or setup.py.
pub fn own_python_package(ws: &Workspace, top: &str) -> Option<String> {
    if !identifier(top) {
        return None;
    }
    let init = format!("{top}/__init__.py");
    if exists(ws, &init) {
        return Some(init);
    }
    let src = format!("src/{top}");
    if !ws.list_dir(&src).is_empty() || exists(ws, &format!("{src}/__init__.py")) {
        return Some(format!("{src}/"));
    }
    for file in [format!("{top}.py"), format!("src/{top}.py")] {
        if exists(ws, &file) {
            return Some(file);
        }
    }
    let want = import_form(top);
    if let Some(t) = text(ws, "pyproject.toml")
        && let Ok(doc) = toml_edit::Document::parse(t.as_str())
    {
        let names = [
            doc.get("project").and_then(|p| p.get("name")),
            doc.get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("name")),
        ];
        for n in names.into_iter().flatten() {
            if n.as_str().is_some_and(|n| import_form(n) == want) {
                return Some("pyproject.toml".to_string());
            }
        }
    }
    if let Some(t) = text(ws, "setup.cfg") {
        let mut in_metadata = false;
        for line in t.lines() {
            let l = line.trim();
            if l.starts_with('[') {
                in_metadata = l == "[metadata]";
            } else if in_metadata
                && let Some((k, v)) = l.split_once('=')
                && k.trim() == "name"
                && import_form(v) == want
            {
                return Some("setup.cfg".to_string());
            }
        }
    }
    if let Some(t) = text(ws, "setup.py") {
        static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let re = RE.get_or_init(|| {
            regex::Regex::new(r#"\bname\s*=\s*["']([A-Za-z0-9._-]{1,100})["']"#)
                .expect("static regex")
        });
        if re.captures_iter(&t).any(|c| import_form(&c[1]) == want) {
            return Some("setup.py".to_string());
        }
    }
    None
}

/// The manifest or lockfile of the repository (its root) that lists the
/// package `name`, if one does: package.json / package-lock.json,
/// Cargo.toml / Cargo.lock, go.mod / go.sum (a module that is a prefix of an
/// import path), Gemfile / Gemfile.lock, `*.csproj` / Directory.Packages.props.
pub fn declared(ws: &Workspace, reg: Registry, name: &str) -> Option<String> {
    let want = names::normalize(reg, name);
    let same = |n: &str| names::normalize(reg, n.trim()) == want;
    let found = |file: &str, f: &dyn Fn(&str) -> bool| -> Option<String> {
        text(ws, file).filter(|t| f(t)).map(|_| file.to_string())
    };
    match reg {
        Registry::Npm => {
            let manifest = |t: &str| {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(t) else {
                    return false;
                };
                [
                    "dependencies",
                    "devDependencies",
                    "peerDependencies",
                    "optionalDependencies",
                ]
                .iter()
                .filter_map(|k| v.get(k).and_then(|d| d.as_object()))
                .any(|d| d.keys().any(|k| same(k)))
            };
            let lock = |t: &str| {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(t) else {
                    return false;
                };
                let packages = v.get("packages").and_then(|p| p.as_object());
                let deps = v.get("dependencies").and_then(|p| p.as_object());
                packages.is_some_and(|p| {
                    p.keys()
                        .any(|k| k.rsplit_once("node_modules/").is_some_and(|(_, n)| same(n)))
                }) || deps.is_some_and(|d| d.keys().any(|k| same(k)))
            };
            found("package.json", &manifest).or_else(|| found("package-lock.json", &lock))
        }
        Registry::Crates => {
            let manifest = |t: &str| {
                let Ok(doc) = toml_edit::Document::parse(t) else {
                    return false;
                };
                let tables = |item: Option<&toml_edit::Item>| -> bool {
                    ["dependencies", "dev-dependencies", "build-dependencies"]
                        .iter()
                        .filter_map(|k| item.and_then(|i| i.get(k)))
                        .filter_map(|d| d.as_table_like())
                        .any(|d| {
                            d.iter().any(|(k, v)| {
                                same(k)
                                    || v.get("package").and_then(|p| p.as_str()).is_some_and(same)
                            })
                        })
                };
                let root = Some(doc.as_item());
                tables(root)
                    || tables(doc.get("workspace"))
                    || doc
                        .get("target")
                        .and_then(|t| t.as_table_like())
                        .is_some_and(|t| t.iter().any(|(_, v)| tables(Some(v))))
            };
            let lock = |t: &str| {
                t.lines()
                    .filter_map(|l| l.strip_prefix("name = "))
                    .any(|n| same(n.trim_matches('"')))
            };
            found("Cargo.toml", &manifest).or_else(|| found("Cargo.lock", &lock))
        }
        Registry::Go => {
            // `module/path vX` in go.mod's require lines or go.sum: a module
            // that the import path starts with.
            let covers = |m: &str| {
                let m = names::normalize(reg, m);
                want == m || want.starts_with(&format!("{m}/"))
            };
            let modfile = |t: &str| {
                let mut in_require = false;
                t.lines().any(|l| {
                    let l = l.split("//").next().unwrap_or("").trim();
                    if l.starts_with("require (") {
                        in_require = true;
                        return false;
                    }
                    if in_require && l == ")" {
                        in_require = false;
                        return false;
                    }
                    let spec = if in_require {
                        Some(l)
                    } else {
                        l.strip_prefix("require ")
                    };
                    spec.and_then(|s| s.split_whitespace().next())
                        .is_some_and(covers)
                })
            };
            let sum = |t: &str| {
                t.lines()
                    .filter_map(|l| l.split_whitespace().next())
                    .any(covers)
            };
            found("go.mod", &modfile).or_else(|| found("go.sum", &sum))
        }
        Registry::Gems => {
            let gemfile = |t: &str| {
                t.lines().any(|l| {
                    l.trim_start()
                        .strip_prefix("gem ")
                        .map(|r| r.trim_start())
                        .and_then(|r| {
                            let q = r.chars().next()?;
                            if q != '"' && q != '\'' {
                                return None;
                            }
                            r[1..].split(q).next()
                        })
                        .is_some_and(same)
                })
            };
            // Gemfile.lock lists gems as `    name (version)` under `specs:`.
            let lock = |t: &str| {
                t.lines().any(|l| {
                    l.strip_prefix("    ")
                        .filter(|r| !r.starts_with(' '))
                        .and_then(|r| r.split(" (").next())
                        .is_some_and(same)
                })
            };
            found("Gemfile", &gemfile).or_else(|| found("Gemfile.lock", &lock))
        }
        Registry::Nuget => {
            static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
            let re = RE.get_or_init(|| {
                regex::Regex::new(
                    r#"<Package(?:Reference|Version)\s+(?:Update|Include)\s*=\s*"([^"]{1,200})""#,
                )
                .expect("static regex")
            });
            let lists = |t: &str| re.captures_iter(t).any(|c| same(&c[1]));
            let mut files = ws.walk(&|p: &str| p.ends_with(".csproj") || p.ends_with(".fsproj"));
            files.truncate(50);
            files.insert(0, "Directory.Packages.props".to_string());
            files.into_iter().find_map(|f| found(&f, &lists))
        }
        Registry::Pypi => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_forms() {
        assert_eq!(import_form("Acme-Export"), "acme_export");
        assert_eq!(import_form("a.b__c"), "a_b_c");
        assert!(identifier("acme_export"));
        assert!(!identifier("../x"));
        assert!(!identifier("1x"));
    }
}
