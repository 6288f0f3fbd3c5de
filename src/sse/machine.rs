//! The state of an event stream between items: which connection is open,
//! how many reconnections were spent, and what to resume after.

use super::connection::{open, Cause, Connection, Connector, Failure, Limits, ReadError};
use super::{Event, Kind, StreamFailure, StreamOptions};
use crate::backoff::Backoff;
use crate::error::{decode, Error, Secrets};
use eventsource_stream::EventStreamError;
use futures::stream::StreamExt;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

pub(super) struct Machine<'a, T> {
    connector: Connector<'a>,
    kind: Kind,
    limits: Limits,
    max_reconnects: u32,
    backoff: Backoff,
    secrets: Arc<Secrets>,
    /// Sent as `Last-Event-ID` on the next connection.
    last_event_id: Option<String>,
    connection: Option<Connection>,
    /// Whether a connection was attempted already.
    started: bool,
    /// Reconnection attempts since an event was last decoded.
    reconnects: u32,
    /// Why the last connection or attempt failed.
    last_failure: Option<Error>,
    /// A server's `Retry-After` from the last failed attempt.
    retry_after: Option<Duration>,
    finished: bool,
    data: PhantomData<fn() -> T>,
}

impl<'a, T: DeserializeOwned> Machine<'a, T> {
    pub(super) fn new(
        connector: Connector<'a>,
        kind: Kind,
        options: StreamOptions,
        secrets: Arc<Secrets>,
    ) -> Self {
        Self {
            connector,
            kind,
            limits: Limits {
                read_timeout: options.effective_read_timeout(),
                max_line_bytes: options.max_line_bytes,
                max_event_bytes: options.max_event_bytes,
            },
            max_reconnects: options.max_reconnects,
            backoff: options.backoff,
            secrets,
            last_event_id: options.last_event_id,
            connection: None,
            started: false,
            reconnects: 0,
            last_failure: None,
            retry_after: None,
            finished: false,
            data: PhantomData,
        }
    }

    /// The next item to yield; `None` once the stream has ended.
    pub(super) async fn next_item(&mut self) -> Option<Result<Event<T>, Error>> {
        loop {
            if self.finished {
                return None;
            }
            let Some(connection) = self.connection.as_mut() else {
                if let Err(error) = self.connect().await {
                    self.finished = true;
                    return Some(Err(error));
                }
                continue;
            };
            match connection.next().await {
                Some(Ok(event)) => {
                    if let Some(item) = self.accept(event) {
                        return Some(item);
                    }
                }
                Some(Err(error)) => self.lost(error),
                None => self.lost(EventStreamError::Transport(ReadError {
                    cause: Cause::Closed,
                })),
            }
        }
    }

    /// Opens a connection, waiting before each reconnection; an error ends
    /// the stream.
    pub(super) async fn connect(&mut self) -> Result<(), Error> {
        loop {
            if self.started {
                if self.reconnects >= self.max_reconnects {
                    let last = self
                        .last_failure
                        .take()
                        .unwrap_or_else(|| self.failure(StreamFailure::Closed));
                    return Err(Error::StreamLost {
                        operation: self.kind.operation().to_string(),
                        attempts: self.reconnects,
                        last: Box::new(last),
                    });
                }
                self.reconnects += 1;
                let mut wait = self.backoff.delay(self.reconnects);
                if let Some(asked) = self.retry_after.take() {
                    wait = wait.max(asked.min(self.backoff.max));
                }
                tracing::warn!(
                    operation = self.kind.operation(),
                    attempt = self.reconnects,
                    wait_ms = wait.as_millis() as u64,
                    reason = %self.last_failure.as_ref().map(ToString::to_string).unwrap_or_default(),
                    "reconnecting Losant event stream"
                );
                tokio::time::sleep(wait).await;
            }
            self.started = true;
            match open(
                &self.connector,
                self.kind,
                self.last_event_id.clone(),
                self.limits,
            )
            .await
            {
                Ok(connection) => {
                    self.connection = Some(connection);
                    return Ok(());
                }
                Err(Failure::Transient(error)) => {
                    if let Error::RateLimited { retry_after, .. } = &error {
                        self.retry_after = *retry_after;
                    }
                    self.last_failure = Some(error);
                }
                Err(Failure::Fatal(error)) => return Err(error),
            }
        }
    }

    fn failure(&self, failure: StreamFailure) -> Error {
        Error::EventStream {
            operation: self.kind.operation().to_string(),
            failure,
        }
    }

    /// Records how the connection ended; the next item reconnects.
    fn lost(&mut self, error: EventStreamError<ReadError>) {
        self.connection = None;
        let failure = match error {
            EventStreamError::Transport(ReadError { cause }) => match cause {
                Cause::Closed => self.failure(StreamFailure::Closed),
                Cause::Silent => self.failure(StreamFailure::Silent {
                    after: self.limits.read_timeout,
                }),
                Cause::OverLimit(failure) => self.failure(failure),
                Cause::Failed(source) => Error::from_transport(source),
            },
            EventStreamError::Utf8(_) => self.failure(StreamFailure::NotUtf8),
            EventStreamError::Parser(error) => self.failure(StreamFailure::Malformed {
                reason: format!("{:?}", error.code),
            }),
        };
        self.last_failure = Some(failure);
    }

    /// Decodes one event of the stream's kind; other events are skipped.
    fn accept(&mut self, event: eventsource_stream::Event) -> Option<Result<Event<T>, Error>> {
        let id = (!event.id.is_empty()).then_some(event.id);
        if id.is_some() {
            self.last_event_id.clone_from(&id);
        }
        let expected = self.kind.event_name();
        if event.event != expected {
            tracing::debug!(
                operation = self.kind.operation(),
                event = %event.event,
                "skipping an event of another kind"
            );
            return None;
        }
        let operation = format!("{} event {expected}", self.kind.operation());
        let decoded = decode::<T>(&operation, &self.secrets, event.data.as_bytes());
        if decoded.is_ok() {
            // Only a real event proves the connection works.
            self.reconnects = 0;
        }
        Some(decoded.map(|data| Event {
            name: event.event,
            id,
            data,
        }))
    }
}
