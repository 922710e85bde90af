//! Queries on `limit_counters`: one row per (limit, subject, window), raised by one atomic
//! upsert whose `RETURNING` tells the caller the count after its own hit, so two
//! instances hitting one counter at the same instant both see an exact number.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::Conn;
use super::schema::limit_counters::dsl;

/// Adds `hits` to the counter of `(limit, subject)` in the window starting at
/// `window_start`, creating it if needed; returns the count after this hit.
///
/// Diesel's engine-neutral connection cannot build `ON CONFLICT`, so the one statement
/// is built on the concrete connection of each engine (both support the upsert and
/// `RETURNING`; the statement is static, so each connection caches it).
pub fn hit(
    conn: &mut Conn,
    limit: &str,
    subject: &str,
    window_start: NaiveDateTime,
    expires_at: NaiveDateTime,
    hits: i32,
) -> QueryResult<i32> {
    macro_rules! upsert {
        ($connection:expr) => {
            diesel::insert_into(dsl::limit_counters)
                .values((
                    dsl::limit_name.eq(limit),
                    dsl::subject.eq(subject),
                    dsl::window_start.eq(window_start),
                    dsl::hits.eq(hits),
                    dsl::expires_at.eq(expires_at),
                ))
                .on_conflict((dsl::limit_name, dsl::subject, dsl::window_start))
                .do_update()
                .set(dsl::hits.eq(dsl::hits + excluded(dsl::hits)))
                .returning(dsl::hits)
                .get_result($connection)
        };
    }
    match conn {
        Conn::Postgresql(connection) => upsert!(connection),
        Conn::Sqlite(connection) => upsert!(connection),
    }
}

/// The count of `(limit, subject)` in the window starting at `window_start` (0 if none).
pub fn count(
    conn: &mut Conn,
    limit: &str,
    subject: &str,
    window_start: NaiveDateTime,
) -> QueryResult<i32> {
    Ok(dsl::limit_counters
        .filter(dsl::limit_name.eq(limit))
        .filter(dsl::subject.eq(subject))
        .filter(dsl::window_start.eq(window_start))
        .select(dsl::hits)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Forgets the counters of `(limit, subject)` (a successful log-in clears its failures).
pub fn clear(conn: &mut Conn, limit: &str, subject: &str) -> QueryResult<usize> {
    diesel::delete(
        dsl::limit_counters
            .filter(dsl::limit_name.eq(limit))
            .filter(dsl::subject.eq(subject)),
    )
    .execute(conn)
}

/// Deletes up to `batch` counters whose window has passed; returns how many.
pub fn purge_expired(conn: &mut Conn, now: NaiveDateTime, batch: i64) -> QueryResult<usize> {
    let due = dsl::limit_counters
        .filter(dsl::expires_at.le(now))
        .select((dsl::limit_name, dsl::subject, dsl::window_start))
        .limit(batch)
        .load::<(String, String, NaiveDateTime)>(conn)?;
    let mut deleted = 0;
    for (limit, subject, window_start) in due {
        deleted += diesel::delete(
            dsl::limit_counters
                .filter(dsl::limit_name.eq(limit))
                .filter(dsl::subject.eq(subject))
                .filter(dsl::window_start.eq(window_start))
                .filter(dsl::expires_at.le(now)),
        )
        .execute(conn)?;
    }
    Ok(deleted)
}

/// Per limit name, how many subjects are counted in a window that has not passed (what
/// `/metrics` shows of the shared limits).
pub fn live_subjects(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<(String, i64)>> {
    dsl::limit_counters
        .filter(dsl::expires_at.gt(now))
        .group_by(dsl::limit_name)
        .select((dsl::limit_name, diesel::dsl::count_star()))
        .load(conn)
}
