//! The built-in test provider's checkout page: "Pay" completes the session and returns
//! to the success URL exactly as Stripe would; "Decline" goes back to the ticket.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::app::{AppState, test_checkout};
use crate::error::AppError;
use crate::providers::SessionStatus;
use crate::providers::test_provider::TestSession;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::payer::Payer;
use crate::web::views;

#[derive(Template)]
#[template(path = "test_checkout.html")]
struct TestCheckoutPage {
    page: Page,
    session: TestSession,
    price: String,
    open: bool,
}

#[get("/test-checkout/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    payer: Payer,
    ctx: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = test_checkout::session(&state, |id| payer.may_pay_for(id), &path.into_inner())?;
    let price = views::money(session.request.amount_pennies, &session.request.currency);
    let open = session.status == SessionStatus::Open;
    html(&TestCheckoutPage {
        page: ctx.page("Test checkout"),
        session,
        price,
        open,
    })
}

#[post("/test-checkout/{id}/pay")]
pub async fn pay(
    state: web::Data<AppState>,
    payer: Payer,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let success =
        test_checkout::pay(&state, |id| payer.may_pay_for(id), &path.into_inner()).await?;
    Ok(see_other(&success))
}

#[post("/test-checkout/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    payer: Payer,
    ctx: PageCtx,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let back = test_checkout::decline(&state, |id| payer.may_pay_for(id), &path.into_inner())?;
    // A box office customer without a log-in goes back to their pay link.
    let back = payer.link_page().map_or(back, str::to_owned);
    flash::error(
        &ctx.session,
        "Your payment was declined and nothing was charged. Your seat is still held; you can try again.",
    );
    Ok(see_other(&back))
}
