//! Accounts: registering, checking a password, and making admins.
//!
//! bcrypt is slow on purpose: `hash_password` and `verify_password` block, and run on
//! the password hashing pool (`app::password_hashing`), never while a pooled database
//! connection is held (it would starve the pool).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::db::models::User;
use crate::db::{
    Conn, is_unique_violation, password_resets, trusted_devices, users, write_transaction,
};
use crate::domain::accounts::email::Email;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::limits::{Limit, Subject, shared};
use crate::domain::outbox::{self, Message};
use crate::error::AppError;
use chrono::NaiveDateTime;

/// bcrypt reads at most 72 bytes; longer passwords would be silently cut.
const MAX_PASSWORD_BYTES: usize = 72;
const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new password against the policy; the message is for the form.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err("Use at least 8 characters.");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err("Use at most 72 bytes (bcrypt ignores the rest).");
    }
    if password.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and symbols only: no control characters.");
    }
    Ok(())
}

pub fn hash_password(password: &str, cost: u32) -> Result<String, AppError> {
    bcrypt::hash(password, cost).map_err(|e| AppError::Internal(format!("bcrypt hash: {e}")))
}

/// What registering did. Callers must answer both alike: telling them apart would tell
/// anyone which emails have accounts.
#[derive(Debug)]
pub enum Registration {
    Created(User),
    /// The email already had an account; nothing changed (the same bcrypt work was done).
    AlreadyRegistered,
}

/// Checks the registration form; the email is returned normalised.
pub fn check_registration(email: &str, password: &str) -> Result<Email, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(email).map_err(|m| errors.add("email", m)).ok();
    if let Err(message) = check_new_password(password) {
        errors.add("password", message);
    }
    match email {
        Some(email) if errors.is_empty() => Ok(email),
        _ => Err(errors),
    }
}

/// Creates the account of a registration whose password is already hashed, with its
/// address check mail (whose link leads to `next`), in one transaction. An email taken
/// meanwhile (a UNIQUE violation) is `AlreadyRegistered`, as if it had been taken before.
pub fn create_account(
    conn: &mut Conn,
    email: &Email,
    password_hash: &str,
    next: &str,
    now: NaiveDateTime,
) -> Result<Registration, AppError> {
    let created = write_transaction(conn, |c| -> Result<User, AppError> {
        let user = users::insert(
            c,
            &users::new_user(email.as_str(), password_hash, false, now),
        )?;
        let message = Message::Registered {
            user_id: user.id,
            next: Some(next.to_owned()),
        };
        outbox::enqueue(c, now, &message)?;
        Ok(user)
    });
    match created {
        Ok(user) => Ok(Registration::Created(user)),
        Err(AppError::Database(error)) if is_unique_violation(&error) => {
            Ok(Registration::AlreadyRegistered)
        }
        Err(error) => Err(error),
    }
}

/// Tells the owner of `user_id` that someone tried to register with its address, at
/// most `limit` times per window (past it nothing is written: the answer to the
/// registration is the same either way). The count and the message commit together.
pub fn note_registration_attempt(
    conn: &mut Conn,
    user_id: i32,
    next: &str,
    limit: &Limit,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    write_transaction(conn, |c| {
        let quota = shared::take(c, limit, &Subject::user(user_id), now)?;
        if quota.allowed {
            let message = Message::RegistrationAttempted {
                user_id,
                next: Some(next.to_owned()),
            };
            outbox::enqueue(c, now, &message)?;
        }
        Ok(quota.allowed)
    })
}

/// A hash to verify against when the email is unknown, so that a wrong email and a
/// wrong password take the same time.
fn dummy_hash(cost: u32) -> Result<String, AppError> {
    static HASHES: OnceLock<Mutex<HashMap<u32, String>>> = OnceLock::new();
    let hashes = HASHES.get_or_init(Default::default);
    let mut hashes = hashes.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(hash) = hashes.get(&cost) {
        return Ok(hash.clone());
    }
    let hash = hash_password("not the password of anyone", cost)?;
    hashes.insert(cost, hash.clone());
    Ok(hash)
}

/// Whether `password` matches `hash` (blocking: bcrypt). Without a hash (the email has
/// no account) it checks against a stand-in, so either mistake costs the same time.
pub fn verify_password(password: &str, hash: Option<&str>, cost: u32) -> Result<bool, AppError> {
    let hash = match hash {
        Some(hash) => hash.to_owned(),
        None => dummy_hash(cost)?,
    };
    Ok(bcrypt::verify(password, &hash).unwrap_or(false))
}

/// What `create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created,
    Promoted,
}

/// Makes an existing user an admin, or creates an admin with this password.
pub fn create_admin(
    conn: &mut Conn,
    email: &str,
    password: &str,
    cost: u32,
    now: NaiveDateTime,
) -> Result<AdminOutcome, String> {
    let email = Email::parse(email).map_err(str::to_owned)?;
    let existing = users::find_by_email(conn, email.as_str()).map_err(|e| e.to_string())?;
    if let Some(user) = existing {
        users::make_admin(conn, user.id).map_err(|e| e.to_string())?;
        return Ok(AdminOutcome::Promoted);
    }
    check_new_password(password).map_err(str::to_owned)?;
    let hash = hash_password(password, cost).map_err(|e| e.to_string())?;
    users::insert(conn, &users::new_user(email.as_str(), &hash, true, now))
        .map_err(|e| e.to_string())?;
    Ok(AdminOutcome::Created)
}

/// Replaces a user's password (already hashed) and ends everything the old one opened:
/// every session and API token (the session generation moves on), every reset link not
/// yet used, every known device. Run it inside the transaction of the change. Returns
/// the new session generation.
pub fn set_new_password(
    conn: &mut Conn,
    user_id: i32,
    password_hash: &str,
    now: NaiveDateTime,
) -> diesel::QueryResult<i32> {
    let generation = users::set_password(conn, user_id, password_hash)?;
    password_resets::void_for_user(conn, user_id, now)?;
    trusted_devices::delete_for_user(conn, user_id)?;
    Ok(generation)
}
