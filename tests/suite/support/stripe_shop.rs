//! A shop whose payments go to the Stripe stand-in, and the steps the Stripe tests share:
//! paying (to the session id Stripe's page would show), reading a ticket's payments, and
//! delivering signed webhook events.

use boxoffice::db::models::Payment;
use boxoffice::db::payment_attempts;
use boxoffice::providers::signature;
use serde_json::Value;

use super::stripe_standin::StripeStandIn;
use super::visitor::location;
use super::{TestApp, Visitor};

pub const WEBHOOK_SECRET: &str = "whsec_standin";

pub struct Shop {
    pub app: TestApp,
    pub stripe: StripeStandIn,
}

/// The app, configured for Stripe at a fresh stand-in (1 s provider time-out: long
/// enough for a loaded 2-core machine, shorter than the stand-in's slow answer).
pub async fn shop() -> Shop {
    let stripe = StripeStandIn::start().await;
    let app = TestApp::spawn_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_standin"),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("STRIPE_API_BASE", &stripe.base),
        ("PAYMENT_TIMEOUT_MS", "1000"),
    ])
    .await;
    Shop { app, stripe }
}

/// Pay → the session id the user was sent to.
pub async fn checkout(buyer: &Visitor, booking_id: i32) -> String {
    let response = buyer.pay(booking_id).await;
    let to = location(&response);
    to.strip_prefix("https://checkout.stripe.test/c/pay/")
        .unwrap_or_else(|| panic!("not sent to Stripe: {to}"))
        .to_owned()
}

pub async fn payments_of(app: &TestApp, booking_id: i32) -> Vec<Payment> {
    app.with_db(move |c| payment_attempts::for_booking(c, booking_id).expect("payments"))
        .await
}

/// POSTs a webhook body with this `Stripe-Signature` header.
pub async fn deliver(app: &TestApp, body: &str, header: &str) -> reqwest::Response {
    app.visitor()
        .client
        .post(format!("{}/webhooks/stripe", app.address))
        .header("Stripe-Signature", header)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("webhook delivery")
}

/// Delivers an event about `object`, signed at the shop's "now" (tests move the shop's
/// clock forward).
pub async fn webhook(
    app: &TestApp,
    event_id: &str,
    event_type: &str,
    object: &Value,
) -> reqwest::Response {
    let body = StripeStandIn::event(event_id, event_type, object);
    let header = signature::sign(
        body.as_bytes(),
        WEBHOOK_SECRET,
        app.clock.now().and_utc().timestamp(),
    );
    deliver(app, &body, &header).await
}
