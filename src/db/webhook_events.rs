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
