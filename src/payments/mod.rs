//! Payment providers: Stripe Checkout, or the built-in test provider, behind one type.
//!
//! The provider only talks to the outside; what a payment means for a ticket is decided
//! in `domain::checkout`, and `payments::service` joins the two.

pub mod service;
pub mod signature;
pub mod stripe;
pub mod stripe_event;
pub mod test_provider;

use chrono::NaiveDateTime;

/// What a checkout session is asked to sell.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub payment_id: i32,
    pub ticket_id: i32,
    pub user_id: i32,
    pub event_id: i32,
    pub hold_number: i32,
    pub product_name: String,
    pub amount_pennies: i64,
    pub currency: String,
    pub customer_email: String,
    pub success_url: String,
    pub cancel_url: String,
    pub expires_at: NaiveDateTime,
    pub idempotency_key: String,
}

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
}

/// The active provider, chosen at start-up.
pub enum Provider {
    Stripe(Box<stripe::StripeGateway>),
    Test(test_provider::TestGateway),
}

impl Provider {
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Stripe(_) => "stripe",
            Provider::Test(_) => "test",
        }
    }

    /// The earliest expiry the provider accepts for a session created now (Stripe wants
    /// at least 30 minutes; the test provider follows the hold exactly).
    pub fn session_expiry(&self, now: NaiveDateTime, hold_ends: NaiveDateTime) -> NaiveDateTime {
        match self {
            Provider::Stripe(_) => hold_ends.max(now + chrono::TimeDelta::minutes(31)),
            Provider::Test(_) => hold_ends,
        }
    }

    pub async fn create_session(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CreatedSession, ProviderError> {
        match self {
            Provider::Stripe(gateway) => gateway.create_session(request).await,
            Provider::Test(gateway) => gateway.create_session(request),
        }
    }

    pub async fn retrieve_session(&self, session_id: &str) -> Result<SessionState, ProviderError> {
        match self {
            Provider::Stripe(gateway) => gateway.retrieve_session(session_id).await,
            Provider::Test(gateway) => gateway.retrieve_session(session_id),
        }
    }

    /// Closes an open session so it can no longer be paid (its hold has ended).
    pub async fn expire_session(&self, session_id: &str) -> Result<(), ProviderError> {
        match self {
            Provider::Stripe(gateway) => gateway.expire_session(session_id).await,
            Provider::Test(gateway) => gateway.expire_session(session_id),
        }
    }

    /// Refunds a payment in full; returns the provider's refund id. The idempotency key
    /// makes a retried refund return the first one instead of refunding twice.
    pub async fn refund(
        &self,
        payment_reference: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<String, ProviderError> {
        match self {
            Provider::Stripe(gateway) => {
                gateway
                    .refund(payment_reference, amount, idempotency_key)
                    .await
            }
            Provider::Test(gateway) => gateway.refund(payment_reference, amount, idempotency_key),
        }
    }
}
