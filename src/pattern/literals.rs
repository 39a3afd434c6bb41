//! The literals a pattern's every match must contain: what the prefilter
//! of [`super::Pattern`] searches for before anything is compiled.
//!
//! Pure functions of the pattern text, so `build.rs` runs them too, on every
//! pattern written in the source, and embeds the answers
//! ([`super::table`]); a pattern not found there is read at run time.

use super::tree::{self, Node};

/// A literal set is used only if each literal has at least this many bytes
/// (shorter ones occur in almost any text) ...
pub(crate) const MIN_LITERAL_BYTES: usize = 2;
/// ... and it has at most this many literals.
pub(crate) const MAX_LITERALS: usize = 32;
/// Exact parts next to each other are crossed into at most this many
/// strings: more would leave an alternation of such branches with more than
/// [`MAX_LITERALS`], and so with no prefilter at all.
const MAX_CROSSED: usize = 8;

/// Literals of which every match of `source` contains one, if good ones
/// exist, and whether they are to be found ignoring ASCII case.
pub(crate) fn literals(source: &str, hay: Haystack) -> Option<(Vec<Vec<u8>>, bool)> {
    let tree = match tree::parse(source) {
        Some(t) => t,
        None => tree::from_ast(&regex_syntax::ast::parse::Parser::new().parse(source).ok()?),
    };
    let lits = usable(required(&tree.node, tree.ci, hay)?)?;
    Some((lits.into_iter().map(String::into_bytes).collect(), tree.ci))
}

/// Whether `c` can stand in a literal searched for ignoring ASCII case: an
/// ASCII character whose case forms are all ASCII (Unicode folds `k` with the
/// Kelvin sign and `s` with the long s, so those two break a literal).
/// On ASCII text those two have no other case forms, so every ASCII
/// character may stand in a literal there.
fn ascii_foldable(c: char, hay: Haystack) -> bool {
    c.is_ascii() && (hay == Haystack::Ascii || !matches!(c, 'k' | 'K' | 's' | 'S'))
}

/// Which haystacks a set of literals is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Haystack {
    Any,
    Ascii,
}

/// Literal strings of which every match of `node` contains one.
///
/// Read off the syntax tree, before any Unicode class is built (which is what
/// makes parsing to the compiler's form costly): in a concatenation each run
/// of plain characters must appear as written, as must the required strings
/// of each part; the longest is kept. An alternation needs one from every
/// branch; a repetition at least once, one from its body.
///
/// With `ci` (the pattern has an `i` flag somewhere) every literal is taken
/// as case-insensitive, and only characters that [`ascii_foldable`] allows
/// stay in a run: a search ignoring ASCII case then finds every match.
fn required(node: &Node, ci: bool, hay: Haystack) -> Option<Vec<String>> {
    let plain = |c: char| !ci || ascii_foldable(c, hay);
    match node {
        Node::Lit(c) if plain(*c) => Some(vec![c.to_string()]),
        Node::Concat(parts) => {
            let mut best: Option<Vec<String>> = None;
            // The strings that the exact parts since the last other part
            // spell, one after another (`ya?ml` gives `yml` and `yaml`).
            let mut run = vec![String::new()];
            let flush = |best: &mut Option<Vec<String>>, run: Vec<String>| {
                if run.iter().any(|r| !r.is_empty()) {
                    *best = better(best.take(), Some(run));
                }
            };
            // `Other` at the end ends the last run.
            for part in parts.iter().chain([&Node::Other]) {
                // The common case, a plain character, without a string per character.
                if let Node::Lit(c) = part
                    && plain(*c)
                {
                    for r in &mut run {
                        r.push(*c);
                    }
                    continue;
                }
                if let Some(n) = count(part, ci, hay) {
                    let set = exact(part);
                    if run.len() * n <= MAX_CROSSED {
                        run = cross(run, &set);
                    } else {
                        flush(&mut best, std::mem::replace(&mut run, set));
                    }
                    continue;
                }
                flush(&mut best, std::mem::replace(&mut run, vec![String::new()]));
                best = better(best, required(part, ci, hay));
            }
            best
        }
        Node::Alt(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(required(b, ci, hay)?);
            }
            Some(all)
        }
        Node::Group(g) => required(g, ci, hay),
        Node::Rep(min, _, sub) if *min >= 1 => required(sub, ci, hay),
        _ => None,
    }
}

/// How many strings `node` can match, if it matches only strings of plain
/// characters, and at most [`MAX_LITERALS`] of them: `ya?ml` matches two.
/// Counted before any string is built, as most parts are not exact.
fn count(node: &Node, ci: bool, hay: Haystack) -> Option<usize> {
    let n = match node {
        Node::Lit(c) if !ci || ascii_foldable(*c, hay) => 1,
        Node::Empty => 1,
        Node::Group(g) => count(g, ci, hay)?,
        Node::Concat(parts) => parts.iter().try_fold(1usize, |acc, p| {
            Some(acc * count(p, ci, hay)?).filter(|&n| n <= MAX_LITERALS)
        })?,
        Node::Alt(branches) => branches.iter().try_fold(0usize, |acc, b| {
            Some(acc + count(b, ci, hay)?).filter(|&n| n <= MAX_LITERALS)
        })?,
        // `x?`, `x{2}`, `x{1,2}`: at most two lengths, a few repeats.
        Node::Rep(min, Some(max), sub) if max - min <= 1 && *max <= 4 => {
            let one = count(sub, ci, hay)?;
            let at_min = one.checked_pow(*min)?;
            if max == min {
                at_min
            } else {
                at_min.checked_add(at_min.checked_mul(one)?)?
            }
        }
        _ => return None,
    };
    (n <= MAX_LITERALS).then_some(n)
}

/// The strings `node` matches, for a node that [`count`] counted.
fn exact(node: &Node) -> Vec<String> {
    match node {
        Node::Lit(c) => vec![c.to_string()],
        Node::Group(g) => exact(g),
        Node::Concat(parts) => parts
            .iter()
            .fold(vec![String::new()], |acc, p| cross(acc, &exact(p))),
        Node::Alt(branches) => branches.iter().flat_map(exact).collect(),
        Node::Rep(min, Some(max), sub) => {
            let one = exact(sub);
            let mut at_min = vec![String::new()];
            for _ in 0..*min {
                at_min = cross(at_min, &one);
            }
            if max == min {
                return at_min;
            }
            let mut all = cross(at_min.clone(), &one);
            all.extend(at_min);
            all
        }
        _ => vec![String::new()],
    }
}

/// Each string of `a` followed by each of `b`.
fn cross(mut a: Vec<String>, b: &[String]) -> Vec<String> {
    if let [one] = b {
        for x in &mut a {
            x.push_str(one);
        }
        return a;
    }
    a.iter()
        .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
        .collect()
}

fn shortest(lits: &[String]) -> usize {
    lits.iter().map(String::len).min().unwrap_or(0)
}

fn usable(mut lits: Vec<String>) -> Option<Vec<String>> {
    lits.sort();
    lits.dedup();
    (!lits.is_empty() && lits.len() <= MAX_LITERALS && shortest(&lits) >= MIN_LITERAL_BYTES)
        .then_some(lits)
}

/// The set with the longer shortest literal (fewer false candidates).
fn better(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    let b = b.and_then(usable);
    match (a, b) {
        (Some(a), Some(b)) => Some(if shortest(&b) > shortest(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}
