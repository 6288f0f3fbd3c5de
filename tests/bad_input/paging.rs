//! Page sizes outside 1–1000 and negative page numbers.

use crate::case::{case, Case};
use crate::common::APP;
use losant_device::Client;

pub(crate) fn cases(client: Client) -> Vec<Case> {
    let c = move || client.clone();
    vec![
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
    ]
}
