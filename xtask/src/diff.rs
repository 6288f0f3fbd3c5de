//! What changed between two normalized upstream documents.

use crate::model::{display_node, Node, Operation, Parameter, Snapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One semantic difference between the baseline and the new upstream.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Version {
        from: String,
        to: String,
    },
    /// The document moved to another OpenAPI version (3.0.3 → 3.1.0 changes
    /// what `nullable`, `type` lists and `$ref` siblings mean).
    OpenApiVersion {
        from: String,
        to: String,
    },
    OperationAdded {
        op: String,
        method: String,
        path: String,
    },
    OperationRemoved {
        op: String,
    },
    /// The upstream moved a mapped operation to another method or path (the
    /// aggregator un-collapsing a path, say).
    OperationMoved {
        op: String,
        from: String,
        to: String,
    },
    UnmappedAdded {
        key: String,
    },
    UnmappedRemoved {
        key: String,
    },
    ParamAdded {
        op: String,
        param: String,
        ty: String,
        required: bool,
    },
    ParamRemoved {
        op: String,
        param: String,
    },
    ParamRetyped {
        op: String,
        param: String,
        from: String,
        to: String,
    },
    ParamRequired {
        op: String,
        param: String,
        required: bool,
    },
    ParamEnumAdded {
        op: String,
        param: String,
        value: String,
    },
    ParamEnumRemoved {
        op: String,
        param: String,
        value: String,
    },
    BodyChanged {
        op: String,
        from: String,
        to: String,
    },
    ResponseAdded {
        op: String,
        status: String,
        ty: String,
    },
    ResponseRemoved {
        op: String,
        status: String,
    },
    ResponseRetyped {
        op: String,
        status: String,
        from: String,
        to: String,
    },
    SchemaAdded {
        schema: String,
    },
    SchemaRemoved {
        schema: String,
    },
    PropertyAdded {
        schema: String,
        path: String,
        ty: String,
    },
    PropertyRemoved {
        schema: String,
        path: String,
    },
    Retyped {
        schema: String,
        path: String,
        from: String,
        to: String,
    },
    EnumAdded {
        schema: String,
        path: String,
        value: String,
    },
    EnumRemoved {
        schema: String,
        path: String,
        value: String,
    },
    RequiredAdded {
        schema: String,
        path: String,
        name: String,
    },
    RequiredRemoved {
        schema: String,
        path: String,
        name: String,
    },
}

impl Change {
    /// Whether the change only adds to the API (a client written for the old
    /// document keeps working).
    pub fn is_additive(&self) -> bool {
        matches!(
            self,
            Change::OperationAdded { .. }
                | Change::UnmappedAdded { .. }
                | Change::ParamAdded {
                    required: false,
                    ..
                }
                | Change::ParamEnumAdded { .. }
                | Change::SchemaAdded { .. }
                | Change::PropertyAdded { .. }
                | Change::EnumAdded { .. }
                | Change::ResponseAdded { .. }
        )
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Version { from, to } => write!(f, "version {from} → {to}"),
            Change::OpenApiVersion { from, to } => write!(f, "OpenAPI version {from} → {to}"),
            Change::OperationAdded { op, method, path } => write!(
                f,
                "operation added: {op} (upstream: {} {path})",
                method.to_uppercase()
            ),
            Change::OperationRemoved { op } => write!(f, "operation removed: {op}"),
            Change::OperationMoved { op, from, to } => {
                write!(f, "operation {op} moved upstream: {from} → {to}")
            }
            Change::UnmappedAdded { key } => write!(f, "unmapped operation added: {key}"),
            Change::UnmappedRemoved { key } => write!(f, "unmapped operation removed: {key}"),
            Change::ParamAdded {
                op,
                param,
                ty,
                required,
            } => write!(
                f,
                "parameter added: {op} {param}: {ty}{}",
                if *required { " (required)" } else { "" }
            ),
            Change::ParamRemoved { op, param } => write!(f, "parameter removed: {op} {param}"),
            Change::ParamRetyped {
                op,
                param,
                from,
                to,
            } => write!(f, "parameter retyped: {op} {param}: {from} → {to}"),
            Change::ParamRequired {
                op,
                param,
                required,
            } => write!(
                f,
                "parameter {op} {param} is now {}",
                if *required { "required" } else { "optional" }
            ),
            Change::ParamEnumAdded { op, param, value } => {
                write!(f, "enum value added: {op} {param}: {value:?}")
            }
            Change::ParamEnumRemoved { op, param, value } => {
                write!(f, "enum value removed: {op} {param}: {value:?}")
            }
            Change::BodyChanged { op, from, to } => {
                write!(f, "request body of {op}: {from} → {to}")
            }
            Change::ResponseAdded { op, status, ty } => {
                write!(f, "response added: {op} {status}: {ty}")
            }
            Change::ResponseRemoved { op, status } => {
                write!(f, "response removed: {op} {status}")
            }
            Change::ResponseRetyped {
                op,
                status,
                from,
                to,
            } => write!(f, "response retyped: {op} {status}: {from} → {to}"),
            Change::SchemaAdded { schema } => write!(f, "schema added: {schema}"),
            Change::SchemaRemoved { schema } => write!(f, "schema removed: {schema}"),
            Change::PropertyAdded { schema, path, ty } => {
                write!(f, "property added: {}: {ty}", display_node(schema, path))
            }
            Change::PropertyRemoved { schema, path } => {
                write!(f, "property removed: {}", display_node(schema, path))
            }
            Change::Retyped {
                schema,
                path,
                from,
                to,
            } => write!(f, "retyped: {}: {from} → {to}", display_node(schema, path)),
            Change::EnumAdded {
                schema,
                path,
                value,
            } => write!(
                f,
                "enum value added: {}: {value:?}",
                display_node(schema, path)
            ),
            Change::EnumRemoved {
                schema,
                path,
                value,
            } => write!(
                f,
                "enum value removed: {}: {value:?}",
                display_node(schema, path)
            ),
            Change::RequiredAdded { schema, path, name } => write!(
                f,
                "now required: {}",
                display_node(schema, &crate::model::join(path, name))
            ),
            Change::RequiredRemoved { schema, path, name } => write!(
                f,
                "no longer required: {}",
                display_node(schema, &crate::model::join(path, name))
            ),
        }
    }
}

/// Every change from `old` to `new`, in a stable order.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.version != new.version {
        changes.push(Change::Version {
            from: old.version.clone(),
            to: new.version.clone(),
        });
    }
    // A baseline recorded before the field was kept says nothing about it.
    if !old.openapi.is_empty() && old.openapi != new.openapi {
        changes.push(Change::OpenApiVersion {
            from: old.openapi.clone(),
            to: new.openapi.clone(),
        });
    }
    for (id, operation) in &new.operations {
        match old.operations.get(id) {
            None => changes.push(Change::OperationAdded {
                op: id.clone(),
                method: operation.method.clone(),
                path: operation.path.clone(),
            }),
            Some(before) => diff_operation(id, before, operation, &mut changes),
        }
    }
    for id in old.operations.keys() {
        if !new.operations.contains_key(id) {
            changes.push(Change::OperationRemoved { op: id.clone() });
        }
    }
    for key in new.unmapped.keys() {
        if !old.unmapped.contains_key(key) {
            changes.push(Change::UnmappedAdded { key: key.clone() });
        }
    }
    for key in old.unmapped.keys() {
        if !new.unmapped.contains_key(key) {
            changes.push(Change::UnmappedRemoved { key: key.clone() });
        }
    }
    for (name, nodes) in &new.schemas {
        match old.schemas.get(name) {
            None => changes.push(Change::SchemaAdded {
                schema: name.clone(),
            }),
            Some(before) => diff_schema(name, before, nodes, &mut changes),
        }
    }
    for name in old.schemas.keys() {
        if !new.schemas.contains_key(name) {
            changes.push(Change::SchemaRemoved {
                schema: name.clone(),
            });
        }
    }
    changes
}

fn diff_operation(id: &str, old: &Operation, new: &Operation, changes: &mut Vec<Change>) {
    let op = || id.to_string();
    if old.method != new.method || old.path != new.path {
        changes.push(Change::OperationMoved {
            op: op(),
            from: format!("{} {}", old.method.to_uppercase(), old.path),
            to: format!("{} {}", new.method.to_uppercase(), new.path),
        });
    }
    for (key, parameter) in &new.parameters {
        match old.parameters.get(key) {
            None => changes.push(Change::ParamAdded {
                op: op(),
                param: key.clone(),
                ty: parameter.ty.clone(),
                required: parameter.required,
            }),
            Some(before) => diff_parameter(id, key, before, parameter, changes),
        }
    }
    for key in old.parameters.keys() {
        if !new.parameters.contains_key(key) {
            changes.push(Change::ParamRemoved {
                op: op(),
                param: key.clone(),
            });
        }
    }
    if old.body != new.body {
        let show = |b: &Option<String>| b.clone().unwrap_or_else(|| "none".into());
        changes.push(Change::BodyChanged {
            op: op(),
            from: show(&old.body),
            to: show(&new.body),
        });
    }
    for (status, ty) in &new.responses {
        match old.responses.get(status) {
            None => changes.push(Change::ResponseAdded {
                op: op(),
                status: status.clone(),
                ty: ty.clone(),
            }),
            Some(before) if before != ty => changes.push(Change::ResponseRetyped {
                op: op(),
                status: status.clone(),
                from: before.clone(),
                to: ty.clone(),
            }),
            Some(_) => {}
        }
    }
    for status in old.responses.keys() {
        if !new.responses.contains_key(status) {
            changes.push(Change::ResponseRemoved {
                op: op(),
                status: status.clone(),
            });
        }
    }
}

fn diff_parameter(
    id: &str,
    key: &str,
    old: &Parameter,
    new: &Parameter,
    changes: &mut Vec<Change>,
) {
    if old.ty != new.ty {
        changes.push(Change::ParamRetyped {
            op: id.into(),
            param: key.into(),
            from: old.ty.clone(),
            to: new.ty.clone(),
        });
    }
    if old.required != new.required {
        changes.push(Change::ParamRequired {
            op: id.into(),
            param: key.into(),
            required: new.required,
        });
    }
    let (added, removed) = set_diff(&old.enum_values, &new.enum_values);
    for value in added {
        changes.push(Change::ParamEnumAdded {
            op: id.into(),
            param: key.into(),
            value,
        });
    }
    for value in removed {
        changes.push(Change::ParamEnumRemoved {
            op: id.into(),
            param: key.into(),
            value,
        });
    }
}

fn diff_schema(
    name: &str,
    old: &BTreeMap<String, Node>,
    new: &BTreeMap<String, Node>,
    changes: &mut Vec<Change>,
) {
    let schema = || name.to_string();
    // Report only the outermost added or removed node: a new inline object
    // is one added property, not one per nested field.
    let mut added: Vec<&String> = Vec::new();
    for (path, node) in new {
        match old.get(path) {
            None => {
                if !added.iter().any(|a| is_inside(path, a)) {
                    added.push(path);
                    changes.push(Change::PropertyAdded {
                        schema: schema(),
                        path: path.clone(),
                        ty: node.ty.clone(),
                    });
                }
            }
            Some(before) => {
                if before.ty != node.ty {
                    changes.push(Change::Retyped {
                        schema: schema(),
                        path: path.clone(),
                        from: before.ty.clone(),
                        to: node.ty.clone(),
                    });
                }
                let (plus, minus) = set_diff(&before.enum_values, &node.enum_values);
                for value in plus {
                    changes.push(Change::EnumAdded {
                        schema: schema(),
                        path: path.clone(),
                        value,
                    });
                }
                for value in minus {
                    changes.push(Change::EnumRemoved {
                        schema: schema(),
                        path: path.clone(),
                        value,
                    });
                }
                let (plus, minus) = set_diff(&before.required, &node.required);
                for required in plus {
                    changes.push(Change::RequiredAdded {
                        schema: schema(),
                        path: path.clone(),
                        name: required,
                    });
                }
                for required in minus {
                    changes.push(Change::RequiredRemoved {
                        schema: schema(),
                        path: path.clone(),
                        name: required,
                    });
                }
            }
        }
    }
    let mut removed: Vec<&String> = Vec::new();
    for path in old.keys() {
        if !new.contains_key(path) && !removed.iter().any(|r| is_inside(path, r)) {
            removed.push(path);
            changes.push(Change::PropertyRemoved {
                schema: schema(),
                path: path.clone(),
            });
        }
    }
}

/// Whether node `path` lies below node `ancestor`.
fn is_inside(path: &str, ancestor: &str) -> bool {
    let a = crate::model::segments(ancestor);
    let p = crate::model::segments(path);
    p.len() > a.len() && p[..a.len()] == a[..]
}

/// (in new but not old, in old but not new), each in the order found.
fn set_diff(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let old_set: BTreeSet<&String> = old.iter().collect();
    let new_set: BTreeSet<&String> = new.iter().collect();
    (
        new.iter()
            .filter(|v| !old_set.contains(v))
            .cloned()
            .collect(),
        old.iter()
            .filter(|v| !new_set.contains(v))
            .cloned()
            .collect(),
    )
}
