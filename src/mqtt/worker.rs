//! The background task: drives rumqttc's event loop, reconnects with
//! backoff, subscribes again and routes commands.
//!
//! Everything the task sends itself (the subscriptions after a CONNACK, the
//! offline queue, a DISCONNECT) goes into the event loop's `pending` queue,
//! which rumqttc sends before anything from the request channel. Handles
//! only use the request channel, and only subscribe through it while the
//! current network connection has its CONNACK (`State::acked`), under the
//! state lock and recording a ticket in `State::subscribe_log`. So after a
//! CONNACK the first SUBSCRIBE packet is the task's, and every later one
//! matches the oldest ticket: that is how a SUBACK finds its waiter.
//!
//! When a connection ends, the task takes back what rumqttc had not sent or
//! had not seen acknowledged (`salvage`): publishes go to the front of the
//! offline queue, everything else is dropped (subscriptions are renewed
//! from `State::routes`), and rumqttc's session state starts afresh, as the
//! broker's does with a clean session.

use super::{ConnectionEvent, ConnectionStatus, DisconnectReason, Message, Shared, Ticket, Wanted};
use crate::types::DeviceCommand;
use crate::Error;
use rumqttc::{
    ConnectionError, Disconnect, Event, EventLoop, MqttState, Outgoing, Packet, Publish, Request,
    StateError, Subscribe, SubscribeFilter, SubscribeReasonCode,
};
use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub(super) struct Worker {
    event_loop: EventLoop,
    shared: Arc<Shared>,
    reconnect_min: Duration,
    reconnect_max: Duration,
    connect_timeout: Duration,
    /// Subscriptions from handles that went out, by packet id.
    in_flight: HashMap<u16, Ticket>,
    /// Consecutive failed attempts.
    failures: u32,
    /// The latest failure of a first or requested connection, reported
    /// when its deadline passes.
    last_failure: Option<Failure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// From `ConnectionBuilder::connect`: retried until the connect
    /// timeout, then the task ends.
    First,
    /// From `DeviceConnection::reconnect` after `disconnect`: retried until
    /// the connect timeout, then back to disconnected.
    Requested,
    /// After a lost connection: retried until it works.
    Automatic,
}

enum Mode {
    /// Connect; `deadline` is set for first and requested connections.
    Attempt {
        attempt: Attempt,
        deadline: Option<Instant>,
    },
    /// Wait, then connect.
    Backoff {
        attempt: Attempt,
        deadline: Option<Instant>,
    },
    /// Disconnected on request.
    Idle,
}

enum SessionEnd {
    Closed,
    Requested,
    Failed { failure: Failure, was_up: bool },
}

enum Failure {
    Refused {
        code: u8,
    },
    Connection {
        message: String,
        source: Arc<ConnectionError>,
    },
    /// No connection within the connect timeout.
    TimedOut {
        timeout: Duration,
    },
}

impl Failure {
    fn new(error: ConnectionError, acked: bool) -> Self {
        if let ConnectionError::ConnectionRefused(code) = error {
            return Failure::Refused { code: code as u8 };
        }
        let closed_early = !acked
            && match &error {
                ConnectionError::MqttState(StateError::ConnectionAborted) => true,
                ConnectionError::MqttState(StateError::Io(error)) | ConnectionError::Io(error) => {
                    matches!(
                        error.kind(),
                        io::ErrorKind::UnexpectedEof
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionAborted
                    )
                }
                _ => false,
            };
        let hint = match &error {
            ConnectionError::Io(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                "; nothing accepts connections there: check the broker and the port"
            }
            ConnectionError::NetworkTimeout => "; check the broker, the port and the network",
            ConnectionError::Tls(_) => {
                "; check the broker's name, and whether it speaks TLS on this port"
            }
            _ if closed_early => {
                "; the broker closed the connection before accepting it, which some brokers do \
                 for wrong credentials: check the device id, access key and secret"
            }
            _ => "",
        };
        Failure::Connection {
            message: format!("{error}{hint}"),
            source: Arc::new(error),
        }
    }

    fn to_error(&self, broker: &str) -> Error {
        match self {
            Failure::Refused { code } => Error::MqttRefused {
                code: *code,
                reason: refusal_reason(*code).to_string(),
            },
            Failure::Connection { message, source } => Error::MqttConnection {
                broker: broker.to_string(),
                message: message.clone(),
                source: Some(Box::new(source.clone())),
            },
            Failure::TimedOut { .. } => Error::MqttConnection {
                broker: broker.to_string(),
                message: self.message(),
                source: None,
            },
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Refused { code } => {
                format!("refused (CONNACK code {code}: {})", refusal_reason(*code))
            }
            Failure::Connection { message, .. } => message.clone(),
            Failure::TimedOut { timeout } => format!(
                "no connection within the connect timeout of {timeout:?}; check the broker, \
                 the port and the network"
            ),
        }
    }

    /// A refusal that retrying will not fix (all but "server unavailable").
    fn is_permanent(&self) -> bool {
        matches!(self, Failure::Refused { code } if *code != 3)
    }
}

/// What a CONNACK return code means (MQTT 3.1.1, 3.2.2.3).
pub(super) fn refusal_reason(code: u8) -> &'static str {
    match code {
        1 => "the broker does not accept MQTT 3.1.1",
        2 => "the client id (the device id) was rejected",
        3 => "the broker is unavailable",
        4 => "bad user name or password (the access key or secret)",
        5 => "not authorized",
        _ => "unknown return code",
    }
}

impl Worker {
    pub(super) fn new(
        event_loop: EventLoop,
        shared: Arc<Shared>,
        reconnect_min: Duration,
        reconnect_max: Duration,
        connect_timeout: Duration,
    ) -> Self {
        Self {
            event_loop,
            shared,
            reconnect_min,
            reconnect_max,
            connect_timeout,
            in_flight: HashMap::new(),
            failures: 0,
            last_failure: None,
        }
    }

    pub(super) async fn run(mut self) {
        let mut mode = Mode::Attempt {
            attempt: Attempt::First,
            deadline: Some(Instant::now() + self.connect_timeout),
        };
        loop {
            let next = match mode {
                Mode::Attempt { attempt, deadline } => self.attempt(attempt, deadline).await,
                Mode::Backoff { attempt, deadline } => self.backoff(attempt, deadline).await,
                Mode::Idle => self.idle().await,
            };
            match next {
                Some(next) => mode = next,
                None => break,
            }
        }
        self.shutdown();
    }

    /// One connection, from connecting to its end; `None` ends the task.
    async fn attempt(&mut self, attempt: Attempt, deadline: Option<Instant>) -> Option<Mode> {
        let end = self.session(attempt, deadline).await;
        self.salvage();
        let broker = self.shared.settings.broker.clone();
        let (failure, was_up) = match end {
            SessionEnd::Closed => return None,
            SessionEnd::Requested => {
                tracing::info!(%broker, "disconnected from the MQTT broker as requested");
                self.settle_disconnected();
                return Some(Mode::Idle);
            }
            SessionEnd::Failed { failure, was_up } => (failure, was_up),
        };
        if was_up {
            self.failures = 0;
            let message = failure.message();
            tracing::warn!(%broker, error = %message, "lost the MQTT connection");
            self.shared.set_status(ConnectionStatus::Reconnecting);
            self.shared.emit(ConnectionEvent::Disconnected {
                reason: DisconnectReason::ConnectionLost { message },
            });
        } else {
            tracing::info!(%broker, error = %failure.message(), ?attempt, "MQTT connection attempt failed");
        }
        match self.shared.wanted() {
            Wanted::Closed => return None,
            Wanted::Disconnected => {
                self.settle_disconnected();
                return Some(Mode::Idle);
            }
            Wanted::Connected => {}
        }
        self.failures += 1;
        let gave_up = match attempt {
            _ if was_up => false,
            Attempt::Automatic => {
                // Only `reconnect()` calls made while reconnecting wait here.
                self.answer_waiters(&failure);
                false
            }
            Attempt::First | Attempt::Requested => {
                let timed_out = matches!(failure, Failure::TimedOut { .. });
                let out_of_time = deadline.is_some_and(|deadline| Instant::now() >= deadline);
                if failure.is_permanent() || timed_out || out_of_time {
                    // Report what went wrong rather than the timeout.
                    match (timed_out, self.last_failure.take()) {
                        (true, Some(earlier)) => self.answer_waiters(&earlier),
                        _ => self.answer_waiters(&failure),
                    }
                    true
                } else {
                    self.last_failure = Some(failure);
                    return Some(Mode::Backoff { attempt, deadline });
                }
            }
        };
        if gave_up {
            self.last_failure = None;
            if attempt == Attempt::First {
                return None;
            }
            self.shared.lock().wanted = Wanted::Disconnected;
            self.shared.set_status(ConnectionStatus::Disconnected);
            return Some(Mode::Idle);
        }
        if let Failure::Refused { code } = failure {
            if failure.is_permanent() {
                let reason = refusal_reason(code).to_string();
                tracing::error!(%broker, code, %reason, "the MQTT broker refused to reconnect; giving up");
                self.shared.lock().refusal = Some((code, reason.clone()));
                self.shared.emit(ConnectionEvent::Disconnected {
                    reason: DisconnectReason::Refused { code, reason },
                });
                return None;
            }
        }
        self.shared.set_status(ConnectionStatus::Reconnecting);
        Some(Mode::Backoff {
            attempt: Attempt::Automatic,
            deadline: None,
        })
    }

    fn answer_waiters(&self, failure: &Failure) {
        let waiters = std::mem::take(&mut self.shared.lock().waiters);
        for waiter in waiters {
            let _ = waiter.send(Err(failure.to_error(&self.shared.settings.broker)));
        }
    }

    /// Waits before the next attempt (not past `deadline`).
    async fn backoff(&mut self, attempt: Attempt, deadline: Option<Instant>) -> Option<Mode> {
        let delay = backoff_delay(self.reconnect_min, self.reconnect_max, self.failures);
        let mut until = Instant::now() + delay;
        if let Some(deadline) = deadline {
            until = until.min(deadline);
        }
        tracing::debug!(
            ?delay,
            failures = self.failures,
            "waiting before reconnecting"
        );
        let sleep = tokio::time::sleep_until(until);
        tokio::pin!(sleep);
        let next = Mode::Attempt { attempt, deadline };
        loop {
            let woken = self.shared.wake.notified();
            let wanted = {
                let state = self.shared.lock();
                match state.wanted {
                    // `reconnect()` is waiting: try now.
                    Wanted::Connected
                        if attempt == Attempt::Automatic && !state.waiters.is_empty() =>
                    {
                        None
                    }
                    wanted => Some(wanted),
                }
            };
            match wanted {
                None => return Some(next),
                Some(Wanted::Closed) => return None,
                Some(Wanted::Disconnected) => {
                    self.settle_disconnected();
                    return Some(Mode::Idle);
                }
                Some(Wanted::Connected) => {}
            }
            tokio::select! {
                _ = &mut sleep => return Some(next),
                _ = woken => {}
            }
        }
    }

    /// Disconnected on request: waits for `reconnect` or `close`.
    async fn idle(&mut self) -> Option<Mode> {
        loop {
            let woken = self.shared.wake.notified();
            match self.shared.wanted() {
                Wanted::Closed => return None,
                Wanted::Connected => {
                    self.failures = 0;
                    return Some(Mode::Attempt {
                        attempt: Attempt::Requested,
                        deadline: Some(Instant::now() + self.connect_timeout),
                    });
                }
                Wanted::Disconnected => woken.await,
            }
        }
    }

    /// Polls the event loop from connecting until the connection ends.
    /// Until the connection is up (connected and subscribed), `deadline`
    /// bounds the wait.
    async fn session(&mut self, attempt: Attempt, deadline: Option<Instant>) -> SessionEnd {
        self.shared.set_status(match attempt {
            Attempt::Automatic => ConnectionStatus::Reconnecting,
            Attempt::First | Attempt::Requested => ConnectionStatus::Connecting,
        });
        let qos = rumqttc::QoS::from(self.shared.settings.qos);
        // The task's own SUBSCRIBE after CONNACK: its topics, then its
        // packet id once it went out.
        let mut resubscription: Option<(Vec<String>, Option<u16>)> = None;
        let mut acked = false;
        let mut up = false;
        loop {
            let polled = match deadline.filter(|_| !up) {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, self.event_loop.poll()).await {
                        Ok(polled) => polled,
                        // Dropping the poll only abandons this network
                        // connection; `salvage` cleans up.
                        Err(_) => {
                            return SessionEnd::Failed {
                                failure: Failure::TimedOut {
                                    timeout: self.connect_timeout,
                                },
                                was_up: false,
                            }
                        }
                    }
                }
                None => self.event_loop.poll().await,
            };
            let event = match polled {
                Ok(event) => event,
                Err(error) => {
                    if self.shared.wanted() == Wanted::Closed {
                        return SessionEnd::Closed;
                    }
                    return SessionEnd::Failed {
                        failure: Failure::new(error, acked),
                        was_up: up,
                    };
                }
            };
            match event {
                Event::Incoming(Packet::ConnAck(_)) => {
                    acked = true;
                    let topics = {
                        let mut state = self.shared.lock();
                        if state.wanted == Wanted::Connected {
                            state.acked = true;
                            Some(state.routes.keys().cloned().collect::<Vec<_>>())
                        } else {
                            None
                        }
                    };
                    match topics {
                        // disconnect() or close() came while connecting.
                        None => self
                            .event_loop
                            .pending
                            .push_back(Request::Disconnect(Disconnect)),
                        Some(topics) if topics.is_empty() => {
                            up = true;
                            self.go_up(attempt);
                        }
                        Some(topics) => {
                            let filters = topics
                                .iter()
                                .map(|topic| SubscribeFilter::new(topic.clone(), qos));
                            self.event_loop
                                .pending
                                .push_back(Request::Subscribe(Subscribe::new_many(filters)));
                            resubscription = Some((topics, None));
                        }
                    }
                }
                Event::Outgoing(Outgoing::Subscribe(pkid)) => match &mut resubscription {
                    Some((_, id @ None)) => *id = Some(pkid),
                    _ => {
                        let ticket = self.shared.lock().subscribe_log.pop_front();
                        if let Some(ticket) = ticket {
                            self.in_flight.insert(pkid, ticket);
                        }
                    }
                },
                Event::Incoming(Packet::SubAck(ack)) => {
                    let ours = matches!(&resubscription, Some((_, Some(id))) if *id == ack.pkid);
                    if ours {
                        if let Some((topics, _)) = resubscription.take() {
                            for (topic, code) in topics.iter().zip(&ack.return_codes) {
                                if *code == SubscribeReasonCode::Failure {
                                    self.rejected(topic);
                                }
                            }
                        }
                        up = true;
                        self.go_up(attempt);
                    } else if let Some(ticket) = self.in_flight.remove(&ack.pkid) {
                        let accepted = ack
                            .return_codes
                            .first()
                            .is_some_and(|code| *code != SubscribeReasonCode::Failure);
                        if accepted {
                            let _ = ticket.done.send(Ok(()));
                        } else {
                            self.shared.lock().routes.remove(&ticket.topic);
                            self.rejected(&ticket.topic);
                            let _ = ticket.done.send(Err(Error::MqttSubscriptionRejected {
                                topic: ticket.topic,
                            }));
                        }
                    }
                }
                Event::Incoming(Packet::Publish(publish)) => self.shared.dispatch(&publish),
                Event::Outgoing(Outgoing::Disconnect) => {
                    return match self.shared.wanted() {
                        Wanted::Closed => SessionEnd::Closed,
                        _ => SessionEnd::Requested,
                    };
                }
                _ => {}
            }
        }
    }

    /// Connected and subscribed: hands the offline queue to rumqttc (ahead
    /// of anything published from now on), answers waiters, tells
    /// listeners.
    fn go_up(&mut self, attempt: Attempt) {
        let (waiters, queued) = {
            let mut state = self.shared.lock();
            state.status = ConnectionStatus::Connected;
            let queued = state.queue.len();
            for message in state.queue.drain(..) {
                self.event_loop
                    .pending
                    .push_back(Request::Publish(Publish::from_bytes(
                        message.topic,
                        message.qos,
                        message.payload,
                    )));
            }
            (std::mem::take(&mut state.waiters), queued)
        };
        self.shared
            .status_tx
            .send_replace(ConnectionStatus::Connected);
        for waiter in waiters {
            let _ = waiter.send(Ok(()));
        }
        let broker = &self.shared.settings.broker;
        let event = match attempt {
            Attempt::Automatic => {
                tracing::info!(%broker, queued, "reconnected to the MQTT broker");
                ConnectionEvent::Reconnected
            }
            Attempt::First | Attempt::Requested => {
                tracing::info!(%broker, queued, "connected to the MQTT broker");
                ConnectionEvent::Connected
            }
        };
        self.shared.emit(event);
    }

    fn rejected(&self, topic: &str) {
        tracing::warn!(topic, "the MQTT broker rejected a subscription");
        self.shared.emit(ConnectionEvent::SubscriptionRejected {
            topic: topic.to_string(),
        });
    }

    fn settle_disconnected(&self) {
        self.shared.set_status(ConnectionStatus::Disconnected);
        self.shared.emit(ConnectionEvent::Disconnected {
            reason: DisconnectReason::Requested,
        });
    }

    /// After a connection ended: takes back unsent publishes, answers
    /// subscription waiters (their topics are renewed on reconnection) and
    /// resets rumqttc's session state.
    fn salvage(&mut self) {
        // From here on, handles neither subscribe through nor publish to
        // the request channel; then drain it.
        self.shared.lock().acked = false;
        self.event_loop.clean();
        let leftovers: Vec<Event> = self.event_loop.state.events.drain(..).collect();
        for event in leftovers {
            if let Event::Incoming(Packet::Publish(publish)) = event {
                self.shared.dispatch(&publish);
            }
        }
        let unsent: Vec<Message> = self
            .event_loop
            .pending
            .drain(..)
            .filter_map(|request| match request {
                Request::Publish(publish) => Some(Message {
                    topic: publish.topic,
                    qos: publish.qos,
                    payload: publish.payload,
                }),
                _ => None,
            })
            .collect();
        let options = &self.event_loop.mqtt_options;
        self.event_loop.state = MqttState::new(options.inflight(), options.manual_acks());
        if !unsent.is_empty() {
            tracing::debug!(
                count = unsent.len(),
                "kept messages the broker had not acknowledged for the next connection"
            );
        }
        let tickets: Vec<Ticket> = {
            let mut state = self.shared.lock();
            for message in unsent.into_iter().rev() {
                state.queue.push_front(message);
            }
            state.subscribe_log.drain(..).collect()
        };
        for (_, ticket) in self.in_flight.drain() {
            let _ = ticket.done.send(Ok(()));
        }
        for ticket in tickets {
            let _ = ticket.done.send(Ok(()));
        }
    }

    /// The task ends: every waiter gets an error, every stream ends.
    fn shutdown(&mut self) {
        let (waiters, tickets, events, refused) = {
            let mut state = self.shared.lock();
            state.status = ConnectionStatus::Closed;
            state.wanted = Wanted::Closed;
            state.acked = false;
            state.routes.clear();
            state.queue.clear();
            let tickets: Vec<Ticket> = state.subscribe_log.drain(..).collect();
            (
                std::mem::take(&mut state.waiters),
                tickets,
                state.events.take(),
                state.refusal.is_some(),
            )
        };
        self.shared.status_tx.send_replace(ConnectionStatus::Closed);
        for waiter in waiters {
            let _ = waiter.send(Err(self.shared.lock().closed_error()));
        }
        for ticket in tickets
            .into_iter()
            .chain(self.in_flight.drain().map(|(_, ticket)| ticket))
        {
            let _ = ticket.done.send(Err(Error::MqttClosed));
        }
        if let (Some(events), false) = (events, refused) {
            let _ = events.send(ConnectionEvent::Disconnected {
                reason: DisconnectReason::Closed,
            });
        }
        tracing::debug!(broker = %self.shared.settings.broker, "MQTT connection closed");
    }
}

impl Shared {
    fn wanted(&self) -> Wanted {
        self.lock().wanted
    }

    fn set_status(&self, status: ConnectionStatus) {
        self.lock().status = status;
        self.status_tx.send_replace(status);
    }

    fn emit(&self, event: ConnectionEvent) {
        if let Some(events) = &self.lock().events {
            // An error only means nobody listens.
            let _ = events.send(event);
        }
    }

    /// Hands an incoming command to the streams of its topic.
    fn dispatch(&self, publish: &Publish) {
        let sender = self
            .lock()
            .routes
            .get(&publish.topic)
            .map(|route| route.sender.clone());
        let Some(sender) = sender else {
            tracing::debug!(topic = %publish.topic, "ignoring a message on a topic nobody listens to");
            return;
        };
        match serde_json::from_slice::<DeviceCommand>(&publish.payload) {
            Ok(command) => {
                // An error only means no stream is open.
                let _ = sender.send(command);
            }
            Err(error) => tracing::warn!(
                topic = %publish.topic,
                %error,
                "ignoring a command that is not a JSON object with a name"
            ),
        }
    }
}

/// About `first`, doubling with each failure up to `max`, with jitter
/// between half and all of it.
fn backoff_delay(first: Duration, max: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    let base = first.saturating_mul(1 << doublings).min(max);
    let half = base / 2;
    half + half.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let first = Duration::from_secs(1);
        let max = Duration::from_secs(60);
        for (failures, base) in [(0, 1), (1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] {
            let delay = backoff_delay(first, max, failures);
            let base = Duration::from_secs(base);
            assert!(delay >= base / 2 && delay <= base, "{failures}: {delay:?}");
        }
    }

    #[test]
    fn refusal_reasons_name_the_credentials() {
        assert!(refusal_reason(4).contains("access key or secret"));
        assert_eq!(refusal_reason(9), "unknown return code");
    }
}
