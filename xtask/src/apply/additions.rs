//! The edits that merge an additive change (an enum value, an optional
//! parameter, a property), or why it is left for a person.

use super::convert::typed_value;
use super::locate::{raw_node, rebuild, upstream_node, upstream_parameter};
use super::{convert, show, Action, Context, Edit};
use crate::model::{self, display_node, scalar_text, segments};
use crate::ours::{self, escape};
use serde_json::{Map, Value};

pub(super) fn enum_added(ours: &Value, pointer: &str, value: &str) -> Action {
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

pub(super) fn enum_removed(ours: &Value, pointer: Option<String>, value: &str) -> Action {
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

pub(super) fn assess_param_added(
    context: &Context,
    op: &str,
    key: &str,
    ty: &str,
    required: bool,
) -> Action {
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

pub(super) fn assess_property_added(
    context: &Context,
    schema: &str,
    path: &str,
    ty: &str,
) -> Action {
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
