//! Node paths inside a schema (`device.connectionInfo.connected`,
//! `items[]`, `{*}`, `<oneOf 1>`): walking, joining, splitting, showing.

use serde_json::Value;

/// Visits `schema` and every inline sub-schema with its node path: property
/// names joined by `.`, `[]` for array items, `{*}` for additionalProperties,
/// `{pattern}` for patternProperties, `<oneOf N>` for composition members.
/// References are not followed: a `$ref` is a leaf.
pub fn walk(schema: &Value, path: String, visit: &mut dyn FnMut(&str, &Value)) {
    visit(&path, schema);
    let Some(map) = schema.as_object() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            walk(child, join(&path, name), visit);
        }
    }
    if let Some(items) = map.get("items").filter(|i| i.is_object()) {
        walk(items, format!("{path}[]"), visit);
    }
    if let Some(extra) = map.get("additionalProperties").filter(|i| i.is_object()) {
        walk(extra, format!("{path}{{*}}"), visit);
    }
    if let Some(patterns) = map.get("patternProperties").and_then(Value::as_object) {
        for (pattern, child) in patterns {
            walk(child, format!("{path}{{{pattern}}}"), visit);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(members) = map.get(key).and_then(Value::as_array) {
            for (index, member) in members.iter().enumerate() {
                walk(member, format!("{path}<{key} {index}>"), visit);
            }
        }
    }
}

pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Splits a node path into segments: names, `[]`, `{*}`, `{pattern}`,
/// `<oneOf N>`.
pub fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            '[' | '{' | '<' => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                let close = match c {
                    '[' => ']',
                    '{' => '}',
                    _ => '>',
                };
                let mut token = c.to_string();
                let mut depth = 1;
                for next in chars.by_ref() {
                    token.push(next);
                    if next == c {
                        depth += 1;
                    } else if next == close {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                }
                out.push(token);
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `schema` + node path for display: `device.connectionInfo`.
pub fn display_node(schema: &str, path: &str) -> String {
    if path.is_empty() {
        schema.to_string()
    } else if path.starts_with(['[', '{', '<']) {
        format!("{schema}{path}")
    } else {
        format!("{schema}.{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip() {
        assert_eq!(
            segments("items[].compositeState{^[a-z]{1,3}$}.value<oneOf 1>"),
            vec![
                "items",
                "[]",
                "compositeState",
                "{^[a-z]{1,3}$}",
                "value",
                "<oneOf 1>"
            ]
        );
        assert_eq!(segments(""), Vec::<String>::new());
    }
}
