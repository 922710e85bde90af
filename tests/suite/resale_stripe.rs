//! Resale against the Stripe stand-in: the seller's partial refund (the price less the
//! fee, never more than their charge), a seller's refund that Stripe fails (owed, shown
//! by `check`, retried by an admin with the same amount), and payments that land after
//! the buyer's lock lapsed (Stripe's sessions outlive the lock): completed while the
//! listing is still free, refunded when another buyer took it meanwhile.

use boxoffice::db::models::{Listing, Payment, Refund};
use boxoffice::db::status::{BookingStatus, ListingStatus, PaymentStatus, RefundStatus};
use boxoffice::db::{bookings, refunds, resale_listings};
use chrono::TimeDelta;

use crate::support::fixtures::EventSpec;
use crate::support::stripe_shop::{Shop, checkout, payments_of, shop, webhook};
use crate::support::visitor::location;
use crate::support::{TestApp, Visitor};

const STRIPE_PAGE: &str = "https://checkout.stripe.test/c/pay/";

async fn listing(app: &TestApp, id: i32) -> Listing {
    app.with_db(move |conn| resale_listings::find(conn, id).unwrap().unwrap())
        .await
}

async fn refunds_of(app: &TestApp, payment_id: i32) -> Vec<Refund> {
    app.with_db(move |conn| refunds::for_payment(conn, payment_id).unwrap())
        .await
}

async fn status_of(app: &TestApp, booking_id: i32) -> BookingStatus {
    app.with_db(move |conn| bookings::find(conn, booking_id).unwrap().unwrap().status)
        .await
}

/// A seller who paid a booking of one €25 seat through Stripe; (seller, booking).
async fn paid_seller(
    shop: &Shop,
    email: &str,
    event_id: i32,
    ticket_type_id: i32,
) -> (Visitor, i32) {
    let seller = shop.app.registered(email).await;
    let reserved = seller.reserve(event_id, ticket_type_id).await;
    let booking_id: i32 = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = shop.stripe.complete(&checkout(&seller, booking_id).await);
    let id = format!("evt_seller_{booking_id}");
    assert_eq!(
        webhook(&shop.app, &id, "checkout.session.completed", &session)
            .await
            .status(),
        200
    );
    assert_eq!(status_of(&shop.app, booking_id).await, BookingStatus::Paid);
    (seller, booking_id)
}

/// Lists at `price` (major units); the listing.
async fn list(app: &TestApp, seller: &Visitor, booking_id: i32, price: &str) -> Listing {
    seller
        .post(
            &format!("/bookings/{booking_id}/resale"),
            &[("price", price)],
        )
        .await;
    app.with_db(move |conn| {
        resale_listings::open_for_booking(conn, booking_id)
            .unwrap()
            .expect("listed")
    })
    .await
}

/// Presses "Buy": the Stripe session the buyer is sent to.
async fn press_buy(buyer: &Visitor, listing_id: i32) -> String {
    let pressed = buyer.post(&format!("/resale/{listing_id}/buy"), &[]).await;
    let to = location(&pressed);
    to.strip_prefix(STRIPE_PAGE)
        .unwrap_or_else(|| panic!("not sent to Stripe: {to}"))
        .to_owned()
}

/// Stripe reports the session paid.
async fn pays(shop: &Shop, session_id: &str) {
    let session = shop.stripe.complete(session_id);
    let id = format!("evt_{session_id}");
    assert_eq!(
        webhook(&shop.app, &id, "checkout.session.completed", &session)
            .await
            .status(),
        200
    );
}

fn seller_payment(payments: &[Payment]) -> Payment {
    payments
        .iter()
        .find(|p| p.listing_id.is_none())
        .expect("the seller's own payment")
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sellers_refund_is_the_price_less_the_fee_and_a_failed_one_stays_owed_until_retried() {
    let shop = shop().await;
    let app = &shop.app;
    let show = app
        .create_event(EventSpec::new("Stripe resale").seats("GA", 2500, 1))
        .await;
    let event_id = show.event_id;
    app.with_db(move |conn| {
        use boxoffice::db::schema::events::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::events.find(event_id))
            .set(dsl::resale_fee_percent.eq(5))
            .execute(conn)
            .unwrap();
    })
    .await;
    let (_seller, booking_id) = paid_seller(
        &shop,
        "seller@example.com",
        event_id,
        show.ticket_type_ids[0],
    )
    .await;
    let offer = list(app, &_seller, booking_id, "20.00").await;
    assert_eq!(offer.fee_pennies, 100);

    shop.stripe.refunds_pending();
    let buyer = app.registered("buyer@example.com").await;
    let session = press_buy(&buyer, offer.id).await;
    let sent = shop.stripe.requests_to("POST", "/v1/checkout/sessions");
    let last = sent.last().unwrap();
    assert_eq!(
        last.field("line_items[0][price_data][unit_amount]"),
        Some("2000")
    );
    pays(&shop, &session).await;
    assert_eq!(listing(app, offer.id).await.status, ListingStatus::Sold);
    assert_eq!(status_of(app, booking_id).await, BookingStatus::Transferred);

    // The outbox's job asks Stripe for €19.00 back (€20.00 less the 5 % fee) of the €25.00.
    app.deliver_all().await;
    let seller_pay = seller_payment(&payments_of(app, booking_id).await);
    let asked = shop.stripe.refunds();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["amount"], 1900);
    assert_eq!(
        asked[0]["payment_intent"].as_str(),
        seller_pay.provider_payment_id.as_deref()
    );
    assert_eq!(seller_pay.status, PaymentStatus::RefundPending);

    // Stripe fails it: still owed, and `check` says so; the buyer's ticket stays valid.
    let failed = shop
        .stripe
        .settle_refund(asked[0]["id"].as_str().unwrap(), "failed");
    webhook(app, "evt_refund_failed", "refund.failed", &failed).await;
    assert_eq!(
        refunds_of(app, seller_pay.id).await[0].status,
        RefundStatus::Failed
    );
    let report = app
        .with_db(|conn| boxoffice::domain::audit::books::audit(conn).unwrap())
        .await;
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains(&format!("payment {} is owed back", seller_pay.id))),
        "{:?}",
        report.violations
    );
    let admin = app.admin().await;
    let payments_page = admin.page("/admin/payments").await;
    assert!(payments_page.contains("expired_or_canceled_card") || payments_page.contains("failed"));

    // The admin retries: the same €19.00, under a new key; Stripe settles it.
    admin
        .post(
            &format!("/admin/payments/{}/refund", seller_pay.id),
            &[("confirm", "yes")],
        )
        .await;
    let rows = refunds_of(app, seller_pay.id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].amount_pennies, 1900);
    let retried = shop.stripe.refunds();
    assert_eq!(retried.len(), 2);
    assert_eq!(retried[1]["amount"], 1900);
    let settled = shop
        .stripe
        .settle_refund(retried[1]["id"].as_str().unwrap(), "succeeded");
    webhook(app, "evt_refund_ok", "refund.updated", &settled).await;
    let seller_pay = seller_payment(&payments_of(app, booking_id).await);
    assert_eq!(seller_pay.status, PaymentStatus::Refunded);
    assert_eq!(
        status_of(app, booking_id).await,
        BookingStatus::Transferred,
        "still passed on"
    );
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_after_the_lock_lapsed_buys_a_free_listing_and_is_refunded_when_another_buyer_holds_it()
 {
    let shop = shop().await;
    let app = &shop.app;
    let show = app
        .create_event(EventSpec::new("Late resale").seats("GA", 2500, 2))
        .await;
    let (event_id, ticket_type) = (show.event_id, show.ticket_type_ids[0]);
    let (first_seller, first) = paid_seller(&shop, "s1@example.com", event_id, ticket_type).await;
    let (second_seller, second) = paid_seller(&shop, "s2@example.com", event_id, ticket_type).await;
    let free_offer = list(app, &first_seller, first, "").await;
    let taken_offer = list(app, &second_seller, second, "").await;

    // A buyer's lock lapses but nobody else takes the listing: their late payment buys it.
    let late = app.registered("late@example.com").await;
    let late_session = press_buy(&late, free_offer.id).await;
    app.clock.advance(TimeDelta::minutes(11));
    pays(&shop, &late_session).await;
    assert_eq!(
        listing(app, free_offer.id).await.status,
        ListingStatus::Sold
    );
    assert_eq!(status_of(app, first).await, BookingStatus::Transferred);

    // Another buyer's lock lapses, a third buyer locks it: the late payment goes back.
    let slow = app.registered("slow@example.com").await;
    let slow_session = press_buy(&slow, taken_offer.id).await;
    app.clock.advance(TimeDelta::minutes(11));
    let quick = app.registered("quick@example.com").await;
    let quick_session = press_buy(&quick, taken_offer.id).await;
    pays(&shop, &slow_session).await;
    let slow_payment = payments_of(app, second)
        .await
        .into_iter()
        .find(|p| p.provider_session_id.as_deref() == Some(slow_session.as_str()))
        .expect("the slow buyer's attempt");
    assert!(
        matches!(
            slow_payment.status,
            PaymentStatus::RefundPending | PaymentStatus::Refunded
        ),
        "{:?}",
        slow_payment.status
    );
    assert_eq!(
        status_of(app, second).await,
        BookingStatus::Paid,
        "still the seller's"
    );
    assert!(shop.stripe.refunds().iter().any(|r| r["amount"] == 2500
        && r["payment_intent"].as_str() == slow_payment.provider_payment_id.as_deref()));
    // The buyer holding the lock pays in time and gets it.
    pays(&shop, &quick_session).await;
    assert_eq!(
        listing(app, taken_offer.id).await.status,
        ListingStatus::Sold
    );
    assert_eq!(status_of(app, second).await, BookingStatus::Transferred);
    app.deliver_all().await;
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_buyers_stripe_session_is_left_open_while_they_hold_the_lock_and_closed_once_it_lapses() {
    let shop = shop().await;
    let app = &shop.app;
    let show = app
        .create_event(EventSpec::new("Session life").seats("GA", 2500, 1))
        .await;
    let (seller, booking_id) = paid_seller(
        &shop,
        "seller@example.com",
        show.event_id,
        show.ticket_type_ids[0],
    )
    .await;
    let offer = list(app, &seller, booking_id, "").await;
    let buyer = app.registered("buyer@example.com").await;
    let session = press_buy(&buyer, offer.id).await;
    // The seller's booking is paid, not a hold: its buyer's session is not "ended".
    boxoffice::app::sweeps::provider_once(&app.state).await;
    assert_eq!(shop.stripe.session(&session)["status"], "open");
    // The lock lapses: the next round closes the session at Stripe.
    app.clock.advance(TimeDelta::minutes(11));
    boxoffice::app::sweeps::provider_once(&app.state).await;
    assert_eq!(shop.stripe.session(&session)["status"], "expired");
    let attempt = payments_of(app, booking_id)
        .await
        .into_iter()
        .find(|p| p.listing_id == Some(offer.id))
        .expect("the buyer's attempt");
    assert_eq!(attempt.status, PaymentStatus::Expired);
    assert_eq!(
        status_of(app, booking_id).await,
        BookingStatus::Paid,
        "still the seller's"
    );
    app.assert_books_clean().await;
}
