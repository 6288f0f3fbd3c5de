//! Property tests:
//!
//! - the query string the SDK sends (numbered brackets, the advanced query as
//!   JSON text, strict percent-encoding) decodes back to the values given,
//!   with a standard `application/x-www-form-urlencoded` parser;
//! - ids and attribute names round-trip through `FromStr`, `Display` and
//!   serde, and invalid ones are rejected naming the value;
//! - `TimeFormat` keeps the instant given as `SystemTime`, milliseconds or a
//!   `DateTime`, and round-trips through serde;
//! - arbitrary JSON decoded as any answer type never panics, and arbitrary
//!   bytes as an answer body give a typed error.
//!
//! Case counts are modest so that `cargo test` stays fast.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::{APP, DEVICE};
use loopback::{serve, Loopback, Reply};
use losant_device::query::DeviceQuery;
use losant_device::types::{self, DeviceClass, DeviceClassFilter, DeviceTagFilter, TimeFormat};
use losant_device::{
    ApplicationId, AttributeName, Client, DeviceId, DeviceRecipeId, Error, ObjectId, RetryPolicy,
    TagKey,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CASES: u32 = 128;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(common::TOKEN)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("a valid test configuration")
}

/// The raw query string of the latest request the server read.
fn last_query(server: &Loopback) -> Result<String, TestCaseError> {
    server
        .requests()
        .pop()
        .map(|request| request.query().to_string())
        .ok_or_else(|| TestCaseError::fail("no request arrived"))
}

// ---------------------------------------------------------------------------
// Strategies.

/// Any Unicode text, control characters and all.
fn unicode(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

/// Finite numbers that print and parse back exactly.
fn exact_float() -> impl Strategy<Value = f64> {
    (any::<i32>(), 0u32..8).prop_map(|(n, shift)| f64::from(n) / f64::from(1u32 << shift))
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        exact_float().prop_map(Value::from),
        unicode(12).prop_map(Value::String),
    ]
}

/// Arbitrary JSON whose object keys come from `keys`.
fn json_with_keys(keys: BoxedStrategy<String>) -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

fn json_object(keys: BoxedStrategy<String>) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(keys.clone(), json_with_keys(keys), 0..6)
        .prop_map(|fields| fields.into_iter().collect())
}

const DEVICE_CLASSES: [&str; 6] = [
    "standalone",
    "gateway",
    "peripheral",
    "floating",
    "edgeCompute",
    "system",
];

fn device_class() -> impl Strategy<Value = DeviceClass> {
    prop::sample::select(DEVICE_CLASSES.to_vec()).prop_map(|name| {
        serde_json::from_value(Value::String(name.to_string())).expect("a device class")
    })
}

fn device_class_filter() -> impl Strategy<Value = DeviceClassFilter> {
    prop_oneof![
        device_class().prop_map(DeviceClassFilter::from),
        prop::collection::vec(device_class(), 1..6).prop_map(DeviceClassFilter::from),
    ]
}

fn tag_filter() -> impl Strategy<Value = DeviceTagFilter> {
    let key = prop::option::of("[A-Za-z0-9_-]{1,16}");
    let value = prop::option::of(unicode(16));
    prop::collection::vec(
        (key, value).prop_filter("a tag filter entry sets a key or a value", |(k, v)| {
            k.is_some() || v.is_some()
        }),
        0..6,
    )
    .prop_map(|entries| {
        let entries: Vec<types::DeviceTagFilterEntry> = entries
            .into_iter()
            .map(|(key, value)| {
                let key = key.map(|k| TagKey::new(k).expect("a valid tag key"));
                match (key, value) {
                    (Some(key), Some(value)) => types::DeviceTagFilterEntry::key_value(key, value),
                    (Some(key), None) => types::DeviceTagFilterEntry::key(key),
                    (None, value) => types::DeviceTagFilterEntry::value(value.unwrap_or_default()),
                }
            })
            .collect();
        DeviceTagFilter::from(entries)
    })
}

// ---------------------------------------------------------------------------
// Decoding a query string the standard way.

fn decode(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// A decoded bracket tree: `a[0][key]=v` is `a → 0 → key → v`.
#[derive(Debug)]
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

/// Rebuilds parameter `root` from its numbered-bracket pairs; numeric keys
/// 0..n become an array. `None` when the parameter is absent.
fn unflatten(pairs: &[(String, String)], root: &str) -> Result<Option<Value>, String> {
    let mut tree: Option<Node> = None;
    for (name, value) in pairs {
        let Some(rest) = name.strip_prefix(root) else {
            continue;
        };
        if rest.is_empty() {
            if tree.is_some() {
                return Err(format!("{root} given twice"));
            }
            tree = Some(Node::Leaf(value.clone()));
            continue;
        }
        if !rest.starts_with('[') {
            continue; // another parameter that merely starts the same
        }
        let segments: Vec<&str> = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .ok_or_else(|| format!("malformed name {name}"))?
            .split("][")
            .collect();
        let mut node = tree.get_or_insert_with(|| Node::Branch(BTreeMap::new()));
        for (depth, segment) in segments.iter().enumerate() {
            let Node::Branch(children) = node else {
                return Err(format!("{name} nests under a value"));
            };
            let last = depth + 1 == segments.len();
            node = children.entry(segment.to_string()).or_insert_with(|| {
                if last {
                    Node::Leaf(value.clone())
                } else {
                    Node::Branch(BTreeMap::new())
                }
            });
        }
    }
    tree.map(into_value).transpose()
}

fn into_value(node: Node) -> Result<Value, String> {
    match node {
        Node::Leaf(text) => Ok(Value::String(text)),
        Node::Branch(children) => {
            let numeric: Option<Vec<usize>> = children.keys().map(|k| k.parse().ok()).collect();
            match numeric {
                Some(mut indices) if !indices.is_empty() => {
                    indices.sort_unstable();
                    if indices != (0..indices.len()).collect::<Vec<_>>() {
                        return Err(format!("array indices {indices:?} are not 0..n"));
                    }
                    let mut items: Vec<(usize, Value)> = Vec::new();
                    for (key, child) in children {
                        items.push((key.parse().unwrap_or(0), into_value(child)?));
                    }
                    items.sort_by_key(|(index, _)| *index);
                    Ok(Value::Array(items.into_iter().map(|(_, v)| v).collect()))
                }
                _ => Ok(Value::Object(
                    children
                        .into_iter()
                        .map(|(k, v)| into_value(v).map(|v| (k, v)))
                        .collect::<Result<_, _>>()?,
                )),
            }
        }
    }
}

/// What numbered brackets can carry: scalars as text, nulls left out.
fn as_sent(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(Value::String(b.to_string())),
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::String(s) => Some(Value::String(s)),
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(as_sent).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(fields) => {
            let fields: Map<String, Value> = fields
                .into_iter()
                .filter_map(|(k, v)| as_sent(v).map(|v| (k, v)))
                .collect();
            (!fields.is_empty()).then_some(Value::Object(fields))
        }
    }
}

/// Only RFC 3986 unreserved characters, escapes and the separators.
fn strictly_encoded(query: &str) -> bool {
    query
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.~%=&".contains(&b))
}

// ---------------------------------------------------------------------------
// Query encoding, through the SDK to a loopback server.

#[test]
fn the_query_string_decodes_to_the_values_given() {
    let rt = runtime();
    let server = rt.block_on(serve(vec![Reply::typed(
        200,
        "application/json",
        br#"{"items":[],"count":0,"totalCount":0}"#,
    )]));
    let client = client(&server.base_url);
    let keys = unicode(8).boxed();
    let strategy = (
        tag_filter(),
        prop::option::of(device_class_filter()),
        prop::option::of(unicode(24)),
        prop::option::of(json_object(keys)),
    );
    runner(CASES)
        .run(&strategy, |(tags, classes, filter, query)| {
            server.clear();
            let mut request = client
                .list_devices()
                .application_id(APP)
                .tag_filter(tags.clone())
                .per_page(7);
            if let Some(classes) = &classes {
                request = request.device_class(classes.clone());
            }
            if let Some(filter) = &filter {
                request = request.filter(filter.clone());
            }
            let query = query.map(|fields| {
                DeviceQuery::from_json(Value::Object(fields)).expect("an object is a query")
            });
            if let Some(query) = &query {
                request = request.query(query.clone());
            }
            rt.block_on(request.into_future())
                .map_err(|e| TestCaseError::fail(format!("request failed: {e:?}")))?;
            let raw = last_query(&server)?;
            prop_assert!(strictly_encoded(&raw), "not strictly encoded: {raw}");
            let pairs = decode(&raw);

            let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
            prop_assert_eq!(&names[..3], &["_actions", "_links", "_embedded"]);

            let expected_tags = as_sent(serde_json::to_value(&tags).unwrap_or(Value::Null));
            prop_assert_eq!(
                unflatten(&pairs, "tagFilter").map_err(TestCaseError::fail)?,
                expected_tags
            );

            let expected_classes =
                classes.and_then(|c| as_sent(serde_json::to_value(c).unwrap_or(Value::Null)));
            prop_assert_eq!(
                unflatten(&pairs, "deviceClass").map_err(TestCaseError::fail)?,
                expected_classes
            );

            let filters: Vec<&String> = pairs
                .iter()
                .filter(|(n, _)| n == "filter")
                .map(|(_, v)| v)
                .collect();
            prop_assert_eq!(filters, filter.iter().collect::<Vec<_>>());

            let queries: Vec<Value> = pairs
                .iter()
                .filter(|(n, _)| n == "query")
                .map(|(_, v)| serde_json::from_str(v))
                .collect::<Result<_, _>>()
                .map_err(|e| TestCaseError::fail(format!("query is not JSON: {e}")))?;
            let expected_query: Vec<Value> = query
                .iter()
                .map(|q| serde_json::to_value(q).unwrap_or(Value::Null))
                .collect();
            prop_assert_eq!(queries, expected_query);
            Ok(())
        })
        .unwrap();
}

#[test]
fn text_parameters_keep_any_unicode() {
    let rt = runtime();
    let server = rt.block_on(serve(vec![Reply::typed(
        200,
        "application/json",
        br#"{"deviceNames":[]}"#,
    )]));
    let client = client(&server.base_url);
    runner(CASES)
        .run(&unicode(32), |text| {
            server.clear();
            rt.block_on(
                client
                    .get_device_names()
                    .application_id(APP)
                    .starts_with(text.clone())
                    .into_future(),
            )
            .map_err(|e| TestCaseError::fail(format!("request failed: {e:?}")))?;
            let raw = last_query(&server)?;
            prop_assert!(strictly_encoded(&raw), "not strictly encoded: {raw}");
            prop_assert!(!raw.contains('+'), "a space must be %20: {raw}");
            let pairs = decode(&raw);
            let sent: Vec<&String> = pairs
                .iter()
                .filter(|(n, _)| n == "startsWith")
                .map(|(_, v)| v)
                .collect();
            prop_assert_eq!(sent, vec![&text]);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Ids and names.

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_name(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

macro_rules! round_trips {
    ($ty:ty, $text:expr) => {{
        let text: &str = $text;
        let parsed: $ty = text
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{text:?} rejected: {e}")))?;
        prop_assert_eq!(parsed.to_string(), text);
        prop_assert_eq!(parsed.as_str(), text);
        let json = serde_json::to_value(&parsed).unwrap_or(Value::Null);
        prop_assert_eq!(&json, &Value::String(text.to_string()));
        let back: $ty = serde_json::from_value(json)
            .map_err(|e| TestCaseError::fail(format!("serde rejected {text:?}: {e}")))?;
        prop_assert_eq!(back, parsed);
    }};
}

macro_rules! rejects {
    ($ty:ty, $text:expr) => {{
        let text: &str = $text;
        match text.parse::<$ty>() {
            Ok(id) => return Err(TestCaseError::fail(format!("{text:?} accepted as {id:?}"))),
            Err(error) => {
                prop_assert_eq!(&error.value, text);
                let error = Error::from(error);
                prop_assert!(matches!(error, Error::InvalidInput { .. }), "{:?}", error);
            }
        }
        prop_assert!(serde_json::from_value::<$ty>(Value::String(text.to_string())).is_err());
    }};
}

#[test]
fn valid_object_ids_round_trip() {
    runner(CASES)
        .run(&"[0-9a-fA-F]{24}", |text| {
            round_trips!(ApplicationId, &text);
            round_trips!(DeviceId, &text);
            round_trips!(DeviceRecipeId, &text);
            round_trips!(ObjectId, &text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn invalid_object_ids_are_rejected() {
    let near_misses = (
        "[0-9a-f]{0,30}",
        "[0-9a-f]{23}",
        prop::sample::select(vec!['g', 'z', 'G', ' ', '-', 'é', '\0']),
        0usize..24,
    )
        .prop_map(|(free, base, odd, at)| {
            let mut chars: Vec<char> = base.chars().collect();
            chars.insert(at.min(chars.len()), odd);
            if free.len() != 24 {
                vec![free, chars.into_iter().collect()]
            } else {
                vec![chars.into_iter().collect()]
            }
        });
    let strategy = prop_oneof![unicode(30).prop_map(|s| vec![s]), near_misses];
    runner(CASES)
        .run(&strategy, |texts| {
            for text in texts.iter().filter(|t| !is_object_id(t)) {
                rejects!(ApplicationId, text);
                rejects!(DeviceId, text);
                rejects!(DeviceRecipeId, text);
                rejects!(ObjectId, text);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn attribute_names_and_tag_keys_round_trip_or_are_rejected() {
    runner(CASES)
        .run(&"[A-Za-z0-9_-]{1,255}", |text| {
            round_trips!(AttributeName, &text);
            round_trips!(TagKey, &text);
            Ok(())
        })
        .unwrap();
    let invalid = prop_oneof![
        unicode(40),
        Just(String::new()),
        "[A-Za-z0-9_-]{256,300}",
        "[A-Za-z0-9_-]{0,8}[ .!/é$\\[\\]][A-Za-z0-9_-]{0,8}",
    ];
    runner(CASES)
        .run(&invalid, |text| {
            if !is_name(&text) {
                rejects!(AttributeName, &text);
                rejects!(TagKey, &text);
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Time formats.

fn millis_of(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Milliseconds since the epoch of an instant, rounded down as chrono and
/// JavaScript's `Date` do.
fn floor_millis(time: SystemTime) -> i64 {
    chrono::DateTime::<chrono::Utc>::from(time).timestamp_millis()
}

/// Years 0001 to 9999, the range RFC 3339 can write.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

#[test]
fn milliseconds_and_datetimes_keep_the_instant() {
    runner(CASES)
        .run(&(MIN_MS..=MAX_MS), |ms| {
            prop_assert_eq!(TimeFormat::from(ms), TimeFormat::Int64(ms));
            let Some(datetime) = chrono::DateTime::from_timestamp_millis(ms) else {
                return Err(TestCaseError::reject("outside chrono's range"));
            };
            let TimeFormat::String(text) = TimeFormat::from(datetime) else {
                return Err(TestCaseError::fail("a DateTime becomes ISO 8601 text"));
            };
            prop_assert_eq!(millis_of(&text), Some(ms), "{}", text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn system_times_after_the_epoch_keep_the_instant() {
    let strategy = (0i64..=MAX_MS, 0u32..1_000_000);
    runner(CASES)
        .run(&strategy, |(ms, sub_ms_nanos)| {
            let time = UNIX_EPOCH
                + Duration::from_millis(ms as u64)
                + Duration::from_nanos(u64::from(sub_ms_nanos));
            prop_assert_eq!(
                TimeFormat::from(time),
                TimeFormat::Int64(floor_millis(time))
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn whole_millisecond_system_times_before_the_epoch_keep_the_instant() {
    runner(CASES)
        .run(&(1i64..=-MIN_MS), |ms_before| {
            let time = UNIX_EPOCH - Duration::from_millis(ms_before as u64);
            prop_assert_eq!(TimeFormat::from(time), TimeFormat::Int64(-ms_before));
            prop_assert_eq!(
                TimeFormat::Int64(-ms_before),
                TimeFormat::Int64(floor_millis(time))
            );
            Ok(())
        })
        .unwrap();
}

/// `From<SystemTime>` rounds toward zero, so an instant before the epoch
/// with a sub-millisecond part comes out one millisecond late, and
/// disagrees with the same instant given as a `DateTime` (which floors).
#[test]
fn system_times_before_the_epoch_keep_the_instant() {
    let strategy = (0i64..1_000_000_000_000, 1u32..1_000_000);
    runner(CASES)
        .run(&strategy, |(ms_before, sub_ms_nanos)| {
            let time = UNIX_EPOCH
                - Duration::from_millis(ms_before as u64)
                - Duration::from_nanos(u64::from(sub_ms_nanos));
            prop_assert_eq!(
                TimeFormat::from(time),
                TimeFormat::Int64(floor_millis(time))
            );
            Ok(())
        })
        .unwrap();
}

fn time_format() -> impl Strategy<Value = TimeFormat> {
    prop_oneof![
        any::<i64>().prop_map(TimeFormat::Int64),
        exact_float()
            .prop_filter("integral floats come back as Int64", |f| f.fract() != 0.0)
            .prop_map(TimeFormat::Number),
        unicode(30).prop_map(TimeFormat::String),
        unicode(30).prop_map(|date| TimeFormat::WrappedDate(types::WrappedDate::new(date))),
    ]
}

#[test]
fn time_formats_round_trip_through_serde() {
    runner(CASES)
        .run(&time_format(), |time| {
            let text = serde_json::to_string(&time)
                .map_err(|e| TestCaseError::fail(format!("cannot serialize {time:?}: {e}")))?;
            let back: TimeFormat = serde_json::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("cannot read back {text}: {e}")))?;
            prop_assert_eq!(back, time);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Decoding never panics.

/// Names the spec uses as object keys, so that generated JSON reaches past
/// the first level of the answer types.
fn spec_keys() -> Vec<String> {
    let spec = include_str!("../spec/losant-device-api.yaml");
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
