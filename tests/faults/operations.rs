//! The operations under test: at least one GET and one POST per family, and
//! the PATCH and DELETE a family has.

use crate::common::{APP, DEVICE, RECIPE};
use futures::future::BoxFuture;
use losant_device::types::{DeviceCommand, DeviceState};
use losant_device::{Client, ClientBuilder, Error};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn idempotent(self) -> bool {
        self != Method::Post
    }
}

/// Sends one request with the given client settings; `base_url` is where
/// the settings point (device authentication needs it separately).
type Call = fn(ClientBuilder, String) -> BoxFuture<'static, Result<(), Error>>;

pub struct Op {
    pub family: &'static str,
    /// The generated operation behind the call (named in decode errors).
    pub operation: &'static str,
    /// How the test calls it, when that differs from `operation`.
    pub via: &'static str,
    pub method: Method,
    /// The success status the API documents (201 for the creations).
    pub success: u16,
    pub call: Call,
}

fn op(family: &'static str, operation: &'static str, method: Method, call: Call) -> Op {
    let success = match operation {
        "create_device"
        | "create_device_attribute"
        | "create_device_recipe"
        | "bulk_create_devices" => 201,
        _ => 200,
    };
    Op {
        family,
        operation,
        via: operation,
        method,
        success,
        call,
    }
}

fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid request body")
}

fn build(settings: ClientBuilder) -> Result<Client, Error> {
    settings.build()
}

pub fn operations() -> Vec<Op> {
    use Method::*;
    let mut ops = vec![
        // device
        op("device", "get_device", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.get_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await
                    .map(drop)
            })
        }),
        op("device", "update_device", Patch, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.update_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(body::<losant_device::types::DevicePatch>(
                        json!({"name": "renamed"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("device", "delete_device", Delete, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.delete_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await
                    .map(drop)
            })
        }),
        op("device", "send_device_state", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                let app = c.application(APP.parse()?);
                app.device(DEVICE.parse()?)
                    .send_state(DeviceState::at(1_700_000_000_000i64).with("temp", 21.5))
                    .await
                    .map(drop)
            })
        }),
        op("device", "send_device_command", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                let app = c.application(APP.parse()?);
                app.device(DEVICE.parse()?)
                    .send_command(DeviceCommand::named("reboot"))
                    .await
                    .map(drop)
            })
        }),
        // devices
        op("devices", "list_devices", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.list_devices()
                    .application_id(APP)
                    .per_page(10)
                    .await
                    .map(drop)
            })
        }),
        op("devices", "create_device", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.create_device()
                    .application_id(APP)
                    .body(body::<losant_device::types::DevicePost>(
                        json!({"name": "new"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("devices", "update_devices", Patch, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.update_devices()
                    .application_id(APP)
                    .body(body::<losant_device::types::DevicesPatch>(
                        json!({"deviceIds": [DEVICE], "updateFields": {"description": "x"}}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("devices", "delete_devices", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.delete_devices()
                    .application_id(APP)
                    .body(body::<losant_device::types::DevicesDeleteOrRestorePost>(
                        json!({"query": {"name": {"$startsWith": "old-"}}}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        // device attributes
        op(
            "device attributes",
            "list_device_attributes",
            Get,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.list_device_attributes()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .await
                        .map(drop)
                })
            },
        ),
        op("device attributes", "get_device_attribute", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.get_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("voltage")
                    .await
                    .map(drop)
            })
        }),
        op(
            "device attributes",
            "create_device_attribute",
            Post,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.create_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .body(body::<losant_device::types::DeviceAttributePost>(
                            json!({"name": "voltage", "dataType": "number"}),
                        ))
                        .await
                        .map(drop)
                })
            },
        ),
        op(
            "device attributes",
            "update_device_attribute",
            Patch,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.update_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .name("voltage")
                        .body(body::<losant_device::types::DeviceAttributePatch>(
                            json!({"description": "volts"}),
                        ))
                        .await
                        .map(drop)
                })
            },
        ),
        op(
            "device attributes",
            "delete_device_attribute",
            Delete,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.delete_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .name("voltage")
                        .await
                        .map(drop)
                })
            },
        ),
        // device recipes
        op("device recipes", "list_device_recipes", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.list_device_recipes().application_id(APP).await.map(drop)
            })
        }),
        op("device recipes", "get_device_recipe", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.get_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "create_device_recipe", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.create_device_recipe()
                    .application_id(APP)
                    .body(body::<losant_device::types::DeviceRecipePost>(
                        json!({"name": "pump recipe"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "update_device_recipe", Patch, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.update_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(body::<losant_device::types::DeviceRecipePatch>(
                        json!({"description": "pumps"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "delete_device_recipe", Delete, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.delete_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "bulk_create_devices", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.bulk_create_devices()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(body::<losant_device::types::DeviceRecipeBulkCreatePost>(
                        json!({"count": 3}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        // auth
        op("auth", "request_device_token", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.request_device_token()
                    .body(losant_device::auth::DeviceCredentials::new(
                        DEVICE.parse()?,
                        "key",
                        "secret",
                    ))
                    .await
                    .map(drop)
            })
        }),
    ];
    // The same operations reached through the hand-written layer.
    ops.push(Op {
        via: "list_devices().collect_all()",
        ..op("devices", "list_devices", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.application(APP.parse()?)
                    .list_devices()
                    .per_page(10)
                    .collect_all()
                    .await
                    .map(drop)
            })
        })
    });
    ops.push(Op {
        via: "Client::authenticate_device",
        ..op("auth", "request_device_token", Post, |s, base_url| {
            Box::pin(async move {
                Client::authenticate_device(base_url, DEVICE.parse()?, "key", "secret")
                    .client_settings(s)
                    .await
                    .map(drop)
            })
        })
    });
    ops
}

#[test]
fn every_family_has_a_get_and_a_post_and_its_patch_and_delete() {
    let ops = operations();
    for family in [
        "device",
        "devices",
        "device attributes",
        "device recipes",
        "auth",
    ] {
        let methods: Vec<Method> = ops
            .iter()
            .filter(|op| op.family == family)
            .map(|op| op.method)
            .collect();
        assert!(methods.contains(&Method::Post), "{family} has no POST");
        if family != "auth" {
            // /auth/device is the only operation of its family.
            for method in [Method::Get, Method::Patch, Method::Delete] {
                if family == "devices" && method == Method::Delete {
                    continue; // deleting devices in bulk is a POST
                }
                assert!(methods.contains(&method), "{family} has no {method:?}");
            }
        }
    }
}
