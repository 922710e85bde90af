//! Reserving a seat and the user's own tickets: list, show, cancel.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::{Event, Ticket, TicketSchema};
use crate::db::{events, ticket_schemas, tickets};
use crate::domain::reservation::{self, Admission, ReserveOutcome};
use crate::domain::ticket_status::TicketStatus;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::state::AppState;
use crate::web::views;

#[derive(Debug, Deserialize)]
pub struct ReserveForm {
    #[serde(default)]
    ticket_schema_id: String,
}

#[post("/events/{id}/reserve")]
pub async fn reserve(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ReserveForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let schema_id: i32 = form
        .ticket_schema_id
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("Choose a ticket type.".into()))?;
    // Each hold counts, cancelled or not: one account cannot keep a type sold out by
    // cancelling and holding again.
    let quota_key = user.id.to_string();
    if state.holds_by_user.is_used_up(&quota_key) {
        return Err(AppError::TooManyRequests(format!(
            "You have held seats {} times in the last hour. Please wait a while before \
             holding another.",
            state.settings.holds_per_user_per_hour
        )));
    }
    let now = state.clock.now();
    let hold = state.settings.hold();
    let user_id = user.id;
    let admission = state
        .db(move |conn| reservation::admit(conn, now, user_id, event_id, schema_id))
        .await?;
    let outcome = match admission {
        Admission::SoldOut => ReserveOutcome::SoldOut,
        Admission::Proceed => {
            // In line with this instance's other buyers of the ticket type, served in
            // batches; other instances still race, and the lock_version check decides.
            let shared = state.clone();
            let serve = move |users: Vec<i32>| {
                let state = shared.clone();
                async move { hold_batch(&state, now, hold, event_id, schema_id, users).await }
            };
            state
                .seat_line
                .submit(schema_id, user_id, serve)
                .await
                .unwrap_or_else(|| Err(AppError::Unavailable(RETRY.into())))?
        }
    };
    if matches!(outcome, ReserveOutcome::Reserved(_)) {
        state.holds_by_user.record(&quota_key);
    }
    Ok(match outcome {
        ReserveOutcome::Reserved(ticket) => {
            flash::success(
                &ctx.session,
                format!(
                    "Your seat is held for {} minutes. Pay to make it yours.",
                    state.settings.hold_minutes
                ),
            );
            see_other(&format!("/tickets/{}", ticket.id))
        }
        ReserveOutcome::AlreadyHolding(ticket) => {
            flash::info(&ctx.session, "You already have a ticket for this event.");
            see_other(&format!("/tickets/{}", ticket.id))
        }
        ReserveOutcome::SoldOut => {
            flash::error(&ctx.session, "Sorry, that ticket type is sold out.");
            see_other(&format!("/events/{event_id}"))
        }
    })
}

const RETRY: &str = "Your reservation could not be completed. Please try again.";

/// Holds seats for one batch of buyers; a failed batch tells each of them to retry.
async fn hold_batch(
    state: &AppState,
    now: chrono::NaiveDateTime,
    hold: chrono::TimeDelta,
    event_id: i32,
    schema_id: i32,
    users: Vec<i32>,
) -> Vec<Result<ReserveOutcome, AppError>> {
    let count = users.len();
    match state
        .db(move |conn| reservation::hold_seats(conn, now, hold, event_id, schema_id, &users))
        .await
    {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(error) => {
            log::error!("reserving a batch of {count} for ticket type {schema_id} failed: {error}");
            (0..count)
                .map(|_| Err(AppError::Unavailable(RETRY.into())))
                .collect()
        }
    }
}

/// A ticket as its owner sees it.
pub struct TicketView {
    pub ticket: Ticket,
    pub event: Event,
    pub schema: TicketSchema,
    pub status: TicketStatus,
    pub time_left: Option<String>,
}

impl TicketView {
    fn new(
        ticket: Ticket,
        event: Event,
        schema: TicketSchema,
        now: chrono::NaiveDateTime,
    ) -> TicketView {
        let status = reservation::visible_status(&ticket, now);
        let time_left = match (status, ticket.reserved_until) {
            (TicketStatus::Reserved, Some(until)) => Some(views::time_left(&until, &now)),
            _ => None,
        };
        TicketView {
            ticket,
            event,
            schema,
            status,
            time_left,
        }
    }

    pub fn status_label(&self) -> &'static str {
        views::status_label(self.status)
    }

    pub fn status_class(&self) -> &'static str {
        self.status.as_str()
    }

    pub fn is_held(&self) -> bool {
        self.status == TicketStatus::Reserved
    }

    pub fn is_paid(&self) -> bool {
        self.status == TicketStatus::Paid
    }
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct TicketsPage {
    page: Page,
    tickets: Vec<TicketView>,
}

#[get("/tickets")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let rows = state
        .db(move |conn| Ok(tickets::list_for_user(conn, user.id)?))
        .await?;
    let tickets = rows
        .into_iter()
        .map(|(ticket, event, schema)| TicketView::new(ticket, event, schema, now))
        .collect();
    html(&TicketsPage {
        page: ctx.page("My tickets"),
        tickets,
    })
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    page: Page,
    view: TicketView,
    qr_svg: Option<String>,
}

#[get("/tickets/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let (ticket, event, schema) = state
        .db(move |conn| {
            let ticket = tickets::find_owned(conn, id, user.id)?.ok_or(AppError::NotFound)?;
            let event = events::find(conn, ticket.event_id)?.ok_or(AppError::NotFound)?;
            let schema =
                ticket_schemas::find(conn, ticket.ticket_schema_id)?.ok_or(AppError::NotFound)?;
            Ok((ticket, event, schema))
        })
        .await?;
    let view = TicketView::new(ticket, event, schema, now);
    let qr_svg = if view.is_paid() {
        Some(crate::domain::qr::svg(&view.ticket.code)?)
    } else {
        None
    };
    html(&TicketPage {
        page: ctx.page(format!("Ticket for {}", view.event.title)),
        view,
        qr_svg,
    })
}

#[post("/tickets/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let ticket = state
        .db(move |conn| reservation::cancel(conn, user.id, id))
        .await?;
    flash::success(
        &ctx.session,
        "Your hold is cancelled and the seat is back on sale.",
    );
    Ok(see_other(&format!("/events/{}", ticket.event_id)))
}
