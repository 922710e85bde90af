//! Seats for friends: the owner of a paid booking sends one seat to a friend by email.
//! The seat's code is re-issued, so only the friend's copy admits; the old code is kept
//! as retired, so the door can say why it no longer does. Any seat may carry the name of
//! who will use it, shown at the door.

use chrono::NaiveDateTime;

use crate::db::models::Admission;
use crate::db::status::AdmissionStatus;
use crate::db::{
    Conn, admissions, bookings, events, resale_listings, retired_codes, users, write_transaction,
};
use crate::domain::accounts::email::Email;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::bookings::{admissions as seats, ticket_code};
use crate::domain::common::text;
use crate::domain::limits::{Limit, Subject, shared};
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// The longest attendee name.
pub const NAME_MAX: usize = 100;

/// Reads an attendee name: trimmed, empty is none, one line of at most `NAME_MAX`.
pub fn attendee_name(input: &str) -> Result<Option<String>, AppError> {
    let name = input.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if !text::is_clean_line(name) || name.chars().count() > NAME_MAX {
        return Err(AppError::Unprocessable {
            field: "name",
            message: format!("A name is one line of at most {NAME_MAX} characters."),
        });
    }
    Ok(Some(name.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// The owner's paid booking's seat at `position`, under the booking's lock.
fn own_seat(
    c: &mut Conn,
    now: NaiveDateTime,
    owner_id: i32,
    booking_id: i32,
    position: i32,
) -> Result<Admission, AppError> {
    let booking = bookings::lock_owned(c, booking_id, owner_id)?.ok_or(AppError::NotFound)?;
    if booking.status != BookingStatus::Paid {
        return Err(AppError::refused(
            "not_paid",
            "Only the seats of a paid booking can be sent or named.",
        ));
    }
    let event = events::find(c, booking.event_id)?.ok_or(AppError::NotFound)?;
    if event.cancelled_at.is_some() || event.ends_at <= now {
        return Err(AppError::refused(
            "event_over",
            "This event is over or cancelled: its seats can no longer change hands.",
        ));
    }
    if resale_listings::open_for_booking(c, booking.id)?.is_some() {
        return Err(AppError::refused(
            "listed",
            "This booking is listed for resale: withdraw the listing before sending or naming its seats.",
        ));
    }
    let seat = seats::of(c, &booking)?
        .into_iter()
        .find(|a| a.position == position)
        .ok_or(AppError::NotFound)?;
    if seat.status != AdmissionStatus::Valid {
        return Err(AppError::refused(
            "seat_not_valid",
            "This seat's code no longer admits, so it cannot be sent.",
        ));
    }
    if seat.checked_in_at.is_some() {
        return Err(AppError::refused(
            "checked_in",
            "This seat has been checked in at the door already.",
        ));
    }
    Ok(seat)
}

/// Sends the seat at `position` of the owner's paid booking to `email` (optionally
/// naming who will use it): a new code for the seat, the old one retired, a mail to the
/// friend through the outbox. Returns the seat as it is now.
#[allow(clippy::too_many_arguments)]
pub fn send_seat(
    conn: &mut Conn,
    now: NaiveDateTime,
    owner_id: i32,
    booking_id: i32,
    position: i32,
    email: &str,
    name: Option<String>,
    limit: &Limit,
) -> Result<Admission, AppError> {
    let email = Email::parse(email).map_err(|message| AppError::Unprocessable {
        field: "email",
        message: message.into(),
    })?;
    write_transaction(conn, |c| {
        let seat = own_seat(c, now, owner_id, booking_id, position)?;
        let owner = users::find(c, owner_id)?.ok_or(AppError::NotFound)?;
        if owner.email == email.as_str() {
            return Err(AppError::Unprocessable {
                field: "email",
                message: "That is your own address: the seat is yours already.".into(),
            });
        }
        // Each send mails an address the owner typed: counted per owner, in this
        // transaction, so the count and the mail commit together.
        let quota = shared::take(c, limit, &Subject::user(owner_id), now)?;
        if !quota.allowed {
            return Err(AppError::TooManyRequests(format!(
                "You have sent many seats in a short time; try again in {} minutes.",
                quota.retry_after_seconds().div_ceil(60)
            )));
        }
        let code = ticket_code::generate();
        retired_codes::insert(c, &seat.code, seat.id, "sent", now)?;
        let name = name.as_deref().or(seat.attendee_name.as_deref());
        require(
            admissions::reissue(c, seat.id, &seat.code, &code, email.as_str(), name, now)?,
            "re-issuing a seat's code",
        )?;
        outbox::enqueue(
            c,
            now,
            &Message::SeatSent {
                admission_id: seat.id,
            },
        )?;
        admissions::find(c, seat.id)?.ok_or(AppError::NotFound)
    })
}

/// Names (or, with `None`, un-names) who will use the seat at `position`.
pub fn name_seat(
    conn: &mut Conn,
    now: NaiveDateTime,
    owner_id: i32,
    booking_id: i32,
    position: i32,
    name: Option<String>,
) -> Result<(), AppError> {
    write_transaction(conn, |c| {
        let seat = own_seat(c, now, owner_id, booking_id, position)?;
        admissions::name_attendee(c, seat.id, name.as_deref())?;
        Ok(())
    })
}
