//! Refunds as rows with a lifecycle, against a stand-in whose refunds start `pending`:
//! settled by Stripe's refund events or by reconciliation, a failed refund shown and
//! reported until an admin retries it under a new key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::reconcile;
use boxoffice::db::{models::Refund, refunds};
use chrono::TimeDelta;
use support::Visitor;
use support::fixtures::EventSpec;
use support::stripe_shop::{Shop, checkout, payments_of, shop, webhook};
use support::visitor::location;

/// A paid booking at €25.00: (buyer, ticket id, ticket_type id).
async fn paid(shop: &Shop, email: &str) -> (Visitor, i32, i32) {
    let show = shop
        .app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, 10))
        .await;
    let buyer = shop.app.registered(email).await;
    let response = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id: i32 = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = shop.stripe.complete(&checkout(&buyer, booking_id).await);
    webhook(
        &shop.app,
        &format!("evt_paid_{email}"),
        "checkout.session.completed",
        &session,
    )
    .await;
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    (buyer, booking_id, show.ticket_type_ids[0])
}

async fn refund_rows(shop: &Shop, booking_id: i32) -> Vec<Refund> {
    let payment_id = payments_of(&shop.app, booking_id).await[0].id;
    shop.app
        .with_db(move |c| refunds::for_payment(c, payment_id).unwrap())
        .await
}

async fn violations(shop: &Shop) -> Vec<String> {
    shop.app
        .with_db(|c| {
            boxoffice::domain::audit::books::audit(c)
                .unwrap()
                .violations
        })
        .await
}

#[tokio::test]
async fn a_pending_refund_settles_the_books_only_when_stripe_says_it_succeeded() {
    let shop = shop().await;
    let (_, booking_id, ticket_type) = paid(&shop, "ann@example.com").await;
    shop.stripe.refunds_pending();
    let admin = shop.app.admin().await;
    admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(
        admin
            .page("/admin/payments")
            .await
            .contains("Refund requested")
    );
    let rows = refund_rows(&shop, booking_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "pending");
    assert_eq!(
        shop.app.bookings().await[0].status,
        "paid",
        "not before the money is back"
    );
    assert!(violations(&shop).await[0].contains("pending at the provider"));

    let provider_id = rows[0].provider_refund_id.clone().unwrap();
    let settled = shop.stripe.settle_refund(&provider_id, "succeeded");
    assert_eq!(
        webhook(&shop.app, "evt_ref_ok", "refund.updated", &settled)
            .await
            .status(),
        200
    );
    assert_eq!(refund_rows(&shop, booking_id).await[0].status, "succeeded");
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "refunded"
    );
    assert_eq!(shop.app.available(ticket_type).await, 10);
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn reconciliation_settles_a_pending_refund_whose_event_was_lost() {
    let shop = shop().await;
    let (_, booking_id, _) = paid(&shop, "bob@example.com").await;
    shop.stripe.refunds_pending();
    let admin = shop.app.admin().await;
    admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    let provider_id = refund_rows(&shop, booking_id).await[0]
        .provider_refund_id
        .clone()
        .unwrap();
    shop.stripe.settle_refund(&provider_id, "succeeded");

    shop.app.clock.advance(TimeDelta::minutes(3));
    assert_eq!(reconcile::reconcile(&shop.app.state).await, 1);
    assert_eq!(
        shop.stripe
            .requests_to("GET", &format!("/v1/refunds/{provider_id}"))
            .len(),
        1
    );
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_failed_refund_is_reported_until_an_admin_retries_it_under_a_new_key() {
    let shop = shop().await;
    let (_, booking_id, _) = paid(&shop, "cat@example.com").await;
    shop.stripe.refunds_pending();
    let admin = shop.app.admin().await;
    admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    let first = refund_rows(&shop, booking_id).await[0].clone();
    let failed = shop
        .stripe
        .settle_refund(first.provider_refund_id.as_deref().unwrap(), "failed");
    assert_eq!(
        webhook(&shop.app, "evt_ref_failed", "refund.failed", &failed)
            .await
            .status(),
        200
    );
    assert_eq!(refund_rows(&shop, booking_id).await[0].status, "failed");
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "refund_pending"
    );
    let reported = violations(&shop).await;
    assert!(
        reported[0].contains("failed at the provider")
            && reported[0].contains("expired_or_canceled_card"),
        "{reported:?}"
    );
    // Reconciliation does not hammer a refund the provider failed.
    shop.app.clock.advance(TimeDelta::minutes(3));
    reconcile::reconcile(&shop.app.state).await;
    assert_eq!(shop.stripe.requests_to("POST", "/v1/refunds").len(), 1);

    let payment_id = payments_of(&shop.app, booking_id).await[0].id;
    admin
        .post(
            &format!("/admin/payments/{payment_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    let rows = refund_rows(&shop, booking_id).await;
    assert_eq!(rows.len(), 2, "a new refund");
    assert_ne!(
        rows[0].idempotency_key, first.idempotency_key,
        "with a new key"
    );
    let second = shop
        .stripe
        .settle_refund(rows[0].provider_refund_id.as_deref().unwrap(), "succeeded");
    webhook(&shop.app, "evt_ref_ok2", "refund.updated", &second).await;
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    shop.app.assert_books_clean().await;
}
