//! Per-operation wire facts that progenitor's generated code does not keep:
//! the API's query parameter order (progenitor sorts them by name), how each
//! parameter is encoded, and which operations stream. The request hook in
//! `src/transport` reads the table rendered here.

use super::load::{self, deref, Operation};
use super::{fail, Result};
use heck::ToSnakeCase;
use serde_json::Value;

pub use super::wire_facts::{QueryStyle, HYPERMEDIA_PARAMS};

#[derive(Debug)]
pub struct OperationWire {
    /// The id progenitor reports to hooks (snake case).
    pub id: String,
    pub hypermedia: bool,
    pub streaming: bool,
    pub optional_body: bool,
    /// `security: []`: sent without the client's token (the device login).
    pub anonymous: bool,
    pub query: Vec<(String, QueryStyle)>,
}

pub fn collect(document: &Value) -> Result<Vec<OperationWire>> {
    load::operations(document)
        .iter()
        .map(|operation| describe(document, operation))
        .collect()
}

fn describe(document: &Value, operation: &Operation<'_>) -> Result<OperationWire> {
    let mut query = Vec::new();
    for parameter in operation.parameters(document) {
        if parameter.get("in").and_then(Value::as_str) != Some("query") {
            continue;
        }
        let Some(name) = parameter.get("name").and_then(Value::as_str) else {
            return fail(format!(
                "{}: a query parameter has no name",
                operation.label()
            ));
        };
        if HYPERMEDIA_PARAMS.contains(&name) {
            continue;
        }
        let style = if parameter.get("content").is_some() {
            QueryStyle::JsonText
        } else if parameter
            .get("schema")
            .is_some_and(|schema| is_structured(document, schema))
        {
            QueryStyle::Indexed
        } else {
            QueryStyle::Plain
        };
        query.push((name.to_string(), style));
    }

    let streaming = operation
        .value
        .pointer("/responses/200/content")
        .and_then(Value::as_object)
        .is_some_and(|content| content.contains_key("text/event-stream"));
    let optional_body = operation.value.get("requestBody").is_some_and(|body| {
        let body = deref(document, body).unwrap_or(body);
        body.get("required").and_then(Value::as_bool) != Some(true)
    });

    let anonymous = operation
        .value
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);

    Ok(OperationWire {
        id: operation.id().to_snake_case(),
        anonymous,
        // Losant's clients send the switches on every call but the streams,
        // even where the API does not list them (e.g. /auth/device).
        hypermedia: !streaming,
        streaming,
        optional_body,
        query,
    })
}

/// Whether a schema describes something other than a single scalar, so that
/// serde_urlencoded (which progenitor uses) cannot put it in a query string.
pub fn is_structured(document: &Value, schema: &Value) -> bool {
    let Some(schema) = deref(document, schema) else {
        return false;
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | Some("array") => true,
        Some(_) => false,
        None => ["oneOf", "anyOf", "allOf"].iter().any(|key| {
            schema
                .get(key)
                .and_then(Value::as_array)
                .is_some_and(|members| members.iter().any(|m| is_structured(document, m)))
        }),
    }
}

/// Renders the table as Rust source for `include!`.
pub fn render(api_version: &str, operations: &[OperationWire]) -> Result<String> {
    let mut arms = String::new();
    for operation in operations {
        let query = operation
            .query
            .iter()
            .map(|(name, style)| format!("({name:?}, QueryStyle::{style:?})"))
            .collect::<Vec<_>>()
            .join(", ");
        arms.push_str(&format!(
            "{id:?} => Some(&OperationWire {{ hypermedia: {h}, streaming: {s}, optional_body: {o}, anonymous: {a}, query: &[{query}] }}),\n",
            id = operation.id,
            h = operation.hypermedia,
            s = operation.streaming,
            o = operation.optional_body,
            a = operation.anonymous,
        ));
    }
    let ids = operations
        .iter()
        .map(|operation| format!("{:?}", operation.id))
        .collect::<Vec<_>>()
        .join(", ");
    let source = format!(
        "/// Wire facts of one operation, by the id progenitor passes to hooks.\n\
         pub(crate) fn operation_wire(operation_id: &str) -> Option<&'static OperationWire> {{\n\
         match operation_id {{\n{arms}_ => None,\n}}\n}}\n\
         /// Every operation id of the spec, in document order.\n\
         #[allow(dead_code)]\n\
         pub(crate) const OPERATION_IDS: &[&str] = &[{ids}];\n\
         /// `Accept-Version` of every request: the modelled API version or newer.\n\
         pub(crate) const ACCEPT_VERSION: &str = {accept:?};\n",
        accept = format!("^{api_version}")
    );
    let tokens: proc_macro2::TokenStream = source
        .parse()
        .map_err(|e| super::CodegenError(format!("operation table does not parse: {e}")))?;
    super::format_tokens(tokens)
}
