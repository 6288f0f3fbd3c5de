//! `cargo xtask spec lint`: checks our spec for what progenitor needs and
//! for our own conventions, reporting every finding (not just the first).
//!
//! [`operations`] checks each operation, [`schemas`] the references and
//! schemas of the whole document.

mod operations;
mod schemas;

use serde_json::Value;

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub location: String,
    pub message: String,
}

fn finding(location: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        location: location.into(),
        message: message.into(),
    }
}

pub fn lint(document: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    match document.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        other => findings.push(finding(
            "#/openapi",
            format!("must be OpenAPI 3.0.x, found {other:?}"),
        )),
    }
    for key in ["webhooks", "jsonSchemaDialect"] {
        if document.get(key).is_some() {
            findings.push(finding(format!("#/{key}"), "OpenAPI 3.1 field"));
        }
    }
    if document.pointer("/info/summary").is_some() {
        findings.push(finding("#/info/summary", "OpenAPI 3.1 field"));
    }
    if document.pointer("/info/license/identifier").is_some() {
        findings.push(finding("#/info/license/identifier", "OpenAPI 3.1 field"));
    }
    if document.pointer("/components/pathItems").is_some() {
        findings.push(finding("#/components/pathItems", "OpenAPI 3.1 field"));
    }

    operations::check(document, &mut findings);
    schemas::dangling_refs(document, document, "#", &mut findings);
    for (location, schema) in schemas::schema_roots(document) {
        schemas::openapi31(schema, &location, &mut findings);
    }
    schemas::strict_responses(document, &mut findings);

    findings.sort();
    findings.dedup();
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schema: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things/{id}": {"get": {
                "operationId": "getThing",
                "x-losant-action": "thing.get",
                "summary": "Get a thing",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}},
                    "404": {"description": "no"}
                }
            }}},
            "components": {"schemas": {"thing": schema}}
        })
    }

    #[test]
    fn clean_spec_has_no_findings() {
        assert_eq!(lint(&spec(json!({"type": "object"}))), vec![]);
    }

    #[test]
    fn finds_strict_responses_31_and_dangling_refs() {
        let findings = lint(&spec(json!({
            "type": "object",
            "properties": {
                "inner": {"type": "object", "additionalProperties": false},
                "value": {"type": ["number", "string"]},
                "other": {"$ref": "#/components/schemas/common/objectId"}
            }
        })));
        let messages: Vec<String> = findings
            .iter()
            .map(|f| format!("{}: {}", f.location, f.message))
            .collect();
        assert_eq!(findings.len(), 3, "{messages:#?}");
        assert!(messages
            .iter()
            .any(|m| m.contains("additionalProperties: false")));
        assert!(messages.iter().any(|m| m.contains("list of types")));
        assert!(messages.iter().any(|m| m.contains("does not resolve")));
    }

    #[test]
    fn finds_operation_problems() {
        let mut document = spec(json!({"type": "object"}));
        let get = document.pointer_mut("/paths/~1things~1{id}/get").unwrap();
        get.as_object_mut().unwrap().remove("summary");
        get["responses"].as_object_mut().unwrap().remove("404");
        get["parameters"][0]["schema"] = json!({"description": "no type"});
        let findings = lint(&document);
        assert_eq!(findings.len(), 3, "{findings:#?}");
    }

    #[test]
    fn every_operation_names_one_losant_action() {
        let mut document = spec(json!({"type": "object"}));
        let get = document.pointer_mut("/paths/~1things~1{id}/get").unwrap();
        get["x-losant-action"] = json!("get things");
        let second = get.clone();
        document["paths"]["/things"] = json!({"get": second});
        document["paths"]["/things"]["get"]["operationId"] = json!("listThings");
        let findings = lint(&document);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.contains(&"x-losant-action \"get things\" is not Losant's resource.action"),
            "{messages:?}"
        );
        document["paths"]["/things"]["get"]["x-losant-action"] = json!("thing.get");
        document["paths"]["/things/{id}"]["get"]["x-losant-action"] = json!("thing.get");
        let findings = lint(&document);
        assert!(
            findings.iter().any(|f| f
                .message
                .starts_with("x-losant-action thing.get is also used by")),
            "{findings:?}"
        );
        document["paths"]["/things"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("x-losant-action");
        let findings = lint(&document);
        assert!(
            findings
                .iter()
                .any(|f| f.location == "GET /things"
                    && f.message.starts_with("has no x-losant-action")),
            "{findings:?}"
        );
    }
}
