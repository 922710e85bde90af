//! One refund's lifecycle in the books: a row with its own random key, opened in the same
//! transaction that decides money must go back, then moved by what the provider says of
//! it (accepted, succeeded, failed) under the ticket's lock. A succeeded refund settles
//! its payment, and its ticket, through `refund_done_in`; a refund of seats given back
//! (`seats`, `give_back`) settles only itself: its payment stays paid.

use chrono::NaiveDateTime;

use super::refund::refund_done_in;
use super::session::{ProviderRefund, RefundState};
use crate::db::models::{NewRefund, Payment, Refund};
use crate::db::status::{PaymentStatus, RefundStatus};
use crate::db::{Conn, Guarded, bookings, payment_attempts, refunds, write_transaction};
use crate::domain::payments::idempotency_key::fresh_key;
use crate::error::AppError;

/// States in which a refund may still change at the provider.
const OPEN: [RefundStatus; 3] = [
    RefundStatus::Requested,
    RefundStatus::Unsure,
    RefundStatus::Pending,
];

/// Opens a refund of what the payment still keeps (all of it, less the refunds of seats
/// given back from it), inside the caller's transaction.
pub(super) fn open(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment: &Payment,
    reason: &str,
) -> Result<Refund, AppError> {
    let remaining = super::give_back::still_kept(conn, payment)?;
    open_part(conn, now, payment, remaining, reason)
}

/// Opens a refund of `amount_pennies` of the payment (a resold booking's seller gets the
/// resale price minus the shop's fee back), inside the caller's transaction.
pub(crate) fn open_part(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment: &Payment,
    amount_pennies: i64,
    reason: &str,
) -> Result<Refund, AppError> {
    if amount_pennies < 0 || amount_pennies > payment.amount_pennies {
        return Err(AppError::Internal(format!(
            "payment {}: a refund of {amount_pennies} of {}",
            payment.id, payment.amount_pennies
        )));
    }
    let key = fresh_key("refund");
    Ok(refunds::insert(
        conn,
        &NewRefund {
            payment_id: payment.id,
            amount_pennies,
            currency: &payment.currency,
            idempotency_key: Some(&key),
            provider_refund_id: None,
            status: RefundStatus::Requested,
            reason,
            created_at: now,
            updated_at: now,
            seats: None,
        },
    )?)
}

/// What sending a payment's money back needs next.
#[derive(Debug)]
pub enum RefundStep {
    /// Nothing is owed (already refunded, or never taken).
    Nothing,
    /// A free ticket: nothing to send, only the books of this payment to settle.
    Free { payment_id: i32 },
    /// Send (or resend, under its key) this refund of the payment `reference`.
    Send { refund: Refund, reference: String },
    /// A 5xx answered this refund's key: find it at the provider before a new key.
    LookUp { refund: Refund, reference: String },
    /// The provider accepted it; ask how it stands.
    Check { refund: Refund, provider_id: String },
    /// The provider failed it: an admin must decide (retry, or settle another way).
    Failed(Refund),
}

/// Decides the next step for a payment owed back; a payment marked for refund before
/// refunds had rows of their own gets its row now.
pub fn next_refund_step(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
) -> Result<RefundStep, AppError> {
    write_transaction(conn, |c| {
        let payment = payment_attempts::find(c, payment_id)?.ok_or(AppError::NotFound)?;
        if payment.status == PaymentStatus::Paid {
            // A payment that stays paid may owe the refund of seats given back from it.
            let owed = refunds::parts_of(c, &[payment_id])?
                .into_iter()
                .find(|refund| refund.status != RefundStatus::Succeeded);
            return match owed {
                Some(refund) => part_step(&payment, refund),
                None => Ok(RefundStep::Nothing),
            };
        }
        if payment.status != PaymentStatus::RefundPending {
            return Ok(RefundStep::Nothing);
        }
        // Nothing to send through a provider: a free booking, or money taken at the box
        // office's counter, which the counter hands back (recorded as done at once).
        if payment.amount_pennies == 0
            || payment.provider == "free"
            || payment.provider == crate::domain::box_office::counter::COUNTER
        {
            return Ok(RefundStep::Free { payment_id });
        }
        let reference = payment.provider_payment_id.clone().ok_or_else(|| {
            AppError::Internal(format!(
                "payment {payment_id} has no provider reference to refund"
            ))
        })?;
        let latest = refunds::for_payment(c, payment_id)?.into_iter().next();
        let refund = match latest {
            Some(refund) => refund,
            None => open(c, now, &payment, "owed back")?,
        };
        Ok(step_of(refund, reference))
    })
}

/// The next step of one refund of seats given back (the request that gave them back
/// sends it at once; reconciliation retries it).
pub fn next_part_step(conn: &mut Conn, refund_id: i32) -> Result<RefundStep, AppError> {
    write_transaction(conn, |c| {
        let refund = refunds::find(c, refund_id)?.ok_or(AppError::NotFound)?;
        let payment = payment_attempts::find(c, refund.payment_id)?.ok_or(AppError::NotFound)?;
        part_step(&payment, refund)
    })
}

fn part_step(payment: &Payment, refund: Refund) -> Result<RefundStep, AppError> {
    if refund.status == RefundStatus::Succeeded || refund.seats.is_none() {
        return Ok(RefundStep::Nothing);
    }
    let reference = payment.provider_payment_id.clone().ok_or_else(|| {
        AppError::Internal(format!(
            "payment {} has no provider reference to refund",
            payment.id
        ))
    })?;
    Ok(step_of(refund, reference))
}

/// What one open refund of the payment `reference` needs next.
fn step_of(refund: Refund, reference: String) -> RefundStep {
    match (refund.status, refund.provider_refund_id.clone()) {
        (RefundStatus::Failed, _) => RefundStep::Failed(refund),
        (RefundStatus::Unsure, _) => RefundStep::LookUp { refund, reference },
        (RefundStatus::Pending | RefundStatus::Succeeded, Some(provider_id)) => RefundStep::Check {
            refund,
            provider_id,
        },
        _ => RefundStep::Send { refund, reference },
    }
}

/// Applies what the provider says of one of our refunds; `Succeeded` settles the
/// payment and its ticket in the same transaction. Returns the refund's state.
pub fn refund_answered(
    conn: &mut Conn,
    now: NaiveDateTime,
    refund_id: i32,
    answer: &ProviderRefund,
) -> Result<RefundState, AppError> {
    write_transaction(conn, |c| {
        let refund = refunds::find(c, refund_id)?.ok_or(AppError::NotFound)?;
        answered_in(c, now, &refund, answer)?;
        Ok(answer.state)
    })
}

fn answered_in(
    c: &mut Conn,
    now: NaiveDateTime,
    refund: &Refund,
    answer: &ProviderRefund,
) -> Result<(), AppError> {
    let payment = payment_attempts::find(c, refund.payment_id)?.ok_or(AppError::NotFound)?;
    bookings::lock(c, payment.booking_id)?.ok_or(AppError::NotFound)?;
    let (to, failure) = match answer.state {
        RefundState::Pending => (RefundStatus::Pending, None),
        RefundState::Succeeded => (RefundStatus::Succeeded, None),
        RefundState::Failed => (
            RefundStatus::Failed,
            Some(answer.failure_reason.as_deref().unwrap_or("failed")),
        ),
    };
    let recorded = refunds::record(c, refund.id, &OPEN, to, Some(&answer.id), failure, now)?;
    if recorded == Guarded::Lost {
        log::info!("refund {}: already settled as {}", refund.id, refund.status);
    }
    if answer.state == RefundState::Succeeded {
        // A refund of seats given back settles only itself: the booking already shrank
        // and its payment stays paid.
        if refund.seats.is_none() {
            refund_done_in(c, now, payment.id, &answer.id)?;
        }
    } else if answer.state == RefundState::Failed {
        log::error!(
            "refund {} of payment {} failed at the provider ({:?}): the money is still owed back",
            refund.id,
            payment.id,
            answer.failure_reason
        );
    }
    Ok(())
}

/// A 5xx answered the refund's key (Stripe replays it for a day): look it up next time.
pub fn refund_unsure(
    conn: &mut Conn,
    now: NaiveDateTime,
    refund_id: i32,
    reason: &str,
) -> Result<Guarded, AppError> {
    Ok(refunds::record(
        conn,
        refund_id,
        &[RefundStatus::Requested],
        RefundStatus::Unsure,
        None,
        Some(reason),
        now,
    )?)
}

/// The provider refused the refund outright: an admin must decide.
pub fn refund_refused(
    conn: &mut Conn,
    now: NaiveDateTime,
    refund_id: i32,
    reason: &str,
) -> Result<Guarded, AppError> {
    Ok(refunds::record(
        conn,
        refund_id,
        &[RefundStatus::Requested, RefundStatus::Unsure],
        RefundStatus::Failed,
        None,
        Some(reason),
        now,
    )?)
}

/// An unsure refund not found at the provider: a new key, so the next send is new.
pub fn refund_rekeyed(
    conn: &mut Conn,
    now: NaiveDateTime,
    refund_id: i32,
) -> Result<Refund, AppError> {
    write_transaction(conn, |c| {
        let _rekeyed: Guarded = refunds::rekey(c, refund_id, &fresh_key("refund"), now)?;
        refunds::find(c, refund_id)?.ok_or(AppError::NotFound)
    })
}

/// A refund event (webhook) inside the event's transaction: ours, matched by its
/// provider id or the row id in its metadata, or one made in the provider's dashboard,
/// recorded as a row of its own and, when it returns the whole payment, settling it.
pub(super) fn refund_event_in(
    c: &mut Conn,
    now: NaiveDateTime,
    answer: &ProviderRefund,
) -> Result<(), AppError> {
    let ours = match refunds::find_by_provider_id(c, &answer.id)? {
        Some(refund) => Some(refund),
        None => match answer.refund_row {
            Some(row) => refunds::find(c, row)?,
            None => None,
        },
    };
    if let Some(refund) = ours {
        return answered_in(c, now, &refund, answer);
    }
    let Some(reference) = answer.payment_reference.as_deref() else {
        log::warn!("refund {} names no payment", answer.id);
        return Ok(());
    };
    let Some(payment) = payment_attempts::find_by_provider_payment(c, reference)? else {
        log::warn!("refund {} of unknown payment {reference}", answer.id);
        return Ok(());
    };
    bookings::lock(c, payment.booking_id)?.ok_or(AppError::NotFound)?;
    let status = match answer.state {
        RefundState::Pending => RefundStatus::Pending,
        RefundState::Succeeded => RefundStatus::Succeeded,
        RefundState::Failed => RefundStatus::Failed,
    };
    refunds::insert(
        c,
        &NewRefund {
            payment_id: payment.id,
            amount_pennies: answer.amount,
            currency: &payment.currency,
            idempotency_key: None,
            provider_refund_id: Some(&answer.id),
            status,
            reason: "made at the payment provider",
            created_at: now,
            updated_at: now,
            seats: None,
        },
    )?;
    if answer.state == RefundState::Succeeded {
        if answer.amount >= payment.amount_pennies {
            refund_done_in(c, now, payment.id, &answer.id)?;
        } else {
            log::warn!(
                "partial refund {} of payment {}: left for an admin",
                answer.id,
                payment.id
            );
        }
    }
    Ok(())
}
