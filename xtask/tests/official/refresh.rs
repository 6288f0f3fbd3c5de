//! Refresh runs: report only, apply, hand fixes, sources and decisions.

use crate::changes::*;
use crate::workspace::*;
use httpmock::prelude::*;
use serde_json::json;

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
