//! The outbox's dispatcher, one per instance: claims due messages, delivers each (a
//! mail through the mailer, a job such as a cancelled event's refund, nothing for
//! messages that mail nobody) and records the
//! outcome: delivered, retried after a backoff, or dead after the last attempt.

use std::time::Duration;

use actix_web::web;

use super::AppState;
use crate::db::Guarded;
use crate::domain::outbox::{self, Claim, Message, Outcome};
use crate::error::AppError;
use crate::mail::{self, Mailer, compose};

/// Messages claimed per round; a full round is followed at once by the next.
const BATCH: i64 = 20;

pub async fn run(state: web::Data<AppState>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        loop {
            let round = dispatch_once(&state).await;
            if round.claimed < BATCH as usize {
                break;
            }
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub delivered: usize,
    pub failed: usize,
}

/// Claims one batch of due messages and delivers them.
pub async fn dispatch_once(state: &AppState) -> Round {
    let now = state.clock.now();
    let policy = state.retry_policy();
    let claimer = state.instance.clone();
    let claims = match state
        .db(move |conn| outbox::claim_due(conn, now, &policy, &claimer, BATCH))
        .await
    {
        Ok(claims) => claims,
        Err(error) => {
            log::warn!("outbox: claiming messages failed (next round retries): {error}");
            return Round::default();
        }
    };
    let mut round = Round {
        claimed: claims.len(),
        ..Round::default()
    };
    for claim in claims {
        let outcome = match deliver(state, &claim).await {
            Ok(()) => Outcome::Delivered,
            Err(error) => Outcome::Failed(error),
        };
        match &outcome {
            Outcome::Delivered => round.delivered += 1,
            Outcome::Failed(error) => {
                round.failed += 1;
                log::warn!(
                    "outbox: message {} (attempt {}) failed: {error}",
                    claim.message_id,
                    claim.attempts + 1
                );
            }
        }
        record(state, claim, outcome).await;
    }
    round
}

async fn record(state: &AppState, claim: Claim, outcome: Outcome) {
    let now = state.clock.now();
    let policy = state.retry_policy();
    let claimer = state.instance.clone();
    let id = claim.message_id.clone();
    match state
        .db(move |conn| outbox::record(conn, now, &policy, &claimer, &claim, &outcome))
        .await
    {
        Ok(Guarded::Applied) => {}
        Ok(Guarded::Lost) => {
            log::warn!("outbox: message {id}: the lease ran out and another instance took it")
        }
        Err(error) => log::warn!("outbox: recording message {id} failed: {error}"),
    }
}

/// Delivers one message; the error is kept as the message's last error.
async fn deliver(state: &AppState, claim: &Claim) -> Result<(), String> {
    let message = claim.message.clone()?;
    if let Message::CancelRefund { ticket_id } = message {
        return super::event_lifecycle::refund_booking(state, ticket_id).await;
    }
    let context_url = state.settings.public_url.clone();
    let message_id = claim.message_id.clone();
    let created_at = claim.created_at;
    let key = state.settings.session_key.clone();
    let composed = state
        .db(move |conn| {
            let context = compose::Context {
                public_url: &context_url,
                message_id: &message_id,
                created_at,
                signing_key: key.expose().as_bytes(),
            };
            compose::compose(conn, &context, &message)
        })
        .await
        .map_err(|error: AppError| format!("composing: {error}"))?;
    let Some(mail) = composed else {
        return Ok(());
    };
    match &state.mailer {
        Mailer::Smtp(smtp) => smtp.send(&mail).await,
        Mailer::DevMailbox => {
            let now = state.clock.now();
            state
                .db(move |conn| mail::store_in_mailbox(conn, &mail, now))
                .await
                .map_err(|error| format!("dev mailbox: {error}"))
        }
    }
}
