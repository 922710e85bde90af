//! Sending money back: an admin's refund of a ticket or of one payment, the record of a
//! refund the provider made, and finding (and returning) money kept without a ticket.

use chrono::NaiveDateTime;

use crate::db::models::{Booking, Payment};
use crate::db::status::{PaymentStatus, RefundStatus};
use crate::db::{
    Conn, Guarded, bookings, events, payment_attempts, refunds, resale_listings, write_transaction,
};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::door::refunds as door_refunds;
use crate::domain::payments::idempotency_key::fresh_key;
use crate::domain::{
    audit::books, bookings::admissions, bookings::inventory, bookings::refund_policy,
};
use crate::error::AppError;

/// Marks a paid ticket's payment for refund (an admin's decision, or a cancelled
/// event's), under the ticket's lock; returns the payment to refund at the provider.
/// `reason` is kept with the refund; a booking with a seat checked in needs one
/// (`door::refunds::admin_reason`).
pub fn request_refund(
    conn: &mut Conn,
    now: NaiveDateTime,
    booking_id: i32,
    reason: Option<&str>,
) -> Result<Payment, AppError> {
    write_transaction(conn, |c| {
        let booking = bookings::lock(c, booking_id)?.ok_or(AppError::NotFound)?;
        if booking.status != BookingStatus::Paid {
            return Err(AppError::Conflict(
                "Only a paid ticket can be refunded.".into(),
            ));
        }
        let payment = payment_attempts::for_booking(c, booking_id)?
            .into_iter()
            .find(|p| p.status == PaymentStatus::Paid)
            .ok_or_else(|| {
                AppError::Conflict("This ticket's refund is already under way.".into())
            })?;
        let why = door_refunds::admin_reason(c, &booking, "refunded by an admin", reason)?;
        mark_for_refund(c, now, &payment, &why)
    })
}

/// Marks the buyer's own paid booking for refund at their request, under the ticket's
/// lock, if its event's refund window is open (`refund_policy`); returns the payment to
/// refund at the provider. A second request while the first is under way is refused.
pub fn request_buyer_refund(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    booking_id: i32,
) -> Result<Payment, AppError> {
    write_transaction(conn, |c| {
        let (_, payment) = refundable_for_buyer(c, now, user_id, booking_id, "cancelling it")?;
        mark_for_refund(c, now, &payment, "cancelled by the buyer")
    })
}

/// The buyer's own paid booking, locked, and the payment that keeps it, if the buyer
/// may have money back for it now (a cancel, or seats given back): the event's refund
/// window is open, no seat was checked in (decided under the lock the door's check-in
/// takes too, so of a check-in and this request at the same instant exactly one wins),
/// it is not listed for resale and no refund of it is under way. `doing` names the
/// request in the listing's refusal ("cancelling it").
pub(super) fn refundable_for_buyer(
    c: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    booking_id: i32,
    doing: &str,
) -> Result<(Booking, Payment), AppError> {
    let booking = bookings::lock_owned(c, booking_id, user_id)?.ok_or(AppError::NotFound)?;
    if booking.status != BookingStatus::Paid {
        return Err(AppError::refused(
            "not_paid",
            "Only a paid booking can be refunded.",
        ));
    }
    let event = events::find(c, booking.event_id)?.ok_or(AppError::NotFound)?;
    if let Some(reason) = refund_policy::refusal(&event, now) {
        return Err(AppError::refused("not_refundable", reason));
    }
    door_refunds::refuse_after_check_in(c, &booking)?;
    if resale_listings::open_for_booking(c, booking.id)?.is_some() {
        return Err(AppError::refused(
            "listed",
            format!("This booking is listed for resale: withdraw the listing before {doing}."),
        ));
    }
    let payment = payment_attempts::for_booking(c, booking_id)?
        .into_iter()
        .find(|p| p.status == PaymentStatus::Paid)
        .ok_or_else(|| {
            AppError::refused(
                "refund_under_way",
                "This booking's refund is already under way.",
            )
        })?;
    Ok((booking, payment))
}

/// Marks one payment that kept money (paid, or paid with the wrong amount) for refund,
/// under its ticket's lock: an admin's button in the payments list. A payment that made
/// its ticket paid refunds the ticket too (see `refund_done`), and so needs a reason
/// when a seat of it was checked in (`door::refunds::admin_reason`).
pub fn request_payment_refund(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    reason: Option<&str>,
) -> Result<Payment, AppError> {
    write_transaction(conn, |c| {
        let found = payment_attempts::find(c, payment_id)?.ok_or(AppError::NotFound)?;
        let booking = bookings::lock(c, found.booking_id)?.ok_or(AppError::NotFound)?;
        let payment = payment_attempts::find(c, payment_id)?.ok_or(AppError::NotFound)?;
        // Only the last payment keeping a paid booking refunds the booking with it.
        let others_keep_it = payment_attempts::for_booking(c, booking.id)?
            .iter()
            .any(|p| p.id != payment.id && p.status == PaymentStatus::Paid);
        let why = |c: &mut Conn, by: &str| -> Result<String, AppError> {
            if others_keep_it || payment.status == PaymentStatus::Mismatch {
                Ok(match reason {
                    Some(reason) => format!("{by}: {reason}"),
                    None => by.to_owned(),
                })
            } else {
                door_refunds::admin_reason(c, &booking, by, reason)
            }
        };
        // A refund of seats given back that the provider failed is retried first (the
        // seats are already back on sale; only their money is owed).
        if payment.status == PaymentStatus::Paid
            && let Some(failed) = refunds::parts_of(c, &[payment.id])?
                .into_iter()
                .find(|refund| refund.status == RefundStatus::Failed)
        {
            require(
                refunds::retry_failed(c, failed.id, &fresh_key("refund"), now)?,
                "retrying a refund of seats given back",
            )?;
            return Ok(payment);
        }
        match payment.status {
            PaymentStatus::Paid | PaymentStatus::Mismatch => {
                let why = why(c, "refunded by an admin")?;
                mark_for_refund(c, now, &payment, &why)
            }
            PaymentStatus::RefundPending => {
                let why = why(c, "retried by an admin")?;
                retry_failed_refund(c, now, &payment, &why)
            }
            PaymentStatus::Refunded => Err(AppError::Conflict(
                "This payment has already been refunded.".into(),
            )),
            _ => Err(AppError::Conflict(
                "No money was taken in this attempt, so there is nothing to refund.".into(),
            )),
        }
    })
}

/// An admin's retry of a refund the provider failed: a new refund, with a new key.
fn retry_failed_refund(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment: &Payment,
    reason: &str,
) -> Result<Payment, AppError> {
    let latest = refunds::for_payment(conn, payment.id)?.into_iter().next();
    match latest {
        Some(refund) if refund.status == RefundStatus::Failed => {
            // The same amount again (a resold booking's seller is owed only part).
            super::refund_record::open_part(conn, now, payment, refund.amount_pennies, reason)?;
            Ok(payment.clone())
        }
        _ => Err(AppError::Conflict(
            "This payment's refund is already under way.".into(),
        )),
    }
}

/// Moves a payment that kept money to `refund_pending` and opens its refund; the caller
/// holds its ticket's lock.
fn mark_for_refund(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment: &Payment,
    reason: &str,
) -> Result<Payment, AppError> {
    if let Some(listing) = resale_listings::open_for_booking(conn, payment.booking_id)?
        && resale_listings::withdraw(conn, listing.id, now, true)? == Guarded::Applied
    {
        crate::domain::outbox::enqueue(
            conn,
            now,
            &crate::domain::outbox::Message::ResaleWithdrawn {
                listing_id: listing.id,
            },
        )?;
    }
    require(
        payment_attempts::transition(
            conn,
            payment.id,
            &[PaymentStatus::Paid, PaymentStatus::Mismatch],
            PaymentStatus::RefundPending,
            Some(reason),
            now,
        )?,
        "marking a payment for refund",
    )?;
    super::refund_record::open(conn, now, payment, reason)?;
    payment_attempts::find(conn, payment.id)?.ok_or(AppError::NotFound)
}

/// Records a refund the provider made (ours, or one made in its dashboard). When it was
/// the payment that made the ticket paid, the ticket becomes refunded and its seat goes
/// back on sale, in the same transaction. Recording the same refund twice changes nothing.
pub fn refund_done(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    refund_id: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |c| refund_done_in(c, now, payment_id, refund_id))
}

/// As `refund_done`, inside the caller's write transaction.
pub(super) fn refund_done_in(
    c: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    refund_id: &str,
) -> Result<(), AppError> {
    {
        let found = payment_attempts::find(c, payment_id)?.ok_or(AppError::NotFound)?;
        let booking = bookings::lock(c, found.booking_id)?.ok_or(AppError::NotFound)?;
        let recorded = payment_attempts::mark_refunded(
            c,
            payment_id,
            &[
                PaymentStatus::RefundPending,
                PaymentStatus::Paid,
                PaymentStatus::Mismatch,
            ],
            refund_id,
            now,
        )?;
        if recorded == Guarded::Lost {
            // Already refunded (a replayed webhook, a retried refund), or never paid.
            return Ok(());
        }
        crate::domain::outbox::enqueue(
            c,
            now,
            &crate::domain::outbox::Message::Refunded { payment_id },
        )?;
        let still_paid = payment_attempts::for_booking(c, booking.id)?
            .iter()
            .any(|p| p.status == PaymentStatus::Paid);
        if booking.status == BookingStatus::Paid && !still_paid {
            require(
                bookings::transition(
                    c,
                    booking.id,
                    booking.hold_number,
                    BookingStatus::Paid,
                    BookingStatus::Refunded,
                )?,
                "refunding a ticket",
            )?;
            inventory::return_seats(c, booking.ticket_type_id, booking.quantity)?;
            admissions::void(c, &booking)?;
        }
        Ok(())
    }
}

/// A payment that kept money it must give back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptMoney {
    pub payment_id: i32,
    pub booking_id: i32,
    pub amount_pennies: i64,
    pub currency: String,
    pub reason: String,
}

/// The succeeded, unrefunded payments of one ticket that it must not keep: all of them
/// when the ticket is not paid, every one but the first paid (the one that confirmed
/// it) when it is.
fn excess(booking: &Booking, payment_attempts: &[&Payment]) -> Vec<KeptMoney> {
    let mut kept: Vec<&Payment> = payment_attempts
        .iter()
        .copied()
        .filter(|p| p.booking_id == booking.id && p.status == PaymentStatus::Paid)
        .collect();
    kept.sort_by_key(|p| (p.paid_at, p.id));
    let (skip, reason) = if booking.status == BookingStatus::Paid {
        (1, "a second payment for a paid ticket".to_owned())
    } else {
        (0, format!("money kept for a {} ticket", booking.status))
    };
    kept.into_iter()
        .skip(skip)
        .map(|p| KeptMoney {
            payment_id: p.id,
            booking_id: booking.id,
            amount_pennies: p.amount_pennies,
            currency: p.currency.clone(),
            reason: reason.clone(),
        })
        .collect()
}

/// Every payment that keeps money without a ticket to show for it (what `check
/// --repair` returns). Reads the bookings a keyset page at a time with their payments,
/// as the audit does.
pub fn money_kept_without_a_ticket(conn: &mut Conn) -> Result<Vec<KeptMoney>, AppError> {
    let mut found = Vec::new();
    books::each_page_of_bookings(conn, |conn, page, (after, last)| {
        let page_payments = payment_attempts::for_booking_ids_in(conn, after, last)?;
        for (booking, mine) in books::with_their_payments(page, &page_payments) {
            found.extend(excess(booking, &mine));
        }
        Ok(())
    })?;
    Ok(found)
}

/// Marks one such payment for refund, if it still keeps money without a ticket when
/// looked at again under its ticket's lock; `None` when it no longer does.
pub fn return_kept_money(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
) -> Result<Option<KeptMoney>, AppError> {
    write_transaction(conn, |c| {
        let found = payment_attempts::find(c, payment_id)?.ok_or(AppError::NotFound)?;
        let booking = bookings::lock(c, found.booking_id)?.ok_or(AppError::NotFound)?;
        let all = payment_attempts::for_booking(c, booking.id)?;
        let mine: Vec<&Payment> = all.iter().collect();
        let Some(kept) = excess(&booking, &mine)
            .into_iter()
            .find(|k| k.payment_id == payment_id)
        else {
            return Ok(None);
        };
        let payment = all
            .iter()
            .find(|p| p.id == payment_id)
            .ok_or(AppError::NotFound)?;
        mark_for_refund(c, now, payment, &kept.reason)?;
        Ok(Some(kept))
    })
}
