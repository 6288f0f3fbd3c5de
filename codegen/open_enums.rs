//! Makes every generated string enum *open*: a value the spec does not list
//! decodes into `Unknown(String)` and encodes back unchanged.
//!
//! Losant adds enum values (a device class, an attribute data type) on its
//! own schedule. typify's closed enums turn one such value into a decode
//! failure of the whole answer, a whole page of devices included. Every
//! string enum of the `types` module therefore gets:
//!
//! - an `Unknown(String)` variant and `#[non_exhaustive]` (new known
//!   variants are then not a breaking change);
//! - `as_str`, `is_unknown`, `Display`, infallible `From<&str>`/`From<String>`
//!   and `FromStr` (known text maps to its variant, anything else to
//!   `Unknown`), so a caller can also *send* a value this SDK does not know;
//! - hand-written `Serialize`/`Deserialize` as a plain string.
//!
//! Enums are found by shape (unit variants only, serde-derived, not
//! untagged), so every enum a future spec brings gets the same treatment.

use super::types_module::{derives, is_untagged, remove_derives, types_module};
use super::{fail, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Fields, Item, ItemEnum, Meta, Type};

/// The name of the fallback variant.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// One string enum: its name and `(variant, wire text)` pairs.
struct StringEnum {
    name: syn::Ident,
    variants: Vec<(syn::Ident, String)>,
}

/// Rewrites every string enum of the generated `types` module of `file`;
/// returns their names.
pub fn open(file: &mut syn::File) -> Result<Vec<String>> {
    let Some((_, items)) = types_module(file) else {
        return fail("generated code has no `types` module");
    };
    let mut found = Vec::new();
    for item in items.iter_mut() {
        if let Item::Enum(item) = item {
            if let Some(string_enum) = open_enum(item) {
                found.push(string_enum);
            }
        }
    }
    let names: Vec<String> = found.iter().map(|e| e.name.to_string()).collect();
    // typify's own conversions know only the listed values; ours replace them.
    items.retain(|item| !is_replaced_impl(item, &names));
    for string_enum in &found {
        let tokens = impls(string_enum);
        let parsed: syn::File = syn::parse2(tokens).map_err(|e| {
            super::CodegenError(format!(
                "open enum impls of {} do not parse: {e}",
                string_enum.name
            ))
        })?;
        items.extend(parsed.items);
    }
    Ok(names)
}

/// Turns `item` into an open enum if it is a serde string enum.
fn open_enum(item: &mut ItemEnum) -> Option<StringEnum> {
    if !derives(&item.attrs, "Deserialize") || is_untagged(&item.attrs) {
        return None;
    }
    let mut variants = Vec::new();
    for variant in &item.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return None;
        }
        let wire = serde_rename(&variant.attrs).unwrap_or_else(|| variant.ident.to_string());
        variants.push((variant.ident.clone(), wire));
    }
    if variants.is_empty() {
        return None;
    }
    for variant in item.variants.iter_mut() {
        variant.attrs.retain(|attr| !attr.path().is_ident("serde"));
    }
    remove_derives(&mut item.attrs, &["Deserialize", "Serialize", "Copy"]);
    item.attrs.push(syn::parse_quote!(#[non_exhaustive]));
    let unknown = format_ident!("{UNKNOWN_VARIANT}");
    item.variants.push(syn::parse_quote! {
        /// A value this version of the SDK does not know, kept exactly as
        /// Losant sent it (and sent as is). `From<&str>` maps known text to
        /// its own variant, so prefer it to building this variant by hand.
        #unknown(::std::string::String)
    });
    Some(StringEnum {
        name: item.ident.clone(),
        variants,
    })
}

fn impls(string_enum: &StringEnum) -> TokenStream {
    let name = &string_enum.name;
    let unknown = format_ident!("{UNKNOWN_VARIANT}");
    let idents: Vec<_> = string_enum
        .variants
        .iter()
        .map(|(ident, _)| ident)
        .collect();
    let texts: Vec<_> = string_enum.variants.iter().map(|(_, text)| text).collect();
    let expecting = format!("a {name} text");
    quote! {
        impl #name {
            /// The value as Losant spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #texts,)*
                    Self::#unknown(text) => text.as_str(),
                }
            }

            /// Whether this is a value this version of the SDK does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::#unknown(_))
            }

            fn known(text: &str) -> ::std::option::Option<Self> {
                match text {
                    #(#texts => ::std::option::Option::Some(Self::#idents),)*
                    _ => ::std::option::Option::None,
                }
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(text: &str) -> Self {
                Self::known(text).unwrap_or_else(|| Self::#unknown(text.to_owned()))
            }
        }
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(text: ::std::string::String) -> Self {
                Self::known(&text).unwrap_or(Self::#unknown(text))
            }
        }
        impl ::std::convert::From<&::std::string::String> for #name {
            fn from(text: &::std::string::String) -> Self {
                Self::from(text.as_str())
            }
        }
        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from(text))
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Text;
                impl<'de> ::serde::de::Visitor<'de> for Text {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> ::std::result::Result<#name, E> {
                        ::std::result::Result::Ok(#name::from(text))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, text: ::std::string::String) -> ::std::result::Result<#name, E> {
                        ::std::result::Result::Ok(#name::from(text))
                    }
                }
                deserializer.deserialize_str(Text)
            }
        }
    }
}

/// typify's `Display`, `FromStr` and `TryFrom<text>` impls of an opened enum.
fn is_replaced_impl(item: &Item, names: &[String]) -> bool {
    let Item::Impl(block) = item else {
        return false;
    };
    let Some((trait_path, _)) = &block.trait_ else {
        return false;
    };
    let Type::Path(self_type) = block.self_ty.as_ref() else {
        return false;
    };
    let Some(self_name) = self_type.path.segments.last() else {
        return false;
    };
    if !names.iter().any(|name| self_name.ident == name) {
        return false;
    }
    let Some(trait_name) = trait_path.segments.last() else {
        return false;
    };
    matches!(
        trait_name.ident.to_string().as_str(),
        "Display" | "FromStr" | "TryFrom"
    )
}

/// The `rename = "…"` of a `#[serde(...)]` attribute.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .find_map(|attr| {
            let Meta::List(_) = &attr.meta else {
                return None;
            };
            let mut rename = None;
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let literal: syn::LitStr = meta.value()?.parse()?;
                    rename = Some(literal.value());
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            rename
        })
}
