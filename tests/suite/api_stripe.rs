//! The partner script against the Stripe stand-in, through the API only: log in,
//! list events, book 2 seats with an idempotency key, retry it, pay on the returned
//! Stripe Checkout URL, and read the codes back once Stripe's webhook arrives. Stripe
//! down answers 503 and keeps the hold.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::PASSWORD;
use support::fixtures::EventSpec;
use support::stripe_shop::{shop, webhook};
use support::stripe_standin::Failure;

#[tokio::test]
async fn a_partner_script_books_pays_on_stripe_and_reads_its_codes() {
    let shop = shop().await;
    let app = &shop.app;
    app.create_event(EventSpec::new("Stripe night").seats("Floor", 4200, 20))
        .await;
    app.api_user("partner@example.com").await;
    // Only what the document describes from here on.
    let api = app.api().logged_in("partner@example.com", PASSWORD).await;
    let events = api.get("/events").await;
    let event = &events.json["results"][0];
    let (event_id, type_id) = (
        event["id"].as_i64().unwrap(),
        event["ticket_types"][0]["id"].as_i64().unwrap(),
    );
    let book = json!({"ticket_type_id": type_id, "quantity": 2});
    let path = format!("/events/{event_id}/bookings");
    let held = api.post_keyed(&path, "partner-order-77", &book).await;
    assert_eq!(held.status, 201);
    let retried = api.post_keyed(&path, "partner-order-77", &book).await;
    assert_eq!(retried.json, held.json, "a retry is safe");
    let booking = held.json["id"].as_i64().unwrap();

    // Stripe is down: 503, the hold stands, and a retry later works.
    shop.stripe.fail_next(&[Failure::ServerError]);
    let down = api
        .post_keyed(
            &format!("/bookings/{booking}/checkout"),
            "pay-a",
            &json!({}),
        )
        .await;
    assert_eq!((down.status, down.code()), (503, "unavailable"));
    assert!(down.header("retry-after").is_some());
    assert_eq!(
        api.get(&format!("/bookings/{booking}")).await.json["status"],
        "reserved"
    );

    let checkout = api
        .post_keyed(
            &format!("/bookings/{booking}/checkout"),
            "pay-b",
            &json!({}),
        )
        .await;
    assert_eq!(checkout.status, 200, "{:?}", checkout.json);
    let url = checkout.json["checkout_url"].as_str().unwrap();
    let session_id = url
        .strip_prefix("https://checkout.stripe.test/c/pay/")
        .expect("Stripe's hosted page");
    // The buyer pays on Stripe's page; Stripe tells the shop.
    let session = shop.stripe.complete(session_id);
    let told = webhook(app, "evt_api_1", "checkout.session.completed", &session).await;
    assert_eq!(told.status(), 200);

    let paid = api.get(&format!("/bookings/{booking}")).await;
    assert_eq!(paid.json["status"], "paid");
    assert_eq!(paid.json["seats"].as_array().map(Vec::len), Some(2));
    assert_eq!(paid.json["total"]["amount_minor"], 8400);
    assert_eq!(
        shop.stripe.session_ids().len(),
        1,
        "one Checkout Session, whatever the retries"
    );
    app.assert_books_clean().await;
}
