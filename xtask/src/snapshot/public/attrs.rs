//! What an item's attributes say about its place in the public API:
//! `#[cfg(…)]` gates, `#[cfg(test)]`, `#[doc(hidden)]`, derives and
//! `#[non_exhaustive]`.

use syn::{Attribute, Meta};

/// The `cfg` predicates, as written (`feature = "mqtt"`).
pub fn cfgs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.parse_args::<Meta>().ok())
        .map(|meta| tidy(&quote::ToTokens::to_token_stream(&meta).to_string()))
        .collect()
}

fn tidy(tokens: &str) -> String {
    tokens
        .replace(" (", "(")
        .replace(" ,", ",")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// Compiled only for the crate's own tests: `cfg(test)`, or an `all(…)`
/// that needs `test`.
pub fn test_only(attrs: &[Attribute]) -> bool {
    fn needs_test(meta: &Meta) -> bool {
        match meta {
            Meta::Path(path) => path.is_ident("test"),
            Meta::List(list) if list.path.is_ident("all") => list
                .parse_args_with(
                    syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|members| members.iter().any(needs_test)),
            _ => false,
        }
    }
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.parse_args::<Meta>().ok())
        .any(|meta| needs_test(&meta))
}

/// `#[doc(hidden)]`: public, but not part of the API.
pub fn hidden(attrs: &[Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("doc")).any(|a| {
        a.parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
            .is_ok_and(|list| list.iter().any(|m| m.path().is_ident("hidden")))
    })
}

pub fn non_exhaustive(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

/// Derived traits, sorted (their order is not API).
pub fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut names: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .filter_map(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .ok()
        })
        .flatten()
        .map(|path| {
            tidy(&quote::ToTokens::to_token_stream(&path).to_string()).replace(" :: ", "::")
        })
        .collect();
    names.sort();
    names
}

/// ` [cfg(…)]` after an item gated by `cfgs`, or nothing.
pub fn label(cfgs: &[String]) -> String {
    match cfgs {
        [] => String::new(),
        [one] => format!("  [cfg({one})]"),
        many => format!("  [cfg(all({}))]", many.join(", ")),
    }
}
