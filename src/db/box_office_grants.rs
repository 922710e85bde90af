//! Queries on `box_office_grants`: who may sell the seats of which event (NULL: all).

use diesel::prelude::*;

use super::Conn;
use super::models::{BoxOfficeGrant, NewBoxOfficeGrant};
use super::schema::box_office_grants::dsl;
use super::schema::{events, users};

pub fn insert(conn: &mut Conn, new: &NewBoxOfficeGrant) -> QueryResult<usize> {
    diesel::insert_into(dsl::box_office_grants)
        .values(*new)
        .execute(conn)
}

/// The grant of exactly this scope (one event, or all with `None`), if any.
pub fn find_scope(
    conn: &mut Conn,
    user_id: i32,
    event_id: Option<i32>,
) -> QueryResult<Option<BoxOfficeGrant>> {
    let query = dsl::box_office_grants
        .filter(dsl::user_id.eq(user_id))
        .select(BoxOfficeGrant::as_select())
        .into_boxed();
    let query = match event_id {
        Some(id) => query.filter(dsl::event_id.eq(id)),
        None => query.filter(dsl::event_id.is_null()),
    };
    query.first(conn).optional()
}

/// Takes a grant back; the number of rows deleted (0: it was already gone).
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    diesel::delete(dsl::box_office_grants.find(id)).execute(conn)
}

/// The scopes a user holds: event ids, `None` for every event.
pub fn scopes_of(conn: &mut Conn, user_id: i32) -> QueryResult<Vec<Option<i32>>> {
    dsl::box_office_grants
        .filter(dsl::user_id.eq(user_id))
        .select(dsl::event_id)
        .load(conn)
}

/// Every grant with the account's email and the event's title (`None`: all events),
/// by email.
pub type GrantRow = (BoxOfficeGrant, String, Option<String>);

pub fn all_with_names(conn: &mut Conn) -> QueryResult<Vec<GrantRow>> {
    dsl::box_office_grants
        .inner_join(users::table.on(users::id.eq(dsl::user_id)))
        .left_join(events::table)
        .order((users::email.asc(), dsl::id.asc()))
        .select((
            BoxOfficeGrant::as_select(),
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
    let query = dsl::box_office_grants
        .inner_join(users::table.on(users::id.eq(dsl::user_id)))
        .left_join(events::table)
        .filter(users::email.eq(email))
        .select((
            BoxOfficeGrant::as_select(),
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
