//! What a one-fact item is called, whether `--apply` may make it, and the
//! note that explains it.

use super::{Assessment, Cell, OURS, THEIRS};
use crate::official::shape::scalar_text;
use serde_json::Value;

/// The kind of a one-fact item, and whether `--apply` may make it.
pub(super) fn fact_kind(noun: &str, fact: &str, cell: &Cell, drift: bool) -> (String, Assessment) {
    let theirs = cell[THEIRS].is_some();
    if fact.starts_with("enum ") {
        return match (drift, theirs) {
            (true, true) => ("enum-value-added".into(), Assessment::Safe),
            (true, false) => ("enum-value-removed".into(), Assessment::Decide),
            (false, true) => ("enum-value-missing".into(), Assessment::Safe),
            (false, false) => ("enum-value-extra".into(), Assessment::Decide),
        };
    }
    if !drift {
        return (format!("{noun}-differs"), Assessment::Decide);
    }
    let set = cell[THEIRS] == Some(Value::Bool(true));
    let kind = match (noun, fact) {
        ("parameter", "type" | "schema") => "parameter-retyped".to_string(),
        ("parameter", "required") if set => "parameter-required".into(),
        ("parameter", "required") => "parameter-optional".into(),
        ("parameter", "default") => "parameter-default-changed".into(),
        ("response", _) => "response-retyped".into(),
        ("property", "required") if set => "property-required".into(),
        ("property", "required") => "property-optional".into(),
        ("property", "nullable") if set => "property-nullable".into(),
        ("property", "nullable") => "property-not-nullable".into(),
        (noun, fact) => format!("{noun}-{fact}-changed"),
    };
    (kind, Assessment::Decide)
}

pub(super) fn shown(value: Option<&Value>) -> String {
    value.map(scalar_text).unwrap_or_else(|| "nothing".into())
}

pub(super) fn fact_note(fact: &str, cell: &Cell) -> String {
    if fact.starts_with("enum ") {
        return match (&cell[THEIRS], &cell[OURS]) {
            (Some(_), _) => "our spec does not list it: `--apply` adds it".into(),
            (None, Some(_)) => "our spec still lists it: remove it if Losant really dropped it, or decide to keep it".into(),
            _ => "our spec does not list it either".into(),
        };
    }
    format!(
        "{fact}: Losant {}, our spec {}",
        shown(cell[THEIRS].as_ref()),
        shown(cell[OURS].as_ref())
    )
}
