//! Secrets a server echoes back (the token, a device secret) never reach
//! an error.

use crate::common::{APP, DEVICE, TOKEN};
use crate::loopback::{serve, Reply};
use crate::{client, get_device, settings};
use losant_device::{Client, Error};
use serde_json::json;

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
