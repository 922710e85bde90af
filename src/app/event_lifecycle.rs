//! Cancelling an event (an admin's click that completes in the background through the
//! outbox), the refund job each paid booking gets, and the progress an admin sees.

use super::{AppState, refunds};
use crate::db::models::Event;
use crate::db::status::PaymentStatus;
use crate::db::{events, payment_attempts};
use crate::domain::catalogue::event_lifecycle::{self, Cancelled, RefundProgress};
use crate::domain::outbox::Outcome;
use crate::error::AppError;

/// Cancels an event: sales stop and holds end now; the mails and refunds follow.
pub async fn cancel(state: &AppState, event_id: i32) -> Result<Cancelled, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| event_lifecycle::cancel(conn, event_id, now))
        .await
}

/// An event with where its refunds stand.
pub async fn progress(
    state: &AppState,
    event_id: i32,
) -> Result<(Event, RefundProgress), AppError> {
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            Ok((event, event_lifecycle::progress(conn, event_id)?))
        })
        .await
}

/// The outbox job for one paid booking of a cancelled event: refunds it through the
/// existing refund use case (idempotent at the provider). Run again after a failure, it
/// finishes a refund already marked pending.
///
/// A transient fault (the payment service rate-limiting, down or refusing the API key,
/// or no database connection free) puts the job off without using up its attempts
/// (`Outcome::Deferred`): a long outage never makes a refund job dead. Only a real
/// refusal counts as a failed attempt.
pub async fn refund_booking(state: &AppState, booking_id: i32) -> Outcome {
    match refund_booking_once(state, booking_id).await {
        Ok(()) => Outcome::Delivered,
        Err(error @ AppError::Unavailable(_)) => Outcome::Deferred(error.to_string()),
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

async fn refund_booking_once(state: &AppState, booking_id: i32) -> Result<(), AppError> {
    // The organiser's decision covers every booking, those already at the door too.
    let reason = Some("the event was cancelled".to_owned());
    match refunds::refund_booking(state, booking_id, reason).await {
        // Done, or pending at the provider: its webhook or reconciliation settles it.
        Ok(_progress) => Ok(()),
        // Not paid (any more), or its refund is already under way: finish what is owed.
        Err(AppError::Conflict(_)) => {
            let pending = state
                .db(move |conn| Ok(payment_attempts::for_booking(conn, booking_id)?))
                .await?
                .into_iter()
                .filter(|p| p.status == PaymentStatus::RefundPending);
            for payment in pending {
                refunds::refund(state, payment.id).await?;
            }
            Ok(())
        }
        Err(error) => Err(error),
    }
}
