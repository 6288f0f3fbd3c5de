//! What a refresh reports when upstream changed, or did not.

use crate::workspace::*;
use httpmock::prelude::*;
use xtask::diff::Change;
use xtask::refresh;

#[test]
fn version_bump_with_one_operation_and_one_property() {
    let workspace = Workspace::new("bump");
    let server = MockServer::start();
    let url = serve(&server, &v2_operation_and_property());

    let outcome = refresh::refresh(&workspace.options(&url, false)).unwrap();
    assert_eq!(
        outcome.changes,
        vec![
            Change::Version {
                from: "1.0.0".into(),
                to: "1.1.0".into()
            },
            Change::OperationAdded {
                op: "getDeviceState".into(),
                method: "get".into(),
                path: "/applications/{applicationId}/devices/{deviceId}/state".into(),
            },
            Change::PropertyAdded {
                schema: "device".into(),
                path: "firmwareVersion".into(),
                ty: "string".into(),
            },
        ]
    );
    assert_eq!(outcome.exit_code(), 1);
    let report = workspace.read("drift.md");
    assert!(report.contains("**Drift**: 3 change(s) since the baseline: 1 additive to merge, 0 for a person, 1 already in our spec."), "{report}");
    assert!(report.contains("- version 1.0.0 → 1.1.0\n"), "{report}");
    assert!(report.contains("- operation added: getDeviceState (upstream: GET /applications/{applicationId}/devices/{deviceId}/state)\n  - our spec has it (GET /applications/{applicationId}/devices/{deviceId}/state)"), "{report}");
    assert!(report.contains("- property added: device.firmwareVersion: string\n  - adds it to components/schemas/device/properties\n"), "{report}");
    // Exactly those three changes are listed, and nothing else; the note
    // says the mapping table's known-missing list is now stale.
    let (changes, notes) = report
        .split("**Drift**")
        .nth(1)
        .unwrap()
        .split_once("## Notes (not drift)")
        .unwrap();
    assert_eq!(
        notes.trim(),
        "- getDeviceState is listed in KNOWN_MISSING (xtask/src/mapping.rs) but the upstream has it now: remove it from the list"
    );
    let listed: Vec<&str> = changes
        .lines()
        .filter(|line| line.starts_with("- "))
        .collect();
    assert_eq!(
        listed,
        vec![
            "- property added: device.firmwareVersion: string",
            "- operation added: getDeviceState (upstream: GET /applications/{applicationId}/devices/{deviceId}/state)",
            "- version 1.0.0 → 1.1.0",
        ],
        "{report}"
    );

    // Through the command line: exit 1, the report printed, and nothing in
    // the tree changed (a report-only run writes only its report).
    let before = workspace.read("upstream.json");
    let (code, out, err) = workspace.cli(&["--from", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("property added: device.firmwareVersion: string"));
    assert_eq!(workspace.read("spec.yaml"), SPEC);
    assert_eq!(workspace.read("upstream.json"), before);
}

#[test]
fn removed_enum_value() {
    let workspace = Workspace::new("enum");
    let server = MockServer::start();
    let v2 = replace_once(
        V1,
        "          - csv\n          - json\n",
        "          - csv\n",
    );
    let url = serve(&server, &v2);

    let outcome = refresh::refresh(&workspace.options(&url, false)).unwrap();
    assert_eq!(
        outcome.changes,
        vec![Change::EnumRemoved {
            schema: "devicesExportPayloadCountPost".into(),
            path: "format".into(),
            value: "json".into(),
        }]
    );
    let report = &outcome.markdown;
    assert!(report.contains("## For a person\n\n- enum value removed: devicesExportPayloadCountPost.format: \"json\"\n  - our spec still lists it (components/schemas/devicesExportPayloadCountPost/properties/format/enum)"), "{report}");
    let (code, _, _) = workspace.cli(&["--from", &url]);
    assert_eq!(code, 1);
    assert_eq!(workspace.read("spec.yaml"), SPEC);
}

#[test]
fn same_document_is_no_drift() {
    let workspace = Workspace::new("same");
    let server = MockServer::start();
    let url = serve(&server, V1);
    let (code, out, err) = workspace.cli(&["--from", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("**No drift**"), "{out}");
    assert!(!out.contains("## Notes"), "{out}");
}

#[test]
fn openapi_version_change_is_reported() {
    let workspace = Workspace::new("openapi31");
    let server = MockServer::start();
    let url = serve(
        &server,
        &replace_once(V1, "openapi: 3.0.3", "openapi: 3.1.0"),
    );
    let outcome = refresh::refresh(&workspace.options(&url, false)).unwrap();
    assert_eq!(
        outcome.changes,
        vec![Change::OpenApiVersion {
            from: "3.0.3".into(),
            to: "3.1.0".into()
        }]
    );
    assert!(
        outcome
            .markdown
            .contains("## For a person\n\n- OpenAPI version 3.0.3 → 3.1.0\n"),
        "{}",
        outcome.markdown
    );
    assert_eq!(outcome.exit_code(), 1);
}

#[test]
fn reworded_summary_keeps_the_operation_and_its_new_parameter() {
    let workspace = Workspace::new("reworded");
    let server = MockServer::start();
    // The attribute GET's summary is reworded and it gains a parameter: it
    // must stay getDeviceAttribute (same method and path, the old one gone),
    // so that the new parameter is reported.
    let v2 = replace_once(
        V1,
        "      summary: Retrieves Information on a Device Attribute\n",
        "      summary: Returns One Attribute of a Device\n",
    );
    let v2 = replace_once(
        &v2,
        "      - name: name\n        in: path\n        required: true\n        schema:\n          type: string\n",
        "      - name: name\n        in: path\n        required: true\n        schema:\n          type: string\n      - name: includeSystem\n        in: query\n        schema:\n          type: string\n",
    );
    let url = serve(&server, &v2);
    let outcome = refresh::refresh(&workspace.options(&url, false)).unwrap();
    assert_eq!(
        outcome.changes,
        vec![Change::ParamAdded {
            op: "getDeviceAttribute".into(),
            param: "query:includeSystem".into(),
            ty: "string".into(),
            required: false,
        }]
    );
    assert!(outcome.notes.iter().any(|n| n.starts_with(
        "getDeviceAttribute: the upstream reworded its summary to \"Returns One Attribute of a Device\""
    )), "{:?}", outcome.notes);
}

#[test]
fn unknown_operation_beside_a_known_one_is_unmapped() {
    let workspace = Workspace::new("unmapped");
    let server = MockServer::start();
    // A new summary at a path whose known operation is still there: it is a
    // different operation, reported as unmapped.
    let v2 = replace_once(
        V1,
        "  /applications/{applicationId}/devices:\n",
        "  /applications/{applicationId}/devices/{deviceId}/history:\n    get:\n      summary: Returns the Attribute History\n      responses:\n        '200':\n          description: History\n  /applications/{applicationId}/devices:\n",
    );
    let url = serve(&server, &v2);
    let outcome = refresh::refresh(&workspace.options(&url, false)).unwrap();
    assert_eq!(
        outcome.changes,
        vec![Change::UnmappedAdded {
            key: "GET /applications/{applicationId}/devices/{deviceId}/history \"Returns the Attribute History\"".into()
        }]
    );
}
