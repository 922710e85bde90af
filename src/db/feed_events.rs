//! Queries on `feed_events` and `feed_counter`: the partner-visible events by gap-free
//! position, the position handed out under the counter row's lock.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::feed_counter::dsl as counter;
use super::schema::feed_events::dsl;

/// One event of the feed, as stored (the body is the exact JSON delivered and served).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::feed_events)]
pub struct FeedEventRow {
    pub position: i32,
    pub message_id: String,
    pub event_type: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// Takes the next position: increments the counter row, which locks it until the
/// caller's transaction ends, so a second publisher waits and takes the position after
/// this one only once it is committed (or reuses it, rolled back). Call inside a write
/// transaction.
pub fn next_position(conn: &mut Conn) -> QueryResult<i32> {
    diesel::update(counter::feed_counter.filter(counter::id.eq(1)))
        .set(counter::position.eq(counter::position + 1))
        .returning(counter::position)
        .get_result(conn)
}

/// Whether the message with this id is in the feed already.
pub fn contains(conn: &mut Conn, message_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        dsl::feed_events.filter(dsl::message_id.eq(message_id)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut Conn, row: &FeedEventRow) -> QueryResult<()> {
    diesel::insert_into(dsl::feed_events)
        .values((
            dsl::position.eq(row.position),
            dsl::message_id.eq(&row.message_id),
            dsl::event_type.eq(&row.event_type),
            dsl::body.eq(&row.body),
            dsl::created_at.eq(row.created_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` events after `after`, in position order.
pub fn after(conn: &mut Conn, after: i32, limit: i64) -> QueryResult<Vec<FeedEventRow>> {
    dsl::feed_events
        .filter(dsl::position.gt(after))
        .order(dsl::position)
        .limit(limit)
        .select(FeedEventRow::as_select())
        .load(conn)
}

/// The newest position handed out (0: none yet).
pub fn last_position(conn: &mut Conn) -> QueryResult<i32> {
    counter::feed_counter
        .filter(counter::id.eq(1))
        .select(counter::position)
        .first(conn)
}
