//! A provider's event (a webhook) applied exactly once: its id is recorded in the same
//! transaction as its effect, so a replay, a parallel delivery or a crash between the two
//! can neither apply it twice nor lose it (an event whose effect failed is not recorded,
//! and the provider sends it again).

use chrono::NaiveDateTime;

use super::completion::{Completion, apply_session_in};
use super::delayed_payment::async_payment_failed_in;
use super::disputes::dispute_in;
use super::refund_record::refund_event_in;
use super::session::{EventAction, ProviderEvent};
use crate::db::{Conn, webhook_events, write_transaction};
use crate::error::AppError;

/// What receiving an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// This event id was applied before: nothing changed.
    Replay,
    /// Applied now; a session event says what it did to its ticket.
    Applied(Option<Completion>),
}

/// Why the transaction ended without committing.
enum Stop {
    Replay,
    Failed(AppError),
}

impl From<diesel::result::Error> for Stop {
    fn from(error: diesel::result::Error) -> Stop {
        Stop::Failed(error.into())
    }
}

impl From<AppError> for Stop {
    fn from(error: AppError) -> Stop {
        Stop::Failed(error)
    }
}

/// Records the event and applies it, in one transaction. A parallel delivery of the same
/// event waits on the first one's record and then finds it (a replay).
pub fn apply_event(
    conn: &mut Conn,
    now: NaiveDateTime,
    event: &ProviderEvent,
) -> Result<EventOutcome, AppError> {
    let applied = write_transaction(conn, |c| -> Result<Option<Completion>, Stop> {
        // On PostgreSQL a duplicate id aborts the transaction: roll back at once.
        if !webhook_events::record(c, &event.id, &event.event_type, now)? {
            return Err(Stop::Replay);
        }
        match &event.action {
            EventAction::Session(session) => Ok(Some(apply_session_in(c, now, session)?)),
            EventAction::AsyncPaymentFailed(session) => {
                Ok(Some(async_payment_failed_in(c, now, session)?))
            }
            EventAction::Dispute(dispute) => {
                dispute_in(c, now, dispute)?;
                Ok(None)
            }
            EventAction::Refund(refund) => {
                refund_event_in(c, now, refund)?;
                Ok(None)
            }
            EventAction::ChargeRefunded { refunds, .. } => {
                for refund in refunds {
                    refund_event_in(c, now, refund)?;
                }
                Ok(None)
            }
            EventAction::Ignored => Ok(None),
        }
    });
    match applied {
        Ok(completion) => Ok(EventOutcome::Applied(completion)),
        Err(Stop::Replay) => Ok(EventOutcome::Replay),
        Err(Stop::Failed(error)) => Err(error),
    }
}
