//! Accounts: registering (within the registration limits), logging in (within the login
//! throttle), logging out everywhere, changing the password, and the facts an
//! authenticated request checks. Passwords are hashed and verified with no pooled
//! connection held.

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
    if let Err(errors) = accounts::check_registration(email, password) {
        return Ok(Err(errors));
    }
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
    let now = state.clock.now();
    let cost = state.settings.bcrypt_cost;
    let (email, password) = (email.to_owned(), password.to_owned());
    let registered = state
        .with_pool(move |pool| accounts::register(pool, &email, &password, cost, now))
        .await?;
    Ok(registered.map(|_| ()))
}

/// How a log-in attempt ended.
#[derive(Debug)]
pub enum LogIn {
    /// The password matched: start a session with this generation.
    Welcome {
        user_id: i32,
        email: String,
        session_generation: i32,
    },
    /// Wrong email or password (the same answer for either); `slowed` when the client's
    /// address has failed so often that answers are delayed.
    Refused { slowed: bool },
    /// The account has failed too often: only a device that logged in to it before may
    /// try now.
    ClosedToNewDevices,
}

/// Checks a password for `email` from `address`; `known_device` when the client proved
/// an earlier successful log-in to this account (the owner's device).
pub async fn log_in(
    state: &AppState,
    address: &str,
    email: &str,
    password: &str,
    known_device: bool,
) -> Result<LogIn, AppError> {
    if !known_device && state.login_throttle.account_closed_to_new_devices(email) {
        return Ok(LogIn::ClosedToNewDevices);
    }
    let cost = state.settings.bcrypt_cost;
    let (owned_email, owned_password) = (email.to_owned(), password.to_owned());
    let user = state
        .with_pool(move |pool| accounts::authenticate(pool, &owned_email, &owned_password, cost))
        .await?;
    if let Some(user) = user {
        return Ok(LogIn::Welcome {
            user_id: user.id,
            email: user.email,
            session_generation: user.session_generation,
        });
    }
    state.login_throttle.record_failure(email, address);
    match state.login_throttle.failure_delay(address) {
        Some(delay) => {
            tokio::time::sleep(delay).await;
            Ok(LogIn::Refused { slowed: true })
        }
        None => Ok(LogIn::Refused { slowed: false }),
    }
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
    let cost = state.settings.bcrypt_cost;
    let (current, new) = (current.to_owned(), new.to_owned());
    state
        .with_pool(move |pool| accounts::change_password(pool, user_id, &current, &new, cost))
        .await
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
