//! Idempotency against a stand-in as strict as Stripe: random stored keys, a double
//! submit meeting Stripe's 409 while the first request is in flight, a key spoilt by other
//! parameters (400 `idempotency_error`), 5xx answers replayed under their key, and
//! `expires_at` checked against Stripe's own clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use boxoffice::db::schema::payments::dsl;
use diesel::prelude::*;
use support::fixtures::EventSpec;
use support::stripe_shop::{Shop, checkout, payments_of, shop};
use support::stripe_standin::{Failure, StripeStandIn};
use support::visitor::location;
use support::{Visitor, deadline};

async fn holder(shop: &Shop, email: &str) -> (Visitor, i32) {
    let show = shop
        .app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, 10))
        .await;
    let buyer = shop.app.registered(email).await;
    let response = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    (buyer, booking_id)
}

#[tokio::test]
async fn a_double_submit_meets_the_first_request_in_flight_and_gets_its_session() {
    let shop = shop().await;
    let (buyer, booking_id) = holder(&shop, "ann@example.com").await;
    shop.stripe.fail_next(&[Failure::Held]);
    let first = buyer.pay(booking_id);
    let second = async {
        deadline(Duration::from_secs(5), || async {
            !shop
                .stripe
                .requests_to("POST", "/v1/checkout/sessions")
                .is_empty()
        })
        .await;
        buyer.pay(booking_id).await
    };
    // Stripe finishes the first request only once it has answered the second 409.
    let release = async {
        deadline(Duration::from_secs(5), || async {
            shop.stripe.conflicts() > 0
        })
        .await;
        shop.stripe.release_held();
    };
    let (_first, second, ()) = tokio::join!(first, second, release);

    let to = location(&second);
    assert!(
        to.starts_with("https://checkout.stripe.test/c/pay/"),
        "the second click waits for the first request's answer: {to}"
    );
    let sessions = shop.stripe.session_ids();
    assert_eq!(sessions.len(), 1, "one request, one session");
    assert!(to.ends_with(&sessions[0]));
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows.len(), 1, "one attempt");
    assert_eq!(rows[0].status, "open");
    assert_eq!(
        rows[0].provider_session_id.as_deref(),
        Some(sessions[0].as_str())
    );
}

#[tokio::test]
async fn a_key_spoilt_by_other_parameters_gives_way_to_a_new_attempt() {
    let shop = shop().await;
    let (buyer, booking_id) = holder(&shop, "bob@example.com").await;
    // Stripe makes the session but answers after our time-out: the attempt stays open.
    shop.stripe.fail_next(&[Failure::SlowAnswer]);
    buyer.pay(booking_id).await;
    deadline(Duration::from_secs(10), || async {
        shop.stripe.in_flight() == 0
    })
    .await;
    // A row written before requests were stored resends recomputed parameters.
    let payment_id = payments_of(&shop.app, booking_id).await[0].id;
    shop.app
        .with_db(move |c| {
            let stored: String = dsl::payments
                .find(payment_id)
                .select(dsl::request.assume_not_null())
                .first(c)
                .unwrap();
            let mut request: serde_json::Value = serde_json::from_str(&stored).unwrap();
            request["cancel_url"] = serde_json::json!("http://127.0.0.1/elsewhere");
            diesel::update(dsl::payments.find(payment_id))
                .set(dsl::request.eq(request.to_string()))
                .execute(c)
                .unwrap();
        })
        .await;

    let session_id = checkout(&buyer, booking_id).await;
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].status, "failed", "the spoilt attempt is given up");
    assert!(
        rows[0]
            .status_reason
            .as_deref()
            .unwrap()
            .contains("other parameters")
    );
    assert_eq!(rows[1].status, "open");
    assert_eq!(
        rows[1].provider_session_id.as_deref(),
        Some(session_id.as_str())
    );
    let keys: Vec<_> = shop
        .stripe
        .requests_to("POST", "/v1/checkout/sessions")
        .into_iter()
        .map(|r| r.idempotency_key.unwrap())
        .collect();
    assert_ne!(keys.first(), keys.last(), "the new attempt has a new key");
}

#[tokio::test]
async fn two_databases_with_the_same_ids_never_share_a_key() {
    let mut keys = Vec::new();
    for _ in 0..2 {
        let shop = shop().await;
        let (buyer, booking_id) = holder(&shop, "cat@example.com").await;
        checkout(&buyer, booking_id).await;
        let sent = shop.stripe.requests_to("POST", "/v1/checkout/sessions");
        keys.push(sent[0].idempotency_key.clone().unwrap());
    }
    assert_ne!(keys[0], keys[1]);
}

async fn create(stripe: &StripeStandIn, key: &str, expires_in: i64) -> reqwest::Response {
    let expires_at = (chrono::Utc::now().timestamp() + expires_in).to_string();
    reqwest::Client::new()
        .post(format!("{}/v1/checkout/sessions", stripe.base))
        .header("Authorization", "Bearer sk_test_standin")
        .header("Idempotency-Key", key)
        .form(&[("mode", "payment"), ("expires_at", expires_at.as_str())])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_stand_in_checks_expiry_on_its_own_clock_and_replays_a_5xx_under_its_key() {
    let stripe = StripeStandIn::start().await;
    assert_eq!(create(&stripe, "k1", 10 * 60).await.status(), 400);
    assert_eq!(create(&stripe, "k2", 25 * 3600).await.status(), 400);
    assert_eq!(create(&stripe, "k3", 31 * 60).await.status(), 200);

    stripe.fail_next(&[Failure::ServerError]);
    assert_eq!(create(&stripe, "k4", 31 * 60).await.status(), 500);
    let replay = create(&stripe, "k4", 31 * 60).await;
    assert_eq!(replay.status(), 500, "Stripe replays the stored 5xx");
    assert_eq!(replay.headers()["Idempotent-Replayed"], "true");
    assert_eq!(create(&stripe, "k5", 31 * 60).await.status(), 200);
}
