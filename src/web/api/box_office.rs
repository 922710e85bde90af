//! The box office over the API: `POST /api/v1/events/{id}/sales` sells seats of a ticket
//! type to a named customer (box office staff of the event, or an admin), paid at the
//! counter at once or by a payment link mailed to the customer. Needs an
//! `Idempotency-Key`, so a retry never sells twice.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiSeller;
use super::idempotent::{self, Key};
use super::problem::{Problem, ProblemBody};
use super::shapes::{Price, utc};
use crate::app::box_office::{self, Seller, Sold};
use crate::app::{AppState, box_office as sales};
use crate::domain::bookings::hold_rules::HoldRefusal;
use crate::domain::bookings::reservation::ReserveOutcome;
use crate::domain::box_office::counter;
use crate::domain::box_office::order::{COMPLIMENTARY_NEEDS_ADMIN, SaleOrder, SalePayment};
use crate::error::AppError;

/// How the customer pays.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SalePaymentIn {
    /// A Stripe Checkout link mailed to the customer; the seats are held until it is paid
    /// or the hold lapses.
    Link,
    /// Cash, recorded at the counter: paid at once.
    Cash,
    /// The venue's card terminal, recorded at the counter: paid at once.
    CardTerminal,
    /// Free of charge, recorded at the counter: admins only.
    Complimentary,
}

impl SalePaymentIn {
    fn as_str(self) -> &'static str {
        match self {
            SalePaymentIn::Link => "link",
            SalePaymentIn::Cash => "cash",
            SalePaymentIn::CardTerminal => "card_terminal",
            SalePaymentIn::Complimentary => "complimentary",
        }
    }
}

/// A sale to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SaleRequest {
    /// A ticket type of this event.
    #[schema(minimum = 1)]
    pub ticket_type_id: i32,
    /// Seats, within the type's cap and selling rule (as a web booking).
    #[schema(minimum = 1, maximum = 50)]
    pub quantity: i32,
    /// The customer's address: their account is found by it, or made (they claim it by
    /// resetting the password). One booking per customer per event.
    #[schema(min_length = 3, max_length = 254, example = "customer@example.com")]
    pub customer_email: String,
    /// The customer's name, shown at the door and in exports: one line.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]+$",
        example = "Ann Lee"
    )]
    pub customer_name: String,
    pub payment: SalePaymentIn,
    /// The seller's note on the sale (a counter payment's receipt number, say).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// A sale made.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleOut {
    /// The sale.
    pub id: i32,
    /// The customer's booking.
    pub booking_id: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    pub quantity: i32,
    /// `paid` (at the counter) or `reserved` (until the link is paid or the hold lapses).
    #[schema(example = "paid")]
    pub status: String,
    pub customer_email: String,
    pub customer_name: String,
    pub payment: SalePaymentIn,
    /// What the customer pays (recorded at the counter, or due through the link).
    pub price: Price,
    /// When an unpaid hold lapses (`link` only).
    #[schema(format = DateTime)]
    pub hold_expires_at: Option<String>,
    /// A code per seat once paid.
    pub codes: Vec<String>,
    /// Who sold it.
    pub seller_id: i32,
    pub note: String,
    #[schema(format = DateTime)]
    pub sold_at: String,
}

impl SaleOut {
    fn new(sold: &Sold, payment: SalePaymentIn) -> SaleOut {
        let quantity = sold.booking.quantity;
        let amount = SalePayment::parse(payment.as_str())
            .and_then(|p| counter::amount(p, sold.ticket_type.amount_pennies, quantity))
            .unwrap_or(0);
        SaleOut {
            id: sold.sale.id,
            booking_id: sold.booking.id,
            event_id: sold.booking.event_id,
            ticket_type_id: sold.booking.ticket_type_id,
            quantity,
            status: sold.booking.status.as_str().to_owned(),
            customer_email: sold.customer_email.clone(),
            customer_name: sold.sale.customer_name.clone(),
            payment,
            price: Price::of(amount, &sold.ticket_type.currency),
            hold_expires_at: sold.booking.reserved_until.map(utc),
            codes: sold.codes.clone(),
            seller_id: sold.sale.seller_id,
            note: sold.sale.note.clone(),
            sold_at: utc(sold.sale.created_at),
        }
    }
}

/// Sell seats of one ticket type to a named customer (box office staff of this event,
/// or an admin), under the same inventory, cap, selling rule and sale window as a web
/// booking. Paid at the counter (`cash`, `card_terminal`, or `complimentary` for
/// admins): the booking is paid at once, with its codes, and the customer is mailed the
/// confirmation. `link`: the seats are held as a web hold is, and the customer is mailed
/// a link that pays for them without a password.
#[utoipa::path(
    post, path = "/api/v1/events/{id}/sales", tag = "box-office",
    operation_id = "createSale",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "The event"),
        ("Idempotency-Key" = String, Header, description = "Required: a new key (a UUID) per sale; a retry with the same key and body gets the same answer"),
    ),
    request_body = SaleRequest,
    responses(
        (status = 201, description = "Sold", body = SaleOut),
        (status = 400, description = "No Idempotency-Key (`idempotency_key_required`), or a body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not box office staff; `complimentary_needs_admin`: only an admin gives seats away; `address_unconfirmed`: a high-demand event and the customer's address is not confirmed", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such event, or box office staff of other events only", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`sold_out`, `selling_rule`, `not_yet_on_sale`, `sales_ended`, `already_booked` (the customer has a booking for this event), `not_on_sale`, or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a field is wrong (a `ticket_type_id` of another event included); or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/events/{id}/sales")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiSeller(holder): ApiSeller,
    path: web::Path<i32>,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let event_id = path.into_inner();
    // An admin sells everywhere (and gives seats away) with any scope that sells.
    let seller = Seller {
        user_id: holder.user_id,
        is_admin: holder.admin_account,
    };
    sales::authorize(&state, seller, event_id).await?;
    Ok(idempotent::run(
        &state,
        &req,
        seller.user_id,
        &body.0,
        Key::Required,
        || async {
            let input: SaleRequest = body.parse()?;
            let order = SaleOrder::parse(
                input.ticket_type_id,
                input.quantity,
                &input.customer_email,
                &input.customer_name,
                input.payment.as_str(),
                &input.note,
            )?;
            if order.payment.needs_admin() && !seller.is_admin {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "complimentary_needs_admin",
                    COMPLIMENTARY_NEEDS_ADMIN,
                ));
            }
            match box_office::sell(&state, seller, event_id, order).await? {
                Ok(sold) => {
                    let mut answer = Answer::ok(&SaleOut::new(&sold, input.payment))?;
                    answer.status = StatusCode::CREATED;
                    Ok(answer)
                }
                Err(refused) => Err(refusal(refused)),
            }
        },
    )
    .await)
}

/// Why no seats were held, as a problem.
fn refusal(outcome: ReserveOutcome) -> Problem {
    match outcome {
        ReserveOutcome::SoldOut => Problem::new(
            StatusCode::CONFLICT,
            "sold_out",
            "This ticket type is sold out.",
        ),
        ReserveOutcome::Refused(refusal) => {
            Problem::new(StatusCode::CONFLICT, refusal.code(), refusal.to_string())
        }
        ReserveOutcome::AlreadyHolding(booking) => Problem {
            booking_id: Some(booking.id),
            ..Problem::new(
                StatusCode::CONFLICT,
                "already_booked",
                "This customer already has a booking for this event (see booking_id): one booking per person per event.",
            )
        },
        ReserveOutcome::Limited(refusal) => limited(&refusal),
        ReserveOutcome::Reserved(_) => Problem::from(AppError::Internal(
            "a sale returned a hold as a refusal".into(),
        )),
    }
}

fn limited(refusal: &HoldRefusal) -> Problem {
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
