//! The buyer cancels their own booking behind a confirmation: `GET /bookings/{id}/cancel`
//! names what happens (seats given up, the amount refunded); `POST /bookings/{id}/cancel`
//! does it only with the confirmation's `confirm=yes`, and without it answers 422 with
//! the confirmation again and nothing changed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::bookings::{self, BookingDetails, Cancelled};
use crate::app::cancel_terms::{self, CancelTerms};
use crate::app::refunds::RefundProgress;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "booking_cancel.html")]
struct ConfirmPage {
    page: Page,
    booking_id: i32,
    /// What happens, in one sentence naming the seats and the money.
    consequence: String,
    /// What does not come back, or how the money travels.
    detail: &'static str,
    button: String,
    error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

const NOT_CONFIRMED: &str =
    "Nothing was cancelled: confirm with the button below to cancel this booking.";

/// The confirmation page of a cancel this booking allows, or the reason it allows none.
fn confirm_page(
    ctx: &PageCtx,
    booking: &BookingDetails,
    terms: CancelTerms,
    error: Option<&'static str>,
) -> Result<ConfirmPage, String> {
    let seats = views::seats(booking.booking.quantity);
    let type_name = &booking.ticket_type.name;
    let (consequence, detail, button) = match terms {
        CancelTerms::Refused(reason) => return Err(reason),
        CancelTerms::ReleaseHold => (
            format!("Release your hold on {seats} of {type_name}."),
            "Nothing was paid, so nothing is refunded. The seats go back on sale at once: someone else may take them.",
            "Release the hold".to_owned(),
        ),
        CancelTerms::Refund(amount) => (
            format!(
                "Cancel {seats} of {type_name} and refund {amount} to the card or account you paid with."
            ),
            "Every code of this booking stops admitting at the door and the seats go back on sale. This cannot be undone.",
            format!("Cancel {seats} and refund {amount}"),
        ),
        CancelTerms::GiveUpFree => (
            format!("Cancel {seats} of {type_name}."),
            "Every code of this booking stops admitting at the door and the seats go back on sale. This cannot be undone.",
            format!("Cancel {seats}"),
        ),
    };
    Ok(ConfirmPage {
        page: ctx.page(format!("Cancel your booking for {}?", booking.event.title)),
        booking_id: booking.booking.id,
        consequence,
        detail,
        button,
        error,
    })
}

#[get("/bookings/{id}/cancel")]
pub async fn confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (booking, terms) = cancel_terms::terms(&state, user.id, path.into_inner()).await?;
    match confirm_page(&ctx, &booking, terms, None) {
        Ok(confirmation) => html(&confirmation),
        Err(reason) => {
            flash::error(&ctx.session, reason);
            Ok(see_other(&format!("/bookings/{}", booking.booking.id)))
        }
    }
}

#[post("/bookings/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    if form.confirm != "yes" {
        // Nothing changes: the confirmation again (422), or why there is nothing to
        // confirm (409).
        let (booking, terms) = cancel_terms::terms(&state, user.id, booking_id).await?;
        return match confirm_page(&ctx, &booking, terms, Some(NOT_CONFIRMED)) {
            Ok(confirmation) => html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &confirmation),
            Err(reason) => Err(AppError::Conflict(reason)),
        };
    }
    // A refusal (already paid and not refundable, no longer on hold, …) is a 409 page
    // saying why; nothing changed.
    let (booking, outcome) = bookings::cancel_booking(&state, user.id, booking_id).await?;
    let message = match (outcome, booking.booking.quantity) {
        (Cancelled::HoldReleased, 1) => "Your hold is cancelled and the seat is back on sale.",
        (Cancelled::HoldReleased, _) => "Your hold is cancelled and its seats are back on sale.",
        (Cancelled::Refunded(RefundProgress::Done), _) => {
            "Your booking is cancelled and refunded: the money is on its way back to you."
        }
        (Cancelled::Refunded(RefundProgress::Pending), _) => {
            "Your booking is cancelled; the refund is under way at the payment service, and your codes no longer admit at the door."
        }
    };
    flash::success(&ctx.session, message);
    Ok(see_other(&match outcome {
        Cancelled::HoldReleased => format!("/events/{}", booking.event.id),
        Cancelled::Refunded(_) => format!("/bookings/{booking_id}"),
    }))
}
