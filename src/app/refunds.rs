//! Sending money back through the provider: one payment (idempotently, then recorded),
//! an admin's refund of a ticket or of one payment, and the repair of money kept
//! without a ticket.

use super::AppState;
use crate::db::Guarded;
use crate::domain::payments::{self, KeptMoney, RefundStep};
use crate::error::AppError;
use crate::providers::{Fault, ProviderError, ProviderRefund, RefundState};

/// How far a refund got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundProgress {
    /// The money is back (or nothing was owed).
    Done,
    /// The provider accepted it; the books settle when it succeeds (its webhook, or
    /// reconciliation).
    Pending,
}

/// A refund the provider could not make now (a transient fault): it stays owed, under
/// its key, and is retried (reconciliation, or the job that asked for it).
fn retry_later(error: ProviderError) -> AppError {
    AppError::Unavailable(format!(
        "The refund could not be made now ({error}); it will be retried."
    ))
}

/// Sends one payment's money back through the provider, exactly once: the refund's own
/// stored key makes a resend return the first refund; after a 5xx (which Stripe replays
/// under that key) the refund is first looked up at the provider, and only a refund
/// not found there is sent again under a new key.
///
/// Only the provider's real refusal fails a refund (`Fault::Refused`, or a refund it
/// reports `failed`). A rate limit, a rejected API key, an outage or a time-out is
/// transient: the refund stays requested and the answer is `AppError::Unavailable`.
pub async fn refund(state: &AppState, payment_id: i32) -> Result<RefundProgress, AppError> {
    let now = state.clock.now();
    let step = state
        .db(move |conn| payments::next_refund_step(conn, now, payment_id))
        .await?;
    carry_out(state, step).await
}

/// Sends one refund of seats given back (`payments::give_back_seats`), exactly once, as
/// `refund` does a payment's.
pub async fn refund_part(state: &AppState, refund_id: i32) -> Result<RefundProgress, AppError> {
    let step = state
        .db(move |conn| payments::next_part_step(conn, refund_id))
        .await?;
    carry_out(state, step).await
}

/// Takes one refund step: settles a free one, asks about or sends one at the provider.
async fn carry_out(state: &AppState, step: RefundStep) -> Result<RefundProgress, AppError> {
    let now = state.clock.now();
    let (refund, reference) = match step {
        RefundStep::Nothing => return Ok(RefundProgress::Done),
        RefundStep::Free { payment_id } => {
            state
                .db(move |conn| payments::refund_done(conn, now, payment_id, "free"))
                .await?;
            return Ok(RefundProgress::Done);
        }
        RefundStep::Failed(refund) => {
            return Err(AppError::Conflict(format!(
                "The payment service failed this refund ({}); the money is still owed back. Retry it, or return it another way.",
                refund
                    .failure_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            )));
        }
        RefundStep::Check {
            refund,
            provider_id,
        } => {
            let answer = state
                .provider
                .retrieve_refund(&provider_id)
                .await
                .map_err(retry_later)?;
            return answered(state, refund.id, answer).await;
        }
        RefundStep::LookUp { refund, reference } => {
            let found = state
                .provider
                .refunds_of(&reference)
                .await
                .map_err(retry_later)?;
            if let Some(answer) = found.into_iter().find(|r| r.refund_row == Some(refund.id)) {
                return answered(state, refund.id, answer).await;
            }
            let id = refund.id;
            let rekeyed = state
                .db(move |conn| payments::refund_rekeyed(conn, now, id))
                .await?;
            (rekeyed, reference)
        }
        RefundStep::Send { refund, reference } => (refund, reference),
    };
    let key = refund.idempotency_key.clone().ok_or_else(|| {
        AppError::Internal(format!("refund {} has no idempotency key", refund.id))
    })?;
    let id = refund.id;
    let error = match state
        .provider
        .refund(&reference, refund.amount_pennies, &key, id)
        .await
    {
        Ok(answer) => return answered(state, id, answer).await,
        Err(error) => error,
    };
    match error.fault() {
        // Nothing happened, or nobody knows: the refund stays `requested` under its key,
        // and the next try resends it (Stripe answers a resend with the first refund).
        Fault::Transient => {
            log::warn!("refund {id} will be retried: {error}");
            Err(retry_later(error))
        }
        Fault::KeySpoilt => {
            let reason = error.to_string();
            let _marked: Guarded = state
                .db(move |conn| payments::refund_unsure(conn, now, id, &reason))
                .await?;
            Err(retry_later(error))
        }
        Fault::Refused => {
            // Refused: perhaps it was refunded already (in the dashboard, say). A lookup
            // that cannot be made now leaves the refund owed, to be tried again.
            let found = match state.provider.refunds_of(&reference).await {
                Ok(found) => found,
                Err(lookup) if lookup.fault() == Fault::Refused => Vec::new(),
                Err(lookup) => return Err(retry_later(lookup)),
            };
            if let Some(done) = found
                .into_iter()
                .find(|r| r.state == RefundState::Succeeded && r.amount >= refund.amount_pennies)
            {
                return answered(state, id, done).await;
            }
            let reason = error.to_string();
            let _marked: Guarded = state
                .db(move |conn| payments::refund_refused(conn, now, id, &reason))
                .await?;
            Err(AppError::Conflict(format!(
                "The payment service refused the refund ({error}); the money is still owed back."
            )))
        }
    }
}

async fn answered(
    state: &AppState,
    refund_id: i32,
    answer: ProviderRefund,
) -> Result<RefundProgress, AppError> {
    let now = state.clock.now();
    let refund_state = state
        .db(move |conn| payments::refund_answered(conn, now, refund_id, &answer))
        .await?;
    match refund_state {
        RefundState::Succeeded => Ok(RefundProgress::Done),
        RefundState::Pending => Ok(RefundProgress::Pending),
        RefundState::Failed => Err(AppError::Conflict(
            "The payment service failed the refund; the money is still owed back.".into(),
        )),
    }
}

/// Refunds a paid ticket for an admin: the seat goes back on sale once the money does.
/// `reason` is kept with the refund; a booking with a seat checked in needs one.
pub async fn refund_booking(
    state: &AppState,
    booking_id: i32,
    reason: Option<String>,
) -> Result<RefundProgress, AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| payments::request_refund(conn, now, booking_id, reason.as_deref()))
        .await?;
    refund(state, payment.id).await
}

/// Refunds the buyer's own paid booking at their request, where its event allows it;
/// the seats go back on sale once the money does.
pub async fn refund_for_buyer(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<RefundProgress, AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| payments::request_buyer_refund(conn, now, user_id, booking_id))
        .await?;
    refund(state, payment.id).await
}

/// Refunds one payment that kept money (an admin's button in the payments list): a
/// second payment, money kept for a cancelled or expired booking, a mismatched amount,
/// or the payment of a paid ticket (which refunds the ticket, and so needs a reason
/// when a seat of it was checked in).
pub async fn refund_payment(
    state: &AppState,
    payment_id: i32,
    reason: Option<String>,
) -> Result<RefundProgress, AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| payments::request_payment_refund(conn, now, payment_id, reason.as_deref()))
        .await?;
    refund(state, payment.id).await
}

/// Of the bookings `ticket_ids`, those with a seat checked in (an admin's refund of one
/// asks for a reason).
pub async fn checked_in_bookings(
    state: &AppState,
    booking_ids: Vec<i32>,
) -> Result<std::collections::HashSet<i32>, AppError> {
    state
        .db(move |conn| {
            Ok(
                crate::db::admissions::checked_in_bookings(conn, &booking_ids)?
                    .into_iter()
                    .collect(),
            )
        })
        .await
}

/// What `check --repair` did about one payment that kept money without a ticket.
#[derive(Debug)]
pub struct Repair {
    pub kept: KeptMoney,
    /// `None` when the refund was made; otherwise why it is still owed (reconciliation
    /// retries it).
    pub error: Option<String>,
}

/// Finds every payment that keeps money without a ticket to show for it and refunds it
/// through the provider (idempotently, like every refund); reports each one.
pub async fn repair_kept_money(state: &AppState) -> Result<Vec<Repair>, AppError> {
    let found = state.db(payments::money_kept_without_a_ticket).await?;
    let mut repairs = Vec::with_capacity(found.len());
    for candidate in found {
        let now = state.clock.now();
        let payment_id = candidate.payment_id;
        let Some(kept) = state
            .db(move |conn| payments::return_kept_money(conn, now, payment_id))
            .await?
        else {
            continue;
        };
        let error = refund(state, payment_id).await.err().map(|e| e.to_string());
        repairs.push(Repair { kept, error });
    }
    Ok(repairs)
}
