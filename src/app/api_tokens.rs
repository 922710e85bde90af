//! The JSON API's bearer tokens: minted for an email and password (under the log-in
//! throttle the HTML log-in uses, and at most `API_TOKENS_PER_HOUR` per account), or made
//! on the account page as personal access tokens (`personal_tokens`); checked on every
//! request against the database (so a revocation, a log-out everywhere or a password
//! change ends them on every instance), and revoked one at a time.

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use super::login::{self, Attempt, LogIn};
use crate::db::{api_tokens, write_transaction};
use crate::domain::accounts::api_token;
use crate::domain::accounts::token_scope::TokenScope;
use crate::domain::limits::{Quota, Subject, shared};
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
    /// The password was right, but the account has minted its tokens for this window.
    TooManyTokens(Quota),
}

/// The holder of a live token. `is_admin` and `is_door` are what the account is *and*
/// the token's scope allows.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub token_id: i32,
    pub user_id: i32,
    pub email: String,
    pub is_admin: bool,
    pub is_door: bool,
    pub scope: TokenScope,
    /// The account is an admin (whatever the token's scope).
    pub admin_account: bool,
    /// A personal access token, not one minted with a password.
    pub personal: bool,
    /// When the token was made (a password log-in's token is "recent" for a while).
    pub created_at: NaiveDateTime,
}

impl TokenHolder {
    /// Whether it may check codes in at every door: an admin's token of a scope that
    /// checks in (admins keep every door).
    pub fn every_door(&self) -> bool {
        self.admin_account && self.scope.allows_door()
    }
}

/// How stale a personal token's "last used" may get before a request records it again
/// (one write per token per hour at most, never one per request).
const LAST_USED_PRECISION: TimeDelta = TimeDelta::hours(1);

/// Checks the password and issues a token of the user's current session generation.
/// A client of the API has no device cookie, so an account closed to new devices by
/// repeated failures stays closed to it until the throttle's window passes (a personal
/// access token, made on the account page, keeps working meanwhile). Tokens minted are
/// counted per account (`tokens_per_account`), on success only.
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
        device_secrets: None,
    };
    let (user_id, generation) = match login::log_in(state, attempt).await? {
        LogIn::Welcome { user, .. } => (user.id, user.session_generation),
        LogIn::Refused => return Ok(TokenRequest::Refused),
        LogIn::AddressThrottled { retry_after } | LogIn::ClosedToNewDevices { retry_after } => {
            return Ok(TokenRequest::Throttled { retry_after });
        }
    };
    let now = state.clock.now();
    let expires_at = now + state.settings.api.token_ttl;
    let (token, hash) = api_token::fresh();
    let minted = state.settings.limits.tokens_per_account;
    let quota = state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let quota = shared::take(c, &minted, &Subject::user(user_id), now)?;
                if quota.allowed {
                    let new = api_tokens::NewToken {
                        user_id,
                        token_hash: &hash,
                        session_generation: generation,
                        created_at: now,
                        expires_at: Some(expires_at),
                        name: None,
                        scope: TokenScope::Full.as_str(),
                    };
                    api_tokens::insert(c, &new)?;
                }
                Ok::<_, diesel::result::Error>(quota)
            })
            .map_err(AppError::from)
        })
        .await?;
    if !quota.allowed {
        state.metrics.count_limit_refusal(minted.name);
        return Ok(TokenRequest::TooManyTokens(quota));
    }
    Ok(TokenRequest::Issued { token, expires_at })
}

/// The holder of `token`, if it is live (and of a known scope). A personal access
/// token's last use is recorded (to the hour).
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<TokenHolder>, AppError> {
    if !api_token::looks_valid(token) {
        return Ok(None);
    }
    let now = state.clock.now();
    let hash = api_token::hash_token(token);
    let holder = state
        .read(move |conn| Ok(api_tokens::live_holder(conn, &hash, now)?))
        .await?;
    // The write, at most once an hour per token, goes to the blocking threads.
    if let Some(live) = &holder
        && live.personal
        && live
            .last_used_at
            .is_none_or(|at| now - at >= LAST_USED_PRECISION)
    {
        let token_id = live.holder.0;
        state
            .db(move |conn| Ok(api_tokens::touch(conn, token_id, now)?))
            .await?;
    }
    Ok(holder.and_then(|live| {
        let scope = TokenScope::parse(&live.scope)?;
        let (token_id, user_id, email, is_admin, is_door) = live.holder;
        Some(TokenHolder {
            token_id,
            user_id,
            email,
            is_admin: is_admin && scope.allows_admin(),
            is_door: is_door && scope.allows_door(),
            scope,
            admin_account: is_admin,
            personal: live.personal,
            created_at: live.created_at,
        })
    }))
}

/// Revokes the token the request came with.
pub async fn revoke(state: &AppState, token_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| Ok(api_tokens::revoke(conn, token_id, now)?))
        .await
        .map(|_| ())
}

/// Deletes tokens that ended over a day ago, and those a log-out everywhere or password
/// change ended (housekeeping; the sweeper calls it).
pub async fn forget_expired(state: &AppState) {
    let before = state.clock.now() - chrono::TimeDelta::days(1);
    if let Err(error) = state
        .db(move |conn| Ok(api_tokens::delete_expired(conn, before)?))
        .await
    {
        log::warn!("deleting expired API tokens failed (will retry next round): {error}");
    }
}
