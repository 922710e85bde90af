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
    /// Completed with nothing to pay (Stripe's `no_payment_required`: a 100 % discount).
    pub no_payment_required: bool,
    pub amount_total: Option<i64>,
    /// Upper-case ISO code.
    pub currency: Option<String>,
    /// The provider's id of the money movement (Stripe's PaymentIntent), for refunds.
    pub payment_reference: Option<String>,
    /// Our payment row id, from the session's metadata.
    pub payment_id: Option<i32>,
}

/// Where a refund stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Accepted, money not back yet (`pending`, or `requires_action`).
    Pending,
    Succeeded,
    /// `failed` or `canceled`: the money stayed with the shop.
    Failed,
}

impl RefundState {
    /// Stripe's spelling of a refund's status.
    pub fn from_stripe(status: Option<&str>) -> RefundState {
        match status {
            Some("succeeded") => RefundState::Succeeded,
            Some("failed" | "canceled") => RefundState::Failed,
            _ => RefundState::Pending,
        }
    }
}

/// A refund as the provider reports it (from a create, a retrieve, a list or a webhook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefund {
    pub id: String,
    pub state: RefundState,
    /// In the provider's units of the payment's currency.
    pub amount: i64,
    /// The provider's id of the payment refunded (Stripe's PaymentIntent).
    pub payment_reference: Option<String>,
    /// Our refund row, from the refund's metadata (absent for a dashboard refund).
    pub refund_row: Option<i32>,
    pub failure_reason: Option<String>,
}

/// Where a dispute (a chargeback the customer's bank opened) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeOutcome {
    /// Open (needs a response, under review): the ticket keeps working.
    Open,
    Won,
    /// Lost: the bank took the money back; the booking is void.
    Lost,
}

impl DisputeOutcome {
    /// The stored spelling (`payments.dispute_status`).
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeOutcome::Open => "open",
            DisputeOutcome::Won => "won",
            DisputeOutcome::Lost => "lost",
        }
    }
}

/// A dispute as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDispute {
    pub id: String,
    /// The provider's id of the payment disputed (Stripe's PaymentIntent).
    pub payment_reference: String,
    pub outcome: DisputeOutcome,
}

/// A failed provider call. Every provider adapter maps its errors to these, and
/// `fault` says what each means for a retry: the one place provider errors are
/// classified (call sites match on `fault`, never on messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No answer in time, no connection, or an answer we could not read: the request may
    /// or may not have happened, so a retry must reuse the same idempotency key.
    #[error("the payment service did not answer: {0}")]
    Unreachable(String),
    /// The provider failed on its side (a 5xx), and keeps that answer under the key
    /// (Stripe replays it for a day): what happened must be looked up before a new key.
    #[error("the payment service failed: {0}")]
    ServerError(String),
    /// The provider is turning requests away for a while (Stripe's 429 `rate_limit` or
    /// `lock_timeout`): the request did not run and nothing is kept under its key.
    #[error("the payment service is rate-limiting the shop: {0}")]
    RateLimited(String),
    /// The provider refuses the shop's credentials (Stripe's 401 or 403: a bad, revoked
    /// or restricted `STRIPE_SECRET_KEY`): a configuration problem, not an answer about
    /// the request, which did not run. Every call fails until an operator fixes the key.
    #[error("the payment service refused the shop's API key ({0}): check STRIPE_SECRET_KEY")]
    Misconfigured(String),
    /// The provider answered with an error: its real refusal of the request (an amount
    /// too large, a charge already refunded, a card declined).
    #[error("the payment service refused: {0}")]
    Refused(String),
    /// The provider does not know the object asked about (Stripe's 404
    /// `resource_missing`): the one answer that proves a session never existed there.
    #[error("the payment service does not know it: {0}")]
    Missing(String),
    /// Another request with the same idempotency key is still running at the provider
    /// (Stripe's 409): wait and resend the identical request, which then gets its answer.
    #[error("the same request is still being handled: {0}")]
    InFlight(String),
    /// The key was first used with other parameters (Stripe's 400 `idempotency_error`):
    /// that key can never succeed again, so the attempt is given up for a new one.
    #[error("the idempotency key was used with other parameters: {0}")]
    KeyReused(String),
}

/// What a failed provider call means for whatever it was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing happened (a rate limit, a refused key, a request still running), or
    /// nobody knows whether it did (a time-out, a lost connection): ask again later,
    /// under the same key. Never a reason to give up on money owed.
    Transient,
    /// The provider keeps this failure under the key (a 5xx, replayed for a day; a key
    /// used with other parameters): find out what happened, then try a new key. Not a
    /// refusal either.
    KeySpoilt,
    /// The provider's own answer: it will not do this (or does not know the object).
    /// Retrying the same request gives the same answer.
    Refused,
}

impl ProviderError {
    /// What the failure means for a retry.
    pub fn fault(&self) -> Fault {
        match self {
            ProviderError::Unreachable(_)
            | ProviderError::RateLimited(_)
            | ProviderError::Misconfigured(_)
            | ProviderError::InFlight(_) => Fault::Transient,
            ProviderError::ServerError(_) | ProviderError::KeyReused(_) => Fault::KeySpoilt,
            ProviderError::Refused(_) | ProviderError::Missing(_) => Fault::Refused,
        }
    }

    /// Whether an operator must fix the shop's configuration (the API key).
    pub fn is_misconfiguration(&self) -> bool {
        matches!(self, ProviderError::Misconfigured(_))
    }
}

/// What an event asks of the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventAction {
    /// A session completed (paid, or an async payment succeeded) or expired.
    Session(SessionState),
    /// A delayed payment (a bank debit) of a completed session failed.
    AsyncPaymentFailed(SessionState),
    /// A dispute (chargeback) was opened, changed or closed.
    Dispute(ProviderDispute),
    /// A refund was created or changed (ours, or one made in Stripe's dashboard).
    Refund(ProviderRefund),
    /// A charge was refunded: the Charge no longer names its refunds (API 2022-11-15),
    /// so `refunds` are read from the Refunds API before the event is applied.
    ChargeRefunded {
        payment_reference: String,
        refunds: Vec<ProviderRefund>,
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
