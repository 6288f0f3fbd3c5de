//! The edits `--apply` makes for the safe items: an enum value, an optional
//! property, an optional query or header parameter. Values are written from
//! the facts alone (types, enum values, properties), never Losant's prose.

use crate::edit::Edit;
use crate::official::facts::{parent_path, path_segments, unescape_name, Place, Subject};
use crate::official::items::Item;
use crate::official::model::Official;
use crate::official::ours::Projection;
use crate::official::shape::Shape;
use serde_json::{json, Map, Value};

/// The edits for one safe item, or why it cannot be made here.
pub fn edits_for(
    item: &Item,
    spec: &Value,
    official: &Official,
    ours: &Projection,
) -> Result<Vec<Edit>, String> {
    match (item.kind.as_str(), &item.subject, &item.place) {
        ("enum-value-added" | "enum-value-missing", subject, place) => {
            let value = item
                .fact
                .as_deref()
                .and_then(|f| f.strip_prefix("enum "))
                .ok_or("not an enum value")?;
            let sources = match (subject, place) {
                (Subject::Schema(name), Place::Node(path)) => {
                    ours.nodes.get(&(name.clone(), path.clone()))
                }
                (Subject::Operation(name), Place::Parameter(p)) => {
                    ours.parameters.get(&(name.clone(), p.clone()))
                }
                _ => None,
            }
            .ok_or("our spec has no node for it")?;
            let lists: Vec<&String> = sources
                .iter()
                .filter(|p| {
                    spec.pointer(&format!("{p}/enum"))
                        .is_some_and(Value::is_array)
                })
                .collect();
            let [pointer] = lists.as_slice() else {
                return Err(format!(
                    "{} enum lists could take it in our spec: add it by hand",
                    lists.len()
                ));
            };
            let existing = spec
                .pointer(&format!("{pointer}/enum"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Ok(vec![Edit::Append {
                pointer: format!("{pointer}/enum"),
                value: typed(value, &existing),
            }])
        }
        ("property-added" | "property-missing", Subject::Schema(name), Place::Node(path)) => {
            let parent = parent_path(path).ok_or("the root is not a property")?;
            let last = path_segments(path).pop().unwrap_or_default();
            let property = unescape_name(last.trim_start_matches('.'));
            let sources = ours
                .nodes
                .get(&(name.clone(), parent.clone()))
                .ok_or("our spec has no object to add it to")?;
            let objects: Vec<&String> = sources
                .iter()
                .filter(|p| {
                    spec.pointer(&format!("{p}/properties"))
                        .is_some_and(Value::is_object)
                })
                .collect();
            let [pointer] = objects.as_slice() else {
                return Err(format!(
                    "{} objects in our spec could take it: add it by hand",
                    objects.len()
                ));
            };
            let shape = official
                .definitions
                .get(name)
                .and_then(|d| d.at(path))
                .ok_or("not found in Losant's definition")?;
            Ok(vec![Edit::Insert {
                pointer: format!("{pointer}/properties"),
                key: property,
                value: to_openapi(shape, ours)?,
            }])
        }
        (
            "parameter-added" | "parameter-missing",
            Subject::Operation(name),
            Place::Parameter(place),
        ) => {
            let operation = ours
                .operations
                .get(name)
                .ok_or("our spec has no such operation")?;
            let theirs = official
                .operations
                .get(name)
                .and_then(|o| o.parameters.get(place))
                .ok_or("not found in Losant's definition")?;
            let schema = match &theirs.schema {
                Some(definition) => {
                    let ours_name = ours
                        .components
                        .get(definition)
                        .ok_or_else(|| format!("our spec has no component for {definition}"))?;
                    json!({"$ref": format!("#/components/schemas/{ours_name}")})
                }
                None => {
                    let ty = theirs.ty.clone().unwrap_or_else(|| "string".into());
                    let mut schema = Map::new();
                    schema.insert("type".into(), ty.clone().into());
                    if let Some(values) = &theirs.enum_values {
                        schema.insert(
                            "enum".into(),
                            values.iter().map(|v| typed_as(v, &ty)).collect(),
                        );
                    }
                    if let Some(default) = &theirs.default {
                        schema.insert("default".into(), default.clone());
                    }
                    Value::Object(schema)
                }
            };
            let value = json!({"name": theirs.name, "in": theirs.location, "schema": schema});
            Ok(vec![
                if spec.pointer(&format!("{operation}/parameters")).is_some() {
                    Edit::Append {
                        pointer: format!("{operation}/parameters"),
                        value,
                    }
                } else {
                    Edit::Insert {
                        pointer: operation.clone(),
                        key: "parameters".into(),
                        value: Value::Array(vec![value]),
                    }
                },
            ])
        }
        (kind, _, _) => Err(format!("{kind} is never merged")),
    }
}

/// An enum value typed like the values already listed.
fn typed(text: &str, existing: &[Value]) -> Value {
    let ty = match existing.first() {
        Some(Value::Number(_)) => "number",
        Some(Value::Bool(_)) => "boolean",
        _ => "string",
    };
    typed_as(text, ty)
}

fn typed_as(text: &str, ty: &str) -> Value {
    match ty {
        "number" | "integer" => serde_json::from_str::<serde_json::Number>(text)
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(text.into())),
        "boolean" => text
            .parse::<bool>()
            .map(Value::Bool)
            .unwrap_or_else(|_| Value::String(text.into())),
        _ => Value::String(text.into()),
    }
}

/// Our OpenAPI 3.0 schema for a shape of Losant's.
pub fn to_openapi(shape: &Shape, ours: &Projection) -> Result<Value, String> {
    if let Some(name) = &shape.reference {
        let component = ours
            .components
            .get(name)
            .ok_or_else(|| format!("refers to {name}, for which our spec has no component"))?;
        let reference = json!({"$ref": format!("#/components/schemas/{component}")});
        return Ok(if shape.nullable {
            json!({"nullable": true, "allOf": [reference]})
        } else {
            reference
        });
    }
    let types: Vec<&String> = shape.types.iter().filter(|t| *t != "null").collect();
    let mut value = match types.as_slice() {
        [] if shape.types.contains("null") => return Err("admits only null".into()),
        [] => Value::Object(Map::new()),
        [one] => member(shape, one, ours)?,
        several => {
            if shape.nullable {
                return Err("nullable alternatives: add it by hand".into());
            }
            let members = several
                .iter()
                .map(|t| member(shape, t, ours))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(json!({ "oneOf": members }));
        }
    };
    if shape.nullable {
        if let Some(map) = value.as_object_mut() {
            map.insert("nullable".into(), true.into());
        }
    }
    Ok(value)
}

fn member(shape: &Shape, ty: &str, ours: &Projection) -> Result<Value, String> {
    let mut map = Map::new();
    map.insert("type".into(), ty.into());
    match ty {
        "object" => {
            if !shape.properties.is_empty() {
                let mut properties = Map::new();
                for (name, child) in &shape.properties {
                    properties.insert(name.clone(), to_openapi(child, ours)?);
                }
                let required: Vec<Value> = shape
                    .required
                    .iter()
                    .filter(|r| shape.properties.contains_key(*r))
                    .map(|r| Value::String(r.clone()))
                    .collect();
                if !required.is_empty() {
                    map.insert("required".into(), Value::Array(required));
                }
                map.insert("properties".into(), Value::Object(properties));
            }
            if let Some(values) = &shape.values {
                map.insert("additionalProperties".into(), to_openapi(values, ours)?);
            }
        }
        "array" => {
            if let Some(items) = &shape.items {
                map.insert("items".into(), to_openapi(items, ours)?);
            }
        }
        scalar => {
            if let Some(values) = &shape.enum_values {
                let list: Vec<Value> = values.iter().map(|v| typed_as(v, scalar)).collect();
                map.insert("enum".into(), Value::Array(list));
            }
        }
    }
    Ok(Value::Object(map))
}
