//! Event streams against hostile servers: lines and events without end,
//! answers that are not event streams, and servers that answer and hang up
//! forever. Each must end the connection, and the stream must end after the
//! configured reconnects, with a typed error.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::client_at as client;
use common::{APP, DEVICE};
use futures::StreamExt;
use loopback::{keep_alive, serve, End, Reply};
use losant_device::sse::{StreamFailure, StreamOptions};
use losant_device::{Backoff, Error};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

fn options(reconnects: u32) -> StreamOptions {
    StreamOptions::default()
        .with_max_reconnects(reconnects)
        .with_backoff(Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
        .with_limits(64 * 1024, 256 * 1024)
}

/// Drains the stream; returns everything it yielded.
async fn drain(base_url: &str, options: StreamOptions) -> Vec<Result<(), Error>> {
    let client = client(base_url);
    let device = client
        .application(APP.parse().unwrap())
        .device(DEVICE.parse().unwrap());
    let stream = device.state_stream_with(options).map(|item| item.map(drop));
    tokio::time::timeout(PATIENCE, stream.collect())
        .await
        .expect("the stream ends")
}

fn lost_because(items: &[Result<(), Error>]) -> (&StreamFailure, u32) {
    match items.last() {
        Some(Err(Error::StreamLost { attempts, last, .. })) => match last.as_ref() {
            Error::EventStream { failure, .. } => (failure, *attempts),
            other => panic!("lost for another reason: {other:?}"),
        },
        other => panic!("expected StreamLost, got {other:?}"),
    }
}

#[tokio::test]
async fn a_line_without_end_ends_the_connection_at_the_line_limit() {
    let server = serve(vec![Reply::Endless {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        declared_length: None,
        chunk: b"data: "
            .iter()
            .chain([b'x'; 8192].iter())
            .copied()
            .collect(),
    }])
    .await;
    let items = drain(&server.base_url, options(1)).await;
    let (failure, attempts) = lost_because(&items);
    assert_eq!(failure, &StreamFailure::LineTooLong { limit: 64 * 1024 });
    assert_eq!(attempts, 1);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn an_event_without_end_ends_the_connection_at_the_event_limit() {
    let line = format!("data: {}\n", "y".repeat(1000));
    let server = serve(vec![Reply::Endless {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        declared_length: None,
        chunk: line.repeat(8).into_bytes(),
    }])
    .await;
    let items = drain(&server.base_url, options(0)).await;
    let (failure, _) = lost_because(&items);
    assert_eq!(failure, &StreamFailure::EventTooLarge { limit: 256 * 1024 });
}

#[tokio::test]
async fn a_server_that_answers_and_hangs_up_uses_up_the_reconnects() {
    // Bytes arrive on every connection, but never an event.
    let server = serve(vec![Reply::sse([keep_alive()], End::Finish)]).await;
    let items = drain(&server.base_url, options(3)).await;
    let (failure, attempts) = lost_because(&items);
    assert_eq!(failure, &StreamFailure::Closed);
    assert_eq!(attempts, 3);
    assert_eq!(
        server.hits(),
        4,
        "the first connection and three reconnects"
    );
}

#[tokio::test]
async fn an_answer_that_is_not_an_event_stream_is_a_failed_attempt() {
    let portal = Reply::typed(200, "text/html", b"<html>Sign in to the hotel Wi-Fi</html>");
    let server = serve(vec![portal]).await;
    let items = drain(&server.base_url, options(2)).await;
    let (failure, _) = lost_because(&items);
    assert_eq!(
        failure,
        &StreamFailure::NotEventStream {
            content_type: Some("text/html".into())
        }
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_decoded_event_restores_the_reconnect_budget() {
    let good = loopback::event("deviceState", Some("1"), r#"{"data":{"temp":1}}"#);
    let server = serve(vec![
        Reply::sse([keep_alive()], End::Finish),
        Reply::sse([good], End::Finish),
        Reply::sse([keep_alive()], End::Finish),
    ])
    .await;
    let items = drain(&server.base_url, options(1)).await;
    assert!(items[0].is_ok(), "{:?}", items[0]);
    let (_, attempts) = lost_because(&items);
    assert_eq!(attempts, 1);
    // 1 (closed), reconnect 1 (an event: budget back), reconnect 1 (closed), give up.
    assert_eq!(server.hits(), 3);
}
