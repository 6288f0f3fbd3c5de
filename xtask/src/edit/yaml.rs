//! The YAML side of an edit, made on a lossless syntax tree of our spec
//! (yaml-edit), so comments, key order, blank lines, flow lists, quoting and
//! folded descriptions stay exactly as written; only the edited node
//! changes. New values are built by [`super::values`].
//!
//! Callers re-parse the result and compare it with the intended document
//! ([`super::merge`]), so a wrong edit can never be written.

use super::values::{built, is_scalar, push_scalar, set, Built};
use serde_json::Value;
use std::str::FromStr;
use yaml_edit::{Document, YamlNode};

pub type Result<T> = std::result::Result<T, String>;

/// Adds `key: value` at the end of the mapping at `pointer`.
pub fn insert_entry(text: &str, pointer: &str, key: &str, value: &Value) -> Result<String> {
    let document = parse(text)?;
    let mapping = node_at(&document, pointer)?
        .as_mapping()
        .cloned()
        .ok_or_else(|| format!("{pointer} is not a mapping"))?;
    if mapping.contains_key(key) {
        return Err(format!("{pointer} already has {key:?}"));
    }
    set(&mapping, key, value)?;
    Ok(document.to_string())
}

/// Appends `value` to the sequence at `pointer` (block or flow).
pub fn append_item(text: &str, pointer: &str, value: &Value) -> Result<String> {
    let document = parse(text)?;
    let sequence = node_at(&document, pointer)?
        .as_sequence()
        .cloned()
        .ok_or_else(|| format!("{pointer} is not a sequence"))?;
    if sequence.is_flow_style() && !is_scalar(value) {
        return Err(format!("{pointer}: only scalars go into a flow sequence"));
    }
    match built(value)? {
        Built::Scalar(scalar) => push_scalar(&sequence, &scalar),
        Built::Mapping(mapping) => sequence.push(&mapping),
        Built::Sequence(items) => sequence.push(&items),
    }
    Ok(document.to_string())
}

/// Replaces the scalar value of the mapping entry at `pointer`.
pub fn set_scalar(text: &str, pointer: &str, value: &Value) -> Result<String> {
    let (parent, key) = pointer
        .rsplit_once('/')
        .ok_or_else(|| format!("{pointer}: not a pointer"))?;
    let key = unescape(key);
    let document = parse(text)?;
    let mapping = node_at(&document, parent)?
        .as_mapping()
        .cloned()
        .ok_or_else(|| format!("{parent} is not a mapping"))?;
    match mapping.get(key.as_str()) {
        Some(current) if current.is_scalar() && is_scalar(value) => set(&mapping, &key, value)?,
        Some(_) => return Err(format!("{pointer} is not a scalar")),
        None => return Err(format!("{parent} has no {key:?}")),
    }
    Ok(document.to_string())
}

fn parse(text: &str) -> Result<Document> {
    Document::from_str(text).map_err(|e| format!("our spec cannot be edited as YAML: {e}"))
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The node at a JSON pointer.
fn node_at(document: &Document, pointer: &str) -> Result<YamlNode> {
    let root = document
        .as_mapping()
        .ok_or("the document is not a mapping")?;
    let mut node = YamlNode::Mapping(root);
    if pointer.is_empty() {
        return Ok(node);
    }
    for token in pointer.trim_start_matches('/').split('/') {
        let token = unescape(token);
        node = match &node {
            YamlNode::Mapping(mapping) => mapping
                .get(token.as_str())
                .ok_or_else(|| format!("{pointer}: no key {token:?}"))?,
            YamlNode::Sequence(sequence) => token
                .parse::<usize>()
                .ok()
                .and_then(|index| sequence.get(index))
                .ok_or_else(|| format!("{pointer}: no item {token}"))?,
            _ => return Err(format!("{pointer}: {token:?} is inside a scalar")),
        };
    }
    Ok(node)
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
          enum:
            - 1
            - 2
";

    fn parse(text: &str) -> Value {
        crate::codegen::load::parse(text).unwrap()
    }

    /// The lines of `after` that are not in `before`, in order, for texts
    /// that differ only by inserted lines and lines rewritten in place.
    fn added(before: &str, after: &str) -> Vec<String> {
        let (old, new): (Vec<&str>, Vec<&str>) =
            (before.lines().collect(), after.lines().collect());
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while j < new.len() {
            if old.get(i) == Some(&new[j]) {
                i += 1;
            } else {
                out.push(new[j].to_string());
                // A rewritten line: both texts go on alike after it.
                if old.get(i + 1).is_some() && old.get(i + 1) == new.get(j + 1) {
                    i += 1;
                }
            }
            j += 1;
        }
        out
    }

    #[test]
    fn edits_keep_everything_else() {
        let mut expected = parse(DOC);
        let property = json!({"description": "Odd: text, 200 #1", "type": "string", "enum": ["true", "200", "1.30.0"]});
        let text =
            insert_entry(DOC, "/components/schemas/thing/properties", "c", &property).unwrap();
        expected["components"]["schemas"]["thing"]["properties"]["c"] = property;
        let text = append_item(
            &text,
            "/components/schemas/thing/properties/a/enum",
            &json!("z y"),
        )
        .unwrap();
        expected["components"]["schemas"]["thing"]["properties"]["a"]["enum"] =
            json!(["x", "w", "z y"]);
        let text = append_item(
            &text,
            "/components/schemas/thing/properties/b/enum",
            &json!(3),
        )
        .unwrap();
        expected["components"]["schemas"]["thing"]["properties"]["b"]["enum"] = json!([1, 2, 3]);
        let parameter = json!({"schema": {"type": "integer"}, "in": "query", "name": "r"});
        let text = append_item(&text, "/paths/~1a~1{id}/get/parameters", &parameter).unwrap();
        expected["paths"]["/a/{id}"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(parameter);
        let text = set_scalar(&text, "/info/x-upstream/version", &json!("1.30.0")).unwrap();
        expected["info"]["x-upstream"]["version"] = json!("1.30.0");
        assert_eq!(parse(&text), expected, "{text}");
        assert!(text.contains("    # a comment\n"), "{text}");
        assert!(
            text.contains("  description: >-\n    Folded text: with a colon\n    and more.\n"),
            "{text}"
        );
        assert!(
            text.contains("          enum: [x, w, z y]\n\n        b:\n"),
            "{text}"
        );
        assert!(text.contains("version: 1.30.0 # recorded"), "{text}");
        // New values in our style: conventional key order, flow scalar lists.
        assert!(
            text.contains("        - name: r\n          in: query\n          schema:\n            type: integer\n"),
            "{text}"
        );
        assert!(
            text.contains("        c:\n          type: string\n"),
            "{text}"
        );
    }

    #[test]
    fn what_cannot_be_edited_is_an_error() {
        assert!(
            insert_entry(DOC, "/components/schemas/thing/properties", "a", &json!(1))
                .unwrap_err()
                .contains("already has")
        );
        assert!(append_item(DOC, "/components/schemas/thing", &json!("x"))
            .unwrap_err()
            .contains("is not a sequence"));
        assert!(
            append_item(DOC, "/components/schemas/thing/required", &json!({"a": 1}))
                .unwrap_err()
                .contains("only scalars")
        );
        assert!(set_scalar(DOC, "/info/nothing", &json!("x"))
            .unwrap_err()
            .contains("has no"));
        assert!(set_scalar(DOC, "/info/x-upstream", &json!("x"))
            .unwrap_err()
            .contains("is not a scalar"));
    }

    /// The edits `--apply` makes, on our real spec: only the edited lines
    /// change.
    #[test]
    fn our_spec_gains_exactly_the_edited_lines() {
        let path = crate::workspace_root().join(crate::codegen::SPEC_PATH);
        let spec = std::fs::read_to_string(path).unwrap();
        let attributes =
            "/paths/~1applications~1{applicationId}~1devices~1{deviceId}~1attributes~1{name}/get";
        let text = insert_entry(
            &spec,
            "/components/schemas/deviceAttribute/properties",
            "priority",
            &json!({"type": "string", "description": "Odd: text"}),
        )
        .unwrap();
        let text = append_item(
            &text,
            "/components/schemas/attributeDataType/enum",
            &json!("json"),
        )
        .unwrap();
        let text = append_item(
            &text,
            &format!("{attributes}/parameters"),
            &json!({"name": "includeSystem", "in": "query", "schema": {"type": "boolean"}}),
        )
        .unwrap();
        let text = insert_entry(
            &text,
            "/paths/~1auth~1device/post",
            "parameters",
            &json!([{"name": "trace", "in": "query", "schema": {"type": "string"}}]),
        )
        .unwrap();
        assert_eq!(
            added(&spec, &text),
            vec![
                "      parameters:",
                "        - name: trace",
                "          in: query",
                "          schema:",
                "            type: string",
                "        - name: includeSystem",
                "          in: query",
                "          schema:",
                "            type: boolean",
                "      enum: [string, number, gps, boolean, blob, json]",
                "        priority:",
                "          type: string",
                "          description: 'Odd: text'",
            ],
            "{text}"
        );
        assert_eq!(text.lines().count(), spec.lines().count() + 12);
        let comments = |t: &str| {
            t.lines()
                .filter(|l| l.trim_start().starts_with('#'))
                .count()
        };
        assert_eq!(comments(&text), comments(&spec));
        crate::codegen::generate(parse(&text)).unwrap();
    }
}
