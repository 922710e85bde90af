//! Group bookings through the real handlers: several seats in one booking, each ticket
//! type's cap and selling rule at its boundaries (with the refusals in words and the
//! quantities the event page offers), paying for n seats on the test provider with a
//! code and a QR image per seat, cancelling and refunding all of a booking's seats, and
//! the admin's form and bookings list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};

use boxoffice::db::payment_attempts;
use support::fixtures::EventSpec;
use support::visitor::{csrf_token_in, location};
use support::{TestApp, Visitor};

static BUYERS: AtomicUsize = AtomicUsize::new(0);

/// How one reserve request ended, as the buyer sees it.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The booking made (or already held), if the request led to one.
    booking_id: Option<i32>,
    /// The flash message on the page redirected to, or the error page's text.
    message: String,
}

fn flash_in(page: &str) -> String {
    page.split("role=\"status\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default()
        .to_owned()
}

/// A fresh buyer asks for `quantity` seats (the raw form field).
async fn ask(app: &TestApp, event: i32, ticket_type: i32, quantity: &str) -> (Visitor, Answer) {
    let n = BUYERS.fetch_add(1, Ordering::SeqCst);
    let buyer = app.registered(&format!("buyer{n}@example.com")).await;
    let answer = ask_as(&buyer, event, ticket_type, quantity).await;
    (buyer, answer)
}

async fn ask_as(buyer: &Visitor, event: i32, ticket_type: i32, quantity: &str) -> Answer {
    let response = buyer.reserve_n(event, ticket_type, quantity).await;
    let status = response.status().as_u16();
    if status != 303 {
        let body = response.text().await.unwrap();
        return Answer {
            status,
            booking_id: None,
            message: body,
        };
    }
    let to = location(&response);
    let page = buyer.page(&to).await;
    Answer {
        status,
        booking_id: to.strip_prefix("/bookings/").and_then(|id| id.parse().ok()),
        message: flash_in(&page),
    }
}

async fn booked(app: &TestApp, event: i32, ticket_type: i32, quantity: &str) -> i32 {
    let (_, answer) = ask(app, event, ticket_type, quantity).await;
    let id = answer
        .booking_id
        .unwrap_or_else(|| panic!("{quantity} seats were not booked: {answer:?}"));
    let booking = app
        .bookings()
        .await
        .into_iter()
        .find(|t| t.id == id)
        .unwrap();
    assert_eq!(booking.quantity.to_string(), quantity);
    assert_eq!(booking.status, "reserved");
    id
}

async fn refused(app: &TestApp, event: i32, ticket_type: i32, quantity: &str, words: &str) {
    let before = app.available(ticket_type).await;
    let (_, answer) = ask(app, event, ticket_type, quantity).await;
    assert_eq!(answer.status, 303, "{answer:?}");
    assert_eq!(answer.booking_id, None, "asking {quantity}: {answer:?}");
    assert!(
        answer.message.contains(words),
        "asking {quantity}: expected “{words}”, got “{}”",
        answer.message
    );
    assert_eq!(
        app.available(ticket_type).await,
        before,
        "a refusal takes no seat"
    );
}

/// The quantities the event page offers for a ticket type (as a logged-in buyer).
async fn offered(app: &TestApp, event: i32, ticket_type: i32) -> Vec<i32> {
    let n = BUYERS.fetch_add(1, Ordering::SeqCst);
    let viewer = app.registered(&format!("viewer{n}@example.com")).await;
    let page = viewer.page(&format!("/events/{event}")).await;
    let Some(select) = page
        .split(&format!("id=\"quantity-{ticket_type}\""))
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
    else {
        return Vec::new();
    };
    select
        .split("<option value=\"")
        .skip(1)
        .map(|option| option.split('"').next().unwrap().parse().unwrap())
        .collect()
}

async fn one_type(app: &TestApp, seats: i32, max: i32, rule: &str) -> (i32, i32) {
    let n = BUYERS.fetch_add(1, Ordering::SeqCst);
    let show = app
        .create_event(EventSpec::new(&format!("Show {n}")).seats("GA", 2500, seats))
        .await;
    app.set_terms(show.ticket_type_ids[0], max, rule).await;
    (show.event_id, show.ticket_type_ids[0])
}

#[tokio::test]
async fn invalid_quantities_are_a_clear_400_and_a_missing_one_means_one_seat() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 20, 10, "any").await;
    for bad in ["0", "-2", "two", "1.5", "99999999999999999999"] {
        let (_, answer) = ask(&app, event, ticket_type, bad).await;
        assert_eq!(answer.status, 400, "quantity {bad:?}");
        assert!(
            answer.message.contains("a whole number of at least 1"),
            "quantity {bad:?}: {}",
            answer.message
        );
    }
    assert!(app.bookings().await.is_empty());
    assert_eq!(app.available(ticket_type).await, 20);

    // The single-seat form (no quantity field) books one seat.
    let buyer = app.registered("plain@example.com").await;
    let response = buyer.reserve(event, ticket_type).await;
    assert!(location(&response).starts_with("/bookings/"));
    assert_eq!(app.bookings().await[0].quantity, 1);
    assert_eq!(app.available(ticket_type).await, 19);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn any_number_up_to_the_cap_and_what_is_left() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 20, 10, "any").await;
    assert_eq!(
        offered(&app, event, ticket_type).await,
        (1..=10).collect::<Vec<_>>()
    );
    booked(&app, event, ticket_type, "1").await;
    booked(&app, event, ticket_type, "10").await;
    refused(&app, event, ticket_type, "11", "at most 10 per booking").await;
    assert_eq!(app.available(ticket_type).await, 9);
    refused(&app, event, ticket_type, "10", "only 9 left").await;
    assert_eq!(
        offered(&app, event, ticket_type).await,
        (1..=9).collect::<Vec<_>>()
    );
    booked(&app, event, ticket_type, "8").await;
    booked(&app, event, ticket_type, "1").await; // leaving 0
    assert_eq!(app.available(ticket_type).await, 0);
    refused(&app, event, ticket_type, "1", "sold out").await;
    app.assert_books_clean().await;

    // A cap of 1 keeps a type strictly one seat per person.
    let (event, ticket_type) = one_type(&app, 5, 1, "any").await;
    assert_eq!(offered(&app, event, ticket_type).await, vec![1]);
    refused(&app, event, ticket_type, "2", "at most 1 per booking").await;
    booked(&app, event, ticket_type, "1").await;
}

#[tokio::test]
async fn even_is_sold_in_pairs() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 5, 4, "even").await;
    assert_eq!(offered(&app, event, ticket_type).await, vec![2, 4]);
    refused(&app, event, ticket_type, "1", "sold in pairs").await;
    refused(&app, event, ticket_type, "3", "sold in pairs").await;
    refused(&app, event, ticket_type, "6", "at most 4 per booking").await;
    booked(&app, event, ticket_type, "4").await; // the cap
    refused(&app, event, ticket_type, "2", "only 1 left").await;
    assert_eq!(offered(&app, event, ticket_type).await, Vec::<i32>::new());
    let (_, schema_page) = ask(&app, event, ticket_type, "1").await;
    assert!(schema_page.message.contains("sold in pairs"));
    app.assert_books_clean().await;
}

#[tokio::test]
async fn all_together_takes_exactly_every_seat_left() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 4, 10, "all_together").await;
    assert_eq!(offered(&app, event, ticket_type).await, vec![4]);
    refused(
        &app,
        event,
        ticket_type,
        "1",
        "only all 4 remaining seats can be bought together",
    )
    .await;
    refused(
        &app,
        event,
        ticket_type,
        "3",
        "only all 4 remaining seats can be bought together",
    )
    .await;
    refused(
        &app,
        event,
        ticket_type,
        "5",
        "only all 4 remaining seats can be bought together",
    )
    .await;
    booked(&app, event, ticket_type, "4").await; // exactly available, leaving 0
    refused(&app, event, ticket_type, "1", "sold out").await;

    // More seats left than the cap: nothing can be bought, and nothing is offered.
    let (event, ticket_type) = one_type(&app, 12, 10, "all_together").await;
    assert_eq!(offered(&app, event, ticket_type).await, Vec::<i32>::new());
    refused(&app, event, ticket_type, "10", "all 12 remaining seats").await;
    app.assert_books_clean().await;
}

#[tokio::test]
async fn avoid_one_never_leaves_a_single_seat() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 6, 10, "avoid_one").await;
    assert_eq!(offered(&app, event, ticket_type).await, vec![1, 2, 3, 4, 6]);
    refused(
        &app,
        event,
        ticket_type,
        "5",
        "that would leave a single seat; choose 1 fewer or 1 more",
    )
    .await;
    booked(&app, event, ticket_type, "1").await; // 5 left
    booked(&app, event, ticket_type, "2").await; // 3 left
    assert_eq!(offered(&app, event, ticket_type).await, vec![1, 3]);
    refused(&app, event, ticket_type, "2", "would leave a single seat").await;
    refused(&app, event, ticket_type, "4", "only 3 left").await;
    booked(&app, event, ticket_type, "3").await; // leaving 0 is fine
    assert_eq!(app.available(ticket_type).await, 0);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_rule_change_applies_to_new_reserves_and_never_to_existing_bookings() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 10, 10, "any").await;
    let three = booked(&app, event, ticket_type, "3").await;
    let admin = app.admin().await;
    let saved = admin
        .post(
            &format!("/admin/ticket-types/{ticket_type}"),
            &[
                ("name", "GA"),
                ("price", "25.00"),
                ("currency", "EUR"),
                ("quantity", "10"),
                ("max_per_order", "4"),
                ("selling_rule", "even"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let form = admin
        .page(&format!("/admin/ticket-types/{ticket_type}/edit"))
        .await;
    assert!(form.contains("name=\"max_per_order\"") && form.contains("value=\"4\""));
    assert!(form.contains("<option value=\"even\" selected>"));
    // The booking of 3 (odd) stands and can be paid.
    let bookings = app.bookings().await;
    assert_eq!(bookings[0].id, three);
    assert_eq!(
        (bookings[0].quantity, bookings[0].status.as_str()),
        (3, "reserved")
    );
    app.assert_books_clean().await;
    refused(&app, event, ticket_type, "3", "sold in pairs").await;
    refused(&app, event, ticket_type, "6", "at most 4 per booking").await;
    booked(&app, event, ticket_type, "4").await;

    // Out-of-range terms are named on the form.
    let bad = admin
        .post(
            &format!("/admin/ticket-types/{ticket_type}"),
            &[
                ("name", "GA"),
                ("price", "25.00"),
                ("currency", "EUR"),
                ("quantity", "10"),
                ("max_per_order", "51"),
                ("selling_rule", "odd"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let page = bad.text().await.unwrap();
    assert!(page.contains("max_per_order-error") && page.contains("selling_rule-error"));
}

async fn pay_on_test_provider(buyer: &Visitor, booking_id: i32) {
    let response = buyer.pay(booking_id).await;
    let checkout = buyer.path_of(&location(&response));
    assert!(checkout.starts_with("/test-checkout/"), "{checkout}");
    let page = buyer.page(&checkout).await;
    assert!(
        page.contains("3 × €25.00"),
        "one line of 3 seats at the unit price"
    );
    assert!(page.contains("€75.00"), "the checkout asks for 3 × €25.00");
    let token = csrf_token_in(&page).unwrap();
    let paid = buyer
        .post_raw(&format!("{checkout}/pay"), &[("csrf_token", &token)])
        .await;
    let back = buyer.get(&buyer.path_of(&location(&paid))).await;
    assert_eq!(location(&back), format!("/bookings/{booking_id}"));
}

#[tokio::test]
async fn three_seats_paid_on_the_test_provider_show_three_codes_and_are_refunded_together() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 10, 10, "any").await;
    let (ann, answer) = ask(&app, event, ticket_type, "3").await;
    let booking_id = answer.booking_id.unwrap();
    assert!(answer.message.contains("Your 3 seats are held"));
    assert_eq!(app.available(ticket_type).await, 7);
    let held = ann.page(&format!("/bookings/{booking_id}")).await;
    assert!(held.contains("Pay €75.00"));
    assert!(!held.contains("class=\"code\""), "no codes before payment");
    assert!(
        app.admissions().await.is_empty(),
        "a hold writes no admissions"
    );

    pay_on_test_provider(&ann, booking_id).await;
    let page = ann.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("status-paid"));
    let seats = app.admissions().await;
    assert_eq!(seats.len(), 3);
    let mut positions: Vec<i32> = seats.iter().map(|a| a.position).collect();
    positions.sort_unstable();
    assert_eq!(positions, vec![1, 2, 3]);
    let codes: std::collections::HashSet<&str> = seats.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes.len(), 3, "a different code per seat");
    for seat in &seats {
        assert!(page.contains(&format!("QR code of ticket {}", seat.code)));
    }
    assert_eq!(page.matches("<svg").count(), 3, "a QR image per seat");
    let rows = app
        .with_db(move |c| payment_attempts::for_booking(c, booking_id).unwrap())
        .await;
    assert_eq!(
        (rows.len(), rows[0].status.as_str(), rows[0].amount_pennies),
        (1, "paid", 7500)
    );
    assert_eq!(app.available(ticket_type).await, 7);
    app.assert_books_clean().await;
    let list = ann.page("/bookings").await;
    assert!(list.contains("€75.00"));

    // The admin sees the booking in the event's list, then refunds it: all three seats
    // go back on sale and the codes stop being valid.
    let admin = app.admin().await;
    let bookings = admin.page(&format!("/admin/events/{event}/bookings")).await;
    let user_id = app.bookings().await[0].user_id;
    let email = app
        .with_db(move |c| {
            boxoffice::db::users::find(c, user_id)
                .unwrap()
                .unwrap()
                .email
        })
        .await;
    assert!(bookings.contains(&email), "the buyer's email is listed");
    // The dashboard counts seats, not bookings.
    let now = app.clock.now();
    let sales = app
        .with_db(move |c| {
            boxoffice::domain::catalogue::event_admin::overview(
                c,
                now,
                &boxoffice::db::events::DeskFilter::Everything,
                boxoffice::domain::desk::desk_pages::DeskAt::First,
            )
            .unwrap()
            .events
        })
        .await;
    let counts = sales[0].types[0].counts;
    assert_eq!((counts.sold, counts.held), (3, 0));
    let dashboard = admin.page("/admin").await;
    assert!(dashboard.contains("Seats sold"));
    assert!(bookings.contains("<td data-label=\"Seats\">3</td>") && bookings.contains("Paid"));
    let refunded = admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refunded.status(), 303);
    assert_eq!(app.available(ticket_type).await, 10);
    assert!(
        app.admissions()
            .await
            .iter()
            .all(|a| a.status == boxoffice::db::status::AdmissionStatus::Void)
    );
    let rows = app
        .with_db(move |c| payment_attempts::for_booking(c, booking_id).unwrap())
        .await;
    assert_eq!(rows[0].status, "refunded");
    app.assert_books_clean().await;
}

#[tokio::test]
async fn cancelling_or_expiring_a_hold_returns_all_its_seats() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 10, 10, "any").await;
    let (ann, answer) = ask(&app, event, ticket_type, "4").await;
    let booking_id = answer.booking_id.unwrap();
    assert_eq!(app.available(ticket_type).await, 6);
    let cancelled = ann.cancel(booking_id).await;
    assert_eq!(location(&cancelled), format!("/events/{event}"));
    assert_eq!(app.available(ticket_type).await, 10);

    // The same user books again (their released row gets a new hold of another size).
    let again = ask_as(&ann, event, ticket_type, "2").await;
    assert_eq!(again.booking_id, Some(booking_id));
    assert_eq!(app.available(ticket_type).await, 8);
    app.clock.advance(chrono::TimeDelta::minutes(16));
    assert_eq!(boxoffice::app::sweeps::sweep_once(&app.state).await, 1);
    assert_eq!(app.available(ticket_type).await, 10);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_bookings_list_is_paginated() {
    let app = TestApp::spawn().await;
    let (event, ticket_type) = one_type(&app, 100, 10, "any").await;
    let now = app.clock.now();
    app.with_db(move |c| {
        use boxoffice::db::models::{NewBooking, NewUser};
        use boxoffice::db::status::BookingStatus;
        for n in 0..53 {
            let user = boxoffice::db::users::insert(
                c,
                &NewUser {
                    email: &format!("listed{n}@example.com"),
                    password_hash: "x",
                    is_admin: false,
                    created_at: now,
                },
            )
            .unwrap();
            boxoffice::db::bookings::insert(
                c,
                &NewBooking {
                    user_id: user.id,
                    event_id: event,
                    ticket_type_id: ticket_type,
                    status: BookingStatus::Cancelled,
                    reserved_until: None,
                    code: &format!("LIST-{n}"),
                    created_at: now,
                    quantity: 1 + n % 3,
                },
            )
            .unwrap();
        }
    })
    .await;
    let admin = app.admin().await;
    let first = admin.page(&format!("/admin/events/{event}/bookings")).await;
    assert!(first.contains("Page 1 of 2") && first.contains("listed52@example.com"));
    assert!(!first.contains("listed0@example.com"));
    let second = admin
        .page(&format!("/admin/events/{event}/bookings?page=2"))
        .await;
    assert!(second.contains("listed0@example.com") && second.contains("Cancelled"));
    let anonymous = app
        .visitor()
        .get(&format!("/admin/events/{event}/bookings"))
        .await;
    assert_eq!(anonymous.status(), 303, "admins only");
}

#[tokio::test]
async fn the_books_check_each_paid_booking_and_the_repair_returns_a_whole_booking() {
    let app = TestApp::spawn().await;

    // Money kept for a cancelled booking of 3 (the old confirm × cancel race) is found
    // and returned in full by the repair.
    let (event, ticket_type) = one_type(&app, 10, 10, "any").await;
    let (ann, answer) = ask(&app, event, ticket_type, "3").await;
    let booking_id = answer.booking_id.unwrap();
    let checkout = ann.path_of(&location(&ann.pay(booking_id).await));
    app.paid_at_provider_unheard(&checkout);
    let reference = app
        .state
        .provider
        .retrieve_session(checkout.trim_start_matches("/test-checkout/"))
        .await
        .unwrap()
        .payment_reference
        .unwrap();
    support::damage::keep_money_for_cancelled_ticket(&app, booking_id, &reference).await;
    assert_eq!(
        app.available(ticket_type).await,
        10,
        "the cancel returned all 3 seats"
    );
    assert!(
        violations(&app)
            .await
            .iter()
            .any(|v| v.contains("money was kept"))
    );
    let repairs = boxoffice::app::refunds::repair_kept_money(&app.state)
        .await
        .unwrap();
    assert_eq!(repairs.len(), 1);
    assert_eq!(repairs[0].kept.amount_pennies, 7500);
    assert!(repairs[0].error.is_none());
    app.assert_books_clean().await;

    // A paid booking of 3 must have admissions 1, 2, 3 and a payment of 3 × the price.
    let (bob, answer) = ask(&app, event, ticket_type, "3").await;
    let paid_id = answer.booking_id.unwrap();
    pay_on_test_provider(&bob, paid_id).await;
    app.assert_books_clean().await;
    app.with_db(move |c| {
        use boxoffice::db::schema::admissions::dsl;
        use diesel::prelude::*;
        diesel::delete(
            dsl::admissions
                .filter(dsl::booking_id.eq(paid_id))
                .filter(dsl::position.eq(2)),
        )
        .execute(c)
        .unwrap();
    })
    .await;
    let found = violations(&app).await;
    assert!(
        found
            .iter()
            .any(|v| v.contains("admissions at positions [1, 3]")),
        "{found:?}"
    );
    // An admission that names another event than its booking's (the door counts read
    // admissions by event).
    let (other, _) = one_type(&app, 10, 10, "any").await;
    app.with_db(move |c| {
        use boxoffice::db::schema::admissions::dsl;
        use diesel::prelude::*;
        diesel::update(
            dsl::admissions
                .filter(dsl::booking_id.eq(paid_id))
                .filter(dsl::position.eq(3)),
        )
        .set(dsl::event_id.eq(other))
        .execute(c)
        .unwrap();
    })
    .await;
    let found = violations(&app).await;
    assert!(
        found.iter().any(|v| v.contains(&format!(
            "names event {other} but its booking {paid_id} is for event {event}"
        ))),
        "{found:?}"
    );
    app.with_db(move |c| {
        use boxoffice::db::schema::payments::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::payments.filter(dsl::booking_id.eq(paid_id)))
            .set(dsl::amount_pennies.eq(2500))
            .execute(c)
            .unwrap();
    })
    .await;
    let found = violations(&app).await;
    assert!(
        found
            .iter()
            .any(|v| v.contains("its 3 seats cost 3 × 2500 EUR")),
        "{found:?}"
    );
}

async fn violations(app: &TestApp) -> Vec<String> {
    app.with_db(|c| {
        boxoffice::domain::audit::books::audit(c)
            .unwrap()
            .violations
    })
    .await
}
