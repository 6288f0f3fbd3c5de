//! The generated code a user's crate compiles only if it uses it: every
//! operation's `send()` and `into_future()`, and the non-generic functions
//! of typify's struct builders, are `#[inline]` (see `codegen/on_demand.rs`).
//! Without it, the crate compiles all of them to machine code for every
//! user, which BENCHMARKS.md measured as most of its own build.

use std::path::Path;
use syn::{ImplItem, Item};

fn generated_client() -> syn::File {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/losant-device-api.yaml");
    let generated = xtask::codegen::generate_from_path(&spec).expect("the spec generates");
    syn::parse_file(&generated.client).expect("the generated client parses")
}

fn module<'a>(items: &'a [Item], name: &str) -> &'a [Item] {
    items
        .iter()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == name => {
                module.content.as_ref().map(|(_, items)| items.as_slice())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `{name}` module"))
}

fn is_inline(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident("inline"))
}

/// `(impl, function, is #[inline])` for the functions named in `wanted` of
/// the impls in `items`; with `wanted` empty, for every non-generic
/// function of a non-generic impl (what rustc compiles eagerly).
fn functions(items: &[Item], wanted: &[&str]) -> Vec<(String, String, bool)> {
    let mut found = Vec::new();
    for item in items {
        let Item::Impl(block) = item else { continue };
        if !block.generics.params.is_empty() && wanted.is_empty() {
            continue;
        }
        let owner = quote::ToTokens::to_token_stream(&block.self_ty).to_string();
        for member in &block.items {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            let name = function.sig.ident.to_string();
            let generic = !function.sig.generics.params.is_empty();
            if (wanted.is_empty() && !generic) || wanted.contains(&name.as_str()) {
                found.push((owner.clone(), name, is_inline(&function.attrs)));
            }
        }
    }
    found
}

#[test]
fn every_operation_send_is_compiled_where_it_is_called() {
    let file = generated_client();
    let found = functions(module(&file.items, "builder"), &["send", "into_future"]);
    let sends = found.iter().filter(|(_, name, _)| name == "send").count();
    // 42 operations; the two event streams' send() is hand-written (src/sse).
    assert_eq!(sends, 40, "{found:?}");
    let outlined: Vec<_> = found.iter().filter(|(_, _, inline)| !inline).collect();
    assert!(outlined.is_empty(), "not #[inline]: {outlined:?}");
}

#[test]
fn typify_builders_are_compiled_where_they_are_used() {
    let file = generated_client();
    let types = module(&file.items, "types");
    let found = functions(module(types, "builder"), &[]);
    assert!(
        found
            .iter()
            .any(|(owner, name, _)| owner == "DevicePost" && name == "default"),
        "{found:?}"
    );
    assert!(found.len() > 100, "only {} functions found", found.len());
    let outlined: Vec<_> = found.iter().filter(|(_, _, inline)| !inline).collect();
    assert!(outlined.is_empty(), "not #[inline]: {outlined:?}");
}
