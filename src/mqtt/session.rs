//! One network connection, from connecting until it ends.
//!
//! Each connection gets a fresh rumqttc client and event loop, so nothing
//! of an earlier connection (buffered events, packet ids, unsent requests)
//! can be mistaken for this one's. The task hands rumqttc one request at a
//! time and waits for the outgoing event that names its packet id
//! (`Outgoing::Publish(pkid)`, `Outgoing::Subscribe(pkid)`); the broker's
//! PUBACK or SUBACK is then matched by that id, in whatever order it comes.
//! The event loop's poll future is never dropped mid-way: requests are
//! served beside it, not by cancelling it.

use super::failure::Failure;
use super::outbox::Pending;
use super::requests::Request;
use super::routes::Followup;
use super::worker::{Asked, Attempt, Wanted, Worker};
use super::ConnectionEvent;
use rumqttc::{AsyncClient, Event, Outgoing, Packet, SubAck, SubscribeFilter, SubscribeReasonCode};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// rumqttc's request channel holds at most the one handed request.
const HANDOFF_CAPACITY: usize = 2;
/// Topics per SUBSCRIBE when subscribing again, to stay far below the
/// packet size limit with many peripherals.
const SUBSCRIBE_BATCH: usize = 64;

pub(super) enum SessionEnd {
    /// `close`, or every handle dropped.
    Stop,
    /// `disconnect`.
    Disconnected,
    /// `up_for`: how long it had been up, if it got there.
    Failed {
        failure: Failure,
        up_for: Option<Duration>,
    },
}

enum Control {
    Subscribe { topics: Vec<String>, again: bool },
    Unsubscribe(String),
    Disconnect,
}

/// The request rumqttc is working on.
enum Handed {
    Publish(Pending),
    Subscribe { topics: Vec<String>, again: bool },
    Unsubscribe,
    Disconnect,
}

struct Session {
    client: AsyncClient,
    /// The broker accepted the connection.
    connacked: bool,
    /// Connected and subscribed since then.
    up_since: Option<Instant>,
    /// SUBSCRIBE packets of the resubscription not yet answered.
    resubscribing: usize,
    control: VecDeque<Control>,
    handed: Option<Handed>,
    /// Sent SUBSCRIBEs by packet id: their topics, and whether they renew
    /// the subscriptions of an earlier connection.
    subscribed: HashMap<u16, (Vec<String>, bool)>,
    /// Set once a DISCONNECT is queued: how long to wait for it to go out.
    leave_by: Option<Instant>,
}

impl Worker {
    pub(super) async fn session(
        &mut self,
        attempt: Attempt,
        deadline: Option<Instant>,
    ) -> SessionEnd {
        self.set_connecting(attempt);
        let (client, mut event_loop) =
            AsyncClient::new(self.settings.mqtt_options(), HANDOFF_CAPACITY);
        event_loop.set_network_options(self.settings.network_options());
        let mut session = Session {
            client,
            connacked: false,
            up_since: None,
            resubscribing: 0,
            control: VecDeque::new(),
            handed: None,
            subscribed: HashMap::new(),
            leave_by: None,
        };
        let mut up_by = Instant::now() + self.settings.connect_timeout;
        if let Some(deadline) = deadline {
            up_by = up_by.min(deadline);
        }
        let end = loop {
            let polled = {
                let poll = event_loop.poll();
                tokio::pin!(poll);
                loop {
                    let timer = match (session.leave_by, session.up_since) {
                        (Some(leave_by), _) => Some(leave_by),
                        (None, None) => Some(up_by),
                        (None, Some(_)) => None,
                    };
                    let far = Instant::now() + Duration::from_secs(3600);
                    // While the outbox is full, publishers wait in the channel.
                    let busy = session.up_since.is_some() && self.outbox.is_full_while_up();
                    let takes_requests = !self.handles_gone && !busy;
                    tokio::select! {
                        polled = &mut poll => break Ok(polled),
                        request = self.requests.recv(), if takes_requests => {
                            // A stream dropped before this request was made
                            // is released before it is served.
                            while let Ok(topic) = self.released.try_recv() {
                                self.release(&topic, &mut session);
                            }
                            if let Some(end) = self.on_request(request, &mut session) {
                                break Err(end);
                            }
                        }
                        Some(topic) = self.released.recv() => self.release(&topic, &mut session),
                        _ = tokio::time::sleep_until(timer.unwrap_or(far)), if timer.is_some() => {
                            break Err(self.out_of_time(&session));
                        }
                    }
                    self.show_queue();
                }
            };
            match polled {
                Err(end) => break end,
                Ok(Err(error)) => {
                    break self.failed(Failure::new(error, session.connacked), &session)
                }
                Ok(Ok(event)) => {
                    if let Some(end) = self.on_event(event, &mut session, attempt) {
                        break end;
                    }
                }
            }
            self.show_queue();
        };
        self.outbox.connection_lost(match session.handed {
            Some(Handed::Publish(pending)) => Some(pending),
            _ => None,
        });
        self.routes.connection_lost();
        end
    }

    /// A peripheral's stream was dropped: unsubscribe if it was the last.
    fn release(&mut self, topic: &str, session: &mut Session) {
        if self.routes.release(topic) == Followup::Unsubscribe && session.connacked {
            session
                .control
                .push_back(Control::Unsubscribe(topic.to_string()));
            self.feed(session);
        }
    }

    fn on_request(
        &mut self,
        request: Option<Request>,
        session: &mut Session,
    ) -> Option<SessionEnd> {
        match self.serve(request, session.up_since.is_some(), session.connacked) {
            Asked::Nothing => {}
            Asked::Subscribe(topic) => session.control.push_back(Control::Subscribe {
                topics: vec![topic],
                again: false,
            }),
            Asked::Reconnect => {
                if session.up_since.is_some() {
                    self.went_up_already();
                }
            }
            Asked::Disconnect | Asked::Close => {
                if !session.connacked {
                    return Some(self.leaving());
                }
                if session.leave_by.is_none() {
                    session.control.push_front(Control::Disconnect);
                    session.leave_by = Some(Instant::now() + self.settings.connect_timeout);
                }
            }
        }
        self.feed(session);
        None
    }

    fn on_event(
        &mut self,
        event: Event,
        session: &mut Session,
        attempt: Attempt,
    ) -> Option<SessionEnd> {
        match event {
            Event::Incoming(Packet::ConnAck(_)) => {
                session.connacked = true;
                if self.wanted != Wanted::Connected {
                    session.control.push_front(Control::Disconnect);
                    session.leave_by = Some(Instant::now() + self.settings.connect_timeout);
                } else {
                    let topics = self.routes.topics();
                    for batch in topics.chunks(SUBSCRIBE_BATCH) {
                        session.control.push_back(Control::Subscribe {
                            topics: batch.to_vec(),
                            again: true,
                        });
                        session.resubscribing += 1;
                    }
                    if session.resubscribing == 0 {
                        session.up_since = Some(Instant::now());
                        self.went_up(attempt);
                    }
                }
            }
            Event::Outgoing(Outgoing::Subscribe(pkid)) => match session.handed.take() {
                Some(Handed::Subscribe { topics, again }) => {
                    session.subscribed.insert(pkid, (topics, again));
                }
                other => session.handed = other,
            },
            Event::Outgoing(Outgoing::Publish(pkid)) => match session.handed.take() {
                Some(Handed::Publish(pending)) => self.outbox.sent(pending, pkid),
                other => session.handed = other,
            },
            Event::Outgoing(Outgoing::Unsubscribe(_)) => {
                if matches!(session.handed, Some(Handed::Unsubscribe)) {
                    session.handed = None;
                }
            }
            Event::Outgoing(Outgoing::Disconnect) => return Some(self.leaving()),
            Event::Incoming(Packet::SubAck(ack)) => self.on_suback(&ack, session, attempt),
            Event::Incoming(Packet::PubAck(ack)) => self.outbox.acknowledged(ack.pkid),
            Event::Incoming(Packet::Publish(publish)) => {
                self.routes.dispatch(&publish.topic, &publish.payload)
            }
            _ => {}
        }
        self.feed(session);
        None
    }

    fn on_suback(&mut self, ack: &SubAck, session: &mut Session, attempt: Attempt) {
        let Some((topics, again)) = session.subscribed.remove(&ack.pkid) else {
            tracing::debug!(pkid = ack.pkid, "ignoring a SUBACK for no SUBSCRIBE");
            return;
        };
        for (index, topic) in topics.iter().enumerate() {
            let granted = ack
                .return_codes
                .get(index)
                .is_some_and(|code| *code != SubscribeReasonCode::Failure);
            if !granted {
                tracing::warn!(topic, "the MQTT broker rejected a subscription");
                self.emit(ConnectionEvent::SubscriptionRejected {
                    topic: topic.clone(),
                });
            }
            if !again && self.routes.acknowledged(topic, granted) == Followup::Unsubscribe {
                session
                    .control
                    .push_back(Control::Unsubscribe(topic.clone()));
            }
        }
        if again {
            session.resubscribing = session.resubscribing.saturating_sub(1);
            if session.resubscribing == 0 && session.up_since.is_none() {
                session.up_since = Some(Instant::now());
                self.went_up(attempt);
            }
        }
    }

    /// Hands rumqttc the next request when it has none: control packets
    /// first, then, once up, the oldest waiting message.
    fn feed(&mut self, session: &mut Session) {
        if session.handed.is_some() || !session.connacked {
            return;
        }
        let qos = rumqttc::QoS::from(self.settings.qos);
        if let Some(control) = session.control.pop_front() {
            let (sent, handed) = match control {
                Control::Subscribe { topics, again } => {
                    let filters = topics
                        .iter()
                        .map(|topic| SubscribeFilter::new(topic.clone(), qos));
                    let sent = session.client.try_subscribe_many(filters);
                    (sent, Handed::Subscribe { topics, again })
                }
                Control::Unsubscribe(topic) => {
                    (session.client.try_unsubscribe(topic), Handed::Unsubscribe)
                }
                Control::Disconnect => (session.client.try_disconnect(), Handed::Disconnect),
            };
            match sent {
                Ok(()) => session.handed = Some(handed),
                Err(error) => tracing::error!(%error, "rumqttc did not take a request"),
            }
            return;
        }
        if session.up_since.is_none() || self.wanted != Wanted::Connected {
            return;
        }
        let Some(pending) = self.outbox.next() else {
            return;
        };
        let message = &pending.message;
        let sent = session.client.try_publish(
            message.topic.clone(),
            rumqttc::QoS::from(message.qos),
            false,
            message.payload.to_vec(),
        );
        match sent {
            Ok(()) => session.handed = Some(Handed::Publish(pending)),
            Err(error) => {
                tracing::error!(%error, "rumqttc did not take a message; keeping it");
                self.outbox.connection_lost(Some(pending));
            }
        }
    }

    /// The connection ends because the caller asked.
    fn leaving(&self) -> SessionEnd {
        match self.wanted {
            Wanted::Closed => SessionEnd::Stop,
            _ => SessionEnd::Disconnected,
        }
    }

    fn failed(&self, failure: Failure, session: &Session) -> SessionEnd {
        if self.wanted != Wanted::Connected {
            return self.leaving();
        }
        SessionEnd::Failed {
            failure,
            up_for: session.up_since.map(|since| since.elapsed()),
        }
    }

    fn out_of_time(&self, session: &Session) -> SessionEnd {
        let timeout = self.settings.connect_timeout;
        self.failed(Failure::TimedOut { timeout }, session)
    }
}
