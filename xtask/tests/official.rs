//! `cargo xtask spec refresh --official` against edited copies of a cut-down
//! Losant 1.30.0 definition (`tests/fixtures/official/`, the layout of
//! `lib/schemas/`: `apiInfo.json` and one file per definition), in a
//! temporary directory holding a copy of `tests/fixtures/official-spec.yaml`.

use httpmock::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use xtask::official::ledger::{Baseline, Ledger};

const SPEC: &str = include_str!("fixtures/official-spec.yaml");
const FILES: [&str; 5] = [
    "apiInfo.json",
    "deviceAttribute.json",
    "deviceAttributePatch.json",
    "tagValuesResponse.json",
    "error.json",
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/official")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    /// A copy of the fixture spec, and a baseline recorded from the
    /// unedited definition (which our fixture spec agrees with).
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xtask-official-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("v1")).unwrap();
        std::fs::write(dir.join("spec.yaml"), SPEC).unwrap();
        for file in FILES {
            std::fs::write(dir.join("v1").join(file), fixture(file)).unwrap();
        }
        let workspace = Workspace { dir };
        let (code, out, err) = workspace.run(&["spec", "baseline", "--official", "v1"]);
        assert_eq!(code, 0, "{out}{err}");
        workspace
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// A copy of the definition as folder `name`, with `edit` applied to
    /// each file (file name, parsed JSON).
    fn version(&self, name: &str, edit: impl Fn(&str, &mut Value)) -> String {
        std::fs::create_dir_all(self.path(name)).unwrap();
        for file in FILES {
            let mut value: Value = serde_json::from_str(&fixture(file)).unwrap();
            edit(file, &mut value);
            std::fs::write(
                self.path(name).join(file),
                serde_json::to_string_pretty(&value).unwrap(),
            )
            .unwrap();
        }
        self.path(name).display().to_string()
    }

    /// `cargo xtask <args> --spec <copy>` with relative sources resolved in
    /// the temporary directory; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut owned: Vec<String> = args
            .iter()
            .map(|a| {
                if ["v1", "v2"].contains(a) {
                    self.path(a).display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        owned.extend([
            "--spec".into(),
            self.path("spec.yaml").display().to_string(),
        ]);
        if args.first() == Some(&"spec") && ["refresh", "baseline"].contains(&args[1]) {
            owned.extend([
                "--report".into(),
                self.path("report.md").display().to_string(),
            ]);
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = xtask::cli::run(&owned, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.read("changes.json")).unwrap()
    }

    fn ledger(&self) -> Ledger {
        Ledger::read(&self.path("drift-ledger.json")).unwrap()
    }

    fn baseline(&self) -> Baseline {
        Baseline::read(&self.path("official-baseline.json")).unwrap()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every change the issue lists, at once.
fn every_change(file: &str, value: &mut Value) {
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
fn listed(changes: &Value) -> Vec<(String, String, String)> {
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

fn expected(disposition_of_safe: &str) -> Vec<(String, String, String)> {
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

#[test]
fn a_report_only_run_reports_every_change_by_meaning_and_changes_nothing() {
    let workspace = Workspace::new("report");
    let v2 = workspace.version("v2", every_change);
    let before =
        ["spec.yaml", "official-baseline.json", "drift-ledger.json"].map(|f| workspace.read(f));
    let json_path = workspace.path("changes.json").display().to_string();
    let (code, out, err) =
        workspace.run(&["spec", "refresh", "--official", &v2, "--json", &json_path]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ["spec.yaml", "official-baseline.json", "drift-ledger.json"].map(|f| workspace.read(f)),
        before
    );

    let changes = workspace.json();
    assert_eq!(listed(&changes), expected("pending"), "{out}");
    // Report and JSON agree on from/to values.
    let retyped = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "property-retyped")
        .unwrap();
    assert_eq!(
        (&retyped["from"], &retyped["to"], &retyped["ours"]),
        (&json!("string"), &json!("number"), &json!("string"))
    );
    for line in [
        "- `", // ids are shown
        "parameter-added: operation deviceAttribute.get parameter query.includeSystem (string)\n  - optional: `--apply` adds it",
        "enum-value-added: schema deviceAttribute .dataType: \"json\"",
        "property-retyped: schema deviceAttribute .contentType type: string → number\n  - our spec: string",
        "property-nullable: schema deviceAttribute .description nullable: nothing → true",
        "property-added: schema deviceAttributePatch .priority (string)\n  - new and required",
        "response-added: operation deviceAttribute.get response 403 (error)",
        "operation-added: operation deviceTags.get (GET)",
        "parameter-removed: operation devices.tagValues parameter query.startsWith (was string)\n  - our spec still has it",
        "## Safe: `--apply` merges these",
    ] {
        assert!(out.contains(line), "{line}\n---\n{out}");
    }
    // The reworded summary is no change at all: the operation is the same.
    assert!(!out.contains("operation-removed"), "{out}");
    assert_eq!(
        workspace.read("report.md"),
        out.split("\n(report written").next().unwrap()
    );
}

#[test]
fn apply_merges_only_the_safe_changes_and_the_ledger_keeps_the_rest_until_decided() {
    let workspace = Workspace::new("apply");
    let v2 = workspace.version("v2", every_change);
    let json_path = workspace.path("changes.json").display().to_string();
    let (code, out, err) = workspace.run(&[
        "spec",
        "refresh",
        "--official",
        &v2,
        "--apply",
        "--json",
        &json_path,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(listed(&workspace.json()), expected("applied"), "{out}");

    // Our spec gained exactly the new parameter and the enum value.
    let spec = workspace.read("spec.yaml");
    assert!(
        spec.contains("      - name: includeSystem\n        in: query\n        schema:\n          type: string\n"),
        "{spec}"
    );
    assert!(spec.contains("      - blob\n      - json\n"), "{spec}");
    assert_eq!(spec.lines().count(), SPEC.lines().count() + 5);
    let document = xtask::codegen::load::parse(&spec).unwrap();
    xtask::codegen::generate(document).unwrap();

    // The ledger holds the seven others, pending; the baseline moved for the
    // applied facts only.
    let ledger = workspace.ledger();
    let pending: Vec<&str> = ledger.pending().map(|e| e.kind.as_str()).collect();
    assert_eq!(pending.len(), 7, "{pending:?}");
    assert!(pending.contains(&"property-added") && pending.contains(&"parameter-removed"));
    let facts = workspace.baseline().facts;
    assert_eq!(
        facts.get("schema deviceAttribute / .dataType / enum json"),
        Some(&json!(true))
    );
    assert_eq!(
        facts.get("op deviceAttribute.get / param query.includeSystem / type"),
        Some(&json!("string"))
    );
    assert_eq!(
        facts.get("schema deviceAttribute / .contentType / type"),
        Some(&json!("string"))
    );
    assert_eq!(
        facts.get("op devices.tagValues / param query.startsWith / type"),
        Some(&json!("string"))
    );
    assert!(!facts.keys().any(|k| k.starts_with("op deviceTags.get")));
    assert!(!facts.contains_key("schema deviceAttributePatch / .priority / type"));

    // Nothing is forgotten: the next run shows the same items, and lint fails
    // naming each.
    let (code, out, _) =
        workspace.run(&["spec", "refresh", "--official", &v2, "--json", &json_path]);
    assert_eq!(code, 1);
    let again: Vec<String> = workspace.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let ids: Vec<String> = ledger.pending().map(|e| e.id.clone()).collect();
    assert_eq!(again.len(), 7, "{out}");
    assert!(ids.iter().all(|id| again.contains(id)), "{ids:?} {again:?}");
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 1);
    for id in &ids {
        assert!(
            out.contains(&format!("drift-ledger.json {id}: pending:")),
            "{out}"
        );
    }

    // Deciding every item moves the baseline for exactly their facts.
    let mut args = vec!["spec", "decide"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(["--reason", "kept on purpose for this test"]);
    let (code, out, err) = workspace.run(&args);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 0, "{out}");
    let facts = workspace.baseline().facts;
    assert_eq!(
        facts.get("schema deviceAttribute / .contentType / type"),
        Some(&json!("number"))
    );
    assert!(!facts.contains_key("op devices.tagValues / param query.startsWith / type"));
    let (code, out, _) = workspace.run(&["spec", "refresh", "--official", &v2]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("**No drift**") && out.contains("(7 decided item(s)"),
        "{out}"
    );
}

#[test]
fn a_hand_fix_clears_a_pending_item_on_the_next_apply() {
    let workspace = Workspace::new("handfix");
    let v2 = workspace.version("v2", |file, value| {
        if file == "deviceAttribute.json" {
            value["properties"]["description"] =
                json!({"oneOf": [{"type": "string"}, {"type": "null"}]});
        }
    });
    let (code, _, _) = workspace.run(&["spec", "refresh", "--official", &v2, "--apply"]);
    assert_eq!(code, 1);
    assert_eq!(workspace.ledger().pending().count(), 1);
    // Our fixture's deviceAttribute.description, made nullable by hand.
    let spec = workspace.read("spec.yaml");
    let fixed = spec.replacen(
        "        description:\n          type: string\n          description: Free text, at most 32767 characters.\n        attributeTags:\n          $ref: '#/components/schemas/attributeTags'\n        system:\n          $ref: '#/components/schemas/deviceAttributeSystem'\n        applicationId:",
        "        description:\n          type: string\n          nullable: true\n          description: Free text, at most 32767 characters.\n        attributeTags:\n          $ref: '#/components/schemas/attributeTags'\n        system:\n          $ref: '#/components/schemas/deviceAttributeSystem'\n        applicationId:",
        1,
    );
    assert_ne!(fixed, spec, "the fixture's deviceAttribute changed shape");
    std::fs::write(workspace.path("spec.yaml"), fixed).unwrap();
    // Until the next apply, lint names the pending item once: the hand fix
    // is not a second, undecided difference from the baseline.
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("\n- ").count(), 1, "{out}");
    assert!(out.contains(": pending: property-nullable"), "{out}");
    let (code, out, _) = workspace.run(&["spec", "refresh", "--official", &v2, "--apply"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("## Already in our spec"), "{out}");
    assert_eq!(workspace.ledger().pending().count(), 0);
    let (code, out, _) = workspace.run(&["spec", "refresh", "--official", &v2]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_url_is_read_like_a_folder_and_a_broken_source_changes_nothing() {
    let workspace = Workspace::new("url");
    let server = MockServer::start();
    for file in FILES {
        let body = fixture(file);
        server.mock(|when, then| {
            when.method(GET)
                .path(format!("/Losant/losant-rest-js/v1/lib/schemas/{file}"));
            then.status(200).body(body);
        });
    }
    let url = server.url("/Losant/losant-rest-js/v1/lib/schemas/");
    let (code, out, err) = workspace.run(&["spec", "refresh", "--official", &url, "--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(workspace.baseline().source, url);

    // A definition that cannot be read is an error, and nothing is written.
    let before =
        ["spec.yaml", "official-baseline.json", "drift-ledger.json"].map(|f| workspace.read(f));
    let broken = MockServer::start();
    let body = fixture("apiInfo.json");
    broken.mock(|when, then| {
        when.method(GET).path("/s/apiInfo.json");
        then.status(200).body(body);
    });
    let (code, _, err) = workspace.run(&[
        "spec",
        "refresh",
        "--official",
        &broken.url("/s"),
        "--apply",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be read"), "{err}");
    assert_eq!(
        ["spec.yaml", "official-baseline.json", "drift-ledger.json"].map(|f| workspace.read(f)),
        before
    );
    let (code, _, err) = workspace.run(&[
        "spec",
        "refresh",
        "--official",
        &broken.url("/nothing"),
        "--apply",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("has neither apiInfo.json nor operations.json"),
        "{err}"
    );
}

#[test]
fn deciding_needs_a_reason_and_a_known_id() {
    let workspace = Workspace::new("decide");
    let (code, _, err) = workspace.run(&["spec", "decide", "deadbeef", "--reason", "because"]);
    assert_eq!(code, 2);
    assert!(err.contains("no item deadbeef"), "{err}");
    let (code, _, err) = workspace.run(&["spec", "decide", "deadbeef", "--reason", " "]);
    assert_eq!(code, 2);
    assert!(err.contains("--reason must say why"), "{err}");
}

/// Our fixture spec, with `from` replaced by `to` (which must be there).
fn edited(spec: &str, from: &str, to: &str) -> String {
    assert!(spec.contains(from), "the fixture no longer has {from:?}");
    spec.replacen(from, to, 1)
}

/// The ids `spec lint` names as undecided differences from the baseline.
fn undecided_ids(lint_output: &str) -> Vec<String> {
    lint_output
        .lines()
        .filter_map(|line| line.strip_prefix("- official-baseline.json "))
        .filter_map(|rest| rest.split_once(": undecided difference: "))
        .map(|(id, _)| id.to_string())
        .collect()
}

#[test]
fn lint_fails_offline_on_an_edit_away_from_the_baseline_until_it_is_decided() {
    let workspace = Workspace::new("lint");
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 0, "{out}");

    // Retype a property and drop an enum value, by hand, with no refresh.
    let spec = edited(
        SPEC,
        "        contentType:\n          type: string\n          description: MIME type of the values (at most 64 characters).\n        description:\n          type: string\n          description: Free text, at most 32767 characters.\n        attributeTags:\n          $ref: '#/components/schemas/attributeTags'\n        system:\n          $ref: '#/components/schemas/deviceAttributeSystem'\n        applicationId:",
        "        contentType:\n          type: integer\n          description: MIME type of the values (at most 64 characters).\n        description:\n          type: string\n          description: Free text, at most 32767 characters.\n        attributeTags:\n          $ref: '#/components/schemas/attributeTags'\n        system:\n          $ref: '#/components/schemas/deviceAttributeSystem'\n        applicationId:",
    );
    let spec = edited(
        &spec,
        "      - boolean\n      - blob\n",
        "      - boolean\n",
    );
    std::fs::write(workspace.path("spec.yaml"), &spec).unwrap();
    let baseline_before = workspace.read("official-baseline.json");

    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 1, "{out}");
    let ids = undecided_ids(&out);
    assert_eq!(ids.len(), 2, "{out}");
    assert!(
        out.contains("property-differs: schema deviceAttribute .contentType type: Losant string, our spec integer"),
        "{out}"
    );
    assert!(
        out.contains("enum-value-missing: schema deviceAttribute .dataType: \"blob\""),
        "{out}"
    );
    for id in &ids {
        assert!(
            out.contains(&format!("`cargo xtask spec decide {id} --reason")),
            "{out}"
        );
    }

    // Deciding one leaves the other failing; deciding both passes.
    let (code, out, err) = workspace.run(&["spec", "decide", &ids[0], "--reason", "on purpose"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(undecided_ids(&out), vec![ids[1].clone()], "{out}");
    let (code, out, err) = workspace.run(&["spec", "decide", &ids[1], "--reason", "on purpose"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 0, "{out}");

    // The decisions are in the ledger; the baseline (Losant's facts) did not
    // move; and the refresh honours them: the same items, by id.
    let ledger = workspace.ledger();
    let decided: Vec<&str> = ledger
        .items
        .iter()
        .filter(|e| e.disposition == "decided" && e.reason.as_deref() == Some("on purpose"))
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(decided.len(), 2);
    assert!(ids.iter().all(|id| decided.contains(&id.as_str())));
    assert_eq!(workspace.read("official-baseline.json"), baseline_before);
    let (code, out, _) = workspace.run(&["spec", "refresh", "--official", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(2 decided item(s)"), "{out}");
}

#[test]
fn lint_applies_the_refresh_tolerance_rules() {
    let workspace = Workspace::new("tolerance");
    // A validation keyword and a format are not compared.
    let spec = edited(
        SPEC,
        "        contentType:\n          type: string\n          description: MIME type of the values (at most 64 characters).\n        description:\n          type: string\n          description: Free text, at most 32767 characters.\n        attributeTags:\n          $ref: '#/components/schemas/attributeTags'\n        system:\n          $ref: '#/components/schemas/deviceAttributeSystem'\n        applicationId:",
        "        contentType:\n          type: string\n          format: mime\n          maxLength: 64\n          description: MIME type of the values (at most 64 characters).\n        description:\n          type: string\n          description: Free text, at most 32767 characters.\n        attributeTags:\n          $ref: '#/components/schemas/attributeTags'\n        system:\n          $ref: '#/components/schemas/deviceAttributeSystem'\n        applicationId:",
    );
    std::fs::write(workspace.path("spec.yaml"), &spec).unwrap();
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 0, "{out}");
    // A property Losant does not define is a difference.
    let spec = edited(
        &spec,
        "        deviceId:\n          $ref: '#/components/schemas/deviceId'\n    deviceAttributePatch:",
        "        deviceId:\n          $ref: '#/components/schemas/deviceId'\n        colour:\n          type: string\n    deviceAttributePatch:",
    );
    std::fs::write(workspace.path("spec.yaml"), &spec).unwrap();
    let (code, out, _) = workspace.run(&["spec", "lint"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("property-extra: schema deviceAttribute .colour"),
        "{out}"
    );
}
