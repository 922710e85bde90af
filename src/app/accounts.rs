//! Accounts: registering (within the registration limits; it never logs in), logging out everywhere, changing the password, and the facts an
//! authenticated request checks. Passwords are hashed and verified on the hashing pool
//! (`password_hashing`), with no pooled connection held.

use super::AppState;
use super::login::DeviceSecret;
use crate::db::{trusted_devices, users, write_transaction};
use crate::domain::accounts::account;
use crate::domain::accounts::trusted_device;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::limits::{Limit, Subject};
use crate::error::AppError;

/// Registers an account from a client `address`, for a visitor on their way to `next`
/// (a local path, already checked). `Ok(Ok(()))` whether the email was new or already
/// had an account (nothing tells them apart: the same work, a look-up, a hash and one
/// write, and the same answer); `Ok(Err(..))` for fields to fix; `TooManyRequests` past
/// the registration limits. A new account is mailed its confirmation link; the owner of
/// a taken address is mailed that someone tried (at most `RESET_MAILS_PER_ACCOUNT` such
/// mails per `RESET_MAIL_WINDOW_SECONDS`, like reset mails, so registering cannot be
/// turned into a way to flood someone's inbox). Registering never logs in.
pub async fn register(
    state: &AppState,
    address: &str,
    email: &str,
    password: &str,
    next: &str,
) -> Result<Result<(), FieldErrors>, AppError> {
    let email = match account::check_registration(email, password) {
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
    // A taken email costs the same work (one look-up, one hash, one write).
    let looked_up = email.clone();
    let taken = state
        .db(move |conn| Ok(users::find_by_email(conn, looked_up.as_str())?.map(|u| u.id)))
        .await?;
    let hash = state
        .hashing
        .hash(password, state.settings.bcrypt_cost)
        .await?;
    let now = state.clock.now();
    let next = next.to_owned();
    if let Some(user_id) = taken {
        let reset = limits.reset_mails_per_account;
        let limit = Limit::new(ATTEMPT_MAILS, reset.allowance, reset.window);
        let noted = state
            .db(move |conn| account::note_registration_attempt(conn, user_id, &next, &limit, now))
            .await?;
        if !noted {
            state.metrics.count_limit_refusal(ATTEMPT_MAILS);
        }
        return Ok(Ok(()));
    }
    state
        .db(move |conn| account::create_account(conn, &email, &hash, &next, now))
        .await?;
    Ok(Ok(()))
}

/// The limit on "someone tried to register with your address" mails per account.
const ATTEMPT_MAILS: &str = "registration_attempt_mails";

/// Ends every session of the user: the session generation moves on.
pub async fn log_out_everywhere(state: &AppState, user_id: i32) -> Result<(), AppError> {
    state
        .db(move |conn| Ok(users::bump_session_generation(conn, user_id)?))
        .await
        .map(|_| ())
}

/// What a password change did.
#[derive(Debug)]
pub enum PasswordChange {
    /// Changed: every other session, API token, reset link and known device has ended;
    /// this session goes on with `generation`, and this device is known again by the new
    /// secret it gets.
    Changed {
        generation: i32,
        device: DeviceSecret,
    },
    /// Fields to fix (the current password is wrong, the new one breaks the policy).
    Invalid(FieldErrors),
    /// Too many attempts on this account in the window: refused before any hash.
    TooMany { retry_after: u64 },
}

/// Changes the password after checking the current one. Each attempt counts toward
/// `PASSWORD_CHANGES_PER_ACCOUNT` (it costs up to two hashes), judged before any hash.
/// `device_secrets` are the device's (to replace the one of this account).
pub async fn change_password(
    state: &AppState,
    user_id: i32,
    current: &str,
    new: &str,
    device_secrets: &[String],
) -> Result<PasswordChange, AppError> {
    if let Err(message) = account::check_new_password(new) {
        let mut errors = FieldErrors::default();
        errors.add("new_password", message);
        return Ok(PasswordChange::Invalid(errors));
    }
    let limit = state.settings.limits.password_changes_per_account;
    let quota = super::limits::take(state, limit, Subject::user(user_id)).await?;
    if !quota.allowed {
        return Ok(PasswordChange::TooMany {
            retry_after: quota.retry_after_seconds(),
        });
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
        return Ok(PasswordChange::Invalid(errors));
    }
    let hash = state.hashing.hash(new, cost).await?;
    let now = state.clock.now();
    let presented: Vec<(String, String)> = device_secrets
        .iter()
        .filter(|s| trusted_device::looks_valid(s))
        .map(|s| (s.clone(), trusted_device::hash_secret(s)))
        .collect();
    let (secret, secret_hash) = trusted_device::fresh();
    let (generation, replaces) = state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let hashes: Vec<String> = presented.iter().map(|(_, h)| h.clone()).collect();
                let replaces = trusted_devices::find_live(c, user_id, &hashes, now)?
                    .and_then(|(_, hash)| presented.into_iter().find(|(_, h)| *h == hash))
                    .map(|(secret, _)| secret);
                let generation = account::set_new_password(c, user_id, &hash, now)?;
                // This device just proved the password: it stays known, by a new secret.
                let expires_at = now + trusted_device::VALID_FOR;
                trusted_devices::insert(c, user_id, &secret_hash, now, expires_at)?;
                Ok::<_, diesel::result::Error>((generation, replaces))
            })
            .map_err(AppError::from)
        })
        .await?;
    Ok(PasswordChange::Changed {
        generation,
        device: DeviceSecret { secret, replaces },
    })
}

/// What an authenticated request checks: session generation, admin, email, door staff.
pub async fn session_facts(
    state: &AppState,
    user_id: i32,
) -> Result<Option<users::SessionFacts>, AppError> {
    state
        .read(move |conn| Ok(users::session_facts(conn, user_id)?))
        .await
}
