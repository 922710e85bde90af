//! Delayed payment methods and disputes against the Stripe stand-in: a session that
//! completes unpaid (a bank debit) is `processing`, never expired at Stripe, confirmed by
//! `async_payment_succeeded` (with the late-payment rules) or closed by
//! `async_payment_failed`; a dispute keeps the ticket working unless it is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::reconcile;
use boxoffice::app::sweeps;
use chrono::TimeDelta;
use serde_json::json;
use support::Visitor;
use support::fixtures::EventSpec;
use support::stripe_shop::{Shop, checkout, payments_of, shop, webhook};
use support::visitor::location;

/// A buyer holding one seat of `seats` at €25.00: (buyer, ticket id, ticket_type id).
async fn holder(shop: &Shop, email: &str, seats: i32) -> (Visitor, i32, i32) {
    let show = shop
        .app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, seats))
        .await;
    let buyer = shop.app.registered(email).await;
    let response = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    (buyer, booking_id, show.ticket_type_ids[0])
}

#[tokio::test]
async fn a_bank_debit_is_processing_then_confirmed_even_after_the_hold_lapsed() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type) = holder(&shop, "ann@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    let session = shop.stripe.complete_unpaid(&session_id);
    let delivered = webhook(&shop.app, "evt_c", "checkout.session.completed", &session).await;
    assert_eq!(delivered.status(), 200);
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "processing"
    );
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(
        page.contains("Your bank is processing your payment"),
        "{page}"
    );

    // Paying again now could charge twice: refused with a clear word.
    buyer.pay(booking_id).await;
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("still processing"), "{page}");
    assert_eq!(shop.stripe.session_ids().len(), 1);

    // The hold lapses while the bank works: its session is not open, so it is never
    // sent to /expire (Stripe would refuse).
    shop.app.clock.advance(TimeDelta::minutes(16));
    sweeps::sweep_once(&shop.app.state).await;
    reconcile::close_sessions_of_ended_holds(&shop.app.state).await;
    let expire = format!("/v1/checkout/sessions/{session_id}/expire");
    assert!(shop.stripe.requests_to("POST", &expire).is_empty());
    assert_eq!(shop.app.bookings().await[0].status, "expired");
    assert_eq!(shop.app.available(ticket_type).await, 10);

    let paid = shop.stripe.async_paid(&session_id);
    let delivered = webhook(
        &shop.app,
        "evt_async_ok",
        "checkout.session.async_payment_succeeded",
        &paid,
    )
    .await;
    assert_eq!(delivered.status(), 200);
    assert_eq!(
        shop.app.bookings().await[0].status,
        "paid",
        "a seat was still free: the late-payment rule keeps it"
    );
    assert_eq!(shop.app.available(ticket_type).await, 9);
    assert_eq!(payments_of(&shop.app, booking_id).await[0].status, "paid");
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_failed_bank_debit_closes_the_attempt_and_the_buyer_may_pay_again() {
    let shop = shop().await;
    let (buyer, booking_id, _) = holder(&shop, "bob@example.com", 10).await;
    let first = checkout(&buyer, booking_id).await;
    let session = shop.stripe.complete_unpaid(&first);
    webhook(&shop.app, "evt_c", "checkout.session.completed", &session).await;
    let failed = webhook(
        &shop.app,
        "evt_async_fail",
        "checkout.session.async_payment_failed",
        &session,
    )
    .await;
    assert_eq!(failed.status(), 200);
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows[0].status, "failed");
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("did not go through at your bank"), "{page}");
    assert_eq!(shop.app.bookings().await[0].status, "reserved");

    let second = checkout(&buyer, booking_id).await;
    assert_ne!(first, second, "a new session for a new attempt");
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_session_completed_with_no_payment_required_confirms_nothing() {
    let shop = shop().await;
    let (buyer, booking_id, _) = holder(&shop, "cat@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    let session = shop.stripe.update(&session_id, |s| {
        s["status"] = json!("complete");
        s["payment_status"] = json!("no_payment_required");
    });
    webhook(
        &shop.app,
        "evt_free",
        "checkout.session.completed",
        &session,
    )
    .await;
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows[0].status, "failed");
    assert!(
        rows[0]
            .status_reason
            .as_deref()
            .unwrap()
            .contains("nothing was charged")
    );
    assert_eq!(shop.app.bookings().await[0].status, "reserved");
}

async fn paid(shop: &Shop, email: &str) -> (i32, i32, String) {
    let (buyer, booking_id, ticket_type) = holder(shop, email, 10).await;
    let session = shop.stripe.complete(&checkout(&buyer, booking_id).await);
    webhook(
        &shop.app,
        &format!("evt_{email}"),
        "checkout.session.completed",
        &session,
    )
    .await;
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    let intent = session["payment_intent"].as_str().unwrap().to_owned();
    (booking_id, ticket_type, intent)
}

fn dispute(id: &str, intent: &str, status: &str) -> serde_json::Value {
    json!({"id": id, "object": "dispute", "amount": 2500, "currency": "eur",
           "charge": "ch_1", "payment_intent": intent, "status": status, "reason": "fraudulent"})
}

#[tokio::test]
async fn a_dispute_keeps_the_ticket_working_until_it_is_lost() {
    let shop = shop().await;
    let (booking_id, ticket_type, intent) = paid(&shop, "dan@example.com").await;
    let opened = dispute("du_1", &intent, "needs_response");
    webhook(&shop.app, "evt_d1", "charge.dispute.created", &opened).await;
    let row = payments_of(&shop.app, booking_id).await.remove(0);
    assert_eq!(row.dispute_status.as_deref(), Some("open"));
    assert_eq!(row.provider_dispute_id.as_deref(), Some("du_1"));
    assert_eq!(
        shop.app.bookings().await[0].status,
        "paid",
        "still valid at the door"
    );
    let admin = shop.app.admin().await;
    assert!(
        admin
            .page("/admin/payments")
            .await
            .contains("Disputed by the customer")
    );
    let reported = shop
        .app
        .with_db(|c| {
            boxoffice::domain::audit::books::audit(c)
                .unwrap()
                .violations
        })
        .await;
    assert!(
        reported.iter().any(|v| v.contains("disputed")),
        "{reported:?}"
    );

    let lost = dispute("du_1", &intent, "lost");
    webhook(&shop.app, "evt_d2", "charge.dispute.closed", &lost).await;
    let row = payments_of(&shop.app, booking_id).await.remove(0);
    assert_eq!(row.dispute_status.as_deref(), Some("lost"));
    assert_eq!(row.status, "refunded", "the bank took the money back");
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    assert_eq!(shop.app.available(ticket_type).await, 10);
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_won_dispute_leaves_the_booking_as_it_was() {
    let shop = shop().await;
    let (booking_id, ticket_type, intent) = paid(&shop, "eve@example.com").await;
    webhook(
        &shop.app,
        "evt_d1",
        "charge.dispute.created",
        &dispute("du_2", &intent, "needs_response"),
    )
    .await;
    webhook(
        &shop.app,
        "evt_d2",
        "charge.dispute.closed",
        &dispute("du_2", &intent, "won"),
    )
    .await;
    let row = payments_of(&shop.app, booking_id).await.remove(0);
    assert_eq!(row.dispute_status.as_deref(), Some("won"));
    assert_eq!(row.status, "paid");
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    assert_eq!(shop.app.available(ticket_type).await, 9);
    shop.app.assert_books_clean().await;
}
