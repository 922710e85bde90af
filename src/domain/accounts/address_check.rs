//! The address check after registering: a link signed with the shop's key (HMAC-SHA256
//! over the user, the address and the expiry), so nothing needs storing until the user
//! follows it. Following it confirms the address and logs the user in, once: the first
//! link followed marks the address confirmed, and after that every link of the account
//! (a resent one too) only says it was used. It works for 24 hours. A link for an
//! address the user has since changed no longer works. A user may ask for the mail again
//! (a few times an hour): an account needs a confirmed address to hold seats of a
//! high-demand event, or to have more than `UNCONFIRMED_BOOKINGS` bookings
//! (`domain::accounts::unconfirmed`).

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::{Conn, Guarded, users, write_transaction};
use crate::domain::limits::{Limit, Subject, shared};
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// How long an address check link works.
pub const VALID_FOR: TimeDelta = TimeDelta::hours(24);

/// What following a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The address is confirmed now: the link's one use, which logs the user in (with
    /// the account's current session generation).
    Confirmed {
        user_id: i32,
        generation: i32,
    },
    /// The address was confirmed already: the link is used up and logs nobody in.
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
    if until.naive_utc() > now + VALID_FOR {
        // Signed for longer than links work now (a 7-day link from before the link
        // logged in): it must not log anyone in.
        return Ok(Confirmation::Expired);
    }
    write_transaction(conn, |c| {
        Ok(match users::mark_verified(c, user_id, now)? {
            Guarded::Applied => Confirmation::Confirmed {
                user_id,
                generation: users::find(c, user_id)?
                    .ok_or(AppError::NotFound)?
                    .session_generation,
            },
            Guarded::Lost => Confirmation::AlreadyConfirmed,
        })
    })
}

/// What asking for the address check mail again did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    /// A new mail is on its way (written to the outbox).
    Sent,
    /// Nothing to do: the address is confirmed.
    AlreadyConfirmed,
    /// Asked too often: try again after this many seconds.
    TooOften { retry_after: u64 },
}

/// Mails the user a new address check link leading to `next` (a local path, checked
/// when the link is followed), counted by `limit` per user; the count and the message
/// commit together.
pub fn resend(
    conn: &mut Conn,
    user_id: i32,
    limit: &Limit,
    next: Option<String>,
    now: NaiveDateTime,
) -> Result<Resent, AppError> {
    write_transaction(conn, |c| {
        let user = users::find(c, user_id)?.ok_or(AppError::NotFound)?;
        if user.email_verified_at.is_some() {
            return Ok(Resent::AlreadyConfirmed);
        }
        let quota = shared::take(c, limit, &Subject::user(user_id), now)?;
        if !quota.allowed {
            return Ok(Resent::TooOften {
                retry_after: quota.retry_after_seconds(),
            });
        }
        // The same mail as at registration, with a link that works from now.
        outbox::enqueue(c, now, &Message::Registered { user_id, next })?;
        Ok(Resent::Sent)
    })
}
