//! The only rewrites our spec gets before progenitor sees it. Each one exists
//! because progenitor (0.15) cannot express the construct, not to change what
//! the API means; the wire effect of each is restored by the request hook.
//!
//! 1. **Structured query parameters travel as JSON text.** progenitor encodes
//!    query values with serde_urlencoded, which cannot hold objects or arrays
//!    of objects. Such a parameter becomes a string whose Rust type is
//!    `crate::wire::Json<T>` (see [`super::settings`]); the hook then keeps the
//!    text (`query`) or expands it into numbered brackets (`tagFilter`, …).
//! 2. **One success type per operation.** Operations that answer either with
//!    a result (200/201) or with "job queued" (202) get a synthesized
//!    `<operationId>Outcome` schema: a oneOf whose job-queued member comes
//!    first and requires `jobQueued`, so decoding never mistakes one for the
//!    other.
//! 3. **Error answers are decoded by the SDK.** progenitor decodes listed
//!    error responses strictly and fails on an HTML error page or an empty
//!    body; unlisted ones reach `crate::error::finish` with the body unread,
//!    which decodes Losant's `{type, message}` tolerantly. So non-2xx
//!    responses are removed.
//! 4. **Schema defaults are documentation.** typify turns a property's
//!    `default` into a value every request body carries; Losant applies its
//!    own defaults and its clients send only what the caller set. So
//!    `default` is dropped from component schemas (parameters keep theirs).
//! 5. **Nullable references.** OpenAPI 3.0 ignores keys beside `$ref`, so
//!    `{$ref, nullable: true}` would lose its nullability; it becomes
//!    `{allOf: [{$ref}], nullable: true}`.
//! 6. **Unknown fields are kept.** Every object schema with `properties`
//!    and no `additionalProperties` gets `additionalProperties: {}`, so
//!    typify adds a flattened `extra` map: a field Losant adds later is
//!    decoded, kept and encoded back, and a caller can send one this SDK
//!    does not know yet.
//! 7. **Numeric enums are open.** typify turns an integer `enum` into a
//!    newtype that rejects any other number; Losant may add values, so the
//!    list is dropped (the descriptions name the known values). String enums
//!    stay enums and are opened in the generated code instead (see
//!    [`super::open_enums`]).
//! 8. **Parameter bounds are checked by the SDK.** typify would turn an
//!    integer parameter with `minimum: 1` into a `NonZeroU64` argument;
//!    the bounds are dropped here and checked, with the parameter's name,
//!    by each builder's `check()` (see [`super::builders`]).

use super::load::{deref, HTTP_METHODS};
use super::wire_table::{is_structured, HYPERMEDIA_PARAMS};
use super::{fail, Result};
use serde_json::{json, Map, Value};

/// Marks a query parameter schema rewritten by adaptation 1; the value names
/// the component whose JSON the parameter carries.
pub const JSON_TEXT_EXTENSION: &str = "x-json-text-of";

pub fn for_progenitor(mut document: Value) -> Result<Value> {
    inline_parameter_refs(&mut document);
    drop_parameter_bounds(&mut document)?;
    query_params_as_json_text(&mut document)?;
    single_success_type(&mut document)?;
    drop_error_responses(&mut document)?;
    if let Some(schemas) = document.pointer_mut("/components/schemas") {
        drop_defaults(schemas);
    }
    wrap_nullable_refs(&mut document);
    for section in ["/components/schemas", "/paths"] {
        if let Some(node) = document.pointer_mut(section) {
            keep_unknown_fields(node);
            open_numeric_enums(node);
        }
    }
    Ok(document)
}

/// Copies `#/components/parameters/...` references into the operations so
/// that the rewrites below see (and may change) each operation's own copy.
fn inline_parameter_refs(document: &mut Value) {
    let snapshot = document.clone();
    for_each_operation(document, |_, operation| {
        if let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            for parameter in parameters.iter_mut() {
                if let Some(resolved) = deref(&snapshot, parameter) {
                    *parameter = resolved.clone();
                }
            }
        }
        Ok(())
    })
    .ok();
}

fn drop_parameter_bounds(document: &mut Value) -> Result<()> {
    for_each_operation(document, |_, operation| {
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) {
                schema.remove("minimum");
                schema.remove("maximum");
            }
        }
        Ok(())
    })
}

fn query_params_as_json_text(document: &mut Value) -> Result<()> {
    let snapshot = document.clone();
    for_each_operation(document, |label, operation| {
        let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        else {
            return Ok(());
        };
        for parameter in parameters.iter_mut() {
            if parameter.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            if HYPERMEDIA_PARAMS.contains(&name.as_str()) {
                continue;
            }
            let schema = match parameter.get("content") {
                Some(content) => content
                    .pointer("/application~1json/schema")
                    .cloned()
                    .ok_or_else(|| {
                        super::CodegenError(format!(
                            "{label}: query parameter {name} has content other than application/json"
                        ))
                    })?,
                None => match parameter.get("schema") {
                    Some(schema) if is_structured(&snapshot, schema) => schema.clone(),
                    _ => continue,
                },
            };
            let Some(component) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                return fail(format!(
                    "{label}: structured query parameter {name} must $ref a component schema"
                ));
            };
            let marker = json!({ "type": "string", JSON_TEXT_EXTENSION: component });
            if let Some(map) = parameter.as_object_mut() {
                map.remove("content");
                map.insert("schema".into(), marker);
            }
        }
        Ok(())
    })
}

fn single_success_type(document: &mut Value) -> Result<()> {
    let mut synthesized = Map::new();
    for_each_operation(document, |label, operation| {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            return fail(format!("{label} has no responses"));
        };
        let mut success: Vec<(String, Value)> = responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .filter_map(|(status, response)| {
                response
                    .pointer("/content/application~1json/schema")
                    .map(|schema| (status.clone(), schema.clone()))
            })
            .collect();
        success.dedup_by(|a, b| a.1 == b.1);
        if success.len() < 2 {
            return Ok(());
        }
        // "Job queued" (202) first: its required `jobQueued` makes it the
        // stricter match, so an untagged decode tries it before the result.
        success.sort_by_key(|(status, _)| if status == "202" { 0 } else { 1 });
        let name = format!("{id}Outcome");
        synthesized.insert(
            name.clone(),
            json!({
                "description": format!("What `{id}` answered: a queued job (HTTP 202) or the immediate result."),
                "oneOf": success.iter().map(|(_, schema)| schema.clone()).collect::<Vec<_>>(),
            }),
        );
        for (status, response) in responses.iter_mut() {
            if status.starts_with('2') {
                if let Some(schema) = response.pointer_mut("/content/application~1json/schema") {
                    *schema = json!({ "$ref": format!("#/components/schemas/{name}") });
                }
            }
        }
        Ok(())
    })?;
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(synthesized);
    }
    Ok(())
}

fn drop_error_responses(document: &mut Value) -> Result<()> {
    for_each_operation(document, |_, operation| {
        if let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        {
            responses.retain(|status, _| status.starts_with('2'));
        }
        Ok(())
    })
}

fn drop_defaults(node: &mut Value) {
    match node {
        Value::Object(map) => {
            map.remove("default");
            map.values_mut().for_each(drop_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_defaults),
        _ => {}
    }
}

fn wrap_nullable_refs(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.contains_key("$ref") && map.get("nullable") == Some(&Value::Bool(true)) {
                let reference = map.remove("$ref").unwrap_or_default();
                map.insert("allOf".into(), json!([{ "$ref": reference }]));
            }
            map.values_mut().for_each(wrap_nullable_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(wrap_nullable_refs),
        _ => {}
    }
}

fn keep_unknown_fields(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object)
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), json!({}));
            }
            map.values_mut().for_each(keep_unknown_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(keep_unknown_fields),
        _ => {}
    }
}

fn open_numeric_enums(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let numeric = matches!(
                map.get("type").and_then(Value::as_str),
                Some("integer") | Some("number")
            );
            if numeric {
                map.remove("enum");
            }
            map.values_mut().for_each(open_numeric_enums);
        }
        Value::Array(items) => items.iter_mut().for_each(open_numeric_enums),
        _ => {}
    }
}

fn for_each_operation(
    document: &mut Value,
    mut visit: impl FnMut(&str, &mut Value) -> Result<()>,
) -> Result<()> {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        for method in HTTP_METHODS {
            if let Some(operation) = item.get_mut(method) {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let label = format!("{} {path} ({id})", method.to_uppercase());
                visit(&label, operation)?;
            }
        }
    }
    Ok(())
}
