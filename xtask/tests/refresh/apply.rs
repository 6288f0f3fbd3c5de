//! `--apply`: which changes are merged into our spec, and which are left to a person.

use crate::workspace::*;
use httpmock::prelude::*;
use xtask::refresh::{self, UpstreamRecord};

#[test]
fn apply_merges_only_additive_changes() {
    let workspace = Workspace::new("apply");
    let server = MockServer::start();
    // Additive: a property, an enum value, an optional parameter, a schema
    // (and the state operation, which our spec already has). Not additive:
    // a removed enum value and a property that became required.
    let v2 = v2_operation_and_property();
    let v2 = replace_once(
        &v2,
        "          - string\n          - number\n",
        "          - string\n          - number\n          - gps\n",
    );
    let v2 = replace_once(
        &v2,
        "      - name: name\n        in: path\n        required: true\n        schema:\n          type: string\n",
        "      - name: name\n        in: path\n        required: true\n        schema:\n          type: string\n      - name: includeSystem\n        in: query\n        description: Whether to include system settings\n        required: false\n        schema:\n          type: string\n",
    );
    let v2 = replace_once(
        &v2,
        "    success:\n",
        "    deviceFirmware:\n      title: Device Firmware\n      type: object\n      properties:\n        version:\n          type: string\n        released:\n          $ref: '#/components/schemas/common/date'\n      additionalProperties: false\n    success:\n",
    );
    let v2 = replace_once(
        &v2,
        "          - csv\n          - json\n",
        "          - csv\n",
    );
    let v2 = replace_once(
        &v2,
        "          default: csv\n      additionalProperties: false\n",
        "          default: csv\n      additionalProperties: false\n      required:\n      - email\n",
    );
    let url = serve(&server, &v2);

    let mut options = workspace.options(&url, true);
    // As when reading the aggregator's URL: info.x-upstream.url stays.
    options.source_as = Some("https://example.invalid/losant-device-api-openapi.yml".into());
    let outcome = refresh::refresh(&options).unwrap();
    assert_eq!(outcome.exit_code(), 1);
    assert_eq!(outcome.merged, Some(4), "{}", outcome.markdown);
    let person: Vec<String> = outcome
        .assessments
        .iter()
        .filter(|a| matches!(a.action, xtask::apply::Action::Person(_)))
        .map(|a| a.change.to_string())
        .collect();
    assert_eq!(
        person,
        vec![
            "now required: devicesExportPayloadCountPost.email",
            "enum value removed: devicesExportPayloadCountPost.format: \"json\"",
        ]
    );

    let spec = workspace.read("spec.yaml");
    // Only insertions plus the one enum that grew: comments, folded text and
    // everything else are as they were. info.x-upstream keeps the baseline's
    // version, because two items are left for a person.
    let (removed, added) = line_diff(SPEC, &spec);
    assert_eq!(
        removed,
        vec!["          enum: [string, number]".to_string()]
    );
    assert_eq!(
        added,
        vec![
            // getDeviceAttribute's new optional parameter
            "        - name: includeSystem".to_string(),
            "          in: query".into(),
            "          description: Whether to include system settings".into(),
            "          schema:".into(),
            "            type: string".into(),
            // device's new property
            "        firmwareVersion:".into(),
            "          type: string".into(),
            // deviceAttribute.dataType's new value
            "          enum: [string, number, gps]".into(),
            // the new schema; its common/date ref became our date-time string
            // and additionalProperties: false was dropped (our convention)
            "    deviceFirmware:".into(),
            "      type: object".into(),
            "      properties:".into(),
            "        released:".into(),
            "          type: string".into(),
            "          format: date-time".into(),
            "        version:".into(),
            "          type: string".into(),
        ]
    );
    // The non-additive changes were not made.
    assert!(spec.contains("          enum: [csv, json]\n"));
    // The merged spec still generates, and its text parses to what we meant.
    let document = xtask::codegen::load::parse(&spec).unwrap();
    assert_eq!(
        document.pointer("/components/schemas/deviceFirmware"),
        Some(&serde_json::json!({
            "type": "object",
            "properties": {
                "version": {"type": "string"},
                "released": {"type": "string", "format": "date-time"}
            }
        }))
    );
    xtask::codegen::generate(document).unwrap();

    // The baseline did not move past the items for a person: the next run
    // reports them again, and what was merged as already in our spec.
    let record = UpstreamRecord::read(&workspace.path("upstream.json")).unwrap();
    assert_eq!(record.baseline.version, "1.0.0");
    assert!(outcome
        .markdown
        .contains("--apply kept the baseline at 1.0.0"));
    let again = refresh::refresh(&workspace.options(&url, false)).unwrap();
    assert_eq!(again.exit_code(), 1);
    let person_again: Vec<String> = again
        .assessments
        .iter()
        .filter(|a| matches!(a.action, xtask::apply::Action::Person(_)))
        .map(|a| a.change.to_string())
        .collect();
    assert_eq!(person_again, person);
    assert!(again
        .markdown
        .contains("- property added: device.firmwareVersion: string\n  - our spec has it"));
}

#[test]
fn new_required_property_is_for_a_person_not_merged_as_optional() {
    let workspace = Workspace::new("required");
    let server = MockServer::start();
    let v2 = replace_once(
        V1,
        "          default: csv\n      additionalProperties: false\n",
        "          default: csv\n        priority:\n          type: string\n      additionalProperties: false\n      required:\n      - priority\n",
    );
    let url = serve(&server, &v2);
    let outcome = refresh::refresh(&workspace.options(&url, true)).unwrap();
    assert_eq!(outcome.merged, Some(0), "{}", outcome.markdown);
    assert!(outcome.markdown.contains("- property added: devicesExportPayloadCountPost.priority: string\n  - new and required"), "{}", outcome.markdown);
    assert!(
        outcome
            .markdown
            .contains("- now required: devicesExportPayloadCountPost.priority"),
        "{}",
        outcome.markdown
    );
    assert_eq!(workspace.read("spec.yaml"), SPEC);
}

#[test]
fn apply_without_drift_changes_nothing() {
    let workspace = Workspace::new("noop");
    let server = MockServer::start();
    let url = serve(&server, V1);
    let before = workspace.read("upstream.json");
    let (code, _, err) = workspace.cli(&["--from", &url, "--apply"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(workspace.read("spec.yaml"), SPEC);
    let after = UpstreamRecord::read(&workspace.path("upstream.json")).unwrap();
    let before: UpstreamRecord = serde_json::from_str(&before).unwrap();
    assert_eq!(after.baseline, before.baseline);
}
