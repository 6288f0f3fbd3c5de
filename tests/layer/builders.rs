//! The state, command and advanced query builders, and decoding answers.

use crate::common::*;
use httpmock::prelude::*;
use losant_device::query::{DeviceQuery, Field, TagMatch};
use losant_device::types::DeviceCommand;
use losant_device::Error;
use serde_json::{json, Value};

#[test]
fn command_builder_carries_name_and_payload() {
    #[derive(serde::Serialize)]
    struct Blink {
        times: u8,
    }
    let command = DeviceCommand::named("blink")
        .with_payload(&Blink { times: 3 })
        .unwrap()
        .at(1000i64);
    assert_eq!(
        serde_json::to_value(&command).unwrap(),
        json!({"name": "blink", "payload": {"times": 3}, "time": 1000})
    );
}

#[test]
fn query_builder_writes_losant_json() {
    let cases: Vec<(DeviceQuery, Value)> = vec![
        (
            DeviceQuery::name().eq("pump").into(),
            json!({"name": {"$eq": "pump"}}),
        ),
        (
            DeviceQuery::is(Field::DeviceClass, "gateway"),
            json!({"deviceClass": "gateway"}),
        ),
        (
            DeviceQuery::id().is_in([DEVICE]).into(),
            json!({"id": {"$in": [DEVICE]}}),
        ),
        (
            DeviceQuery::parent_id().eq(Value::Null).into(),
            json!({"parentId": {"$eq": null}}),
        ),
        (
            DeviceQuery::creation_date()
                .gte(1_600_000_000_000i64)
                .lt(1_700_000_000_000i64)
                .into(),
            json!({"creationDate": {"$gte": 1_600_000_000_000i64, "$lt": 1_700_000_000_000i64}}),
        ),
        (
            DeviceQuery::name()
                .contains("tank")
                .case_insensitive()
                .into(),
            json!({"name": {"$contains": "tank", "$ci": true}}),
        ),
        (
            DeviceQuery::name().ends_with("-01").into(),
            json!({"name": {"$endsWith": "-01"}}),
        ),
        (
            DeviceQuery::connection_status().ne("connected").into(),
            json!({"connectionStatus": {"$ne": "connected"}}),
        ),
        (
            DeviceQuery::attribute_name().not_in(["gps", "blob"]).into(),
            json!({"attributeName": {"$nin": ["gps", "blob"]}}),
        ),
        (
            DeviceQuery::tag("floor", "8"),
            json!({"tags": {"$tagKey": "floor", "$tagValue": "8"}}),
        ),
        (
            DeviceQuery::tag_key(TagMatch::In(vec!["a".into(), "b".into()])),
            json!({"tags": {"$tagKey": {"$in": ["a", "b"]}}}),
        ),
        (
            DeviceQuery::tag_values([
                ("floor", TagMatch::NotIn(vec!["1".into()])),
                ("zone", TagMatch::Null),
            ]),
            json!({"tags": {"floor": {"$nin": ["1"]}, "zone": null}}),
        ),
        (
            DeviceQuery::or([
                DeviceQuery::last_updated().gt(-86_400_000i64).into(),
                DeviceQuery::disconnected_at()
                    .lte("2026-01-01T00:00:00Z")
                    .into(),
            ]),
            json!({"$or": [{"lastUpdated": {"$gt": -86_400_000i64}}, {"disconnectedAt": {"$lte": "2026-01-01T00:00:00Z"}}]}),
        ),
        (
            DeviceQuery::nor([DeviceQuery::and([
                DeviceQuery::gateway_id().eq(DEVICE).into(),
                DeviceQuery::experience_user_id().ne(APP).into(),
            ])]),
            json!({"$nor": [{"$and": [{"gatewayId": {"$eq": DEVICE}}, {"experienceUserId": {"$ne": APP}}]}]}),
        ),
        (
            DeviceQuery::from_json(json!({"deletedAt": {"$gt": 0}})).unwrap(),
            json!({"deletedAt": {"$gt": 0}}),
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(serde_json::to_value(&query).unwrap(), expected);
    }
    assert!(DeviceQuery::from_json(json!([1])).is_err());
}

#[tokio::test]
async fn the_query_goes_as_compact_json_text_and_into_bodies() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices/tagKeys"))
                .is_true(raw_query("_actions=false&_links=true&_embedded=true&query=%7B%22tags%22%3A%7B%22%24tagKey%22%3A%22floor%22%2C%22%24tagValue%22%3A%228%22%7D%7D"));
            then.status(200).json_body(json!({"tagKeys": ["floor"]}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/applications/{APP}/devices/delete"))
                .json_body(json!({"query": {"name": {"$startsWith": "old-"}}}));
            then.status(200)
                .json_body(json!({"removed": 2, "failed": 0}));
        })
        .await;
    let client = client(&server);
    let app = client.application(APP.parse().unwrap());
    let keys = app.tag_keys().query(DeviceQuery::tag("floor", "8")).await;
    list.assert_async().await;
    assert_eq!(
        serde_json::to_value(keys.unwrap()).unwrap()["tagKeys"],
        json!(["floor"])
    );
    let body = losant_device::types::DevicesDeleteOrRestorePost::builder()
        .query(DeviceQuery::name().starts_with("old-"));
    let outcome = app.delete_devices().body(body).await;
    delete.assert_async().await;
    assert!(matches!(
        outcome.unwrap(),
        losant_device::types::DeleteDevicesOutcome::BulkDeleteResponse(_)
    ));
}

#[tokio::test]
async fn an_undecodable_answer_names_the_operation_and_the_field() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices/{DEVICE}"));
            then.status(200)
                .json_body(json!({"name": "ok", "connectionInfo": {"connected": "yes"}}));
        })
        .await;
    let error = client(&server)
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap_err();
    match &error {
        Error::Decode {
            operation,
            path,
            excerpt,
            ..
        } => {
            assert_eq!(operation, "get_device");
            assert_eq!(path, "connectionInfo.connected");
            assert!(excerpt.starts_with("{\""), "{excerpt}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_undocumented_success_status_still_yields_the_answer() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/applications/{APP}/devices"));
            then.status(200).json_body(device_json());
        })
        .await;
    let body = losant_device::types::DevicePost::builder().name("My Device");
    let created = client(&server)
        .create_device()
        .application_id(APP)
        .body(body)
        .await
        .unwrap();
    assert_eq!(created.name.as_deref(), Some("My Device"));
}

/// A call may be made (by `send()` or `into_future()`) before any runtime
/// is running, and awaited inside one later: its timers start at the
/// first poll.
#[test]
fn a_call_made_outside_a_runtime_runs_inside_one_later() {
    use crate::loopback::{serve, Reply};
    use losant_device::types::DeviceState;
    use std::future::IntoFuture as _;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(serve(vec![
        Reply::json(200, json!({"success": true})),
        Reply::json(200, json!({"success": true})),
    ]));
    let client =
        crate::retries::loopback_client(&server.base_url, losant_device::RetryPolicy::standard());
    let device = client
        .application(APP.parse().unwrap())
        .device(DEVICE.parse().unwrap());
    let by_send = device.send_state(DeviceState::now().with("temp", 1)).send();
    let by_await = device
        .send_state(DeviceState::now().with("temp", 2))
        .into_future();
    assert_eq!(runtime.block_on(by_send).unwrap().success, Some(true));
    assert_eq!(runtime.block_on(by_await).unwrap().success, Some(true));
    assert_eq!(server.hits(), 2);
}
