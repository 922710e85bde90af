//! Queries on `door_grants`: who may use the check-in pages of which event (NULL: all).

use diesel::prelude::*;

use super::Conn;
use super::models::{DoorGrant, NewDoorGrant};
use super::schema::door_grants::dsl;
use super::schema::{events, users};

pub fn insert(conn: &mut Conn, new: &NewDoorGrant) -> QueryResult<usize> {
    diesel::insert_into(dsl::door_grants)
        .values(*new)
        .execute(conn)
}

/// The grant of exactly this scope (one event, or all with `None`), if any.
pub fn find_scope(
    conn: &mut Conn,
    user_id: i32,
    event_id: Option<i32>,
) -> QueryResult<Option<DoorGrant>> {
    let query = dsl::door_grants
        .filter(dsl::user_id.eq(user_id))
        .select(DoorGrant::as_select())
        .into_boxed();
    let query = match event_id {
        Some(id) => query.filter(dsl::event_id.eq(id)),
        None => query.filter(dsl::event_id.is_null()),
    };
    query.first(conn).optional()
}

/// Takes a grant back; the number of rows deleted (0: it was already gone).
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    diesel::delete(dsl::door_grants.find(id)).execute(conn)
}

/// The scopes a user holds: event ids, `None` for every event.
pub fn scopes_of(conn: &mut Conn, user_id: i32) -> QueryResult<Vec<Option<i32>>> {
    on_engine!(conn, c => dsl::door_grants
        .filter(dsl::user_id.eq(user_id))
        .select(dsl::event_id)
        .load(c))
}

/// Every grant with the account's email and the event's title (`None`: all events),
/// by email.
pub type GrantRow = (DoorGrant, String, Option<String>);

pub fn all_with_names(conn: &mut Conn) -> QueryResult<Vec<GrantRow>> {
    dsl::door_grants
        .inner_join(users::table.on(users::id.eq(dsl::user_id)))
        .left_join(events::table)
        .order((users::email.asc(), dsl::id.asc()))
        .select((
            DoorGrant::as_select(),
            users::email,
            events::title.nullable(),
        ))
        .load(conn)
}

/// The grant of the account with `email` for `event_id` (`None`: every event), as
/// `all_with_names` lists it.
pub fn one_with_names(
    conn: &mut Conn,
    email: &str,
    event_id: Option<i32>,
) -> QueryResult<Option<GrantRow>> {
    let query = dsl::door_grants
        .inner_join(users::table.on(users::id.eq(dsl::user_id)))
        .left_join(events::table)
        .filter(users::email.eq(email))
        .select((
            DoorGrant::as_select(),
            users::email,
            events::title.nullable(),
        ))
        .into_boxed();
    let query = match event_id {
        Some(id) => query.filter(dsl::event_id.eq(id)),
        None => query.filter(dsl::event_id.is_null()),
    };
    query.first(conn).optional()
}
