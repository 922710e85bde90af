//! The address check after registering: a link signed with the shop's key (HMAC-SHA256
//! over the user, the address and the expiry), so nothing needs storing until the user
//! follows it. A link for an address the user has since changed no longer works.

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::{Conn, Guarded, users};
use crate::error::AppError;

/// How long an address check link works.
pub const VALID_FOR: TimeDelta = TimeDelta::days(7);

/// What following a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    Confirmed,
    AlreadyConfirmed,
    Expired,
    Invalid,
}

fn signature(key: &[u8], user_id: i32, email: &str, expires: i64) -> String {
    // HMAC takes a key of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("address-check:{user_id}:{email}:{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The token of a link for `user_id` at `email`, working until `expires`.
pub fn sign(key: &[u8], user_id: i32, email: &str, expires: NaiveDateTime) -> String {
    let expires = expires.and_utc().timestamp();
    format!(
        "{user_id}.{expires}.{}",
        signature(key, user_id, email, expires)
    )
}

/// Checks a link's token and, when it is good, marks the address confirmed.
pub fn confirm(
    conn: &mut Conn,
    key: &[u8],
    token: &str,
    now: NaiveDateTime,
) -> Result<Confirmation, AppError> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(user), Some(expires), Some(given)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(Confirmation::Invalid);
    };
    let (Ok(user_id), Ok(expires)) = (user.parse::<i32>(), expires.parse::<i64>()) else {
        return Ok(Confirmation::Invalid);
    };
    let Some(user) = users::find(conn, user_id)? else {
        return Ok(Confirmation::Invalid);
    };
    let expected = signature(key, user_id, &user.email, expires);
    let same = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), given.as_bytes());
    if expected.is_empty() || !bool::from(same) {
        return Ok(Confirmation::Invalid);
    }
    let Some(until) = DateTime::from_timestamp(expires, 0) else {
        return Ok(Confirmation::Invalid);
    };
    if until.naive_utc() < now {
        return Ok(Confirmation::Expired);
    }
    Ok(match users::mark_verified(conn, user_id, now)? {
        Guarded::Applied => Confirmation::Confirmed,
        Guarded::Lost => Confirmation::AlreadyConfirmed,
    })
}
