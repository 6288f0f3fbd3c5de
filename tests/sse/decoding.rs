//! Events as they arrive: states, commands, keep-alive comments and events
//! of other kinds, and an event that does not decode.

use crate::common::client_at as client;
use crate::common::{APP, DEVICE, TOKEN};
use crate::loopback::{event, keep_alive, serve, End, Reply};
use crate::{device, drain, next, options, state, temp};
use losant_device::sse::Event;
use losant_device::types::{DeviceCommand, StateValue};
use losant_device::Error;

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
