//! One batch: every operation waiting for the store's thread, applied in
//! one transaction, so that a durable report costs a share of one commit.

use super::db::{self, Contents, Counters, Entry, Record};
use super::error::FullReason;
use super::options::{FullPolicy, StoreOptions};
use super::stats::{now_ms, DropReason, StoreEvent};
use super::StoreError;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use tokio::sync::oneshot;

/// Entries looked at per step when dropping from the front.
const FRONT_STEP: usize = 256;

/// What the store's users ask of its thread.
pub(super) enum Op {
    /// Stores the records (all or none) before answering.
    Append {
        records: Vec<Record>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Entries after `after` for delivery, marked as handed out.
    Fetch {
        after: i64,
        limit: usize,
        max_bytes: u64,
        reply: oneshot::Sender<Result<Vec<Entry>, StoreError>>,
    },
    /// Losant has these: remove them.
    Acknowledge { ids: Vec<i64> },
    /// Losant refused this one for good: remove it and count it.
    Reject {
        id: i64,
        status: u16,
        message: String,
    },
    /// Entries were sent again after a lost connection.
    Resent { count: u64 },
    /// Stop the thread once this batch is done.
    Close { reply: oneshot::Sender<()> },
}

/// The table's state as the thread keeps it between batches.
pub(super) struct Db<'a> {
    pub(super) connection: &'a mut Connection,
    pub(super) path: &'a Path,
    pub(super) options: &'a StoreOptions,
    pub(super) contents: &'a mut Contents,
    pub(super) counters: &'a mut Counters,
    /// Whether the connection commits with `synchronous = FULL` now.
    pub(super) synced: &'a mut bool,
}

/// What a batch changed, for the thread to announce.
#[derive(Default)]
pub(super) struct Outcome {
    pub(super) events: Vec<StoreEvent>,
    pub(super) closing: Vec<oneshot::Sender<()>>,
    /// To send once the new totals are visible to callers.
    pub(super) answers: Answers,
}

/// Applies `ops` in one transaction, then answers every caller: after the
/// commit, or with the error that rolled it back.
pub(super) fn run(db: Db<'_>, ops: Vec<Op>) -> Outcome {
    let Db {
        connection,
        path,
        options,
        contents,
        counters,
        synced,
    } = db;
    let contents_before = *contents;
    let counters_before = *counters;
    let mut work = Work {
        options,
        contents,
        counters,
        answers: Answers::default(),
        rejections: Vec::new(),
        closing: Vec::new(),
    };
    let committed = sync_as_needed(connection, synced, &ops)
        .and_then(|()| connection.transaction_with_behavior(TransactionBehavior::Immediate))
        .and_then(|tx| {
            work.apply(&tx, ops)?;
            work.counters.save(&tx, &counters_before)?;
            tx.commit()
        });
    let mut outcome = Outcome {
        events: Vec::new(),
        closing: std::mem::take(&mut work.closing),
        answers: Answers::default(),
    };
    match committed {
        Ok(()) => {
            outcome.events = events(&counters_before, work.counters, work.rejections);
            outcome.answers = work.answers;
        }
        Err(error) => {
            let error = StoreError::from_sqlite(path, &error);
            tracing::error!(path = %path.display(), %error, "a store batch failed; nothing of it was kept");
            *work.contents = contents_before;
            *work.counters = counters_before;
            work.answers.fail(&error);
            outcome.answers = work.answers;
        }
    }
    outcome
}

/// Reports and fetches (whose mark counts resent entries) are flushed to
/// the disk before anyone hears of them. A batch of only removals is not:
/// after a power loss it may be undone, which sends those entries again
/// but loses nothing, and the next flushed commit covers it as well (the
/// log is written in order).
fn sync_as_needed(connection: &Connection, synced: &mut bool, ops: &[Op]) -> rusqlite::Result<()> {
    let needed = ops
        .iter()
        .any(|op| matches!(op, Op::Append { .. } | Op::Fetch { .. }));
    if needed != *synced {
        let mode = if needed { "FULL" } else { "NORMAL" };
        connection.pragma_update(None, "synchronous", mode)?;
        *synced = needed;
    }
    Ok(())
}

struct Work<'a> {
    options: &'a StoreOptions,
    contents: &'a mut Contents,
    counters: &'a mut Counters,
    answers: Answers,
    rejections: Vec<(u16, String)>,
    closing: Vec<oneshot::Sender<()>>,
}

impl Work<'_> {
    /// Removals first, so that their room is free for this batch's reports.
    fn apply(&mut self, tx: &Transaction<'_>, ops: Vec<Op>) -> rusqlite::Result<()> {
        let mut later = Vec::with_capacity(ops.len());
        for op in ops {
            match op {
                Op::Acknowledge { ids } => {
                    for id in ids {
                        if self.remove(tx, id)? {
                            self.counters.delivered += 1;
                        }
                    }
                }
                Op::Reject {
                    id,
                    status,
                    message,
                } => {
                    if self.remove(tx, id)? {
                        self.counters.rejected += 1;
                        self.rejections.push((status, message));
                    }
                }
                Op::Resent { count } => self.counters.resent += count,
                Op::Close { reply } => self.closing.push(reply),
                other => later.push(other),
            }
        }
        if self.options.when_full == FullPolicy::DropOldest {
            self.drop_expired(tx)?;
        }
        for op in later {
            match op {
                Op::Append { records, reply } => {
                    let result = self.append(tx, &records)?;
                    self.answers.appended.push((reply, result));
                }
                Op::Fetch {
                    after,
                    limit,
                    max_bytes,
                    reply,
                } => {
                    let entries = db::fetch(tx, after, limit, max_bytes)?;
                    if let Some(last) = entries.last() {
                        self.counters.sent_through = self.counters.sent_through.max(last.id);
                    }
                    self.answers.fetched.push((reply, Ok(entries)));
                }
                _ => {}
            }
        }
        self.contents.oldest_stored_at = db::oldest_stored_at(tx)?;
        Ok(())
    }

    fn remove(&mut self, tx: &Transaction<'_>, id: i64) -> rusqlite::Result<bool> {
        let Some(size) = db::delete(tx, id)? else {
            return Ok(false);
        };
        self.contents.entries = self.contents.entries.saturating_sub(1);
        self.contents.bytes = self.contents.bytes.saturating_sub(size);
        Ok(true)
    }

    /// Stores `records`, or says why not (the outer error is SQLite's).
    fn append(
        &mut self,
        tx: &Transaction<'_>,
        records: &[Record],
    ) -> rusqlite::Result<Result<(), StoreError>> {
        let max_bytes = self.options.max_bytes;
        let size: u64 = records.iter().map(Record::size).sum();
        if size > max_bytes {
            self.counters.refused += records.len() as u64;
            return Ok(Err(StoreError::TooLarge { size, max_bytes }));
        }
        let fits = self.contents.bytes + size <= max_bytes;
        if self.options.when_full == FullPolicy::Refuse {
            let refusal = if !fits {
                Some(FullReason::Bytes { max_bytes })
            } else {
                self.expired().map(|max_age| FullReason::Age { max_age })
            };
            if let Some(reason) = refusal {
                self.counters.refused += records.len() as u64;
                return Ok(Err(StoreError::Full { reason }));
            }
        } else if !fits {
            self.drop_for_room(tx, size)?;
        }
        let stored_at = now_ms();
        for record in records {
            db::insert(tx, record, stored_at)?;
        }
        self.contents.entries += records.len() as u64;
        self.contents.bytes += size;
        Ok(Ok(()))
    }

    /// The age bound, when the oldest entry has passed it.
    fn expired(&self) -> Option<std::time::Duration> {
        let max_age = self.options.max_age?;
        let oldest = self.contents.oldest_stored_at?;
        let limit = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
        (now_ms().saturating_sub(oldest) > limit).then_some(max_age)
    }

    /// Deletes the oldest entries until `size` more bytes fit.
    fn drop_for_room(&mut self, tx: &Transaction<'_>, size: u64) -> rusqlite::Result<()> {
        while self.contents.bytes + size > self.options.max_bytes {
            let front = db::front(tx, FRONT_STEP)?;
            if front.is_empty() {
                break;
            }
            for (id, _, _) in front {
                if self.contents.bytes + size <= self.options.max_bytes {
                    break;
                }
                if self.remove(tx, id)? {
                    self.counters.dropped_for_bytes += 1;
                }
            }
        }
        Ok(())
    }

    /// Deletes entries older than the age bound from the front. An entry
    /// stamped later than one behind it (the clock was set back) waits
    /// until it is at the front.
    fn drop_expired(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let Some(max_age) = self.options.max_age else {
            return Ok(());
        };
        let cutoff =
            now_ms().saturating_sub(i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX));
        loop {
            let front = db::front(tx, FRONT_STEP)?;
            let full_step = front.len() == FRONT_STEP;
            for (id, stored_at, _) in front {
                if stored_at >= cutoff {
                    return Ok(());
                }
                if self.remove(tx, id)? {
                    self.counters.dropped_for_age += 1;
                }
            }
            if !full_step {
                return Ok(());
            }
        }
    }
}

/// A caller's reply channel and the result it will get.
type Held<T> = (
    oneshot::Sender<Result<T, StoreError>>,
    Result<T, StoreError>,
);

/// Replies held back until the transaction is settled.
#[derive(Default)]
pub(super) struct Answers {
    appended: Vec<Held<()>>,
    fetched: Vec<Held<Vec<Entry>>>,
}

impl Answers {
    pub(super) fn send(self) {
        // An error only means the caller stopped waiting.
        for (reply, result) in self.appended {
            let _ = reply.send(result);
        }
        for (reply, result) in self.fetched {
            let _ = reply.send(result);
        }
    }

    /// The transaction was rolled back: every caller gets `error`.
    fn fail(&mut self, error: &StoreError) {
        for (_, result) in &mut self.appended {
            *result = Err(error.clone());
        }
        for (_, result) in &mut self.fetched {
            *result = Err(error.clone());
        }
    }
}

/// One event per counter that moved, with the new totals.
fn events(before: &Counters, after: &Counters, rejections: Vec<(u16, String)>) -> Vec<StoreEvent> {
    let mut events = Vec::new();
    for (reason, old, new) in [
        (
            DropReason::Bytes,
            before.dropped_for_bytes,
            after.dropped_for_bytes,
        ),
        (
            DropReason::Age,
            before.dropped_for_age,
            after.dropped_for_age,
        ),
    ] {
        if new > old {
            tracing::warn!(
                ?reason,
                count = new - old,
                total = new,
                "the store dropped its oldest entries"
            );
            events.push(StoreEvent::Dropped {
                reason,
                count: new - old,
                total: new,
            });
        }
    }
    if after.refused > before.refused {
        events.push(StoreEvent::Refused {
            count: after.refused - before.refused,
            total: after.refused,
        });
    }
    if after.resent > before.resent {
        events.push(StoreEvent::Resent {
            count: after.resent - before.resent,
            total: after.resent,
        });
    }
    for (total, (status, message)) in (before.rejected + 1..).zip(rejections) {
        events.push(StoreEvent::Rejected {
            status,
            message,
            total,
        });
    }
    events
}
