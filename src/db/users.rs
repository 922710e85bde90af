//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::models::{NewUser, User};
use super::schema::users::dsl;

pub fn insert(conn: &mut Conn, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(dsl::users).values(new).get_result(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<User>> {
    dsl::users
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut Conn, email: &str) -> QueryResult<Option<User>> {
    dsl::users
        .filter(dsl::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// What every authenticated request checks about its user.
#[derive(Debug, Clone, Queryable)]
pub struct SessionFacts {
    pub session_generation: i32,
    pub is_admin: bool,
    pub email: String,
    /// Whether the user keeps the door of any event (door staff).
    pub is_door: bool,
    /// Whether the user sells any event's seats (box office staff).
    pub is_box_office: bool,
}

/// The facts of one user, in one query.
pub fn session_facts(conn: &mut Conn, id: i32) -> QueryResult<Option<SessionFacts>> {
    use super::schema::{box_office_grants, door_grants};
    dsl::users
        .find(id)
        .select((
            dsl::session_generation,
            dsl::is_admin,
            dsl::email,
            diesel::dsl::exists(door_grants::table.filter(door_grants::user_id.eq(dsl::id))),
            diesel::dsl::exists(
                box_office_grants::table.filter(box_office_grants::user_id.eq(dsl::id)),
            ),
        ))
        .first(conn)
        .optional()
}

/// Ends every session of the user issued so far; returns the new generation.
pub fn bump_session_generation(conn: &mut Conn, id: i32) -> QueryResult<i32> {
    diesel::update(dsl::users.find(id))
        .set(dsl::session_generation.eq(dsl::session_generation + 1))
        .returning(dsl::session_generation)
        .get_result(conn)
}

/// Replaces the password and ends every older session; returns the new generation.
pub fn set_password(conn: &mut Conn, id: i32, password_hash: &str) -> QueryResult<i32> {
    diesel::update(dsl::users.find(id))
        .set((
            dsl::password_hash.eq(password_hash),
            dsl::session_generation.eq(dsl::session_generation + 1),
        ))
        .returning(dsl::session_generation)
        .get_result(conn)
}

pub fn make_admin(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    diesel::update(dsl::users.find(id))
        .set(dsl::is_admin.eq(true))
        .execute(conn)
}

pub fn new_user<'a>(
    email: &'a str,
    password_hash: &'a str,
    is_admin: bool,
    now: NaiveDateTime,
) -> NewUser<'a> {
    NewUser {
        email,
        password_hash,
        is_admin,
        created_at: now,
    }
}

/// Marks the address confirmed; `Lost` when it already was.
pub fn mark_verified(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<super::Guarded> {
    diesel::update(
        dsl::users
            .filter(dsl::id.eq(id))
            .filter(dsl::email_verified_at.is_null()),
    )
    .set(dsl::email_verified_at.eq(now))
    .execute(conn)
    .map(super::Guarded::from_rows)
}

/// Which of `ids` have confirmed their address (a reserve batch on a high-demand event:
/// one statement, by primary key).
pub fn confirmed_among(conn: &mut Conn, ids: &[i32]) -> QueryResult<Vec<i32>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    dsl::users
        .filter(dsl::id.eq_any(ids))
        .filter(dsl::email_verified_at.is_not_null())
        .select(dsl::id)
        .load(conn)
}

/// Reads one account and locks its row until the transaction ends (`SELECT … FOR
/// UPDATE` on PostgreSQL; on SQLite the caller's immediate transaction holds the write
/// lock): what is counted per account (its personal tokens) is counted one request at
/// a time.
pub fn lock(conn: &mut Conn, id: i32) -> QueryResult<Option<User>> {
    // One query per engine: `as_select` is typed for its backend.
    match conn {
        Conn::Postgresql(pg) => dsl::users
            .find(id)
            .select(User::as_select())
            .for_update()
            .first(pg)
            .optional(),
        Conn::Sqlite(sqlite) => dsl::users
            .find(id)
            .select(User::as_select())
            .first(sqlite)
            .optional(),
    }
}

/// Which of `ids` have not confirmed their address, their rows locked until the
/// transaction ends (`SELECT … FOR UPDATE` in id order on PostgreSQL; on SQLite the
/// caller's immediate transaction holds the write lock): two reserves of one unconfirmed
/// account at once are judged one after the other (`domain::accounts::unconfirmed`).
pub fn lock_unconfirmed_among(conn: &mut Conn, ids: &[i32]) -> QueryResult<Vec<i32>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = dsl::users
        .filter(dsl::id.eq_any(ids))
        .filter(dsl::email_verified_at.is_null())
        .order(dsl::id)
        .select(dsl::id);
    match conn {
        Conn::Postgresql(pg) => query.for_update().load(pg),
        Conn::Sqlite(sqlite) => query.load(sqlite),
    }
}

/// Every account, oldest first (the admin's list of who is verified).
pub fn all(conn: &mut Conn, limit: i64) -> QueryResult<Vec<User>> {
    dsl::users
        .order(dsl::id)
        .limit(limit)
        .select(User::as_select())
        .load(conn)
}
