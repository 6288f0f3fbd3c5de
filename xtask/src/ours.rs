//! Finding an upstream thing in our spec, and comparing types tolerantly.

use crate::model::{deref, parameter_key, parameter_values, segments, SCHEMA_PREFIX};
use serde_json::Value;
use std::collections::BTreeSet;

/// Escapes one JSON pointer token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Follows `$ref`s and single-member `allOf` wrappers (our nullable-ref
/// pattern) from `pointer`; returns the pointer of the schema that holds the
/// content.
pub fn resolve_pointer(document: &Value, pointer: &str) -> Option<String> {
    let mut pointer = pointer.to_string();
    for _ in 0..8 {
        let node = document.pointer(&pointer)?;
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let target = reference.strip_prefix('#')?;
            document.pointer(target)?;
            pointer = target.to_string();
            continue;
        }
        match node.get("allOf").and_then(Value::as_array) {
            Some(members) if members.len() == 1 && node.get("properties").is_none() => {
                pointer = format!("{pointer}/allOf/0");
            }
            _ => return Some(pointer),
        }
    }
    Some(pointer)
}

/// The pointer (after following references) of the node at `path` inside our
/// component schema `schema`, if our spec has it. Where our spec factors a
/// node out into a `$ref` or a oneOf member, the lookup follows it.
pub fn schema_node(document: &Value, schema: &str, path: &str) -> Option<String> {
    let mut pointer = format!("/components/schemas/{}", escape(schema));
    document.pointer(&pointer)?;
    for segment in segments(path) {
        let here = resolve_pointer(document, &pointer)?;
        pointer = step(document, &here, &segment)?;
    }
    resolve_pointer(document, &pointer)
}

fn step(document: &Value, pointer: &str, segment: &str) -> Option<String> {
    if let Some(inner) = segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
        let (key, index) = inner.split_once(' ')?;
        let candidate = format!("{pointer}/{key}/{index}");
        return document.pointer(&candidate).map(|_| candidate);
    }
    let mut candidates = vec![pointer.to_string()];
    let node = document.pointer(pointer)?;
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(members) = node.get(key).and_then(Value::as_array) {
            for index in 0..members.len() {
                if let Some(member) = resolve_pointer(document, &format!("{pointer}/{key}/{index}"))
                {
                    candidates.push(member);
                }
            }
        }
    }
    candidates.into_iter().find_map(|candidate| {
        let target = if segment == "[]" {
            format!("{candidate}/items")
        } else if segment.starts_with('{') {
            format!("{candidate}/additionalProperties")
        } else {
            format!("{candidate}/properties/{}", escape(segment))
        };
        document
            .pointer(&target)
            .filter(|v| v.is_object())
            .map(|_| target)
    })
}

/// Pointer of our operation `id`.
pub fn operation(document: &Value, id: &str) -> Option<String> {
    crate::model::operations_of(document)
        .into_iter()
        .find(|(_, _, value)| value.get("operationId").and_then(Value::as_str) == Some(id))
        .map(|(path, method, _)| format!("/paths/{}/{method}", escape(path)))
}

/// Pointer of the parameter `key` (`in:name`) of the operation at
/// `operation`: the component it references, or the inline one.
pub fn parameter(document: &Value, operation: &str, key: &str) -> Option<String> {
    let list = document
        .pointer(&format!("{operation}/parameters"))?
        .as_array()?;
    list.iter().enumerate().find_map(|(index, raw)| {
        let resolved = deref(document, raw);
        if parameter_key(resolved) != key {
            return None;
        }
        match raw
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(target) => Some(target.to_string()),
            None => Some(format!("{operation}/parameters/{index}")),
        }
    })
}

/// The schema of a parameter (inline `schema`, or the `content` schema).
pub fn parameter_schema(document: &Value, parameter: &str) -> Option<String> {
    let value = document.pointer(parameter)?;
    if value.get("schema").is_some() {
        return resolve_pointer(document, &format!("{parameter}/schema"));
    }
    let content = value.get("content")?.as_object()?;
    let media = content.keys().next()?;
    resolve_pointer(
        document,
        &format!("{parameter}/content/{}/schema", escape(media)),
    )
}

/// Whether our spec's `node` admits what the upstream describes as `up` (a
/// [`crate::model::type_of`] descriptor). Tolerant of the aggregator's known
/// lossiness: dangling `common/…` refs and `{}` match anything, `number`
/// matches our `integer`, a type list matches our oneOf, and (`parameter`)
/// `string` matches any query parameter type, as the aggregator writes every
/// query parameter as a string.
pub fn compatible(document: &Value, up: &str, node: &Value, parameter: bool) -> bool {
    let up = up.trim_end_matches('?');
    let base = up.split('(').next().unwrap_or(up);
    if base == "any" || base.starts_with("ref:common/") || base.starts_with("ref:#") {
        return true;
    }
    let mut kinds = BTreeSet::new();
    kinds_of(document, node, &mut kinds, 0);
    if kinds.contains("any") {
        return true;
    }
    if let Some(name) = base.strip_prefix("ref:") {
        return kinds.contains(&format!("ref:{name}"));
    }
    base.split('|').all(|t| match t {
        "string" if parameter => true,
        "number" | "integer" => kinds.contains("number") || kinds.contains("integer"),
        "null" => kinds.contains("null"),
        "oneOf" | "anyOf" | "allOf" | "enum" => true,
        other => kinds.contains(other),
    })
}

fn kinds_of(document: &Value, node: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 12 {
        return;
    }
    let Some(map) = node.as_object() else {
        out.insert("any".into());
        return;
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        if let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) {
            out.insert(format!("ref:{name}"));
        }
        let target = deref(document, node);
        if target != node {
            kinds_of(document, target, out, depth + 1);
        }
        return;
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        out.insert("null".into());
    }
    let mut typed = false;
    match map.get("type") {
        Some(Value::String(t)) => {
            out.insert(t.clone());
            typed = true;
        }
        Some(Value::Array(types)) => {
            for t in types.iter().filter_map(Value::as_str) {
                out.insert(t.to_string());
            }
            typed = true;
        }
        _ => {}
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(members) = map.get(key).and_then(Value::as_array) {
            typed = true;
            for member in members {
                kinds_of(document, member, out, depth + 1);
            }
        }
    }
    if let Some(content) = map.get("content").and_then(Value::as_object) {
        typed = true;
        for media in content.values() {
            if let Some(schema) = media.get("schema") {
                kinds_of(document, schema, out, depth + 1);
            }
        }
    }
    if let Some(schema) = map.get("schema") {
        typed = true;
        kinds_of(document, schema, out, depth + 1);
    }
    if !typed {
        if map.contains_key("properties") {
            out.insert("object".into());
        } else {
            out.insert("any".into());
        }
    }
}

/// Our operations in document order (id list).
pub fn operation_ids(document: &Value) -> Vec<String> {
    crate::model::operations_of(document)
        .into_iter()
        .filter_map(|(_, _, value)| value.get("operationId").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Our value of a parameter (resolved), by operation and key.
pub fn parameter_value<'a>(
    document: &'a Value,
    operation: &'a Value,
    key: &str,
) -> Option<&'a Value> {
    parameter_values(document, operation)
        .into_iter()
        .find(|p| parameter_key(p) == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "components": {"schemas": {
                "deviceId": {"type": "string"},
                "connectionInfo": {"type": "object", "properties": {
                    "connected": {"type": "integer", "enum": [0, 1], "nullable": true}
                }},
                "device": {"type": "object", "properties": {
                    "connectionInfo": {"$ref": "#/components/schemas/connectionInfo"},
                    "parentId": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/deviceId"}]},
                    "tags": {"oneOf": [
                        {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}}}},
                        {"type": "object", "additionalProperties": {"type": "string"}}
                    ]}
                }}
            }}
        })
    }

    #[test]
    fn follows_refs_and_members() {
        let d = doc();
        assert_eq!(
            schema_node(&d, "device", "connectionInfo.connected").as_deref(),
            Some("/components/schemas/connectionInfo/properties/connected")
        );
        assert_eq!(
            schema_node(&d, "device", "parentId").as_deref(),
            Some("/components/schemas/deviceId")
        );
        assert_eq!(
            schema_node(&d, "device", "tags[].key").as_deref(),
            Some("/components/schemas/device/properties/tags/oneOf/0/items/properties/key")
        );
        assert_eq!(schema_node(&d, "device", "nothing"), None);
    }

    #[test]
    fn tolerant_types() {
        let d = doc();
        let integer = json!({"type": "integer"});
        assert!(compatible(&d, "number", &integer, false));
        assert!(!compatible(&d, "string", &integer, false));
        assert!(compatible(&d, "string", &integer, true));
        assert!(compatible(&d, "ref:common/objectId", &integer, false));
        let parent = d
            .pointer("/components/schemas/device/properties/parentId")
            .unwrap();
        assert!(compatible(&d, "ref:deviceId", parent, false));
        assert!(compatible(&d, "string", parent, false));
    }
}
