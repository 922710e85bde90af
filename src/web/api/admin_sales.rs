//! The admin API for sales: an event's bookings, the payments list, and refunding a
//! paid booking. Admins' tokens only (403 for anyone else's).

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::admin_shapes::{AdminBooking, PaymentOut, RefundAnswer, RefundRequest};
use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiAdmin;
use super::idempotent::{self, Key};
use super::paging::PageQuery;
use super::problem::{Problem, ProblemBody};
use super::shapes::Page;
use crate::app::refunds::{self, RefundProgress};
use crate::app::{AppState, admin};
use crate::domain::door::refunds::parse_reason;
use crate::error::AppError;

/// An event's bookings, newest first, 50 a page.
#[utoipa::path(
    get, path = "/api/v1/admin/events/{id}/bookings", tag = "admin",
    operation_id = "listEventBookings",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The event"),
        ("page" = Option<i64>, Query, description = "From 1", minimum = 1),
    ),
    responses(
        (status = 200, description = "A page of bookings", body = Page<AdminBooking>),
        (status = 404, description = "No such event, or past the last page", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A bad page", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[get("/admin/events/{id}/bookings")]
pub async fn bookings(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let event_id = path.into_inner();
    let ask = PageQuery {
        page: query.page,
        page_size: Some(admin::BOOKINGS_PER_PAGE),
    }
    .check()?;
    let found = admin::bookings(&state, event_id, ask.page).await?;
    let total = found.total;
    if ask.beyond(total) {
        return Err(Problem::not_found());
    }
    let (next, previous) = ask.links(&format!("/api/v1/admin/events/{event_id}/bookings"), total);
    let page = Page {
        count: total,
        next,
        previous,
        results: found.bookings.iter().map(AdminBooking::from).collect(),
    };
    Ok(Answer::ok(&page)?.respond())
}

/// The newest checkout attempts (up to 500), with what an admin must know of refunds.
#[utoipa::path(
    get, path = "/api/v1/admin/payments", tag = "admin",
    operation_id = "listPayments",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Payments, newest first", body = Vec<PaymentOut>),
    ),
)]
#[get("/admin/payments")]
pub async fn payments(state: web::Data<AppState>, _: ApiAdmin) -> Result<HttpResponse, Problem> {
    let listed = admin::payments(&state).await?;
    let out: Vec<PaymentOut> = listed
        .into_iter()
        .map(|(payment, status, note)| PaymentOut::new(&payment, status, note))
        .collect();
    Ok(Answer::ok(&out)?.respond())
}

/// Refund a paid booking: the money goes back, and its seats go back on sale once it has.
/// A booking with a seat checked in at the door is refunded only with a `reason`.
#[utoipa::path(
    post, path = "/api/v1/admin/bookings/{id}/refund", tag = "admin",
    operation_id = "refundBooking",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The booking"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key refunds nothing more (a second refund is refused anyway)"),
    ),
    request_body = Option<RefundRequest>,
    responses(
        (status = 200, description = "Refunded or under way", body = RefundAnswer),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not paid, its refund already under way, or `reason_required` (a seat was checked in)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A bad `reason`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The payment service is unavailable: retried in the background", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/bookings/{id}/refund")]
pub async fn refund(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiAdmin(holder): ApiAdmin,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let booking_id = path.into_inner();
    idempotent::run(
        &state,
        &req,
        holder.user_id,
        &body.0,
        Key::Optional,
        || async {
            let request: RefundRequest = if body.0.iter().all(u8::is_ascii_whitespace) {
                RefundRequest::default()
            } else {
                body.parse()?
            };
            let reason = parse_reason(request.reason.as_deref().unwrap_or("")).map_err(
                |error| match error {
                    AppError::BadRequest(message) => Problem::invalid("reason", message),
                    other => Problem::from(other),
                },
            )?;
            let status = match refunds::refund_booking(&state, booking_id, reason).await? {
                RefundProgress::Done => "succeeded",
                RefundProgress::Pending => "pending",
            };
            Answer::ok(&RefundAnswer { status })
        },
    )
    .await
}
