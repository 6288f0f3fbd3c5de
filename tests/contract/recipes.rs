//! Device recipes: list, create, read, update, delete, and creating devices
//! in bulk from a recipe.

use crate::common::{APP, RECIPE};
use crate::contract::*;
use losant_device::types;
use serde_json::{json, Value};

fn recipe_json() -> Value {
    json!({
        "id": RECIPE, "deviceRecipeId": RECIPE, "applicationId": APP,
        "creationDate": "2016-06-13T04:00:00.000Z", "lastUpdated": "2016-06-13T04:00:00.000Z",
        "name": "Thermostat recipe", "description": "Creates thermostats",
        "deviceName": "Thermostat", "deviceDescription": "A thermostat",
        "tags": [{"key": "kind", "value": "thermostat"}],
        "attributes": [
            {"name": "temp", "dataType": "number", "contentType": "", "attributeTags": {}}
        ],
        "deviceClass": "standalone", "systemInterval": 60, "keepDuplicates": false,
        "futureField": {"added": "later"},
        "_links": {"self": {"href": "/applications/x/device-recipes/y"}}
    })
}

#[tokio::test]
async fn device_recipes() {
    run(vec![
        Case {
            name: "list_device_recipes_sends_parameters_in_api_order",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/device-recipes\
                          ?_actions=false&_links=true&_embedded=true\
                          &sortField=creationDate&sortDirection=desc&page=1&perPage=10\
                          &filterField=name&filter=Thermo%20%2A\
                          &tagsAsObject=true&attributesAsObject=true",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({
                    "items": [with(recipe_json(), json!({
                        "tags": {"kind": "thermostat"},
                        "attributes": {"temp": {"name": "temp", "dataType": "number"}}
                    }))],
                    "count": 1, "totalCount": 11, "perPage": 10, "page": 1,
                    "sortField": "creationDate", "sortDirection": "desc", "filterField": "name",
                    "filter": "Thermo *", "applicationId": APP, "futureField": 1,
                    "_links": {"self": {"href": "/applications/x/device-recipes"}}
                })),
            },
            call: call(|client, _| async move {
                let page = client
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
                    .await?;
                assert_eq!(page.count, Some(1));
                assert_eq!(page.total_count, Some(11));
                assert_eq!(page.page, Some(1));
                assert_eq!(page.per_page, Some(10));
                let recipe = &page.items[0];
                assert_eq!(recipe.id.as_ref().map(|id| id.as_str()), Some(RECIPE));
                assert_eq!(recipe.name.as_deref(), Some("Thermostat recipe"));
                assert_eq!(
                    recipe.tags,
                    Some(types::DeviceTags::Object(tag_map(&[("kind", "thermostat")])))
                );
                match &recipe.attributes {
                    Some(types::DeviceAttributeList::Object(map)) => assert_eq!(
                        map["temp"].data_type,
                        Some(types::AttributeDataType::Number)
                    ),
                    other => panic!("attributes should be an object, got {other:?}"),
                }
                Ok(())
            }),
        },
        Case {
            name: "create_device_recipe_posts_json_and_decodes_201",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/device-recipes\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "name": "Thermostat recipe", "description": "Creates thermostats",
                    "deviceName": "Thermostat", "deviceDescription": "A thermostat",
                    "deviceClass": "standalone", "tags": [{"key": "kind", "value": "thermostat"}],
                    "attributes": [{"name": "temp", "dataType": "number"}], "systemInterval": 60
                })),
                status: 201,
                answer: Answer::Json(recipe_json()),
            },
            call: call(|client, case| async move {
                let recipe = client
                    .create_device_recipe()
                    .application_id(APP)
                    .body(case.body::<types::DeviceRecipePost>())
                    .await?;
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
                Ok(())
            }),
        },
        Case {
            name: "get_device_recipe_sends_tags_then_attributes_as_object",
            wire: Wire {
                request: "GET /applications/575ec8687ae143cd83dc4a97/device-recipes/575ecec57ae143cd83dc4a9f\
                          ?_actions=false&_links=true&_embedded=true\
                          &tagsAsObject=true&attributesAsObject=false",
                headers: &[],
                body: Body::None,
                status: 200,
                answer: Answer::Json(with(recipe_json(), json!({"tags": {"kind": "thermostat"}}))),
            },
            call: call(|client, _| async move {
                let recipe = client
                    .get_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .attributes_as_object(false)
                    .tags_as_object(true)
                    .await?;
                assert_eq!(
                    recipe.device_recipe_id.as_ref().map(|id| id.as_str()),
                    Some(RECIPE)
                );
                assert_eq!(
                    recipe.tags,
                    Some(types::DeviceTags::Object(tag_map(&[("kind", "thermostat")])))
                );
                assert!(matches!(
                    recipe.attributes,
                    Some(types::DeviceAttributeList::Array(_))
                ));
                Ok(())
            }),
        },
        Case {
            name: "update_device_recipe_patches_json",
            wire: Wire {
                request: "PATCH /applications/575ec8687ae143cd83dc4a97/device-recipes/575ecec57ae143cd83dc4a9f\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({"deviceName": "Thermostat v2", "keepDuplicates": true})),
                status: 200,
                answer: Answer::Json(with(
                    recipe_json(),
                    json!({"deviceName": "Thermostat v2", "keepDuplicates": true}),
                )),
            },
            call: call(|client, case| async move {
                let recipe = client
                    .update_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(case.body::<types::DeviceRecipePatch>())
                    .await?;
                assert_eq!(recipe.device_name.as_deref(), Some("Thermostat v2"));
                assert_eq!(recipe.keep_duplicates, Some(true));
                Ok(())
            }),
        },
        Case {
            name: "delete_device_recipe_sends_no_body",
            wire: Wire {
                request: "DELETE /applications/575ec8687ae143cd83dc4a97/device-recipes/575ecec57ae143cd83dc4a9f\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", None), ("content-length", Some("0"))],
                body: Body::None,
                status: 200,
                answer: Answer::Json(json!({"success": true, "futureField": 1})),
            },
            call: call(|client, _| async move {
                let done = client
                    .delete_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .await?;
                assert_eq!(done.success, Some(true));
                Ok(())
            }),
        },
        Case {
            name: "bulk_create_devices_201_is_the_immediate_result",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/device-recipes/575ecec57ae143cd83dc4a9f/bulkCreate\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({"count": 2, "makeUniqueKeySecret": true})),
                status: 201,
                answer: Answer::Json(json!({
                    "created": 2, "failed": 0,
                    "csvResult": "id,name\n575ecf887ae143cd83dc4aa2,Thermostat 1\n",
                    "futureField": 1
                })),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .bulk_create_devices()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(case.body::<types::DeviceRecipeBulkCreatePost>())
                    .await?;
                match outcome {
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
                Ok(())
            }),
        },
        Case {
            name: "bulk_create_devices_202_is_a_queued_job",
            wire: Wire {
                request: "POST /applications/575ec8687ae143cd83dc4a97/device-recipes/575ecec57ae143cd83dc4a9f/bulkCreate\
                          ?_actions=false&_links=true&_embedded=true",
                headers: &[("content-type", Some("application/json"))],
                body: Body::Json(json!({
                    "csv": "name,description\nThermostat 1,Lobby\n", "nameColumn": "name",
                    "descriptionColumn": "description", "email": "ops@example.com"
                })),
                status: 202,
                answer: Answer::Json(job_json()),
            },
            call: call(|client, case| async move {
                let outcome = client
                    .bulk_create_devices()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(case.body::<types::DeviceRecipeBulkCreatePost>())
                    .await?;
                match outcome {
                    types::BulkCreateDevicesOutcome::JobEnqueuedResult(job) => assert_job(&job),
                    other => panic!("expected JobEnqueuedResult, got {other:?}"),
                }
                Ok(())
            }),
        },
    ])
    .await;
}
