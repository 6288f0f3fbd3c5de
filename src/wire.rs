//! Losant's query string conventions, restored on every request.
//!
//! progenitor sorts query parameters by name and encodes them with
//! serde_urlencoded (`+` for spaces, no nested values). Losant's official
//! clients send the hypermedia switches first, then the operation's own
//! parameters in the API's order, arrays and objects as numbered brackets,
//! the advanced query as JSON text, and percent-encode everything outside
//! `A-Za-z0-9-_.~`. The request hook rewrites the former into the latter.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::{Serialize, Serializer};
use serde_json::Value;

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

#[path = "../codegen/wire_facts.rs"]
#[allow(dead_code)]
mod facts;

pub(crate) use facts::{QueryStyle, HYPERMEDIA_DEFAULTS, HYPERMEDIA_QUERY};

/// Wire facts of one operation that the generated code does not keep.
#[derive(Debug)]
pub(crate) struct OperationWire {
    /// Sends `_actions`, `_links` and `_embedded` first, with their defaults
    /// when not given (all but streams, which send them only when given).
    pub hypermedia: bool,
    /// A server-sent-event stream: no total timeout applies.
    pub streaming: bool,
    /// The request body may be left out; an unset one is not sent.
    pub optional_body: bool,
    /// Sent without the client's token (`security: []`, the device login):
    /// a token has no business going to the login endpoint.
    pub anonymous: bool,
    /// The operation's own query parameters in the API's order.
    pub query: &'static [(&'static str, QueryStyle)],
}

/// A value sent in a query parameter as JSON text (e.g. the advanced device
/// query or a tag filter). Any `T` converts into it, so generated builders
/// accept the typed value directly.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T: Serialize> Serialize for Json<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

/// Everything but the RFC 3986 unreserved characters is percent-encoded.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Rebuilds `url`'s query string the way Losant's official clients send it.
pub(crate) fn rewrite_query(url: &mut reqwest::Url, wire: &OperationWire) -> Result<(), String> {
    match url.query() {
        // The generated URL of an operation with hypermedia switches
        // starts with their defaults (`codegen/send_raw.rs`): the
        // common case needs no parsing or encoding.
        Some(HYPERMEDIA_QUERY) if wire.hypermedia => return Ok(()),
        None => {
            url.set_query(wire.hypermedia.then_some(HYPERMEDIA_QUERY));
            return Ok(());
        }
        Some(_) => {}
    }
    let mut given: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let mut take = |name: &str| -> Vec<String> {
        let mut taken = Vec::new();
        given.retain(|(n, v)| {
            if n == name {
                taken.push(v.clone());
                false
            } else {
                true
            }
        });
        taken
    };

    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, default) in HYPERMEDIA_DEFAULTS {
        match take(name).pop() {
            Some(value) => pairs.push((name.to_string(), value)),
            None if wire.hypermedia => pairs.push((name.to_string(), default.to_string())),
            None => {}
        }
    }
    for &(name, style) in wire.query {
        for value in take(name) {
            match style {
                QueryStyle::Plain | QueryStyle::JsonText => pairs.push((name.to_string(), value)),
                QueryStyle::Indexed => {
                    let parsed: Value = serde_json::from_str(&value)
                        .map_err(|e| format!("query parameter {name} is not valid JSON: {e}"))?;
                    flatten(name.to_string(), &parsed, &mut pairs);
                }
            }
        }
    }
    pairs.append(&mut given);

    let query = encode_pairs(&pairs);
    url.set_query((!query.is_empty()).then_some(query.as_str()));
    Ok(())
}

/// Percent-encodes `name=value` pairs joined by `&`.
pub(crate) fn encode_pairs(pairs: &[(String, String)]) -> String {
    let mut query = String::new();
    for (name, value) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(percent_encoding::utf8_percent_encode(name, QUERY_ENCODE));
        query.push('=');
        query.extend(percent_encoding::utf8_percent_encode(value, QUERY_ENCODE));
    }
    query
}

/// Expands a JSON value into `name[0][key]=value` pairs; a scalar stays plain.
pub(crate) fn flatten(name: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((name, b.to_string())),
        Value::Number(n) => out.push((name, n.to_string())),
        Value::String(s) => out.push((name, s.clone())),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(format!("{name}[{index}]"), item, out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                flatten(format!("{name}[{key}]"), item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_precomputed_hypermedia_query_matches_the_defaults() {
        let defaults: Vec<(String, String)> = HYPERMEDIA_DEFAULTS
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        assert_eq!(encode_pairs(&defaults), HYPERMEDIA_QUERY);
    }

    fn rewritten(url: &str, wire: &OperationWire) -> String {
        let mut url: reqwest::Url = url.parse().expect("a URL");
        rewrite_query(&mut url, wire).expect("rewritten");
        url.query().unwrap_or_default().to_string()
    }

    #[test]
    fn switches_given_after_the_generated_defaults_win_and_keep_their_place() {
        let wire = operation_wire("list_devices").expect("in the table");
        assert_eq!(
            rewritten(&format!("http://x/d?{HYPERMEDIA_QUERY}"), wire),
            HYPERMEDIA_QUERY
        );
        assert_eq!(
            rewritten(
                &format!("http://x/d?{HYPERMEDIA_QUERY}&perPage=5&_actions=true&_links=false"),
                wire
            ),
            "_actions=true&_links=false&_embedded=true&perPage=5"
        );
        assert_eq!(rewritten("http://x/d", wire), HYPERMEDIA_QUERY);
    }
}
