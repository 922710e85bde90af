//! Accounts: registering (within the registration limits), logging out everywhere, changing the password, and the facts an
//! authenticated request checks. Passwords are hashed and verified on the hashing pool
//! (`password_hashing`), with no pooled connection held.

use super::AppState;
use crate::db::users;
use crate::domain::accounts;
use crate::domain::form_errors::FieldErrors;
use crate::domain::limits::Subject;
use crate::error::AppError;

/// Registers an account from a client `address`. `Ok(Ok(()))` whether the email was new
/// or already had an account (nothing tells them apart); `Ok(Err(..))` for fields to fix;
/// `TooManyRequests` past the registration limits.
pub async fn register(
    state: &AppState,
    address: &str,
    email: &str,
    password: &str,
) -> Result<Result<(), FieldErrors>, AppError> {
    let email = match accounts::check_registration(email, password) {
        Ok(email) => email,
        Err(errors) => return Ok(Err(errors)),
    };
    let limits = &state.settings.limits;
    let from_address = super::limits::take(
        state,
        limits.registrations_per_address,
        Subject::address(address),
    )
    .await?;
    if !from_address.allowed {
        return Err(AppError::TooManyRequests(
            "Too many accounts were created from your network recently. \
             Please try again in an hour."
                .into(),
        ));
    }
    let everyone =
        super::limits::take(state, limits.registrations_everyone, Subject::everyone()).await?;
    if !everyone.allowed {
        return Err(AppError::TooManyRequests(
            "The shop is taking an unusual number of new accounts right now. \
             Please try again in a few minutes."
                .into(),
        ));
    }
    // A taken email costs the same work (one look-up, one hash) and changes nothing.
    let looked_up = email.clone();
    let taken = state
        .db(move |conn| Ok(users::find_by_email(conn, looked_up.as_str())?.is_some()))
        .await?;
    let hash = state
        .hashing
        .hash(password, state.settings.bcrypt_cost)
        .await?;
    if taken {
        return Ok(Ok(()));
    }
    let now = state.clock.now();
    state
        .db(move |conn| accounts::create_account(conn, &email, &hash, now))
        .await?;
    Ok(Ok(()))
}

/// Ends every session of the user: the session generation moves on.
pub async fn log_out_everywhere(state: &AppState, user_id: i32) -> Result<(), AppError> {
    state
        .db(move |conn| Ok(users::bump_session_generation(conn, user_id)?))
        .await
        .map(|_| ())
}

/// Changes the password after checking the current one; returns the new session
/// generation (every older session ends), or the fields to fix.
pub async fn change_password(
    state: &AppState,
    user_id: i32,
    current: &str,
    new: &str,
) -> Result<Result<i32, FieldErrors>, AppError> {
    if let Err(message) = accounts::check_new_password(new) {
        let mut errors = FieldErrors::default();
        errors.add("new_password", message);
        return Ok(Err(errors));
    }
    let user = state
        .db(move |conn| users::find(conn, user_id)?.ok_or(AppError::NotFound))
        .await?;
    let cost = state.settings.bcrypt_cost;
    if !state
        .hashing
        .verify(current, Some(user.password_hash), cost)
        .await?
    {
        let mut errors = FieldErrors::default();
        errors.add("current_password", "That is not your current password.");
        return Ok(Err(errors));
    }
    let hash = state.hashing.hash(new, cost).await?;
    let generation = state
        .db(move |conn| Ok(users::set_password(conn, user_id, &hash)?))
        .await?;
    Ok(Ok(generation))
}

/// What an authenticated request checks: session generation, admin, email, door staff.
pub async fn session_facts(
    state: &AppState,
    user_id: i32,
) -> Result<Option<users::SessionFacts>, AppError> {
    state
        .db(move |conn| Ok(users::session_facts(conn, user_id)?))
        .await
}
