//! The store on its own: order, removal, bounds, restarts and bad files.

use super::*;
use std::time::Duration;

fn record(n: u32) -> Record {
    Record {
        route: "losant/d/state".into(),
        payload: format!("{{\"data\":{{\"n\":{n}}}}}").into_bytes(),
    }
}

fn open(dir: &tempfile::TempDir, options: StoreOptions) -> Store {
    Store::open(dir.path().join("store.db"), options).expect("the store opens")
}

async fn append_all(store: &Store, range: std::ops::Range<u32>) {
    for n in range {
        store.append(vec![record(n)]).await.expect("stored");
    }
}

fn numbers(entries: &[Entry]) -> Vec<u32> {
    entries
        .iter()
        .map(|entry| {
            let text = String::from_utf8(entry.payload.clone()).expect("text");
            let value: serde_json::Value = serde_json::from_str(&text).expect("json");
            value["data"]["n"].as_u64().expect("n") as u32
        })
        .collect()
}

fn store_error(error: crate::Error) -> StoreError {
    match error {
        crate::Error::Store(error) => error,
        other => panic!("not a store error: {other:?}"),
    }
}

#[tokio::test]
async fn entries_come_back_in_order_and_go_once_acknowledged() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    append_all(&store, 0..5).await;
    let stats = store.stats();
    assert_eq!(stats.entries, 5);
    assert_eq!(stats.bytes, (0..5).map(|n| record(n).size()).sum::<u64>());
    assert!(stats.oldest_stored_at_ms.is_some());
    let entries = store.fetch(0, 3, u64::MAX).await.expect("fetched");
    assert_eq!(numbers(&entries), [0, 1, 2]);
    let rest = store
        .fetch(entries[2].id, 10, u64::MAX)
        .await
        .expect("fetched");
    assert_eq!(numbers(&rest), [3, 4]);
    store
        .acknowledge(vec![entries[0].id, entries[1].id])
        .await
        .expect("told");
    let front = store.fetch(0, 10, u64::MAX).await.expect("fetched");
    assert_eq!(numbers(&front), [2, 3, 4]);
    let stats = store.stats();
    assert_eq!((stats.entries, stats.delivered), (3, 2));
}

#[tokio::test]
async fn a_fetch_stops_at_its_byte_budget_but_returns_at_least_one() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    append_all(&store, 0..4).await;
    let size = record(0).size();
    let two = store.fetch(0, 10, size * 2).await.expect("fetched");
    assert_eq!(numbers(&two), [0, 1]);
    let one = store.fetch(0, 10, 1).await.expect("fetched");
    assert_eq!(numbers(&one), [0]);
}

#[tokio::test]
async fn a_reopened_store_counts_what_the_last_run_handed_out_and_kept() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    append_all(&store, 0..6).await;
    let handed = store.fetch(0, 4, u64::MAX).await.expect("fetched");
    store.acknowledge(vec![handed[0].id]).await.expect("told");
    store.close().await;

    let store = open(&dir, StoreOptions::default());
    let stats = store.stats();
    assert_eq!(stats.entries, 5);
    assert_eq!(stats.delivered, 1);
    // Three were handed out without an acknowledgement: maybe delivered.
    assert_eq!(stats.resent, 3);
    let entries = store.fetch(0, 10, u64::MAX).await.expect("fetched");
    assert_eq!(numbers(&entries), [1, 2, 3, 4, 5]);
    store.close().await;

    // All five went out in the last run, the three counted before as
    // well: each may now arrive once more.
    let store = open(&dir, StoreOptions::default());
    assert_eq!(store.stats().resent, 8);
    store.close().await;

    // A run that handed nothing out adds nothing.
    let store = open(&dir, StoreOptions::default());
    assert_eq!(store.stats().resent, 8);
    let entries = store.fetch(0, 2, u64::MAX).await.expect("fetched");
    store.acknowledge(vec![entries[0].id]).await.expect("told");
    store.close().await;

    // Of the two handed out, only the one still stored counts.
    let store = open(&dir, StoreOptions::default());
    assert_eq!(store.stats().resent, 9);
    assert_eq!(store.stats().entries, 4);
}

#[tokio::test]
async fn ids_are_never_reused_after_the_store_was_emptied() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    append_all(&store, 0..2).await;
    let first = store.fetch(0, 10, u64::MAX).await.expect("fetched");
    store
        .acknowledge(first.iter().map(|entry| entry.id).collect())
        .await
        .expect("told");
    store.close().await;
    let store = open(&dir, StoreOptions::default());
    append_all(&store, 2..3).await;
    let next = store.fetch(0, 10, u64::MAX).await.expect("fetched");
    assert!(
        next[0].id > first[1].id,
        "{} after {}",
        next[0].id,
        first[1].id
    );
    assert_eq!(store.stats().resent, 0);
}

#[tokio::test]
async fn dropping_the_oldest_keeps_within_the_bytes_and_counts_and_reports() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let size = record(0).size();
    let options = StoreOptions::new().max_bytes(size * 3);
    let store = open(&dir, options);
    let mut events = store.events();
    append_all(&store, 0..5).await;
    let stats = store.stats();
    assert_eq!((stats.entries, stats.dropped_for_bytes), (3, 2));
    assert!(stats.bytes <= size * 3);
    let entries = store.fetch(0, 10, u64::MAX).await.expect("fetched");
    assert_eq!(numbers(&entries), [2, 3, 4]);
    let mut dropped = 0;
    while dropped < 2 {
        let event = tokio::time::timeout(
            Duration::from_secs(10),
            futures::StreamExt::next(&mut events),
        )
        .await
        .expect("an event in time")
        .expect("an event");
        match event {
            StoreEvent::Dropped {
                reason: DropReason::Bytes,
                count,
                total,
            } => {
                dropped += count;
                assert_eq!(total, dropped);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn refusing_never_drops_and_fails_with_a_typed_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let size = record(0).size();
    let options = StoreOptions::new()
        .max_bytes(size * 2)
        .when_full(FullPolicy::Refuse);
    let store = open(&dir, options);
    append_all(&store, 0..2).await;
    let error = store.append(vec![record(2)]).await.expect_err("refused");
    assert!(
        matches!(error, StoreError::Full { reason: FullReason::Bytes { max_bytes } } if max_bytes == size * 2),
        "{error:?}"
    );
    let stats = store.stats();
    assert_eq!((stats.entries, stats.refused, stats.dropped()), (2, 1, 0));
    let entries = store.fetch(0, 10, u64::MAX).await.expect("fetched");
    assert_eq!(numbers(&entries), [0, 1]);
}

#[tokio::test]
async fn a_report_larger_than_the_store_is_refused_whatever_the_policy() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::new().max_bytes(8));
    let error = store.append(vec![record(1)]).await.expect_err("too large");
    assert!(
        matches!(error, StoreError::TooLarge { max_bytes: 8, .. }),
        "{error:?}"
    );
    assert_eq!(store.stats().refused, 1);
}

#[tokio::test]
async fn entries_past_the_age_bound_are_dropped_or_make_new_reports_fail() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let age = Some(Duration::from_millis(1));
    let store = open(&dir, StoreOptions::new().max_age(age));
    append_all(&store, 0..3).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    append_all(&store, 3..4).await;
    let stats = store.stats();
    assert_eq!((stats.entries, stats.dropped_for_age), (1, 3));
    store.close().await;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = StoreOptions::new()
        .max_age(age)
        .when_full(FullPolicy::Refuse);
    let store = open(&dir, options);
    append_all(&store, 0..1).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let error = store.append(vec![record(1)]).await.expect_err("refused");
    assert!(
        matches!(
            error,
            StoreError::Full {
                reason: FullReason::Age { .. }
            }
        ),
        "{error:?}"
    );
    assert_eq!((store.stats().entries, store.stats().refused), (1, 1));
}

#[tokio::test]
async fn a_corrupt_file_is_moved_aside_untouched_and_named_in_the_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store.db");
    let garbage = b"this is not an SQLite database, but it is somebody's data".repeat(100);
    std::fs::write(&path, &garbage).expect("written");
    let error = store_error(Store::open(&path, StoreOptions::default()).expect_err("corrupt"));
    let StoreError::Corrupt {
        path: named,
        moved_to,
        ..
    } = &error
    else {
        panic!("not a corruption: {error:?}");
    };
    assert_eq!(named, &path);
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
    assert_eq!(std::fs::read(moved_to).expect("the moved file"), garbage);
    assert!(!path.exists());
    // Opening again starts an empty store.
    let store = Store::open(&path, StoreOptions::default()).expect("a new store");
    assert_eq!(store.stats().entries, 0);
}

#[tokio::test]
async fn a_store_with_damaged_pages_is_moved_aside() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store.db");
    let store = Store::open(&path, StoreOptions::default()).expect("opens");
    for n in 0..200 {
        store.append(vec![record(n)]).await.expect("stored");
    }
    store.close().await;
    // Overwrite everything after the first page (the header) with noise.
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 8192, "{} bytes", bytes.len());
    for (index, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (index % 251) as u8;
    }
    std::fs::write(&path, &bytes).expect("written");
    let error = store_error(Store::open(&path, StoreOptions::default()).expect_err("corrupt"));
    let StoreError::Corrupt { moved_to, .. } = error else {
        panic!("not a corruption: {error:?}");
    };
    assert_eq!(std::fs::read(moved_to).expect("moved"), bytes);
}

#[tokio::test]
async fn another_programs_database_is_left_alone() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("other.db");
    let other = rusqlite::Connection::open(&path).expect("opens");
    other
        .execute_batch("CREATE TABLE readings (value REAL); INSERT INTO readings VALUES (1.5);")
        .expect("written");
    drop(other);
    let before = std::fs::read(&path).expect("read");
    let error = store_error(Store::open(&path, StoreOptions::default()).expect_err("foreign"));
    assert!(matches!(error, StoreError::Foreign { .. }), "{error:?}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[tokio::test]
async fn an_unreadable_place_is_an_error_and_nothing_is_moved() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("missing-directory").join("store.db");
    let error = store_error(Store::open(&path, StoreOptions::default()).expect_err("unreadable"));
    assert!(matches!(error, StoreError::Unreadable { .. }), "{error:?}");
    assert!(error.to_string().contains("missing-directory"), "{error}");
}

#[tokio::test]
async fn one_store_file_is_used_by_one_store_at_a_time() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    let path = store.path().to_path_buf();
    let error = store_error(Store::open(&path, StoreOptions::default()).expect_err("in use"));
    assert!(matches!(error, StoreError::InUse { .. }), "{error:?}");
    let attached = store.attach().expect("the first consumer");
    assert!(matches!(store.attach(), Err(StoreError::Attached { .. })));
    drop(attached);
    assert!(store.attach().is_ok());
    store.close().await;
    assert!(Store::open(&path, StoreOptions::default()).is_ok());
}

#[tokio::test]
async fn calls_after_close_fail_as_closed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    store.close().await;
    let error = store.append(vec![record(0)]).await.expect_err("closed");
    assert!(matches!(error, StoreError::Closed { .. }), "{error:?}");
}

#[tokio::test]
async fn concurrent_reports_are_all_stored() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    let tasks: Vec<_> = (0..8u32)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..50 {
                    store
                        .append(vec![record(task * 1000 + n)])
                        .await
                        .expect("stored");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the task");
    }
    assert_eq!(store.stats().entries, 400);
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let entries = store.fetch(after, 100, u64::MAX).await.expect("fetched");
        let Some(last) = entries.last() else { break };
        after = last.id;
        seen.extend(numbers(&entries));
    }
    // Each task's reports in the order it made them.
    for task in 0..8u32 {
        let own: Vec<u32> = seen.iter().copied().filter(|n| n / 1000 == task).collect();
        assert_eq!(own, (0..50).map(|n| task * 1000 + n).collect::<Vec<_>>());
    }
}

#[test]
fn bad_bounds_are_rejected() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store.db");
    assert!(Store::open(&path, StoreOptions::new().max_bytes(0)).is_err());
    assert!(Store::open(&path, StoreOptions::new().max_age(Some(Duration::ZERO))).is_err());
    assert!(!path.exists());
}
