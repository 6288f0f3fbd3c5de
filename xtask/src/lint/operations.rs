//! Each operation: its operationId and `x-losant-action` (present, unique),
//! summary, responses, and typed, declared parameters.

use super::{finding, Finding};
use crate::model::{deref, operations_of};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check(document: &Value, findings: &mut Vec<Finding>) {
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

/// `resource.action`: two identifiers joined by a dot.
fn is_action(text: &str) -> bool {
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    matches!(text.split_once('.'), Some((r, a)) if ident(r) && ident(a))
}

/// Whether a schema says what type its values have.
fn is_typed(document: &Value, schema: &Value) -> bool {
    let schema = deref(document, schema);
    ["type", "oneOf", "anyOf", "allOf", "enum"]
        .iter()
        .any(|k| schema.get(k).is_some())
}
