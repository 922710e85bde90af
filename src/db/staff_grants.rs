//! Queries on the staff grant tables, one shape for both: `door_grants` (who may use the
//! check-in pages of which event) and `box_office_grants` (who may sell the seats of
//! which event); an event id, or NULL for every event. Each table gets the same queries
//! from `grant_queries!`, re-exported as `db::door_grants` and `db::box_office_grants`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One grant of either table.
#[derive(Debug, Clone, Queryable)]
pub struct StaffGrant {
    pub id: i32,
    pub user_id: i32,
    /// `None`: every event.
    pub event_id: Option<i32>,
    pub granted_by: i32,
    pub created_at: NaiveDateTime,
}

/// A grant to store.
#[derive(Debug, Clone, Copy)]
pub struct NewStaffGrant {
    pub user_id: i32,
    pub event_id: Option<i32>,
    pub granted_by: i32,
    pub created_at: NaiveDateTime,
}

/// A grant with the account's email and the event's title (`None`: all events).
pub type GrantRow = (StaffGrant, String, Option<String>);

/// The queries of one grant table.
macro_rules! grant_queries {
    ($table:ident) => {
        pub mod $table {
            //! The queries of one staff grant table (see `db::staff_grants`).

            use diesel::prelude::*;

            pub use super::GrantRow;
            use super::{NewStaffGrant, StaffGrant};
            use crate::db::Conn;
            use crate::db::schema::$table::dsl;
            use crate::db::schema::{events, users};

            /// A grant's columns, in `StaffGrant`'s order.
            const GRANT: (
                dsl::id,
                dsl::user_id,
                dsl::event_id,
                dsl::granted_by,
                dsl::created_at,
            ) = (
                dsl::id,
                dsl::user_id,
                dsl::event_id,
                dsl::granted_by,
                dsl::created_at,
            );

            pub fn insert(conn: &mut Conn, new: &NewStaffGrant) -> QueryResult<usize> {
                diesel::insert_into(dsl::$table)
                    .values((
                        dsl::user_id.eq(new.user_id),
                        dsl::event_id.eq(new.event_id),
                        dsl::granted_by.eq(new.granted_by),
                        dsl::created_at.eq(new.created_at),
                    ))
                    .execute(conn)
            }

            /// The grant of exactly this scope (one event, or all with `None`), if any.
            pub fn find_scope(
                conn: &mut Conn,
                user_id: i32,
                event_id: Option<i32>,
            ) -> QueryResult<Option<StaffGrant>> {
                let query = dsl::$table
                    .filter(dsl::user_id.eq(user_id))
                    .select(GRANT)
                    .into_boxed();
                let query = match event_id {
                    Some(id) => query.filter(dsl::event_id.eq(id)),
                    None => query.filter(dsl::event_id.is_null()),
                };
                query.first(conn).optional()
            }

            /// Takes a grant back; the number of rows deleted (0: it was already gone).
            pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<usize> {
                diesel::delete(dsl::$table.find(id)).execute(conn)
            }

            /// The scopes a user holds: event ids, `None` for every event.
            /// On the engine's own connection: the door's scan asks it (`db::on_engine!`).
            pub fn scopes_of(conn: &mut Conn, user_id: i32) -> QueryResult<Vec<Option<i32>>> {
                on_engine!(conn, c => dsl::$table
                    .filter(dsl::user_id.eq(user_id))
                    .select(dsl::event_id)
                    .load(c))
            }

            /// Every grant with the account's email and the event's title, by email.
            pub fn all_with_names(conn: &mut Conn) -> QueryResult<Vec<GrantRow>> {
                dsl::$table
                    .inner_join(users::table.on(users::id.eq(dsl::user_id)))
                    .left_join(events::table)
                    .order((users::email.asc(), dsl::id.asc()))
                    .select((GRANT, users::email, events::title.nullable()))
                    .load(conn)
            }

            /// The grant of the account with `email` for `event_id` (`None`: every
            /// event), as `all_with_names` lists it.
            pub fn one_with_names(
                conn: &mut Conn,
                email: &str,
                event_id: Option<i32>,
            ) -> QueryResult<Option<GrantRow>> {
                let query = dsl::$table
                    .inner_join(users::table.on(users::id.eq(dsl::user_id)))
                    .left_join(events::table)
                    .filter(users::email.eq(email))
                    .select((GRANT, users::email, events::title.nullable()))
                    .into_boxed();
                let query = match event_id {
                    Some(id) => query.filter(dsl::event_id.eq(id)),
                    None => query.filter(dsl::event_id.is_null()),
                };
                query.first(conn).optional()
            }
        }
    };
}

grant_queries!(door_grants);
grant_queries!(box_office_grants);
