//! Paying for a booking of 3 seats through the Stripe stand-in: one line item of
//! quantity 3 at the unit price, confirmation by webhook and success page with a code
//! per seat, a late payment that needs all 3 seats back, a second payment, a payment of
//! one seat's price for three, and an admin refund returning all 3 seats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::sweeps;
use chrono::TimeDelta;
use serde_json::json;
use support::Visitor;
use support::fixtures::EventSpec;
use support::stripe_shop::{Shop, checkout, payments_of, shop, webhook};
use support::visitor::location;

/// A buyer holding 3 seats of a €25.00 type of `seats`: (buyer, ticket id, ticket_type, event).
async fn holder_of_three(shop: &Shop, email: &str, seats: i32) -> (Visitor, i32, i32, i32) {
    let show = shop
        .app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, seats))
        .await;
    let buyer = shop.app.registered(email).await;
    let booking_id = reserve(&buyer, show.event_id, show.ticket_type_ids[0], "3").await;
    (buyer, booking_id, show.ticket_type_ids[0], show.event_id)
}

async fn reserve(buyer: &Visitor, event_id: i32, ticket_type_id: i32, quantity: &str) -> i32 {
    let response = buyer.reserve_n(event_id, ticket_type_id, quantity).await;
    location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn three_seats_are_one_line_item_of_quantity_three_and_get_three_codes() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder_of_three(&shop, "ann@example.com", 10).await;
    assert_eq!(shop.app.available(ticket_type).await, 7);
    let session_id = checkout(&buyer, booking_id).await;
    let created = shop.stripe.requests_to("POST", "/v1/checkout/sessions");
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].field("line_items[0][price_data][unit_amount]"),
        Some("2500")
    );
    assert_eq!(created[0].field("line_items[0][quantity]"), Some("3"));
    assert!(
        created[0].field("line_items[1][quantity]").is_none(),
        "one line item"
    );
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].amount_pennies,
        7500
    );

    let session = shop.stripe.complete(&session_id);
    assert_eq!(session["amount_total"], json!(7500));
    assert_eq!(
        webhook(&shop.app, "evt_3", "checkout.session.completed", &session)
            .await
            .status(),
        200
    );
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    let back = buyer
        .get(&format!("/checkout/success?session_id={session_id}"))
        .await;
    assert_eq!(location(&back), format!("/bookings/{booking_id}"));
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert_eq!(page.matches("<svg").count(), 3);
    let seats = shop.app.admissions().await;
    assert_eq!(seats.len(), 3);
    for seat in &seats {
        assert!(page.contains(&format!("QR code of ticket {}", seat.code)));
    }
    assert_eq!(shop.app.available(ticket_type).await, 7);
    shop.app.assert_books_clean().await;

    // An admin refund sends back 3 × €25.00 and puts the 3 seats back on sale.
    let admin = shop.app.admin().await;
    admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    let refunds = shop.stripe.requests_to("POST", "/v1/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].field("amount"), Some("7500"));
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    assert_eq!(shop.app.available(ticket_type).await, 10);
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_late_payment_retakes_all_three_seats_or_is_refunded_in_full() {
    let shop = shop().await;
    // Three seats still free: the late payment takes them again.
    let (buyer, booking_id, ticket_type, _) = holder_of_three(&shop, "fay@example.com", 5).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(sweeps::sweep_once(&shop.app.state).await, 1);
    assert_eq!(shop.app.available(ticket_type).await, 5);
    let session = shop.stripe.complete(&session_id);
    webhook(
        &shop.app,
        "evt_late",
        "checkout.session.completed",
        &session,
    )
    .await;
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    assert_eq!(shop.app.available(ticket_type).await, 2);
    assert_eq!(shop.app.admissions().await.len(), 3);
    assert!(shop.stripe.requests_to("POST", "/v1/refunds").is_empty());
    shop.app.assert_books_clean().await;

    // Only two of the three seats free: never a part of a booking; all money back.
    let shop = self::shop().await;
    let (ann, booking_id, ticket_type, event_id) =
        holder_of_three(&shop, "gil@example.com", 4).await;
    let session_id = checkout(&ann, booking_id).await;
    shop.app.clock.advance(TimeDelta::minutes(16));
    sweeps::sweep_once(&shop.app.state).await;
    let bob = shop.app.registered("bob@example.com").await;
    reserve(&bob, event_id, ticket_type, "2").await;
    assert_eq!(shop.app.available(ticket_type).await, 2);
    let session = shop.stripe.complete(&session_id);
    webhook(
        &shop.app,
        "evt_late_full",
        "checkout.session.completed",
        &session,
    )
    .await;
    let refunds = shop.stripe.requests_to("POST", "/v1/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].field("amount"), Some("7500"));
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "refunded"
    );
    assert_eq!(shop.app.available(ticket_type).await, 2, "never oversold");
    assert!(shop.app.admissions().await.is_empty());
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn one_seats_price_for_three_seats_is_a_mismatch_held_for_an_admin() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder_of_three(&shop, "ivy@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);
    let session = shop
        .stripe
        .update(&session_id, |s| s["amount_total"] = json!(2500));
    webhook(
        &shop.app,
        "evt_short",
        "checkout.session.completed",
        &session,
    )
    .await;
    assert_eq!(shop.app.bookings().await[0].status, "reserved");
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "mismatch"
    );
    assert!(shop.app.admissions().await.is_empty(), "no codes for it");
}

#[tokio::test]
async fn two_paid_sessions_of_three_seats_keep_one_and_refund_the_other() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder_of_three(&shop, "hal@example.com", 10).await;
    let first = checkout(&buyer, booking_id).await;
    shop.app
        .with_db(move |c| {
            use boxoffice::db::schema::payments::dsl;
            use diesel::prelude::*;
            diesel::update(dsl::payments.filter(dsl::provider_session_id.eq(first.clone())))
                .set(dsl::expires_at.eq(Some(chrono::Utc::now().naive_utc())))
                .execute(c)
                .unwrap();
        })
        .await;
    let first = payments_of(&shop.app, booking_id).await[0]
        .provider_session_id
        .clone()
        .unwrap();
    let second = checkout(&buyer, booking_id).await;
    assert_ne!(first, second);
    for (n, session_id) in [&first, &second].into_iter().enumerate() {
        let session = shop.stripe.complete(session_id);
        webhook(
            &shop.app,
            &format!("evt_two_{n}"),
            "checkout.session.completed",
            &session,
        )
        .await;
    }
    let rows = payments_of(&shop.app, booking_id).await;
    let statuses: Vec<_> = rows.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, vec!["paid", "refunded"]);
    let refunds = shop.stripe.requests_to("POST", "/v1/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].field("amount"), Some("7500"));
    assert_eq!(
        shop.app.available(ticket_type).await,
        7,
        "three seats for one booking"
    );
    assert_eq!(shop.app.admissions().await.len(), 3);
    shop.app.assert_books_clean().await;
}
