//! Refunds and the door, each deciding on rows read under the booking's lock
//! (`domain::bookings::locking`), so a check-in and a refund of one booking never both win:
//! - a booking with a seat checked in is not refunded at its buyer's request, and an
//!   admin refunds it only with a reason, kept with the refund (`refunds.reason`, also
//!   the payment's status reason shown in the admin payments list);
//! - a booking whose refund is under way (requested, or pending at the provider, not yet
//!   succeeded or failed) admits nobody: the door answers NOT VALID, "refund under way".
//!   A failed refund leaves the booking valid (the money is still owed), so it admits
//!   again until an admin retries it.

use crate::db::models::Booking;
use crate::db::status::{PaymentStatus, RefundStatus};
use crate::db::{Conn, admissions, payment_attempts, refunds};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::error::AppError;

/// The longest reason an admin may give.
pub const REASON_MAX: usize = 200;

/// The buyer's word when a checked-in booking cannot be cancelled.
pub const CHECKED_IN: &str = "A seat of this booking has been checked in at the door, so it can no longer be cancelled or refunded. Ask the organiser if something went wrong.";

/// Whether a seat of the booking's current hold was checked in.
pub fn any_seat_checked_in(conn: &mut Conn, booking: &Booking) -> Result<bool, AppError> {
    Ok(admissions::any_checked_in(
        conn,
        booking.id,
        booking.hold_number,
    )?)
}

/// Whether the paid booking's refund is under way: no payment keeps it any more (the
/// one that did was marked for refund) and that refund is not known to have failed. It
/// becomes refunded, in one transaction, when the refund succeeds.
pub fn refund_under_way(conn: &mut Conn, booking: &Booking) -> Result<bool, AppError> {
    if booking.status != BookingStatus::Paid {
        return Ok(false);
    }
    let all = payment_attempts::for_booking(conn, booking.id)?;
    if all.iter().any(|p| p.status == PaymentStatus::Paid) {
        return Ok(false);
    }
    for payment in all
        .iter()
        .filter(|p| p.status == PaymentStatus::RefundPending)
    {
        // Newest first; none yet means it is about to be opened and sent.
        let latest = refunds::for_payment(conn, payment.id)?.into_iter().next();
        if latest.is_none_or(|refund| refund.status != RefundStatus::Failed) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Refuses a buyer's refund of a booking with a seat checked in (409 `checked_in`). The
/// caller holds the ticket's lock.
pub fn refuse_after_check_in(conn: &mut Conn, booking: &Booking) -> Result<(), AppError> {
    if any_seat_checked_in(conn, booking)? {
        return Err(AppError::refused("checked_in", CHECKED_IN));
    }
    Ok(())
}

/// An admin's reason for a refund, as typed: empty means none; at most `REASON_MAX`
/// characters of one line of text.
pub fn parse_reason(input: &str) -> Result<Option<String>, AppError> {
    let reason = input.trim();
    if reason.is_empty() {
        return Ok(None);
    }
    if reason.chars().count() > REASON_MAX || reason.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "A reason is at most {REASON_MAX} characters of plain text on one line."
        )));
    }
    Ok(Some(reason.to_owned()))
}

/// What an admin's refund of `ticket` records as its reason (`by`, "refunded by an
/// admin", with the admin's reason after it); refuses one of a booking with a seat
/// checked in without a reason (409 `reason_required`). The caller holds the lock.
pub fn admin_reason(
    conn: &mut Conn,
    booking: &Booking,
    by: &str,
    reason: Option<&str>,
) -> Result<String, AppError> {
    let checked_in = booking.status == BookingStatus::Paid && any_seat_checked_in(conn, booking)?;
    Ok(match (checked_in, reason) {
        (true, None) => {
            return Err(AppError::refused(
                "reason_required",
                "A seat of this booking has been checked in at the door: give a reason to refund it.",
            ));
        }
        (true, Some(reason)) => format!("{by} after check-in: {reason}"),
        (false, Some(reason)) => format!("{by}: {reason}"),
        (false, None) => by.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_one_short_line_or_none() {
        assert_eq!(parse_reason("  ").unwrap(), None);
        assert_eq!(
            parse_reason(" wrong guest let in ").unwrap().as_deref(),
            Some("wrong guest let in")
        );
        assert!(parse_reason(&"x".repeat(REASON_MAX + 1)).is_err());
        assert!(parse_reason("line\nbreak").is_err());
        assert!(parse_reason("nul\0").is_err());
    }
}
