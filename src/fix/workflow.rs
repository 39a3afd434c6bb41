//! Reading and minimally editing GitHub workflow files.
//!
//! Edits to a workflow are text patches at spans found by a small line-based
//! scanner of block-style YAML, never a re-serialisation, so comments, quoting,
//! key order, CRLF, BOM and a missing final newline all survive. The document
//! is still parsed (yaml_serde) to validate it, after a cheap scan has checked
//! the alias-expansion and nesting budgets of SECURITY.md §4; the scanner's
//! view of the jobs must agree with the parser's; and after an edit the text
//! is parsed again and must differ from the original by exactly the one new key.

use std::collections::HashMap;

use yaml_serde::Value;

use super::edit::{Edit, ReasonCode, Refusal, quoted};
use super::workspace::Workspace;
use crate::classify::Diagnosis;
use crate::fix::FixOptions;

/// A 9-level alias bomb expands to 10^9 nodes; real workflows stay far below this.
pub const MAX_ALIAS_EXPANSION: u64 = 100_000;
pub const MAX_YAML_DEPTH: usize = 128;

/// One physical line of the file.
#[derive(Debug, Clone)]
pub struct Line {
    pub start: usize,
    /// End of the content, before `\r\n` or `\n`.
    pub end: usize,
    /// Start of the next line (`end` when the file has no final newline).
    pub next: usize,
    pub indent: usize,
    /// Blank or comment-only.
    pub blank: bool,
    /// The line starts a sequence item (`- `).
    pub dash: bool,
    /// Column of the mapping key on this line, if it has one.
    pub key_col: Option<usize>,
}

/// A parsed workflow file.
#[derive(Debug, Clone)]
pub struct Workflow {
    pub path: String,
    pub text: String,
    pub lines: Vec<Line>,
    pub eol: &'static str,
    pub value: Value,
}

/// A job located in a workflow: its id and the line of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub line: usize,
}

/// A step of a job: the line of its `- ` and the column of its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub index: usize,
    pub key_col: usize,
}

/// One segment of a path into the parsed document.
#[derive(Debug, Clone)]
pub enum Seg {
    Key(String),
    Index(usize),
}

fn cheap_scan(path: &str, text: &str) -> Result<(), Refusal> {
    let mut weights: HashMap<&str, u64> = HashMap::new();
    let mut current: Option<&str> = None;
    let mut total: u64 = 0;
    let mut flow_depth: usize = 0;
    let mut indents: Vec<usize> = Vec::new();
    let mut block_scalar_at: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let trimmed = line.trim();
        if let Some(at) = block_scalar_at {
            if trimmed.is_empty() || indent > at {
                continue;
            }
            block_scalar_at = None;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if flow_depth == 0 {
            while indents.last().is_some_and(|&i| i > indent) {
                indents.pop();
            }
            if indents.last() != Some(&indent) {
                indents.push(indent);
            }
            // `- - - x` nests too.
            let dashes = trimmed
                .split_inclusive(' ')
                .take_while(|t| t.trim() == "-")
                .count();
            if indents.len() + dashes > MAX_YAML_DEPTH {
                return Err(depth_error(path));
            }
        }
        let bytes = line.as_bytes();
        let mut i = 0;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(q) => {
                    if c == b'\\' && q == b'"' {
                        i += 1;
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    b'\'' | b'"' if i == 0 || b" [{,:-".contains(&bytes[i - 1]) => quote = Some(c),
                    b'#' if i == 0 || bytes[i - 1] == b' ' => break,
                    b'[' | b'{' => {
                        flow_depth += 1;
                        if indents.len() + flow_depth > MAX_YAML_DEPTH {
                            return Err(depth_error(path));
                        }
                    }
                    b']' | b'}' => flow_depth = flow_depth.saturating_sub(1),
                    b'&' | b'*' if i == 0 || b" [{,:-".contains(&bytes[i - 1]) => {
                        let name_end = bytes[i + 1..]
                            .iter()
                            .position(|b| b" ,[]{}\r\t".contains(b))
                            .map_or(bytes.len(), |p| i + 1 + p);
                        if name_end > i + 1 {
                            let name = &line[i + 1..name_end];
                            if c == b'&' {
                                weights.insert(name, 1);
                                current = Some(name);
                            } else {
                                let w = weights.get(name).copied().unwrap_or(1);
                                total = total.saturating_add(w);
                                if let Some(cur) = current
                                    && let Some(cw) = weights.get_mut(cur)
                                {
                                    *cw = cw.saturating_add(w);
                                }
                                if total > MAX_ALIAS_EXPANSION {
                                    return Err(Refusal::fatal(
                                        ReasonCode::YamlBudget,
                                        format!("YAML alias expansion budget exceeded in {path}"),
                                    ));
                                }
                            }
                        }
                        i = name_end;
                        continue;
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        // A block scalar (`run: |`, `key: >-`) starts: skip its content.
        let t = trimmed.split(" #").next().unwrap_or("").trim_end();
        if quote.is_none()
            && flow_depth == 0
            && (t.ends_with('|')
                || t.ends_with('>')
                || t.ends_with("|-")
                || t.ends_with(">-")
                || t.ends_with("|+")
                || t.ends_with(">+"))
        {
            block_scalar_at = Some(indent);
        }
    }
    Ok(())
}

fn depth_error(path: &str) -> Refusal {
    let _ = path;
    Refusal::fatal(
        ReasonCode::YamlBudget,
        format!("YAML nesting deeper than {MAX_YAML_DEPTH}"),
    )
}

/// Parse YAML text to a value after the budget scan; duplicate keys are a refusal.
pub fn parse(path: &str, text: &str) -> Result<Value, Refusal> {
    cheap_scan(path, text)?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    yaml_serde::from_str::<Value>(body).map_err(|e| {
        let msg = e.to_string();
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        if let Some(p) = msg.find("duplicate entry with key ") {
            let rest = &msg[p + "duplicate entry with key ".len()..];
            let key = rest
                .split(" at line")
                .next()
                .unwrap_or(rest)
                .trim_matches('"');
            let line = duplicate_line(text, key, line).unwrap_or(line);
            Refusal::new(
                ReasonCode::DuplicateKey,
                format!("duplicate key {} at {path}:{line}", quoted(key)),
            )
        } else if msg.contains("recursion limit") {
            depth_error(path)
        } else if msg.contains("repetition limit") {
            Refusal::fatal(
                ReasonCode::YamlBudget,
                format!("YAML alias expansion budget exceeded in {path}"),
            )
        } else {
            Refusal::new(
                ReasonCode::InvalidWorkflow,
                format!(
                    "{path} is not valid YAML: {}",
                    msg.chars().take(200).collect::<String>()
                ),
            )
        }
    })
}

/// The 1-based line of the second `key:` of the mapping that starts at
/// 1-based line `from` (where the parser reports a duplicate).
fn duplicate_line(text: &str, key: &str, from: usize) -> Option<usize> {
    let lines = split_lines(text);
    let first = from.checked_sub(1)?;
    let col = lines.get(first)?.key_col?;
    let mut seen = 0;
    for (i, l) in lines.iter().enumerate().skip(first) {
        if l.blank {
            continue;
        }
        if l.indent < col && !(l.dash && l.key_col == Some(col)) {
            break;
        }
        if l.key_col == Some(col) {
            let s = &text[l.start + col..l.end];
            if key_len(s).is_some_and(|n| &s[..n] == key) {
                seen += 1;
                if seen == 2 {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

/// The key on a line starting at `col` (`name:` followed by space or end).
fn key_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_-.".contains(&b[i])) {
        i += 1;
    }
    if i == 0 || i > b.len() {
        return None;
    }
    if b.get(i) == Some(&b':') && matches!(b.get(i + 1), None | Some(b' ') | Some(b'\r')) {
        Some(i)
    } else {
        None
    }
}

fn split_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    // A BOM is part of the first line's bytes but not of its indentation.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while start < bytes.len() {
        let nl = memchr::memchr(b'\n', &bytes[start..]).map(|p| start + p);
        let (end, next) = match nl {
            Some(p) if p > start && bytes[p - 1] == b'\r' => (p - 1, p + 1),
            Some(p) => (p, p + 1),
            None => (bytes.len(), bytes.len()),
        };
        let content_start = if start == 0 { bom } else { start };
        let s = &text[content_start..end];
        let indent = s.len() - s.trim_start_matches(' ').len();
        let rest = &s[indent..];
        let blank = rest.is_empty() || rest.starts_with('#');
        let dash = rest == "-" || rest.starts_with("- ");
        let key_col = if dash {
            let after = rest[1..].trim_start_matches(' ');
            let col = indent + (rest.len() - after.len());
            key_len(after).map(|_| col)
        } else {
            key_len(rest).map(|_| indent)
        };
        out.push(Line {
            start: content_start,
            end,
            next,
            indent,
            blank,
            dash,
            key_col,
        });
        start = next;
    }
    out
}

impl Workflow {
    /// Load and parse a workflow through the workspace.
    pub fn load(ws: &Workspace, path: &str) -> Result<Workflow, Refusal> {
        let path = ws.resolve(path)?;
        let Some(text) = ws.read_text(&path)? else {
            return Err(Refusal::new(
                ReasonCode::AmbiguousWorkflow,
                format!("workflow {} does not exist", quoted(&path)),
            ));
        };
        Workflow::from_text(&path, text)
    }

    pub fn from_text(path: &str, text: String) -> Result<Workflow, Refusal> {
        let value = parse(path, &text)?;
        let lines = split_lines(&text);
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Ok(Workflow {
            path: path.to_string(),
            text,
            lines,
            eol,
            value,
        })
    }

    fn line_text(&self, i: usize) -> &str {
        let l = &self.lines[i];
        &self.text[l.start..l.end]
    }

    /// The key on line `i`, if any.
    pub fn key(&self, i: usize) -> Option<&str> {
        let l = &self.lines[i];
        let col = l.key_col?;
        let s = &self.line_text(i)[col..];
        key_len(s).map(|n| &s[..n])
    }

    /// The value text after `key:` on line `i`, comment and spaces stripped.
    pub fn inline_value(&self, i: usize) -> &str {
        let Some(col) = self.lines[i].key_col else {
            return "";
        };
        let s = &self.line_text(i)[col..];
        let Some(n) = key_len(s) else { return "" };
        let v = s[n + 1..].trim();
        if v.starts_with('#') {
            ""
        } else {
            match v.find(" #") {
                Some(p) if !v.starts_with('"') && !v.starts_with('\'') => v[..p].trim_end(),
                _ => v,
            }
        }
    }

    /// First line after the block owned by the key at line `i`.
    pub fn block_end(&self, i: usize) -> usize {
        let col = self.lines[i].key_col.unwrap_or(self.lines[i].indent);
        let mut j = i + 1;
        // A sequence may sit at its key's own indentation (`steps:\n- run: x`).
        let mut seq_same_indent = false;
        if let Some(first) = (i + 1..self.lines.len()).find(|&k| !self.lines[k].blank) {
            let f = &self.lines[first];
            seq_same_indent = f.dash && f.indent == col && self.inline_value(i).is_empty();
        }
        while j < self.lines.len() {
            let l = &self.lines[j];
            if !l.blank {
                let inside = l.indent > col || (seq_same_indent && l.indent == col && l.dash);
                if !inside {
                    break;
                }
            }
            j += 1;
        }
        j
    }

    /// The last non-blank line of `i`'s block (i itself when the block is empty).
    pub fn last_content(&self, i: usize) -> usize {
        let end = self.block_end(i);
        (i..end).rev().find(|&k| !self.lines[k].blank).unwrap_or(i)
    }

    /// Child keys of the block mapping under the key at line `i`: (key, line).
    pub fn children(&self, i: usize) -> Vec<(String, usize)> {
        let end = self.block_end(i);
        let Some(first) = (i + 1..end).find(|&k| !self.lines[k].blank) else {
            return Vec::new();
        };
        if self.lines[first].dash {
            return Vec::new();
        }
        let indent = self.lines[first].indent;
        (first..end)
            .filter(|&k| {
                let l = &self.lines[k];
                !l.blank && !l.dash && l.indent == indent && l.key_col.is_some()
            })
            .filter_map(|k| self.key(k).map(|key| (key.to_string(), k)))
            .collect()
    }

    /// The indentation of the mapping under line `i` (None when it has no block children).
    pub fn child_indent(&self, i: usize) -> Option<usize> {
        self.children(i).first().map(|(_, k)| self.lines[*k].indent)
    }

    pub fn child(&self, i: usize, key: &str) -> Option<usize> {
        self.children(i)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| l)
    }

    /// The line of a top-level key.
    pub fn top(&self, key: &str) -> Option<usize> {
        (0..self.lines.len()).find(|&i| {
            let l = &self.lines[i];
            !l.blank && l.indent == 0 && !l.dash && self.key(i) == Some(key)
        })
    }

    /// The jobs, as the scanner sees them; checked against the parsed document.
    pub fn jobs(&self) -> Result<Vec<Job>, Refusal> {
        let Some(jobs_line) = self.top("jobs") else {
            return Ok(Vec::new());
        };
        let jobs: Vec<Job> = self
            .children(jobs_line)
            .into_iter()
            .map(|(id, line)| Job { id, line })
            .collect();
        let parsed: Vec<String> = match self.value.get("jobs") {
            Some(Value::Mapping(m)) => m
                .keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let scanned: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
        if parsed != scanned {
            return Err(Refusal::new(
                ReasonCode::ComplexWorkflow,
                format!(
                    "{}: the jobs block is not plain block-style YAML",
                    self.path
                ),
            ));
        }
        Ok(jobs)
    }

    /// The job's display name (`name:`), if it has a plain one.
    pub fn job_name(&self, job: &Job) -> Option<String> {
        match self.value.get("jobs")?.get(job.id.as_str())?.get("name")? {
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The steps of a job.
    pub fn steps(&self, job: &Job) -> Vec<Step> {
        let Some(steps_line) = self.child(job.line, "steps") else {
            return Vec::new();
        };
        let end = self.block_end(steps_line);
        let Some(first) = (steps_line + 1..end).find(|&k| !self.lines[k].blank) else {
            return Vec::new();
        };
        let indent = self.lines[first].indent;
        (first..end)
            .filter(|&k| self.lines[k].dash && self.lines[k].indent == indent)
            .enumerate()
            .map(|(index, line)| Step {
                line,
                index,
                key_col: self.lines[line].key_col.unwrap_or(indent + 2),
            })
            .collect()
    }

    /// Keys of a step: (key, line).
    pub fn step_keys(&self, step: Step) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        if let Some(k) = self.key(step.line) {
            out.push((k.to_string(), step.line));
        }
        let mut j = step.line + 1;
        while j < self.lines.len() {
            let l = &self.lines[j];
            if !l.blank {
                if l.indent <= self.lines[step.line].indent {
                    break;
                }
                if l.indent == step.key_col
                    && !l.dash
                    && let Some(k) = self.key(j)
                {
                    out.push((k.to_string(), j));
                }
            }
            j += 1;
        }
        out
    }

    /// The text of a step's `run:` (the parsed value) and its first line.
    pub fn step_run(&self, job: &Job, step: Step) -> Option<String> {
        let jobs = self.value.get("jobs")?.get(job.id.as_str())?;
        jobs.get("steps")?
            .get(step.index)?
            .get("run")?
            .as_str()
            .map(str::to_string)
    }

    /// The offset right after line `i` (with its line break), and the prefix
    /// needed when `i` is the last line and has none.
    pub fn after_line(&self, i: usize) -> (usize, &'static str) {
        let l = &self.lines[i];
        if l.next == l.end {
            (l.end, self.eol)
        } else {
            (l.next, "")
        }
    }

    /// Whether lines `from..to` contain anchors, aliases or merge keys.
    pub fn has_aliases(&self, from: usize, to: usize) -> bool {
        (from..to.min(self.lines.len())).any(|k| {
            let t = self.line_text(k);
            t.contains("<<:")
                || t.split([' ', '[', '{', ',']).any(|w| {
                    (w.starts_with('&') || w.starts_with('*'))
                        && w[1..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                })
        })
    }

    /// An edit adding `key: value` to the block mapping owned by line
    /// `parent`, or creating `new_parent_key:` with it right after line
    /// `create_after` (at indentation `create_indent`) when `parent` is None.
    pub fn add_entry(
        &self,
        parent: Option<usize>,
        create: (&str, usize, usize),
        key: &str,
        value: &str,
    ) -> Result<Edit, Refusal> {
        let eol = self.eol;
        check_expression(value)?;
        match parent {
            Some(p) => {
                let inline = self.inline_value(p);
                if !inline.is_empty() {
                    return Err(Refusal::new(
                        ReasonCode::ComplexWorkflow,
                        format!(
                            "{}:{}: `{}:` is not a block mapping",
                            self.path,
                            p + 1,
                            self.key(p).unwrap_or("")
                        ),
                    ));
                }
                let end = self.block_end(p);
                if self.has_aliases(p, end) {
                    return Err(Refusal::new(
                        ReasonCode::Alias,
                        format!("{}: an alias or anchor in the edited block", self.path),
                    ));
                }
                let pcol = self.lines[p].key_col.unwrap_or(0);
                let indent = self.child_indent(p).unwrap_or(pcol + self.indent_step());
                let last = self.last_content(p);
                let (at, prefix) = self.after_line(last);
                let text = format!("{prefix}{}{key}: {value}{eol}", " ".repeat(indent));
                Ok(Edit::insert(
                    &self.path,
                    at,
                    trim_last_eol(text, prefix, eol),
                ))
            }
            None => {
                let (new_key, after, indent) = create;
                // After the whole block of `after`, or right after the line
                // itself when it is the parent whose mapping we open.
                let last = if self.lines[after].indent < indent {
                    after
                } else {
                    self.last_content(after)
                };
                let (at, prefix) = self.after_line(last);
                let text = format!(
                    "{prefix}{pad}{new_key}:{eol}{pad}{step}{key}: {value}{eol}",
                    pad = " ".repeat(indent),
                    step = " ".repeat(self.indent_step()),
                );
                Ok(Edit::insert(
                    &self.path,
                    at,
                    trim_last_eol(text, prefix, eol),
                ))
            }
        }
    }

    /// The file's indentation unit (the jobs' indentation, else 2).
    pub fn indent_step(&self) -> usize {
        self.top("jobs")
            .and_then(|j| self.child_indent(j))
            .filter(|&n| n > 0)
            .unwrap_or(2)
    }

    /// Parse `new_text` and check it equals this document plus exactly
    /// `key` added to the mapping at `path` (created if `created`).
    pub fn verify_added(
        &self,
        new_text: &str,
        path: &[Seg],
        key: &str,
        value: &str,
        created: bool,
    ) -> Result<(), Refusal> {
        let bad = |why: &str| {
            Refusal::new(
                ReasonCode::Verify,
                format!(
                    "{}: the edit did not re-parse as intended ({why})",
                    self.path
                ),
            )
        };
        let mut new = parse(&self.path, new_text)?;
        let mut node = &mut new;
        let mut parent_path = path.to_vec();
        let last = parent_path.pop();
        for seg in &parent_path {
            node = match (seg, node) {
                (Seg::Key(k), Value::Mapping(m)) => {
                    m.get_mut(k.as_str()).ok_or_else(|| bad("path"))?
                }
                (Seg::Index(i), Value::Sequence(s)) => s.get_mut(*i).ok_or_else(|| bad("index"))?,
                _ => return Err(bad("shape")),
            };
        }
        let Some(Seg::Key(last)) = last else {
            return Err(bad("path"));
        };
        let Value::Mapping(parent) = node else {
            return Err(bad("parent"));
        };
        {
            let Some(Value::Mapping(map)) = parent.get_mut(last.as_str()) else {
                return Err(bad("mapping"));
            };
            match map.shift_remove(key) {
                Some(Value::String(v)) if v == value => {}
                _ => return Err(bad("value")),
            }
            if created && !map.is_empty() {
                return Err(bad("extra keys"));
            }
        }
        if created {
            parent.shift_remove(last.as_str());
        }
        if new == self.value {
            return Ok(());
        }
        // An `env:` that was present but empty (null) is now a mapping.
        if created {
            let Value::Mapping(parent) =
                node_at(&mut new, &parent_path).ok_or_else(|| bad("path"))?
            else {
                return Err(bad("parent"));
            };
            parent.insert(Value::String(last.clone()), Value::Null);
            if new == self.value {
                return Ok(());
            }
        }
        Err(bad("other keys changed"))
    }
}

impl Workflow {
    /// Parse `new_text` and check it equals this document with the existing
    /// `key` of the mapping at `path` set to the string `value`.
    pub fn verify_set(
        &self,
        new_text: &str,
        path: &[Seg],
        key: &str,
        value: &str,
    ) -> Result<(), Refusal> {
        let bad = || {
            Refusal::new(
                ReasonCode::Verify,
                format!("{}: the edit did not re-parse as intended", self.path),
            )
        };
        let new = parse(&self.path, new_text)?;
        let mut expected = self.value.clone();
        let mut node = &mut expected;
        for seg in path {
            node = match (seg, node) {
                (Seg::Key(k), Value::Mapping(m)) => m.get_mut(k.as_str()).ok_or_else(bad)?,
                (Seg::Index(i), Value::Sequence(s)) => s.get_mut(*i).ok_or_else(bad)?,
                _ => return Err(bad()),
            };
        }
        let Value::Mapping(m) = node else {
            return Err(bad());
        };
        let slot = m.get_mut(key).ok_or_else(bad)?;
        *slot = Value::String(value.to_string());
        if new != expected {
            return Err(bad());
        }
        Ok(())
    }

    /// The byte span of the value after `key:` on line `i` (comment excluded).
    pub fn value_span(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let v = self.inline_value(i);
        if v.is_empty() {
            return None;
        }
        let l = &self.lines[i];
        let line = &self.text[l.start..l.end];
        let col = l.key_col?;
        let after_key = col + key_len(&line[col..])? + 1;
        let off = line[after_key..].find(v)? + after_key;
        Some(l.start + off..l.start + off + v.len())
    }
}

/// The only expressions autoheal ever writes: `${{ vars.NAME }}`,
/// `${{ vars.NAME || 'd' }}` and `${{ secrets.NAME }}` (SECURITY.md §4), and
/// `${{ github.token }}` for an action's GitHub-token input (any action can
/// already read it as an input default). A value with any other `${{` is
/// refused, whatever produced it.
pub fn check_expression(value: &str) -> Result<(), Refusal> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^\$\{\{ (?:vars\.[A-Z][A-Z0-9_]{0,63}(?: \|\| '(?:[^'\r\n]|''){0,200}')?|secrets\.[A-Z][A-Z0-9_]{0,63}|github\.token) \}\}$",
        )
        .expect("static regex")
    });
    let has_expr = value.contains("${{") || value.contains("}}");
    if (has_expr && !re.is_match(value)) || value.contains('\n') || value.contains('\r') {
        return Err(Refusal::new(
            ReasonCode::Expression,
            format!("refusing to write the value {}", quoted(value)),
        ));
    }
    Ok(())
}

/// The node at `path`, if the document has one there.
fn node_at<'v>(root: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    let mut node = root;
    for seg in path {
        node = match (seg, node) {
            (Seg::Key(k), Value::Mapping(m)) => m.get_mut(k.as_str())?,
            (Seg::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn trim_last_eol(text: String, prefix: &str, eol: &str) -> String {
    // At the end of a file with no final newline, keep it without one.
    if !prefix.is_empty() {
        text.strip_suffix(eol).map(str::to_string).unwrap_or(text)
    } else {
        text
    }
}

/// Apply one edit to a text (for verification before the real applier runs).
pub fn apply_one(text: &str, e: &Edit) -> String {
    let mut s = String::with_capacity(text.len() + e.content.len());
    s.push_str(&text[..e.range.start]);
    s.push_str(&e.content);
    s.push_str(&text[e.range.end..]);
    s
}

/// The failing job's name without a matrix suffix (`test (3.11, ubuntu)` → `test`).
fn base_job_name(name: &str) -> &str {
    let n = name.trim();
    match n.rfind(" (") {
        Some(p) if n.ends_with(')') => &n[..p],
        _ => n,
    }
}

/// Whether a job (id and optional `name:`) is the failing job `failing`.
pub fn job_matches(id: &str, name: Option<&str>, failing: &str) -> bool {
    let f = failing.trim();
    // A run-log zip's file name (`0_test.txt`) may have been kept as the name.
    let f = match f.split_once('_') {
        Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            let rest = rest.strip_suffix(".txt").unwrap_or(rest);
            if id == rest || name == Some(rest) {
                return true;
            }
            f
        }
        _ => f,
    };
    let base = base_job_name(f);
    if f.is_empty() {
        return false;
    }
    if id == f || id == base {
        return true;
    }
    // A reusable workflow's job appears as `caller / callee`.
    if let Some((_, callee)) = f.rsplit_once(" / ")
        && (id == callee || id == base_job_name(callee))
    {
        return true;
    }
    match name {
        Some(n) if n.contains("${{") => {
            let lit = n.split("${{").next().unwrap_or("").trim();
            !lit.is_empty() && f.starts_with(lit)
        }
        Some(n) => n == f || n == base,
        None => false,
    }
}

/// Find the failing job's workflow and job: `--workflow` if given, else the
/// workflow among `.github/workflows/*.y{a,}ml` with a job of the failing
/// job's name (or `name:`), else the only workflow there is.
pub fn locate(
    ws: &Workspace,
    d: &Diagnosis,
    opts: &FixOptions,
) -> Result<(Workflow, Job), Refusal> {
    let failing = d.failure.job.as_str();
    let pick_job = |wf: &Workflow| -> Result<Option<Job>, Refusal> {
        let jobs = wf.jobs()?;
        let matching: Vec<Job> = jobs
            .iter()
            .filter(|j| job_matches(&j.id, wf.job_name(j).as_deref(), failing))
            .cloned()
            .collect();
        Ok(match matching.len() {
            1 => matching.into_iter().next(),
            0 if jobs.len() == 1 => jobs.into_iter().next(),
            _ => None,
        })
    };
    if let Some(p) = &opts.workflow {
        let raw = p.to_string_lossy();
        let wf = Workflow::load(ws, &raw)?;
        return match pick_job(&wf)? {
            Some(job) => Ok((wf, job)),
            None => Err(Refusal::new(
                ReasonCode::AmbiguousWorkflow,
                format!("no job matching {} in {}", quoted(failing), wf.path),
            )),
        };
    }
    let files: Vec<String> = ws
        .list_dir(".github/workflows")
        .into_iter()
        .filter(|f| f.ends_with(".yml") || f.ends_with(".yaml"))
        .collect();
    if files.is_empty() {
        return Err(Refusal::new(
            ReasonCode::AmbiguousWorkflow,
            "no workflow files in .github/workflows",
        ));
    }
    let mut found: Vec<(Workflow, Job)> = Vec::new();
    let mut loaded: Vec<Workflow> = Vec::new();
    for f in &files {
        let wf = match Workflow::load(ws, f) {
            Ok(wf) => wf,
            Err(r) if r.fatal || files.len() == 1 => return Err(r),
            Err(_) => continue,
        };
        let jobs = wf.jobs().unwrap_or_default();
        let matching: Vec<Job> = jobs
            .iter()
            .filter(|j| job_matches(&j.id, wf.job_name(j).as_deref(), failing))
            .cloned()
            .collect();
        if matching.len() == 1 {
            found.push((wf.clone(), matching[0].clone()));
        }
        loaded.push(wf);
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 if loaded.len() == 1 && files.len() == 1 => {
            let wf = loaded.remove(0);
            match pick_job(&wf)? {
                Some(job) => Ok((wf, job)),
                None => Err(Refusal::new(
                    ReasonCode::AmbiguousWorkflow,
                    format!("no job matching {} in {}", quoted(failing), wf.path),
                )),
            }
        }
        0 => Err(Refusal::new(
            ReasonCode::AmbiguousWorkflow,
            format!(
                "no workflow has a job matching {}; pass --workflow",
                quoted(failing)
            ),
        )),
        _ => Err(Refusal::new(
            ReasonCode::AmbiguousWorkflow,
            format!(
                "job {} is in {}; pass --workflow",
                quoted(failing),
                found
                    .iter()
                    .map(|(w, _)| w.path.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
}

/// The steps of `job` that the log's failing step names: by its `name:`, by
/// GitHub's default title (`Run <first line of run:>`, `Run <uses>`), or by
/// the command the log echoed under that title. The log only points; the
/// workflow says what the step runs.
pub fn failing_steps(wf: &Workflow, job: &Job, d: &Diagnosis) -> Vec<Step> {
    let failing = d.failure.step.trim();
    let echoed = d
        .failure
        .command
        .as_deref()
        .and_then(|c| c.lines().map(str::trim).find(|l| !l.is_empty()));
    let steps_value = wf
        .value
        .get("jobs")
        .and_then(|j| j.get(job.id.as_str()))
        .and_then(|j| j.get("steps"));
    wf.steps(job)
        .into_iter()
        .filter(|s| {
            let Some(v) = steps_value.and_then(|x| x.get(s.index)) else {
                return false;
            };
            let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::trim);
            if !failing.is_empty() && text("name").is_some_and(|n| n == failing) {
                return true;
            }
            if let Some(run) = text("run") {
                let first = run.lines().map(str::trim).find(|l| !l.is_empty());
                return first.is_some_and(|first| {
                    failing.strip_prefix("Run ").map(str::trim) == Some(first)
                        || echoed == Some(first)
                });
            }
            if let Some(uses) = text("uses") {
                let title = failing.strip_prefix("Run ").map(str::trim);
                return title == Some(uses)
                    || title.is_some_and(|t| {
                        t.contains('/') && t.split('@').next() == uses.split('@').next()
                    });
            }
            false
        })
        .collect()
}

/// Convenience: a mapping's string keys.
pub fn keys_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Mapping(m)) => m
            .keys()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WF: &str = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest # comment\n    steps:\n    - uses: actions/checkout@v4\n    - name: deps\n      run: |\n        pip install requests\n        # not: a key\n    - run: pytest\n  lint:\n    name: Lint code\n    runs-on: ubuntu-latest\n    env:\n      A: b\n    steps:\n      - run: ruff .\n";

    #[test]
    fn scans_jobs_and_steps() {
        let wf = Workflow::from_text("ci.yml", WF.to_string()).unwrap();
        let jobs = wf.jobs().unwrap();
        assert_eq!(
            jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
            ["test", "lint"]
        );
        let steps = wf.steps(&jobs[0]);
        assert_eq!(steps.len(), 3);
        assert_eq!(
            wf.step_run(&jobs[0], steps[1]).unwrap(),
            "pip install requests\n# not: a key\n"
        );
        assert_eq!(wf.steps(&jobs[1]).len(), 1);
        assert_eq!(wf.job_name(&jobs[1]).unwrap(), "Lint code");
        assert_eq!(wf.inline_value(4), "ubuntu-latest");
        assert_eq!(
            wf.children(jobs[1].line)
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>(),
            ["name", "runs-on", "env", "steps"]
        );
    }

    #[test]
    fn adds_an_entry_and_verifies() {
        let wf = Workflow::from_text("ci.yml", WF.to_string()).unwrap();
        let jobs = wf.jobs().unwrap();
        let env = wf.child(jobs[1].line, "env");
        let e = wf
            .add_entry(env, ("env", 0, 0), "X", "${{ vars.X }}")
            .unwrap();
        let new = apply_one(&wf.text, &e);
        assert!(new.contains("      A: b\n      X: ${{ vars.X }}\n    steps:"));
        let path = [
            Seg::Key("jobs".into()),
            Seg::Key("lint".into()),
            Seg::Key("env".into()),
        ];
        wf.verify_added(&new, &path, "X", "${{ vars.X }}", false)
            .unwrap();
        // Creating env: after runs-on.
        let runs_on = wf.child(jobs[0].line, "runs-on").unwrap();
        let e = wf
            .add_entry(None, ("env", runs_on, 4), "X", "${{ vars.X }}")
            .unwrap();
        let new = apply_one(&wf.text, &e);
        assert!(
            new.contains("# comment\n    env:\n      X: ${{ vars.X }}\n    steps:"),
            "{new}"
        );
        let path = [
            Seg::Key("jobs".into()),
            Seg::Key("test".into()),
            Seg::Key("env".into()),
        ];
        wf.verify_added(&new, &path, "X", "${{ vars.X }}", true)
            .unwrap();
    }

    #[test]
    fn budgets_and_duplicates() {
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            bomb.push_str(&format!(
                "{}: &{} [{}]\n",
                w[1],
                w[1],
                vec![format!("*{}", w[0]); 9].join(",")
            ));
        }
        let t = std::time::Instant::now();
        let r = parse("bomb.yml", &bomb).unwrap_err();
        assert!(
            r.fatal && r.detail.contains("alias expansion budget"),
            "{r}"
        );
        assert!(t.elapsed().as_secs() < 1);
        let deep = "[".repeat(100_000);
        let r = parse("deep.yml", &deep).unwrap_err();
        assert_eq!(r.detail, "YAML nesting deeper than 128");
        let r = parse("dup.yml", "jobs:\n  t:\n    env: {}\n    env: {}\n").unwrap_err();
        assert_eq!(r.id, ReasonCode::DuplicateKey);
        assert_eq!(r.detail, "duplicate key \"env\" at dup.yml:4");
    }

    #[test]
    fn only_three_expression_forms() {
        for ok in [
            "${{ vars.X }}",
            "${{ vars.X || 'a''b' }}",
            "${{ secrets.GITHUB_TOKEN }}",
            "write",
        ] {
            check_expression(ok).unwrap();
        }
        for bad in [
            "${{ github.event.head_commit.message }}",
            "${{ vars.X }}${{ secrets.Y }}",
            "${{ vars.x }}",
            "${{ vars.X || 'a' }} }}",
            "a\nb",
        ] {
            assert_eq!(
                check_expression(bad).unwrap_err().id.as_str(),
                "expression",
                "{bad}"
            );
        }
    }

    #[test]
    fn finds_the_failing_step_by_name_title_or_command() {
        let wf = Workflow::from_text("ci.yml", WF.to_string()).unwrap();
        let job = wf.jobs().unwrap().remove(0);
        let find = |step: &str, command: Option<&str>| {
            let d = Diagnosis {
                failure: crate::extract::Failure {
                    step: step.to_string(),
                    command: command.map(str::to_string),
                    ..Default::default()
                },
                category: crate::classify::Category::PermissionDenied,
                confidence: 1.0,
                explanation: Vec::new(),
                facts: Default::default(),
                suggested_fix: String::new(),
            };
            failing_steps(&wf, &job, &d)
                .iter()
                .map(|s| s.index)
                .collect::<Vec<_>>()
        };
        assert_eq!(find("deps", None), [1]);
        assert_eq!(find("Run pip install requests", None), [1]);
        assert_eq!(find("Run pytest", None), [2]);
        assert_eq!(find("Run actions/checkout@v4", None), [0]);
        assert_eq!(find("Run actions/checkout@v3", None), [0]);
        assert_eq!(find("", Some("pytest")), [2]);
        assert!(find("Run git push", None).is_empty());
        assert!(find("Run pytest -q", None).is_empty());
    }

    #[test]
    fn matches_job_names() {
        assert!(job_matches("test", None, "test (3.11)"));
        assert!(job_matches("t", Some("Test ${{ matrix.py }}"), "Test 3.12"));
        assert!(job_matches("t", Some("Unit tests"), "Unit tests"));
        assert!(!job_matches("test", None, "lint"));
        assert!(job_matches("test", None, "ci / test"));
        assert!(job_matches("test", None, "0_test.txt"));
        assert!(job_matches("build_2", None, "build_2"));
    }
}
