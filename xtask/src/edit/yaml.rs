//! The YAML side of an edit, made on a lossless syntax tree of our spec
//! (yaml-edit), so comments, key order, blank lines, flow lists, quoting and
//! folded descriptions stay exactly as written; only the edited node
//! changes. New values are written in our spec's style: keys in a
//! conventional order, scalar lists in flow style (`[a, b]`), the rest in
//! block style; how a scalar must be quoted is yaml-edit's business.
//!
//! Callers re-parse the result and compare it with the intended document
//! ([`super::merge`]), so a wrong edit can never be written.

use serde_json::Value;
use std::str::FromStr;
use yaml_edit::{Document, Mapping, MappingBuilder, Sequence, SequenceBuilder, YamlNode};

pub type Result<T> = std::result::Result<T, String>;

/// The order keys of a new schema, parameter or record are written in; keys
/// not listed follow, by name.
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

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// A value ready to go into the tree.
enum Built {
    Scalar(Value),
    Mapping(Mapping),
    Sequence(Sequence),
}

fn built(value: &Value) -> Result<Built> {
    Ok(match value {
        Value::Object(map) if !map.is_empty() => Built::Mapping(
            mapping_builder(map)?
                .build_document()
                .as_mapping()
                .ok_or("a built mapping is not a mapping")?,
        ),
        Value::Array(items) if !items.is_empty() => Built::Sequence(sequence(items)?),
        other => Built::Scalar(other.clone()),
    })
}

fn set(mapping: &Mapping, key: &str, value: &Value) -> Result<()> {
    match built(value)? {
        Built::Scalar(scalar) => set_scalar_value(mapping, key, &scalar),
        Built::Mapping(inner) => mapping.set(key, &inner),
        Built::Sequence(items) => mapping.set(key, &items),
    }
    Ok(())
}

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

fn mapping_builder(map: &serde_json::Map<String, Value>) -> Result<MappingBuilder> {
    let mut builder = MappingBuilder::new();
    for (key, value) in ordered(map) {
        builder = match value {
            Value::Object(inner) if !inner.is_empty() => {
                builder.insert_mapping(key.as_str(), mapping_builder(inner)?)
            }
            Value::Array(items) if !items.is_empty() && !items.iter().all(is_scalar) => {
                builder.insert_sequence(key.as_str(), sequence_builder(items)?)
            }
            Value::Array(items) if !items.is_empty() => {
                builder.pair(key.as_str(), &sequence(items)?)
            }
            Value::Array(_) => builder.pair(key.as_str(), Sequence::new_flow()),
            Value::Object(_) => builder.pair(key.as_str(), Mapping::new_flow()),
            scalar => pair_scalar(builder, key, scalar),
        };
    }
    Ok(builder)
}

fn sequence_builder(items: &[Value]) -> Result<SequenceBuilder> {
    let mut builder = SequenceBuilder::new();
    for item in items {
        builder = match item {
            Value::Object(inner) if !inner.is_empty() => {
                let mapping = mapping_builder(inner)?
                    .build_document()
                    .as_mapping()
                    .ok_or("a built mapping is not a mapping")?;
                builder.item(&mapping)
            }
            Value::Array(inner) if !inner.is_empty() => builder.item(&sequence(inner)?),
            Value::String(s) => builder.item(s.as_str()),
            Value::Bool(b) => builder.item(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => builder.item(i),
                (None, Some(f)) => builder.item(f),
                _ => return Err(format!("the number {n} cannot be written")),
            },
            other => return Err(format!("{other} cannot be written as a list item")),
        };
    }
    Ok(builder)
}

/// Scalars as a flow list, anything else as a block list.
fn sequence(items: &[Value]) -> Result<Sequence> {
    if items.iter().all(is_scalar) {
        let flow = Sequence::new_flow();
        for item in items {
            push_scalar(&flow, item);
        }
        return Ok(flow);
    }
    sequence_builder(items)?
        .build_document()
        .as_sequence()
        .ok_or_else(|| "a built list is not a sequence".to_string())
}

fn push_scalar(sequence: &Sequence, value: &Value) {
    match value {
        Value::String(s) => sequence.push(s.as_str()),
        Value::Bool(b) => sequence.push(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => sequence.push(i),
            None => sequence.push(n.as_f64().unwrap_or_default()),
        },
        _ => sequence.push(None::<&str>),
    }
}

fn set_scalar_value(mapping: &Mapping, key: &str, value: &Value) {
    match value {
        Value::String(s) => mapping.set(key, s.as_str()),
        Value::Bool(b) => mapping.set(key, *b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => mapping.set(key, i),
            None => mapping.set(key, n.as_f64().unwrap_or_default()),
        },
        _ => mapping.set(key, None::<&str>),
    }
}

fn pair_scalar(builder: MappingBuilder, key: &str, value: &Value) -> MappingBuilder {
    match value {
        Value::String(s) => builder.pair(key, s.as_str()),
        Value::Bool(b) => builder.pair(key, *b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => builder.pair(key, i),
            None => builder.pair(key, n.as_f64().unwrap_or_default()),
        },
        _ => builder.pair(key, None::<&str>),
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
