//! Accounts: registering, checking a password, and making admins.
//!
//! bcrypt is slow on purpose; these functions are blocking and run off the async workers,
//! and they hold no database connection while bcrypt works (it would starve the pool).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::email::Email;
use super::form_errors::FieldErrors;
use super::outbox::{self, Message};
use crate::db::models::User;
use crate::db::{Conn, DbPool, is_unique_violation, users, write_transaction};
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

/// Registers a user, or says which fields are wrong. An email already taken costs the
/// same work (one look-up, one bcrypt hash) and changes nothing.
/// Takes the pool, not a connection: no connection is held while bcrypt works.
pub fn register(
    pool: &DbPool,
    email: &str,
    password: &str,
    cost: u32,
    now: NaiveDateTime,
) -> Result<Result<Registration, FieldErrors>, AppError> {
    let email = match check_registration(email, password) {
        Ok(email) => email,
        Err(errors) => return Ok(Err(errors)),
    };
    let taken = users::find_by_email(&mut *pool.get()?, email.as_str())?.is_some();
    let hash = hash_password(password, cost)?;
    if taken {
        return Ok(Ok(Registration::AlreadyRegistered));
    }
    // The account and its address check mail, in one transaction.
    let created = write_transaction(&mut *pool.get()?, |c| -> Result<User, AppError> {
        let user = users::insert(c, &users::new_user(email.as_str(), &hash, false, now))?;
        outbox::enqueue(c, now, &Message::Registered { user_id: user.id })?;
        Ok(user)
    });
    match created {
        Ok(user) => Ok(Ok(Registration::Created(user))),
        Err(AppError::Database(error)) if is_unique_violation(&error) => {
            Ok(Ok(Registration::AlreadyRegistered))
        }
        Err(error) => Err(error),
    }
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

/// The user with this email and password, or `None` (the same for either mistake).
/// The connection goes back to the pool before bcrypt runs.
pub fn authenticate(
    pool: &DbPool,
    email: &str,
    password: &str,
    cost: u32,
) -> Result<Option<User>, AppError> {
    let user = match Email::parse(email) {
        Ok(email) => users::find_by_email(&mut *pool.get()?, email.as_str())?,
        Err(_) => None,
    };
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => dummy_hash(cost)?,
    };
    let matches = bcrypt::verify(password, &hash).unwrap_or(false);
    Ok(user.filter(|_| matches))
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

/// Changes a password after checking the current one; returns the new session
/// generation (every older session is ended), or the fields that are wrong.
pub fn change_password(
    pool: &DbPool,
    user_id: i32,
    current: &str,
    new: &str,
    cost: u32,
) -> Result<Result<i32, FieldErrors>, AppError> {
    let user = users::find(&mut *pool.get()?, user_id)?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    if !bcrypt::verify(current, &user.password_hash).unwrap_or(false) {
        errors.add("current_password", "That is not your current password.");
    }
    if let Err(message) = check_new_password(new) {
        errors.add("new_password", message);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let hash = hash_password(new, cost)?;
    Ok(Ok(users::set_password(&mut *pool.get()?, user_id, &hash)?))
}
