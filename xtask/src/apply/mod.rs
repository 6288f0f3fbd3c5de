//! What each upstream change means for our spec, and merging the additive
//! ones.
//!
//! Every change is assessed against our spec: already there (nothing to do),
//! mergeable (purely additive and locatable: a new property, enum value,
//! optional parameter or schema), or for a person (removals, retypes, new
//! required fields, new operations, anything that cannot be located or
//! converted cleanly). Merging edits the YAML text (see [`crate::edit`])
//! and checks that the result parses to exactly the intended document and
//! still generates the client before anything is written.

//!
//! [`assess`] decides what each change means, [`additions`] builds the edits
//! for what can be merged, [`convert`] rewrites upstream schema fragments for
//! our spec and [`locate`] finds nodes in either document.

mod additions;
mod assess;
mod convert;
mod locate;

pub use assess::assess;
pub use convert::{convert, learn_common_refs};

use crate::diff::Change;
pub use crate::edit::{Edit, Merged};
use crate::model::scalar_text;
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
