//! Reading an OpenAPI document: its operations, their resolved parameters,
//! local `$ref` chains, and short type descriptors of schemas.

use super::SCHEMA_PREFIX;
use serde_json::Value;

/// (path, method, operation) in document order.
pub fn operations_of(document: &Value) -> Vec<(&str, &'static str, &Value)> {
    let mut found = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in crate::codegen::load::HTTP_METHODS {
                if let Some(value) = item.get(method) {
                    found.push((path.as_str(), method, value));
                }
            }
        }
    }
    found
}

/// Resolves a local `$ref` chain (at most a few hops).
pub fn deref<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The parameters of an operation (path-item level parameters are not used by
/// either document), resolved.
pub fn parameter_values<'a>(document: &'a Value, operation: &'a Value) -> Vec<&'a Value> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| deref(document, p))
        .collect()
}

pub fn parameter_key(parameter: &Value) -> String {
    format!(
        "{}:{}",
        parameter.get("in").and_then(Value::as_str).unwrap_or("?"),
        parameter.get("name").and_then(Value::as_str).unwrap_or("?")
    )
}

/// A value as plain text: strings unquoted, everything else as JSON. Enum
/// values are compared this way, so `'86400000'` and `86400000` are equal
/// (the aggregator quotes numbers).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short type descriptor: `string`, `integer(int64)`, `ref:device`,
/// `number|string|boolean`, `oneOf`, `object`, `any`; `?` when nullable.
pub fn type_of(schema: &Value) -> String {
    let Some(map) = schema.as_object() else {
        return "any".into();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return match reference.strip_prefix(SCHEMA_PREFIX) {
            Some(name) => format!("ref:{name}"),
            None => format!("ref:{reference}"),
        };
    }
    let mut text = match map.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types.iter().map(scalar_text).collect::<Vec<_>>().join("|"),
        _ => {
            if map.contains_key("oneOf") {
                "oneOf".into()
            } else if map.contains_key("anyOf") {
                "anyOf".into()
            } else if map.contains_key("allOf") {
                "allOf".into()
            } else if map.contains_key("enum") {
                "enum".into()
            } else if map.contains_key("properties") {
                "object".into()
            } else {
                "any".into()
            }
        }
    };
    if let Some(format) = map.get("format").and_then(Value::as_str) {
        text = format!("{text}({format})");
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        text.push('?');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_are_short() {
        assert_eq!(
            type_of(&json!({"$ref": "#/components/schemas/common/objectId"})),
            "ref:common/objectId"
        );
        assert_eq!(
            type_of(&json!({"type": ["number", "string"]})),
            "number|string"
        );
        assert_eq!(
            type_of(&json!({"type": "integer", "format": "int64", "nullable": true})),
            "integer(int64)?"
        );
        assert_eq!(type_of(&json!({})), "any");
    }
}
