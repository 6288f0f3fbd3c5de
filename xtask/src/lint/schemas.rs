//! The document's references and schemas: no dangling `$ref`, no OpenAPI 3.1
//! construct, and no strict schema reachable from a 2xx response.

use super::{finding, Finding};
use crate::model::{deref, operations_of};
use crate::ours::escape;
use serde_json::Value;
use std::collections::BTreeSet;

/// Schema keywords that only exist in OpenAPI 3.1 / JSON Schema 2019+.
const KEYWORDS_31: &[&str] = &[
    "const",
    "patternProperties",
    "prefixItems",
    "$defs",
    "$schema",
    "$id",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "if",
    "then",
    "else",
    "contentMediaType",
    "contentEncoding",
    "examples",
    "$anchor",
    "$dynamicRef",
];

pub(super) fn dangling_refs(
    document: &Value,
    node: &Value,
    location: &str,
    findings: &mut Vec<Finding>,
) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                let resolves = reference
                    .strip_prefix('#')
                    .is_some_and(|pointer| document.pointer(pointer).is_some());
                if !resolves {
                    findings.push(finding(
                        location,
                        format!("$ref {reference} does not resolve"),
                    ));
                }
            }
            for (key, child) in map {
                dangling_refs(
                    document,
                    child,
                    &format!("{location}/{}", escape(key)),
                    findings,
                );
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                dangling_refs(document, child, &format!("{location}/{index}"), findings);
            }
        }
        _ => {}
    }
}

/// Every place a schema starts: components, parameters, bodies, responses.
pub(super) fn schema_roots(document: &Value) -> Vec<(String, &Value)> {
    let mut roots = Vec::new();
    if let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            roots.push((format!("#/components/schemas/{}", escape(name)), schema));
        }
    }
    collect_schema_keys(document, "#", &mut roots);
    roots
}

/// Finds `schema` members of parameters and media types anywhere outside
/// `components/schemas`.
fn collect_schema_keys<'a>(node: &'a Value, location: &str, roots: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{location}/{}", escape(key));
                if here == "#/components/schemas" {
                    continue;
                }
                if key == "schema" && child.is_object() {
                    roots.push((here, child));
                } else {
                    collect_schema_keys(child, &here, roots);
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_schema_keys(child, &format!("{location}/{index}"), roots);
            }
        }
        _ => {}
    }
}

/// OpenAPI 3.1 constructs inside a schema and its sub-schemas.
pub(super) fn openapi31(schema: &Value, location: &str, findings: &mut Vec<Finding>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    match map.get("type") {
        Some(Value::Array(_)) => findings.push(finding(
            location,
            "a list of types is OpenAPI 3.1; use oneOf (or nullable: true)",
        )),
        Some(Value::String(t)) if t == "null" => findings.push(finding(
            location,
            "type null is OpenAPI 3.1; use nullable: true",
        )),
        _ => {}
    }
    for keyword in KEYWORDS_31 {
        if map.contains_key(*keyword) {
            findings.push(finding(location, format!("{keyword} is OpenAPI 3.1")));
        }
    }
    for key in ["exclusiveMinimum", "exclusiveMaximum"] {
        if map.get(key).is_some_and(Value::is_number) {
            findings.push(finding(
                location,
                format!(
                    "a numeric {key} is OpenAPI 3.1; 3.0 uses a boolean beside minimum/maximum"
                ),
            ));
        }
    }
    for (key, child) in map {
        let here = format!("{location}/{}", escape(key));
        match key.as_str() {
            "properties" | "patternProperties" => {
                for (name, property) in child.as_object().into_iter().flatten() {
                    openapi31(property, &format!("{here}/{}", escape(name)), findings);
                }
            }
            "items" | "additionalProperties" | "not" => openapi31(child, &here, findings),
            "allOf" | "oneOf" | "anyOf" => {
                for (index, member) in child.as_array().into_iter().flatten().enumerate() {
                    openapi31(member, &format!("{here}/{index}"), findings);
                }
            }
            _ => {}
        }
    }
}

/// Our convention: nothing reachable from a 2xx response schema has
/// `additionalProperties: false`, so that a field Losant adds tomorrow does
/// not break decoding today.
pub(super) fn strict_responses(document: &Value, findings: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for (path, method, operation) in operations_of(document) {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("?");
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if !status.starts_with('2') {
                continue;
            }
            let response = deref(document, response);
            for (media, content) in response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(schema) = content.get("schema") {
                    let start = format!(
                        "#/paths/{}/{method}/responses/{status}/content/{}/schema",
                        escape(path),
                        escape(media)
                    );
                    strict_walk(document, schema, &start, id, &mut seen, findings);
                }
            }
        }
    }
}

fn strict_walk(
    document: &Value,
    schema: &Value,
    location: &str,
    operation: &str,
    seen: &mut BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        if !seen.insert(reference.to_string()) {
            return;
        }
        if let Some(target) = reference
            .strip_prefix('#')
            .and_then(|p| document.pointer(p))
        {
            strict_walk(document, target, reference, operation, seen, findings);
        }
        return;
    }
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        findings.push(finding(
            location,
            format!(
                "additionalProperties: false on a response schema (reached from {operation}); responses must tolerate new fields"
            ),
        ));
    }
    for (key, child) in map {
        let here = format!("{location}/{}", escape(key));
        match key.as_str() {
            "properties" | "patternProperties" => {
                for (name, property) in child.as_object().into_iter().flatten() {
                    strict_walk(
                        document,
                        property,
                        &format!("{here}/{}", escape(name)),
                        operation,
                        seen,
                        findings,
                    );
                }
            }
            "items" | "additionalProperties" | "not" => {
                strict_walk(document, child, &here, operation, seen, findings)
            }
            "allOf" | "oneOf" | "anyOf" => {
                for (index, member) in child.as_array().into_iter().flatten().enumerate() {
                    strict_walk(
                        document,
                        member,
                        &format!("{here}/{index}"),
                        operation,
                        seen,
                        findings,
                    );
                }
            }
            _ => {}
        }
    }
}
