//! Keeps the reason a request builder setter rejected its value.
//!
//! progenitor's setters (`fn device_id<V: TryInto<DeviceId>>(value: V)`)
//! record a failed conversion as "conversion to `DeviceId` for device_id
//! failed" and drop the conversion's own error, which is the part naming the
//! bad value (`invalid device id "x": expected 24 hexadecimal digits`). Each
//! setter here gains the bound `<V as TryInto<T>>::Error: Display` and
//! appends that error to the message, which `crate::error` turns into
//! `Error::InvalidInput`. Every conversion the crate offers has a
//! displayable error (`InvalidId`, `crate::Error`, typify's
//! `ConversionError`, `Infallible`).

use super::{fail, Result};
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{GenericArgument, ImplItem, Item, PathArguments, TypeParamBound, WherePredicate};

/// Rewrites every setter of the generated `builder` module of `file`.
pub fn keep_reasons(file: &mut syn::File) -> Result<()> {
    let Some(module) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
        _ => None,
    }) else {
        return fail("generated code has no `builder` module");
    };
    for item in &mut module.1 {
        let Item::Impl(block) = item else { continue };
        for member in &mut block.items {
            if let ImplItem::Fn(function) = member {
                keep_reason(function);
            }
        }
    }
    Ok(())
}

fn keep_reason(function: &mut syn::ImplItemFn) {
    let Some(clause) = function.sig.generics.where_clause.as_mut() else {
        return;
    };
    let mut conversions = Vec::new();
    for predicate in &clause.predicates {
        let WherePredicate::Type(predicate) = predicate else {
            continue;
        };
        for bound in &predicate.bounds {
            let TypeParamBound::Trait(bound) = bound else {
                continue;
            };
            let Some(last) = bound.path.segments.last() else {
                continue;
            };
            let PathArguments::AngleBracketed(arguments) = &last.arguments else {
                continue;
            };
            if last.ident != "TryInto" {
                continue;
            }
            if let Some(GenericArgument::Type(target)) = arguments.args.first() {
                conversions.push((predicate.bounded_ty.clone(), target.clone()));
            }
        }
    }
    let [(value, target)] = conversions.as_slice() else {
        return;
    };
    let body = function.block.to_token_stream();
    let (rewritten, changed) = append_reason(body);
    if !changed {
        return;
    }
    let Ok(block) = syn::parse2(rewritten) else {
        return;
    };
    function.block = block;
    clause.predicates.push(syn::parse_quote!(
        <#value as std::convert::TryInto<#target>>::Error: std::fmt::Display
    ));
}

/// `map_err(|_| "…".to_string())` becomes
/// `map_err(|error| format!("{}: {}", "…", error))`.
fn append_reason(tokens: TokenStream) -> (TokenStream, bool) {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut changed = false;
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                let after_map_err = out.last().is_some_and(|last| last.to_string() == "map_err");
                let replacement = (after_map_err && group.delimiter() == Delimiter::Parenthesis)
                    .then(|| message_of(group.stream()))
                    .flatten();
                if let Some(message) = replacement {
                    changed = true;
                    let call = quote!((|error| format!("{}: {}", #message, error)));
                    out.extend(call);
                    continue;
                }
                let (inner, inner_changed) = append_reason(group.stream());
                changed |= inner_changed;
                let mut rewritten = Group::new(group.delimiter(), inner);
                rewritten.set_span(group.span());
                out.push(TokenTree::Group(rewritten));
            }
            other => out.push(other),
        }
    }
    (out.into_iter().collect(), changed)
}

/// The literal of a closure `|_| "…".to_string()` (its body possibly in
/// braces).
fn message_of(closure: TokenStream) -> Option<TokenTree> {
    let trees: Vec<TokenTree> = closure.into_iter().collect();
    let text: Vec<String> = trees.iter().map(ToString::to_string).collect();
    if text.len() < 3 || text[0] != "|" || text[1] != "_" || text[2] != "|" {
        return None;
    }
    let rest: Vec<TokenTree> = match trees.get(3..) {
        Some([TokenTree::Group(body)]) if body.delimiter() == Delimiter::Brace => {
            body.stream().into_iter().collect()
        }
        Some(rest) => rest.to_vec(),
        None => return None,
    };
    match rest.as_slice() {
        [literal @ TokenTree::Literal(_), TokenTree::Punct(dot), TokenTree::Ident(method), TokenTree::Group(arguments)]
            if dot.as_char() == '.'
                && method == "to_string"
                && arguments.stream().is_empty()
                && literal.to_string().starts_with('"') =>
        {
            Some(literal.clone())
        }
        _ => None,
    }
}
