//! Servers that page wrongly: ignoring `page`, giving no total, or more
//! pages than the total allows. Every walk ends.

use crate::common::APP;
use crate::loopback::{serve, Reply};
use crate::{client, settings, PATIENCE};
use futures::StreamExt;
use losant_device::pagination::PageProblem;
use losant_device::types::Device;
use losant_device::{Client, Error};
use serde_json::json;

fn page(first: usize, count: usize, total: Option<usize>) -> serde_json::Value {
    let items: Vec<_> = (first..first + count)
        .map(|n| json!({"id": format!("575ecf887ae143cd83dc{n:04x}"), "name": format!("d{n}")}))
        .collect();
    let mut page = json!({"items": items, "count": count, "perPage": count});
    if let Some(total) = total {
        page["totalCount"] = json!(total);
    }
    page
}

/// Every device, two per page, within the hang guard.
async fn collect_all(client: &Client) -> Result<Vec<Device>, Error> {
    let walk = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .collect_all();
    tokio::time::timeout(PATIENCE, walk)
        .await
        .expect("the walk ends")
}

#[tokio::test]
async fn a_server_that_ignores_page_is_caught_by_the_repeated_first_item() {
    let server = serve(vec![Reply::json(200, page(0, 2, None))]).await;
    let client = client(&server.base_url);
    let stream = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .stream();
    let items: Vec<_> = tokio::time::timeout(PATIENCE, stream.collect())
        .await
        .unwrap();
    assert_eq!(server.hits(), 2);
    assert!(
        matches!(
            items.last(),
            Some(Err(Error::Pagination {
                problem: PageProblem::RepeatedPage { page: 1, .. },
                ..
            }))
        ),
        "{:?}",
        items.last()
    );
}

#[tokio::test]
async fn pages_without_a_total_stop_at_max_pages() {
    let script = (0..100)
        .map(|n| Reply::json(200, page(n * 2, 2, None)))
        .collect();
    let server = serve(script).await;
    let client = settings(&server.base_url).max_pages(5).build().unwrap();
    let result = collect_all(&client).await;
    assert!(
        matches!(
            result,
            Err(Error::Pagination {
                problem: PageProblem::TooManyPages { pages: 6, limit: 5 },
                ..
            })
        ),
        "{result:?}"
    );
    assert_eq!(server.hits(), 6);
}

#[tokio::test]
async fn pages_beyond_what_the_total_allows_stop_the_stream() {
    // Every page claims 4 items in all, yet each page is full and new.
    let script = (0..100)
        .map(|n| Reply::json(200, page(n * 2, 2, Some(4 + n * 2))))
        .collect();
    let server = serve(script).await;
    let client = settings(&server.base_url).max_pages(8).build().unwrap();
    let result = collect_all(&client).await;
    assert!(
        matches!(result, Err(Error::Pagination { .. })),
        "{result:?}"
    );
    assert!(server.hits() <= 9, "{} pages fetched", server.hits());
}
