//! The impl blocks of the crate, by the item they are for: which block a
//! method is written in, or which module, is not API, so every impl is
//! found and grouped by its head.

use super::attrs;
use super::listing::{is_pub, item_is_pub, own};
use super::resolve::Target;
use super::signature;
use super::tree::Tree;
use std::collections::{BTreeMap, BTreeSet};
use syn::{ImplItem, Item, ItemImpl, Type};

/// An impl block with the module it is written in and the gates on the way.
struct Impl<'t> {
    module: &'t [String],
    block: &'t ItemImpl,
    cfgs: Vec<String>,
}

/// Item (module, name) → its impl blocks.
pub struct Impls<'t>(BTreeMap<(Vec<String>, String), Vec<Impl<'t>>>);

impl<'t> Impls<'t> {
    pub fn collect(tree: &'t Tree) -> Self {
        let mut impls: BTreeMap<(Vec<String>, String), Vec<Impl<'t>>> = BTreeMap::new();
        for module in tree.modules.values() {
            for item in &module.items {
                let Item::Impl(block) = item else { continue };
                let Type::Path(self_ty) = &*block.self_ty else {
                    continue;
                };
                let segments: Vec<String> = self_ty
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                if let Target::Item { module: at, name } = tree.resolve(&module.path, &segments) {
                    let mut cfgs = module.cfgs.clone();
                    cfgs.extend(attrs::cfgs(&block.attrs));
                    impls.entry((at, name)).or_default().push(Impl {
                        module: &module.path,
                        block,
                        cfgs,
                    });
                }
            }
        }
        Impls(impls)
    }

    /// The impl blocks of item `name` of `module`, as listed under it:
    /// inherent impls with their public members, trait impls of public
    /// traits with their associated types and consts.
    pub fn lines(
        &self,
        tree: &Tree,
        module: &[String],
        name: &str,
        outer: &[String],
    ) -> Vec<String> {
        let Some(blocks) = self.0.get(&(module.to_vec(), name.to_string())) else {
            return Vec::new();
        };
        // Inherent impls with the same head are one group: which block a
        // method is written in is not API.
        let mut groups: BTreeMap<(bool, String), BTreeSet<String>> = BTreeMap::new();
        for Impl {
            module: at,
            block,
            cfgs,
        } in blocks
        {
            let head = format!(
                "impl{}",
                signature::impl_head(block).trim_start_matches("impl")
            );
            let gate = attrs::label(&own(cfgs, outer));
            let trait_impl = block.trait_.is_some();
            if let Some((path, _)) = &block.trait_ {
                let segments: Vec<String> =
                    path.segments.iter().map(|s| s.ident.to_string()).collect();
                if let Target::Item {
                    module: tm,
                    name: tn,
                } = tree.resolve(at, &segments)
                {
                    let private = tree.item(&tm, &tn).is_some_and(|t| !item_is_pub(t));
                    if private {
                        continue;
                    }
                }
            }
            let members = groups
                .entry((trait_impl, format!("{head}{gate}")))
                .or_default();
            for member in &block.items {
                let (vis, member_attrs) = match member {
                    ImplItem::Fn(f) => (&f.vis, &f.attrs),
                    ImplItem::Const(c) => (&c.vis, &c.attrs),
                    ImplItem::Type(t) => (&t.vis, &t.attrs),
                    _ => continue,
                };
                // A trait impl's methods are the trait's; its associated
                // types and consts (`type Err = …`) are this impl's choice.
                let listed = if trait_impl {
                    !matches!(member, ImplItem::Fn(_))
                } else {
                    is_pub(vis)
                };
                if !listed || attrs::hidden(member_attrs) || attrs::test_only(member_attrs) {
                    continue;
                }
                let label = attrs::label(&own(&attrs::cfgs(member_attrs), outer));
                members.insert(format!("{}{label}", signature::impl_member(block, member)));
            }
        }
        let mut lines = Vec::new();
        for ((trait_impl, head), members) in groups {
            if !trait_impl && members.is_empty() {
                continue;
            }
            lines.push(format!("  {head}"));
            lines.extend(members.into_iter().map(|m| format!("    {m}")));
        }
        lines
    }
}
