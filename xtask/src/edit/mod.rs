//! Edits of our spec's YAML text (see [`yaml`]), made in
//! batches, each checked: a batch that cannot be made is left out, and the
//! result must parse to exactly the intended document.

mod values;
mod yaml;

use serde_json::Value;
use std::collections::BTreeMap;

/// One edit of our spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Add `key: value` to the mapping at `pointer`.
    Insert {
        pointer: String,
        key: String,
        value: Value,
    },
    /// Append `value` to the sequence at `pointer`.
    Append { pointer: String, value: Value },
    /// Replace the scalar at `pointer`.
    Set { pointer: String, value: Value },
}

impl Edit {
    fn apply_value(&self, document: &mut Value) -> Result<(), String> {
        match self {
            Edit::Insert {
                pointer,
                key,
                value,
            } => document
                .pointer_mut(pointer)
                .and_then(Value::as_object_mut)
                .map(|map| {
                    map.insert(key.clone(), value.clone());
                })
                .ok_or_else(|| format!("{pointer} is not a mapping")),
            Edit::Append { pointer, value } => document
                .pointer_mut(pointer)
                .and_then(Value::as_array_mut)
                .map(|items| items.push(value.clone()))
                .ok_or_else(|| format!("{pointer} is not a sequence")),
            Edit::Set { pointer, value } => document
                .pointer_mut(pointer)
                .map(|slot| *slot = value.clone())
                .ok_or_else(|| format!("{pointer} does not exist")),
        }
    }

    fn apply_text(&self, text: &str) -> Result<String, String> {
        match self {
            Edit::Insert {
                pointer,
                key,
                value,
            } => yaml::insert_entry(text, pointer, key, value),
            Edit::Append { pointer, value } => yaml::append_item(text, pointer, value),
            Edit::Set { pointer, value } => yaml::set_scalar(text, pointer, value),
        }
    }
}

/// Result of merging: the new text and document, and which batches (by
/// their index) could not be made.
pub struct Merged {
    pub text: String,
    pub document: Value,
    pub failed: BTreeMap<usize, String>,
}

/// Applies each batch of `batches` (index, edits) whole or not at all, then
/// `extra`, which must succeed. The result must parse to exactly the
/// intended document.
pub fn merge(
    text: &str,
    document: &Value,
    batches: &[(usize, Vec<Edit>)],
    extra: &[Edit],
) -> Result<Merged, String> {
    let mut text = text.to_string();
    let mut intended = document.clone();
    let mut failed = BTreeMap::new();
    let all = batches
        .iter()
        .map(|(i, edits)| (Some(*i), edits.clone()))
        .chain(std::iter::once((None, extra.to_vec())));
    for (index, edits) in all {
        let mut scratch_text = text.clone();
        let mut scratch_doc = intended.clone();
        let outcome = edits.iter().try_for_each(|edit| {
            edit.apply_value(&mut scratch_doc)?;
            scratch_text = edit.apply_text(&scratch_text)?;
            Ok::<(), String>(())
        });
        match (outcome, index) {
            (Ok(()), _) => {
                text = scratch_text;
                intended = scratch_doc;
            }
            (Err(reason), Some(i)) => {
                failed.insert(i, reason);
            }
            (Err(reason), None) => {
                return Err(format!(
                    "cannot record the upstream in info.x-upstream: {reason}"
                ))
            }
        }
    }
    let reparsed = crate::codegen::load::parse(&text)
        .map_err(|e| format!("the edited spec does not parse: {e}"))?;
    if reparsed != intended {
        return Err(
            "the edited spec does not parse to the intended document (a YAML editing bug)".into(),
        );
    }
    Ok(Merged {
        text,
        document: intended,
        failed,
    })
}
