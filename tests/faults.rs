//! Faults: every operation family (device, devices, device attributes,
//! device recipes, auth) meets error statuses with Losant's error body, HTML
//! error pages, empty and truncated bodies, a wrong content type, a server
//! slower than the timeout, connections reset or closed mid-body or before
//! any answer, and a refused connection. Each must end in a typed
//! [`Error`], without a panic, after exactly as many attempts as the retry
//! policy allows:
//!
//! - 429, 502, 503 and 504 are retried for GET, PATCH and DELETE, never for
//!   a POST that reached the server;
//! - a refused connection is retried for every method;
//! - other statuses, timeouts and broken answers are not retried.
//!
//! The server is a raw loopback socket (`common/loopback.rs`), so it can cut
//! a connection where a real proxy or a crashing server would.

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::{APP, DEVICE, RECIPE, TOKEN};
use futures::future::{join_all, BoxFuture};
use loopback::{serve, Reply, REFUSED};
use losant_device::types::{DeviceCommand, DeviceState};
use losant_device::{Backoff, Client, ClientBuilder, Error, RetryPolicy};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

// ---------------------------------------------------------------------------
// The operations under test: at least one GET and one POST per family, and
// the PATCH and DELETE a family has.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    fn idempotent(self) -> bool {
        self != Method::Post
    }
}

/// Sends one request with the given client settings; `base_url` is where
/// the settings point (device authentication needs it separately).
type Call = fn(ClientBuilder, String) -> BoxFuture<'static, Result<(), Error>>;

struct Op {
    family: &'static str,
    /// The generated operation behind the call (named in decode errors).
    operation: &'static str,
    /// How the test calls it, when that differs from `operation`.
    via: &'static str,
    method: Method,
    /// The success status the API documents (201 for the creations).
    success: u16,
    call: Call,
}

fn op(family: &'static str, operation: &'static str, method: Method, call: Call) -> Op {
    let success = match operation {
        "create_device"
        | "create_device_attribute"
        | "create_device_recipe"
        | "bulk_create_devices" => 201,
        _ => 200,
    };
    Op {
        family,
        operation,
        via: operation,
        method,
        success,
        call,
    }
}

fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid request body")
}

fn build(settings: ClientBuilder) -> Result<Client, Error> {
    settings.build()
}

fn operations() -> Vec<Op> {
    use Method::*;
    let mut ops = vec![
        // device
        op("device", "get_device", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.get_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await
                    .map(drop)
            })
        }),
        op("device", "update_device", Patch, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.update_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .body(body::<losant_device::types::DevicePatch>(
                        json!({"name": "renamed"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("device", "delete_device", Delete, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.delete_device()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .await
                    .map(drop)
            })
        }),
        op("device", "send_device_state", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                let app = c.application(APP.parse()?);
                app.device(DEVICE.parse()?)
                    .send_state(DeviceState::at(1_700_000_000_000i64).with("temp", 21.5))
                    .await
                    .map(drop)
            })
        }),
        op("device", "send_device_command", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                let app = c.application(APP.parse()?);
                app.device(DEVICE.parse()?)
                    .send_command(DeviceCommand::named("reboot"))
                    .await
                    .map(drop)
            })
        }),
        // devices
        op("devices", "list_devices", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.list_devices()
                    .application_id(APP)
                    .per_page(10)
                    .await
                    .map(drop)
            })
        }),
        op("devices", "create_device", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.create_device()
                    .application_id(APP)
                    .body(body::<losant_device::types::DevicePost>(
                        json!({"name": "new"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("devices", "update_devices", Patch, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.update_devices()
                    .application_id(APP)
                    .body(body::<losant_device::types::DevicesPatch>(
                        json!({"deviceIds": [DEVICE], "updateFields": {"description": "x"}}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("devices", "delete_devices", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.delete_devices()
                    .application_id(APP)
                    .body(body::<losant_device::types::DevicesDeleteOrRestorePost>(
                        json!({"query": {"name": {"$startsWith": "old-"}}}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        // device attributes
        op(
            "device attributes",
            "list_device_attributes",
            Get,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.list_device_attributes()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .await
                        .map(drop)
                })
            },
        ),
        op("device attributes", "get_device_attribute", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.get_device_attribute()
                    .application_id(APP)
                    .device_id(DEVICE)
                    .name("voltage")
                    .await
                    .map(drop)
            })
        }),
        op(
            "device attributes",
            "create_device_attribute",
            Post,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.create_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .body(body::<losant_device::types::DeviceAttributePost>(
                            json!({"name": "voltage", "dataType": "number"}),
                        ))
                        .await
                        .map(drop)
                })
            },
        ),
        op(
            "device attributes",
            "update_device_attribute",
            Patch,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.update_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .name("voltage")
                        .body(body::<losant_device::types::DeviceAttributePatch>(
                            json!({"description": "volts"}),
                        ))
                        .await
                        .map(drop)
                })
            },
        ),
        op(
            "device attributes",
            "delete_device_attribute",
            Delete,
            |s, _| {
                Box::pin(async move {
                    let c = build(s)?;
                    c.delete_device_attribute()
                        .application_id(APP)
                        .device_id(DEVICE)
                        .name("voltage")
                        .await
                        .map(drop)
                })
            },
        ),
        // device recipes
        op("device recipes", "list_device_recipes", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.list_device_recipes().application_id(APP).await.map(drop)
            })
        }),
        op("device recipes", "get_device_recipe", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.get_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "create_device_recipe", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.create_device_recipe()
                    .application_id(APP)
                    .body(body::<losant_device::types::DeviceRecipePost>(
                        json!({"name": "pump recipe"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "update_device_recipe", Patch, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.update_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(body::<losant_device::types::DeviceRecipePatch>(
                        json!({"description": "pumps"}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "delete_device_recipe", Delete, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.delete_device_recipe()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .await
                    .map(drop)
            })
        }),
        op("device recipes", "bulk_create_devices", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.bulk_create_devices()
                    .application_id(APP)
                    .device_recipe_id(RECIPE)
                    .body(body::<losant_device::types::DeviceRecipeBulkCreatePost>(
                        json!({"count": 3}),
                    ))
                    .await
                    .map(drop)
            })
        }),
        // auth
        op("auth", "request_device_token", Post, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.request_device_token()
                    .body(losant_device::auth::DeviceCredentials::new(
                        DEVICE.parse()?,
                        "key",
                        "secret",
                    ))
                    .await
                    .map(drop)
            })
        }),
    ];
    // The same operations reached through the hand-written layer.
    ops.push(Op {
        via: "list_devices().collect_all()",
        ..op("devices", "list_devices", Get, |s, _| {
            Box::pin(async move {
                let c = build(s)?;
                c.application(APP.parse()?)
                    .list_devices()
                    .per_page(10)
                    .collect_all()
                    .await
                    .map(drop)
            })
        })
    });
    ops.push(Op {
        via: "Client::authenticate_device",
        ..op("auth", "request_device_token", Post, |s, base_url| {
            Box::pin(async move {
                Client::authenticate_device(base_url, DEVICE.parse()?, "key", "secret")
                    .client_settings(s)
                    .await
                    .map(drop)
            })
        })
    });
    ops
}

#[test]
fn every_family_has_a_get_and_a_post_and_its_patch_and_delete() {
    let ops = operations();
    for family in [
        "device",
        "devices",
        "device attributes",
        "device recipes",
        "auth",
    ] {
        let methods: Vec<Method> = ops
            .iter()
            .filter(|op| op.family == family)
            .map(|op| op.method)
            .collect();
        assert!(methods.contains(&Method::Post), "{family} has no POST");
        if family != "auth" {
            // /auth/device is the only operation of its family.
            for method in [Method::Get, Method::Patch, Method::Delete] {
                if family == "devices" && method == Method::Delete {
                    continue; // deleting devices in bulk is a POST
                }
                assert!(methods.contains(&method), "{family} has no {method:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Expectations and the runner.

/// The error a fault must turn into.
#[derive(Clone, Debug)]
enum Expect {
    /// `Error::Api` with this status; `kind` exactly, `message` contained.
    Api {
        status: u16,
        kind: String,
        message: String,
    },
    /// `Error::RateLimited` carrying this message.
    RateLimited { message: String },
    /// `Error::Decode` naming the operation.
    Decode,
    /// `Error::Timeout`.
    Timeout,
    /// `Error::Transport`.
    Transport,
}

/// Which methods the policy sends again.
#[derive(Clone, Copy, Debug)]
enum Retried {
    Never,
    IfIdempotent,
}

/// The policy under test: the standard one with a tiny backoff.
fn policy() -> RetryPolicy {
    RetryPolicy::standard().with_backoff(Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(5),
    ))
}

const ATTEMPTS: usize = 3;

/// One `reqwest::Client` for all cases: building one per case costs more
/// CPU (TLS roots) than the loopback exchange, and that time would count
/// against the short timeouts of the concurrent cases.
fn http() -> reqwest::Client {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    HTTP.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .connect_timeout(GENEROUS)
            .build()
            .expect("a reqwest client")
    })
    .clone()
}

fn settings(base_url: &str, request_timeout: Duration) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(policy())
        .request_timeout(request_timeout)
        .reqwest_client(http())
}

/// A request timeout no loopback answer comes near; only a hang guard.
const GENEROUS: Duration = Duration::from_secs(20);
/// The timeout for the slow-server cases, which stall far longer.
const SHORT: Duration = Duration::from_secs(2);
/// How long a stalling server stalls.
const STALL: Duration = Duration::from_secs(60);

fn check_error(op: &Op, error: &Error, expect: &Expect) -> Result<(), String> {
    let fine = match (expect, error) {
        (
            Expect::Api {
                status,
                kind,
                message,
            },
            Error::Api {
                status: got,
                kind: got_kind,
                message: got_message,
            },
        ) => {
            got.as_u16() == *status
                && got_kind.as_ref().map_or("", |k| k.as_str()) == kind
                && got_message.contains(message.as_str())
        }
        (Expect::RateLimited { message }, Error::RateLimited { message: got, .. }) => {
            got == message
        }
        (Expect::Decode, Error::Decode { operation, .. }) => operation == op.operation,
        (Expect::Timeout, Error::Timeout { .. }) => true,
        (Expect::Transport, Error::Transport { .. }) => true,
        _ => false,
    };
    if fine {
        Ok(())
    } else {
        Err(format!("expected {expect:?}, got {error:?}"))
    }
}

/// Runs `op` against a server answering `reply`; a description of what went
/// wrong, if anything.
async fn run_one(
    op: &Op,
    reply: &Reply,
    timeout: Duration,
    expect: &Expect,
    retried: Retried,
) -> Result<(), String> {
    let mut reply = reply.clone();
    if let Reply::Answer { status, .. } = &mut reply {
        if *status == SUCCESS {
            *status = op.success;
        }
    }
    let server = serve(vec![reply]).await;
    let outcome = tokio::time::timeout(
        Duration::from_secs(60),
        (op.call)(settings(&server.base_url, timeout), server.base_url.clone()),
    )
    .await
    .map_err(|_| "hung for a minute".to_string())?;
    let error = match outcome {
        Ok(()) => return Err("succeeded".to_string()),
        Err(error) => error,
    };
    check_error(op, &error, expect)?;
    // The display text must not panic either.
    let _ = error.to_string();
    let attempts = match retried {
        Retried::IfIdempotent if op.method.idempotent() => ATTEMPTS,
        _ => 1,
    };
    if server.hits() != attempts {
        return Err(format!(
            "expected {attempts} request(s), the server read {} ({error:?})",
            server.hits()
        ));
    }
    Ok(())
}

/// Runs every case against every operation, concurrently; fails listing
/// every mismatch.
async fn run_matrix(cases: Vec<(String, Reply, Duration, Expect, Retried)>) {
    let ops = operations();
    let mut jobs = Vec::new();
    for (label, reply, timeout, expect, retried) in &cases {
        for op in &ops {
            jobs.push(async move {
                run_one(op, reply, *timeout, expect, *retried)
                    .await
                    .err()
                    .map(|problem| {
                        format!(
                            "{label} / {} {} ({:?}): {problem}",
                            op.family, op.via, op.method
                        )
                    })
            });
        }
    }
    let total = jobs.len();
    let failures: Vec<String> = join_all(jobs).await.into_iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} of {total} fault cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Stands for the operation's own success status (200 or 201) in a case.
const SUCCESS: u16 = 0;

fn losant_error(status: u16) -> (Reply, Expect) {
    let kind = format!("Kind{status}");
    let message = format!("Losant says {status}");
    let reply = Reply::json(status, json!({"type": kind, "message": message}));
    let expect = if status == 429 {
        Expect::RateLimited { message }
    } else {
        Expect::Api {
            status,
            kind,
            message,
        }
    };
    (reply, expect)
}

fn api(status: u16, message: &str) -> Expect {
    Expect::Api {
        status,
        kind: String::new(),
        message: message.to_string(),
    }
}

fn retried_status(status: u16) -> Retried {
    if [429, 502, 503, 504].contains(&status) {
        Retried::IfIdempotent
    } else {
        Retried::Never
    }
}

// ---------------------------------------------------------------------------
// The faults.

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

#[tokio::test]
async fn a_server_slower_than_the_timeout() {
    let cases = vec![
        (
            "no answer within the timeout".to_string(),
            Reply::SlowHead(STALL),
            SHORT,
            Expect::Timeout,
            Retried::Never,
        ),
        (
            "body stalls past the timeout".to_string(),
            Reply::SlowBody(STALL),
            SHORT,
            Expect::Timeout,
            Retried::Never,
        ),
    ];
    run_matrix(cases).await;
}

#[tokio::test]
async fn connections_cut_mid_body() {
    let cases = vec![
        (
            "reset mid-body".to_string(),
            Reply::ResetMidBody,
            GENEROUS,
            Expect::Transport,
            Retried::Never,
        ),
        (
            "closed mid-body".to_string(),
            Reply::CloseMidBody,
            GENEROUS,
            Expect::Transport,
            Retried::Never,
        ),
    ];
    run_matrix(cases).await;
}

#[tokio::test]
async fn connections_closed_before_answering() {
    let cases = vec![
        (
            "closed before answering".to_string(),
            Reply::CloseBeforeAnswer,
            GENEROUS,
            Expect::Transport,
            Retried::Never,
        ),
        (
            "reset before answering".to_string(),
            Reply::ResetBeforeAnswer,
            GENEROUS,
            Expect::Transport,
            Retried::Never,
        ),
    ];
    run_matrix(cases).await;
}

// ---------------------------------------------------------------------------
// Refused connections: no server counts them, so the retries the client logs
// are counted instead (one `tracing` event per retry).

#[derive(Clone, Default)]
struct RetryLog(Arc<AtomicUsize>);

impl tracing::Subscriber for RetryLog {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let metadata = event.metadata();
        if metadata.target().starts_with("losant_device")
            && metadata.fields().field("attempt").is_some()
        {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_every_method() {
    use tracing::instrument::WithSubscriber;
    let ops = operations();
    let jobs = ops.iter().map(|op| async move {
        let log = RetryLog::default();
        let call = (op.call)(settings(REFUSED, GENEROUS), REFUSED.to_string());
        let outcome = tokio::time::timeout(Duration::from_secs(60), call.with_subscriber(log.clone()))
            .await
            .map_err(|_| format!("{} hung", op.via));
        let attempts = log.0.load(Ordering::SeqCst) + 1;
        match outcome {
            Ok(Err(Error::Transport { .. })) if attempts == ATTEMPTS => None,
            other => Some(format!(
                "{} {} ({:?}): expected a transport error after {ATTEMPTS} attempts, got {other:?} after {attempts}",
                op.family, op.via, op.method
            )),
        }
    });
    let failures: Vec<String> = join_all(jobs).await.into_iter().flatten().collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_retried_status_that_recovers_is_not_an_error() {
    // Complements the matrix: the attempts it counts are real retries, and
    // the third one is still sent (and can succeed) for an idempotent call.
    let busy = Reply::json(503, json!({"type": "Unavailable", "message": "busy"}));
    let server = serve(vec![
        busy.clone(),
        busy,
        Reply::json(200, common::device_json()),
    ])
    .await;
    let client = settings(&server.base_url, GENEROUS).build().unwrap();
    let device = client
        .get_device()
        .application_id(APP)
        .device_id(DEVICE)
        .await
        .expect("the third attempt succeeds");
    assert_eq!(device.name.as_deref(), Some("My Device"));
    assert_eq!(server.hits(), 3);
}
