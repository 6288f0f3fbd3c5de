//! Our operations read into Losant's keys: route, parameters, request body
//! and responses.

use super::{action_of, default_of, schema_of, schema_pointer_of, Projection, Walk};
use crate::model::{deref, operations_of, parameter_key, parameter_values};
use crate::official::facts::{put, Key, Place, Subject};
use crate::official::model::Response;
use crate::official::shape::{self, escape_pointer};
use crate::official::tolerance;
use serde_json::Value;
use std::collections::BTreeSet;

impl Walk<'_> {
    pub(super) fn operations(&self, out: &mut Projection) {
        let spec = self.ours.spec;
        for (path, method, operation) in operations_of(spec) {
            let Some(action) = action_of(operation) else {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                out.unplaced
                    .push(format!("{} {path} ({id})", method.to_uppercase()));
                continue;
            };
            let theirs = self.official.operations.get(action);
            let subject = || Subject::Operation(action.to_string());
            let pointer = format!("/paths/{}/{method}", escape_pointer(path));
            out.operations.insert(action.to_string(), pointer.clone());
            put(
                &mut out.facts,
                Key::new(subject(), Place::Whole, "method"),
                method.to_uppercase().into(),
            );
            put(
                &mut out.facts,
                Key::new(subject(), Place::Whole, "path"),
                path.into(),
            );
            for parameter in parameter_values(spec, operation) {
                let location = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
                let place = format!("{location}.{name}");
                let their = theirs.and_then(|t| t.parameters.get(&place));
                if tolerance::skips_our_parameter(location, name, their.is_some()) {
                    continue;
                }
                let param_pointer =
                    crate::ours::parameter(spec, &pointer, &parameter_key(parameter))
                        .unwrap_or_else(|| pointer.clone());
                let schema_pointer = schema_pointer_of(parameter, &param_pointer);
                let required = parameter.get("required").and_then(Value::as_bool) == Some(true);
                let schema = schema_of(parameter);
                let default = schema.and_then(|s| default_of(spec, s));
                let wanted = their.and_then(|p| p.schema.as_deref());
                let wanted_enum = their.and_then(|p| p.enum_values.as_ref());
                let typed = their.is_none_or(|p| p.ty.is_some());
                self.parameter(
                    out,
                    action,
                    &place,
                    (schema, &schema_pointer),
                    required,
                    default,
                    (wanted, wanted_enum, typed),
                );
            }
            if let Some(body) = operation.get("requestBody").map(|b| deref(spec, b)) {
                let name = theirs
                    .and_then(|t| {
                        t.parameters
                            .keys()
                            .find(|p| p.starts_with("body."))
                            .cloned()
                    })
                    .unwrap_or_else(|| "body.body".into());
                let wanted = theirs
                    .and_then(|t| t.parameters.get(&name))
                    .and_then(|p| p.schema.as_deref());
                let schema = body.pointer("/content/application~1json/schema");
                let key = |fact: &str| Key::new(subject(), Place::Parameter(name.clone()), fact);
                let required = body.get("required").and_then(Value::as_bool) == Some(true);
                put(&mut out.facts, key("required"), required.into());
                let at = format!("{pointer}/requestBody/content/application~1json/schema");
                let named = self.schema_name(schema, &at, wanted);
                put(&mut out.facts, key("schema"), named.into());
            }
            for (status, raw) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response = deref(spec, raw);
                let key = |fact: &str| Key::new(subject(), Place::Response(status.clone()), fact);
                let content = response.get("content").and_then(Value::as_object);
                if content.is_some_and(|c| c.contains_key("text/event-stream")) {
                    put(&mut out.facts, key("schema"), "event-stream".into());
                    if let Some(event) = response.get("x-sse-event-schema").and_then(Value::as_str)
                    {
                        put(&mut out.facts, key(&format!("event {event}")), event.into());
                    }
                    continue;
                }
                let wanted = theirs.and_then(|t| match t.responses.get(status) {
                    Some(Response::Schema(name)) => Some(name.as_str()),
                    _ => None,
                });
                let schema = response.pointer("/content/application~1json/schema");
                let value = match schema {
                    Some(_) => self.schema_name(schema, "", wanted),
                    None => "none".into(),
                };
                put(&mut out.facts, key("schema"), value.into());
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn parameter(
        &self,
        out: &mut Projection,
        action: &str,
        place: &str,
        (schema, schema_pointer): (Option<&Value>, &str),
        required: bool,
        default: Option<Value>,
        (wanted, wanted_enum, typed): (Option<&str>, Option<&BTreeSet<String>>, bool),
    ) {
        let key = |fact: &str| {
            Key::new(
                Subject::Operation(action.into()),
                Place::Parameter(place.into()),
                fact,
            )
        };
        put(&mut out.facts, key("required"), required.into());
        let shape = schema
            .map(|s| shape::normalize(s, schema_pointer, &self.ours))
            .unwrap_or_default();
        if shape.reference.is_some() || wanted.is_some() {
            let named = self.schema_name(schema, schema_pointer, wanted);
            put(&mut out.facts, key("schema"), named.into());
        }
        let resolved = self.resolved(shape);
        // Where Losant types a parameter only by a definition, the
        // definition's comparison covers its type and values.
        let by_definition_only = wanted.is_some() && !typed;
        if !by_definition_only {
            put(&mut out.facts, key("type"), resolved.type_text().into());
            for value in resolved
                .enum_values
                .as_ref()
                .or(wanted_enum)
                .into_iter()
                .flatten()
            {
                put(&mut out.facts, key(&format!("enum {value}")), true.into());
            }
        }
        if let Some(default) = default {
            put(&mut out.facts, key("default"), default);
        }
        out.parameters.insert(
            (action.to_string(), place.to_string()),
            resolved.sources.clone(),
        );
    }
}
