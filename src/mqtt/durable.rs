//! Delivery from a [`Store`] (feature `store`): a task that hands the
//! stored entries to the connection's task in order, at QoS 1, and removes
//! each from the store at its PUBACK.
//!
//! It talks to the connection's task like a handle does, with a request
//! per message whose reply comes at the PUBACK. Such a message is kept by
//! the task across lost connections (never answered early, whatever the
//! offline queue), so the task's own resending keeps the order. At most
//! [`WINDOW`] entries are out of the store at once, so memory does not
//! grow with what the store holds, and only while connected, so that a
//! bound that drops entries while offline drops what would be sent. The task holds the connection only
//! weakly: dropping every handle still closes it.

use super::requests::{Message, Request, ResendLedger, Snapshot};
use super::{ConnectionEvent, ConnectionStatus, MqttError, Qos};
use crate::store::{Store, StoreError, StoreEventStream};
use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// Entries handed to the connection and not yet acknowledged, at most.
const WINDOW: usize = 64;
/// Their bytes, about (at least one entry is always handed out).
const WINDOW_BYTES: u64 = 1024 * 1024;
/// Wait after a failed read of the store before the next one.
const RETRY_READ: Duration = Duration::from_secs(1);
/// How often an idle task looks at the store anyway, in case a change
/// was missed.
const IDLE_RECHECK: Duration = Duration::from_secs(60);

type Answer = Pin<Box<dyn Future<Output = (i64, Result<(), MqttError>)> + Send>>;

pub(super) struct Feeder {
    /// Claimed for this connection by its task, which lets go of it when
    /// it ends, so that `close` returns with the store free again.
    pub(super) store: Store,
    pub(super) requests: mpsc::WeakSender<Request>,
    pub(super) events: broadcast::WeakSender<ConnectionEvent>,
    /// The connection's state: the task ends once it is closed.
    pub(super) status: watch::Receiver<Snapshot>,
}

impl Feeder {
    pub(super) async fn run(mut self) {
        let store = self.store.clone();
        let mut store_events = store.events();
        let mut changes = store.changes();
        // Bumped and saved by the connection's task.
        let resent: Arc<dyn ResendLedger> = Arc::new(StoreLedger {
            store: store.clone(),
            unsaved: AtomicU64::new(0),
        });
        let mut outstanding: FuturesUnordered<Answer> = FuturesUnordered::new();
        let mut after = 0i64;
        let mut seen_appends = 0;
        // Nothing is stored after `after`, as of `seen_appends`.
        let mut drained = false;
        loop {
            // Handed over only while connected: an entry handed over stays
            // with the connection's task even if a bound drops it from
            // the store meanwhile.
            let connected = self.status.borrow().status == ConnectionStatus::Connected;
            if connected && !drained && outstanding.len() < WINDOW {
                let room = WINDOW - outstanding.len();
                seen_appends = changes.borrow_and_update().appended_batches;
                match store.fetch(after, room, WINDOW_BYTES).await {
                    Ok(entries) => {
                        drained = entries.is_empty();
                        for entry in entries {
                            let message = Message {
                                topic: entry.route,
                                qos: Qos::AtLeastOnce,
                                payload: Bytes::from(entry.payload),
                                resent: Some(resent.clone()),
                            };
                            let Some(answer) = self.hand_over(message).await else {
                                return;
                            };
                            after = entry.id;
                            let id = entry.id;
                            outstanding.push(Box::pin(async move {
                                let result = answer.await.unwrap_or(Err(MqttError::Closed));
                                (id, result)
                            }));
                        }
                    }
                    Err(StoreError::Closed { .. }) => return,
                    Err(error) => {
                        tracing::warn!(%error, "reading the store failed; trying again");
                        tokio::time::sleep(RETRY_READ).await;
                        continue;
                    }
                }
            }
            let waiting_for_more = drained && outstanding.len() < WINDOW;
            tokio::select! {
                Some((id, result)) = outstanding.next(), if !outstanding.is_empty() => {
                    if result.is_err() {
                        // The connection is closed: the entries stay stored.
                        return;
                    }
                    if store.acknowledge(vec![id]).await.is_err() {
                        return;
                    }
                }
                open = appended_since(&mut changes, seen_appends), if waiting_for_more => {
                    if !open {
                        return;
                    }
                    drained = false;
                }
                Some(event) = next_event(&mut store_events) => {
                    if let Some(events) = self.events.upgrade() {
                        // An error only means nobody listens.
                        let _ = events.send(ConnectionEvent::Store(event));
                    }
                }
                changed = self.status.changed() => {
                    let closed = changed.is_err()
                        || self.status.borrow().status == ConnectionStatus::Closed;
                    if closed {
                        return;
                    }
                }
                _ = tokio::time::sleep(IDLE_RECHECK) => drained = false,
            }
        }
    }

    /// Hands one message to the connection's task; `None` once it is gone.
    async fn hand_over(
        &self,
        message: Message,
    ) -> Option<oneshot::Receiver<Result<(), MqttError>>> {
        let requests = self.requests.upgrade()?;
        let (reply, answer) = oneshot::channel();
        requests
            .send(Request::Publish { message, reply })
            .await
            .ok()?;
        Some(answer)
    }
}

/// The resend count of the entries of one store.
struct StoreLedger {
    store: Store,
    unsaved: AtomicU64,
}

impl ResendLedger for StoreLedger {
    fn add(&self) {
        self.unsaved.fetch_add(1, Ordering::Relaxed);
    }

    fn save(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let count = self.unsaved.load(Ordering::Relaxed);
            // Taken off only once saved: a save cut short by its deadline
            // leaves the count for the next one (which may then count some
            // twice, never too few). A closed store has nothing to count.
            if count > 0 && self.store.count_resent(count).await.is_ok() {
                self.unsaved.fetch_sub(count, Ordering::Relaxed);
            }
        })
    }
}

/// Whether the store is still open once a batch stored something after
/// the `seen`th.
async fn appended_since(changes: &mut watch::Receiver<crate::store::Snapshot>, seen: u64) -> bool {
    changes
        .wait_for(|now| now.appended_batches != seen)
        .await
        .is_ok()
}

async fn next_event(events: &mut StoreEventStream) -> Option<crate::store::StoreEvent> {
    events.next().await
}

/// Stores a state for delivery; returns once it is on the disk.
pub(super) async fn store_state(
    store: &Store,
    topic: String,
    payload: Vec<u8>,
) -> Result<(), crate::Error> {
    let record = crate::store::Record {
        route: topic,
        payload,
    };
    Ok(store.append(vec![record]).await?)
}
