//! Messages on their way to the broker: waiting (the offline queue, or
//! not yet handed to rumqttc) and in flight (QoS 1, sent but not yet
//! acknowledged). The task resends both after a lost connection, since
//! every connection starts a clean session.

use super::requests::{Message, Reply, ResendLedger};
use super::{MqttError, Qos};
use std::collections::VecDeque;
use std::sync::Arc;

pub(super) struct Pending {
    pub(super) message: Message,
    /// `None` once the caller has its answer (a queued message).
    reply: Option<Reply<()>>,
}

impl Pending {
    fn answer(&mut self, result: Result<(), MqttError>) {
        if let Some(reply) = self.reply.take() {
            // An error only means the caller stopped waiting.
            let _ = reply.send(result);
        }
    }
}

pub(super) struct Outbox {
    waiting: VecDeque<Pending>,
    /// In the order they were sent, with their packet ids.
    in_flight: VecDeque<(u16, Pending)>,
    /// Of the offline queue; 0 turns it off.
    capacity: usize,
}

/// How many messages may wait to be handed to rumqttc while connected
/// before the task stops taking requests, so that publishers wait.
pub(super) const MAX_WAITING_WHILE_UP: usize = 64;

impl Outbox {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            waiting: VecDeque::new(),
            in_flight: VecDeque::new(),
            capacity,
        }
    }

    /// Messages waiting for a connection or for their turn.
    pub(super) fn queued(&self) -> usize {
        self.waiting.len()
    }

    pub(super) fn is_full_while_up(&self) -> bool {
        self.waiting.len() >= MAX_WAITING_WHILE_UP
    }

    /// While connected: sent after the messages before it, answered when
    /// the broker has it.
    pub(super) fn push(&mut self, message: Message, reply: Reply<()>) {
        self.waiting.push_back(Pending {
            message,
            reply: Some(reply),
        });
    }

    /// While disconnected: queued and answered at once, or refused.
    pub(super) fn offer_offline(&mut self, message: Message, reply: Reply<()>) {
        let result = if self.capacity == 0 {
            Err(MqttError::NotConnected)
        } else if self.waiting.len() >= self.capacity {
            Err(MqttError::QueueFull {
                capacity: self.capacity,
            })
        } else {
            self.waiting.push_back(Pending {
                message,
                reply: None,
            });
            Ok(())
        };
        let _ = reply.send(result);
    }

    /// The next message to hand to rumqttc.
    pub(super) fn next(&mut self) -> Option<Pending> {
        self.waiting.pop_front()
    }

    /// rumqttc wrote `pending` to the connection as packet `pkid`.
    pub(super) fn sent(&mut self, mut pending: Pending, pkid: u16) {
        match pending.message.qos {
            Qos::AtMostOnce => pending.answer(Ok(())),
            Qos::AtLeastOnce => self.in_flight.push_back((pkid, pending)),
        }
    }

    /// The broker acknowledged packet `pkid` (PUBACK).
    pub(super) fn acknowledged(&mut self, pkid: u16) {
        match self.in_flight.iter().position(|(id, _)| *id == pkid) {
            Some(index) => {
                if let Some((_, mut pending)) = self.in_flight.remove(index) {
                    pending.answer(Ok(()));
                }
            }
            None => tracing::debug!(pkid, "ignoring a PUBACK for no message in flight"),
        }
    }

    /// The connection ended: what was in flight, then what was being
    /// handed over, go first next time, in their order. Their callers
    /// keep waiting (within their ack timeout).
    pub(super) fn connection_lost(&mut self, handed: Option<Pending>) {
        let mut again: Vec<Pending> = self.in_flight.drain(..).map(|(_, p)| p).collect();
        again.extend(handed);
        // The handed one may have been written too: counting it keeps the
        // count an upper bound of the duplicates.
        for pending in &again {
            if let Some(resent) = &pending.message.resent {
                resent.add();
            }
        }
        if !again.is_empty() {
            tracing::debug!(
                count = again.len(),
                "keeping messages the broker had not acknowledged for the next connection"
            );
        }
        for pending in again.into_iter().rev() {
            self.waiting.push_front(pending);
        }
    }

    /// Saves the resend counts of the waiting messages, once per store;
    /// called between connections, before any of them goes out again.
    pub(super) async fn save_resent(&self) {
        let mut ledgers: Vec<&Arc<dyn ResendLedger>> = Vec::new();
        for pending in &self.waiting {
            if let Some(ledger) = &pending.message.resent {
                if !ledgers.iter().any(|seen| Arc::ptr_eq(seen, ledger)) {
                    ledgers.push(ledger);
                }
            }
        }
        for ledger in ledgers {
            ledger.save().await;
        }
    }

    /// The task ends: every caller still waiting gets `error`.
    pub(super) fn close(&mut self, error: impl Fn() -> MqttError) {
        let in_flight = self.in_flight.drain(..).map(|(_, pending)| pending);
        for mut pending in in_flight.chain(self.waiting.drain(..)) {
            pending.answer(Err(error()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicU64, Ordering};
    use tokio::sync::oneshot;

    fn message(n: u8, qos: Qos) -> Message {
        Message {
            topic: format!("t/{n}"),
            qos,
            payload: Bytes::from(vec![n]),
            resent: None,
        }
    }

    #[test]
    fn qos1_is_answered_at_its_own_puback_in_any_order() {
        let mut outbox = Outbox::new(0);
        let (first_reply, mut first) = oneshot::channel();
        let (second_reply, mut second) = oneshot::channel();
        outbox.push(message(1, Qos::AtLeastOnce), first_reply);
        outbox.push(message(2, Qos::AtLeastOnce), second_reply);
        let one = outbox.next().expect("first");
        outbox.sent(one, 7);
        let two = outbox.next().expect("second");
        outbox.sent(two, 8);
        assert!(first.try_recv().is_err() && second.try_recv().is_err());
        outbox.acknowledged(8);
        assert!(matches!(second.try_recv(), Ok(Ok(()))));
        assert!(first.try_recv().is_err());
        outbox.acknowledged(7);
        assert!(matches!(first.try_recv(), Ok(Ok(()))));
    }

    #[test]
    fn unacknowledged_messages_go_first_after_a_lost_connection() {
        let mut outbox = Outbox::new(4);
        let (reply, _answer) = oneshot::channel();
        outbox.push(message(1, Qos::AtLeastOnce), reply);
        let (reply, _answer2) = oneshot::channel();
        outbox.push(message(2, Qos::AtMostOnce), reply);
        let (reply, _answer3) = oneshot::channel();
        outbox.push(message(3, Qos::AtMostOnce), reply);
        let one = outbox.next().expect("first");
        outbox.sent(one, 1);
        let handed = outbox.next();
        outbox.connection_lost(handed);
        let order: Vec<String> = std::iter::from_fn(|| outbox.next())
            .map(|pending| pending.message.topic)
            .collect();
        assert_eq!(order, ["t/1", "t/2", "t/3"]);
    }

    #[derive(Default)]
    struct Ledger {
        added: AtomicU64,
        saved: AtomicU64,
    }

    impl ResendLedger for Ledger {
        fn add(&self) {
            self.added.fetch_add(1, Ordering::Relaxed);
        }

        fn save(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            let count = self.added.swap(0, Ordering::Relaxed);
            Box::pin(async move {
                self.saved.fetch_add(count, Ordering::Relaxed);
            })
        }
    }

    #[tokio::test]
    async fn what_a_lost_connection_sends_again_is_counted_once_per_store_and_saved() {
        let ledger = Arc::new(Ledger::default());
        let other = Arc::new(Ledger::default());
        let mut outbox = Outbox::new(4);
        let mut answers = Vec::new();
        for (n, resent) in [
            (1, Some(ledger.clone() as Arc<dyn ResendLedger>)),
            (2, Some(ledger.clone() as Arc<dyn ResendLedger>)),
            (3, None),
            (4, Some(other.clone() as Arc<dyn ResendLedger>)),
        ] {
            let (reply, answer) = oneshot::channel();
            answers.push(answer);
            let message = Message {
                resent,
                ..message(n, Qos::AtLeastOnce)
            };
            outbox.push(message, reply);
        }
        for pkid in 1..=2 {
            let pending = outbox.next().expect("a message");
            outbox.sent(pending, pkid);
        }
        // In flight: the first three; the fourth handed to rumqttc, so
        // maybe written. The third is no store's.
        let third = outbox.next().expect("the third");
        outbox.sent(third, 3);
        let handed = outbox.next();
        outbox.connection_lost(handed);
        outbox.save_resent().await;
        assert_eq!(ledger.saved.load(Ordering::Relaxed), 2);
        assert_eq!(other.saved.load(Ordering::Relaxed), 1);
        outbox.save_resent().await;
        assert_eq!(ledger.saved.load(Ordering::Relaxed), 2, "saved once");
    }

    #[test]
    fn the_offline_queue_answers_at_once_and_has_a_limit() {
        let mut outbox = Outbox::new(1);
        let (reply, mut answer) = oneshot::channel();
        outbox.offer_offline(message(1, Qos::AtMostOnce), reply);
        assert!(matches!(answer.try_recv(), Ok(Ok(()))));
        let (reply, mut answer) = oneshot::channel();
        outbox.offer_offline(message(2, Qos::AtMostOnce), reply);
        assert!(matches!(
            answer.try_recv(),
            Ok(Err(MqttError::QueueFull { capacity: 1 }))
        ));
        assert_eq!(outbox.queued(), 1);
        let (reply, mut answer) = oneshot::channel();
        Outbox::new(0).offer_offline(message(3, Qos::AtMostOnce), reply);
        assert!(matches!(
            answer.try_recv(),
            Ok(Err(MqttError::NotConnected))
        ));
    }
}
