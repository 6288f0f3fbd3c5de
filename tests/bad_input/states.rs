//! State reports: an empty batch, an invalid attribute name.

use crate::case::{case, Case};
use crate::common::{APP, DEVICE};
use losant_device::types::DeviceState;
use losant_device::Client;

pub(crate) fn cases(client: Client) -> Vec<Case> {
    let c = move || client.clone();
    vec![
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
