//! The built-in test provider's checkout page: "Pay" completes the session and returns
//! to the success URL exactly as Stripe would; "Decline" goes back to the ticket.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::checkout::test_gateway;
use crate::error::AppError;
use crate::payments::SessionStatus;
use crate::payments::test_provider::TestSession;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::state::AppState;
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
    _user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let gateway = test_gateway(&state)?;
    let session = gateway
        .open_session(&path.into_inner(), state.clock.now())
        .ok_or(AppError::NotFound)?;
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
    _user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let gateway = test_gateway(&state)?;
    let id = path.into_inner();
    let session = gateway
        .pay(&id, state.clock.now())
        .ok_or(AppError::NotFound)?;
    Ok(see_other(
        &session
            .request
            .success_url
            .replace("{CHECKOUT_SESSION_ID}", &id),
    ))
}

#[post("/test-checkout/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    _user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let gateway = test_gateway(&state)?;
    let session = gateway
        .open_session(&path.into_inner(), state.clock.now())
        .ok_or(AppError::NotFound)?;
    flash::error(
        &ctx.session,
        "Your payment was declined and nothing was charged. Your seat is still held; you can try again.",
    );
    Ok(see_other(&session.request.cancel_url))
}
