//! Queries on `checkin_log`: the door's audit trail (admits and undos).

use diesel::prelude::*;

use super::Conn;
use super::models::{CheckinLog, NewCheckinLog};
use super::schema::checkin_log::dsl;
use super::schema::{admissions, users};

pub fn insert(conn: &mut Conn, new: &NewCheckinLog<'_>) -> QueryResult<usize> {
    diesel::insert_into(dsl::checkin_log)
        .values(*new)
        .execute(conn)
}

/// A line of the trail with who did it and the seat's code.
pub type LogRow = (CheckinLog, String, String);

/// An event's trail, newest first (at most `limit` lines).
pub fn for_event(conn: &mut Conn, event_id: i32, limit: i64) -> QueryResult<Vec<LogRow>> {
    dsl::checkin_log
        .inner_join(users::table)
        .inner_join(admissions::table)
        .filter(dsl::event_id.eq(event_id))
        .order(dsl::id.desc())
        .limit(limit)
        .select((CheckinLog::as_select(), users::email, admissions::code))
        .load(conn)
}

/// Every line about one admission, oldest first.
pub fn for_admission(conn: &mut Conn, admission_id: i32) -> QueryResult<Vec<CheckinLog>> {
    dsl::checkin_log
        .filter(dsl::admission_id.eq(admission_id))
        .order(dsl::id.asc())
        .select(CheckinLog::as_select())
        .load(conn)
}
