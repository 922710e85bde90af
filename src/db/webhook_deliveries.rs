//! Queries on `webhook_deliveries`: one per (endpoint, feed event), claimed by one
//! deliverer at a time (a lease), retried with backoff, logged with the last response.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::feed_events::dsl as feed;
use super::schema::webhook_deliveries::dsl;
use super::schema::webhook_endpoints::dsl as endpoints;
use super::{Conn, Guarded};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i32,
    pub endpoint_id: i32,
    pub position: i32,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub last_status_code: Option<i32>,
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone)]
pub struct ClaimedRow {
    pub delivery: DeliveryRow,
    pub url: String,
    pub secret: String,
    pub body: String,
    /// The feed event's id (its outbox message's).
    pub message_id: String,
}

/// A delivery as the log shows it, with its event's type.
pub type LoggedRow = (DeliveryRow, String);

/// One pending delivery of the event at `position` to each of `endpoint_ids`, due now.
pub fn insert_for(
    conn: &mut Conn,
    endpoint_ids: &[i32],
    position: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    // One statement per endpoint: a multi-row insert has no form both engines share.
    let mut inserted = 0;
    for endpoint in endpoint_ids {
        inserted += diesel::insert_into(dsl::webhook_deliveries)
            .values((
                dsl::endpoint_id.eq(*endpoint),
                dsl::position.eq(position),
                dsl::status.eq(PENDING),
                dsl::attempts.eq(0),
                dsl::next_attempt_at.eq(now),
                dsl::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(inserted)
}

/// Claims up to `limit` due deliveries of enabled endpoints for `claimer` until
/// `lease_until`, oldest first. Call inside a write transaction: on PostgreSQL the due
/// rows are read `FOR UPDATE SKIP LOCKED`, so two deliverers never take the same row; on
/// SQLite the immediate transaction serialises claims. A lapsed lease is due again.
pub fn claim_due(
    conn: &mut Conn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    claimer: &str,
    limit: i64,
) -> QueryResult<Vec<ClaimedRow>> {
    let enabled = endpoints::webhook_endpoints
        .filter(endpoints::enabled.eq(true))
        .select(endpoints::id);
    let due = dsl::webhook_deliveries
        .filter(dsl::status.eq(PENDING))
        .filter(dsl::next_attempt_at.le(now))
        .filter(dsl::claimed_until.is_null().or(dsl::claimed_until.lt(now)))
        .filter(dsl::endpoint_id.eq_any(enabled))
        .order(dsl::id)
        .limit(limit)
        .select(dsl::id);
    let ids: Vec<i32> = match conn {
        Conn::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
        Conn::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(dsl::webhook_deliveries.filter(dsl::id.eq_any(&ids)))
        .set((
            dsl::claimed_until.eq(lease_until),
            dsl::claimed_by.eq(claimer),
        ))
        .execute(conn)?;
    let rows: Vec<(DeliveryRow, String, String, String, String)> = dsl::webhook_deliveries
        .inner_join(endpoints::webhook_endpoints)
        .inner_join(feed::feed_events)
        .filter(dsl::id.eq_any(&ids))
        .order(dsl::id)
        .select((
            DeliveryRow::as_select(),
            endpoints::url,
            endpoints::secret,
            feed::body,
            feed::message_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, url, secret, body, message_id)| ClaimedRow {
            delivery,
            url,
            secret,
            body,
            message_id,
        })
        .collect())
}

/// What one attempt got back.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub status_code: Option<i32>,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// Records an attempt of a claimed delivery: `status` is `delivered`, `failed` (for
/// good) or `pending` (due again at `retry_at`). `Lost` when `claimer` no longer holds it.
pub fn record(
    conn: &mut Conn,
    id: i32,
    claimer: &str,
    status: &str,
    attempt: &Attempt,
    now: NaiveDateTime,
    retry_at: NaiveDateTime,
) -> QueryResult<Guarded> {
    let delivered_at = (status == DELIVERED).then_some(now);
    diesel::update(
        dsl::webhook_deliveries
            .filter(dsl::id.eq(id))
            .filter(dsl::claimed_by.eq(claimer))
            .filter(dsl::status.eq(PENDING)),
    )
    .set((
        dsl::status.eq(status),
        dsl::attempts.eq(dsl::attempts + 1),
        dsl::next_attempt_at.eq(retry_at),
        dsl::claimed_until.eq(None::<NaiveDateTime>),
        dsl::last_status_code.eq(attempt.status_code),
        dsl::last_response.eq(&attempt.response),
        dsl::last_error.eq(&attempt.error),
        dsl::last_attempt_at.eq(now),
        dsl::delivered_at.eq(delivered_at),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// A delivery of `endpoint_id` due again now, with a fresh count of attempts (the
/// admin's replay; a delivered one is sent once more). `Lost` when it is not this
/// endpoint's, or is being attempted right now.
pub fn replay(
    conn: &mut Conn,
    id: i32,
    endpoint_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::webhook_deliveries
            .filter(dsl::id.eq(id))
            .filter(dsl::endpoint_id.eq(endpoint_id))
            .filter(dsl::claimed_until.is_null().or(dsl::claimed_until.lt(now))),
    )
    .set((
        dsl::status.eq(PENDING),
        dsl::attempts.eq(0),
        dsl::next_attempt_at.eq(now),
        dsl::claimed_until.eq(None::<NaiveDateTime>),
        dsl::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// An endpoint's newest deliveries first, with their event's type.
pub fn recent(conn: &mut Conn, endpoint_id: i32, limit: i64) -> QueryResult<Vec<LoggedRow>> {
    dsl::webhook_deliveries
        .inner_join(feed::feed_events)
        .filter(dsl::endpoint_id.eq(endpoint_id))
        .order(dsl::id.desc())
        .limit(limit)
        .select((DeliveryRow::as_select(), feed::event_type))
        .load(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<DeliveryRow>> {
    dsl::webhook_deliveries
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// Deletes up to `limit` finished deliveries (delivered, or failed for good) whose last
/// attempt was before `before`, oldest first; returns how many. Pending ones are never
/// touched. A finished delivery is due no more: `next_attempt_at` is its last attempt,
/// which bounds the walk along the `webhook_deliveries_due` index.
pub fn purge_finished(conn: &mut Conn, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let old = || {
        dsl::webhook_deliveries
            .filter(dsl::status.eq_any([DELIVERED, FAILED]))
            .filter(dsl::next_attempt_at.lt(before))
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
