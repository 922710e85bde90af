//! Selling rules under deliberate concurrency: the rule is judged inside the
//! transaction, on the state its optimistic update guards, never on a read before it.
//! Two buyers released at one instant (on one instance, whose seat line batches them,
//! and on two instances sharing the database, where the lock_version decides), a burst
//! of mixed quantities, one user's parallel requests, and a control showing that a rule
//! judged on a stale read is broken by the very race the guard prevents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use boxoffice::db::schema::ticket_types::dsl;
use boxoffice::db::{connect, ticket_types};
use boxoffice::domain::bookings::inventory;
use boxoffice::domain::bookings::selling_rules::{self, RuleRefusal, SellingRule};
use boxoffice::domain::catalogue::sale_window::SaleMoment;
use diesel::prelude::*;
use futures_util::future::join_all;
use support::fixtures::EventSpec;
use support::race::together;
use support::visitor::location;
use support::{TestApp, Visitor};

const ROUNDS: usize = 6;

async fn rule_type(app: &TestApp, title: &str, seats: i32, rule: &str) -> (i32, i32) {
    let show = app
        .create_event(EventSpec::new(title).seats("GA", 1000, seats))
        .await;
    app.set_terms(show.ticket_type_ids[0], 10, rule).await;
    (show.event_id, show.ticket_type_ids[0])
}

/// A reserve POST with a token in hand, ready to be released at once.
async fn reserve_later(
    buyer: Visitor,
    token: String,
    event: i32,
    ticket_type: i32,
    quantity: i32,
) -> (u16, String) {
    let response = buyer
        .post_raw(
            &format!("/events/{event}/reserve"),
            &[
                ("ticket_type_id", ticket_type.to_string().as_str()),
                ("quantity", quantity.to_string().as_str()),
                ("csrf_token", token.as_str()),
            ],
        )
        .await;
    (response.status().as_u16(), location(&response))
}

/// Two buyers of `quantity` released together, on one instance or on two; returns how
/// many got a booking.
async fn two_buyers_at_once(
    app: &TestApp,
    other: &TestApp,
    round: usize,
    seats: i32,
    rule: &str,
    quantity: i32,
) -> (usize, i32) {
    let (event, ticket_type) = rule_type(app, &format!("{rule} round {round}"), seats, rule).await;
    let a = app
        .registered(&format!("a{round}-{rule}@example.com"))
        .await;
    let b = other
        .registered(&format!("b{round}-{rule}@example.com"))
        .await;
    let (ta, tb) = (a.csrf_token().await, b.csrf_token().await);
    let (first, second) = together(
        reserve_later(a, ta, event, ticket_type, quantity),
        reserve_later(b, tb, event, ticket_type, quantity),
    )
    .await;
    assert_eq!((first.0, second.0), (303, 303), "never an error");
    let held = [&first.1, &second.1]
        .iter()
        .filter(|to| to.starts_with("/bookings/"))
        .count();
    (held, app.available(ticket_type).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn avoid_one_with_three_left_and_two_buyers_of_one_ends_with_one_hold() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    for round in 0..ROUNDS {
        // Even rounds: both on one instance; odd rounds: one on each.
        let second = if round % 2 == 0 { &app } else { &other };
        let (held, left) = two_buyers_at_once(&app, second, round, 3, "avoid_one", 1).await;
        assert_eq!(
            (held, left),
            (1, 2),
            "round {round}: the second hold would leave a single seat"
        );
    }
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn all_together_with_four_left_and_two_buyers_of_four_ends_with_one_booking() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    for round in 0..ROUNDS {
        let second = if round % 2 == 0 { &app } else { &other };
        let (held, left) = two_buyers_at_once(&app, second, round, 4, "all_together", 4).await;
        assert_eq!((held, left), (1, 0), "round {round}");
    }
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_mixed_quantities_never_holds_more_seats_than_there_are() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (event, ticket_type) = rule_type(&app, "Mixed rush", 100, "any").await;
    app.set_terms(ticket_type, 4, "any").await;
    let buyers = join_all((0..300).map(|i| {
        let instance = if i % 2 == 0 { &app } else { &other };
        async move { instance.registered(&format!("rush{i}@example.com")).await }
    }))
    .await;
    let tokens = join_all(buyers.iter().map(Visitor::csrf_token)).await;
    let quantity_of = |i: usize| (i % 4) as i32 + 1;
    let answers = join_all(
        buyers
            .iter()
            .zip(&tokens)
            .enumerate()
            .map(|(i, (buyer, token))| {
                let (ticket_type, quantity) = (ticket_type.to_string(), quantity_of(i).to_string());
                async move {
                    let response = buyer
                        .post_raw(
                            &format!("/events/{event}/reserve"),
                            &[
                                ("ticket_type_id", ticket_type.as_str()),
                                ("quantity", quantity.as_str()),
                                ("csrf_token", token.as_str()),
                            ],
                        )
                        .await;
                    (response.status().as_u16(), location(&response))
                }
            }),
    )
    .await;

    let left = app.available(ticket_type).await;
    let mut held_seats = 0;
    let mut refused = Vec::new();
    for (i, (status, to)) in answers.iter().enumerate() {
        assert_eq!(*status, 303, "buyer {i}: never an error");
        if to.starts_with("/bookings/") {
            held_seats += quantity_of(i);
        } else {
            assert_eq!(to, &format!("/events/{event}"));
            refused.push(quantity_of(i));
        }
    }
    assert_eq!(
        held_seats + left,
        100,
        "every seat is available or held, once"
    );
    assert!(held_seats <= 100);
    // Fewer than 100 only where every refused request asked for more than was left.
    if left > 0 {
        assert!(
            refused.iter().all(|&q| q > left),
            "{left} seats left, yet a request that fits was refused: {refused:?}"
        );
    }
    let bookings = app.bookings().await;
    assert_eq!(
        bookings.iter().map(|t| t.quantity).sum::<i32>(),
        held_seats,
        "the bookings hold exactly the seats taken"
    );
    assert!(bookings.iter().all(|t| (1..=4).contains(&t.quantity)));
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_user_sending_ten_reserves_at_once_gets_one_booking() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (event, ticket_type) = rule_type(&app, "Impatient", 50, "any").await;
    let ann = app.registered("ann@example.com").await;
    let token = ann.csrf_token().await;
    // The same session on both instances (they share the session key and the database).
    let on_other = ann.at(&other.address);
    let answers = join_all((1..=10).map(|quantity: i32| {
        let visitor = if quantity % 2 == 0 { &on_other } else { &ann };
        let (ticket_type, quantity, token) =
            (ticket_type.to_string(), quantity.to_string(), &token);
        async move {
            let response = visitor
                .post_raw(
                    &format!("/events/{event}/reserve"),
                    &[
                        ("ticket_type_id", ticket_type.as_str()),
                        ("quantity", quantity.as_str()),
                        ("csrf_token", token.as_str()),
                    ],
                )
                .await;
            (response.status().as_u16(), location(&response))
        }
    }))
    .await;
    let bookings = app.bookings().await;
    assert_eq!(bookings.len(), 1, "one booking per person per event");
    let booking = &bookings[0];
    for (status, to) in &answers {
        assert_eq!(*status, 303);
        assert_eq!(
            to,
            &format!("/bookings/{}", booking.id),
            "every answer is the one booking"
        );
    }
    assert_eq!(app.available(ticket_type).await, 50 - booking.quantity);
    app.assert_books_clean().await;
}

/// A moment for a type without a sale window (any instant is inside it).
fn open_now() -> SaleMoment {
    SaleMoment {
        now: chrono::Utc::now().naive_utc(),
        zone: boxoffice::domain::common::time_zone::UTC,
    }
}

/// Two writers read the same row of an `avoid_one` type with 3 seats left, both judge
/// "1 seat leaves 2: fine", then both write at once.
fn judged_before_the_write(
    url: &str,
    ticket_type: i32,
    guarded: bool,
) -> Vec<Result<(), RuleRefusal>> {
    let pool = connect(url, 2, Duration::from_secs(10)).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let seen = ticket_types::find(&mut conn, ticket_type).unwrap().unwrap();
                let judged = selling_rules::judge(
                    SellingRule::AvoidOne,
                    seen.max_per_order,
                    seen.available_tickets_count,
                    1,
                );
                assert_eq!(judged, Ok(()), "on the read, one seat is fine");
                barrier.wait();
                if !guarded {
                    diesel::update(dsl::ticket_types.find(ticket_type))
                        .set(dsl::available_tickets_count.eq(dsl::available_tickets_count - 1))
                        .execute(&mut conn)
                        .unwrap();
                    return Ok(());
                }
                if ticket_types::move_inventory(&mut conn, ticket_type, seen.lock_version, -1, 0)
                    .unwrap()
                    .applied()
                {
                    return Ok(());
                }
                // Lost the race: the allocation re-reads and judges again.
                inventory::allocate(&mut conn, ticket_type, &[1], open_now()).unwrap()[0]
                    .map(|_| ())
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn control_a_rule_judged_on_a_read_before_an_unguarded_write_is_broken() {
    let app = TestApp::spawn().await;
    let (_, ticket_type) = rule_type(&app, "Control", 3, "avoid_one").await;
    let url = app.database.url.clone();
    let outcomes =
        tokio::task::spawn_blocking(move || judged_before_the_write(&url, ticket_type, false))
            .await
            .unwrap();
    assert_eq!(outcomes, vec![Ok(()), Ok(())], "both believe they may");
    assert_eq!(
        app.available(ticket_type).await,
        1,
        "and together they left the single seat the rule forbids"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_lock_version_the_loser_is_judged_again_and_refused() {
    let app = TestApp::spawn().await;
    let (_, ticket_type) = rule_type(&app, "Guarded", 3, "avoid_one").await;
    let url = app.database.url.clone();
    let mut outcomes =
        tokio::task::spawn_blocking(move || judged_before_the_write(&url, ticket_type, true))
            .await
            .unwrap();
    outcomes.sort_by_key(Result::is_err);
    assert_eq!(outcomes, vec![Ok(()), Err(RuleRefusal::WouldLeaveOne)]);
    assert_eq!(app.available(ticket_type).await, 2);
}
