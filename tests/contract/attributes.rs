//! Device attributes: list, create, read, update and delete.

use crate::common::{APP, DEVICE};
use crate::contract::*;
use losant_device::types;
use serde_json::{json, Value};

fn attribute_json() -> Value {
    json!({
        "name": "voltage", "dataType": "number", "contentType": "",
        "description": "Supply voltage", "attributeTags": {"unit": "V"}, "applicationId": APP,
        "deviceId": DEVICE, "futureField": 1,
        "_links": {"self": {"href": "/applications/x/devices/y/attributes/voltage"}}
    })
}

#[tokio::test]
async fn device_attributes() {
    run(vec![
        Case {
            name: "list_device_attributes_sends_parameters_in_api_order",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/attributes\
                          ?_actions=false&_links=true&_embedded=true\
                          &sortField=dataType&sortDirection=desc\
                          &filterField=name&filter=volt%2A",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "items": [attribute_json(), with(attribute_json(), json!({"name": "current"}))],
                    "count": 2, "totalCount": 2, "sortField": "dataType", "sortDirection": "desc",
                    "filterField": "name", "filter": "volt*", "applicationId": APP,
                    "deviceId": DEVICE, "futureField": 1,
                    "_links": {"self": {"href": "/applications/x/devices/y/attributes"}}
                })),
            },
            call: call(|client, _| async move {
                let list = client
                    .list_device_attributes()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .filter("volt*")
                    .filter_field(types::DeviceAttributeFilterField::Name)
                    .sort_direction(types::SortDirection::Desc)
                    .sort_field(types::DeviceAttributeSortField::DataType)
                    .await?;
                assert_eq!(list.count, Some(2));
                assert_eq!(list.total_count, Some(2));
                assert_eq!(list.device_id.as_ref().map(|id| id.as_str()), Some(DEVICE));
                assert_eq!(list.filter.as_deref(), Some("volt*"));
                assert_eq!(list.items.len(), 2);
                let names: Vec<_> = list
                    .items
                    .iter()
                    .map(|a| a.name.as_ref().map(|n| n.as_str()))
                    .collect();
                assert_eq!(names, [Some("voltage"), Some("current")]);
                assert_eq!(
                    list.items[0].data_type,
                    Some(types::AttributeDataType::Number)
                );
                Ok(())
            }),
        },
        Case {
            name: "create_device_attribute_posts_json_and_decodes_201",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/attributes\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "name": "voltage", "dataType": "number", "description": "Supply voltage",
                    "attributeTags": {"unit": "V"}
                })),
                status: 201,
                answer: Answer::Json(attribute_json()),
            },
            call: call(|client, case| async move {
                let attribute = client
                    .create_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(case.body::<types::DeviceAttributePost>())
                    .await?;
                assert_eq!(attribute.name.as_ref().map(|n| n.as_str()), Some("voltage"));
                assert_eq!(attribute.data_type, Some(types::AttributeDataType::Number));
                assert_eq!(attribute.description.as_deref(), Some("Supply voltage"));
                let tags = attribute.attribute_tags.expect("attribute tags");
                assert_eq!(tags.get("unit").map(String::as_str), Some("V"));
                Ok(())
            }),
        },
        Case {
            name: "get_device_attribute_reads_one_by_name",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/attributes/voltage\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(attribute_json()),
            },
            call: call(|client, _| async move {
                let attribute = client
                    .get_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("voltage")
                    .await?;
                assert_eq!(attribute.name.as_ref().map(|n| n.as_str()), Some("voltage"));
                assert_eq!(
                    attribute.device_id.as_ref().map(|id| id.as_str()),
                    Some(DEVICE)
                );
                Ok(())
            }),
        },
        Case {
            name: "update_device_attribute_patches_json",
            wire: Wire {
                request: "PATCH /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/attributes/voltage\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "description": "Mains voltage", "attributeTags": {"unit": "mV"}
                })),
                status: 200,
                answer: Answer::Json(with(
                    attribute_json(),
                    json!({"description": "Mains voltage", "attributeTags": {"unit": "mV"}}),
                )),
            },
            call: call(|client, case| async move {
                let attribute = client
                    .update_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("voltage")
                    .body(case.body::<types::DeviceAttributePatch>())
                    .await?;
                assert_eq!(attribute.description.as_deref(), Some("Mains voltage"));
                let tags = attribute.attribute_tags.expect("attribute tags");
                assert_eq!(tags.get("unit").map(String::as_str), Some("mV"));
                Ok(())
            }),
        },
        Case {
            name: "delete_device_attribute_sends_no_body",
            wire: Wire {
                request: "DELETE /applications/575ec8687ae143cd83dc4a97/devices/575ecf887ae143cd83dc4aa2/attributes/voltage\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, _| async move {
                let done = client
                    .delete_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("voltage")
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
    ])
    .await;
}
