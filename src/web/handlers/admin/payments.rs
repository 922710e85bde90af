//! `GET /admin/payments`: every checkout attempt, newest first, fifty a page (keyset:
//! `?before=<id>`), each with its buyer, event, amount, status, date and a link to its
//! booking; `GET /admin/payments/{id}/refund`: the confirmation step naming the amount
//! and the buyer; `POST /admin/payments/{id}/refund` with `confirm=yes`: send one
//! payment's money back (a second payment, money kept for a booking that is not paid, a
//! mismatched amount, or a paid booking's payment, which refunds the booking). A
//! `reason` is kept with the refund, and required for a booking with a seat checked in
//! at the door.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::admin::{PaymentLine, PaymentsPage};
use crate::app::refunds::RefundProgress;
use crate::app::{AppState, admin, refunds};
use crate::db::models::Payment;
use crate::db::status::PaymentStatus;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::door::refunds::{REASON_MAX, parse_reason};
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::views;

/// Whether an admin can send this payment's money back.
fn refundable(payment: &Payment) -> bool {
    // A refund still owed (its last try failed) may be retried.
    matches!(
        payment.status,
        PaymentStatus::Paid | PaymentStatus::Mismatch | PaymentStatus::RefundPending
    )
}

#[derive(Template)]
#[template(path = "admin/payments.html")]
struct PaymentsListPage {
    page: Page,
    list: PaymentsPage,
}

impl PaymentsListPage {
    fn amount(&self, payment: &Payment) -> String {
        views::money(payment.amount_pennies, &payment.currency)
    }

    fn refundable(&self, payment: &Payment) -> bool {
        refundable(payment)
    }

    /// Money taken for a booking that is not paid: it must go back.
    fn kept_without_booking(&self, payment: &Payment, booking_status: &BookingStatus) -> bool {
        payment.status == PaymentStatus::Paid && *booking_status != BookingStatus::Paid
    }

    fn status_label(&self, status: &BookingStatus) -> &'static str {
        views::status_label(*status)
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    before: Option<i32>,
}

#[get("/admin/payments")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let list = admin::payments_page(&state, query.before).await?;
    html(&PaymentsListPage {
        page: ctx.page("Admin: payments"),
        list,
    })
}

#[derive(Template)]
#[template(path = "admin/payment_refund.html")]
struct RefundConfirmPage {
    page: Page,
    line: PaymentLine,
    amount: String,
    error: Option<&'static str>,
    reason_max: usize,
    /// A seat of the booking was checked in: the refund needs a reason.
    reason_required: bool,
}

fn confirm_page(
    ctx: &PageCtx,
    (line, reason_required): (PaymentLine, bool),
    error: Option<&'static str>,
) -> RefundConfirmPage {
    RefundConfirmPage {
        page: ctx.page(format!("Refund payment {}?", line.payment.id)),
        amount: views::money(line.payment.amount_pennies, &line.payment.currency),
        line,
        error,
        reason_max: REASON_MAX,
        reason_required,
    }
}

#[get("/admin/payments/{id}/refund")]
pub async fn refund_form(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let line = admin::payment_to_refund(&state, path.into_inner()).await?;
    if !refundable(&line.0.payment) {
        flash::error(&ctx.session, "This payment has no money to send back.");
        return Ok(see_other("/admin/payments"));
    }
    html(&confirm_page(&ctx, line, None))
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
    /// Why (required when a seat of the booking was checked in).
    #[serde(default)]
    reason: String,
}

#[post("/admin/payments/{id}/refund")]
pub async fn refund_payment(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reason = parse_reason(&form.reason)?;
    if form.confirm != "yes" {
        let line = admin::payment_to_refund(&state, id).await?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &confirm_page(
                &ctx,
                line,
                Some("Tick the box to confirm. Nothing was changed."),
            ),
        );
    }
    let refunded = refunds::refund_payment(&state, id, reason).await;
    match refunded {
        Ok(RefundProgress::Done) => flash::success(&ctx.session, "Refunded."),
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
