//! Device authentication (`POST /auth/device`): the login, the generated
//! call under it, and a client acting with the token from the answer.

use crate::common::{device_json, APP, DEVICE};
use crate::contract::*;
use httpmock::MockServer;
use losant_device::{auth::DeviceCredentials, types, Client, ClientBuilder, DeviceId, RetryPolicy};
use secrecy::ExposeSecret;
use serde_json::json;

/// Client settings for the logins: no retries, like `common::client`.
fn login_settings() -> ClientBuilder {
    Client::builder().retry_policy(RetryPolicy::disabled())
}

fn device_id() -> DeviceId {
    DEVICE.parse().expect("a valid device id")
}

#[tokio::test]
async fn device_login() {
    run(vec![
        Case {
            name: "authenticate_device_sends_hypermedia_switches_and_credentials",
            wire: Wire {
                request: "POST /auth/device?_actions=false&_links=true&_embedded=true",
                headers: &[
                    ("authorization", None),
                    ("content-type", Some("application/json")),
                ],
                body: Body::Json(json!({
                    "deviceId": "575ecf887ae143cd83dc4aa2", "key": "my-access-key",
                    "secret": "my-access-secret", "tokenTTL": 3600,
                    "requestedScopes": ["device.stateStream", "device.commandStream"]
                })),
                status: 200,
                answer: Answer::Json(json!({
                    "applicationId": "575ec8687ae143cd83dc4a97",
                    "deviceId": "575ecf887ae143cd83dc4aa2", "deviceClass": "standalone",
                    "token": "token-for-the-device", "futureField": 1
                })),
            },
            // What the client does with the token is the test below.
            call: call(|_, case| async move {
                let client = Client::authenticate_device(
                    case.base_url,
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
                .await?;
                assert!(!format!("{client:?}").contains("token-for-the-device"));
                Ok(())
            }),
        },
        // The generated call under `authenticate_device`, to check every
        // field of the `authedDevice` answer decodes.
        Case {
            name: "request_device_token_decodes_the_authed_device",
            wire: Wire {
                request: "POST /auth/device?_actions=false&_links=true&_embedded=true",
                // The login needs no token; the client's own is not sent.
                headers: &[
                    ("content-type", Some("application/json")),
                    ("authorization", None),
                ],
                body: Body::Json(json!({
                    "deviceId": "575ecf887ae143cd83dc4aa2", "key": "my-access-key",
                    "secret": "my-access-secret", "tokenTTL": 0,
                    "requestedScopes": ["all.Device.read"]
                })),
                status: 200,
                answer: Answer::Json(json!({
                    "applicationId": "575ec8687ae143cd83dc4a97",
                    "deviceId": "575ecf887ae143cd83dc4aa2", "deviceClass": "edgeCompute",
                    "token": "token-for-the-device", "ownerType": "user",
                    "filterType": "whitelist", "pubTopics": ["a/b"], "subTopics": [],
                    "futureField": 1
                })),
            },
            call: call(|client, _| async move {
                let mut credentials =
                    DeviceCredentials::new(device_id(), "my-access-key", "my-access-secret");
                credentials.token_ttl = Some(0);
                credentials.requested_scopes = vec![types::DeviceTokenScope::AllDeviceRead];
                let authed = client.request_device_token().body(credentials).await?;
                assert_eq!(authed.token.expose_secret(), "token-for-the-device");
                assert_eq!(authed.application_id.as_str(), APP);
                assert_eq!(authed.device_id.as_str(), DEVICE);
                assert_eq!(authed.device_class, types::DeviceClass::EdgeCompute);
                assert_eq!(authed.owner_type.as_deref(), Some("user"));
                assert_eq!(authed.filter_type.as_deref(), Some("whitelist"));
                assert_eq!(authed.pub_topics, vec!["a/b"]);
                assert!(authed.sub_topics.is_empty());
                assert!(!format!("{authed:?}").contains("token-for-the-device"));
                Ok(())
            }),
        },
    ])
    .await;
}

/// The login, then a request with the token from its answer: two exchanges,
/// so outside the one-exchange table.
#[tokio::test]
async fn authenticate_device_posts_credentials_and_uses_the_token() {
    let server = MockServer::start_async().await;
    let login = Wire {
        request: "POST /auth/device?_actions=false&_links=true&_embedded=true",
        headers: &[
            ("authorization", None),
            ("content-type", Some("application/json")),
        ],
        body: Body::Json(json!({
            "deviceId": "575ecf887ae143cd83dc4aa2", "key": "my-access-key",
            "secret": "my-access-secret"
        })),
        status: 200,
        answer: Answer::Json(json!({
            "applicationId": "575ec8687ae143cd83dc4a97", "deviceId": "575ecf887ae143cd83dc4aa2",
            "deviceClass": "gateway", "token": "eyJhbGciOiJIUzI1NiJ9.device.token",
            "ownerType": "organization", "filterType": "none",
            "pubTopics": ["losant/575ecf887ae143cd83dc4aa2/state"],
            "subTopics": ["losant/575ecf887ae143cd83dc4aa2/command"],
            "futureField": {"nested": true}
        })),
    };
    let as_device = Wire {
        request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                  ?_actions=false&_links=true&_embedded=true",
        headers: &[(
            "authorization",
            Some("Bearer eyJhbGciOiJIUzI1NiJ9.device.token"),
        )],
        body: Body::None,
        status: 200,
        answer: Answer::Json(device_json()),
    };
    let login = mock(&server, &login).await;
    let as_device = mock(&server, &as_device).await;

    let result = Client::authenticate_device(
        server.base_url(),
        device_id(),
        "my-access-key",
        "my-access-secret",
    )
    .client_settings(login_settings())
    .await;
    login.assert_async().await;
    let device = result
        .expect("authenticate_device succeeds")
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
