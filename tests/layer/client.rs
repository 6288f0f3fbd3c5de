//! The client itself: secrets kept out of output, bad input caught before
//! any request, device authentication, and no process-wide TLS state.

use crate::common::*;
use crate::loopback::{serve, Reply};
use crate::retries::loopback_client;
use httpmock::prelude::*;
use losant_device::types::DeviceState;
use losant_device::{Client, Error, RetryPolicy};
use serde_json::json;

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
fn building_a_client_leaves_the_process_tls_provider_alone() {
    // An application that installs its own provider later must still be able to.
    let client = Client::builder()
        .base_url("https://api.losant.com")
        .build()
        .expect("builds with the crate feature's provider");
    drop(client);
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}
