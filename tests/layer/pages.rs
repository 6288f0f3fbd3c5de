//! Page streams: pages fetched one at a time, the end of the list, and a
//! server that repeats a page.

use crate::common::*;
use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use losant_device::pagination::PageProblem;
use losant_device::Error;
use serde_json::{json, Value};

fn devices(names: std::ops::Range<usize>, page: i64, per_page: i64, total: i64) -> Value {
    let items: Vec<Value> = names
        .map(|n| json!({"id": format!("575ecf887ae143cd83dc{n:04x}"), "name": format!("device-{n}")}))
        .collect();
    json!({"items": items, "count": items.len(), "totalCount": total, "page": page, "perPage": per_page})
}

async fn page_mock<'a>(server: &'a MockServer, page: i64, body: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices"))
                .query_param("page", page.to_string())
                .query_param("perPage", "2");
            then.status(200).json_body(body);
        })
        .await
}

fn names(devices: &[losant_device::types::Device]) -> Vec<String> {
    devices.iter().filter_map(|d| d.name.clone()).collect()
}

#[tokio::test]
async fn stream_reads_full_pages_then_stops_at_the_short_one() {
    let server = MockServer::start_async().await;
    let pages = [
        page_mock(&server, 0, devices(0..2, 0, 2, 7)).await,
        page_mock(&server, 1, devices(2..4, 1, 2, 7)).await,
        page_mock(&server, 2, devices(4..6, 2, 2, 7)).await,
        page_mock(&server, 3, devices(6..7, 3, 2, 7)).await,
    ];
    let beyond = page_mock(&server, 4, devices(0..0, 4, 2, 7)).await;
    let client = client(&server);
    let all = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        names(&all),
        (0..7).map(|n| format!("device-{n}")).collect::<Vec<_>>()
    );
    for page in &pages {
        page.assert_calls_async(1).await;
    }
    beyond.assert_calls_async(0).await;
}

#[tokio::test]
async fn stream_follows_a_total_count_that_changes() {
    let server = MockServer::start_async().await;
    // Grows from 4 to 6 after the first page, then shrinks to 5.
    let first = page_mock(&server, 0, devices(0..2, 0, 2, 4)).await;
    let second = page_mock(&server, 1, devices(2..4, 1, 2, 6)).await;
    let third = page_mock(&server, 2, devices(4..6, 2, 2, 5)).await;
    let fourth = page_mock(&server, 3, devices(6..8, 3, 2, 5)).await;
    let client = client(&server);
    let all: Vec<_> = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    for page in [&first, &second, &third] {
        page.assert_calls_async(1).await;
    }
    fourth.assert_calls_async(0).await;
}

#[tokio::test]
async fn stream_of_an_empty_first_page_is_empty() {
    let server = MockServer::start_async().await;
    let first = page_mock(&server, 0, devices(0..0, 0, 2, 0)).await;
    let second = page_mock(&server, 1, devices(0..2, 1, 2, 2)).await;
    let client = client(&server);
    let all = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .collect_all()
        .await
        .unwrap();
    assert!(all.is_empty());
    first.assert_calls_async(1).await;
    second.assert_calls_async(0).await;
    let pages: Vec<_> = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.len(),
        1,
        "page-level access still shows the empty page"
    );
}

#[tokio::test]
async fn stream_fetches_a_page_only_when_the_previous_one_is_consumed() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 0..5 {
        let start = page as usize * 2;
        mocks.push(page_mock(&server, page, devices(start..start + 2, page, 2, 10)).await);
    }
    let client = client(&server);
    let mut stream = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .stream();
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    // Three items consumed: pages 0 and 1 were needed, nothing else is held
    // or fetched ahead, so memory does not depend on the total.
    let fetched: usize = futures::future::join_all(mocks.iter().map(|m| m.calls_async()))
        .await
        .iter()
        .sum();
    assert_eq!(fetched, 2);
}

#[tokio::test]
async fn a_server_repeating_a_page_stops_the_stream() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/applications/{APP}/devices"));
            then.status(200).json_body(devices(0..2, 0, 2, 100));
        })
        .await;
    let client = client(&server);
    let results: Vec<_> = client
        .list_devices()
        .application_id(APP)
        .per_page(2)
        .pages()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert!(matches!(
        &results[1],
        Err(Error::Pagination {
            problem: PageProblem::WrongPage {
                asked: 1,
                answered: 0
            },
            ..
        })
    ));
}
