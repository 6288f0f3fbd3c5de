//! Doc examples that compile and teach the crate's own call style.
//!
//! progenitor documents every client method with an `ignore`d example that
//! passes every parameter as an undefined variable and ends in
//! `.send().await`, which returned progenitor's error type. Each is
//! replaced by a `no_run` example (docs.rs users copy these) that sets the
//! required parameters to sample values, takes a body of the right type as
//! an argument, and awaits the builder for `Result<_, losant_device::Error>`.

use super::load;
use super::{fail, Result};
use heck::ToSnakeCase;
use quote::ToTokens;
use serde_json::Value;
use std::collections::BTreeMap;
use syn::{Expr, ImplItem, Item, Lit, Meta};

/// Sample values of the path parameters, by Losant's name.
const SAMPLES: &[(&str, &str)] = &[
    ("applicationId", "575ec8687ae143cd83dc4a97"),
    ("deviceId", "575ecf887ae143cd83dc4aa2"),
    ("deviceRecipeId", "575ecec57ae143cd83dc4a9f"),
    ("name", "voltage"),
];

/// Required parameters of one operation: (setter, sample value).
pub type Required = Vec<(String, String)>;

/// Replaces the example of every client method; `required` comes from
/// [`required_parameters`].
pub fn compiled_examples(
    file: &mut syn::File,
    required: &BTreeMap<String, Required>,
) -> Result<()> {
    let bodies = body_types(file);
    let mut rewritten = 0;
    for item in file.items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some()
            || !matches!(block.self_ty.as_ref(), syn::Type::Path(p) if p.path.is_ident("Client"))
        {
            continue;
        }
        for member in block.items.iter_mut() {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            let method = function.sig.ident.to_string();
            let Some(parameters) = required.get(&method) else {
                continue;
            };
            let builder = heck::ToPascalCase::to_pascal_case(method.as_str());
            let example = example(&method, parameters, bodies.get(&builder));
            for attr in function.attrs.iter_mut() {
                if replace_example(attr, &example) {
                    rewritten += 1;
                }
            }
        }
    }
    if rewritten != required.len() {
        return fail(format!(
            "{rewritten} of {} client methods had a doc example to replace",
            required.len()
        ));
    }
    Ok(())
}

/// The required parameters of every operation, by client method name.
pub fn required_parameters(document: &Value) -> BTreeMap<String, Required> {
    let mut all = BTreeMap::new();
    for operation in load::operations(document) {
        let mut required = Vec::new();
        for parameter in operation.parameters(document) {
            if parameter.get("required").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                continue;
            };
            let sample = SAMPLES
                .iter()
                .find(|(wire, _)| *wire == name)
                .map(|(_, sample)| sample.to_string())
                .or_else(|| {
                    parameter
                        .get("example")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "example".to_string());
            required.push((name.to_snake_case(), sample));
        }
        all.insert(operation.id().to_snake_case(), required);
    }
    all
}

/// The type each builder's `body` setter takes, by builder name.
fn body_types(file: &syn::File) -> BTreeMap<String, String> {
    let mut bodies = BTreeMap::new();
    let Some((_, items)) = file.items.iter().find_map(|item| match item {
        Item::Mod(module) if module.ident == "builder" => module.content.as_ref(),
        _ => None,
    }) else {
        return bodies;
    };
    for item in items {
        let Item::Impl(block) = item else { continue };
        let Some(name) = (match block.self_ty.as_ref() {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }) else {
            continue;
        };
        for member in &block.items {
            let ImplItem::Fn(function) = member else {
                continue;
            };
            if function.sig.ident != "body" {
                continue;
            }
            let target = function
                .sig
                .generics
                .where_clause
                .as_ref()
                .and_then(|clause| {
                    clause.predicates.iter().find_map(|predicate| {
                        let text = predicate.to_token_stream().to_string().replace(' ', "");
                        let start = text.find("TryInto<")? + "TryInto<".len();
                        let end = text.rfind('>')?;
                        Some(text[start..end].to_string())
                    })
                });
            // Hand-written replacements are re-exported under `types::`
            // too (see types_module.rs), whatever module defines them.
            if let Some(type_name) = target.as_deref().and_then(|t| t.rsplit("::").next()) {
                bodies.insert(name.clone(), format!("losant_device::types::{type_name}"));
            }
        }
    }
    bodies
}

fn example(method: &str, required: &Required, body: Option<&String>) -> String {
    let mut arguments = String::from("client: &losant_device::Client");
    if let Some(body) = body {
        arguments.push_str(&format!(", body: {body}"));
    }
    let mut chain = format!("let answer = client\n    .{method}()\n");
    for (setter, sample) in required {
        chain.push_str(&format!("    .{setter}({sample:?})\n"));
    }
    if body.is_some() {
        chain.push_str("    .body(body)\n");
    }
    chain.push_str("    .await?;\n");
    format!(
        "```no_run\n# async fn example({arguments}) -> Result<(), losant_device::Error> {{\n{chain}# let _ = answer;\n# Ok(()) }}\n```"
    )
}

/// Replaces the `ignore` example of one doc attribute; whether it had one.
fn replace_example(attr: &mut syn::Attribute, example: &str) -> bool {
    let Meta::NameValue(name_value) = &mut attr.meta else {
        return false;
    };
    if !name_value.path.is_ident("doc") {
        return false;
    }
    let Expr::Lit(literal) = &mut name_value.value else {
        return false;
    };
    let Lit::Str(text) = &literal.lit else {
        return false;
    };
    let doc = text.value();
    let Some(start) = doc.find("```ignore") else {
        return false;
    };
    let Some(length) = doc[start + 3..].find("```") else {
        return false;
    };
    let end = start + 3 + length + 3;
    let replaced = format!("{}{}{}", &doc[..start], example, &doc[end..]);
    literal.lit = Lit::Str(syn::LitStr::new(&replaced, text.span()));
    true
}
