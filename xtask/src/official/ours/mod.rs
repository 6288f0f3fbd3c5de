//! Our spec read into the facts of Losant's definition: the same keys, our
//! values, walked alongside the definition so that the two line up even
//! where one side refers to a component and the other writes it inline.
//!
//! [`operations`] reads our operations (route, parameters, body, responses)
//! and [`schemas`] lines our components up with Losant's definitions.

mod operations;
mod schemas;

use crate::model::{deref, operations_of, parameter_key, parameter_values};
use crate::official::facts::Facts;
use crate::official::model::Official;
use crate::official::shape::{escape_pointer, Resolve};
use serde_json::Value;
use std::collections::BTreeMap;

const COMPONENT: &str = "#/components/schemas/";
/// Alignment deeper than this is a reference cycle.
const MAX_DEPTH: usize = 32;

#[derive(Default)]
pub struct Projection {
    pub facts: Facts,
    /// (definition, path) → pointers in our spec of the schemas it came from.
    pub nodes: BTreeMap<(String, String), Vec<String>>,
    /// `resource.action` → pointer of our operation.
    pub operations: BTreeMap<String, String>,
    /// (`resource.action`, `in.name`) → pointers of the parameter's schemas.
    pub parameters: BTreeMap<(String, String), Vec<String>>,
    /// Our operations without `x-losant-action`.
    pub unplaced: Vec<String>,
    /// Key → why our value is what it is (where it is not plain).
    pub notes: BTreeMap<String, String>,
    /// Losant's definition name → our component for it.
    pub components: BTreeMap<String, String>,
}

struct Ours<'a> {
    spec: &'a Value,
    /// Our component name → the definition it stands for.
    leaves: BTreeMap<String, String>,
}

impl Resolve for Ours<'_> {
    fn leaf(&self, reference: &str) -> Option<String> {
        self.leaves.get(reference.strip_prefix(COMPONENT)?).cloned()
    }
    fn expand(&self, reference: &str) -> Option<(&Value, String)> {
        let pointer = reference.strip_prefix('#')?;
        Some((self.spec.pointer(pointer)?, pointer.to_string()))
    }
}

struct Walk<'a> {
    official: &'a Official,
    ours: Ours<'a>,
    /// Definition → our component, for expanding a reference of ours.
    components: BTreeMap<String, String>,
}

pub fn project(spec: &Value, official: &Official) -> Projection {
    let components = components_for(spec, official);
    let leaves = components
        .iter()
        .map(|(theirs, ours)| (ours.clone(), theirs.clone()))
        .collect();
    let walk = Walk {
        official,
        ours: Ours { spec, leaves },
        components: components.clone(),
    };
    let mut projection = Projection {
        components,
        ..Projection::default()
    };
    walk.operations(&mut projection);
    for (name, theirs) in &official.definitions {
        if let Some(ours) = walk.component(name) {
            walk.align(name, "", theirs, &ours, &mut projection, 0);
        }
    }
    projection
}

/// Our component for each definition: the one of the same name, else the
/// one our spec uses where Losant uses the definition (a parameter, body or
/// response schema), found from the operations.
fn components_for(spec: &Value, official: &Official) -> BTreeMap<String, String> {
    let ours_named = |name: &str| {
        spec.pointer(&format!("/components/schemas/{}", escape_pointer(name)))
            .is_some()
    };
    let mut found: BTreeMap<String, String> = official
        .definitions
        .keys()
        .filter(|n| ours_named(n))
        .map(|n| (n.clone(), n.clone()))
        .collect();
    for (_, _, operation) in operations_of(spec) {
        let Some(theirs) = action_of(operation).and_then(|a| official.operations.get(a)) else {
            continue;
        };
        for parameter in parameter_values(spec, operation) {
            let place = parameter_key(parameter).replacen(':', ".", 1);
            let wanted = theirs.parameters.get(&place).and_then(|p| p.schema.clone());
            if let (Some(wanted), Some(name)) = (wanted, component_ref(schema_of(parameter))) {
                if !found.contains_key(&wanted) && !official.definitions.contains_key(&name) {
                    found.insert(wanted, name);
                }
            }
        }
    }
    found
}

fn action_of(operation: &Value) -> Option<&str> {
    operation.get("x-losant-action").and_then(Value::as_str)
}

fn component_ref(schema: Option<&Value>) -> Option<String> {
    schema?
        .get("$ref")?
        .as_str()?
        .strip_prefix(COMPONENT)
        .map(str::to_string)
}

/// A parameter's schema: its `schema`, or the one of its (first) `content`.
fn schema_of(parameter: &Value) -> Option<&Value> {
    parameter.get("schema").or_else(|| {
        parameter
            .get("content")?
            .as_object()?
            .values()
            .next()?
            .get("schema")
    })
}

fn schema_pointer_of(parameter: &Value, pointer: &str) -> String {
    if parameter.get("schema").is_some() {
        return format!("{pointer}/schema");
    }
    let media = parameter
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.keys().next())
        .cloned()
        .unwrap_or_default();
    format!("{pointer}/content/{}/schema", escape_pointer(&media))
}

/// The `default` of a schema, looked for through references and
/// single-member `allOf` wrappers.
fn default_of<'a>(spec: &'a Value, mut schema: &'a Value) -> Option<Value> {
    for _ in 0..8 {
        if let Some(default) = schema.get("default") {
            return Some(default.clone());
        }
        schema = match (
            schema.get("$ref"),
            schema.get("allOf").and_then(Value::as_array),
        ) {
            (Some(_), _) => {
                let next = deref(spec, schema);
                if std::ptr::eq(next, schema) {
                    return None;
                }
                next
            }
            (None, Some(members)) if members.len() == 1 => &members[0],
            _ => return None,
        };
    }
    None
}
