//! Queries on `api_tokens`: the hashed bearer tokens of the JSON API, those minted with
//! a password (short-lived, unnamed) and personal access tokens (named, made on the
//! account page, maybe never expiring).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::api_tokens::dsl;
use super::schema::{door_grants, users};

/// A token to store: only its hash.
#[derive(Debug, Clone, Copy)]
pub struct NewToken<'a> {
    pub user_id: i32,
    pub token_hash: &'a str,
    pub session_generation: i32,
    pub created_at: NaiveDateTime,
    /// `None`: never expires (personal access tokens only).
    pub expires_at: Option<NaiveDateTime>,
    /// A personal access token's name; `None` for a token minted with a password.
    pub name: Option<&'a str>,
    /// What it may do (`TokenScope::as_str`).
    pub scope: &'a str,
}

/// Stores a token; its id.
pub fn insert(conn: &mut Conn, token: &NewToken<'_>) -> QueryResult<i32> {
    diesel::insert_into(dsl::api_tokens)
        .values((
            dsl::user_id.eq(token.user_id),
            dsl::token_hash.eq(token.token_hash),
            dsl::session_generation.eq(token.session_generation),
            dsl::created_at.eq(token.created_at),
            dsl::expires_at.eq(token.expires_at),
            dsl::name.eq(token.name),
            dsl::scope.eq(token.scope),
        ))
        .returning(dsl::id)
        .get_result(conn)
}

/// Who holds a live token: `(token id, user id, email, is admin, is door staff)`. A token
/// is live while unexpired, unrevoked and of its user's current session generation.
pub type Holder = (i32, i32, String, bool, bool);

/// A live token as its request sees it.
#[derive(Debug, Clone, Queryable)]
pub struct LiveToken {
    pub holder: Holder,
    /// A personal access token (named), not one minted with a password.
    pub personal: bool,
    /// When it was last used (recorded for personal tokens only).
    pub last_used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// Its stored scope.
    pub scope: String,
}

/// A live token's holder and the facts about the token a request needs.
pub fn live_holder(
    conn: &mut Conn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<LiveToken>> {
    on_engine!(conn, c => dsl::api_tokens
        .inner_join(users::table)
        .filter(dsl::token_hash.eq(token_hash))
        .filter(dsl::revoked_at.is_null())
        .filter(dsl::expires_at.is_null().or(dsl::expires_at.gt(now)))
        .filter(dsl::session_generation.eq(users::session_generation))
        .select((
            (
                dsl::id,
                users::id,
                users::email,
                users::is_admin,
                diesel::dsl::exists(door_grants::table.filter(door_grants::user_id.eq(users::id))),
            ),
            dsl::name.is_not_null(),
            dsl::last_used_at,
            dsl::created_at,
            dsl::scope,
        ))
        .first(c)
        .optional())
}

/// Records that a token was used now.
pub fn touch(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(dsl::api_tokens.find(id))
        .set(dsl::last_used_at.eq(now))
        .execute(conn)
}

/// Revokes one token; `false` if it was already revoked.
pub fn revoke(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(dsl::api_tokens.find(id).filter(dsl::revoked_at.is_null()))
        .set(dsl::revoked_at.eq(Some(now)))
        .execute(conn)
        .map(|rows| rows == 1)
}

/// A personal access token, as its owner's account page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct PersonalToken {
    pub id: i32,
    pub name: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub scope: String,
}

/// The live personal access tokens of `user_id` (of `generation`, the user's current
/// session generation), newest first.
pub fn live_personal(
    conn: &mut Conn,
    user_id: i32,
    generation: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<PersonalToken>> {
    dsl::api_tokens
        .filter(dsl::user_id.eq(user_id))
        .filter(dsl::name.is_not_null())
        .filter(dsl::revoked_at.is_null())
        .filter(dsl::expires_at.is_null().or(dsl::expires_at.gt(now)))
        .filter(dsl::session_generation.eq(generation))
        .order(dsl::id.desc())
        .select((
            dsl::id,
            dsl::name,
            dsl::created_at,
            dsl::expires_at,
            dsl::last_used_at,
            dsl::scope,
        ))
        .load(conn)
}

/// Revokes a personal access token of `user_id` (scoped by owner); `false` when there is
/// no such live token of theirs.
pub fn revoke_personal(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        dsl::api_tokens
            .filter(dsl::id.eq(id))
            .filter(dsl::user_id.eq(user_id))
            .filter(dsl::name.is_not_null())
            .filter(dsl::revoked_at.is_null()),
    )
    .set(dsl::revoked_at.eq(Some(now)))
    .execute(conn)
    .map(|rows| rows == 1)
}

/// Deletes tokens that can never work again, ended before `before`: expired, revoked,
/// or of an older session generation than their user's (housekeeping); returns how
/// many.
pub fn delete_expired(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    let ended = diesel::delete(
        dsl::api_tokens.filter(dsl::expires_at.lt(before).or(dsl::revoked_at.lt(before))),
    )
    .execute(conn)?;
    let outlived: Vec<i32> = dsl::api_tokens
        .inner_join(users::table)
        .filter(users::session_generation.gt(dsl::session_generation))
        .select(dsl::id)
        .limit(1000)
        .load(conn)?;
    let dead = if outlived.is_empty() {
        0
    } else {
        diesel::delete(dsl::api_tokens.filter(dsl::id.eq_any(&outlived))).execute(conn)?
    };
    Ok(ended + dead)
}
