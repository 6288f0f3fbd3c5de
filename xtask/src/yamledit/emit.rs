//! New values written as YAML in our spec's style: keys in a conventional
//! order, scalar lists in flow style, strings plain where that reads back
//! the same and quoted otherwise.

use serde_json::Value;

const KEY_ORDER: &[&str] = &[
    "$ref",
    "name",
    "in",
    "type",
    "format",
    "description",
    "required",
    "deprecated",
    "nullable",
    "enum",
    "default",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "items",
    "properties",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "schema",
    "content",
];

fn ordered(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(key, _)| {
        (
            KEY_ORDER
                .iter()
                .position(|k| k == key)
                .unwrap_or(KEY_ORDER.len()),
            key.to_string(),
        )
    });
    entries
}

pub(super) fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// Whether `s` can be written unquoted: a conservative character set, no
/// YAML 1.1 booleans, and it must read back as the same string (so `1.30.0`
/// stays plain while `200` or `1e5` get quotes).
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    if reserved.contains(&s.to_lowercase().as_str()) {
        return false;
    }
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '$') || s.ends_with(' ') {
        return false;
    }
    let charset = s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '.' | '/' | '$' | '-' | '(' | ')')
            || (c == ' ' && !flow)
    });
    if !charset {
        return false;
    }
    let probe = if flow {
        format!("k: [{s}]\n")
    } else {
        format!("k: {s}\n")
    };
    let expected = if flow {
        serde_json::json!({ "k": [s] })
    } else {
        serde_json::json!({ "k": s })
    };
    crate::codegen::load::parse(&probe).is_ok_and(|v| v == expected)
}

/// A scalar in YAML syntax.
pub fn scalar(value: &Value, flow: bool) -> String {
    match value {
        Value::String(s) if plain_ok(s, flow) => s.clone(),
        Value::String(s) if !s.contains('\n') => format!("'{}'", s.replace('\'', "''")),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn key_text(key: &str) -> String {
    scalar(&Value::String(key.to_string()), true)
}

/// Lines of `key: value` with the key at `col`.
pub fn emit_entry(key: &str, value: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    let key = key_text(key);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut lines = vec![format!("{pad}{key}:")];
            for (k, v) in ordered(map) {
                lines.extend(emit_entry(k, v, col + 2));
            }
            lines
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(is_scalar) => {
            let parts: Vec<String> = items.iter().map(|v| scalar(v, true)).collect();
            vec![format!("{pad}{key}: [{}]", parts.join(", "))]
        }
        Value::Array(items) if !items.is_empty() => {
            let mut lines = vec![format!("{pad}{key}:")];
            for item in items {
                lines.extend(emit_item(item, col + 2));
            }
            lines
        }
        other => vec![format!("{pad}{key}: {}", scalar(other, false))],
    }
}

/// Lines of `- value` with the dash at `col`.
pub fn emit_item(value: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut lines = Vec::new();
            for (index, (k, v)) in ordered(map).into_iter().enumerate() {
                let mut entry = emit_entry(k, v, col + 2);
                if index == 0 {
                    entry[0] = format!("{pad}- {}", &entry[0][col + 2..]);
                }
                lines.extend(entry);
            }
            lines
        }
        Value::Array(items) if !items.is_empty() => {
            let parts: Vec<String> = items.iter().map(|v| scalar(v, true)).collect();
            vec![format!("{pad}- [{}]", parts.join(", "))]
        }
        other => vec![format!("{pad}- {}", scalar(other, false))],
    }
}
