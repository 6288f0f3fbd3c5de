//! Reading one schema (JSON Schema or OpenAPI 3.0) into a [`Shape`].

use super::combine::{alternatives, conjoin};
use super::{scalar_text, Resolve, Shape};
use serde_json::Value;
use std::collections::BTreeSet;

/// Deeper than any real schema; only reached by a reference cycle.
const MAX_DEPTH: usize = 48;

/// Reads `schema` (found at `pointer`) into a [`Shape`].
pub fn normalize(schema: &Value, pointer: &str, resolver: &dyn Resolve) -> Shape {
    read(schema, pointer, resolver, 0)
}

fn read(schema: &Value, pointer: &str, resolver: &dyn Resolve, depth: usize) -> Shape {
    let Some(map) = schema.as_object() else {
        return Shape::default();
    };
    if depth > MAX_DEPTH {
        return Shape::default();
    }
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        if let Some(name) = resolver.leaf(reference) {
            return Shape {
                reference: Some(name),
                sources: vec![pointer.to_string()],
                ..Shape::default()
            };
        }
        return match resolver.expand(reference) {
            Some((target, at)) => read(target, &at, resolver, depth + 1),
            None => Shape::default(),
        };
    }
    let mut own = Shape {
        sources: vec![pointer.to_string()],
        ..Shape::default()
    };
    match map.get("type") {
        Some(Value::String(t)) => add_type(&mut own, t),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .for_each(|t| add_type(&mut own, t)),
        _ => {}
    }
    // `type: null` (or only null in a list) admits only null.
    if own.nullable && own.types.is_empty() && map.contains_key("type") {
        own.types.insert("null".into());
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        own.nullable = true;
    }
    let listed = map
        .get("enum")
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| map.get("const").map(|c| vec![c.clone()]));
    if let Some(list) = listed {
        let values: BTreeSet<String> = list
            .iter()
            .filter(|v| !v.is_null())
            .map(scalar_text)
            .collect();
        own.nullable |= list.iter().any(Value::is_null);
        if values.is_empty() {
            if own.types.is_empty() {
                own.types.insert("null".into());
            }
        } else {
            if own.types.is_empty() {
                for value in list.iter().filter(|v| !v.is_null()) {
                    own.types.insert(json_type(value).into());
                }
            }
            own.enum_values = Some(values);
        }
    }
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            let at = format!("{pointer}/properties/{}", escape_pointer(name));
            own.properties
                .insert(name.clone(), read(child, &at, resolver, depth + 1));
        }
    }
    if let Some(required) = map.get("required").and_then(Value::as_array) {
        own.required = required.iter().map(scalar_text).collect();
    }
    if let Some(items) = map.get("items").filter(|i| i.is_object()) {
        let at = format!("{pointer}/items");
        own.items = Some(Box::new(read(items, &at, resolver, depth + 1)));
    }
    let mut values = Vec::new();
    if let Some(extra) = map.get("additionalProperties").filter(|i| i.is_object()) {
        values.push(read(
            extra,
            &format!("{pointer}/additionalProperties"),
            resolver,
            depth + 1,
        ));
    }
    if let Some(patterns) = map.get("patternProperties").and_then(Value::as_object) {
        for (pattern, child) in patterns {
            let at = format!("{pointer}/patternProperties/{}", escape_pointer(pattern));
            values.push(read(child, &at, resolver, depth + 1));
        }
    }
    if !values.is_empty() {
        own.values = Some(Box::new(alternatives(values)));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let Some(members) = map.get(key).and_then(Value::as_array) else {
            continue;
        };
        let shapes = members_of(members, &format!("{pointer}/{key}"), resolver, depth);
        let merged = if key == "allOf" {
            shapes.into_iter().fold(Shape::default(), conjoin)
        } else {
            alternatives(shapes)
        };
        own = conjoin(own, merged);
    }
    if own.types.is_empty() && own.reference.is_none() {
        if !own.properties.is_empty() || own.values.is_some() {
            own.types.insert("object".into());
        } else if own.items.is_some() {
            own.types.insert("array".into());
        }
    }
    own
}

fn add_type(shape: &mut Shape, name: &str) {
    if name == "null" {
        shape.nullable = true;
    } else {
        shape.types.insert(name.to_string());
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The members of a composition; a reference among several members is
/// expanded where the resolver can, since a leaf cannot be merged.
fn members_of(
    members: &[Value],
    pointer: &str,
    resolver: &dyn Resolve,
    depth: usize,
) -> Vec<Shape> {
    let shapes: Vec<Shape> = members
        .iter()
        .enumerate()
        .map(|(i, m)| read(m, &format!("{pointer}/{i}"), resolver, depth + 1))
        .collect();
    let non_null = shapes.iter().filter(|s| !s.is_null_only()).count();
    if non_null <= 1 {
        return shapes;
    }
    members
        .iter()
        .zip(shapes)
        .map(|(member, shape)| {
            match (&shape.reference, member.get("$ref").and_then(Value::as_str)) {
                (Some(_), Some(reference)) => match resolver.expand(reference) {
                    Some((target, at)) => Shape {
                        nullable: shape.nullable,
                        ..read(target, &at, resolver, depth + 1)
                    },
                    None => shape,
                },
                _ => shape,
            }
        })
        .collect()
}
