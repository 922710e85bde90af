//! The background's payment work: asking the provider about attempts that should have
//! finished (a lost webhook never loses a paid ticket), retrying refunds still owed, and
//! closing the sessions of holds that have ended. An attempt that gives no result is
//! looked at again later and later (2 minutes, doubling, at most an hour), and batches
//! take the longest-untouched first, so stuck rows never starve the others.

use chrono::{NaiveDateTime, TimeDelta};
use futures_util::stream::{self, StreamExt};

use super::AppState;
use super::checkout::apply;
use super::refunds::{RefundProgress, refund, refund_part};
use crate::db::models::Payment;
use crate::db::status::{PaymentStatus, RefundStatus};
use crate::db::{Guarded, payment_attempts, refunds};
use crate::domain::payments::{self, Completion};
use crate::error::AppError;
use crate::providers::ProviderError;

/// How long an attempt must sit untouched before reconciliation asks about it.
const RECONCILE_AFTER: TimeDelta = TimeDelta::minutes(2);
const LONGEST_WAIT: TimeDelta = TimeDelta::hours(1);
const RECONCILE_BATCH: i64 = 50;

/// When to look again after `checks` looks in a row without a result.
pub fn backoff(checks: i32) -> TimeDelta {
    let doublings = checks.clamp(1, 6) - 1;
    (RECONCILE_AFTER * 2_i32.pow(doublings as u32)).min(LONGEST_WAIT)
}

/// Provider calls in flight at once in one reconciliation round: a hanging provider
/// costs a round `batch / PROVIDER_CALLS_AT_ONCE` time-outs, not `batch`.
pub const PROVIDER_CALLS_AT_ONCE: usize = 8;

/// The time one attempt's look may take (a refund may take three provider calls and a
/// few queries); past it, the look is abandoned and the attempt looked at again later.
/// Abandoning is safe: every provider call is idempotent and every write a transaction.
fn look_budget(state: &AppState) -> std::time::Duration {
    state.settings.provider_timeout * 4 + std::time::Duration::from_secs(5)
}

/// Asks the provider about attempts that should have finished by now (a lost webhook
/// never loses a paid ticket), and retries pending refunds; `PROVIDER_CALLS_AT_ONCE` at
/// a time, each within `look_budget`. Returns how many it settled.
pub async fn reconcile(state: &AppState) -> usize {
    let settled = reconcile_attempts(state).await;
    settled + retry_part_refunds(state).await
}

/// The states of a refund still owed.
const OWED: [RefundStatus; 3] = [
    RefundStatus::Requested,
    RefundStatus::Unsure,
    RefundStatus::Pending,
];

/// Sends again, or asks about, the refunds of seats given back that are still owed (their
/// payments stay paid, so the attempts' pass does not see them); returns how many
/// succeeded.
async fn retry_part_refunds(state: &AppState) -> usize {
    let now = state.clock.now();
    let owed = state
        .db(move |conn| {
            Ok(refunds::stale_open_parts(
                conn,
                &OWED,
                now - RECONCILE_AFTER,
                RECONCILE_BATCH,
            )?)
        })
        .await;
    let owed = match owed {
        Ok(owed) => owed,
        Err(error) => {
            log::warn!("reconciliation could not read refunds: {error}");
            return 0;
        }
    };
    let budget = look_budget(state);
    stream::iter(owed)
        .map(|owed| async move {
            match tokio::time::timeout(budget, refund_part(state, owed.id)).await {
                Ok(Ok(RefundProgress::Done)) => return 1,
                Ok(Ok(RefundProgress::Pending)) | Err(_) => {}
                Ok(Err(error)) => {
                    log::warn!("retrying refund {} of seats given back: {error}", owed.id);
                }
            }
            // Tried: the next try waits `RECONCILE_AFTER`, so a provider that is down is
            // not asked again every round.
            let id = owed.id;
            let now = state.clock.now();
            if let Err(error) = state
                .db(move |conn| Ok(refunds::touch(conn, id, &OWED, now)?))
                .await
            {
                log::warn!("refund {id}: {error}");
            }
            0
        })
        .buffer_unordered(PROVIDER_CALLS_AT_ONCE)
        .fold(0, |settled, one| async move { settled + one })
        .await
}

/// The attempts' pass of `reconcile`.
async fn reconcile_attempts(state: &AppState) -> usize {
    let now = state.clock.now();
    let stale = state
        .db(move |conn| {
            Ok(payment_attempts::stale(
                conn,
                &[
                    PaymentStatus::Open,
                    PaymentStatus::Creating,
                    PaymentStatus::Processing,
                    PaymentStatus::RefundPending,
                ],
                now - RECONCILE_AFTER,
                now,
                RECONCILE_BATCH,
            )?)
        })
        .await;
    let stale = match stale {
        Ok(stale) => stale,
        Err(error) => {
            log::warn!("reconciliation could not read payments: {error}");
            return 0;
        }
    };
    let budget = look_budget(state);
    stream::iter(stale)
        .map(|payment| async move {
            let outcome = match tokio::time::timeout(budget, look_at(state, &payment, now)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(AppError::Unavailable(format!(
                    "no answer within {} s",
                    budget.as_secs()
                ))),
            };
            match outcome {
                Ok(Look::Settled) => return 1,
                // Another request is asking right now: its look counts.
                Ok(Look::AskedElsewhere) => return 0,
                Ok(Look::Unsettled) => {}
                Err(error) => log::warn!("reconciling payment {}: {error}", payment.id),
            }
            check_later(state, &payment, now).await;
            0
        })
        .buffer_unordered(PROVIDER_CALLS_AT_ONCE)
        .fold(0, |settled, one| async move { settled + one })
        .await
}

/// What one look at an attempt found.
enum Look {
    /// It is settled now.
    Settled,
    /// Still open, or the provider could not say: look again after the backoff.
    Unsettled,
    /// Someone else (a buyer's page, another instance) asked about it moments ago.
    AskedElsewhere,
}

/// Asks about one attempt.
async fn look_at(
    state: &AppState,
    payment: &Payment,
    now: NaiveDateTime,
) -> Result<Look, AppError> {
    let id = payment.id;
    let settled = |done: bool| if done { Look::Settled } else { Look::Unsettled };
    let session_id = match (payment.status, payment.provider_session_id.as_deref()) {
        (PaymentStatus::RefundPending, _) => {
            return refund(state, id)
                .await
                .map(|progress| settled(progress == RefundProgress::Done));
        }
        (_, Some(session_id)) if !session_id.is_empty() => session_id,
        _ => return Ok(Look::Unsettled),
    };
    let turn = state
        .db(move |conn| payments::take_turn(conn, now, id))
        .await?;
    if turn == Guarded::Lost {
        return Ok(Look::AskedElsewhere);
    }
    match state.provider.retrieve_session(session_id).await {
        Ok(session) => apply(state, session).await.map(|c| {
            settled(!matches!(
                c,
                Completion::NotPaid { expired: false, .. } | Completion::Processing { .. }
            ))
        }),
        // Only a 404 proves the session never existed there; a rate limit, a rotated key
        // or an outage keeps the attempt for a later sweep.
        Err(ProviderError::Missing(reason)) => {
            let reason = format!("the provider does not know this session: {reason}");
            state
                .db(move |conn| {
                    Ok(payment_attempts::transition(
                        conn,
                        id,
                        &[PaymentStatus::Open, PaymentStatus::Creating],
                        PaymentStatus::Failed,
                        Some(&reason),
                        now,
                    )?
                    .applied())
                })
                .await
                .map(settled)
        }
        Err(error) => {
            log::error!(
                "reconciling payment {id}: Stripe could not be asked about session \
                 {session_id} ({error}); looking again in {} min",
                backoff(payment.checks + 1).num_minutes()
            );
            Ok(Look::Unsettled)
        }
    }
}

/// Looks at an attempt again after its backoff, others first meanwhile.
async fn check_later(state: &AppState, payment: &Payment, now: NaiveDateTime) {
    let (id, checks) = (payment.id, payment.checks + 1);
    let next = now + backoff(checks);
    if let Err(error) = state
        .db(move |conn| Ok(payment_attempts::check_later(conn, id, checks, next, now)?))
        .await
    {
        log::warn!("payment {id}: could not schedule its next look: {error}");
    }
}

/// Closes, at the provider, the open sessions of holds that have ended, so they can no
/// longer be paid. A session the provider will not close (Stripe expires only open
/// ones: it was paid, or is processing a bank payment) is asked about instead and what
/// happened applied (a late payment); failures back off like reconciliation's.
/// `PROVIDER_CALLS_AT_ONCE` at a time, each within `look_budget`.
pub async fn close_sessions_of_ended_holds(state: &AppState) -> usize {
    let now = state.clock.now();
    let open = match state
        .db(move |conn| {
            Ok(payment_attempts::open_for_ended_holds(
                conn,
                now,
                RECONCILE_BATCH,
            )?)
        })
        .await
    {
        Ok(open) => open,
        Err(error) => {
            log::warn!("could not list sessions to close: {error}");
            return 0;
        }
    };
    let budget = look_budget(state);
    stream::iter(open)
        .map(|payment| async move {
            match tokio::time::timeout(budget, close_one(state, &payment, now)).await {
                Ok(closed) => usize::from(closed),
                Err(_) => {
                    log::warn!(
                        "payment {}: closing its session took over {} s; trying again later",
                        payment.id,
                        budget.as_secs()
                    );
                    check_later(state, &payment, now).await;
                    0
                }
            }
        })
        .buffer_unordered(PROVIDER_CALLS_AT_ONCE)
        .fold(0, |closed, one| async move { closed + one })
        .await
}

/// Closes one ended hold's session; `true` when this call closed it.
async fn close_one(state: &AppState, payment: &Payment, now: NaiveDateTime) -> bool {
    let Some(session_id) = payment.provider_session_id.clone() else {
        return false;
    };
    let id = payment.id;
    let turn = state
        .db(move |conn| payments::take_turn(conn, now, id))
        .await;
    if !matches!(turn, Ok(Guarded::Applied)) {
        // Another instance is closing it right now (or the database is busy: next round).
        return false;
    }
    match state.provider.expire_session(&session_id).await {
        Ok(()) => {
            let done = state
                .db(move |conn| {
                    Ok(payment_attempts::transition(
                        conn,
                        id,
                        &[PaymentStatus::Open],
                        PaymentStatus::Expired,
                        Some("the hold ended"),
                        now,
                    )?)
                })
                .await;
            // Lost: a payment or another instance settled the attempt meanwhile.
            matches!(done, Ok(Guarded::Applied))
        }
        Err(ProviderError::Refused(reason)) => {
            log::info!("session {session_id} not closed ({reason}); asking what happened");
            let applied = match state.provider.retrieve_session(&session_id).await {
                Ok(session) => apply(state, session).await.map(|_| ()),
                Err(error) => Err(AppError::Unavailable(error.to_string())),
            };
            if let Err(error) = applied {
                log::warn!("session {session_id}: {error}");
            }
            check_later(state, payment, now).await;
            false
        }
        Err(error) => {
            log::warn!("session {session_id} not closed ({error}); trying again later");
            check_later(state, payment, now).await;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_come_later_and_later_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=8).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, vec![2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(0), TimeDelta::minutes(2));
    }
}
