//! `cargo xtask spec refresh` against synthetic upstream documents served on
//! loopback by httpmock. Every test works on a copy of
//! `tests/fixtures/spec.yaml` in its own temporary directory.

use httpmock::prelude::*;
use std::path::{Path, PathBuf};
use xtask::diff::Change;
use xtask::refresh::{self, Options, Paths, UpstreamRecord};

const SPEC: &str = include_str!("fixtures/spec.yaml");
const V1: &str = include_str!("fixtures/upstream-v1.yml");

/// A temporary directory holding a copy of the fixture spec and a baseline
/// made from `upstream-v1.yml`.
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("spec.yaml"), SPEC).unwrap();
        std::fs::write(dir.join("upstream-v1.yml"), V1).unwrap();
        let workspace = Workspace { dir };
        refresh::baseline(
            workspace.dir.join("upstream-v1.yml").to_str().unwrap(),
            Some("https://example.invalid/losant-device-api-openapi.yml"),
            &workspace.paths(),
        )
        .unwrap();
        workspace
    }

    fn paths(&self) -> Paths {
        Paths::for_spec(self.dir.join("spec.yaml"), None)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn options(&self, from: &str, apply: bool) -> Options {
        Options {
            from: from.into(),
            source_as: None,
            timeout: xtask::fetch::TIMEOUT,
            apply,
            report: self.path("drift.md"),
            paths: self.paths(),
        }
    }

    /// Runs the command line as `cargo xtask` would; (exit code, stdout, stderr).
    fn cli(&self, extra: &[&str]) -> (i32, String, String) {
        let mut args: Vec<String> = vec!["spec".into(), "refresh".into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([
            "--spec".into(),
            self.path("spec.yaml").display().to_string(),
            "--report".into(),
            self.path("drift.md").display().to_string(),
        ]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = xtask::cli::run(&args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves `body` as the upstream document; returns its URL.
fn serve(server: &MockServer, body: &str) -> String {
    let body = body.to_string();
    server.mock(|when, then| {
        when.method(GET).path("/openapi.yml");
        then.status(200)
            .header("content-type", "text/yaml")
            .body(body);
    });
    server.url("/openapi.yml")
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

/// v1 plus version 1.1.0, the state operation (which our spec already has)
/// and one new property on `device`.
fn v2_operation_and_property() -> String {
    let text = replace_once(V1, "  version: 1.0.0", "  version: 1.1.0");
    let text = replace_once(
        &text,
        "  /applications/{applicationId}/devices:\n",
        "  /applications/{applicationId}/devices/{deviceId}/state:
    get:
      summary: Retrieve the Last Known State(s) of the Device
      parameters:
      - *id001
      - *id002
      responses:
        '200':
          description: Recent device states
  /applications/{applicationId}/devices:\n",
    );
    replace_once(
        &text,
        "        deviceClass:\n          $ref: '#/components/schemas/common/deviceClass'\n",
        "        deviceClass:\n          $ref: '#/components/schemas/common/deviceClass'\n        firmwareVersion:\n          type: string\n",
    )
}

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

fn assert_untouched(workspace: &Workspace, upstream_json: &str) {
    assert_eq!(workspace.read("spec.yaml"), SPEC);
    assert_eq!(workspace.read("upstream.json"), upstream_json);
    assert!(!workspace.path("drift.md").exists());
}

#[test]
fn unreachable_url_is_an_error_and_changes_nothing() {
    let workspace = Workspace::new("unreachable");
    let before = workspace.read("upstream.json");
    let (code, out, err) = workspace.cli(&["--from", "http://127.0.0.1:1/openapi.yml", "--apply"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.starts_with("error: cannot fetch http://127.0.0.1:1/openapi.yml:"),
        "{err}"
    );
    assert_untouched(&workspace, &before);
}

#[test]
fn slow_server_times_out() {
    let workspace = Workspace::new("slow");
    let before = workspace.read("upstream.json");
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/slow.yml");
        then.status(200)
            .delay(std::time::Duration::from_secs(5))
            .body(V1);
    });
    let (code, _, err) = workspace.cli(&["--from", &server.url("/slow.yml"), "--timeout", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no complete answer within 1 s"), "{err}");
    assert_untouched(&workspace, &before);
}

#[test]
fn http_error_status_is_an_error() {
    let workspace = Workspace::new("status");
    let before = workspace.read("upstream.json");
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/missing.yml");
        then.status(404).body("Not Found");
    });
    let (code, _, err) = workspace.cli(&["--from", &server.url("/missing.yml"), "--apply"]);
    assert_eq!(code, 2);
    assert!(err.contains("the server answered HTTP 404"), "{err}");
    assert_untouched(&workspace, &before);
}

#[test]
fn malformed_yaml_is_an_error_and_changes_nothing() {
    let workspace = Workspace::new("malformed");
    let before = workspace.read("upstream.json");
    let server = MockServer::start();
    let url = serve(
        &server,
        "openapi: 3.0.3\ninfo:\n  version: 1.2.0\npaths: [unclosed\n",
    );
    let (code, _, err) = workspace.cli(&["--from", &url, "--apply"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a YAML document"), "{err}");
    assert_untouched(&workspace, &before);

    // Valid YAML that is not an OpenAPI document (an HTML error page, say).
    let server = MockServer::start();
    let url = serve(&server, "<html><body>rate limited</body></html>\n");
    let (code, _, err) = workspace.cli(&["--from", &url, "--apply"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not an OpenAPI document"), "{err}");
    assert_untouched(&workspace, &before);
}

/// (lines only in `old`, lines only in `new`) by a longest-common-subsequence
/// line diff.
fn line_diff(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].to_string());
            j += 1;
        } else {
            removed.push(a[i].to_string());
            i += 1;
        }
    }
    (removed, added)
}

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
fn a_local_path_is_recorded_by_its_name_only() {
    let workspace = Workspace::new("recorded");
    let local = workspace.path("upstream-v1.yml");
    refresh::baseline(local.to_str().unwrap(), None, &workspace.paths()).unwrap();
    let record = UpstreamRecord::read(&workspace.path("upstream.json")).unwrap();
    assert_eq!(record.retrieved.source, "upstream-v1.yml");
    assert_eq!(record.baseline.source, "upstream-v1.yml");
    assert!(!workspace
        .read("upstream.json")
        .contains(&workspace.dir.display().to_string()));
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

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn local_path_works_like_a_url() {
    let workspace = Workspace::new("local");
    let outcome =
        refresh::refresh(&workspace.options(fixture("upstream-v1.yml").to_str().unwrap(), false))
            .unwrap();
    assert!(outcome.changes.is_empty());
    assert_eq!(
        outcome.retrieved.sha256,
        xtask::fetch::sha256_hex(V1.as_bytes())
    );
    // The fixture spec records exactly this upstream.
    assert!(SPEC.contains(&format!("sha256: {}", outcome.retrieved.sha256)));
}
