//! Where our spec may differ from Losant's definition without it being a
//! difference. Each rule is a deliberate convention of our spec; anything
//! else that differs is reported.
//!
//! Rules applied while the two are read (see [`crate::official::shape`] and
//! [`crate::official::ours`]): validation keywords (`pattern`, `maxLength`,
//! `maxItems`, …), `format` (`date-time`, `int64`, `email`, …),
//! descriptions, examples and `additionalProperties: false` are not
//! compared; alternatives are merged, so splitting a schema into `oneOf`
//! members differently, or spelling nullability as `nullable`, a `null`
//! member or a `null` type, is no difference; `patternProperties` and
//! `additionalProperties` are both "a map of"; an inline copy of a
//! definition counts as a reference to it, and a reference of ours counts as
//! the definition it names when what it admits is the same (our own id,
//! tag and advanced-query components, say). Summaries are Losant's prose and
//! not compared; operations are matched by `x-losant-action`.

use crate::official::facts::{Key, Place, Subject};
use crate::official::shape::scalar_text;
use serde_json::Value;
use std::collections::BTreeSet;

/// The hypermedia switches Losant accepts on every call and its definition
/// does not list; our spec declares them where they apply.
pub const HYPERMEDIA_SWITCHES: [&str; 3] = ["_actions", "_links", "_embedded"];

/// Whether a parameter of ours is left out of the comparison: the
/// hypermedia switches, and header parameters Losant's definition does not
/// have (such as `Last-Event-ID` on the event streams, which the
/// definition's clients never send).
pub fn skips_our_parameter(location: &str, name: &str, official_has_it: bool) -> bool {
    !official_has_it
        && ((location == "query" && HYPERMEDIA_SWITCHES.contains(&name)) || location == "header")
}

/// Whether a property of ours that Losant's definition lacks is left out of
/// the comparison: the `_links` and `_embedded` hypermedia extras, which
/// Losant adds to its answers (unless `_links=false`) and its definition does
/// not describe.
pub fn skips_our_property(name: &str, official_has_it: bool) -> bool {
    !official_has_it && HYPERMEDIA_SWITCHES[1..].contains(&name)
}

/// Whether our value of a fact agrees with Losant's.
pub fn agree(key: &Key, official: Option<&Value>, ours: Option<&Value>) -> bool {
    match (official, ours) {
        (None, None) => true,
        (Some(theirs), Some(ours)) => match key.fact.as_str() {
            "type" => types_agree(key, theirs, ours),
            "default" => scalar_text(theirs) == scalar_text(ours),
            _ => theirs == ours,
        },
        // Our spec holds no facts about the definition's own format.
        _ => key.subject == Subject::Meta,
    }
}

fn types_agree(key: &Key, theirs: &Value, ours: &Value) -> bool {
    let (theirs, ours) = (scalar_text(theirs), scalar_text(ours));
    if let Place::Parameter(place) = &key.place {
        // The definition types every path, query and header parameter as a
        // string, whatever it is; our spec narrows them (integer, boolean,
        // an enum, a JSON object).
        if theirs == "string" && !place.starts_with("body.") {
            return true;
        }
    }
    let theirs: BTreeSet<&str> = theirs.split('|').collect();
    // `number` admits our `integer`: our spec narrows counts and
    // milliseconds to integers on purpose.
    let widen = theirs.contains("number") && !theirs.contains("integer");
    let ours: BTreeSet<&str> = ours
        .split('|')
        .map(|t| if widen && t == "integer" { "number" } else { t })
        .collect();
    theirs == ours
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(fact: &str) -> Key {
        Key::new(
            Subject::Operation("devices.get".into()),
            Place::Parameter("query.perPage".into()),
            fact,
        )
    }

    fn node(fact: &str) -> Key {
        Key::new(
            Subject::Schema("device".into()),
            Place::Node(".x".into()),
            fact,
        )
    }

    #[test]
    fn string_query_parameters_admit_our_narrower_types() {
        assert!(agree(
            &param("type"),
            Some(&json!("string")),
            Some(&json!("integer"))
        ));
        assert!(!agree(
            &node("type"),
            Some(&json!("string")),
            Some(&json!("integer"))
        ));
        let body = Key::new(
            Subject::Operation("devices.post".into()),
            Place::Parameter("body.device".into()),
            "type",
        );
        assert!(!agree(
            &body,
            Some(&json!("string")),
            Some(&json!("object"))
        ));
    }

    #[test]
    fn number_admits_integer_but_not_the_reverse() {
        assert!(agree(
            &node("type"),
            Some(&json!("number")),
            Some(&json!("integer"))
        ));
        assert!(agree(
            &node("type"),
            Some(&json!("boolean|number|string")),
            Some(&json!("boolean|integer|number|string"))
        ));
        assert!(!agree(
            &node("type"),
            Some(&json!("integer")),
            Some(&json!("number"))
        ));
    }

    #[test]
    fn defaults_compare_as_text_and_absence_is_a_difference() {
        assert!(agree(
            &param("default"),
            Some(&json!(100)),
            Some(&json!("100"))
        ));
        assert!(!agree(&param("enum x"), Some(&json!(true)), None));
        assert!(agree(
            &Key::new(Subject::Meta, Place::Whole, "dialect"),
            Some(&json!([])),
            None
        ));
    }

    #[test]
    fn only_unlisted_hypermedia_switches_and_headers_are_skipped() {
        assert!(skips_our_parameter("query", "_links", false));
        assert!(skips_our_parameter("header", "Last-Event-ID", false));
        assert!(!skips_our_parameter("header", "Last-Event-ID", true));
        assert!(!skips_our_parameter("query", "perPage", false));
        assert!(skips_our_property("_embedded", false));
        assert!(!skips_our_property("_actions", false));
        assert!(!skips_our_property("_links", true));
    }
}
