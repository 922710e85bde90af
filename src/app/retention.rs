//! Retention: the daily purge of rows kept only for a while — delivered outbox messages,
//! processed webhook event ids, used or expired password reset tokens, dev-mailbox
//! mails and finished deliveries of outgoing webhooks — each after its configured age (`config::RetentionSettings`). Nothing still
//! needed is touched: pending and dead messages, live reset tokens, and the payments,
//! refunds and bookings that `boxoffice check` and reconciliation read are never purged.
//! Rows go in batches of `PURGE_BATCH`, each its own short statement, so no transaction
//! grows with the backlog; any number of instances may purge at once (a row one deletes
//! is simply not counted by another).

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use crate::db::{Conn, mailbox, outbox, password_resets, webhook_deliveries, webhook_events};
use crate::error::AppError;

/// Rows deleted per statement.
pub const PURGE_BATCH: i64 = 1000;

/// How many rows of each kind one purge deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub outbox: usize,
    pub webhook_events: usize,
    pub password_resets: usize,
    pub mailbox: usize,
    pub webhook_deliveries: usize,
}

type PurgeBatch = fn(&mut Conn, NaiveDateTime, i64) -> diesel::QueryResult<usize>;

/// Purges everything past its age now; logs what it did. A failure of one kind is
/// logged and leaves the others to go on (the next day retries).
pub async fn purge(state: &AppState) -> Purged {
    let now = state.clock.now();
    let keep = state.settings.retention;
    let purged = Purged {
        outbox: purge_kind(
            state,
            "outbox",
            now,
            keep.outbox_days,
            outbox::purge_delivered,
        )
        .await,
        webhook_events: purge_kind(
            state,
            "webhook events",
            now,
            keep.webhook_events_days,
            webhook_events::purge_processed,
        )
        .await,
        password_resets: purge_kind(
            state,
            "password resets",
            now,
            keep.resets_days,
            password_resets::purge_spent,
        )
        .await,
        mailbox: purge_kind(
            state,
            "mailbox",
            now,
            keep.mailbox_days,
            mailbox::purge_older,
        )
        .await,
        webhook_deliveries: purge_kind(
            state,
            "webhook deliveries",
            now,
            keep.webhook_deliveries_days,
            webhook_deliveries::purge_finished,
        )
        .await,
    };
    if purged != Purged::default() {
        log::info!("retention: purged {purged:?}");
    }
    purged
}

/// Deletes the rows of one kind older than `days`, a batch at a time, until a batch
/// comes back short; returns how many this instance deleted.
async fn purge_kind(
    state: &AppState,
    kind: &'static str,
    now: NaiveDateTime,
    days: Option<u32>,
    batch: PurgeBatch,
) -> usize {
    let Some(days) = days else {
        return 0;
    };
    let before = now - TimeDelta::days(i64::from(days));
    let mut deleted = 0;
    loop {
        match state
            .db(move |conn| Ok::<_, AppError>(batch(conn, before, PURGE_BATCH)?))
            .await
        {
            Ok(n) => {
                deleted += n;
                if (n as i64) < PURGE_BATCH {
                    return deleted;
                }
            }
            Err(error) => {
                log::warn!("retention: purging {kind} failed (retried tomorrow): {error}");
                return deleted;
            }
        }
    }
}
