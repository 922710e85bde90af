//! The transitions that can meet on one ticket, sent as real requests (or the sweeper's
//! real expiry) released together behind a barrier, for many rounds on whichever engine
//! the suite runs on (`TEST_DATABASE_URL` for PostgreSQL), then the books.
//!
//! Every pair must end in one of its legal outcomes: never money kept for a ticket that
//! is not paid, never two kept payments for one ticket, never a seat lost or sold twice,
//! never a 5xx. The control at the end shows the interleaving is real and harmful: a
//! confirmation that decides on a read made before a cancel commits, and ignores its
//! guarded update, keeps money for a cancelled ticket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::future::Future;

use boxoffice::app::sweeps;
use boxoffice::db::models::Payment;
use boxoffice::db::schema::{bookings as bookings_table, payments as payments_table};
use boxoffice::db::{bookings, payment_attempts};
use boxoffice::domain::audit::books;
use chrono::TimeDelta;
use diesel::prelude::*;
use support::damage;
use support::fixtures::EventSpec;
use support::race::together;
use support::visitor::{csrf_token_in, location};
use support::{TestApp, Visitor};

/// Rounds per pair: each is a fresh buyer and ticket, raced once.
const ROUNDS: usize = 12;

/// A shop with one event of 100 seats at €25.00: (app, the event, its ticket type).
async fn race_shop() -> (TestApp, support::fixtures::Created, i32) {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Race").seats("GA", 2500, 100))
        .await;
    let ticket_type = show.ticket_type_ids[0];
    (app, show, ticket_type)
}

/// A GET as a future that owns everything it needs; answers the status.
fn get(visitor: &Visitor, path: &str) -> impl Future<Output = u16> + Send + 'static {
    let request = visitor.client.get(visitor.url(path));
    async move { request.send().await.unwrap().status().as_u16() }
}

/// A POST with a CSRF token fetched beforehand, as a future; answers status and Location.
async fn post_later(
    visitor: &Visitor,
    path: &str,
) -> impl Future<Output = (u16, String)> + Send + 'static {
    let token = csrf_token_in(&visitor.page("/login").await).unwrap();
    let request = visitor
        .client
        .post(visitor.url(path))
        .form(&[("csrf_token", token.as_str()), ("confirm", "yes")]);
    async move {
        let response = request.send().await.unwrap();
        (response.status().as_u16(), location(&response))
    }
}

/// A buyer holding a ticket of the event's first type: (buyer, ticket id).
async fn holder(app: &TestApp, event_id: i32, ticket_type_id: i32, email: &str) -> (Visitor, i32) {
    let buyer = app.registered(email).await;
    let response = buyer.reserve(event_id, ticket_type_id).await;
    let booking_id = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    (buyer, booking_id)
}

/// Pay → the test checkout page → paid there, the shop not yet told (a delayed
/// webhook): the path back to the shop (the success page) is returned, not yet visited.
async fn paid_at_provider(app: &TestApp, buyer: &Visitor, booking_id: i32) -> String {
    let response = buyer.pay(booking_id).await;
    assert_eq!(response.status(), 303);
    let checkout = buyer.path_of(&location(&response));
    assert!(checkout.starts_with("/test-checkout/"), "{checkout}");
    let success = app.paid_at_provider_unheard(&checkout);
    assert!(
        success.starts_with("/checkout/success?session_id="),
        "{success}"
    );
    success
}

/// Makes the open session of a ticket look as good as over on our side, so the next
/// Pay opens a second session (a second tab, much later).
async fn retire_open_session(app: &TestApp, booking_id: i32) {
    let now = app.clock.now();
    app.with_db(move |c| {
        use payments_table::dsl;
        diesel::update(
            dsl::payments
                .filter(dsl::booking_id.eq(booking_id))
                .filter(dsl::status.eq("open")),
        )
        .set(dsl::expires_at.eq(Some(now)))
        .execute(c)
        .unwrap();
    })
    .await;
}

/// Lets a hold's time run out without moving the shared clock (other rounds keep theirs).
async fn lapse(app: &TestApp, booking_id: i32) {
    let past = app.clock.now() - TimeDelta::minutes(1);
    app.with_db(move |c| {
        use bookings_table::dsl;
        diesel::update(dsl::bookings.find(booking_id))
            .set(dsl::reserved_until.eq(Some(past)))
            .execute(c)
            .unwrap();
    })
    .await;
}

async fn booking_status(app: &TestApp, booking_id: i32) -> String {
    app.with_db(move |c| {
        bookings::find(c, booking_id)
            .unwrap()
            .unwrap()
            .status
            .to_string()
    })
    .await
}

async fn payment_statuses(app: &TestApp, booking_id: i32) -> Vec<String> {
    let rows: Vec<Payment> = app
        .with_db(move |c| payment_attempts::for_booking(c, booking_id).unwrap())
        .await;
    rows.into_iter().map(|p| p.status.to_string()).collect()
}

fn assert_no_server_error(statuses: &[u16]) {
    assert!(
        statuses.iter().all(|&s| s < 500),
        "a 5xx in a race: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_racing_the_owners_cancel_ends_paid_or_refunded() {
    let (app, show, ticket_type) = race_shop().await;
    let (mut paid, mut cancelled) = (0, 0);
    for round in 0..ROUNDS {
        let (buyer, booking_id) = holder(
            &app,
            show.event_id,
            ticket_type,
            &format!("c{round}@example.com"),
        )
        .await;
        let success = paid_at_provider(&app, &buyer, booking_id).await;
        let cancel = post_later(&buyer, &format!("/bookings/{booking_id}/cancel")).await;
        let (confirmed, (cancel_status, _)) = together(get(&buyer, &success), cancel).await;
        assert_no_server_error(&[confirmed, cancel_status]);

        let page = buyer.page(&format!("/bookings/{booking_id}")).await;
        match booking_status(&app, booking_id).await.as_str() {
            "paid" => {
                paid += 1;
                assert_eq!(cancel_status, 409, "a paid ticket is not cancelled");
                assert_eq!(payment_statuses(&app, booking_id).await, ["paid"]);
                assert!(page.contains("Payment received"), "round {round}");
            }
            "cancelled" => {
                cancelled += 1;
                assert_eq!(cancel_status, 303);
                assert_eq!(
                    payment_statuses(&app, booking_id).await,
                    ["refunded"],
                    "the money of a cancelled booking goes back"
                );
                assert!(!page.contains("Payment received"), "round {round}");
            }
            other => panic!("round {round}: the ticket ended {other}"),
        }
        app.assert_books_clean().await;
    }
    assert_eq!(paid + cancelled, ROUNDS);
    assert_eq!(app.available(ticket_type).await, 100 - paid as i32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_racing_the_expiry_of_its_hold_keeps_the_ticket() {
    let (app, show, ticket_type) = race_shop().await;
    for round in 0..ROUNDS {
        let (buyer, booking_id) = holder(
            &app,
            show.event_id,
            ticket_type,
            &format!("e{round}@example.com"),
        )
        .await;
        let success = paid_at_provider(&app, &buyer, booking_id).await;
        lapse(&app, booking_id).await;
        let state = app.state.clone();
        let (confirmed, _released) = together(get(&buyer, &success), async move {
            sweeps::sweep_once(&state).await
        })
        .await;
        assert_no_server_error(&[confirmed]);
        // Either the confirmation came first, or the expiry did and the late payment
        // took the seat that was still free: paid, with its one payment, both ways.
        assert_eq!(
            booking_status(&app, booking_id).await,
            "paid",
            "round {round}"
        );
        assert_eq!(payment_statuses(&app, booking_id).await, ["paid"]);
        app.assert_books_clean().await;
    }
    assert_eq!(app.available(ticket_type).await, 100 - ROUNDS as i32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sessions_of_one_ticket_confirmed_at_once_keep_one_payment() {
    let (app, show, ticket_type) = race_shop().await;
    for round in 0..ROUNDS {
        let (buyer, booking_id) = holder(
            &app,
            show.event_id,
            ticket_type,
            &format!("t{round}@example.com"),
        )
        .await;
        let first = paid_at_provider(&app, &buyer, booking_id).await;
        retire_open_session(&app, booking_id).await;
        let second = paid_at_provider(&app, &buyer, booking_id).await;
        assert_ne!(first, second, "two sessions");
        let answers = together(get(&buyer, &first), get(&buyer, &second)).await;
        assert_no_server_error(&[answers.0, answers.1]);

        assert_eq!(
            booking_status(&app, booking_id).await,
            "paid",
            "round {round}"
        );
        let mut statuses = payment_statuses(&app, booking_id).await;
        statuses.sort();
        assert_eq!(statuses, ["paid", "refunded"], "round {round}");
        app.assert_books_clean().await;
    }
    assert_eq!(
        app.available(ticket_type).await,
        100 - ROUNDS as i32,
        "one seat per ticket, none leaked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_payment_racing_an_admin_refund_sends_both_back() {
    let (app, show, ticket_type) = race_shop().await;
    let admin = app.admin().await;
    for round in 0..ROUNDS {
        let (buyer, booking_id) = holder(
            &app,
            show.event_id,
            ticket_type,
            &format!("r{round}@example.com"),
        )
        .await;
        let first = paid_at_provider(&app, &buyer, booking_id).await;
        retire_open_session(&app, booking_id).await;
        let second = paid_at_provider(&app, &buyer, booking_id).await;
        assert_eq!(buyer.get(&first).await.status(), 303);
        assert_eq!(booking_status(&app, booking_id).await, "paid");

        let refund = post_later(&admin, &format!("/admin/tickets/{booking_id}/refund")).await;
        let (confirmed, (refunded, _)) = together(get(&buyer, &second), refund).await;
        assert_no_server_error(&[confirmed, refunded]);

        assert_eq!(
            booking_status(&app, booking_id).await,
            "refunded",
            "round {round}"
        );
        assert_eq!(
            payment_statuses(&app, booking_id).await,
            ["refunded", "refunded"],
            "round {round}"
        );
        app.assert_books_clean().await;
    }
    assert_eq!(
        app.available(ticket_type).await,
        100,
        "every seat back on sale once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_racing_the_expiry_returns_the_seat_once() {
    let (app, show, ticket_type) = race_shop().await;
    for round in 0..ROUNDS {
        let (buyer, booking_id) = holder(
            &app,
            show.event_id,
            ticket_type,
            &format!("x{round}@example.com"),
        )
        .await;
        lapse(&app, booking_id).await;
        let cancel = post_later(&buyer, &format!("/bookings/{booking_id}/cancel")).await;
        let state = app.state.clone();
        let ((cancel_status, _), released) =
            together(cancel, async move { sweeps::sweep_once(&state).await }).await;
        assert_no_server_error(&[cancel_status]);
        match booking_status(&app, booking_id).await.as_str() {
            "cancelled" => assert_eq!((cancel_status, released), (303, 0), "round {round}"),
            "expired" => assert_eq!((cancel_status, released), (409, 1), "round {round}"),
            other => panic!("round {round}: the ticket ended {other}"),
        }
        assert_eq!(
            app.available(ticket_type).await,
            100,
            "the seat returned once"
        );
        app.assert_books_clean().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admin_refunds_at_once_refund_once() {
    let (app, show, ticket_type) = race_shop().await;
    // Two admins (two sessions, so each sees its own message).
    let (one, two) = (app.admin().await, app.admin().await);
    for round in 0..ROUNDS {
        let (buyer, booking_id) = holder(
            &app,
            show.event_id,
            ticket_type,
            &format!("d{round}@example.com"),
        )
        .await;
        let success = paid_at_provider(&app, &buyer, booking_id).await;
        assert_eq!(buyer.get(&success).await.status(), 303);
        let path = format!("/admin/tickets/{booking_id}/refund");
        let (a, b) = together(post_later(&one, &path).await, post_later(&two, &path).await).await;
        assert_no_server_error(&[a.0, b.0]);
        assert_eq!(
            booking_status(&app, booking_id).await,
            "refunded",
            "round {round}"
        );
        assert_eq!(payment_statuses(&app, booking_id).await, ["refunded"]);
        let pages = [
            one.page("/admin/payments").await,
            two.page("/admin/payments").await,
        ];
        let told = |text: &str| pages.iter().filter(|p| p.contains(text)).count();
        assert_eq!(
            told("Refunded. The seats are back on sale"),
            1,
            "round {round}"
        );
        assert_eq!(
            told("already under way") + told("Only a paid ticket can be refunded"),
            1,
            "round {round}: the other refund is told why it did nothing"
        );
        app.assert_books_clean().await;
    }
    assert_eq!(
        app.available(ticket_type).await,
        100,
        "every seat back on sale once"
    );
}

/// The control: the interleaving these races can produce, forced step by step. A
/// confirmation that read the ticket as reserved before the owner's cancel committed,
/// then writes without the ticket's lock and ignores its guarded update (as the shop did
/// before), keeps the money of a cancelled ticket: the books catch it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn control_a_confirmation_deciding_on_a_stale_read_keeps_money_for_a_cancelled_ticket() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Control").seats("GA", 2500, 10))
        .await;
    let (buyer, booking_id) = holder(
        &app,
        show.event_id,
        show.ticket_type_ids[0],
        "z@example.com",
    )
    .await;
    paid_at_provider(&app, &buyer, booking_id).await;
    damage::keep_money_for_cancelled_ticket(&app, booking_id, "pi_control").await;
    let report = app.with_db(|c| books::audit(c).unwrap()).await;
    assert_eq!(booking_status(&app, booking_id).await, "cancelled");
    assert!(
        report.violations.iter().any(|v| v.contains(&format!(
            "ticket {booking_id} is cancelled but money was kept"
        ))),
        "the unguarded interleaving breaks the books: {:?}",
        report.violations
    );
}
