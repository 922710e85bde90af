//! The admin API for partners' webhook endpoints: list, add, show with the newest
//! deliveries, change, enable or disable, delete, and replay one delivery. The endpoint's
//! secret signs its deliveries (README, Outgoing webhooks).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiAdmin;
use super::problem::{Problem, ProblemBody};
use super::shapes::utc;
use crate::app::AppState;
use crate::app::webhooks::endpoints::{self, EndpointInput, EndpointView};
use crate::db::webhook_deliveries::DeliveryRow;
use crate::db::webhook_endpoints::EndpointRow;

/// A partner's endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointOut {
    pub id: i32,
    pub url: String,
    pub description: String,
    /// The event types delivered (`["*"]`: every type).
    pub event_types: Vec<String>,
    /// Signs every delivery (`Boxoffice-Signature`).
    pub secret: String,
    pub enabled: bool,
    /// Why it is disabled (by an admin, or after deliveries failed in a row).
    pub disabled_reason: Option<String>,
    /// Deliveries in a row that failed for good.
    pub consecutive_failures: i32,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The newest deliveries, newest first (only when one endpoint is shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Vec<WebhookDeliveryOut>>,
}

impl WebhookEndpointOut {
    fn new(row: EndpointRow) -> WebhookEndpointOut {
        WebhookEndpointOut {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: row.event_types.split(',').map(str::to_owned).collect(),
            secret: row.secret,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            consecutive_failures: row.consecutive_failures,
            created_at: utc(row.created_at),
            deliveries: None,
        }
    }

    fn with_log(view: EndpointView) -> WebhookEndpointOut {
        let deliveries = view
            .deliveries
            .into_iter()
            .map(|(row, event_type)| WebhookDeliveryOut::new(row, Some(event_type)))
            .collect();
        WebhookEndpointOut {
            deliveries: Some(deliveries),
            ..WebhookEndpointOut::new(view.endpoint)
        }
    }
}

/// One delivery of one feed event to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryOut {
    pub id: i32,
    /// The feed event's position.
    pub position: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// `pending`, `delivered` or `failed` (every attempt failed).
    pub status: String,
    pub attempts: i32,
    #[schema(format = DateTime)]
    pub next_attempt_at: String,
    /// The HTTP status of the last attempt (`null`: no answer).
    pub last_status_code: Option<i32>,
    /// The start of the last answer's body.
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl WebhookDeliveryOut {
    fn new(row: DeliveryRow, event_type: Option<String>) -> WebhookDeliveryOut {
        WebhookDeliveryOut {
            id: row.id,
            position: row.position,
            event_type,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: utc(row.next_attempt_at),
            last_status_code: row.last_status_code,
            last_response: row.last_response,
            last_error: row.last_error,
            last_attempt_at: row.last_attempt_at.map(utc),
            delivered_at: row.delivered_at.map(utc),
        }
    }
}

/// An endpoint to add, or its new settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointInput {
    /// `https://` to a public address.
    #[schema(max_length = 2000, example = "https://partner.example.com/boxoffice")]
    pub url: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub description: String,
    /// The types to deliver; absent, empty or `["*"]`: every type.
    #[serde(default)]
    pub event_types: Vec<String>,
}

impl From<WebhookEndpointInput> for EndpointInput {
    fn from(input: WebhookEndpointInput) -> EndpointInput {
        EndpointInput {
            url: input.url,
            description: input.description,
            event_types: input.event_types,
        }
    }
}

/// Every endpoint.
#[utoipa::path(
    get, path = "/api/v1/admin/webhook-endpoints", tag = "admin",
    operation_id = "listWebhookEndpoints",
    security(("bearer" = [])),
    responses((status = 200, description = "Every endpoint, oldest first", body = Vec<WebhookEndpointOut>)),
)]
#[get("/admin/webhook-endpoints")]
pub async fn list(state: web::Data<AppState>, _: ApiAdmin) -> Result<HttpResponse, Problem> {
    let all: Vec<WebhookEndpointOut> = endpoints::list(&state)
        .await?
        .into_iter()
        .map(WebhookEndpointOut::new)
        .collect();
    Ok(Answer::ok(&all)?.respond())
}

/// Add an endpoint (enabled, with a new secret). Events published from now on are
/// delivered to it; earlier ones are in the feed (`GET /api/v1/events-feed`).
#[utoipa::path(
    post, path = "/api/v1/admin/webhook-endpoints", tag = "admin",
    operation_id = "createWebhookEndpoint",
    security(("bearer" = [])),
    request_body = WebhookEndpointInput,
    responses(
        (status = 201, description = "Added", body = WebhookEndpointOut),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: not https, a private address, an unknown event type", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/webhook-endpoints")]
pub async fn create(
    state: web::Data<AppState>,
    _: ApiAdmin,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let input: WebhookEndpointInput = body.parse()?;
    let row = endpoints::create(&state, input.into()).await?;
    let out = WebhookEndpointOut::new(row);
    Ok(Answer::created(format!("/api/v1/admin/webhook-endpoints/{}", out.id), &out)?.respond())
}

/// One endpoint with its newest deliveries.
#[utoipa::path(
    get, path = "/api/v1/admin/webhook-endpoints/{id}", tag = "admin",
    operation_id = "showWebhookEndpoint",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The endpoint")),
    responses(
        (status = 200, description = "The endpoint and its delivery log", body = WebhookEndpointOut),
        (status = 404, description = "No such endpoint", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[get("/admin/webhook-endpoints/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let view = endpoints::show(&state, path.into_inner()).await?;
    Ok(Answer::ok(&WebhookEndpointOut::with_log(view))?.respond())
}

/// Change an endpoint's URL, description and event types (the secret stays).
#[utoipa::path(
    patch, path = "/api/v1/admin/webhook-endpoints/{id}", tag = "admin",
    operation_id = "updateWebhookEndpoint",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The endpoint")),
    request_body = WebhookEndpointInput,
    responses(
        (status = 200, description = "Changed", body = WebhookEndpointOut),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[patch("/admin/webhook-endpoints/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let input: WebhookEndpointInput = body.parse()?;
    let row = endpoints::update(&state, path.into_inner(), input.into()).await?;
    Ok(Answer::ok(&WebhookEndpointOut::new(row))?.respond())
}

/// Enable an endpoint (its run of failures forgotten; waiting deliveries go out).
#[utoipa::path(
    post, path = "/api/v1/admin/webhook-endpoints/{id}/enable", tag = "admin",
    operation_id = "enableWebhookEndpoint",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The endpoint")),
    responses(
        (status = 200, description = "Enabled", body = WebhookEndpointOut),
        (status = 404, description = "No such endpoint", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/webhook-endpoints/{id}/enable")]
pub async fn enable(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let row = endpoints::set_enabled(&state, path.into_inner(), true).await?;
    Ok(Answer::ok(&WebhookEndpointOut::new(row))?.respond())
}

/// Disable an endpoint (nothing is sent to it; its deliveries wait).
#[utoipa::path(
    post, path = "/api/v1/admin/webhook-endpoints/{id}/disable", tag = "admin",
    operation_id = "disableWebhookEndpoint",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The endpoint")),
    responses(
        (status = 200, description = "Disabled", body = WebhookEndpointOut),
        (status = 404, description = "No such endpoint", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/webhook-endpoints/{id}/disable")]
pub async fn disable(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let row = endpoints::set_enabled(&state, path.into_inner(), false).await?;
    Ok(Answer::ok(&WebhookEndpointOut::new(row))?.respond())
}

/// Delete an endpoint and its delivery log.
#[utoipa::path(
    delete, path = "/api/v1/admin/webhook-endpoints/{id}", tag = "admin",
    operation_id = "deleteWebhookEndpoint",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The endpoint")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[delete("/admin/webhook-endpoints/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    if endpoints::delete(&state, path.into_inner()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(Problem::not_found())
    }
}

/// Send one delivery again, as soon as the deliverer runs (attempts counted afresh).
#[utoipa::path(
    post, path = "/api/v1/admin/webhook-endpoints/{id}/deliveries/{delivery_id}/replay", tag = "admin",
    operation_id = "replayWebhookDelivery",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The endpoint"),
        ("delivery_id" = i32, Path, description = "One of its deliveries"),
    ),
    responses(
        (status = 200, description = "Due again now", body = WebhookDeliveryOut),
        (status = 404, description = "No such delivery of this endpoint", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: being attempted right now", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/webhook-endpoints/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, Problem> {
    let (endpoint_id, delivery_id) = path.into_inner();
    let row = endpoints::replay(&state, endpoint_id, delivery_id).await?;
    Ok(Answer::ok(&WebhookDeliveryOut::new(row, None))?.respond())
}
