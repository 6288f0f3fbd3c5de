//! Reading the YAML spec and rejecting documents progenitor would choke on,
//! with messages that name the operation or schema at fault.

use super::{fail, CodegenError, Result};
use serde_json::{Map, Number, Value};
use std::collections::BTreeSet;
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Parses the YAML file at `path` into a JSON value.
pub fn read(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CodegenError(format!("cannot read {}: {e}", path.display())))?;
    parse(&text).map_err(|e| CodegenError(format!("{}: {e}", path.display())))
}

/// Parses YAML text (one document, YAML 1.2 core schema) into a JSON value.
pub fn parse(text: &str) -> Result<Value> {
    let invalid = |reason: String| CodegenError(format!("invalid YAML: {reason}"));
    let mut documents = YamlLoader::load_from_str(text).map_err(|e| invalid(e.to_string()))?;
    if documents.len() != 1 {
        let found = documents.len();
        return Err(invalid(format!("expected one document, found {found}")));
    }
    to_json(documents.remove(0)).map_err(invalid)
}

// yaml-rust2 rather than a serde-based reader: it builds in about a quarter
// of the time, and this runs in every user's build.
fn to_json(node: Yaml) -> std::result::Result<Value, String> {
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(flag) => Value::Bool(flag),
        Yaml::Integer(number) => Value::from(number),
        Yaml::Real(ref text) => node
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{text} is not a finite number"))?,
        Yaml::String(text) => Value::String(text),
        Yaml::Array(items) => Value::Array(
            items
                .into_iter()
                .map(to_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Yaml::Hash(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                // JSON keys are text: `200:` is the response code "200".
                let key = match key {
                    Yaml::String(text) | Yaml::Real(text) => text,
                    Yaml::Integer(number) => number.to_string(),
                    Yaml::Boolean(flag) => flag.to_string(),
                    other => return Err(format!("mapping key {other:?} is not a scalar")),
                };
                // `200:` and `"200":` are two YAML keys but one JSON key.
                if map.contains_key(&key) {
                    return Err(format!("mapping key {key} appears twice"));
                }
                map.insert(key, to_json(value)?);
            }
            Value::Object(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("an alias to an unknown anchor".into()),
    })
}

/// An operation of the document, with where it lives.
pub struct Operation<'a> {
    pub path: &'a str,
    pub method: &'a str,
    pub value: &'a Value,
}

impl Operation<'_> {
    pub fn id(&self) -> &str {
        self.value
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The operation's parameters, `$ref`s followed, in document order.
    pub fn parameters<'d>(&'d self, document: &'d Value) -> impl Iterator<Item = &'d Value> + 'd {
        self.value
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(move |parameter| deref(document, parameter).unwrap_or(parameter))
    }

    pub fn label(&self) -> String {
        format!(
            "{} {} ({})",
            self.method.to_uppercase(),
            self.path,
            self.id()
        )
    }
}

/// Every operation in document order.
pub fn operations(document: &Value) -> Vec<Operation<'_>> {
    let mut found = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in HTTP_METHODS {
                if let Some(value) = item.get(method) {
                    found.push(Operation {
                        path,
                        method,
                        value,
                    });
                }
            }
        }
    }
    found
}

/// Follows a local `$ref` such as `#/components/schemas/device`.
pub fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    document.pointer(pointer)
}

/// Resolves `value` if it is a `$ref`, otherwise returns it as is.
pub fn deref<'a>(document: &'a Value, value: &'a Value) -> Option<&'a Value> {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(document, reference),
        None => Some(value),
    }
}

/// Rejects what progenitor cannot generate from, naming the culprit.
pub fn check(document: &Value) -> Result<()> {
    match document.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.0.") => {}
        other => return fail(format!("spec must be OpenAPI 3.0.x, found {other:?}")),
    }

    let mut ids = BTreeSet::new();
    for operation in operations(document) {
        let id = operation.id();
        if id.is_empty() {
            return fail(format!("{} has no operationId", operation.label()));
        }
        if !ids.insert(id.to_string()) {
            return fail(format!("operationId {id} is used twice"));
        }
        if operation
            .value
            .get("summary")
            .and_then(Value::as_str)
            .is_none()
        {
            return fail(format!("{} has no summary", operation.label()));
        }
        if let Some(body) = operation.value.get("requestBody") {
            let body = deref(document, body).unwrap_or(body);
            let kinds = body
                .get("content")
                .and_then(Value::as_object)
                .map_or(0, |c| c.len());
            if kinds != 1 {
                return fail(format!(
                    "{}: request body must have exactly one media type, found {kinds}",
                    operation.label()
                ));
            }
        }
        for parameter in operation.parameters(document) {
            if parameter.get("schema").is_none() && parameter.get("content").is_none() {
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
                return fail(format!(
                    "{}: parameter {name} has neither schema nor content",
                    operation.label()
                ));
            }
        }
    }

    check_node(document, document, "#")
}

/// Walks the whole document for dangling refs and OpenAPI 3.1 constructs.
fn check_node(document: &Value, node: &Value, location: &str) -> Result<()> {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                if resolve(document, reference).is_none() {
                    return fail(format!("{location}: $ref {reference} does not resolve"));
                }
            }
            match map.get("type") {
                Some(Value::Array(_)) => {
                    return fail(format!(
                        "{location}: a list of types is OpenAPI 3.1; use oneOf"
                    ))
                }
                Some(Value::String(t)) if t == "null" => {
                    return fail(format!(
                        "{location}: type null is OpenAPI 3.1; use nullable: true"
                    ))
                }
                _ => {}
            }
            if map.contains_key("patternProperties") {
                return fail(format!(
                    "{location}: patternProperties is OpenAPI 3.1; use additionalProperties"
                ));
            }
            for (key, child) in map {
                check_node(document, child, &format!("{location}/{key}"))?;
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                check_node(document, child, &format!("{location}/{index}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}
