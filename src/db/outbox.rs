//! Queries on `outbox`: writing a message inside the caller's transaction, claiming due
//! messages for one dispatcher (without double-claiming), and recording what delivery did.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox::dsl;
use super::{Conn, Guarded};

/// A message as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::outbox)]
pub struct OutboxRow {
    pub id: i32,
    pub message_id: String,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    /// Deliveries put off by a transient fault (they do not count as attempts).
    pub deferrals: i32,
}

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

/// Writes one message, due now (call it inside the transaction of the change it reports).
pub fn insert(
    conn: &mut Conn,
    message_id: &str,
    kind: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(dsl::outbox)
        .values((
            dsl::message_id.eq(message_id),
            dsl::kind.eq(kind),
            dsl::payload.eq(payload),
            dsl::status.eq(PENDING),
            dsl::attempts.eq(0),
            dsl::next_attempt_at.eq(now),
            dsl::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Claims up to `limit` due messages for `claimer` until `lease_until`. Call inside a
/// write transaction: on PostgreSQL the due rows are read `FOR UPDATE SKIP LOCKED`, so
/// two dispatchers never pick the same row; on SQLite the immediate transaction
/// serialises claims. A claim whose lease ran out (its instance died) is due again.
pub fn claim_due(
    conn: &mut Conn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    claimer: &str,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let due = dsl::outbox
        .filter(dsl::status.eq(PENDING))
        .filter(dsl::next_attempt_at.le(now))
        .filter(dsl::claimed_until.is_null().or(dsl::claimed_until.lt(now)))
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
    diesel::update(dsl::outbox.filter(dsl::id.eq_any(&ids)))
        .set((
            dsl::claimed_until.eq(lease_until),
            dsl::claimed_by.eq(claimer),
        ))
        .execute(conn)?;
    dsl::outbox
        .filter(dsl::id.eq_any(&ids))
        .order(dsl::id)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Marks a claimed message delivered; `Lost` when this claimer no longer holds it (its
/// lease ran out and another dispatcher took it over).
pub fn mark_delivered(
    conn: &mut Conn,
    id: i32,
    claimer: &str,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::outbox
            .filter(dsl::id.eq(id))
            .filter(dsl::claimed_by.eq(claimer))
            .filter(dsl::status.eq(PENDING)),
    )
    .set((
        dsl::status.eq(DELIVERED),
        dsl::attempts.eq(dsl::attempts + 1),
        dsl::delivered_at.eq(now),
        dsl::claimed_until.eq(None::<NaiveDateTime>),
        dsl::last_error.eq(None::<String>),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Records a failed attempt: due again at `retry_at`, or `dead` when `dead` is true.
pub fn mark_failed(
    conn: &mut Conn,
    id: i32,
    claimer: &str,
    error: &str,
    retry_at: NaiveDateTime,
    dead: bool,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::outbox
            .filter(dsl::id.eq(id))
            .filter(dsl::claimed_by.eq(claimer))
            .filter(dsl::status.eq(PENDING)),
    )
    .set((
        dsl::status.eq(if dead { DEAD } else { PENDING }),
        dsl::attempts.eq(dsl::attempts + 1),
        dsl::next_attempt_at.eq(retry_at),
        dsl::claimed_until.eq(None::<NaiveDateTime>),
        dsl::last_error.eq(error),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Records a delivery put off by a transient fault (the payment service rate-limiting,
/// down, or refusing the API key): due again at `retry_at`, its attempts untouched, one
/// more deferral. `Lost` when this claimer no longer holds the message.
pub fn mark_deferred(
    conn: &mut Conn,
    id: i32,
    claimer: &str,
    error: &str,
    retry_at: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::outbox
            .filter(dsl::id.eq(id))
            .filter(dsl::claimed_by.eq(claimer))
            .filter(dsl::status.eq(PENDING)),
    )
    .set((
        dsl::deferrals.eq(dsl::deferrals + 1),
        dsl::next_attempt_at.eq(retry_at),
        dsl::claimed_until.eq(None::<NaiveDateTime>),
        dsl::last_error.eq(error),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Extends the lease on those of `ids` that `claimer` still holds and has not finished
/// (pending, with a lease); returns their ids. A message missing from the answer was
/// taken over by another dispatcher after its lease ran out.
pub fn renew(
    conn: &mut Conn,
    ids: &[i32],
    claimer: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<Vec<i32>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(
        dsl::outbox
            .filter(dsl::id.eq_any(ids))
            .filter(dsl::claimed_by.eq(claimer))
            .filter(dsl::status.eq(PENDING))
            .filter(dsl::claimed_until.is_not_null()),
    )
    .set(dsl::claimed_until.eq(lease_until))
    .returning(dsl::id)
    .get_results(conn)
}

/// Deletes up to `limit` messages delivered before `before`, oldest first; returns how
/// many. Pending and dead messages are never touched. Safe to run on several instances
/// at once: a row deleted by one is simply not counted by the other.
pub fn purge_delivered(conn: &mut Conn, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    // A delivered message was due before it was delivered: `next_attempt_at` bounds the
    // walk along the `outbox_due` index.
    let old = || {
        dsl::outbox
            .filter(dsl::status.eq(DELIVERED))
            .filter(dsl::next_attempt_at.lt(before))
            .filter(dsl::delivered_at.lt(before))
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

/// A dead message back to pending, due now, with a fresh count of attempts.
pub fn revive(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<Guarded> {
    diesel::update(
        dsl::outbox
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(DEAD)),
    )
    .set((
        dsl::status.eq(PENDING),
        dsl::attempts.eq(0),
        dsl::deferrals.eq(0),
        dsl::next_attempt_at.eq(now),
        dsl::claimed_until.eq(None::<NaiveDateTime>),
        dsl::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Messages not yet delivered (pending, failed and dead), oldest first.
pub fn undelivered(conn: &mut Conn, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    dsl::outbox
        .filter(dsl::status.ne(DELIVERED))
        .order(dsl::id)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Every message, oldest first.
pub fn all(conn: &mut Conn) -> QueryResult<Vec<OutboxRow>> {
    dsl::outbox
        .order(dsl::id)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Every message of a kind (tests and the admin's progress counts).
pub fn of_kind(conn: &mut Conn, kind: &str) -> QueryResult<Vec<OutboxRow>> {
    dsl::outbox
        .filter(dsl::kind.eq(kind))
        .order(dsl::id)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// How many messages are dead, and how many have been pending since before `since`.
pub fn health(conn: &mut Conn, since: NaiveDateTime) -> QueryResult<(i64, i64)> {
    let dead = dsl::outbox
        .filter(dsl::status.eq(DEAD))
        .count()
        .get_result(conn)?;
    let stale = dsl::outbox
        .filter(dsl::status.eq(PENDING))
        .filter(dsl::created_at.lt(since))
        .count()
        .get_result(conn)?;
    Ok((dead, stale))
}

/// Replaces a message's payload (a delivered reset mail forgets its token).
pub fn set_payload(conn: &mut Conn, id: i32, payload: &str) -> QueryResult<usize> {
    diesel::update(dsl::outbox.filter(dsl::id.eq(id)))
        .set(dsl::payload.eq(payload))
        .execute(conn)
}

/// The messages whose payload is exactly one of `payloads` (a booking's mails: its
/// payloads are written by `serde_json` and read back the same), oldest first. Served by
/// the index on `payload`.
pub fn with_payloads(conn: &mut Conn, payloads: &[String]) -> QueryResult<Vec<OutboxRow>> {
    dsl::outbox
        .filter(dsl::payload.eq_any(payloads))
        .order(dsl::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}
