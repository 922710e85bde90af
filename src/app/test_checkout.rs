//! The built-in test provider's checkout page, as use cases: only the buyer sees, pays or
//! declines their session (anyone else, and every session when Stripe is active, reads
//! as missing). `may_pay` says whose sessions the caller may use: the logged-in buyer,
//! or a box office customer who opened their pay link in this browser.

use super::AppState;
use crate::error::AppError;
use crate::providers::Provider;
use crate::providers::test_provider::{TestGateway, TestSession};

fn gateway(state: &AppState) -> Result<&TestGateway, AppError> {
    match &state.provider {
        Provider::Test(gateway) => Ok(gateway),
        Provider::Stripe(_) => Err(AppError::NotFound),
    }
}

/// The buyer's session, as the checkout page shows it.
pub fn session(
    state: &AppState,
    may_pay: impl Fn(i32) -> bool,
    session_id: &str,
) -> Result<TestSession, AppError> {
    gateway(state)?
        .open_session(session_id, state.clock.now())
        .filter(|session| may_pay(session.request.user_id))
        .ok_or(AppError::NotFound)
}

/// The buyer pays: the session completes, and the books hear of it at once, as they
/// would from Stripe's webhook (`checkout.session.completed`), so a test-mode payment is
/// confirmed even if the buyer never reaches the success page (an API client, a closed
/// tab). Returns the success URL the provider sends the buyer back to; that page then
/// finds the outcome already known. If applying fails now (the database busy), the
/// success page or reconciliation applies it later, as with a lost webhook.
pub async fn pay(
    state: &AppState,
    may_pay: impl Fn(i32) -> bool,
    session_id: &str,
) -> Result<String, AppError> {
    session(state, may_pay, session_id)?;
    let paid = gateway(state)?
        .pay(session_id, state.clock.now())
        .ok_or(AppError::NotFound)?;
    if let Err(error) = super::checkout::complete(state, session_id).await {
        log::warn!("test payment {session_id}: applying it now failed, later will: {error}");
    }
    Ok(paid
        .request
        .success_url
        .replace("{CHECKOUT_SESSION_ID}", session_id))
}

/// The buyer declines: nothing is charged. Returns the URL back to the ticket.
pub fn decline(
    state: &AppState,
    may_pay: impl Fn(i32) -> bool,
    session_id: &str,
) -> Result<String, AppError> {
    Ok(session(state, may_pay, session_id)?.request.cancel_url)
}
