//! Resale for buyers over the API: `GET /api/v1/events/{id}/resale` (an event's offers
//! now, public, with an `ETag`) and `POST /api/v1/resale/{id}/purchase` (lock an offer
//! for the buyer and open the provider's checkout, as for a first-hand booking).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiBuyer;
use super::etag;
use super::idempotent::{self, Key};
use super::problem::{Problem, ProblemBody};
use super::resale_shapes::{LockedListing, PurchaseAnswer, ResaleOfferOut};
use crate::app::checkout::PayOutcome;
use crate::app::{AppState, catalogue, resale};
use crate::error::AppError;

/// An event's resale offers now: whole bookings other fans offer at face value or
/// less, not being paid for by another buyer at the moment; cheapest first. Empty when
/// the event does not allow resale.
#[utoipa::path(
    get, path = "/api/v1/events/{id}/resale", tag = "resale",
    operation_id = "listResaleOffers",
    security(),
    params(
        ("id" = i32, Path, description = "The event"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the offers you hold: 304 if they are unchanged"),
    ),
    responses(
        (status = 200, description = "The offers, cheapest first", body = Vec<ResaleOfferOut>,
            headers(("ETag" = String, description = "The offers' tag, for If-None-Match"))),
        (status = 304, description = "Not modified: the offers you hold (If-None-Match) are current",
            headers(("ETag" = String, description = "The offers' tag"))),
    ),
)]
#[get("/events/{id}/resale")]
pub async fn offers(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let view = catalogue::event(&state, path.into_inner(), None).await?;
    let offers: Vec<ResaleOfferOut> = view.offers.iter().map(ResaleOfferOut::from).collect();
    Ok(etag::respond(&req, Answer::ok(&offers)?))
}

/// The body of a purchase: an empty object (or `null`, or no body at all).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PurchaseRequest {}

/// Buy a resale offer: it is locked for you for a few minutes (`RESALE_LOCK_MINUTES`,
/// 10 by default) and you pay on the returned checkout page; paying passes its seats to
/// a new booking of yours with new codes. Asking again while your lock runs answers the
/// same checkout.
#[utoipa::path(
    post, path = "/api/v1/resale/{id}/purchase", tag = "resale",
    operation_id = "purchaseResaleListing",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The listing (`listing_id` of an offer)"),
        ("Idempotency-Key" = String, Header, description = "Required: a retry with the same key gets the same answer"),
    ),
    request_body(content = Option<PurchaseRequest>, description = "`{}`, `null` or no body"),
    responses(
        (status = 200, description = "Locked for you: pay at `checkout_url` before `listing.locked_until`", body = PurchaseAnswer),
        (status = 400, description = "No Idempotency-Key (`idempotency_key_required`), or a body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`already_holding` (you have a booking for this event: one booking per person per event), `own_listing`, `listing_locked` (another buyer is paying for it; it comes back if they do not pay in time), `not_offered` (sold or withdrawn), `resale_closed` (the event started, was cancelled or does not allow resale), `payment_processing`, or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A body that is not an object (`validation`), or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The payment service is unavailable; retry", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/resale/{id}/purchase")]
pub async fn purchase(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let listing_id = path.into_inner();
    let user_id = holder.user_id;
    idempotent::run(&state, &req, user_id, &body.0, Key::Required, || async {
        // The document states an optional body as an object or `null`.
        if !matches!(body.0.trim_ascii(), b"" | b"null") {
            let _: PurchaseRequest = body.parse()?;
        }
        let (outcome, listing) = resale::buy_with_listing(&state, user_id, listing_id).await?;
        let PayOutcome::Checkout(checkout_url) = outcome else {
            return Err(Problem::from(AppError::Internal(
                "a resale purchase was confirmed without a payment".into(),
            )));
        };
        Answer::ok(&PurchaseAnswer {
            checkout_url,
            listing: LockedListing::new(&listing, state.clock.now()),
        })
    })
    .await
}
