//! Wire-level contract tests of the collection operations: devices (bulk and
//! query endpoints), device attributes and device recipes.
//!
//! Every expected method, path, query string, header and body is written out
//! literally from Losant's documented behaviour (the parameter order is the
//! one the API lists in its own operation definitions), never derived from our
//! spec or the generated code.

mod common;

use common::*;
use httpmock::prelude::*;
use httpmock::HttpMockRequest;
use losant_device::{types, Client, DeviceQuery, RetryPolicy};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PARENT: &str = "575ecf887ae143cd83dc4aa3";
const OTHER_DEVICE: &str = "575ecf887ae143cd83dc4ab7";
const JOB_ID: &str = "a1B2c3D4e5F6g7H8i9J0k";

/// The advanced query `{"name":{"$eq":"x"}}` as a typed value.
fn name_eq_x() -> DeviceQuery {
    device_query(json!({"name": {"$eq": "x"}}))
}

fn device_query(value: Value) -> DeviceQuery {
    match value {
        Value::Object(map) => DeviceQuery::raw(map),
        other => panic!("a device query is a JSON object, not {other}"),
    }
}

/// A typed request body described as JSON, the way a caller might build it.
fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the JSON describes a valid value of the type")
}

/// Standard headers plus the JSON body content type.
fn json_headers(when: httpmock::When) -> httpmock::When {
    standard_headers(when).header("content-type", "application/json")
}

/// Matches a JSON body equal to `expected` as JSON values: numbers compare by
/// value, so `0` and `0.0` are the same number (RFC 8259 does not tell them
/// apart, and neither does Losant's JSON parser). Used for bodies whose
/// numbers the API types as `number`; prints the received body on mismatch.
fn json_value_body(expected: Value) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync {
    move |request| {
        let received: Value = match serde_json::from_slice(request.body_ref()) {
            Ok(value) => value,
            Err(_) => {
                eprintln!(
                    "body is not JSON: {:?}",
                    String::from_utf8_lossy(request.body_ref())
                );
                return false;
            }
        };
        let equal = same_json(&expected, &received);
        if !equal {
            eprintln!("expected body {expected}\nreceived body {received}");
        }
        equal
    }
}

fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// A request without a body must not claim one either.
/// A POST or DELETE without a body: none is sent, and `Content-Length: 0`
/// says so (as Losant's Python client does; RFC 9110, 8.6).
fn bodyless(when: httpmock::When) -> httpmock::When {
    standard_headers(when)
        .header_missing("content-type")
        .header("content-length", "0")
        .is_true(no_body)
}

/// What Losant answers (HTTP 202) when work goes to a background job.
fn job_json() -> Value {
    json!({"jobQueued": true, "jobId": JOB_ID, "success": true, "futureField": 1})
}

fn assert_job(job: &types::JobEnqueuedResult) {
    assert!(job.job_queued);
    assert_eq!(job.job_id.as_deref(), Some(JOB_ID));
    assert_eq!(job.success, Some(true));
}

fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn recipe_json() -> Value {
    json!({
        "id": RECIPE,
        "deviceRecipeId": RECIPE,
        "applicationId": APP,
        "creationDate": "2016-06-13T04:00:00.000Z",
        "lastUpdated": "2016-06-13T04:00:00.000Z",
        "name": "Thermostat recipe",
        "description": "Creates thermostats",
        "deviceName": "Thermostat",
        "deviceDescription": "A thermostat",
        "tags": [{"key": "kind", "value": "thermostat"}],
        "attributes": [
            {"name": "temp", "dataType": "number", "contentType": "", "attributeTags": {}}
        ],
        "deviceClass": "standalone",
        "systemInterval": 60,
        "keepDuplicates": false,
        "futureField": {"added": "later"},
        "_links": {"self": {"href": "/applications/x/device-recipes/y"}}
    })
}

fn attribute_json() -> Value {
    json!({
        "name": "voltage",
        "dataType": "number",
        "contentType": "",
        "description": "Supply voltage",
        "attributeTags": {"unit": "V"},
        "applicationId": APP,
        "deviceId": DEVICE,
        "futureField": 1,
        "_links": {"self": {"href": "/applications/x/devices/y/attributes/voltage"}}
    })
}

// ---------------------------------------------------------------- devices

#[tokio::test]
async fn list_devices_sends_every_parameter_in_api_order() {
    let server = MockServer::start_async().await;
    let mut tagged = device_json();
    tagged["tags"] = json!({"floor": "8", "building": "A"});
    let mut other = device_json();
    other["id"] = json!(OTHER_DEVICE);
    other["deviceId"] = json!(OTHER_DEVICE);
    other["name"] = json!("my other device");
    other["deviceClass"] = json!("gateway");
    other["tags"] = json!({});
    other["connectionInfo"] = json!({"connected": 0, "time": "2016-06-14T04:00:00.000Z"});
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &sortField=lastUpdated&sortDirection=desc&page=2&perPage=25\
                     &filterField=name&filter=my%20%2A%20device\
                     &deviceClass%5B0%5D=standalone&deviceClass%5B1%5D=gateway\
                     &tagFilter%5B0%5D%5Bkey%5D=floor&tagFilter%5B0%5D%5Bvalue%5D=8\
                     &tagFilter%5B1%5D%5Bkey%5D=building\
                     &excludeConnectionInfo=true\
                     &parentId=575ecf887ae143cd83dc4aa3\
                     &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                     &tagsAsObject=true&attributesAsObject=false&queryDeleted=false",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "items": [tagged, other],
                "count": 2,
                "totalCount": 27,
                "perPage": 25,
                "page": 2,
                "filter": "my * device",
                "filterField": "name",
                "sortField": "lastUpdated",
                "sortDirection": "desc",
                "applicationId": APP,
                "parentId": PARENT,
                "tagFilter": [{"key": "floor", "value": "8"}, {"key": "building"}],
                "query": {"name": {"$eq": "x"}},
                "futureField": 1,
                "_links": {"self": {"href": "/applications/x/devices"}}
            }));
        })
        .await;

    let client = client(&server);
    // Setters deliberately called in neither API nor alphabetical order.
    let result = client
        .list_devices()
        .query_deleted(false)
        .query(name_eq_x())
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
        .await;
    mock.assert_async().await;
    let page = result.expect("list_devices decodes the page");

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
    let connected = first
        .connection_info
        .as_ref()
        .and_then(|c| c.connected.as_ref());
    assert_eq!(connected.copied(), Some(1));
    match &first.attributes {
        Some(types::DeviceAttributeList::Array(list)) => {
            assert_eq!(list.len(), 1);
            assert_eq!(list[0].name.as_str(), "voltage");
            assert_eq!(list[0].data_type, types::AttributeDataType::Number);
        }
        other => panic!("attributes should be an array, got {other:?}"),
    }

    let second = &page.items[1];
    assert_eq!(second.id.as_ref().map(|id| id.as_str()), Some(OTHER_DEVICE));
    assert_eq!(second.device_class, Some(types::DeviceClass::Gateway));
    assert_eq!(
        second.tags,
        Some(types::DeviceTags::Object(BTreeMap::new()))
    );
    let connected = second
        .connection_info
        .as_ref()
        .and_then(|c| c.connected.as_ref());
    assert_eq!(connected.copied(), Some(0));
}

#[tokio::test]
async fn list_devices_single_class_goes_plain_and_overrides_keep_their_place() {
    let server = MockServer::start_async().await;
    let mut device = device_json();
    device["deviceClass"] = json!("gateway");
    device["attributes"] = json!({
        "voltage": {"name": "voltage", "dataType": "number", "contentType": "", "attributeTags": {}}
    });
    device["connectionInfo"] = json!({"connected": null});
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices"))
                .is_true(raw_query(
                    "_actions=true&_links=false&_embedded=false\
                     &deviceClass=gateway&attributesAsObject=true",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "items": [device],
                "count": 1,
                "totalCount": 1,
                "perPage": 100,
                "page": 0,
                "sortField": "name",
                "sortDirection": "asc",
                "deviceClass": "gateway",
                "applicationId": APP,
                "futureField": 1,
                "_actions": {"post": {"method": "POST"}}
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .list_devices()
        .application_id(APP)
        .attributes_as_object(true)
        .device_class(types::DeviceClassFilter::DeviceClass(
            types::DeviceClass::Gateway,
        ))
        .embedded(false)
        .links(false)
        .actions(true)
        .await;
    mock.assert_async().await;
    let page = result.expect("list_devices decodes the page");

    assert_eq!(page.device_class, Some(types::DeviceClass::Gateway));
    assert_eq!(page.items.len(), 1);
    let device = &page.items[0];
    assert_eq!(device.device_class, Some(types::DeviceClass::Gateway));
    assert!(device.connection_info.as_ref().unwrap().connected.is_none());
    match &device.attributes {
        Some(types::DeviceAttributeList::Object(map)) => {
            assert_eq!(
                map["voltage"].data_type,
                Some(types::AttributeDataType::Number)
            );
        }
        other => panic!("attributes should be an object, got {other:?}"),
    }
}

#[tokio::test]
async fn create_device_posts_json_and_decodes_201() {
    let server = MockServer::start_async().await;
    let mut created = device_json();
    created["name"] = json!("Gateway 7");
    created["deviceClass"] = json!("gateway");
    created["tags"] = json!({"floor": "8"});
    created["attributes"] = json!({
        "voltage": {"name": "voltage", "dataType": "number", "attributeTags": {"unit": "V"}}
    });
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &tagsAsObject=true&attributesAsObject=true",
                ))
                .json_body(json!({
                    "name": "Gateway 7",
                    "description": "Second floor gateway",
                    "deviceClass": "gateway",
                    "tags": [{"key": "floor", "value": "8"}],
                    "attributes": [
                        {"name": "voltage", "dataType": "number", "attributeTags": {"unit": "V"}}
                    ]
                }));
            then.status(201).json_body(created);
        })
        .await;

    let client = client(&server);
    let body = types::DevicePost::builder()
        .name("Gateway 7")
        .description(Some("Second floor gateway".to_string()))
        .device_class(Some(types::DeviceClass::Gateway))
        .tags(vec![types::DeviceTag::new("floor".parse().unwrap(), "8")])
        .attributes(vec![typed::<types::DeviceAttributeDefinition>(json!({
            "name": "voltage", "dataType": "number", "attributeTags": {"unit": "V"}
        }))]);
    let result = client
        .create_device()
        .application_id(APP)
        .attributes_as_object(true)
        .tags_as_object(true)
        .body(body)
        .await;
    mock.assert_async().await;
    let device = result.expect("create_device decodes the device");

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
}

#[tokio::test]
async fn update_devices_200_is_the_immediate_result() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(PATCH)
                .path(format!("/applications/{APP}/devices"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "deviceIds": [DEVICE, OTHER_DEVICE],
                    "updateFields": {"description": "Moved to floor 9"}
                }));
            then.status(200).json_body(json!({
                "updated": 1,
                "failed": 0,
                "skipped": 1,
                "logLink": "https://files.example.com/log.csv",
                "futureField": 1
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .update_devices()
        .application_id(APP)
        .body(typed::<types::DevicesPatch>(json!({
            "deviceIds": [DEVICE, OTHER_DEVICE],
            "updateFields": {"description": "Moved to floor 9"}
        })))
        .await;
    mock.assert_async().await;
    match result.expect("update_devices decodes the answer") {
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
}

#[tokio::test]
async fn update_devices_202_is_a_queued_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(PATCH)
                .path(format!("/applications/{APP}/devices"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "query": {"deviceClass": "gateway"},
                    "updateFields": {"tags": [{"key": "floor", "value": "9"}]},
                    "email": "ops@example.com"
                }));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .update_devices()
        .application_id(APP)
        .body(typed::<types::DevicesPatch>(json!({
            "query": {"deviceClass": "gateway"},
            "updateFields": {"tags": [{"key": "floor", "value": "9"}]},
            "email": "ops@example.com"
        })))
        .await;
    mock.assert_async().await;
    match result.expect("update_devices decodes the answer") {
        types::UpdateDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
        other => panic!("expected JobEnqueuedResult, got {other:?}"),
    }
}

#[tokio::test]
async fn get_devices_composite_state_sends_parameters_in_api_order() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/compositeState"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &start=-86400000&end=0&attributes=temp%2Chumidity\
                     &sortField=connectionStatus&sortDirection=asc&page=0&perPage=50\
                     &query=%7B%22deviceClass%22%3A%22gateway%22%7D",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "items": [{
                    "id": DEVICE,
                    "name": "My Device",
                    "compositeState": {
                        "temp": {"value": 21.5, "time": "2016-06-13T04:00:00.000Z"},
                        "humidity": {"value": "high", "time": {"$date": "2016-06-13T04:00:00.000Z"}}
                    },
                    "futureField": 1
                }],
                "count": 1,
                "totalCount": 1,
                "perPage": 50,
                "page": 0,
                "sortField": "connectionStatus",
                "sortDirection": "asc",
                "applicationId": APP,
                "query": {"deviceClass": "gateway"},
                "futureField": 1
            }));
        })
        .await;

    let client = client(&server);
    let result = client
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
        .await;
    mock.assert_async().await;
    let state = result.expect("get_devices_composite_state decodes the page");

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
}

#[tokio::test]
async fn get_device_attribute_names_expands_a_data_type_array() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/attributeNames"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                     &dataType%5B0%5D=number&dataType%5B1%5D=boolean\
                     &startsWith=volt",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "attributeNames": ["voltage", "voltageOk"],
                "futureField": 1
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_attribute_names()
        .application_id(APP)
        .starts_with("volt")
        .data_type(types::AttributeDataTypeFilter::Array(vec![
            types::AttributeDataType::Number,
            types::AttributeDataType::Boolean,
        ]))
        .query(name_eq_x())
        .await;
    mock.assert_async().await;
    let names = result.expect("get_device_attribute_names decodes the answer");
    let names: Vec<&str> = names.attribute_names.iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["voltage", "voltageOk"]);
}

#[tokio::test]
async fn get_device_attribute_names_single_data_type_goes_plain() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/attributeNames"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true&dataType=gps",
                ))
                .is_true(no_body);
            then.status(200)
                .json_body(json!({"attributeNames": ["location"], "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_attribute_names()
        .application_id(APP)
        .data_type(types::AttributeDataTypeFilter::AttributeDataType(
            types::AttributeDataType::Gps,
        ))
        .await;
    mock.assert_async().await;
    let names = result.expect("get_device_attribute_names decodes the answer");
    assert_eq!(names.attribute_names.len(), 1);
    assert_eq!(names.attribute_names[0].as_str(), "location");
}

#[tokio::test]
async fn get_device_names_sends_query_then_starts_with() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/deviceNames"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &query=%7B%22%24or%22%3A%5B%7B%22deviceClass%22%3A%22gateway%22%7D%2C%7B%22deviceClass%22%3A%22system%22%7D%5D%7D\
                     &startsWith=Floor%201",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "deviceSummary": [
                    {"id": DEVICE, "name": "Floor 1 gateway", "deviceClass": "gateway", "futureField": 1},
                    {"id": OTHER_DEVICE, "name": "Floor 1 system", "deviceClass": "system"}
                ],
                "futureField": 1
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_names()
        .application_id(APP)
        .starts_with("Floor 1")
        .query(device_query(json!({
            "$or": [{"deviceClass": "gateway"}, {"deviceClass": "system"}]
        })))
        .await;
    mock.assert_async().await;
    let names = result.expect("get_device_names decodes the answer");
    assert_eq!(names.device_summary.len(), 2);
    let first = &names.device_summary[0];
    assert_eq!(first.id.as_ref().map(|id| id.as_str()), Some(DEVICE));
    assert_eq!(first.name.as_deref(), Some("Floor 1 gateway"));
    assert_eq!(first.device_class, Some(types::DeviceClass::Gateway));
    assert_eq!(
        names.device_summary[1].device_class,
        Some(types::DeviceClass::System)
    );
}

#[tokio::test]
async fn get_device_tag_keys_sends_query_then_starts_with() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/tagKeys"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                     &startsWith=fl",
                ))
                .is_true(no_body);
            then.status(200)
                .json_body(json!({"tagKeys": ["floor", "flow_rate"], "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_tag_keys()
        .application_id(APP)
        .starts_with("fl")
        .query(name_eq_x())
        .await;
    mock.assert_async().await;
    let keys = result.expect("get_device_tag_keys decodes the answer");
    let keys: Vec<&str> = keys.tag_keys.iter().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["floor", "flow_rate"]);
}

#[tokio::test]
async fn get_device_tag_values_sends_query_key_starts_with() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/tagValues"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &query=%7B%22name%22%3A%7B%22%24eq%22%3A%22x%22%7D%7D\
                     &key=floor&startsWith=1",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "tagKey": "floor",
                "tagValues": ["1", "10", "12"],
                "futureField": 1
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_tag_values()
        .application_id(APP)
        .starts_with("1")
        .key("floor")
        .query(name_eq_x())
        .await;
    mock.assert_async().await;
    let values = result.expect("get_device_tag_values decodes the answer");
    assert_eq!(values.tag_key.as_ref().map(|k| k.as_str()), Some("floor"));
    assert_eq!(values.tag_values, ["1", "10", "12"]);
}

#[tokio::test]
async fn get_device_tag_values_with_only_the_required_key() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/tagValues"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true&key=building",
                ))
                .is_true(no_body);
            then.status(200)
                .json_body(json!({"tagKey": "building", "tagValues": ["A"]}));
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_tag_values()
        .application_id(APP)
        .key("building")
        .await;
    mock.assert_async().await;
    let values = result.expect("get_device_tag_values decodes the answer");
    assert_eq!(values.tag_values, ["A"]);
}

#[tokio::test]
async fn delete_devices_200_is_the_immediate_result() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/delete"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "query": {"name": {"$eq": "x"}},
                    "forceJob": false
                }));
            then.status(200)
                .json_body(json!({"removed": 3, "failed": 1, "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .delete_devices()
        .application_id(APP)
        .body(typed::<types::DevicesDeleteOrRestorePost>(json!({
            "query": {"name": {"$eq": "x"}},
            "forceJob": false
        })))
        .await;
    mock.assert_async().await;
    match result.expect("delete_devices decodes the answer") {
        types::DeleteDevicesOutcome::BulkDeleteResponse(done) => {
            assert_eq!(done.removed, Some(3));
            assert_eq!(done.failed, Some(1));
        }
        other => panic!("expected BulkDeleteResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn delete_devices_202_is_a_queued_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/delete"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "query": {"deviceClass": "gateway"},
                    "email": "ops@example.com",
                    "callbackUrl": "https://example.com/hooks/delete",
                    "forceJob": true
                }));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .delete_devices()
        .application_id(APP)
        .body(typed::<types::DevicesDeleteOrRestorePost>(json!({
            "query": {"deviceClass": "gateway"},
            "email": "ops@example.com",
            "callbackUrl": "https://example.com/hooks/delete",
            "forceJob": true
        })))
        .await;
    mock.assert_async().await;
    match result.expect("delete_devices decodes the answer") {
        types::DeleteDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
        other => panic!("expected JobEnqueuedResult, got {other:?}"),
    }
}

#[tokio::test]
async fn restore_devices_200_is_the_immediate_result() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/restore"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "query": {"id": DEVICE},
                    "forceJob": false
                }));
            then.status(200)
                .json_body(json!({"restored": 1, "failed": 0, "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .restore_devices()
        .application_id(APP)
        .body(typed::<types::DevicesDeleteOrRestorePost>(json!({
            "query": {"id": DEVICE},
            "forceJob": false
        })))
        .await;
    mock.assert_async().await;
    match result.expect("restore_devices decodes the answer") {
        types::RestoreDevicesOutcome::BulkRestoreResponse(done) => {
            assert_eq!(done.restored, Some(1));
            assert_eq!(done.failed, Some(0));
        }
        other => panic!("expected BulkRestoreResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn restore_devices_202_is_a_queued_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/restore"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "query": {"deviceClass": "gateway"},
                    "forceJob": true
                }));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .restore_devices()
        .application_id(APP)
        .body(typed::<types::DevicesDeleteOrRestorePost>(json!({
            "query": {"deviceClass": "gateway"},
            "forceJob": true
        })))
        .await;
    mock.assert_async().await;
    match result.expect("restore_devices decodes the answer") {
        types::RestoreDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
        other => panic!("expected JobEnqueuedResult, got {other:?}"),
    }
}

#[tokio::test]
async fn remove_devices_data_posts_json_and_decodes_the_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/removeData"))
                .is_true(raw_query(HYPERMEDIA))
                .is_true(json_value_body(json!({
                    "query": {"name": {"$like": "sensor*"}},
                    "start": -86400000,
                    "end": 0,
                    "attributes": ["voltage"],
                    "keepConnectionHistory": true,
                    "keepCommandHistory": false,
                    "email": "ops@example.com"
                })));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .remove_devices_data()
        .application_id(APP)
        .body(typed::<types::DevicesRemoveDataPost>(json!({
            "query": {"name": {"$like": "sensor*"}},
            "start": -86400000,
            "end": 0,
            "attributes": ["voltage"],
            "keepConnectionHistory": true,
            "keepCommandHistory": false,
            "email": "ops@example.com"
        })))
        .await;
    mock.assert_async().await;
    assert_job(&result.expect("remove_devices_data decodes the job"));
}

#[tokio::test]
async fn export_devices_sends_email_and_callback_then_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/export"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &email=ops%40example.com\
                     &callbackUrl=https%3A%2F%2Fexample.com%2Fhooks%2Fexport%3Frun%3D1",
                ))
                .json_body(json!({
                    "format": "json",
                    "query": {"name": {"$like": "sensor*"}}
                }));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .export_devices()
        .application_id(APP)
        .callback_url("https://example.com/hooks/export?run=1")
        .email("ops@example.com")
        .body(typed::<types::DevicesExportPost>(json!({
            "format": "json",
            "query": {"name": {"$like": "sensor*"}}
        })))
        .await;
    mock.assert_async().await;
    assert_job(&result.expect("export_devices decodes the job"));
}

#[tokio::test]
async fn export_devices_without_a_body_sends_none() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            bodyless(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/export"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true&email=ops%40example.com",
                ));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .export_devices()
        .application_id(APP)
        .email("ops@example.com")
        .await;
    mock.assert_async().await;
    assert_job(&result.expect("export_devices decodes the job"));
}

#[tokio::test]
async fn export_devices_payload_counts_posts_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/payloadCounts"))
                .is_true(raw_query(HYPERMEDIA))
                .is_true(json_value_body(json!({
                    "email": "ops@example.com",
                    "callbackUrl": "https://example.com/hooks/counts",
                    "query": {"deviceClass": "gateway"},
                    "start": -604800000,
                    "end": 0
                })));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .export_devices_payload_counts()
        .application_id(APP)
        .body(typed::<types::DevicesExportPayloadCountPost>(json!({
            "email": "ops@example.com",
            "callbackUrl": "https://example.com/hooks/counts",
            "query": {"deviceClass": "gateway"},
            "start": -604800000,
            "end": 0
        })))
        .await;
    mock.assert_async().await;
    assert_job(&result.expect("export_devices_payload_counts decodes the job"));
}

#[tokio::test]
async fn export_devices_payload_counts_without_a_body_sends_none() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            bodyless(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/payloadCounts"))
                .is_true(raw_query(HYPERMEDIA));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .export_devices_payload_counts()
        .application_id(APP)
        .await;
    mock.assert_async().await;
    assert_job(&result.expect("export_devices_payload_counts decodes the job"));
}

#[tokio::test]
async fn send_devices_command_200_is_success() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/command"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "name": "reboot",
                    "payload": {"delay": 5, "reason": "update"},
                    "deviceIds": [DEVICE, OTHER_DEVICE]
                }));
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .send_devices_command()
        .application_id(APP)
        .body(typed::<types::MultiDeviceCommand>(json!({
            "name": "reboot",
            "payload": {"delay": 5, "reason": "update"},
            "deviceIds": [DEVICE, OTHER_DEVICE]
        })))
        .await;
    mock.assert_async().await;
    match result.expect("send_devices_command decodes the answer") {
        types::SendDevicesCommandOutcome::Success(done) => {
            assert_eq!(done.success, Some(true))
        }
        other => panic!("expected Success, got {other:?}"),
    }
}

#[tokio::test]
async fn send_devices_command_202_is_a_queued_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/command"))
                .is_true(raw_query(HYPERMEDIA))
                .is_true(json_value_body(json!({
                    "name": "calibrate",
                    "time": 1465790400000i64,
                    "deviceTags": [{"key": "floor", "value": "8"}],
                    "deviceQuery": {"deviceClass": "peripheral"}
                })));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .send_devices_command()
        .application_id(APP)
        .body(typed::<types::MultiDeviceCommand>(json!({
            "name": "calibrate",
            "time": 1465790400000i64,
            "deviceTags": [{"key": "floor", "value": "8"}],
            "deviceQuery": {"deviceClass": "peripheral"}
        })))
        .await;
    mock.assert_async().await;
    match result.expect("send_devices_command decodes the answer") {
        types::SendDevicesCommandOutcome::JobEnqueuedResult(job) => assert_job(&job),
        other => panic!("expected JobEnqueuedResult, got {other:?}"),
    }
}

#[tokio::test]
async fn losant_domain_header_is_sent_when_configured() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices/tagKeys"))
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json")
                .header("accept-version", "^1.30.0")
                .header("losantdomain", "example.com")
                .header_missing("api-version")
                .is_true(raw_query(HYPERMEDIA))
                .is_true(no_body);
            then.status(200).json_body(json!({"tagKeys": ["floor"]}));
        })
        .await;

    let client = Client::builder()
        .base_url(server.base_url())
        .token(TOKEN)
        .losant_domain("example.com")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("a valid configuration");
    let result = client.get_device_tag_keys().application_id(APP).await;
    mock.assert_async().await;
    let keys = result.expect("get_device_tag_keys decodes the answer");
    assert_eq!(keys.tag_keys.len(), 1);
}

// ------------------------------------------------------------- attributes

#[tokio::test]
async fn list_device_attributes_sends_parameters_in_api_order() {
    let server = MockServer::start_async().await;
    let mut current = attribute_json();
    current["name"] = json!("current");
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/devices/{DEVICE}/attributes"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &sortField=dataType&sortDirection=desc\
                     &filterField=name&filter=volt%2A",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "items": [attribute_json(), current],
                "count": 2,
                "totalCount": 2,
                "sortField": "dataType",
                "sortDirection": "desc",
                "filterField": "name",
                "filter": "volt*",
                "applicationId": APP,
                "deviceId": DEVICE,
                "futureField": 1,
                "_links": {"self": {"href": "/applications/x/devices/y/attributes"}}
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .list_device_attributes()
        .application_id(APP)
        .device_id(DEVICE)
        .filter("volt*")
        .filter_field(types::DeviceAttributeFilterField::Name)
        .sort_direction(types::SortDirection::Desc)
        .sort_field(types::DeviceAttributeSortField::DataType)
        .await;
    mock.assert_async().await;
    let list = result.expect("list_device_attributes decodes the page");

    assert_eq!(list.count, Some(2));
    assert_eq!(list.total_count, Some(2));
    assert_eq!(list.device_id.as_ref().map(|id| id.as_str()), Some(DEVICE));
    assert_eq!(list.filter.as_deref(), Some("volt*"));
    assert_eq!(list.items.len(), 2);
    assert_eq!(
        list.items[0].name.as_ref().map(|n| n.as_str()),
        Some("voltage")
    );
    assert_eq!(
        list.items[1].name.as_ref().map(|n| n.as_str()),
        Some("current")
    );
    assert_eq!(
        list.items[0].data_type,
        Some(types::AttributeDataType::Number)
    );
}

#[tokio::test]
async fn create_device_attribute_posts_json_and_decodes_201() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/devices/{DEVICE}/attributes"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "name": "voltage",
                    "dataType": "number",
                    "description": "Supply voltage",
                    "attributeTags": {"unit": "V"}
                }));
            then.status(201).json_body(attribute_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .create_device_attribute()
        .application_id(APP)
        .device_id(DEVICE)
        .body(typed::<types::DeviceAttributePost>(json!({
            "name": "voltage",
            "dataType": "number",
            "description": "Supply voltage",
            "attributeTags": {"unit": "V"}
        })))
        .await;
    mock.assert_async().await;
    let attribute = result.expect("create_device_attribute decodes the attribute");
    assert_eq!(attribute.name.as_ref().map(|n| n.as_str()), Some("voltage"));
    assert_eq!(attribute.data_type, Some(types::AttributeDataType::Number));
    assert_eq!(attribute.description.as_deref(), Some("Supply voltage"));
    let tags = attribute.attribute_tags.expect("attribute tags");
    assert_eq!(tags.get("unit").map(String::as_str), Some("V"));
}

#[tokio::test]
async fn get_device_attribute_reads_one_by_name() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!(
                    "/applications/{APP}/devices/{DEVICE}/attributes/voltage"
                ))
                .is_true(raw_query(HYPERMEDIA))
                .is_true(no_body);
            then.status(200).json_body(attribute_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_attribute()
        .application_id(APP)
        .device_id(DEVICE)
        .name("voltage")
        .await;
    mock.assert_async().await;
    let attribute = result.expect("get_device_attribute decodes the attribute");
    assert_eq!(attribute.name.as_ref().map(|n| n.as_str()), Some("voltage"));
    assert_eq!(
        attribute.device_id.as_ref().map(|id| id.as_str()),
        Some(DEVICE)
    );
}

#[tokio::test]
async fn update_device_attribute_patches_json() {
    let server = MockServer::start_async().await;
    let mut updated = attribute_json();
    updated["description"] = json!("Mains voltage");
    updated["attributeTags"] = json!({"unit": "mV"});
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(PATCH)
                .path(format!(
                    "/applications/{APP}/devices/{DEVICE}/attributes/voltage"
                ))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "description": "Mains voltage",
                    "attributeTags": {"unit": "mV"}
                }));
            then.status(200).json_body(updated);
        })
        .await;

    let client = client(&server);
    let result = client
        .update_device_attribute()
        .application_id(APP)
        .device_id(DEVICE)
        .name("voltage")
        .body(typed::<types::DeviceAttributePatch>(json!({
            "description": "Mains voltage",
            "attributeTags": {"unit": "mV"}
        })))
        .await;
    mock.assert_async().await;
    let attribute = result.expect("update_device_attribute decodes the attribute");
    assert_eq!(attribute.description.as_deref(), Some("Mains voltage"));
    let tags = attribute.attribute_tags.expect("attribute tags");
    assert_eq!(tags.get("unit").map(String::as_str), Some("mV"));
}

#[tokio::test]
async fn delete_device_attribute_sends_no_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            bodyless(when)
                .method(DELETE)
                .path(format!(
                    "/applications/{APP}/devices/{DEVICE}/attributes/voltage"
                ))
                .is_true(raw_query(HYPERMEDIA));
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .delete_device_attribute()
        .application_id(APP)
        .device_id(DEVICE)
        .name("voltage")
        .await;
    mock.assert_async().await;
    let done = result.expect("delete_device_attribute decodes the answer");
    assert_eq!(done.success, Some(true));
}

// ---------------------------------------------------------------- recipes

#[tokio::test]
async fn list_device_recipes_sends_parameters_in_api_order() {
    let server = MockServer::start_async().await;
    let mut recipe = recipe_json();
    recipe["tags"] = json!({"kind": "thermostat"});
    recipe["attributes"] = json!({"temp": {"name": "temp", "dataType": "number"}});
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/device-recipes"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &sortField=creationDate&sortDirection=desc&page=1&perPage=10\
                     &filterField=name&filter=Thermo%20%2A\
                     &tagsAsObject=true&attributesAsObject=true",
                ))
                .is_true(no_body);
            then.status(200).json_body(json!({
                "items": [recipe],
                "count": 1,
                "totalCount": 11,
                "perPage": 10,
                "page": 1,
                "sortField": "creationDate",
                "sortDirection": "desc",
                "filterField": "name",
                "filter": "Thermo *",
                "applicationId": APP,
                "futureField": 1,
                "_links": {"self": {"href": "/applications/x/device-recipes"}}
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .list_device_recipes()
        .application_id(APP)
        .attributes_as_object(true)
        .tags_as_object(true)
        .filter("Thermo *")
        .filter_field(types::DeviceRecipeFilterField::Name)
        .per_page(10)
        .page(1)
        .sort_direction(types::SortDirection::Desc)
        .sort_field(types::DeviceRecipeSortField::CreationDate)
        .await;
    mock.assert_async().await;
    let page = result.expect("list_device_recipes decodes the page");

    assert_eq!(page.count, Some(1));
    assert_eq!(page.total_count, Some(11));
    assert_eq!(page.page, Some(1));
    assert_eq!(page.per_page, Some(10));
    let recipe = &page.items[0];
    assert_eq!(recipe.id.as_ref().map(|id| id.as_str()), Some(RECIPE));
    assert_eq!(recipe.name.as_deref(), Some("Thermostat recipe"));
    assert_eq!(
        recipe.tags,
        Some(types::DeviceTags::Object(tag_map(&[(
            "kind",
            "thermostat"
        )])))
    );
    match &recipe.attributes {
        Some(types::DeviceAttributeList::Object(map)) => {
            assert_eq!(
                map["temp"].data_type,
                Some(types::AttributeDataType::Number)
            )
        }
        other => panic!("attributes should be an object, got {other:?}"),
    }
}

#[tokio::test]
async fn create_device_recipe_posts_json_and_decodes_201() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!("/applications/{APP}/device-recipes"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "name": "Thermostat recipe",
                    "description": "Creates thermostats",
                    "deviceName": "Thermostat",
                    "deviceDescription": "A thermostat",
                    "deviceClass": "standalone",
                    "tags": [{"key": "kind", "value": "thermostat"}],
                    "attributes": [{"name": "temp", "dataType": "number"}],
                    "systemInterval": 60
                }));
            then.status(201).json_body(recipe_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .create_device_recipe()
        .application_id(APP)
        .body(typed::<types::DeviceRecipePost>(json!({
            "name": "Thermostat recipe",
            "description": "Creates thermostats",
            "deviceName": "Thermostat",
            "deviceDescription": "A thermostat",
            "deviceClass": "standalone",
            "tags": [{"key": "kind", "value": "thermostat"}],
            "attributes": [{"name": "temp", "dataType": "number"}],
            "systemInterval": 60
        })))
        .await;
    mock.assert_async().await;
    let recipe = result.expect("create_device_recipe decodes the recipe");
    assert_eq!(recipe.id.as_ref().map(|id| id.as_str()), Some(RECIPE));
    assert_eq!(recipe.device_name.as_deref(), Some("Thermostat"));
    assert_eq!(recipe.device_class, Some(types::DeviceClass::Standalone));
    assert_eq!(recipe.system_interval, Some(60));
    match &recipe.tags {
        Some(types::DeviceTags::Array(tags)) => {
            assert_eq!(tags[0].key.as_str(), "kind");
            assert_eq!(tags[0].value, "thermostat");
        }
        other => panic!("tags should be an array, got {other:?}"),
    }
}

#[tokio::test]
async fn get_device_recipe_sends_tags_then_attributes_as_object() {
    let server = MockServer::start_async().await;
    let mut recipe = recipe_json();
    recipe["tags"] = json!({"kind": "thermostat"});
    let mock = server
        .mock_async(|when, then| {
            standard_headers(when)
                .method(GET)
                .path(format!("/applications/{APP}/device-recipes/{RECIPE}"))
                .is_true(raw_query(
                    "_actions=false&_links=true&_embedded=true\
                     &tagsAsObject=true&attributesAsObject=false",
                ))
                .is_true(no_body);
            then.status(200).json_body(recipe);
        })
        .await;

    let client = client(&server);
    let result = client
        .get_device_recipe()
        .application_id(APP)
        .device_recipe_id(RECIPE)
        .attributes_as_object(false)
        .tags_as_object(true)
        .await;
    mock.assert_async().await;
    let recipe = result.expect("get_device_recipe decodes the recipe");
    assert_eq!(
        recipe.device_recipe_id.as_ref().map(|id| id.as_str()),
        Some(RECIPE)
    );
    assert_eq!(
        recipe.tags,
        Some(types::DeviceTags::Object(tag_map(&[(
            "kind",
            "thermostat"
        )])))
    );
    assert!(matches!(
        recipe.attributes,
        Some(types::DeviceAttributeList::Array(_))
    ));
}

#[tokio::test]
async fn update_device_recipe_patches_json() {
    let server = MockServer::start_async().await;
    let mut updated = recipe_json();
    updated["deviceName"] = json!("Thermostat v2");
    updated["keepDuplicates"] = json!(true);
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(PATCH)
                .path(format!("/applications/{APP}/device-recipes/{RECIPE}"))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "deviceName": "Thermostat v2",
                    "keepDuplicates": true
                }));
            then.status(200).json_body(updated);
        })
        .await;

    let client = client(&server);
    let result = client
        .update_device_recipe()
        .application_id(APP)
        .device_recipe_id(RECIPE)
        .body(typed::<types::DeviceRecipePatch>(json!({
            "deviceName": "Thermostat v2",
            "keepDuplicates": true
        })))
        .await;
    mock.assert_async().await;
    let recipe = result.expect("update_device_recipe decodes the recipe");
    assert_eq!(recipe.device_name.as_deref(), Some("Thermostat v2"));
    assert_eq!(recipe.keep_duplicates, Some(true));
}

#[tokio::test]
async fn delete_device_recipe_sends_no_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            bodyless(when)
                .method(DELETE)
                .path(format!("/applications/{APP}/device-recipes/{RECIPE}"))
                .is_true(raw_query(HYPERMEDIA));
            then.status(200)
                .json_body(json!({"success": true, "futureField": 1}));
        })
        .await;

    let client = client(&server);
    let result = client
        .delete_device_recipe()
        .application_id(APP)
        .device_recipe_id(RECIPE)
        .await;
    mock.assert_async().await;
    let done = result.expect("delete_device_recipe decodes the answer");
    assert_eq!(done.success, Some(true));
}

#[tokio::test]
async fn bulk_create_devices_201_is_the_immediate_result() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!(
                    "/applications/{APP}/device-recipes/{RECIPE}/bulkCreate"
                ))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "count": 2,
                    "makeUniqueKeySecret": true
                }));
            then.status(201).json_body(json!({
                "created": 2,
                "failed": 0,
                "csvResult": "id,name\n575ecf887ae143cd83dc4aa2,Thermostat 1\n",
                "futureField": 1
            }));
        })
        .await;

    let client = client(&server);
    let result = client
        .bulk_create_devices()
        .application_id(APP)
        .device_recipe_id(RECIPE)
        .body(typed::<types::DeviceRecipeBulkCreatePost>(json!({
            "count": 2,
            "makeUniqueKeySecret": true
        })))
        .await;
    mock.assert_async().await;
    match result.expect("bulk_create_devices decodes the answer") {
        types::BulkCreateDevicesOutcome::DeviceRecipeBulkCreate(done) => {
            assert_eq!(done.created, Some(2));
            assert_eq!(done.failed, Some(0));
            assert_eq!(
                done.csv_result.as_deref(),
                Some("id,name\n575ecf887ae143cd83dc4aa2,Thermostat 1\n")
            );
        }
        other => panic!("expected DeviceRecipeBulkCreate, got {other:?}"),
    }
}

#[tokio::test]
async fn bulk_create_devices_202_is_a_queued_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            json_headers(when)
                .method(POST)
                .path(format!(
                    "/applications/{APP}/device-recipes/{RECIPE}/bulkCreate"
                ))
                .is_true(raw_query(HYPERMEDIA))
                .json_body(json!({
                    "csv": "name,description\nThermostat 1,Lobby\n",
                    "nameColumn": "name",
                    "descriptionColumn": "description",
                    "email": "ops@example.com"
                }));
            then.status(202).json_body(job_json());
        })
        .await;

    let client = client(&server);
    let result = client
        .bulk_create_devices()
        .application_id(APP)
        .device_recipe_id(RECIPE)
        .body(typed::<types::DeviceRecipeBulkCreatePost>(json!({
            "csv": "name,description\nThermostat 1,Lobby\n",
            "nameColumn": "name",
            "descriptionColumn": "description",
            "email": "ops@example.com"
        })))
        .await;
    mock.assert_async().await;
    match result.expect("bulk_create_devices decodes the answer") {
        types::BulkCreateDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
        other => panic!("expected JobEnqueuedResult, got {other:?}"),
    }
}
