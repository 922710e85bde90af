//! Claiming due messages for one dispatcher and recording what their delivery did:
//! retries with exponential backoff, then `dead`; waits for a transient fault that use
//! up no attempt; a lease, renewed while the dispatcher works, so that the claims of an
//! instance that died are taken over and those of a live one never are.

use chrono::{NaiveDateTime, TimeDelta};

use super::Message;
use crate::db::{Conn, Guarded, outbox, write_transaction};
use crate::error::AppError;

/// How often and how soon a failed delivery is tried again, and how long a claim lasts.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all; the message is dead after the last one fails.
    pub max_attempts: i32,
    /// The wait after the first failure; it doubles after each further one.
    pub backoff_base: TimeDelta,
    /// How long a claim keeps other dispatchers off a message.
    pub lease: TimeDelta,
}

/// The wait before the next attempt once `failed` attempts have failed (1, 2, …).
pub fn backoff(policy: &RetryPolicy, failed: i32) -> TimeDelta {
    let doublings = failed.saturating_sub(1).clamp(0, 20) as u32;
    policy.backoff_base * 2_i32.pow(doublings)
}

/// The longest wait after a transient fault (see `deferral_wait`).
pub const LONGEST_DEFERRAL: TimeDelta = TimeDelta::hours(1);

/// The wait before trying again a message put off `deferrals` times (0, 1, …) by a
/// transient fault: the backoff base, doubling, at most an hour. Deferrals never make a
/// message dead: what it waits for (a refund, say) is still owed.
pub fn deferral_wait(policy: &RetryPolicy, deferrals: i32) -> TimeDelta {
    let doublings = deferrals.clamp(0, 20) as u32;
    (policy.backoff_base * 2_i32.pow(doublings)).min(LONGEST_DEFERRAL.max(policy.backoff_base))
}

/// A message this dispatcher holds until its lease ends.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: i32,
    pub message_id: String,
    /// The message, or why its payload could not be read (delivery then fails).
    pub message: Result<Message, String>,
    /// Attempts made before this one.
    pub attempts: i32,
    /// Deliveries put off by a transient fault before this one.
    pub deferrals: i32,
    pub created_at: NaiveDateTime,
}

/// What delivering a claimed message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// An attempt that failed: it counts, and the last one makes the message dead.
    Failed(String),
    /// Put off by a transient fault outside the shop (the payment service rate-limiting,
    /// down, or refusing the API key): tried again after `deferral_wait`, no attempt used.
    Deferred(String),
}

/// Claims up to `limit` due messages for `claimer`, in one write transaction (see
/// `db::outbox::claim_due` for how two dispatchers are kept apart).
pub fn claim_due(
    conn: &mut Conn,
    now: NaiveDateTime,
    policy: &RetryPolicy,
    claimer: &str,
    limit: i64,
) -> Result<Vec<Claim>, AppError> {
    let rows = write_transaction(conn, |c| {
        outbox::claim_due(c, now, now + policy.lease, claimer, limit)
    })?;
    Ok(rows
        .into_iter()
        .map(|row| Claim {
            id: row.id,
            message_id: row.message_id,
            message: Message::parse(&row.payload).map_err(|e| format!("unreadable payload: {e}")),
            attempts: row.attempts,
            deferrals: row.deferrals,
            created_at: row.created_at,
        })
        .collect())
}

/// Extends, until `now + lease`, the claims `claimer` still holds among `ids` (a
/// dispatcher working through a long batch); returns the ids it still holds. One missing
/// from the answer was taken over after its lease ran out: leave it to its new holder.
pub fn renew(
    conn: &mut Conn,
    now: NaiveDateTime,
    policy: &RetryPolicy,
    claimer: &str,
    ids: &[i32],
) -> Result<Vec<i32>, AppError> {
    Ok(outbox::renew(conn, ids, claimer, now + policy.lease)?)
}

/// Records the outcome of one claimed message; `Lost` when the lease had run out and
/// another dispatcher took the message over (its outcome then stands, not this one).
pub fn record(
    conn: &mut Conn,
    now: NaiveDateTime,
    policy: &RetryPolicy,
    claimer: &str,
    claim: &Claim,
    outcome: &Outcome,
) -> Result<Guarded, AppError> {
    write_transaction(conn, |c| record_in(c, now, policy, claimer, claim, outcome))
}

fn record_in(
    conn: &mut Conn,
    now: NaiveDateTime,
    policy: &RetryPolicy,
    claimer: &str,
    claim: &Claim,
    outcome: &Outcome,
) -> Result<Guarded, AppError> {
    let recorded = match outcome {
        Outcome::Delivered => {
            let recorded = outbox::mark_delivered(conn, claim.id, claimer, now)?;
            // Once mailed, a reset or pay link token is kept nowhere but as its hash.
            let forgotten = match (recorded, &claim.message) {
                (Guarded::Applied, Ok(Message::PasswordResetAsked { user_id, .. })) => {
                    Some(Message::PasswordResetAsked {
                        user_id: *user_id,
                        token: String::new(),
                    })
                }
                (Guarded::Applied, Ok(Message::PayLinkSent { booking_id, .. })) => {
                    Some(Message::PayLinkSent {
                        booking_id: *booking_id,
                        token: String::new(),
                    })
                }
                _ => None,
            };
            if let Some(forgotten) = forgotten {
                let payload = serde_json::to_string(&forgotten)
                    .map_err(|e| AppError::Internal(format!("outbox payload: {e}")))?;
                outbox::set_payload(conn, claim.id, &payload)?;
            }
            recorded
        }
        Outcome::Failed(error) => {
            let failed = claim.attempts + 1;
            let dead = failed >= policy.max_attempts;
            let retry_at = now + backoff(policy, failed);
            outbox::mark_failed(conn, claim.id, claimer, error, retry_at, dead)?
        }
        Outcome::Deferred(error) => {
            let retry_at = now + deferral_wait(policy, claim.deferrals);
            outbox::mark_deferred(conn, claim.id, claimer, error, retry_at)?
        }
    };
    Ok(recorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_each_failure() {
        let policy = RetryPolicy {
            max_attempts: 5,
            backoff_base: TimeDelta::seconds(30),
            lease: TimeDelta::seconds(60),
        };
        let waits: Vec<i64> = (1..=4).map(|n| backoff(&policy, n).num_seconds()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240]);
    }

    #[test]
    fn a_transient_wait_doubles_up_to_an_hour() {
        let policy = RetryPolicy {
            max_attempts: 5,
            backoff_base: TimeDelta::seconds(30),
            lease: TimeDelta::seconds(60),
        };
        let waits: Vec<i64> = (0..10)
            .map(|n| deferral_wait(&policy, n).num_seconds())
            .collect();
        assert_eq!(
            waits,
            vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(deferral_wait(&policy, 1000), LONGEST_DEFERRAL);
    }
}
