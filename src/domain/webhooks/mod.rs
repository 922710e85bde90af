//! Outgoing webhooks and the event feed: which outbox messages partners see and under
//! which type (`event_types`), the feed's gap-free positions and payloads (`feed`),
//! which endpoint addresses are allowed (`address_policy`), an endpoint's settings as
//! an admin gives them (`endpoint_form`), and the retry rules of a delivery (`retries`).

pub mod address_policy;
pub mod endpoint_form;
pub mod event_types;
pub mod feed;
pub mod retries;

use crate::db::{Conn, webhook_endpoints};
use crate::error::AppError;

/// What `boxoffice check` says about webhooks: endpoints disabled because their
/// deliveries kept failing (a partner that stopped hearing from the shop).
pub fn problems(conn: &mut Conn) -> Result<Vec<String>, AppError> {
    Ok(webhook_endpoints::disabled_by_failures(conn)?
        .into_iter()
        .map(|e| {
            format!(
                "webhooks: endpoint {} ({}) is disabled: {} (see /admin/webhooks/{})",
                e.id,
                e.url,
                e.disabled_reason.as_deref().unwrap_or("deliveries failed"),
                e.id
            )
        })
        .collect())
}
