//! Confirming an address through the link mailed at registration, and the admin's list
//! of who has confirmed.

use super::AppState;
use crate::db::models::User;
use crate::db::users;
use crate::domain::address_check::{self, Confirmation};
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

/// Every account with whether its address is confirmed, oldest first.
pub async fn accounts(state: &AppState) -> Result<Vec<User>, AppError> {
    state.db(|conn| Ok(users::all(conn, LISTED)?)).await
}
