//! The Stripe adapter: Checkout Sessions and refunds through async-stripe, with an
//! idempotency key on every creating call and a time limit on every call.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime};
use stripe::{
    ApiErrorsType, Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError,
    StripeRequest,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, ExpireCheckoutSession, ProductData,
    RetrieveCheckoutSession,
};
use stripe_checkout::{
    CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus, CheckoutSessionStatus,
};
use stripe_core::Refund;
use stripe_core::refund::{CreateRefund, ListRefund, RetrieveRefund};

use stripe_types::Currency;

use super::stripe_event::from_stripe_amount;
use super::{
    CheckoutRequest, CreatedSession, ProviderError, ProviderRefund, RefundState, SessionState,
    SessionStatus,
};
use crate::config::StripeSettings;
use crate::domain::payments::money::Money;

pub struct StripeGateway {
    client: Client,
    timeout: Duration,
}

/// Stripe's errors in the shop's terms (`ProviderError::fault` says what each means). A
/// rejected key is logged here, once per call, as the configuration problem it is.
fn provider_error(error: StripeError) -> ProviderError {
    let error = match error {
        StripeError::Stripe(details, status) => {
            let message = details.message.clone().unwrap_or_default();
            let code = details.code.as_ref().map(|c| c.as_str().to_owned());
            match status {
                404 => ProviderError::Missing(message),
                409 => ProviderError::InFlight(message),
                429 => ProviderError::RateLimited(message),
                _ if code.as_deref() == Some("rate_limit") => ProviderError::RateLimited(message),
                401 | 403 => ProviderError::Misconfigured(format!("{status}: {message}")),
                400 if details.type_ == ApiErrorsType::IdempotencyError => {
                    ProviderError::KeyReused(message)
                }
                _ if status < 500 => ProviderError::Refused(match code {
                    Some(code) => format!("{status} {code}: {message}"),
                    None => format!("{status}: {message}"),
                }),
                _ => ProviderError::ServerError(format!("Stripe answered {status}")),
            }
        }
        StripeError::Timeout => ProviderError::Unreachable("timed out".into()),
        StripeError::ClientError(message) => ProviderError::Unreachable(message),
        // An answer we cannot read (a proxy's error page, a field this client does not
        // know): whatever Stripe did stays unknown, so it is asked again under the key.
        StripeError::JSONDeserialize(message) => {
            ProviderError::Unreachable(format!("unreadable answer: {message}"))
        }
        StripeError::ConfigError(message) => ProviderError::Misconfigured(message),
    };
    if error.is_misconfiguration() {
        log::error!(
            "configuration problem: {error}. STRIPE_SECRET_KEY is bad, revoked or lacks \
             permissions; no Stripe call can succeed until it is replaced (refunds and \
             reconciliation keep retrying)"
        );
    }
    error
}

fn idempotent(key: &str) -> Result<RequestStrategy, ProviderError> {
    let key = IdempotencyKey::new(key)
        .map_err(|e| ProviderError::Refused(format!("idempotency key: {e}")))?;
    Ok(RequestStrategy::Idempotent(key))
}

fn from_unix(seconds: i64) -> NaiveDateTime {
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .naive_utc()
}

impl StripeGateway {
    pub fn new(settings: &StripeSettings, timeout: Duration) -> Result<StripeGateway, String> {
        let mut builder = ClientBuilder::new(settings.secret_key.expose()).timeout(timeout);
        if let Some(base) = &settings.api_base {
            // async-stripe joins the base and "v1/…" as text: it needs the slash.
            builder = builder.url(format!("{}/", base.trim_end_matches('/')));
        }
        let client = builder.build().map_err(|e| format!("Stripe client: {e}"))?;
        Ok(StripeGateway { client, timeout })
    }

    /// Runs a Stripe call under our own time limit too (connect and read included).
    async fn within_time<T>(
        &self,
        call: impl Future<Output = Result<T, StripeError>>,
    ) -> Result<T, ProviderError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result.map_err(provider_error),
            Err(_) => Err(ProviderError::Unreachable("timed out".into())),
        }
    }

    pub async fn create_session(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CreatedSession, ProviderError> {
        let currency =
            Currency::from_str(&request.currency.to_ascii_lowercase()).map_err(|_| {
                ProviderError::Refused(format!("unsupported currency {}", request.currency))
            })?;
        // Stripe's unit is the currency's minor unit as Stripe defines it (ISO 4217's
        // for every currency the shop can sell; see `Money::stripe_amount`). One line
        // item: the unit price, times the booking's quantity.
        let amount = Money::from_stored(request.unit_amount_pennies, &request.currency)
            .stripe_amount()
            .ok_or_else(|| {
                ProviderError::Refused(format!(
                    "{} {} cannot be charged exactly",
                    request.unit_amount_pennies, request.currency
                ))
            })?;
        let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
        price.unit_amount = Some(amount);
        price.product_data = Some(ProductData::new(request.product_name.clone()));
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price_data = Some(price);
        let quantity = u64::try_from(request.quantity)
            .map_err(|_| ProviderError::Refused(format!("quantity {}", request.quantity)))?;
        item.quantity = Some(quantity);
        let metadata = HashMap::from([
            ("payment_id".to_owned(), request.payment_id.to_string()),
            ("ticket_id".to_owned(), request.booking_id.to_string()),
            ("user_id".to_owned(), request.user_id.to_string()),
            ("event_id".to_owned(), request.event_id.to_string()),
            ("hold_number".to_owned(), request.hold_number.to_string()),
        ]);
        // The PaymentIntent carries our ids too, so a refund or a dispute made on it in
        // Stripe's dashboard names the booking it belongs to.
        let mut intent = CreateCheckoutSessionPaymentIntentData::new();
        intent.metadata = Some(HashMap::from([
            ("payment_id".to_owned(), request.payment_id.to_string()),
            ("ticket_id".to_owned(), request.booking_id.to_string()),
            ("event_id".to_owned(), request.event_id.to_string()),
        ]));
        let call = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(vec![item])
            .client_reference_id(request.booking_id.to_string())
            .customer_email(request.customer_email.clone())
            .metadata(metadata)
            .payment_intent_data(intent)
            .success_url(request.success_url.clone())
            .cancel_url(request.cancel_url.clone())
            .expires_at(request.expires_at.and_utc().timestamp())
            .customize()
            .request_strategy(idempotent(&request.idempotency_key)?);
        let session = self.within_time(call.send(&self.client)).await?;
        let url = session.url.clone().ok_or_else(|| {
            ProviderError::Refused("Stripe returned a session without a URL".into())
        })?;
        Ok(CreatedSession {
            id: session.id.to_string(),
            url,
            expires_at: from_unix(session.expires_at),
        })
    }

    pub async fn retrieve_session(&self, session_id: &str) -> Result<SessionState, ProviderError> {
        let session = self
            .within_time(RetrieveCheckoutSession::new(session_id).send(&self.client))
            .await?;
        Ok(session_state(&session))
    }

    pub async fn expire_session(&self, session_id: &str) -> Result<(), ProviderError> {
        self.within_time(ExpireCheckoutSession::new(session_id).send(&self.client))
            .await
            .map(|_| ())
    }

    pub async fn refund(
        &self,
        payment_reference: &str,
        amount: i64,
        idempotency_key: &str,
        refund_row: i32,
    ) -> Result<ProviderRefund, ProviderError> {
        let call = CreateRefund::new()
            .payment_intent(payment_reference)
            .amount(amount)
            .metadata(HashMap::from([(
                REFUND_ROW.to_owned(),
                refund_row.to_string(),
            )]))
            .customize()
            .request_strategy(idempotent(idempotency_key)?);
        let refund = self.within_time(call.send(&self.client)).await?;
        Ok(provider_refund(&refund))
    }

    pub async fn refunds_of(
        &self,
        payment_reference: &str,
    ) -> Result<Vec<ProviderRefund>, ProviderError> {
        let call = ListRefund::new()
            .payment_intent(payment_reference)
            .limit(100);
        let list = self.within_time(call.send(&self.client)).await?;
        Ok(list.data.iter().map(provider_refund).collect())
    }

    pub async fn retrieve_refund(&self, refund_id: &str) -> Result<ProviderRefund, ProviderError> {
        let refund = self
            .within_time(RetrieveRefund::new(refund_id).send(&self.client))
            .await?;
        Ok(provider_refund(&refund))
    }
}

/// The metadata key naming our refund row on a Stripe refund.
pub const REFUND_ROW: &str = "boxoffice_refund_id";

fn provider_refund(refund: &Refund) -> ProviderRefund {
    ProviderRefund {
        id: refund.id.to_string(),
        state: RefundState::from_stripe(refund.status.as_deref()),
        amount: refund.amount,
        payment_reference: refund.payment_intent.as_ref().map(|p| p.id().to_string()),
        refund_row: refund
            .metadata
            .as_ref()
            .and_then(|m| m.get(REFUND_ROW))
            .and_then(|id| id.parse().ok()),
        failure_reason: refund.failure_reason.clone(),
    }
}

fn session_state(session: &CheckoutSession) -> SessionState {
    let currency = session
        .currency
        .as_ref()
        .map(|c| c.to_string().to_ascii_uppercase());
    SessionState {
        id: session.id.to_string(),
        status: match session.status {
            Some(CheckoutSessionStatus::Complete) => SessionStatus::Complete,
            Some(CheckoutSessionStatus::Expired) => SessionStatus::Expired,
            _ => SessionStatus::Open,
        },
        paid: matches!(session.payment_status, CheckoutSessionPaymentStatus::Paid),
        no_payment_required: matches!(
            session.payment_status,
            CheckoutSessionPaymentStatus::NoPaymentRequired
        ),
        amount_total: session
            .amount_total
            .map(|amount| from_stripe_amount(amount, currency.as_deref())),
        currency,
        payment_reference: session.payment_intent.as_ref().map(|p| p.id().to_string()),
        payment_id: session
            .metadata
            .as_ref()
            .and_then(|m| m.get("payment_id"))
            .and_then(|id| id.parse().ok()),
    }
}

#[cfg(test)]
mod tests {
    use stripe::{ApiErrors, ApiErrorsCode};

    use super::*;
    use crate::providers::Fault;

    fn answer(status: u16, type_: ApiErrorsType, code: Option<ApiErrorsCode>) -> StripeError {
        StripeError::Stripe(
            Box::new(ApiErrors {
                advice_code: None,
                charge: None,
                code,
                decline_code: None,
                doc_url: None,
                message: Some("said Stripe".into()),
                network_advice_code: None,
                network_decline_code: None,
                param: None,
                payment_intent: None,
                payment_method: None,
                payment_method_type: None,
                request_log_url: None,
                setup_intent: None,
                source: None,
                type_,
            }),
            status,
        )
    }

    fn fault(error: StripeError) -> (Fault, bool) {
        let error = provider_error(error);
        (error.fault(), error.is_misconfiguration())
    }

    #[test]
    fn rate_limits_keys_outages_and_silence_are_transient_and_only_refusals_refuse() {
        use ApiErrorsType::{ApiError, IdempotencyError, InvalidRequestError};
        let transient = (Fault::Transient, false);
        let cases = [
            (
                answer(429, InvalidRequestError, Some(ApiErrorsCode::RateLimit)),
                transient,
            ),
            (answer(429, InvalidRequestError, None), transient),
            (
                answer(400, InvalidRequestError, Some(ApiErrorsCode::RateLimit)),
                transient,
            ),
            (
                answer(401, InvalidRequestError, None),
                (Fault::Transient, true),
            ),
            (
                answer(403, InvalidRequestError, None),
                (Fault::Transient, true),
            ),
            (answer(409, IdempotencyError, None), transient),
            (StripeError::Timeout, transient),
            (
                StripeError::ClientError("connection refused".into()),
                transient,
            ),
            (StripeError::JSONDeserialize("<html>".into()), transient),
            (
                StripeError::ConfigError("bad base".into()),
                (Fault::Transient, true),
            ),
            (answer(500, ApiError, None), (Fault::KeySpoilt, false)),
            (answer(503, ApiError, None), (Fault::KeySpoilt, false)),
            (
                answer(400, IdempotencyError, None),
                (Fault::KeySpoilt, false),
            ),
            (
                answer(
                    400,
                    InvalidRequestError,
                    Some(ApiErrorsCode::ChargeAlreadyRefunded),
                ),
                (Fault::Refused, false),
            ),
            (
                answer(400, InvalidRequestError, None),
                (Fault::Refused, false),
            ),
            (
                answer(402, InvalidRequestError, None),
                (Fault::Refused, false),
            ),
            (
                answer(404, InvalidRequestError, None),
                (Fault::Refused, false),
            ),
        ];
        for (error, expected) in cases {
            let shown = format!("{error:?}");
            assert_eq!(fault(error), expected, "{shown}");
        }
    }

    #[test]
    fn a_refusal_names_stripes_code() {
        let error = provider_error(answer(
            400,
            ApiErrorsType::InvalidRequestError,
            Some(ApiErrorsCode::ChargeAlreadyRefunded),
        ));
        assert!(
            error.to_string().contains("charge_already_refunded"),
            "{error}"
        );
    }
}
