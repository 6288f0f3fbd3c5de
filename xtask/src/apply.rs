//! What each upstream change means for our spec, and merging the additive
//! ones.
//!
//! Every change is assessed against our spec: already there (nothing to do),
//! mergeable (purely additive and locatable: a new property, enum value,
//! optional parameter or schema), or for a person (removals, retypes, new
//! required fields, new operations, anything that cannot be located or
//! converted cleanly). Merging edits the YAML text (see [`crate::yamledit`])
//! and checks that the result parses to exactly the intended document and
//! still generates the client before anything is written.

use crate::diff::Change;
pub use crate::edit::{Edit, Merged};
use crate::model::{self, display_node, scalar_text, segments, walk, SCHEMA_PREFIX};
use crate::ours::{self, escape};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What to do about one change.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The version bump: recorded by `--apply` in `info.x-upstream` and the
    /// baseline.
    Record,
    /// Our spec already has it or already agrees.
    InSpec(String),
    /// Additive and locatable: `--apply` makes these edits.
    Merge(Vec<Edit>, String),
    /// Needs a person.
    Person(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub change: Change,
    pub action: Action,
}

/// Our spec and the new upstream, with what conversion needs.
pub struct Context<'a> {
    pub ours: &'a Value,
    pub upstream: &'a Value,
    /// `common/<name>` → our equivalent, learned from the schemas both
    /// documents have (see [`learn_common_refs`]).
    pub common: BTreeMap<String, Value>,
    /// Schemas the upstream adds in this run (they may refer to each other).
    pub added_schemas: BTreeSet<String>,
}

impl<'a> Context<'a> {
    pub fn new(ours: &'a Value, upstream: &'a Value, changes: &[Change]) -> Self {
        let added_schemas = changes
            .iter()
            .filter_map(|c| match c {
                Change::SchemaAdded { schema } => Some(schema.clone()),
                _ => None,
            })
            .collect();
        Context {
            ours,
            upstream,
            common: learn_common_refs(ours, upstream),
            added_schemas,
        }
    }
}

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

/// Our node at `path` of `schema` as written (the last step's `$ref` not
/// followed).
fn raw_node<'a>(ours: &'a Value, schema: &str, path: &str) -> Option<&'a Value> {
    let parts = segments(path);
    let (last, parents) = parts.split_last()?;
    let parent_path = parents.join(".");
    let parent = if parent_path.is_empty() {
        ours::resolve_pointer(ours, &format!("/components/schemas/{}", escape(schema)))?
    } else {
        ours::schema_node(ours, schema, &rebuild(parents))?
    };
    if last.starts_with(['[', '{', '<']) {
        return None;
    }
    ours.pointer(&format!("{parent}/properties/{}", escape(last)))
}

fn rebuild(parts: &[String]) -> String {
    let mut path = String::new();
    for part in parts {
        if part.starts_with(['[', '{', '<']) {
            path.push_str(part);
        } else {
            path = model::join(&path, part);
        }
    }
    path
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
fn typed_value(text: &str, existing: &[Value]) -> Value {
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

/// A pointer for people: `components/schemas/device/properties`, or
/// `GET /applications/{applicationId}/devices parameters/3` inside paths.
pub fn show(pointer: &str) -> String {
    let unescape = |t: &str| t.replace("~1", "/").replace("~0", "~");
    let tokens: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    if tokens.len() >= 3 && tokens[0] == "paths" {
        let rest: Vec<String> = tokens[3..].iter().map(|t| unescape(t)).collect();
        let mut text = format!("{} {}", tokens[2].to_uppercase(), unescape(tokens[1]));
        if !rest.is_empty() {
            text.push(' ');
            text.push_str(&rest.join("/"));
        }
        return text;
    }
    tokens
        .iter()
        .map(|t| unescape(t))
        .collect::<Vec<_>>()
        .join("/")
}

fn upstream_parameter<'a>(context: &Context<'a>, op: &str, key: &str) -> Option<&'a Value> {
    let (_, _, value) =
        model::operations_of(context.upstream)
            .into_iter()
            .find(|(_, method, value)| {
                let summary = value.get("summary").and_then(Value::as_str).unwrap_or("");
                crate::mapping::operation_id(method, summary, Some(context.ours)).as_deref()
                    == Some(op)
            })?;
    ours::parameter_value(context.upstream, value, key)
}

fn upstream_node<'a>(context: &Context<'a>, schema: &str, path: &str) -> Option<&'a Value> {
    let root = context
        .upstream
        .pointer(&format!("/components/schemas/{}", escape(schema)))?;
    find_node(root, path)
}

fn find_node<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = root;
    for segment in segments(path) {
        node = if segment == "[]" {
            node.get("items")?
        } else if segment == "{*}" {
            node.get("additionalProperties")?
        } else if let Some(pattern) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            node.get("patternProperties")?.get(pattern)?
        } else if let Some(inner) = segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
            let (key, index) = inner.split_once(' ')?;
            node.get(key)?.get(index.parse::<usize>().ok()?)?
        } else {
            node.get("properties")?.get(segment.as_str())?
        };
    }
    Some(node)
}

/// Assesses one change against our spec.
pub fn assess(context: &Context, change: &Change) -> Action {
    let ours = context.ours;
    match change {
        Change::Version { .. } => Action::Record,
        Change::OpenApiVersion { to, .. } => Action::Person(format!(
            "the upstream is now OpenAPI {to}: check how its documents are read (3.1 spells nullability and composition differently) before trusting the rest of this report"
        )),
        Change::OperationAdded { op, .. } => match ours::operation(ours, op) {
            Some(pointer) => {
                let mut note = format!("our spec has it ({})", describe_operation(&pointer));
                if crate::mapping::KNOWN_MISSING.contains(&op.as_str()) {
                    note.push_str("; remove it from KNOWN_MISSING in xtask/src/mapping.rs");
                }
                Action::InSpec(note)
            }
            None => Action::Person(
                "not in our spec: add it by hand (operationId, the real path — the upstream's may be collapsed —, parameters, responses)".into(),
            ),
        },
        Change::OperationRemoved { op } => match ours::operation(ours, op) {
            Some(_) => Action::Person(format!(
                "our spec still has {op}; check Losant's API reference before removing it (the aggregator may just have lost it)"
            )),
            None => Action::InSpec("not in our spec either".into()),
        },
        Change::OperationMoved { op, to, .. } => match ours::operation(ours, op) {
            Some(pointer) if describe_operation(&pointer) == *to => {
                Action::InSpec("matches our spec".into())
            }
            Some(pointer) => Action::Person(format!(
                "our spec has {}; upstream paths are not trusted (the aggregator collapses them), check Losant's API reference",
                describe_operation(&pointer)
            )),
            None => Action::InSpec(format!("our spec has no {op}")),
        },
        Change::UnmappedAdded { .. } => Action::Person(
            "cannot be matched to one of our operations: add a row to TABLE in xtask/src/mapping.rs, and the operation to our spec if it is new".into(),
        ),
        Change::UnmappedRemoved { .. } => Action::InSpec("nothing to do".into()),
        Change::ParamAdded {
            op,
            param,
            ty,
            required,
        } => assess_param_added(context, op, param, ty, *required),
        Change::ParamRemoved { op, param } => {
            match ours::operation(ours, op).and_then(|o| ours::parameter(ours, &o, param)) {
                Some(pointer) => Action::Person(format!(
                    "our spec still has it ({}); remove it if Losant really dropped it",
                    show(&pointer)
                )),
                None => Action::InSpec("not in our spec either".into()),
            }
        }
        Change::ParamRetyped { op, param, to, .. } => {
            match ours::operation(ours, op).and_then(|o| ours::parameter(ours, &o, param)) {
                Some(pointer) => {
                    let node = ours.pointer(&pointer).unwrap_or(&Value::Null);
                    if ours::compatible(ours, to, node, true) {
                        Action::InSpec(format!("our type admits it ({})", show(&pointer)))
                    } else {
                        Action::Person(format!("our spec types it differently ({})", show(&pointer)))
                    }
                }
                None => Action::InSpec("not in our spec".into()),
            }
        }
        Change::ParamRequired {
            op,
            param,
            required,
        } => match ours::operation(ours, op).and_then(|o| ours::parameter(ours, &o, param)) {
            Some(pointer) => {
                let ours_required = ours
                    .pointer(&format!("{pointer}/required"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if ours_required == *required {
                    Action::InSpec("our spec agrees".into())
                } else {
                    Action::Person(format!("our spec disagrees ({})", show(&pointer)))
                }
            }
            None => Action::Person("our spec does not have this parameter".into()),
        },
        Change::ParamEnumAdded { op, param, value } => {
            let Some(schema) = ours::operation(ours, op)
                .and_then(|o| ours::parameter(ours, &o, param))
                .and_then(|p| ours::parameter_schema(ours, &p))
            else {
                return Action::Person("our spec does not have this parameter".into());
            };
            enum_added(ours, &schema, value)
        }
        Change::ParamEnumRemoved { op, param, value } => {
            let schema = ours::operation(ours, op)
                .and_then(|o| ours::parameter(ours, &o, param))
                .and_then(|p| ours::parameter_schema(ours, &p));
            enum_removed(ours, schema, value)
        }
        Change::BodyChanged { .. } | Change::ResponseRetyped { .. } => Action::Person(
            "check the request/response schema of our operation against Losant's API reference".into(),
        ),
        Change::ResponseAdded { op, status, .. } => {
            match ours::operation(ours, op)
                .and_then(|o| ours.pointer(&format!("{o}/responses/{status}")))
            {
                Some(_) => Action::InSpec("our spec has this response".into()),
                None => Action::Person("our spec does not list this response".into()),
            }
        }
        Change::ResponseRemoved { op, status } => {
            match ours::operation(ours, op)
                .and_then(|o| ours.pointer(&format!("{o}/responses/{status}")))
            {
                Some(_) => Action::Person("our spec still lists this response".into()),
                None => Action::InSpec("not in our spec either".into()),
            }
        }
        Change::SchemaAdded { schema } => {
            let pointer = format!("/components/schemas/{}", escape(schema));
            if ours.pointer(&pointer).is_some() {
                return Action::InSpec(format!("our spec has {}", show(&pointer)));
            }
            let Some(upstream) = context.upstream.pointer(&pointer) else {
                return Action::Person("not found in the upstream document".into());
            };
            match convert(context, upstream) {
                Ok(value) => Action::Merge(
                    vec![Edit::Insert {
                        pointer: "/components/schemas".into(),
                        key: schema.clone(),
                        value,
                    }],
                    format!("adds {}", show(&pointer)),
                ),
                Err(reason) => Action::Person(format!("cannot be merged as is: it {reason}")),
            }
        }
        Change::SchemaRemoved { schema } => {
            let pointer = format!("/components/schemas/{}", escape(schema));
            if ours.pointer(&pointer).is_some() {
                Action::Person(format!(
                    "our spec still has {}; check whether Losant really dropped it",
                    show(&pointer)
                ))
            } else {
                Action::InSpec("not in our spec either".into())
            }
        }
        Change::PropertyAdded { schema, path, ty } => {
            assess_property_added(context, schema, path, ty)
        }
        Change::PropertyRemoved { schema, path } => match ours::schema_node(ours, schema, path) {
            Some(pointer) => Action::Person(format!(
                "our spec still has it ({}); remove it if Losant really dropped it",
                show(&pointer)
            )),
            None => Action::InSpec("not in our spec either".into()),
        },
        Change::Retyped {
            schema, path, to, ..
        } => match raw_node(ours, schema, path) {
            Some(node) => {
                if ours::compatible(ours, to, node, false) {
                    Action::InSpec("our type admits it".into())
                } else {
                    Action::Person(format!(
                        "our spec types it as {}",
                        model::type_of(node)
                    ))
                }
            }
            None => match ours::schema_node(ours, schema, path) {
                Some(pointer) => Action::Person(format!("review {}", show(&pointer))),
                None => Action::InSpec("not in our spec".into()),
            },
        },
        Change::EnumAdded {
            schema,
            path,
            value,
        } => match ours::schema_node(ours, schema, path) {
            Some(pointer) => enum_added(ours, &pointer, value),
            None => Action::Person(format!(
                "our spec has no {}",
                display_node(schema, path)
            )),
        },
        Change::EnumRemoved {
            schema,
            path,
            value,
        } => enum_removed(ours, ours::schema_node(ours, schema, path), value),
        Change::RequiredAdded { schema, path, name } => {
            let required = ours::schema_node(ours, schema, path)
                .and_then(|p| ours.pointer(&format!("{p}/required")))
                .and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(|v| scalar_text(v) == *name));
            if required {
                Action::InSpec("our spec requires it too".into())
            } else {
                Action::Person(
                    "now required upstream; for a request body that breaks callers, review".into(),
                )
            }
        }
        Change::RequiredRemoved { schema, path, name } => {
            match ours::schema_node(ours, schema, path)
                .and_then(|p| ours.pointer(&format!("{p}/required")).map(|r| (p, r)))
                .filter(|(_, r)| {
                    r.as_array()
                        .is_some_and(|list| list.iter().any(|v| scalar_text(v) == *name))
                }) {
                Some((pointer, _)) => Action::Person(format!(
                    "our spec still requires it ({}/required)",
                    show(&pointer)
                )),
                None => Action::InSpec("our spec does not require it".into()),
            }
        }
    }
}

fn describe_operation(pointer: &str) -> String {
    // /paths/<escaped path>/<method>
    let rest = pointer.trim_start_matches("/paths/");
    match rest.rsplit_once('/') {
        Some((path, method)) => format!(
            "{} {}",
            method.to_uppercase(),
            path.replace("~1", "/").replace("~0", "~")
        ),
        None => rest.to_string(),
    }
}

fn enum_added(ours: &Value, pointer: &str, value: &str) -> Action {
    let Some(node) = ours.pointer(pointer) else {
        return Action::Person(format!("{} is missing", show(pointer)));
    };
    let Some(existing) = node.get("enum").and_then(Value::as_array) else {
        return Action::InSpec(format!(
            "our spec does not restrict the values ({})",
            show(pointer)
        ));
    };
    if existing.iter().any(|v| scalar_text(v) == value) {
        return Action::InSpec(format!("our spec lists it ({})", show(pointer)));
    }
    let mut note = format!("adds it to {}/enum", show(pointer));
    if pointer.starts_with("/components/") {
        note.push_str(" (a shared component: every use of it gains the value)");
    }
    Action::Merge(
        vec![Edit::Append {
            pointer: format!("{pointer}/enum"),
            value: typed_value(value, existing),
        }],
        note,
    )
}

fn enum_removed(ours: &Value, pointer: Option<String>, value: &str) -> Action {
    match pointer.and_then(|p| {
        ours.pointer(&format!("{p}/enum"))
            .and_then(Value::as_array)
            .filter(|list| list.iter().any(|v| scalar_text(v) == value))
            .map(|_| p)
    }) {
        Some(pointer) => Action::Person(format!(
            "our spec still lists it ({}/enum); remove it if Losant really dropped it",
            show(&pointer)
        )),
        None => Action::InSpec("our spec does not list it".into()),
    }
}

fn assess_param_added(context: &Context, op: &str, key: &str, ty: &str, required: bool) -> Action {
    let ours = context.ours;
    let Some(operation) = ours::operation(ours, op) else {
        return Action::Person(format!("our spec has no operation {op}"));
    };
    if let Some(pointer) = ours::parameter(ours, &operation, key) {
        let node = ours.pointer(&pointer).unwrap_or(&Value::Null);
        return if ours::compatible(ours, ty, node, true) {
            Action::InSpec(format!("our spec has it ({})", show(&pointer)))
        } else {
            Action::InSpec(format!(
                "our spec has it ({}) with another type; the upstream says {ty}",
                show(&pointer)
            ))
        };
    }
    if required || key.starts_with("path:") {
        return Action::Person("a new required parameter breaks callers: add it by hand".into());
    }
    let Some(upstream) = upstream_parameter(context, op, key) else {
        return Action::Person("not found in the upstream document".into());
    };
    let mut parameter = Map::new();
    for field in ["name", "in", "description", "deprecated"] {
        if let Some(value) = upstream.get(field) {
            parameter.insert(field.into(), value.clone());
        }
    }
    let converted = match (upstream.get("schema"), upstream.get("content")) {
        (Some(schema), _) => convert(context, schema).map(|s| ("schema", s)),
        (None, Some(content)) => Ok(("content", content.clone())),
        _ => Err("has no type".to_string()),
    };
    let (field, schema) = match converted {
        Ok(found) => found,
        Err(reason) => {
            return Action::Person(format!("cannot be merged as is: it {reason}"));
        }
    };
    parameter.insert(field.into(), schema);
    let value = Value::Object(parameter);
    let edit = if ours.pointer(&format!("{operation}/parameters")).is_some() {
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
    };
    Action::Merge(
        vec![edit],
        format!(
            "adds it to {} with the upstream's type ({ty}); the aggregator writes most query parameters as strings, so check the type",
            show(&operation)
        ),
    )
}

fn assess_property_added(context: &Context, schema: &str, path: &str, ty: &str) -> Action {
    let ours = context.ours;
    if let Some(node) = raw_node(ours, schema, path) {
        return if ours::compatible(ours, ty, node, false) {
            Action::InSpec("our spec has it".into())
        } else {
            Action::InSpec(format!(
                "our spec has it as {}; the upstream says {ty}",
                model::type_of(node)
            ))
        };
    }
    let parts = segments(path);
    let Some((name, parents)) = parts.split_last() else {
        return Action::Person("not a property".into());
    };
    let parent_path = rebuild(parents);
    let required_upstream = upstream_node(context, schema, &parent_path)
        .and_then(|parent| parent.get("required"))
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(|v| scalar_text(v) == *name));
    if required_upstream {
        return Action::Person(
            "new and required: callers that do not send it break, so add it by hand (not merged as optional)".into(),
        );
    }
    if name.starts_with(['[', '{', '<']) {
        if ours::schema_node(ours, schema, path).is_some() {
            return Action::InSpec("our spec has it".into());
        }
        return Action::Person("a new composition member or item schema: review".into());
    }
    let parent = if parents.is_empty() {
        ours::resolve_pointer(ours, &format!("/components/schemas/{}", escape(schema)))
    } else {
        ours::schema_node(ours, schema, &rebuild(parents))
    };
    let Some(parent) = parent else {
        return Action::Person(format!(
            "our spec has no {}",
            display_node(schema, &rebuild(parents))
        ));
    };
    if ours
        .pointer(&format!("{parent}/properties"))
        .and_then(Value::as_object)
        .is_none()
    {
        return Action::Person(format!("{} has no properties block", show(&parent)));
    }
    let Some(upstream) = upstream_node(context, schema, path) else {
        return Action::Person("not found in the upstream document".into());
    };
    match convert(context, upstream) {
        Ok(value) => Action::Merge(
            vec![Edit::Insert {
                pointer: format!("{parent}/properties"),
                key: name.clone(),
                value,
            }],
            format!("adds it to {}/properties", show(&parent)),
        ),
        Err(reason) => Action::Person(format!("cannot be merged as is: it {reason}")),
    }
}

/// The edits that record the new upstream in `info.x-upstream`.
pub fn record_upstream(ours: &Value, version: &str, sha256: &str, url: Option<&str>) -> Vec<Edit> {
    let base = "/info/x-upstream";
    match ours.pointer(base).and_then(Value::as_object) {
        Some(existing) => {
            let mut edits = Vec::new();
            let mut set = |key: &str, value: &str| {
                if existing.get(key).map(scalar_text).as_deref() != Some(value) {
                    let pointer = format!("{base}/{key}");
                    if existing.contains_key(key) {
                        edits.push(Edit::Set {
                            pointer,
                            value: json!(value),
                        });
                    } else {
                        edits.push(Edit::Insert {
                            pointer: base.into(),
                            key: key.into(),
                            value: json!(value),
                        });
                    }
                }
            };
            if let Some(url) = url {
                set("url", url);
            }
            set("version", version);
            set("sha256", sha256);
            edits
        }
        None => {
            let mut record = Map::new();
            if let Some(url) = url {
                record.insert("url".into(), json!(url));
            }
            record.insert("version".into(), json!(version));
            record.insert("sha256".into(), json!(sha256));
            vec![Edit::Insert {
                pointer: "/info".into(),
                key: "x-upstream".into(),
                value: Value::Object(record),
            }]
        }
    }
}

/// Applies the `Merge` edits of `assessments` plus `extra` (the x-upstream
/// record) to our spec's text; see [`crate::edit::merge`]. New schemas go
/// first, so that properties referring to them land after.
pub fn merge(
    text: &str,
    document: &Value,
    assessments: &[Assessment],
    extra: &[Edit],
) -> Result<Merged, String> {
    let mut order: Vec<usize> = (0..assessments.len()).collect();
    order.sort_by_key(|&i| !matches!(assessments[i].change, Change::SchemaAdded { .. }));
    let batches: Vec<(usize, Vec<Edit>)> = order
        .into_iter()
        .filter_map(|i| match &assessments[i].action {
            Action::Merge(edits, _) => Some((i, edits.clone())),
            _ => None,
        })
        .collect();
    crate::edit::merge(text, document, &batches, extra)
}
