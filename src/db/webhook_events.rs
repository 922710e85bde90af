//! Queries on `webhook_events`: each provider event is recorded once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::webhook_events::dsl;

/// Whether an event id was processed before (a replay).
pub fn exists(conn: &mut Conn, event_id: &str) -> QueryResult<bool> {
    let found: i64 = dsl::webhook_events
        .filter(dsl::provider_event_id.eq(event_id))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// Records a processed event id once; `false` when a parallel delivery recorded it
/// first (the event's effect is idempotent, so both deliveries end the same).
pub fn record(
    conn: &mut Conn,
    event_id: &str,
    event_type: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(dsl::webhook_events)
        .values((
            dsl::provider_event_id.eq(event_id),
            dsl::event_type.eq(event_type),
            dsl::received_at.eq(now),
            dsl::processed_at.eq(Some(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if super::is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// How many events were recorded (tests and the admin view).
pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    dsl::webhook_events.count().get_result(conn)
}

/// Deletes up to `limit` events processed before `before`, oldest first; returns how
/// many. (An event id is kept to recognise Stripe's redeliveries, which stop after three
/// days.) Safe on several instances at once.
pub fn purge_processed(conn: &mut Conn, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let old = || {
        dsl::webhook_events
            .filter(dsl::processed_at.is_not_null())
            .filter(dsl::processed_at.lt(before))
    };
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
