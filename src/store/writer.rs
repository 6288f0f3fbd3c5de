//! The store's own thread: the only user of the SQLite connection. It
//! takes every operation waiting in its channel as one batch, so callers
//! that report at the same time share one commit.

use super::batch::{self, Db, Op};
use super::db::{Contents, Counters};
use super::open::Opened;
use super::options::StoreOptions;
use super::stats::{StoreEvent, StoreStats};
use std::path::PathBuf;
use tokio::sync::{broadcast, mpsc, watch};

/// Operations waiting for the thread; callers wait when it is full.
pub(super) const CHANNEL_CAPACITY: usize = 512;
/// The most operations in one transaction.
const MAX_BATCH: usize = 512;

/// What handles read without asking: written by the thread only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) stats: StoreStats,
    /// Grows with every batch that stored something.
    pub(crate) appended_batches: u64,
}

pub(super) struct Writer {
    pub(super) path: PathBuf,
    pub(super) options: StoreOptions,
    pub(super) opened: Opened,
    pub(super) ops: mpsc::Receiver<Op>,
    pub(super) snapshot: watch::Sender<Snapshot>,
    pub(super) events: broadcast::Sender<StoreEvent>,
}

impl Writer {
    /// Runs until every handle is gone or the store is closed; the
    /// connection (and its lock on the file) is closed before `close`
    /// callers hear back.
    pub(super) fn run(self) {
        let Writer {
            path,
            options,
            opened,
            mut ops,
            snapshot,
            events,
        } = self;
        let Opened {
            mut connection,
            mut contents,
            mut counters,
            ..
        } = opened;
        let mut closing = Vec::new();
        // Opening set `synchronous = FULL`.
        let mut synced = true;
        while let Some(first) = ops.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match ops.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            let appended = batch.iter().any(|op| matches!(op, Op::Append { .. }));
            let db = Db {
                connection: &mut connection,
                path: &path,
                options: &options,
                contents: &mut contents,
                counters: &mut counters,
                synced: &mut synced,
            };
            let outcome = batch::run(db, batch);
            publish(&snapshot, &contents, &counters, appended);
            outcome.answers.send();
            for event in outcome.events {
                // An error only means nobody listens.
                let _ = events.send(event);
            }
            if !outcome.closing.is_empty() {
                closing = outcome.closing;
                break;
            }
        }
        // Refuse what is still waiting before the file is let go.
        ops.close();
        drop(ops);
        if let Err((_, error)) = connection.close() {
            tracing::warn!(path = %path.display(), %error, "closing the store file failed");
        }
        tracing::debug!(path = %path.display(), "store closed");
        for reply in closing {
            let _ = reply.send(());
        }
    }
}

/// What handles see before the thread's first batch.
pub(super) fn first_snapshot(opened: &Opened) -> Snapshot {
    let (snapshot, _) = watch::channel(Snapshot::default());
    publish(&snapshot, &opened.contents, &opened.counters, false);
    let first = snapshot.borrow().clone();
    first
}

fn publish(
    snapshot: &watch::Sender<Snapshot>,
    contents: &Contents,
    counters: &Counters,
    appended: bool,
) {
    snapshot.send_modify(|snapshot| {
        snapshot.stats = StoreStats {
            entries: contents.entries,
            bytes: contents.bytes,
            oldest_stored_at_ms: contents.oldest_stored_at,
            delivered: counters.delivered,
            dropped_for_bytes: counters.dropped_for_bytes,
            dropped_for_age: counters.dropped_for_age,
            refused: counters.refused,
            resent: counters.resent,
            rejected: counters.rejected,
        };
        if appended {
            snapshot.appended_batches += 1;
        }
    });
}
