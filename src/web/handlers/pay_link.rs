//! A box office customer's pay link: `GET /pay/{token}` shows what was sold and whether
//! it can still be paid (a hold that ended says so, 410); `POST /pay/{token}` starts the
//! ordinary checkout of the hold and sends the customer to it. No log-in: the token is
//! the customer's single-purpose key to this one payment.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::app::AppState;
use crate::app::checkout::PayOutcome;
use crate::app::pay_link;
use crate::domain::box_office::pay_link::{HOLD_ENDED, Link, LinkStatus};
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::page::{Page, PageCtx, html_with_status, see_other};
use crate::web::payer;
use crate::web::views;

#[derive(Template)]
#[template(path = "pay_link.html")]
struct PayLinkPage {
    page: Page,
    link: Link,
    token: String,
    payable: bool,
    paid: bool,
    ended: &'static str,
    price: String,
    until: String,
}

#[get("/pay/{token}")]
pub async fn show(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let link = pay_link::open(&state, token.clone()).await?;
    let status = match link.status {
        LinkStatus::Ended => StatusCode::GONE,
        LinkStatus::Payable | LinkStatus::Paid => StatusCode::OK,
    };
    let price = views::money(
        link.ticket_type
            .amount_pennies
            .saturating_mul(i64::from(link.booking.quantity)),
        &link.ticket_type.currency,
    );
    let until = link
        .booking
        .reserved_until
        .map_or_else(String::new, |until| {
            views::local(&until, &link.event.time_zone)
        });
    html_with_status(
        status,
        &PayLinkPage {
            page: ctx.page(format!("Pay for {}", link.event.title)),
            payable: link.status == LinkStatus::Payable,
            paid: link.status == LinkStatus::Paid,
            ended: HOLD_ENDED,
            link,
            token,
            price,
            until,
        },
    )
}

#[post("/pay/{token}")]
pub async fn pay(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let here = format!("/pay/{token}");
    match pay_link::pay(&state, token).await {
        Ok((user_id, PayOutcome::Checkout(url))) => {
            payer::remember_link(&ctx.session, user_id, &here)?;
            Ok(see_other(&url))
        }
        Ok((_, PayOutcome::Confirmed { .. })) => {
            flash::success(&ctx.session, "Your free tickets are confirmed.");
            Ok(see_other(&here))
        }
        Err(
            AppError::Conflict(message)
            | AppError::Refused { message, .. }
            | AppError::Unavailable(message),
        ) => {
            flash::error(&ctx.session, message);
            Ok(see_other(&here))
        }
        Err(other) => Err(other),
    }
}
