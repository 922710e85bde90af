//! The seats of a paid booking at the door: one admission per seat, each with its own
//! random, unguessable code (the first keeps the booking's code). Issued when the booking
//! becomes paid, inside the confirming transaction and under the ticket's lock
//! (`domain::bookings::locking`), so the on-sale rush writes no extra rows; voided when it is
//! refunded.

use chrono::NaiveDateTime;

use crate::db::models::{Admission, Booking, NewAdmission};
use crate::db::status::AdmissionStatus;
use crate::db::{Conn, admissions, box_office_sales};
use crate::domain::bookings::ticket_code;
use crate::error::AppError;

/// Inserts the admissions missing for the booking's current hold (positions
/// 1..=quantity), named after the customer when the box office sold the hold; the
/// caller holds the ticket's lock and has just made it paid.
pub fn issue(conn: &mut Conn, booking: &Booking, now: NaiveDateTime) -> Result<(), AppError> {
    let existing = admissions::for_hold(conn, booking.id, booking.hold_number)?;
    for position in 1..=booking.quantity {
        if existing.iter().any(|a| a.position == position) {
            continue;
        }
        let code = if position == 1 {
            booking.code.clone()
        } else {
            ticket_code::generate()
        };
        admissions::insert(
            conn,
            &NewAdmission {
                booking_id: booking.id,
                event_id: booking.event_id,
                hold_number: booking.hold_number,
                position,
                code: &code,
                status: AdmissionStatus::Valid,
                created_at: now,
            },
        )?;
    }
    if let Some(sale) = box_office_sales::for_hold(conn, booking.id, booking.hold_number)? {
        admissions::name_unnamed_of_hold(
            conn,
            booking.id,
            booking.hold_number,
            &sale.customer_name,
        )?;
    }
    Ok(())
}

/// Voids the admissions of the booking's current hold (it was refunded); the caller
/// holds the ticket's lock.
pub fn void(conn: &mut Conn, booking: &Booking) -> Result<(), AppError> {
    admissions::void_hold(conn, booking.id, booking.hold_number)?;
    Ok(())
}

/// The seats a booking's current hold has, by position (not those given back).
pub fn of(conn: &mut Conn, booking: &Booking) -> Result<Vec<Admission>, AppError> {
    let mut seats = with_given_back(conn, booking)?;
    seats.retain(|seat| seat.given_back_at.is_none());
    Ok(seats)
}

/// Every admission of a booking's current hold, those given back too (after the others).
pub fn with_given_back(conn: &mut Conn, booking: &Booking) -> Result<Vec<Admission>, AppError> {
    Ok(admissions::for_hold(conn, booking.id, booking.hold_number)?)
}
