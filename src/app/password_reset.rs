//! "Forgot your password?": asking for a reset link, and setting a new password with it.

use super::AppState;
use crate::domain::accounts;
use crate::domain::form_errors::FieldErrors;
use crate::domain::password_reset;
use crate::error::AppError;

/// What setting a new password with a link did.
#[derive(Debug)]
pub enum Reset {
    /// The password is set and every session of the user has ended.
    Done,
    /// The link is unknown, used or expired.
    LinkDead,
    /// The new password breaks the policy.
    Invalid(FieldErrors),
}

/// Mails a reset link if `email` has an account. The answer is the same either way.
pub async fn ask(state: &AppState, email: &str) -> Result<(), AppError> {
    let now = state.clock.now();
    let email = email.to_owned();
    state
        .db(move |conn| password_reset::ask(conn, &email, now))
        .await
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
    if let Err(message) = accounts::check_new_password(password) {
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
