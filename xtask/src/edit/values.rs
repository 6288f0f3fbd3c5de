//! New values for our spec, built as yaml-edit nodes in our spec's style:
//! keys in a conventional order, scalar lists in flow style (`[a, b]`),
//! the rest in block style. How a scalar must be quoted is yaml-edit's.

use super::yaml::Result;
use serde_json::Value;
use yaml_edit::{Mapping, MappingBuilder, Sequence, SequenceBuilder};

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

pub(super) fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// A value ready to go into the tree.
pub(super) enum Built {
    Scalar(Value),
    Mapping(Mapping),
    Sequence(Sequence),
}

pub(super) fn built(value: &Value) -> Result<Built> {
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

pub(super) fn set(mapping: &Mapping, key: &str, value: &Value) -> Result<()> {
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

pub(super) fn push_scalar(sequence: &Sequence, value: &Value) {
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
