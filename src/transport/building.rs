//! What the generated `build_request()` and `send_raw()` build their
//! request with, in place of progenitor's own calls (see
//! `codegen/send_raw.rs`): the same URL and query string, without the work
//! the common case does not need.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::Serialize;
use std::fmt::{self, Display, Write};

/// progenitor's `encode_path` set (not exported by `progenitor_client`):
/// the same bytes are escaped in a path segment.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// A path parameter written percent-encoded straight into the URL being
/// formatted: progenitor's `encode_path(&value.to_string())` allocates
/// twice per parameter for the same text.
pub(crate) struct PathSegment<'a, T: ?Sized>(pub &'a T);

impl<T: Display + ?Sized> Display for PathSegment<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Encoding(f), "{}", self.0)
    }
}

struct Encoding<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl Write for Encoding<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Nearly every path parameter is an id or a name, which never needs
        // escaping. One pass without a branch per byte finds that out
        // faster than the encoder, which looks up each byte in turn.
        if !text.bytes().fold(false, |escape, b| escape | is_escaped(b)) {
            return self.0.write_str(text);
        }
        utf8_percent_encode(text, PATH_SEGMENT).try_for_each(|part| self.0.write_str(part))
    }
}

/// Whether `utf8_percent_encode` with [`PATH_SEGMENT`] escapes `byte`: a
/// control, a space, any byte of a non-ASCII character, or one of the set.
fn is_escaped(byte: u8) -> bool {
    !byte.is_ascii_graphic()
        | matches!(
            byte,
            b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'/' | b'%'
        )
}

/// `query_if_set` on a request builder.
pub(crate) trait QueryIfSet {
    /// Adds `name` to the query string only when `value` is set.
    ///
    /// progenitor adds every optional parameter, unset ones included, and
    /// each `query()` call serializes into the URL and checks it again;
    /// an unset one adds nothing, so skipping it sends the same URL.
    fn query_if_set<T: Serialize>(self, name: &str, value: &Option<T>) -> Self;
}

impl QueryIfSet for reqwest::RequestBuilder {
    fn query_if_set<T: Serialize>(self, name: &str, value: &Option<T>) -> Self {
        match value {
            None => self,
            Some(_) => self.query(&progenitor_client::QueryParam::new(name, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_is_left_alone_exactly_when_the_encoder_leaves_it() {
        for byte in 0..0x80u8 {
            let text = char::from(byte).to_string();
            let encoded = utf8_percent_encode(&text, PATH_SEGMENT).to_string();
            assert_eq!(!is_escaped(byte), encoded == text, "byte {byte:#04x}");
        }
        // Every byte of a non-ASCII character is escaped.
        assert!((0x80..=u8::MAX).all(is_escaped));
    }

    #[test]
    fn a_path_segment_is_encoded_as_progenitor_encodes_it() {
        let mut samples: Vec<String> = (0u32..0x800)
            .filter_map(char::from_u32)
            .map(String::from)
            .collect();
        samples.extend(
            ["a b/c%d?e#f", "ünïcödé 🦀", "575ecf887ae143cd83dc4aa2", ""].map(String::from),
        );
        for sample in samples {
            assert_eq!(
                PathSegment(&sample).to_string(),
                progenitor_client::encode_path(&sample),
                "{sample:?}"
            );
        }
    }

    fn url_of(builder: reqwest::RequestBuilder) -> String {
        builder.build().expect("a request").url().to_string()
    }

    #[test]
    fn an_unset_parameter_adds_nothing_and_a_set_one_what_query_adds() {
        let sdk = crate::Client::builder()
            .base_url("http://localhost")
            .build()
            .expect("a client");
        let client = progenitor_client::ClientInfo::client(&sdk);
        // The URL query_if_set gives, once checked against query()'s.
        let url_with = |name: &str, value: &Option<String>| {
            let base = || client.get("http://localhost/x");
            let ours = url_of(base().query_if_set(name, value));
            let theirs = url_of(base().query(&progenitor_client::QueryParam::new(name, value)));
            assert_eq!(ours, theirs, "{name}={value:?}");
            ours
        };
        assert_eq!(url_with("_actions", &None), "http://localhost/x");
        assert_eq!(
            url_with("name", &Some("a b&c".to_string())),
            "http://localhost/x?name=a+b%26c"
        );
    }
}
