//! Bad input is rejected before anything is sent: malformed ids, invalid
//! attribute names, `perPage` outside 1–1000, a negative page, an empty state
//! batch and a state with an invalid attribute name. Each gives
//! `Error::InvalidInput` naming the parameter and, where there is one, the
//! rejected value; a catch-all mock proves no request left the client.

#[path = "../common/mod.rs"]
mod common;

mod case;
mod ids;
mod names;
mod paging;
mod states;

use case::{check, Case};
use common::{client, APP, DEVICE};
use httpmock::prelude::*;
use losant_device::types::DeviceState;
use losant_device::Client;
use serde_json::json;

fn cases(client: Client) -> Vec<Case> {
    [ids::cases, names::cases, paging::cases, states::cases]
        .into_iter()
        .flat_map(|group| group(client.clone()))
        .collect()
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
