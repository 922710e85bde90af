//! The public catalogue: `GET /api/v1/events` (published events not yet ended, page by
//! page) and `GET /api/v1/events/{id}` (one, with its ticket types and seats left), both
//! with an `ETag` and 304 for `If-None-Match` (`etag`).

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::answer::Answer;
use super::etag;
use super::paging::PageQuery;
use super::problem::{Problem, ProblemBody};
use super::shapes::{EventOut, Page};
use crate::app::{AppState, catalogue};

/// Published events that have not ended, soonest first.
#[utoipa::path(
    get, path = "/api/v1/events", tag = "events",
    operation_id = "listEvents",
    security(),
    params(
        PageQuery,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a page you hold: 304 if it is unchanged"),
    ),
    responses(
        (status = 200, description = "A page of events", body = Page<EventOut>,
            headers(("ETag" = String, description = "The page's tag, for If-None-Match"))),
        (status = 304, description = "Not modified: the page you hold (If-None-Match) is current",
            headers(("ETag" = String, description = "The page's tag"))),
        (status = 404, description = "Past the last page", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A bad page or page size", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[get("/events")]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let ask = query.check()?;
    let found = catalogue::upcoming_numbered(&state, ask.page, ask.size).await?;
    if ask.beyond(found.total) {
        return Err(Problem::not_found());
    }
    let now = state.clock.now();
    let (next, previous) = ask.links("/api/v1/events", found.total);
    let page = Page {
        count: found.total,
        next,
        previous,
        results: found
            .listings
            .iter()
            .map(|listing| EventOut::new(&listing.event, &listing.ticket_types, now))
            .collect(),
    };
    Ok(etag::respond(&req, Answer::ok(&page)?))
}

/// One published event with its ticket types: price, seats left, cap and selling rule.
#[utoipa::path(
    get, path = "/api/v1/events/{id}", tag = "events",
    operation_id = "getEvent",
    security(),
    params(
        ("id" = i32, Path, description = "The event"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the event as you hold it: 304 if it is unchanged"),
    ),
    responses(
        (status = 200, description = "The event", body = EventOut,
            headers(("ETag" = String, description = "The event's tag, for If-None-Match"))),
        (status = 304, description = "Not modified: the event as you hold it (If-None-Match) is current (seats left included)",
            headers(("ETag" = String, description = "The event's tag"))),
    ),
)]
#[get("/events/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let view = catalogue::event(&state, path.into_inner(), None).await?;
    let now = state.clock.now();
    let event = EventOut::new(&view.listing.event, &view.listing.ticket_types, now);
    Ok(etag::respond(&req, Answer::ok(&event)?))
}
