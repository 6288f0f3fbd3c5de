//! Device event streams against a loopback SSE server: decoding, keep-alives,
//! reconnection with `Last-Event-ID`, terminal errors, and closing on drop.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::client_at as client;
use common::{APP, DEVICE, TOKEN};
use futures::{Stream, StreamExt};
use loopback::{event, keep_alive, serve, End, Reply};
use losant_device::sse::{Event, StreamOptions};
use losant_device::types::{DeviceCommand, DeviceState, StateValue};
use losant_device::{Backoff, Client, DeviceHandle, Error};
use std::time::Duration;

/// A safety net so a broken stream fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

fn device(client: &Client) -> DeviceHandle<'_> {
    client
        .application(APP.parse().expect("app id"))
        .device(DEVICE.parse().expect("device id"))
}

/// Fast reconnection for tests.
fn options() -> StreamOptions {
    StreamOptions::default()
        .with_keep_alive(Duration::from_secs(7))
        .with_backoff(Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
}

fn state(temp: i64) -> String {
    format!(r#"{{"time":"2016-06-13T04:00:00.000Z","data":{{"temp":{temp}}}}}"#)
}

fn temp(event: &Event<DeviceState>) -> Option<&StateValue> {
    event.data.data.get("temp")
}

/// Every item until the stream ends.
async fn drain<S: Stream + Unpin>(stream: S) -> Vec<S::Item> {
    tokio::time::timeout(PATIENCE, stream.collect())
        .await
        .expect("the stream should end")
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("an item in time")
        .expect("the stream should not end yet")
}

#[tokio::test]
async fn events_arrive_in_order_with_losant_request() {
    let server = serve(vec![Reply::sse(
        (1..=3).map(|t| event("deviceState", None, &state(t))),
        End::Hold,
    )])
    .await;
    let client = client(&server.base_url);
    let mut stream = device(&client).state_stream_with(options());

    for expected in 1..=3 {
        let event = next(&mut stream).await.expect("an event");
        assert_eq!(event.name, "deviceState");
        assert_eq!(event.id, None);
        assert_eq!(temp(&event), Some(&StateValue::Int64(expected)));
    }
    drop(stream);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.line.starts_with("GET "), "{}", request.line);
    assert_eq!(
        request.path(),
        format!("/applications/{APP}/devices/{DEVICE}/stateStream")
    );
    assert_eq!(request.query(), "keepAliveInterval=7");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("accept-version"), Some("^1.30.0"));
    assert_eq!(request.header("last-event-id"), None);
    assert_eq!(request.header("api-version"), None);
}

#[tokio::test]
async fn command_stream_decodes_commands() {
    let command = r#"{"name":"reboot","payload":{"delay":5},"time":"2016-06-13T04:00:00.000Z"}"#;
    let server = serve(vec![Reply::sse(
        [event("deviceCommand", Some("c1"), command)],
        End::Hold,
    )])
    .await;
    let client = client(&server.base_url);
    let mut stream = device(&client).command_stream_with(options());

    let event: Event<DeviceCommand> = next(&mut stream).await.expect("an event");
    assert_eq!(event.name, "deviceCommand");
    assert_eq!(event.id.as_deref(), Some("c1"));
    assert_eq!(event.data.name, "reboot");
    assert_eq!(event.data.payload, Some(serde_json::json!({"delay": 5})));
    drop(stream);

    let requests = server.requests();
    assert_eq!(
        requests[0].path(),
        format!("/applications/{APP}/devices/{DEVICE}/commandStream")
    );
    assert!(!requests[0].query().contains("_actions"));
}

#[tokio::test]
async fn keep_alive_comments_and_other_events_are_not_yielded() {
    let server = serve(vec![Reply::sse(
        [
            keep_alive(),
            ":\n\n".to_string(),
            event("deviceState", None, &state(1)),
            keep_alive(),
            event("somethingElse", None, r#"{"unrelated":true}"#),
            keep_alive(),
            event("deviceState", None, &state(2)),
            keep_alive(),
        ],
        End::Finish,
    )])
    .await;
    let client = client(&server.base_url);
    let stream = device(&client).state_stream_with(options().with_max_reconnects(0));

    let items = drain(stream).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(
        temp(items[0].as_ref().expect("first event")),
        Some(&StateValue::Int64(1))
    );
    assert_eq!(
        temp(items[1].as_ref().expect("second event")),
        Some(&StateValue::Int64(2))
    );
    assert!(
        matches!(&items[2], Err(Error::StreamLost { attempts: 0, .. })),
        "{:?}",
        items[2]
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn keep_alives_keep_a_quiet_connection_alive() {
    // 15 keep-alives 100 ms apart: 1.5 s without an event, longer than the
    // 1 s read timeout, so only the keep-alives keep the connection.
    let mut chunks: Vec<String> = (0..15).map(|_| keep_alive()).collect();
    chunks.push(event("deviceState", None, &state(9)));
    let server = serve(vec![
        Reply::sse(chunks, End::Hold).paced(Duration::from_millis(100))
    ])
    .await;
    let client = client(&server.base_url);
    let mut stream =
        device(&client).state_stream_with(options().with_read_timeout(Duration::from_secs(1)));

    let event = next(&mut stream).await.expect("an event");
    assert_eq!(temp(&event), Some(&StateValue::Int64(9)));
    assert_eq!(server.requests().len(), 1, "no reconnection happened");
}

#[tokio::test]
async fn dropped_connection_resumes_with_last_event_id() {
    let server = serve(vec![
        // Cut mid-body: a read error.
        Reply::sse(
            [
                event("deviceState", Some("42"), &state(42)),
                event("deviceState", Some("43"), &state(43)),
            ],
            End::Abort,
        ),
        // Closed cleanly: the end of the body.
        Reply::sse([event("deviceState", Some("44"), &state(44))], End::Finish),
        Reply::sse([event("deviceState", Some("45"), &state(45))], End::Hold),
    ])
    .await;
    let client = client(&server.base_url);
    let mut stream = device(&client).state_stream_with(options().with_last_event_id("41"));

    for expected in 42..=45 {
        let event = next(&mut stream).await.expect("an event");
        assert_eq!(event.id, Some(expected.to_string()));
        assert_eq!(temp(&event), Some(&StateValue::Int64(expected)));
    }
    drop(stream);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let sent: Vec<_> = requests.iter().map(|r| r.header("last-event-id")).collect();
    assert_eq!(sent, [Some("41"), Some("43"), Some("44")]);
    for request in &requests {
        assert_eq!(request.query(), "keepAliveInterval=7");
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

#[tokio::test]
async fn silent_connection_is_replaced() {
    let server = serve(vec![
        // One event, then nothing at all: the read timeout declares it dead.
        Reply::sse([event("deviceState", Some("1"), &state(1))], End::Hold),
        Reply::sse([event("deviceState", Some("2"), &state(2))], End::Hold),
    ])
    .await;
    let client = client(&server.base_url);
    let mut stream =
        device(&client).state_stream_with(options().with_read_timeout(Duration::from_millis(300)));

    let first = next(&mut stream).await.expect("first event");
    assert_eq!(temp(&first), Some(&StateValue::Int64(1)));
    let second = next(&mut stream).await.expect("second event");
    assert_eq!(temp(&second), Some(&StateValue::Int64(2)));
    drop(stream);

    tokio::time::timeout(PATIENCE, server.wait_closed_by_client(1))
        .await
        .expect("the silent connection should be closed");
    let requests = server.requests();
    assert!(requests.len() >= 2);
    assert_eq!(requests[1].header("last-event-id"), Some("1"));
}

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
async fn malformed_event_is_a_decode_error_and_the_stream_goes_on() {
    let server = serve(vec![Reply::sse(
        [
            event("deviceState", Some("1"), &state(1)),
            event(
                "deviceState",
                Some("2"),
                r#"{"data":{"temp":1},"time":[1,2]}"#,
            ),
            event("deviceState", Some("3"), "this is not json"),
            event("deviceState", Some("4"), &state(4)),
        ],
        End::Hold,
    )])
    .await;
    let client = client(&server.base_url);
    let mut stream = device(&client).state_stream_with(options());

    let first = next(&mut stream).await.expect("first event");
    assert_eq!(temp(&first), Some(&StateValue::Int64(1)));

    match next(&mut stream).await {
        Err(Error::Decode {
            operation,
            path,
            excerpt,
            ..
        }) => {
            assert_eq!(operation, "stateStream event deviceState");
            assert_eq!(path, "time");
            assert!(excerpt.contains("[1,2]"), "{excerpt}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match next(&mut stream).await {
        Err(error @ Error::Decode { .. }) => {
            let text = error.to_string();
            assert!(text.contains("deviceState"), "{text}");
            assert!(text.contains("this is not json"), "{text}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }

    let last = next(&mut stream).await.expect("the stream continues");
    assert_eq!(last.id.as_deref(), Some("4"));
    assert_eq!(temp(&last), Some(&StateValue::Int64(4)));
    drop(stream);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn exhausted_reconnects_end_with_a_typed_error() {
    let server = serve(vec![
        Reply::sse([event("deviceState", Some("1"), &state(1))], End::Finish),
        Reply::typed(
            503,
            "application/json",
            br#"{"type":"ServiceUnavailable","message":"later"}"#,
        ),
    ])
    .await;
    let client = client(&server.base_url);
    let stream = device(&client).state_stream_with(options().with_max_reconnects(3));

    let items = drain(stream).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok(), "{:?}", items[0]);
    match &items[1] {
        Err(Error::StreamLost {
            operation,
            attempts,
            last,
        }) => {
            assert_eq!(operation, "stateStream");
            assert_eq!(*attempts, 3);
            assert_eq!(last.status().map(|s| s.as_u16()), Some(503));
        }
        other => panic!("expected StreamLost, got {other:?}"),
    }
    // The first connection, then three reconnection attempts.
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests[1..]
        .iter()
        .all(|r| r.header("last-event-id") == Some("1")));
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

#[test]
fn options_derive_the_read_timeout_from_the_keep_alive() {
    let default = StreamOptions::default();
    assert_eq!(default.keep_alive_seconds(), 10);
    assert_eq!(default.effective_read_timeout(), Duration::from_secs(30));
    let quick = default.clone().with_keep_alive(Duration::from_millis(1500));
    assert_eq!(quick.keep_alive_seconds(), 2);
    assert_eq!(quick.effective_read_timeout(), Duration::from_secs(6));
    let tiny = default.clone().with_keep_alive(Duration::ZERO);
    assert_eq!(tiny.keep_alive_seconds(), 1);
    assert_eq!(tiny.effective_read_timeout(), Duration::from_secs(5));
    let set = default.with_read_timeout(Duration::from_secs(2));
    assert_eq!(set.effective_read_timeout(), Duration::from_secs(2));
}
