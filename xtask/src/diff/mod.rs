//! What changed between two normalized upstream documents.
//!
//! [`Change`] (in [`change`]) is one difference; this module finds them.

mod change;

pub use change::Change;

use crate::model::{Node, Operation, Parameter, Snapshot};
use std::collections::{BTreeMap, BTreeSet};

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
