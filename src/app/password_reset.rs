//! "Forgot your password?": asking for a reset link, and setting a new password with it.
//!
//! Asking is limited per client address (`RESET_REQUESTS_PER_ADDRESS`: past it, 429) and
//! per account (`RESET_MAILS_PER_ACCOUNT` mails per `RESET_MAIL_WINDOW_SECONDS`, counted
//! under the normalised email whether or not it has an account): past the account's
//! limit nothing is written or sent, and the answer is the one a sent mail gets, so
//! nothing tells an existing account, an unknown email and a limited one apart. Both
//! limits are shared by every instance.

use super::AppState;
use crate::domain::accounts::account;
use crate::domain::accounts::password_reset;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::limits::{Subject, shared};
use crate::error::AppError;

/// What setting a new password with a link did.
#[derive(Debug)]
pub enum Reset {
    /// The password is set; every session, API token, other link and known device of
    /// the user has ended.
    Done,
    /// The link is unknown, used or expired.
    LinkDead,
    /// The new password breaks the policy.
    Invalid(FieldErrors),
}

/// How asking for a link ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Asked {
    /// The answer everyone gets: a mail was sent if the email has an account and its
    /// mails are within their limit; nothing says which.
    Answered,
    /// The client's address asked too often: try again after `retry_after` seconds.
    TooManyFromAddress { retry_after: u64 },
}

/// Mails a reset link if `email` has an account and its mails are within their limit.
pub async fn ask(state: &AppState, address: &str, email: &str) -> Result<Asked, AppError> {
    let limits = &state.settings.limits;
    let from_address = super::limits::take(
        state,
        limits.reset_requests_per_address,
        Subject::address(address),
    )
    .await?;
    if !from_address.allowed {
        return Ok(Asked::TooManyFromAddress {
            retry_after: from_address.retry_after_seconds(),
        });
    }
    let now = state.clock.now();
    let mails = limits.reset_mails_per_account;
    let email = email.to_owned();
    let within = state
        .db(move |conn| {
            let quota = shared::take(conn, &mails, &Subject::email(&email), now)?;
            if quota.allowed {
                password_reset::ask(conn, &email, now)?;
            }
            Ok(quota.allowed)
        })
        .await?;
    if !within {
        state.metrics.count_limit_refusal(mails.name);
    }
    Ok(Asked::Answered)
}

/// Whether the link's token still works (the form is shown only then).
pub async fn link_works(state: &AppState, token: &str) -> Result<bool, AppError> {
    let now = state.clock.now();
    let token = token.to_owned();
    state
        .db(move |conn| password_reset::is_live(conn, &token, now))
        .await
}

/// Sets a new password with a link (the hash runs on the hashing pool, with no
/// connection held).
pub async fn reset(state: &AppState, token: &str, password: &str) -> Result<Reset, AppError> {
    if let Err(message) = account::check_new_password(password) {
        let mut errors = FieldErrors::default();
        errors.add("password", message);
        return Ok(Reset::Invalid(errors));
    }
    if !link_works(state, token).await? {
        return Ok(Reset::LinkDead);
    }
    let hash = state
        .hashing
        .hash(password, state.settings.bcrypt_cost)
        .await?;
    let now = state.clock.now();
    let token = token.to_owned();
    let done = state
        .db(move |conn| password_reset::reset(conn, &token, &hash, now))
        .await?;
    Ok(if done { Reset::Done } else { Reset::LinkDead })
}
