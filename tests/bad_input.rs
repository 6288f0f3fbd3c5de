//! Bad input is rejected before anything is sent: malformed ids, invalid
//! attribute names, `perPage` outside 1–1000, a negative page, an empty state
//! batch and a state with an invalid attribute name. Each gives
//! `Error::InvalidInput` naming the parameter and, where there is one, the
//! rejected value; a catch-all mock proves no request left the client.

mod common;

use common::{client, APP, DEVICE, RECIPE};
use futures::future::BoxFuture;
use futures::FutureExt;
use httpmock::prelude::*;
use losant_device::types::DeviceState;
use losant_device::{AttributeName, Client, DeviceId, DeviceRecipeId, Error};
use serde_json::json;

/// One rejected call.
struct Case {
    label: &'static str,
    /// The parameter at fault, exactly as Losant names it.
    parameter: &'static str,
    /// Texts the error must contain: the bad value, where there is one.
    mentions: Vec<String>,
    call: BoxFuture<'static, Result<(), Error>>,
}

fn case(
    label: &'static str,
    parameter: &'static str,
    mentions: &[&str],
    call: impl std::future::Future<Output = Result<(), Error>> + Send + 'static,
) -> Case {
    Case {
        label,
        parameter,
        mentions: mentions.iter().map(|m| m.to_string()).collect(),
        call: call.boxed(),
    }
}

fn check(
    case_label: &str,
    expected: &str,
    mentions: &[String],
    outcome: Result<(), Error>,
) -> Option<String> {
    let error = match outcome {
        Ok(()) => return Some(format!("{case_label}: accepted")),
        Err(error) => error,
    };
    let Error::InvalidInput {
        parameter, reason, ..
    } = &error
    else {
        return Some(format!(
            "{case_label}: expected InvalidInput, got {error:?}"
        ));
    };
    if parameter != expected {
        return Some(format!(
            "{case_label}: names parameter {parameter:?}, expected {expected:?} ({reason})"
        ));
    }
    let text = error.to_string();
    for mention in mentions {
        if !text.contains(mention.as_str()) {
            return Some(format!(
                "{case_label}: {text:?} does not mention {mention:?}"
            ));
        }
    }
    None
}

const LONG_NAME_LEN: usize = 256;

fn cases(client: Client) -> Vec<Case> {
    let long_name: &'static str = Box::leak("a".repeat(LONG_NAME_LEN).into_boxed_str());
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
        // Page sizes and numbers.
        case("perPage 0", "perPage", &["0"], {
            let c = c();
            async move {
                c.list_devices()
                    .application_id(APP)
                    .per_page(0)
                    .await
                    .map(drop)
            }
        }),
        case("perPage 1001", "perPage", &["1001"], {
            let c = c();
            async move {
                c.list_devices()
                    .application_id(APP)
                    .per_page(1001)
                    .await
                    .map(drop)
            }
        }),
        case("perPage negative", "perPage", &["-5"], {
            let c = c();
            async move {
                c.list_devices()
                    .application_id(APP)
                    .per_page(-5)
                    .await
                    .map(drop)
            }
        }),
        case("recipes perPage 0", "perPage", &["0"], {
            let c = c();
            async move {
                c.list_device_recipes()
                    .application_id(APP)
                    .per_page(0)
                    .await
                    .map(drop)
            }
        }),
        case("composite states perPage 1001", "perPage", &["1001"], {
            let c = c();
            async move {
                c.get_devices_composite_state()
                    .application_id(APP)
                    .per_page(1001)
                    .await
                    .map(drop)
            }
        }),
        case("perPage 0 through a page stream", "perPage", &["0"], {
            let c = c();
            async move {
                c.application(APP.parse()?)
                    .list_devices()
                    .per_page(0)
                    .collect_all()
                    .await
                    .map(drop)
            }
        }),
        case("page -1", "page", &["-1"], {
            let c = c();
            async move {
                c.list_devices()
                    .application_id(APP)
                    .page(-1)
                    .await
                    .map(drop)
            }
        }),
        case("recipes page -1", "page", &["-1"], {
            let c = c();
            async move {
                c.list_device_recipes()
                    .application_id(APP)
                    .page(-1)
                    .await
                    .map(drop)
            }
        }),
        case("composite states page -3", "page", &["-3"], {
            let c = c();
            async move {
                c.get_devices_composite_state()
                    .application_id(APP)
                    .page(-3)
                    .await
                    .map(drop)
            }
        }),
        // State reports.
        case("empty state batch", "body", &["empty"], {
            let c = c();
            async move {
                let app = c.application(APP.parse()?);
                app.device(DEVICE.parse()?)
                    .send_states(Vec::new())
                    .await
                    .map(drop)
            }
        }),
        case(
            "state with an invalid attribute name",
            "data",
            &["bad name!"],
            {
                let c = c();
                async move {
                    let app = c.application(APP.parse()?);
                    app.device(DEVICE.parse()?)
                        .send_state(DeviceState::now().with("temp", 1).with("bad name!", 2))
                        .await
                        .map(drop)
                }
            },
        ),
        case(
            "batch whose second state is invalid",
            "data",
            &["volt age"],
            {
                let c = c();
                async move {
                    let app = c.application(APP.parse()?);
                    app.device(DEVICE.parse()?)
                        .send_states([
                            DeviceState::at(1i64).with("voltage", 1),
                            DeviceState::at(2i64).with("volt age", 2),
                        ])
                        .await
                        .map(drop)
                }
            },
        ),
        case("state with an empty attribute name", "data", &["\"\""], {
            let c = c();
            async move {
                let app = c.application(APP.parse()?);
                app.device(DEVICE.parse()?)
                    .send_state(DeviceState::now().with("", 1))
                    .await
                    .map(drop)
            }
        }),
    ]
}

#[tokio::test]
async fn bad_input_fails_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({}));
        })
        .await;
    let mut failures = Vec::new();
    let cases = cases(client(&server));
    let total = cases.len();
    for Case {
        label,
        parameter,
        mentions,
        call,
    } in cases
    {
        failures.extend(check(label, parameter, &mentions, call.await));
    }
    any.assert_calls_async(0).await;
    assert!(
        failures.is_empty(),
        "{} of {total} bad inputs were not rejected as expected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A state built by hand and given to the generated builder directly (not
/// through `DeviceHandle::send_state`) is checked too.
#[tokio::test]
async fn the_generated_state_builder_checks_attribute_names_too() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({"success": true}));
        })
        .await;
    let client = client(&server);
    let outcomes = vec![
        (
            "one state",
            "data",
            client
                .send_device_state()
                .application_id(APP)
                .device_id(DEVICE)
                .body(DeviceState::now().with("bad name!", 1))
                .await
                .map(drop),
        ),
        (
            "an empty batch",
            "body",
            client
                .send_device_state()
                .application_id(APP)
                .device_id(DEVICE)
                .body(Vec::<DeviceState>::new())
                .await
                .map(drop),
        ),
    ];
    let failures: Vec<String> = outcomes
        .into_iter()
        .filter_map(|(label, parameter, outcome)| check(label, parameter, &[], outcome))
        .collect();
    let sent = any.calls_async().await;
    assert!(
        failures.is_empty() && sent == 0,
        "{sent} request(s) sent; {}",
        failures.join("; ")
    );
}
