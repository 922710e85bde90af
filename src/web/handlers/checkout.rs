//! Paying for a hold: the pay button, the page the provider sends the user back to, and
//! Stripe's webhook.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::payments;
use crate::domain::checkout::Completion;
use crate::error::AppError;
use crate::payments::service::{self, PayOutcome};
use crate::payments::stripe_event;
use crate::payments::{Provider, signature};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{PageCtx, see_other};
use crate::web::state::AppState;

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
    match service::start_checkout(&state, user.id, ticket_id).await {
        Ok(PayOutcome::Checkout(url)) => Ok(see_other(&url)),
        Ok(PayOutcome::Confirmed { .. }) => {
            flash::success(&ctx.session, "Your free ticket is confirmed.");
            Ok(see_other(&back))
        }
        Err(AppError::Conflict(message) | AppError::Unavailable(message)) => {
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
    let lookup = session_id.clone();
    let payment = state
        .db(move |conn| Ok(payments::find_by_session(conn, &lookup)?))
        .await?
        .filter(|p| p.user_id == user.id)
        .ok_or(AppError::NotFound)?;
    let back = format!("/tickets/{}", payment.ticket_id);
    let completion = match service::complete(&state, &session_id).await {
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
    let Some(stripe) = &state.settings.stripe else {
        return Err(AppError::NotFound);
    };
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = state.clock.now();
    if let Err(error) = signature::verify(
        &body,
        header,
        stripe.webhook_secret.expose(),
        now.and_utc().timestamp(),
    ) {
        log::warn!("webhook refused: {error}");
        return Ok(HttpResponse::BadRequest().body("invalid signature"));
    }
    let event = match stripe_event::parse(&body) {
        Ok(event) => event,
        Err(error) => {
            log::warn!("webhook with a valid signature but unreadable body: {error}");
            return Ok(HttpResponse::BadRequest().body("unreadable event"));
        }
    };
    let answer = if service::process_event(&state, event).await? {
        "ok"
    } else {
        "already processed"
    };
    Ok(HttpResponse::Ok().body(answer))
}

/// Only the test provider has a checkout page of its own.
pub fn test_gateway(
    state: &AppState,
) -> Result<&crate::payments::test_provider::TestGateway, AppError> {
    match &state.provider {
        Provider::Test(gateway) => Ok(gateway),
        Provider::Stripe(_) => Err(AppError::NotFound),
    }
}
