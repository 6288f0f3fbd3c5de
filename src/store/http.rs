//! The HTTP device path through a store: `send_state` stores, a task
//! delivers in order with `POST …/state` (up to 100 states per request)
//! and removes what Losant answered with a `2xx`.

use super::{Attachment, Record, Store, StoreError, StoreEvent, StoreStats};
use crate::ids::{ApplicationId, DeviceId};
use crate::types::DeviceState;
use crate::{Backoff, Client, DeviceHandle, Error};
use std::fmt;
use std::time::Duration;
use tokio::task::JoinHandle;

/// States per request; Losant takes an array of states in one request.
const BATCH_STATES: usize = 100;
/// Bytes of states per request, well below Losant's request size limit.
const BATCH_BYTES: u64 = 128 * 1024;
/// Waits between failed deliveries.
const BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
/// How often an idle delivery task looks at the store again, in case a
/// change was missed.
const IDLE_RECHECK: Duration = Duration::from_secs(60);

impl DeviceHandle<'_> {
    /// Reports this device's states through `store`: [`StoreAndForward::send_state`]
    /// returns once the state is on the disk, and a background task sends
    /// the stored states to Losant in order, removing each only after a
    /// `2xx`. Must be called within a Tokio runtime.
    ///
    /// Fails with [`StoreError::Attached`] when the store already feeds a
    /// connection or device.
    ///
    /// ```no_run
    /// # async fn demo(client: losant_device::Client) -> Result<(), losant_device::Error> {
    /// use losant_device::store::{Store, StoreOptions};
    /// use losant_device::types::DeviceState;
    /// let store = Store::open("reports.db", StoreOptions::default())?;
    /// let device = client
    ///     .application("575ec8687ae143cd83dc4a97".parse()?)
    ///     .device("575ecf887ae143cd83dc4aa2".parse()?)
    ///     .store_and_forward(store)?;
    /// device.send_state(DeviceState::now().with("temp", 21.5)).await?;
    /// # Ok(()) }
    /// ```
    pub fn store_and_forward(&self, store: Store) -> Result<StoreAndForward, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::invalid_input(
                "store",
                "store_and_forward needs a Tokio runtime for its task",
            )
        })?;
        let attachment = store.attach()?;
        let delivery = Delivery {
            client: self.client.clone(),
            application: self.application.clone(),
            device: self.id.clone(),
            attachment,
        };
        let task = runtime.spawn(delivery.run());
        Ok(StoreAndForward {
            store,
            device: self.id.clone(),
            task,
        })
    }
}

/// A device whose states go through a [`Store`]; from
/// [`DeviceHandle::store_and_forward`]. Dropping it stops the delivery
/// task; what is waiting stays in the store.
pub struct StoreAndForward {
    store: Store,
    device: DeviceId,
    task: JoinHandle<()>,
}

impl fmt::Debug for StoreAndForward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreAndForward")
            .field("device", &self.device)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Drop for StoreAndForward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StoreAndForward {
    /// Stores one state; returns once it is on the disk. Invalid attribute
    /// names fail before anything is stored; a state without a time is
    /// stamped now. Fails with [`Error::Store`] when the store refuses it.
    pub async fn send_state(&self, state: DeviceState) -> Result<(), Error> {
        state.validate()?;
        let state = stamped(state);
        let payload = serde_json::to_vec(&state)
            .map_err(|error| Error::invalid_input("state", error.to_string()))?;
        let record = Record {
            route: self.device.to_string(),
            payload,
        };
        Ok(self.store.append(vec![record]).await?)
    }

    /// The store's contents and counters.
    pub fn stats(&self) -> StoreStats {
        self.store.stats()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// A state keeps its time; one without is stamped with the time it was taken.
pub(crate) fn stamped(mut state: DeviceState) -> DeviceState {
    if state.time.is_none() {
        state.time = Some(std::time::SystemTime::now().into());
    }
    state
}

struct Delivery {
    client: Client,
    application: ApplicationId,
    device: DeviceId,
    attachment: Attachment,
}

/// What to do with a batch after Losant answered.
enum Verdict {
    Delivered,
    /// Refused for good (a `4xx` that retrying will not change).
    Rejected {
        status: u16,
        message: String,
    },
    /// Try again later; `maybe_arrived`: Losant may have it already.
    Retry {
        message: String,
        maybe_arrived: bool,
    },
}

impl Delivery {
    async fn run(self) {
        let store = self.attachment.store.clone();
        let mut changes = store.changes();
        let mut failures = 0u32;
        // After a rejected batch, its entries go one at a time, so that
        // only the bad one is removed.
        let mut one_by_one = 0usize;
        loop {
            let limit = if one_by_one > 0 { 1 } else { BATCH_STATES };
            let entries = match store.fetch(0, limit, BATCH_BYTES).await {
                Ok(entries) => entries,
                Err(StoreError::Closed { .. }) => return,
                Err(error) => {
                    failures += 1;
                    self.pause(&store, error.to_string(), failures, 0).await;
                    continue;
                }
            };
            if entries.is_empty() {
                changes.borrow_and_update();
                match tokio::time::timeout(IDLE_RECHECK, changes.changed()).await {
                    Ok(Err(_)) => return,
                    Ok(Ok(())) | Err(_) => continue,
                }
            }
            let ids: Vec<i64> = entries.iter().map(|entry| entry.id).collect();
            let states: Result<Vec<DeviceState>, _> = entries
                .iter()
                .map(|entry| serde_json::from_slice::<DeviceState>(&entry.payload))
                .collect();
            let verdict = match states {
                Ok(states) => self.send(states).await,
                Err(error) => Verdict::Rejected {
                    status: 0,
                    message: format!("the stored state could not be read: {error}"),
                },
            };
            let settled = match verdict {
                Verdict::Delivered => {
                    failures = 0;
                    one_by_one = one_by_one.saturating_sub(1);
                    store.acknowledge(ids).await
                }
                Verdict::Rejected { status, message } if ids.len() > 1 => {
                    tracing::debug!(status, %message, "a batch was rejected; sending its states one by one");
                    one_by_one = ids.len();
                    Ok(())
                }
                Verdict::Rejected { status, message } => {
                    tracing::warn!(status, %message, "Losant rejected a stored state; removing it");
                    one_by_one = one_by_one.saturating_sub(1);
                    let id = ids.first().copied().unwrap_or_default();
                    store.reject(id, status, message).await
                }
                Verdict::Retry {
                    message,
                    maybe_arrived,
                } => {
                    failures += 1;
                    let resent = if maybe_arrived { ids.len() as u64 } else { 0 };
                    self.pause(&store, message, failures, resent).await;
                    Ok(())
                }
            };
            if let Err(StoreError::Closed { .. }) = settled {
                return;
            }
        }
    }

    async fn send(&self, states: Vec<DeviceState>) -> Verdict {
        let answer = self
            .client
            .application(self.application.clone())
            .device(self.device.clone())
            .send_states(states)
            .await;
        match answer {
            // A `2xx` whose body this SDK does not understand: Losant has the states.
            Ok(_) | Err(Error::Decode { .. }) => Verdict::Delivered,
            Err(Error::Api {
                status, message, ..
            }) if is_permanent(status.as_u16()) => Verdict::Rejected {
                status: status.as_u16(),
                message,
            },
            Err(Error::InvalidInput { reason, .. }) => Verdict::Rejected {
                status: 0,
                message: reason,
            },
            Err(error) => {
                let maybe_arrived = match &error {
                    Error::Transport { .. }
                    | Error::Timeout { .. }
                    | Error::OperationTimeout { .. } => true,
                    // A 503 says the request was not handled.
                    Error::Api { status, .. } => status.is_server_error() && status.as_u16() != 503,
                    _ => false,
                };
                Verdict::Retry {
                    message: error.to_string(),
                    maybe_arrived,
                }
            }
        }
    }

    /// Announces a failed delivery, then counts the `resent` entries it
    /// may have delivered anyway: in that order, so that listeners see the
    /// failure before the count it causes.
    async fn pause(&self, store: &Store, message: String, failures: u32, resent: u64) {
        let retry_in = BACKOFF.delay(failures);
        tracing::warn!(%message, ?retry_in, "delivering stored states failed; trying again later");
        store.announce(StoreEvent::DeliveryFailed { message, retry_in });
        if resent > 0 {
            let _ = store.count_resent(resent).await;
        }
        tokio::time::sleep(retry_in).await;
    }
}

/// A `4xx` that the same request will get again; 401, 403 and 404 are a
/// token or id problem, not the state's, and 408 and 429 pass.
fn is_permanent(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 403 | 404 | 408 | 429)
}
