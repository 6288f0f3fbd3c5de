//! Decodes generated structs straight from the map, unknown fields included.
//!
//! Every generated struct keeps unknown fields in a flattened `extra` map
//! (adaptation 6 of [`super::adapt`]), which typify types as a
//! `serde_json::Map`. Here it becomes the crate's `UnknownFields`, which
//! keeps each value as raw JSON text: one allocation instead of a tree of
//! `Value`s.
//!
//! With `#[serde(flatten)]`, serde's derive first buffers each unknown entry
//! as untyped content and then decodes the map again from that buffer, on
//! every struct of every device of every page. The `Deserialize` written
//! here reads the map once: known keys are matched without allocating and
//! decoded in place, unknown ones go straight into `extra` as raw JSON.
//! Missing required fields and wrong types fail as with the derive
//! (a duplicate known key keeps its last value).

use super::types_module::{derives, remove_derives, types_module};
use super::{CodegenError, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::visit_mut::VisitMut;
use syn::{Fields, Item, ItemStruct, Type};

/// One field of a struct, as the decoder needs it.
struct Field {
    ident: syn::Ident,
    ty: Type,
    wire: String,
    /// What an absent field becomes; `None` when it is required.
    absent: Option<TokenStream>,
}

/// Replaces the derived `Deserialize` of every struct with an `extra` map.
pub fn decode_in_place(file: &mut syn::File) -> Result<()> {
    let Some((_, items)) = types_module(file) else {
        return Err(CodegenError("generated code has no `types` module".into()));
    };
    for item in items.iter_mut() {
        UnknownFieldsType.visit_item_mut(item);
    }
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        let Item::Struct(item) = item else { continue };
        if let Some(tokens) = rewrite(item)? {
            impls.push(tokens);
        }
    }
    let parsed: syn::File = syn::parse2(quote! { #(#impls)* })
        .map_err(|e| CodegenError(format!("struct decoders do not parse: {e}")))?;
    items.extend(parsed.items);
    Ok(())
}

/// Turns typify's type of the flattened map (in the structs and their
/// builders) into `crate::UnknownFields`. Nothing else in the Device API is
/// a map of arbitrary JSON values.
struct UnknownFieldsType;

impl VisitMut for UnknownFieldsType {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        let text = ty.to_token_stream().to_string().replace(' ', "");
        if text == "::serde_json::Map<::std::string::String,::serde_json::Value>" {
            *ty = syn::parse_quote!(crate::UnknownFields);
        } else {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}

fn rewrite(item: &mut ItemStruct) -> Result<Option<TokenStream>> {
    let Fields::Named(named) = &mut item.fields else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    let mut extra = None;
    for field in named.named.iter_mut() {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let attributes = serde_attributes(&field.attrs);
        if attributes.flatten {
            extra = Some((ident, field.ty.clone()));
            continue;
        }
        let wire = attributes.rename.unwrap_or_else(|| ident.to_string());
        let absent = match (&attributes.default, is_option(&field.ty)) {
            (Some(Some(path)), _) => Some(quote!(#path())),
            (Some(None), _) | (None, true) => Some(quote!(::std::default::Default::default())),
            (None, false) => None,
        };
        fields.push(Field {
            ident,
            ty: field.ty.clone(),
            wire,
            absent,
        });
    }
    let Some(extra) = extra else {
        return Ok(None);
    };
    if !derives(&item.attrs, "Deserialize") {
        return Ok(None);
    }
    remove_derives(&mut item.attrs, &["Deserialize"]);
    Ok(Some(decoder(&item.ident, &fields, &extra.0, &extra.1)))
}

fn decoder(
    name: &syn::Ident,
    fields: &[Field],
    extra: &syn::Ident,
    extra_type: &Type,
) -> TokenStream {
    let variants: Vec<_> = (0..fields.len()).map(|i| format_ident!("F{i}")).collect();
    let wires: Vec<_> = fields.iter().map(|f| f.wire.as_str()).collect();
    let slots: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("slot{i}"))
        .collect();
    let types: Vec<_> = fields.iter().map(|f| &f.ty).collect();
    let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
    let finish: Vec<_> = fields
        .iter()
        .zip(&slots)
        .map(|(field, slot)| match &field.absent {
            Some(absent) => quote!(#slot.unwrap_or_else(|| #absent)),
            None => {
                let wire = &field.wire;
                quote!(#slot.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field(#wire))?)
            }
        })
        .collect();
    let expecting = format!("a {name} object");
    let de = quote!(::serde::de);
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                enum Key {
                    #(#variants,)*
                    Unknown(::smol_str::SmolStr),
                }
                struct KeyVisitor;
                impl<'de> #de::Visitor<'de> for KeyVisitor {
                    type Value = Key;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E: #de::Error>(self, key: &str) -> ::std::result::Result<Key, E> {
                        ::std::result::Result::Ok(match key {
                            #(#wires => Key::#variants,)*
                            other => Key::Unknown(crate::ids::name_text(other)),
                        })
                    }
                }
                impl<'de> ::serde::Deserialize<'de> for Key {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        deserializer.deserialize_identifier(KeyVisitor)
                    }
                }
                struct ObjectVisitor;
                impl<'de> #de::Visitor<'de> for ObjectVisitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: #de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<#name, A::Error> {
                        #(let mut #slots: ::std::option::Option<#types> = ::std::option::Option::None;)*
                        let mut #extra: #extra_type = ::std::default::Default::default();
                        while let ::std::option::Option::Some(key) = map.next_key::<Key>()? {
                            match key {
                                #(Key::#variants => #slots = ::std::option::Option::Some(map.next_value()?),)*
                                Key::Unknown(key) => {
                                    #extra.push_raw(key, map.next_value::<::std::boxed::Box<::serde_json::value::RawValue>>()?);
                                }
                            }
                        }
                        ::std::result::Result::Ok(#name {
                            #(#idents: #finish,)*
                            #extra,
                        })
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }
    }
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// The serde attributes of a field that matter for decoding.
#[derive(Default)]
struct SerdeAttributes {
    rename: Option<String>,
    /// `default` (`Some(None)`) or `default = "path"` (`Some(Some(path))`).
    default: Option<Option<syn::Path>>,
    flatten: bool,
}

fn serde_attributes(attrs: &[syn::Attribute]) -> SerdeAttributes {
    let mut found = SerdeAttributes::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let literal: syn::LitStr = meta.value()?.parse()?;
                found.rename = Some(literal.value());
            } else if meta.path.is_ident("default") {
                found.default = Some(if meta.input.peek(syn::Token![=]) {
                    let literal: syn::LitStr = meta.value()?.parse()?;
                    Some(literal.parse()?)
                } else {
                    None
                });
            } else if meta.path.is_ident("flatten") {
                found.flatten = true;
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}
