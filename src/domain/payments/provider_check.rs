//! Whose turn it is to ask the payment provider about an attempt. A buyer reloading the
//! success page (on any instance) must not turn into one provider call per hit: the
//! attempt's row records when it was last asked about, and a guarded update lets one
//! caller per `PROVIDER_CHECK_INTERVAL` ask; the others show what the books say.

use chrono::{NaiveDateTime, TimeDelta};

use super::completion::Completion;
use crate::db::models::Payment;
use crate::db::status::PaymentStatus;
use crate::db::{Conn, Guarded, payment_attempts};
use crate::error::AppError;

/// One provider call per attempt per this long, however many pages ask, on all
/// instances together.
pub const PROVIDER_CHECK_INTERVAL: TimeDelta = TimeDelta::seconds(3);

/// What the success page may do about one of its buyer's attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// The books already know how the attempt ended: nothing to ask.
    Known(Completion),
    /// This request asks the provider (and applies what it says).
    Ask,
    /// Another request asked less than `PROVIDER_CHECK_INTERVAL` ago; its answer is
    /// on its way (or the webhook's): look again shortly.
    Wait,
}

/// The outcome the books know for an attempt that has ended, if it has.
pub fn known_outcome(payment: &Payment) -> Option<Completion> {
    let booking_id = payment.booking_id;
    match payment.status {
        PaymentStatus::Paid => Some(Completion::Confirmed { booking_id }),
        PaymentStatus::RefundPending | PaymentStatus::Refunded => {
            Some(Completion::Refunded { booking_id })
        }
        PaymentStatus::Mismatch => Some(Completion::Mismatch { booking_id }),
        PaymentStatus::Creating
        | PaymentStatus::Open
        | PaymentStatus::Processing
        | PaymentStatus::Failed
        | PaymentStatus::Expired => None,
    }
}

/// The success page's turn for `session_id`, one of `user_id`'s own attempts (anyone
/// else's reads as missing); with the ticket it is for.
pub fn buyer_turn(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    session_id: &str,
) -> Result<(i32, Turn), AppError> {
    let payment = payment_attempts::find_session_of_user(conn, session_id, user_id)?
        .ok_or(AppError::NotFound)?;
    if let Some(known) = known_outcome(&payment) {
        return Ok((payment.booking_id, Turn::Known(known)));
    }
    let turn = match take_turn(conn, now, payment.id)? {
        Guarded::Applied => Turn::Ask,
        Guarded::Lost => Turn::Wait,
    };
    Ok((payment.booking_id, turn))
}

/// Takes the turn to ask about an attempt (the success page, reconciliation): `Lost`
/// while someone else asked less than `PROVIDER_CHECK_INTERVAL` ago.
pub fn take_turn(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
) -> Result<Guarded, AppError> {
    Ok(payment_attempts::claim_provider_check(
        conn,
        payment_id,
        now,
        PROVIDER_CHECK_INTERVAL,
    )?)
}
