//! Queries on `idempotency_keys`: one row per (user, key), claimed by the first request
//! and holding its answer once done. Every change is a guarded update whose row count
//! says whether this request won.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys::dsl;
use super::{Conn, Guarded};

const RUNNING: &str = "running";
const DONE: &str = "done";

/// A stored key as a later request finds it.
#[derive(Debug, Clone, Queryable)]
pub struct StoredKey {
    pub id: i32,
    pub request_hash: String,
    pub running: bool,
    pub locked_until: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub response_location: Option<String>,
}

/// Claims `(user, key)` for a first request; `Ok(None)` when the key is already stored
/// (the UNIQUE constraint decided, on both engines, outside any transaction).
pub fn claim(
    conn: &mut Conn,
    user_id: i32,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
    locked_until: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    let inserted = diesel::insert_into(dsl::idempotency_keys)
        .values((
            dsl::user_id.eq(user_id),
            dsl::idempotency_key.eq(key),
            dsl::request_hash.eq(request_hash),
            dsl::state.eq(RUNNING),
            dsl::locked_until.eq(locked_until),
            dsl::created_at.eq(now),
        ))
        .returning(dsl::id)
        .get_result(conn);
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(error) if super::is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

pub fn find(conn: &mut Conn, user_id: i32, key: &str) -> QueryResult<Option<StoredKey>> {
    dsl::idempotency_keys
        .filter(dsl::user_id.eq(user_id))
        .filter(dsl::idempotency_key.eq(key))
        .select((
            dsl::id,
            dsl::request_hash,
            dsl::state.eq(RUNNING),
            dsl::locked_until,
            dsl::created_at,
            dsl::response_status,
            dsl::response_body,
            dsl::response_location,
        ))
        .first(conn)
        .optional()
}

/// Takes over a stored key for a new first request: one whose first request was
/// abandoned (still running past its lock) or whose answer is older than the replay
/// window. Guarded by the row's creation time and lock as they were read.
pub fn take_over(
    conn: &mut Conn,
    seen: &StoredKey,
    request_hash: &str,
    now: NaiveDateTime,
    locked_until: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::idempotency_keys
            .find(seen.id)
            .filter(dsl::created_at.eq(seen.created_at))
            .filter(dsl::locked_until.eq(seen.locked_until)),
    )
    .set((
        dsl::request_hash.eq(request_hash),
        dsl::state.eq(RUNNING),
        dsl::locked_until.eq(locked_until),
        dsl::created_at.eq(now),
        dsl::response_status.eq(None::<i32>),
        dsl::response_body.eq(None::<String>),
        dsl::response_location.eq(None::<String>),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Stores the first request's answer; `Lost` if its claim was taken over meanwhile.
pub fn finish(
    conn: &mut Conn,
    id: i32,
    locked_until: NaiveDateTime,
    status: i32,
    body: &str,
    location: Option<&str>,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::idempotency_keys
            .find(id)
            .filter(dsl::state.eq(RUNNING))
            .filter(dsl::locked_until.eq(locked_until)),
    )
    .set((
        dsl::state.eq(DONE),
        dsl::response_status.eq(Some(status)),
        dsl::response_body.eq(Some(body)),
        dsl::response_location.eq(location),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Gives a claim up (the first request failed with a 5xx): the next request with the
/// key runs afresh.
pub fn release(conn: &mut Conn, id: i32, locked_until: NaiveDateTime) -> QueryResult<Guarded> {
    diesel::delete(
        dsl::idempotency_keys
            .find(id)
            .filter(dsl::state.eq(RUNNING))
            .filter(dsl::locked_until.eq(locked_until)),
    )
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Deletes keys created before `before` (past the replay window); returns how many.
pub fn delete_older_than(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(dsl::idempotency_keys.filter(dsl::created_at.lt(before))).execute(conn)
}
