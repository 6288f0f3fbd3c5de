//! Code a user's crate compiles only if it uses it.
//!
//! rustc turns every non-generic function of a library into machine code
//! when the library is built, whether anyone calls it or not. A function
//! marked `#[inline]` is instead compiled in the crate that calls it. For
//! the operations' `send()` (see [`super::builders`]), which pull in the
//! request and the decoding of their answer type, and for typify's struct
//! builders, that moves the work out of this crate's build and into the
//! builds that use them: a program that calls two operations compiles two.

use super::types_module::{builder_module, types_module};
use super::{fail, Result};
use syn::{ImplItem, Item};

/// Marks every non-generic function of typify's `types::builder` module
/// (`Default`, `TryFrom` and `From` between a builder and its struct; the
/// setters are generic already) `#[inline]`.
pub fn builders_where_used(file: &mut syn::File) -> Result<()> {
    let Some((_, items)) = types_module(file) else {
        return fail("generated code has no `types` module");
    };
    let Some(builders) = builder_module(items) else {
        return fail("generated code has no `types::builder` module");
    };
    for item in builders {
        let Item::Impl(block) = item else { continue };
        if !block.generics.params.is_empty() {
            continue;
        }
        for member in &mut block.items {
            if let ImplItem::Fn(function) = member {
                if function.sig.generics.params.is_empty() {
                    function.attrs.push(syn::parse_quote!(#[inline]));
                }
            }
        }
    }
    Ok(())
}
