//! The built-in test provider's checkout page: "Pay" completes the session and returns
//! to the success URL exactly as Stripe would; "Decline" goes back to the ticket.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::checkout::test_gateway;
use crate::app::AppState;
use crate::error::AppError;
use crate::payments::SessionStatus;
use crate::payments::test_provider::TestSession;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "test_checkout.html")]
struct TestCheckoutPage {
    page: Page,
    session: TestSession,
    price: String,
    open: bool,
}

/// The session with this id if `user` is the one paying; anyone else gets 404 (the
/// page shows the buyer's email and can pay).
fn own_session(state: &AppState, user: &CurrentUser, id: &str) -> Result<TestSession, AppError> {
    test_gateway(state)?
        .open_session(id, state.clock.now())
        .filter(|session| session.request.user_id == user.id)
        .ok_or(AppError::NotFound)
}

#[get("/test-checkout/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = own_session(&state, &user, &path.into_inner())?;
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
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    own_session(&state, &user, &id)?;
    let gateway = test_gateway(&state)?;
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
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let session = own_session(&state, &user, &path.into_inner())?;
    flash::error(
        &ctx.session,
        "Your payment was declined and nothing was charged. Your seat is still held; you can try again.",
    );
    Ok(see_other(&session.request.cancel_url))
}
