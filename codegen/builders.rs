//! One way to call every operation: awaiting a request builder, or its
//! `send()`, returns the decoded answer or a [`crate::Error`].
//!
//! progenitor's builders keep each argument as `Result<T, String>` and
//! report a bad one as text inside its own error type. This pass makes the
//! arguments typed and names them as Losant does:
//!
//! - each argument is kept as `Result<T, crate::error::Rejected>`, which
//!   records the Losant wire name (`deviceId`, `perPage`), the reason and
//!   the rejected value, straight from the conversion's own error;
//! - progenitor's `send()` becomes the crate-private `build_request()`,
//!   which only builds the request (`crate::transport::send` sends it and
//!   decodes the answer; see there why; the rewrite is in
//!   [`super::send_raw`]), or `send_raw()` for an event stream;
//! - a new `send()` first runs `check()`: every rejected argument, and every
//!   numeric bound the spec gives a parameter (`perPage` 1 to 1000), fails
//!   before any I/O; it then builds the request and has
//!   `crate::transport::send` turn it into the answer or a
//!   [`crate::Error`];
//! - every builder implements `IntoFuture` through `send()`.
//!
//! Event-stream builders get `check()` only; `crate::sse` gives them a
//! `send()` that returns an event stream.

mod rejections;

use super::load;
use super::send_raw;
use super::wire_table::OperationWire;
use super::{fail, CodegenError, Result};
use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use syn::visit_mut::VisitMut;
use syn::{Expr, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type};

pub(super) use rejections::Conversions;
use rejections::{require_static_errors, typed_rejection, Initial};

/// What the pass needs to know of one operation's arguments.
#[derive(Debug, Default)]
pub struct Arguments {
    /// The id used in errors (snake case, as the client method).
    pub operation: String,
    /// Rust field name → Losant's name.
    pub wire_names: BTreeMap<String, String>,
    /// Rust field name → inclusive (minimum, maximum) from the spec.
    pub bounds: BTreeMap<String, (Option<i64>, Option<i64>)>,
    /// Sends Losant's hypermedia switches (every operation but the streams).
    pub hypermedia: bool,
}

/// The arguments of every operation, by builder name (`GetDevice`).
pub fn collect(document: &Value, wires: &[OperationWire]) -> Result<BTreeMap<String, Arguments>> {
    let mut all = BTreeMap::new();
    for operation in load::operations(document) {
        let id = operation.id().to_snake_case();
        let hypermedia = wires.iter().any(|wire| wire.id == id && wire.hypermedia);
        let mut arguments = Arguments {
            operation: id,
            hypermedia,
            ..Default::default()
        };
        for parameter in operation.parameters(document) {
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                return fail(format!("{}: a parameter has no name", operation.label()));
            };
            let field = name.to_snake_case();
            let schema = parameter.get("schema");
            let bound = |key: &str| schema.and_then(|s| s.get(key)).and_then(Value::as_i64);
            let (minimum, maximum) = (bound("minimum"), bound("maximum"));
            if minimum.is_some() || maximum.is_some() {
                arguments.bounds.insert(field.clone(), (minimum, maximum));
            }
            arguments.wire_names.insert(field, name.to_string());
        }
        arguments.wire_names.insert("body".into(), "body".into());
        all.insert(operation.id().to_pascal_case(), arguments);
    }
    Ok(all)
}

/// Rewrites the generated `builder` module of `file`.
pub fn rewrite(file: &mut syn::File, arguments: &BTreeMap<String, Arguments>) -> Result<()> {
    let Some((_, items)) = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
        _ => None,
    }) else {
        return fail("generated code has no `builder` module");
    };
    let mut added = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Struct(builder) => {
                for field in builder.fields.iter_mut() {
                    typed_rejection(&mut field.ty);
                }
            }
            Item::Impl(block) => {
                let Some(name) = self_name(&block.self_ty) else {
                    continue;
                };
                let Some(facts) = arguments.get(&name) else {
                    return fail(format!("builder {name} has no operation in the spec"));
                };
                let answer = rewrite_impl(block, facts)?;
                added.push(new_methods(&name, facts, block, answer.as_ref())?);
            }
            _ => {}
        }
    }
    // For `query_if_set` (see `send_raw`).
    items.push(syn::parse_quote!(
        #[allow(unused_imports)]
        use crate::transport::QueryIfSet as _;
    ));
    for tokens in added {
        let parsed: syn::File = syn::parse2(tokens)
            .map_err(|e| CodegenError(format!("builder methods do not parse: {e}")))?;
        items.extend(parsed.items);
    }
    Ok(())
}

/// Rewrites the methods of one builder; returns the answer type of its
/// `send()` (`None` for an event stream).
fn rewrite_impl(block: &mut syn::ItemImpl, facts: &Arguments) -> Result<Option<Type>> {
    let mut answer = None;
    let optional: BTreeSet<String> = fields_of(block)
        .into_iter()
        .filter_map(|(name, optional)| optional.then_some(name))
        .collect();
    for member in block.items.iter_mut() {
        let ImplItem::Fn(function) = member else {
            continue;
        };
        let name = function.sig.ident.to_string();
        match name.as_str() {
            "new" => Initial { facts }.visit_block_mut(&mut function.block),
            "send" => {
                answer = answer_type(&function.sig.output);
                send_raw::rewrite(
                    function,
                    &optional,
                    facts.hypermedia,
                    matches!(answer, Some(Some(_))),
                )?;
            }
            "body_map" => {}
            setter => {
                let wire = facts.wire_names.get(setter).ok_or_else(|| {
                    CodegenError(format!(
                        "{}: setter {setter} matches no parameter of the spec",
                        facts.operation
                    ))
                })?;
                Conversions { wire }.visit_block_mut(&mut function.block);
                require_static_errors(function);
            }
        }
    }
    Ok(answer.flatten())
}

/// `send()`, `check()` and `IntoFuture` of one builder.
fn new_methods(
    name: &str,
    facts: &Arguments,
    block: &syn::ItemImpl,
    answer: Option<&Type>,
) -> Result<TokenStream> {
    let builder = format_ident!("{name}");
    let fields = fields_of(block);
    let mut checks = Vec::new();
    for (field, optional) in &fields {
        let ident = format_ident!("{field}");
        checks.push(quote! {
            if let Err(rejected) = &self.#ident {
                return Err(rejected.clone().into());
            }
        });
        if let Some((minimum, maximum)) = facts.bounds.get(field) {
            let wire = &facts.wire_names[field];
            let minimum = option_tokens(*minimum);
            let maximum = option_tokens(*maximum);
            let pattern = if *optional {
                quote!(Ok(Some(value)))
            } else {
                quote!(Ok(value))
            };
            checks.push(quote! {
                if let #pattern = &self.#ident {
                    crate::error::check_range(#wire, *value, #minimum, #maximum)?;
                }
            });
        }
    }
    let check = quote! {
        /// Every argument set so far, checked as `send()` checks it.
        pub(crate) fn check(&self) -> ::std::result::Result<(), crate::Error> {
            #(#checks)*
            Ok(())
        }

        /// The client the request goes to.
        pub(crate) fn client(&self) -> &'a super::Client {
            self.client
        }
    };
    let Some(answer) = answer else {
        return Ok(quote! { impl<'a> #builder<'a> { #check } });
    };
    let operation = &facts.operation;
    Ok(quote! {
        impl<'a> #builder<'a> {
            /// Sends the request and decodes the answer; the same as
            /// awaiting the builder. Every argument is checked first, so a
            /// bad one fails before anything is sent.
            ///
            /// The returned future holds the whole call and allocates
            /// nothing of its own; awaiting the builder instead boxes it.
            // Compiled only in the crates that call it (see `on_demand`).
            #[inline]
            pub fn send(
                self,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#answer, crate::Error>> + Send + 'a {
                let client = self.client;
                let request = self.check().map(|()| self.build_request());
                crate::transport::send(#operation, client, request)
            }

            #check
        }

        impl<'a> ::std::future::IntoFuture for #builder<'a> {
            type Output = ::std::result::Result<#answer, crate::Error>;
            type IntoFuture = ::std::pin::Pin<
                ::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>,
            >;
            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    })
}

fn option_tokens(value: Option<i64>) -> TokenStream {
    match value {
        Some(value) => quote!(Some(#value)),
        None => quote!(None),
    }
}

/// The argument fields of a builder (all but `client`), read from `new()`,
/// and whether each is optional (`Ok(None)` initially).
fn fields_of(block: &syn::ItemImpl) -> Vec<(String, bool)> {
    let mut fields = Vec::new();
    for member in &block.items {
        let ImplItem::Fn(function) = member else {
            continue;
        };
        if function.sig.ident != "new" {
            continue;
        }
        let Some(syn::Stmt::Expr(Expr::Struct(construction), None)) = function.block.stmts.last()
        else {
            continue;
        };
        for field in &construction.fields {
            let syn::Member::Named(name) = &field.member else {
                continue;
            };
            if name == "client" {
                continue;
            }
            let text = quote!(#field).to_string().replace(' ', "");
            fields.push((name.to_string(), text.ends_with("Ok(None)")));
        }
    }
    fields
}

fn self_name(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    path.path.segments.last().map(|s| s.ident.to_string())
}

/// `T` of `Result<ResponseValue<T>, _>`; `None` inside for a byte stream.
fn answer_type(output: &ReturnType) -> Option<Option<Type>> {
    let ReturnType::Type(_, output) = output else {
        return None;
    };
    let answer =
        generic_arg(output, "Result").and_then(|value| generic_arg(&value, "ResponseValue"))?;
    let is_stream = matches!(&answer, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "ByteStream"));
    Some((!is_stream).then_some(answer))
}

/// The first generic argument of `outer<…>` when `ty` is such a path.
pub fn generic_arg(ty: &Type, outer: &str) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    })
}

/// Each trait bound in the where clause of `function`: the bounded type
/// and the last segment of the trait's path (`TryInto<T>`, `FnOnce(T) -> T`).
pub fn where_bounds(
    function: &syn::ImplItemFn,
) -> impl Iterator<Item = (&Type, &syn::PathSegment)> {
    let predicates = function
        .sig
        .generics
        .where_clause
        .iter()
        .flat_map(|clause| &clause.predicates);
    predicates
        .filter_map(|predicate| match predicate {
            syn::WherePredicate::Type(predicate) => Some(predicate),
            _ => None,
        })
        .flat_map(|predicate| {
            predicate
                .bounds
                .iter()
                .filter_map(move |bound| match bound {
                    syn::TypeParamBound::Trait(bound) => bound
                        .path
                        .segments
                        .last()
                        .map(|last| (&predicate.bounded_ty, last)),
                    _ => None,
                })
        })
}
