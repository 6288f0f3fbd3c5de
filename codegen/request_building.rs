//! Leaner request building in the generated `send_raw()`, for the same
//! request on the wire:
//!
//! - `encode_path(&x.to_string())` in the URL's `format!` becomes
//!   `crate::transport::PathSegment(&x)`, which encodes as it formats;
//! - the URL of an operation with hypermedia switches ends with their
//!   default query, which the request hook would otherwise set on the
//!   parsed URL (the hook still puts given switches and parameters in
//!   Losant's order);
//! - `.query(&QueryParam::new("name", &x))` for an optional argument
//!   becomes `.query_if_set("name", &x)`, which skips an unset one
//!   instead of serializing nothing into the URL and checking it again.
//!
//! Both helpers live in `src/transport/building.rs`, whose tests hold
//! them to progenitor's output.

use super::wire_facts::HYPERMEDIA_QUERY;
use quote::{format_ident, quote};
use std::collections::BTreeSet;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Token};

/// Rewrites one `send_raw()`; `optional` names the builder's arguments
/// that start unset (`Option<T>` once checked).
pub struct RequestBuilding<'a> {
    pub optional: &'a BTreeSet<String>,
    pub hypermedia: bool,
}

impl VisitMut for RequestBuilding<'_> {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "query" || call.args.len() != 1 {
            return;
        }
        let Some((name, value)) = query_param(&call.args[0]) else {
            return;
        };
        if self.optional.contains(&value.to_string()) {
            call.method = format_ident!("query_if_set");
            call.args = syn::parse_quote!(#name, &#value);
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let Ok(mut args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        else {
            return;
        };
        if self.hypermedia {
            if let Some(Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(template),
                ..
            })) = args.first_mut()
            {
                // Only the URL: `{}` is the base URL.
                if !template.value().starts_with("{}/") {
                    return;
                }
                let with_query = format!("{}?{HYPERMEDIA_QUERY}", template.value());
                *template = syn::LitStr::new(&with_query, template.span());
            }
        }
        for arg in args.iter_mut() {
            if let Some(value) = encoded_path_arg(arg) {
                *arg = syn::parse_quote!(crate::transport::PathSegment(&#value));
            }
        }
        mac.tokens = quote!(#args);
    }
}

/// `name` and `value` of `&progenitor_client::QueryParam::new(name, &value)`.
fn query_param(arg: &Expr) -> Option<(syn::LitStr, syn::Ident)> {
    let Expr::Reference(reference) = arg else {
        return None;
    };
    let Expr::Call(new) = reference.expr.as_ref() else {
        return None;
    };
    let Expr::Path(function) = new.func.as_ref() else {
        return None;
    };
    let segments: Vec<String> = function
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["QueryParam".to_string(), "new".to_string()]) || new.args.len() != 2 {
        return None;
    }
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(name),
        ..
    }) = &new.args[0]
    else {
        return None;
    };
    let Expr::Reference(value) = &new.args[1] else {
        return None;
    };
    let Expr::Path(value) = value.expr.as_ref() else {
        return None;
    };
    Some((name.clone(), value.path.get_ident()?.clone()))
}

/// `x` of `encode_path(&x.to_string())`.
fn encoded_path_arg(arg: &Expr) -> Option<Expr> {
    let Expr::Call(call) = arg else { return None };
    let is_encode_path =
        matches!(call.func.as_ref(), Expr::Path(p) if p.path.is_ident("encode_path"));
    if !is_encode_path || call.args.len() != 1 {
        return None;
    }
    let Expr::Reference(reference) = &call.args[0] else {
        return None;
    };
    let Expr::MethodCall(to_string) = reference.expr.as_ref() else {
        return None;
    };
    (to_string.method == "to_string" && to_string.args.is_empty())
        .then(|| to_string.receiver.as_ref().clone())
}
