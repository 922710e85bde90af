//! Sending money back through the provider: one payment (idempotently, then recorded),
//! an admin's refund of a ticket or of one payment, and the repair of money kept
//! without a ticket.

use super::AppState;
use crate::db::payments;
use crate::db::status::PaymentStatus;
use crate::domain::checkout::{self, KeptMoney};
use crate::error::AppError;

/// Refunds one payment in full at the provider (idempotently), then records it.
pub async fn refund(state: &AppState, payment_id: i32) -> Result<(), AppError> {
    let payment = state
        .db(move |conn| payments::find(conn, payment_id)?.ok_or(AppError::NotFound))
        .await?;
    if payment.status != PaymentStatus::RefundPending {
        return Ok(());
    }
    let refund_id = if payment.amount_pennies == 0 || payment.provider == "free" {
        "free".to_owned()
    } else {
        let reference = payment.provider_payment_id.clone().ok_or_else(|| {
            AppError::Internal(format!(
                "payment {payment_id} has no provider reference to refund"
            ))
        })?;
        let key = format!("boxoffice-refund-p{payment_id}");
        state
            .provider
            .refund(&reference, payment.amount_pennies, &key)
            .await
            .map_err(|error| {
                AppError::Unavailable(format!(
                    "The refund could not be made now ({error}); it will be retried."
                ))
            })?
    };
    let now = state.clock.now();
    state
        .db(move |conn| checkout::refund_done(conn, now, payment_id, &refund_id))
        .await
}

/// Refunds a paid ticket for an admin: the seat goes back on sale once the money does.
pub async fn refund_ticket(state: &AppState, ticket_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| checkout::request_refund(conn, now, ticket_id))
        .await?;
    refund(state, payment.id).await
}

/// Refunds one payment that kept money (an admin's button in the payments list): a
/// second payment, money kept for a cancelled or expired booking, a mismatched amount,
/// or the payment of a paid ticket (which refunds the ticket).
pub async fn refund_payment(state: &AppState, payment_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let payment = state
        .db(move |conn| checkout::request_payment_refund(conn, now, payment_id))
        .await?;
    refund(state, payment.id).await
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
    let found = state.db(checkout::money_kept_without_a_ticket).await?;
    let mut repairs = Vec::with_capacity(found.len());
    for candidate in found {
        let now = state.clock.now();
        let payment_id = candidate.payment_id;
        let Some(kept) = state
            .db(move |conn| checkout::return_kept_money(conn, now, payment_id))
            .await?
        else {
            continue;
        };
        let error = refund(state, payment_id).await.err().map(|e| e.to_string());
        repairs.push(Repair { kept, error });
    }
    Ok(repairs)
}
