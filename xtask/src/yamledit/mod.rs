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

//!
//! [`scan`] reads the text into that tree of spans and [`emit`] writes new
//! values in our spec's style.

mod emit;
mod scan;

pub use emit::{emit_entry, emit_item, scalar};
pub use scan::{find, scan, split_key, Entry, Item, Kind, Node};

use emit::is_scalar;
use scan::{strip_comment, unescape_token};
use serde_json::Value;

pub type Result<T> = std::result::Result<T, String>;

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
