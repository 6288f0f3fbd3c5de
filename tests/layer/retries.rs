//! Retries, `Retry-After`, typed errors once attempts run out, timeouts.

use crate::common::*;
use crate::loopback::{serve, Reply};
use losant_device::types::DeviceState;
use losant_device::{Backoff, Client, Error, RetryPolicy};
use serde_json::json;
use std::time::Duration;

pub(crate) fn loopback_client(base_url: &str, policy: RetryPolicy) -> Client {
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

/// A retried request goes out again exactly as the first time: line,
/// headers and body, for a small body (copied for the retry) and for a
/// large one (shared with it).
#[tokio::test]
async fn a_retried_request_is_sent_again_unchanged() {
    for length in [10, 40_000] {
        let server = serve(vec![
            Reply::json(503, json!({"type": "Unavailable", "message": "busy"})),
            Reply::json(200, device_json()),
        ])
        .await;
        let client = loopback_client(&server.base_url, fast_retries());
        let patch: losant_device::types::DevicePatch =
            serde_json::from_value(json!({"description": "d".repeat(length)})).unwrap();
        client
            .update_device()
            .application_id(APP)
            .device_id(DEVICE)
            .body(patch)
            .await
            .unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        let (first, again) = (&requests[0], &requests[1]);
        assert!(first.line.starts_with("PATCH "), "{}", first.line);
        assert_eq!(again.line, first.line);
        assert_eq!(again.headers, first.headers);
        assert!(first.body.len() > length, "{} bytes", first.body.len());
        assert_eq!(again.body, first.body);
    }
}
