//! The page a reserve refused by the hold rules answers with (`domain::bookings::hold_rules`):
//! what happened and when to try again (429 with `Retry-After`), or, on a high-demand
//! event or past the bookings an unconfirmed account may have, how to confirm the
//! address (403, with the button that mails a new link).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use askama::Template;

use crate::domain::bookings::hold_rules::HoldRefusal;
use crate::error::AppError;
use crate::web::page::{Page, PageCtx, html_with_status};

#[derive(Template)]
#[template(path = "hold_refused.html")]
struct HoldRefusedPage {
    page: Page,
    heading: &'static str,
    message: String,
    /// Offer to mail a new address check link.
    resend: bool,
    event_id: i32,
}

/// The refusal page for a reserve at `event_id`.
pub fn page(ctx: &PageCtx, event_id: i32, refusal: &HoldRefusal) -> Result<HttpResponse, AppError> {
    let (status, heading) = match refusal {
        HoldRefusal::AddressUnconfirmed | HoldRefusal::UnconfirmedLimit { .. } => {
            (StatusCode::FORBIDDEN, "Confirm your address first")
        }
        HoldRefusal::CoolingDown { .. } => (StatusCode::TOO_MANY_REQUESTS, "Please wait a moment"),
        HoldRefusal::AccountLimit { .. } | HoldRefusal::AddressLimit { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "Too many holds")
        }
    };
    let mut response = html_with_status(
        status,
        &HoldRefusedPage {
            page: ctx.page(heading),
            heading,
            message: refusal.to_string(),
            resend: matches!(
                refusal,
                HoldRefusal::AddressUnconfirmed | HoldRefusal::UnconfirmedLimit { .. }
            ),
            event_id,
        },
    )?;
    if let Some(seconds) = refusal.retry_after() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}
