//! One booking for the organiser: `GET /admin/bookings/{id}` (seats and check-ins,
//! payments, refunds and disputes, mails, and the actions that fit its state);
//! `GET|POST /admin/bookings/{id}/refund` (the refund of the whole booking, behind a
//! confirmation naming the amount and the buyer); `POST /admin/bookings/{id}/resend`
//! (the confirmation mailed again); `GET|POST /admin/bookings/{id}/void` (a hold ended,
//! behind a confirmation). The older `POST /admin/tickets/{id}/refund` is the same
//! refund, with the same confirmation required.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::booking_desk::{self, BookingFile};
use crate::app::refunds::{self, RefundProgress};
use crate::domain::door::refunds::{REASON_MAX, parse_reason};
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/booking.html")]
struct BookingPage {
    page: Page,
    file: BookingFile,
}

impl BookingPage {
    fn money(&self, pennies: &i64, currency: &str) -> String {
        views::money(*pennies, currency)
    }

    fn at(&self, time: &chrono::NaiveDateTime) -> String {
        views::local(time, &self.file.event.time_zone)
    }
}

#[get("/admin/bookings/{id}")]
pub async fn show(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let file = booking_desk::booking(&state, path.into_inner()).await?;
    html(&BookingPage {
        page: ctx.page(format!("Booking {} · {}", file.booking.id, file.email)),
        file,
    })
}

/// The confirmation step of a destructive action on a booking.
#[derive(Template)]
#[template(path = "admin/booking_confirm.html")]
struct ConfirmPage {
    page: Page,
    file: BookingFile,
    /// `refund` or `void`.
    action: &'static str,
    /// What happens, in words naming the amount and the buyer.
    consequence: String,
    /// The checkbox's label and the button's.
    confirm_label: String,
    button: &'static str,
    error: Option<&'static str>,
    reason_max: usize,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
    /// Why a refund is made (required when a seat of the booking was checked in).
    #[serde(default)]
    reason: String,
}

impl ConfirmForm {
    fn confirmed(&self) -> bool {
        self.confirm == "yes"
    }
}

fn refund_page(ctx: &PageCtx, file: BookingFile, error: Option<&'static str>) -> ConfirmPage {
    let amount = file
        .kept_payment()
        .map(|p| views::money(p.amount_pennies, &p.currency))
        .unwrap_or_default();
    ConfirmPage {
        page: ctx.page(format!("Refund booking {}?", file.booking.id)),
        consequence: format!(
            "{amount} goes back to {} through the payment service, for {} {} of {} at {}. Its seat codes stop working at the door and the seats go back on sale once the money is back. This cannot be undone.",
            file.email,
            file.booking.quantity,
            if file.booking.quantity == 1 {
                "seat"
            } else {
                "seats"
            },
            file.ticket_type.name,
            file.event.title
        ),
        confirm_label: format!("Yes, refund {amount} to {}", file.email),
        button: "Refund the booking",
        action: "refund",
        file,
        error,
        reason_max: REASON_MAX,
    }
}

fn void_page(ctx: &PageCtx, file: BookingFile, error: Option<&'static str>) -> ConfirmPage {
    ConfirmPage {
        page: ctx.page(format!("Void booking {}?", file.booking.id)),
        consequence: format!(
            "The hold of {} on {} {} of {} ends now and the seats go back on sale. Nothing was paid, so nothing is refunded.",
            file.email,
            file.booking.quantity,
            if file.booking.quantity == 1 {
                "seat"
            } else {
                "seats"
            },
            file.ticket_type.name
        ),
        confirm_label: format!("Yes, void the hold of {}", file.email),
        button: "Void the hold",
        action: "void",
        file,
        error,
        reason_max: REASON_MAX,
    }
}

const TICK_THE_BOX: &str = "Tick the box to confirm. Nothing was changed.";

#[get("/admin/bookings/{id}/refund")]
pub async fn refund_form(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let file = booking_desk::booking(&state, path.into_inner()).await?;
    if !file.refundable() {
        flash::error(&ctx.session, "This booking has no payment to refund.");
        return Ok(see_other(&format!("/admin/bookings/{}", file.booking.id)));
    }
    html(&refund_page(&ctx, file, None))
}

/// Refunds the whole booking once confirmed, then goes `back`; without the
/// confirmation, the page again (422) and nothing changes.
async fn refund_confirmed(
    state: web::Data<AppState>,
    ctx: PageCtx,
    booking_id: i32,
    form: ConfirmForm,
    back: &str,
) -> Result<HttpResponse, AppError> {
    if !form.confirmed() {
        let file = booking_desk::booking(&state, booking_id).await?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &refund_page(&ctx, file, Some(TICK_THE_BOX)),
        );
    }
    let reason = parse_reason(&form.reason)?;
    match refunds::refund_booking(&state, booking_id, reason).await {
        Ok(RefundProgress::Done) => flash::success(
            &ctx.session,
            "Refunded. The seats are back on sale and the buyer is mailed.",
        ),
        Ok(RefundProgress::Pending) => flash::success(
            &ctx.session,
            "Refund requested: the payment service is processing it. The books settle once the money is back.",
        ),
        Err(AppError::Conflict(message) | AppError::Unavailable(message)) => {
            flash::error(&ctx.session, message)
        }
        Err(AppError::Refused { message, .. }) => flash::error(&ctx.session, message),
        Err(other) => return Err(other),
    }
    Ok(see_other(back))
}

#[post("/admin/bookings/{id}/refund")]
pub async fn refund(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    refund_confirmed(state, ctx, id, form, &format!("/admin/bookings/{id}")).await
}

/// The older address of the same refund (kept for bookmarks and scripts), with the same
/// confirmation required; back to the payments list, as before.
#[post("/admin/tickets/{id}/refund")]
pub async fn refund_by_booking(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    refund_confirmed(state, ctx, path.into_inner(), form, "/admin/payments").await
}

#[post("/admin/bookings/{id}/resend")]
pub async fn resend(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    match booking_desk::resend_confirmation(&state, id).await {
        Ok(()) => flash::success(&ctx.session, "The confirmation is on its way again."),
        Err(AppError::Refused { message, .. }) => flash::error(&ctx.session, message),
        Err(other) => return Err(other),
    }
    Ok(see_other(&format!("/admin/bookings/{id}")))
}

#[get("/admin/bookings/{id}/void")]
pub async fn void_form(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let file = booking_desk::booking(&state, path.into_inner()).await?;
    if !file.voidable() {
        flash::error(&ctx.session, "Only a booking on hold can be voided.");
        return Ok(see_other(&format!("/admin/bookings/{}", file.booking.id)));
    }
    html(&void_page(&ctx, file, None))
}

#[post("/admin/bookings/{id}/void")]
pub async fn void(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if !form.confirmed() {
        let file = booking_desk::booking(&state, id).await?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &void_page(&ctx, file, Some(TICK_THE_BOX)),
        );
    }
    match booking_desk::void_hold(&state, id).await {
        Ok(_) => flash::success(&ctx.session, "Voided. The seats are back on sale."),
        Err(AppError::Refused { message, .. } | AppError::Conflict(message)) => {
            flash::error(&ctx.session, message)
        }
        Err(other) => return Err(other),
    }
    Ok(see_other(&format!("/admin/bookings/{id}")))
}
