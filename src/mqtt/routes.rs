//! Command topics: who listens to each, which subscriptions wait for the
//! broker, and handing incoming commands to their streams.

use super::requests::Reply;
use super::MqttError;
use crate::types::DeviceCommand;
use std::collections::BTreeMap;
use tokio::sync::broadcast;

type Receiver = broadcast::Receiver<DeviceCommand>;

struct Route {
    sender: broadcast::Sender<DeviceCommand>,
    /// Callers waiting for the broker's SUBACK, each with a receiver made
    /// when it asked, so that commands arriving meanwhile are kept.
    waiting: Vec<(Reply<Receiver>, Receiver)>,
    /// A SUBSCRIBE for it went out on this connection and is not answered.
    subscribing: bool,
}

pub(super) struct Routes {
    routes: BTreeMap<String, Route>,
    /// The device's own topic: always subscribed, never released.
    own: String,
    capacity: usize,
}

/// What the task has to send after a change.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Followup {
    Nothing,
    Subscribe,
    Unsubscribe,
}

impl Routes {
    /// `own` is the device's topic, fed by `sender`; streams of other
    /// topics keep `capacity` commands.
    pub(super) fn new(
        own: String,
        sender: broadcast::Sender<DeviceCommand>,
        capacity: usize,
    ) -> Self {
        let mut routes = BTreeMap::new();
        routes.insert(
            own.clone(),
            Route {
                sender,
                waiting: Vec::new(),
                subscribing: false,
            },
        );
        Self {
            routes,
            own,
            capacity,
        }
    }

    /// Every topic, to subscribe after a CONNACK.
    pub(super) fn topics(&self) -> Vec<String> {
        self.routes.keys().cloned().collect()
    }

    /// A caller wants `topic`'s commands. `connected`: a SUBSCRIBE can go
    /// out now (and is then answered at its SUBACK); otherwise the caller
    /// is answered at once and the topic is subscribed on reconnection.
    pub(super) fn subscribe(
        &mut self,
        topic: String,
        reply: Reply<Receiver>,
        connected: bool,
    ) -> Followup {
        if let Some(route) = self.routes.get_mut(&topic) {
            let receiver = route.sender.subscribe();
            if route.subscribing {
                route.waiting.push((reply, receiver));
            } else {
                let _ = reply.send(Ok(receiver));
            }
            return Followup::Nothing;
        }
        let (sender, receiver) = broadcast::channel(self.capacity);
        let mut route = Route {
            sender,
            waiting: Vec::new(),
            subscribing: connected,
        };
        let followup = if connected {
            route.waiting.push((reply, receiver));
            Followup::Subscribe
        } else {
            let _ = reply.send(Ok(receiver));
            Followup::Nothing
        };
        self.routes.insert(topic, route);
        followup
    }

    /// The broker answered the SUBSCRIBE of a topic a caller asked for.
    /// A rejected topic is forgotten; a granted one whose every caller gave
    /// up is released again.
    pub(super) fn acknowledged(&mut self, topic: &str, granted: bool) -> Followup {
        let Some(route) = self.routes.get_mut(topic) else {
            return Followup::Nothing;
        };
        route.subscribing = false;
        let waiting = std::mem::take(&mut route.waiting);
        if !granted {
            for (reply, _) in waiting {
                let _ = reply.send(Err(MqttError::SubscriptionRejected {
                    topic: topic.to_string(),
                }));
            }
            if topic != self.own {
                self.routes.remove(topic);
            }
            return Followup::Nothing;
        }
        for (reply, receiver) in waiting {
            // A refused send drops the receiver: that caller gave up.
            let _ = reply.send(Ok(receiver));
        }
        self.release(topic)
    }

    /// The last stream of `topic` may be gone: if nobody listens and no
    /// SUBSCRIBE is in flight, the route goes and the topic should be
    /// unsubscribed.
    pub(super) fn release(&mut self, topic: &str) -> Followup {
        if topic == self.own {
            return Followup::Nothing;
        }
        match self.routes.get(topic) {
            Some(route) if !route.subscribing && route.sender.receiver_count() == 0 => {
                self.routes.remove(topic);
                Followup::Unsubscribe
            }
            _ => Followup::Nothing,
        }
    }

    /// The connection ended before the broker answered: callers get their
    /// streams now, and the topics are subscribed on reconnection.
    pub(super) fn connection_lost(&mut self) {
        for route in self.routes.values_mut() {
            route.subscribing = false;
            for (reply, receiver) in route.waiting.drain(..) {
                let _ = reply.send(Ok(receiver));
            }
        }
    }

    /// Hands an incoming message to the streams of its topic.
    pub(super) fn dispatch(&self, topic: &str, payload: &[u8]) {
        let Some(route) = self.routes.get(topic) else {
            tracing::debug!(topic, "ignoring a message on a topic nobody listens to");
            return;
        };
        match crate::error::decode_json::<DeviceCommand>(payload) {
            // An error only means no stream is open right now.
            Ok(command) => drop(route.sender.send(command)),
            Err(error) => tracing::warn!(
                topic,
                %error,
                "ignoring a command that is not a JSON object with a name"
            ),
        }
    }

    /// The task ends: callers get `error`, streams end.
    pub(super) fn close(&mut self, error: impl Fn() -> MqttError) {
        for (_, route) in std::mem::take(&mut self.routes) {
            for (reply, _) in route.waiting {
                let _ = reply.send(Err(error()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    fn routes() -> (Routes, Receiver) {
        let (sender, own) = broadcast::channel(4);
        (Routes::new("own".into(), sender, 4), own)
    }

    #[test]
    fn subscriptions_are_answered_by_topic_whatever_the_order() {
        let (mut routes, _own) = routes();
        let (a_reply, mut a) = oneshot::channel();
        let (b_reply, mut b) = oneshot::channel();
        assert_eq!(
            routes.subscribe("a".into(), a_reply, true),
            Followup::Subscribe
        );
        assert_eq!(
            routes.subscribe("b".into(), b_reply, true),
            Followup::Subscribe
        );
        assert_eq!(routes.acknowledged("b", false), Followup::Nothing);
        assert!(matches!(
            b.try_recv(),
            Ok(Err(MqttError::SubscriptionRejected { topic })) if topic == "b"
        ));
        assert!(a.try_recv().is_err(), "a is still waiting");
        assert_eq!(routes.acknowledged("a", true), Followup::Nothing);
        assert!(matches!(a.try_recv(), Ok(Ok(_))));
        assert_eq!(routes.topics(), ["a", "own"]);
    }

    #[test]
    fn the_last_stream_gone_releases_a_peripheral_but_never_the_device() {
        let (mut routes, own) = routes();
        let (reply, mut answer) = oneshot::channel();
        routes.subscribe("p".into(), reply, false);
        let receiver = answer.try_recv().expect("answered").expect("a receiver");
        assert_eq!(routes.release("p"), Followup::Nothing, "still listened to");
        drop(receiver);
        assert_eq!(routes.release("p"), Followup::Unsubscribe);
        assert_eq!(routes.topics(), ["own"]);
        drop(own);
        assert_eq!(routes.release("own"), Followup::Nothing);
    }

    #[test]
    fn a_subscription_nobody_waits_for_any_more_is_released_at_its_suback() {
        let (mut routes, _own) = routes();
        let (reply, answer) = oneshot::channel();
        routes.subscribe("p".into(), reply, true);
        drop(answer);
        assert_eq!(
            routes.release("p"),
            Followup::Nothing,
            "SUBSCRIBE in flight"
        );
        assert_eq!(routes.acknowledged("p", true), Followup::Unsubscribe);
    }
}
