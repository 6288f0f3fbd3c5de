//! Losant's definition rebuilt from its facts, so that our spec can be
//! compared with the committed baseline without fetching anything.
//!
//! The facts keep everything the comparison reads (types, references,
//! nullability, enum values, required properties, items, map values;
//! operations with their route, parameters and responses), so reading our
//! spec alongside the rebuilt definition gives exactly the facts it gives
//! alongside the definition they came from. A round-trip test holds this.

use crate::official::facts::{path_segments, unescape_name, Facts, Key, Place, Subject};
use crate::official::model::{Official, Operation, Parameter, Response};
use crate::official::shape::{scalar_text, Shape};
use serde_json::Value;
use std::collections::BTreeMap;

/// The definition whose facts are `facts` (a baseline's), with `sha256` as
/// its checksum.
pub fn official(facts: &Facts, sha256: &str) -> Official {
    let mut official = Official {
        operations: BTreeMap::new(),
        definitions: BTreeMap::new(),
        dialects: Default::default(),
        sha256: sha256.to_string(),
    };
    // Responses are built once all their facts are known: an event stream
    // is a `schema` fact plus one `event` fact per event.
    let mut responses: BTreeMap<(String, String), BTreeMap<String, Value>> = BTreeMap::new();
    for (text, value) in facts {
        let Some(key) = Key::parse(text) else {
            continue;
        };
        match (key.subject, key.place) {
            (Subject::Meta, _) if key.fact == "dialect" => {
                official.dialects = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(scalar_text)
                    .collect();
            }
            (Subject::Meta, _) => {}
            (Subject::Operation(name), Place::Whole) => {
                let operation = operation(&mut official, &name);
                match key.fact.as_str() {
                    "method" => operation.method = scalar_text(value),
                    "path" => operation.path = scalar_text(value),
                    _ => {}
                }
            }
            (Subject::Operation(name), Place::Parameter(place)) => {
                let parameter = parameter(operation(&mut official, &name), &place);
                set_parameter_fact(parameter, &key.fact, value);
            }
            (Subject::Operation(name), Place::Response(status)) => {
                responses
                    .entry((name, status))
                    .or_default()
                    .insert(key.fact, value.clone());
            }
            (Subject::Schema(name), Place::Node(path)) => {
                let root = official.definitions.entry(name).or_default();
                set_node_fact(root, &path, &key.fact, value);
            }
            _ => {}
        }
    }
    for ((name, status), facts) in responses {
        operation(&mut official, &name)
            .responses
            .insert(status, response(&facts));
    }
    official
}

fn operation<'a>(official: &'a mut Official, name: &str) -> &'a mut Operation {
    official
        .operations
        .entry(name.to_string())
        .or_insert_with(|| Operation {
            method: String::new(),
            path: String::new(),
            parameters: BTreeMap::new(),
            responses: BTreeMap::new(),
        })
}

/// The parameter at `place` (`in.name`, the name may hold dots).
fn parameter<'a>(operation: &'a mut Operation, place: &str) -> &'a mut Parameter {
    let (location, name) = place.split_once('.').unwrap_or((place, ""));
    operation
        .parameters
        .entry(place.to_string())
        .or_insert_with(|| Parameter {
            location: location.to_string(),
            name: name.to_string(),
            ty: None,
            schema: None,
            required: false,
            default: None,
            enum_values: None,
        })
}

fn set_parameter_fact(parameter: &mut Parameter, fact: &str, value: &Value) {
    match fact {
        "required" => parameter.required = value.as_bool() == Some(true),
        "type" => parameter.ty = Some(scalar_text(value)),
        "schema" => parameter.schema = Some(scalar_text(value)),
        "default" => parameter.default = Some(value.clone()),
        _ => {
            if let Some(enum_value) = fact.strip_prefix("enum ") {
                parameter
                    .enum_values
                    .get_or_insert_with(Default::default)
                    .insert(enum_value.to_string());
            }
        }
    }
}

fn response(facts: &BTreeMap<String, Value>) -> Response {
    match facts.get("schema").map(scalar_text).as_deref() {
        Some("event-stream") => Response::Events(
            facts
                .iter()
                .filter_map(|(fact, schema)| {
                    let event = fact.strip_prefix("event ")?;
                    Some((event.to_string(), scalar_text(schema)))
                })
                .collect(),
        ),
        Some("none") | None => Response::None,
        Some(name) => Response::Schema(name.to_string()),
    }
}

fn set_node_fact(root: &mut Shape, path: &str, fact: &str, value: &Value) {
    if fact == "required" {
        // A node's `required` fact is its parent's list of required names.
        let mut segments = path_segments(path);
        let Some(last) = segments.pop() else {
            return;
        };
        let Some(name) = last.strip_prefix('.') else {
            return;
        };
        if value.as_bool() == Some(true) {
            node(root, &segments).required.insert(unescape_name(name));
        }
        return;
    }
    let node = node(root, &path_segments(path));
    match fact {
        "type" => set_type(node, &scalar_text(value)),
        "nullable" => node.nullable = value.as_bool() == Some(true),
        _ => {
            if let Some(enum_value) = fact.strip_prefix("enum ") {
                node.enum_values
                    .get_or_insert_with(Default::default)
                    .insert(enum_value.to_string());
            }
        }
    }
}

/// The node at `segments` below `root`, created (empty) where missing.
fn node<'a>(root: &'a mut Shape, segments: &[String]) -> &'a mut Shape {
    let mut node = root;
    for segment in segments {
        node = match segment.as_str() {
            "[]" => node.items.get_or_insert_with(Default::default),
            "{*}" => node.values.get_or_insert_with(Default::default),
            name => node
                .properties
                .entry(unescape_name(name.trim_start_matches('.')))
                .or_default(),
        };
    }
    node
}

/// The inverse of [`Shape::type_text`].
fn set_type(node: &mut Shape, text: &str) {
    if text == "any" {
        return;
    }
    match text.strip_prefix("ref:") {
        Some(name) if !name.contains('|') => node.reference = Some(name.to_string()),
        _ => node.types = text.split('|').map(str::to_string).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::official::ledger::Baseline;
    use crate::official::{model, ours, source};
    use std::time::Duration;

    fn fixture_definition() -> Official {
        let folder = crate::workspace_root().join("xtask/tests/fixtures/official");
        let read = source::read(&folder.display().to_string(), Duration::from_secs(5)).unwrap();
        model::build(&read).unwrap()
    }

    #[test]
    fn a_definition_rebuilt_from_its_facts_has_the_same_facts() {
        let original = fixture_definition();
        let facts = model::facts(&original);
        let rebuilt = official(&facts, &original.sha256);
        assert_eq!(model::facts(&rebuilt), facts);
        assert_eq!(rebuilt.sha256, original.sha256);
    }

    #[test]
    fn our_spec_reads_the_same_beside_the_rebuilt_definition() {
        let original = fixture_definition();
        let rebuilt = official(&model::facts(&original), &original.sha256);
        let spec_path = crate::workspace_root().join("xtask/tests/fixtures/official-spec.yaml");
        let spec = crate::codegen::load::read(&spec_path).unwrap();
        let beside_original = ours::project(&spec, &original);
        let beside_rebuilt = ours::project(&spec, &rebuilt);
        assert!(!beside_original.facts.is_empty());
        assert_eq!(beside_rebuilt.facts, beside_original.facts);
        assert_eq!(beside_rebuilt.components, beside_original.components);
        assert_eq!(beside_rebuilt.notes, beside_original.notes);
    }

    /// The committed baseline is what lint compares with: rebuilding it must
    /// lose nothing.
    #[test]
    fn the_committed_baseline_rebuilds_without_loss() {
        let path = crate::workspace_root().join("spec/official-baseline.json");
        let baseline = Baseline::read(&path).unwrap();
        let rebuilt = official(&baseline.facts, &baseline.sha256);
        assert_eq!(model::facts(&rebuilt), baseline.facts);
    }
}
