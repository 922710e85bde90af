//! Queries on `refunds`: one row per refund of a payment, moved through its lifecycle
//! only by guarded updates (`WHERE status IN from`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{NewRefund, Refund};
use super::schema::refunds::dsl;
use super::status::{RefundStatus, texts};
use super::{Conn, Guarded};

pub fn insert(conn: &mut Conn, new: &NewRefund<'_>) -> QueryResult<Refund> {
    diesel::insert_into(dsl::refunds)
        .values(*new)
        .get_result(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Refund>> {
    dsl::refunds
        .find(id)
        .select(Refund::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_provider_id(conn: &mut Conn, provider_id: &str) -> QueryResult<Option<Refund>> {
    dsl::refunds
        .filter(dsl::provider_refund_id.eq(provider_id))
        .select(Refund::as_select())
        .first(conn)
        .optional()
}

/// A payment's refunds, newest first.
pub fn for_payment(conn: &mut Conn, payment_id: i32) -> QueryResult<Vec<Refund>> {
    dsl::refunds
        .filter(dsl::payment_id.eq(payment_id))
        .order(dsl::id.desc())
        .select(Refund::as_select())
        .load(conn)
}

pub fn all(conn: &mut Conn) -> QueryResult<Vec<Refund>> {
    dsl::refunds
        .order(dsl::id.asc())
        .select(Refund::as_select())
        .load(conn)
}

/// Records what the provider says of a refund: its id (kept once known) and state.
pub fn record(
    conn: &mut Conn,
    id: i32,
    from: &[RefundStatus],
    to: RefundStatus,
    provider_id: Option<&str>,
    failure_reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let target = dsl::refunds
        .filter(dsl::id.eq(id))
        .filter(dsl::status.eq_any(texts(from)));
    let changed = match provider_id {
        Some(provider_id) => diesel::update(target)
            .set((
                dsl::status.eq(to.as_str()),
                dsl::provider_refund_id.eq(provider_id),
                dsl::failure_reason.eq(failure_reason),
                dsl::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                dsl::status.eq(to.as_str()),
                dsl::failure_reason.eq(failure_reason),
                dsl::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(Guarded::from_rows(changed))
}

/// Gives an `unsure` refund (its key spoilt by a stored 5xx) a new key to try.
pub fn rekey(conn: &mut Conn, id: i32, key: &str, now: NaiveDateTime) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::refunds
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(RefundStatus::Unsure.as_str())),
    )
    .set((
        dsl::status.eq(RefundStatus::Requested.as_str()),
        dsl::idempotency_key.eq(key),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// The refunds of seats given back from each of `payment_ids` (whatever their state).
pub fn parts_of(conn: &mut Conn, payment_ids: &[i32]) -> QueryResult<Vec<Refund>> {
    dsl::refunds
        .filter(dsl::payment_id.eq_any(payment_ids))
        .filter(dsl::seats.is_not_null())
        .order(dsl::id.asc())
        .select(Refund::as_select())
        .load(conn)
}

/// Refunds of seats given back that are still owed and untouched since `before`
/// (reconciliation retries them), oldest first.
pub fn stale_open_parts(
    conn: &mut Conn,
    open: &[RefundStatus],
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Refund>> {
    dsl::refunds
        .filter(dsl::seats.is_not_null())
        .filter(dsl::status.eq_any(texts(open)))
        .filter(dsl::updated_at.lt(before))
        .order(dsl::updated_at.asc())
        .limit(limit)
        .select(Refund::as_select())
        .load(conn)
}

/// Notes that a refund still owed was just tried, so the next try waits its turn
/// (`stale_open_parts` takes those untouched since a while); nothing else changes.
pub fn touch(
    conn: &mut Conn,
    id: i32,
    open: &[RefundStatus],
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::refunds
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq_any(texts(open))),
    )
    .set(dsl::updated_at.eq(now))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// An admin's retry of a failed refund of seats given back: the same row, asked for again
/// under a new key (the seats are already back on sale; only the money is owed).
pub fn retry_failed(
    conn: &mut Conn,
    id: i32,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::refunds
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(RefundStatus::Failed.as_str())),
    )
    .set((
        dsl::status.eq(RefundStatus::Requested.as_str()),
        dsl::idempotency_key.eq(key),
        dsl::provider_refund_id.eq(None::<String>),
        dsl::failure_reason.eq(None::<String>),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}
