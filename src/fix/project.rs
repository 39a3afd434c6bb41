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
