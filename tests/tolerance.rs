//! Tolerance of what Losant may add: every response schema of the spec,
//! sampled with a field this SDK does not know at every object level, a
//! value no enum lists at every enum position, `null` wherever the schema
//! allows it and every member of each "one of" (see `codegen/samples.rs`),
//! decodes into its generated type and encodes back to the same JSON.

use losant_device::types;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

struct Case {
    schema: &'static str,
    samples: &'static [&'static str],
    check: fn(&str) -> Result<(), String>,
}

include!(concat!(env!("OUT_DIR"), "/tolerance.rs"));

/// `null` and absent are the same to an optional field, which encodes
/// neither, so nulls are left out before comparing.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

fn decode<T: DeserializeOwned>(sample: &str) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_str(sample);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| format!("does not decode at `{}`: {}", e.path(), e.inner()))
}

fn round_trip<T: DeserializeOwned + Serialize>(sample: &str) -> Result<(), String> {
    let decoded: T = decode(sample)?;
    let encoded = serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))?;
    let expected: Value = serde_json::from_str(sample).map_err(|e| e.to_string())?;
    if without_nulls(encoded.clone()) != without_nulls(expected) {
        return Err(format!("encodes differently: {encoded}"));
    }
    Ok(())
}

fn decode_only<T: DeserializeOwned>(sample: &str) -> Result<(), String> {
    decode::<T>(sample).map(drop)
}

#[test]
fn every_response_schema_decodes_what_losant_may_add_and_encodes_it_back() {
    let mut failures = Vec::new();
    for case in CASES {
        for sample in case.samples {
            if let Err(reason) = (case.check)(sample) {
                failures.push(format!("{}: {reason}\n  sample: {sample}", case.schema));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_samples_really_carry_unknown_fields_unknown_values_and_nulls() {
    // The test above proves nothing if the generator stopped adding them.
    let all: Vec<&str> = CASES
        .iter()
        .flat_map(|case| case.samples.iter().copied())
        .collect();
    let field = format!("\"{UNKNOWN_FIELD}\":");
    let value = format!(":\"{UNKNOWN_VALUE}\"");
    assert!(all.iter().filter(|s| s.contains(&field)).count() >= CASES.len());
    assert!(all.iter().any(|s| s.contains(&value)));
    assert!(all.iter().any(|s| s.contains(":null")));
    for schema in [
        "devices",
        "device",
        "deviceStates",
        "compositeDeviceState",
        "authedDevice",
        "deviceNamesResponse",
    ] {
        assert!(
            CASES.iter().any(|case| case.schema == schema),
            "{schema} is not sampled"
        );
    }
}

#[test]
fn the_check_fails_for_a_type_that_drops_what_it_does_not_know() {
    #[derive(serde::Deserialize, Serialize)]
    struct Closed {
        #[serde(rename = "deviceClass")]
        class: ClosedClass,
    }
    #[derive(serde::Deserialize, Serialize)]
    enum ClosedClass {
        #[serde(rename = "gateway")]
        Gateway,
    }
    assert!(round_trip::<Closed>(r#"{"deviceClass":"gateway"}"#).is_ok());
    assert!(round_trip::<Closed>(r#"{"deviceClass":"gateway","addedByLosantLater":1}"#).is_err());
    assert!(round_trip::<Closed>(r#"{"deviceClass":"addedByLosantLater"}"#).is_err());
}

#[test]
fn a_page_with_one_odd_device_decodes_whole_and_keeps_what_it_does_not_know() {
    let page = serde_json::json!({
        "items": [
            {"id": "575ecf887ae143cd83dc4aa2", "name": "plain", "deviceClass": "standalone"},
            {
                "id": "575ecf887ae143cd83dc4aa3",
                "name": "odd",
                "deviceClass": "satellite",
                "orbit": {"altitudeKm": 550},
                "creationDate": "2016-06-13T04:00:00.000Z",
                "connectionInfo": {"connected": 2, "time": "2016-06-13T04:00:00.000Z", "status": "connecting"},
                "attributes": [{"name": "fix", "dataType": "timestamp"}],
                "tags": [{"key": "floor", "value": "8"}]
            }
        ],
        "count": 2, "totalCount": 2, "perPage": 100, "page": 0
    });
    let decoded: types::Devices =
        serde_json::from_value(page.clone()).expect("the page decodes whole");
    assert_eq!(decoded.items.len(), 2);
    let odd = &decoded.items[1];
    assert_eq!(
        odd.device_class,
        Some(types::DeviceClass::Unknown("satellite".into()))
    );
    assert!(odd
        .device_class
        .as_ref()
        .is_some_and(types::DeviceClass::is_unknown));
    assert_eq!(
        odd.extra
            .decode::<serde_json::Value>("orbit")
            .and_then(Result::ok),
        Some(serde_json::json!({"altitudeKm": 550}))
    );
    match &odd.attributes {
        Some(types::DeviceAttributeList::Array(list)) => {
            assert_eq!(list[0].data_type.as_str(), "timestamp");
        }
        other => panic!("attributes: {other:?}"),
    }
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), page);
}

#[test]
fn state_values_take_any_json_and_keep_it() {
    let states = serde_json::json!([
        {"time": "2016-06-13T04:00:00.000Z", "data": {"mode": {"eco": true}, "gone": null, "list": [1, 2], "big": 18446744073709551615u64, "temp": 21.5, "whole": 3, "door": "open"}}
    ]);
    let decoded: types::DeviceStates = serde_json::from_value(states.clone()).expect("decodes");
    let data = &decoded[0].data;
    assert_eq!(data["gone"], types::StateValue::Null);
    assert_eq!(
        data["mode"],
        types::StateValue::Json(serde_json::json!({"eco": true}))
    );
    assert_eq!(data["whole"], types::StateValue::Int64(3));
    assert_eq!(data["temp"], types::StateValue::Number(21.5));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), states);

    let composite =
        serde_json::json!({"mode": {"value": {"eco": 1}, "time": "2016-06-13T04:00:00.000Z"}});
    let decoded: types::CompositeDeviceState =
        serde_json::from_value(composite.clone()).expect("decodes");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), composite);
}

#[test]
fn a_decode_error_inside_a_list_or_object_shape_names_the_field() {
    // The unknown fields before the failure are kept as raw JSON by the
    // tracked decode too.
    let page = r#"{"items": [{"name": "x", "orbit": {"km": [1]}, "attributes": [{"later": true, "name": "fix", "dataType": 5}]}]}"#;
    let mut deserializer = serde_json::Deserializer::from_str(page);
    let error = serde_path_to_error::deserialize::<_, types::Devices>(&mut deserializer)
        .expect_err("a number is not a data type");
    assert_eq!(error.path().to_string(), "items[0].attributes[0].dataType");

    let tags = r#"{"items": [{"tags": {"floor": 8}}]}"#;
    let mut deserializer = serde_json::Deserializer::from_str(tags);
    let error = serde_path_to_error::deserialize::<_, types::Devices>(&mut deserializer)
        .expect_err("a tag value is text");
    assert_eq!(error.path().to_string(), "items[0].tags.floor");
}

#[test]
fn counts_are_integers_and_timestamps_keep_their_milliseconds() {
    let done: types::DevicesUpdated =
        serde_json::from_str(r#"{"updated": 1, "failed": 0, "skipped": 2}"#).expect("decodes");
    assert_eq!(
        (done.updated, done.failed, done.skipped),
        (Some(1), Some(0), Some(2))
    );

    let device: types::Device =
        serde_json::from_str(r#"{"creationDate": "2016-06-13T04:00:00.000Z"}"#).expect("decodes");
    assert_eq!(
        serde_json::to_string(&device).expect("encodes"),
        r#"{"creationDate":"2016-06-13T04:00:00.000Z"}"#
    );
}

#[test]
fn a_value_the_sdk_does_not_know_can_be_sent() {
    let class = types::DeviceClass::from("satellite");
    assert_eq!(class, types::DeviceClass::Unknown("satellite".into()));
    assert_eq!(
        serde_json::to_string(&class).expect("encodes"),
        r#""satellite""#
    );
    assert_eq!(
        types::DeviceClass::from("gateway"),
        types::DeviceClass::Gateway
    );
    assert_eq!(
        "gateway".parse::<types::DeviceClass>(),
        Ok(types::DeviceClass::Gateway)
    );
    assert_eq!(types::DeviceClass::Gateway.to_string(), "gateway");
}
