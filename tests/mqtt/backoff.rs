//! The waits between reconnection attempts.

use crate::scripted::{scripted_broker, scripted_builder};
use crate::support::{device, guard};
use futures::StreamExt;
use losant_device::mqtt::ConnectionEvent;
use losant_device::Backoff;
use std::time::Duration;
use tokio::sync::mpsc;

/// Issue 11: a broker that drops every connection soon after accepting it
/// (as for an oversized retained command) must see the waits between
/// attempts grow, not a reconnect storm.
#[tokio::test]
async fn connections_dropped_soon_after_coming_up_keep_the_backoff_growing() {
    let (port, mut accepted) = scripted_broker().await;
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(mut connection) = accepted.recv().await {
            let _ = arrivals_tx.send(tokio::time::Instant::now());
            tokio::spawn(async move {
                if connection.accept_device().await.is_some() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                drop(connection);
            });
        }
    });
    let first = Duration::from_millis(20);
    let connection = scripted_builder(port, &device(40))
        .reconnect_backoff(Backoff::new(first, Duration::from_secs(10)))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();

    let mut attempts = Vec::new();
    let mut last_delay = Duration::ZERO;
    guard("six retries", async {
        while attempts.len() < 6 {
            match events.next().await.expect("the event stream is open") {
                ConnectionEvent::Retrying { attempt, delay } => {
                    let ceiling = first * 2u32.pow(attempt - 1);
                    assert!(
                        delay >= ceiling / 2 && delay <= ceiling,
                        "{attempt}: {delay:?}"
                    );
                    attempts.push(attempt);
                    last_delay = delay;
                }
                ConnectionEvent::Reconnected | ConnectionEvent::Disconnected { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    })
    .await;
    // Consecutive, never back to 1: the connections did not stay up for
    // `stable_after` (30 s by default).
    assert!(
        attempts.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "{attempts:?}"
    );
    assert!(attempts[5] >= 6, "{attempts:?}");
    assert!(last_delay >= Duration::from_millis(320), "{last_delay:?}");

    // The broker sees it too: the latest gap holds at least that wait.
    let mut previous = None;
    while let Ok(arrival) = arrivals.try_recv() {
        previous = Some(arrival);
    }
    let previous = previous.expect("connections arrived");
    let next = guard("the next attempt", arrivals.recv())
        .await
        .expect("the broker is running");
    assert!(
        next - previous >= Duration::from_millis(320),
        "{:?}",
        next - previous
    );
    connection.close().await.expect("closed");
}

/// A connection that stayed up for `stable_after` starts the backoff over.
#[tokio::test]
async fn a_connection_that_stayed_up_starts_the_backoff_over() {
    let (port, mut accepted) = scripted_broker().await;
    tokio::spawn(async move {
        while let Some(mut connection) = accepted.recv().await {
            tokio::spawn(async move {
                if connection.accept_device().await.is_some() {
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                }
                drop(connection);
            });
        }
    });
    let connection = scripted_builder(port, &device(41))
        .reconnect_backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_secs(10),
        ))
        .stable_after(Duration::from_millis(200))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    let mut attempts = Vec::new();
    guard("three retries", async {
        while attempts.len() < 3 {
            if let ConnectionEvent::Retrying { attempt, .. } =
                events.next().await.expect("the event stream is open")
            {
                attempts.push(attempt);
            }
        }
    })
    .await;
    assert_eq!(attempts, [1, 1, 1]);
}
