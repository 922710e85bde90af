//! What the checkout knows of a provider's session, in the provider's neutral terms: the
//! payment providers (`payments`) produce these, the checkout's rules consume them.

use chrono::NaiveDateTime;

/// A session the provider created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedSession {
    pub id: String,
    pub url: String,
    pub expires_at: NaiveDateTime,
}

/// Where a session stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Open,
    Complete,
    Expired,
}

/// A session as the provider reports it (from a retrieve or a webhook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub id: String,
    pub status: SessionStatus,
    pub paid: bool,
    pub amount_total: Option<i64>,
    /// Upper-case ISO code.
    pub currency: Option<String>,
    /// The provider's id of the money movement (Stripe's PaymentIntent), for refunds.
    pub payment_reference: Option<String>,
    /// Our payment row id, from the session's metadata.
    pub payment_id: Option<i32>,
}

/// A failed provider call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No answer in time, or no connection: the request may or may not have happened,
    /// so a retry must reuse the same idempotency key.
    #[error("the payment service did not answer: {0}")]
    Unreachable(String),
    /// The provider failed on its side (a 5xx): nothing to reuse, the next try starts afresh.
    #[error("the payment service failed: {0}")]
    ServerError(String),
    /// The provider answered with an error.
    #[error("the payment service refused: {0}")]
    Refused(String),
    /// The provider does not know the object asked about (Stripe's 404
    /// `resource_missing`): the one answer that proves a session never existed there.
    #[error("the payment service does not know it: {0}")]
    Missing(String),
}

/// What an event asks of the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventAction {
    /// A session completed (paid, or an async payment succeeded) or expired.
    Session(SessionState),
    /// A charge was refunded (in full, or in part) outside the shop, e.g. in Stripe's dashboard.
    ChargeRefunded {
        payment_reference: String,
        refund_id: String,
        fully: bool,
    },
    /// An event type we do not act on.
    Ignored,
}

/// One event a provider sent (by webhook), in neutral terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    pub id: String,
    pub event_type: String,
    pub action: EventAction,
}
