//! One comparable form for a JSON Schema (Losant's definitions) and an
//! OpenAPI 3.0 schema (our spec).
//!
//! Only what the comparison is about survives: types, nullability, enum
//! values, properties and which are required, array items and map values.
//! Validation keywords, formats, descriptions and examples are dropped, so
//! rewording or a new `maxLength` upstream is not drift. Alternatives
//! (`oneOf`/`anyOf`) are merged into one node, so `oneOf [string, null]`,
//! `type: [string, null]` and `nullable: true` all read the same, and how a
//! schema is split into alternatives does not matter, only what it admits.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// JSON types other than null; empty means any value. `{"null"}` alone
    /// is a schema that admits only null.
    pub types: BTreeSet<String>,
    /// Stands for the official definition of that name (not expanded).
    pub reference: Option<String>,
    pub nullable: bool,
    /// `None`: any value of the types; otherwise only these (as JSON text,
    /// strings unquoted, so `"86400000"` and `86400000` are one value).
    pub enum_values: Option<BTreeSet<String>>,
    pub properties: BTreeMap<String, Shape>,
    pub required: BTreeSet<String>,
    pub items: Option<Box<Shape>>,
    /// `additionalProperties` or `patternProperties` (both are "a map of").
    pub values: Option<Box<Shape>>,
    /// JSON pointers of the schema objects this was read from (our spec
    /// only), so that an edit knows where to go.
    pub sources: Vec<String>,
}

/// How `$ref`s are read: as a leaf that names an official definition, or by
/// expanding the referenced schema in place.
pub trait Resolve {
    fn leaf(&self, reference: &str) -> Option<String>;
    fn expand(&self, reference: &str) -> Option<(&Value, String)>;
}

const SCALARS: [&str; 4] = ["string", "number", "integer", "boolean"];
/// Deeper than any real schema; only reached by a reference cycle.
const MAX_DEPTH: usize = 48;

/// A value as plain text: strings unquoted, everything else as JSON.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Shape {
    pub fn is_any(&self) -> bool {
        self.types.is_empty()
            && self.reference.is_none()
            && self.enum_values.is_none()
            && self.properties.is_empty()
            && self.items.is_none()
            && self.values.is_none()
    }

    fn is_null_only(&self) -> bool {
        self.types.len() == 1 && self.types.contains("null")
    }

    fn is_scalar(&self) -> bool {
        self.types.iter().any(|t| SCALARS.contains(&t.as_str()))
            || (self.types.is_empty() && self.enum_values.is_some())
    }

    fn is_object(&self) -> bool {
        self.types.contains("object") || !self.properties.is_empty()
    }

    /// `ref:device`, `string`, `boolean|number|string`, `any`.
    pub fn type_text(&self) -> String {
        if let Some(name) = &self.reference {
            return format!("ref:{name}");
        }
        if self.types.is_empty() {
            return "any".into();
        }
        self.types.iter().cloned().collect::<Vec<_>>().join("|")
    }

    /// A canonical text of what the shape admits (sources left out), for
    /// recognising an inline copy of a definition.
    pub fn canonical(&self, with_nullable: bool) -> String {
        self.canonical_value(with_nullable).to_string()
    }

    fn canonical_value(&self, with_nullable: bool) -> Value {
        json!({
            "t": self.types,
            "r": self.reference,
            "n": with_nullable && self.nullable,
            "e": self.enum_values,
            "p": self.properties.iter().map(|(k, v)| (k.clone(), v.canonical_value(true))).collect::<BTreeMap<_, _>>(),
            "q": self.required,
            "i": self.items.as_ref().map(|i| i.canonical_value(true)),
            "v": self.values.as_ref().map(|v| v.canonical_value(true)),
        })
    }

    /// The node at a property path (`.a.b[]{*}`) below this one.
    pub fn at(&self, path: &str) -> Option<&Shape> {
        let mut node = self;
        for segment in crate::official::facts::path_segments(path) {
            node = match segment.as_str() {
                "[]" => node.items.as_deref()?,
                "{*}" => node.values.as_deref()?,
                name => node.properties.get(&crate::official::facts::unescape_name(
                    name.trim_start_matches('.'),
                ))?,
            };
        }
        Some(node)
    }
}

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
fn conjoin(own: Shape, other: Shape) -> Shape {
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

/// Replaces every inline copy of a definition inside the others by a
/// reference to it. Losant's files have every `$ref` expanded; reading them
/// back as references means a change to, say, the advanced query is one
/// change, not one per place that embeds it. When two definitions are
/// identical the first by name is the one referred to.
pub fn fold_copies(definitions: &mut BTreeMap<String, Shape>) {
    let mut index: BTreeMap<String, String> = BTreeMap::new();
    for (name, shape) in definitions.iter() {
        index
            .entry(shape.canonical(false))
            .or_insert_with(|| name.clone());
    }
    for (name, shape) in definitions.iter_mut() {
        for child in shape.properties.values_mut() {
            fold(child, &index, name);
        }
        for child in shape.items.iter_mut().chain(shape.values.iter_mut()) {
            fold(child, &index, name);
        }
    }
}

fn fold(node: &mut Shape, index: &BTreeMap<String, String>, owner: &str) {
    if node.reference.is_some() {
        return;
    }
    if let Some(name) = index.get(&node.canonical(false)) {
        if name != owner {
            *node = Shape {
                reference: Some(name.clone()),
                nullable: node.nullable,
                ..Shape::default()
            };
            return;
        }
    }
    for child in node.properties.values_mut() {
        fold(child, index, owner);
    }
    for child in node.items.iter_mut().chain(node.values.iter_mut()) {
        fold(child, index, owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Leaves;
    impl Resolve for Leaves {
        fn leaf(&self, reference: &str) -> Option<String> {
            reference.strip_prefix("#/definitions/").map(str::to_string)
        }
        fn expand(&self, _: &str) -> Option<(&Value, String)> {
            None
        }
    }

    fn shape(value: Value) -> Shape {
        normalize(&value, "", &Leaves)
    }

    #[test]
    fn nullability_reads_the_same_in_every_spelling() {
        let a = shape(json!({"oneOf": [{"type": "string", "pattern": "x"}, {"type": "null"}]}));
        let b = shape(json!({"type": ["string", "null"]}));
        let c = shape(json!({"type": "string", "nullable": true}));
        let d = shape(json!({"oneOf": [{"type": "null"}, {"type": "string"}]}));
        assert_eq!(c.canonical(true), d.canonical(true));
        assert_eq!(a.canonical(true), b.canonical(true));
        assert_eq!(b.canonical(true), c.canonical(true));
        assert!(a.nullable);
        assert_eq!(a.type_text(), "string");
        let connected = shape(json!({"enum": [1, 0, null]}));
        assert!(connected.nullable);
        assert_eq!(connected.type_text(), "number");
    }

    #[test]
    fn alternatives_merge_types_enums_and_required() {
        let filter = shape(json!({"oneOf": [
            {"type": "string", "enum": ["a", "b"]},
            {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}
        ]}));
        assert_eq!(filter.type_text(), "array|string");
        assert_eq!(filter.enum_values.as_ref().map(|e| e.len()), Some(2));
        let matcher = shape(json!({"oneOf": [
            {"type": "object", "properties": {"$in": {"type": "array"}}, "required": ["$in"]},
            {"type": "object", "properties": {"$nin": {"type": "array"}}, "required": ["$nin"]}
        ]}));
        assert!(matcher.required.is_empty());
        assert_eq!(matcher.properties.len(), 2);
        let loose =
            shape(json!({"oneOf": [{"type": "string", "enum": ["x"]}, {"type": "number"}]}));
        assert_eq!(loose.enum_values, None);
    }

    #[test]
    fn inline_copies_become_references() {
        let mut definitions = BTreeMap::new();
        let tag = json!({"type": "object", "properties": {"key": {"type": "string"}}});
        definitions.insert("tag".to_string(), shape(tag.clone()));
        definitions.insert(
            "device".to_string(),
            shape(
                json!({"type": "object", "properties": {"tags": {"type": "array", "items": tag}}}),
            ),
        );
        fold_copies(&mut definitions);
        let items = definitions["device"].at(".tags[]").unwrap();
        assert_eq!(items.type_text(), "ref:tag");
    }
}
