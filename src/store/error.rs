//! What can go wrong with a store.

use std::path::PathBuf;
use std::time::Duration;

/// A failure of a [`Store`](super::Store); reaches callers of the crate's
/// other calls as [`Error::Store`](crate::Error::Store).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file is not a readable SQLite database, or fails SQLite's own
    /// check. It was renamed to `moved_to`, untouched, so that nothing in
    /// it is lost; opening `path` again starts a new, empty store.
    #[error("the store file {path} is corrupt ({reason}); it was moved aside to {moved_to}, untouched; opening the store again starts an empty one")]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// Where the damaged file (and its `-wal` journal) now is.
        moved_to: PathBuf,
        /// What SQLite reported.
        reason: String,
    },

    /// The file could not be opened, read or written (permissions, a
    /// missing directory, a read-only file system). Nothing was moved.
    #[error("cannot use the store file {path}: {reason}")]
    Unreadable {
        /// The store file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },

    /// The file is an SQLite database of something else, or of a newer
    /// version of this crate. It was left alone.
    #[error("{path} is not a store of this version of losant-device: {reason}")]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Why it is not ours.
        reason: String,
    },

    /// Another process (or another `Store` in this one) has the file open.
    #[error("the store file {path} is in use by another process or store")]
    InUse {
        /// The store file.
        path: PathBuf,
    },

    /// The disk is full: the report was not stored.
    #[error("the disk holding the store file {path} is full; the report was not stored")]
    DiskFull {
        /// The store file.
        path: PathBuf,
    },

    /// The store is full and its policy is [`FullPolicy::Refuse`](super::FullPolicy::Refuse):
    /// the report was not stored.
    #[error(
        "the store is full ({reason}); the report was not stored (policy: refuse new reports)"
    )]
    Full {
        /// Which bound.
        reason: FullReason,
    },

    /// One report is larger than the store's byte bound on its own.
    #[error("the report is {size} bytes, more than the whole store may hold ({max_bytes} bytes)")]
    TooLarge {
        /// The report's size in the store (topic and payload).
        size: u64,
        /// The store's byte bound.
        max_bytes: u64,
    },

    /// A store can feed one connection or HTTP device at a time.
    #[error("the store {path} already feeds a connection; close that one first")]
    Attached {
        /// The store file.
        path: PathBuf,
    },

    /// The store's thread has stopped (after a fault it reported).
    #[error("the store {path} is closed")]
    Closed {
        /// The store file.
        path: PathBuf,
    },

    /// The store's thread did not answer in time (a very slow disk); the
    /// report may still be stored.
    #[error("the store {path} did not answer within {waited:?}")]
    Timeout {
        /// The store file.
        path: PathBuf,
        /// How long the call waited.
        waited: Duration,
    },

    /// Any other failure that SQLite reported.
    #[error("the store file {path} failed: {reason}")]
    Database {
        /// The store file.
        path: PathBuf,
        /// What SQLite reported.
        reason: String,
    },
}

/// Which bound a refused report would have broken.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FullReason {
    /// The entries would take more than `max_bytes`.
    Bytes {
        /// The byte bound.
        max_bytes: u64,
    },
    /// The oldest waiting entry is older than `max_age`.
    Age {
        /// The age bound.
        max_age: Duration,
    },
}

impl std::fmt::Display for FullReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FullReason::Bytes { max_bytes } => write!(f, "{max_bytes} bytes waiting"),
            FullReason::Age { max_age } => {
                write!(f, "the oldest report has waited more than {max_age:?}")
            }
        }
    }
}

impl StoreError {
    /// The error for a failure of SQLite on `path`.
    pub(super) fn from_sqlite(path: &std::path::Path, error: &rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        let reason = error.to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull { path },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::InUse { path },
            Some(
                ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure,
            ) => StoreError::Unreadable { path, reason },
            _ => StoreError::Database { path, reason },
        }
    }
}

/// Whether SQLite says the file's content is damaged or not a database.
pub(super) fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}
