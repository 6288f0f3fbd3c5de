//! The `mock` feature: typed [httpmock] expectations per operation.
//!
//! progenitor's `Generator::httpmock` writes, for each operation, a `When`
//! wrapper with one setter per parameter and a `Then` wrapper with one method
//! per success status, plus a `MockServerExt` trait adding one method per
//! operation to `httpmock::MockServer`. Its output is adapted here so that it
//! compiles inside this crate and matches what the SDK really sends:
//!
//! - `regex::Regex` (not a dependency of ours) becomes httpmock's own
//!   `httpmock::Regex`;
//! - query parameter setters match the SDK's wire form (see `src/wire.rs`):
//!   scalars as text, the advanced query as JSON text compared as JSON, arrays
//!   and objects as numbered brackets; `None` for a hypermedia switch
//!   (`_actions`, `_links`, `_embedded`) means the SDK's default value, which
//!   every request carries, instead of "absent";
//! - every `Then` gains `losant_error(status, kind, message)`, answering with
//!   Losant's error body (error statuses are not in the generated code, see
//!   adaptation 3 in [`super::adapt`]);
//! - every public item gets a doc comment.
//!
//! [httpmock]: https://docs.rs/httpmock

mod tokens;

use super::wire_table::{self, QueryStyle};
use super::{adapt, fail, load, settings, CodegenError, Result};
use heck::ToPascalCase;
use quote::{quote, ToTokens};
use std::collections::BTreeMap;
use std::path::Path;
use syn::{ImplItem, Item};
use tokens::{
    answer_json, doc_attribute, first_status_literal, first_string_literal, httpmock_regex,
    mentions,
};

/// Reads the spec at `path` and generates the mock module's source.
pub fn generate_from_path(path: &Path) -> Result<String> {
    generate(load::read(path)?)
}

/// What the mock code needs to know about one operation.
struct Facts {
    /// The snake-case id, as the client method is named.
    id: String,
    method: String,
    path: String,
    query: BTreeMap<String, QueryStyle>,
    /// A Server-Sent Events stream.
    streaming: bool,
}

/// Generates the mock module's source from an already parsed spec.
pub fn generate(document: serde_json::Value) -> Result<String> {
    load::check(&document)?;
    let wires = wire_table::collect(&document)?;
    let routes: Vec<(String, String)> = load::operations(&document)
        .iter()
        .map(|operation| (operation.method.to_uppercase(), operation.path.to_string()))
        .collect();
    let facts: BTreeMap<String, Facts> = wires
        .into_iter()
        .zip(routes)
        .map(|(wire, (method, path))| {
            let facts = Facts {
                method,
                path,
                query: wire.query.into_iter().collect(),
                streaming: wire.streaming,
                id: wire.id,
            };
            (facts.id.to_pascal_case(), facts)
        })
        .collect();

    let adapted = adapt::for_progenitor(document)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(adapted)
        .map_err(|e| CodegenError(format!("spec is not a valid OpenAPI 3.0 document: {e}")))?;
    let mut generator = progenitor::Generator::new(&settings::generation_settings(&spec));
    let tokens = super::without_panics("the httpmock extension", || {
        generator.httpmock(&spec, "crate")
    })?
    .map_err(|e| CodegenError(format!("progenitor cannot generate the mocks: {e}")))?;

    let mut file: syn::File = syn::parse2(httpmock_regex(tokens))
        .map_err(|e| CodegenError(format!("generated mock code does not parse: {e}")))?;
    adapt_items(&mut file, &facts)?;
    Ok(super::render(&file))
}

fn adapt_items(file: &mut syn::File, facts: &BTreeMap<String, Facts>) -> Result<()> {
    let mut found_operations = false;
    for item in &mut file.items {
        match item {
            Item::Mod(module) if module.ident == "operations" => {
                found_operations = true;
                let Some((_, items)) = module.content.as_mut() else {
                    return fail("the generated `operations` module is empty");
                };
                adapt_operations(items, facts)?;
            }
            Item::Trait(extension) => {
                for member in &mut extension.items {
                    if let syn::TraitItem::Fn(function) = member {
                        let id = function.sig.ident.to_string();
                        let doc = format!(
                            "Mocks [`Client::{id}`](crate::Client::{id}): `config_fn` sets \
                             what a request must look like and what to answer."
                        );
                        function.attrs.insert(0, doc_attribute(&doc));
                    }
                }
            }
            _ => {}
        }
    }
    if !found_operations {
        return fail("the generated mock code has no `operations` module");
    }
    Ok(())
}

fn adapt_operations(items: &mut Vec<Item>, facts: &BTreeMap<String, Facts>) -> Result<()> {
    let mut extra = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Struct(wrapper) => {
                let name = wrapper.ident.to_string();
                let (operation, role) = split_wrapper(&name, facts)?;
                let id = &operation.id;
                let doc = match role {
                    Role::When => format!(
                        "What a request to [`Client::{id}`](crate::Client::{id}) \
                         ({} `{}`) must look like.",
                        operation.method, operation.path
                    ),
                    Role::Then => {
                        format!("The answer to a request to [`Client::{id}`](crate::Client::{id}).")
                    }
                };
                wrapper.attrs.insert(0, doc_attribute(&doc));
            }
            Item::Impl(block) => {
                let syn::Type::Path(self_type) = block.self_ty.as_ref() else {
                    continue;
                };
                let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                let (operation, role) = split_wrapper(&name, facts)?;
                for member in &mut block.items {
                    if let ImplItem::Fn(function) = member {
                        match role {
                            Role::When => adapt_when_fn(function, operation)?,
                            Role::Then => adapt_then_fn(function, operation),
                        }
                    }
                }
                if role == Role::Then {
                    let ident = &self_type.path;
                    extra.push(syn::parse_quote! {
                        impl #ident {
                            /// Answers with `status` and Losant's error body
                            /// `{"type": kind, "message": message}`.
                            pub fn losant_error(self, status: u16, kind: &str, message: &str) -> Self {
                                Self(crate::mock::support::losant_error(self.0, status, kind, message))
                            }
                        }
                    });
                }
            }
            _ => {}
        }
    }
    items.extend(extra);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    When,
    Then,
}

fn split_wrapper<'a>(name: &str, facts: &'a BTreeMap<String, Facts>) -> Result<(&'a Facts, Role)> {
    let (operation, role) = if let Some(operation) = name.strip_suffix("When") {
        (operation, Role::When)
    } else if let Some(operation) = name.strip_suffix("Then") {
        (operation, Role::Then)
    } else {
        return fail(format!("unexpected item {name} in the generated mocks"));
    };
    match facts.get(operation) {
        Some(facts) => Ok((facts, role)),
        None => fail(format!(
            "generated mock {name} matches no operation of the spec"
        )),
    }
}

fn adapt_when_fn(function: &mut syn::ImplItemFn, operation: &Facts) -> Result<()> {
    let name = function.sig.ident.to_string();
    let body = function.block.to_token_stream();
    let optional = !function.sig.generics.params.is_empty();
    let doc = if name == "new" {
        format!(
            "Wraps httpmock's `When`, expecting `{} {}`.",
            operation.method, operation.path
        )
    } else if name == "into_inner" {
        "httpmock's `When`, for expectations this wrapper does not offer.".to_string()
    } else if mentions(body.clone(), "query_param") || mentions(body.clone(), "query_param_missing")
    {
        let Some(api_name) = first_string_literal(body) else {
            return fail(format!(
                "{}: cannot read the query parameter of mock setter {name}",
                operation.id
            ));
        };
        let style = match operation.query.get(&api_name) {
            Some(QueryStyle::JsonText) => quote!(JsonText),
            Some(QueryStyle::Indexed) => quote!(Indexed),
            Some(QueryStyle::Plain) | None => quote!(Plain),
        };
        let call = quote! {
            crate::mock::support::query_param(self.0, #api_name, crate::wire::QueryStyle::#style, &value)
        };
        function.block = if optional {
            syn::parse_quote!({
                match value.into() {
                    Some(value) => Self(#call),
                    None => Self(crate::mock::support::query_param_missing(self.0, #api_name)),
                }
            })
        } else {
            syn::parse_quote!({ Self(#call) })
        };
        let absent = if optional {
            if wire_table::HYPERMEDIA_PARAMS.contains(&api_name.as_str()) {
                "; `None`: the SDK's default, sent when the caller sets none"
            } else {
                "; `None`: absent"
            }
        } else {
            ""
        };
        format!("Expects query parameter `{api_name}` to be `value`, as the SDK sends it{absent}.")
    } else if mentions(body.clone(), "path_matches") {
        format!("Expects path parameter `{name}` to be `value`.")
    } else if mentions(body.clone(), "json_body_obj") || mentions(body.clone(), "json_body") {
        "Expects the JSON request body to equal `value`.".to_string()
    } else if mentions(body.clone(), "header") {
        format!("Expects header `{name}` to be `value`.")
    } else {
        format!("Expects `{name}` to be `value`.")
    };
    function.attrs.insert(0, doc_attribute(&doc));
    Ok(())
}

fn adapt_then_fn(function: &mut syn::ImplItemFn, operation: &Facts) {
    let name = function.sig.ident.to_string();
    if operation.streaming && name == "ok" {
        // progenitor answers a raw body as JSON; an event stream is text.
        *function = syn::parse_quote! {
            /// Answers HTTP 200 with `events`, Server-Sent Events text such as
            /// `"event: state\ndata: {…}\n\n"`.
            pub fn ok(self, events: &str) -> Self {
                Self(self.0.status(200u16).header("content-type", "text/event-stream").body(events))
            }
        };
        return;
    }
    // Answer types are serialized through `AnswerJson`, which also covers
    // the hand-written, deserialize-only `AuthedDevice`.
    function.block = syn::parse2(answer_json(function.block.to_token_stream()))
        .unwrap_or_else(|_| function.block.clone());
    let body = function.block.to_token_stream();
    let doc = if name == "new" {
        "Wraps httpmock's `Then`.".to_string()
    } else if name == "into_inner" {
        "httpmock's `Then`, for answers this wrapper does not offer.".to_string()
    } else {
        let status = first_status_literal(body.clone()).unwrap_or_default();
        let with_body = if mentions(body, "answer_json") {
            " with `value` as its JSON body"
        } else {
            ""
        };
        if status.is_empty() {
            format!("Answers with `status`{with_body}.")
        } else {
            format!("Answers HTTP {status}{with_body}.")
        }
    };
    function.attrs.insert(0, doc_attribute(&doc));
}
