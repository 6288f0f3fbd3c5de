//! The lookup endpoints of the devices collection: attribute names, device
//! names, tag keys and tag values, and the `losantdomain` header.

use crate::common::{APP, DEVICE, TOKEN};
use crate::contract::*;
use losant_device::{types, Client, RetryPolicy};
use serde_json::json;

#[tokio::test]
async fn devices_lookups() {
    run(vec![
        Case {
            name: "get_device_attribute_names_expands_a_data_type_array",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/attributeNames\
                          ?_actions=false&_links=true&_embedded=true\
                          &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                          &dataType%5B0%5D=number&dataType%5B1%5D=boolean\
                          &startsWith=volt",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"attributeNames": ["voltage", "voltageOk"], "futureField": 1})),
            },
            call: call(|client, _| async move {
                let names = client
                    .get_device_attribute_names()
                    .application_id(APP)
                    .starts_with("volt")
                    .data_type(types::AttributeDataTypeFilter::Array(vec![
                        types::AttributeDataType::Number,
                        types::AttributeDataType::Boolean,
                    ]))
                    .query(device_query(json!({"name": {"$eq": "x"}})))
                    .await?;
                let names: Vec<&str> =
                    names.attribute_names.iter().map(|n| n.as_str()).collect();
                assert_eq!(names, ["voltage", "voltageOk"]);
                Ok(())
            }),
        },
        Case {
            name: "get_device_attribute_names_single_data_type_goes_plain",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/attributeNames\
                          ?_actions=false&_links=true&_embedded=true&dataType=gps",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"attributeNames": ["location"], "futureField": 1})),
            },
            call: call(|client, _| async move {
                let names = client
                    .get_device_attribute_names()
                    .application_id(APP)
                    .data_type(types::AttributeDataTypeFilter::AttributeDataType(
                        types::AttributeDataType::Gps,
                    ))
                    .await?;
                assert_eq!(names.attribute_names.len(), 1);
                assert_eq!(names.attribute_names[0].as_str(), "location");
                Ok(())
            }),
        },
        Case {
            name: "get_device_names_sends_query_then_starts_with",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/deviceNames\
                          ?_actions=false&_links=true&_embedded=true\
                          &query=%7B%22%24or%22%3A%5B%7B%22deviceClass%22%3A%22gateway%22%7D%2C%7B%22deviceClass%22%3A%22system%22%7D%5D%7D\
                          &startsWith=Floor%201",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "deviceSummary": [
                        {"id": DEVICE, "name": "Floor 1 gateway", "deviceClass": "gateway", "futureField": 1},
                        {"id": "575ecf887ae143cd83dc4ab7", "name": "Floor 1 system", "deviceClass": "system"}
                    ],
                    "futureField": 1
                })),
            },
            call: call(|client, _| async move {
                let names = client
                    .get_device_names()
                    .application_id(APP)
                    .starts_with("Floor 1")
                    .query(device_query(json!({
                        "$or": [{"deviceClass": "gateway"}, {"deviceClass": "system"}]
                    })))
                    .await?;
                assert_eq!(names.device_summary.len(), 2);
                let first = &names.device_summary[0];
                assert_eq!(first.id.as_ref().map(|id| id.as_str()), Some(DEVICE));
                assert_eq!(first.name.as_deref(), Some("Floor 1 gateway"));
                assert_eq!(first.device_class, Some(types::DeviceClass::Gateway));
                assert_eq!(
                    names.device_summary[1].device_class,
                    Some(types::DeviceClass::System)
                );
                Ok(())
            }),
        },
        Case {
            name: "get_device_tag_keys_sends_query_then_starts_with",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/tagKeys\
                          ?_actions=false&_links=true&_embedded=true\
                          &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                          &startsWith=fl",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"tagKeys": ["floor", "flow_rate"], "futureField": 1})),
            },
            call: call(|client, _| async move {
                let keys = client
                    .get_device_tag_keys()
                    .application_id(APP)
                    .starts_with("fl")
                    .query(device_query(json!({"name": {"$eq": "x"}})))
                    .await?;
                let keys: Vec<&str> = keys.tag_keys.iter().map(|k| k.as_str()).collect();
                assert_eq!(keys, ["floor", "flow_rate"]);
                Ok(())
            }),
        },
        Case {
            name: "get_device_tag_values_sends_query_key_starts_with",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/tagValues\
                          ?_actions=false&_links=true&_embedded=true\
                          &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                          &key=floor&startsWith=1",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"tagKey": "floor", "tagValues": ["1", "10", "12"], "futureField": 1})),
            },
            call: call(|client, _| async move {
                let values = client
                    .get_device_tag_values()
                    .application_id(APP)
                    .starts_with("1")
                    .key("floor")
                    .query(device_query(json!({"name": {"$eq": "x"}})))
                    .await?;
                assert_eq!(values.tag_key.as_ref().map(|k| k.as_str()), Some("floor"));
                assert_eq!(values.tag_values, ["1", "10", "12"]);
                Ok(())
            }),
        },
        Case {
            name: "get_device_tag_values_with_only_the_required_key",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/tagValues\
                          ?_actions=false&_links=true&_embedded=true&key=building",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"tagKey": "building", "tagValues": ["A"]})),
            },
            call: call(|client, _| async move {
                let values = client
                    .get_device_tag_values()
                    .application_id(APP)
                    .key("building")
                    .await?;
                assert_eq!(values.tag_values, ["A"]);
                Ok(())
            }),
        },
        Case {
            name: "losant_domain_header_is_sent_when_configured",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/devices/tagKeys\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("losantdomain", Some("example.com"))],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"tagKeys": ["floor"]})),
            },
            call: call(|_, case| async move {
                let client = Client::builder()
                    .base_url(case.base_url)
                    .token(TOKEN)
                    .losant_domain("example.com")
                    .retry_policy(RetryPolicy::disabled())
                    .build()
                    .expect("a valid configuration");
                let keys = client.get_device_tag_keys().application_id(APP).await?;
                assert_eq!(keys.tag_keys.len(), 1);
                Ok(())
            }),
        },
    ])
    .await;
}
