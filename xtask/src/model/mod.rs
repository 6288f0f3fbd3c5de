//! The normalized, comparable form of an upstream document.
//!
//! Only what the drift report is about is kept: operations keyed by our
//! operationId (see [`crate::mapping`]), their parameters with type, enum and
//! required flag, request body and response types; every component schema
//! flattened into nodes (`device.connectionInfo.connected`) with type, enum
//! values and required lists. Descriptions, examples, titles and constraints
//! are left out, so rewording upstream is not drift.
//!
//! [`document`] reads an OpenAPI document (operations, parameters, `$ref`s,
//! short type descriptors) and [`paths`] names the nodes inside a schema.

mod document;
mod paths;

pub use document::{deref, operations_of, parameter_key, parameter_values, scalar_text, type_of};
pub use paths::{display_node, join, segments, walk};

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
