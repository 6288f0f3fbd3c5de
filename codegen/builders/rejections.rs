//! How a builder's argument failures become `crate::error::Rejected`,
//! which names the argument as Losant does, instead of progenitor's text.

use super::{where_bounds, Arguments};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, GenericArgument, PathArguments, Type, WherePredicate};

/// `Result<T, String>` becomes `Result<T, crate::error::Rejected>`.
pub(super) fn typed_rejection(ty: &mut Type) {
    let Type::Path(path) = ty else { return };
    let Some(last) = path.path.segments.last_mut() else {
        return;
    };
    if last.ident != "Result" {
        return;
    }
    let PathArguments::AngleBracketed(arguments) = &mut last.arguments else {
        return;
    };
    if let Some(GenericArgument::Type(error)) = arguments.args.iter_mut().nth(1) {
        *error = syn::parse_quote!(crate::error::Rejected);
    }
}

/// `Err("x was not initialized".to_string())` in `new()` becomes
/// `Err(Rejected::missing("x"))` with Losant's name.
pub(super) struct Initial<'a> {
    pub(super) facts: &'a Arguments,
}

impl VisitMut for Initial<'_> {
    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        let syn::Member::Named(name) = &field.member else {
            return;
        };
        let Expr::Call(call) = &field.expr else {
            return;
        };
        let is_err = matches!(call.func.as_ref(), Expr::Path(p) if p.path.is_ident("Err"));
        if !is_err {
            return;
        }
        let name = name.to_string();
        let wire = self.facts.wire_names.get(&name).cloned().unwrap_or(name);
        field.expr = syn::parse_quote!(Err(crate::error::Rejected::missing(#wire)));
    }
}

/// The closure of every `map_err(…)` that turns a conversion failure into
/// text becomes one that keeps it as a `Rejected` for parameter `wire`.
pub(crate) struct Conversions<'a> {
    pub(crate) wire: &'a str,
}

impl VisitMut for Conversions<'_> {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "map_err" {
            return;
        }
        let Some(Expr::Closure(closure)) = call.args.first() else {
            return;
        };
        // `Error::InvalidRequest` paths are handled by `RawErrors`; closures
        // here are the conversions' own.
        if closure.inputs.len() != 1 {
            return;
        }
        let wire = self.wire;
        call.args = syn::parse_quote!(|error| crate::error::Rejected::conversion(#wire, &error));
    }
}

/// `Rejected::conversion` keeps the failed conversion's error, which must
/// be displayable and `'static` (ids keep the rejected value).
pub(super) fn require_static_errors(function: &mut syn::ImplItemFn) {
    let added: Vec<WherePredicate> = where_bounds(function)
        .filter(|(_, last)| last.ident == "TryInto")
        .filter_map(|(value, last)| {
            let PathArguments::AngleBracketed(arguments) = &last.arguments else {
                return None;
            };
            let Some(GenericArgument::Type(target)) = arguments.args.first() else {
                return None;
            };
            Some(syn::parse_quote!(
                <#value as std::convert::TryInto<#target>>::Error: std::fmt::Display + 'static
            ))
        })
        .collect();
    if let Some(clause) = function.sig.generics.where_clause.as_mut() {
        clause.predicates.extend(added);
    }
}
