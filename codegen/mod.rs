//! Spec loading and code generation, shared by `build.rs` and `cargo xtask`.
//!
//! Both include this directory with `#[path]`, so a user's build needs only the
//! build-dependencies listed in the crate's `Cargo.toml`, and the xtask reuses
//! exactly the pipeline the crate compiles with.
//!
//! Pipeline: [`load`] reads and checks the YAML, [`wire_table`] records the
//! wire facts progenitor cannot express, [`adapt`] rewrites the few constructs
//! progenitor cannot consume, [`settings`] wires our hand-written types into
//! the generator, [`generate`] runs progenitor, [`builders`] gives every
//! request builder typed argument errors and a `send()` (and `.await`)
//! that returns `crate::Error` ([`send_raw`] turns progenitor's
//! `send()` into the lean request it builds), [`surface`] keeps progenitor's plumbing
//! private, [`docs`] gives every method a compiled example, [`open_enums`] lets every string enum hold values
//! the spec does not list, [`untagged`] decodes "one of" shapes by their
//! first token, [`struct_decode`] decodes structs and their unknown fields
//! in one pass, and [`types_module`] keeps generated structs open to new
//! fields. [`samples`] writes the tolerance test's sample answers. [`mock`] generates the optional typed httpmock
//! expectations (the crate's `mock` feature).

pub mod adapt;
pub mod builders;
pub mod docs;
pub mod load;
pub mod mock;
pub mod on_demand;
pub mod open_enums;
pub mod samples;
pub mod send_raw;
pub mod settings;
pub mod struct_decode;
pub mod surface;
pub mod types_module;
pub mod untagged;
pub mod wire_facts;
pub mod wire_table;

use std::fmt;
use std::path::Path;

/// The spec every build uses, relative to the crate root.
pub const SPEC_PATH: &str = "spec/losant-device-api.yaml";

/// A failure that names the operation, parameter or schema at fault.
#[derive(Debug)]
pub struct CodegenError(pub String);

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodegenError {}

pub type Result<T> = std::result::Result<T, CodegenError>;

pub(crate) fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(CodegenError(message.into()))
}

/// Formatted Rust sources produced from the spec.
pub struct Generated {
    /// The progenitor client, types and builders.
    pub client: String,
    /// Per-operation wire facts consumed by the request hooks.
    pub operations: String,
    /// Sample answers for the tolerance test.
    pub tolerance: String,
}

/// Reads the spec at `path` and generates the client sources.
pub fn generate_from_path(path: &Path) -> Result<Generated> {
    let document = load::read(path)?;
    generate(document)
}

/// Generates the client sources from an already parsed spec.
pub fn generate(document: serde_json::Value) -> Result<Generated> {
    load::check(&document)?;
    let api_version = document
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| CodegenError("spec has no info.version".into()))?;
    let wires = wire_table::collect(&document)?;
    let operations = wire_table::render(api_version, &wires)?;
    let tolerance = samples::render(&document)?;
    let arguments = builders::collect(&document, &wires)?;
    let required = docs::required_parameters(&document);
    let adapted = adapt::for_progenitor(document)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(adapted)
        .map_err(|e| CodegenError(format!("spec is not a valid OpenAPI 3.0 document: {e}")))?;

    let mut generator = progenitor::Generator::new(&settings::generation_settings(&spec));
    let tokens = without_panics("the client", || generator.generate_tokens(&spec))?
        .map_err(|e| CodegenError(format!("progenitor rejected the spec: {e}")))?;

    let mut client = parse_tokens(tokens)?;
    builders::rewrite(&mut client, &arguments)?;
    surface::hide_internals(&mut client)?;
    docs::compiled_examples(&mut client, &required)?;
    let open_enums = open_enums::open(&mut client)?;
    untagged::dispatch_on_first_token(&mut client, &open_enums)?;
    types_module::optional_extra_fields(&mut client)?;
    struct_decode::decode_in_place(&mut client)?;
    types_module::mark_non_exhaustive(&mut client)?;
    types_module::reexport_replacements(&mut client)?;
    on_demand::builders_where_used(&mut client)?;
    Ok(Generated {
        client: render(&client),
        operations,
        tolerance,
    })
}

/// Runs a progenitor step. progenitor reports most problems as errors but
/// still panics on a few (e.g. duplicate bodies); turn those into a build
/// error too.
pub(crate) fn without_panics<T>(what: &str, step: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|panic| {
        let reason = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown reason".into());
        CodegenError(format!(
            "progenitor panicked while generating {what}: {reason}"
        ))
    })
}

fn parse_tokens(tokens: proc_macro2::TokenStream) -> Result<syn::File> {
    syn::parse2(tokens).map_err(|e| CodegenError(format!("generated code does not parse: {e}")))
}

pub(crate) fn format_tokens(tokens: proc_macro2::TokenStream) -> Result<String> {
    Ok(render(&parse_tokens(tokens)?))
}

/// Generated code is written for rustc, not for people: printing the tokens
/// is instant, where prettyplease took seconds in a build script (which a
/// user's release build compiles without optimisation) and was one more
/// build dependency. `cargo xtask codegen` prints it formatted.
pub(crate) fn render(file: &syn::File) -> String {
    quote::ToTokens::to_token_stream(file).to_string()
}
