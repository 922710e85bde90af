//! A buyer cancels a paid booking for a refund where its event allows it (the event's
//! `refund_hours_before`): on the ticket page and through the API, refused where the
//! event does not offer it or its window has closed, once only under a double click, and
//! valid until a pending refund at Stripe succeeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::TimeDelta;
use serde_json::json;
use support::fixtures::EventSpec;
use support::race::together;
use support::stripe_shop::{checkout, shop, webhook};
use support::visitor::location;
use support::{PASSWORD, TestApp};

#[tokio::test]
async fn a_buyer_cancels_a_paid_booking_for_a_refund_on_the_ticket_page() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Flexible")
                .seats("A", 3000, 10)
                .refundable_until(48),
        )
        .await;
    let (buyer, booking_id, _) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("Cancel booking and refund €60.00"), "{page}");
    let cancelled = buyer.cancel(booking_id).await;
    assert_eq!(location(&cancelled), format!("/bookings/{booking_id}"));
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("cancelled and refunded"));
    assert!(!page.contains("Cancel booking and refund"));
    assert_eq!(app.bookings().await[0].status, "refunded");
    assert_eq!(
        app.available(sale.ticket_type_ids[0]).await,
        10,
        "the seats are back on sale"
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn no_refund_where_the_event_does_not_offer_it_or_its_window_has_closed() {
    let app = TestApp::spawn().await;
    let strict = app
        .create_event(EventSpec::new("Strict").seats("A", 3000, 10))
        .await;
    let flexible = app
        .create_event(
            EventSpec::new("Closing")
                .seats("B", 3000, 10)
                .refundable_until(24),
        )
        .await;
    let (web, strict_booking, _) = app
        .paid_booking(
            "strict@example.com",
            strict.event_id,
            strict.ticket_type_ids[0],
            1,
        )
        .await;
    assert!(
        !web.page(&format!("/bookings/{strict_booking}"))
            .await
            .contains("Cancel booking and refund")
    );
    let refused = web.cancel(strict_booking).await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("does not offer refunds")
    );

    let (_, late_booking, _) = app
        .paid_booking(
            "late@example.com",
            flexible.event_id,
            flexible.ticket_type_ids[0],
            1,
        )
        .await;
    let api = app.api().logged_in("late@example.com", PASSWORD).await;
    let shown = api.get(&format!("/bookings/{late_booking}")).await;
    assert!(shown.json["refundable_until"].is_string());
    // Six days and an hour pass: the event starts in 23 hours, inside the 24 before it.
    app.clock.advance(TimeDelta::days(6) + TimeDelta::hours(1));
    let api = app.api().logged_in("late@example.com", PASSWORD).await;
    let closed = api
        .post(&format!("/bookings/{late_booking}/cancel"), &json!({}))
        .await;
    assert_eq!((closed.status, closed.code()), (409, "not_refundable"));
    assert!(closed.json["detail"].as_str().unwrap().contains("24 hours"));
    let strict_api = app.api().logged_in("strict@example.com", PASSWORD).await;
    let strict_refused = strict_api
        .post(&format!("/bookings/{strict_booking}/cancel"), &json!({}))
        .await;
    assert_eq!(strict_refused.code(), "not_refundable");
    assert!(app.bookings().await.iter().all(|t| t.status == "paid"));
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_double_click_refunds_once() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Twice")
                .seats("A", 3000, 10)
                .refundable_until(0),
        )
        .await;
    let (_, booking_id, _) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            1,
        )
        .await;
    let api = app.api().logged_in("buyer@example.com", PASSWORD).await;
    let path = format!("/bookings/{booking_id}/cancel");
    let (a, b) = together(
        {
            let (api, path) = (api.clone(), path.clone());
            async move { api.post(&path, &json!({})).await }
        },
        {
            let (api, path) = (api.clone(), path.clone());
            async move { api.post(&path, &json!({})).await }
        },
    )
    .await;
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{:?} / {:?}", a.json, b.json);
    let loser = if a.status == 409 { &a } else { &b };
    assert!(
        ["refund_under_way", "not_paid"].contains(&loser.code()),
        "{:?}",
        loser.json
    );
    let refunds = app
        .with_db(|c| boxoffice::db::refunds::all(c).unwrap())
        .await;
    assert_eq!(refunds.len(), 1, "one refund");
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_pending_refund_at_stripe_keeps_the_booking_valid_until_it_succeeds() {
    let shop = shop().await;
    let sale = shop
        .app
        .create_event(
            EventSpec::new("Pending")
                .seats("A", 2500, 10)
                .refundable_until(24),
        )
        .await;
    let buyer = shop.app.registered("buyer@example.com").await;
    let reserved = buyer.reserve(sale.event_id, sale.ticket_type_ids[0]).await;
    let booking_id: i32 = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = shop.stripe.complete(&checkout(&buyer, booking_id).await);
    webhook(
        &shop.app,
        "evt_paid",
        "checkout.session.completed",
        &session,
    )
    .await;
    shop.stripe.refunds_pending();
    let api = shop
        .app
        .api()
        .logged_in("buyer@example.com", PASSWORD)
        .await;
    let asked = api
        .post(&format!("/bookings/{booking_id}/cancel"), &json!({}))
        .await;
    assert_eq!(asked.status, 200, "{:?}", asked.json);
    assert_eq!(
        asked.json["status"], "paid",
        "valid until the money is back"
    );
    let again = api
        .post(&format!("/bookings/{booking_id}/cancel"), &json!({}))
        .await;
    assert_eq!((again.status, again.code()), (409, "refund_under_way"));
    let refund = shop.stripe.refunds().pop().unwrap();
    let settled = shop
        .stripe
        .settle_refund(refund["id"].as_str().unwrap(), "succeeded");
    webhook(&shop.app, "evt_refund_ok", "refund.updated", &settled).await;
    assert_eq!(
        api.get(&format!("/bookings/{booking_id}")).await.json["status"],
        "refunded"
    );
    assert_eq!(shop.app.available(sale.ticket_type_ids[0]).await, 10);
    shop.app.assert_books_clean().await;
}
