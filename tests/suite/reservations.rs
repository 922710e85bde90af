//! Reserving seats: holds under optimistic locking, one ticket per user per event,
//! cancel and expiry, and no oversell under a burst of real concurrent requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::sweeps;
use boxoffice::domain::bookings::booking_status::BookingStatus;
use chrono::TimeDelta;
use futures_util::future::join_all;
use support::fixtures::EventSpec;
use support::visitor::location;
use support::{TestApp, Visitor};

fn booking_id_of(location: &str) -> i32 {
    location
        .strip_prefix("/bookings/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a ticket location: {location}"))
}

#[tokio::test]
async fn reserving_holds_a_seat_for_the_configured_time() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Jazz").seats("Standing", 2500, 10))
        .await;
    let ann = app.registered("ann@example.com").await;

    let response = ann.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(response.status(), 303);
    let booking_id = booking_id_of(&location(&response));
    let page = ann.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("On hold"));
    assert!(page.contains("Your seat is held for 15 minutes"));
    assert!(
        page.contains("/pay\""),
        "a pay button while the hold is live"
    );

    assert_eq!(app.available(show.ticket_type_ids[0]).await, 9);
    let bookings = app.bookings().await;
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].status, "reserved");
    let held_for = bookings[0].reserved_until.unwrap() - app.clock.now();
    assert!(held_for > TimeDelta::minutes(14) && held_for <= TimeDelta::minutes(15));
    let event_page = ann.page(&format!("/events/{}", show.event_id)).await;
    assert!(event_page.contains("9 left"));
    app.assert_books_clean().await;
}

#[tokio::test]
async fn an_anonymous_visitor_is_sent_to_log_in_and_back() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Jazz")).await;
    let visitor = app.visitor();
    let event_page = visitor.page(&format!("/events/{}", show.event_id)).await;
    assert!(event_page.contains("Log in to reserve"));
    let response = visitor
        .reserve(show.event_id, show.ticket_type_ids[0])
        .await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/login?next="));
    assert!(app.bookings().await.is_empty());
}

#[tokio::test]
async fn five_hundred_buyers_fifty_seats_exactly_fifty_holds() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Rush").seats("GA", 1000, 50))
        .await;
    let buyers = join_all((0..500).map(|i| {
        let app = &app;
        async move { app.registered(&format!("buyer{i}@example.com")).await }
    }))
    .await;
    // Every buyer holds a CSRF token first, then all reserve requests go at once.
    let tokens = join_all(buyers.iter().map(Visitor::csrf_token)).await;
    let ticket_type = show.ticket_type_ids[0].to_string();
    let answers = join_all(buyers.iter().zip(&tokens).map(|(buyer, token)| {
        let ticket_type = ticket_type.clone();
        async move {
            buyer
                .post_raw(
                    &format!("/events/{}/reserve", show.event_id),
                    &[("ticket_type_id", &ticket_type), ("csrf_token", token)],
                )
                .await
        }
    }))
    .await;

    let mut held = 0;
    let mut sold_out = 0;
    for answer in &answers {
        assert_eq!(answer.status(), 303, "never an error: {}", answer.status());
        let to = location(answer);
        if to.starts_with("/bookings/") {
            held += 1;
        } else {
            assert_eq!(to, format!("/events/{}", show.event_id));
            sold_out += 1;
        }
    }
    assert_eq!((held, sold_out), (50, 450));
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 0);
    assert_eq!(app.bookings().await.len(), 50);
    app.assert_books_clean().await;

    // A sold-out buyer is told so on the event page.
    let late = &buyers[answers
        .iter()
        .position(|a| !location(a).starts_with("/bookings/"))
        .unwrap()];
    let page = late.page(&format!("/events/{}", show.event_id)).await;
    assert!(page.contains("sold out"));
}

#[tokio::test]
async fn two_instances_on_one_database_never_oversell() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let show = first
        .create_event(EventSpec::new("Twin").seats("GA", 1000, 30))
        .await;
    let mut buyers = Vec::new();
    for i in 0..120 {
        let app = if i % 2 == 0 { &first } else { &second };
        buyers.push(app.registered(&format!("twin{i}@example.com")).await);
    }
    let answers = join_all(
        buyers
            .iter()
            .map(|b| b.reserve(show.event_id, show.ticket_type_ids[0])),
    )
    .await;
    let held = answers
        .iter()
        .inspect(|a| assert_eq!(a.status(), 303))
        .filter(|a| location(a).starts_with("/bookings/"))
        .count();
    assert_eq!(held, 30);
    assert_eq!(first.available(show.ticket_type_ids[0]).await, 0);
    first.assert_books_clean().await;
}

#[tokio::test]
async fn one_user_firing_twenty_reserves_gets_one_ticket_and_one_decrement() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(
            EventSpec::new("Clicks")
                .seats("A", 1000, 10)
                .seats("B", 500, 10),
        )
        .await;
    let ann = app.registered("ann@example.com").await;
    let token = ann.csrf_token().await;
    let answers = join_all((0..20).map(|i| {
        let ticket_type = show.ticket_type_ids[i % 2].to_string();
        let ann = &ann;
        let token = &token;
        async move {
            ann.post_raw(
                &format!("/events/{}/reserve", show.event_id),
                &[("ticket_type_id", &ticket_type), ("csrf_token", token)],
            )
            .await
        }
    }))
    .await;
    let locations: Vec<String> = answers.iter().map(location).collect();
    assert!(answers.iter().all(|a| a.status() == 303));
    assert!(
        locations.iter().all(|l| l == &locations[0]),
        "every answer ends on the one ticket"
    );
    assert_eq!(app.bookings().await.len(), 1);
    let left =
        app.available(show.ticket_type_ids[0]).await + app.available(show.ticket_type_ids[1]).await;
    assert_eq!(left, 19, "exactly one seat taken");
    app.assert_books_clean().await;
}

#[tokio::test]
async fn cancelling_returns_the_seat_and_the_user_can_reserve_again() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Cancel").seats("GA", 1000, 5))
        .await;
    let ann = app.registered("ann@example.com").await;
    let booking_id = booking_id_of(&location(
        &ann.reserve(show.event_id, show.ticket_type_ids[0]).await,
    ));
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 4);

    let response = ann.cancel(booking_id).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/events/{}", show.event_id));
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 5);
    assert_eq!(app.bookings().await[0].status, "cancelled");
    assert_eq!(
        ann.cancel(booking_id).await.status(),
        409,
        "a second cancel changes nothing"
    );
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 5);

    let again = ann.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(
        booking_id_of(&location(&again)),
        booking_id,
        "the user's one row is reused"
    );
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 4);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn sold_out_is_a_clear_answer_not_an_error() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Tiny").seats("Only", 1000, 1))
        .await;
    let ann = app.registered("ann@example.com").await;
    let bob = app.registered("bob@example.com").await;
    assert!(
        location(&ann.reserve(show.event_id, show.ticket_type_ids[0]).await)
            .starts_with("/bookings/")
    );
    let response = bob.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(location(&response), format!("/events/{}", show.event_id));
    let page = bob.page(&format!("/events/{}", show.event_id)).await;
    assert!(page.contains("Sorry, that ticket type is sold out."));
    assert!(page.contains("Sold out"));
}

#[tokio::test]
async fn unpublished_started_and_foreign_ticket_types_cannot_be_reserved() {
    let app = TestApp::spawn().await;
    let hidden = app
        .create_event(EventSpec::new("Hidden").unpublished())
        .await;
    let started = app
        .create_event(EventSpec::new("Started").starting_in(TimeDelta::minutes(-5)))
        .await;
    let open = app.create_event(EventSpec::new("Open")).await;
    let ann = app.registered("ann@example.com").await;

    assert_eq!(
        ann.reserve(hidden.event_id, hidden.ticket_type_ids[0])
            .await
            .status(),
        404
    );
    assert_eq!(
        ann.reserve(started.event_id, started.ticket_type_ids[0])
            .await
            .status(),
        409
    );
    // A readable form naming a ticket type that is not this event's: 422.
    assert_eq!(
        ann.reserve(open.event_id, started.ticket_type_ids[0])
            .await
            .status(),
        422
    );
    assert_eq!(ann.reserve(open.event_id, 999_999).await.status(), 422);
    let not_a_number = ann
        .post(
            &format!("/events/{}/reserve", open.event_id),
            &[("ticket_type_id", "x")],
        )
        .await;
    assert_eq!(not_a_number.status(), 400);
    assert!(app.bookings().await.is_empty());
    for ticket_type in [
        hidden.ticket_type_ids[0],
        started.ticket_type_ids[0],
        open.ticket_type_ids[0],
    ] {
        assert_eq!(app.available(ticket_type).await, 100);
    }
}

#[tokio::test]
async fn someone_elses_ticket_is_not_found() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Private")).await;
    let ann = app.registered("ann@example.com").await;
    let eve = app.registered("eve@example.com").await;
    let booking_id = booking_id_of(&location(
        &ann.reserve(show.event_id, show.ticket_type_ids[0]).await,
    ));

    assert_eq!(
        eve.get(&format!("/bookings/{booking_id}")).await.status(),
        404
    );
    assert_eq!(eve.cancel(booking_id).await.status(), 404);
    assert_eq!(eve.get("/bookings/424242").await.status(), 404);
    assert_eq!(app.bookings().await[0].status, "reserved");
    let mine = eve.page("/bookings").await;
    assert!(!mine.contains("Private"));
}

#[tokio::test]
async fn reserving_without_the_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Forms")).await;
    let ann = app.registered("ann@example.com").await;
    let id = show.ticket_type_ids[0].to_string();
    let response = ann
        .post_raw(
            &format!("/events/{}/reserve", show.event_id),
            &[("ticket_type_id", &id)],
        )
        .await;
    assert_eq!(response.status(), 403);
    assert!(app.bookings().await.is_empty());
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 100);
}

#[tokio::test]
async fn lapsed_holds_are_released_once_while_two_sweepers_race() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Expiry").seats("GA", 1000, 40))
        .await;
    let mut buyers = Vec::new();
    for i in 0..25 {
        let buyer = app.registered(&format!("late{i}@example.com")).await;
        assert!(
            location(&buyer.reserve(show.event_id, show.ticket_type_ids[0]).await)
                .starts_with("/bookings/")
        );
        buyers.push(buyer);
    }
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 15);

    // Before the time runs out the sweeper releases nothing.
    assert_eq!(sweeps::sweep_once(&app.state).await, 0);

    app.clock.advance(TimeDelta::minutes(16));
    let page = buyers[0].page("/bookings").await;
    assert!(
        page.contains("Hold expired"),
        "pages treat a lapsed hold as expired before any sweep"
    );

    let other = app.another_instance().await;
    let (a, b) = tokio::join!(
        sweeps::sweep_once(&app.state),
        sweeps::sweep_once(&other.state)
    );
    assert_eq!(
        a + b,
        25,
        "each hold released exactly once between the two sweepers"
    );
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 40);
    assert!(
        app.bookings()
            .await
            .iter()
            .all(|t| t.status == BookingStatus::Expired.as_str())
    );
    app.assert_books_clean().await;

    // The user can reserve again, once the cool-down after a lapsed hold (5 minutes from
    // the lapse by default) has passed.
    app.clock.advance(TimeDelta::minutes(5));
    let again = buyers[0]
        .reserve(show.event_id, show.ticket_type_ids[0])
        .await;
    assert!(location(&again).starts_with("/bookings/"));
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 39);
}

#[tokio::test]
async fn a_lapsed_hold_is_released_by_the_next_reserve_without_waiting_for_the_sweeper() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("NoWait").seats("GA", 1000, 1))
        .await;
    let ann = app.registered("ann@example.com").await;
    let first = booking_id_of(&location(
        &ann.reserve(show.event_id, show.ticket_type_ids[0]).await,
    ));
    // Past the hold (15 minutes) and the cool-down after its lapse (5 more).
    app.clock.advance(TimeDelta::minutes(21));
    let again = ann.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(
        booking_id_of(&location(&again)),
        first,
        "her own lapsed seat is hers again"
    );
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 0);
    let bookings = app.bookings().await;
    assert_eq!(bookings[0].hold_number, 2);
    app.assert_books_clean().await;
}
