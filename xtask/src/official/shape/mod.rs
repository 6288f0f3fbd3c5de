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

//!
//! [`read`] turns a schema into a shape, [`combine`] merges alternatives and
//! conjunctions, and [`fold`] reads inline copies of a definition back as
//! references to it.

mod combine;
mod fold;
mod read;

pub use combine::alternatives;
pub use fold::fold_copies;
pub use read::{escape_pointer, normalize};

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
