//! The transactional outbox: what happened, written in the same transaction as the
//! change that made it happen, and delivered later (mailed, or run as a job) by the
//! dispatcher of any instance, with retries and a lease (see `claims`).
//!
//! A change that rolls back takes its message with it; a committed change always has
//! its message. Each message has a stable id (`message_id`) that consumers use to stay
//! idempotent: it becomes the email's `Message-ID`.

pub mod claims;
pub mod message;

pub use claims::{Claim, Outcome, RetryPolicy, backoff, claim_due, deferral_wait, record, renew};
pub use message::{EventChange, Message};

use chrono::NaiveDateTime;
use rand::RngCore;

use crate::db::{Conn, outbox};
use crate::error::AppError;

/// Writes `message` inside the caller's transaction; returns its stable id.
pub fn enqueue(conn: &mut Conn, now: NaiveDateTime, message: &Message) -> Result<String, AppError> {
    let mut bytes = [0_u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let message_id = hex::encode(bytes);
    let payload = serde_json::to_string(message)
        .map_err(|error| AppError::Internal(format!("outbox payload: {error}")))?;
    outbox::insert(conn, &message_id, message.kind(), &payload, now)?;
    Ok(message_id)
}

/// What `boxoffice check` says about the outbox: dead messages, and messages pending
/// for longer than `alert` (a dispatcher that is down, or a mail server that refuses).
pub fn problems(
    conn: &mut Conn,
    now: NaiveDateTime,
    alert: chrono::TimeDelta,
) -> Result<Vec<String>, AppError> {
    let (dead, stale) = outbox::health(conn, now - alert)?;
    let mut found = Vec::new();
    if dead > 0 {
        found.push(format!(
            "outbox: {dead} dead message(s): every attempt failed (see /admin/outbox)"
        ));
    }
    if stale > 0 {
        found.push(format!(
            "outbox: {stale} message(s) pending for more than {} minute(s)",
            alert.num_minutes()
        ));
    }
    Ok(found)
}
