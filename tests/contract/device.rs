//! One device: read, update, delete, and Losant's error answers.

use crate::common::{device_json, APP, DEVICE};
use crate::contract::*;
use losant_device::{types, DeviceStateOrStates, Error};
use serde_json::json;

#[tokio::test]
async fn device_get_update_delete() {
    run(vec![
        Case {
            name: "get_device_sends_only_the_hypermedia_defaults",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(device_json()),
            },
            call: call(|client, _| async move {
                let device = client
                    .get_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await?;
                assert_eq!(device.name.as_deref(), Some("My Device"));
                assert_eq!(
                    device.description.as_deref(),
                    Some("Description of my device")
                );
                assert_eq!(device.device_class, Some(types::DeviceClass::Standalone));
                assert_eq!(device.id.as_ref().map(|id| id.as_str()), Some(DEVICE));
                assert_eq!(
                    device.application_id.as_ref().map(|id| id.as_str()),
                    Some(APP)
                );
                assert_eq!(device.system_interval, Some(60));
                assert_eq!(device.keep_duplicates, Some(false));
                assert!(device.parent_id.is_none());
                assert_eq!(
                    device.creation_date.map(|t| t.to_rfc3339()),
                    Some("2016-06-13T04:00:00+00:00".to_string())
                );
                match device.tags {
                    Some(types::DeviceTags::Array(tags)) => {
                        assert_eq!(tags.len(), 1);
                        assert_eq!(tags[0].key.as_str(), "TagKey");
                        assert_eq!(tags[0].value, "TagValue");
                    }
                    other => panic!("expected tags as an array, got {other:?}"),
                }
                let connection = device.connection_info.expect("connectionInfo decoded");
                assert_eq!(connection.connected, Some(1));
                Ok(())
            }),
        },
        Case {
            name: "get_device_with_every_query_parameter_and_links_override",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                          ?_actions=false&_links=false&_embedded=true\
                          &excludeConnectionInfo=true&tagsAsObject=true&attributesAsObject=true",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "id": "575ecf887ae143cd83dc4aa2", "deviceId": "575ecf887ae143cd83dc4aa2",
                    "applicationId": "575ec8687ae143cd83dc4a97", "name": "Boiler sensor",
                    "deviceClass": "peripheral", "gatewayId": "575ecf887ae143cd83dc4aa3",
                    "parentId": "575ecf887ae143cd83dc4aa3",
                    "ancestorIds": ["575ecf887ae143cd83dc4aa3"],
                    "tags": {"floor": "3", "building": "north"},
                    "attributes": {
                        "temperature": {"name": "temperature", "dataType": "number", "attributeTags": {}},
                        "status": {"name": "status", "dataType": "string", "attributeTags": {"unit": "none"}}
                    },
                    "futureField": 1
                })),
            },
            call: call(|client, _| async move {
                let device = client
                    .get_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .links(false)
                    .exclude_connection_info(true)
                    .tags_as_object(true)
                    .attributes_as_object(true)
                    .await?;
                assert_eq!(device.name.as_deref(), Some("Boiler sensor"));
                assert_eq!(device.device_class, Some(types::DeviceClass::Peripheral));
                assert!(device.connection_info.is_none());
                assert_eq!(
                    device.parent_id.as_ref().map(|id| id.as_str()),
                    Some("575ecf887ae143cd83dc4aa3")
                );
                assert_eq!(device.ancestor_ids.len(), 1);
                match device.tags {
                    Some(types::DeviceTags::Object(tags)) => {
                        assert_eq!(tags.get("floor").map(String::as_str), Some("3"));
                        assert_eq!(tags.get("building").map(String::as_str), Some("north"));
                    }
                    other => panic!("expected tags as an object, got {other:?}"),
                }
                match device.attributes {
                    Some(types::DeviceAttributeList::Object(attributes)) => {
                        assert_eq!(attributes.len(), 2);
                        assert!(attributes.contains_key("temperature"));
                        assert!(attributes.contains_key("status"));
                    }
                    other => panic!("expected attributes as an object, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "update_device_patches_with_query_in_api_order",
            wire: Wire {
                request: "PATCH /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                          ?_actions=false&_links=true&_embedded=true\
                          &tagsAsObject=true&attributesAsObject=false",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "name": "Renamed device", "description": "Moved to the second floor",
                    "tags": [{"key": "floor", "value": "2"}], "systemInterval": 30,
                    "keepDuplicates": true
                })),
                status: 200,
                answer: Answer::Json(with(
                    device_json(),
                    json!({
                        "name": "Renamed device", "description": "Moved to the second floor",
                        "tags": {"floor": "2"}, "systemInterval": 30, "keepDuplicates": true
                    }),
                )),
            },
            call: call(|client, case| async move {
                let device = client
                    .update_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .tags_as_object(true)
                    .attributes_as_object(false)
                    .body(case.body::<types::DevicePatch>())
                    .await?;
                assert_eq!(device.name.as_deref(), Some("Renamed device"));
                assert_eq!(device.system_interval, Some(30));
                assert_eq!(device.keep_duplicates, Some(true));
                match device.tags {
                    Some(types::DeviceTags::Object(tags)) => {
                        assert_eq!(tags.get("floor").map(String::as_str), Some("2"));
                    }
                    other => panic!("expected tags as an object, got {other:?}"),
                }
                Ok(())
            }),
        },
        // `tags`/`attributes` in a patch replace the whole list and
        // `parentId` accepts null (devicePatch schema), so `[]` and `null`
        // must reach Losant: they are how a caller removes every tag or
        // detaches a device.
        Case {
            name: "update_device_can_clear_tags_attributes_and_parent",
            wire: Wire {
                request: "PATCH /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({"tags": [], "attributes": [], "parentId": null})),
                status: 200,
                answer: Answer::Json(device_json()),
            },
            // Built with the typed builder: the case is about its `None`s
            // and empty lists.
            call: call(|client, _| async move {
                let device = client
                    .update_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(
                        types::DevicePatch::builder()
                            .tags(Some(Vec::new()))
                            .attributes(Some(Vec::new()))
                            .parent_id(Some(types::DevicePatchParentId::NoParent(
                                types::NoParent(()),
                            ))),
                    )
                    .await?;
                assert_eq!(device.name.as_deref(), Some("My Device"));
                Ok(())
            }),
        },
        Case {
            name: "delete_device_sends_no_body",
            wire: Wire {
                request: "DELETE /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, _| async move {
                let answer = client
                    .delete_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await?;
                assert_eq!(answer.success, Some(true));
                Ok(())
            }),
        },
    ])
    .await;
}

#[tokio::test]
async fn device_errors() {
    run(vec![
        Case {
            name: "validation_error_becomes_api_error",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/state\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({"data": {"temperature": "hot"}})),
                status: 400,
                answer: Answer::Json(json!({
                    "type": "Validation", "message": "data.temperature should be number",
                    "futureField": 1
                })),
            },
            call: call(|client, case| async move {
                let error = client
                    .send_device_state()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<DeviceStateOrStates>())
                    .await
                    .expect_err("a 400 is an error");
                assert!(matches!(
                    error,
                    Error::Api { ref kind, .. }
                        if kind.as_ref().map(|k| k.as_str()) == Some("Validation")
                ));
                assert_api_error(
                    error,
                    400,
                    "Validation",
                    "data.temperature should be number",
                );
                Ok(())
            }),
        },
        Case {
            name: "not_found_error_becomes_api_error",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[],
                body: Body::None,
                status: 404,
                answer: Answer::Json(
                    json!({"type": "NotFound", "message": "Device was not found"}),
                ),
            },
            call: call(|client, _| async move {
                let error = client
                    .get_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await
                    .expect_err("a 404 is an error");
                assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
                assert_api_error(error, 404, "NotFound", "Device was not found");
                Ok(())
            }),
        },
        Case {
            name: "not_found_error_on_a_job_operation_becomes_api_error",
            wire: Wire {
                request: "DELETE /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/data\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 404,
                answer: Answer::Json(
                    json!({"type": "NotFound", "message": "Device was not found"}),
                ),
            },
            call: call(|client, _| async move {
                let error = client
                    .remove_device_data()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await
                    .expect_err("a 404 is an error");
                assert_api_error(error, 404, "NotFound", "Device was not found");
                Ok(())
            }),
        },
    ])
    .await;
}
