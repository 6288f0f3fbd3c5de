//! How to test code that uses this crate with the `mock` feature.
//!
//! Enable it in the dev-dependencies of the crate under test:
//!
//! ```toml
//! [dev-dependencies]
//! losant-device = { version = "0.1", features = ["mock"] }
//! httpmock = "0.9"
//! ```
//!
//! then `use losant_device::mock::MockServerExt` and call the method named
//! after the operation on an `httpmock::MockServer`. The closure gets that
//! operation's typed `When` (method and path already set; one setter per
//! parameter, matching what the SDK sends) and `Then` (one method per
//! success status taking the typed answer, and `losant_error`).
#![cfg(feature = "mock")]

use httpmock::MockServer;
use losant_device::mock::MockServerExt;
use losant_device::query::DeviceQuery;
use losant_device::types::{
    Device, DeviceClass, DeviceClassFilter, DeviceState, DeviceTagFilter, DeviceTagFilterEntry,
    Devices, Success,
};
use losant_device::Json;
use losant_device::{ApplicationId, AttributeName, Client, DeviceId, Error, RetryPolicy};
use serde_json::json;

const APP: &str = "575ec8687ae143cd83dc4a97";
const DEVICE: &str = "575ecf887ae143cd83dc4aa2";

fn ids() -> (ApplicationId, DeviceId) {
    (APP.parse().unwrap(), DEVICE.parse().unwrap())
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .token("test-token")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn device(name: &str) -> Device {
    serde_json::from_value(json!({"id": DEVICE, "name": name, "deviceClass": "standalone"}))
        .unwrap()
}

/// The code under test: finds the pumps on floor 8.
async fn floor_8_pumps(client: &Client, app: ApplicationId) -> Result<Vec<String>, Error> {
    let pumps: DeviceQuery = DeviceQuery::name().starts_with("pump").into();
    let devices = client
        .application(app)
        .list_devices()
        .query(pumps)
        .tag_filter(DeviceTagFilter::from(vec![
            DeviceTagFilterEntry::key_value("floor".parse()?, "8 – north"),
        ]))
        .device_class(DeviceClassFilter::from(vec![
            DeviceClass::Standalone,
            DeviceClass::Peripheral,
        ]))
        .per_page(50)
        .collect_all()
        .await?;
    Ok(devices.into_iter().filter_map(|d| d.name).collect())
}

#[tokio::test]
async fn query_parameters_are_matched_as_the_sdk_sends_them() {
    let server = MockServer::start_async().await;
    let (app, _) = ids();
    let query: DeviceQuery = DeviceQuery::name().starts_with("pump").into();
    let tags = DeviceTagFilter::from(vec![DeviceTagFilterEntry::key_value(
        "floor".parse().unwrap(),
        "8 – north",
    )]);
    let classes = DeviceClassFilter::from(vec![DeviceClass::Standalone, DeviceClass::Peripheral]);
    let page: Devices = serde_json::from_value(json!({
        "items": [device("pump-1"), device("pump-2")],
        "count": 2, "totalCount": 2, "page": 0, "perPage": 50
    }))
    .unwrap();

    let list = server.list_devices(|when, then| {
        when.application_id(&app)
            // The advanced query travels as JSON text, compared as JSON.
            .query(&Json(query.clone()))
            // Arrays and objects travel as numbered brackets.
            .tag_filter(&Json(tags))
            .device_class(&Json(classes))
            .per_page(50)
            .page(0)
            // `None` is "absent", or for the hypermedia switches the
            // SDK's default (sent on every request).
            .filter(None)
            .links(None);
        then.ok(&page);
    });

    let names = floor_8_pumps(&client(&server), app.clone()).await.unwrap();
    assert_eq!(names, ["pump-1", "pump-2"]);
    list.assert_async().await;

    // A request the expectations do not describe gets httpmock's 404.
    let valves: DeviceQuery = DeviceQuery::name().starts_with("valve").into();
    let other = client(&server)
        .application(app)
        .list_devices()
        .query(valves)
        .per_page(50)
        .await
        .unwrap_err();
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404), "{other:?}");
    let pumps: DeviceQuery = DeviceQuery::name().starts_with("pump").into();
    let other_floor = client(&server)
        .list_devices()
        .application_id(APP)
        .query(pumps)
        .tag_filter(DeviceTagFilter::from(vec![
            DeviceTagFilterEntry::key_value("floor".parse().unwrap(), "9"),
        ]))
        .device_class(DeviceClassFilter::from(vec![
            DeviceClass::Standalone,
            DeviceClass::Peripheral,
        ]))
        .per_page(50)
        .page(0)
        .await
        .unwrap_err();
    assert_eq!(other_floor.status().map(|s| s.as_u16()), Some(404));
    list.assert_calls_async(1).await;
}

#[tokio::test]
async fn bodies_answers_and_losant_errors_are_typed() {
    let server = MockServer::start_async().await;
    let (app, id) = ids();
    let state = DeviceState::at(1_700_000_000_000i64)
        .with("temp", 21.5)
        .with("door", "open");
    let report = server.send_device_state(|when, then| {
        when.application_id(&app)
            .device_id(&id)
            .body(&losant_device::DeviceStateOrStates::try_from(state.clone()).unwrap());
        then.ok(&Success::builder().success(true).try_into().unwrap());
    });
    let voltage: AttributeName = "voltage".parse().unwrap();
    let missing = server.get_device_attribute(|when, then| {
        when.application_id(&app).device_id(&id).name(&voltage);
        then.losant_error(404, "NotFound", "Device attribute was not found");
    });

    let client = client(&server);
    let device = client.application(app).device(id);
    let sent = device.send_state(state).await.unwrap();
    assert_eq!(sent.success, Some(true));
    match device.attribute(voltage).await {
        Err(Error::Api {
            status,
            kind,
            message,
        }) => {
            assert_eq!(status.as_u16(), 404);
            assert_eq!(kind, Some(losant_device::types::ApiErrorKind::NotFound));
            assert_eq!(message, "Device attribute was not found");
        }
        other => panic!("expected Losant's 404, got {other:?}"),
    }
    report.assert_async().await;
    missing.assert_async().await;
}

#[tokio::test]
async fn device_authentication_can_be_mocked() {
    let server = MockServer::start_async().await;
    let (app, id) = ids();
    let credentials = losant_device::auth::DeviceCredentials::new(id.clone(), "key", "secret");
    let authed: losant_device::auth::AuthedDevice = serde_json::from_value(json!({
        "applicationId": APP, "deviceId": DEVICE, "deviceClass": "standalone",
        "token": "device-token"
    }))
    .unwrap();
    let login = server.request_device_token(|when, then| {
        when.body(&credentials);
        then.ok(&authed);
    });
    let read = server.get_device(|when, then| {
        when.application_id(&app)
            .device_id(&id)
            .into_inner()
            .header("authorization", "Bearer device-token");
        then.ok(&device("sensor"));
    });
    let client = Client::authenticate_device(server.base_url(), id.clone(), "key", "secret")
        .await
        .unwrap();
    let found = client.application(app).device(id).get().await.unwrap();
    assert_eq!(found.name.as_deref(), Some("sensor"));
    login.assert_async().await;
    read.assert_async().await;
}

#[tokio::test]
async fn event_streams_answer_with_event_text() {
    let server = MockServer::start_async().await;
    let (app, id) = ids();
    let stream = server.stream_device_state(|when, then| {
        when.application_id(&app).device_id(&id);
        then.ok("event: state\ndata: {\"data\":{\"temp\":21.5}}\n\n");
    });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .get(format!(
            "{}/applications/{APP}/devices/{DEVICE}/stateStream",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    assert!(response.text().await.unwrap().contains("event: state"));
    stream.assert_async().await;
}
