//! Our components and inline schemas lined up with Losant's definitions,
//! node by node, and which definition a schema of ours stands for.

use super::{component_ref, Projection, Walk, MAX_DEPTH};
use crate::official::facts::{emit_node, escape_name, put, Facts, Key, Place, Subject};
use crate::official::shape::{self, escape_pointer, Shape};
use crate::official::tolerance;
use serde_json::Value;
use std::collections::BTreeSet;

impl Walk<'_> {
    /// Our component for a definition, read with its root expanded.
    pub(super) fn component(&self, name: &str) -> Option<Shape> {
        let ours = self.components.get(name)?;
        let pointer = format!("/components/schemas/{}", escape_pointer(ours));
        let value = self.ours.spec.pointer(&pointer)?;
        Some(shape::normalize(value, &pointer, &self.ours))
    }

    /// `shape` with a reference of ours expanded into our component.
    pub(super) fn resolved(&self, shape: Shape) -> Shape {
        match &shape.reference {
            Some(name) => match self.component(name) {
                Some(mut expanded) => {
                    expanded.nullable |= shape.nullable;
                    expanded
                }
                None => shape,
            },
            None => shape,
        }
    }

    /// Whether our `ours` admits what Losant's `theirs` does, fact by fact.
    fn same(&self, theirs: &Shape, ours: &Shape, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let mut expected = Facts::new();
        emit_node(&mut expected, "", "", theirs, false);
        let mut scratch = Projection::default();
        self.align("", "", theirs, ours, &mut scratch, depth + 1);
        let keys: BTreeSet<&String> = expected.keys().chain(scratch.facts.keys()).collect();
        let agrees = keys.into_iter().all(|text| match Key::parse(text) {
            Some(key) => tolerance::agree(&key, expected.get(text), scratch.facts.get(text)),
            None => false,
        });
        agrees
    }

    /// Emits our facts for the node at `path` of `schema`, lined up with
    /// Losant's `theirs`.
    pub(super) fn align(
        &self,
        schema: &str,
        path: &str,
        theirs: &Shape,
        ours: &Shape,
        out: &mut Projection,
        depth: usize,
    ) {
        let key = |fact: &str| {
            Key::new(
                Subject::Schema(schema.into()),
                Place::Node(path.into()),
                fact,
            )
        };
        if depth > MAX_DEPTH {
            put(&mut out.facts, key("type"), ours.type_text().into());
            return;
        }
        if theirs.reference.is_none() && ours.reference.is_some() {
            let expanded = self.resolved(ours.clone());
            if expanded.reference.is_none() {
                return self.align(schema, path, theirs, &expanded, out, depth + 1);
            }
        }
        out.nodes
            .insert((schema.to_string(), path.to_string()), ours.sources.clone());
        let ours_type = match (&theirs.reference, &ours.reference) {
            (Some(a), Some(b)) if a == b => format!("ref:{a}"),
            (Some(name), _) => {
                let definition = self.official.definitions.get(name);
                let ours_expanded = self.resolved(ours.clone());
                if definition.is_some_and(|d| self.same(d, &ours_expanded, depth)) {
                    format!("ref:{name}")
                } else {
                    out.notes.insert(
                        key("type").text(),
                        format!("our schema here is not what Losant's {name} admits"),
                    );
                    ours_expanded.type_text()
                }
            }
            _ => ours.type_text(),
        };
        put(&mut out.facts, key("type"), ours_type.into());
        if ours.nullable {
            put(&mut out.facts, key("nullable"), true.into());
        }
        // An unrestricted value of ours admits every value Losant lists.
        for value in ours
            .enum_values
            .as_ref()
            .or(theirs.enum_values.as_ref())
            .into_iter()
            .flatten()
        {
            put(&mut out.facts, key(&format!("enum {value}")), true.into());
        }
        if theirs.reference.is_some() {
            return;
        }
        for (name, child) in &ours.properties {
            if tolerance::skips_our_property(name, theirs.properties.contains_key(name)) {
                continue;
            }
            let child_path = format!("{path}.{}", escape_name(name));
            if ours.required.contains(name) {
                let required = Key::new(
                    Subject::Schema(schema.into()),
                    Place::Node(child_path.clone()),
                    "required",
                );
                put(&mut out.facts, required, true.into());
            }
            match theirs.properties.get(name) {
                Some(their_child) => {
                    self.align(schema, &child_path, their_child, child, out, depth + 1)
                }
                None => self.extra(schema, &child_path, child, out),
            }
        }
        for (segment, mine, other) in [
            ("[]", &ours.items, &theirs.items),
            ("{*}", &ours.values, &theirs.values),
        ] {
            let child_path = format!("{path}{segment}");
            match (mine, other) {
                (Some(mine), Some(other)) => {
                    self.align(schema, &child_path, other, mine, out, depth + 1)
                }
                (Some(mine), None) => self.extra(schema, &child_path, mine, out),
                _ => {}
            }
        }
    }

    /// A node only our spec has: its facts as they are.
    fn extra(&self, schema: &str, path: &str, ours: &Shape, out: &mut Projection) {
        out.nodes
            .insert((schema.to_string(), path.to_string()), ours.sources.clone());
        // The parent wrote its `required`.
        emit_node(&mut out.facts, schema, path, ours, false);
    }

    /// The definition our schema stands for: the one it refers to, else
    /// `wanted` when it admits the same, else `(inline)`.
    pub(super) fn schema_name(
        &self,
        schema: Option<&Value>,
        pointer: &str,
        wanted: Option<&str>,
    ) -> String {
        let Some(schema) = schema else {
            return "none".into();
        };
        let shape = shape::normalize(schema, pointer, &self.ours);
        if let Some(name) = &shape.reference {
            if Some(name.as_str()) == wanted || wanted.is_none() {
                return name.clone();
            }
        }
        if let Some(definition) = wanted.and_then(|w| self.official.definitions.get(w)) {
            if self.same(definition, &self.resolved(shape.clone()), 0) {
                return wanted.map(str::to_string).unwrap_or_default();
            }
        }
        shape
            .reference
            .or_else(|| component_ref(Some(schema)))
            .unwrap_or_else(|| "(inline)".into())
    }
}
