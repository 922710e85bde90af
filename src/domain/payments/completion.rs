//! What a provider's word about a checkout session does to the books: confirm the
//! ticket, take a seat for a late payment, send money back, or hold it for an admin.

use chrono::NaiveDateTime;

use super::delayed_payment::completed_unpaid;
use super::resale_settlement::{ResaleSettled, settle_resale};
use super::session::{SessionState, SessionStatus};
use crate::db::models::{Booking, Payment};
use crate::db::status::PaymentStatus;
use crate::db::{Conn, Guarded, bookings, payment_attempts, ticket_types, write_transaction};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::outbox::{self, Message};
use crate::domain::{bookings::admissions, bookings::inventory};
use crate::error::AppError;

/// What a provider's word about a session did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The ticket is paid by this payment (now, or already before).
    Confirmed { booking_id: i32 },
    /// Not paid (yet); `expired` when the session is over.
    NotPaid { booking_id: i32, expired: bool },
    /// Completed, the money on its way (a bank debit): confirmed when it arrives.
    Processing { booking_id: i32 },
    /// A delayed payment failed (or nothing was charged): the user may pay again.
    PaymentFailed { booking_id: i32 },
    /// The money must go back (late with no seat, a cancelled booking, a second payment).
    NeedsRefund { payment_id: i32, booking_id: i32 },
    /// Already refunded.
    Refunded { booking_id: i32 },
    /// Amount or currency differ from the ticket's: held for an admin.
    Mismatch { booking_id: i32 },
    /// Not a session of ours.
    Unknown,
}

/// Applies a session's state to the books, in one transaction under the ticket's lock.
/// Idempotent: any number of deliveries, in any order, from the webhook, the success
/// page or reconciliation, racing a cancel, an expiry, a refund or each other.
pub fn apply_session(
    conn: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
) -> Result<Completion, AppError> {
    write_transaction(conn, |c| apply_session_in(c, now, session))
}

/// As `apply_session`, inside the caller's write transaction (a webhook's, which records
/// the event in the same transaction).
pub(super) fn apply_session_in(
    c: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
) -> Result<Completion, AppError> {
    {
        let Some((payment, booking)) = attempt_of_locked(c, now, session)? else {
            return Ok(Completion::Unknown);
        };
        let booking_id = booking.id;
        match payment.status {
            PaymentStatus::Paid => return Ok(Completion::Confirmed { booking_id }),
            PaymentStatus::RefundPending => {
                return Ok(Completion::NeedsRefund {
                    payment_id: payment.id,
                    booking_id,
                });
            }
            PaymentStatus::Refunded => return Ok(Completion::Refunded { booking_id }),
            PaymentStatus::Mismatch => return Ok(Completion::Mismatch { booking_id }),
            _ => {}
        }
        if !session.paid && session.status == SessionStatus::Complete {
            return completed_unpaid(c, now, session, &payment, booking_id);
        }
        if !session.paid {
            let expired = session.status == SessionStatus::Expired;
            if expired {
                let closed = payment_attempts::transition(
                    c,
                    payment.id,
                    &[PaymentStatus::Creating, PaymentStatus::Open],
                    PaymentStatus::Expired,
                    None,
                    now,
                )?;
                if closed == Guarded::Lost {
                    log::debug!(
                        "payment {}: already closed as {}",
                        payment.id,
                        payment.status
                    );
                }
            }
            return Ok(Completion::NotPaid {
                booking_id,
                expired,
            });
        }
        settle_paid(c, now, session, &payment, &booking)
    }
}

/// The attempt of a session and its ticket, the ticket locked and the attempt read again
/// under the lock (another delivery may have settled it meanwhile); `None` when the
/// session is not one of ours.
pub(super) fn attempt_of_locked(
    c: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
) -> Result<Option<(Payment, Booking)>, AppError> {
    let Some(found) = attempt_of(c, session)? else {
        return Ok(None);
    };
    let booking = bookings::lock(c, found.booking_id)?.ok_or(AppError::NotFound)?;
    Ok(adopt(c, now, found.id, &session.id)?.map(|payment| (payment, booking)))
}

/// The attempt a session belongs to: by its session id, or (a session whose creation
/// timed out on our side) by the payment id in its metadata, if that attempt has no
/// session yet.
fn attempt_of(conn: &mut Conn, session: &SessionState) -> Result<Option<Payment>, AppError> {
    if let Some(payment) = payment_attempts::find_by_session(conn, &session.id)? {
        return Ok(Some(payment));
    }
    let Some(id) = session.payment_id else {
        return Ok(None);
    };
    Ok(payment_attempts::find(conn, id)?.filter(|p| p.provider_session_id.is_none()))
}

/// The attempt as it is now, with this session recorded on it if it had none; `None`
/// when the attempt meanwhile got another session (then this one is not ours).
fn adopt(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    session_id: &str,
) -> Result<Option<Payment>, AppError> {
    let payment = payment_attempts::find(conn, payment_id)?.ok_or(AppError::NotFound)?;
    match payment.provider_session_id.as_deref() {
        Some(recorded) if recorded == session_id => Ok(Some(payment)),
        Some(other) => {
            log::warn!("payment {payment_id} has session {other}, not {session_id}");
            Ok(None)
        }
        None => {
            if payment_attempts::adopt_session(conn, payment_id, session_id, now)? == Guarded::Lost
            {
                return Ok(None);
            }
            Ok(payment_attempts::find(conn, payment_id)?)
        }
    }
}

/// A paid session whose attempt is not settled yet, under the ticket's lock.
fn settle_paid(
    conn: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
    payment: &Payment,
    booking: &Booking,
) -> Result<Completion, AppError> {
    let booking_id = booking.id;
    let reference = session.payment_reference.as_deref();
    let settle = |c: &mut Conn, to: PaymentStatus, reason: Option<&str>| {
        let settled = payment_attempts::mark_paid(
            c,
            payment.id,
            &PaymentStatus::UNSETTLED,
            to,
            reference,
            reason,
            now,
        )?;
        require(settled, "settling a paid attempt")
    };
    let amount_ok = session.amount_total == Some(payment.amount_pennies)
        && session.currency.as_deref() == Some(payment.currency.as_str());
    if !amount_ok {
        log::error!(
            "payment {} (session {}): paid {:?} {:?}, expected {} {}; held for an admin",
            payment.id,
            session.id,
            session.amount_total,
            session.currency,
            payment.amount_pennies,
            payment.currency
        );
        settle(
            conn,
            PaymentStatus::Mismatch,
            Some("amount or currency differs from the ticket's price"),
        )?;
        return Ok(Completion::Mismatch { booking_id });
    }
    let refund = |c: &mut Conn, reason: &str| -> Result<Completion, AppError> {
        settle(c, PaymentStatus::RefundPending, Some(reason))?;
        super::refund_record::open(c, now, payment, reason)?;
        Ok(Completion::NeedsRefund {
            payment_id: payment.id,
            booking_id,
        })
    };
    if let Some(listing_id) = payment.listing_id {
        return match settle_resale(conn, now, payment, reference, booking, listing_id)? {
            ResaleSettled::Sold { booking_id } => Ok(Completion::Confirmed { booking_id }),
            ResaleSettled::Refund { reason } => refund(conn, reason),
        };
    }
    let ticket_type =
        ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    // The booking's price: its quantity × the ticket type's unit price.
    let price_ok = ticket_type
        .amount_pennies
        .checked_mul(i64::from(booking.quantity))
        == Some(payment.amount_pennies)
        && ticket_type.currency == payment.currency;
    let confirm = |c: &mut Conn, from: BookingStatus, reason: Option<&str>| {
        require(
            bookings::mark_paid(c, booking.id, booking.hold_number, from, now)?,
            "confirming a ticket",
        )?;
        settle(c, PaymentStatus::Paid, reason)?;
        admissions::issue(c, booking, now)?;
        // Only the transition that made the ticket paid reports it: one mail per booking.
        outbox::enqueue(c, now, &Message::BookingPaid { booking_id })?;
        Ok(Completion::Confirmed { booking_id })
    };
    match booking.status {
        BookingStatus::Paid => refund(conn, "the ticket was already paid by another payment"),
        _ if !price_ok => refund(conn, "the hold now is for a ticket type of another price"),
        // The seat is still held (even a hold past its time keeps it until released).
        BookingStatus::Reserved => confirm(conn, BookingStatus::Reserved, None),
        BookingStatus::Expired => {
            // Paid after the hold lapsed: take its seats again if they are all free.
            if inventory::take_exact(conn, booking.ticket_type_id, booking.quantity)?.is_err() {
                return refund(
                    conn,
                    "paid after the hold ended and the ticket type sold out",
                );
            }
            confirm(
                conn,
                BookingStatus::Expired,
                Some("paid after the hold ended; a seat was still free"),
            )
        }
        BookingStatus::Cancelled => {
            refund(conn, "the booking was cancelled before the payment arrived")
        }
        BookingStatus::Refunded => {
            refund(conn, "the ticket was refunded before this payment arrived")
        }
        BookingStatus::Transferred => refund(
            conn,
            "the booking was resold or given away before this payment arrived",
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::TimeDelta;

    use super::*;
    use crate::db::ticket_types;
    use crate::domain::bookings::reservation;
    use crate::domain::payments::scenes::{self, Scene};

    fn booking_status(scene: &mut Scene) -> BookingStatus {
        bookings::find(&mut scene.conn, scene.booking_id)
            .unwrap()
            .unwrap()
            .status
    }

    fn payment_status(scene: &mut Scene, id: Option<i32>) -> PaymentStatus {
        let id = id.unwrap_or(scene.payment_id);
        payment_attempts::find(&mut scene.conn, id)
            .unwrap()
            .unwrap()
            .status
    }

    fn available(scene: &mut Scene) -> i32 {
        ticket_types::find(&mut scene.conn, scene.ticket_type_id)
            .unwrap()
            .unwrap()
            .available_tickets_count
    }

    fn apply(scene: &mut Scene, session: &SessionState) -> Completion {
        apply_session(&mut scene.conn, scene.now, session).unwrap()
    }

    #[test]
    fn a_paid_hold_is_confirmed_once_however_often_it_is_told() {
        let mut scene = scenes::hold(10);
        let booking_id = scene.booking_id;
        for _ in 0..3 {
            assert_eq!(
                apply(&mut scene, &scenes::paid("cs_1")),
                Completion::Confirmed { booking_id }
            );
        }
        assert_eq!(booking_status(&mut scene), BookingStatus::Paid);
        assert_eq!(payment_status(&mut scene, None), PaymentStatus::Paid);
        assert_eq!(available(&mut scene), 9);
    }

    #[test]
    fn an_unpaid_session_changes_nothing_and_an_expired_one_closes_the_attempt() {
        let mut scene = scenes::hold(10);
        let mut open = scenes::paid("cs_1");
        open.paid = false;
        open.status = SessionStatus::Open;
        let booking_id = scene.booking_id;
        assert_eq!(
            apply(&mut scene, &open),
            Completion::NotPaid {
                booking_id,
                expired: false
            }
        );
        open.status = SessionStatus::Expired;
        assert_eq!(
            apply(&mut scene, &open),
            Completion::NotPaid {
                booking_id,
                expired: true
            }
        );
        assert_eq!(payment_status(&mut scene, None), PaymentStatus::Expired);
        assert_eq!(booking_status(&mut scene), BookingStatus::Reserved);
    }

    #[test]
    fn a_session_we_never_opened_is_unknown() {
        let mut scene = scenes::hold(10);
        assert_eq!(
            apply(&mut scene, &scenes::paid("cs_other")),
            Completion::Unknown
        );
        assert_eq!(booking_status(&mut scene), BookingStatus::Reserved);
    }

    #[test]
    fn a_second_paid_session_of_a_paid_ticket_must_be_refunded() {
        let mut scene = scenes::hold(10);
        let (booking_id, user_id, now) = (scene.booking_id, 1, scene.now);
        let second = scenes::open_attempt(&mut scene.conn, now, booking_id, user_id, 2, "cs_2");
        apply(&mut scene, &scenes::paid("cs_1"));
        assert_eq!(
            apply(&mut scene, &scenes::paid("cs_2")),
            Completion::NeedsRefund {
                payment_id: second,
                booking_id
            }
        );
        assert_eq!(
            payment_status(&mut scene, Some(second)),
            PaymentStatus::RefundPending
        );
        assert_eq!(available(&mut scene), 9, "one seat for one ticket");
    }

    #[test]
    fn a_payment_for_a_cancelled_booking_must_be_refunded() {
        let mut scene = scenes::hold(10);
        reservation::cancel(&mut scene.conn, 1, scene.booking_id, scene.now).unwrap();
        let (payment_id, booking_id) = (scene.payment_id, scene.booking_id);
        assert_eq!(
            apply(&mut scene, &scenes::paid("cs_1")),
            Completion::NeedsRefund {
                payment_id,
                booking_id
            }
        );
        assert_eq!(booking_status(&mut scene), BookingStatus::Cancelled);
        assert_eq!(available(&mut scene), 10, "no seat taken for it");
    }

    #[test]
    fn a_late_payment_takes_a_free_seat_or_is_refunded_when_none_is_left() {
        let mut scene = scenes::hold(1);
        let later = scene.now + TimeDelta::minutes(16);
        assert_eq!(
            reservation::expire_lapsed(&mut scene.conn, later, 10).unwrap(),
            1
        );
        assert_eq!(available(&mut scene), 1);
        let booking_id = scene.booking_id;
        assert_eq!(
            apply(&mut scene, &scenes::paid("cs_1")),
            Completion::Confirmed { booking_id }
        );
        assert_eq!(available(&mut scene), 0, "the free seat was taken");

        let mut full = scenes::hold(1);
        reservation::expire_lapsed(&mut full.conn, later, 10).unwrap();
        crate::domain::bookings::inventory::take_seat(&mut full.conn, full.ticket_type_id)
            .unwrap()
            .unwrap();
        let (payment_id, booking_id) = (full.payment_id, full.booking_id);
        assert_eq!(
            apply(&mut full, &scenes::paid("cs_1")),
            Completion::NeedsRefund {
                payment_id,
                booking_id
            }
        );
        assert_eq!(booking_status(&mut full), BookingStatus::Expired);
        assert_eq!(available(&mut full), 0, "never oversold");
    }

    #[test]
    fn another_amount_is_held_for_an_admin() {
        let mut scene = scenes::hold(10);
        let mut short = scenes::paid("cs_1");
        short.amount_total = Some(250);
        let booking_id = scene.booking_id;
        assert_eq!(
            apply(&mut scene, &short),
            Completion::Mismatch { booking_id }
        );
        assert_eq!(payment_status(&mut scene, None), PaymentStatus::Mismatch);
        assert_eq!(booking_status(&mut scene), BookingStatus::Reserved);
    }
}
