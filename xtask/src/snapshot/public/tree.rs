//! The crate's module tree, read from its root file the way rustc finds
//! module files, with the crate's own item macros expanded.
//!
//! `mod x;` in a "mod-rs" file (the root, a `mod.rs`, or a file named by
//! `#[path]`) is `x.rs` or `x/mod.rs` beside it; in any other file `a.rs` it
//! is under `a/`; an inline `mod x { … }` adds `x/`. `#[path = "…"]` is
//! relative to the declaring file's folder (inside inline modules, to the
//! inline modules' folder). Modules and items under `#[cfg(test)]` are
//! skipped: they are not part of the crate others build.

use super::attrs;
use super::macros::MacroRules;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use syn::{ImplItem, Item};

/// Deeper than any real macro nesting; only reached by a recursive macro.
const MAX_EXPANSION_DEPTH: usize = 16;

pub struct Module {
    /// Names from the crate root (empty for the root).
    pub path: Vec<String>,
    /// Every module from the root down to this one is `pub`.
    pub reachable: bool,
    /// `#[doc(hidden)]` on this module or one it is in.
    pub hidden: bool,
    /// `cfg` predicates on the way down, outermost first.
    pub cfgs: Vec<String>,
    pub items: Vec<Item>,
    /// What this module holds that the listing cannot show.
    pub notes: Vec<String>,
}

pub struct Tree {
    pub modules: BTreeMap<Vec<String>, Module>,
}

/// Code a module `include!`s: by file name, its text, or `None` when it is
/// listed elsewhere (the generated client has its own sections).
pub type Included = BTreeMap<String, Option<String>>;

struct Place {
    /// Where the files of child modules are looked for.
    dir: PathBuf,
    /// The folder of the file being read (what `#[path]` is relative to).
    file_dir: PathBuf,
    inline: bool,
}

pub fn load(root: &Path, included: &Included) -> Result<Tree, String> {
    let mut tree = Tree {
        modules: BTreeMap::new(),
    };
    let folder = root.parent().unwrap_or(Path::new(".")).to_path_buf();
    let items = parse_file(root)?;
    let place = Place {
        dir: folder.clone(),
        file_dir: folder,
        inline: false,
    };
    read(
        &mut tree,
        included,
        Vec::new(),
        true,
        false,
        Vec::new(),
        items,
        &place,
    )?;
    expand_all(&mut tree);
    Ok(tree)
}

fn parse_file(path: &Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file =
        syn::parse_file(&text).map_err(|e| format!("{} does not parse: {e}", path.display()))?;
    Ok(file.items)
}

#[allow(clippy::too_many_arguments)]
fn read(
    tree: &mut Tree,
    included: &Included,
    path: Vec<String>,
    reachable: bool,
    hidden: bool,
    cfgs: Vec<String>,
    items: Vec<Item>,
    place: &Place,
) -> Result<(), String> {
    let mut notes = Vec::new();
    let mut kept = Vec::new();
    for mut item in with_included(items, included, &mut notes) {
        if attrs::test_only(item_attrs(&item)) {
            continue;
        }
        if let Item::Mod(module) = &mut item {
            let name = module.ident.to_string();
            let mut child_path = path.clone();
            child_path.push(name.clone());
            let (child_items, child_place) = match module.content.take() {
                Some((_, inline)) => (
                    inline,
                    Place {
                        dir: place.dir.join(&name),
                        file_dir: place.file_dir.clone(),
                        inline: true,
                    },
                ),
                None => {
                    let file = module_file(place, &name, path_attr(&module.attrs).as_deref())?;
                    let file_dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
                    let mod_rs = path_attr(&module.attrs).is_some()
                        || file.file_name().is_some_and(|f| f == "mod.rs");
                    let dir = if mod_rs {
                        file_dir.clone()
                    } else {
                        file_dir.join(&name)
                    };
                    let items = parse_file(&file)?;
                    (
                        items,
                        Place {
                            dir,
                            file_dir,
                            inline: false,
                        },
                    )
                }
            };
            let mut child_cfgs = cfgs.clone();
            child_cfgs.extend(attrs::cfgs(&module.attrs));
            read(
                tree,
                included,
                child_path,
                reachable && matches!(module.vis, syn::Visibility::Public(_)),
                hidden || attrs::hidden(&module.attrs),
                child_cfgs,
                child_items,
                &child_place,
            )?;
        }
        kept.push(item);
    }
    tree.modules.insert(
        path.clone(),
        Module {
            path,
            reachable,
            hidden,
            cfgs,
            items: kept,
            notes,
        },
    );
    Ok(())
}

fn module_file(place: &Place, name: &str, path_attr: Option<&str>) -> Result<PathBuf, String> {
    if let Some(relative) = path_attr {
        let base = if place.inline {
            &place.dir
        } else {
            &place.file_dir
        };
        return Ok(base.join(relative));
    }
    let candidates = [
        place.dir.join(format!("{name}.rs")),
        place.dir.join(name).join("mod.rs"),
    ];
    candidates
        .iter()
        .find(|c| c.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "module {name}: neither {} nor {} exists",
                candidates[0].display(),
                candidates[1].display()
            )
        })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("path"))
        .find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
}

pub fn item_attrs(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The crate's `macro_rules!`, by name, with the module each is defined in.
type Macros = BTreeMap<String, Vec<(Vec<String>, MacroRules)>>;

fn expand_all(tree: &mut Tree) {
    let mut macros = Macros::new();
    for module in tree.modules.values() {
        for item in &module.items {
            if let Item::Macro(definition) = item {
                let is_rules = definition.mac.path.is_ident("macro_rules");
                if let (true, Some(name)) = (is_rules, &definition.ident) {
                    if let Some(rules) = MacroRules::parse(definition.mac.tokens.clone()) {
                        macros
                            .entry(name.to_string())
                            .or_default()
                            .push((module.path.clone(), rules));
                    }
                }
            }
        }
    }
    for module in tree.modules.values_mut() {
        let items = std::mem::take(&mut module.items);
        let mut notes = Vec::new();
        module.items = expand_items(items, &module.path, &macros, &mut notes, 0);
        module.notes.extend(notes);
    }
}

/// The definition of macro `name` visible from `module`: its own, else the
/// nearest enclosing module's, else the only one.
fn find_macro<'m>(macros: &'m Macros, name: &str, module: &[String]) -> Option<&'m MacroRules> {
    let candidates = macros.get(name)?;
    (0..=module.len())
        .rev()
        .find_map(|depth| {
            candidates
                .iter()
                .find(|(at, _)| at.as_slice() == &module[..depth])
        })
        .or_else(|| (candidates.len() == 1).then(|| &candidates[0]))
        .map(|(_, rules)| rules)
}

fn expand_items(
    items: Vec<Item>,
    module: &[String],
    macros: &Macros,
    notes: &mut Vec<String>,
    depth: usize,
) -> Vec<Item> {
    let mut out = Vec::new();
    for item in items {
        if attrs::test_only(item_attrs(&item)) {
            continue;
        }
        match item {
            Item::Macro(invocation) if invocation.ident.is_none() => {
                let name = macro_name(&invocation.mac.path);
                let expanded = find_macro(macros, &name, module)
                    .filter(|_| depth < MAX_EXPANSION_DEPTH)
                    .and_then(|rules| rules.expand(invocation.mac.tokens.clone()))
                    .and_then(|tokens| syn::parse2::<syn::File>(tokens).ok());
                match expanded {
                    Some(file) => {
                        out.extend(expand_items(file.items, module, macros, notes, depth + 1))
                    }
                    None => notes.push(format!(
                        "invokes {name}!, which could not be expanded: what it defines is not listed"
                    )),
                }
            }
            Item::Impl(mut block) => {
                let members = std::mem::take(&mut block.items);
                block.items = expand_impl_items(members, module, macros, notes, depth);
                out.push(Item::Impl(block));
            }
            other => out.push(other),
        }
    }
    out
}

fn expand_impl_items(
    members: Vec<ImplItem>,
    module: &[String],
    macros: &Macros,
    notes: &mut Vec<String>,
    depth: usize,
) -> Vec<ImplItem> {
    let mut out = Vec::new();
    for member in members {
        let ImplItem::Macro(invocation) = member else {
            out.push(member);
            continue;
        };
        let name = macro_name(&invocation.mac.path);
        let expanded = find_macro(macros, &name, module)
            .filter(|_| depth < MAX_EXPANSION_DEPTH)
            .and_then(|rules| rules.expand(invocation.mac.tokens.clone()))
            .and_then(|tokens| syn::parse::Parser::parse2(impl_members, tokens).ok());
        match expanded {
            Some(members) => out.extend(expand_impl_items(members, module, macros, notes, depth + 1)),
            None => notes.push(format!(
                "invokes {name}! in an impl block, which could not be expanded: what it defines is not listed"
            )),
        }
    }
    out
}

fn impl_members(input: syn::parse::ParseStream) -> syn::Result<Vec<ImplItem>> {
    let mut members = Vec::new();
    while !input.is_empty() {
        members.push(input.parse()?);
    }
    Ok(members)
}

/// `items` with every `include!` replaced by the included file's items
/// (or a note, when the file is listed elsewhere or not known).
fn with_included(items: Vec<Item>, included: &Included, notes: &mut Vec<String>) -> Vec<Item> {
    let mut out = Vec::new();
    for item in items {
        let Item::Macro(invocation) = &item else {
            out.push(item);
            continue;
        };
        if invocation.ident.is_some() || macro_name(&invocation.mac.path) != "include" {
            out.push(item);
            continue;
        }
        let file = included_file(&invocation.mac.tokens);
        match included.get(&file) {
            Some(Some(text)) => match syn::parse_file(text) {
                Ok(parsed) => out.extend(with_included(parsed.items, included, notes)),
                Err(e) => notes.push(format!("includes {file}, which does not parse: {e}")),
            },
            Some(None) => notes.push(format!(
                "includes {file}: the generated client, listed in the sections above"
            )),
            None => notes.push(format!(
                "includes {file}, code generated at build time that this listing does not read"
            )),
        }
    }
    out
}

fn macro_name(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// The file name in `include!(concat!(env!("OUT_DIR"), "/client.rs"))` or
/// `include!("x.rs")`: the last string literal, after its last `/`.
fn included_file(tokens: &proc_macro2::TokenStream) -> String {
    fn last_string(tokens: proc_macro2::TokenStream, found: &mut Option<String>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Group(g) => last_string(g.stream(), found),
                proc_macro2::TokenTree::Literal(l) => {
                    if let Ok(syn::Lit::Str(s)) = syn::parse2::<syn::Lit>(l.into_token_stream()) {
                        *found = Some(s.value());
                    }
                }
                _ => {}
            }
        }
    }
    use quote::ToTokens;
    let mut found = None;
    last_string(tokens.clone(), &mut found);
    let text = found.unwrap_or_default();
    text.rsplit('/').next().unwrap_or_default().to_string()
}
