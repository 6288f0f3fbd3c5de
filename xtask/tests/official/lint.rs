//! `spec lint` against the recorded baseline, offline.

use crate::workspace::*;

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
