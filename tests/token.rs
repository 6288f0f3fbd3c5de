//! Tokens that renew themselves: a device login logs in again before its
//! token expires and once when Losant answers HTTP 401, and any other
//! token source plugs in through `TokenSource`.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use base64::Engine as _;
use common::{device_json, APP, DEVICE};
use futures::future::BoxFuture;
use loopback::{serve, Reply};
use losant_device::token::TokenSource;
use losant_device::{Client, Error, RetryPolicy};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn login(token: &str) -> Reply {
    Reply::json(
        200,
        json!({"applicationId": APP, "deviceId": DEVICE, "deviceClass": "standalone", "token": token}),
    )
}

/// A JWT-shaped token that expires `seconds` from now.
fn expiring_token(name: &str, seconds: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = json!({"sub": name, "iat": now, "exp": now + seconds}).to_string();
    format!(
        "{}.{}.signature-of-{name}",
        engine.encode("{}"),
        engine.encode(claims)
    )
}

async fn device_client(base_url: &str) -> Client {
    Client::authenticate_device(
        base_url,
        DEVICE.parse().unwrap(),
        "key",
        "secret-0123456789",
    )
    .client_settings(Client::builder().retry_policy(RetryPolicy::disabled()))
    .await
    .expect("the login succeeds")
}

async fn get_device(client: &Client) -> Result<losant_device::types::Device, Error> {
    client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
}

fn authorization(server: &loopback::Loopback, index: usize) -> String {
    server.requests()[index]
        .header("authorization")
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn a_refused_device_token_is_renewed_once_and_the_call_sent_again() {
    let server = serve(vec![
        login("first-token-0123"),
        Reply::json(401, json!({"type": "Unauthorized", "message": "expired"})),
        login("second-token-4567"),
        Reply::json(200, device_json()),
    ])
    .await;
    let client = device_client(&server.base_url).await;
    let device = get_device(&client)
        .await
        .expect("sent again with the new token");
    assert_eq!(device.name.as_deref(), Some("My Device"));
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/auth/device",
            &format!("/applications/{APP}/devices/{DEVICE}"),
            "/auth/device",
            &format!("/applications/{APP}/devices/{DEVICE}")
        ]
    );
    assert_eq!(authorization(&server, 1), "Bearer first-token-0123");
    assert_eq!(authorization(&server, 3), "Bearer second-token-4567");
}

#[tokio::test]
async fn a_second_refusal_is_returned_without_another_login() {
    let refused = Reply::json(401, json!({"type": "Unauthorized", "message": "no"}));
    let server = serve(vec![
        login("first-token-0123"),
        refused.clone(),
        login("second-token-4567"),
        refused,
    ])
    .await;
    let client = device_client(&server.base_url).await;
    let error = get_device(&client).await.expect_err("still refused");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.hits(), 4);
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("first-token") && !shown.contains("second-token"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_device_token_is_renewed_shortly_before_it_expires() {
    let first = expiring_token("first", 2);
    let second = expiring_token("second", 3600);
    let server = serve(vec![
        login(&first),
        Reply::json(200, device_json()),
        login(&second),
        Reply::json(200, device_json()),
    ])
    .await;
    let client = device_client(&server.base_url).await;
    get_device(&client).await.expect("with the first token");
    // A 2 s token is renewed once nine tenths of its life have passed.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    get_device(&client).await.expect("with the second token");
    assert_eq!(authorization(&server, 1), format!("Bearer {first}"));
    assert_eq!(server.requests()[2].path(), "/auth/device");
    assert_eq!(authorization(&server, 3), format!("Bearer {second}"));
}

/// Hands out `token-N`, a new one each time the last was refused.
#[derive(Debug, Default)]
struct Counting {
    issued: AtomicUsize,
    refusals: AtomicUsize,
}

impl TokenSource for Counting {
    fn token<'a>(
        &'a self,
        refused: Option<&'a SecretString>,
    ) -> BoxFuture<'a, Result<SecretString, Error>> {
        Box::pin(async move {
            if let Some(refused) = refused {
                assert!(refused.expose_secret().starts_with("token-"));
                self.refusals.fetch_add(1, Ordering::SeqCst);
                self.issued.fetch_add(1, Ordering::SeqCst);
            }
            let n = self.issued.load(Ordering::SeqCst);
            Ok(SecretString::from(format!("token-{n}-abcdefgh")))
        })
    }
}

#[tokio::test]
async fn a_custom_token_source_is_asked_before_each_call_and_after_a_refusal() {
    let server = serve(vec![
        Reply::json(200, device_json()),
        Reply::json(401, json!({"type": "Unauthorized", "message": "rotated"})),
        Reply::json(200, device_json()),
    ])
    .await;
    let source = Arc::new(Counting::default());
    let client = Client::builder()
        .base_url(&server.base_url)
        .token_source(source.clone())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    get_device(&client).await.expect("first call");
    get_device(&client).await.expect("renewed after the 401");
    assert_eq!(source.refusals.load(Ordering::SeqCst), 1);
    assert_eq!(authorization(&server, 0), "Bearer token-0-abcdefgh");
    assert_eq!(authorization(&server, 1), "Bearer token-0-abcdefgh");
    assert_eq!(authorization(&server, 2), "Bearer token-1-abcdefgh");
}
