//! The bulk operations of the devices collection: delete, restore, remove
//! data, export, payload counts and commands, each with its immediate
//! answer (200) and its background job (202) where it has both.

use crate::common::APP;
use crate::contract::*;
use losant_device::types;
use serde_json::json;

#[tokio::test]
async fn devices_delete_restore_and_remove_data() {
    run(vec![
        Case {
            name: "delete_devices_200_is_the_immediate_result",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/delete\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({"query": {"name": {"$eq": "x"}}, "forceJob": false})),
                status: 200,
                answer: Answer::Json(json!({"removed": 3, "failed": 1, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .delete_devices()
                    .application_id(APP)
                    .body(case.body::<types::DevicesDeleteOrRestorePost>())
                    .await?;
                match outcome {
                    types::DeleteDevicesOutcome::BulkDeleteResponse(done) => {
                        assert_eq!(done.removed, Some(3));
                        assert_eq!(done.failed, Some(1));
                    }
                    other => panic!("expected BulkDeleteResponse, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "delete_devices_202_is_a_queued_job",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/delete\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "query": {"deviceClass": "gateway"}, "email": "ops@example.com",
                    "callbackUrl": "https://example.com/hooks/delete", "forceJob": true
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .delete_devices()
                    .application_id(APP)
                    .body(case.body::<types::DevicesDeleteOrRestorePost>())
                    .await?;
                match outcome {
                    types::DeleteDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
                    other => panic!("expected JobEnqueuedResult, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "restore_devices_200_is_the_immediate_result",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/restore\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "query": {"id": "575ecf887ae143cd83dc4aa2"}, "forceJob": false
                })),
                status: 200,
                answer: Answer::Json(json!({"restored": 1, "failed": 0, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .restore_devices()
                    .application_id(APP)
                    .body(case.body::<types::DevicesDeleteOrRestorePost>())
                    .await?;
                match outcome {
                    types::RestoreDevicesOutcome::BulkRestoreResponse(done) => {
                        assert_eq!(done.restored, Some(1));
                        assert_eq!(done.failed, Some(0));
                    }
                    other => panic!("expected BulkRestoreResponse, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "restore_devices_202_is_a_queued_job",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/restore\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({"query": {"deviceClass": "gateway"}, "forceJob": true})),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .restore_devices()
                    .application_id(APP)
                    .body(case.body::<types::DevicesDeleteOrRestorePost>())
                    .await?;
                match outcome {
                    types::RestoreDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
                    other => panic!("expected JobEnqueuedResult, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "remove_devices_data_posts_json_and_decodes_the_job",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/removeData\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Numbers(json!({
                    "query": {"name": {"$like": "sensor*"}}, "start": -86400000, "end": 0,
                    "attributes": ["voltage"], "keepConnectionHistory": true,
                    "keepCommandHistory": false, "email": "ops@example.com"
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let job = client
                    .remove_devices_data()
                    .application_id(APP)
                    .body(case.body::<types::DevicesRemoveDataPost>())
                    .await?;
                assert_job(&job);
                Ok(())
            }),
        },
    ])
    .await;
}

#[tokio::test]
async fn devices_export_counts_and_commands() {
    run(vec![
        Case {
            name: "export_devices_sends_email_and_callback_then_the_body",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/export\
                          ?_actions=false&_links=true&_embedded=true\
                          &email=ops%40example.com\
                          &callbackUrl=https%3A%2F%2Fexample.com%2Fhooks%2Fexport%3Frun%3D1",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "format": "json", "query": {"name": {"$like": "sensor*"}}
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let job = client
                    .export_devices()
                    .application_id(APP)
                    .callback_url("https://example.com/hooks/export?run=1")
                    .email("ops@example.com")
                    .body(case.body::<types::DevicesExportPost>())
                    .await?;
                assert_job(&job);
                Ok(())
            }),
        },
        Case {
            name: "export_devices_without_a_body_sends_none",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/export\
                          ?_actions=false&_links=true&_embedded=true&email=ops%40example.com",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, _| async move {
                let job = client
                    .export_devices()
                    .application_id(APP)
                    .email("ops@example.com")
                    .await?;
                assert_job(&job);
                Ok(())
            }),
        },
        Case {
            name: "export_devices_payload_counts_posts_the_body",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/payloadCounts\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Numbers(json!({
                    "email": "ops@example.com", "callbackUrl": "https://example.com/hooks/counts",
                    "query": {"deviceClass": "gateway"}, "start": -604800000, "end": 0
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let job = client
                    .export_devices_payload_counts()
                    .application_id(APP)
                    .body(case.body::<types::DevicesExportPayloadCountPost>())
                    .await?;
                assert_job(&job);
                Ok(())
            }),
        },
        Case {
            name: "export_devices_payload_counts_without_a_body_sends_none",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/payloadCounts\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, _| async move {
                let job = client
                    .export_devices_payload_counts()
                    .application_id(APP)
                    .await?;
                assert_job(&job);
                Ok(())
            }),
        },
        Case {
            name: "send_devices_command_200_is_success",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/command\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "name": "reboot", "payload": {"delay": 5, "reason": "update"},
                    "deviceIds": ["575ecf887ae143cd83dc4aa2", "575ecf887ae143cd83dc4ab7"]
                })),
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .send_devices_command()
                    .application_id(APP)
                    .body(case.body::<types::MultiDeviceCommand>())
                    .await?;
                match outcome {
                    types::SendDevicesCommandOutcome::Success(done) => {
                        assert_eq!(done.success, Some(true))
                    }
                    other => panic!("expected Success, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "send_devices_command_202_is_a_queued_job",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/command\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Numbers(json!({
                    "name": "calibrate", "time": 1465790400000i64,
                    "deviceTags": [{"key": "floor", "value": "8"}],
                    "deviceQuery": {"deviceClass": "peripheral"}
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .send_devices_command()
                    .application_id(APP)
                    .body(case.body::<types::MultiDeviceCommand>())
                    .await?;
                match outcome {
                    types::SendDevicesCommandOutcome::JobEnqueuedResult(job) => assert_job(&job),
                    other => panic!("expected JobEnqueuedResult, got {other:?}"),
                }
                Ok(())
            }),
        },
    ])
    .await;
}
