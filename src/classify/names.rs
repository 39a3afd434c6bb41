//! Which package names advice may print, per ecosystem.
//!
//! A name in a log is attacker-controlled: `Cannot find module 'expresss'`
//! followed by "run `npm install expresss`" is how a typosquat gets
//! installed by a person instead of a bot. So advice names a package only if
//! it has the ecosystem's name grammar and is vouched for: by a curated list
//! of well-known names (the data files under `data/well_known/`, generated
//! by `scripts/gen-well-known`, and the PyPI top list the fixer uses), or, at
//! fix time, by the repository's own manifests and lockfiles
//! (`crate::fix::project`). A name one or two edits from a well-known name
//! that is not itself well known is a likely typosquat and never vouched for.
//! Nothing here asks a registry.

use super::facts;

/// A package registry whose names advice may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Registry {
    Pypi,
    Npm,
    Crates,
    Go,
    Gems,
    Nuget,
}

impl Registry {
    pub const ALL: [Registry; 6] = [
        Registry::Pypi,
        Registry::Npm,
        Registry::Crates,
        Registry::Go,
        Registry::Gems,
        Registry::Nuget,
    ];

    /// The registry of a facts ecosystem (`node` → npm).
    pub fn of(ecosystem: &str) -> Option<Registry> {
        Some(match ecosystem {
            "python" => Registry::Pypi,
            "node" => Registry::Npm,
            "rust" => Registry::Crates,
            "go" => Registry::Go,
            "ruby" => Registry::Gems,
            "dotnet" => Registry::Nuget,
            _ => return None,
        })
    }

    fn data(self) -> &'static str {
        match self {
            Registry::Pypi => crate::tables::PYPI_TOP.text(),
            Registry::Npm => crate::tables::NPM.text(),
            Registry::Crates => include_str!("data/well_known/crates.txt"),
            Registry::Go => include_str!("data/well_known/go.txt"),
            Registry::Gems => include_str!("data/well_known/gems.txt"),
            Registry::Nuget => include_str!("data/well_known/nuget.txt"),
        }
    }
}

/// Whether `name` has the registry's name grammar (ASCII only; nothing
/// that could be an option, a URL, a path or a second word).
pub fn valid(reg: Registry, name: &str) -> bool {
    let b = name.as_bytes();
    let word = |s: &[u8], extra: &[u8]| {
        !s.is_empty()
            && s[0].is_ascii_alphanumeric()
            && s.iter()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    match reg {
        Registry::Pypi => {
            b.len() <= 100 && word(b, b"._-") && b[b.len() - 1].is_ascii_alphanumeric()
        }
        // npm: `name` or `@scope/name`; upper case only in old names.
        Registry::Npm => {
            b.len() <= 214
                && match name.strip_prefix('@') {
                    Some(rest) => match rest.split_once('/') {
                        Some((scope, n)) => {
                            word(scope.as_bytes(), b"._~-") && word(n.as_bytes(), b"._~-")
                        }
                        None => false,
                    },
                    None => word(b, b"._~-"),
                }
        }
        Registry::Crates => {
            b.len() <= 64 && b.first().is_some_and(u8::is_ascii_alphabetic) && word(b, b"_-")
        }
        // A module path: a host with a dot, then path elements.
        Registry::Go => {
            let mut parts = name.split('/');
            let host = parts.next().unwrap_or("");
            b.len() <= 255
                && host.contains('.')
                && word(host.as_bytes(), b".-")
                && host.bytes().all(|c| !c.is_ascii_uppercase())
                && parts.all(|p| {
                    word(p.as_bytes(), b"._~+-")
                        || (p.starts_with('_') && word(&p.as_bytes()[1..], b"._~+-"))
                })
        }
        Registry::Gems => b.len() <= 100 && word(b, b"._-"),
        Registry::Nuget => {
            b.len() <= 100
                && (word(b, b"._-") || (b.first() == Some(&b'_') && word(&b[1..], b"._-")))
        }
    }
}

/// How the registry compares names (`Foo_Bar` = `foo-bar` on PyPI and
/// crates.io; npm, RubyGems, NuGet and Go paths compared case-insensitively).
pub fn normalize(reg: Registry, name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    normalize_into(reg, name, &mut out);
    out
}

/// [`normalize`] into `out` (cleared first), reusing its buffer.
fn normalize_into(reg: Registry, name: &str, out: &mut String) {
    out.clear();
    match reg {
        Registry::Pypi => facts::normalize_distribution_into(name, out),
        Registry::Crates => out.extend(name.chars().map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })),
        _ => out.extend(name.chars().map(|c| c.to_ascii_lowercase())),
    }
}

/// The names of a curated list, as spelled there.
pub fn entries(reg: Registry) -> impl Iterator<Item = &'static str> {
    reg.data()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The list's spelling of the name whose normalised form is `n`, if listed
/// (the last of equal spellings). One pass over the list: a short log asks
/// once or twice, and building a map of five thousand names first cost more
/// than the rest of its diagnosis.
pub fn listed(reg: Registry, n: &str) -> Option<&'static str> {
    let first = n.chars().next()?;
    let mut buf = String::new();
    entries(reg)
        // Normalising keeps the first character but for its case (PyPI
        // drops leading separators): most names are passed over on it.
        .filter(|l| {
            let mut chars = l.chars();
            let c = if reg == Registry::Pypi {
                chars.find(|c| !matches!(c, '-' | '_' | '.'))
            } else {
                chars.next().map(|c| {
                    if reg == Registry::Crates && c == '_' {
                        '-'
                    } else {
                        c
                    }
                })
            };
            c.is_none_or(|c| c.to_ascii_lowercase() == first)
        })
        .filter(|l| {
            normalize_into(reg, l, &mut buf);
            buf == n
        })
        .last()
}

/// The curated list's spelling of `name`, if it is well known. A Go import
/// path is well known when a listed module is a prefix of it
/// (`github.com/stretchr/testify/assert`).
pub fn well_known(reg: Registry, name: &str) -> Option<&'static str> {
    let n = normalize(reg, name);
    if let Some(s) = listed(reg, &n) {
        return Some(s);
    }
    // The facts parser's own curated tables vouch too (`yaml` → `PyYAML`,
    // `tsc` → `typescript`, `active_support` → `activesupport`).
    let curated = match reg {
        Registry::Pypi => facts::is_curated_distribution(name),
        Registry::Npm => facts::is_curated_package("node", name),
        Registry::Gems => facts::is_curated_package("ruby", name),
        _ => false,
    };
    if curated {
        return Some("");
    }
    if reg == Registry::Go {
        let mut cut = n.as_str();
        while let Some((head, _)) = cut.rsplit_once('/') {
            if let Some(s) = listed(reg, head) {
                return Some(s);
            }
            cut = head;
        }
    }
    None
}

/// A listed name one or two edits away from `name`, which is not listed.
pub fn near_miss(reg: Registry, name: &str) -> Option<String> {
    let n = normalize(reg, name);
    if listed(reg, &n).is_some() {
        return None;
    }
    // The smallest normalised candidate, spelled as its last listing.
    let mut best: Option<(String, &str)> = None;
    let mut cand = String::new();
    for spelling in entries(reg) {
        normalize_into(reg, spelling, &mut cand);
        if cand.len().abs_diff(n.len()) > 2 || osa_distance(&n, &cand, 2) > 2 {
            continue;
        }
        match &mut best {
            Some((b, s)) if *b == cand => *s = spelling,
            Some((b, _)) if *b < cand => {}
            _ => best = Some((cand.clone(), spelling)),
        }
    }
    best.map(|(_, s)| s.to_string())
}

/// The spelling advice may print for `name` with nothing but the curated
/// lists to vouch for it (diagnose time), or `None`: name no package.
pub fn advisable(reg: Registry, name: &str) -> Option<String> {
    if !valid(reg, name) {
        return None;
    }
    // The list's spelling where the registry's differs from code's
    // (`tokio_util` → `tokio-util`); a Go import path stays whole; a Python
    // name as the curated map spells it (`PyYAML`).
    match well_known(reg, name) {
        Some(s)
            if !s.is_empty()
                && matches!(
                    reg,
                    Registry::Npm | Registry::Crates | Registry::Gems | Registry::Nuget
                ) =>
        {
            Some(s.to_string())
        }
        Some(_) => Some(name.to_string()),
        None => None,
    }
}

/// Like [`advisable`], with the repository's word as well: `declared` when
/// its manifests or lockfiles list the name. A near miss of a well-known
/// name stays unnamed even then.
pub fn advisable_declared(reg: Registry, name: &str, declared: bool) -> Option<String> {
    advisable(reg, name).or_else(|| {
        (declared && valid(reg, name) && near_miss(reg, name).is_none()).then(|| name.to_string())
    })
}

/// Optimal string alignment distance, stopping early past `cap`.
pub fn osa_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > cap {
            return cap + 1;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_has_its_registrys_grammar() {
        for reg in Registry::ALL {
            assert!(entries(reg).count() >= 50, "{reg:?} list is too small");
            for spelling in entries(reg) {
                assert!(valid(reg, spelling), "{reg:?}: {spelling}");
            }
        }
        assert!(entries(Registry::Npm).count() >= 4_900);
    }

    #[test]
    fn grammars() {
        use Registry::*;
        for (reg, ok) in [
            (Npm, "express"),
            (Npm, "@types/node"),
            (Npm, "JSONStream"),
            (Crates, "serde_json"),
            (Crates, "tokio-util"),
            (Go, "github.com/stretchr/testify/assert"),
            (Go, "gopkg.in/yaml.v3"),
            (Gems, "rspec-rails"),
            (Nuget, "Newtonsoft.Json"),
        ] {
            assert!(valid(reg, ok), "{reg:?} {ok}");
        }
        for (reg, bad) in [
            (Npm, "x --registry https://evil"),
            (Npm, "../x"),
            (Npm, "@scope"),
            (Npm, "ｅxpress"),
            (Crates, "1abc"),
            (Crates, "a/b"),
            (Go, "fmt"),
            (Go, "github.com/x/y;rm"),
            (Go, "GitHub.com/x"),
            (Gems, "-v"),
            (Nuget, "a b"),
        ] {
            assert!(!valid(reg, bad), "{reg:?} {bad}");
        }
    }

    #[test]
    fn vouching() {
        use Registry::*;
        assert_eq!(advisable(Npm, "express").as_deref(), Some("express"));
        assert_eq!(advisable(Npm, "expresss"), None);
        assert_eq!(near_miss(Npm, "expresss").as_deref(), Some("express"));
        assert_eq!(
            advisable(Crates, "serde_json").as_deref(),
            Some("serde_json")
        );
        assert_eq!(
            advisable(Crates, "tokio_util").as_deref(),
            Some("tokio-util")
        );
        assert_eq!(advisable(Crates, "serde_jsonn"), None);
        assert_eq!(
            advisable(Go, "github.com/gin-gonic/gin/binding").as_deref(),
            Some("github.com/gin-gonic/gin/binding")
        );
        assert_eq!(advisable(Go, "github.com/gin-gonic/ginn"), None);
        assert_eq!(advisable(Gems, "rspec").as_deref(), Some("rspec"));
        assert_eq!(
            advisable(Nuget, "newtonsoft.json").as_deref(),
            Some("Newtonsoft.Json")
        );
        assert_eq!(advisable(Pypi, "requests").as_deref(), Some("requests"));
        assert_eq!(advisable(Pypi, "reqeusts"), None);
        // Curated by the facts tables though not on the top list.
        assert_eq!(
            advisable(Npm, "@sveltejs/kit").as_deref(),
            Some("@sveltejs/kit")
        );
        // The repository's word names an unlisted package, but not a near miss.
        assert_eq!(
            advisable_declared(Npm, "acme-internal-ui", true).as_deref(),
            Some("acme-internal-ui")
        );
        assert_eq!(advisable_declared(Npm, "acme-internal-ui", false), None);
        assert_eq!(advisable_declared(Npm, "expresss", true), None);
    }
}
