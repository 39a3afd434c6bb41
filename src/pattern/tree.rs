//! The shape of a pattern that its required literals are read from, and a
//! quick parser for it.
//!
//! A short log asks a hundred patterns or more for their literals, and
//! `regex-syntax`'s full parser (spans, comments, a nesting check) took
//! about a fifth of its run time. The literals need far less: which
//! characters stand as written, where groups, alternations and repetitions
//! are, and whether an `i` flag appears. [`parse`] reads just that from the
//! pattern text and gives up (`None`) on anything it does not know for
//! certain: then the full parser's tree is converted instead ([`from_ast`]),
//! so both roads give the same [`Node`], and a test holds them equal on every
//! raw string in the crate and on generated patterns.

use regex_syntax::ast::{
    Ast, Flag, Flags, FlagsItemKind, GroupKind, RepetitionKind, RepetitionRange,
};

/// What the literal reader needs of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// A character that matches itself (case aside).
    Lit(char),
    /// Anything else of width zero or more: a class, `.`, an assertion, a
    /// flag group such as `(?i)`.
    Other,
    Empty,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Group(Box<Node>),
    /// A repetition, its least count and its greatest (`None`: unbounded).
    Rep(u32, Option<u32>, Box<Node>),
}

/// A pattern's tree and whether any `i` flag (set or cleared) appears.
pub(super) struct Tree {
    pub node: Node,
    pub ci: bool,
}

/// The tree of the full parser's syntax tree.
pub(super) fn from_ast(ast: &Ast) -> Tree {
    Tree {
        node: node_of(ast),
        ci: case_insensitive(ast),
    }
}

fn node_of(ast: &Ast) -> Node {
    match ast {
        Ast::Literal(l) => Node::Lit(l.c),
        Ast::Empty(_) => Node::Empty,
        Ast::Concat(c) => Node::Concat(c.asts.iter().map(node_of).collect()),
        Ast::Alternation(a) => Node::Alt(a.asts.iter().map(node_of).collect()),
        Ast::Group(g) => Node::Group(Box::new(node_of(&g.ast))),
        Ast::Repetition(r) => {
            let (min, max) = counts(&r.op.kind);
            Node::Rep(min, max, Box::new(node_of(&r.ast)))
        }
        _ => Node::Other,
    }
}

fn counts(kind: &RepetitionKind) -> (u32, Option<u32>) {
    match kind {
        RepetitionKind::OneOrMore => (1, None),
        RepetitionKind::ZeroOrMore => (0, None),
        RepetitionKind::ZeroOrOne => (0, Some(1)),
        RepetitionKind::Range(RepetitionRange::Exactly(n)) => (*n, Some(*n)),
        RepetitionKind::Range(RepetitionRange::AtLeast(n)) => (*n, None),
        RepetitionKind::Range(RepetitionRange::Bounded(n, m)) => (*n, Some(*m)),
    }
}

/// Whether any `i` flag appears (set or cleared): some literals are then not
/// matched as written.
fn case_insensitive(ast: &Ast) -> bool {
    let has_i = |f: &Flags| {
        f.items
            .iter()
            .any(|i| i.kind == FlagsItemKind::Flag(Flag::CaseInsensitive))
    };
    match ast {
        Ast::Flags(f) => has_i(&f.flags),
        Ast::Group(g) => {
            matches!(&g.kind, GroupKind::NonCapturing(f) if has_i(f)) || case_insensitive(&g.ast)
        }
        Ast::Concat(c) => c.asts.iter().any(case_insensitive),
        Ast::Alternation(a) => a.asts.iter().any(case_insensitive),
        Ast::Repetition(r) => case_insensitive(&r.ast),
        _ => false,
    }
}

/// The tree of `source` read directly, or `None` where the text holds
/// something this reader does not handle (then the full parser decides).
pub(super) fn parse(source: &str) -> Option<Tree> {
    let mut p = Quick {
        chars: source.chars().collect(),
        at: 0,
        ci: false,
    };
    let node = p.alternation()?;
    (p.at == p.chars.len()).then_some(Tree { node, ci: p.ci })
}

struct Quick {
    chars: Vec<char>,
    at: usize,
    ci: bool,
}

/// Concatenation and alternation fold as `regex-syntax` folds them: no
/// parts is empty, one part is that part.
fn fold(mut parts: Vec<Node>, wrap: fn(Vec<Node>) -> Node) -> Node {
    match parts.len() {
        0 => Node::Empty,
        1 => parts.pop().unwrap_or(Node::Empty),
        _ => wrap(parts),
    }
}

impl Quick {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        self.at += usize::from(hit);
        hit
    }

    /// Branches up to the end or a closing `)`.
    fn alternation(&mut self) -> Option<Node> {
        let mut branches = vec![self.concat()?];
        while self.eat('|') {
            branches.push(self.concat()?);
        }
        Some(fold(branches, Node::Alt))
    }

    fn concat(&mut self) -> Option<Node> {
        let mut parts: Vec<Node> = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                '|' | ')' => break,
                '*' | '+' | '?' | '{' => {
                    let (min, max) = self.repetition()?;
                    // An operator with nothing before it, or after a flag
                    // group, is an error the full parser reports.
                    let last = parts.pop()?;
                    if matches!(last, Node::Rep(..)) {
                        return None;
                    }
                    parts.push(Node::Rep(min, max, Box::new(last)));
                }
                _ => parts.push(self.atom()?),
            }
        }
        Some(fold(parts, Node::Concat))
    }

    /// `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`, then an optional `?`.
    fn repetition(&mut self) -> Option<(u32, Option<u32>)> {
        let c = self.peek()?;
        self.at += 1;
        let counts = match c {
            '*' => (0, None),
            '?' => (0, Some(1)),
            '+' => (1, None),
            _ => {
                let n = self.number()?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(n)
                };
                if !self.eat('}') {
                    return None;
                }
                (n, max)
            }
        };
        self.eat('?');
        Some(counts)
    }

    fn number(&mut self) -> Option<u32> {
        let mut n = 0u32;
        let mut digits = 0;
        while let Some(d) = self.peek().and_then(|d| d.to_digit(10)) {
            n = n.checked_mul(10)?.checked_add(d)?;
            digits += 1;
            self.at += 1;
        }
        (digits > 0).then_some(n)
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.at += 1;
        Some(match c {
            '.' | '^' | '$' => Node::Other,
            '[' => {
                self.class()?;
                Node::Other
            }
            '(' => return self.group(),
            '\\' => self.escape()?,
            // A `]` or `}` of its own is a literal to regex-syntax; `#` and
            // blanks matter only in verbose mode, which this reader refuses.
            c => Node::Lit(c),
        })
    }

    /// After `\`.
    fn escape(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.at += 1;
        match c {
            // `\<`, `\>` are word assertions; `\b{start}` a special one.
            '<' | '>' => Some(Node::Other),
            'b' if self.peek() == Some('{') => None,
            'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B' | 'A' | 'z' => Some(Node::Other),
            'n' => Some(Node::Lit('\n')),
            't' => Some(Node::Lit('\t')),
            'r' => Some(Node::Lit('\r')),
            c if c.is_ascii_punctuation() => Some(Node::Lit(c)),
            // Hex, Unicode classes and the rarer escapes: the full parser.
            _ => None,
        }
    }

    /// After `[`: skips to the class's end. Nested classes (`[[:alpha:]]`,
    /// `[a[b]]`) and set operations go to the full parser.
    fn class(&mut self) -> Option<()> {
        self.eat('^');
        // A `]` first is a literal member.
        self.eat(']');
        loop {
            let c = self.peek()?;
            self.at += 1;
            match c {
                ']' => return Some(()),
                '[' => return None,
                '\\' => {
                    let e = self.peek()?;
                    // `\p{..}`, `\x{..}` and the like have more to them.
                    if e.is_ascii_alphanumeric()
                        && !matches!(e, 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'n' | 't' | 'r')
                    {
                        return None;
                    }
                    self.at += 1;
                }
                '&' | '-' | '~' if self.peek() == Some(c) => return None,
                _ => {}
            }
        }
    }

    /// After `(`.
    fn group(&mut self) -> Option<Node> {
        if self.eat('?') {
            if self.eat('P') {
                self.eat('<').then_some(())?;
                self.name()?;
            } else if self.eat('<') {
                self.name()?;
            } else {
                // Flags: `(?i)`, `(?-i)`, `(?im:`, ...
                let mut any = false;
                loop {
                    match self.peek()? {
                        'i' => self.ci = true,
                        'm' | 's' | 'U' | 'R' | '-' => {}
                        ':' => {
                            self.at += 1;
                            break;
                        }
                        ')' if any => {
                            self.at += 1;
                            return Some(Node::Other);
                        }
                        // `x` changes what blanks mean; anything else is
                        // not a flag group this reader knows.
                        _ => return None,
                    }
                    any = true;
                    self.at += 1;
                }
            }
        }
        let inner = self.alternation()?;
        self.eat(')').then_some(())?;
        Some(Node::Group(Box::new(inner)))
    }

    /// A capture name and its closing `>`.
    fn name(&mut self) -> Option<()> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
        {
            self.at += 1;
        }
        (self.at > start && self.eat('>')).then_some(())
    }
}

/// The top-level branches of `source`, each with the pattern's leading flag
/// group (`(?i)`) in front, when it has two or more and no other top-level
/// flag group (whose effect would cross a `|`). `a|b` matches where `a` or
/// `b` does, so a text that no branch matches cannot match the pattern.
pub(super) fn top_branches(source: &str) -> Option<Vec<String>> {
    // In verbose mode a `#` comment may hold a `|`: not split.
    if source.contains("(?") && flag_x(source) {
        return None;
    }
    let b = source.as_bytes();
    let mut flags = "";
    if source.starts_with("(?") {
        let end = source.find(')')?;
        let body = &source[2..end];
        if !body.is_empty() && body.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-') {
            flags = &source[..=end];
        }
    }
    let mut branches = Vec::new();
    let mut start = flags.len();
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => i = class_end(b, i + 1)?,
            b'(' => {
                // A flag group at the top level, after the leading one.
                if depth == 0 && b[i + 1..].starts_with(b"?") {
                    let rest = &source[i + 2..];
                    let name = rest.starts_with('P') || rest.starts_with('<');
                    let close = rest.find([')', ':'])?;
                    if !name && rest.as_bytes()[close] == b')' {
                        return None;
                    }
                }
                depth += 1;
            }
            b')' => depth = depth.checked_sub(1)?,
            b'|' if depth == 0 => {
                branches.push(format!("{flags}{}", &source[start..i]));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 || branches.is_empty() {
        return None;
    }
    branches.push(format!("{flags}{}", &source[start..]));
    Some(branches)
}

/// Whether a flag group (`(?x)`, `(?ix:`) anywhere sets or clears `x`.
fn flag_x(source: &str) -> bool {
    source.match_indices("(?").any(|(i, _)| {
        source[i + 2..]
            .bytes()
            .take_while(|c| c.is_ascii_alphabetic() || *c == b'-')
            .any(|c| c == b'x')
    })
}

/// The index of the `]` that closes a class opened before `i`; `None` for a
/// nested class or a class that does not close.
fn class_end(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'^') {
        i += 1;
    }
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => return None,
            b']' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick tree, where there is one, is the full parser's.
    fn agrees(source: &str) -> Result<bool, String> {
        let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(source) else {
            return Ok(false);
        };
        let full = from_ast(&ast);
        match parse(source) {
            None => Ok(false),
            Some(q) if q.node == full.node && q.ci == full.ci => Ok(true),
            Some(q) => Err(format!(
                "{source:?}: quick {:?} ci={} but full {:?} ci={}",
                q.node, q.ci, full.node, full.ci
            )),
        }
    }

    #[test]
    fn quick_tree_is_the_full_parsers_on_every_pattern_text() {
        let mut quick = 0;
        let mut parsed = 0;
        // Every raw string and `concat!` of literals in the crate's source.
        let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
        for s in super::super::sources::in_dir(src) {
            if regex_syntax::ast::parse::Parser::new().parse(&s).is_ok() {
                parsed += 1;
            }
            quick += usize::from(agrees(&s).unwrap_or_else(|e| panic!("{e}")));
        }
        // The quick road must be the usual one, or it saves nothing.
        assert!(parsed > 500, "only {parsed} raw strings parse");
        assert!(
            quick * 10 >= parsed * 9,
            "quick tree for {quick} of {parsed}"
        );
    }

    #[test]
    fn top_branches_split_where_the_pattern_does() {
        let split = |s| top_branches(s);
        assert_eq!(
            split("a|b(c|d)|[|]e\\|f"),
            Some(vec!["a".into(), "b(c|d)".into(), "[|]e\\|f".into()])
        );
        assert_eq!(split("(?i)x|y"), Some(vec!["(?i)x".into(), "(?i)y".into()]));
        assert_eq!(
            split("(?P<n>a|b)|c"),
            Some(vec!["(?P<n>a|b)".into(), "c".into()])
        );
        assert_eq!(
            split("(?i:a|b)|c"),
            Some(vec!["(?i:a|b)".into(), "c".into()])
        );
        assert_eq!(split("[]|]|x"), Some(vec!["[]|]".into(), "x".into()]));
        // One branch, a flag group after the start, a nested class: no split.
        assert_eq!(split("abc"), None);
        assert_eq!(split("a(?i)b|c"), None);
        assert_eq!(split("[[:alpha:]]|x"), None);
        assert_eq!(split("(a|b"), None);
        assert_eq!(split("(?x) a # c|d\n | b"), None);
        assert_eq!(split("a|(?-x:b)"), None);
    }

    #[test]
    fn quick_tree_cases() {
        for s in [
            r"No module named (?:'([^'\n]{1,200})'|([A-Za-z_][\w.]*))",
            r"(?i)timed? ?out|refused",
            r"(?P<name>ab)c{2,}?d*e+?|x",
            r"[]a]b[^]c]d\]e\}f}g",
            r"a|",
            r"()",
            r"(?-i:AB)c",
            r"\.\(\)\/\:\'\_",
        ] {
            assert_eq!(agrees(s), Ok(true), "{s}");
        }
        // Left to the full parser: verbose mode, hex and Unicode escapes,
        // nested classes and set operations, special word boundaries.
        for s in [
            r"(?x) a b",
            r"\x41",
            r"\p{L}x",
            r"[[:alpha:]]",
            r"[a&&b]",
            r"\b{start}x",
            r"(?u)x",
        ] {
            assert_eq!(parse(s).map(|t| t.node), None, "{s}");
        }
    }

    fn generated() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = proptest::sample::select(vec![
            "a",
            "b",
            "ab",
            "K",
            "s",
            "\u{e9}",
            " ",
            "-",
            "#",
            ",",
            "\\.",
            "\\(",
            "\\\\",
            "\\n",
            "\\/",
            "\\<",
            "\\_",
            "(",
            ")",
            "(?:",
            "(?i)",
            "(?i:",
            "(?-i)",
            "(?s)",
            "(?P<n>",
            "(?<m>",
            "|",
            "*",
            "+",
            "?",
            "??",
            "{2}",
            "{1,3}",
            "{0,}",
            "{3,}?",
            "{",
            "}",
            "]",
            "[a-z]",
            "[^\\]x]",
            "[]a]",
            "[\\w.-]",
            "\\d",
            "\\w",
            "\\s",
            "\\b",
            "\\B",
            ".",
            "^",
            "$",
            "\\p{L}",
            "\\x41",
            "(?x)",
            "[[:alpha:]]",
        ]);
        proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn quick_tree_agrees_on_generated_patterns(s in generated()) {
            proptest::prop_assert!(agrees(&s).is_ok(), "{}", agrees(&s).unwrap_err());
        }
    }
}
