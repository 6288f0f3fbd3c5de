//! A bounded broadcast receiver as a stream that never holds up its sender:
//! what a slow reader misses is skipped, logged and counted. Used by the MQTT
//! connection's streams and by the store's events.

use futures::stream::{BoxStream, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Items from `receiver` until its sender is gone; skips what was
/// overwritten, counting it in `dropped`.
pub(crate) fn lossy_stream<T: Clone + Send + 'static>(
    receiver: broadcast::Receiver<T>,
    what: &'static str,
    dropped: Arc<AtomicU64>,
) -> BoxStream<'static, T> {
    futures::stream::unfold(receiver, move |mut receiver| {
        let dropped = dropped.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(item) => return Some((item, receiver)),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        dropped.fetch_add(skipped, Ordering::Relaxed);
                        tracing::warn!(
                            skipped,
                            "a stream of {what} was not read fast enough; dropped the oldest"
                        );
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    })
    .boxed()
}
