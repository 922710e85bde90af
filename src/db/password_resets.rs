//! Queries on `password_resets`: the hashed, single-use, expiring reset tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_resets::dsl;
use super::{Conn, Guarded};

pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(dsl::password_resets)
        .values((
            dsl::user_id.eq(user_id),
            dsl::token_hash.eq(token_hash),
            dsl::expires_at.eq(expires_at),
            dsl::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The user of an unused, unexpired token, if there is one.
pub fn live_user(
    conn: &mut Conn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(i32, i32)>> {
    dsl::password_resets
        .filter(dsl::token_hash.eq(token_hash))
        .filter(dsl::used_at.is_null())
        .filter(dsl::expires_at.gt(now))
        .select((dsl::id, dsl::user_id))
        .first(conn)
        .optional()
}

/// Uses a token: `Lost` when it was used (or had expired) meanwhile.
pub fn use_token(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<Guarded> {
    diesel::update(
        dsl::password_resets
            .filter(dsl::id.eq(id))
            .filter(dsl::used_at.is_null())
            .filter(dsl::expires_at.gt(now)),
    )
    .set(dsl::used_at.eq(now))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Deletes up to `limit` reset tokens used, or expired, before `before`; returns how
/// many. A live token (unused, unexpired) is never touched. Safe on several instances at
/// once.
pub fn purge_spent(conn: &mut Conn, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let old =
        || dsl::password_resets.filter(dsl::used_at.lt(before).or(dsl::expires_at.lt(before)));
    let ids: Vec<i32> = old()
        .order(dsl::id)
        .limit(limit)
        .select(dsl::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(old().filter(dsl::id.eq_any(&ids))).execute(conn)
}

/// Voids every unused link of `user_id` (the password changed, by a link or on the
/// account page); returns how many.
pub fn void_for_user(conn: &mut Conn, user_id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        dsl::password_resets
            .filter(dsl::user_id.eq(user_id))
            .filter(dsl::used_at.is_null()),
    )
    .set(dsl::used_at.eq(now))
    .execute(conn)
}
