//! Makes every generated request builder awaitable: `builder.await` sends it
//! and returns the decoded answer or a [`crate::Error`] (through
//! `crate::error::finish`), while progenitor's own `send()` stays available.
//! The answer type is read from each builder's generated `send()`.

use super::{fail, Result};
use quote::{format_ident, quote};
use syn::{GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type};

/// Appends an `IntoFuture` impl for each builder to `file`.
pub fn add_impls(file: &mut syn::File) -> Result<()> {
    let mut impls = Vec::new();
    for (builder, answer) in builders(file)? {
        if is_byte_stream(&answer) {
            continue; // event streams are consumed through `crate::sse`
        }
        let operation = heck::ToSnakeCase::to_snake_case(builder.to_string().as_str());
        impls.push(quote! {
            impl<'a> ::std::future::IntoFuture for builder::#builder<'a> {
                type Output = ::std::result::Result<#answer, crate::Error>;
                type IntoFuture = ::std::pin::Pin<
                    ::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>,
                >;
                fn into_future(self) -> Self::IntoFuture {
                    ::std::boxed::Box::pin(async move {
                        crate::error::finish(#operation, self.send().await).await
                    })
                }
            }
        });
    }
    let items: syn::File = syn::parse2(quote! { #(#impls)* })
        .map_err(|e| super::CodegenError(format!("IntoFuture impls do not parse: {e}")))?;
    file.items.extend(items.items);
    Ok(())
}

/// (builder name, answer type) of every builder with a `send()`.
fn builders(file: &syn::File) -> Result<Vec<(syn::Ident, Type)>> {
    let Some(module) = file.items.iter().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => module.content.as_ref(),
        _ => None,
    }) else {
        return fail("generated code has no `builder` module");
    };
    let mut found = Vec::new();
    for item in &module.1 {
        let Item::Impl(block) = item else { continue };
        let Type::Path(self_type) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_type.path.segments.last() else {
            continue;
        };
        for member in &block.items {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            if function.sig.ident != "send" {
                continue;
            }
            let ReturnType::Type(_, output) = &function.sig.output else {
                continue;
            };
            let answer = generic_arg(output, "Result")
                .and_then(|response| generic_arg(&response, "ResponseValue"))
                .ok_or_else(|| {
                    super::CodegenError(format!(
                        "cannot read the answer type of builder {}",
                        name.ident
                    ))
                })?;
            found.push((format_ident!("{}", name.ident), answer));
        }
    }
    Ok(found)
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

fn is_byte_stream(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "ByteStream"))
}
