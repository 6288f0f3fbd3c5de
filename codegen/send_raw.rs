//! progenitor's `send()` of each builder becomes crate-private: an event
//! stream's `send_raw()` sends the request Losant's clients send, and a
//! JSON operation's `build_request()` only builds it
//! (`crate::transport::send` sends it and decodes the answer):
//!
//! - conversion failures keep their `Rejected` (see `builders`);
//! - progenitor's own `api-version` header goes, and so does its `Accept`,
//!   which the request hook sets for every request;
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
//! The two helpers live in `src/transport/building.rs`, whose tests hold
//! them to progenitor's output.

use super::builders::Conversions;
use super::wire_facts::HYPERMEDIA_QUERY;
use super::{fail, Result};
use quote::{format_ident, quote};
use std::collections::BTreeSet;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Token};

/// Turns progenitor's `send()` into `send_raw()`, or `build_request()`
/// when `json_answer` (not an event stream). `optional` names the
/// builder's arguments that start unset.
pub fn rewrite(
    function: &mut syn::ImplItemFn,
    optional: &BTreeSet<String>,
    hypermedia: bool,
    json_answer: bool,
) -> Result<()> {
    function.sig.ident = format_ident!("send_raw");
    function.vis = syn::parse_quote!(pub(crate));
    let block = &mut function.block;
    Conversions { wire: "body" }.visit_block_mut(block);
    RawErrors.visit_block_mut(block);
    NoProgenitorHeaders.visit_block_mut(block);
    RequestBuilding {
        optional,
        hypermedia,
    }
    .visit_block_mut(block);
    if json_answer {
        into_request_builder(function)?;
    }
    Ok(())
}

/// A JSON operation's `send_raw()` becomes `build_request()`: it stops
/// once the request is built and returns it, no longer `async`. Sending,
/// the hooks and reading the answer are `crate::transport::send`'s, in
/// code shared by every operation: there is then no per-operation state
/// machine to compile, and a call in flight holds the request, not the
/// builder it came from as well.
fn into_request_builder(function: &mut syn::ImplItemFn) -> Result<()> {
    function.sig.ident = format_ident!("build_request");
    function.sig.asyncness = None;
    function.attrs.retain(|attr| !attr.path().is_ident("doc"));
    function.attrs.push(
        syn::parse_quote!(#[doc = "The request of this call; `crate::transport::send` sends it."]),
    );
    // Compiled only in the crates that call it, as `send()` is (see
    // `on_demand`): it serializes the operation's body and query.
    function.attrs.push(syn::parse_quote!(#[inline]));
    function.sig.output = syn::parse_quote! {
        -> Result<::reqwest::Request, Error<()>>
    };
    let stmts = &mut function.block.stmts;
    let sending = stmts.iter().position(|stmt| {
        matches!(stmt, syn::Stmt::Local(local)
            if quote::ToTokens::to_token_stream(&local.pat).to_string() == "info")
    });
    let Some(sending) = sending else {
        return fail("a generated send() has no `let info`: progenitor changed its output");
    };
    stmts.truncate(sending);
    stmts.push(syn::parse_quote!(return Ok(request);));
    Ok(())
}

/// The URL and query string of one `send_raw()`; `optional` names the
/// builder's arguments that start unset (`Option<T>` once checked).
struct RequestBuilding<'a> {
    optional: &'a BTreeSet<String>,
    hypermedia: bool,
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
        // Only the URL's `format!`, whose `{}` is the base URL.
        let Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(template),
            ..
        })) = args.first_mut()
        else {
            return;
        };
        if !template.value().starts_with("{}/") {
            return;
        }
        if self.hypermedia {
            let with_query = format!("{}?{HYPERMEDIA_QUERY}", template.value());
            *template = syn::LitStr::new(&with_query, template.span());
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
    let mut segments = function.path.segments.iter().rev();
    let is_new = segments.next().is_some_and(|s| s.ident == "new")
        && segments.next().is_some_and(|s| s.ident == "QueryParam");
    if !is_new || new.args.len() != 2 {
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

/// `map_err(Error::InvalidRequest)` in `send_raw()` gets the text of a
/// `Rejected` (never reached in practice: `send()` checks first).
struct RawErrors;

impl VisitMut for RawErrors {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "map_err" {
            return;
        }
        let is_invalid_request = matches!(
            call.args.first(),
            Some(Expr::Path(p)) if p.path.segments.last().is_some_and(|s| s.ident == "InvalidRequest")
        );
        if is_invalid_request {
            call.args = syn::parse_quote!(|rejected| Error::InvalidRequest(rejected.to_string()));
        }
    }
}

/// Headers progenitor adds by itself. Its `api-version`, which Losant's
/// clients do not send: the `append` goes, and the header map starts empty
/// (no allocation for the many operations that have no header parameter).
/// Its `Accept`, which the request hook sets on every request.
struct NoProgenitorHeaders;

impl VisitMut for NoProgenitorHeaders {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| {
            let text = quote::ToTokens::to_token_stream(stmt).to_string();
            !(text.starts_with("header_map . append") && text.contains("\"api-version\""))
        });
        for stmt in block.stmts.iter_mut() {
            if let syn::Stmt::Local(local) = stmt {
                let text = quote::ToTokens::to_token_stream(&local.pat).to_string();
                if text == "mut header_map" {
                    // Only operations with header parameters still add to it.
                    local.attrs.push(syn::parse_quote!(#[allow(unused_mut)]));
                }
            }
        }
        visit_mut::visit_block_mut(self, block);
    }

    /// `.header(ACCEPT, …)` goes from the request builder's chain.
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        visit_mut::visit_expr_mut(self, expr);
        let Expr::MethodCall(call) = expr else { return };
        let is_accept = call.method == "header"
            && matches!(
                call.args.first(),
                Some(Expr::Path(p)) if p.path.segments.last().is_some_and(|s| s.ident == "ACCEPT")
            );
        if is_accept {
            *expr = call.receiver.as_ref().clone();
        }
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        let is_with_capacity = matches!(
            call.func.as_ref(),
            Expr::Path(p) if p.path.segments.len() >= 2
                && p.path.segments[p.path.segments.len() - 2].ident == "HeaderMap"
                && p.path.segments[p.path.segments.len() - 1].ident == "with_capacity"
        );
        if is_with_capacity {
            *call = syn::parse_quote!(::reqwest::header::HeaderMap::new());
        }
    }
}
