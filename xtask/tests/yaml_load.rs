//! How the codegen reads YAML (`codegen/load.rs`): the JSON value that
//! progenitor sees, and the documents it refuses before generating anything.

use serde_json::json;
use xtask::codegen::load::parse;

#[test]
fn scalars_follow_the_yaml_1_2_core_schema() {
    let text = "\
a: 1
b: -7
c: 1.5
d: 1e3
e: ~
f: true
g: yes
h: \"1\"
i: |
  two
  lines
j: >-
  folded
  text
";
    let expected = json!({
        "a": 1, "b": -7, "c": 1.5, "d": 1000.0, "e": null, "f": true,
        "g": "yes", "h": "1", "i": "two\nlines\n", "j": "folded text",
    });
    assert_eq!(parse(text).unwrap(), expected);
}

#[test]
fn mapping_keys_become_text_and_keep_their_order() {
    let value = parse("responses:\n  200: ok\n  404: missing\n  default: other\n").unwrap();
    let keys: Vec<&String> = value["responses"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["200", "404", "default"]);
}

#[test]
fn aliases_are_replaced_by_their_anchored_node() {
    let value = parse("first: &shared {type: string}\nsecond: *shared\n").unwrap();
    assert_eq!(value["second"], json!({"type": "string"}));
}

#[test]
fn documents_progenitor_could_not_mean_are_refused() {
    for (text, says) in [
        ("a: 1\na: 2\n", "duplicated key"),
        ("200: a\n\"200\": b\n", "mapping key 200 appears twice"),
        ("a: *nowhere\n", "unknown anchor"),
        ("---\na: 1\n---\nb: 2\n", "expected one document, found 2"),
        ("", "expected one document, found 0"),
        ("a: .inf\n", ".inf is not a finite number"),
        ("? [1, 2]\n: x\n", "is not a scalar"),
        ("a: [1, 2\n", "invalid YAML"),
    ] {
        let error = parse(text).unwrap_err().to_string();
        assert!(error.contains(says), "{text:?}: {error}");
    }
}
