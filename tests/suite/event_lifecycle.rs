//! The event lifecycle: the sweeper marks ended events (they leave the front page, their
//! page offers no seats, tickets stay viewable), and an admin's cancel with its
//! confirmation step stops sales, ends holds, refunds every paid booking in the
//! background through the outbox, mails every buyer, and refunds a payment that
//! arrives afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::models::Payment;
use boxoffice::db::payment_attempts;
use boxoffice::db::status::{BookingStatus, PaymentStatus};
use boxoffice::domain::outbox;
use chrono::TimeDelta;
use support::fixtures::EventSpec;
use support::mail::pay;
use support::visitor::{csrf_token_in, location};
use support::{TestApp, Visitor};

fn booking_id_of(response: &reqwest::Response) -> i32 {
    location(response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_ended_event_leaves_the_front_page_offers_no_seats_and_keeps_its_tickets() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    let show = app
        .create_event(EventSpec::new("Last night").starting_in(TimeDelta::hours(2)))
        .await;
    let booking_id = booking_id_of(&ann.reserve(show.event_id, show.ticket_type_ids[0]).await);
    pay(&ann, booking_id).await;

    assert_eq!(boxoffice::app::sweeps::lifecycle_once(&app.state).await, 0);
    app.clock.advance(TimeDelta::days(2));
    assert_eq!(boxoffice::app::sweeps::lifecycle_once(&app.state).await, 1);
    assert_eq!(boxoffice::app::sweeps::lifecycle_once(&app.state).await, 0);

    assert!(!app.visitor().page("/").await.contains("Last night"));
    let page = app
        .visitor()
        .page(&format!("/events/{}", show.event_id))
        .await;
    assert!(page.contains("This event has ended"));
    assert!(!page.contains("/reserve"), "no seats offered");
    let booking = ann.page(&format!("/bookings/{booking_id}")).await;
    assert!(booking.contains("Last night"));
}

async fn payments_of(app: &TestApp, booking_id: i32) -> Vec<Payment> {
    app.with_db(move |c| payment_attempts::for_booking(c, booking_id).unwrap())
        .await
}

#[tokio::test]
async fn cancelling_an_event_refunds_every_paid_booking_releases_every_hold_and_mails_everyone() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Rained off").seats("Field", 2500, 100))
        .await;
    let (event_id, ticket_type_id) = (show.event_id, show.ticket_type_ids[0]);
    let mut paid = Vec::new();
    let mut held: Vec<(Visitor, i32)> = Vec::new();
    for n in 0..60 {
        let buyer = app.registered(&format!("fan{n}@example.com")).await;
        let booking_id = booking_id_of(&buyer.reserve(event_id, ticket_type_id).await);
        if n < 50 {
            pay(&buyer, booking_id).await;
            paid.push(booking_id);
        } else {
            held.push((buyer, booking_id));
        }
    }
    // One holder has the provider's checkout page open while the event is cancelled.
    let (late_buyer, late_booking) = &held[0];
    let checkout = late_buyer.path_of(&location(&late_buyer.pay(*late_booking).await));
    let checkout_page = late_buyer.page(&checkout).await;
    app.deliver_all().await;

    let admin = app.admin().await;
    let confirm = admin
        .page(&format!("/admin/events/{event_id}/cancel"))
        .await;
    assert!(confirm.contains("50 now"), "the step says what will happen");
    let unconfirmed = admin
        .post(&format!("/admin/events/{event_id}/cancel"), &[])
        .await;
    assert_eq!(unconfirmed.status(), 422);
    let cancelled = admin
        .post(
            &format!("/admin/events/{event_id}/cancel"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(cancelled.status(), 303);
    let again = admin
        .post(
            &format!("/admin/events/{event_id}/cancel"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(again.status(), 303, "a second cancel says so");

    // Sales stop and holds end at once.
    let late_comer = app.registered("late@example.com").await;
    assert_eq!(
        late_comer.reserve(event_id, ticket_type_id).await.status(),
        409
    );
    let bookings = app.bookings().await;
    assert_eq!(
        bookings
            .iter()
            .filter(|t| t.status == BookingStatus::Reserved)
            .count(),
        0
    );

    // The refunds and mails complete in the background.
    let before = admin
        .page(&format!("/admin/events/{event_id}/cancel"))
        .await;
    assert!(before.contains("0 done, 50 still under way"), "progress");
    app.deliver_all().await;
    let after = admin
        .page(&format!("/admin/events/{event_id}/cancel"))
        .await;
    assert!(after.contains("50 done, 0 still under way"));
    for booking_id in &paid {
        let mine = payments_of(&app, *booking_id).await;
        assert_eq!(
            mine.iter()
                .filter(|p| p.status == PaymentStatus::Refunded)
                .count(),
            1
        );
    }
    assert_eq!(app.available(ticket_type_id).await, 100, "every seat back");

    // The payment that arrives after the cancel goes back too.
    let token = csrf_token_in(&checkout_page).unwrap();
    let late = late_buyer
        .post_raw(&format!("{checkout}/pay"), &[("csrf_token", &token)])
        .await;
    assert_eq!(late.status(), 303);
    late_buyer.get(&late_buyer.path_of(&location(&late))).await;
    app.deliver_all().await;
    let late_payments = payments_of(&app, *late_booking).await;
    assert!(
        late_payments
            .iter()
            .any(|p| p.status == PaymentStatus::Refunded),
        "{late_payments:?}"
    );

    let mut notices = 0;
    let mut refund_mails = 0;
    for n in 0..60 {
        for mail in app.mails_to(&format!("fan{n}@example.com")).await {
            notices += usize::from(mail.subject == "Cancelled: Rained off");
            refund_mails += usize::from(mail.subject == "Your refund for Rained off");
        }
    }
    assert_eq!(notices, 60, "every holder told");
    assert_eq!(refund_mails, 51, "every refund confirmed, the late one too");

    app.assert_books_clean().await;
    let now = app.clock.now();
    let problems = app
        .with_db(move |c| outbox::problems(c, now, TimeDelta::hours(1)).unwrap())
        .await;
    assert!(problems.is_empty(), "{problems:?}");
}
