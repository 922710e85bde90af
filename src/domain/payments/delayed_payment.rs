//! Delayed payment methods (a bank debit, say): a session that completes before its
//! money arrives leaves the attempt `processing`; Stripe's
//! `checkout.session.async_payment_succeeded` then confirms it through the paid path
//! (with the late-payment rules if the hold lapsed meanwhile), and
//! `checkout.session.async_payment_failed` closes it, so the user may pay again.

use chrono::NaiveDateTime;

use super::completion::{Completion, attempt_of_locked};
use super::session::SessionState;
use crate::db::models::Payment;
use crate::db::status::PaymentStatus;
use crate::db::{Conn, Guarded, payment_attempts};
use crate::error::AppError;

pub const PROCESSING: &str =
    "the payment is being processed (a bank debit or another delayed method)";
pub const ASYNC_FAILED: &str = "the delayed payment failed at the bank";
pub const NOTHING_CHARGED: &str =
    "the session completed with no payment required: nothing was charged";

/// A session completed unpaid, under the ticket's lock: `processing` while the money is
/// on its way; a session that needed no payment (never offered by this shop: its prices
/// are above Stripe's minimum) charged nothing, so its attempt is closed.
pub(super) fn completed_unpaid(
    c: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
    payment: &Payment,
    booking_id: i32,
) -> Result<Completion, AppError> {
    if session.no_payment_required {
        log::error!(
            "payment {}: session {} completed with no payment required",
            payment.id,
            session.id
        );
        let _closed: Guarded = payment_attempts::transition(
            c,
            payment.id,
            &[PaymentStatus::Creating, PaymentStatus::Open],
            PaymentStatus::Failed,
            Some(NOTHING_CHARGED),
            now,
        )?;
        return Ok(Completion::PaymentFailed { booking_id });
    }
    let _moved: Guarded = payment_attempts::transition(
        c,
        payment.id,
        &[PaymentStatus::Creating, PaymentStatus::Open],
        PaymentStatus::Processing,
        Some(PROCESSING),
        now,
    )?;
    Ok(Completion::Processing { booking_id })
}

/// `checkout.session.async_payment_failed`, inside the event's transaction.
pub(super) fn async_payment_failed_in(
    c: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
) -> Result<Completion, AppError> {
    let Some((payment, booking)) = attempt_of_locked(c, now, session)? else {
        return Ok(Completion::Unknown);
    };
    let closed = payment_attempts::transition(
        c,
        payment.id,
        &[
            PaymentStatus::Creating,
            PaymentStatus::Open,
            PaymentStatus::Processing,
        ],
        PaymentStatus::Failed,
        Some(ASYNC_FAILED),
        now,
    )?;
    if closed == Guarded::Lost {
        log::warn!(
            "payment {}: an async failure for an attempt already {}",
            payment.id,
            payment.status
        );
    }
    Ok(Completion::PaymentFailed {
        booking_id: booking.id,
    })
}
