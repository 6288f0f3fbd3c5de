//! The two event streams of a device, opened through the generated calls:
//! their query strings (no hypermedia switches unless given), the
//! `Last-Event-ID` header, and the first event decoded.

use crate::common::{APP, DEVICE};
use crate::contract::*;
use futures::StreamExt;
use losant_device::types;

#[tokio::test]
async fn device_streams() {
    run(vec![
        Case {
            name: "stream_device_state_sends_the_hypermedia_switches_only_when_given",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/stateStream\
                          ?_actions=true&_links=false&_embedded=false&keepAliveInterval=5",
                headers: &[("last-event-id", Some("41")), ("content-length", None)],
                body: Body::None,
                status: 200,
                answer: Answer::EventStream(":keepalive\n\n"),
            },
            call: call(|client, _| async move {
                // Opened, then dropped: reading on would reconnect once the
                // keep-alive-only body ends.
                let events = client
                    .stream_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .keep_alive_interval(5)
                    .last_event_id("41")
                    .embedded(false)
                    .links(false)
                    .actions(true)
                    .await?;
                drop(events);
                Ok(())
            }),
        },
        Case {
            name: "stream_device_state_has_no_hypermedia_switches",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/stateStream\
                          ?keepAliveInterval=5",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::EventStream(
                    "event: deviceState\n\
                     data: {\"time\":\"2016-06-13T04:00:00.000Z\",\"data\":{\"temperature\":21.5}}\n\n",
                ),
            },
            call: call(|client, _| async move {
                let mut events = client
                    .stream_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .keep_alive_interval(5)
                    .send()
                    .await?;
                let event = events.next().await.expect("an event")?;
                assert_eq!(event.name, "deviceState");
                assert_eq!(
                    event.data.data.get("temperature"),
                    Some(&types::StateValue::Number(21.5))
                );
                Ok(())
            }),
        },
        Case {
            name: "stream_device_commands_has_no_query_at_all_by_default",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/commandStream",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::EventStream(
                    "event: deviceCommand\n\
                     data: {\"name\":\"reboot\",\"payload\":{\"delay\":5},\"time\":\"2016-06-13T04:00:00.000Z\"}\n\n",
                ),
            },
            call: call(|client, _| async move {
                let mut events = client
                    .stream_device_commands()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .send()
                    .await?;
                let event = events.next().await.expect("an event")?;
                assert_eq!(event.name, "deviceCommand");
                assert_eq!(event.data.name, "reboot");
                Ok(())
            }),
        },
        Case {
            name: "stream_device_commands_keep_alive_interval",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/commandStream\
                          ?keepAliveInterval=30",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::EventStream(":keepalive\n\n"),
            },
            call: call(|client, _| async move {
                // Opened, then dropped, as above.
                let events = client
                    .stream_device_commands()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .keep_alive_interval(30)
                    .send()
                    .await?;
                drop(events);
                Ok(())
            }),
        },
    ])
    .await;
}
