//! Queries on `admissions`: one row per seat of a paid booking, each with its own code.

use diesel::prelude::*;

use super::Conn;
use super::models::{Admission, NewAdmission};
use super::schema::admissions::dsl;
use super::status::AdmissionStatus;

pub fn insert(conn: &mut Conn, new: &NewAdmission<'_>) -> QueryResult<usize> {
    diesel::insert_into(dsl::admissions)
        .values(*new)
        .execute(conn)
}

/// The admissions of one hold of a booking, by position.
pub fn for_hold(conn: &mut Conn, booking_id: i32, hold_number: i32) -> QueryResult<Vec<Admission>> {
    dsl::admissions
        .filter(dsl::booking_id.eq(booking_id))
        .filter(dsl::hold_number.eq(hold_number))
        .order(dsl::position.asc())
        .select(Admission::as_select())
        .load(conn)
}

/// One admission by id.
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Admission>> {
    on_engine!(conn, c => dsl::admissions
        .find(id)
        .select(Admission::as_select())
        .first(c)
        .optional())
}

/// Whether a seat of one hold of a booking was checked in at the door.
pub fn any_checked_in(conn: &mut Conn, booking_id: i32, hold_number: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        dsl::admissions
            .filter(dsl::booking_id.eq(booking_id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::checked_in_at.is_not_null()),
    ))
    .get_result(conn)
}

/// Of the bookings `ticket_ids`, those with a seat of their current hold checked in.
pub fn checked_in_bookings(conn: &mut Conn, booking_ids: &[i32]) -> QueryResult<Vec<i32>> {
    use super::schema::bookings;
    dsl::admissions
        .inner_join(bookings::table)
        .filter(dsl::booking_id.eq_any(booking_ids))
        .filter(dsl::hold_number.eq(bookings::hold_number))
        .filter(dsl::checked_in_at.is_not_null())
        .select(dsl::booking_id)
        .distinct()
        .load(conn)
}

/// Voids the admissions of one hold (its booking was refunded): the door refuses them.
pub fn void_hold(conn: &mut Conn, booking_id: i32, hold_number: i32) -> QueryResult<usize> {
    diesel::update(
        dsl::admissions
            .filter(dsl::booking_id.eq(booking_id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::status.eq(AdmissionStatus::Valid.as_str())),
    )
    .set(dsl::status.eq(AdmissionStatus::Void.as_str()))
    .execute(conn)
}

/// Retires the valid admissions of one hold whose seats passed to another holder: the
/// door answers `status` (resold, given) for them.
pub fn retire_hold(
    conn: &mut Conn,
    booking_id: i32,
    hold_number: i32,
    status: AdmissionStatus,
) -> QueryResult<usize> {
    diesel::update(
        dsl::admissions
            .filter(dsl::booking_id.eq(booking_id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::status.eq(AdmissionStatus::Valid.as_str())),
    )
    .set(dsl::status.eq(status.as_str()))
    .execute(conn)
}

/// Gives a valid seat not checked in a new code (it was sent to `holder_email`),
/// guarded by the code read; the old code is kept in `retired_codes` by the caller.
pub fn reissue(
    conn: &mut Conn,
    id: i32,
    old_code: &str,
    new_code: &str,
    holder_email: &str,
    attendee_name: Option<&str>,
    now: chrono::NaiveDateTime,
) -> QueryResult<super::Guarded> {
    let changed = diesel::update(
        dsl::admissions
            .filter(dsl::id.eq(id))
            .filter(dsl::code.eq(old_code))
            .filter(dsl::status.eq(AdmissionStatus::Valid.as_str()))
            .filter(dsl::checked_in_at.is_null()),
    )
    .set((
        dsl::code.eq(new_code),
        dsl::holder_email.eq(Some(holder_email)),
        dsl::attendee_name.eq(attendee_name),
        dsl::sent_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(super::Guarded::from_rows(changed))
}

/// Voids a valid seat not checked in that its owner gave back, guarded by both.
pub fn give_back(
    conn: &mut Conn,
    id: i32,
    now: chrono::NaiveDateTime,
) -> QueryResult<super::Guarded> {
    let changed = diesel::update(
        dsl::admissions
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(AdmissionStatus::Valid.as_str()))
            .filter(dsl::checked_in_at.is_null()),
    )
    .set((
        dsl::status.eq(AdmissionStatus::Void.as_str()),
        dsl::given_back_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(super::Guarded::from_rows(changed))
}

/// Moves a seat to another position of its hold (the caller keeps positions unique).
pub fn move_to(conn: &mut Conn, id: i32, position: i32) -> QueryResult<usize> {
    diesel::update(dsl::admissions.filter(dsl::id.eq(id)))
        .set(dsl::position.eq(position))
        .execute(conn)
}

/// Sets (or clears) the name of who will use a seat.
pub fn name_attendee(conn: &mut Conn, id: i32, name: Option<&str>) -> QueryResult<usize> {
    diesel::update(dsl::admissions.filter(dsl::id.eq(id)))
        .set(dsl::attendee_name.eq(name))
        .execute(conn)
}

/// Names every seat of a booking's hold that has no attendee name yet (a box office
/// sale's customer).
pub fn name_unnamed_of_hold(
    conn: &mut Conn,
    booking_id: i32,
    hold_number: i32,
    name: &str,
) -> QueryResult<usize> {
    diesel::update(
        dsl::admissions
            .filter(dsl::booking_id.eq(booking_id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::attendee_name.is_null()),
    )
    .set(dsl::attendee_name.eq(name))
    .execute(conn)
}

/// Every admission (the audit reads them all).
pub fn all(conn: &mut Conn) -> QueryResult<Vec<Admission>> {
    dsl::admissions
        .order(dsl::id.asc())
        .select(Admission::as_select())
        .load(conn)
}

/// The admissions of the tickets with ids in `after + 1 ..= last` (the audit's page).
pub fn for_booking_ids_in(conn: &mut Conn, after: i32, last: i32) -> QueryResult<Vec<Admission>> {
    dsl::admissions
        .filter(dsl::booking_id.gt(after))
        .filter(dsl::booking_id.le(last))
        .order(dsl::id.asc())
        .select(Admission::as_select())
        .load(conn)
}

/// (code, uses) of every admission code used more than once.
pub fn repeated_codes(conn: &mut Conn) -> QueryResult<Vec<(String, i64)>> {
    use diesel::dsl::count_star;
    dsl::admissions
        .group_by(dsl::code)
        .having(count_star().gt(1))
        .select((dsl::code, count_star()))
        .load(conn)
}
