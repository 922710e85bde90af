//! Resale and gifts on the web: a seller lists, reprices or withdraws their booking; a
//! buyer buys an offer from the event page; an owner gives a booking away after a
//! confirmation that names what happens.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::bookings;
use crate::app::checkout::PayOutcome;
use crate::app::resale;
use crate::domain::payments::money::Money;
use crate::domain::resale::AskedPrice;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};

#[derive(Debug, Deserialize)]
pub struct PriceForm {
    /// In the currency's major units ("25.00"); empty means what was paid.
    #[serde(default)]
    price: String,
}

/// The refusals a person can act on, as a flash back on `back`.
fn flash_refusal(ctx: &PageCtx, error: AppError, back: &str) -> Result<HttpResponse, AppError> {
    match error {
        AppError::Conflict(message)
        | AppError::Refused { message, .. }
        | AppError::Unavailable(message)
        | AppError::Unprocessable { message, .. } => {
            flash::error(&ctx.session, message);
            Ok(see_other(back))
        }
        other => Err(other),
    }
}

#[post("/bookings/{id}/resale")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<PriceForm>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let back = format!("/bookings/{booking_id}");
    match resale::list(&state, user.id, booking_id, AskedPrice::typed(&form.price)).await {
        Ok(listing) => {
            flash::success(
                &ctx.session,
                format!(
                    "Listed for resale at {}. Your codes still work until someone buys it.",
                    Money::from_stored(listing.price_pennies, &listing.currency)
                ),
            );
            Ok(see_other(&back))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}

#[post("/resale/{id}/price")]
pub async fn reprice(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<PriceForm>,
) -> Result<HttpResponse, AppError> {
    let listing = resale::own_listing(&state, user.id, path.into_inner()).await?;
    let back = format!("/bookings/{}", listing.booking_id);
    let price = AskedPrice::typed(&form.price);
    if price == AskedPrice::FaceValue {
        flash::error(&ctx.session, "Enter the new price.");
        return Ok(see_other(&back));
    }
    match resale::reprice(&state, user.id, listing.id, price, None).await {
        Ok(changed) => {
            flash::success(
                &ctx.session,
                format!(
                    "The price is now {}.",
                    Money::from_stored(changed.price_pennies, &changed.currency)
                ),
            );
            Ok(see_other(&back))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}

#[post("/resale/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let listing = resale::own_listing(&state, user.id, path.into_inner()).await?;
    let back = format!("/bookings/{}", listing.booking_id);
    match resale::withdraw(&state, user.id, listing.id).await {
        Ok(_) => {
            flash::success(
                &ctx.session,
                "Your listing is withdrawn: the booking is yours as before.",
            );
            Ok(see_other(&back))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}

#[derive(Debug, Deserialize)]
pub struct BuyForm {
    /// The event page the offer was on (to come back to with a message).
    #[serde(default)]
    event_id: String,
}

#[post("/resale/{id}/buy")]
pub async fn buy(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<BuyForm>,
) -> Result<HttpResponse, AppError> {
    let back = match form.event_id.trim().parse::<i32>() {
        Ok(id) if id > 0 => format!("/events/{id}"),
        _ => "/".to_owned(),
    };
    match resale::buy(&state, user.id, path.into_inner()).await {
        Ok(PayOutcome::Checkout(url)) => Ok(see_other(&url)),
        Ok(PayOutcome::Confirmed { booking_id }) => {
            Ok(see_other(&format!("/bookings/{booking_id}")))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}

#[derive(Debug, Deserialize)]
pub struct GiveQuery {
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "booking_give.html")]
struct GivePage {
    page: Page,
    booking_id: i32,
    event: String,
    seats: String,
    email: String,
}

/// "Give 2 seats of Standing to friend@example.com? Your codes stop working.": the
/// confirmation before a gift, reachable without JavaScript.
#[get("/bookings/{id}/give")]
pub async fn confirm_give(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    query: web::Query<GiveQuery>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let (details, _) = bookings::show(&state, user.id, booking_id).await?;
    let email = query.into_inner().email.trim().to_owned();
    if email.is_empty() || email.len() > 254 {
        flash::error(
            &ctx.session,
            "Enter the email address of the account to give this booking to.",
        );
        return Ok(see_other(&format!("/bookings/{booking_id}")));
    }
    html(&GivePage {
        page: ctx.page("Give your booking away"),
        booking_id,
        event: details.event.title.clone(),
        seats: format!(
            "{} of {}",
            crate::domain::common::wording::seats(i64::from(details.booking.quantity)),
            details.ticket_type.name
        ),
        email,
    })
}

#[derive(Debug, Deserialize)]
pub struct GiveForm {
    #[serde(default)]
    email: String,
}

#[post("/bookings/{id}/give")]
pub async fn give(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<GiveForm>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let back = format!("/bookings/{booking_id}");
    match resale::give(&state, user.id, booking_id, form.email).await {
        Ok(_) => {
            flash::success(
                &ctx.session,
                "Given away: the new holder has new codes, and yours no longer admit.",
            );
            Ok(see_other(&back))
        }
        Err(error) => flash_refusal(&ctx, error, &back),
    }
}
