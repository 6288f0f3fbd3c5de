//! The generated part of the API snapshot, read from the code progenitor
//! generates (a `syn` walk): operations with their setters and answer,
//! types with their fields and variants.

use crate::codegen::builders::{generic_arg, where_bounds};
use std::collections::BTreeMap;
use std::fmt::Write;
use syn::{Fields, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type, Visibility};

struct Operation {
    setters: Vec<(String, String, bool)>,
    answer: String,
}

/// The generated sections of the snapshot for client source `code`.
pub fn render(code: &str) -> Result<String, String> {
    let file = syn::parse_file(code).map_err(|e| format!("generated code does not parse: {e}"))?;
    let mut routes: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut builders: BTreeMap<String, Operation> = BTreeMap::new();
    let mut builder_of: BTreeMap<String, String> = BTreeMap::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();

    for item in &file.items {
        match item {
            Item::Impl(block) if is_path(&block.self_ty, "Client") && block.trait_.is_none() => {
                for member in &block.items {
                    let ImplItem::Fn(function) = member else {
                        continue;
                    };
                    if !matches!(function.vis, Visibility::Public(_)) {
                        continue;
                    }
                    let name = function.sig.ident.to_string();
                    if let Some((method, path)) = route(&doc_text(&function.attrs)) {
                        routes.insert(name.clone(), (method, path));
                    }
                    if let ReturnType::Type(_, ty) = &function.sig.output {
                        if let Some(builder) = last_ident(ty) {
                            builder_of.insert(name, builder);
                        }
                    }
                }
            }
            Item::Mod(module) if module.ident == "builder" => {
                if let Some((_, items)) = &module.content {
                    read_builders(items, &mut builders);
                }
            }
            Item::Mod(module) if module.ident == "types" => {
                if let Some((_, items)) = &module.content {
                    read_types(items, &mut types);
                }
            }
            _ => {}
        }
    }

    let mut out = String::new();
    let _ = writeln!(out, "\n## Operations ({})\n", routes.len());
    for (name, (method, path)) in &routes {
        let _ = writeln!(out, "{name}: {method} {path}");
        let Some(operation) = builder_of.get(name).and_then(|b| builders.get(b)) else {
            let _ = writeln!(out, "  (no builder found)");
            continue;
        };
        for (setter, ty, optional) in &operation.setters {
            let _ = writeln!(out, "  .{setter}({ty}){}", if *optional { "?" } else { "" });
        }
        let _ = writeln!(out, "  -> {}\n", operation.answer);
    }
    let _ = writeln!(out, "\n## Types ({})\n", types.len());
    let texts: Vec<&str> = types.values().map(String::as_str).collect();
    out.push_str(&texts.join("\n"));
    Ok(out)
}

fn is_path(ty: &Type, name: &str) -> bool {
    last_ident(ty).as_deref() == Some(name)
}

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(meta) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &meta.value
            {
                text.push_str(&s.value());
                text.push('\n');
            }
        }
    }
    text
}

/// "Sends a `GET` request to `/path`" in progenitor's doc comment.
fn route(doc: &str) -> Option<(String, String)> {
    let rest = doc.split("Sends a `").nth(1)?;
    let (method, rest) = rest.split_once('`')?;
    let path = rest.split('`').nth(1)?;
    Some((method.to_string(), path.to_string()))
}

fn read_builders(items: &[Item], builders: &mut BTreeMap<String, Operation>) {
    // Field types tell which setters are optional (`Result<Option<T>, _>`).
    let mut optional: BTreeMap<(String, String), bool> = BTreeMap::new();
    for item in items {
        if let Item::Struct(s) = item {
            for field in &s.fields {
                if let (Some(ident), Some(inner)) = (&field.ident, generic_arg(&field.ty, "Result"))
                {
                    optional.insert(
                        (s.ident.to_string(), ident.to_string()),
                        generic_arg(&inner, "Option").is_some(),
                    );
                }
            }
        }
    }
    for item in items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let Some(name) = last_ident(&block.self_ty) else {
            continue;
        };
        // A builder's methods may come in several impl blocks (progenitor's,
        // and the checked `send()` of codegen/builders.rs).
        let operation = builders.entry(name.clone()).or_insert_with(|| Operation {
            setters: Vec::new(),
            // Event-stream builders get their `send()` in `crate::sse`.
            answer: "EventStream (see crate::sse)".to_string(),
        });
        for member in &block.items {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            if !matches!(function.vis, Visibility::Public(_)) {
                continue;
            }
            let ident = function.sig.ident.to_string();
            match ident.as_str() {
                "new" => {}
                "send" => {
                    if let ReturnType::Type(_, ty) = &function.sig.output {
                        let answer = generic_arg(ty, "Result");
                        operation.answer = answer
                            .as_ref()
                            .and_then(|r| generic_arg(r, "ResponseValue"))
                            .or(answer)
                            .map(|t| type_text(&t))
                            .unwrap_or_else(|| type_text(ty));
                    }
                }
                _ => {
                    let target = setter_target(function);
                    let is_optional = optional
                        .get(&(name.clone(), ident.clone()))
                        .copied()
                        .unwrap_or(false);
                    operation.setters.push((ident, target, is_optional));
                }
            }
        }
    }
}

/// `T` of `where V: TryInto<T>`, or the `FnOnce(T) -> T` of `body_map`.
fn setter_target(function: &syn::ImplItemFn) -> String {
    for (_, last) in where_bounds(function) {
        match &last.arguments {
            PathArguments::AngleBracketed(args) if last.ident == "TryInto" => {
                if let Some(GenericArgument::Type(t)) = args.args.first() {
                    return type_text(t);
                }
            }
            PathArguments::Parenthesized(args) => {
                let inputs: Vec<String> =
                    args.inputs.iter().map(|arg| type_text(&arg.ty)).collect();
                return format!("FnOnce({}) -> …", inputs.join(", "));
            }
            _ => {}
        }
    }
    let inputs: Vec<String> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(t) => Some(type_text(&t.ty)),
            _ => None,
        })
        .collect();
    inputs.join(", ")
}

fn read_types(items: &[Item], types: &mut BTreeMap<String, String>) {
    for item in items {
        let mut text = String::new();
        match item {
            Item::Struct(s) if matches!(s.vis, Visibility::Public(_)) => {
                match &s.fields {
                    Fields::Named(named) => {
                        let _ = writeln!(text, "struct {}", s.ident);
                        for field in &named.named {
                            let name = field
                                .ident
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_default();
                            let _ = writeln!(text, "  {name}: {}", type_text(&field.ty));
                        }
                    }
                    Fields::Unnamed(unnamed) => {
                        let inner: Vec<String> =
                            unnamed.unnamed.iter().map(|f| type_text(&f.ty)).collect();
                        let _ = writeln!(text, "struct {}({})", s.ident, inner.join(", "));
                    }
                    Fields::Unit => {
                        let _ = writeln!(text, "struct {}", s.ident);
                    }
                }
                types.insert(s.ident.to_string(), text);
            }
            Item::Enum(e) if matches!(e.vis, Visibility::Public(_)) => {
                let _ = writeln!(text, "enum {}", e.ident);
                for variant in &e.variants {
                    match &variant.fields {
                        Fields::Unit => {
                            let _ = writeln!(text, "  {}", variant.ident);
                        }
                        Fields::Unnamed(unnamed) => {
                            let inner: Vec<String> =
                                unnamed.unnamed.iter().map(|f| type_text(&f.ty)).collect();
                            let _ = writeln!(text, "  {}({})", variant.ident, inner.join(", "));
                        }
                        Fields::Named(named) => {
                            let _ = writeln!(text, "  {} {{", variant.ident);
                            for field in &named.named {
                                let name = field
                                    .ident
                                    .as_ref()
                                    .map(ToString::to_string)
                                    .unwrap_or_default();
                                let _ = writeln!(text, "    {name}: {}", type_text(&field.ty));
                            }
                            let _ = writeln!(text, "  }}");
                        }
                    }
                }
                types.insert(e.ident.to_string(), text);
            }
            Item::Type(alias) if matches!(alias.vis, Visibility::Public(_)) => {
                let _ = writeln!(text, "type {} = {}", alias.ident, type_text(&alias.ty));
                types.insert(alias.ident.to_string(), text);
            }
            _ => {}
        }
    }
}

/// A type as a reader would write it: standard and generated types by their
/// name (`Option<Vec<String>>`, `Device`), our hand-written replacements by
/// their crate path (`crate::ids::DeviceId`).
pub fn type_text(ty: &Type) -> String {
    match ty {
        Type::Path(path) => {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = path.path.segments.last();
            let arguments = match last.map(|s| &s.arguments) {
                Some(PathArguments::AngleBracketed(args)) => {
                    let inner: Vec<String> = args
                        .args
                        .iter()
                        .map(|a| match a {
                            GenericArgument::Type(t) => type_text(t),
                            GenericArgument::Lifetime(l) => format!("'{}", l.ident),
                            _ => "_".into(),
                        })
                        .collect();
                    format!("<{}>", inner.join(", "))
                }
                _ => String::new(),
            };
            let keep_path = segments.first().map(String::as_str) == Some("crate")
                && segments.get(1).map(String::as_str) != Some("types");
            let builder = segments.len() >= 2 && segments[segments.len() - 2] == "builder";
            let name = if keep_path {
                segments.join("::")
            } else if builder {
                format!("builder::{}", segments.last().cloned().unwrap_or_default())
            } else {
                segments.last().cloned().unwrap_or_default()
            };
            format!("{name}{arguments}")
        }
        Type::Reference(reference) => format!(
            "&{}{}",
            if reference.mutability.is_some() {
                "mut "
            } else {
                ""
            },
            type_text(&reference.elem)
        ),
        Type::Tuple(tuple) => {
            let inner: Vec<String> = tuple.elems.iter().map(type_text).collect();
            format!("({})", inner.join(", "))
        }
        Type::Slice(slice) => format!("[{}]", type_text(&slice.elem)),
        Type::Array(array) => format!("[{}; …]", type_text(&array.elem)),
        Type::Paren(paren) => type_text(&paren.elem),
        Type::Group(group) => type_text(&group.elem),
        other => {
            use quote::ToTokens;
            other.to_token_stream().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let ty: Type =
            syn::parse_str("::std::option::Option<::std::vec::Vec<types::DeviceTag>>").unwrap();
        assert_eq!(type_text(&ty), "Option<Vec<DeviceTag>>");
        let ty: Type = syn::parse_str("crate::wire::Json<crate::query::DeviceQuery>").unwrap();
        assert_eq!(
            type_text(&ty),
            "crate::wire::Json<crate::query::DeviceQuery>"
        );
        let ty: Type = syn::parse_str("crate::types::Device").unwrap();
        assert_eq!(type_text(&ty), "Device");
    }

    #[test]
    fn routes_come_from_docs() {
        assert_eq!(
            route("Get a device\n\nSends a `GET` request to `/applications/{applicationId}/devices/{deviceId}`\n"),
            Some((
                "GET".to_string(),
                "/applications/{applicationId}/devices/{deviceId}".to_string()
            ))
        );
    }
}
