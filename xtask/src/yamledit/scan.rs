//! The node tree of a block-style YAML document: which lines each mapping
//! entry, sequence item and scalar spans.

use super::Result;

#[derive(Debug)]
pub enum Kind {
    Map(Vec<Entry>),
    Seq(Vec<Item>),
    Scalar,
    Flow,
    Empty,
}

#[derive(Debug)]
pub struct Node {
    pub kind: Kind,
    /// First and last line (inclusive) of the node's text.
    pub first: usize,
    pub last: usize,
}

#[derive(Debug)]
pub struct Entry {
    pub key: String,
    pub line: usize,
    pub col: usize,
    pub value: Node,
}

#[derive(Debug)]
pub struct Item {
    pub line: usize,
    pub col: usize,
    pub value: Node,
}

struct Scanner<'a> {
    lines: Vec<&'a str>,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_significant(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

impl<'a> Scanner<'a> {
    fn next_significant(&self, from: usize) -> Option<usize> {
        (from..self.lines.len()).find(|&i| is_significant(self.lines[i]))
    }

    fn text(&self, line: usize, col: usize) -> &'a str {
        self.lines[line].get(col..).unwrap_or("")
    }

    /// The last line of a value that started on `line` and may continue on
    /// following lines indented more than `owner_col` (block scalars, folded
    /// plain scalars, multi-line quoted strings).
    fn continuation_end(&self, line: usize, owner_col: usize) -> usize {
        let mut last = line;
        let mut i = line + 1;
        while i < self.lines.len() {
            let l = self.lines[i];
            if l.trim().is_empty() {
                i += 1;
                continue;
            }
            if indent_of(l) <= owner_col {
                break;
            }
            last = i;
            i += 1;
        }
        last
    }

    /// The node whose text starts at (`line`, `col`); `owner_col` is the
    /// column of the key or dash that owns it.
    fn node(&self, line: usize, col: usize, owner_col: usize) -> Result<Node> {
        let text = self.text(line, col);
        if text == "-" || text.starts_with("- ") {
            self.seq(line, col)
        } else if split_key(text).is_some() {
            self.map(line, col)
        } else {
            self.inline_value(line, text, owner_col)
        }
    }

    fn inline_value(&self, line: usize, text: &str, owner_col: usize) -> Result<Node> {
        let text = strip_comment(text);
        if text.starts_with('&') || text.starts_with('*') || text.starts_with('!') {
            return Err(format!(
                "line {}: anchors and tags are not supported",
                line + 1
            ));
        }
        let last = self.continuation_end(line, owner_col);
        let kind = if text.starts_with('[') || text.starts_with('{') {
            if last != line {
                return Err(format!(
                    "line {}: multi-line flow collections are not supported",
                    line + 1
                ));
            }
            Kind::Flow
        } else {
            Kind::Scalar
        };
        Ok(Node {
            kind,
            first: line,
            last,
        })
    }

    fn map(&self, line: usize, col: usize) -> Result<Node> {
        let mut entries = Vec::new();
        let mut i = line;
        let mut last = line;
        loop {
            let text = self.text(i, col);
            let Some((key, rest)) = split_key(text) else {
                break;
            };
            let value = self.value(i, col, rest)?;
            last = value.last.max(i);
            entries.push(Entry {
                key,
                line: i,
                col,
                value,
            });
            match self.next_significant(last + 1) {
                Some(next) if indent_of(self.lines[next]) == col => {
                    let t = self.text(next, col);
                    if t == "-" || t.starts_with("- ") {
                        break;
                    }
                    i = next;
                }
                Some(next) if indent_of(self.lines[next]) > col => {
                    return Err(format!("line {}: unexpected indentation", next + 1));
                }
                _ => break,
            }
        }
        Ok(Node {
            kind: Kind::Map(entries),
            first: line,
            last,
        })
    }

    /// The value of a mapping entry whose key is at `key_col` on `line` and
    /// whose inline remainder is `rest`.
    fn value(&self, line: usize, key_col: usize, rest: &str) -> Result<Node> {
        let inline = strip_comment(rest).trim();
        if inline.is_empty() {
            return match self.next_significant(line + 1) {
                Some(next) => {
                    let indent = indent_of(self.lines[next]);
                    let t = self.text(next, indent);
                    if indent > key_col || (indent == key_col && (t == "-" || t.starts_with("- ")))
                    {
                        self.node(next, indent, key_col)
                    } else {
                        Ok(Node {
                            kind: Kind::Empty,
                            first: line,
                            last: line,
                        })
                    }
                }
                None => Ok(Node {
                    kind: Kind::Empty,
                    first: line,
                    last: line,
                }),
            };
        }
        if inline.starts_with('|') || inline.starts_with('>') {
            return Ok(Node {
                kind: Kind::Scalar,
                first: line,
                last: self.continuation_end(line, key_col),
            });
        }
        self.inline_value(line, inline, key_col)
    }

    fn seq(&self, line: usize, col: usize) -> Result<Node> {
        let mut items = Vec::new();
        let mut i = line;
        let mut last;
        loop {
            let text = self.text(i, col);
            let after = &text[1..];
            let spaces = after.len() - after.trim_start_matches(' ').len();
            let content_col = col + 1 + spaces;
            let value = if after.trim().is_empty() {
                match self.next_significant(i + 1) {
                    Some(next) if indent_of(self.lines[next]) > col => {
                        self.node(next, indent_of(self.lines[next]), col)?
                    }
                    _ => Node {
                        kind: Kind::Empty,
                        first: i,
                        last: i,
                    },
                }
            } else {
                self.node(i, content_col, col)?
            };
            last = value.last.max(i);
            items.push(Item {
                line: i,
                col,
                value,
            });
            match self.next_significant(last + 1) {
                Some(next) if indent_of(self.lines[next]) == col => {
                    let t = self.text(next, col);
                    if t == "-" || t.starts_with("- ") {
                        i = next;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        Ok(Node {
            kind: Kind::Seq(items),
            first: line,
            last,
        })
    }
}

/// Removes a trailing ` # comment` outside quotes.
pub(super) fn strip_comment(text: &str) -> &str {
    let mut quote: Option<char> = None;
    let bytes: Vec<char> = text.chars().collect();
    let mut offset = 0;
    for (index, c) in bytes.iter().enumerate() {
        match quote {
            Some(q) if *c == q => quote = None,
            Some(_) => {}
            None if *c == '\'' || *c == '"' => quote = Some(*c),
            None if *c == '#' && (index == 0 || bytes[index - 1] == ' ') => {
                return text[..offset].trim_end();
            }
            None => {}
        }
        offset += c.len_utf8();
    }
    text
}

/// Splits `key: rest` (plain or quoted key); `None` when the text is not a
/// mapping entry.
pub fn split_key(text: &str) -> Option<(String, &str)> {
    let first = text.chars().next()?;
    if first == '\'' || first == '"' {
        let mut key = String::new();
        let mut chars = text.char_indices().skip(1).peekable();
        while let Some((index, c)) = chars.next() {
            if c == first {
                if first == '\'' && chars.peek().map(|(_, n)| *n) == Some('\'') {
                    key.push('\'');
                    chars.next();
                    continue;
                }
                let rest = &text[index + 1..];
                let rest = rest.strip_prefix(':')?;
                if !(rest.is_empty() || rest.starts_with(' ')) {
                    return None;
                }
                return Some((key, rest));
            }
            if first == '"' && c == '\\' {
                if let Some((_, escaped)) = chars.next() {
                    key.push(escaped);
                }
                continue;
            }
            key.push(c);
        }
        return None;
    }
    // Indicators cannot start a plain key (a `-` can, when not `- `).
    let indicator = matches!(first, '[' | '{' | '#' | '&' | '*' | '!' | '|' | '>' | '?');
    if indicator || text.starts_with("- ") || text == "-" {
        return None;
    }
    let end = text
        .find(": ")
        .or_else(|| text.strip_suffix(':').map(|t| t.len()))?;
    let key = &text[..end];
    if key.contains(" #") || key.trim() != key {
        return None;
    }
    Some((key.to_string(), &text[end + 1..]))
}

/// The document's node tree.
pub fn scan(text: &str) -> Result<Node> {
    let scanner = Scanner {
        lines: text.lines().collect(),
    };
    let first = scanner
        .next_significant(0)
        .ok_or_else(|| "empty document".to_string())?;
    if indent_of(scanner.lines[first]) != 0 {
        return Err("the document does not start at column 0".into());
    }
    let node = scanner.node(first, 0, 0)?;
    if let Some(extra) = scanner.next_significant(node.last + 1) {
        return Err(format!("line {}: could not be scanned", extra + 1));
    }
    Ok(node)
}

pub(super) fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The node at a JSON pointer.
pub fn find<'n>(root: &'n Node, pointer: &str) -> Result<&'n Node> {
    let mut node = root;
    if pointer.is_empty() {
        return Ok(node);
    }
    for token in pointer.trim_start_matches('/').split('/') {
        let token = unescape_token(token);
        node = match &node.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|e| e.key == token)
                .map(|e| &e.value)
                .ok_or_else(|| format!("{pointer}: no key {token:?} in the block mapping"))?,
            Kind::Seq(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index))
                .map(|i| &i.value)
                .ok_or_else(|| format!("{pointer}: no item {token} in the block sequence"))?,
            _ => {
                return Err(format!(
                    "{pointer}: {token:?} is inside a flow or scalar node"
                ))
            }
        };
    }
    Ok(node)
}
