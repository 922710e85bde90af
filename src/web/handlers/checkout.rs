//! Paying for a hold: the pay button, the page the provider sends the user back to, and
//! Stripe's webhook.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::app::AppState;
use crate::app::bookings;
use crate::app::checkout::{self, Confirmation, PayOutcome};
use crate::app::provider_webhook::{self, Receipt};
use crate::domain::payments::{Completion, PROVIDER_CHECK_INTERVAL};
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::payer::Payer;

#[post("/bookings/{id}/pay")]
pub async fn pay(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let back = format!("/bookings/{booking_id}");
    match checkout::start_checkout(&state, user.id, booking_id).await {
        Ok(PayOutcome::Checkout(url)) => Ok(see_other(&url)),
        Ok(PayOutcome::Confirmed { .. }) => {
            let seats = bookings::seats(&state, user.id, booking_id).await?;
            flash::success(
                &ctx.session,
                if seats == 1 {
                    "Your free ticket is confirmed."
                } else {
                    "Your free tickets are confirmed."
                },
            );
            Ok(see_other(&back))
        }
        Err(
            AppError::Conflict(message)
            | AppError::Refused { message, .. }
            | AppError::Unavailable(message),
        ) => {
            flash::error(&ctx.session, message);
            Ok(see_other(&back))
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Deserialize)]
pub struct SuccessQuery {
    session_id: String,
}

/// The page shown while a payment is being confirmed: it refreshes itself (an HTTP
/// `Refresh`) to the success page, which by then may ask the provider again.
#[derive(Template)]
#[template(path = "checkout_confirming.html")]
struct ConfirmingPage {
    page: Page,
    booking_id: i32,
    /// The success page again.
    again: String,
}

/// Seconds before the confirming page reloads itself: past the provider-check interval,
/// so the reload may ask again if no answer has come.
const REFRESH_SECONDS: i64 = PROVIDER_CHECK_INTERVAL.num_seconds() + 2;

/// Where the provider sends the user after paying: the paid ticket is shown at once,
/// even before the webhook arrives (both apply the same idempotent transition). At most
/// one hit per attempt every few seconds asks the provider (`complete_for_owner`); the
/// others, and a provider that cannot answer now, get a page that refreshes itself.
#[get("/checkout/success")]
pub async fn success(
    state: web::Data<AppState>,
    payer: Payer,
    ctx: PageCtx,
    query: web::Query<SuccessQuery>,
) -> Result<HttpResponse, AppError> {
    // The logged-in buyer, or a box office customer who came from their pay link.
    let user_id = payer.user_id().ok_or(AppError::NotFound)?;
    let session_id = query.into_inner().session_id;
    if session_id.len() > 255 || session_id.chars().any(char::is_control) {
        return Err(AppError::NotFound);
    }
    let (booking_id, confirmation) =
        checkout::complete_for_owner(&state, user_id, &session_id).await?;
    let completion = match confirmation {
        Confirmation::Known(completion) | Confirmation::Asked(Ok(completion)) => completion,
        Confirmation::BeingConfirmed | Confirmation::Asked(Err(AppError::Unavailable(_))) => {
            return confirming(&ctx, booking_id, &session_id);
        }
        Confirmation::Asked(Err(other)) => return Err(other),
    };
    // A resale's attempt names the seller's booking until the seats pass to the buyer's.
    let (booking_id, seats) = match completion {
        Completion::Confirmed { booking_id } => (
            booking_id,
            bookings::seats(&state, user_id, booking_id).await?,
        ),
        _ => (booking_id, 1),
    };
    let back = if let Some(link_page) = payer.link_page() {
        link_page.to_owned()
    } else if bookings::seats(&state, user_id, booking_id).await.is_ok() {
        format!("/bookings/{booking_id}")
    } else {
        "/bookings".to_owned()
    };
    let message = match completion {
        Completion::Confirmed { .. } if seats > 1 => {
            "Payment received. Your tickets are confirmed."
        }
        Completion::Confirmed { .. } => "Payment received. Your ticket is confirmed.",
        Completion::NotPaid { expired: false, .. } => "Your payment is not complete yet.",
        Completion::NotPaid { expired: true, .. } => {
            "That checkout session has expired; nothing was charged."
        }
        Completion::NeedsRefund { .. } | Completion::Refunded { .. } => {
            "Your payment arrived after the seat was no longer available, so it has been refunded in full."
        }
        Completion::Mismatch { .. } => {
            "Your payment needs a check by our team; we will contact you."
        }
        Completion::Processing { .. } => {
            "Your bank is processing the payment. We confirm your ticket as soon as the money arrives; if your hold ends first, a seat that is still free is kept for you, or the money is refunded."
        }
        Completion::PaymentFailed { .. } => {
            "Your payment did not go through and nothing was charged. You can pay again while your seat is held."
        }
        Completion::Unknown => return Err(AppError::NotFound),
    };
    flash::info(&ctx.session, message);
    Ok(see_other(&back))
}

/// "We are confirming your payment": refreshes itself to the success page.
fn confirming(ctx: &PageCtx, booking_id: i32, session_id: &str) -> Result<HttpResponse, AppError> {
    let again = format!(
        "/checkout/success?session_id={}",
        utf8_percent_encode(session_id, NON_ALPHANUMERIC)
    );
    let mut response = html(&ConfirmingPage {
        page: ctx.page("Confirming your payment"),
        booking_id,
        again: again.clone(),
    })?;
    if let Ok(refresh) = HeaderValue::from_str(&format!("{REFRESH_SECONDS}; url={again}")) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("refresh"), refresh);
    }
    Ok(response)
}

/// Stripe's webhook: the signature is checked on the raw body before anything is read;
/// each event id is applied once; unknown types are acknowledged and ignored.
#[post("/webhooks/stripe")]
pub async fn stripe_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match provider_webhook::receive(&state, &body, header).await {
        Ok(Receipt::Applied) => Ok(HttpResponse::Ok().body("ok")),
        Ok(Receipt::AlreadyProcessed) => Ok(HttpResponse::Ok().body("already processed")),
        Err(AppError::BadRequest(reason)) => Ok(HttpResponse::BadRequest().body(reason)),
        Err(other) => Err(other),
    }
}
