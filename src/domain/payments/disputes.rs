//! Disputes (chargebacks): recorded on the payment they dispute and shown to admins; the
//! ticket keeps working while a dispute is open or won, and a lost dispute voids the
//! booking as a refund would (the bank took the money back), seats back on sale.

use chrono::NaiveDateTime;

use super::refund::refund_done_in;
use super::session::{DisputeOutcome, ProviderDispute};
use crate::db::{Conn, bookings, payment_attempts};
use crate::error::AppError;

/// A dispute event, inside the event's transaction.
pub(super) fn dispute_in(
    c: &mut Conn,
    now: NaiveDateTime,
    dispute: &ProviderDispute,
) -> Result<(), AppError> {
    let Some(payment) = payment_attempts::find_by_provider_payment(c, &dispute.payment_reference)?
    else {
        log::warn!(
            "dispute {} of unknown payment {}",
            dispute.id,
            dispute.payment_reference
        );
        return Ok(());
    };
    bookings::lock(c, payment.booking_id)?.ok_or(AppError::NotFound)?;
    payment_attempts::record_dispute(c, payment.id, &dispute.id, dispute.outcome.as_str(), now)?;
    log::warn!(
        "payment {}: dispute {} is {}",
        payment.id,
        dispute.id,
        dispute.outcome.as_str()
    );
    if dispute.outcome == DisputeOutcome::Lost {
        refund_done_in(c, now, payment.id, &format!("dispute {}", dispute.id))?;
    }
    Ok(())
}
