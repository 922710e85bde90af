//! Confirming an address through the link mailed at registration, and the admin's list
//! of who has confirmed.

use super::AppState;
use crate::db::models::User;
use crate::db::users;
use crate::domain::accounts::address_check::{self, Confirmation, Resent};
use crate::error::AppError;

/// How many accounts the admin's list shows.
const LISTED: i64 = 1000;

/// Follows a link's token (a POST from the page the link opens).
pub async fn confirm(state: &AppState, token: &str) -> Result<Confirmation, AppError> {
    let now = state.clock.now();
    let token = token.to_owned();
    let key = state.settings.session_key.clone();
    state
        .db(move |conn| address_check::confirm(conn, key.expose().as_bytes(), &token, now))
        .await
}

/// The user's account (its address and whether it is confirmed).
pub async fn account(state: &AppState, user_id: i32) -> Result<User, AppError> {
    state
        .db(move |conn| users::find(conn, user_id)?.ok_or(AppError::NotFound))
        .await
}

/// Mails the user a new address check link leading back to `next`
/// (`ADDRESS_CHECK_MAILS_PER_HOUR`).
pub async fn resend(
    state: &AppState,
    user_id: i32,
    next: Option<String>,
) -> Result<Resent, AppError> {
    let now = state.clock.now();
    let limit = state.settings.limits.address_check_mails_per_user;
    state
        .db(move |conn| address_check::resend(conn, user_id, &limit, next, now))
        .await
}

/// Every account with whether its address is confirmed, oldest first.
pub async fn accounts(state: &AppState) -> Result<Vec<User>, AppError> {
    state.db(|conn| Ok(users::all(conn, LISTED)?)).await
}
