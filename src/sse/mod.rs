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
//!   [`Backoff`](crate::Backoff), sending `Last-Event-ID` when the server
//!   gave event ids. After [`StreamOptions::max_reconnects`] attempts
//!   without a decoded event the stream yields [`Error::StreamLost`] and
//!   ends: a server that answers and closes, or sends only keep-alives or
//!   garbage, uses up the attempts as surely as one that is down.
//! - What is read is bounded: a line longer than
//!   [`StreamOptions::max_line_bytes`] or an event larger than
//!   [`StreamOptions::max_event_bytes`] ends the connection, and an answer
//!   that is not `text/event-stream` (a captive portal's HTML page) counts as
//!   a failed attempt; each is reported as [`Error::EventStream`] (in
//!   [`Error::StreamLost`] once the attempts are used up).
//! - An answer that retrying cannot fix (HTTP 400, 401, 403, 404…) is
//!   yielded as [`Error::Api`] at once, and the stream ends.
//! - The generated builders (`client.stream_device_state()`) work too:
//!   awaiting one (or its `send()`) opens the first connection and returns
//!   the stream, with [`StreamOptions::default`] for the rest.
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

mod connection;
mod machine;
mod options;

pub use options::StreamOptions;

use crate::error::{from_raw, Error};
use crate::handles::DeviceHandle;
use crate::{builder, types, Client};
use connection::Connector;
use futures::stream::{BoxStream, Stream, StreamExt};
use machine::Machine;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Why an event stream connection failed or was ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamFailure {
    /// The server closed the connection.
    #[error("the server closed the event stream")]
    Closed,
    /// Nothing arrived (not even a keep-alive) within the read timeout.
    #[error("the event stream was silent for {after:?} (no event, no keep-alive)")]
    Silent {
        /// The read timeout.
        after: Duration,
    },
    /// No answer to the request within the read timeout.
    #[error("no answer within {after:?}")]
    NoAnswer {
        /// The read timeout.
        after: Duration,
    },
    /// A success answer that is not an event stream.
    #[error("the answer is not an event stream (Content-Type {content_type:?}); a proxy or captive portal may be in the way")]
    NotEventStream {
        /// Its `Content-Type`, if it had one.
        content_type: Option<String>,
    },
    /// A line was longer than [`StreamOptions::max_line_bytes`].
    #[error("a line is longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// An event was larger than [`StreamOptions::max_event_bytes`].
    #[error("an event is larger than the limit of {limit} bytes")]
    EventTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The stream is not UTF-8.
    #[error("the event stream is not UTF-8")]
    NotUtf8,
    /// The stream does not follow the SSE format.
    #[error("malformed event stream ({reason})")]
    Malformed {
        /// What the parser found.
        reason: String,
    },
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
/// [`DeviceHandle::state_stream`], [`DeviceHandle::command_stream`] or a
/// stream builder.
///
/// The handles' streams own a clone of the client (so they can be moved
/// into a task, `'a` is `'static`) and connect when first polled. Dropping
/// a stream closes its connection.
#[must_use = "a stream does nothing unless polled"]
pub struct EventStream<'a, T> {
    operation: &'static str,
    inner: BoxStream<'a, Result<Event<T>, Error>>,
}

impl<T> fmt::Debug for EventStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl<T> Stream for EventStream<'_, T> {
    type Item = Result<Event<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<'a, T: DeserializeOwned + Send + 'a> EventStream<'a, T> {
    fn from_machine(kind: Kind, machine: Machine<'a, T>) -> Self {
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
pub(crate) enum Kind {
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

/// Sends one request of a stream builder, checked first.
macro_rules! connect_with {
    ($builder:expr, $kind:expr, $last_event_id:expr) => {{
        let builder = match $last_event_id {
            Some(id) => $builder.last_event_id(id),
            None => $builder,
        };
        let client = builder.client();
        let secrets = client.inner.secrets.clone();
        async move {
            builder.check()?;
            match builder.send_raw().await {
                Ok(answer) => Ok(answer),
                Err(raw) => Err(from_raw($kind.method(), &secrets, raw).await),
            }
        }
    }};
}

impl DeviceHandle<'_> {
    /// The device's new state reports as they arrive (Losant's
    /// `stateStream`), with [`StreamOptions::default`]. See [`crate::sse`].
    pub fn state_stream(&self) -> EventStream<'static, types::DeviceState> {
        self.state_stream_with(StreamOptions::default())
    }

    /// The device's new state reports as they arrive, with `options`.
    pub fn state_stream_with(
        &self,
        options: StreamOptions,
    ) -> EventStream<'static, types::DeviceState> {
        self.event_stream(Kind::State, options)
    }

    /// Commands sent to the device as they arrive (Losant's
    /// `commandStream`), with [`StreamOptions::default`]. See [`crate::sse`].
    pub fn command_stream(&self) -> EventStream<'static, types::DeviceCommand> {
        self.command_stream_with(StreamOptions::default())
    }

    /// Commands sent to the device as they arrive, with `options`.
    pub fn command_stream_with(
        &self,
        options: StreamOptions,
    ) -> EventStream<'static, types::DeviceCommand> {
        self.event_stream(Kind::Commands, options)
    }

    fn event_stream<T>(&self, kind: Kind, options: StreamOptions) -> EventStream<'static, T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client: Client = self.client.clone();
        let application = self.application.clone();
        let device = self.id.clone();
        let keep_alive = i64::try_from(options.keep_alive_seconds()).unwrap_or(i64::MAX);
        let secrets = client.inner.secrets.clone();
        let connector: Connector<'static> = Box::new(move |last_event_id| {
            let client = client.clone();
            let application = application.clone();
            let device = device.clone();
            Box::pin(async move {
                match kind {
                    Kind::State => {
                        let builder = client
                            .stream_device_state()
                            .application_id(&application)
                            .device_id(&device)
                            .keep_alive_interval(keep_alive);
                        connect_with!(builder, kind, last_event_id).await
                    }
                    Kind::Commands => {
                        let builder = client
                            .stream_device_commands()
                            .application_id(&application)
                            .device_id(&device)
                            .keep_alive_interval(keep_alive);
                        connect_with!(builder, kind, last_event_id).await
                    }
                }
            })
        });
        EventStream::from_machine(kind, Machine::new(connector, kind, options, secrets))
    }
}

macro_rules! stream_builder {
    ($builder:ident, $kind:expr, $data:ty) => {
        impl<'a> builder::$builder<'a> {
            /// Opens the stream (its first connection, so a bad argument or
            /// an error answer comes back here) with
            /// [`StreamOptions::default`] for reconnecting; the same as
            /// awaiting the builder. See [`crate::sse`].
            pub async fn send(self) -> Result<EventStream<'a, $data>, Error> {
                self.check()?;
                let secrets = self.client().inner.secrets.clone();
                let template = self;
                let connector: Connector<'a> = Box::new(move |last_event_id| {
                    let builder = template.clone();
                    Box::pin(connect_with!(builder, $kind, last_event_id))
                });
                let mut machine = Machine::new(connector, $kind, StreamOptions::default(), secrets);
                machine.connect().await?;
                Ok(EventStream::from_machine($kind, machine))
            }
        }

        impl<'a> IntoFuture for builder::$builder<'a> {
            type Output = Result<EventStream<'a, $data>, Error>;
            type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

stream_builder!(StreamDeviceState, Kind::State, types::DeviceState);
stream_builder!(StreamDeviceCommands, Kind::Commands, types::DeviceCommand);
