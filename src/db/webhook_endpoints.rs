//! Queries on `webhook_endpoints`: partners' endpoints, their switch and their run of
//! failed deliveries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::webhook_endpoints::dsl;
use super::{Conn, Guarded};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::webhook_endpoints)]
pub struct EndpointRow {
    pub id: i32,
    pub url: String,
    pub description: String,
    /// Comma-separated event types, or `*`.
    pub event_types: String,
    pub secret: String,
    pub enabled: bool,
    /// Deliveries in a row that failed for good (reset by a delivered one).
    pub consecutive_failures: i32,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an admin sets on an endpoint.
#[derive(Debug, Clone)]
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    pub event_types: String,
}

pub fn insert(
    conn: &mut Conn,
    fields: &EndpointFields,
    secret: &str,
    now: NaiveDateTime,
) -> QueryResult<EndpointRow> {
    diesel::insert_into(dsl::webhook_endpoints)
        .values((
            dsl::url.eq(&fields.url),
            dsl::description.eq(&fields.description),
            dsl::event_types.eq(&fields.event_types),
            dsl::secret.eq(secret),
            dsl::enabled.eq(true),
            dsl::consecutive_failures.eq(0),
            dsl::created_at.eq(now),
            dsl::updated_at.eq(now),
        ))
        .get_result(conn)
}

pub fn all(conn: &mut Conn) -> QueryResult<Vec<EndpointRow>> {
    dsl::webhook_endpoints
        .order(dsl::id)
        .select(EndpointRow::as_select())
        .load(conn)
}

/// The enabled endpoints (a new feed event gets a delivery to those that subscribe).
pub fn enabled(conn: &mut Conn) -> QueryResult<Vec<EndpointRow>> {
    dsl::webhook_endpoints
        .filter(dsl::enabled.eq(true))
        .order(dsl::id)
        .select(EndpointRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<EndpointRow>> {
    dsl::webhook_endpoints
        .find(id)
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()
}

pub fn update(
    conn: &mut Conn,
    id: i32,
    fields: &EndpointFields,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(dsl::webhook_endpoints.find(id))
        .set((
            dsl::url.eq(&fields.url),
            dsl::description.eq(&fields.description),
            dsl::event_types.eq(&fields.event_types),
            dsl::updated_at.eq(now),
        ))
        .execute(conn)
        .map(Guarded::from_rows)
}

/// Switches an endpoint on (its run of failures forgotten) or off, with why.
pub fn set_enabled(
    conn: &mut Conn,
    id: i32,
    enabled: bool,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(dsl::webhook_endpoints.find(id))
        .set((
            dsl::enabled.eq(enabled),
            dsl::disabled_reason.eq(reason),
            dsl::consecutive_failures.eq(0),
            dsl::updated_at.eq(now),
        ))
        .execute(conn)
        .map(Guarded::from_rows)
}

pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    diesel::delete(dsl::webhook_endpoints.find(id))
        .execute(conn)
        .map(|n| n == 1)
}

/// A delivery went through: the run of failures ends.
pub fn delivered(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    diesel::update(
        dsl::webhook_endpoints
            .find(id)
            .filter(dsl::consecutive_failures.ne(0)),
    )
    .set(dsl::consecutive_failures.eq(0))
    .execute(conn)
}

/// A delivery failed for good: one more in the run; at `disable_after` the endpoint is
/// switched off with `reason`. Returns whether this call switched it off.
pub fn failed(
    conn: &mut Conn,
    id: i32,
    disable_after: i32,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let failures: Option<i32> = diesel::update(dsl::webhook_endpoints.find(id))
        .set(dsl::consecutive_failures.eq(dsl::consecutive_failures + 1))
        .returning(dsl::consecutive_failures)
        .get_result(conn)
        .optional()?;
    if failures.is_none_or(|n| n < disable_after) {
        return Ok(false);
    }
    let switched = diesel::update(
        dsl::webhook_endpoints
            .find(id)
            .filter(dsl::enabled.eq(true)),
    )
    .set((
        dsl::enabled.eq(false),
        dsl::disabled_reason.eq(reason),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(switched == 1)
}

/// Endpoints switched off by their failures (an admin's switch resets the count).
pub fn disabled_by_failures(conn: &mut Conn) -> QueryResult<Vec<EndpointRow>> {
    dsl::webhook_endpoints
        .filter(dsl::enabled.eq(false))
        .filter(dsl::consecutive_failures.gt(0))
        .order(dsl::id)
        .select(EndpointRow::as_select())
        .load(conn)
}
