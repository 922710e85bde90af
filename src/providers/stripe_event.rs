//! Reading the webhook events we act on from Stripe's JSON (after the signature check).
//! Only the fields we use are read, so new fields in Stripe's API never break us.

use serde_json::Value;

use super::{
    DisputeOutcome, EventAction, ProviderDispute, ProviderEvent, ProviderRefund, RefundState,
    SessionState, SessionStatus,
};
use crate::domain::payments::money::{Currency, Money};

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// An id that may be expanded into an object (`"pi_1"` or `{"id": "pi_1", …}`).
fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Object(object) => object.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// An amount Stripe reported, in the currency's ISO 4217 minor units (unchanged when it
/// cannot be converted exactly, so a mismatch still shows as one).
pub fn from_stripe_amount(amount: i64, currency: Option<&str>) -> i64 {
    match currency.map(Currency::parse) {
        Some(Ok(currency)) => Money::pennies_from_stripe(amount, &currency).unwrap_or(amount),
        _ => amount,
    }
}

/// A Checkout Session object as our `SessionState`.
pub fn session_from_json(object: &Value) -> Option<SessionState> {
    let status = match object.get("status").and_then(Value::as_str) {
        Some("complete") => SessionStatus::Complete,
        Some("expired") => SessionStatus::Expired,
        _ => SessionStatus::Open,
    };
    let currency = text(object, "currency").map(|c| c.to_ascii_uppercase());
    Some(SessionState {
        id: text(object, "id")?,
        status,
        paid: object.get("payment_status").and_then(Value::as_str) == Some("paid"),
        no_payment_required: object.get("payment_status").and_then(Value::as_str)
            == Some("no_payment_required"),
        amount_total: object
            .get("amount_total")
            .and_then(Value::as_i64)
            .map(|amount| from_stripe_amount(amount, currency.as_deref())),
        currency,
        payment_reference: id_of(object.get("payment_intent")),
        payment_id: object
            .get("metadata")
            .and_then(|m| m.get("payment_id"))
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok()),
    })
}

/// A Refund object as our `ProviderRefund`.
pub fn refund_from_json(object: &Value) -> Option<ProviderRefund> {
    Some(ProviderRefund {
        id: text(object, "id")?,
        state: RefundState::from_stripe(object.get("status").and_then(Value::as_str)),
        amount: object.get("amount").and_then(Value::as_i64).unwrap_or(0),
        payment_reference: id_of(object.get("payment_intent")),
        refund_row: object
            .get("metadata")
            .and_then(|m| m.get(super::stripe::REFUND_ROW))
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok()),
        failure_reason: text(object, "failure_reason"),
    })
}

/// A Dispute object as our `ProviderDispute`.
pub fn dispute_from_json(object: &Value) -> Option<ProviderDispute> {
    let outcome = match object.get("status").and_then(Value::as_str) {
        Some("won" | "warning_closed") => DisputeOutcome::Won,
        Some("lost") => DisputeOutcome::Lost,
        _ => DisputeOutcome::Open,
    };
    Some(ProviderDispute {
        id: text(object, "id")?,
        payment_reference: id_of(object.get("payment_intent"))?,
        outcome,
    })
}

/// Parses an event body; `Err` when it is not an event at all.
pub fn parse(body: &[u8]) -> Result<ProviderEvent, String> {
    let event: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let id = text(&event, "id").ok_or("no event id")?;
    let event_type = text(&event, "type").ok_or("no event type")?;
    let object = event
        .get("data")
        .and_then(|d| d.get("object"))
        .ok_or("no data.object")?;
    let action = match event_type.as_str() {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.expired" => {
            EventAction::Session(session_from_json(object).ok_or("a session without an id")?)
        }
        "checkout.session.async_payment_failed" => EventAction::AsyncPaymentFailed(
            session_from_json(object).ok_or("a session without an id")?,
        ),
        "charge.dispute.created" | "charge.dispute.updated" | "charge.dispute.closed" => {
            EventAction::Dispute(dispute_from_json(object).ok_or("a dispute without an id")?)
        }
        "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
            EventAction::Refund(refund_from_json(object).ok_or("a refund without an id")?)
        }
        "charge.refunded" => EventAction::ChargeRefunded {
            payment_reference: id_of(object.get("payment_intent"))
                .ok_or("a charge without a payment_intent")?,
            refunds: Vec::new(),
        },
        _ => EventAction::Ignored,
    };
    Ok(ProviderEvent {
        id,
        event_type,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_session_event_is_read() {
        let body = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{
            "id":"cs_1","object":"checkout.session","status":"complete","payment_status":"paid",
            "amount_total":2500,"currency":"eur","payment_intent":"pi_1","metadata":{"payment_id":"7"}}}}"#;
        let event = parse(body).unwrap();
        assert_eq!(event.id, "evt_1");
        let EventAction::Session(session) = event.action else {
            panic!("a session event")
        };
        assert!(session.paid);
        assert_eq!(session.status, SessionStatus::Complete);
        assert_eq!(session.currency.as_deref(), Some("EUR"));
        assert_eq!(session.payment_reference.as_deref(), Some("pi_1"));
        assert_eq!(session.payment_id, Some(7));
    }

    #[test]
    fn other_types_are_ignored_and_garbage_is_an_error() {
        let body = br#"{"id":"evt_2","type":"customer.created","data":{"object":{"id":"cus_1"}}}"#;
        assert_eq!(parse(body).unwrap().action, EventAction::Ignored);
        assert!(parse(b"not json").is_err());
        assert!(parse(br#"{"type":"x"}"#).is_err());
    }
}
