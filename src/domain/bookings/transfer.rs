//! Passing a paid booking's seats to another holder, inside the caller's transaction
//! that holds the source booking's lock: the source becomes `transferred` and its codes
//! answer "resold" or "given away"; the receiver's one row for the event (new, or a
//! released one reused) becomes paid with the same ticket type and seats and new codes;
//! the payment that now pays for the seats moves with them; a transfer row records it.

use chrono::NaiveDateTime;

use crate::db::models::Event;
use crate::db::models::{Booking, NewBooking, NewTransfer, Transfer};
use crate::db::status::AdmissionStatus;
use crate::db::{Conn, admissions, booking_transfers, bookings, payment_attempts};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::bookings::{admissions as seats, ticket_code};
use crate::error::AppError;

/// What kind of passing this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Resale { listing_id: i32 },
    Gift,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Resale { .. } => "resale",
            Kind::Gift => "gift",
        }
    }
}

/// Why a receiver cannot take the seats: they already hold seats for the event.
pub const RECEIVER_HOLDS: &str = "already holds seats for this event";

/// The receiver's row for the event, locked, if any; `Err` when it holds seats (a
/// paid booking or a hold, even one past its time that the sweeper has not released).
pub fn receiver_row(
    c: &mut Conn,
    receiver_id: i32,
    event_id: i32,
) -> Result<Result<Option<Booking>, &'static str>, AppError> {
    let row = bookings::lock_by_user_and_event(c, receiver_id, event_id)?;
    Ok(match row {
        Some(row) if row.status.holds_seat() => Err(RECEIVER_HOLDS),
        row => Ok(row),
    })
}

/// Passes `source`'s seats to `receiver_id`, whose row (`released`, from
/// `receiver_row`) takes them; `payment_id` is the payment that pays for them from now
/// on. Returns the receiver's booking and the transfer.
pub fn pass_seats(
    c: &mut Conn,
    now: NaiveDateTime,
    source: &Booking,
    receiver_id: i32,
    released: Option<Booking>,
    payment_id: i32,
    kind: Kind,
) -> Result<(Booking, Transfer), AppError> {
    require(
        bookings::transition(
            c,
            source.id,
            source.hold_number,
            BookingStatus::Paid,
            BookingStatus::Transferred,
        )?,
        "passing a booking's seats on",
    )?;
    let retired = match kind {
        Kind::Resale { .. } => AdmissionStatus::Resold,
        Kind::Gift => AdmissionStatus::Given,
    };
    admissions::retire_hold(c, source.id, source.hold_number, retired)?;
    let code = ticket_code::generate();
    let receiver = match released {
        Some(row) => {
            require(
                bookings::receive_seats(
                    c,
                    &row,
                    source.ticket_type_id,
                    source.quantity,
                    &code,
                    now,
                )?,
                "giving a released row the seats passed on",
            )?;
            bookings::find(c, row.id)?.ok_or(AppError::NotFound)?
        }
        None => bookings::insert_paid(
            c,
            &NewBooking {
                user_id: receiver_id,
                event_id: source.event_id,
                ticket_type_id: source.ticket_type_id,
                status: BookingStatus::Paid,
                reserved_until: None,
                code: &code,
                created_at: now,
                quantity: source.quantity,
            },
            now,
        )?,
    };
    let from = payment_attempts::find(c, payment_id)?.ok_or(AppError::NotFound)?;
    require(
        payment_attempts::move_to_booking(
            c,
            payment_id,
            from.booking_id,
            receiver.id,
            receiver.hold_number,
            now,
        )?,
        "moving the payment with the seats",
    )?;
    seats::issue(c, &receiver, now)?;
    let listing_id = match kind {
        Kind::Resale { listing_id } => Some(listing_id),
        Kind::Gift => None,
    };
    let transfer = booking_transfers::insert(
        c,
        &NewTransfer {
            kind: kind.as_str(),
            from_booking_id: source.id,
            from_hold_number: source.hold_number,
            to_booking_id: receiver.id,
            to_hold_number: receiver.hold_number,
            from_user_id: source.user_id,
            to_user_id: receiver_id,
            listing_id,
            payment_id: Some(payment_id),
            created_at: now,
        },
    )?;
    Ok((receiver, transfer))
}

/// Why an event no longer lets a booking pass on now, if it does not: cancelled,
/// started, or (for a resale, not a gift) resale switched off by the organiser.
pub fn event_refusal(event: &Event, now: NaiveDateTime, gift: bool) -> Option<&'static str> {
    if event.cancelled_at.is_some() {
        return Some("This event has been cancelled.");
    }
    if event.starts_at <= now {
        return Some("This event has already started.");
    }
    if !gift && !event.resale_enabled {
        return Some("The organiser does not allow resale for this event.");
    }
    None
}
