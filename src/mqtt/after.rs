//! What follows the end of a connection: retry after a wait, report to
//! `connect` or `reconnect` callers, go idle, or stop.

use super::failure::Failure;
use super::session::SessionEnd;
use super::worker::{Attempt, Phase, Wanted, Worker};
use super::{ConnectionEvent, ConnectionStatus, DisconnectReason};
use tokio::time::Instant;

impl Worker {
    /// Decides what follows a connection's end.
    pub(super) fn after_session(
        &mut self,
        end: SessionEnd,
        attempt: Attempt,
        deadline: Option<Instant>,
    ) -> Phase {
        let broker = self.settings.broker.clone();
        let (failure, up_for) = match end {
            SessionEnd::Stop => return Phase::Stop,
            SessionEnd::Disconnected => {
                tracing::info!(%broker, "disconnected from the MQTT broker as requested");
                return self.now_disconnected();
            }
            SessionEnd::Failed { failure, up_for } => (failure, up_for),
        };
        if let Some(up_for) = up_for {
            self.reconnects.connection_ended(up_for);
            let message = failure.message();
            tracing::warn!(%broker, error = %message, ?up_for, "lost the MQTT connection");
            if self.wanted == Wanted::Connected {
                self.set_status(ConnectionStatus::Reconnecting);
            }
            self.emit(ConnectionEvent::Disconnected {
                reason: DisconnectReason::ConnectionLost { message },
            });
        } else if matches!(failure, Failure::Tls { .. }) {
            // Retried only when reconnecting on its own; worth a warning.
            tracing::warn!(%broker, error = %failure.message(), ?attempt, "MQTT TLS handshake failed");
        } else {
            tracing::info!(%broker, error = %failure.message(), ?attempt, "MQTT connection attempt failed");
        }
        match self.wanted {
            Wanted::Closed => return Phase::Stop,
            Wanted::Disconnected => return self.now_disconnected(),
            Wanted::Connected => {}
        }
        if up_for.is_some() {
            return self.retry(Attempt::Automatic, None);
        }
        match attempt {
            Attempt::Automatic => {
                // Only `reconnect()` calls made while reconnecting wait here.
                self.answer_waiters(|| failure.to_error(&broker));
                if let Failure::Refused { code } = failure {
                    if failure.is_permanent_refusal() {
                        return self.refused(code);
                    }
                }
                self.retry(Attempt::Automatic, None)
            }
            Attempt::First | Attempt::Requested => {
                let timed_out = matches!(failure, Failure::TimedOut { .. });
                let out_of_time = deadline.is_some_and(|deadline| Instant::now() >= deadline);
                if !(failure.ends_a_requested_connection() || timed_out || out_of_time) {
                    self.last_failure = Some(failure);
                    return self.retry(attempt, deadline);
                }
                // Report what went wrong rather than the timeout.
                let report = match (timed_out, self.last_failure.take()) {
                    (true, Some(earlier)) => earlier,
                    _ => failure,
                };
                self.answer_waiters(|| report.to_error(&broker));
                if attempt == Attempt::First {
                    return Phase::Stop;
                }
                self.wanted = Wanted::Disconnected;
                self.set_status(ConnectionStatus::Disconnected);
                Phase::Idle
            }
        }
    }

    fn retry(&mut self, attempt: Attempt, deadline: Option<Instant>) -> Phase {
        if attempt == Attempt::Automatic && self.connected_before {
            self.set_status(ConnectionStatus::Reconnecting);
        }
        Phase::Wait { attempt, deadline }
    }

    fn refused(&mut self, code: u8) -> Phase {
        let reason = super::error::refusal_reason(code).to_string();
        tracing::error!(broker = %self.settings.broker, code, %reason, "the MQTT broker refused to reconnect; giving up");
        self.snapshot
            .send_modify(|snapshot| snapshot.refusal = Some((code, reason.clone())));
        self.emit(ConnectionEvent::Disconnected {
            reason: DisconnectReason::Refused { code, reason },
        });
        Phase::Stop
    }

    pub(super) fn now_disconnected(&mut self) -> Phase {
        self.set_status(ConnectionStatus::Disconnected);
        self.emit(ConnectionEvent::Disconnected {
            reason: DisconnectReason::Requested,
        });
        Phase::Idle
    }
}
