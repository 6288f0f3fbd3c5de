//! Devices: listing (every parameter, overrides), creation, bulk update and
//! the composite state of many devices.

use crate::common::{device_json, APP, DEVICE};
use crate::contract::*;
use losant_device::types;
use serde_json::json;
use std::collections::BTreeMap;

const PARENT: &str = "575ecf887ae143cd83dc4aa3";
const OTHER_DEVICE: &str = "575ecf887ae143cd83dc4ab7";

#[tokio::test]
async fn devices() {
    run(vec![
        Case {
            name: "list_devices_sends_every_parameter_in_api_order",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices\
                          ?_actions=false&_links=true&_embedded=true\
                          &sortField=lastUpdated&sortDirection=desc&page=2&perPage=25\
                          &filterField=name&filter=my%20%2A%20device\
                          &deviceClass%5B0%5D=standalone&deviceClass%5B1%5D=gateway\
                          &tagFilter%5B0%5D%5Bkey%5D=floor&tagFilter%5B0%5D%5Bvalue%5D=8\
                          &tagFilter%5B1%5D%5Bkey%5D=building\
                          &excludeConnectionInfo=true\
                          &parentId=575ecf887ae143cd83dc4aa3\
                          &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                          &tagsAsObject=true&attributesAsObject=false&queryDeleted=false",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "items": [
                        with(device_json(), json!({"tags": {"floor": "8", "building": "A"}})),
                        with(device_json(), json!({
                            "id": "575ecf887ae143cd83dc4ab7",
                            "deviceId": "575ecf887ae143cd83dc4ab7", "name": "my other device",
                            "deviceClass": "gateway", "tags": {},
                            "connectionInfo": {"connected": 0, "time": "2016-06-14T04:00:00.000Z"}
                        }))
                    ],
                    "count": 2, "totalCount": 27, "perPage": 25, "page": 2,
                    "filter": "my * device", "filterField": "name", "sortField": "lastUpdated",
                    "sortDirection": "desc", "applicationId": APP, "parentId": PARENT,
                    "tagFilter": [{"key": "floor", "value": "8"}, {"key": "building"}],
                    "query": {"name": {"$eq": "x"}}, "futureField": 1,
                    "_links": {"self": {"href": "/applications/x/devices"}}
                })),
            },
            // Setters deliberately called in neither API nor alphabetical order.
            call: call(|client, _| async move {
                let page = client
                    .list_devices()
                    .query_deleted(false)
                    .query(device_query(json!({"name": {"$eq": "x"}})))
                    .tags_as_object(true)
                    .attributes_as_object(false)
                    .parent_id(PARENT)
                    .exclude_connection_info(true)
                    .tag_filter(types::DeviceTagFilter(vec![
                        types::DeviceTagFilterEntry::key_value("floor".parse().unwrap(), "8"),
                        types::DeviceTagFilterEntry::key("building".parse().unwrap()),
                    ]))
                    .device_class(types::DeviceClassFilter::Array(vec![
                        types::DeviceClass::Standalone,
                        types::DeviceClass::Gateway,
                    ]))
                    .filter("my * device")
                    .filter_field(types::DeviceFilterField::Name)
                    .per_page(25)
                    .page(2)
                    .sort_direction(types::SortDirection::Desc)
                    .sort_field(types::DeviceSortField::LastUpdated)
                    .application_id(APP)
                    .await?;
                assert_eq!(page.count, Some(2));
                assert_eq!(page.total_count, Some(27));
                assert_eq!(page.per_page, Some(25));
                assert_eq!(page.page, Some(2));
                assert_eq!(page.filter.as_deref(), Some("my * device"));
                assert_eq!(page.sort_direction.as_deref(), Some("desc"));
                assert_eq!(page.parent_id.as_ref().map(|id| id.as_str()), Some(PARENT));
                assert_eq!(page.items.len(), 2);

                let first = &page.items[0];
                assert_eq!(first.id.as_ref().map(|id| id.as_str()), Some(DEVICE));
                assert_eq!(first.name.as_deref(), Some("My Device"));
                assert_eq!(
                    first.tags,
                    Some(types::DeviceTags::Object(tag_map(&[
                        ("floor", "8"),
                        ("building", "A")
                    ])))
                );
                assert_eq!(first.device_class, Some(types::DeviceClass::Standalone));
                assert_eq!(first.system_interval, Some(60));
                let connected = first.connection_info.as_ref().and_then(|c| c.connected);
                assert_eq!(connected, Some(1));
                match &first.attributes {
                    Some(types::DeviceAttributeList::Array(list)) => {
                        assert_eq!(list.len(), 1);
                        assert_eq!(list[0].name.as_str(), "voltage");
                        assert_eq!(list[0].data_type, types::AttributeDataType::Number);
                    }
                    other => panic!("attributes should be an array, got {other:?}"),
                }

                let second = &page.items[1];
                assert_eq!(
                    second.id.as_ref().map(|id| id.as_str()),
                    Some(OTHER_DEVICE)
                );
                assert_eq!(second.device_class, Some(types::DeviceClass::Gateway));
                assert_eq!(
                    second.tags,
                    Some(types::DeviceTags::Object(BTreeMap::new()))
                );
                let connected = second.connection_info.as_ref().and_then(|c| c.connected);
                assert_eq!(connected, Some(0));
                Ok(())
            }),
        },
        Case {
            name: "list_devices_single_class_goes_plain_and_overrides_keep_their_place",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices\
                          ?_actions=true&_links=false&_embedded=false\
                          &deviceClass=gateway&attributesAsObject=true",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "items": [with(device_json(), json!({
                        "deviceClass": "gateway",
                        "attributes": {
                            "voltage": {"name": "voltage", "dataType": "number", "contentType": "", "attributeTags": {}}
                        },
                        "connectionInfo": {"connected": null}
                    }))],
                    "count": 1, "totalCount": 1, "perPage": 100, "page": 0, "sortField": "name",
                    "sortDirection": "asc", "deviceClass": "gateway", "applicationId": APP,
                    "futureField": 1, "_actions": {"post": {"method": "POST"}}
                })),
            },
            call: call(|client, _| async move {
                let page = client
                    .list_devices()
                    .application_id(APP)
                    .attributes_as_object(true)
                    .device_class(types::DeviceClassFilter::DeviceClass(
                        types::DeviceClass::Gateway,
                    ))
                    .embedded(false)
                    .links(false)
                    .actions(true)
                    .await?;
                assert_eq!(page.device_class, Some(types::DeviceClass::Gateway));
                assert_eq!(page.items.len(), 1);
                let device = &page.items[0];
                assert_eq!(device.device_class, Some(types::DeviceClass::Gateway));
                assert!(device.connection_info.as_ref().unwrap().connected.is_none());
                match &device.attributes {
                    Some(types::DeviceAttributeList::Object(map)) => assert_eq!(
                        map["voltage"].data_type,
                        Some(types::AttributeDataType::Number)
                    ),
                    other => panic!("attributes should be an object, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "create_device_posts_json_and_decodes_201",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices\
                          ?_actions=false&_links=true&_embedded=true\
                          &tagsAsObject=true&attributesAsObject=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "name": "Gateway 7", "description": "Second floor gateway",
                    "deviceClass": "gateway", "tags": [{"key": "floor", "value": "8"}],
                    "attributes": [
                        {"name": "voltage", "dataType": "number", "attributeTags": {"unit": "V"}}
                    ]
                })),
                status: 201,
                answer: Answer::Json(with(
                    device_json(),
                    json!({
                        "name": "Gateway 7", "deviceClass": "gateway", "tags": {"floor": "8"},
                        "attributes": {
                            "voltage": {"name": "voltage", "dataType": "number", "attributeTags": {"unit": "V"}}
                        }
                    }),
                )),
            },
            // Built with the typed builder rather than from the body's JSON.
            call: call(|client, _| async move {
                let body = types::DevicePost::builder()
                    .name("Gateway 7")
                    .description(Some("Second floor gateway".to_string()))
                    .device_class(Some(types::DeviceClass::Gateway))
                    .tags(vec![types::DeviceTag::new("floor".parse().unwrap(), "8")])
                    .attributes(vec![typed::<types::DeviceAttributeDefinition>(json!({
                        "name": "voltage", "dataType": "number", "attributeTags": {"unit": "V"}
                    }))]);
                let device = client
                    .create_device()
                    .application_id(APP)
                    .attributes_as_object(true)
                    .tags_as_object(true)
                    .body(body)
                    .await?;
                assert_eq!(device.name.as_deref(), Some("Gateway 7"));
                assert_eq!(device.device_class, Some(types::DeviceClass::Gateway));
                assert_eq!(
                    device.tags,
                    Some(types::DeviceTags::Object(tag_map(&[("floor", "8")])))
                );
                match &device.attributes {
                    Some(types::DeviceAttributeList::Object(map)) => {
                        let tags = map["voltage"].attribute_tags.as_ref().unwrap();
                        assert_eq!(tags.get("unit").map(String::as_str), Some("V"));
                    }
                    other => panic!("attributes should be an object, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "update_devices_200_is_the_immediate_result",
            wire: Wire {
                request: "PATCH /applications/575ec8687ae143cd83dc4a97/devices\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "deviceIds": ["575ecf887ae143cd83dc4aa2", "575ecf887ae143cd83dc4ab7"],
                    "updateFields": {"description": "Moved to floor 9"}
                })),
                status: 200,
                answer: Answer::Json(json!({
                    "updated": 1, "failed": 0, "skipped": 1,
                    "logLink": "https://files.example.com/log.csv", "futureField": 1
                })),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .update_devices()
                    .application_id(APP)
                    .body(case.body::<types::DevicesPatch>())
                    .await?;
                match outcome {
                    types::UpdateDevicesOutcome::DevicesUpdated(done) => {
                        assert_eq!(done.updated, Some(1));
                        assert_eq!(done.failed, Some(0));
                        assert_eq!(done.skipped, Some(1));
                        assert_eq!(
                            done.log_link.as_deref(),
                            Some("https://files.example.com/log.csv")
                        );
                    }
                    other => panic!("expected DevicesUpdated, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "update_devices_202_is_a_queued_job",
            wire: Wire {
                request: "PATCH /applications/575ec8687ae143cd83dc4a97/devices\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "query": {"deviceClass": "gateway"},
                    "updateFields": {"tags": [{"key": "floor", "value": "9"}]},
                    "email": "ops@example.com"
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .update_devices()
                    .application_id(APP)
                    .body(case.body::<types::DevicesPatch>())
                    .await?;
                match outcome {
                    types::UpdateDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
                    other => panic!("expected JobEnqueuedResult, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "get_devices_composite_state_sends_parameters_in_api_order",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/compositeState\
                          ?_actions=false&_links=true&_embedded=true\
                          &start=-86400000&end=0&attributes=temp%2Chumidity\
                          &sortField=connectionStatus&sortDirection=asc&page=0&perPage=50\
                          &query=%7B%22deviceClass%22%3A%22gateway%22%7D",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "items": [{
                        "id": DEVICE, "name": "My Device",
                        "compositeState": {
                            "temp": {"value": 21.5, "time": "2016-06-13T04:00:00.000Z"},
                            "humidity": {"value": "high", "time": {"$date": "2016-06-13T04:00:00.000Z"}}
                        },
                        "futureField": 1
                    }],
                    "count": 1, "totalCount": 1, "perPage": 50, "page": 0,
                    "sortField": "connectionStatus", "sortDirection": "asc", "applicationId": APP,
                    "query": {"deviceClass": "gateway"}, "futureField": 1
                })),
            },
            call: call(|client, _| async move {
                let state = client
                    .get_devices_composite_state()
                    .application_id(APP)
                    .query(device_query(json!({"deviceClass": "gateway"})))
                    .per_page(50)
                    .page(0)
                    .sort_direction(types::SortDirection::Asc)
                    .sort_field(types::CompositeStateSortField::ConnectionStatus)
                    .attributes("temp,humidity")
                    .end(0)
                    .start(-86400000)
                    .await?;
                assert_eq!(state.count, Some(1));
                assert_eq!(state.per_page, Some(50));
                assert_eq!(state.items.len(), 1);
                let item = &state.items[0];
                assert_eq!(item.id.as_ref().map(|id| id.as_str()), Some(DEVICE));
                let composite = item.composite_state.as_ref().expect("a composite state");
                assert_eq!(
                    composite["temp"].value,
                    Some(types::StateValue::Number(21.5))
                );
                assert_eq!(
                    composite["humidity"].value,
                    Some(types::StateValue::String("high".to_string()))
                );
                assert_eq!(
                    composite["humidity"].time,
                    Some(types::TimeFormat::WrappedDate(types::WrappedDate::new(
                        "2016-06-13T04:00:00.000Z"
                    )))
                );
                Ok(())
            }),
        },
    ])
    .await;
}
