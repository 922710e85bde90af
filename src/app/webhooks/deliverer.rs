//! The deliverer, one per instance: claims due deliveries (a lease keeps every other
//! instance off them), sends them at once, and records each outcome — delivered, tried
//! again after a backoff, or failed for good, which counts towards disabling the
//! endpoint.

use std::time::Duration;

use chrono::TimeDelta;
use futures_util::future::join_all;

use super::sender;
use crate::app::AppState;
use crate::db::webhook_deliveries::{self, Attempt, ClaimedRow, DELIVERED, FAILED, PENDING};
use crate::db::{Guarded, webhook_endpoints, write_transaction};
use crate::domain::webhooks::retries::{self, DeliveryPolicy, Next};
use crate::error::AppError;

/// Deliveries claimed per round (sent at once); a full round is followed by the next.
const BATCH: i64 = 10;

pub async fn run(state: std::sync::Arc<AppState>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        loop {
            let round = deliver_once(&state).await;
            if round.claimed < BATCH as usize {
                break;
            }
        }
    }
}

/// The delivery policy, from the settings. The lease outlasts a whole round (every
/// delivery of a batch is sent at once, each bounded by the timeout), so a live
/// deliverer never loses its claims and a dead one's are taken over after it.
pub fn policy(state: &AppState) -> DeliveryPolicy {
    let hooks = &state.settings.webhooks;
    let timeout = TimeDelta::from_std(hooks.timeout).unwrap_or(TimeDelta::seconds(10));
    DeliveryPolicy {
        max_attempts: hooks.max_attempts,
        backoff_base: hooks.backoff_base,
        lease: timeout * 3 + TimeDelta::seconds(30),
        disable_after: hooks.disable_after,
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub delivered: usize,
    /// Failed attempts that will be tried again.
    pub retrying: usize,
    /// Deliveries whose last attempt failed.
    pub failed: usize,
    /// Endpoints this round disabled.
    pub disabled: usize,
}

/// Claims one batch of due deliveries, sends them all at once, records each outcome.
pub async fn deliver_once(state: &AppState) -> Round {
    let now = state.clock.now();
    let policy = policy(state);
    let claimer = state.instance.clone();
    let claims = match state
        .db(move |conn| {
            Ok(write_transaction(conn, |c| {
                webhook_deliveries::claim_due(c, now, now + policy.lease, &claimer, BATCH)
            })?)
        })
        .await
    {
        Ok(claims) => claims,
        Err(error) => {
            log::warn!("webhooks: claiming deliveries failed (next round retries): {error}");
            return Round::default();
        }
    };
    let mut round = Round {
        claimed: claims.len(),
        ..Round::default()
    };
    if claims.is_empty() {
        return round;
    }
    let hooks = &state.settings.webhooks;
    let client = match sender::client(hooks.timeout, hooks.allow_private_urls) {
        Ok(client) => client,
        Err(error) => {
            log::warn!("webhooks: {error}");
            return round;
        }
    };
    let timestamp = now.and_utc().timestamp();
    let sends = claims.iter().map(|claim| {
        sender::send(
            &client,
            &claim.url,
            &claim.secret,
            &claim.body,
            &claim.message_id,
            timestamp,
            hooks.allow_private_urls,
        )
    });
    let attempts = join_all(sends).await;
    for (claim, attempt) in claims.into_iter().zip(attempts) {
        let next = retries::after_attempt(
            &policy,
            claim.delivery.attempts,
            attempt.status_code.and_then(|s| u16::try_from(s).ok()),
        );
        match next {
            Next::Delivered => round.delivered += 1,
            Next::RetryAfter(_) => round.retrying += 1,
            Next::GaveUp => round.failed += 1,
        }
        if next != Next::Delivered {
            log::warn!(
                "webhooks: delivery {} of event {} to endpoint {} (attempt {}) failed: {}",
                claim.delivery.id,
                claim.message_id,
                claim.delivery.endpoint_id,
                claim.delivery.attempts + 1,
                attempt.error.as_deref().unwrap_or("?")
            );
        }
        match record(state, &policy, claim, attempt, next).await {
            Ok(true) => round.disabled += 1,
            Ok(false) => {}
            Err(error) => log::warn!("webhooks: recording a delivery failed: {error}"),
        }
    }
    round
}

/// Records one attempt; returns whether it disabled the endpoint.
async fn record(
    state: &AppState,
    policy: &DeliveryPolicy,
    claim: ClaimedRow,
    attempt: Attempt,
    next: Next,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    let claimer = state.instance.clone();
    let disable_after = policy.disable_after;
    state
        .db(move |conn| {
            write_transaction(conn, |c| -> Result<bool, AppError> {
                let (status, retry_at) = match next {
                    Next::Delivered => (DELIVERED, now),
                    Next::RetryAfter(wait) => (PENDING, now + wait),
                    Next::GaveUp => (FAILED, now),
                };
                let id = claim.delivery.id;
                let recorded =
                    webhook_deliveries::record(c, id, &claimer, status, &attempt, now, retry_at)?;
                if recorded == Guarded::Lost {
                    log::warn!("webhooks: delivery {id}: its lease ran out and another took it");
                    return Ok(false);
                }
                let endpoint = claim.delivery.endpoint_id;
                match next {
                    Next::Delivered => {
                        webhook_endpoints::delivered(c, endpoint)?;
                        Ok(false)
                    }
                    Next::RetryAfter(_) => Ok(false),
                    Next::GaveUp => {
                        let reason = format!(
                            "{disable_after} deliveries in a row failed (the last: {})",
                            attempt.error.as_deref().unwrap_or("no answer")
                        );
                        let disabled =
                            webhook_endpoints::failed(c, endpoint, disable_after, &reason, now)?;
                        if disabled {
                            log::warn!("webhooks: endpoint {endpoint} disabled: {reason}");
                        }
                        Ok(disabled)
                    }
                }
            })
        })
        .await
}
