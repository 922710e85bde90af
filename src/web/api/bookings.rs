//! A buyer's bookings: `POST /api/v1/events/{id}/bookings` (hold seats),
//! `GET /api/v1/bookings` and `/{id}`, `POST /api/v1/bookings/{id}/checkout` (the pay
//! link) and `/{id}/cancel`. Only the owner sees a booking: anyone else's id is 404.
//! Holding and paying need an `Idempotency-Key`, so a retry never holds or pays twice.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiBuyer;
use super::idempotent::{self, Key};
use super::paging::PageQuery;
use super::problem::{Problem, ProblemBody};
use super::shapes::{BookingOut, BookingRequest, CheckoutAnswer, Page};
use crate::app::checkout::{PayOutcome, start_checkout};
use crate::app::{AppState, bookings};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::hold_rules::HoldRefusal;
use crate::domain::bookings::hold_rules::HoldRequest;
use crate::domain::bookings::reservation::ReserveOutcome;
use crate::domain::bookings::selling_rules::MAX_PER_ORDER_LIMIT;
use crate::web::client_address;

/// Hold seats of one ticket type in a new booking (one booking per user per event).
/// The hold lasts 15 minutes by default (`hold_expires_at`); pay through `checkout`.
#[utoipa::path(
    post, path = "/api/v1/events/{id}/bookings", tag = "bookings",
    operation_id = "createBooking",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The event"),
        ("Idempotency-Key" = String, Header, description = "Required: a new key (a UUID) per booking; a retry with the same key and body gets the same answer"),
    ),
    request_body = BookingRequest,
    responses(
        (status = 201, description = "Held", body = BookingOut),
        (status = 400, description = "No Idempotency-Key (`idempotency_key_required`), or a body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`address_unconfirmed`: the account's address is not confirmed, and the event is in high demand or the account already has the bookings an unconfirmed account may have (follow the mailed link, or ask for a new one at `/account/verify/resend`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`sold_out`, `selling_rule`, `not_yet_on_sale` or `sales_ended` (outside the ticket type's sale window), `already_booked`, `not_on_sale`, or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a field is wrong, including a `ticket_type_id` of another event (`errors` names the field); or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, `hold_limit` (holds per account per hour), `address_hold_limit` (holds per client address per hour) or `hold_cooldown` (a hold of this ticket type lapsed unpaid a moment ago): retry after `Retry-After` seconds", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
#[post("/events/{id}/bookings")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let event_id = path.into_inner();
    let user_id = holder.user_id;
    idempotent::run(&state, &req, user_id, &body.0, Key::Required, || async {
        let request: BookingRequest = body.parse()?;
        if !(1..=MAX_PER_ORDER_LIMIT).contains(&request.quantity) {
            return Err(Problem::invalid(
                "quantity",
                format!("Book 1 to {MAX_PER_ORDER_LIMIT} seats."),
            ));
        }
        let address = client_address::of(&req, &state.settings.client_addresses);
        let hold = HoldRequest::new(user_id, request.quantity, address);
        let outcome = bookings::book(&state, event_id, request.ticket_type_id, hold).await?;
        match outcome {
            Ok(booking) => Answer::created(
                format!("/api/v1/bookings/{}", booking.booking.id),
                &BookingOut::new(&booking, &[]),
            ),
            Err(ReserveOutcome::Reserved(_)) => Err(Problem::from(
                crate::error::AppError::Internal("book returned a hold as a refusal".into()),
            )),
            Err(ReserveOutcome::SoldOut) => Err(Problem::new(
                StatusCode::CONFLICT,
                "sold_out",
                "This ticket type is sold out.",
            )),
            Err(ReserveOutcome::Refused(refusal)) => Err(Problem::new(
                StatusCode::CONFLICT,
                refusal.code(),
                refusal.to_string(),
            )),
            Err(ReserveOutcome::AlreadyHolding(booking)) => Err(Problem {
                booking_id: Some(booking.id),
                ..Problem::new(
                    StatusCode::CONFLICT,
                    "already_booked",
                    "You already have a booking for this event: see booking_id.",
                )
            }),
            Err(ReserveOutcome::Limited(refusal)) => Err(refused_hold(&refusal)),
        }
    })
    .await
}

/// A hold refused by the hold rules: 403 `address_unconfirmed`, or 429 with
/// `Retry-After` for a wait (`hold_limit`, `address_hold_limit`, `hold_cooldown`).
fn refused_hold(refusal: &HoldRefusal) -> Problem {
    match refusal.retry_after() {
        Some(seconds) => Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            refusal.code(),
            refusal.to_string(),
        )
        .retry_after(seconds),
        None => Problem::new(StatusCode::FORBIDDEN, refusal.code(), refusal.to_string()),
    }
}

/// Your bookings, soonest event first.
#[utoipa::path(
    get, path = "/api/v1/bookings", tag = "bookings",
    operation_id = "listBookings",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of your bookings (codes only in `GET /bookings/{id}`)", body = Page<BookingOut>),
        (status = 404, description = "Past the last page", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A bad page or page size", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[get("/bookings")]
pub async fn list(
    state: web::Data<AppState>,
    ApiBuyer(holder): ApiBuyer,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let ask = query.check()?;
    let all = bookings::list(&state, holder.user_id).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    if ask.beyond(total) {
        return Err(Problem::not_found());
    }
    let (next, previous) = ask.links("/api/v1/bookings", total);
    let skip = usize::try_from((ask.page - 1) * ask.size).unwrap_or(usize::MAX);
    let size = usize::try_from(ask.size).unwrap_or(1);
    let page = Page {
        count: total,
        next,
        previous,
        results: all
            .iter()
            .skip(skip)
            .take(size)
            .map(|booking| BookingOut::new(booking, &[]))
            .collect(),
    };
    Ok(Answer::ok(&page)?.respond())
}

/// One of your bookings, with a code per seat once paid.
#[utoipa::path(
    get, path = "/api/v1/bookings/{id}", tag = "bookings",
    operation_id = "getBooking",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The booking")),
    responses(
        (status = 200, description = "The booking", body = BookingOut),
    ),
)]
#[get("/bookings/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let (booking, codes) = bookings::show(&state, holder.user_id, path.into_inner()).await?;
    Ok(Answer::ok(&BookingOut::new(&booking, &codes))?.respond())
}

/// The address of the payment page for a held booking (the same session again while it
/// is open). A free booking is confirmed at once (`checkout_url` is null).
#[utoipa::path(
    post, path = "/api/v1/bookings/{id}/checkout", tag = "bookings",
    operation_id = "checkoutBooking",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The booking"),
        ("Idempotency-Key" = String, Header, description = "Required: a retry with the same key gets the same answer"),
    ),
    responses(
        (status = 200, description = "Where to pay", body = CheckoutAnswer),
        (status = 400, description = "No Idempotency-Key", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`hold_expired`, `already_paid`, `payment_processing`, or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The payment service is unavailable; the hold stands, retry", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/bookings/{id}/checkout")]
pub async fn checkout(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let booking_id = path.into_inner();
    idempotent::run(
        &state,
        &req,
        holder.user_id,
        &body.0,
        Key::Required,
        || async {
            let answer = match start_checkout(&state, holder.user_id, booking_id).await? {
                PayOutcome::Checkout(url) => CheckoutAnswer {
                    checkout_url: Some(url),
                    status: BookingStatus::Reserved.as_str(),
                },
                PayOutcome::Confirmed { .. } => CheckoutAnswer {
                    checkout_url: None,
                    status: BookingStatus::Paid.as_str(),
                },
            };
            Answer::ok(&answer)
        },
    )
    .await
}

/// Cancel a booking: a hold's seats go back on sale; a paid booking is refunded where
/// its event allows it (`refund_hours_before`) and no seat of it has been checked in,
/// and is `refunded` once the money is back (`paid` while the refund is under way, its
/// codes no longer admitting at the door).
#[utoipa::path(
    post, path = "/api/v1/bookings/{id}/cancel", tag = "bookings",
    operation_id = "cancelBooking",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The booking"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional"),
    ),
    responses(
        (status = 200, description = "Cancelled", body = BookingOut),
        (status = 409, description = "`not_refundable` (the event does not allow it, or its window closed), `checked_in` (a seat was checked in at the door), `refund_under_way`, or `not_on_hold` (expired or cancelled already)", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/bookings/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let booking_id = path.into_inner();
    let user_id = holder.user_id;
    idempotent::run(&state, &req, user_id, &body.0, Key::Optional, || async {
        let (booking, _) = bookings::cancel_booking(&state, user_id, booking_id).await?;
        Answer::ok(&BookingOut::new(&booking, &[]))
    })
    .await
}
