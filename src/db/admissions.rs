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
pub fn for_hold(conn: &mut Conn, ticket_id: i32, hold_number: i32) -> QueryResult<Vec<Admission>> {
    dsl::admissions
        .filter(dsl::ticket_id.eq(ticket_id))
        .filter(dsl::hold_number.eq(hold_number))
        .order(dsl::position.asc())
        .select(Admission::as_select())
        .load(conn)
}

/// Voids the admissions of one hold (its booking was refunded): the door refuses them.
pub fn void_hold(conn: &mut Conn, ticket_id: i32, hold_number: i32) -> QueryResult<usize> {
    diesel::update(
        dsl::admissions
            .filter(dsl::ticket_id.eq(ticket_id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::status.eq(AdmissionStatus::Valid.as_str())),
    )
    .set(dsl::status.eq(AdmissionStatus::Void.as_str()))
    .execute(conn)
}

/// Every admission (the audit reads them all).
pub fn all(conn: &mut Conn) -> QueryResult<Vec<Admission>> {
    dsl::admissions
        .order(dsl::id.asc())
        .select(Admission::as_select())
        .load(conn)
}
