//! Hostile servers and flaky networks, on loopback: whatever a server,
//! proxy or captive portal sends, memory stays bounded, what should end
//! ends, and no secret reaches an error. Limits are set small so that no
//! test needs more than a few MB to prove one.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::{APP, DEVICE, TOKEN};
use futures::StreamExt;
use loopback::{serve, Reply};
use losant_device::pagination::PageProblem;
use losant_device::{Client, ClientBuilder, Error, RetryPolicy};
use serde_json::json;
use std::time::Duration;

/// A guard so a broken limit fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

fn settings(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(RetryPolicy::disabled())
}

fn client(base_url: &str) -> Client {
    settings(base_url)
        .build()
        .expect("a valid test configuration")
}

async fn get_device(client: &Client) -> Result<losant_device::types::Device, Error> {
    let call = client.get_device().application_id(APP).device_id(DEVICE);
    tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the call ends")
}

// ------------------------------------------------------------ response size

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let server = serve(vec![Reply::Endless {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        declared_length: Some(2 << 30),
        chunk: vec![b' '; 64 * 1024],
    }])
    .await;
    let client = settings(&server.base_url)
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    match get_device(&client).await {
        Err(Error::ResponseTooLarge { limit, declared }) => {
            assert_eq!(limit, 1 << 20);
            assert_eq!(declared, Some(2 << 30));
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_limit() {
    let server = serve(vec![Reply::Endless {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        declared_length: None,
        chunk: vec![b' '; 16 * 1024],
    }])
    .await;
    let client = settings(&server.base_url)
        .max_response_bytes(256 * 1024)
        .build()
        .unwrap();
    let error = get_device(&client).await.expect_err("too large");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 262_144,
                declared: None
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("262144 bytes"), "{error}");
}

#[tokio::test]
async fn a_huge_error_page_is_read_only_in_part() {
    // An endless 500: the client reads its first 64 KiB and hangs up.
    let server = serve(vec![Reply::Endless {
        status: 500,
        headers: vec![("content-type".into(), "text/html".into())],
        declared_length: Some(1 << 30),
        chunk: b"<html>an enormous error page</html>".repeat(1000),
    }])
    .await;
    match get_device(&client(&server.base_url)).await {
        Err(Error::Api {
            status, message, ..
        }) => {
            assert_eq!(status.as_u16(), 500);
            assert!(
                message.starts_with("<html>an enormous error page"),
                "{message}"
            );
            assert!(message.len() <= 200);
        }
        other => panic!("expected Api, got {other:?}"),
    }
}

// ------------------------------------------------------------------ secrets

fn assert_no_secret(error: &Error, secrets: &[&str]) {
    let shown = format!("{error} | {error:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn a_token_echoed_in_an_error_answer_is_redacted() {
    let echo_json = Reply::json(
        401,
        json!({"type": "Unauthorized", "message": format!("token {TOKEN} is not valid")}),
    );
    let echo_text = Reply::typed(401, "text/plain", format!("bad token: {TOKEN}").as_bytes());
    for reply in [echo_json, echo_text] {
        let server = serve(vec![reply]).await;
        let error = get_device(&client(&server.base_url))
            .await
            .expect_err("401");
        assert_no_secret(&error, &[TOKEN]);
        assert!(error.to_string().contains("** redacted **"), "{error}");
    }
}

#[tokio::test]
async fn a_device_login_answer_that_does_not_decode_shows_no_token() {
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXZpY2UifQ.a-very-secret-signature-0123456789";
    let server = serve(vec![Reply::json(
        200,
        json!({"applicationId": APP, "deviceId": DEVICE, "deviceClass": 7, "token": token}),
    )])
    .await;
    let error = Client::authenticate_device(
        &server.base_url,
        DEVICE.parse().unwrap(),
        "key",
        "the-access-secret",
    )
    .client_settings(settings(&server.base_url))
    .await
    .expect_err("deviceClass 7 does not decode");
    assert!(
        matches!(error, Error::Decode { ref path, .. } if path == "deviceClass"),
        "{error:?}"
    );
    assert_no_secret(&error, &[token, "a-very-secret", "the-access-secret"]);
}

#[tokio::test]
async fn a_device_secret_echoed_by_the_login_is_redacted() {
    let server = serve(vec![Reply::json(
        400,
        json!({"type": "Validation", "message": "secret the-access-secret-42 is wrong"}),
    )])
    .await;
    let error = Client::authenticate_device(
        &server.base_url,
        DEVICE.parse().unwrap(),
        "key",
        "the-access-secret-42",
    )
    .client_settings(settings(&server.base_url))
    .await
    .expect_err("400");
    assert_no_secret(&error, &["the-access-secret-42"]);
}

// ---------------------------------------------------------------- base URL

#[test]
fn a_base_url_with_a_query_a_fragment_or_user_info_is_refused() {
    for url in [
        "https://api.losant.com/?x=1",
        "https://api.losant.com#frag",
        "https://user:pass@api.losant.com",
        "ftp://api.losant.com",
    ] {
        match Client::builder().base_url(url).build() {
            Err(Error::InvalidInput {
                parameter, value, ..
            }) => {
                assert_eq!(parameter, "base_url");
                assert_eq!(value.as_deref(), Some(url));
            }
            other => panic!("{url}: expected InvalidInput, got {other:?}"),
        }
    }
    assert!(Client::builder()
        .base_url("https://losant.example.com/api/")
        .build()
        .is_ok());
}

// ------------------------------------------------------------ page streams

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
    let result = tokio::time::timeout(
        PATIENCE,
        client
            .list_devices()
            .application_id(APP)
            .per_page(2)
            .collect_all(),
    )
    .await
    .unwrap();
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
    let result = tokio::time::timeout(
        PATIENCE,
        client
            .list_devices()
            .application_id(APP)
            .per_page(2)
            .collect_all(),
    )
    .await
    .unwrap();
    assert!(
        matches!(result, Err(Error::Pagination { .. })),
        "{result:?}"
    );
    assert!(server.hits() <= 9, "{} pages fetched", server.hits());
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn redirects_are_not_followed_and_nothing_reaches_the_other_host() {
    let elsewhere = serve(vec![Reply::json(200, common::device_json())]).await;
    let target = format!("{}/applications/{APP}/devices/{DEVICE}", elsewhere.base_url);
    let server = serve(vec![Reply::bare(307, b"").header("location", &target)]).await;
    let error = get_device(&client(&server.base_url))
        .await
        .expect_err("a redirect");
    assert!(
        matches!(&error, Error::Redirected { status, location } if status.as_u16() == 307 && location.as_deref() == Some(target.as_str())),
        "{error:?}"
    );
    assert_eq!(elsewhere.hits(), 0);

    // Allowed same-origin redirects still never leave the origin.
    let client = settings(&server.base_url)
        .follow_same_origin_redirects(true)
        .build()
        .unwrap();
    let error = get_device(&client).await.expect_err("another origin");
    assert!(matches!(error, Error::Redirected { .. }), "{error:?}");
    assert_eq!(elsewhere.hits(), 0);
}

#[tokio::test]
async fn same_origin_redirects_are_followed_when_allowed() {
    let server = serve(vec![
        Reply::bare(308, b"").header(
            "location",
            &format!("/applications/{APP}/devices/{DEVICE}?moved=1"),
        ),
        Reply::json(200, common::device_json()),
    ])
    .await;
    let client = settings(&server.base_url)
        .follow_same_origin_redirects(true)
        .build()
        .unwrap();
    let device = get_device(&client).await.expect("followed");
    assert_eq!(device.name.as_deref(), Some("My Device"));
    assert_eq!(server.requests()[1].query(), "moved=1");
}

// --------------------------------------------------------- operation deadline

#[tokio::test]
async fn the_operation_timeout_bounds_all_attempts_and_waits() {
    let busy = Reply::json(503, json!({"type": "Unavailable", "message": "busy"}))
        .header("retry-after", "1");
    let server = serve(vec![busy]).await;
    let client = settings(&server.base_url)
        .retry_policy(RetryPolicy::standard().with_max_attempts(10))
        .operation_timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let error = get_device(&client).await.expect_err("busy");
    // Attempt 1, a 1 s wait, attempt 2; the next wait would pass 1.5 s.
    assert_eq!(server.hits(), 2);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));

    let slow = serve(vec![Reply::SlowHead(Duration::from_secs(20))]).await;
    let client = settings(&slow.base_url)
        .operation_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = get_device(&client).await.expect_err("too slow");
    assert!(
        matches!(error, Error::OperationTimeout { limit } if limit == Duration::from_millis(300)),
        "{error:?}"
    );
}

// ------------------------------------------------------------------- inputs

#[tokio::test]
async fn keep_alive_interval_is_checked_before_any_request() {
    let server = serve(vec![Reply::sse(Vec::<String>::new(), loopback::End::Hold)]).await;
    let client = client(&server.base_url);
    let error = client
        .stream_device_state()
        .application_id(APP)
        .device_id(DEVICE)
        .keep_alive_interval(i64::MAX)
        .await
        .expect_err("out of range");
    assert!(
        matches!(&error, Error::InvalidInput { parameter, value, .. } if parameter == "keepAliveInterval" && value.as_deref() == Some("9223372036854775807")),
        "{error:?}"
    );
    let options = losant_device::sse::StreamOptions::default()
        .with_keep_alive(Duration::from_secs(u64::MAX / 2));
    let device = client
        .application(APP.parse().unwrap())
        .device(DEVICE.parse().unwrap());
    let first = device.state_stream_with(options).next().await;
    assert!(
        matches!(first, Some(Err(Error::InvalidInput { .. }))),
        "{first:?}"
    );
    assert_eq!(server.hits(), 0);
}
