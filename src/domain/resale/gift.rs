//! Giving a paid booking away to another registered user, for free: the seats pass with
//! new codes and the payment that paid for them goes with them (a later refund, such as
//! a cancelled event's, returns the money to whoever paid).

use chrono::NaiveDateTime;

use super::rules::passable;
use crate::db::models::Booking;
use crate::db::{Conn, bookings, resale_listings, users, write_transaction};
use crate::domain::accounts::email::Email;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::transfer::{Kind, pass_seats, receiver_row};
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// Gives the owner's paid booking to the user with `email`; returns the receiver's
/// booking. Refused while the booking is listed for resale.
pub fn give(
    conn: &mut Conn,
    now: NaiveDateTime,
    owner_id: i32,
    booking_id: i32,
    email: &str,
) -> Result<Booking, AppError> {
    let email = Email::parse(email).map_err(|message| AppError::Unprocessable {
        field: "email",
        message: message.into(),
    })?;
    write_transaction(conn, |c| {
        let receiver = users::find_by_email(c, email.as_str())?.ok_or_else(|| AppError::Unprocessable {
            field: "email",
            message: "There is no account with that address. Ask your friend to sign up first, then give the booking again.".into(),
        })?;
        if receiver.id == owner_id {
            return Err(AppError::Unprocessable {
                field: "email",
                message: "That is your own address.".into(),
            });
        }
        let owned = bookings::find_owned(c, booking_id, owner_id)?.ok_or(AppError::NotFound)?;
        if owned.status != BookingStatus::Paid {
            return Err(AppError::refused(
                "not_paid",
                "Only a paid booking can be resold or given away.",
            ));
        }
        // Refused before any lock when the receiver already holds seats here: two
        // holders giving to each other at once never wait on each other's rows.
        let holds = |row: &Booking| row.status.holds_seat();
        if bookings::find_by_user_and_event(c, receiver.id, owned.event_id)?
            .is_some_and(|row| holds(&row))
        {
            return Err(receiver_holds());
        }
        let booking = bookings::lock_owned(c, booking_id, owner_id)?.ok_or(AppError::NotFound)?;
        if resale_listings::open_for_booking(c, booking.id)?.is_some() {
            return Err(AppError::refused(
                "listed",
                "This booking is listed for resale: withdraw the listing before giving it away.",
            ));
        }
        let paid = passable(c, now, &booking, true)?;
        let released =
            receiver_row(c, receiver.id, booking.event_id)?.map_err(|_| receiver_holds())?;
        let (received, transfer) =
            pass_seats(c, now, &booking, receiver.id, released, paid.id, Kind::Gift)?;
        outbox::enqueue(
            c,
            now,
            &Message::BookingGiven {
                transfer_id: transfer.id,
            },
        )?;
        outbox::enqueue(
            c,
            now,
            &Message::BookingPaid {
                booking_id: received.id,
            },
        )?;
        Ok(received)
    })
}

fn receiver_holds() -> AppError {
    AppError::refused(
        "receiver_holds",
        "That person already has a booking for this event (one booking per person per event).",
    )
}
