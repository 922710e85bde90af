//! What admins do with partners' endpoints — list, add, change, switch on or off,
//! delete, look at the delivery log, replay a delivery — and the feed partners poll.

use crate::app::AppState;
use crate::db::feed_events::{self, FeedEventRow};
use crate::db::webhook_deliveries::{self, DeliveryRow, LoggedRow};
use crate::db::webhook_endpoints::{self, EndpointRow};
use crate::db::{Guarded, write_transaction};
use crate::domain::webhooks::endpoint_form;
use crate::error::AppError;

/// Deliveries the log of an endpoint shows.
pub const LOGGED: i64 = 50;

/// An endpoint as an admin gives it.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    /// Types to receive (each may itself be a comma-separated list); none or `*`: all.
    pub event_types: Vec<String>,
}

/// An endpoint with its newest deliveries.
#[derive(Debug)]
pub struct EndpointView {
    pub endpoint: EndpointRow,
    pub deliveries: Vec<LoggedRow>,
}

pub async fn list(state: &AppState) -> Result<Vec<EndpointRow>, AppError> {
    state.db(|conn| Ok(webhook_endpoints::all(conn)?)).await
}

/// Adds an endpoint, enabled, with a new secret.
pub async fn create(state: &AppState, input: EndpointInput) -> Result<EndpointRow, AppError> {
    let fields = endpoint_form::parse(
        &input.url,
        &input.description,
        &input.event_types,
        state.settings.webhooks.allow_private_urls,
    )?;
    let now = state.clock.now();
    let secret = endpoint_form::new_secret();
    state
        .db(move |conn| Ok(webhook_endpoints::insert(conn, &fields, &secret, now)?))
        .await
}

pub async fn show(state: &AppState, id: i32) -> Result<EndpointView, AppError> {
    state
        .db(move |conn| {
            let endpoint = webhook_endpoints::find(conn, id)?.ok_or(AppError::NotFound)?;
            Ok(EndpointView {
                endpoint,
                deliveries: webhook_deliveries::recent(conn, id, LOGGED)?,
            })
        })
        .await
}

/// Replaces an endpoint's URL, description and types (its secret and switch stay).
pub async fn update(
    state: &AppState,
    id: i32,
    input: EndpointInput,
) -> Result<EndpointRow, AppError> {
    let fields = endpoint_form::parse(
        &input.url,
        &input.description,
        &input.event_types,
        state.settings.webhooks.allow_private_urls,
    )?;
    let now = state.clock.now();
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                if webhook_endpoints::update(c, id, &fields, now)? == Guarded::Lost {
                    return Err(AppError::NotFound);
                }
                webhook_endpoints::find(c, id)?.ok_or(AppError::NotFound)
            })
        })
        .await
}

/// Switches an endpoint on (its run of failures forgotten; its pending deliveries go
/// out again) or off (nothing is sent to it; its deliveries wait).
pub async fn set_enabled(
    state: &AppState,
    id: i32,
    enabled: bool,
) -> Result<EndpointRow, AppError> {
    let now = state.clock.now();
    let reason = (!enabled).then_some("disabled by an admin");
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                if webhook_endpoints::set_enabled(c, id, enabled, reason, now)? == Guarded::Lost {
                    return Err(AppError::NotFound);
                }
                webhook_endpoints::find(c, id)?.ok_or(AppError::NotFound)
            })
        })
        .await
}

/// Deletes an endpoint and its delivery log; `false` when it was already gone.
pub async fn delete(state: &AppState, id: i32) -> Result<bool, AppError> {
    state
        .db(move |conn| {
            Ok(write_transaction(conn, |c| {
                webhook_endpoints::delete(c, id)
            })?)
        })
        .await
}

/// Sends a delivery of `endpoint_id` again, as soon as the deliverer runs (attempts
/// counted afresh). A delivery being attempted right now is a conflict.
pub async fn replay(
    state: &AppState,
    endpoint_id: i32,
    delivery_id: i32,
) -> Result<DeliveryRow, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let delivery = webhook_deliveries::find(c, delivery_id)?
                    .filter(|d| d.endpoint_id == endpoint_id)
                    .ok_or(AppError::NotFound)?;
                if webhook_deliveries::replay(c, delivery.id, endpoint_id, now)? == Guarded::Lost {
                    return Err(AppError::Conflict(
                        "This delivery is being attempted right now; try again in a moment.".into(),
                    ));
                }
                webhook_deliveries::find(c, delivery_id)?.ok_or(AppError::NotFound)
            })
        })
        .await
}

/// The feed after position `after`: up to `limit` events in position order, and the
/// newest position handed out.
pub async fn feed(
    state: &AppState,
    after: i32,
    limit: i64,
) -> Result<(Vec<FeedEventRow>, i32), AppError> {
    state
        .db(move |conn| {
            let events = feed_events::after(conn, after, limit)?;
            let last = feed_events::last_position(conn)?;
            Ok((events, last))
        })
        .await
}
