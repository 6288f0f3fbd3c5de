//! What one upstream change means for our spec.

use super::additions::{assess_param_added, assess_property_added, enum_added, enum_removed};
use super::locate::raw_node;
use super::{convert, show, Action, Context, Edit};
use crate::diff::Change;
use crate::model::{self, display_node, scalar_text};
use crate::ours::{self, escape};
use serde_json::Value;

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
