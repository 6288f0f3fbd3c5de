//! The public API as entries keyed by path from the crate root: what is
//! `pub` in a module every step to which is `pub`, plus what `pub use`
//! makes public there. An item reachable only through a re-export is listed
//! in full at the re-export's path; one public where it is defined is listed
//! there, and a re-export of it is a `use` line. `#[doc(hidden)]` leaves an
//! item (or a module's contents) out.

use super::attrs;
use super::impls::Impls;
use super::resolve::{defined_name, imports, Target};
use super::signature;
use super::tree::{item_attrs, Module, Tree};
use std::collections::{BTreeMap, BTreeSet};
use syn::{Fields, Item, Visibility};

/// Deeper than any real nesting of re-exported modules.
const MAX_DEPTH: usize = 16;

pub struct Listing<'t> {
    tree: &'t Tree,
    impls: Impls<'t>,
    entries: BTreeMap<String, Vec<String>>,
}

pub(super) fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

pub(super) fn item_is_pub(item: &Item) -> bool {
    match item {
        Item::Const(i) => is_pub(&i.vis),
        Item::Enum(i) => is_pub(&i.vis),
        Item::Fn(i) => is_pub(&i.vis),
        Item::Mod(i) => is_pub(&i.vis),
        Item::Static(i) => is_pub(&i.vis),
        Item::Struct(i) => is_pub(&i.vis),
        Item::Trait(i) => is_pub(&i.vis),
        Item::TraitAlias(i) => is_pub(&i.vis),
        Item::Type(i) => is_pub(&i.vis),
        Item::Union(i) => is_pub(&i.vis),
        _ => false,
    }
}

fn joined(prefix: &[String], name: &str) -> Vec<String> {
    let mut path = prefix.to_vec();
    path.push(name.to_string());
    path
}

fn path_text(path: &[String]) -> String {
    if path.is_empty() {
        "crate".into()
    } else {
        path.join("::")
    }
}

/// `cfgs` not already in `outer`.
pub(super) fn own(cfgs: &[String], outer: &[String]) -> Vec<String> {
    cfgs.iter()
        .filter(|c| !outer.contains(c))
        .cloned()
        .collect()
}

impl<'t> Listing<'t> {
    pub fn new(tree: &'t Tree) -> Self {
        Listing {
            tree,
            impls: Impls::collect(tree),
            entries: BTreeMap::new(),
        }
    }

    pub fn entries(mut self) -> BTreeMap<String, Vec<String>> {
        if let Some(root) = self.tree.modules.get(&Vec::new()) {
            self.module(root, &[], &[], 0);
        }
        self.exported_macros();
        self.entries
    }

    /// The public contents of `module`, listed under `prefix`.
    fn module(&mut self, module: &'t Module, prefix: &[String], cfgs: &[String], depth: usize) {
        if depth > MAX_DEPTH || module.hidden {
            return;
        }
        for item in &module.items {
            let attributes = item_attrs(item);
            if !item_is_pub(item) || attrs::hidden(attributes) {
                continue;
            }
            let Some(name) = defined_name(item) else {
                continue;
            };
            let mut item_cfgs = cfgs.to_vec();
            item_cfgs.extend(attrs::cfgs(attributes));
            if let Item::Mod(_) = item {
                if let Some(child) = self.tree.modules.get(&joined(&module.path, &name)) {
                    self.module_entry(child, &joined(prefix, &name), &item_cfgs, depth);
                }
                continue;
            }
            let lines = self.describe(item, &module.path, &name, &item_cfgs);
            self.entries
                .insert(path_text(&joined(prefix, &name)), lines);
        }
        let local: BTreeSet<String> = module.items.iter().filter_map(defined_name).collect();
        let imports = imports(module);
        let named: BTreeSet<String> = imports.iter().filter_map(|i| i.name.clone()).collect();
        for import in imports.iter().filter(|i| i.public && !i.hidden) {
            let mut import_cfgs = cfgs.to_vec();
            import_cfgs.extend(import.cfgs.iter().cloned());
            let target = self.tree.resolve(&module.path, &import.path);
            match &import.name {
                Some(name) => self.reexport(&joined(prefix, name), target, &import_cfgs, depth),
                None => self.glob(
                    module,
                    prefix,
                    target,
                    &import_cfgs,
                    (&local, &named),
                    depth,
                ),
            }
        }
    }

    fn module_entry(&mut self, module: &'t Module, path: &[String], cfgs: &[String], depth: usize) {
        let mut lines = vec![format!("mod{}", attrs::label(cfgs))];
        lines.extend(module.notes.iter().map(|n| format!("  ({n})")));
        self.entries.insert(path_text(path), lines);
        self.module(module, path, cfgs, depth + 1);
    }

    fn reexport(&mut self, path: &[String], target: Target, cfgs: &[String], depth: usize) {
        let label = attrs::label(cfgs);
        let line = match target {
            Target::Item { module, name } => {
                let Some(defined_in) = self.tree.modules.get(&module) else {
                    return;
                };
                match self.tree.item(&module, &name) {
                    Some(item)
                        if defined_in.reachable && !defined_in.hidden && item_is_pub(item) =>
                    {
                        format!("use {}{label}", path_text(&joined(&module, &name)))
                    }
                    Some(item) if attrs::hidden(item_attrs(item)) => return,
                    Some(item) => {
                        let mut item_cfgs = cfgs.to_vec();
                        item_cfgs.extend(own(&defined_in.cfgs, cfgs));
                        item_cfgs.extend(attrs::cfgs(item_attrs(item)));
                        let lines = self.describe(item, &module, &name, &item_cfgs);
                        self.entries.insert(path_text(path), lines);
                        return;
                    }
                    None => format!("use {}{label}", path_text(&joined(&module, &name))),
                }
            }
            Target::Module(module) => match self.tree.modules.get(&module) {
                Some(inner) if inner.reachable => format!("use {}{label}", path_text(&module)),
                Some(inner) => return self.module_entry(inner, path, cfgs, depth),
                None => return,
            },
            Target::External(text) => format!("use {text}{label}  (another crate's)"),
            Target::Unknown(text) => {
                format!("use {text}{label}  (defined in code this listing does not read)")
            }
        };
        self.entries.insert(path_text(path), vec![line]);
    }

    /// `pub use path::*`: every public name of the module, unless this
    /// module defines or imports that name itself.
    fn glob(
        &mut self,
        module: &'t Module,
        prefix: &[String],
        target: Target,
        cfgs: &[String],
        (local, named): (&BTreeSet<String>, &BTreeSet<String>),
        depth: usize,
    ) {
        let Target::Module(source) = target else {
            let text = match target {
                Target::External(text) | Target::Unknown(text) => text,
                _ => String::new(),
            };
            self.entries.insert(
                path_text(&joined(prefix, "*")),
                vec![format!("use {text}::*{}", attrs::label(cfgs))],
            );
            return;
        };
        let Some(inner) = self.tree.modules.get(&source) else {
            return;
        };
        if !inner.notes.is_empty() {
            let mut lines = vec![format!(
                "use {}::*{}",
                path_text(&source),
                attrs::label(cfgs)
            )];
            lines.extend(inner.notes.iter().map(|n| format!("  ({n})")));
            self.entries.insert(path_text(&joined(prefix, "*")), lines);
        }
        let mut names: BTreeSet<String> = inner
            .items
            .iter()
            .filter(|item| item_is_pub(item))
            .filter_map(defined_name)
            .collect();
        names.extend(
            imports(inner)
                .into_iter()
                .filter(|i| i.public)
                .filter_map(|i| i.name),
        );
        for name in names {
            if local.contains(&name) || named.contains(&name) {
                continue;
            }
            let target = self.tree.resolve(&module.path, &joined(&source, &name));
            self.reexport(&joined(prefix, &name), target, cfgs, depth + 1);
        }
    }

    /// `#[macro_export]` macros are at the crate root, wherever defined.
    fn exported_macros(&mut self) {
        for module in self.tree.modules.values() {
            for item in &module.items {
                let Item::Macro(definition) = item else {
                    continue;
                };
                let exported = definition
                    .attrs
                    .iter()
                    .any(|a| a.path().is_ident("macro_export"));
                if let (true, Some(name)) = (exported, &definition.ident) {
                    if !attrs::hidden(&definition.attrs) {
                        let line = format!("macro_rules! {name}{}", attrs::label(&module.cfgs));
                        self.entries.insert(name.to_string(), vec![line]);
                    }
                }
            }
        }
    }

    /// An item's signature, its public fields, variants or trait items, and
    /// its impl blocks.
    fn describe(&self, item: &Item, module: &[String], name: &str, cfgs: &[String]) -> Vec<String> {
        let attributes = item_attrs(item);
        let mut head = String::new();
        let derives = attrs::derives(attributes);
        if !derives.is_empty() {
            head.push_str(&format!("#[derive({})] ", derives.join(", ")));
        }
        if attrs::non_exhaustive(attributes) {
            head.push_str("#[non_exhaustive] ");
        }
        head.push_str(&signature::head(item));
        head.push_str(&attrs::label(cfgs));
        let mut lines = vec![head];
        match item {
            Item::Struct(s) => lines.extend(fields(&s.fields, "  ")),
            Item::Union(u) => lines.extend(fields(&Fields::Named(u.fields.clone()), "  ")),
            Item::Enum(e) => {
                for variant in &e.variants {
                    if attrs::hidden(&variant.attrs) || attrs::test_only(&variant.attrs) {
                        continue;
                    }
                    let marker = if attrs::non_exhaustive(&variant.attrs) {
                        "#[non_exhaustive] "
                    } else {
                        ""
                    };
                    let shape = match &variant.fields {
                        Fields::Unit => String::new(),
                        Fields::Unnamed(f) => {
                            let types: Vec<String> =
                                f.unnamed.iter().map(|f| signature::ty(&f.ty)).collect();
                            format!("({})", types.join(", "))
                        }
                        Fields::Named(f) => {
                            let named: Vec<String> = f
                                .named
                                .iter()
                                .map(|f| {
                                    let field = f.ident.as_ref().map(ToString::to_string);
                                    format!(
                                        "{}: {}",
                                        field.unwrap_or_default(),
                                        signature::ty(&f.ty)
                                    )
                                })
                                .collect();
                            format!(" {{ {} }}", named.join(", "))
                        }
                    };
                    let label = attrs::label(&attrs::cfgs(&variant.attrs));
                    lines.push(format!("  {marker}{}{shape}{label}", variant.ident));
                }
            }
            Item::Trait(t) => {
                let mut members: Vec<String> = t
                    .items
                    .iter()
                    .filter(|m| {
                        !matches!(m, syn::TraitItem::Macro(_) | syn::TraitItem::Verbatim(_))
                    })
                    .map(|m| format!("  {}", signature::trait_member(t, m)))
                    .collect();
                members.sort();
                lines.extend(members);
            }
            _ => {}
        }
        lines.extend(self.impls.lines(self.tree, module, name, cfgs));
        lines
    }
}

/// A struct's public fields, and a marker when it has others.
fn fields(fields: &Fields, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut private = false;
    for (index, field) in fields.iter().enumerate() {
        if attrs::test_only(&field.attrs) {
            continue;
        }
        if !is_pub(&field.vis) || attrs::hidden(&field.attrs) {
            private = true;
            continue;
        }
        let name = field
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| index.to_string());
        let label = attrs::label(&attrs::cfgs(&field.attrs));
        lines.push(format!(
            "{indent}{name}: {}{label}",
            signature::ty(&field.ty)
        ));
    }
    if private {
        lines.push(format!("{indent}(private fields)"));
    }
    lines
}
