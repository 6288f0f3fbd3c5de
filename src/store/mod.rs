//! Store-and-forward (feature `store`): a durable outbox in an SQLite file.
//!
//! A [`Store`] keeps every report it takes until Losant has acknowledged
//! it, across lost connections, restarts, crashes and power loss. Hand it
//! to an MQTT connection (`mqtt::ConnectionBuilder::store`, feature `mqtt`)
//! or to the HTTP device path
//! ([`DeviceHandle::store_and_forward`](crate::DeviceHandle::store_and_forward)).
//!
//! - **Written before the call returns.** `send_state` returns once the
//!   report, with its original time, is committed to the file (SQLite's
//!   write-ahead log with `synchronous = FULL`: on the disk, power loss
//!   included). A state without a time is stamped with the time it was
//!   taken, so that Losant does not stamp it on arrival.
//! - **Batched.** One thread owns the file and commits everything that
//!   waits for it in one transaction: reports made at the same time share
//!   one disk flush.
//! - **In order, at least once.** Entries are sent in the order they were
//!   stored and removed only once Losant has acknowledged them: the PUBACK
//!   of a QoS 1 message (stored states always go out at QoS 1), or a `2xx`.
//!   An entry whose acknowledgement was lost (the connection dropped, the
//!   program was killed) is sent again, so Losant may get it twice; such
//!   entries are counted ([`StoreStats::resent`]). The first arrival of
//!   each entry is in order.
//! - **Bounded** by bytes and by age ([`StoreOptions`]), with a policy
//!   ([`FullPolicy`]): drop the oldest (counted, [`StoreEvent::Dropped`])
//!   or refuse new reports ([`StoreError::Full`]).
//! - **Visible**: [`Store::stats`] (waiting entries, their bytes, the age
//!   of the oldest, what was delivered, dropped, refused, resent) and
//!   [`Store::events`].
//! - **A damaged file** is never emptied: opening it fails with
//!   [`StoreError::Corrupt`] naming it, after it was renamed to
//!   `<file>.corrupt-<ms>`; opening again starts an empty store.
//!
//! One process and one connection use a store file at a time
//! ([`StoreError::InUse`], [`StoreError::Attached`]).
//!
//! ```no_run
//! use losant_device::store::{Store, StoreOptions};
//! # fn demo() -> Result<(), losant_device::Error> {
//! let store = Store::open("/var/lib/my-device/reports.db", StoreOptions::default())?;
//! let stats = store.stats();
//! println!("{} reports waiting, the oldest for {:?}", stats.entries, stats.oldest_age());
//! # Ok(()) }
//! ```

mod batch;
mod db;
mod error;
mod http;
mod open;
mod options;
mod stats;
mod writer;

pub use error::{FullReason, StoreError};
pub use http::StoreAndForward;
pub use options::{FullPolicy, StoreOptions};
pub use stats::{DropReason, StoreEvent, StoreEventStream, StoreStats};

pub(crate) use db::{Entry, Record};
#[cfg(feature = "mqtt")]
pub(crate) use http::stamped;

use batch::Op;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
pub(crate) use writer::Snapshot;
use writer::Writer;

/// How long a call waits for the store's thread (a commit, a read).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// Store events kept for a slow [`StoreEventStream`].
const EVENT_CAPACITY: usize = 64;

/// A durable outbox in one SQLite file; see the [module docs](self).
///
/// Cheap to clone: clones share the file. The file is closed when the last
/// clone is dropped, or by [`close`](Self::close).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    ops: mpsc::Sender<Op>,
    snapshot: watch::Receiver<Snapshot>,
    events: broadcast::Sender<StoreEvent>,
    /// A connection or HTTP device delivers from this store.
    attached: AtomicBool,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `path`, creating it if needed, and checks it.
    ///
    /// Blocks while SQLite checks the file (a few milliseconds for a small
    /// store, about a second for a full one of 64 MiB): call it at start-up
    /// or from `spawn_blocking`. Entries that had been sent before the
    /// program stopped, without an acknowledgement, are counted as resent.
    ///
    /// Fails with [`StoreError::Corrupt`] (the file was moved aside),
    /// [`StoreError::Unreadable`], [`StoreError::Foreign`] or
    /// [`StoreError::InUse`], as [`Error::Store`](crate::Error::Store).
    pub fn open(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store, crate::Error> {
        options.validate()?;
        let path = path.as_ref().to_path_buf();
        let opened = open::open(&path)?;
        if opened.recovered > 0 {
            tracing::warn!(path = %path.display(), entries = opened.recovered,
                "entries sent before the restart had no acknowledgement; sending them again");
        }
        let (ops_tx, ops) = mpsc::channel(writer::CHANNEL_CAPACITY);
        let (snapshot_tx, snapshot) = watch::channel(writer::first_snapshot(&opened));
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let writer = Writer {
            path: path.clone(),
            options,
            opened,
            ops,
            snapshot: snapshot_tx,
            events: events.clone(),
        };
        std::thread::Builder::new()
            .name("losant-store".into())
            .spawn(move || writer.run())
            .map_err(|error| StoreError::Unreadable {
                path: path.clone(),
                reason: format!("could not start the store's thread: {error}"),
            })?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                ops: ops_tx,
                snapshot,
                events,
                attached: AtomicBool::new(false),
            }),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// What is waiting, and the totals of what was delivered and lost.
    pub fn stats(&self) -> StoreStats {
        self.inner.snapshot.borrow().stats.clone()
    }

    /// Events from the moment of the call: entries dropped, refused,
    /// resent, rejected; failed deliveries.
    pub fn events(&self) -> StoreEventStream {
        StoreEventStream::new(self.inner.events.subscribe())
    }

    /// Closes the file for every clone, once what was asked before is
    /// done; later calls fail with [`StoreError::Closed`]. Entries stay in
    /// the file for the next [`open`](Self::open).
    pub async fn close(&self) {
        let (reply, closed) = oneshot::channel();
        let closing = async {
            if self.inner.ops.send(Op::Close { reply }).await.is_ok() {
                // An error means the thread had ended already.
                let _ = closed.await;
            }
        };
        if tokio::time::timeout(ANSWER_TIMEOUT, closing).await.is_err() {
            tracing::warn!(path = %self.inner.path.display(), "the store did not close in time");
        }
    }

    /// Stores `records` (all or none); returns once they are on the disk.
    pub(crate) async fn append(&self, records: Vec<Record>) -> Result<(), StoreError> {
        self.ask(|reply| Op::Append { records, reply }).await?
    }

    /// Up to `limit` entries (and about `max_bytes`) after `after`, in order.
    pub(crate) async fn fetch(
        &self,
        after: i64,
        limit: usize,
        max_bytes: u64,
    ) -> Result<Vec<Entry>, StoreError> {
        self.ask(|reply| Op::Fetch {
            after,
            limit,
            max_bytes,
            reply,
        })
        .await?
    }

    /// Losant has these entries: they are removed with the next batch.
    pub(crate) async fn acknowledge(&self, ids: Vec<i64>) -> Result<(), StoreError> {
        self.tell(Op::Acknowledge { ids }).await
    }

    /// Losant refused this entry for good: removed and counted.
    pub(crate) async fn reject(
        &self,
        id: i64,
        status: u16,
        message: String,
    ) -> Result<(), StoreError> {
        self.tell(Op::Reject {
            id,
            status,
            message,
        })
        .await
    }

    /// `count` entries were sent again.
    pub(crate) async fn count_resent(&self, count: u64) -> Result<(), StoreError> {
        self.tell(Op::Resent { count }).await
    }

    /// Tells the store's event listeners.
    pub(crate) fn announce(&self, event: StoreEvent) {
        // An error only means nobody listens.
        let _ = self.inner.events.send(event);
    }

    /// Changes after every batch; delivery waits on it for new entries.
    pub(crate) fn changes(&self) -> watch::Receiver<Snapshot> {
        self.inner.snapshot.clone()
    }

    /// Claims the store for one consumer until the guard is dropped.
    pub(crate) fn attach(&self) -> Result<Attachment, StoreError> {
        if self.inner.attached.swap(true, Ordering::AcqRel) {
            return Err(StoreError::Attached {
                path: self.inner.path.clone(),
            });
        }
        Ok(Attachment {
            store: self.clone(),
        })
    }

    fn closed(&self) -> StoreError {
        StoreError::Closed {
            path: self.inner.path.clone(),
        }
    }

    async fn tell(&self, op: Op) -> Result<(), StoreError> {
        match tokio::time::timeout(ANSWER_TIMEOUT, self.inner.ops.send(op)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(self.closed()),
            Err(_) => Err(self.timed_out()),
        }
    }

    async fn ask<T>(&self, op: impl FnOnce(oneshot::Sender<T>) -> Op) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let asked = async {
            self.inner.ops.send(op(reply)).await.ok()?;
            answer.await.ok()
        };
        match tokio::time::timeout(ANSWER_TIMEOUT, asked).await {
            Ok(Some(answer)) => Ok(answer),
            Ok(None) => Err(self.closed()),
            Err(_) => Err(self.timed_out()),
        }
    }

    fn timed_out(&self) -> StoreError {
        StoreError::Timeout {
            path: self.inner.path.clone(),
            waited: ANSWER_TIMEOUT,
        }
    }
}

/// The claim of one consumer on a store; released when dropped.
pub(crate) struct Attachment {
    pub(crate) store: Store,
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.store.inner.attached.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests;
