//! How upstream operations are recognised, and what the upstream is known to
//! lack.
//!
//! The aggregator's document has no operationIds and collapses paths (several
//! real endpoints end up under one path, each with its own summary), so an
//! upstream operation is never identified by its path. It is identified by its
//! HTTP method plus its summary, normalized ([`normalize_summary`]). The
//! aggregator copies the summaries of Losant's own API definition and only
//! title-cases them, so the table below lists Losant's summaries for all 41
//! device-family operations: the 18 the aggregator publishes today and the 23
//! it lacks, so that when it gains one it is recognised without an edit here.
//!
//! When a summary is not in the table, an upstream operation whose method and
//! normalized summary equal one of our operations' is mapped to it too; any
//! other upstream operation is reported as *unmapped*.

use serde_json::Value;

/// One row: upstream method, upstream summary (any case), our operationId.
pub struct Row {
    pub method: &'static str,
    pub summary: &'static str,
    pub operation_id: &'static str,
}

const fn row(method: &'static str, summary: &'static str, operation_id: &'static str) -> Row {
    Row {
        method,
        summary,
        operation_id,
    }
}

/// Upstream (method, summary) → our operationId.
pub const TABLE: &[Row] = &[
    // Published by the aggregator (1.29.4). Its path for several of these is
    // wrong (collapsed), which is why the path is not part of the key.
    row("get", "Retrieves information on a device attribute", "getDeviceAttribute"),
    row("patch", "Updates an attribute on a device", "updateDeviceAttribute"),
    row("delete", "Removes an attribute from a device", "deleteDeviceAttribute"),
    row("get", "Returns the attributes for a device", "listDeviceAttributes"),
    row("post", "Adds a new attribute to a device", "createDeviceAttribute"),
    row("get", "Retrieves information on a device recipe", "getDeviceRecipe"),
    row("patch", "Updates information about a device recipe", "updateDeviceRecipe"),
    row("delete", "Deletes a device recipe", "deleteDeviceRecipe"),
    row("post", "Bulk creates devices using this recipe from a CSV", "bulkCreateDevices"),
    row("get", "Returns the device recipes for an application", "listDeviceRecipes"),
    row("post", "Create a new device recipe for an application", "createDeviceRecipe"),
    row(
        "get",
        "Returns payload counts per resolution in the time range specified for this device",
        "getDevicePayloadCountsBreakdown",
    ),
    row("patch", "Updates information about a device", "updateDevice"),
    // The same summary is used by the one-device (DELETE) and the bulk (POST)
    // data removal; the method tells them apart.
    row(
        "delete",
        "Removes all device data for the specified time range. Defaults to all data.",
        "removeDeviceData",
    ),
    row("post", "Set the current connection status of the device", "setDeviceConnectionStatus"),
    row(
        "get",
        "Retrieve the composite last complete state of the matching devices",
        "getDevicesCompositeState",
    ),
    row(
        "post",
        "Creates an export of payload count information for the matching devices",
        "exportDevicesPayloadCounts",
    ),
    row("patch", "Update the fields of one or more devices", "updateDevices"),
    // Not published by the aggregator (1.29.4): see KNOWN_MISSING.
    row(
        "get",
        "Attach to a real time stream of command messages to this device using Server Sent Events (SSE)",
        "streamDeviceCommands",
    ),
    row("delete", "Deletes a device", "deleteDevice"),
    row("post", "Creates a device data export. Defaults to all data.", "exportDeviceData"),
    row("get", "Retrieves information on a device", "getDevice"),
    row("get", "Retrieve the last known commands(s) sent to the device", "getDeviceCommands"),
    row("get", "Retrieve the composite last complete state of the device", "getDeviceCompositeState"),
    row("get", "Retrieve the recent log entries about the device", "getDeviceLogEntries"),
    row("get", "Retrieve the last known state(s) of the device", "getDeviceState"),
    row(
        "get",
        "Returns payload counts for the time range specified for this device",
        "getDevicePayloadCounts",
    ),
    row("post", "Send a command to a device", "sendDeviceCommand"),
    row("post", "Send the current state of the device", "sendDeviceState"),
    row(
        "get",
        "Attach to a real time stream of state messages from this device using Server Sent Events (SSE)",
        "streamDeviceState",
    ),
    row(
        "get",
        "Gets the attribute names that match the given query. Maximum 1K returned.",
        "getDeviceAttributeNames",
    ),
    row("post", "Delete devices", "deleteDevices"),
    row(
        "get",
        "Gets the device names that match the given query. Maximum 1K returned.",
        "getDeviceNames",
    ),
    row("post", "Creates an export of all device metadata", "exportDevices"),
    row("get", "Returns the devices for an application", "listDevices"),
    row("post", "Create a new device for an application", "createDevice"),
    row(
        "post",
        "Removes all device data for the specified time range. Defaults to all data.",
        "removeDevicesData",
    ),
    row("post", "Restore deleted devices", "restoreDevices"),
    row("post", "Send a command to multiple devices", "sendDevicesCommand"),
    row(
        "get",
        "Gets the unique tag keys for devices that match the given query. Maximum 1K returned.",
        "getDeviceTagKeys",
    ),
    row(
        "get",
        "Gets the unique tag values for the given key for devices that match the given query. Maximum 1K returned.",
        "getDeviceTagValues",
    ),
];

/// Our operations the aggregator's Device API document does not have (as of
/// 1.29.4, the upstream our spec was reconciled against). They are expected to
/// be absent and are never reported as drift; if the upstream gains one, the
/// report says so ("operation added upstream … already in our spec") and this
/// list should lose it.
pub const KNOWN_MISSING: &[&str] = &[
    "deleteDevice",
    "exportDeviceData",
    "getDevice",
    "getDeviceAttributeNames",
    "getDeviceCommands",
    "getDeviceCompositeState",
    "getDeviceLogEntries",
    "getDeviceNames",
    "getDevicePayloadCounts",
    "getDeviceState",
    "getDeviceTagKeys",
    "getDeviceTagValues",
    "listDevices",
    "createDevice",
    "deleteDevices",
    "restoreDevices",
    "removeDevicesData",
    "exportDevices",
    "sendDeviceCommand",
    "sendDeviceState",
    "sendDevicesCommand",
    "streamDeviceCommands",
    "streamDeviceState",
];

/// Our operations that belong to another upstream document (Losant's Auth
/// API: `POST /auth/device`, Losant's `auth.authenticateDevice`), so the
/// Device API document never has them. Both names are listed because our
/// operationId for it was renamed.
pub const OTHER_DOCUMENT: &[&str] = &["requestDeviceToken", "authenticateDevice"];

/// Lower case, letters and digits only, single spaces: "Retrieves Information
/// on a Device Attribute" and "retrieves information on a device attribute."
/// are the same summary.
pub fn normalize_summary(summary: &str) -> String {
    summary
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Our operationId for an upstream operation, by the table, else by our own
/// summaries (`ours` is our spec); `None` when it cannot be mapped.
pub fn operation_id(method: &str, summary: &str, ours: Option<&Value>) -> Option<String> {
    let method = method.to_lowercase();
    let normalized = normalize_summary(summary);
    if normalized.is_empty() {
        return None;
    }
    if let Some(row) = TABLE
        .iter()
        .find(|row| row.method == method && normalize_summary(row.summary) == normalized)
    {
        return Some(row.operation_id.to_string());
    }
    let ours = ours?;
    crate::codegen::load::operations(ours)
        .into_iter()
        .find(|operation| {
            operation.method == method
                && operation
                    .value
                    .get("summary")
                    .and_then(Value::as_str)
                    .is_some_and(|s| normalize_summary(s) == normalized)
        })
        .map(|operation| operation.id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    // No count of rows is asserted: adding the row a report asks for must
    // not break a test.
    fn rows_are_unique_and_cover_known_missing() {
        let mut keys = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for row in TABLE {
            assert!(
                keys.insert((row.method, normalize_summary(row.summary))),
                "duplicate key for {}",
                row.operation_id
            );
            assert!(ids.insert(row.operation_id), "{} twice", row.operation_id);
        }
        for id in KNOWN_MISSING {
            assert!(ids.contains(id), "{id} is known-missing but not in TABLE");
        }
    }

    #[test]
    fn title_case_and_punctuation_do_not_matter() {
        assert_eq!(
            operation_id("GET", "Retrieves Information on a Device Attribute", None).as_deref(),
            Some("getDeviceAttribute")
        );
        assert_eq!(
            operation_id(
                "DELETE",
                "Removes All Device Data for the Specified Time Range. Defaults to All Data.",
                None
            )
            .as_deref(),
            Some("removeDeviceData")
        );
        assert_eq!(
            operation_id(
                "post",
                "Removes All Device Data for the Specified Time Range. Defaults to All Data.",
                None
            )
            .as_deref(),
            Some("removeDevicesData")
        );
        assert_eq!(operation_id("put", "Deletes a Device", None), None);
    }
}
