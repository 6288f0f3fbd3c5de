//! The normalized, comparable form of an upstream document.
//!
//! Only what the drift report is about is kept: operations keyed by our
//! operationId (see [`crate::mapping`]), their parameters with type, enum and
//! required flag, request body and response types; every component schema
//! flattened into nodes (`device.connectionInfo.connected`) with type, enum
//! values and required lists. Descriptions, examples, titles and constraints
//! are left out, so rewording upstream is not drift.

use crate::mapping;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An upstream document as the drift report sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Where it was read from (URL or path).
    pub source: String,
    pub version: String,
    /// The document's `openapi` field (3.0.3, 3.1.0, …); empty in baselines
    /// recorded before it was kept.
    #[serde(default)]
    pub openapi: String,
    pub sha256: String,
    /// Keyed by our operationId.
    pub operations: BTreeMap<String, Operation>,
    /// Operations that could not be mapped, keyed by `METHOD path "summary"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unmapped: BTreeMap<String, Operation>,
    /// Component schema name → node path → node.
    pub schemas: BTreeMap<String, BTreeMap<String, Node>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub summary: String,
    /// Keyed `in:name`, e.g. `query:sortField`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Parameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Status → type of the (first) media type's schema, or `none`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
}

pub const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Normalizes a parsed upstream document. `ours` (our spec) is only used to
/// map operations whose summary is not in the mapping table.
pub fn normalize(document: &Value, source: &str, sha256: &str, ours: Option<&Value>) -> Snapshot {
    let version = document
        .pointer("/info/version")
        .map(scalar_text)
        .unwrap_or_default();
    let mut operations = BTreeMap::new();
    let mut unmapped = BTreeMap::new();
    for (path, method, value) in operations_of(document) {
        let summary = value
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let operation = Operation {
            method: method.to_string(),
            path: path.to_string(),
            summary: summary.clone(),
            parameters: parameters_of(document, value),
            body: body_of(document, value),
            responses: responses_of(document, value),
        };
        match mapping::operation_id(method, &summary, ours) {
            Some(id) if !operations.contains_key(&id) => {
                operations.insert(id, operation);
            }
            _ => {
                unmapped.insert(unmapped_key(method, path, &summary), operation);
            }
        }
    }
    let mut schemas = BTreeMap::new();
    if let Some(components) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in components {
            let mut nodes = BTreeMap::new();
            walk(schema, String::new(), &mut |path, schema| {
                nodes.insert(path.to_string(), node_of(schema));
            });
            schemas.insert(name.clone(), nodes);
        }
    }
    Snapshot {
        source: source.to_string(),
        version,
        openapi: document.get("openapi").map(scalar_text).unwrap_or_default(),
        sha256: sha256.to_string(),
        operations,
        unmapped,
        schemas,
    }
}

pub fn unmapped_key(method: &str, path: &str, summary: &str) -> String {
    format!("{} {path} {summary:?}", method.to_uppercase())
}

/// (path, method, operation) in document order.
pub fn operations_of(document: &Value) -> Vec<(&str, &'static str, &Value)> {
    let mut found = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in crate::codegen::load::HTTP_METHODS {
                if let Some(value) = item.get(method) {
                    found.push((path.as_str(), method, value));
                }
            }
        }
    }
    found
}

/// Resolves a local `$ref` chain (at most a few hops).
pub fn deref<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The parameters of an operation (path-item level parameters are not used by
/// either document), resolved.
pub fn parameter_values<'a>(document: &'a Value, operation: &'a Value) -> Vec<&'a Value> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| deref(document, p))
        .collect()
}

pub fn parameter_key(parameter: &Value) -> String {
    format!(
        "{}:{}",
        parameter.get("in").and_then(Value::as_str).unwrap_or("?"),
        parameter.get("name").and_then(Value::as_str).unwrap_or("?")
    )
}

fn parameters_of(document: &Value, operation: &Value) -> BTreeMap<String, Parameter> {
    parameter_values(document, operation)
        .into_iter()
        .map(|parameter| {
            let (ty, enum_values) = match parameter.get("schema") {
                Some(schema) => (type_of(schema), enum_of(schema)),
                None => match parameter
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.iter().next())
                {
                    Some((media, content)) => (
                        format!(
                            "content:{media}:{}",
                            content.get("schema").map(type_of).unwrap_or_default()
                        ),
                        Vec::new(),
                    ),
                    None => ("none".into(), Vec::new()),
                },
            };
            (
                parameter_key(parameter),
                Parameter {
                    ty,
                    required: parameter.get("required").and_then(Value::as_bool) == Some(true),
                    enum_values,
                },
            )
        })
        .collect()
}

fn first_schema_type(content: Option<&Value>) -> String {
    content
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|media| media.get("schema"))
        .map(type_of)
        .unwrap_or_else(|| "none".into())
}

fn body_of(document: &Value, operation: &Value) -> Option<String> {
    let body = deref(document, operation.get("requestBody")?);
    let mut text = first_schema_type(body.get("content"));
    if body.get("required").and_then(Value::as_bool) == Some(true) {
        text.push_str(" (required)");
    }
    Some(text)
}

fn responses_of(document: &Value, operation: &Value) -> BTreeMap<String, String> {
    operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, response)| {
            let response = deref(document, response);
            (status.clone(), first_schema_type(response.get("content")))
        })
        .collect()
}

/// Visits `schema` and every inline sub-schema with its node path: property
/// names joined by `.`, `[]` for array items, `{*}` for additionalProperties,
/// `{pattern}` for patternProperties, `<oneOf N>` for composition members.
/// References are not followed: a `$ref` is a leaf.
pub fn walk(schema: &Value, path: String, visit: &mut dyn FnMut(&str, &Value)) {
    visit(&path, schema);
    let Some(map) = schema.as_object() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            walk(child, join(&path, name), visit);
        }
    }
    if let Some(items) = map.get("items").filter(|i| i.is_object()) {
        walk(items, format!("{path}[]"), visit);
    }
    if let Some(extra) = map.get("additionalProperties").filter(|i| i.is_object()) {
        walk(extra, format!("{path}{{*}}"), visit);
    }
    if let Some(patterns) = map.get("patternProperties").and_then(Value::as_object) {
        for (pattern, child) in patterns {
            walk(child, format!("{path}{{{pattern}}}"), visit);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(members) = map.get(key).and_then(Value::as_array) {
            for (index, member) in members.iter().enumerate() {
                walk(member, format!("{path}<{key} {index}>"), visit);
            }
        }
    }
}

pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Splits a node path into segments: names, `[]`, `{*}`, `{pattern}`,
/// `<oneOf N>`.
pub fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            '[' | '{' | '<' => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                let close = match c {
                    '[' => ']',
                    '{' => '}',
                    _ => '>',
                };
                let mut token = c.to_string();
                let mut depth = 1;
                for next in chars.by_ref() {
                    token.push(next);
                    if next == c {
                        depth += 1;
                    } else if next == close {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                }
                out.push(token);
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `schema` + node path for display: `device.connectionInfo`.
pub fn display_node(schema: &str, path: &str) -> String {
    if path.is_empty() {
        schema.to_string()
    } else if path.starts_with(['[', '{', '<']) {
        format!("{schema}{path}")
    } else {
        format!("{schema}.{path}")
    }
}

fn node_of(schema: &Value) -> Node {
    let mut required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(scalar_text)
        .collect();
    required.sort();
    Node {
        ty: type_of(schema),
        enum_values: enum_of(schema),
        required,
    }
}

fn enum_of(schema: &Value) -> Vec<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(scalar_text)
        .collect()
}

/// A value as plain text: strings unquoted, everything else as JSON. Enum
/// values are compared this way, so `'86400000'` and `86400000` are equal
/// (the aggregator quotes numbers).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short type descriptor: `string`, `integer(int64)`, `ref:device`,
/// `number|string|boolean`, `oneOf`, `object`, `any`; `?` when nullable.
pub fn type_of(schema: &Value) -> String {
    let Some(map) = schema.as_object() else {
        return "any".into();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return match reference.strip_prefix(SCHEMA_PREFIX) {
            Some(name) => format!("ref:{name}"),
            None => format!("ref:{reference}"),
        };
    }
    let mut text = match map.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types.iter().map(scalar_text).collect::<Vec<_>>().join("|"),
        _ => {
            if map.contains_key("oneOf") {
                "oneOf".into()
            } else if map.contains_key("anyOf") {
                "anyOf".into()
            } else if map.contains_key("allOf") {
                "allOf".into()
            } else if map.contains_key("enum") {
                "enum".into()
            } else if map.contains_key("properties") {
                "object".into()
            } else {
                "any".into()
            }
        }
    };
    if let Some(format) = map.get("format").and_then(Value::as_str) {
        text = format!("{text}({format})");
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        text.push('?');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn segments_round_trip() {
        assert_eq!(
            segments("items[].compositeState{^[a-z]{1,3}$}.value<oneOf 1>"),
            vec![
                "items",
                "[]",
                "compositeState",
                "{^[a-z]{1,3}$}",
                "value",
                "<oneOf 1>"
            ]
        );
        assert_eq!(segments(""), Vec::<String>::new());
    }

    #[test]
    fn types_are_short() {
        assert_eq!(
            type_of(&json!({"$ref": "#/components/schemas/common/objectId"})),
            "ref:common/objectId"
        );
        assert_eq!(
            type_of(&json!({"type": ["number", "string"]})),
            "number|string"
        );
        assert_eq!(
            type_of(&json!({"type": "integer", "format": "int64", "nullable": true})),
            "integer(int64)?"
        );
        assert_eq!(type_of(&json!({})), "any");
    }
}
