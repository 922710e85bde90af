//! A payment provider's webhook: the signature checked on the raw body, the event read,
//! recorded and applied in one transaction (`domain::payments::apply_event`), then any
//! money that must go back sent back.

use super::AppState;
use super::refunds::refund;
use crate::domain::payments::{self, Completion, EventOutcome};
use crate::error::AppError;
use crate::providers::{EventAction, signature, stripe_event};

/// What the provider is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Applied,
    AlreadyProcessed,
}

/// Receives one delivery. `NotFound` when no provider sends webhooks (the test
/// provider); `BadRequest` for a bad signature or an unreadable body, which changes
/// nothing.
pub async fn receive(
    state: &AppState,
    body: &[u8],
    signature_header: &str,
) -> Result<Receipt, AppError> {
    let Some(stripe) = &state.settings.stripe else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    if let Err(error) = signature::verify(
        body,
        signature_header,
        stripe.webhook_secret.expose(),
        now.and_utc().timestamp(),
    ) {
        log::warn!("webhook refused: {error}");
        return Err(AppError::BadRequest("invalid signature".into()));
    }
    let mut event = stripe_event::parse(body).map_err(|error| {
        log::warn!("webhook with a valid signature but unreadable body: {error}");
        AppError::BadRequest("unreadable event".into())
    })?;
    if let EventAction::ChargeRefunded {
        payment_reference,
        refunds,
    } = &mut event.action
    {
        // Unanswered, the provider sends the event again later.
        *refunds = state
            .provider
            .refunds_of(payment_reference)
            .await
            .map_err(|error| {
                log::warn!("listing the refunds of {payment_reference} failed: {error}");
                AppError::Unavailable("the payment service is unavailable".into())
            })?;
    }
    let outcome = state
        .db(move |conn| payments::apply_event(conn, now, &event))
        .await?;
    match outcome {
        EventOutcome::Replay => Ok(Receipt::AlreadyProcessed),
        EventOutcome::Applied(completion) => {
            if let Some(Completion::NeedsRefund { payment_id, .. }) = completion
                && let Err(error) = refund(state, payment_id).await
            {
                // Reconciliation retries it.
                log::warn!("refund of payment {payment_id} will be retried: {error}");
            }
            Ok(Receipt::Applied)
        }
    }
}
