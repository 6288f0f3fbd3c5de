//! One device's data and connection: export, connection log, payload
//! counts, data removal and setting the connection status.

use crate::common::{APP, DEVICE};
use crate::contract::*;
use losant_device::types;
use serde_json::json;

const JOB: &str = "jL0hcaXW8HkiFqL9RGUsm";

#[tokio::test]
async fn device_export_and_removal() {
    run(vec![
        Case {
            name: "export_device_data_without_body_sends_query_in_api_order_and_no_body",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/export\
                          ?_actions=false&_links=true&_embedded=true\
                          &start=-86400000&end=0\
                          &email=ops%2Balerts%40example.com\
                          &callbackUrl=https%3A%2F%2Fhooks.example.com%2Fexport%3Fsource%3Dlosant%26note%3Dday%20one\
                          &includeBlobData=true",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 202,
                answer: Answer::Json(json!({"jobQueued": true, "jobId": JOB, "success": true, "futureField": 1})),
            },
            call: call(|client, _| async move {
                let job = client
                    .export_device_data()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .include_blob_data(true)
                    .callback_url("https://hooks.example.com/export?source=losant&note=day one")
                    .email("ops+alerts@example.com")
                    .end(0)
                    .start(-86_400_000)
                    .await?;
                assert!(job.job_queued);
                assert_eq!(job.job_id.as_deref(), Some("jL0hcaXW8HkiFqL9RGUsm"));
                assert_eq!(job.success, Some(true));
                Ok(())
            }),
        },
        Case {
            name: "export_device_data_with_body_sends_it_as_json",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/export\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Numbers(json!({
                    "email": "ops@example.com", "callbackUrl": "https://hooks.example.com/export",
                    "attributes": ["temperature", "humidity"], "start": -86400000, "end": 0
                })),
                status: 202,
                answer: Answer::Json(json!({"jobQueued": true, "jobId": JOB, "success": true, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let job = client
                    .export_device_data()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<types::DeviceDataExport>())
                    .await?;
                assert!(job.job_queued);
                assert_eq!(job.job_id.as_deref(), Some("jL0hcaXW8HkiFqL9RGUsm"));
                Ok(())
            }),
        },
        Case {
            name: "remove_device_data_deletes_without_body_and_decodes_the_job",
            wire: Wire {
                request: "DELETE /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/data\
                          ?_actions=false&_links=true&_embedded=true&start=-604800000&end=-86400000",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 202,
                answer: Answer::Json(json!({"jobQueued": true, "jobId": JOB, "success": true, "futureField": 1})),
            },
            call: call(|client, _| async move {
                let job = client
                    .remove_device_data()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .end(-86_400_000)
                    .start(-604_800_000)
                    .await?;
                assert!(job.job_queued);
                assert_eq!(job.job_id.as_deref(), Some("jL0hcaXW8HkiFqL9RGUsm"));
                assert_eq!(job.success, Some(true));
                Ok(())
            }),
        },
    ])
    .await;
}

#[tokio::test]
async fn device_logs_and_counts() {
    run(vec![
        Case {
            name: "get_device_log_entries_decodes_connect_and_disconnect",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/logs\
                          ?_actions=false&_links=true&_embedded=true\
                          &limit=2&since=1465790400000&sortDirection=desc&start=-604800000&end=-60000",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!([
                    {
                        "connected": 0, "time": "2016-06-13T05:00:00.000Z",
                        "disconnectReason": "Connection lost", "messagesFromClient": 42,
                        "messagesToClient": 7, "ipAddress": "203.0.113.7", "futureField": 1
                    },
                    {"connected": 1, "time": "2016-06-13T04:00:00.000Z", "ipAddress": "203.0.113.7"}
                ])),
            },
            call: call(|client, _| async move {
                let log = client
                    .get_device_log_entries()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .end(-60_000)
                    .start(-604_800_000)
                    .sort_direction(types::SortDirection::Desc)
                    .since(1_465_790_400_000_i64)
                    .limit(2)
                    .await?;
                assert_eq!(log.len(), 2);
                assert_eq!(log[0].connected, Some(0));
                assert_eq!(log[0].disconnect_reason.as_deref(), Some("Connection lost"));
                assert_eq!(log[0].messages_from_client, Some(42));
                assert_eq!(log[0].messages_to_client, Some(7));
                assert_eq!(
                    log[0].time.map(|t| t.to_rfc3339()),
                    Some("2016-06-13T05:00:00+00:00".to_string())
                );
                assert_eq!(log[1].connected, Some(1));
                assert_eq!(log[1].ip_address.as_deref(), Some("203.0.113.7"));
                Ok(())
            }),
        },
        Case {
            name: "get_device_payload_counts_decodes_totals",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/payloadCounts\
                          ?_actions=false&_links=true&_embedded=true&start=-2592000000&end=0",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "deviceState": 1200, "deviceCommand": 3, "deviceConnect": 4,
                    "deviceDisconnect": 4, "mqttIn": 1190, "mqttOut": 12, "futureField": 1
                })),
            },
            call: call(|client, _| async move {
                let counts = client
                    .get_device_payload_counts()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .end(0)
                    .start(-2_592_000_000_i64)
                    .await?;
                assert_eq!(counts.device_state, Some(1200));
                assert_eq!(counts.device_command, Some(3));
                assert_eq!(counts.device_connect, Some(4));
                assert_eq!(counts.device_disconnect, Some(4));
                assert_eq!(counts.mqtt_in, Some(1190));
                assert_eq!(counts.mqtt_out, Some(12));
                Ok(())
            }),
        },
        Case {
            name: "get_device_payload_counts_breakdown_by_hour",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/payloadCountsBreakdown\
                          ?_actions=false&_links=true&_embedded=true\
                          &start=-86400000&end=0&resolution=3600000",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "start": "2016-06-13T00:00:00.000Z", "end": "2016-06-14T00:00:00.000Z",
                    "counts": [
                        {"date": "2016-06-13T00:00:00.000Z", "value": 10, "futureField": 1},
                        {"date": "2016-06-13T01:00:00.000Z", "value": 0}
                    ],
                    "futureField": 1
                })),
            },
            call: call(|client, _| async move {
                let breakdown = client
                    .get_device_payload_counts_breakdown()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .resolution(3_600_000_i64)
                    .end(0)
                    .start(-86_400_000)
                    .await?;
                assert_eq!(
                    breakdown.start.map(|t| t.to_rfc3339()),
                    Some("2016-06-13T00:00:00+00:00".to_string())
                );
                assert_eq!(
                    breakdown.end.map(|t| t.to_rfc3339()),
                    Some("2016-06-14T00:00:00+00:00".to_string())
                );
                assert_eq!(breakdown.counts.len(), 2);
                assert_eq!(breakdown.counts[0].value, Some(10));
                assert_eq!(
                    breakdown.counts[1].date.map(|t| t.to_rfc3339()),
                    Some("2016-06-13T01:00:00+00:00".to_string())
                );
                assert_eq!(breakdown.counts[1].value, Some(0));
                Ok(())
            }),
        },
    ])
    .await;
}

#[tokio::test]
async fn device_connection_status() {
    run(vec![
        Case {
            name: "set_device_connection_status_connected",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/setConnectionStatus\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "status": "connected", "connectedAt": "2016-06-13T04:00:00.000Z",
                    "ipAddress": "203.0.113.7"
                })),
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let done = client
                    .set_device_connection_status()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<types::DeviceConnectionStatus>())
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
        Case {
            name: "set_device_connection_status_disconnected",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/setConnectionStatus\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "status": "disconnected", "connectedAt": "2016-06-13T04:00:00.000Z",
                    "disconnectedAt": "2016-06-13T05:00:00.000Z",
                    "disconnectReason": "Battery low", "messagesFromClient": 42,
                    "messagesToClient": 7, "ipAddress": "203.0.113.7"
                })),
                status: 200,
                answer: Answer::Json(json!({"success": true})),
            },
            call: call(|client, case| async move {
                let done = client
                    .set_device_connection_status()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<types::DeviceConnectionStatus>())
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
    ])
    .await;
}
