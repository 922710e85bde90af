//! Payment providers: Stripe Checkout, or the built-in test provider, behind one type.
//!
//! The provider only talks to the outside; what a payment means for a ticket is decided
//! in `domain::payments`, and the use cases (`app::checkout`, `app::refunds`) join the two.
//!
//! May import: `domain` (the provider-neutral session types), `config`. Never `app` or `web`.

pub mod signature;
pub mod stripe;
pub mod stripe_event;
pub mod test_provider;

use chrono::NaiveDateTime;

/// What a checkout session is asked to sell. Stored with its attempt (as JSON) before it
/// is sent, so a retry under the same idempotency key sends exactly the same request:
/// Stripe refuses a reused key with other parameters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckoutRequest {
    pub payment_id: i32,
    /// Stored as `ticket_id`, as before the rename.
    #[serde(rename = "ticket_id")]
    pub booking_id: i32,
    pub user_id: i32,
    pub event_id: i32,
    pub hold_number: i32,
    pub product_name: String,
    /// How many seats, each at `unit_amount_pennies`; `amount_pennies` is their total.
    pub quantity: i64,
    pub unit_amount_pennies: i64,
    pub amount_pennies: i64,
    pub currency: String,
    pub customer_email: String,
    pub success_url: String,
    pub cancel_url: String,
    pub expires_at: NaiveDateTime,
    pub idempotency_key: String,
}

impl CheckoutRequest {
    /// The price of one seat, as a page shows it ("€25.00").
    pub fn unit_price(&self) -> String {
        crate::domain::payments::money::Money::from_stored(self.unit_amount_pennies, &self.currency)
            .to_string()
    }
}

pub use crate::domain::payments::session::{
    CreatedSession, DisputeOutcome, EventAction, Fault, ProviderDispute, ProviderError,
    ProviderEvent, ProviderRefund, RefundState, SessionState, SessionStatus,
};

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
            // Stripe accepts 30 minutes to 24 hours from now; keep a margin both ways.
            Provider::Stripe(_) => hold_ends
                .max(now + chrono::TimeDelta::minutes(31))
                .min(now + chrono::TimeDelta::hours(23)),
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

    /// Refunds a payment (in the provider's units) under the refund row's own key: a
    /// retried refund returns the first one instead of refunding twice. The row's id
    /// travels in the refund's metadata, so a lookup can find it.
    pub async fn refund(
        &self,
        payment_reference: &str,
        amount: i64,
        idempotency_key: &str,
        refund_row: i32,
    ) -> Result<ProviderRefund, ProviderError> {
        match self {
            Provider::Stripe(gateway) => {
                gateway
                    .refund(payment_reference, amount, idempotency_key, refund_row)
                    .await
            }
            Provider::Test(gateway) => {
                gateway.refund(payment_reference, amount, idempotency_key, refund_row)
            }
        }
    }

    /// Every refund of a payment, as the provider's Refunds API lists them.
    pub async fn refunds_of(
        &self,
        payment_reference: &str,
    ) -> Result<Vec<ProviderRefund>, ProviderError> {
        match self {
            Provider::Stripe(gateway) => gateway.refunds_of(payment_reference).await,
            // Test refunds succeed at once: nothing is ever left to look up.
            Provider::Test(_) => Ok(Vec::new()),
        }
    }

    /// One refund as the provider has it now.
    pub async fn retrieve_refund(&self, refund_id: &str) -> Result<ProviderRefund, ProviderError> {
        match self {
            Provider::Stripe(gateway) => gateway.retrieve_refund(refund_id).await,
            Provider::Test(_) => Err(ProviderError::Missing(format!("test refund {refund_id}"))),
        }
    }
}

/// The provider chosen by the settings: Stripe with a secret key, else the test provider.
pub fn provider_from(settings: &crate::config::Settings) -> Result<Provider, String> {
    match &settings.stripe {
        Some(stripe) => Ok(Provider::Stripe(Box::new(stripe::StripeGateway::new(
            stripe,
            settings.provider_timeout,
        )?))),
        None => Ok(Provider::Test(test_provider::TestGateway::new(
            &settings.public_url,
        ))),
    }
}
