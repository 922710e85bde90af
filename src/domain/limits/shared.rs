//! Counting against the shared table. Each function takes a connection, so a count can
//! be part of a larger transaction (a hold and its count commit or roll back together).

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::{Limit, Quota, Subject};
use crate::db::{Conn, limit_counters};

/// Counts one request of `subject` and says whether the limit allows it. Refused
/// requests are counted too (a client that keeps knocking stays refused until the
/// window ends).
pub fn take(
    conn: &mut Conn,
    limit: &Limit,
    subject: &Subject,
    now: NaiveDateTime,
) -> QueryResult<Quota> {
    if limit.is_off() {
        return Ok(Quota::unlimited());
    }
    let count = record(conn, limit, subject, now)?;
    Ok(limit.quota(count, now))
}

/// Counts one event of `subject` whatever the limit (the event already happened: a
/// failed log-in); returns the count in this window.
pub fn record(
    conn: &mut Conn,
    limit: &Limit,
    subject: &Subject,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    if limit.is_off() {
        return Ok(0);
    }
    let count = limit_counters::hit(
        conn,
        limit.name,
        subject.as_str(),
        limit.window_start(now),
        limit.window_end(now),
        1,
    )?;
    Ok(i64::from(count))
}

/// Where `subject` stands now, counting nothing: `allowed` is whether one more event
/// would still be allowed.
pub fn peek(
    conn: &mut Conn,
    limit: &Limit,
    subject: &Subject,
    now: NaiveDateTime,
) -> QueryResult<Quota> {
    if limit.is_off() {
        return Ok(Quota::unlimited());
    }
    let count = limit_counters::count(conn, limit.name, subject.as_str(), limit.window_start(now))?;
    Ok(limit.quota(i64::from(count) + 1, now))
}

/// How many events `subject` has had in the window of `now`.
pub fn count(
    conn: &mut Conn,
    limit: &Limit,
    subject: &Subject,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    if limit.is_off() {
        return Ok(0);
    }
    let count = limit_counters::count(conn, limit.name, subject.as_str(), limit.window_start(now))?;
    Ok(i64::from(count))
}

/// Deletes counters whose window has passed, up to `batch`; returns how many.
pub fn purge_expired(conn: &mut Conn, now: NaiveDateTime, batch: i64) -> QueryResult<usize> {
    limit_counters::purge_expired(conn, now, batch)
}
