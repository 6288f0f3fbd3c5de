//! The hand-written layer: pagination, retries, timeouts, redaction, input
//! checks, the query builder and device authentication.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::*;
use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use loopback::{serve, Reply};
use losant_device::pagination::PageProblem;
use losant_device::query::{DeviceQuery, Field, TagMatch};
use losant_device::types::{DeviceCommand, DeviceState};
use losant_device::{Backoff, Client, Error, RetryPolicy};
use serde_json::{json, Value};
use std::time::Duration;

fn devices(names: std::ops::Range<usize>, page: i64, per_page: i64, total: i64) -> Value {
    let items: Vec<Value> = names
        .map(|n| json!({"id": format!("575ecf887ae143cd83dc{n:04x}"), "name": format!("device-{n}")}))
        .collect();
    json!({"items": items, "count": items.len(), "totalCount": total, "page": page, "perPage": per_page})
}

async fn page_mock<'a>(server: &'a MockServer, page: i64, body: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices"))
                .query_param("page", page.to_string())
                .query_param("perPage", "2");
            then.status(200).json_body(body);
        })
        .await
}

fn names(devices: &[losant_device::types::Device]) -> Vec<String> {
    devices.iter().filter_map(|d| d.name.clone()).collect()
}

#[tokio::test]
async fn stream_reads_full_pages_then_stops_at_the_short_one() {
    let server = MockServer::start_async().await;
    let pages = [
        page_mock(&server, 0, devices(0..2, 0, 2, 7)).await,
        page_mock(&server, 1, devices(2..4, 1, 2, 7)).await,
        page_mock(&server, 2, devices(4..6, 2, 2, 7)).await,
        page_mock(&server, 3, devices(6..7, 3, 2, 7)).await,
    ];
    let beyond = page_mock(&server, 4, devices(0..0, 4, 2, 7)).await;
    let client = client(&server);
    let all = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        names(&all),
        (0..7).map(|n| format!("device-{n}")).collect::<Vec<_>>()
    );
    for page in &pages {
        page.assert_calls_async(1).await;
    }
    beyond.assert_calls_async(0).await;
}

#[tokio::test]
async fn stream_follows_a_total_count_that_changes() {
    let server = MockServer::start_async().await;
    // Grows from 4 to 6 after the first page, then shrinks to 5.
    let first = page_mock(&server, 0, devices(0..2, 0, 2, 4)).await;
    let second = page_mock(&server, 1, devices(2..4, 1, 2, 6)).await;
    let third = page_mock(&server, 2, devices(4..6, 2, 2, 5)).await;
    let fourth = page_mock(&server, 3, devices(6..8, 3, 2, 5)).await;
    let client = client(&server);
    let all: Vec<_> = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    for page in [&first, &second, &third] {
        page.assert_calls_async(1).await;
    }
    fourth.assert_calls_async(0).await;
}

#[tokio::test]
async fn stream_of_an_empty_first_page_is_empty() {
    let server = MockServer::start_async().await;
    let first = page_mock(&server, 0, devices(0..0, 0, 2, 0)).await;
    let second = page_mock(&server, 1, devices(0..2, 1, 2, 2)).await;
    let client = client(&server);
    let all = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .collect_all()
        .await
        .unwrap();
    assert!(all.is_empty());
    first.assert_calls_async(1).await;
    second.assert_calls_async(0).await;
    let pages: Vec<_> = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.len(),
        1,
        "page-level access still shows the empty page"
    );
}

#[tokio::test]
async fn stream_fetches_a_page_only_when_the_previous_one_is_consumed() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 0..5 {
        let start = page as usize * 2;
        mocks.push(page_mock(&server, page, devices(start..start + 2, page, 2, 10)).await);
    }
    let client = client(&server);
    let mut stream = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .stream();
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    // Three items consumed: pages 0 and 1 were needed, nothing else is held
    // or fetched ahead, so memory does not depend on the total.
    let fetched: usize = futures::future::join_all(mocks.iter().map(|m| m.calls_async()))
        .await
        .iter()
        .sum();
    assert_eq!(fetched, 2);
}

#[tokio::test]
async fn a_server_repeating_a_page_stops_the_stream() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices"));
            then.status(200).json_body(devices(0..2, 0, 2, 100));
        })
        .await;
    let client = client(&server);
    let results: Vec<_> = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .pages()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert!(matches!(
        &results[1],
        Err(Error::Pagination {
            problem: PageProblem::WrongPage {
                asked: 1,
                answered: 0
            },
            ..
        })
    ));
}

fn loopback_client(base_url: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(policy)
        .build()
        .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::standard().with_backoff(Backoff::new(
        Duration::from_millis(5),
        Duration::from_secs(5),
    ))
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_waiting() {
    let server = serve(vec![
        Reply::json(429, json!({"type": "RateLimited", "message": "slow down"}))
            .header("retry-after", "1"),
        Reply::json(200, device_json()),
    ])
    .await;
    let client = loopback_client(&server.base_url, fast_retries());
    let device = client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap();
    assert_eq!(device.name.as_deref(), Some("My Device"));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn two_503s_then_success() {
    let unavailable = Reply::json(503, json!({"type": "Unavailable", "message": "busy"}));
    let server = serve(vec![
        unavailable.clone(),
        unavailable,
        Reply::json(200, device_json()),
    ])
    .await;
    let client = loopback_client(&server.base_url, fast_retries());
    client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap();
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_post_that_reached_the_server_is_not_retried() {
    let server = serve(vec![
        Reply::json(503, json!({"type": "Unavailable", "message": "busy"})),
        Reply::json(200, json!({"success": true})),
    ])
    .await;
    let client = loopback_client(&server.base_url, fast_retries());
    let device = client
        .application(APP.parse().unwrap())
        .device(DEVICE.parse().unwrap());
    let error = device
        .send_state(DeviceState::now().with("temp", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Api { status, .. } if status.as_u16() == 503),
        "{error:?}"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn exhausted_attempts_give_a_typed_error() {
    let server = serve(vec![Reply::json(
        503,
        json!({"type": "Unavailable", "message": "busy"}),
    )])
    .await;
    let client = loopback_client(&server.base_url, fast_retries());
    let error = client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap_err();
    match error {
        Error::Api {
            status,
            kind,
            message,
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(kind.as_ref().map(|k| k.as_str()), Some("Unavailable"));
            assert_eq!(message, "busy");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(server.hits(), 3);

    let limited = serve(vec![Reply::json(
        429,
        json!({"type": "RateLimited", "message": "slow"}),
    )
    .header("retry-after", "120")])
    .await;
    let client = loopback_client(&limited.base_url, fast_retries());
    let error = client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(120)),
        "{error:?}"
    );
    assert_eq!(
        limited.hits(),
        1,
        "a Retry-After beyond the policy's limit goes back to the caller"
    );
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = serve(vec![
        Reply::json(200, device_json()).delayed(Duration::from_secs(3))
    ])
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .token(TOKEN)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn secrets_never_show_in_output() {
    let secret = "s3cr3t-access-secret";
    let builder = Client::builder().token(TOKEN);
    let client = builder.clone().build().unwrap();
    let login =
        Client::authenticate_device("http://127.0.0.1:1", DEVICE.parse().unwrap(), "key", secret);
    let credentials =
        losant_device::auth::DeviceCredentials::new(DEVICE.parse().unwrap(), "key", secret);
    let authed: losant_device::auth::AuthedDevice = serde_json::from_value(json!({
        "applicationId": APP, "deviceId": DEVICE, "deviceClass": "standalone", "token": TOKEN
    }))
    .unwrap();
    let server = serve(vec![Reply::json(
        401,
        json!({"type": "Unauthorized", "message": "Invalid token"}),
    )])
    .await;
    let error = loopback_client(&server.base_url, RetryPolicy::disabled())
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .unwrap_err();
    let outputs = [
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{login:?}"),
        format!("{credentials:?}"),
        format!("{authed:?}"),
        format!("{error:?}"),
        format!("{error}"),
    ];
    for output in &outputs {
        assert!(
            !output.contains(TOKEN) && !output.contains(secret),
            "secret leaked in {output}"
        );
    }
    assert!(outputs[0].contains("** redacted **"));
    assert!(outputs[4].contains("** redacted **"));
}

#[tokio::test]
async fn invalid_input_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({}));
        })
        .await;
    let client = client(&server);
    let app = client.application(APP.parse().unwrap());
    let device = app.device(DEVICE.parse().unwrap());

    let cases: Vec<(&str, Error)> = vec![
        ("perPage", app.list_devices().per_page(0).await.unwrap_err()),
        (
            "perPage",
            app.list_devices().per_page(1001).await.unwrap_err(),
        ),
        (
            "page",
            app.list_device_recipes().page(-1).await.unwrap_err(),
        ),
        (
            "deviceId",
            client
                .get_device()
                .application_id(APP)
                .device_id("not-an-id")
                .await
                .unwrap_err(),
        ),
        ("body", device.send_states(Vec::new()).await.unwrap_err()),
        (
            "data",
            device
                .send_state(DeviceState::now().with("bad name!", 1))
                .await
                .unwrap_err(),
        ),
    ];
    for (parameter, error) in cases {
        match &error {
            Error::InvalidInput {
                parameter: named, ..
            } => assert_eq!(named, parameter, "{error}"),
            other => panic!("expected invalid input for {parameter}, got {other:?}"),
        }
    }
    let message = app
        .list_devices()
        .per_page(1001)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("1001"),
        "the bad value is named: {message}"
    );
    let parsed = "xyz"
        .parse::<losant_device::DeviceId>()
        .unwrap_err()
        .to_string();
    assert!(
        parsed.contains("device id") && parsed.contains("xyz"),
        "{parsed}"
    );
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn device_authentication_yields_a_client_with_the_device_token() {
    let server = MockServer::start_async().await;
    let auth = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth/device")
                .header_missing("authorization")
                .json_body(json!({"deviceId": DEVICE, "key": "the-key", "secret": "the-secret", "tokenTTL": 3600}));
            then.status(200).json_body(json!({
                "applicationId": APP, "deviceId": DEVICE, "deviceClass": "standalone",
                "token": "device-token", "ownerType": "user", "pubTopics": [], "subTopics": [], "newField": 1
            }));
        })
        .await;
    let state = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/applications/{APP}/devices/{DEVICE}/state"))
                .header("authorization", "Bearer device-token")
                .json_body(json!([{"data": {"temp": 20.0}, "time": 1_700_000_000_000i64}, {"data": {"temp": 21.0}, "time": 1_700_000_001_000i64}]));
            then.status(200).json_body(json!({"success": true}));
        })
        .await;
    let device_client = Client::authenticate_device(
        server.base_url(),
        DEVICE.parse().unwrap(),
        "the-key",
        "the-secret",
    )
    .token_ttl(3600)
    .await
    .unwrap();
    auth.assert_async().await;
    let device = device_client
        .application(APP.parse().unwrap())
        .device(DEVICE.parse().unwrap());
    let result = device
        .send_states([
            DeviceState::at(1_700_000_000_000i64).with("temp", 20.0),
            DeviceState::at(1_700_000_001_000i64).with("temp", 21.0),
        ])
        .await;
    state.assert_async().await;
    assert_eq!(result.unwrap().success, Some(true));
}

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

#[test]
fn building_a_client_leaves_the_process_tls_provider_alone() {
    // An application that installs its own provider later must still be able to.
    let client = Client::builder()
        .base_url("https://api.losant.com")
        .build()
        .expect("builds with the crate feature's provider");
    drop(client);
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}
