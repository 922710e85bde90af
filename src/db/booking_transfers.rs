//! Queries on `booking_transfers`: the record of every booking's seats passing from one
//! holder to another (a resale or a gift).

use diesel::prelude::*;

use super::Conn;
use super::models::{NewTransfer, Transfer};
use super::schema::booking_transfers::dsl;

pub fn insert(conn: &mut Conn, new: &NewTransfer<'_>) -> QueryResult<Transfer> {
    diesel::insert_into(dsl::booking_transfers)
        .values(*new)
        .get_result(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Transfer>> {
    dsl::booking_transfers
        .find(id)
        .select(Transfer::as_select())
        .first(conn)
        .optional()
}

/// The transfer that took the seats out of a booking's hold, if any.
pub fn out_of(conn: &mut Conn, booking_id: i32) -> QueryResult<Vec<Transfer>> {
    dsl::booking_transfers
        .filter(dsl::from_booking_id.eq(booking_id))
        .order(dsl::id.desc())
        .select(Transfer::as_select())
        .load(conn)
}

/// The transfers that brought seats into a booking, newest first.
pub fn into(conn: &mut Conn, booking_id: i32) -> QueryResult<Vec<Transfer>> {
    dsl::booking_transfers
        .filter(dsl::to_booking_id.eq(booking_id))
        .order(dsl::id.desc())
        .select(Transfer::as_select())
        .load(conn)
}

/// Every transfer (the audit).
pub fn all(conn: &mut Conn) -> QueryResult<Vec<Transfer>> {
    dsl::booking_transfers
        .order(dsl::id.asc())
        .select(Transfer::as_select())
        .load(conn)
}
