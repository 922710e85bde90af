//! Queries on `webhook_events`: each provider event is recorded once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::webhook_events::dsl;

/// Records an event id; `false` when it was recorded before (a replay). Meant to run in
/// the transaction that applies the event, so a failure forgets the record as well.
pub fn record(
    conn: &mut Conn,
    event_id: &str,
    event_type: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let already: i64 = dsl::webhook_events
        .filter(dsl::provider_event_id.eq(event_id))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Ok(false);
    }
    diesel::insert_into(dsl::webhook_events)
        .values((
            dsl::provider_event_id.eq(event_id),
            dsl::event_type.eq(event_type),
            dsl::received_at.eq(now),
            dsl::processed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(true)
}
