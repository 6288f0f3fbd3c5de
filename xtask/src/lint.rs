//! `cargo xtask spec lint`: checks our spec for what progenitor needs and
//! for our own conventions, reporting every finding (not just the first).

use crate::model::{deref, operations_of};
use crate::ours::escape;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub location: String,
    pub message: String,
}

fn finding(location: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        location: location.into(),
        message: message.into(),
    }
}

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

pub fn lint(document: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    match document.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        other => findings.push(finding(
            "#/openapi",
            format!("must be OpenAPI 3.0.x, found {other:?}"),
        )),
    }
    for key in ["webhooks", "jsonSchemaDialect"] {
        if document.get(key).is_some() {
            findings.push(finding(format!("#/{key}"), "OpenAPI 3.1 field"));
        }
    }
    if document.pointer("/info/summary").is_some() {
        findings.push(finding("#/info/summary", "OpenAPI 3.1 field"));
    }
    if document.pointer("/info/license/identifier").is_some() {
        findings.push(finding("#/info/license/identifier", "OpenAPI 3.1 field"));
    }
    if document.pointer("/components/pathItems").is_some() {
        findings.push(finding("#/components/pathItems", "OpenAPI 3.1 field"));
    }

    operations(document, &mut findings);
    dangling_refs(document, document, "#", &mut findings);
    for (location, schema) in schema_roots(document) {
        openapi31(schema, &location, &mut findings);
    }
    strict_responses(document, &mut findings);

    findings.sort();
    findings.dedup();
    findings
}

fn operations(document: &Value, findings: &mut Vec<Finding>) {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut actions: BTreeMap<String, String> = BTreeMap::new();
    for (path, method, operation) in operations_of(document) {
        let location = format!("{} {path}", method.to_uppercase());
        match operation.get("operationId").and_then(Value::as_str) {
            None | Some("") => findings.push(finding(&location, "has no operationId")),
            Some(id) => {
                if let Some(first) = ids.insert(id.to_string(), location.clone()) {
                    findings.push(finding(
                        &location,
                        format!("operationId {id} is also used by {first}"),
                    ));
                }
            }
        }
        match operation.get("x-losant-action").and_then(Value::as_str) {
            Some(action) if is_action(action) => {
                if let Some(first) = actions.insert(action.to_string(), location.clone()) {
                    findings.push(finding(
                        &location,
                        format!("x-losant-action {action} is also used by {first}"),
                    ));
                }
            }
            Some(other) => findings.push(finding(
                &location,
                format!("x-losant-action {other:?} is not Losant's resource.action"),
            )),
            None => findings.push(finding(
                &location,
                "has no x-losant-action (Losant's resource.action, such as devices.get)",
            )),
        }
        let label = match operation.get("operationId").and_then(Value::as_str) {
            Some(id) => format!("{location} ({id})"),
            None => location.clone(),
        };
        if operation
            .get("summary")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            findings.push(finding(&label, "has no summary"));
        }
        let responses = operation.get("responses").and_then(Value::as_object);
        match responses {
            None => findings.push(finding(&label, "has no responses")),
            Some(responses) => {
                if !responses.keys().any(|s| s.starts_with('2')) {
                    findings.push(finding(&label, "has no 2xx response"));
                }
                if !responses.keys().any(|s| s.starts_with('4')) {
                    findings.push(finding(&label, "lists no 4xx error response"));
                }
            }
        }
        let mut declared = BTreeSet::new();
        for (index, raw) in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let parameter = deref(document, raw);
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
            let place = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
            let where_ = format!("{label} parameter {name} ({place})");
            if parameter.get("name").is_none() || parameter.get("in").is_none() {
                findings.push(finding(
                    format!("{label} parameter #{index}"),
                    "needs name and in",
                ));
            }
            if place == "path" {
                declared.insert(name.to_string());
                if parameter.get("required") != Some(&Value::Bool(true)) {
                    findings.push(finding(&where_, "path parameters must be required: true"));
                }
            }
            let schema = parameter.get("schema").or_else(|| {
                parameter
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().next())
                    .and_then(|m| m.get("schema"))
            });
            match schema {
                None => findings.push(finding(&where_, "has no schema (untyped)")),
                Some(schema) if !is_typed(document, schema) => {
                    findings.push(finding(&where_, "schema has no type (untyped)"))
                }
                Some(_) => {}
            }
        }
        for segment in path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                if !declared.contains(name) {
                    findings.push(finding(
                        &label,
                        format!("path parameter {{{name}}} is not declared"),
                    ));
                }
            }
        }
    }
}

/// Whether a schema says what type its values have.
/// `resource.action`: two identifiers joined by a dot.
fn is_action(text: &str) -> bool {
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    matches!(text.split_once('.'), Some((r, a)) if ident(r) && ident(a))
}

fn is_typed(document: &Value, schema: &Value) -> bool {
    let schema = deref(document, schema);
    ["type", "oneOf", "anyOf", "allOf", "enum"]
        .iter()
        .any(|k| schema.get(k).is_some())
}

fn dangling_refs(document: &Value, node: &Value, location: &str, findings: &mut Vec<Finding>) {
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
fn schema_roots(document: &Value) -> Vec<(String, &Value)> {
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
fn openapi31(schema: &Value, location: &str, findings: &mut Vec<Finding>) {
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
fn strict_responses(document: &Value, findings: &mut Vec<Finding>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schema: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things/{id}": {"get": {
                "operationId": "getThing",
                "x-losant-action": "thing.get",
                "summary": "Get a thing",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}},
                    "404": {"description": "no"}
                }
            }}},
            "components": {"schemas": {"thing": schema}}
        })
    }

    #[test]
    fn clean_spec_has_no_findings() {
        assert_eq!(lint(&spec(json!({"type": "object"}))), vec![]);
    }

    #[test]
    fn finds_strict_responses_31_and_dangling_refs() {
        let findings = lint(&spec(json!({
            "type": "object",
            "properties": {
                "inner": {"type": "object", "additionalProperties": false},
                "value": {"type": ["number", "string"]},
                "other": {"$ref": "#/components/schemas/common/objectId"}
            }
        })));
        let messages: Vec<String> = findings
            .iter()
            .map(|f| format!("{}: {}", f.location, f.message))
            .collect();
        assert_eq!(findings.len(), 3, "{messages:#?}");
        assert!(messages
            .iter()
            .any(|m| m.contains("additionalProperties: false")));
        assert!(messages.iter().any(|m| m.contains("list of types")));
        assert!(messages.iter().any(|m| m.contains("does not resolve")));
    }

    #[test]
    fn finds_operation_problems() {
        let mut document = spec(json!({"type": "object"}));
        let get = document.pointer_mut("/paths/~1things~1{id}/get").unwrap();
        get.as_object_mut().unwrap().remove("summary");
        get["responses"].as_object_mut().unwrap().remove("404");
        get["parameters"][0]["schema"] = json!({"description": "no type"});
        let findings = lint(&document);
        assert_eq!(findings.len(), 3, "{findings:#?}");
    }

    #[test]
    fn every_operation_names_one_losant_action() {
        let mut document = spec(json!({"type": "object"}));
        let get = document.pointer_mut("/paths/~1things~1{id}/get").unwrap();
        get["x-losant-action"] = json!("get things");
        let second = get.clone();
        document["paths"]["/things"] = json!({"get": second});
        document["paths"]["/things"]["get"]["operationId"] = json!("listThings");
        let findings = lint(&document);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.contains(&"x-losant-action \"get things\" is not Losant's resource.action"),
            "{messages:?}"
        );
        document["paths"]["/things"]["get"]["x-losant-action"] = json!("thing.get");
        document["paths"]["/things/{id}"]["get"]["x-losant-action"] = json!("thing.get");
        let findings = lint(&document);
        assert!(
            findings.iter().any(|f| f
                .message
                .starts_with("x-losant-action thing.get is also used by")),
            "{findings:?}"
        );
        document["paths"]["/things"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("x-losant-action");
        let findings = lint(&document);
        assert!(
            findings
                .iter()
                .any(|f| f.location == "GET /things"
                    && f.message.starts_with("has no x-losant-action")),
            "{findings:?}"
        );
    }
}
