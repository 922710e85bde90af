//! Resetting a forgotten password: a single-use token, valid for an hour, mailed to the
//! address (through the outbox) and kept only as its SHA-256. Asking gives the same
//! answer whether or not the address has an account (and whether or not a mail was
//! sent: `app::password_reset` limits them); using a token ends every session, API
//! token, other reset link and known device of that user.

use chrono::{NaiveDateTime, TimeDelta};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Conn, Guarded, password_resets, users, write_transaction};
use crate::domain::accounts::email::Email;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// How long a reset link works.
pub const VALID_FOR: TimeDelta = TimeDelta::hours(1);

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Records a reset asked for `email` and writes its mail to the outbox, in one
/// transaction, if the address has an account; does nothing otherwise. Callers answer
/// both alike.
pub fn ask(conn: &mut Conn, email: &str, now: NaiveDateTime) -> Result<(), AppError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let Some(user) = users::find_by_email(conn, email.as_str())? else {
        return Ok(());
    };
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    write_transaction(conn, |c| {
        password_resets::insert(c, user.id, &hash_token(&token), now + VALID_FOR, now)?;
        let asked = Message::PasswordResetAsked {
            user_id: user.id,
            token: token.clone(),
        };
        outbox::enqueue(c, now, &asked).map(|_| ())
    })
}

/// Whether a token can still be used (the form is shown only then).
pub fn is_live(conn: &mut Conn, token: &str, now: NaiveDateTime) -> Result<bool, AppError> {
    Ok(password_resets::live_user(conn, &hash_token(token), now)?.is_some())
}

/// Uses a token to set a new password (already hashed) and end every session, API
/// token, other link and known device of its user; `false` when the token is unknown,
/// used or expired.
pub fn reset(
    conn: &mut Conn,
    token: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    write_transaction(conn, |c| {
        let Some((id, user_id)) = password_resets::live_user(c, &hash_token(token), now)? else {
            return Ok(false);
        };
        if password_resets::use_token(c, id, now)? == Guarded::Lost {
            // Another request used it first.
            return Ok(false);
        }
        crate::domain::accounts::account::set_new_password(c, user_id, password_hash, now)?;
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_hash_is_sha256_and_not_the_token() {
        let hash = hash_token("abc");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(hash, "abc");
    }
}
