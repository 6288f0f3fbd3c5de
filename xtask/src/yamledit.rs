//! Small, targeted edits of a block-style YAML document as text, so that
//! comments, key order, blank lines and folded descriptions of our spec stay
//! exactly as written.
//!
//! The document is scanned into a tree of line spans (block mappings, block
//! sequences, scalars, flow collections); an edit inserts lines after a
//! node's last line or rewrites one line. It does not try to understand all
//! of YAML: anchors, tags, complex keys and multi-line flow collections make
//! the edit fail, and the caller then leaves the change for a person. Callers
//! re-parse the result and compare it with the intended document
//! ([`crate::apply`]), so a wrong edit can never be written.

use serde_json::Value;

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

pub type Result<T> = std::result::Result<T, String>;

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
fn strip_comment(text: &str) -> &str {
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

fn unescape_token(token: &str) -> String {
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

fn splice(text: &str, after_line: usize, new_lines: &[String]) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let insert: Vec<&str> = new_lines.iter().map(String::as_str).collect();
    let at = (after_line + 1).min(lines.len());
    lines.splice(at..at, insert);
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Adds `key: value` at the end of the block mapping at `pointer`.
pub fn insert_entry(text: &str, pointer: &str, key: &str, value: &Value) -> Result<String> {
    let root = scan(text)?;
    let node = find(&root, pointer)?;
    let Kind::Map(entries) = &node.kind else {
        return Err(format!("{pointer} is not a block mapping"));
    };
    if entries.iter().any(|e| e.key == key) {
        return Err(format!("{pointer} already has {key:?}"));
    }
    let col = entries.first().map_or(0, |e| e.col);
    Ok(splice(text, node.last, &emit_entry(key, value, col)))
}

/// Appends `value` to the sequence at `pointer` (block, or a one-line flow
/// sequence of scalars).
pub fn append_item(text: &str, pointer: &str, value: &Value) -> Result<String> {
    let root = scan(text)?;
    let node = find(&root, pointer)?;
    match &node.kind {
        Kind::Seq(items) => {
            let col = items.first().map_or(0, |i| i.col);
            Ok(splice(text, node.last, &emit_item(value, col)))
        }
        Kind::Flow => {
            if !is_scalar(value) {
                return Err(format!("{pointer}: only scalars go into a flow sequence"));
            }
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let line = &mut lines[node.first];
            let body = strip_comment(line.as_str()).trim_end().to_string();
            if !body.ends_with(']') {
                return Err(format!("{pointer} is not a one-line flow sequence"));
            }
            let open = body
                .rfind('[')
                .ok_or_else(|| format!("{pointer} is not a one-line flow sequence"))?;
            let inside = body[open + 1..body.len() - 1].trim();
            let addition = if inside.is_empty() {
                scalar(value, true)
            } else {
                format!(", {}", scalar(value, true))
            };
            let tail = line[body.len()..].to_string();
            *line = format!("{}{addition}]{tail}", body[..body.len() - 1].trim_end());
            let mut out = lines.join("\n");
            if text.ends_with('\n') {
                out.push('\n');
            }
            Ok(out)
        }
        _ => Err(format!("{pointer} is not a sequence")),
    }
}

/// Replaces the one-line scalar value at `pointer` (a mapping entry).
pub fn set_scalar(text: &str, pointer: &str, value: &Value) -> Result<String> {
    let root = scan(text)?;
    let (parent, key) = pointer
        .rsplit_once('/')
        .ok_or_else(|| format!("{pointer}: not a pointer"))?;
    let key = unescape_token(key);
    let node = find(&root, parent)?;
    let Kind::Map(entries) = &node.kind else {
        return Err(format!("{parent} is not a block mapping"));
    };
    let entry = entries
        .iter()
        .find(|e| e.key == key)
        .ok_or_else(|| format!("{parent} has no {key:?}"))?;
    if !matches!(entry.value.kind, Kind::Scalar) || entry.value.first != entry.value.last {
        return Err(format!("{pointer} is not a one-line scalar"));
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let line = &lines[entry.line];
    let (_, rest) = split_key(&line[entry.col..]).ok_or_else(|| format!("{pointer}: lost key"))?;
    let prefix = &line[..line.len() - rest.len()];
    lines[entry.line] = format!("{prefix} {}", scalar(value, false));
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

// ------------------------------------------------------------------ emitting

const KEY_ORDER: &[&str] = &[
    "$ref",
    "name",
    "in",
    "type",
    "format",
    "description",
    "required",
    "deprecated",
    "nullable",
    "enum",
    "default",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "items",
    "properties",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "schema",
    "content",
];

fn ordered(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(key, _)| {
        (
            KEY_ORDER
                .iter()
                .position(|k| k == key)
                .unwrap_or(KEY_ORDER.len()),
            key.to_string(),
        )
    });
    entries
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// Whether `s` can be written unquoted: a conservative character set, no
/// YAML 1.1 booleans, and it must read back as the same string (so `1.30.0`
/// stays plain while `200` or `1e5` get quotes).
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    if reserved.contains(&s.to_lowercase().as_str()) {
        return false;
    }
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '$') || s.ends_with(' ') {
        return false;
    }
    let charset = s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '.' | '/' | '$' | '-' | '(' | ')')
            || (c == ' ' && !flow)
    });
    if !charset {
        return false;
    }
    let probe = if flow {
        format!("k: [{s}]\n")
    } else {
        format!("k: {s}\n")
    };
    let expected = if flow {
        serde_json::json!({ "k": [s] })
    } else {
        serde_json::json!({ "k": s })
    };
    crate::codegen::load::parse(&probe).is_ok_and(|v| v == expected)
}

/// A scalar in YAML syntax.
pub fn scalar(value: &Value, flow: bool) -> String {
    match value {
        Value::String(s) if plain_ok(s, flow) => s.clone(),
        Value::String(s) if !s.contains('\n') => format!("'{}'", s.replace('\'', "''")),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn key_text(key: &str) -> String {
    scalar(&Value::String(key.to_string()), true)
}

/// Lines of `key: value` with the key at `col`.
pub fn emit_entry(key: &str, value: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    let key = key_text(key);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut lines = vec![format!("{pad}{key}:")];
            for (k, v) in ordered(map) {
                lines.extend(emit_entry(k, v, col + 2));
            }
            lines
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(is_scalar) => {
            let parts: Vec<String> = items.iter().map(|v| scalar(v, true)).collect();
            vec![format!("{pad}{key}: [{}]", parts.join(", "))]
        }
        Value::Array(items) if !items.is_empty() => {
            let mut lines = vec![format!("{pad}{key}:")];
            for item in items {
                lines.extend(emit_item(item, col + 2));
            }
            lines
        }
        other => vec![format!("{pad}{key}: {}", scalar(other, false))],
    }
}

/// Lines of `- value` with the dash at `col`.
pub fn emit_item(value: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut lines = Vec::new();
            for (index, (k, v)) in ordered(map).into_iter().enumerate() {
                let mut entry = emit_entry(k, v, col + 2);
                if index == 0 {
                    entry[0] = format!("{pad}- {}", &entry[0][col + 2..]);
                }
                lines.extend(entry);
            }
            lines
        }
        Value::Array(items) if !items.is_empty() => {
            let parts: Vec<String> = items.iter().map(|v| scalar(v, true)).collect();
            vec![format!("{pad}- [{}]", parts.join(", "))]
        }
        other => vec![format!("{pad}- {}", scalar(other, false))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = "\
openapi: 3.0.3
info:
  title: T
  description: >-
    Folded text: with a colon
    and more.
  x-upstream:
    version: 1.29.4 # recorded
paths:
  /a/{id}:
    get:
      parameters:
        - $ref: '#/components/parameters/id'
        - name: q
          in: query
          schema:
            type: string
      responses:
        '200':
          description: ok
components:
  schemas:
    # a comment
    thing:
      type: object
      required: [a]
      properties:
        a:
          type: string
          enum: [x, w]

        b:
          type: integer
";

    fn parse(text: &str) -> Value {
        crate::codegen::load::parse(text).unwrap()
    }

    #[test]
    fn finds_nodes() {
        let root = scan(DOC).unwrap();
        let node = find(&root, "/components/schemas/thing/properties").unwrap();
        assert!(matches!(node.kind, Kind::Map(_)));
        assert_eq!(node.last, DOC.lines().count() - 1);
        let node = find(&root, "/paths/~1a~1{id}/get/parameters/1/schema/type").unwrap();
        assert!(matches!(node.kind, Kind::Scalar));
    }

    /// Every object and array of the parsed document is found at its
    /// pointer, as a node of the matching kind.
    fn assert_scans_like_parser(text: &str) {
        fn visit(root: &Node, value: &Value, pointer: String) {
            let node = find(root, &pointer).unwrap_or_else(|e| panic!("{e}"));
            match value {
                Value::Object(map) if !map.is_empty() => {
                    assert!(
                        matches!(node.kind, Kind::Map(_) | Kind::Flow),
                        "{pointer}: {node:?}"
                    );
                    if let Kind::Map(entries) = &node.kind {
                        assert_eq!(entries.len(), map.len(), "{pointer}");
                        for (key, child) in map {
                            let token = key.replace('~', "~0").replace('/', "~1");
                            visit(root, child, format!("{pointer}/{token}"));
                        }
                    }
                }
                Value::Array(items) if !items.is_empty() => {
                    assert!(
                        matches!(node.kind, Kind::Seq(_) | Kind::Flow),
                        "{pointer}: {node:?}"
                    );
                    if let Kind::Seq(list) = &node.kind {
                        assert_eq!(list.len(), items.len(), "{pointer}");
                        for (index, child) in items.iter().enumerate() {
                            visit(root, child, format!("{pointer}/{index}"));
                        }
                    }
                }
                _ => assert!(
                    matches!(node.kind, Kind::Scalar | Kind::Flow | Kind::Empty),
                    "{pointer}: {node:?}"
                ),
            }
        }
        let root = scan(text).unwrap();
        visit(&root, &parse(text), String::new());
    }

    #[test]
    fn scans_our_spec_like_the_parser() {
        assert_scans_like_parser(DOC);
        let spec = crate::workspace_root().join(crate::codegen::SPEC_PATH);
        assert_scans_like_parser(&std::fs::read_to_string(spec).unwrap());
    }

    #[test]
    fn edits_keep_everything_else() {
        let mut expected = parse(DOC);
        let text = insert_entry(
            DOC,
            "/components/schemas/thing/properties",
            "c",
            &json!({"type": "string", "description": "Odd: text"}),
        )
        .unwrap();
        expected["components"]["schemas"]["thing"]["properties"]["c"] =
            json!({"type": "string", "description": "Odd: text"});
        let text = append_item(
            &text,
            "/components/schemas/thing/properties/a/enum",
            &json!("z"),
        )
        .unwrap();
        expected["components"]["schemas"]["thing"]["properties"]["a"]["enum"] =
            json!(["x", "w", "z"]);
        let text = append_item(
            &text,
            "/paths/~1a~1{id}/get/parameters",
            &json!({"name": "r", "in": "query", "schema": {"type": "integer"}}),
        )
        .unwrap();
        expected["paths"]["/a/{id}"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "r", "in": "query", "schema": {"type": "integer"}}));
        let text = set_scalar(&text, "/info/x-upstream/version", &json!("1.30.0")).unwrap();
        expected["info"]["x-upstream"]["version"] = json!("1.30.0");
        assert_eq!(parse(&text), expected);
        assert!(text.contains("# a comment"));
        assert!(text.contains("    Folded text: with a colon\n"));
    }
}
