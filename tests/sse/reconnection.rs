//! Reconnecting: keep-alives, resuming with `Last-Event-ID`, replacing a
//! silent connection, and the typed error when reconnects run out.

use crate::common::client_at as client;
use crate::common::TOKEN;
use crate::loopback::{event, keep_alive, serve, End, Reply};
use crate::{device, drain, next, options, state, temp, PATIENCE};
use losant_device::sse::StreamOptions;
use losant_device::types::StateValue;
use losant_device::Error;
use std::time::Duration;

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
