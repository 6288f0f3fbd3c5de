//! Malformed ids: given to the generated builders, and parsed by the caller.

use crate::case::{case, Case};
use crate::common::{APP, DEVICE, RECIPE};
use losant_device::types::DeviceState;
use losant_device::{AttributeName, Client, DeviceId, DeviceRecipeId};
use serde_json::json;

pub(crate) fn cases(client: Client) -> Vec<Case> {
    let c = move || client.clone();
    vec![
        // Malformed ids, through the generated builders.
        case(
            "application id",
            "applicationId",
            &["not-an-id", "24 hexadecimal digits"],
            {
                let c = c();
                async move {
                    c.get_device()
                        .application_id("not-an-id")
                        .device_id(DEVICE)
                        .await
                        .map(drop)
                }
            },
        ),
        case(
            "device id one digit short",
            "deviceId",
            &["575ecf887ae143cd83dc4aa"],
            {
                let c = c();
                async move {
                    c.get_device()
                        .application_id(APP)
                        .device_id(&DEVICE[..23])
                        .await
                        .map(drop)
                }
            },
        ),
        case(
            "device id with a non-hex digit",
            "deviceId",
            &["575ecf887ae143cd83dc4aaz"],
            {
                let c = c();
                async move {
                    c.delete_device()
                        .application_id(APP)
                        .device_id("575ecf887ae143cd83dc4aaz")
                        .await
                        .map(drop)
                }
            },
        ),
        case("empty device id", "deviceId", &["\"\""], {
            let c = c();
            async move {
                c.update_device()
                    .application_id(APP)
                    .device_id("")
                    .body(
                        serde_json::from_value::<losant_device::types::DevicePatch>(json!({}))
                            .unwrap(),
                    )
                    .await
                    .map(drop)
            }
        }),
        case(
            "device id with unicode",
            "deviceId",
            &["575ecf887ae143cd83dc4aä2"],
            {
                let c = c();
                async move {
                    c.get_device_state()
                        .application_id(APP)
                        .device_id("575ecf887ae143cd83dc4aä2")
                        .await
                        .map(drop)
                }
            },
        ),
        case("device recipe id", "deviceRecipeId", &["xyz"], {
            let c = c();
            async move {
                c.get_device_recipe()
                    .application_id(APP)
                    .device_recipe_id("xyz")
                    .await
                    .map(drop)
            }
        }),
        case("parent id filter", "parentId", &["no-parent"], {
            let c = c();
            async move {
                c.list_devices()
                    .application_id(APP)
                    .parent_id("no-parent")
                    .await
                    .map(drop)
            }
        }),
        case("device id of a state report", "deviceId", &["7"], {
            let c = c();
            async move {
                c.send_device_state()
                    .application_id(APP)
                    .device_id("7")
                    .body(DeviceState::now().with("temp", 1))
                    .await
                    .map(drop)
            }
        }),
        // Malformed ids, parsed by the caller (`?` turns them into Error).
        case(
            "parsed device id",
            "deviceId",
            &["xyz", "24 hexadecimal digits"],
            async {
                "xyz".parse::<DeviceId>()?;
                Ok(())
            },
        ),
        case(
            "parsed recipe id",
            "deviceRecipeId",
            &["575ecec57ae143cd83dc4a9"],
            async {
                DeviceRecipeId::new(&RECIPE[..23])?;
                Ok(())
            },
        ),
        case("parsed attribute name", "name", &["a b"], async {
            "a b".parse::<AttributeName>()?;
            Ok(())
        }),
    ]
}
