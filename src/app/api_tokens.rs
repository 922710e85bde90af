//! The JSON API's bearer tokens: issued for an email and password (under the login
//! throttle the HTML log-in uses), checked on every request against the database (so a
//! revocation, a log-out everywhere or a password change ends them on every instance),
//! and revoked one at a time.

use chrono::NaiveDateTime;

use super::AppState;
use super::login::{self, Attempt, LogIn};
use crate::db::api_tokens;
use crate::domain::api_token;
use crate::error::AppError;

/// How a token request ended.
#[derive(Debug)]
pub enum TokenRequest {
    Issued {
        token: String,
        expires_at: NaiveDateTime,
    },
    /// Wrong email or password (one answer for either).
    Refused,
    /// The account, or the client's address, failed too often: refused before any
    /// hash; try again after `retry_after` seconds.
    Throttled { retry_after: u64 },
}

/// The holder of a live token.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub token_id: i32,
    pub user_id: i32,
    pub email: String,
    pub is_admin: bool,
    pub is_door: bool,
}

/// Checks the password and issues a token of the user's current session generation.
/// A client of the API has no device cookie, so an account closed to new devices by
/// repeated failures stays closed to it until the throttle's window passes (a personal
/// access token, made on the account page, keeps working meanwhile).
pub async fn issue(
    state: &AppState,
    address: &str,
    email: &str,
    password: &str,
) -> Result<TokenRequest, AppError> {
    let attempt = Attempt {
        address,
        email,
        password,
        known_device: false,
    };
    let (user_id, generation) = match login::log_in(state, attempt).await? {
        LogIn::Welcome(user) => (user.id, user.session_generation),
        LogIn::Refused => return Ok(TokenRequest::Refused),
        LogIn::AddressThrottled { retry_after } | LogIn::ClosedToNewDevices { retry_after } => {
            return Ok(TokenRequest::Throttled { retry_after });
        }
    };
    let now = state.clock.now();
    let expires_at = now + state.settings.api.token_ttl;
    let (token, hash) = api_token::fresh();
    state
        .db(move |conn| {
            Ok(api_tokens::insert(
                conn, user_id, &hash, generation, now, expires_at,
            )?)
        })
        .await?;
    Ok(TokenRequest::Issued { token, expires_at })
}

/// The holder of `token`, if it is live.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<TokenHolder>, AppError> {
    if !api_token::looks_valid(token) {
        return Ok(None);
    }
    let now = state.clock.now();
    let hash = api_token::hash_token(token);
    let holder = state
        .db(move |conn| Ok(api_tokens::live_holder(conn, &hash, now)?))
        .await?;
    Ok(holder.map(
        |(token_id, user_id, email, is_admin, is_door)| TokenHolder {
            token_id,
            user_id,
            email,
            is_admin,
            is_door,
        },
    ))
}

/// Revokes the token the request came with.
pub async fn revoke(state: &AppState, token_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| Ok(api_tokens::revoke(conn, token_id, now)?))
        .await
        .map(|_| ())
}

/// Deletes tokens that expired over a day ago (housekeeping; the sweeper calls it).
pub async fn forget_expired(state: &AppState) {
    let before = state.clock.now() - chrono::TimeDelta::days(1);
    if let Err(error) = state
        .db(move |conn| Ok(api_tokens::delete_expired(conn, before)?))
        .await
    {
        log::warn!("deleting expired API tokens failed (will retry next round): {error}");
    }
}
