//! Counting against the shared table. Each function takes a connection, so a count can
//! be part of a larger transaction (a hold and its count commit or roll back together).

use std::collections::{BTreeMap, HashMap};

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

/// Locks the counters of `asks` until the transaction ends and reads them: one
/// statement, taking the rows in one fixed order (limit, then subject), so transactions
/// locking overlapping sets never wait on each other in a cycle. A counter not yet hit
/// is created at 0. Returns each ask's count, in the order asked (0 for a limit that is
/// off). Use it inside a transaction; the counts then stay exact until it ends.
pub fn lock_counts(
    conn: &mut Conn,
    asks: &[(Limit, Subject)],
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    let adds: Vec<(Limit, Subject, i32)> = asks
        .iter()
        .map(|(limit, subject)| (*limit, subject.clone(), 0))
        .collect();
    add_counts(conn, &adds, now)
}

/// Adds each ask's hits to its counter in one statement (rows in the same fixed order
/// as `lock_counts`); returns the counts after, in the order asked (0 for a limit that
/// is off). An ask repeated is added once with the hits summed.
pub fn add_counts(
    conn: &mut Conn,
    adds: &[(Limit, Subject, i32)],
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    let mut rows: BTreeMap<(&'static str, &str), limit_counters::CounterHit> = BTreeMap::new();
    for (limit, subject, hits) in adds.iter().filter(|(limit, ..)| !limit.is_off()) {
        rows.entry((limit.name, subject.as_str()))
            .and_modify(|row| row.hits += hits)
            .or_insert_with(|| limit_counters::CounterHit {
                limit: limit.name,
                subject: subject.as_str().to_owned(),
                window_start: limit.window_start(now),
                expires_at: limit.window_end(now),
                hits: *hits,
            });
    }
    let rows: Vec<_> = rows.into_values().collect();
    let counted: HashMap<(String, String), i32> = limit_counters::hit_many(conn, &rows)?
        .into_iter()
        .map(|(limit, subject, hits)| ((limit, subject), hits))
        .collect();
    // Every row written is returned; a missing one would be a broken statement, never a 0.
    adds.iter()
        .map(|(limit, subject, _)| {
            if limit.is_off() {
                return Ok(0);
            }
            let key = (limit.name.to_owned(), subject.as_str().to_owned());
            counted
                .get(&key)
                .map(|hits| i64::from(*hits))
                .ok_or(diesel::result::Error::NotFound)
        })
        .collect()
}

/// Deletes counters whose window has passed, up to `batch`; returns how many.
pub fn purge_expired(conn: &mut Conn, now: NaiveDateTime, batch: i64) -> QueryResult<usize> {
    limit_counters::purge_expired(conn, now, batch)
}
