//! Bodies over the response limit: refused by their declared length, cut
//! off when chunked without end, and error pages read only in part.

use crate::loopback::{serve, Reply};
use crate::{client, get_device, settings};
use losant_device::Error;

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
