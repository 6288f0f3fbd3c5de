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

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/loopback.rs"]
mod loopback;

mod answers;
mod ids;
mod query_encoding;
mod times;

use common::client_at as client;
use common::{APP, DEVICE};
use loopback::{serve, Loopback, Reply};
use losant_device::query::DeviceQuery;
use losant_device::types::{self, DeviceClass, DeviceClassFilter, DeviceTagFilter, TimeFormat};
use losant_device::{
    ApplicationId, AttributeName, DeviceId, DeviceRecipeId, Error, ObjectId, TagKey,
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
