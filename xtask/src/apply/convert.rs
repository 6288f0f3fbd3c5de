//! Upstream schema fragments rewritten for our spec, and what the
//! aggregator's undefined `common/...` schemas are in our spec.

use super::locate::raw_node;
use super::Context;
use crate::model::{walk, SCHEMA_PREFIX};
use crate::ours::escape;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The aggregator's document refers to `#/components/schemas/common/...`
/// schemas it does not define. Where every property that uses one of them in
/// the upstream is written the same way in our spec (ignoring descriptions),
/// that is taken as our equivalent: `common/date` is our
/// `{type: string, format: date-time}`. Names used inconsistently (such as
/// `common/objectId`, which we split into typed ids) get no equivalent, and
/// anything new that uses them is left for a person.
pub fn learn_common_refs(ours: &Value, upstream: &Value) -> BTreeMap<String, Value> {
    let mut seen: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let Some(schemas) = upstream
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return BTreeMap::new();
    };
    for (name, schema) in schemas {
        if ours
            .pointer(&format!("/components/schemas/{}", escape(name)))
            .is_none()
        {
            continue;
        }
        walk(schema, String::new(), &mut |path, node| {
            let Some(common) = node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
                .and_then(|r| r.strip_prefix("common/"))
            else {
                return;
            };
            if path.is_empty() || common.contains('/') {
                return;
            }
            let Some(raw) = raw_node(ours, name, path) else {
                return;
            };
            let shape = strip_docs(raw);
            seen.entry(common.to_string())
                .and_modify(|known| {
                    if known.as_ref() != Some(&shape) {
                        *known = None;
                    }
                })
                .or_insert(Some(shape));
        });
    }
    seen.into_iter()
        .filter_map(|(name, shape)| shape.map(|s| (name, s)))
        .collect()
}

fn strip_docs(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "description" | "example" | "title"))
                .map(|(k, v)| (k.clone(), strip_docs(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An upstream schema fragment rewritten for our spec, or why it cannot be.
pub fn convert(context: &Context, value: &Value) -> Result<Value, String> {
    let Some(map) = value.as_object() else {
        return Ok(value.clone());
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) else {
            return Err(format!("refers to {reference}"));
        };
        if let Some(common) = name.strip_prefix("common/") {
            return context.common.get(common).cloned().ok_or_else(|| {
                format!(
                    "refers to {reference}, which the upstream does not define and which has no single equivalent in our spec"
                )
            });
        }
        if context
            .ours
            .pointer(&format!("/components/schemas/{}", escape(name)))
            .is_some()
            || context.added_schemas.contains(name)
        {
            return Ok(json!({ "$ref": reference }));
        }
        return Err(format!("refers to {name}, which our spec does not have"));
    }
    match map.get("type") {
        Some(Value::Array(_)) => return Err("uses a list of types (OpenAPI 3.1)".into()),
        Some(Value::String(t)) if t == "null" => return Err("uses type null (OpenAPI 3.1)".into()),
        _ => {}
    }
    for construct in ["patternProperties", "const", "prefixItems", "$defs"] {
        if map.contains_key(construct) {
            return Err(format!("uses {construct} (OpenAPI 3.1)"));
        }
    }
    let mut out = Map::new();
    for (key, child) in map {
        match key.as_str() {
            "title" | "example" | "examples" => {}
            // Our convention: responses are decoded tolerantly.
            "additionalProperties" if child == &Value::Bool(false) => {}
            "properties" => {
                let mut properties = Map::new();
                for (name, property) in child.as_object().into_iter().flatten() {
                    properties.insert(name.clone(), convert(context, property)?);
                }
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), convert(context, child)?);
            }
            "allOf" | "oneOf" | "anyOf" => {
                let members = child
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| convert(context, m))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(key.clone(), Value::Array(members));
            }
            _ => {
                out.insert(key.clone(), child.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

/// An enum value typed like the values already in `existing`.
pub(super) fn typed_value(text: &str, existing: &[Value]) -> Value {
    if !existing.is_empty() && existing.iter().all(Value::is_number) {
        if let Ok(n) = text.parse::<i64>() {
            return json!(n);
        }
        if let Ok(n) = text.parse::<f64>() {
            return json!(n);
        }
    }
    if !existing.is_empty() && existing.iter().all(Value::is_boolean) {
        if let Ok(b) = text.parse::<bool>() {
            return json!(b);
        }
    }
    Value::String(text.to_string())
}
