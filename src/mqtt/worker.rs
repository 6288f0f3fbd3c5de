//! The background task: the only owner of rumqttc. It serves the handles'
//! requests, connects, waits with backoff between attempts, and keeps the
//! routes and the outbox across connections.
//!
//! Phases: `Connect` runs one network connection (see `session.rs`),
//! `Wait` sleeps before the next attempt, `Idle` is disconnected on
//! request, `Stop` ends the task. Every phase keeps serving requests, so
//! no handle ever waits on a lock or a poll loop.

use super::connection::{Channels, DeviceConnection};
use super::failure::Failure;
use super::outbox::Outbox;
use super::reconnect::Reconnects;
use super::requests::{Reply, Request, Snapshot};
use super::routes::{Followup, Routes};
use super::settings::Settings;
use super::{ConnectionEvent, ConnectionStatus, DisconnectReason, MqttError};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

/// Requests from handles waiting for the task; callers wait when it is full.
const REQUEST_CAPACITY: usize = 64;
/// Connection events kept for a slow [`EventStream`](super::EventStream).
const EVENT_CAPACITY: usize = 64;
/// How long a lost connection waits for the stores to save their resend
/// counts before the next attempt.
const SAVE_RESENT_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// The claim on a store (feature `store`), held for as long as the task runs.
#[cfg(feature = "store")]
pub(super) type Claim = Option<crate::store::Attachment>;
#[cfg(not(feature = "store"))]
pub(super) type Claim = ();

/// Starts the task; the receiver answers once the first connection is up
/// or has failed for good. `background`: the first connection is retried
/// like a lost one, without a deadline.
pub(super) fn spawn(
    settings: Arc<Settings>,
    runtime: &tokio::runtime::Handle,
    background: bool,
    claim: Claim,
) -> (DeviceConnection, oneshot::Receiver<Result<(), MqttError>>) {
    let (requests_tx, requests) = mpsc::channel(REQUEST_CAPACITY);
    let (released_tx, released) = mpsc::unbounded_channel();
    let (snapshot_tx, snapshot) = watch::channel(Snapshot::new());
    let (events_tx, events) = broadcast::channel(EVENT_CAPACITY);
    let (own_tx, first_commands) = broadcast::channel(settings.command_buffer);
    let commands = own_tx.subscribe();
    let (ready_tx, ready) = oneshot::channel();
    let worker = Worker {
        routes: Routes::new(settings.own_topic.clone(), own_tx, settings.command_buffer),
        outbox: Outbox::new(settings.offline_queue),
        reconnects: Reconnects::new(settings.reconnect_backoff, settings.stable_after),
        settings: settings.clone(),
        requests,
        handles_gone: false,
        released,
        snapshot: snapshot_tx,
        events: events_tx.clone(),
        waiters: vec![ready_tx],
        disconnecting: Vec::new(),
        closing: Vec::new(),
        wanted: Wanted::Connected,
        last_failure: None,
        connected_before: false,
        claim,
    };
    runtime.spawn(worker.run(background));
    let channels = Channels {
        events_sender: events_tx.downgrade(),
        requests: requests_tx,
        released: released_tx,
        snapshot,
        events,
        first_commands,
        commands,
    };
    (DeviceConnection::new(settings, channels), ready)
}

pub(super) struct Worker {
    pub(super) settings: Arc<Settings>,
    pub(super) requests: mpsc::Receiver<Request>,
    /// Every handle is gone: no request will come any more.
    pub(super) handles_gone: bool,
    /// Topics whose (possibly last) stream was dropped.
    pub(super) released: mpsc::UnboundedReceiver<String>,
    pub(super) snapshot: watch::Sender<Snapshot>,
    events: broadcast::Sender<ConnectionEvent>,
    pub(super) routes: Routes,
    pub(super) outbox: Outbox,
    pub(super) reconnects: Reconnects,
    /// `connect` and `reconnect` callers waiting for the next connection.
    waiters: Vec<Reply<()>>,
    disconnecting: Vec<Reply<()>>,
    closing: Vec<oneshot::Sender<()>>,
    pub(super) wanted: Wanted,
    /// The latest failure of a first or requested connection, reported
    /// instead of the timeout when the deadline passes.
    pub(super) last_failure: Option<Failure>,
    /// A connection was up once: later ones are reconnections.
    pub(super) connected_before: bool,
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    claim: Claim,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wanted {
    Connected,
    Disconnected,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attempt {
    /// From `ConnectionBuilder::connect`: retried until the connect
    /// timeout, then the task ends.
    First,
    /// From `DeviceConnection::reconnect` after `disconnect`: retried until
    /// the connect timeout, then back to disconnected.
    Requested,
    /// After a lost connection: retried until it works or is refused.
    Automatic,
}

pub(super) enum Phase {
    /// `deadline` bounds the retries of first and requested connections.
    Connect {
        attempt: Attempt,
        deadline: Option<Instant>,
    },
    Wait {
        attempt: Attempt,
        deadline: Option<Instant>,
    },
    Idle,
    Stop,
}

/// What a request asks of the current phase, beyond what `serve` did.
pub(super) enum Asked {
    Nothing,
    /// A new topic to subscribe on the current connection.
    Subscribe(String),
    Reconnect,
    Disconnect,
    Close,
}

impl Worker {
    async fn run(mut self, background: bool) {
        let mut phase = if background {
            Phase::Connect {
                attempt: Attempt::Automatic,
                deadline: None,
            }
        } else {
            Phase::Connect {
                attempt: Attempt::First,
                deadline: Some(Instant::now() + self.settings.connect_timeout),
            }
        };
        loop {
            phase = match phase {
                Phase::Connect { attempt, deadline } => {
                    let end = self.session(attempt, deadline).await;
                    self.save_resent().await;
                    self.after_session(end, attempt, deadline)
                }
                Phase::Wait { attempt, deadline } => self.wait(attempt, deadline).await,
                Phase::Idle => self.idle().await,
                Phase::Stop => break,
            };
            self.show_queue();
        }
        self.shutdown();
    }

    /// Serves what every phase serves alike; `up`: publishing goes to the
    /// broker now; `connacked`: a SUBSCRIBE can go out now.
    pub(super) fn serve(&mut self, request: Option<Request>, up: bool, connacked: bool) -> Asked {
        let Some(request) = request else {
            self.handles_gone = true;
            self.wanted = Wanted::Closed;
            return Asked::Close;
        };
        let closed = self.wanted == Wanted::Closed;
        let connected = self.wanted == Wanted::Connected;
        match request {
            Request::Close { reply } => {
                self.closing.push(reply);
                self.wanted = Wanted::Closed;
                return Asked::Close;
            }
            Request::Publish { reply, .. }
            | Request::Disconnect { reply }
            | Request::Reconnect { reply }
                if closed =>
            {
                let _ = reply.send(Err(MqttError::Closed));
            }
            Request::Subscribe { reply, .. } if closed => {
                let _ = reply.send(Err(MqttError::Closed));
            }
            // A stored entry waits for its PUBACK, across connections.
            Request::Publish { message, reply } if (up && connected) || message.is_stored() => {
                self.outbox.push(message, reply);
            }
            Request::Publish { message, reply } => self.outbox.offer_offline(message, reply),
            Request::Subscribe { topic, reply } => {
                let now = connacked && connected;
                if self.routes.subscribe(topic.clone(), reply, now) == Followup::Subscribe {
                    return Asked::Subscribe(topic);
                }
            }
            Request::Disconnect { reply } => {
                self.disconnecting.push(reply);
                self.wanted = Wanted::Disconnected;
                self.answer_waiters(|| MqttError::NotConnected);
                return Asked::Disconnect;
            }
            Request::Reconnect { reply } => {
                self.waiters.push(reply);
                self.wanted = Wanted::Connected;
                return Asked::Reconnect;
            }
        }
        Asked::Nothing
    }

    /// Saves the stores' resend counts before the next connection sends
    /// anything again; a store that does not answer in time keeps its
    /// count for the next save rather than holding up the connection.
    async fn save_resent(&mut self) {
        let saved = tokio::time::timeout(SAVE_RESENT_WITHIN, self.outbox.save_resent()).await;
        if saved.is_err() {
            tracing::warn!("a store did not save its resend count in time");
        }
    }

    /// Waits with backoff before the next attempt (not past `deadline`).
    async fn wait(&mut self, attempt: Attempt, deadline: Option<Instant>) -> Phase {
        let (number, delay) = self.reconnects.next();
        let mut until = Instant::now() + delay;
        if let Some(deadline) = deadline {
            until = until.min(deadline);
        }
        tracing::debug!(?delay, attempt = number, "waiting before connecting again");
        self.emit(ConnectionEvent::Retrying {
            attempt: number,
            delay,
        });
        let sleep = tokio::time::sleep_until(until);
        tokio::pin!(sleep);
        let next = Phase::Connect { attempt, deadline };
        loop {
            tokio::select! {
                _ = &mut sleep => return next,
                request = self.requests.recv(), if !self.handles_gone => {
                    match self.serve(request, false, false) {
                        // `reconnect()` was called: try now.
                        Asked::Reconnect => return next,
                        Asked::Disconnect => return self.now_disconnected(),
                        Asked::Close => return Phase::Stop,
                        Asked::Nothing | Asked::Subscribe(_) => {}
                    }
                    self.show_queue();
                }
                Some(topic) = self.released.recv() => {
                    self.routes.release(&topic);
                }
            }
        }
    }

    /// Disconnected on request: waits for `reconnect` or `close`.
    async fn idle(&mut self) -> Phase {
        loop {
            match self.wanted {
                Wanted::Closed => return Phase::Stop,
                Wanted::Connected => {
                    self.reconnects.start_over();
                    return Phase::Connect {
                        attempt: Attempt::Requested,
                        deadline: Some(Instant::now() + self.settings.connect_timeout),
                    };
                }
                Wanted::Disconnected => {}
            }
            for reply in self.disconnecting.drain(..) {
                let _ = reply.send(Ok(()));
            }
            self.show_queue();
            tokio::select! {
                request = self.requests.recv(), if !self.handles_gone => {
                    self.serve(request, false, false);
                }
                Some(topic) = self.released.recv() => {
                    self.routes.release(&topic);
                }
            }
        }
    }

    /// Up: status, waiters, listeners.
    pub(super) fn went_up(&mut self, attempt: Attempt) {
        self.last_failure = None;
        self.set_status(ConnectionStatus::Connected);
        let broker = &self.settings.broker;
        let queued = self.outbox.queued();
        let reconnected = attempt == Attempt::Automatic && self.connected_before;
        self.connected_before = true;
        let event = match reconnected {
            true => {
                tracing::info!(%broker, queued, "reconnected to the MQTT broker");
                ConnectionEvent::Reconnected
            }
            false => {
                tracing::info!(%broker, queued, "connected to the MQTT broker");
                ConnectionEvent::Connected
            }
        };
        self.emit(event);
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Ok(()));
        }
    }

    pub(super) fn set_connecting(&self, attempt: Attempt) {
        self.set_status(match attempt {
            Attempt::Automatic if self.connected_before => ConnectionStatus::Reconnecting,
            Attempt::Automatic => ConnectionStatus::Connecting,
            Attempt::First | Attempt::Requested => ConnectionStatus::Connecting,
        });
    }

    /// `reconnect()` while up: nothing to do.
    pub(super) fn went_up_already(&mut self) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Ok(()));
        }
    }

    pub(super) fn answer_waiters(&mut self, error: impl Fn() -> MqttError) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Err(error()));
        }
    }

    pub(super) fn emit(&self, event: ConnectionEvent) {
        // An error only means nobody listens.
        let _ = self.events.send(event);
    }

    pub(super) fn set_status(&self, status: ConnectionStatus) {
        self.snapshot.send_if_modified(|snapshot| {
            let changed = snapshot.status != status;
            snapshot.status = status;
            changed
        });
    }

    pub(super) fn show_queue(&self) {
        let queued = self.outbox.queued();
        self.snapshot.send_if_modified(|snapshot| {
            let changed = snapshot.queued != queued;
            snapshot.queued = queued;
            changed
        });
    }

    /// The task ends: every caller gets an answer, every stream ends (the
    /// senders go with the task).
    fn shutdown(&mut self) {
        self.wanted = Wanted::Closed;
        self.set_status(ConnectionStatus::Closed);
        let snapshot = self.snapshot.borrow().clone();
        let error = || snapshot.closed_error();
        self.outbox.close(error);
        self.show_queue();
        self.routes.close(error);
        self.answer_waiters(error);
        for reply in self.disconnecting.drain(..) {
            let _ = reply.send(Err(error()));
        }
        if snapshot.refusal.is_none() {
            self.emit(ConnectionEvent::Disconnected {
                reason: DisconnectReason::Closed,
            });
        }
        // The store is free for another connection once `close` returns.
        #[cfg(feature = "store")]
        drop(self.claim.take());
        for reply in self.closing.drain(..) {
            let _ = reply.send(());
        }
        tracing::debug!(broker = %self.settings.broker, "MQTT connection closed");
    }
}
