//! Server-sent event streams of a device's state and commands.
//!
//! [`DeviceHandle::state_stream`] and [`DeviceHandle::command_stream`] attach
//! to Losant's `stateStream` and `commandStream` endpoints and yield each
//! event decoded into [`types::DeviceState`] or [`types::DeviceCommand`].
//!
//! - Keep-alive comments are consumed silently; they only prove the
//!   connection is alive. A connection that stays silent longer than the
//!   read timeout (by default three keep-alive intervals) counts as lost.
//! - A lost connection (closed, failed or silent) is reopened with
//!   exponential backoff and full jitter, sending `Last-Event-ID` when the
//!   server gave event ids. After [`StreamOptions::max_reconnects`] failed
//!   attempts in a row the stream yields [`Error::StreamLost`] and ends.
//! - An answer that retrying cannot fix (HTTP 400, 401, 403, 404…) is
//!   yielded as [`Error::Api`] at once, and the stream ends.
//! - An event whose data does not decode is yielded as [`Error::Decode`]
//!   naming the event; the stream goes on with the next event.
//! - Dropping the stream closes the connection; nothing keeps running.
//!
//! ```no_run
//! # async fn demo(client: losant_device::Client) -> Result<(), losant_device::Error> {
//! use futures::StreamExt;
//! use losant_device::sse::StreamOptions;
//! use std::time::Duration;
//!
//! let device = client
//!     .application("575ec8687ae143cd83dc4a97".parse()?)
//!     .device("575ecf887ae143cd83dc4aa2".parse()?);
//! let options = StreamOptions::default().with_keep_alive(Duration::from_secs(5));
//! let mut commands = device.command_stream_with(options);
//! while let Some(next) = commands.next().await {
//!     match next {
//!         Ok(event) => println!("{}: {:?}", event.data.name, event.data.payload),
//!         // One event did not decode; later events still arrive.
//!         Err(losant_device::Error::Decode { .. }) => continue,
//!         Err(other) => return Err(other),
//!     }
//! }
//! # Ok(()) }
//! ```

use crate::backoff::Backoff;
use crate::error::{decode, from_raw, Error};
use crate::handles::DeviceHandle;
use crate::ids::{ApplicationId, DeviceId};
use crate::transport::with_extra_headers;
use crate::{types, Client};
use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures::stream::{BoxStream, Stream, StreamExt};
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The header that asks the server to resume after an event id.
const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// The shortest read timeout derived from the keep-alive interval.
const MIN_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How a device event stream connects, detects a dead connection and
/// reconnects. The default: keep-alives every 10 s, a read timeout of three
/// keep-alive intervals, 5 reconnection attempts with backoff from 1 s up to
/// 30 s.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamOptions {
    /// How often Losant sends a keep-alive comment (`keepAliveInterval`, in
    /// whole seconds, rounded up, at least 1).
    pub keep_alive: Duration,
    /// The longest silence (keep-alives included) before the connection
    /// counts as lost; also bounds the wait for the answer's headers. `None`
    /// means three keep-alive intervals, at least 5 s.
    pub read_timeout: Option<Duration>,
    /// Reconnection attempts in a row before the stream gives up with
    /// [`Error::StreamLost`]; 0 never reconnects. The count starts again
    /// once a connection delivers data.
    pub max_reconnects: u32,
    /// The wait before each reconnection; its cap also bounds a server's
    /// `Retry-After`.
    pub backoff: Backoff,
    /// An event id to resume after, sent as `Last-Event-ID` on the first
    /// connection (later connections send the last id the server gave).
    pub last_event_id: Option<String>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            keep_alive: Duration::from_secs(10),
            read_timeout: None,
            max_reconnects: 5,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(30)),
            last_event_id: None,
        }
    }
}

impl StreamOptions {
    /// Sets how often Losant sends keep-alive comments (whole seconds).
    pub fn with_keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval;
        self
    }

    /// Sets the longest silence before the connection counts as lost.
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Sets how many reconnection attempts in a row are made before giving
    /// up; 0 never reconnects.
    pub fn with_max_reconnects(mut self, attempts: u32) -> Self {
        self.max_reconnects = attempts;
        self
    }

    /// Sets the wait before each reconnection.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Resumes after `id`: sent as `Last-Event-ID` on the first connection.
    pub fn with_last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = Some(id.into());
        self
    }

    /// The `keepAliveInterval` sent: whole seconds, rounded up, at least 1.
    pub fn keep_alive_seconds(&self) -> u64 {
        let whole = self.keep_alive.as_secs();
        let rounded = if self.keep_alive.subsec_nanos() > 0 {
            whole.saturating_add(1)
        } else {
            whole
        };
        rounded.max(1)
    }

    /// The read timeout in effect: the one set, or three keep-alive
    /// intervals but at least 5 s.
    pub fn effective_read_timeout(&self) -> Duration {
        self.read_timeout.unwrap_or_else(|| {
            Duration::from_secs(self.keep_alive_seconds().saturating_mul(3)).max(MIN_READ_TIMEOUT)
        })
    }
}

/// One decoded event of a device stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event<T> {
    /// The SSE event name: `deviceState` or `deviceCommand`.
    pub name: String,
    /// The event id, when the server gave one.
    pub id: Option<String>,
    /// The event's data.
    pub data: T,
}

/// A device's state reports or commands as they arrive; from
/// [`DeviceHandle::state_stream`] or [`DeviceHandle::command_stream`].
///
/// It connects when first polled, owns a clone of the client (so it can be
/// moved into a task), and closes its connection when dropped.
#[must_use = "a stream does nothing unless polled"]
pub struct EventStream<T> {
    operation: &'static str,
    inner: BoxStream<'static, Result<Event<T>, Error>>,
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<Event<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<'a> DeviceHandle<'a> {
    /// The device's new state reports as they arrive (Losant's
    /// `stateStream`), with [`StreamOptions::default`]. See [`crate::sse`].
    pub fn state_stream(&self) -> EventStream<types::DeviceState> {
        self.state_stream_with(StreamOptions::default())
    }

    /// The device's new state reports as they arrive, with `options`.
    pub fn state_stream_with(&self, options: StreamOptions) -> EventStream<types::DeviceState> {
        self.event_stream(Kind::State, options)
    }

    /// Commands sent to the device as they arrive (Losant's
    /// `commandStream`), with [`StreamOptions::default`]. See [`crate::sse`].
    pub fn command_stream(&self) -> EventStream<types::DeviceCommand> {
        self.command_stream_with(StreamOptions::default())
    }

    /// Commands sent to the device as they arrive, with `options`.
    pub fn command_stream_with(&self, options: StreamOptions) -> EventStream<types::DeviceCommand> {
        self.event_stream(Kind::Commands, options)
    }

    fn event_stream<T>(&self, kind: Kind, options: StreamOptions) -> EventStream<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let target = Target {
            client: self.client.clone(),
            application: self.application.clone(),
            device: self.id.clone(),
            kind,
            keep_alive: i64::try_from(options.keep_alive_seconds()).unwrap_or(i64::MAX),
            read_timeout: options.effective_read_timeout(),
        };
        let machine = Machine {
            target,
            max_reconnects: options.max_reconnects,
            backoff: options.backoff,
            last_event_id: options.last_event_id,
            connection: None,
            started: false,
            reconnects: 0,
            last_failure: None,
            retry_after: None,
            finished: false,
            data: PhantomData,
        };
        let inner = futures::stream::unfold(machine, |mut machine| async move {
            let item = machine.next_item().await?;
            Some((item, machine))
        })
        .fuse()
        .boxed();
        EventStream {
            operation: kind.operation(),
            inner,
        }
    }
}

/// Which of the two streams.
#[derive(Debug, Clone, Copy)]
enum Kind {
    State,
    Commands,
}

impl Kind {
    /// Losant's name of the endpoint.
    fn operation(self) -> &'static str {
        match self {
            Kind::State => "stateStream",
            Kind::Commands => "commandStream",
        }
    }

    /// The generated method's name, as other errors name operations.
    fn method(self) -> &'static str {
        match self {
            Kind::State => "stream_device_state",
            Kind::Commands => "stream_device_commands",
        }
    }

    /// The SSE event name the stream carries.
    fn event_name(self) -> &'static str {
        match self {
            Kind::State => "deviceState",
            Kind::Commands => "deviceCommand",
        }
    }
}

/// What a connection is opened to; all of it is `Sync`, so it can be
/// borrowed across awaits.
struct Target {
    client: Client,
    application: ApplicationId,
    device: DeviceId,
    kind: Kind,
    keep_alive: i64,
    read_timeout: Duration,
}

/// The bytes of one connection, ended by a [`ReadError`].
type Connection = eventsource_stream::EventStream<BoxStream<'static, Result<Bytes, ReadError>>>;

/// Why a connection attempt failed.
enum Failure {
    /// Worth another attempt (connection failure, 5xx, 429, no answer).
    Transient(Error),
    /// Retrying cannot help (400, 401, 403, 404, a bad argument).
    Fatal(Error),
}

impl Target {
    async fn send(
        &self,
        headers: HeaderMap,
    ) -> Result<ResponseValue<ByteStream>, progenitor_client::Error<()>> {
        let client = &self.client;
        match self.kind {
            Kind::State => {
                let request = client
                    .stream_device_state()
                    .application_id(&self.application)
                    .device_id(&self.device)
                    .keep_alive_interval(self.keep_alive);
                with_extra_headers(headers, request.send()).await
            }
            Kind::Commands => {
                let request = client
                    .stream_device_commands()
                    .application_id(&self.application)
                    .device_id(&self.device)
                    .keep_alive_interval(self.keep_alive);
                with_extra_headers(headers, request.send()).await
            }
        }
    }

    /// Sends the request and waits (at most the read timeout) for its
    /// answer; an error answer's body is read within the same time.
    async fn open(&self, last_event_id: Option<&str>) -> Result<Connection, Failure> {
        let mut headers = HeaderMap::new();
        if let Some(value) = last_event_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            headers.insert(LAST_EVENT_ID, value);
        }
        let answer = async {
            match self.send(headers).await {
                Ok(response) => Ok(response),
                Err(raw) => Err(from_raw(self.kind.method(), raw).await),
            }
        };
        match tokio::time::timeout(self.read_timeout, answer).await {
            Ok(Ok(response)) => {
                Ok(watch(response.into_inner_stream(), self.read_timeout).eventsource())
            }
            Ok(Err(error)) if is_transient(&error) => Err(Failure::Transient(error)),
            Ok(Err(error)) => Err(Failure::Fatal(error)),
            Err(_) => Err(Failure::Transient(Error::Other(format!(
                "no answer to {} within {:?}",
                self.kind.operation(),
                self.read_timeout
            )))),
        }
    }
}

/// Errors a (re)connection may fix.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
        Error::Api { status, .. } => {
            status.is_server_error() || *status == StatusCode::REQUEST_TIMEOUT
        }
        _ => false,
    }
}

/// How a connection ended.
enum Cause {
    /// The server closed it.
    Closed,
    /// Nothing arrived within the read timeout.
    Silent,
    /// Reading failed.
    Failed(reqwest::Error),
}

/// The end of a connection, passed through the SSE parser.
struct ReadError {
    cause: Cause,
    /// Whether the connection delivered any bytes before it ended.
    received: bool,
}

/// The body's chunks, each awaited at most `limit`; the stream ends with one
/// [`ReadError`] saying why.
fn watch<S>(body: S, limit: Duration) -> BoxStream<'static, Result<Bytes, ReadError>>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Send + Unpin + 'static,
{
    futures::stream::unfold(Some((body, false)), move |state| async move {
        let (mut body, received) = state?;
        let cause = match tokio::time::timeout(limit, body.next()).await {
            Ok(Some(Ok(chunk))) => return Some((Ok(chunk), Some((body, true)))),
            Ok(Some(Err(error))) => Cause::Failed(error),
            Ok(None) => Cause::Closed,
            Err(_) => Cause::Silent,
        };
        Some((Err(ReadError { cause, received }), None))
    })
    .boxed()
}

/// The stream's state between items.
struct Machine<T> {
    target: Target,
    max_reconnects: u32,
    backoff: Backoff,
    /// Sent as `Last-Event-ID` on the next connection.
    last_event_id: Option<String>,
    connection: Option<Connection>,
    /// Whether a connection was attempted already.
    started: bool,
    /// Reconnection attempts since a connection last delivered data.
    reconnects: u32,
    /// Why the last connection or attempt failed.
    last_failure: Option<Error>,
    /// A server's `Retry-After` from the last failed attempt.
    retry_after: Option<Duration>,
    finished: bool,
    data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Machine<T> {
    /// The next item to yield; `None` once the stream has ended.
    async fn next_item(&mut self) -> Option<Result<Event<T>, Error>> {
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
                    received: false,
                })),
            }
        }
    }

    /// Opens a connection, waiting before each reconnection; an error ends
    /// the stream.
    async fn connect(&mut self) -> Result<(), Error> {
        loop {
            if self.started {
                if self.reconnects >= self.max_reconnects {
                    let last = self.last_failure.take().unwrap_or_else(|| {
                        Error::Other("the connection was lost for an unknown reason".into())
                    });
                    return Err(Error::StreamLost {
                        operation: self.target.kind.operation().to_string(),
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
                    operation = self.target.kind.operation(),
                    attempt = self.reconnects,
                    wait_ms = wait.as_millis() as u64,
                    reason = %self.last_failure.as_ref().map(ToString::to_string).unwrap_or_default(),
                    "reconnecting Losant event stream"
                );
                tokio::time::sleep(wait).await;
            }
            self.started = true;
            match self.target.open(self.last_event_id.as_deref()).await {
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

    /// Records how the connection ended; the next item reconnects.
    fn lost(&mut self, error: EventStreamError<ReadError>) {
        self.connection = None;
        let timeout = self.target.read_timeout;
        let (failure, received) = match error {
            EventStreamError::Transport(ReadError { cause, received }) => {
                let failure = match cause {
                    Cause::Closed => Error::Other("the server closed the event stream".into()),
                    Cause::Silent => Error::Other(format!(
                        "the event stream was silent for {timeout:?} (no event, no keep-alive)"
                    )),
                    Cause::Failed(source) if source.is_timeout() => Error::Timeout { source },
                    Cause::Failed(source) => Error::Transport { source },
                };
                (failure, received)
            }
            EventStreamError::Utf8(error) => (
                Error::Other(format!("the event stream is not UTF-8: {error}")),
                true,
            ),
            EventStreamError::Parser(error) => (
                Error::Other(format!("malformed event stream ({:?})", error.code)),
                true,
            ),
        };
        if received {
            self.reconnects = 0;
        }
        self.last_failure = Some(failure);
    }

    /// Decodes one event of the stream's kind; other events are skipped.
    fn accept(&mut self, event: eventsource_stream::Event) -> Option<Result<Event<T>, Error>> {
        let id = (!event.id.is_empty()).then_some(event.id);
        if id.is_some() {
            self.last_event_id.clone_from(&id);
        }
        let expected = self.target.kind.event_name();
        if event.event != expected {
            tracing::debug!(
                operation = self.target.kind.operation(),
                event = %event.event,
                "skipping an event of another kind"
            );
            return None;
        }
        let operation = format!("{} event {expected}", self.target.kind.operation());
        Some(
            decode::<T>(&operation, event.data.as_bytes()).map(|data| Event {
                name: event.event,
                id,
                data,
            }),
        )
    }
}
