//! Decodes "one of" shapes by looking at the first JSON token.
//!
//! serde's `#[serde(untagged)]` buffers the whole subtree and then tries
//! each variant in turn. That costs a copy of every `tags` and `attributes`
//! value of every device, and a failure deep inside only says "did not
//! match any variant", losing the path of the failing field
//! (`attributes[0].dataType`). When the variants of a generated untagged
//! enum differ in their JSON kind (array, object, string, integer, number,
//! boolean), the derived `Deserialize` is replaced by one that dispatches on
//! the token and decodes the chosen variant in place, so errors keep their
//! full path. Enums whose variants share a kind (two object shapes) buffer
//! the value as raw JSON and try each variant on it: serde's own buffer
//! cannot hold the raw JSON that `UnknownFields` keeps.

use super::types_module::{derives, is_untagged, remove_derives, types_module};
use super::{CodegenError, Result};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;
use syn::{Fields, Item, ItemEnum, Type};

/// The JSON kind a Rust type decodes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Array,
    Object,
    Text,
    Integer,
    Float,
    Boolean,
}

/// Hand-written types of `src/` the generated code refers to, by their last
/// path segment, and the kind each decodes from.
const HAND_WRITTEN: &[(&str, Kind)] = &[
    ("ApplicationId", Kind::Text),
    ("DeviceId", Kind::Text),
    ("DeviceRecipeId", Kind::Text),
    ("ObjectId", Kind::Text),
    ("AttributeName", Kind::Text),
    ("TagKey", Kind::Text),
    ("Timestamp", Kind::Text),
];

/// Replaces the derived `Deserialize` of every untagged enum whose variants
/// can be told apart by their first token. `open_enums` names the string
/// enums made open (they decode from text).
pub fn dispatch_on_first_token(file: &mut syn::File, open_enums: &[String]) -> Result<()> {
    let Some((_, items)) = types_module(file) else {
        return Err(CodegenError("generated code has no `types` module".into()));
    };
    let kinds = local_kinds(items, open_enums);
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        let Item::Enum(item) = item else { continue };
        if !is_untagged(&item.attrs) || !derives(&item.attrs, "Deserialize") {
            continue;
        }
        let decoder = match variant_kinds(item, &kinds) {
            Some(variants) => deserialize_impl(&item.ident, &variants),
            None => match newtype_variants(item) {
                Some(variants) => try_each_impl(&item.ident, &variants),
                None => continue,
            },
        };
        remove_derives(&mut item.attrs, &["Deserialize"]);
        impls.push(decoder);
    }
    let parsed: syn::File = syn::parse2(quote! { #(#impls)* })
        .map_err(|e| CodegenError(format!("first-token decoders do not parse: {e}")))?;
    items.extend(parsed.items);
    Ok(())
}

/// The kind of each struct, newtype and open enum of the module.
fn local_kinds(items: &[Item], open_enums: &[String]) -> BTreeMap<String, Kind> {
    let mut kinds: BTreeMap<String, Kind> = open_enums
        .iter()
        .map(|name| (name.clone(), Kind::Text))
        .collect();
    let mut newtypes = Vec::new();
    for item in items {
        let Item::Struct(item) = item else { continue };
        match &item.fields {
            Fields::Named(_) => {
                kinds.insert(item.ident.to_string(), Kind::Object);
            }
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                newtypes.push((item.ident.to_string(), fields.unnamed[0].ty.clone()));
            }
            _ => {}
        }
    }
    // A newtype decodes as what it wraps, which may itself be a newtype.
    for _ in 0..newtypes.len() {
        for (name, inner) in &newtypes {
            if let Some(kind) = kind_of(inner, &kinds) {
                kinds.insert(name.clone(), kind);
            }
        }
    }
    kinds
}

/// `(variant, kind)` of every variant, when they are all one-field tuple
/// variants of pairwise different kinds.
fn variant_kinds(
    item: &ItemEnum,
    kinds: &BTreeMap<String, Kind>,
) -> Option<Vec<(syn::Ident, Kind)>> {
    let mut variants = Vec::new();
    for variant in &item.variants {
        let Fields::Unnamed(fields) = &variant.fields else {
            return None;
        };
        if fields.unnamed.len() != 1 {
            return None;
        }
        let kind = kind_of(&fields.unnamed[0].ty, kinds)?;
        if variants.iter().any(|(_, seen)| *seen == kind) {
            return None;
        }
        variants.push((variant.ident.clone(), kind));
    }
    (!variants.is_empty()).then_some(variants)
}

/// The variants, when they are all one-field tuple variants.
fn newtype_variants(item: &ItemEnum) -> Option<Vec<syn::Ident>> {
    item.variants
        .iter()
        .map(|variant| match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Some(variant.ident.clone()),
            _ => None,
        })
        .collect()
}

/// Tries the variants in order on the value kept as raw JSON, as serde's
/// untagged derive does on its own buffer.
fn try_each_impl(name: &syn::Ident, variants: &[syn::Ident]) -> TokenStream {
    let message = format!("data did not match any variant of untagged enum {name}");
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let raw = <::std::boxed::Box<::serde_json::value::RawValue> as ::serde::Deserialize>::deserialize(deserializer)?;
                #(
                    if let ::std::result::Result::Ok(value) = ::serde_json::from_str(raw.get()) {
                        return ::std::result::Result::Ok(#name::#variants(value));
                    }
                )*
                ::std::result::Result::Err(<D::Error as ::serde::de::Error>::custom(#message))
            }
        }
    }
}

fn kind_of(ty: &Type, kinds: &BTreeMap<String, Kind>) -> Option<Kind> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let name = last.ident.to_string();
    let builtin = match name.as_str() {
        "Vec" => Some(Kind::Array),
        "BTreeMap" | "HashMap" | "Map" => Some(Kind::Object),
        "String" => Some(Kind::Text),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "isize" | "usize" => {
            Some(Kind::Integer)
        }
        "f32" | "f64" => Some(Kind::Float),
        "bool" => Some(Kind::Boolean),
        _ => None,
    };
    builtin
        .or_else(|| {
            HAND_WRITTEN
                .iter()
                .find(|(hand_written, _)| *hand_written == name)
                .map(|(_, kind)| *kind)
        })
        .or_else(|| kinds.get(&name).copied())
}

fn deserialize_impl(name: &syn::Ident, variants: &[(syn::Ident, Kind)]) -> TokenStream {
    let variant = |kind: Kind| {
        variants
            .iter()
            .find(|(_, k)| *k == kind)
            .map(|(ident, _)| ident)
    };
    let de = quote!(::serde::de);
    let ok = quote!(::std::result::Result::Ok);
    let decode = |ident: &syn::Ident, deserializer: TokenStream| {
        quote! { ::serde::Deserialize::deserialize(#deserializer).map(#name::#ident) }
    };
    let mut methods = Vec::new();
    let mut expected = Vec::new();
    if let Some(ident) = variant(Kind::Array) {
        expected.push("an array");
        let body = decode(ident, quote!(#de::value::SeqAccessDeserializer::new(seq)));
        methods.push(quote! {
            fn visit_seq<A: #de::SeqAccess<'de>>(self, seq: A) -> ::std::result::Result<#name, A::Error> { #body }
        });
    }
    if let Some(ident) = variant(Kind::Object) {
        expected.push("an object");
        let body = decode(ident, quote!(#de::value::MapAccessDeserializer::new(map)));
        methods.push(quote! {
            fn visit_map<A: #de::MapAccess<'de>>(self, map: A) -> ::std::result::Result<#name, A::Error> { #body }
        });
    }
    if let Some(ident) = variant(Kind::Text) {
        expected.push("a string");
        let borrowed = decode(ident, quote!(#de::value::StrDeserializer::<E>::new(text)));
        let owned = decode(
            ident,
            quote!(#de::value::StringDeserializer::<E>::new(text)),
        );
        methods.push(quote! {
            fn visit_str<E: #de::Error>(self, text: &str) -> ::std::result::Result<#name, E> { #borrowed }
            fn visit_string<E: #de::Error>(self, text: ::std::string::String) -> ::std::result::Result<#name, E> { #owned }
        });
    }
    if let Some(ident) = variant(Kind::Boolean) {
        expected.push("a boolean");
        let body = decode(ident, quote!(#de::value::BoolDeserializer::<E>::new(value)));
        methods.push(quote! {
            fn visit_bool<E: #de::Error>(self, value: bool) -> ::std::result::Result<#name, E> { #body }
        });
    }
    // Integers go to the integer variant and fall back to the number one;
    // fractions only to the number variant.
    let integer = variant(Kind::Integer).or(variant(Kind::Float));
    if let Some(ident) = integer {
        expected.push("a number");
        let signed = decode(ident, quote!(#de::value::I64Deserializer::<E>::new(value)));
        let fallback = match variant(Kind::Float) {
            Some(float) if Some(float) != integer => {
                quote! { .or_else(|_: E| #ok(#name::#float(value as f64))) }
            }
            _ => quote! {},
        };
        let unsigned = decode(ident, quote!(#de::value::U64Deserializer::<E>::new(value)));
        methods.push(quote! {
            fn visit_i64<E: #de::Error>(self, value: i64) -> ::std::result::Result<#name, E> { #signed }
            fn visit_u64<E: #de::Error>(self, value: u64) -> ::std::result::Result<#name, E> { #unsigned #fallback }
        });
    }
    if let Some(ident) = variant(Kind::Float) {
        let body = decode(ident, quote!(#de::value::F64Deserializer::<E>::new(value)));
        methods.push(quote! {
            fn visit_f64<E: #de::Error>(self, value: f64) -> ::std::result::Result<#name, E> { #body }
        });
    }
    let expecting = expected.join(" or ");
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct FirstToken;
                impl<'de> #de::Visitor<'de> for FirstToken {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    #(#methods)*
                }
                deserializer.deserialize_any(FirstToken)
            }
        }
    }
}
