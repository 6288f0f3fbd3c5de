//! The generated `types` module: finding it and its derives, plus small
//! passes over it.
//!
//! - Every generated struct with named fields becomes `#[non_exhaustive]`:
//!   Losant adds fields, and [`super::adapt`] gives each struct an `extra`
//!   map for them, so callers build values with `builder()` or `Default`.
//! - That `extra` map is optional in the builders, and does not cost a
//!   struct its `Default`.
//! - The hand-written replacements are re-exported where a reader of the
//!   spec looks for them (`types::DeviceId`).

use super::settings::REPLACEMENTS;
use super::{fail, CodegenError, Result};
use quote::ToTokens;
use syn::{Fields, Item, Type};

/// The `types` module's items.
pub fn types_module(file: &mut syn::File) -> Option<&mut (syn::token::Brace, Vec<Item>)> {
    file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
        _ => None,
    })
}

/// The items of typify's `builder` module inside `types`.
pub fn builder_module(types: &mut [Item]) -> Option<&mut Vec<Item>> {
    types.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// Whether the item derives `name` (however the path is spelled).
pub fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    derive_paths(attrs)
        .iter()
        .any(|path| path.segments.last().is_some_and(|s| s.ident == name))
}

fn derive_paths(attrs: &[syn::Attribute]) -> Vec<syn::Path> {
    let mut paths = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            paths.push(meta.path.clone());
            Ok(())
        });
    }
    paths
}

/// Drops the derives whose last segment is one of `names`.
pub fn remove_derives(attrs: &mut Vec<syn::Attribute>, names: &[&str]) {
    let kept: Vec<syn::Path> = derive_paths(attrs)
        .into_iter()
        .filter(|path| {
            !path
                .segments
                .last()
                .is_some_and(|s| names.iter().any(|name| s.ident == name))
        })
        .collect();
    attrs.retain(|attr| !attr.path().is_ident("derive"));
    if !kept.is_empty() {
        attrs.insert(0, syn::parse_quote!(#[derive(#(#kept),*)]));
    }
}

pub fn is_untagged(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .any(|attr| {
            let mut untagged = false;
            let _ = attr.parse_nested_meta(|meta| {
                untagged |= meta.path.is_ident("untagged");
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            untagged
        })
}

/// Marks every generated struct with named fields `#[non_exhaustive]`.
pub fn mark_non_exhaustive(file: &mut syn::File) -> Result<()> {
    let Some((_, items)) = types_module(file) else {
        return fail("generated code has no `types` module");
    };
    for item in items.iter_mut() {
        if let Item::Struct(item) = item {
            if matches!(item.fields, Fields::Named(_)) {
                item.attrs.push(syn::parse_quote!(#[non_exhaustive]));
            }
        }
    }
    Ok(())
}

/// Makes every hand-written replacement reachable under `types::` too.
pub fn reexport_replacements(file: &mut syn::File) -> Result<()> {
    let Some((_, items)) = types_module(file) else {
        return fail("generated code has no `types` module");
    };
    for (_, replacement, _) in REPLACEMENTS {
        let path: syn::Path = syn::parse_str(replacement)
            .map_err(|e| CodegenError(format!("replacement {replacement} is not a path: {e}")))?;
        items.push(syn::parse_quote!(pub use #path;));
    }
    Ok(())
}

/// The `extra` map of unknown fields is optional, although typify's
/// builders treat a flattened map as required (and so drop `Default` from a
/// struct whose other fields are all optional). Both are put right.
pub fn optional_extra_fields(file: &mut syn::File) -> Result<()> {
    let Some((_, items)) = types_module(file) else {
        return fail("generated code has no `types` module");
    };
    let mut defaultable = Vec::new();
    for item in builder_module(items).into_iter().flatten() {
        let Item::Impl(block) = item else { continue };
        let is_default = block
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|segment| segment.ident == "Default");
        let Type::Path(self_type) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        if !is_default {
            continue;
        }
        let Some(construction) = struct_expression(block) else {
            continue;
        };
        let mut others_default = true;
        let mut has_extra = false;
        for field in construction.fields.iter_mut() {
            let is_extra = matches!(&field.member, syn::Member::Named(ident) if ident == "extra");
            if is_extra {
                field.expr = syn::parse_quote!(Ok(Default::default()));
                has_extra = true;
            } else {
                let text = field.expr.to_token_stream().to_string().replace(' ', "");
                others_default &= text == "Ok(Default::default())";
            }
        }
        if has_extra && others_default {
            defaultable.push(name);
        }
    }
    for item in items.iter_mut() {
        let Item::Struct(item) = item else { continue };
        if defaultable.iter().any(|name| item.ident == name)
            && !derive_paths(&item.attrs)
                .iter()
                .any(|path| path.segments.last().is_some_and(|s| s.ident == "Default"))
        {
            item.attrs.push(syn::parse_quote!(#[derive(Default)]));
        }
    }
    Ok(())
}

/// The `Self { … }` a generated `fn default()` returns.
fn struct_expression(block: &mut syn::ItemImpl) -> Option<&mut syn::ExprStruct> {
    block.items.iter_mut().find_map(|member| match member {
        syn::ImplItem::Fn(function) => match function.block.stmts.last_mut() {
            Some(syn::Stmt::Expr(syn::Expr::Struct(construction), None)) => Some(construction),
            _ => None,
        },
        _ => None,
    })
}
