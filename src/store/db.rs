//! The SQLite tables and the statements on them. Everything here runs on
//! the store's own thread, inside the transaction of one batch.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// The entries, in the order they were taken. `AUTOINCREMENT` so that an
/// id is never given twice, even after the table was emptied: the
/// `sent_through` mark compares ids across a restart.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    route TEXT NOT NULL,
    payload BLOB NOT NULL,
    stored_at INTEGER NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
";

/// A report to store: where it goes and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// The MQTT topic, or the HTTP path's device id.
    pub(crate) route: String,
    pub(crate) payload: Vec<u8>,
}

impl Record {
    /// What the entry counts against the byte bound.
    pub(super) fn size(&self) -> u64 {
        (self.route.len() + self.payload.len()) as u64
    }
}

/// A stored report, read back for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) id: i64,
    pub(crate) route: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) stored_at: i64,
}

/// The totals kept in the `counters` table, by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counters {
    pub(super) delivered: u64,
    pub(super) dropped_for_bytes: u64,
    pub(super) dropped_for_age: u64,
    pub(super) refused: u64,
    pub(super) resent: u64,
    pub(super) rejected: u64,
    /// The highest id handed out for delivery since the store was opened:
    /// entries up to it that are still stored at the next opening may
    /// have reached Losant already. Every run hands out a prefix of what
    /// is stored (fetches start at the front), so each such entry was
    /// handed out by the run that ended.
    pub(super) sent_through: i64,
}

impl Counters {
    fn pairs(&self) -> [(&'static str, i64); 7] {
        let signed = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        [
            ("delivered", signed(self.delivered)),
            ("dropped_for_bytes", signed(self.dropped_for_bytes)),
            ("dropped_for_age", signed(self.dropped_for_age)),
            ("refused", signed(self.refused)),
            ("resent", signed(self.resent)),
            ("rejected", signed(self.rejected)),
            ("sent_through", self.sent_through),
        ]
    }

    fn set(&mut self, name: &str, value: i64) {
        let unsigned = u64::try_from(value).unwrap_or(0);
        match name {
            "delivered" => self.delivered = unsigned,
            "dropped_for_bytes" => self.dropped_for_bytes = unsigned,
            "dropped_for_age" => self.dropped_for_age = unsigned,
            "refused" => self.refused = unsigned,
            "resent" => self.resent = unsigned,
            "rejected" => self.rejected = unsigned,
            "sent_through" => self.sent_through = value,
            // A counter of another version (`counted_through` of an
            // earlier one): kept in the file, not used.
            _ => {}
        }
    }

    pub(super) fn load(connection: &Connection) -> rusqlite::Result<Self> {
        let mut counters = Counters::default();
        let mut statement = connection.prepare("SELECT name, value FROM counters")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
        for row in rows {
            let (name, value) = row?;
            counters.set(&name, value);
        }
        Ok(counters)
    }

    pub(super) fn save(&self, tx: &Transaction<'_>, before: &Counters) -> rusqlite::Result<()> {
        let mut statement = tx.prepare_cached(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )?;
        for ((name, value), (_, old)) in self.pairs().into_iter().zip(before.pairs()) {
            if value != old {
                statement.execute(params![name, value])?;
            }
        }
        Ok(())
    }
}

/// What the entries table holds, read once at opening and then kept up to
/// date by every batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Contents {
    pub(super) entries: u64,
    pub(super) bytes: u64,
    pub(super) oldest_stored_at: Option<i64>,
}

impl Contents {
    pub(super) fn load(connection: &Connection) -> rusqlite::Result<Self> {
        let (entries, bytes): (i64, i64) = connection.query_row(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(Self {
            entries: u64::try_from(entries).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
            oldest_stored_at: oldest_stored_at(connection)?,
        })
    }
}

pub(super) fn oldest_stored_at(connection: &Connection) -> rusqlite::Result<Option<i64>> {
    connection
        .prepare_cached("SELECT stored_at FROM entries ORDER BY id LIMIT 1")?
        .query_row([], |row| row.get(0))
        .optional()
}

/// Entries with an id up to `through`.
pub(super) fn count_through(connection: &Connection, through: i64) -> rusqlite::Result<u64> {
    let count: i64 = connection.query_row(
        "SELECT COUNT(*) FROM entries WHERE id <= ?1",
        [through],
        |row| row.get(0),
    )?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(super) fn insert(
    tx: &Transaction<'_>,
    record: &Record,
    stored_at: i64,
) -> rusqlite::Result<i64> {
    let size = i64::try_from(record.size()).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "INSERT INTO entries (route, payload, stored_at, size) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![record.route, record.payload, stored_at, size])?;
    Ok(tx.last_insert_rowid())
}

/// Deletes one entry; its size, or `None` when it was gone already
/// (dropped by a bound, or acknowledged twice).
pub(super) fn delete(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<u64>> {
    let size: Option<i64> = tx
        .prepare_cached("DELETE FROM entries WHERE id = ?1 RETURNING size")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    Ok(size.map(|size| u64::try_from(size).unwrap_or(0)))
}

/// The oldest entries: id, stored_at, size.
pub(super) fn front(tx: &Transaction<'_>, limit: usize) -> rusqlite::Result<Vec<(i64, i64, u64)>> {
    let mut statement =
        tx.prepare_cached("SELECT id, stored_at, size FROM entries ORDER BY id LIMIT ?1")?;
    let rows = statement.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
        let size: i64 = row.get(2)?;
        Ok((row.get(0)?, row.get(1)?, u64::try_from(size).unwrap_or(0)))
    })?;
    rows.collect()
}

/// Up to `limit` entries after `after`, in order, stopping before
/// `max_bytes` unless that would return nothing.
pub(super) fn fetch(
    tx: &Transaction<'_>,
    after: i64,
    limit: usize,
    max_bytes: u64,
) -> rusqlite::Result<Vec<Entry>> {
    let mut statement = tx.prepare_cached(
        "SELECT id, route, payload, stored_at, size FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let mut rows = statement.query(params![after, i64::try_from(limit).unwrap_or(i64::MAX)])?;
    let mut entries = Vec::new();
    let mut bytes = 0u64;
    while let Some(row) = rows.next()? {
        let size: i64 = row.get(4)?;
        bytes += u64::try_from(size).unwrap_or(0);
        if bytes > max_bytes && !entries.is_empty() {
            break;
        }
        entries.push(Entry {
            id: row.get(0)?,
            route: row.get(1)?,
            payload: row.get(2)?,
            stored_at: row.get(3)?,
        });
    }
    Ok(entries)
}
