//! What admins (and, in test mode, anyone) read of the shop's messages: the dev
//! mailbox, the outbox's undelivered messages, and "retry now" for a dead one.

use super::AppState;
use crate::db::Guarded;
use crate::db::mailbox::{self, StoredMail};
use crate::db::outbox::{self, OutboxRow};
use crate::error::AppError;

/// How many mails and messages the lists show.
const LISTED: i64 = 200;

/// Whether `user_is_admin` may read the dev mailbox: admins always; anyone while the
/// test payment provider is active on a plain-http (local) shop. Not on an https site
/// even in test mode: the mailbox holds every user's password reset links.
pub fn may_read_mailbox(state: &AppState, user_is_admin: bool) -> bool {
    user_is_admin || (state.test_mode() && !state.settings.cookies_secure())
}

/// The newest mails in the dev mailbox.
pub async fn mailbox(state: &AppState) -> Result<Vec<StoredMail>, AppError> {
    state.db(|conn| Ok(mailbox::recent(conn, LISTED)?)).await
}

/// One mail of the dev mailbox.
pub async fn mail(state: &AppState, id: i32) -> Result<StoredMail, AppError> {
    state
        .db(move |conn| mailbox::find(conn, id)?.ok_or(AppError::NotFound))
        .await
}

/// Pending, failing and dead messages, oldest first.
pub async fn undelivered(state: &AppState) -> Result<Vec<OutboxRow>, AppError> {
    state
        .db(|conn| Ok(outbox::undelivered(conn, LISTED)?))
        .await
}

/// Makes a dead message due again now, with a fresh count of attempts.
pub async fn retry_dead(state: &AppState, id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    match state
        .db(move |conn| Ok(outbox::revive(conn, id, now)?))
        .await?
    {
        Guarded::Applied => Ok(()),
        Guarded::Lost => Err(AppError::Conflict(
            "That message is not dead (any more): nothing to retry.".into(),
        )),
    }
}
