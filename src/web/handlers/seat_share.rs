//! Seats for friends on the web: send one seat of a paid booking to a friend (after a
//! confirmation naming what happens), and name who will use a seat.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::{bookings, seat_shares};
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};

#[derive(Debug, Deserialize)]
pub struct SendFields {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "seat_send.html")]
struct SendPage {
    page: Page,
    booking_id: i32,
    position: i32,
    event: String,
    seat: String,
    email: String,
    name: String,
}

/// The confirmation before a seat is sent: names the seat, the friend, and that the
/// owner's copy of its code stops working.
#[get("/bookings/{id}/seats/{position}/send")]
pub async fn confirm_send(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
    query: web::Query<SendFields>,
) -> Result<HttpResponse, AppError> {
    let (booking_id, position) = path.into_inner();
    let (details, codes) = bookings::show(&state, user.id, booking_id).await?;
    if !codes.iter().any(|seat| seat.position == position) {
        return Err(AppError::NotFound);
    }
    let fields = query.into_inner();
    let email = fields.email.trim().to_owned();
    if email.is_empty() || email.len() > 254 {
        flash::error(&ctx.session, "Enter your friend's email address.");
        return Ok(see_other(&format!("/bookings/{booking_id}")));
    }
    html(&SendPage {
        page: ctx.page("Send a seat to a friend"),
        booking_id,
        position,
        event: details.event.title.clone(),
        seat: format!(
            "seat {position} of {} ({})",
            details.booking.quantity, details.ticket_type.name
        ),
        email,
        name: fields.name.trim().to_owned(),
    })
}

#[post("/bookings/{id}/seats/{position}/send")]
pub async fn send(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
    CsrfForm(form): CsrfForm<SendFields>,
) -> Result<HttpResponse, AppError> {
    let (booking_id, position) = path.into_inner();
    let back = format!("/bookings/{booking_id}");
    match seat_shares::send(
        &state, user.id, booking_id, position, form.email, &form.name,
    )
    .await
    {
        Ok(seat) => {
            flash::success(
                &ctx.session,
                format!(
                    "Seat {position} is on its way to {}: they get its new code by mail, and your copy no longer admits.",
                    seat.holder_email.unwrap_or_default()
                ),
            );
            Ok(see_other(&back))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}

#[derive(Debug, Deserialize)]
pub struct NameFields {
    #[serde(default)]
    name: String,
}

#[post("/bookings/{id}/seats/{position}/name")]
pub async fn name(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
    CsrfForm(form): CsrfForm<NameFields>,
) -> Result<HttpResponse, AppError> {
    let (booking_id, position) = path.into_inner();
    let back = format!("/bookings/{booking_id}");
    match seat_shares::name(&state, user.id, booking_id, position, &form.name).await {
        Ok(()) => {
            flash::success(&ctx.session, format!("Seat {position}'s name is saved."));
            Ok(see_other(&back))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}

/// The refusals a person can act on, as a flash back on the booking.
fn flash_refusal(ctx: &PageCtx, error: AppError, back: &str) -> Result<HttpResponse, AppError> {
    match error {
        AppError::Conflict(message)
        | AppError::Refused { message, .. }
        | AppError::TooManyRequests(message)
        | AppError::Unprocessable { message, .. } => {
            flash::error(&ctx.session, message);
            Ok(see_other(back))
        }
        other => Err(other),
    }
}
