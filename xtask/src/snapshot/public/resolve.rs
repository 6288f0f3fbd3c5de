//! What a path in the crate names: `use` declarations (with renames,
//! groups and globs) and the self type of an impl block, resolved through
//! the module tree the way the 2018+ editions do (`crate::`, `self::`,
//! `super::`, else a name in scope: an item, a child module, an import, or
//! an external crate).

use super::tree::{Module, Tree};
use syn::{Item, UseTree, Visibility};

/// Deeper than any real chain of re-exports; only reached by a cycle.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An item `name` defined in module `module`.
    Item {
        module: Vec<String>,
        name: String,
    },
    Module(Vec<String>),
    /// Outside the crate (`reqwest::Url`), as written.
    External(String),
    /// In code the listing does not read (`include!`d), or not found.
    Unknown(String),
}

/// One name a `use` declaration brings in.
pub struct Import {
    /// `None` for a glob.
    pub name: Option<String>,
    pub path: Vec<String>,
    pub public: bool,
    pub hidden: bool,
    pub cfgs: Vec<String>,
}

pub fn imports(module: &Module) -> Vec<Import> {
    let mut out = Vec::new();
    for item in &module.items {
        if let Item::Use(declaration) = item {
            let public = matches!(declaration.vis, Visibility::Public(_));
            let hidden = super::attrs::hidden(&declaration.attrs);
            let cfgs = super::attrs::cfgs(&declaration.attrs);
            let mut leaves = Vec::new();
            flatten(&declaration.tree, Vec::new(), &mut leaves);
            let leading_colon = declaration.leading_colon.is_some();
            for (name, mut path) in leaves {
                if leading_colon {
                    path.insert(0, String::new());
                }
                out.push(Import {
                    name,
                    path,
                    public,
                    hidden,
                    cfgs: cfgs.clone(),
                });
            }
        }
    }
    out
}

fn flatten(tree: &UseTree, prefix: Vec<String>, out: &mut Vec<(Option<String>, Vec<String>)>) {
    let with = |name: &syn::Ident| {
        let mut path = prefix.clone();
        path.push(name.to_string());
        path
    };
    match tree {
        UseTree::Path(p) => flatten(&p.tree, with(&p.ident), out),
        UseTree::Name(n) if n.ident == "self" => {
            out.push((prefix.last().cloned(), prefix.clone()));
        }
        UseTree::Name(n) => out.push((Some(n.ident.to_string()), with(&n.ident))),
        UseTree::Rename(r) => out.push((Some(r.rename.to_string()), with(&r.ident))),
        UseTree::Glob(_) => out.push((None, prefix)),
        UseTree::Group(g) => {
            for tree in &g.items {
                flatten(tree, prefix.clone(), out);
            }
        }
    }
}

/// The name an item defines in its module (impls, uses and invocations
/// define none).
pub fn defined_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Mod(i) => &i.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

impl Tree {
    /// What `path`, written in module `from`, names.
    pub fn resolve(&self, from: &[String], path: &[String]) -> Target {
        self.resolve_at(from, path, 0)
    }

    fn resolve_at(&self, from: &[String], path: &[String], depth: usize) -> Target {
        let written = path.join("::");
        if depth > MAX_DEPTH || path.is_empty() {
            return Target::Unknown(written);
        }
        if path[0].is_empty() {
            return Target::External(path[1..].join("::"));
        }
        let mut module = from.to_vec();
        let mut rest = path;
        loop {
            match rest.first().map(String::as_str) {
                Some("crate") if module == from && rest.len() == path.len() => module.clear(),
                Some("self") => {}
                Some("super") => {
                    if module.pop().is_none() {
                        return Target::Unknown(written);
                    }
                }
                _ => break,
            }
            rest = &rest[1..];
        }
        let relative = rest.len() == path.len();
        for (index, segment) in rest.iter().enumerate() {
            match self.lookup(&module, segment, depth) {
                Some(Target::Module(inner)) => module = inner,
                Some(Target::External(text)) => {
                    let mut full = vec![text];
                    full.extend(rest[index + 1..].iter().cloned());
                    return Target::External(full.join("::"));
                }
                // A path into an item (an enum variant, an associated item)
                // is about that item.
                Some(found @ Target::Item { .. }) => return found,
                Some(unknown @ Target::Unknown(_)) => return unknown,
                None if index == 0 && relative => return Target::External(written),
                None => return Target::Unknown(written),
            }
        }
        Target::Module(module)
    }

    /// What `name` is in module `module`: a child module, an item defined
    /// there, or an import (named, then globs).
    fn lookup(&self, module: &[String], name: &str, depth: usize) -> Option<Target> {
        let mut child = module.to_vec();
        child.push(name.to_string());
        if self.modules.contains_key(&child) {
            return Some(Target::Module(child));
        }
        let here = self.modules.get(module)?;
        if here
            .items
            .iter()
            .any(|item| defined_name(item).as_deref() == Some(name))
        {
            return Some(Target::Item {
                module: module.to_vec(),
                name: name.to_string(),
            });
        }
        let imports = imports(here);
        if let Some(import) = imports.iter().find(|i| i.name.as_deref() == Some(name)) {
            return Some(self.resolve_at(module, &import.path, depth + 1));
        }
        for glob in imports.iter().filter(|i| i.name.is_none()) {
            if let Target::Module(inner) = self.resolve_at(module, &glob.path, depth + 1) {
                if let Some(found) = self.lookup(&inner, name, depth + 1) {
                    return Some(found);
                }
            }
        }
        // A name the module's included (generated) code may define.
        (!here.notes.is_empty() && here.notes.iter().any(|n| n.starts_with("includes")))
            .then(|| Target::Unknown(format!("{}::{name}", module.join("::"))))
    }

    pub fn item(&self, module: &[String], name: &str) -> Option<&Item> {
        self.modules.get(module)?.items.iter().find(|item| {
            defined_name(item).as_deref() == Some(name) && !matches!(item, Item::Mod(_))
        })
    }
}
