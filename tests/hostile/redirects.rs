//! Redirects: not followed by default (nothing reaches the other host), and
//! followed within the same origin when allowed.

use crate::common;
use crate::common::{APP, DEVICE};
use crate::loopback::{serve, Reply};
use crate::{client, get_device, settings};
use losant_device::Error;

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
