//! Decoding any answer never panics.

use super::*;

// ---------------------------------------------------------------------------
// Decoding never panics.

/// Names the spec uses as object keys, so that generated JSON reaches past
/// the first level of the answer types.
fn spec_keys() -> Vec<String> {
    let spec = include_str!("../../spec/losant-device-api.yaml");
    let mut keys: Vec<String> = spec
        .lines()
        .filter_map(|line| {
            let key = line.trim_start().strip_suffix(':')?;
            let key = key.trim_matches(|c| c == '\'' || c == '"');
            (!key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .then(|| key.to_string())
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn answer_json() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        4 => prop::sample::select(spec_keys()),
        1 => unicode(6),
    ]
    .boxed();
    json_with_keys(keys)
}

/// Decodes `value` as `T` in the ways the SDK does; errors are fine.
fn decode_as<T: serde::de::DeserializeOwned + std::fmt::Debug>(value: &Value, text: &str) {
    if let Ok(decoded) = serde_json::from_value::<T>(value.clone()) {
        let _ = format!("{decoded:?}");
    }
    let _ = serde_json::from_str::<T>(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    if let Err(error) = serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        let _ = error.path().to_string();
    }
}

macro_rules! decode_all {
    ($value:expr, $text:expr; $($ty:ty),* $(,)?) => {
        $( decode_as::<$ty>($value, $text); )*
    };
}

#[test]
fn arbitrary_json_never_panics_any_answer_type() {
    runner(256)
        .run(&answer_json(), |value| {
            let text = value.to_string();
            decode_all!(&value, &text;
                types::AttributeNamesResponse,
                types::BulkCreateDevicesOutcome,
                types::CompositeDeviceState,
                types::CompositeDevicesState,
                types::DeleteDevicesOutcome,
                types::Device,
                types::DeviceAttribute,
                types::DeviceAttributes,
                types::DeviceCommands,
                types::DeviceLog,
                types::DeviceNamesResponse,
                types::DevicePayloadCounts,
                types::DeviceRecipe,
                types::DeviceRecipes,
                types::DeviceStates,
                types::Devices,
                types::JobEnqueuedResult,
                types::PayloadCountsBreakdown,
                types::RestoreDevicesOutcome,
                types::SendDevicesCommandOutcome,
                types::Success,
                types::TagKeysResponse,
                types::TagValuesResponse,
                types::UpdateDevicesOutcome,
                types::Error,
                losant_device::auth::AuthedDevice,
                TimeFormat,
                DeviceQuery,
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn arbitrary_bytes_as_an_answer_give_a_typed_error() {
    let rt = runtime();
    // The script is set before each request.
    let server = rt.block_on(serve(Vec::new()));
    let client = client(&server.base_url);
    let strategy = (
        prop::sample::select(vec![200u16, 400, 404, 429, 500, 503]),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            unicode(100).prop_map(String::into_bytes),
            answer_json().prop_map(|v| v.to_string().into_bytes()),
        ],
    );
    runner(48)
        .run(&strategy, |(status, body)| {
            server.set_script(vec![Reply::typed(status, "application/json", &body)]);
            let outcome = rt.block_on(
                client
                    .get_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .into_future(),
            );
            let typed = match (&outcome, status) {
                (Ok(_), 200) | (Err(Error::Decode { .. }), 200) => true,
                (Err(Error::RateLimited { .. }), 429) => true,
                (Err(Error::Api { status: got, .. }), _) => got.as_u16() == status,
                _ => false,
            };
            prop_assert!(
                typed,
                "HTTP {} with {} bytes gave {:?}",
                status,
                body.len(),
                outcome
            );
            if let Err(error) = &outcome {
                let _ = error.to_string();
            }
            Ok(())
        })
        .unwrap();
}
