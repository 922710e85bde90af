//! What the CSV exports read, a keyset page at a time (`id > after ORDER BY id LIMIT n`),
//! so an export of any size holds one page in memory.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::models::{Admission, Booking, Payment, Refund};
use super::schema::{admissions, bookings, events, payments, refunds, ticket_types, users};

/// A booking with its buyer's email and its ticket type's name.
pub type BookingRow = (Booking, String, String);

/// Up to `limit` of an event's bookings with ids above `after`, in id order.
pub fn bookings_after(
    conn: &mut Conn,
    event_id: i32,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<BookingRow>> {
    bookings::table
        .inner_join(users::table)
        .inner_join(ticket_types::table)
        .filter(bookings::event_id.eq(event_id))
        .filter(bookings::id.gt(after))
        .order(bookings::id.asc())
        .limit(limit)
        .select((Booking::as_select(), users::email, ticket_types::name))
        .load(conn)
}

/// The admissions (seats) of these bookings.
pub fn seats_of(conn: &mut Conn, booking_ids: &[i32]) -> QueryResult<Vec<Admission>> {
    admissions::table
        .filter(admissions::booking_id.eq_any(booking_ids))
        .order((admissions::booking_id, admissions::position))
        .select(Admission::as_select())
        .load(conn)
}

/// A payment or a refund with its buyer's email and event title.
pub type PaymentRow = (Payment, String, String);
pub type RefundRow = (Refund, i32, String, String);

/// Up to `limit` payments made in `[from, to)` with ids above `after`, in id order.
pub fn payments_between(
    conn: &mut Conn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .inner_join(
            bookings::table
                .inner_join(users::table)
                .inner_join(events::table),
        )
        .filter(payments::created_at.ge(from))
        .filter(payments::created_at.lt(to))
        .filter(payments::id.gt(after))
        .order(payments::id.asc())
        .limit(limit)
        .select((Payment::as_select(), users::email, events::title))
        .load(conn)
}

/// Up to `limit` refunds asked in `[from, to)` with ids above `after`, in id order, each
/// with its booking id, buyer's email and event title.
pub fn refunds_between(
    conn: &mut Conn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<RefundRow>> {
    refunds::table
        .inner_join(
            payments::table.inner_join(
                bookings::table
                    .inner_join(users::table)
                    .inner_join(events::table),
            ),
        )
        .filter(refunds::created_at.ge(from))
        .filter(refunds::created_at.lt(to))
        .filter(refunds::id.gt(after))
        .order(refunds::id.asc())
        .limit(limit)
        .select((
            Refund::as_select(),
            payments::booking_id,
            users::email,
            events::title,
        ))
        .load(conn)
}
