//! Queries on `retired_codes`: the codes a seat no longer has, so the door can say why
//! a code that once admitted does not any more.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::retired_codes::dsl;

/// Keeps `code` as retired from admission `admission_id` for `reason` (`sent`).
pub fn insert(
    conn: &mut Conn,
    code: &str,
    admission_id: i32,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(dsl::retired_codes)
        .values((
            dsl::code.eq(code),
            dsl::admission_id.eq(admission_id),
            dsl::reason.eq(reason),
            dsl::retired_at.eq(now),
        ))
        .execute(conn)
}

/// The admission a retired code belonged to, and why it was retired.
pub fn find(conn: &mut Conn, code: &str) -> QueryResult<Option<(i32, String)>> {
    dsl::retired_codes
        .filter(dsl::code.eq(code))
        .select((dsl::admission_id, dsl::reason))
        .first(conn)
        .optional()
}

/// Every retired code (the audit: none may be an admission's code again).
pub fn all_codes(conn: &mut Conn) -> QueryResult<Vec<String>> {
    dsl::retired_codes.select(dsl::code).load(conn)
}
