//! How a stream ends: on a client error without reconnecting, and on drop
//! (the connection closes); a stream can move into a task.

use crate::common::client_at as client;
use crate::loopback::{event, serve, End, Reply};
use crate::{device, drain, next, options, state, temp, PATIENCE};
use losant_device::types::StateValue;
use losant_device::Error;

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
