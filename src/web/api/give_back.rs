//! `POST /api/v1/bookings/{id}/give-back`: the buyer gives back some seats of a paid
//! group booking and keeps the others, as the web's confirmation does
//! (`app::give_back`). The request names the seats and how many the booking held when
//! they were chosen, so a retry after a give-back (which renumbers the seats kept) is
//! refused, never applied to other seats.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiBuyer;
use super::idempotent::{self, Key};
use super::problem::{Problem, ProblemBody};
use super::shapes::Price;
use crate::app::AppState;
use crate::app::give_back;
use crate::app::refunds::RefundProgress;
use crate::domain::bookings::selling_rules::MAX_PER_ORDER_LIMIT;

/// Seats to give back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiveBackRequest {
    /// The positions of the seats to give back (`seats[].position` of the booking).
    #[schema(min_items = 1, max_items = 50, example = json!([3]))]
    pub seats: Vec<i32>,
    /// How many seats the booking holds now, as last read (`quantity`): the seats kept
    /// are renumbered by a give-back, so a request made on an older read is refused
    /// (409 `booking_changed`).
    #[schema(minimum = 2, maximum = 50, example = 3)]
    pub seats_held: i32,
}

/// What a give-back did.
#[derive(Debug, Serialize, ToSchema)]
pub struct GiveBackAnswer {
    pub booking_id: i32,
    pub seats_given_back: i32,
    /// The seats the booking keeps, numbered 1, 2, … again.
    pub seats_kept: i32,
    /// The seats' share of what was paid, refunded to how the buyer paid.
    pub refund: Price,
    /// `succeeded`, or `pending` (under way at the payment service: retried until it is
    /// made).
    pub refund_status: &'static str,
}

/// Give back some seats of your paid booking and keep the others: their codes stop
/// admitting, the seats go back on sale and their share of what you paid is refunded,
/// where the event allows refunds (`refundable_until`) and the ticket type's selling
/// rule allows it (seats sold in pairs go back in pairs; seats sold all together only
/// with the whole booking: cancel it).
#[utoipa::path(
    post, path = "/api/v1/bookings/{id}/give-back", tag = "bookings",
    operation_id = "giveBackSeats",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Your paid booking"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body gets the same answer"),
    ),
    request_body = GiveBackRequest,
    responses(
        (status = 200, description = "Given back", body = GiveBackAnswer),
        (status = 400, description = "A body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`booking_changed` (`seats_held` is not what the booking holds now), `selling_rule`, `no_such_seat`, `seat_not_returnable` (given back, sent to a friend or checked in), `not_refundable`, `checked_in`, `listed`, `refund_under_way`, `not_paid`, or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `seats` is empty or too long, or `seats_held` is out of range; or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/bookings/{id}/give-back")]
pub async fn give_back_seats(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let booking_id = path.into_inner();
    let user_id = holder.user_id;
    idempotent::run(&state, &req, user_id, &body.0, Key::Optional, || async {
        let request: GiveBackRequest = body.parse()?;
        let most = usize::try_from(MAX_PER_ORDER_LIMIT).unwrap_or(50);
        if request.seats.is_empty() || request.seats.len() > most {
            return Err(Problem::invalid(
                "seats",
                format!("Name 1 to {most} seats to give back."),
            ));
        }
        if !(2..=MAX_PER_ORDER_LIMIT).contains(&request.seats_held) {
            return Err(Problem::invalid(
                "seats_held",
                format!("A booking that can give back seats holds 2 to {MAX_PER_ORDER_LIMIT}."),
            ));
        }
        let done = give_back::give_back(
            &state,
            user_id,
            booking_id,
            request.seats,
            request.seats_held,
        )
        .await?;
        Answer::ok(&GiveBackAnswer {
            booking_id,
            seats_given_back: done.seats,
            seats_kept: done.kept_seats,
            refund: Price::of(done.refund.pennies, done.refund.currency.as_str()),
            refund_status: match done.progress {
                RefundProgress::Done => "succeeded",
                RefundProgress::Pending => "pending",
            },
        })
    })
    .await
}
