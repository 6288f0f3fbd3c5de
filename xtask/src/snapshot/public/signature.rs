//! One-line signatures of public items, printed by prettyplease (so they
//! read as rustfmt would write them) and folded onto one line: bodies,
//! attributes, values of statics and visibility left out.

use syn::{
    Block, Fields, ImplItem, Item, ItemImpl, ItemTrait, Signature, TraitItem, Type, Visibility,
};

/// `item` printed and folded onto one line, without a trailing `{}` or `;`.
pub fn one_line(item: Item) -> String {
    let text = prettyplease::unparse(&syn::File {
        shebang: None,
        frontmatter: None,
        attrs: Vec::new(),
        items: vec![item],
    });
    fold(&text)
}

fn fold(text: &str) -> String {
    let mut line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    for (from, to) in [
        (", )", ")"),
        (", >", ">"),
        ("( ", "("),
        (" )", ")"),
        ("< ", "<"),
    ] {
        line = line.replace(from, to);
    }
    let line = line.trim_end();
    let line = line
        .strip_suffix("{}")
        .or_else(|| line.strip_suffix(';'))
        .unwrap_or(line);
    line.trim_end().trim_end_matches(',').to_string()
}

fn empty_block() -> Block {
    syn::parse_quote!({})
}

/// A function's signature; `mut` on a parameter binding is the body's
/// business, not the API's, and is left out.
pub fn function(sig: &Signature) -> String {
    let mut sig = sig.clone();
    for input in sig.inputs.iter_mut() {
        match input {
            syn::FnArg::Receiver(receiver) => {
                receiver.mutability = None;
            }
            syn::FnArg::Typed(typed) => {
                if let syn::Pat::Ident(binding) = &mut *typed.pat {
                    binding.mutability = None;
                }
            }
        }
    }
    one_line(Item::Fn(syn::ItemFn {
        attrs: Vec::new(),
        vis: Visibility::Inherited,
        modifiers: syn::FnModifiers::default(),
        sig,
        block: Box::new(empty_block()),
    }))
}

pub fn ty(ty: &Type) -> String {
    let alias: syn::ItemType = syn::parse_quote!(type __ = #ty;);
    one_line(Item::Type(alias))
        .trim_start_matches("type __ = ")
        .to_string()
}

/// The head of a struct, enum, union or trait (generics, bounds, where
/// clause), without its body.
pub fn head(item: &Item) -> String {
    let mut item = item.clone();
    match &mut item {
        Item::Struct(s) => {
            s.attrs.clear();
            s.vis = Visibility::Inherited;
            s.fields = Fields::Unit;
            s.semi_token = Some(Default::default());
        }
        Item::Enum(e) => {
            e.attrs.clear();
            e.vis = Visibility::Inherited;
            e.variants.clear();
        }
        Item::Union(u) => {
            u.attrs.clear();
            u.vis = Visibility::Inherited;
            u.fields.named.clear();
        }
        Item::Trait(t) => {
            t.attrs.clear();
            t.vis = Visibility::Inherited;
            t.items.clear();
        }
        Item::Const(c) => {
            c.attrs.clear();
            c.vis = Visibility::Inherited;
            return format!("const {}: {}", c.ident, ty(&c.ty));
        }
        Item::Static(s) => {
            let mutability = if matches!(s.mutability, syn::StaticMutability::Mut(_)) {
                "mut "
            } else {
                ""
            };
            return format!("static {mutability}{}: {}", s.ident, ty(&s.ty));
        }
        Item::Type(t) => {
            t.attrs.clear();
            t.vis = Visibility::Inherited;
        }
        Item::Fn(f) => return function(&f.sig),
        _ => {}
    }
    one_line(item)
}

/// `impl<…> Trait for Type<…>` of an impl block.
pub fn impl_head(block: &ItemImpl) -> String {
    let mut block = block.clone();
    block.attrs.clear();
    block.items.clear();
    one_line(Item::Impl(block))
}

/// One member of an impl block (a method without its body, a const, an
/// associated type).
pub fn impl_member(block: &ItemImpl, member: &ImplItem) -> String {
    let mut member = member.clone();
    match &mut member {
        ImplItem::Fn(f) => return function(&f.sig),
        ImplItem::Const(c) => return format!("const {}: {}", c.ident, ty(&c.ty)),
        ImplItem::Type(t) => {
            t.attrs.clear();
            t.vis = Visibility::Inherited;
        }
        _ => {}
    }
    let mut wrapper = block.clone();
    wrapper.attrs.clear();
    wrapper.items = vec![member];
    inside_braces(&one_line(Item::Impl(wrapper)))
}

/// One item of a trait (a method, with or without a default body; an
/// associated type or const).
pub fn trait_member(owner: &ItemTrait, member: &TraitItem) -> String {
    let mut member = member.clone();
    match &mut member {
        TraitItem::Fn(f) => return function(&f.sig),
        TraitItem::Const(c) => return format!("const {}: {}", c.ident, ty(&c.ty)),
        TraitItem::Type(t) => {
            t.attrs.clear();
            t.default = None;
        }
        _ => {}
    }
    let mut wrapper = owner.clone();
    wrapper.attrs.clear();
    wrapper.items = vec![member];
    inside_braces(&one_line(Item::Trait(wrapper)))
}

fn inside_braces(text: &str) -> String {
    let inner = match (text.find('{'), text.rfind('}')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    fold(inner.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_signatures_fold_onto_one_line() {
        let item: Item = syn::parse_quote! {
            pub fn connect<T: Into<String>, U>(
                application_id: ApplicationId,
                device_id: DeviceId,
                access_key: T,
                options: Option<U>,
            ) -> Result<(Client, EventStream), Error>
            where
                U: Clone + Send + Sync + 'static,
            {
                unimplemented!()
            }
        };
        assert_eq!(
            head(&item),
            "fn connect<T: Into<String>, U>(application_id: ApplicationId, device_id: DeviceId, access_key: T, options: Option<U>) -> Result<(Client, EventStream), Error> where U: Clone + Send + Sync + 'static"
        );
        let item: Item = syn::parse_quote!(
            pub struct Page<'a, T: Clone> {
                pub items: Vec<T>,
                next: &'a str,
            }
        );
        assert_eq!(head(&item), "struct Page<'a, T: Clone>");
        let ty: Type = syn::parse_quote!(std::collections::BTreeMap<String, Vec<u8>>);
        assert_eq!(
            super::ty(&ty),
            "std::collections::BTreeMap<String, Vec<u8>>"
        );
    }
}
