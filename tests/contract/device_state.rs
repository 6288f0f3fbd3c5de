//! One device's state and commands: reading history and composite state,
//! sending one state or several, sending a command.

use crate::common::{APP, DEVICE};
use crate::contract::*;
use losant_device::{types, DeviceStateOrStates};
use serde_json::json;

#[tokio::test]
async fn device_commands_and_state() {
    run(vec![
        Case {
            name: "get_device_commands_sends_every_parameter_in_api_order",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/command\
                          ?_actions=false&_links=true&_embedded=true\
                          &limit=25&since=1465790400000&sortDirection=asc\
                          &duration=3600000&start=-86400000&end=0",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!([
                    {
                        "name": "reboot", "payload": {"delay": 5, "reason": "maintenance"},
                        "time": "2016-06-13T04:00:00.000Z", "futureField": 1
                    },
                    {"name": "ping", "time": "2016-06-13T04:05:00.000Z"}
                ])),
            },
            call: call(|client, _| async move {
                let commands = client
                    .get_device_commands()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .end(0)
                    .start(-86_400_000)
                    .duration(3_600_000)
                    .sort_direction(types::SortDirection::Asc)
                    .since(1_465_790_400_000_i64)
                    .limit(25)
                    .await?;
                assert_eq!(commands.len(), 2);
                assert_eq!(commands[0].name, "reboot");
                assert_eq!(
                    commands[0].payload,
                    Some(json!({"delay": 5, "reason": "maintenance"}))
                );
                assert_eq!(
                    commands[0].time,
                    Some(types::TimeFormat::String("2016-06-13T04:00:00.000Z".into()))
                );
                assert_eq!(commands[1].name, "ping");
                assert!(commands[1].payload.is_none());
                Ok(())
            }),
        },
        Case {
            name: "send_device_command_posts_the_command",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/command\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "name": "reboot",
                    "payload": {"delay": 5, "reason": "maintenance", "force": false},
                    "time": "2016-06-13T04:00:00.000Z"
                })),
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let done = client
                    .send_device_command()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<types::DeviceCommand>())
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
        Case {
            name: "get_device_composite_state_decodes_mixed_values",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/compositeState\
                          ?_actions=false&_links=true&_embedded=true\
                          &start=-3600000&end=0&attributes=temperature%2Cstatus%2Conline",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "temperature": {"value": 21.5, "time": "2016-06-13T04:00:00.000Z"},
                    "status": {"value": "ok", "time": "2016-06-13T04:01:00.000Z", "futureField": 1},
                    "online": {"value": true, "time": "2016-06-13T04:02:00.000Z"}
                })),
            },
            call: call(|client, _| async move {
                let state = client
                    .get_device_composite_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .attributes("temperature,status,online")
                    .end(0)
                    .start(-3_600_000)
                    .await?;
                assert_eq!(state.len(), 3);
                assert_eq!(
                    state["temperature"].value,
                    Some(types::StateValue::Number(21.5))
                );
                assert_eq!(
                    state["temperature"].time,
                    Some(types::TimeFormat::String("2016-06-13T04:00:00.000Z".into()))
                );
                assert_eq!(
                    state["status"].value,
                    Some(types::StateValue::String("ok".into()))
                );
                assert_eq!(
                    state["online"].value,
                    Some(types::StateValue::Boolean(true))
                );
                Ok(())
            }),
        },
        Case {
            name: "get_device_state_decodes_states_with_mixed_values",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state\
                          ?_actions=false&_links=true&_embedded=true\
                          &limit=2&sortDirection=desc&duration=600000&end=0",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!([
                    {
                        "time": "2016-06-13T04:10:00.000Z",
                        "data": {"temperature": 21.5, "status": "ok", "online": true, "count": 3},
                        "flowVersion": "default", "futureField": 1
                    },
                    {
                        "time": "2016-06-13T04:00:00.000Z",
                        "data": {"temperature": -4, "online": false}, "meta": {"source": "gateway"}
                    }
                ])),
            },
            call: call(|client, _| async move {
                let states = client
                    .get_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .end(0)
                    .duration(600_000)
                    .sort_direction(types::SortDirection::Desc)
                    .limit(2)
                    .await?;
                use types::StateValue as V;
                assert_eq!(states.len(), 2);
                assert_eq!(
                    states[0].time,
                    Some(types::TimeFormat::String("2016-06-13T04:10:00.000Z".into()))
                );
                assert_eq!(states[0].data["temperature"], V::Number(21.5));
                assert_eq!(states[0].data["status"], V::String("ok".into()));
                assert_eq!(states[0].data["online"], V::Boolean(true));
                assert_eq!(states[0].data["count"], V::Int64(3));
                assert_eq!(states[0].flow_version.as_deref(), Some("default"));
                assert_eq!(states[1].data["temperature"], V::Int64(-4));
                assert_eq!(states[1].data["online"], V::Boolean(false));
                assert_eq!(states[1].meta, Some(json!({"source": "gateway"})));
                Ok(())
            }),
        },
        Case {
            name: "send_device_state_posts_one_state",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "time": "2016-06-13T04:00:00.000Z",
                    "data": {"temperature": 21.5, "status": "ok", "online": true}
                })),
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let done = client
                    .send_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<DeviceStateOrStates>())
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
        Case {
            name: "send_device_state_posts_an_array_of_states_in_one_request",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!([
                    {"time": "2016-06-13T04:00:00.000Z", "data": {"temperature": 21.5}},
                    {
                        "time": "2016-06-13T04:01:00.000Z",
                        "data": {"status": "door open", "online": false},
                        "meta": {"source": "gateway"}
                    }
                ])),
                status: 200,
                answer: Answer::Json(json!({"success": true})),
            },
            call: call(|client, case| async move {
                let done = client
                    .send_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<DeviceStateOrStates>())
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
        // Integral numbers (a state value of 3, an epoch-millisecond `time`)
        // go out as JSON integers, the way the official clients send them.
        Case {
            name: "send_device_state_keeps_integers_integral",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Exact(r#"{"data":{"count":3},"time":1465790400000}"#),
                status: 200,
                answer: Answer::Json(json!({"success": true})),
            },
            call: call(|client, case| async move {
                let done = client
                    .send_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<DeviceStateOrStates>())
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
    ])
    .await;
}
