//! `GET /admin/payments`: every checkout attempt with its status, its ticket's status and
//! provider ids; `POST /admin/tickets/{id}/refund`: refund a paid ticket and put its seat
//! back on sale; `POST /admin/payments/{id}/refund`: refund one payment that kept money.
//! Both take a `reason`, kept with the refund and required for a booking with a seat
//! checked in at the door.

use std::collections::HashSet;

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::refunds::RefundProgress;
use crate::app::{AppState, admin, refunds};
use crate::db::models::Payment;
use crate::db::status::PaymentStatus;
use crate::domain::door::refunds::{REASON_MAX, parse_reason};
use crate::domain::ticket_status::TicketStatus;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/payments.html")]
struct PaymentsPage {
    page: Page,
    payments: Vec<(Payment, TicketStatus, Option<String>)>,
    /// The bookings with a seat checked in: their refund asks for a reason.
    checked_in: HashSet<i32>,
    reason_max: usize,
}

impl PaymentsPage {
    /// Whether refunding this payment needs a reason (its paid booking has a seat
    /// checked in).
    fn needs_reason(&self, payment: &Payment, ticket_status: &TicketStatus) -> bool {
        *ticket_status == TicketStatus::Paid
            && payment.status != PaymentStatus::Mismatch
            && self.checked_in.contains(&payment.ticket_id)
    }

    fn amount(&self, payment: &Payment) -> String {
        views::money(payment.amount_pennies, &payment.currency)
    }

    /// Whether an admin can send this payment's money back.
    fn refundable(&self, payment: &Payment) -> bool {
        // A refund still owed (its last try failed) may be retried.
        matches!(
            payment.status,
            PaymentStatus::Paid | PaymentStatus::Mismatch | PaymentStatus::RefundPending
        )
    }

    /// Money taken for a ticket that is not paid: it must go back.
    fn kept_without_ticket(&self, payment: &Payment, ticket_status: &TicketStatus) -> bool {
        payment.status == PaymentStatus::Paid && *ticket_status != TicketStatus::Paid
    }
}

#[get("/admin/payments")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let payments = admin::payments(&state).await?;
    let paid_bookings: Vec<i32> = payments
        .iter()
        .filter(|(_, status, _)| *status == TicketStatus::Paid)
        .map(|(payment, ..)| payment.ticket_id)
        .collect();
    let checked_in = refunds::checked_in_bookings(&state, paid_bookings).await?;
    html(&PaymentsPage {
        page: ctx.page("Admin: payments"),
        payments,
        checked_in,
        reason_max: REASON_MAX,
    })
}

/// A refund's form: why (required when a seat of the booking was checked in).
#[derive(Debug, Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    reason: String,
}

#[post("/admin/tickets/{id}/refund")]
pub async fn refund(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<RefundForm>,
) -> Result<HttpResponse, AppError> {
    let reason = parse_reason(&form.reason)?;
    let refunded = refunds::refund_ticket(&state, path.into_inner(), reason).await;
    back_to_list(&ctx, refunded, "Refunded. The seat is back on sale.")
}

#[post("/admin/payments/{id}/refund")]
pub async fn refund_payment(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<RefundForm>,
) -> Result<HttpResponse, AppError> {
    let reason = parse_reason(&form.reason)?;
    let refunded = refunds::refund_payment(&state, path.into_inner(), reason).await;
    back_to_list(&ctx, refunded, "Refunded.")
}

/// Back to the payments list, saying what a refund did (or why it did nothing).
fn back_to_list(
    ctx: &PageCtx,
    refunded: Result<RefundProgress, AppError>,
    done: &str,
) -> Result<HttpResponse, AppError> {
    match refunded {
        Ok(RefundProgress::Done) => flash::success(&ctx.session, done),
        Ok(RefundProgress::Pending) => flash::success(
            &ctx.session,
            "Refund requested: the payment service is processing it. The books settle once the money is back.",
        ),
        Err(
            AppError::Conflict(message)
            | AppError::Refused { message, .. }
            | AppError::Unavailable(message),
        ) => flash::error(&ctx.session, message),
        Err(other) => return Err(other),
    }
    Ok(see_other("/admin/payments"))
}
