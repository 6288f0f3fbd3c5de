//! Opening a store file: settings, the checks that tell our store from a
//! damaged or foreign file, and moving a damaged one aside.

use super::db::{self, Contents, Counters};
use super::error::is_corruption;
use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of our files: "LDst".
const APPLICATION_ID: i32 = 0x4c44_7374;
/// The layout of the tables (`PRAGMA user_version`).
const FORMAT_VERSION: i32 = 1;
/// How long opening waits for a store that is just being closed.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);
/// The write-ahead log is cut back to this after each checkpoint.
const WAL_LIMIT_BYTES: i64 = 4 * 1024 * 1024;

pub(super) struct Opened {
    pub(super) connection: Connection,
    pub(super) contents: Contents,
    pub(super) counters: Counters,
    /// Entries that had been handed out before the program stopped.
    pub(super) recovered: u64,
}

enum Failure {
    /// The content is damaged: the file is moved aside.
    Corrupt(String),
    /// Anything else: the file is left as it is.
    Other(StoreError),
}

impl Failure {
    fn sqlite(path: &Path, error: &rusqlite::Error) -> Self {
        if is_corruption(error) {
            Failure::Corrupt(error.to_string())
        } else {
            Failure::Other(StoreError::from_sqlite(path, error))
        }
    }
}

/// Opens (or creates) the store at `path`; a damaged file is renamed and
/// reported, never emptied.
pub(super) fn open(path: &Path) -> Result<Opened, StoreError> {
    match try_open(path) {
        Ok(opened) => Ok(opened),
        Err(Failure::Other(error)) => Err(error),
        Err(Failure::Corrupt(reason)) => {
            let moved_to = move_aside(path)?;
            tracing::error!(path = %path.display(), moved_to = %moved_to.display(), %reason,
                "the store file is corrupt; moved it aside");
            Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                moved_to,
                reason,
            })
        }
    }
}

fn try_open(path: &Path) -> Result<Opened, Failure> {
    let failed = |error: rusqlite::Error| Failure::sqlite(path, &error);
    let mut connection = Connection::open(path).map_err(failed)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
    // Exclusive before WAL: one process owns the file (a second one would
    // deliver the same entries), and the log needs no shared-memory file.
    // Nothing is written before the checks: a foreign file stays as it was.
    connection
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(failed)?;
    check_ours(&connection, path)?;
    let verdict: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(failed)?;
    if verdict != "ok" {
        return Err(Failure::Corrupt(format!("SQLite's check: {verdict}")));
    }
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(failed)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Failure::Other(StoreError::Unreadable {
            path: path.to_path_buf(),
            reason: format!("SQLite cannot keep a write-ahead log there (journal mode {mode})"),
        }));
    }
    // FULL: a commit is on the disk before it is reported, power loss included.
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(failed)?;
    connection
        .pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES)
        .map_err(failed)?;
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    tx.execute_batch(db::SCHEMA).map_err(failed)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(failed)?;
    tx.pragma_update(None, "user_version", FORMAT_VERSION)
        .map_err(failed)?;
    let contents = Contents::load(&tx).map_err(failed)?;
    let mut counters = Counters::load(&tx).map_err(failed)?;
    let before = counters;
    // Each still stored entry the last run handed out is a possible
    // duplicate when it goes again, however many runs handed it out before:
    // counting only entries new since the last count undercounted those
    // handed out again by a run that was killed in turn.
    let recovered = db::count_through(&tx, counters.sent_through).map_err(failed)?;
    counters.resent += recovered;
    counters.sent_through = 0;
    counters.save(&tx, &before).map_err(failed)?;
    tx.commit().map_err(failed)?;
    Ok(Opened {
        connection,
        contents,
        counters,
        recovered,
    })
}

/// A new file, or one of ours of a version we read; anything else is left
/// alone rather than written into.
fn check_ours(connection: &Connection, path: &Path) -> Result<(), Failure> {
    let failed = |error: rusqlite::Error| Failure::sqlite(path, &error);
    let foreign = |reason: String| {
        Failure::Other(StoreError::Foreign {
            path: path.to_path_buf(),
            reason,
        })
    };
    let id: i32 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(failed)?;
    let version: i32 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(failed)?;
    if id == 0 {
        let tables: i64 = connection
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))
            .map_err(failed)?;
        if tables > 0 {
            return Err(foreign(
                "it is an SQLite database of another program".into(),
            ));
        }
    } else if id != APPLICATION_ID {
        return Err(foreign(format!(
            "its SQLite application id is {id:#x}, not {APPLICATION_ID:#x}"
        )));
    } else if version > FORMAT_VERSION {
        return Err(foreign(format!(
            "it has format {version}; this version reads up to {FORMAT_VERSION}"
        )));
    }
    Ok(())
}

/// Renames the file and its journal to `<name>.corrupt-<ms>`, `…-wal`.
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = super::stats::now_ms();
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    let moved_to = PathBuf::from(name);
    let unreadable = |error: std::io::Error| StoreError::Unreadable {
        path: path.to_path_buf(),
        reason: format!(
            "it is corrupt and could not be moved aside to {}: {error}",
            moved_to.display()
        ),
    };
    std::fs::rename(path, &moved_to).map_err(unreadable)?;
    for suffix in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_os_string();
        from.push(suffix);
        let mut to = moved_to.as_os_str().to_os_string();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(unreadable(error))
            }
            _ => {}
        }
    }
    Ok(moved_to)
}
