//! The admin API for events and ticket types: list, create, read, change, delete a
//! draft, publish, unpublish, cancel (every paid booking refunded); add and change
//! ticket types. Admins' tokens only (403 for anyone else's).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::admin_shapes::{
    AdminEvent, CancelAnswer, EventInput, EventPatch, TicketTypeInput, TicketTypePatch,
};
use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiAdmin;
use super::idempotent::{self, Key};
use super::problem::{Problem, ProblemBody};
use super::shapes::TicketType;
use crate::app::{AppState, admin, event_lifecycle};

/// Every event, drafts included, latest start first.
#[utoipa::path(
    get, path = "/api/v1/admin/events", tag = "admin",
    operation_id = "listAdminEvents",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All events", body = Vec<AdminEvent>),
    ),
)]
#[get("/admin/events")]
pub async fn list(state: web::Data<AppState>, _: ApiAdmin) -> Result<HttpResponse, Problem> {
    let events = admin::all_events(&state).await?;
    let now = state.clock.now();
    let out: Vec<AdminEvent> = events
        .iter()
        .map(|event| AdminEvent::new(event, &[], now))
        .collect();
    Ok(Answer::ok(&out)?.respond())
}

/// Create an event (unpublished until `publish`).
#[utoipa::path(
    post, path = "/api/v1/admin/events", tag = "admin",
    operation_id = "createEvent",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key creates nothing more")),
    request_body = EventInput,
    responses(
        (status = 201, description = "Created", body = AdminEvent),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation` (per field) or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/events")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiAdmin(holder): ApiAdmin,
    body: RawBody,
) -> HttpResponse {
    idempotent::run(
        &state,
        &req,
        holder.user_id,
        &body.0,
        Key::Optional,
        || async {
            let input: EventInput = body.parse()?;
            let event = admin::create_event(&state, input.form()).await??;
            Answer::created(
                format!("/api/v1/admin/events/{}", event.id),
                &AdminEvent::new(&event, &[], state.clock.now()),
            )
        },
    )
    .await
}

/// One event with its ticket types.
#[utoipa::path(
    get, path = "/api/v1/admin/events/{id}", tag = "admin",
    operation_id = "getAdminEvent",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The event")),
    responses(
        (status = 200, description = "The event", body = AdminEvent),
    ),
)]
#[get("/admin/events/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let (event, types) = admin::event_with_types(&state, path.into_inner()).await?;
    Ok(Answer::ok(&AdminEvent::new(&event, &types, state.clock.now()))?.respond())
}

/// Change an event: only the fields sent change.
#[utoipa::path(
    patch, path = "/api/v1/admin/events/{id}", tag = "admin",
    operation_id = "updateEvent",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The event")),
    request_body = EventPatch,
    responses(
        (status = 200, description = "Saved", body = AdminEvent),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[patch("/admin/events/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let patch: EventPatch = body.parse()?;
    let (event, types) =
        admin::edit_event(&state, path.into_inner(), move |form| patch.onto(form)).await??;
    Ok(Answer::ok(&AdminEvent::new(&event, &types, state.clock.now()))?.respond())
}

/// Delete a draft: an unpublished event that never had a booking.
#[utoipa::path(
    delete, path = "/api/v1/admin/events/{id}", tag = "admin",
    operation_id = "deleteEvent",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The event")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "`not_a_draft`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[delete("/admin/events/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    admin::delete_draft(&state, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn set_published(
    state: &AppState,
    event_id: i32,
    published: bool,
) -> Result<Answer, Problem> {
    let event = admin::set_published(state, event_id, published).await?;
    Answer::ok(&AdminEvent::new(&event, &[], state.clock.now()))
}

/// Put an event on sale.
#[utoipa::path(
    post, path = "/api/v1/admin/events/{id}/publish", tag = "admin",
    operation_id = "publishEvent",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The event")),
    responses(
        (status = 200, description = "Published", body = AdminEvent),
        (status = 409, description = "`no_ticket_types`: add a ticket type first", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/events/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    Ok(set_published(&state, path.into_inner(), true)
        .await?
        .respond())
}

/// Take an event off sale (its bookings stand).
#[utoipa::path(
    post, path = "/api/v1/admin/events/{id}/unpublish", tag = "admin",
    operation_id = "unpublishEvent",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The event")),
    responses(
        (status = 200, description = "Unpublished", body = AdminEvent),
    ),
)]
#[post("/admin/events/{id}/unpublish")]
pub async fn unpublish(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    Ok(set_published(&state, path.into_inner(), false)
        .await?
        .respond())
}

/// Cancel an event: sales stop, holds are released, every paid booking is refunded (in
/// the background; `GET /admin/payments` shows progress).
#[utoipa::path(
    post, path = "/api/v1/admin/events/{id}/cancel", tag = "admin",
    operation_id = "cancelEvent",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The event"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional"),
    ),
    responses(
        (status = 200, description = "Cancelled", body = CancelAnswer),
        (status = 409, description = "Already cancelled or ended", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/events/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiAdmin(holder): ApiAdmin,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let event_id = path.into_inner();
    idempotent::run(
        &state,
        &req,
        holder.user_id,
        &body.0,
        Key::Optional,
        || async {
            let cancelled = event_lifecycle::cancel(&state, event_id).await?;
            Answer::ok(&CancelAnswer {
                holds_released: cancelled.holds_released,
                refunds_queued: cancelled.refunds_queued,
            })
        },
    )
    .await
}

/// Add a ticket type to an event.
#[utoipa::path(
    post, path = "/api/v1/admin/events/{id}/ticket-types", tag = "admin",
    operation_id = "createTicketType",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The event"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key adds nothing more"),
    ),
    request_body = TicketTypeInput,
    responses(
        (status = 201, description = "Added", body = TicketType),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation` or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/events/{id}/ticket-types")]
pub async fn add_ticket_type(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiAdmin(holder): ApiAdmin,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let event_id = path.into_inner();
    idempotent::run(
        &state,
        &req,
        holder.user_id,
        &body.0,
        Key::Optional,
        || async {
            let input: TicketTypeInput = body.parse()?;
            let saved = admin::add_ticket_type(&state, event_id, input.form()).await??;
            Answer::created(
                format!("/api/v1/admin/ticket-types/{}", saved.ticket_type.id),
                &TicketType::new(&saved.ticket_type, saved.zone, state.clock.now()),
            )
        },
    )
    .await
}

/// Change a ticket type: only the fields sent change. Seats can be added, or taken
/// away only while unsold; the price only before any sale.
#[utoipa::path(
    patch, path = "/api/v1/admin/ticket-types/{id}", tag = "admin",
    operation_id = "updateTicketType",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The ticket type")),
    request_body = TicketTypePatch,
    responses(
        (status = 200, description = "Saved", body = TicketType),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Changed by a sale meanwhile: retry", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[patch("/admin/ticket-types/{id}")]
pub async fn update_ticket_type(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let patch: TicketTypePatch = body.parse()?;
    let saved =
        admin::edit_ticket_type(&state, path.into_inner(), move |form| patch.onto(form)).await??;
    Ok(Answer::ok(&TicketType::new(
        &saved.ticket_type,
        saved.zone,
        state.clock.now(),
    ))?
    .respond())
}
