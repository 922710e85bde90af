//! Outgoing webhooks and the event feed: the admin's endpoints (`endpoints`), the
//! dispatcher's hook that publishes outbox messages to the feed (`publish`), the
//! background deliverer (`deliverer`) and its HTTP sender that refuses private
//! addresses (`sender`).

pub mod deliverer;
pub mod endpoints;
pub mod sender;

use super::AppState;
use crate::domain::outbox::{Claim, Message};
use crate::domain::webhooks::feed::{self, Published};
use crate::error::AppError;

/// Publishes a claimed outbox message to the feed (if partners see it and it is not
/// there yet), with its deliveries. The dispatcher calls it before the message's own
/// delivery, so a mail that fails and is retried never holds the feed back, and a
/// publication that fails is retried with the message.
pub async fn publish(state: &AppState, claim: &Claim, message: &Message) -> Result<(), AppError> {
    if crate::domain::webhooks::event_types::of(message).is_none() {
        return Ok(());
    }
    let now = state.clock.now();
    let message_id = claim.message_id.clone();
    let created_at = claim.created_at;
    let message = message.clone();
    let published = state
        .db(move |conn| feed::publish(conn, &message_id, &message, created_at, now))
        .await?;
    if let Published::At {
        position,
        deliveries,
    } = published
    {
        log::debug!(
            "feed: {} at position {position}, {deliveries} deliveries",
            claim.message_id
        );
    }
    Ok(())
}
