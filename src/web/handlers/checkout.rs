//! Paying for a hold: the pay button, the page the provider sends the user back to, and
//! Stripe's webhook.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::app::checkout::{self, PayOutcome};
use crate::app::webhook::{self, Receipt};
use crate::domain::checkout::Completion;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{PageCtx, see_other};

#[post("/tickets/{id}/pay")]
pub async fn pay(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let ticket_id = path.into_inner();
    let back = format!("/tickets/{ticket_id}");
    match checkout::start_checkout(&state, user.id, ticket_id).await {
        Ok(PayOutcome::Checkout(url)) => Ok(see_other(&url)),
        Ok(PayOutcome::Confirmed { .. }) => {
            flash::success(&ctx.session, "Your free ticket is confirmed.");
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

/// Where the provider sends the user after paying: the paid ticket is shown at once,
/// even before the webhook arrives (both apply the same idempotent transition).
#[get("/checkout/success")]
pub async fn success(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<SuccessQuery>,
) -> Result<HttpResponse, AppError> {
    let session_id = query.into_inner().session_id;
    if session_id.len() > 255 || session_id.chars().any(char::is_control) {
        return Err(AppError::NotFound);
    }
    let (ticket_id, completed) = checkout::complete_for_owner(&state, user.id, &session_id).await?;
    let back = format!("/tickets/{ticket_id}");
    let completion = match completed {
        Ok(completion) => completion,
        Err(AppError::Unavailable(_)) => {
            flash::info(
                &ctx.session,
                "We are confirming your payment with the payment service; this page will show it shortly.",
            );
            return Ok(see_other(&back));
        }
        Err(other) => return Err(other),
    };
    let message = match completion {
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
    match webhook::receive(&state, &body, header).await {
        Ok(Receipt::Applied) => Ok(HttpResponse::Ok().body("ok")),
        Ok(Receipt::AlreadyProcessed) => Ok(HttpResponse::Ok().body("already processed")),
        Err(AppError::BadRequest(reason)) => Ok(HttpResponse::BadRequest().body(reason)),
        Err(other) => Err(other),
    }
}
