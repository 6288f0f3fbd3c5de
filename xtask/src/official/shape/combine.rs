//! Merging shapes: the alternatives of a `oneOf`/`anyOf` into one node that
//! admits what any of them admits, and the members of an `allOf` into one
//! that has what all of them have.

use super::Shape;
use std::collections::{BTreeMap, BTreeSet};

/// One node admitting what any of `shapes` admits.
pub fn alternatives(shapes: Vec<Shape>) -> Shape {
    let nullable = shapes.iter().any(|s| s.nullable || s.is_null_only());
    let sources: Vec<String> = shapes.iter().flat_map(|s| s.sources.clone()).collect();
    let members: Vec<Shape> = shapes.into_iter().filter(|s| !s.is_null_only()).collect();
    if members.is_empty() {
        let mut null = Shape::default();
        null.types.insert("null".into());
        null.sources = sources;
        return null;
    }
    if members.len() == 1 || members.iter().any(Shape::is_any) {
        let mut single = if members.len() == 1 {
            members.into_iter().next().unwrap_or_default()
        } else {
            Shape::default()
        };
        single.nullable |= nullable;
        single.sources = sources;
        return single;
    }
    let mut merged = Shape {
        nullable,
        sources,
        ..Shape::default()
    };
    let restricted = members
        .iter()
        .filter(|m| m.is_scalar())
        .all(|m| m.enum_values.is_some());
    let mut values = BTreeSet::new();
    let mut required: Option<BTreeSet<String>> = None;
    let mut items = Vec::new();
    let mut maps = Vec::new();
    let mut properties: BTreeMap<String, Vec<Shape>> = BTreeMap::new();
    for member in members {
        merged.types.extend(member.types.iter().cloned());
        if let Some(name) = &member.reference {
            merged.types.insert(format!("ref:{name}"));
        }
        values.extend(member.enum_values.iter().flatten().cloned());
        if member.is_object() {
            required = Some(match required {
                None => member.required.clone(),
                Some(so_far) => so_far.intersection(&member.required).cloned().collect(),
            });
        }
        for (name, child) in member.properties {
            properties.entry(name).or_default().push(child);
        }
        items.extend(member.items.map(|i| *i));
        maps.extend(member.values.map(|v| *v));
    }
    if restricted && !values.is_empty() {
        merged.enum_values = Some(values);
    }
    merged.required = required.unwrap_or_default();
    merged.properties = properties
        .into_iter()
        .map(|(name, list)| (name, alternatives(list)))
        .collect();
    if !items.is_empty() {
        merged.items = Some(Box::new(alternatives(items)));
    }
    if !maps.is_empty() {
        merged.values = Some(Box::new(alternatives(maps)));
    }
    merged
}

/// `own` and `other` together (an `allOf`, or a composition beside its
/// node's own keywords): a wrapper with no structure of its own takes the
/// member's, keeping its nullability.
pub(super) fn conjoin(own: Shape, other: Shape) -> Shape {
    let wrapper = own.is_any() && !own.is_null_only();
    if wrapper {
        let mut result = other;
        result.nullable |= own.nullable;
        let mut sources = own.sources;
        sources.extend(result.sources);
        result.sources = sources;
        return result;
    }
    if other.is_any() {
        let mut result = own;
        result.nullable |= other.nullable;
        result.sources.extend(other.sources);
        return result;
    }
    let mut result = own;
    result.nullable |= other.nullable;
    result.types.extend(other.types);
    if result.reference.is_none() {
        result.reference = other.reference;
    }
    result.enum_values = match (result.enum_values.take(), other.enum_values) {
        (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
        (a, b) => a.or(b),
    };
    for (name, child) in other.properties {
        let merged = match result.properties.remove(&name) {
            Some(existing) => conjoin(existing, child),
            None => child,
        };
        result.properties.insert(name, merged);
    }
    result.required.extend(other.required);
    if result.items.is_none() {
        result.items = other.items;
    }
    if result.values.is_none() {
        result.values = other.values;
    }
    result.sources.extend(other.sources);
    result
}
