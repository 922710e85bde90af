//! The background's payment work: asking the provider about attempts that should have
//! finished (a lost webhook never loses a paid ticket), retrying refunds still owed, and
//! closing the sessions of holds that have ended.

use chrono::TimeDelta;

use super::AppState;
use super::checkout::apply;
use super::refunds::{RefundProgress, refund};
use crate::db::status::PaymentStatus;
use crate::db::{Guarded, payments};
use crate::domain::checkout::Completion;
use crate::payments::ProviderError;

/// How long an attempt must sit untouched before reconciliation asks about it.
const RECONCILE_AFTER: TimeDelta = TimeDelta::minutes(2);
const RECONCILE_BATCH: i64 = 50;

/// Asks the provider about attempts that should have finished by now (a lost webhook
/// never loses a paid ticket), and retries pending refunds. Returns how many it settled.
pub async fn reconcile(state: &AppState) -> usize {
    let now = state.clock.now();
    let stale = state
        .db(move |conn| {
            Ok(payments::stale(
                conn,
                &[
                    PaymentStatus::Open,
                    PaymentStatus::Creating,
                    PaymentStatus::RefundPending,
                ],
                now - RECONCILE_AFTER,
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
    let mut settled = 0;
    for payment in stale {
        let id = payment.id;
        let outcome = match (payment.status, payment.provider_session_id.as_deref()) {
            (PaymentStatus::RefundPending, _) => refund(state, id)
                .await
                .map(|progress| progress == RefundProgress::Done),
            (_, Some(session_id)) if !session_id.is_empty() => {
                match state.provider.retrieve_session(session_id).await {
                    Ok(session) => apply(state, session)
                        .await
                        .map(|c| !matches!(c, Completion::NotPaid { expired: false, .. })),
                    // Only a 404 proves the session never existed there; a rate limit, a
                    // rotated key or an outage keeps the attempt for the next sweep.
                    Err(ProviderError::Missing(reason)) => {
                        let reason = format!("the provider does not know this session: {reason}");
                        state
                            .db(move |conn| {
                                Ok(payments::transition(
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
                    }
                    Err(error) => {
                        log::error!(
                            "reconciling payment {id}: Stripe could not be asked about session \
                             {session_id} ({error}); kept for the next sweep"
                        );
                        Ok(false)
                    }
                }
            }
            _ => Ok(false),
        };
        match outcome {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(error) => log::warn!("reconciling payment {id}: {error}"),
        }
        // Look at it again only after another interval.
        let _ = state
            .db(move |conn| Ok(payments::touch(conn, id, now)?))
            .await;
    }
    settled
}

/// Closes, at the provider, the open sessions of holds that have ended, so they can no
/// longer be paid. A session the provider will not close (already paid, say) is left to
/// reconciliation, which asks what happened and applies it (a late payment).
pub async fn close_sessions_of_ended_holds(state: &AppState) -> usize {
    let open = match state
        .db(|conn| Ok(payments::open_for_ended_holds(conn, RECONCILE_BATCH)?))
        .await
    {
        Ok(open) => open,
        Err(error) => {
            log::warn!("could not list sessions to close: {error}");
            return 0;
        }
    };
    let mut closed = 0;
    for payment in open {
        let Some(session_id) = payment.provider_session_id.clone() else {
            continue;
        };
        let now = state.clock.now();
        let id = payment.id;
        match state.provider.expire_session(&session_id).await {
            Ok(()) => {
                let done = state
                    .db(move |conn| {
                        Ok(payments::transition(
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
                if matches!(done, Ok(Guarded::Applied)) {
                    closed += 1;
                }
            }
            Err(error) => log::info!(
                "session {session_id} not closed ({error}); reconciliation will look at it"
            ),
        }
    }
    closed
}
