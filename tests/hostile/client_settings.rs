//! Settings that guard against a bad network: a base URL that could leak
//! (query, fragment, user info), the operation timeout over all attempts,
//! and a keep-alive interval checked before any request.

use crate::common::{APP, DEVICE};
use crate::loopback::{self, serve, Reply};
use crate::{client, get_device, settings};
use futures::StreamExt;
use losant_device::{Client, Error, RetryPolicy};
use serde_json::json;
use std::time::Duration;

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

/// The operation timeout also stops a body that trickles in, with the
/// SDK's reqwest client and with a caller's (which get the request timeout
/// differently), and a token source that never answers.
#[tokio::test]
async fn the_operation_timeout_bounds_a_slow_body_and_a_stuck_token_source() {
    let limit = Duration::from_millis(300);
    let overdue =
        |error: &Error| matches!(error, Error::OperationTimeout { limit: l } if *l == limit);

    let given = crate::common::callers_reqwest_client();
    for http in [None, Some(given)] {
        let slow = serve(vec![Reply::SlowBody(Duration::from_secs(20))]).await;
        let mut builder = settings(&slow.base_url).operation_timeout(limit);
        if let Some(http) = http {
            builder = builder.reqwest_client(http);
        }
        let error = get_device(&builder.build().unwrap())
            .await
            .expect_err("too slow");
        assert!(overdue(&error), "{error:?}");
    }

    #[derive(Debug)]
    struct Stuck;
    impl losant_device::token::TokenSource for Stuck {
        fn token<'a>(
            &'a self,
            _refused: Option<&'a secrecy::SecretString>,
        ) -> futures::future::BoxFuture<'a, Result<secrecy::SecretString, Error>> {
            Box::pin(futures::future::pending())
        }
    }
    let server = serve(vec![Reply::json(200, json!({}))]).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .token_source(std::sync::Arc::new(Stuck))
        .operation_timeout(limit)
        .build()
        .unwrap();
    let error = get_device(&client).await.expect_err("no token");
    assert!(overdue(&error), "{error:?}");
    assert_eq!(server.hits(), 0);
}

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
