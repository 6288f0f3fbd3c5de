//! One edit of each kind to Losant's definition, and the report each should give.

use serde_json::{json, Value};

/// Every change the issue lists, at once.
pub(crate) fn every_change(file: &str, value: &mut Value) {
    match file {
        "apiInfo.json" => {
            let get = &mut value["deviceAttribute"]["actions"]["get"];
            // A reworded summary together with a new parameter.
            get["summary"] = json!("Returns one attribute of a device");
            get["params"] = json!([{"in": "query", "name": "includeSystem", "type": "string"}]);
            // A new response status.
            get["responses"]["403"] = json!({"schema": {"$ref": "#/definitions/error"}});
            // A new operation, and a whole new resource.
            value["deviceAttribute"]["actions"]["history"] = json!({
                "method": "GET", "path": "/history",
                "responses": {"200": {"schema": {"$ref": "#/definitions/error"}}}
            });
            value["deviceTags"] = json!({
                "path": "/applications/{applicationId}/device-tags",
                "actions": {"get": {"method": "GET", "responses": {"200": {"schema": {"$ref": "#/definitions/error"}}}}}
            });
            // A removed parameter.
            let tag_values = &mut value["devices"]["actions"]["tagValues"]["params"];
            tag_values
                .as_array_mut()
                .unwrap()
                .retain(|p| p["name"] != "startsWith");
        }
        "deviceAttribute.json" => {
            // An added enum value, a retyped property, a property made nullable.
            value["properties"]["dataType"]["enum"]
                .as_array_mut()
                .unwrap()
                .push(json!("json"));
            value["properties"]["contentType"] = json!({"type": "number"});
            value["properties"]["description"] =
                json!({"oneOf": [{"type": "string"}, {"type": "null"}]});
        }
        "deviceAttributePatch.json" => {
            // A new required property of a request body.
            value["properties"]["priority"] = json!({"type": "string"});
            value["required"] = json!(["priority"]);
        }
        _ => {}
    }
}

/// (kind, where, disposition) of every change in the JSON.
pub(crate) fn listed(changes: &Value) -> Vec<(String, String, String)> {
    changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let at = ["operation", "schema", "parameter", "status", "path", "fact"]
                .iter()
                .filter_map(|f| c[f].as_str().map(|v| format!("{f}={v}")))
                .collect::<Vec<_>>()
                .join(" ");
            (
                c["kind"].as_str().unwrap().to_string(),
                at,
                c["disposition"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(crate) fn expected(disposition_of_safe: &str) -> Vec<(String, String, String)> {
    let d = |k: &str, at: &str, disp: &str| (k.to_string(), at.to_string(), disp.to_string());
    vec![
        d(
            "parameter-added",
            "operation=deviceAttribute.get parameter=query.includeSystem",
            disposition_of_safe,
        ),
        d(
            "response-added",
            "operation=deviceAttribute.get status=403",
            "pending",
        ),
        d(
            "operation-added",
            "operation=deviceAttribute.history",
            "pending",
        ),
        d("operation-added", "operation=deviceTags.get", "pending"),
        d(
            "parameter-removed",
            "operation=devices.tagValues parameter=query.startsWith",
            "pending",
        ),
        d(
            "property-retyped",
            "schema=deviceAttribute path=.contentType fact=type",
            "pending",
        ),
        d(
            "enum-value-added",
            "schema=deviceAttribute path=.dataType fact=enum json",
            disposition_of_safe,
        ),
        d(
            "property-nullable",
            "schema=deviceAttribute path=.description fact=nullable",
            "pending",
        ),
        d(
            "property-added",
            "schema=deviceAttributePatch path=.priority",
            "pending",
        ),
    ]
}
