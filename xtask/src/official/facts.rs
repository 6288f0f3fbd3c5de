//! The flat, comparable form of a definition: one entry per fact, keyed by a
//! stable text, so that the baseline can move key by key.
//!
//! Keys read like `op devices.get / param query.perPage / type`,
//! `op devices.get / response 200 / schema`,
//! `schema devices / .items[].deviceClass / enum edgeCompute` and
//! `meta / dialect`. Segments are separated by ` / `; a `/` or `%` inside a
//! segment is percent-escaped, and so are `.`, `[`, `]`, `{`, `}` inside a
//! property name, so every key parses back into its parts.

use crate::official::shape::Shape;
use serde_json::Value;
use std::collections::BTreeMap;

pub type Facts = BTreeMap<String, Value>;

/// What a key is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Meta,
    /// Losant's `resource.action`.
    Operation(String),
    /// Losant's definition name.
    Schema(String),
}

/// Where inside its subject a fact is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Whole,
    /// `in.name`, e.g. `query.perPage`, `body.device`.
    Parameter(String),
    Response(String),
    /// A property path: `` (the root), `.items[].deviceClass`, `{*}`.
    Node(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub subject: Subject,
    pub place: Place,
    /// `type`, `required`, `enum <value>`, `event <name>`, `method`, …
    pub fact: String,
}

fn escape_segment(text: &str) -> String {
    text.replace('%', "%25").replace('/', "%2F")
}

fn unescape_segment(text: &str) -> String {
    text.replace("%2F", "/").replace("%25", "%")
}

/// A property name as it appears in a path.
pub fn escape_name(name: &str) -> String {
    name.replace('%', "%25")
        .replace('.', "%2E")
        .replace('[', "%5B")
        .replace(']', "%5D")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

pub fn unescape_name(name: &str) -> String {
    name.replace("%2E", ".")
        .replace("%5B", "[")
        .replace("%5D", "]")
        .replace("%7B", "{")
        .replace("%7D", "}")
        .replace("%25", "%")
}

/// `.a.b[]{*}` → [`.a`, `.b`, `[]`, `{*}`].
pub fn path_segments(path: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let (segment, tail) = if let Some(tail) = rest.strip_prefix("[]") {
            ("[]".to_string(), tail)
        } else if let Some(tail) = rest.strip_prefix("{*}") {
            ("{*}".to_string(), tail)
        } else {
            let body = rest.strip_prefix('.').unwrap_or(rest);
            let end = body.find(['.', '[', '{']).unwrap_or(body.len());
            (format!(".{}", &body[..end]), &body[end..])
        };
        segments.push(segment);
        rest = tail;
    }
    segments
}

/// The path of the node that holds `path`, or `None` for the root.
pub fn parent_path(path: &str) -> Option<String> {
    let mut segments = path_segments(path);
    segments.pop()?;
    Some(segments.concat())
}

/// Whether node `path` is `ancestor` or lies below it.
pub fn is_within(path: &str, ancestor: &str) -> bool {
    let a = path_segments(ancestor);
    let p = path_segments(path);
    p.len() >= a.len() && p[..a.len()] == a[..]
}

impl Key {
    pub fn new(subject: Subject, place: Place, fact: impl Into<String>) -> Self {
        Key {
            subject,
            place,
            fact: fact.into(),
        }
    }

    pub fn text(&self) -> String {
        let mut parts = vec![match &self.subject {
            Subject::Meta => "meta".to_string(),
            Subject::Operation(name) => format!("op {}", escape_segment(name)),
            Subject::Schema(name) => format!("schema {}", escape_segment(name)),
        }];
        match &self.place {
            Place::Whole => {}
            Place::Parameter(name) => parts.push(format!("param {}", escape_segment(name))),
            Place::Response(status) => parts.push(format!("response {}", escape_segment(status))),
            Place::Node(path) if path.is_empty() => parts.push(".".into()),
            Place::Node(path) => parts.push(escape_segment(path)),
        }
        parts.push(escape_segment(&self.fact));
        parts.join(" / ")
    }

    pub fn parse(text: &str) -> Option<Key> {
        let parts: Vec<&str> = text.split(" / ").collect();
        let subject = match parts.first()? {
            &"meta" => Subject::Meta,
            first => {
                let (kind, name) = first.split_once(' ')?;
                let name = unescape_segment(name);
                match kind {
                    "op" => Subject::Operation(name),
                    "schema" => Subject::Schema(name),
                    _ => return None,
                }
            }
        };
        let (place, fact) = match (&subject, parts.as_slice()) {
            (_, [_, fact]) => (Place::Whole, fact),
            (Subject::Schema(_), [_, path, fact]) => {
                let path = unescape_segment(path);
                (
                    Place::Node(if path == "." { String::new() } else { path }),
                    fact,
                )
            }
            (Subject::Operation(_), [_, place, fact]) => {
                let (kind, name) = place.split_once(' ')?;
                let name = unescape_segment(name);
                match kind {
                    "param" => (Place::Parameter(name), fact),
                    "response" => (Place::Response(name), fact),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(Key::new(subject, place, unescape_segment(fact)))
    }
}

pub fn put(facts: &mut Facts, key: Key, value: Value) {
    facts.insert(key.text(), value);
}

/// Emits the facts of `shape` at `path` of definition `schema`; `required`
/// says whether its parent requires it.
pub fn emit_node(facts: &mut Facts, schema: &str, path: &str, shape: &Shape, required: bool) {
    let key = |fact: &str| {
        Key::new(
            Subject::Schema(schema.into()),
            Place::Node(path.into()),
            fact,
        )
    };
    put(facts, key("type"), Value::String(shape.type_text()));
    if shape.nullable {
        put(facts, key("nullable"), Value::Bool(true));
    }
    if required {
        put(facts, key("required"), Value::Bool(true));
    }
    for value in shape.enum_values.iter().flatten() {
        put(facts, key(&format!("enum {value}")), Value::Bool(true));
    }
    for (name, child) in &shape.properties {
        let child_path = format!("{path}.{}", escape_name(name));
        emit_node(
            facts,
            schema,
            &child_path,
            child,
            shape.required.contains(name),
        );
    }
    if let Some(items) = &shape.items {
        emit_node(facts, schema, &format!("{path}[]"), items, false);
    }
    if let Some(values) = &shape.values {
        emit_node(facts, schema, &format!("{path}{{*}}"), values, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for key in [
            Key::new(Subject::Meta, Place::Whole, "dialect"),
            Key::new(
                Subject::Operation("devices.get".into()),
                Place::Whole,
                "method",
            ),
            Key::new(
                Subject::Operation("devices.get".into()),
                Place::Parameter("query.perPage".into()),
                "enum a / b%",
            ),
            Key::new(
                Subject::Schema("devices".into()),
                Place::Node(String::new()),
                "type",
            ),
            Key::new(
                Subject::Schema("q".into()),
                Place::Node(format!(".tags.$eq[]{{*}}.{}", escape_name("a.b"))),
                "required",
            ),
        ] {
            assert_eq!(Key::parse(&key.text()), Some(key.clone()), "{}", key.text());
        }
        assert_eq!(
            Key::new(
                Subject::Schema("devices".into()),
                Place::Node(".items[].deviceClass".into()),
                "enum edgeCompute"
            )
            .text(),
            "schema devices / .items[].deviceClass / enum edgeCompute"
        );
        assert_eq!(Key::parse("nonsense / x"), None);
    }

    #[test]
    fn paths_split_and_nest() {
        assert_eq!(
            path_segments(".a.b[]{*}.c"),
            vec![".a", ".b", "[]", "{*}", ".c"]
        );
        assert_eq!(parent_path(".a.b[]").as_deref(), Some(".a.b"));
        assert_eq!(parent_path(".a").as_deref(), Some(""));
        assert_eq!(parent_path(""), None);
        assert!(is_within(".a.b[]", ".a"));
        assert!(!is_within(".ab", ".a"));
        assert!(is_within(".a", ""));
    }
}
