//! The organiser's exports, read a keyset page at a time: an event's bookings and
//! attendees (one record per seat, with the name of who uses it: a box office sale's
//! customer, or a name the owner gave; a booking without seats, one record), and the
//! payments and refunds made over a range of dates. Each call returns one page of
//! records and where the next starts (`None`: done); the web layer writes them as CSV
//! as they come, so an export of any size holds one page in memory.

use chrono::NaiveDateTime;

use super::AppState;
use crate::db::{box_office_sales, events, exports};
use crate::domain::bookings::reservation;
use crate::domain::common::time_zone::{self, Tz};
use crate::domain::payments::money::Money;
use crate::error::AppError;

/// Records per page.
pub const PAGE: i64 = 1000;

pub const ATTENDEE_HEADER: [&str; 11] = [
    "booking",
    "code",
    "ticket_type",
    "seat",
    "seats_in_booking",
    "email",
    "status",
    "paid_at",
    "checked_in_at",
    "gate",
    "attendee",
];

pub const MONEY_HEADER: [&str; 10] = [
    "record",
    "id",
    "date_utc",
    "booking",
    "event",
    "email",
    "amount",
    "currency",
    "status",
    "provider_id",
];

/// The event's time zone (and a 404 for a missing event), before an export starts.
pub async fn event_zone(state: &AppState, event_id: i32) -> Result<Tz, AppError> {
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            Ok(time_zone::stored(&event.time_zone))
        })
        .await
}

fn local(time: Option<NaiveDateTime>, zone: Tz) -> String {
    time.map(|t| time_zone::rfc3339(t, zone))
        .unwrap_or_default()
}

/// One page of an event's attendees after booking `after`.
pub async fn attendees_page(
    state: &AppState,
    event_id: i32,
    zone: Tz,
    after: i32,
) -> Result<(Vec<Vec<String>>, Option<i32>), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let bookings = exports::bookings_after(conn, event_id, after, PAGE)?;
            let Some(last) = bookings.last().map(|(t, _, _)| t.id) else {
                return Ok((Vec::new(), None));
            };
            let ids: Vec<i32> = bookings.iter().map(|(t, _, _)| t.id).collect();
            let seats = exports::seats_of(conn, &ids)?;
            // The customers of box office sales, named on bookings without seats yet (a
            // pay link not paid) as on their seats.
            let holds: Vec<(i32, i32)> = bookings
                .iter()
                .map(|(t, _, _)| (t.id, t.hold_number))
                .collect();
            let customers = box_office_sales::names_for(conn, &holds)?;
            let mut records = Vec::with_capacity(bookings.len());
            for (booking, email, type_name) in &bookings {
                let status = reservation::visible_status(booking, now).as_str();
                let mine: Vec<_> = seats
                    .iter()
                    .filter(|a| {
                        a.booking_id == booking.id
                            && a.hold_number == booking.hold_number
                            && a.given_back_at.is_none()
                    })
                    .collect();
                let customer = customers
                    .iter()
                    .find(|(id, _)| *id == booking.id)
                    .map(|(_, name)| name.clone());
                let base = |code: &str,
                            seat: String,
                            checked: String,
                            gate: String,
                            attendee: Option<String>| {
                    vec![
                        booking.id.to_string(),
                        code.to_owned(),
                        type_name.clone(),
                        seat,
                        booking.quantity.to_string(),
                        email.clone(),
                        status.to_owned(),
                        local(booking.paid_at, zone),
                        checked,
                        gate,
                        attendee.or_else(|| customer.clone()).unwrap_or_default(),
                    ]
                };
                if mine.is_empty() {
                    records.push(base(
                        &booking.code,
                        String::new(),
                        String::new(),
                        String::new(),
                        None,
                    ));
                }
                for seat in mine {
                    records.push(base(
                        &seat.code,
                        format!("{} of {}", seat.position, booking.quantity),
                        local(seat.checked_in_at, zone),
                        seat.gate.clone().unwrap_or_default(),
                        seat.attendee_name.clone(),
                    ));
                }
            }
            Ok((records, Some(last)))
        })
        .await
}

/// Where a payments-and-refunds export stands: the payments first, then the refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyCursor {
    Payments(i32),
    Refunds(i32),
    Done,
}

fn utc(time: NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One page of the payments, then the refunds, made in `[from, to)`.
pub async fn money_page(
    state: &AppState,
    from: NaiveDateTime,
    to: NaiveDateTime,
    cursor: MoneyCursor,
) -> Result<(Vec<Vec<String>>, MoneyCursor), AppError> {
    state
        .db(move |conn| match cursor {
            MoneyCursor::Done => Ok((Vec::new(), MoneyCursor::Done)),
            MoneyCursor::Payments(after) => {
                let rows = exports::payments_between(conn, from, to, after, PAGE)?;
                let next = match rows.last() {
                    Some((p, _, _)) => MoneyCursor::Payments(p.id),
                    None => MoneyCursor::Refunds(0),
                };
                let records = rows
                    .into_iter()
                    .map(|(p, email, title)| {
                        vec![
                            "payment".to_owned(),
                            p.id.to_string(),
                            utc(p.created_at),
                            p.booking_id.to_string(),
                            title,
                            email,
                            Money::from_stored(p.amount_pennies, &p.currency).major_units(),
                            p.currency,
                            p.status.as_str().to_owned(),
                            p.provider_payment_id.unwrap_or_default(),
                        ]
                    })
                    .collect();
                Ok((records, next))
            }
            MoneyCursor::Refunds(after) => {
                let rows = exports::refunds_between(conn, from, to, after, PAGE)?;
                let next = match rows.last() {
                    Some((r, _, _, _)) => MoneyCursor::Refunds(r.id),
                    None => MoneyCursor::Done,
                };
                let records = rows
                    .into_iter()
                    .map(|(r, booking, email, title)| {
                        vec![
                            "refund".to_owned(),
                            r.id.to_string(),
                            utc(r.created_at),
                            booking.to_string(),
                            title,
                            email,
                            Money::from_stored(r.amount_pennies, &r.currency).major_units(),
                            r.currency,
                            r.status.as_str().to_owned(),
                            r.provider_refund_id.unwrap_or_default(),
                        ]
                    })
                    .collect();
                Ok((records, next))
            }
        })
        .await
}
