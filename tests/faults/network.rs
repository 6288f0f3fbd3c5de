//! Broken connections: a server slower than the timeout, connections cut
//! mid-body or closed before any answer, a refused connection, and a
//! retried status that recovers.

use crate::common::{device_json, APP, DEVICE};
use crate::loopback::{serve, Reply, REFUSED};
use crate::matrix::*;
use crate::operations::operations;
use futures::future::join_all;
use losant_device::Error;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    let server = serve(vec![busy.clone(), busy, Reply::json(200, device_json())]).await;
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
