//! Keeps progenitor's plumbing out of the public API: the crate exports
//! `Client`, `builder` and `types` explicitly (see `src/lib.rs`), and the
//! generated code itself stops offering what users cannot or should not
//! use.
//!
//! - progenitor's re-export of its own `Error`, `ResponseValue`,
//!   `ByteStream` and `ClientInfo` becomes crate-private;
//! - `Client::new` (which unwraps a reqwest build) is removed and
//!   `Client::new_with_client` (whose argument is the crate-private
//!   transport) becomes crate-private: clients come from `Client::builder()`;
//! - the `prelude` module, which only re-exports `Client`, is removed.

use super::{fail, Result};
use syn::{ImplItem, Item, Visibility};

pub fn hide_internals(file: &mut syn::File) -> Result<()> {
    let mut reexport_found = false;
    let mut removed_new = false;
    let mut hid_new_with_client = false;
    file.items
        .retain(|item| !matches!(item, Item::Mod(module) if module.ident == "prelude"));
    for item in file.items.iter_mut() {
        match item {
            Item::Use(reexport) if matches!(reexport.vis, Visibility::Public(_)) => {
                reexport.vis = syn::parse_quote!(pub(crate));
                reexport_found = true;
            }
            Item::Impl(block) if block.trait_.is_none() && is_client(&block.self_ty) => {
                let before = block.items.len();
                block
                    .items
                    .retain(|member| !matches!(member, ImplItem::Fn(f) if f.sig.ident == "new"));
                for member in block.items.iter_mut() {
                    if let ImplItem::Fn(function) = member {
                        if function.sig.ident == "new_with_client" {
                            function.vis = syn::parse_quote!(pub(crate));
                            hid_new_with_client = true;
                        }
                    }
                }
                removed_new |= block.items.len() < before;
            }
            _ => {}
        }
    }
    if !(reexport_found && removed_new && hid_new_with_client) {
        return fail(
            "generated code no longer has the re-export or the constructors this pass hides",
        );
    }
    Ok(())
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.is_ident("Client"))
}
