//! Asking the shared limits (`domain::limits`) from a use case or a request filter.
//!
//! Each counted request is one atomic upsert in the shared database: that count is the
//! authority, the same on every instance. In front of it sits one per-instance memory of
//! subjects the database has already refused for the rest of their window, so a flood
//! that is over its limit is answered without another write; it only ever refuses what
//! the shared count refused, never allows anything on its own.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use super::AppState;
use crate::domain::limits::{Limit, Quota, Subject, shared};
use crate::error::AppError;

/// Entries the refusal memory holds before ended ones are swept (and, if it is still
/// full, all of it: it is only a cache of the shared counts).
const REMEMBERED_REFUSALS: usize = 10_000;

/// Subjects refused until the end of their window, in this instance's memory.
#[derive(Debug, Default)]
pub struct RefusalMemory {
    until: Mutex<HashMap<(&'static str, Subject), NaiveDateTime>>,
}

impl RefusalMemory {
    fn refused(&self, limit: &Limit, subject: &Subject, now: NaiveDateTime) -> bool {
        let until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        until
            .get(&(limit.name, subject.clone()))
            .is_some_and(|end| *end > now)
    }

    fn remember(&self, limit: &Limit, subject: &Subject, now: NaiveDateTime) {
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if until.len() >= REMEMBERED_REFUSALS {
            until.retain(|_, end| *end > now);
            if until.len() >= REMEMBERED_REFUSALS {
                until.clear();
            }
        }
        until.insert((limit.name, subject.clone()), limit.window_end(now));
    }

    /// How many refusals are remembered (tests).
    pub fn len(&self) -> usize {
        self.until.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The answer a refused request gets without asking the database.
fn remembered_refusal(limit: &Limit, now: NaiveDateTime) -> Quota {
    Quota {
        allowed: false,
        ..limit.quota(i64::from(limit.allowance) + 1, now)
    }
}

/// Whether this instance remembers the shared count refusing `subject` under `limit` for
/// the rest of the window: the quota to answer with, asking nothing of the database.
pub fn remembered(state: &AppState, limit: &Limit, subject: &Subject) -> Option<Quota> {
    let now = state.clock.now();
    if limit.is_off() || !state.refusals.refused(limit, subject, now) {
        return None;
    }
    state.metrics.count_limit_refusal(limit.name);
    Some(remembered_refusal(limit, now))
}

/// Remembers (and counts in `/metrics`) a refusal a use case's own transaction decided
/// on the shared count (a hold refused inside its batch).
pub fn note_refusal(state: &AppState, limit: &Limit, subject: &Subject) {
    let now = state.clock.now();
    state.refusals.remember(limit, subject, now);
    state.metrics.count_limit_refusal(limit.name);
}

/// Counts one request of `subject` against `limit`; `allowed` says whether it may go on.
pub async fn take(state: &AppState, limit: Limit, subject: Subject) -> Result<Quota, AppError> {
    if limit.is_off() {
        return Ok(Quota::unlimited());
    }
    let now = state.clock.now();
    if state.refusals.refused(&limit, &subject, now) {
        state.metrics.count_limit_refusal(limit.name);
        return Ok(remembered_refusal(&limit, now));
    }
    let counted = subject.clone();
    let quota = state
        .db(move |conn| Ok(shared::take(conn, &limit, &counted, now)?))
        .await?;
    if !quota.allowed {
        state.refusals.remember(&limit, &subject, now);
        state.metrics.count_limit_refusal(limit.name);
    }
    Ok(quota)
}

/// Counts one request against several limits in one database trip (one transaction),
/// in order, stopping at the first that refuses; returns where the request stands: the
/// refusing limit's quota, or else the one with the least remaining.
pub async fn take_all(state: &AppState, asks: Vec<(Limit, Subject)>) -> Result<Quota, AppError> {
    let now = state.clock.now();
    let asks: Vec<(Limit, Subject)> = asks.into_iter().filter(|(l, _)| !l.is_off()).collect();
    if let Some((limit, _)) = asks
        .iter()
        .find(|(limit, subject)| state.refusals.refused(limit, subject, now))
    {
        state.metrics.count_limit_refusal(limit.name);
        return Ok(remembered_refusal(limit, now));
    }
    if asks.is_empty() {
        return Ok(Quota::unlimited());
    }
    let counted = asks.clone();
    let quotas = state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let mut quotas = Vec::with_capacity(counted.len());
                for (limit, subject) in &counted {
                    let quota = shared::take(conn, limit, subject, now)?;
                    quotas.push(quota);
                    if !quota.allowed {
                        break;
                    }
                }
                Ok::<_, diesel::result::Error>(quotas)
            })
            .map_err(AppError::from)
        })
        .await?;
    let mut standing = Quota::unlimited();
    for ((limit, subject), quota) in asks.iter().zip(&quotas) {
        if !quota.allowed {
            state.refusals.remember(limit, subject, now);
            state.metrics.count_limit_refusal(limit.name);
            return Ok(*quota);
        }
        if standing.limit == 0 || quota.remaining < standing.remaining {
            standing = *quota;
        }
    }
    Ok(standing)
}

/// Where `subject` stands, counting nothing (`allowed`: one more would be allowed).
pub async fn peek(state: &AppState, limit: Limit, subject: Subject) -> Result<Quota, AppError> {
    if limit.is_off() {
        return Ok(Quota::unlimited());
    }
    let now = state.clock.now();
    if state.refusals.refused(&limit, &subject, now) {
        return Ok(remembered_refusal(&limit, now));
    }
    state
        .db(move |conn| Ok(shared::peek(conn, &limit, &subject, now)?))
        .await
}

/// Whether this instance remembers that the shared count refused `subject` earlier in
/// the current window (no database trip); counts the refusal when it does.
pub fn refused_earlier(state: &AppState, limit: &Limit, subject: &Subject) -> Option<Quota> {
    if limit.is_off() {
        return None;
    }
    let now = state.clock.now();
    if !state.refusals.refused(limit, subject, now) {
        return None;
    }
    state.metrics.count_limit_refusal(limit.name);
    Some(remembered_refusal(limit, now))
}

/// Remembers that the shared count refused `subject` (a caller that judged a `peek`)
/// until its window ends, and counts the refusal.
pub fn refused_until_window_ends(state: &AppState, limit: &Limit, subject: &Subject) {
    if limit.is_off() {
        return;
    }
    state.refusals.remember(limit, subject, state.clock.now());
    state.metrics.count_limit_refusal(limit.name);
}

/// Counts an event that already happened (a failed log-in) whatever the limit; returns
/// the subject's count in this window.
pub async fn record(state: &AppState, limit: Limit, subject: Subject) -> Result<i64, AppError> {
    if limit.is_off() {
        return Ok(0);
    }
    let now = state.clock.now();
    state
        .db(move |conn| Ok(shared::record(conn, &limit, &subject, now)?))
        .await
}

/// Deletes counters whose window has passed (the sweeper, on any instance).
pub async fn purge_expired(state: &AppState) -> Result<usize, AppError> {
    const BATCH: i64 = 1000;
    let mut purged = 0;
    loop {
        let now = state.clock.now();
        let n = state
            .db(move |conn| Ok(shared::purge_expired(conn, now, BATCH)?))
            .await?;
        purged += n;
        if (n as i64) < BATCH {
            return Ok(purged);
        }
    }
}
