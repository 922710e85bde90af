//! Queries on `api_tokens`: the hashed bearer tokens of the JSON API.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::api_tokens::dsl;
use super::schema::{door_grants, users};

pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    token_hash: &str,
    session_generation: i32,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(dsl::api_tokens)
        .values((
            dsl::user_id.eq(user_id),
            dsl::token_hash.eq(token_hash),
            dsl::session_generation.eq(session_generation),
            dsl::created_at.eq(now),
            dsl::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Who holds a live token: `(token id, user id, email, is admin, is door staff)`. A token
/// is live while unexpired, unrevoked and of its user's current session generation.
pub type Holder = (i32, i32, String, bool, bool);

pub fn live_holder(
    conn: &mut Conn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Holder>> {
    dsl::api_tokens
        .inner_join(users::table)
        .filter(dsl::token_hash.eq(token_hash))
        .filter(dsl::revoked_at.is_null())
        .filter(dsl::expires_at.gt(now))
        .filter(dsl::session_generation.eq(users::session_generation))
        .select((
            dsl::id,
            users::id,
            users::email,
            users::is_admin,
            diesel::dsl::exists(door_grants::table.filter(door_grants::user_id.eq(users::id))),
        ))
        .first(conn)
        .optional()
}

/// Revokes one token; `false` if it was already revoked.
pub fn revoke(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(dsl::api_tokens.find(id).filter(dsl::revoked_at.is_null()))
        .set(dsl::revoked_at.eq(Some(now)))
        .execute(conn)
        .map(|rows| rows == 1)
}

/// Deletes tokens that expired before `before` (housekeeping); returns how many.
pub fn delete_expired(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(dsl::api_tokens.filter(dsl::expires_at.lt(before))).execute(conn)
}
