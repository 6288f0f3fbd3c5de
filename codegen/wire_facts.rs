//! Losant's wire conventions that both the code generator and the crate
//! need: compiled into `build.rs` (through `codegen/mod.rs`) and into the
//! crate (`src/wire.rs` includes this file with `#[path]`), so each fact is
//! written once.

/// How one query parameter goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// A scalar sent as is.
    Plain,
    /// An object sent as one parameter holding compact JSON text.
    JsonText,
    /// An array or object expanded into numbered brackets.
    Indexed,
}

/// Losant's hypermedia switches and the value its clients send unless
/// told otherwise, first in every query but the event streams'.
pub const HYPERMEDIA_DEFAULTS: [(&str, &str); 3] = [
    ("_actions", "false"),
    ("_links", "true"),
    ("_embedded", "true"),
];

/// [`HYPERMEDIA_DEFAULTS`] already encoded: the whole query of a request
/// without parameters (`src/wire.rs` tests that it matches).
pub const HYPERMEDIA_QUERY: &str = "_actions=false&_links=true&_embedded=true";

/// The names of [`HYPERMEDIA_DEFAULTS`].
pub const HYPERMEDIA_PARAMS: [&str; 3] = [
    HYPERMEDIA_DEFAULTS[0].0,
    HYPERMEDIA_DEFAULTS[1].0,
    HYPERMEDIA_DEFAULTS[2].0,
];
