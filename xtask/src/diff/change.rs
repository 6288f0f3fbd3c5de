//! One semantic difference between the baseline and the new upstream, and
//! how it reads in a report.

use crate::model::display_node;
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
