//! The outbox's dispatcher, one per instance: claims due messages, delivers each (a
//! mail through the mailer, a job such as a cancelled event's refund, nothing for
//! messages that mail nobody) and records the
//! outcome: delivered, retried after a backoff, or dead after the last attempt.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::AppState;
use crate::db::Guarded;
use crate::domain::outbox::{self, Claim, Message, Outcome};
use crate::error::AppError;
use crate::mail::{self, Mailer, compose};

/// Messages claimed per round; a full round is followed at once by the next.
const BATCH: i64 = 20;

pub async fn run(state: Arc<AppState>, every: Duration) {
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
    /// Put off by a transient fault (no attempt used).
    pub deferred: usize,
}

/// Claims one batch of due messages and delivers them, one after the other, while
/// renewing the lease on those not finished yet (a batch of slow refund jobs can outlast
/// any fixed lease). A message taken over by another dispatcher meanwhile (this one was
/// stalled past its lease) is left to it.
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
    let leases = Leases::new(claims.iter().map(|c| c.id).collect());
    let work = async {
        let mut round = Round {
            claimed: claims.len(),
            ..Round::default()
        };
        for claim in claims {
            if leases.was_lost(claim.id) {
                log::warn!(
                    "outbox: message {}: its lease ran out before its turn and another \
                     instance took it",
                    claim.message_id
                );
                continue;
            }
            let outcome = deliver(state, &claim).await;
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
                Outcome::Deferred(error) => {
                    round.deferred += 1;
                    log::warn!(
                        "outbox: message {} put off (no attempt used): {error}",
                        claim.message_id
                    );
                }
            }
            let id = claim.id;
            record(state, claim, outcome).await;
            leases.finished(id);
        }
        round
    };
    tokio::select! {
        round = work => round,
        never = keep_leases(state, &leases) => match never {},
    }
}

/// The claims of one batch not finished yet, and those lost to another dispatcher.
struct Leases {
    held: Mutex<Vec<i32>>,
    lost: Mutex<HashSet<i32>>,
}

impl Leases {
    fn new(ids: Vec<i32>) -> Leases {
        Leases {
            held: Mutex::new(ids),
            lost: Mutex::new(HashSet::new()),
        }
    }

    fn held(&self) -> Vec<i32> {
        self.held.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn finished(&self, id: i32) {
        if let Ok(mut held) = self.held.lock() {
            held.retain(|&h| h != id);
        }
    }

    fn was_lost(&self, id: i32) -> bool {
        self.lost.lock().is_ok_and(|lost| lost.contains(&id))
    }

    /// After a renewal that kept `kept` of `asked`: those asked, not kept and not
    /// finished meanwhile were taken over.
    fn renewed(&self, asked: &[i32], kept: &[i32]) {
        let (Ok(mut held), Ok(mut lost)) = (self.held.lock(), self.lost.lock()) else {
            return;
        };
        for id in asked.iter().filter(|id| !kept.contains(id)) {
            if held.contains(id) {
                lost.insert(*id);
            }
        }
        held.retain(|id| !lost.contains(id));
    }
}

/// Renews the batch's leases every third of a lease, for as long as the batch is worked
/// on (the caller drops this future when the batch is done). Never returns.
async fn keep_leases(state: &AppState, leases: &Leases) -> Infallible {
    let policy = state.retry_policy();
    let every = (policy.lease / 3)
        .to_std()
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let asked = leases.held();
        if asked.is_empty() {
            continue;
        }
        let now = state.clock.now();
        let claimer = state.instance.clone();
        let ids = asked.clone();
        match state
            .db(move |conn| outbox::renew(conn, now, &policy, &claimer, &ids))
            .await
        {
            Ok(kept) => leases.renewed(&asked, &kept),
            Err(error) => log::warn!("outbox: renewing leases failed (retried): {error}"),
        }
    }
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

/// Delivers one message; a failure's error is kept as the message's last error.
async fn deliver(state: &AppState, claim: &Claim) -> Outcome {
    let message = match claim.message.clone() {
        Ok(message) => message,
        Err(error) => return Outcome::Failed(error),
    };
    // Partners' feed first: a failing mail or job below never holds it back.
    if let Err(error) = super::webhooks::publish(state, claim, &message).await {
        return Outcome::Failed(format!("publishing to the feed: {error}"));
    }
    if let Message::CancelRefund { booking_id } = message {
        return super::event_lifecycle::refund_booking(state, booking_id).await;
    }
    if let Message::ResaleRefund { payment_id } = message {
        return super::resale::refund_seller(state, payment_id).await;
    }
    match send_mail(state, claim, message).await {
        Ok(()) => Outcome::Delivered,
        Err(error) => Outcome::Failed(error),
    }
}

/// Composes a message's mail (if it mails anyone) and sends it.
async fn send_mail(state: &AppState, claim: &Claim, message: Message) -> Result<(), String> {
    let context_url = state.settings.public_url.clone();
    let message_id = claim.message_id.clone();
    let created_at = claim.created_at;
    let key = state.settings.session_key.clone();
    let mail_from = state.settings.mail_from.clone();
    let composed = state
        .db(move |conn| {
            let context = compose::Context {
                public_url: &context_url,
                message_id: &message_id,
                created_at,
                signing_key: key.expose().as_bytes(),
                mail_from: &mail_from,
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
