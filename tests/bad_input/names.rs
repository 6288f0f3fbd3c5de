//! Attribute names Losant would refuse.

use crate::case::{case, Case};
use crate::common::{APP, DEVICE};
use losant_device::Client;
use serde_json::json;

/// One character over Losant's limit for an attribute name.
const LONG_NAME_LEN: usize = 256;

pub(crate) fn cases(client: Client) -> Vec<Case> {
    let long_name: &'static str = Box::leak("a".repeat(LONG_NAME_LEN).into_boxed_str());
    let c = move || client.clone();
    vec![
        // Attribute names.
        case(
            "attribute name with a space and !",
            "name",
            &["bad name!"],
            {
                let c = c();
                async move {
                    c.get_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .name("bad name!")
                        .await
                        .map(drop)
                }
            },
        ),
        case("empty attribute name", "name", &["\"\""], {
            let c = c();
            async move {
                c.delete_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("")
                    .await
                    .map(drop)
            }
        }),
        case("attribute name of 256 characters", "name", &[long_name], {
            let c = c();
            async move {
                c.get_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name(long_name)
                    .await
                    .map(drop)
            }
        }),
        case("attribute name with a dot", "name", &["gps.lat"], {
            let c = c();
            async move {
                c.update_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("gps.lat")
                    .body(
                        serde_json::from_value::<losant_device::types::DeviceAttributePatch>(
                            json!({}),
                        )
                        .unwrap(),
                    )
                    .await
                    .map(drop)
            }
        }),
        case("attribute name with unicode", "name", &["température"], {
            let c = c();
            async move {
                c.get_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("température")
                    .await
                    .map(drop)
            }
        }),
    ]
}
