//! Sample answers for the tolerance test (`tests/tolerance.rs`), generated
//! from the spec so that every response schema, present and future, is
//! covered.
//!
//! For each schema an operation answers with (a 2xx body or an event of a
//! stream), a few JSON documents are made that fill every property and:
//!
//! - add a field this SDK does not know at every object level;
//! - put a value the spec does not list at every enum position (in
//!   [`Mode::Unknown`]), or a listed one (in [`Mode::Known`]);
//! - put `null` wherever the schema allows it (in [`Mode::Nulls`]);
//! - pick, across the samples, every member of each "one of".
//!
//! The test decodes each into the generated type and checks that encoding
//! it again gives the same document back.

use super::load::{self, resolve};
use super::settings::rust_type_of;
use super::Result;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The name of the field no schema has, added to every object.
pub const UNKNOWN_FIELD: &str = "addedByLosantLater";
/// The value no enum lists, put at every enum position.
pub const UNKNOWN_VALUE: &str = "addedByLosantLater";

/// How a sample treats enums and nullable properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Unknown enum values and unknown fields everywhere.
    Unknown,
    /// Listed enum values; unknown fields everywhere.
    Known,
    /// `null` in every nullable property; unknown fields everywhere.
    Nulls,
}

const MODES: [Mode; 3] = [Mode::Unknown, Mode::Known, Mode::Nulls];

/// Response types that can only be decoded: the device login answer holds
/// a token, so it is deliberately not `Serialize`.
const DECODE_ONLY: &[&str] = &["authedDevice"];

/// Nesting beyond this is not sampled (the spec has no recursive schema
/// today; this only keeps a future one from looping).
const MAX_DEPTH: usize = 12;

/// The schemas operations answer with, by component name.
pub fn response_schemas(document: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for operation in load::operations(document) {
        let Some(responses) = operation.value.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (status, response) in responses {
            if !status.starts_with('2') {
                continue;
            }
            if let Some(event) = response.get("x-sse-event-schema").and_then(Value::as_str) {
                names.insert(event.to_string());
            }
            let content = response.get("content").and_then(Value::as_object);
            for media in content.into_iter().flat_map(|c| c.values()) {
                if let Some(name) = media
                    .pointer("/schema/$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

/// Every sample of `schema` (a component name): one per mode, and more
/// until every member of the widest "one of" has been picked.
pub fn samples(document: &Value, schema: &str) -> Vec<Value> {
    let root = json!({ "$ref": format!("#/components/schemas/{schema}") });
    let widest = widest_one_of(document, &root, 0).max(1);
    let mut samples = Vec::new();
    for pick in 0..widest.max(MODES.len()) {
        let mode = MODES[pick % MODES.len()];
        let sample = Sampler {
            document,
            mode,
            pick,
        }
        .sample(&root, 0);
        if !samples.contains(&sample) {
            samples.push(sample);
        }
    }
    samples
}

struct Sampler<'a> {
    document: &'a Value,
    mode: Mode,
    /// Which member of each "one of" to take (modulo its length).
    pick: usize,
}

impl Sampler<'_> {
    fn sample(&self, schema: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let schema = self.resolved(schema);
        if self.mode == Mode::Nulls && schema.get("nullable") == Some(&Value::Bool(true)) {
            return Value::Null;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = schema.get(key).and_then(Value::as_array) {
                if members.is_empty() {
                    return Value::Null;
                }
                return self.sample(&members[self.pick % members.len()], depth + 1);
            }
        }
        if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            return self.sample(only, depth + 1);
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return self.enum_value(schema, values);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => self.object(schema, depth),
            Some("array") => {
                let item = schema.get("items").cloned().unwrap_or(json!({}));
                Value::Array(vec![self.sample(&item, depth + 1)])
            }
            Some("string") => Value::from(text_for(schema)),
            Some("integer") => Value::from(7),
            Some("number") => Value::from(1.5),
            Some("boolean") => Value::from(true),
            // Any JSON value: make it a structured one.
            _ => match self.mode {
                Mode::Nulls => Value::Null,
                _ => json!({ "mode": "eco", "levels": [1, 2.5, "high", false] }),
            },
        }
    }

    fn enum_value(&self, schema: &Value, values: &[Value]) -> Value {
        let is_text = schema.get("type").and_then(Value::as_str) == Some("string")
            || values.iter().all(Value::is_string);
        match (self.mode, is_text) {
            (Mode::Unknown, true) => Value::from(UNKNOWN_VALUE),
            // Numeric enums are open too (adaptation 7): any number decodes.
            (Mode::Unknown, false) => Value::from(99),
            _ => values.first().cloned().unwrap_or(Value::Null),
        }
    }

    fn object(&self, schema: &Value, depth: usize) -> Value {
        let mut fields = Map::new();
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, property) in properties.into_iter().flatten() {
            fields.insert(name.clone(), self.sample(property, depth + 1));
        }
        match schema.get("additionalProperties") {
            Some(Value::Object(values)) if properties.is_none() => {
                // A map: two entries of its value type.
                let value = Value::Object(values.clone());
                fields.insert("first".into(), self.sample(&value, depth + 1));
                fields.insert("second".into(), self.sample(&value, depth + 1));
            }
            _ if properties.is_some() => {
                fields.insert(UNKNOWN_FIELD.into(), json!({ "nested": [1, "two", null] }));
            }
            // A free-form object.
            _ => {
                fields.insert("anything".into(), json!([1, "two"]));
            }
        }
        Value::Object(fields)
    }

    fn resolved<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut current = schema;
        for _ in 0..MAX_DEPTH {
            match current.get("$ref").and_then(Value::as_str) {
                Some(reference) => match resolve(self.document, reference) {
                    Some(target) => current = target,
                    None => return current,
                },
                None => return current,
            }
        }
        current
    }
}

/// A string that satisfies the schema's format or pattern.
fn text_for(schema: &Value) -> &'static str {
    match (
        schema.get("format").and_then(Value::as_str),
        schema.get("pattern").and_then(Value::as_str),
    ) {
        (Some("date-time"), _) => "2016-06-13T04:00:00.000Z",
        (Some("email"), _) => "ops@example.com",
        (Some("uri"), _) => "https://example.com/report",
        (_, Some(pattern)) if pattern.contains("{24}") => "575ecf887ae143cd83dc4aa2",
        (_, Some(_)) => "voltage_1",
        _ => "some text",
    }
}

/// The most members of any "one of" reachable from `schema`.
fn widest_one_of(document: &Value, schema: &Value, depth: usize) -> usize {
    if depth > MAX_DEPTH {
        return 0;
    }
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => match resolve(document, reference) {
            Some(target) => target,
            None => return 0,
        },
        None => schema,
    };
    match schema {
        Value::Object(map) => {
            let own = ["oneOf", "anyOf"]
                .iter()
                .filter_map(|key| map.get(*key).and_then(Value::as_array))
                .map(Vec::len)
                .max()
                .unwrap_or(0);
            map.values()
                .map(|child| widest_one_of(document, child, depth + 1))
                .fold(own, usize::max)
        }
        Value::Array(items) => items
            .iter()
            .map(|child| widest_one_of(document, child, depth + 1))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Renders the cases as Rust source for `tests/tolerance.rs` to `include!`:
/// one `Case` per response schema, naming the generated type.
pub fn render(document: &Value) -> Result<String> {
    let mut cases = String::new();
    for schema in response_schemas(document) {
        let rust_type = rust_type_of(&schema).replacen("crate::", "losant_device::", 1);
        let samples: Vec<String> = samples(document, &schema)
            .iter()
            .map(|sample| format!("{:?}", sample.to_string()))
            .collect();
        let check = if DECODE_ONLY.contains(&schema.as_str()) {
            "decode_only"
        } else {
            "round_trip"
        };
        cases.push_str(&format!(
            "Case {{ schema: {schema:?}, samples: &[{}], check: {check}::<{rust_type}> }},\n",
            samples.join(", ")
        ));
    }
    Ok(format!(
        "/// Every response schema of the spec and its samples.\n\
         const CASES: &[Case] = &[\n{cases}];\n\
         /// The field no schema has.\n\
         const UNKNOWN_FIELD: &str = {UNKNOWN_FIELD:?};\n\
         /// The value no enum lists.\n\
         const UNKNOWN_VALUE: &str = {UNKNOWN_VALUE:?};\n"
    ))
}
