//! Losant's definition as operations and definition shapes, and its facts.

use crate::official::facts::{emit_node, put, Facts, Key, Place, Subject};
use crate::official::shape::{self, scalar_text, Resolve, Shape};
use crate::official::source::Read;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub struct Official {
    /// Keyed by `resource.action`.
    pub operations: BTreeMap<String, Operation>,
    pub definitions: BTreeMap<String, Shape>,
    /// The `$schema` of every definition (the JSON Schema dialect).
    pub dialects: BTreeSet<String>,
    pub sha256: String,
}

pub struct Operation {
    pub method: String,
    pub path: String,
    /// Keyed `in.name`.
    pub parameters: BTreeMap<String, Parameter>,
    pub responses: BTreeMap<String, Response>,
}

pub struct Parameter {
    pub location: String,
    pub name: String,
    pub ty: Option<String>,
    /// The definition its `schema` refers to.
    pub schema: Option<String>,
    pub required: bool,
    pub default: Option<Value>,
    pub enum_values: Option<BTreeSet<String>>,
}

pub enum Response {
    None,
    Schema(String),
    /// Server-sent events: event name → definition.
    Events(BTreeMap<String, String>),
}

struct Definitions;

impl Resolve for Definitions {
    fn leaf(&self, reference: &str) -> Option<String> {
        reference.strip_prefix("#/definitions/").map(str::to_string)
    }
    fn expand(&self, _: &str) -> Option<(&Value, String)> {
        None
    }
}

fn reference_name(value: Option<&Value>) -> Option<String> {
    value?
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/definitions/")
        .map(str::to_string)
}

pub fn build(read: &Read) -> Result<Official, String> {
    let mut operations = BTreeMap::new();
    for (resource_name, resource) in &read.resources {
        let base = resource.get("path").and_then(Value::as_str).unwrap_or("");
        let shared: Vec<&Value> = resource
            .get("params")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let actions = resource.get("actions").and_then(Value::as_object);
        for (action_name, action) in actions.into_iter().flatten() {
            let name = format!("{resource_name}.{action_name}");
            let method = action
                .get("method")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{name} has no method"))?
                .to_uppercase();
            let suffix = action.get("path").and_then(Value::as_str).unwrap_or("");
            let mut parameters = BTreeMap::new();
            let own = action.get("params").and_then(Value::as_array);
            for raw in shared.iter().copied().chain(own.into_iter().flatten()) {
                let parameter = parameter(raw).map_err(|e| format!("{name}: {e}"))?;
                parameters.insert(
                    format!("{}.{}", parameter.location, parameter.name),
                    parameter,
                );
            }
            let mut responses = BTreeMap::new();
            for (status, answer) in action
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response = if let Some(events) =
                    answer.get("sseEvents").and_then(Value::as_object)
                {
                    Response::Events(
                        events
                            .iter()
                            .map(|(event, e)| {
                                (
                                    event.clone(),
                                    reference_name(e.get("schema")).unwrap_or_else(|| "any".into()),
                                )
                            })
                            .collect(),
                    )
                } else {
                    match reference_name(answer.get("schema")) {
                        Some(schema) => Response::Schema(schema),
                        None => Response::None,
                    }
                };
                responses.insert(status.clone(), response);
            }
            operations.insert(
                name,
                Operation {
                    method,
                    path: format!("{base}{suffix}"),
                    parameters,
                    responses,
                },
            );
        }
    }
    let mut definitions = BTreeMap::new();
    let mut dialects = BTreeSet::new();
    for (name, schema) in &read.definitions {
        if let Some(dialect) = schema.get("$schema").and_then(Value::as_str) {
            dialects.insert(dialect.to_string());
        }
        definitions.insert(name.clone(), shape::normalize(schema, name, &Definitions));
    }
    shape::fold_copies(&mut definitions);
    Ok(Official {
        operations,
        definitions,
        dialects,
        sha256: read.sha256.clone(),
    })
}

fn parameter(raw: &Value) -> Result<Parameter, String> {
    let text = |field: &str| raw.get(field).and_then(Value::as_str).map(str::to_string);
    let location = text("in").ok_or("a parameter has no `in`")?;
    let name = text("name").ok_or("a parameter has no `name`")?;
    Ok(Parameter {
        location,
        name,
        ty: text("type"),
        schema: reference_name(raw.get("schema")),
        required: raw.get("required").and_then(Value::as_bool) == Some(true),
        default: raw.get("default").cloned(),
        enum_values: raw
            .get("enum")
            .and_then(Value::as_array)
            .map(|list| list.iter().map(scalar_text).collect()),
    })
}

/// Every fact of the definition.
pub fn facts(official: &Official) -> Facts {
    let mut facts = Facts::new();
    put(
        &mut facts,
        Key::new(Subject::Meta, Place::Whole, "dialect"),
        Value::Array(
            official
                .dialects
                .iter()
                .cloned()
                .map(Value::String)
                .collect(),
        ),
    );
    for (name, operation) in &official.operations {
        let subject = || Subject::Operation(name.clone());
        put(
            &mut facts,
            Key::new(subject(), Place::Whole, "method"),
            operation.method.clone().into(),
        );
        put(
            &mut facts,
            Key::new(subject(), Place::Whole, "path"),
            operation.path.clone().into(),
        );
        for (place, parameter) in &operation.parameters {
            let key = |fact: &str| Key::new(subject(), Place::Parameter(place.clone()), fact);
            put(&mut facts, key("required"), parameter.required.into());
            if let Some(ty) = &parameter.ty {
                put(&mut facts, key("type"), ty.clone().into());
            }
            if let Some(schema) = &parameter.schema {
                put(&mut facts, key("schema"), schema.clone().into());
            }
            if let Some(default) = &parameter.default {
                put(&mut facts, key("default"), default.clone());
            }
            for value in parameter.enum_values.iter().flatten() {
                put(&mut facts, key(&format!("enum {value}")), true.into());
            }
        }
        for (status, response) in &operation.responses {
            let key = |fact: &str| Key::new(subject(), Place::Response(status.clone()), fact);
            match response {
                Response::None => put(&mut facts, key("schema"), "none".into()),
                Response::Schema(schema) => put(&mut facts, key("schema"), schema.clone().into()),
                Response::Events(events) => {
                    put(&mut facts, key("schema"), "event-stream".into());
                    for (event, schema) in events {
                        put(
                            &mut facts,
                            key(&format!("event {event}")),
                            schema.clone().into(),
                        );
                    }
                }
            }
        }
    }
    for (name, shape) in &official.definitions {
        emit_node(&mut facts, name, "", shape, false);
    }
    facts
}
