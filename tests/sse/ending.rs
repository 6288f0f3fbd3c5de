//! How a stream ends: on a client error without reconnecting, and on drop
//! (the connection closes); a stream can move into a task.

use crate::common::client_at as client;
use crate::loopback::{event, serve, End, Reply};
use crate::{device, drain, next, options, state, temp, PATIENCE};
use losant_device::types::StateValue;
use losant_device::Error;
use std::time::Duration;

#[tokio::test]
async fn client_errors_end_the_stream_without_reconnecting() {
    for (status, kind) in [
        (400, "Validation"),
        (401, "NotAuthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
    ] {
        let body = format!(r#"{{"type":"{kind}","message":"no stream for you"}}"#);
        let server = serve(vec![Reply::typed(
            status,
            "application/json",
            body.as_bytes(),
        )])
        .await;
        let client = client(&server.base_url);
        let items = drain(device(&client).state_stream_with(options())).await;

        assert_eq!(items.len(), 1, "{status}: {items:?}");
        match &items[0] {
            Err(Error::Api {
                status: got,
                kind: got_kind,
                message,
            }) => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(got_kind.as_ref().map(|k| k.as_str()), Some(kind));
                assert_eq!(message, "no stream for you");
            }
            other => panic!("{status}: expected Error::Api, got {other:?}"),
        }
        assert_eq!(server.requests().len(), 1, "{status}: exactly one request");
    }
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let server = serve(vec![Reply::sse(
        [event("deviceState", None, &state(1))],
        End::Hold,
    )])
    .await;
    let client = client(&server.base_url);
    let mut stream = device(&client).state_stream_with(options());

    let first = next(&mut stream).await.expect("an event");
    assert_eq!(temp(&first), Some(&StateValue::Int64(1)));
    drop(stream);

    // The server sees EOF on the held connection.
    tokio::time::timeout(PATIENCE, server.wait_closed_by_client(1))
        .await
        .expect("the connection should be closed");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_stream_can_move_into_a_task() {
    let server = serve(vec![Reply::sse(
        [event("deviceState", None, &state(5))],
        End::Hold,
    )])
    .await;
    let client = client(&server.base_url);
    let mut stream = device(&client).state_stream_with(options());
    drop(client);

    let task = tokio::spawn(async move { next(&mut stream).await.map(|e| e.data) });
    let data = task.await.expect("the task").expect("an event");
    assert_eq!(data.data.get("temp"), Some(&StateValue::Int64(5)));
}

/// The request timeout bounds one answer, not a stream: events paced wider
/// apart than it still arrive, on the one connection, whether the SDK
/// builds its own reqwest client or is given one.
#[tokio::test]
async fn a_stream_outlives_the_request_timeout() {
    let given = crate::common::callers_reqwest_client();
    for http in [None, Some(given)] {
        let server = serve(vec![Reply::sse(
            (1..=4).map(|t| event("deviceState", None, &state(t))),
            End::Hold,
        )
        .paced(Duration::from_millis(150))])
        .await;
        let mut settings = losant_device::Client::builder()
            .base_url(&server.base_url)
            .token(crate::common::TOKEN)
            .retry_policy(losant_device::RetryPolicy::disabled())
            .request_timeout(Duration::from_millis(200));
        if let Some(http) = &http {
            settings = settings.reqwest_client(http.clone());
        }
        let client = settings.build().expect("a client");
        let mut stream = device(&client).state_stream_with(options());
        for expected in 1..=4 {
            let event = next(&mut stream).await.expect("an event");
            assert_eq!(temp(&event), Some(&StateValue::Int64(expected)));
        }
        drop(stream);
        assert_eq!(server.requests().len(), 1, "the stream was not cut");
    }
}
