//! Our spec read into the facts of Losant's definition: the same keys, our
//! values, walked alongside the definition so that the two line up even
//! where one side refers to a component and the other writes it inline.

use crate::model::{deref, operations_of, parameter_key, parameter_values};
use crate::official::facts::{emit_node, escape_name, put, Facts, Key, Place, Subject};
use crate::official::model::{Official, Response};
use crate::official::shape::{self, escape_pointer, Resolve, Shape};
use crate::official::tolerance;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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

impl Walk<'_> {
    /// Our component for a definition, read with its root expanded.
    fn component(&self, name: &str) -> Option<Shape> {
        let ours = self.components.get(name)?;
        let pointer = format!("/components/schemas/{}", escape_pointer(ours));
        let value = self.ours.spec.pointer(&pointer)?;
        Some(shape::normalize(value, &pointer, &self.ours))
    }

    /// `shape` with a reference of ours expanded into our component.
    fn resolved(&self, shape: Shape) -> Shape {
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
    fn align(
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

    fn operations(&self, out: &mut Projection) {
        let spec = self.ours.spec;
        for (path, method, operation) in operations_of(spec) {
            let Some(action) = action_of(operation) else {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                out.unplaced
                    .push(format!("{} {path} ({id})", method.to_uppercase()));
                continue;
            };
            let theirs = self.official.operations.get(action);
            let subject = || Subject::Operation(action.to_string());
            let pointer = format!("/paths/{}/{method}", escape_pointer(path));
            out.operations.insert(action.to_string(), pointer.clone());
            put(
                &mut out.facts,
                Key::new(subject(), Place::Whole, "method"),
                method.to_uppercase().into(),
            );
            put(
                &mut out.facts,
                Key::new(subject(), Place::Whole, "path"),
                path.into(),
            );
            for parameter in parameter_values(spec, operation) {
                let location = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
                let place = format!("{location}.{name}");
                let their = theirs.and_then(|t| t.parameters.get(&place));
                if tolerance::skips_our_parameter(location, name, their.is_some()) {
                    continue;
                }
                let param_pointer =
                    crate::ours::parameter(spec, &pointer, &parameter_key(parameter))
                        .unwrap_or_else(|| pointer.clone());
                let schema_pointer = schema_pointer_of(parameter, &param_pointer);
                let required = parameter.get("required").and_then(Value::as_bool) == Some(true);
                let schema = schema_of(parameter);
                let default = schema.and_then(|s| default_of(spec, s));
                let wanted = their.and_then(|p| p.schema.as_deref());
                let wanted_enum = their.and_then(|p| p.enum_values.as_ref());
                let typed = their.is_none_or(|p| p.ty.is_some());
                self.parameter(
                    out,
                    action,
                    &place,
                    (schema, &schema_pointer),
                    required,
                    default,
                    (wanted, wanted_enum, typed),
                );
            }
            if let Some(body) = operation.get("requestBody").map(|b| deref(spec, b)) {
                let name = theirs
                    .and_then(|t| {
                        t.parameters
                            .keys()
                            .find(|p| p.starts_with("body."))
                            .cloned()
                    })
                    .unwrap_or_else(|| "body.body".into());
                let wanted = theirs
                    .and_then(|t| t.parameters.get(&name))
                    .and_then(|p| p.schema.as_deref());
                let schema = body.pointer("/content/application~1json/schema");
                let key = |fact: &str| Key::new(subject(), Place::Parameter(name.clone()), fact);
                let required = body.get("required").and_then(Value::as_bool) == Some(true);
                put(&mut out.facts, key("required"), required.into());
                let at = format!("{pointer}/requestBody/content/application~1json/schema");
                let named = self.schema_name(schema, &at, wanted);
                put(&mut out.facts, key("schema"), named.into());
            }
            for (status, raw) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response = deref(spec, raw);
                let key = |fact: &str| Key::new(subject(), Place::Response(status.clone()), fact);
                let content = response.get("content").and_then(Value::as_object);
                if content.is_some_and(|c| c.contains_key("text/event-stream")) {
                    put(&mut out.facts, key("schema"), "event-stream".into());
                    if let Some(event) = response.get("x-sse-event-schema").and_then(Value::as_str)
                    {
                        put(&mut out.facts, key(&format!("event {event}")), event.into());
                    }
                    continue;
                }
                let wanted = theirs.and_then(|t| match t.responses.get(status) {
                    Some(Response::Schema(name)) => Some(name.as_str()),
                    _ => None,
                });
                let schema = response.pointer("/content/application~1json/schema");
                let value = match schema {
                    Some(_) => self.schema_name(schema, "", wanted),
                    None => "none".into(),
                };
                put(&mut out.facts, key("schema"), value.into());
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn parameter(
        &self,
        out: &mut Projection,
        action: &str,
        place: &str,
        (schema, schema_pointer): (Option<&Value>, &str),
        required: bool,
        default: Option<Value>,
        (wanted, wanted_enum, typed): (Option<&str>, Option<&BTreeSet<String>>, bool),
    ) {
        let key = |fact: &str| {
            Key::new(
                Subject::Operation(action.into()),
                Place::Parameter(place.into()),
                fact,
            )
        };
        put(&mut out.facts, key("required"), required.into());
        let shape = schema
            .map(|s| shape::normalize(s, schema_pointer, &self.ours))
            .unwrap_or_default();
        if shape.reference.is_some() || wanted.is_some() {
            let named = self.schema_name(schema, schema_pointer, wanted);
            put(&mut out.facts, key("schema"), named.into());
        }
        let resolved = self.resolved(shape);
        // Where Losant types a parameter only by a definition, the
        // definition's comparison covers its type and values.
        let by_definition_only = wanted.is_some() && !typed;
        if !by_definition_only {
            put(&mut out.facts, key("type"), resolved.type_text().into());
            for value in resolved
                .enum_values
                .as_ref()
                .or(wanted_enum)
                .into_iter()
                .flatten()
            {
                put(&mut out.facts, key(&format!("enum {value}")), true.into());
            }
        }
        if let Some(default) = default {
            put(&mut out.facts, key("default"), default);
        }
        out.parameters.insert(
            (action.to_string(), place.to_string()),
            resolved.sources.clone(),
        );
    }

    /// The definition our schema stands for: the one it refers to, else
    /// `wanted` when it admits the same, else `(inline)`.
    fn schema_name(&self, schema: Option<&Value>, pointer: &str, wanted: Option<&str>) -> String {
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
