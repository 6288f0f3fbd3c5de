//! The expected errors and the runner: every fault case against every
//! operation, concurrently, counting the attempts the server read.

use crate::common::TOKEN;
use crate::loopback::{serve, Reply};
use crate::operations::{operations, Op};
use futures::future::join_all;
use losant_device::{Backoff, Client, ClientBuilder, Error, RetryPolicy};
use serde_json::json;
use std::time::Duration;

/// The error a fault must turn into.
#[derive(Clone, Debug)]
pub enum Expect {
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
pub enum Retried {
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

pub const ATTEMPTS: usize = 3;

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

pub fn settings(base_url: &str, request_timeout: Duration) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(policy())
        .request_timeout(request_timeout)
        .reqwest_client(http())
}

/// A request timeout no loopback answer comes near; only a hang guard.
pub const GENEROUS: Duration = Duration::from_secs(20);
/// The timeout for the slow-server cases, which stall far longer.
pub const SHORT: Duration = Duration::from_secs(2);
/// How long a stalling server stalls.
pub const STALL: Duration = Duration::from_secs(60);

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
pub async fn run_matrix(cases: Vec<(String, Reply, Duration, Expect, Retried)>) {
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
pub const SUCCESS: u16 = 0;

pub fn losant_error(status: u16) -> (Reply, Expect) {
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

pub fn api(status: u16, message: &str) -> Expect {
    Expect::Api {
        status,
        kind: String::new(),
        message: message.to_string(),
    }
}

pub fn retried_status(status: u16) -> Retried {
    if [429, 502, 503, 504].contains(&status) {
        Retried::IfIdempotent
    } else {
        Retried::Never
    }
}
