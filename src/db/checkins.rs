//! Queries of the door: finding a scanned code with everything its answer needs, the
//! guarded updates that check a seat in and undo it, the counts, and the lists.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Admission, Booking, Event};
use super::schema::admissions::dsl;
use super::schema::{bookings, events, ticket_types, users};
use super::status::AdmissionStatus;
use super::{Conn, Guarded};

/// A scanned seat: its admission, its booking, the ticket type's name, the event and
/// the buyer's email.
pub type SeatRow = (Admission, Booking, String, Event, String);

/// The seat whose admission has `code`.
pub fn seat_by_code(conn: &mut Conn, code: &str) -> QueryResult<Option<SeatRow>> {
    on_engine!(conn, c => dsl::admissions
        .inner_join(
            bookings::table
                .inner_join(ticket_types::table)
                .inner_join(events::table)
                .inner_join(users::table),
        )
        .filter(dsl::code.eq(code))
        .select((
            Admission::as_select(),
            Booking::as_select(),
            ticket_types::name,
            Event::as_select(),
            users::email,
        ))
        .first(c)
        .optional())
}

/// A seat by its admission id (the admin's undo).
pub fn seat_by_id(conn: &mut Conn, id: i32) -> QueryResult<Option<SeatRow>> {
    dsl::admissions
        .inner_join(
            bookings::table
                .inner_join(ticket_types::table)
                .inner_join(events::table)
                .inner_join(users::table),
        )
        .filter(dsl::id.eq(id))
        .select((
            Admission::as_select(),
            Booking::as_select(),
            ticket_types::name,
            Event::as_select(),
            users::email,
        ))
        .first(conn)
        .optional()
}

/// A booking whose code was never issued as an admission (it was never paid), with its
/// event.
pub fn unissued_booking(conn: &mut Conn, code: &str) -> QueryResult<Option<(Booking, Event)>> {
    bookings::table
        .inner_join(events::table)
        .filter(bookings::code.eq(code))
        .select((Booking::as_select(), Event::as_select()))
        .first(conn)
        .optional()
}

/// Checks one seat in: only a valid admission not checked in yet changes.
pub fn admit(
    conn: &mut Conn,
    id: i32,
    now: NaiveDateTime,
    gate: &str,
    nonce: Option<&str>,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::admissions
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(AdmissionStatus::Valid.as_str()))
            .filter(dsl::checked_in_at.is_null()),
    )
    .set((
        dsl::checked_in_at.eq(now),
        dsl::gate.eq(gate),
        dsl::checkin_nonce.eq(nonce),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Reverts a check-in: only a seat checked in at `checked_in_at` changes (an undo of a
/// stale page does not revert a newer check-in).
pub fn undo(conn: &mut Conn, id: i32, checked_in_at: NaiveDateTime) -> QueryResult<Guarded> {
    diesel::update(
        dsl::admissions
            .filter(dsl::id.eq(id))
            .filter(dsl::checked_in_at.eq(checked_in_at)),
    )
    .set((
        dsl::checked_in_at.eq(None::<NaiveDateTime>),
        dsl::gate.eq(None::<String>),
        dsl::checkin_nonce.eq(None::<String>),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Per ticket type of the events: (type id, valid seats, of which checked in), by type
/// id. Two index range reads per event, whatever the tables hold: the events' bookings
/// with their types, and their valid admissions counted per booking.
pub fn counts(conn: &mut Conn, event_ids: &[i32]) -> QueryResult<Vec<(i32, i64, i64)>> {
    let type_of: HashMap<i32, i32> = bookings::table
        .filter(bookings::event_id.eq_any(event_ids))
        .select((bookings::id, bookings::ticket_type_id))
        .load::<(i32, i32)>(conn)?
        .into_iter()
        .collect();
    let per_booking: Vec<(i32, i64, i64)> = dsl::admissions
        .filter(dsl::event_id.eq_any(event_ids))
        .filter(dsl::status.eq(AdmissionStatus::Valid.as_str()))
        .group_by(dsl::booking_id)
        .select((
            dsl::booking_id,
            diesel::dsl::count_star(),
            diesel::dsl::count(dsl::checked_in_at),
        ))
        .load(conn)?;
    let mut per_type: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for (booking_id, valid, admitted) in per_booking {
        if let Some(ticket_type_id) = type_of.get(&booking_id) {
            let sum = per_type.entry(*ticket_type_id).or_default();
            sum.0 += valid;
            sum.1 += admitted;
        }
    }
    Ok(per_type
        .into_iter()
        .map(|(ticket_type_id, (valid, admitted))| (ticket_type_id, valid, admitted))
        .collect())
}

/// One line of the door list: code, type, position, quantity, email, checked in at.
pub type DoorListRow = (String, String, i32, i32, String, Option<NaiveDateTime>);

/// An event's valid seats, by email then position (the offline list).
pub fn door_list(conn: &mut Conn, event_id: i32) -> QueryResult<Vec<DoorListRow>> {
    dsl::admissions
        .inner_join(
            bookings::table
                .inner_join(ticket_types::table)
                .inner_join(users::table),
        )
        .filter(bookings::event_id.eq(event_id))
        .filter(dsl::status.eq(AdmissionStatus::Valid.as_str()))
        .order((users::email.asc(), dsl::position.asc(), dsl::id.asc()))
        .select((
            dsl::code,
            ticket_types::name,
            dsl::position,
            bookings::quantity,
            users::email,
            dsl::checked_in_at,
        ))
        .load(conn)
}

/// An event's checked-in seats, latest first (the admin's undo list).
pub fn checked_in(conn: &mut Conn, event_id: i32, limit: i64) -> QueryResult<Vec<SeatRow>> {
    dsl::admissions
        .inner_join(
            bookings::table
                .inner_join(ticket_types::table)
                .inner_join(events::table)
                .inner_join(users::table),
        )
        .filter(bookings::event_id.eq(event_id))
        .filter(dsl::checked_in_at.is_not_null())
        .order((dsl::checked_in_at.desc(), dsl::id.desc()))
        .limit(limit)
        .select((
            Admission::as_select(),
            Booking::as_select(),
            ticket_types::name,
            Event::as_select(),
            users::email,
        ))
        .load(conn)
}

/// Seats checked in at every door (valid admissions with a check-in).
pub fn admitted_total(conn: &mut Conn) -> QueryResult<i64> {
    use super::schema::admissions;
    admissions::table
        .filter(admissions::status.eq("valid"))
        .filter(admissions::checked_in_at.is_not_null())
        .count()
        .get_result(conn)
}
