//! The hand-written public API of the crate, read from its sources with
//! syn: the module tree from the root file ([`tree`], which also expands the
//! crate's own item macros with [`macros`]), names resolved as rustc does
//! ([`resolve`]), and every public item as a one-line [`signature`] with
//! its fields, variants and impl blocks ([`listing`], [`impls`]; gates from
//! [`attrs`]).
//!
//! rustdoc's JSON output would give the same from the compiler, but it
//! needs a nightly toolchain, which the project's machines do not have.

mod attrs;
mod impls;
mod listing;
mod macros;
mod resolve;
mod signature;
mod tree;

pub use tree::Included;

use std::path::Path;

/// The listing of the crate whose root file is `root` (`src/lib.rs`):
/// entries sorted by path, each a line `path: signature` and its members
/// indented below it.
pub fn render(root: &Path, included: &Included) -> Result<String, String> {
    let tree = tree::load(root, included)?;
    let entries = listing::Listing::new(&tree).entries();
    let mut out = String::new();
    for (path, lines) in &entries {
        let mut lines = lines.iter();
        if let Some(first) = lines.next() {
            out.push_str(&format!("{path}: {first}\n"));
        }
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}
