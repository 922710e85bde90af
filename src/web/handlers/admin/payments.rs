//! `GET /admin/payments`: every checkout attempt with its status, its ticket's status and
//! provider ids; `POST /admin/tickets/{id}/refund`: refund a paid ticket and put its seat
//! back on sale; `POST /admin/payments/{id}/refund`: refund one payment that kept money.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::app::refunds::RefundProgress;
use crate::app::{AppState, admin, refunds};
use crate::db::models::Payment;
use crate::db::status::PaymentStatus;
use crate::domain::ticket_status::TicketStatus;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/payments.html")]
struct PaymentsPage {
    page: Page,
    payments: Vec<(Payment, TicketStatus, Option<String>)>,
}

impl PaymentsPage {
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
    html(&PaymentsPage {
        page: ctx.page("Admin: payments"),
        payments,
    })
}

#[post("/admin/tickets/{id}/refund")]
pub async fn refund(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let refunded = refunds::refund_ticket(&state, path.into_inner()).await;
    back_to_list(&ctx, refunded, "Refunded. The seat is back on sale.")
}

#[post("/admin/payments/{id}/refund")]
pub async fn refund_payment(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let refunded = refunds::refund_payment(&state, path.into_inner()).await;
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
        Err(AppError::Conflict(message) | AppError::Unavailable(message)) => {
            flash::error(&ctx.session, message)
        }
        Err(other) => return Err(other),
    }
    Ok(see_other("/admin/payments"))
}
