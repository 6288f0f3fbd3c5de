//! One connection of an event stream: opening it, checking the answer, and
//! reading its body within the read timeout and the size limits.

use super::{Kind, StreamFailure};
use crate::error::Error;
use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::StatusCode;
use std::time::Duration;

/// Opens a connection, resuming after the given event id if any.
pub(super) type Connector<'a> = Box<
    dyn Fn(Option<String>) -> BoxFuture<'a, Result<ResponseValue<ByteStream>, Error>>
        + Send
        + Sync
        + 'a,
>;

/// The events of one connection, ended by a [`ReadError`].
pub(super) type Connection =
    eventsource_stream::EventStream<BoxStream<'static, Result<Bytes, ReadError>>>;

/// What bounds the reading of one connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) read_timeout: Duration,
    pub(super) max_line_bytes: usize,
    pub(super) max_event_bytes: usize,
}

/// Why a connection attempt failed.
pub(super) enum Failure {
    /// Worth another attempt (connection failure, 5xx, 429, no answer, an
    /// answer that is not an event stream).
    Transient(Error),
    /// Retrying cannot help (400, 401, 403, 404, a bad argument).
    Fatal(Error),
}

/// Sends the request and waits (at most the read timeout) for its answer.
pub(super) async fn open(
    connector: &Connector<'_>,
    kind: Kind,
    last_event_id: Option<String>,
    limits: Limits,
) -> Result<Connection, Failure> {
    let stream_failure = |failure| Error::EventStream {
        operation: kind.operation().to_string(),
        failure,
    };
    let answer = match tokio::time::timeout(limits.read_timeout, connector(last_event_id)).await {
        Err(_) => {
            let failure = StreamFailure::NoAnswer {
                after: limits.read_timeout,
            };
            return Err(Failure::Transient(stream_failure(failure)));
        }
        Ok(Err(error)) if is_transient(&error) => return Err(Failure::Transient(error)),
        Ok(Err(error)) => return Err(Failure::Fatal(error)),
        Ok(Ok(answer)) => answer,
    };
    let content_type = answer
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let is_event_stream = content_type.as_deref().is_some_and(|value| {
        value
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("text/event-stream")
    });
    if !is_event_stream {
        let failure = StreamFailure::NotEventStream { content_type };
        return Err(Failure::Transient(stream_failure(failure)));
    }
    let body = watch(answer.into_inner_stream(), limits.read_timeout);
    Ok(bounded(body, limits).boxed().eventsource())
}

/// Errors a (re)connection may fix.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport { .. }
        | Error::Timeout { .. }
        | Error::RateLimited { .. }
        | Error::ResponseTooLarge { .. }
        | Error::Redirected { .. }
        | Error::UnexpectedStatus { .. } => true,
        Error::Api { status, .. } => {
            status.is_server_error() || *status == StatusCode::REQUEST_TIMEOUT
        }
        _ => false,
    }
}

/// How a connection ended.
pub(super) enum Cause {
    /// The server closed it.
    Closed,
    /// Nothing arrived within the read timeout.
    Silent,
    /// Reading failed.
    Failed(reqwest::Error),
    /// A line or an event was over its limit.
    OverLimit(StreamFailure),
}

/// The end of a connection, passed through the SSE parser.
pub(super) struct ReadError {
    pub(super) cause: Cause,
}

/// The body's chunks, each awaited at most `limit`; the stream ends with one
/// [`ReadError`] saying why.
fn watch<S>(body: S, limit: Duration) -> BoxStream<'static, Result<Bytes, ReadError>>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Send + Unpin + 'static,
{
    futures::stream::unfold(Some(body), move |body| async move {
        let mut body = body?;
        let cause = match tokio::time::timeout(limit, body.next()).await {
            Ok(Some(Ok(chunk))) => return Some((Ok(chunk), Some(body))),
            Ok(Some(Err(error))) => Cause::Failed(error),
            Ok(None) => Cause::Closed,
            Err(_) => Cause::Silent,
        };
        Some((Err(ReadError { cause }), None))
    })
    .boxed()
}

/// Lengths of the line and the event being read.
#[derive(Default)]
struct Sizes {
    line: usize,
    event: usize,
    after_cr: bool,
}

impl Sizes {
    /// Counts `chunk`; the limit it breaks, if it breaks one.
    fn count(&mut self, chunk: &[u8], limits: &Limits) -> Option<StreamFailure> {
        for &byte in chunk {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    // An empty line ends the event.
                    if self.line == 0 {
                        self.event = 0;
                    }
                    self.line = 0;
                    self.after_cr = byte == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    self.line += 1;
                    self.event += 1;
                    if self.line > limits.max_line_bytes {
                        return Some(StreamFailure::LineTooLong {
                            limit: limits.max_line_bytes,
                        });
                    }
                    if self.event > limits.max_event_bytes {
                        return Some(StreamFailure::EventTooLarge {
                            limit: limits.max_event_bytes,
                        });
                    }
                }
            }
        }
        None
    }
}

/// Passes the body on until a line or an event breaks its limit, so the
/// parser never buffers more than that.
fn bounded(
    body: BoxStream<'static, Result<Bytes, ReadError>>,
    limits: Limits,
) -> impl Stream<Item = Result<Bytes, ReadError>> + Send {
    futures::stream::unfold(Some((body, Sizes::default())), move |state| async move {
        let (mut body, mut sizes) = state?;
        match body.next().await? {
            Ok(chunk) => match sizes.count(&chunk, &limits) {
                None => Some((Ok(chunk), Some((body, sizes)))),
                Some(failure) => {
                    let error = ReadError {
                        cause: Cause::OverLimit(failure),
                    };
                    Some((Err(error), None))
                }
            },
            Err(error) => Some((Err(error), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(line: usize, event: usize) -> Limits {
        Limits {
            read_timeout: Duration::from_secs(1),
            max_line_bytes: line,
            max_event_bytes: event,
        }
    }

    #[test]
    fn lines_and_events_are_measured_across_chunks_and_line_endings() {
        let limits = limits(10, 25);
        let mut sizes = Sizes::default();
        assert!(sizes.count(b"data: 1234", &limits).is_none());
        assert!(matches!(
            sizes.count(b"5", &limits),
            Some(StreamFailure::LineTooLong { limit: 10 })
        ));

        let mut sizes = Sizes::default();
        // Three lines of 9 bytes make one event of 27 bytes.
        assert!(sizes
            .count(b"data: 123\r\ndata: 456\r\n", &limits)
            .is_none());
        assert!(matches!(
            sizes.count(b"data: 789", &limits),
            Some(StreamFailure::EventTooLarge { limit: 25 })
        ));

        let mut sizes = Sizes::default();
        // An empty line (CRLF or LF) starts a new event.
        for _ in 0..10 {
            assert!(sizes
                .count(b"data: 123\r\n\r\ndata: 456\n\n", &limits)
                .is_none());
        }
    }
}
