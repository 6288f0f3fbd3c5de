//! Wire-level contract tests for the single-device operations and
//! `authenticateDevice`.
//!
//! Every expected method, path, query string, header and body below is
//! written out literally from Losant's documented conventions and from the
//! parameter order of the official clients (`operations.json`); nothing is
//! derived from our spec or the generated code. Responses carry fields the
//! SDK does not know (`futureField`, `_links`) to prove they are tolerated.

mod common;

use common::*;
use futures::StreamExt;
use httpmock::prelude::*;
use losant_device::types;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

const D: &str = "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2";
const JOB_ID: &str = "jL0hcaXW8HkiFqL9RGUsm";

/// A request body built from JSON the way a caller would write it.
fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the test body fits the SDK's request type")
}

/// Matches a request whose body is exactly this JSON text (byte for byte).
fn raw_body(expected: &'static str) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync {
    move |request| request.body_ref() == expected.as_bytes()
}

/// Matches a request whose body is JSON equal to `expected`, numbers compared
/// by value (`0` and `0.0` are the same JSON number). Prints the body on a
/// mismatch, since httpmock shows no diff for custom matchers.
fn json_value_body(expected: Value) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync {
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
            }
            _ => a == b,
        }
    }
    move |request| {
        let matched = serde_json::from_slice::<Value>(request.body_ref())
            .is_ok_and(|body| same(&body, &expected));
        if !matched {
            eprintln!(
                "body {:?} is not JSON equal to {expected}",
                String::from_utf8_lossy(request.body_ref())
            );
        }
        matched
    }
}

/// Asserts `error` is `Error::Api` with the given status, kind and message.
fn assert_api_error(error: losant_device::Error, status: u16, kind: &str, message: &str) {
    match error {
        losant_device::Error::Api {
            status: got_status,
            kind: got_kind,
            message: got_message,
            ..
        } => {
            assert_eq!(got_status.as_u16(), status);
            assert_eq!(got_kind.as_ref().map(|k| k.as_str()), Some(kind));
            assert_eq!(got_message, message);
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

// ------------------------------------------------------------------ auth

/// Client settings for the logins below: no retries, like `common::client`.
fn login_settings() -> losant_device::ClientBuilder {
    losant_device::Client::builder().retry_policy(losant_device::RetryPolicy::disabled())
}

fn device_id() -> losant_device::DeviceId {
    DEVICE.parse().expect("a valid device id")
}

#[tokio::test]
async fn authenticate_device_sends_hypermedia_switches_and_credentials() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth/device")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("accept", "application/json")
                .header("accept-version", "^1.30.0")
                .header("content-type", "application/json")
                .header_missing("authorization")
                .header_missing("api-version")
                .header_missing("losantdomain")
                .json_body(json!({
                    "deviceId": "575ecf887ae143cd83dc4aa2",
                    "key": "my-access-key",
                    "secret": "my-access-secret",
                    "tokenTTL": 3600,
                    "requestedScopes": ["device.stateStream", "device.commandStream"]
                }));
            then.status(200).json_body(json!({
                "applicationId": "575ec8687ae143cd83dc4a97",
                "deviceId": "575ecf887ae143cd83dc4aa2",
                "deviceClass": "standalone",
                "token": "token-for-the-device",
                "futureField": 1
            }));
        })
        .await;

    let result = losant_device::Client::authenticate_device(
        server.base_url(),
        device_id(),
        "my-access-key",
        "my-access-secret",
    )
    .token_ttl(3600)
    .requested_scopes([
        types::DeviceTokenScope::DeviceStateStream,
        types::DeviceTokenScope::DeviceCommandStream,
    ])
    .client_settings(login_settings())
    .await;

    mock.assert_async().await;
    result.expect("authenticate_device succeeds");
}

/// Method, path, headers and body of the login, and that the returned client
/// acts with the token from the answer. The login's query string is asserted
/// by the test above (ignored while the SDK omits the hypermedia switches),
/// so it is left unconstrained here.
#[tokio::test]
async fn authenticate_device_posts_credentials_and_uses_the_token() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth/device")
                .header("accept", "application/json")
                .header("accept-version", "^1.30.0")
                .header("content-type", "application/json")
                .header_missing("authorization")
                .header_missing("api-version")
                .header_missing("losantdomain")
                .json_body(json!({
                    "deviceId": "575ecf887ae143cd83dc4aa2",
                    "key": "my-access-key",
                    "secret": "my-access-secret"
                }));
            then.status(200).json_body(json!({
                "applicationId": "575ec8687ae143cd83dc4a97",
                "deviceId": "575ecf887ae143cd83dc4aa2",
                "deviceClass": "gateway",
                "token": "eyJhbGciOiJIUzI1NiJ9.device.token",
                "ownerType": "organization",
                "filterType": "none",
                "pubTopics": ["losant/575ecf887ae143cd83dc4aa2/state"],
                "subTopics": ["losant/575ecf887ae143cd83dc4aa2/command"],
                "futureField": {"nested": true}
            }));
        })
        .await;
    let as_device = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.device.token")
                .header("accept", "application/json")
                .header("accept-version", "^1.30.0");
            then.status(200).json_body(device_json());
        })
        .await;

    let result = losant_device::Client::authenticate_device(
        server.base_url(),
        device_id(),
        "my-access-key",
        "my-access-secret",
    )
    .client_settings(login_settings())
    .await;

    login.assert_async().await;
    let device_client = result.expect("authenticate_device succeeds");
    let device = device_client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await;
    as_device.assert_async().await;
    assert_eq!(
        device.expect("get_device succeeds").name.as_deref(),
        Some("My Device")
    );
}

/// The generated call under `authenticate_device`, to check every field of
/// the `authedDevice` answer decodes.
#[tokio::test]
async fn request_device_token_decodes_the_authed_device() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/auth/device")
                .header("content-type", "application/json")
                .json_body(json!({
                    "deviceId": "575ecf887ae143cd83dc4aa2",
                    "key": "my-access-key",
                    "secret": "my-access-secret",
                    "tokenTTL": 0,
                    "requestedScopes": ["all.Device.read"]
                }));
            then.status(200).json_body(json!({
                "applicationId": "575ec8687ae143cd83dc4a97",
                "deviceId": "575ecf887ae143cd83dc4aa2",
                "deviceClass": "edgeCompute",
                "token": "token-for-the-device",
                "ownerType": "user",
                "filterType": "whitelist",
                "pubTopics": ["a/b"],
                "subTopics": [],
                "futureField": 1
            }));
        })
        .await;

    let mut credentials = losant_device::auth::DeviceCredentials::new(
        device_id(),
        "my-access-key",
        "my-access-secret",
    );
    credentials.token_ttl = Some(0);
    credentials.requested_scopes = vec![types::DeviceTokenScope::AllDeviceRead];
    let result = client(&server)
        .request_device_token()
        .body(credentials)
        .await;

    mock.assert_async().await;
    let authed = result.expect("request_device_token succeeds");
    assert_eq!(authed.token.expose_secret(), "token-for-the-device");
    assert_eq!(authed.application_id.as_str(), APP);
    assert_eq!(authed.device_id.as_str(), DEVICE);
    assert_eq!(authed.device_class, types::DeviceClass::EdgeCompute);
    assert_eq!(authed.owner_type.as_deref(), Some("user"));
    assert_eq!(authed.filter_type.as_deref(), Some("whitelist"));
    assert_eq!(authed.pub_topics, vec!["a/b"]);
    assert!(authed.sub_topics.is_empty());
    assert!(!format!("{authed:?}").contains("token-for-the-device"));
}

// ------------------------------------------------------------ get / patch / delete

#[tokio::test]
async fn get_device_sends_only_the_hypermedia_defaults() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .is_true(no_body);
            then.status(200).json_body(device_json());
        })
        .await;

    let result = client(&server)
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await;

    mock.assert_async().await;
    let device = result.expect("get_device succeeds");
    assert_eq!(device.name.as_deref(), Some("My Device"));
    assert_eq!(
        device.description.as_deref(),
        Some("Description of my device")
    );
    assert_eq!(device.device_class, Some(types::DeviceClass::Standalone));
    assert_eq!(device.id.as_ref().map(|id| id.as_str()), Some(DEVICE));
    assert_eq!(
        device.application_id.as_ref().map(|id| id.as_str()),
        Some(APP)
    );
    assert_eq!(device.system_interval, Some(60));
    assert_eq!(device.keep_duplicates, Some(false));
    assert!(device.parent_id.is_none());
    assert_eq!(
        device.creation_date.map(|t| t.to_rfc3339()),
        Some("2016-06-13T04:00:00+00:00".to_string())
    );
    match device.tags {
        Some(types::DeviceTags::Array(tags)) => {
            assert_eq!(tags.len(), 1);
            assert_eq!(tags[0].key.as_str(), "TagKey");
            assert_eq!(tags[0].value, "TagValue");
        }
        other => panic!("expected tags as an array, got {other:?}"),
    }
    let connection = device.connection_info.expect("connectionInfo decoded");
    assert_eq!(connection.connected, Some(1));
}

#[tokio::test]
async fn get_device_with_every_query_parameter_and_links_override() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(D)
                .is_true(raw_query(
                    "_actions=false&_links=false&_embedded=true\
                     &excludeConnectionInfo=true&tagsAsObject=true&attributesAsObject=true",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "id": "575ecf887ae143cd83dc4aa2",
                "deviceId": "575ecf887ae143cd83dc4aa2",
                "applicationId": "575ec8687ae143cd83dc4a97",
                "name": "Boiler sensor",
                "deviceClass": "peripheral",
                "gatewayId": "575ecf887ae143cd83dc4aa3",
                "parentId": "575ecf887ae143cd83dc4aa3",
                "ancestorIds": ["575ecf887ae143cd83dc4aa3"],
                "tags": {"floor": "3", "building": "north"},
                "attributes": {
                    "temperature": {"name": "temperature", "dataType": "number", "attributeTags": {}},
                    "status": {"name": "status", "dataType": "string", "attributeTags": {"unit": "none"}}
                },
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .links(false)
        .exclude_connection_info(true)
        .tags_as_object(true)
        .attributes_as_object(true)
        .await;

    mock.assert_async().await;
    let device = result.expect("get_device succeeds");
    assert_eq!(device.name.as_deref(), Some("Boiler sensor"));
    assert_eq!(device.device_class, Some(types::DeviceClass::Peripheral));
    assert!(device.connection_info.is_none());
    assert_eq!(
        device.parent_id.as_ref().map(|id| id.as_str()),
        Some("575ecf887ae143cd83dc4aa3")
    );
    assert_eq!(device.ancestor_ids.len(), 1);
    match device.tags {
        Some(types::DeviceTags::Object(tags)) => {
            assert_eq!(tags.get("floor").map(String::as_str), Some("3"));
            assert_eq!(tags.get("building").map(String::as_str), Some("north"));
        }
        other => panic!("expected tags as an object, got {other:?}"),
    }
    match device.attributes {
        Some(types::DeviceAttributeList::Object(attributes)) => {
            assert_eq!(attributes.len(), 2);
            assert!(attributes.contains_key("temperature"));
            assert!(attributes.contains_key("status"));
        }
        other => panic!("expected attributes as an object, got {other:?}"),
    }
}

#[tokio::test]
async fn update_device_patches_with_query_in_api_order() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(PATCH)
                .path(D)
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true&tagsAsObject=true&attributesAsObject=false",
                ))
                .header("content-type", "application/json")
                .json_body(json!({
                    "name": "Renamed device",
                    "description": "Moved to the second floor",
                    "tags": [{"key": "floor", "value": "2"}],
                    "systemInterval": 30,
                    "keepDuplicates": true
                }));
            let mut answer = device_json();
            answer["name"] = json!("Renamed device");
            answer["description"] = json!("Moved to the second floor");
            answer["tags"] = json!({"floor": "2"});
            answer["systemInterval"] = json!(30);
            answer["keepDuplicates"] = json!(true);
            then.status(200).json_body(answer);
        })
        .await;

    let result = client(&server)
        .update_device()
        .application_id(APP)
        .device_id(DEVICE)
        .tags_as_object(true)
        .attributes_as_object(false)
        .body(typed::<types::DevicePatch>(json!({
            "name": "Renamed device",
            "description": "Moved to the second floor",
            "tags": [{"key": "floor", "value": "2"}],
            "systemInterval": 30,
            "keepDuplicates": true
        })))
        .await;

    mock.assert_async().await;
    let device = result.expect("update_device succeeds");
    assert_eq!(device.name.as_deref(), Some("Renamed device"));
    assert_eq!(device.system_interval, Some(30));
    assert_eq!(device.keep_duplicates, Some(true));
    match device.tags {
        Some(types::DeviceTags::Object(tags)) => {
            assert_eq!(tags.get("floor").map(String::as_str), Some("2"));
        }
        other => panic!("expected tags as an object, got {other:?}"),
    }
}

/// `tags`/`attributes` in a patch replace the whole list and `parentId`
/// accepts null (devicePatch schema), so `[]` and `null` must reach Losant:
/// they are how a caller removes every tag or detaches a device.
#[tokio::test]
async fn update_device_can_clear_tags_attributes_and_parent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(PATCH)
                .path(D)
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .json_body(json!({"tags": [], "attributes": [], "parentId": null}));
            then.status(200).json_body(device_json());
        })
        .await;

    let result = client(&server)
        .update_device()
        .application_id(APP)
        .device_id(DEVICE)
        .body(
            types::DevicePatch::builder()
                .tags(Some(Vec::new()))
                .attributes(Some(Vec::new()))
                .parent_id(Some(types::DevicePatchParentId::NoParent(types::NoParent(
                    (),
                )))),
        )
        .await;

    mock.assert_async().await;
    result.expect("update_device succeeds");
}

#[tokio::test]
async fn delete_device_sends_no_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(DELETE)
                .path(D)
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header_missing("content-type")
                .header("content-length", "0")
                .is_true(no_body);
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let result = client(&server)
        .delete_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await;

    mock.assert_async().await;
    let answer = result.expect("delete_device succeeds");
    assert_eq!(answer.success, Some(true));
}

// ------------------------------------------------------------------ export

#[tokio::test]
async fn export_device_data_without_body_sends_query_in_api_order_and_no_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/export")
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &start=-86400000&end=0\
                     &email=ops%2Balerts%40example.com\
                     &callbackUrl=https%3A%2F%2Fhooks.example.com%2Fexport%3Fsource%3Dlosant%26note%3Dday%20one\
                     &includeBlobData=true",
                ))
                .header_missing("content-type")
                .header("content-length", "0")
                .is_true(no_body);
            then.status(202).json_body(json!({
                "jobQueued": true,
                "jobId": JOB_ID,
                "success": true,
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .export_device_data()
        .application_id(APP)
        .device_id(DEVICE)
        .include_blob_data(true)
        .callback_url("https://hooks.example.com/export?source=losant&note=day one")
        .email("ops+alerts@example.com")
        .end(0)
        .start(-86_400_000)
        .await;

    mock.assert_async().await;
    let job = result.expect("export_device_data succeeds");
    assert!(job.job_queued);
    assert_eq!(job.job_id.as_deref(), Some(JOB_ID));
    assert_eq!(job.success, Some(true));
}

#[tokio::test]
async fn export_device_data_with_body_sends_it_as_json() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/export")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .is_true(json_value_body(json!({
                    "email": "ops@example.com",
                    "callbackUrl": "https://hooks.example.com/export",
                    "attributes": ["temperature", "humidity"],
                    "start": -86400000,
                    "end": 0
                })));
            then.status(202).json_body(json!({
                "jobQueued": true,
                "jobId": JOB_ID,
                "success": true,
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .export_device_data()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<types::DeviceDataExport>(json!({
            "email": "ops@example.com",
            "callbackUrl": "https://hooks.example.com/export",
            "attributes": ["temperature", "humidity"],
            "start": -86400000,
            "end": 0
        })))
        .await;

    mock.assert_async().await;
    let job = result.expect("export_device_data succeeds");
    assert!(job.job_queued);
    assert_eq!(job.job_id.as_deref(), Some(JOB_ID));
}

// ------------------------------------------------------------------ commands

#[tokio::test]
async fn get_device_commands_sends_every_parameter_in_api_order() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/command")
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &limit=25&since=1465790400000&sortDirection=asc\
                     &duration=3600000&start=-86400000&end=0",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!([
                {
                    "name": "reboot",
                    "payload": {"delay": 5, "reason": "maintenance"},
                    "time": "2016-06-13T04:00:00.000Z",
                    "futureField": 1
                },
                {
                    "name": "ping",
                    "time": "2016-06-13T04:05:00.000Z"
                }
            ]));
        })
        .await;

    let result = client(&server)
        .get_device_commands()
        .application_id(APP)
        .device_id(DEVICE)
        .end(0)
        .start(-86_400_000)
        .duration(3_600_000)
        .sort_direction(types::SortDirection::Asc)
        .since(1_465_790_400_000_i64)
        .limit(25)
        .await;

    mock.assert_async().await;
    let commands = result.expect("get_device_commands succeeds");
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0].name, "reboot");
    assert_eq!(
        commands[0].payload,
        Some(json!({"delay": 5, "reason": "maintenance"}))
    );
    assert_eq!(
        commands[0].time,
        Some(types::TimeFormat::String("2016-06-13T04:00:00.000Z".into()))
    );
    assert_eq!(commands[1].name, "ping");
    assert!(commands[1].payload.is_none());
}

#[tokio::test]
async fn send_device_command_posts_the_command() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/command")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .json_body(json!({
                    "name": "reboot",
                    "payload": {"delay": 5, "reason": "maintenance", "force": false},
                    "time": "2016-06-13T04:00:00.000Z"
                }));
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let result = client(&server)
        .send_device_command()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<types::DeviceCommand>(json!({
            "name": "reboot",
            "payload": {"delay": 5, "reason": "maintenance", "force": false},
            "time": "2016-06-13T04:00:00.000Z"
        })))
        .await;

    mock.assert_async().await;
    assert_eq!(
        result.expect("send_device_command succeeds").success,
        Some(true)
    );
}

// ------------------------------------------------------------------ state

#[tokio::test]
async fn get_device_composite_state_decodes_mixed_values() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/compositeState")
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &start=-3600000&end=0&attributes=temperature%2Cstatus%2Conline",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "temperature": {"value": 21.5, "time": "2016-06-13T04:00:00.000Z"},
                "status": {"value": "ok", "time": "2016-06-13T04:01:00.000Z", "futureField": 1},
                "online": {"value": true, "time": "2016-06-13T04:02:00.000Z"}
            }));
        })
        .await;

    let result = client(&server)
        .get_device_composite_state()
        .application_id(APP)
        .device_id(DEVICE)
        .attributes("temperature,status,online")
        .end(0)
        .start(-3_600_000)
        .await;

    mock.assert_async().await;
    let state = result.expect("get_device_composite_state succeeds");
    assert_eq!(state.len(), 3);
    assert_eq!(
        state["temperature"].value,
        Some(types::StateValue::Number(21.5))
    );
    assert_eq!(
        state["temperature"].time,
        Some(types::TimeFormat::String("2016-06-13T04:00:00.000Z".into()))
    );
    assert_eq!(
        state["status"].value,
        Some(types::StateValue::String("ok".into()))
    );
    assert_eq!(
        state["online"].value,
        Some(types::StateValue::Boolean(true))
    );
}

#[tokio::test]
async fn get_device_state_decodes_states_with_mixed_values() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state",
                )
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &limit=2&sortDirection=desc&duration=600000&end=0",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!([
                {
                    "time": "2016-06-13T04:10:00.000Z",
                    "data": {"temperature": 21.5, "status": "ok", "online": true, "count": 3},
                    "flowVersion": "default",
                    "futureField": 1
                },
                {
                    "time": "2016-06-13T04:00:00.000Z",
                    "data": {"temperature": -4, "online": false},
                    "meta": {"source": "gateway"}
                }
            ]));
        })
        .await;

    let result = client(&server)
        .get_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .end(0)
        .duration(600_000)
        .sort_direction(types::SortDirection::Desc)
        .limit(2)
        .await;

    mock.assert_async().await;
    let states = result.expect("get_device_state succeeds");
    assert_eq!(states.len(), 2);
    assert_eq!(
        states[0].time,
        Some(types::TimeFormat::String("2016-06-13T04:10:00.000Z".into()))
    );
    assert_eq!(
        states[0].data["temperature"],
        types::StateValue::Number(21.5)
    );
    assert_eq!(
        states[0].data["status"],
        types::StateValue::String("ok".into())
    );
    assert_eq!(states[0].data["online"], types::StateValue::Boolean(true));
    assert_eq!(states[0].data["count"], types::StateValue::Int64(3));
    assert_eq!(states[0].flow_version.as_deref(), Some("default"));
    assert_eq!(states[1].data["temperature"], types::StateValue::Int64(-4));
    assert_eq!(states[1].data["online"], types::StateValue::Boolean(false));
    assert_eq!(states[1].meta, Some(json!({"source": "gateway"})));
}

#[tokio::test]
async fn send_device_state_posts_one_state() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state",
                )
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .json_body(json!({
                    "time": "2016-06-13T04:00:00.000Z",
                    "data": {"temperature": 21.5, "status": "ok", "online": true}
                }));
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let result = client(&server)
        .send_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<losant_device::DeviceStateOrStates>(json!({
            "time": "2016-06-13T04:00:00.000Z",
            "data": {"temperature": 21.5, "status": "ok", "online": true}
        })))
        .await;

    mock.assert_async().await;
    assert_eq!(
        result.expect("send_device_state succeeds").success,
        Some(true)
    );
}

#[tokio::test]
async fn send_device_state_posts_an_array_of_states_in_one_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state",
                )
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .json_body(json!([
                    {"time": "2016-06-13T04:00:00.000Z", "data": {"temperature": 21.5}},
                    {
                        "time": "2016-06-13T04:01:00.000Z",
                        "data": {"status": "door open", "online": false},
                        "meta": {"source": "gateway"}
                    }
                ]));
            then.status(200).json_body(json!({"success": true}));
        })
        .await;

    let result = client(&server)
        .send_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<losant_device::DeviceStateOrStates>(json!([
            {"time": "2016-06-13T04:00:00.000Z", "data": {"temperature": 21.5}},
            {
                "time": "2016-06-13T04:01:00.000Z",
                "data": {"status": "door open", "online": false},
                "meta": {"source": "gateway"}
            }
        ])))
        .await;

    mock.assert_async().await;
    assert_eq!(
        result.expect("send_device_state succeeds").success,
        Some(true)
    );
}

/// Integral numbers (a state value of 3, an epoch-millisecond `time`) go out
/// as JSON integers, the way the official clients send them.
#[tokio::test]
async fn send_device_state_keeps_integers_integral() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state",
                )
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .is_true(raw_body(r#"{"data":{"count":3},"time":1465790400000}"#));
            then.status(200).json_body(json!({"success": true}));
        })
        .await;

    let result = client(&server)
        .send_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<losant_device::DeviceStateOrStates>(json!({
            "data": {"count": 3},
            "time": 1465790400000_i64
        })))
        .await;

    mock.assert_async().await;
    result.expect("send_device_state succeeds");
}

// ------------------------------------------------------------------ logs and counts

#[tokio::test]
async fn get_device_log_entries_decodes_connect_and_disconnect() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/logs",
                )
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &limit=2&since=1465790400000&sortDirection=desc&start=-604800000&end=-60000",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!([
                {
                    "connected": 0,
                    "time": "2016-06-13T05:00:00.000Z",
                    "disconnectReason": "Connection lost",
                    "messagesFromClient": 42,
                    "messagesToClient": 7,
                    "ipAddress": "203.0.113.7",
                    "futureField": 1
                },
                {
                    "connected": 1,
                    "time": "2016-06-13T04:00:00.000Z",
                    "ipAddress": "203.0.113.7"
                }
            ]));
        })
        .await;

    let result = client(&server)
        .get_device_log_entries()
        .application_id(APP)
        .device_id(DEVICE)
        .end(-60_000)
        .start(-604_800_000)
        .sort_direction(types::SortDirection::Desc)
        .since(1_465_790_400_000_i64)
        .limit(2)
        .await;

    mock.assert_async().await;
    let log = result.expect("get_device_log_entries succeeds");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].connected, Some(0));
    assert_eq!(log[0].disconnect_reason.as_deref(), Some("Connection lost"));
    assert_eq!(log[0].messages_from_client, Some(42));
    assert_eq!(log[0].messages_to_client, Some(7));
    assert_eq!(
        log[0].time.map(|t| t.to_rfc3339()),
        Some("2016-06-13T05:00:00+00:00".to_string())
    );
    assert_eq!(log[1].connected, Some(1));
    assert_eq!(log[1].ip_address.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn get_device_payload_counts_decodes_totals() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/payloadCounts")
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true&start=-2592000000&end=0",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "deviceState": 1200,
                "deviceCommand": 3,
                "deviceConnect": 4,
                "deviceDisconnect": 4,
                "mqttIn": 1190,
                "mqttOut": 12,
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .get_device_payload_counts()
        .application_id(APP)
        .device_id(DEVICE)
        .end(0)
        .start(-2_592_000_000_i64)
        .await;

    mock.assert_async().await;
    let counts = result.expect("get_device_payload_counts succeeds");
    assert_eq!(counts.device_state, Some(1200));
    assert_eq!(counts.device_command, Some(3));
    assert_eq!(counts.device_connect, Some(4));
    assert_eq!(counts.device_disconnect, Some(4));
    assert_eq!(counts.mqtt_in, Some(1190));
    assert_eq!(counts.mqtt_out, Some(12));
}

#[tokio::test]
async fn get_device_payload_counts_breakdown_by_hour() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/payloadCountsBreakdown")
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &start=-86400000&end=0&resolution=3600000",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "start": "2016-06-13T00:00:00.000Z",
                "end": "2016-06-14T00:00:00.000Z",
                "counts": [
                    {"date": "2016-06-13T00:00:00.000Z", "value": 10, "futureField": 1},
                    {"date": "2016-06-13T01:00:00.000Z", "value": 0}
                ],
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .get_device_payload_counts_breakdown()
        .application_id(APP)
        .device_id(DEVICE)
        .resolution(3_600_000_i64)
        .end(0)
        .start(-86_400_000)
        .await;

    mock.assert_async().await;
    let breakdown = result.expect("get_device_payload_counts_breakdown succeeds");
    assert_eq!(
        breakdown.start.map(|t| t.to_rfc3339()),
        Some("2016-06-13T00:00:00+00:00".to_string())
    );
    assert_eq!(
        breakdown.end.map(|t| t.to_rfc3339()),
        Some("2016-06-14T00:00:00+00:00".to_string())
    );
    assert_eq!(breakdown.counts.len(), 2);
    assert_eq!(breakdown.counts[0].value, Some(10));
    assert_eq!(
        breakdown.counts[1].date.map(|t| t.to_rfc3339()),
        Some("2016-06-13T01:00:00+00:00".to_string())
    );
    assert_eq!(breakdown.counts[1].value, Some(0));
}

// ------------------------------------------------------------------ data removal

#[tokio::test]
async fn remove_device_data_deletes_without_body_and_decodes_the_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(DELETE)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/data",
                )
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true&start=-604800000&end=-86400000",
                ))
                .header_missing("content-type")
                .is_true(no_body);
            then.status(202).json_body(json!({
                "jobQueued": true,
                "jobId": JOB_ID,
                "success": true,
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .remove_device_data()
        .application_id(APP)
        .device_id(DEVICE)
        .end(-86_400_000)
        .start(-604_800_000)
        .await;

    mock.assert_async().await;
    let job = result.expect("remove_device_data succeeds");
    assert!(job.job_queued);
    assert_eq!(job.job_id.as_deref(), Some(JOB_ID));
    assert_eq!(job.success, Some(true));
}

// ------------------------------------------------------------------ connection status

#[tokio::test]
async fn set_device_connection_status_connected() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/setConnectionStatus")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .json_body(json!({
                    "status": "connected",
                    "connectedAt": "2016-06-13T04:00:00.000Z",
                    "ipAddress": "203.0.113.7"
                }));
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let result = client(&server)
        .set_device_connection_status()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<types::DeviceConnectionStatus>(json!({
            "status": "connected",
            "connectedAt": "2016-06-13T04:00:00.000Z",
            "ipAddress": "203.0.113.7"
        })))
        .await;

    mock.assert_async().await;
    assert_eq!(
        result
            .expect("set_device_connection_status succeeds")
            .success,
        Some(true)
    );
}

#[tokio::test]
async fn set_device_connection_status_disconnected() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/setConnectionStatus")
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .header("content-type", "application/json")
                .json_body(json!({
                    "status": "disconnected",
                    "connectedAt": "2016-06-13T04:00:00.000Z",
                    "disconnectedAt": "2016-06-13T05:00:00.000Z",
                    "disconnectReason": "Battery low",
                    "messagesFromClient": 42,
                    "messagesToClient": 7,
                    "ipAddress": "203.0.113.7"
                }));
            then.status(200).json_body(json!({"success": true}));
        })
        .await;

    let result = client(&server)
        .set_device_connection_status()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<types::DeviceConnectionStatus>(json!({
            "status": "disconnected",
            "connectedAt": "2016-06-13T04:00:00.000Z",
            "disconnectedAt": "2016-06-13T05:00:00.000Z",
            "disconnectReason": "Battery low",
            "messagesFromClient": 42,
            "messagesToClient": 7,
            "ipAddress": "203.0.113.7"
        })))
        .await;

    mock.assert_async().await;
    assert_eq!(
        result
            .expect("set_device_connection_status succeeds")
            .success,
        Some(true)
    );
}

// ------------------------------------------------------------------ event streams

#[tokio::test]
async fn stream_device_state_sends_the_hypermedia_switches_only_when_given() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/stateStream")
                .is_true(raw_query("_actions=true&_links=false&_embedded=false&keepAliveInterval=5"))
                .header("last-event-id", "41")
                .header_missing("content-length")
                .is_true(no_body);
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(":keepalive\n\n");
        })
        .await;

    let client = client(&server);
    let result = client
        .stream_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .keep_alive_interval(5)
        .last_event_id("41")
        .embedded(false)
        .links(false)
        .actions(true)
        .await;

    mock.assert_async().await;
    drop(result.expect("stream_device_state opens"));
}

#[tokio::test]
async fn stream_device_state_has_no_hypermedia_switches() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/stateStream")
                .is_true(raw_query("keepAliveInterval=5"))
                .is_true(no_body);
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(
                    "event: deviceState\n\
                     data: {\"time\":\"2016-06-13T04:00:00.000Z\",\"data\":{\"temperature\":21.5}}\n\n",
                );
        })
        .await;

    let client = client(&server);
    let result = client
        .stream_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .keep_alive_interval(5)
        .send()
        .await;

    mock.assert_async().await;
    let mut events = result.expect("stream_device_state opens");
    let event = events.next().await.expect("an event").expect("it decodes");
    assert_eq!(event.name, "deviceState");
    assert_eq!(
        event.data.data.get("temperature"),
        Some(&losant_device::types::StateValue::Number(21.5))
    );
}

#[tokio::test]
async fn stream_device_commands_has_no_query_at_all_by_default() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/commandStream")
                .is_true(raw_query(""))
                .is_true(no_body);
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(
                    "event: deviceCommand\n\
                     data: {\"name\":\"reboot\",\"payload\":{\"delay\":5},\"time\":\"2016-06-13T04:00:00.000Z\"}\n\n",
                );
        })
        .await;

    let client = client(&server);
    let result = client
        .stream_device_commands()
        .application_id(APP)
        .device_id(DEVICE)
        .send()
        .await;

    mock.assert_async().await;
    let mut events = result.expect("stream_device_commands opens");
    let event = events.next().await.expect("an event").expect("it decodes");
    assert_eq!(event.name, "deviceCommand");
    assert_eq!(event.data.name, "reboot");
}

#[tokio::test]
async fn stream_device_commands_keep_alive_interval() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path("/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/commandStream")
                .is_true(raw_query("keepAliveInterval=30"));
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(":keepalive\n\n");
        })
        .await;

    let client = client(&server);
    let result = client
        .stream_device_commands()
        .application_id(APP)
        .device_id(DEVICE)
        .keep_alive_interval(30)
        .send()
        .await;

    mock.assert_async().await;
    drop(result.expect("stream_device_commands opens"));
}

// ------------------------------------------------------------------ errors

#[tokio::test]
async fn validation_error_becomes_api_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(POST)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state",
                )
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"));
            then.status(400).json_body(json!({
                "type": "Validation",
                "message": "data.temperature should be number",
                "futureField": 1
            }));
        })
        .await;

    let result = client(&server)
        .send_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<losant_device::DeviceStateOrStates>(
            json!({"data": {"temperature": "hot"}}),
        ))
        .await;

    mock.assert_async().await;
    let error = result.expect_err("a 400 is an error");
    assert!(matches!(
        error,
        losant_device::Error::Api { ref kind, .. }
            if kind.as_ref().map(|k| k.as_str()) == Some("Validation")
    ));
    assert_api_error(
        error,
        400,
        "Validation",
        "data.temperature should be number",
    );
}

#[tokio::test]
async fn not_found_error_becomes_api_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(D)
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"));
            then.status(404).json_body(json!({
                "type": "NotFound",
                "message": "Device was not found"
            }));
        })
        .await;

    let result = client(&server)
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await;

    mock.assert_async().await;
    let error = result.expect_err("a 404 is an error");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_api_error(error, 404, "NotFound", "Device was not found");
}

#[tokio::test]
async fn not_found_error_on_a_job_operation_becomes_api_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(DELETE)
                .path(
                    "/applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/data",
                )
                .is_true(raw_query("_actions=false&_links=true&_embedded=true"))
                .is_true(no_body);
            then.status(404).json_body(json!({
                "type": "NotFound",
                "message": "Device was not found"
            }));
        })
        .await;

    let result = client(&server)
        .remove_device_data()
        .application_id(APP)
        .device_id(DEVICE)
        .await;

    mock.assert_async().await;
    assert_api_error(
        result.expect_err("a 404 is an error"),
        404,
        "NotFound",
        "Device was not found",
    );
}
