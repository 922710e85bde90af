//! The built-in test provider's checkout page, as use cases: only the buyer sees, pays or
//! declines their session (anyone else, and every session when Stripe is active, reads
//! as missing).

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
pub fn session(state: &AppState, user_id: i32, session_id: &str) -> Result<TestSession, AppError> {
    gateway(state)?
        .open_session(session_id, state.clock.now())
        .filter(|session| session.request.user_id == user_id)
        .ok_or(AppError::NotFound)
}

/// The buyer pays: the session completes, as Stripe's would. Returns the success URL
/// the provider sends the buyer back to.
pub fn pay(state: &AppState, user_id: i32, session_id: &str) -> Result<String, AppError> {
    session(state, user_id, session_id)?;
    let paid = gateway(state)?
        .pay(session_id, state.clock.now())
        .ok_or(AppError::NotFound)?;
    Ok(paid
        .request
        .success_url
        .replace("{CHECKOUT_SESSION_ID}", session_id))
}

/// The buyer declines: nothing is charged. Returns the URL back to the ticket.
pub fn decline(state: &AppState, user_id: i32, session_id: &str) -> Result<String, AppError> {
    Ok(session(state, user_id, session_id)?.request.cancel_url)
}
