//! `cargo xtask api-snapshot`: a human-readable listing of the whole public
//! API, so that a change to it shows up as a diff of `spec/api-snapshot.txt`
//! in review: the generated client ([`generated`], read from the code
//! progenitor generates) and the hand-written API of `src/` ([`public`]).

pub mod generated;
pub mod public;

pub use generated::type_text;

use std::path::Path;

pub const HEADER: &str = "\
# The public API of losant-device: the client generated from spec/losant-device-api.yaml
# (progenitor + codegen/) and the hand-written API of src/.
# Maintained by `cargo xtask api-snapshot`; checked in CI by `cargo xtask api-snapshot --check`.
# Operations: Client method, HTTP method and path, builder setters (`?` = optional), answer.
# Types: fields (name: type) of structs, variants of enums.
# Hand-written: `path: signature` by path from the crate root; public fields, variants,
# trait items and impl blocks (public methods; a trait impl's associated types) below;
# `[cfg(…)]` marks an item behind a feature; `#[doc(hidden)]` items are left out.
";

/// The whole snapshot: the generated client `client` (its source), then the
/// crate rooted at `root` (`src/lib.rs`), whose `include!`d files are read
/// from `included`.
pub fn render(client: &str, root: &Path, included: &public::Included) -> Result<String, String> {
    let mut out = String::from(HEADER);
    out.push_str(&generated::render(client)?);
    out.push_str("\n\n## Hand-written API (src/)\n\n");
    out.push_str(&public::render(root, included)?);
    Ok(out)
}
