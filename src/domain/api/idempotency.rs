//! Idempotency keys of the JSON API (the keys we send Stripe are `idempotency_key`'s):
//! the first request with a key runs and its answer is kept; the same key, body and user
//! later get that answer again (from any instance); the same key with another body is
//! refused; a request while the first still runs is told to retry. Answers of 500 and
//! above are never kept, so a retry runs afresh; nor is a 429, which tells the client to
//! retry the same request after `Retry-After` (a hold limit, a cool-down).

use chrono::{NaiveDateTime, TimeDelta};
use sha2::{Digest, Sha256};

use crate::db::idempotency_keys::{self, StoredKey};
use crate::db::{Conn, Guarded};
use crate::error::AppError;

/// How long an answer is replayed.
pub const REPLAY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// How long a first request may run before its key may be taken over (it crashed, or
/// its instance stopped).
pub const LEASE: TimeDelta = TimeDelta::seconds(60);

/// The longest key accepted (Stripe's limit too).
pub const MAX_KEY_LENGTH: usize = 255;

/// Whether a key is acceptable: 1–255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LENGTH && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What identifies "the same request": method, path with query, and the exact body.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path_and_query.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// A key claimed by this request: it runs, then `finish` or `release` it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub id: i32,
    pub locked_until: NaiveDateTime,
}

/// A kept answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// What a request with a key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    Run(Claim),
    Replay(KeptAnswer),
    /// The first request with this key is still running: retry after this many seconds.
    InFlight {
        retry_after: i64,
    },
    /// The key was used with another request.
    Mismatch,
}

/// Decides what a request with `key` does; claims the key when it should run.
pub fn begin(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    key: &str,
    request_hash: &str,
) -> Result<Begin, AppError> {
    let locked_until = now + LEASE;
    // A claim lost to a parallel request is looked at again; three rounds settle it.
    for _ in 0..3 {
        if let Some(id) =
            idempotency_keys::claim(conn, user_id, key, request_hash, now, locked_until)?
        {
            return Ok(Begin::Run(Claim { id, locked_until }));
        }
        let Some(seen) = idempotency_keys::find(conn, user_id, key)? else {
            continue;
        };
        let stale = seen.created_at + REPLAY_WINDOW <= now;
        let abandoned = seen.running && seen.locked_until <= now;
        if stale || abandoned {
            if idempotency_keys::take_over(conn, &seen, request_hash, now, locked_until)?
                == Guarded::Applied
            {
                return Ok(Begin::Run(Claim {
                    id: seen.id,
                    locked_until,
                }));
            }
            continue;
        }
        return Ok(decide(&seen, request_hash, now));
    }
    Ok(Begin::InFlight { retry_after: 1 })
}

fn decide(seen: &StoredKey, request_hash: &str, now: NaiveDateTime) -> Begin {
    if seen.request_hash != request_hash {
        return Begin::Mismatch;
    }
    match (seen.running, seen.response_status, &seen.response_body) {
        (false, Some(status), Some(body)) => Begin::Replay(KeptAnswer {
            status: u16::try_from(status).unwrap_or(500),
            body: body.clone(),
            location: seen.response_location.clone(),
        }),
        _ => Begin::InFlight {
            retry_after: in_flight_wait(seen.locked_until, now),
        },
    }
}

/// How long a request should wait for the first one with its key, in whole seconds: as
/// long as that one has run so far (at least 1 s; almost every request takes
/// milliseconds, so the usual answer is 1), and never past the end of its lease, when
/// the key may be taken over. The lease itself (60 s) is only the worst case of a first
/// request whose instance died, not a wait to announce.
pub fn in_flight_wait(locked_until: NaiveDateTime, now: NaiveDateTime) -> i64 {
    let started = locked_until - LEASE;
    let ran = (now - started).num_seconds();
    // Rounded up: the lease's last fraction of a second still holds the key.
    let left = ((locked_until - now).num_milliseconds() + 999).div_euclid(1000);
    ran.max(1).min(left.max(1))
}

/// Keeps the answer of a claimed request (below 500); an answer of 500 or above, or a
/// 429 (retry later, with this same request), gives the key up instead.
pub fn finish(conn: &mut Conn, claim: Claim, answer: &KeptAnswer) -> Result<(), AppError> {
    let kept = if answer.status >= 500 || answer.status == 429 {
        idempotency_keys::release(conn, claim.id, claim.locked_until)?
    } else {
        idempotency_keys::finish(
            conn,
            claim.id,
            claim.locked_until,
            i32::from(answer.status),
            &answer.body,
            answer.location.as_deref(),
        )?
    };
    if kept == Guarded::Lost {
        log::warn!(
            "idempotency key {} was taken over while its first request ran",
            claim.id
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_flight_wait_is_what_the_first_request_ran_so_far_within_its_lease() {
        let start = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let until = start + LEASE;
        let at = |ms: i64| in_flight_wait(until, start + TimeDelta::milliseconds(ms));
        assert_eq!(at(0), 1, "just claimed");
        assert_eq!(at(300), 1, "a few hundred milliseconds in");
        assert_eq!(at(5_000), 5);
        assert_eq!(at(20_000), 20);
        assert_eq!(at(45_000), 15, "no longer than the lease has left");
        assert_eq!(
            at(50_001),
            10,
            "the lease's last fraction counts as a second"
        );
        assert_eq!(at(59_500), 1);
        assert_eq!(at(61_000), 1, "a lapsed lease: retry now");
    }

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(valid_key("a"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("has space"));
        assert!(!valid_key("tab\there"));
        assert!(!valid_key("é"));
    }

    #[test]
    fn the_fingerprint_covers_method_path_and_body() {
        let a = fingerprint("POST", "/api/v1/events/1/bookings", b"{\"quantity\":2}");
        assert_eq!(
            a,
            fingerprint("POST", "/api/v1/events/1/bookings", b"{\"quantity\":2}")
        );
        assert_ne!(
            a,
            fingerprint("POST", "/api/v1/events/2/bookings", b"{\"quantity\":2}")
        );
        assert_ne!(
            a,
            fingerprint("POST", "/api/v1/events/1/bookings", b"{\"quantity\":3}")
        );
        assert_ne!(
            a,
            fingerprint("PATCH", "/api/v1/events/1/bookings", b"{\"quantity\":2}")
        );
    }
}
