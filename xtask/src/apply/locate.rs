//! Finding a schema node or parameter by its place, in our spec (as
//! written) or in the upstream document.

use super::Context;
use crate::model::{self, segments};
use crate::ours::{self, escape};
use serde_json::Value;

/// Our node at `path` of `schema` as written (the last step's `$ref` not
/// followed).
pub(super) fn raw_node<'a>(ours: &'a Value, schema: &str, path: &str) -> Option<&'a Value> {
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

pub(super) fn rebuild(parts: &[String]) -> String {
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

pub(super) fn upstream_parameter<'a>(
    context: &Context<'a>,
    op: &str,
    key: &str,
) -> Option<&'a Value> {
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

pub(super) fn upstream_node<'a>(
    context: &Context<'a>,
    schema: &str,
    path: &str,
) -> Option<&'a Value> {
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
