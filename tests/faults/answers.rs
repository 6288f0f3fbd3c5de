//! Broken answers: error statuses with Losant's error body, HTML error
//! pages, empty and truncated bodies, a wrong content type.

use crate::loopback::Reply;
use crate::matrix::*;

#[tokio::test]
async fn error_statuses_with_a_losant_body() {
    let cases = [400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504]
        .into_iter()
        .map(|status| {
            let (reply, expect) = losant_error(status);
            (
                format!("HTTP {status}"),
                reply,
                GENEROUS,
                expect,
                retried_status(status),
            )
        })
        .collect();
    run_matrix(cases).await;
}

const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[tokio::test]
async fn html_error_pages() {
    let page = |title: &str| {
        format!("<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>")
    };
    let mut cases = vec![(
        "nginx 502 page".to_string(),
        Reply::typed(502, "text/html", NGINX_502.as_bytes()),
        GENEROUS,
        api(502, "502 Bad Gateway"),
        Retried::IfIdempotent,
    )];
    for (status, title) in [
        (404, "Not Found"),
        (500, "Internal Server Error"),
        (503, "Service Unavailable"),
    ] {
        cases.push((
            format!("HTML {status} page"),
            Reply::typed(status, "text/html; charset=utf-8", page(title).as_bytes()),
            GENEROUS,
            api(status, title),
            retried_status(status),
        ));
    }
    run_matrix(cases).await;
}

#[tokio::test]
async fn empty_bodies() {
    let cases = vec![
        (
            "2xx with an empty body".to_string(),
            Reply::typed(SUCCESS, "application/json", b""),
            GENEROUS,
            Expect::Decode,
            Retried::Never,
        ),
        (
            "500 with an empty body".to_string(),
            Reply::typed(500, "application/json", b""),
            GENEROUS,
            api(500, ""),
            Retried::Never,
        ),
        (
            "503 without body or content type".to_string(),
            Reply::bare(503, b""),
            GENEROUS,
            api(503, ""),
            Retried::IfIdempotent,
        ),
    ];
    run_matrix(cases).await;
}

#[tokio::test]
async fn truncated_json() {
    let cases = vec![
        (
            "2xx with truncated JSON".to_string(),
            Reply::typed(
                SUCCESS,
                "application/json",
                br#"{"id":"575ecf887ae143cd83dc4aa2","name":"pu"#,
            ),
            GENEROUS,
            Expect::Decode,
            Retried::Never,
        ),
        (
            "400 with a truncated Losant error".to_string(),
            Reply::typed(
                400,
                "application/json",
                br#"{"type":"Validation","message":"name is req"#,
            ),
            GENEROUS,
            // Not a Losant error body any more: the excerpt is the message.
            api(400, r#"{"type":"Validation","message":"name is req"#),
            Retried::Never,
        ),
    ];
    run_matrix(cases).await;
}

#[tokio::test]
async fn wrong_content_type() {
    let cases = vec![
        (
            "2xx text/plain".to_string(),
            Reply::typed(SUCCESS, "text/plain", b"OK"),
            GENEROUS,
            Expect::Decode,
            Retried::Never,
        ),
        (
            "2xx text/html".to_string(),
            Reply::typed(SUCCESS, "text/html", b"<html><body>Welcome!</body></html>"),
            GENEROUS,
            Expect::Decode,
            Retried::Never,
        ),
        (
            "2xx application/xml".to_string(),
            Reply::typed(
                SUCCESS,
                "application/xml",
                b"<?xml version=\"1.0\"?><device/>",
            ),
            GENEROUS,
            Expect::Decode,
            Retried::Never,
        ),
        (
            "2xx octet-stream of binary".to_string(),
            Reply::typed(
                SUCCESS,
                "application/octet-stream",
                &[0xff, 0x00, 0xfe, 0x7b],
            ),
            GENEROUS,
            Expect::Decode,
            Retried::Never,
        ),
    ];
    run_matrix(cases).await;
}
