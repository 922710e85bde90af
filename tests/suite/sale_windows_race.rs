//! Sale windows under deliberate concurrency (issue 24, item 7): an admin's new window
//! bumps the lock_version, so a hold that judged the old window loses its optimistic
//! update and is judged again (with a control: closed without the bump, the hold sells
//! a seat after sales ended); a burst of buyers on two instances as the window opens
//! (the test clocks move once a quarter of them were answered) never holds a seat before
//! it; an admin closing sales in the middle of a burst leaves no error, balanced books
//! and nothing sold after the answer. The edges and the pages are in sale_windows.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use boxoffice::db::models::TicketType;
use boxoffice::db::schema::ticket_types::dsl;
use boxoffice::db::{connect, ticket_types};
use boxoffice::domain::bookings::inventory;
use boxoffice::domain::bookings::selling_rules::RuleRefusal;
use boxoffice::domain::catalogue::sale_window::{SaleMoment, SaleWindow};
use boxoffice::domain::common::time_zone;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::json;
use support::TestApp;
use support::fixtures::EventSpec;
use support::race::all_together;
use support::visitor::location;

/// One racing request of a burst: its status and where it led (or the admin's answer).
type Racer = std::pin::Pin<Box<dyn Future<Output = (u16, String)> + Send>>;

/// Sets a ticket type's window directly (test set-up), bumping its lock_version as the
/// admin's update does.
async fn set_window(
    app: &TestApp,
    ticket_type: i32,
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) {
    app.with_db(move |conn| {
        let seen = ticket_types::find(conn, ticket_type).unwrap().unwrap();
        assert!(
            ticket_types::set_sale_window(conn, ticket_type, seen.lock_version, from, until)
                .unwrap()
                .applied()
        );
    })
    .await;
}

async fn ticket_type(app: &TestApp, id: i32) -> TicketType {
    app.with_db(move |conn| ticket_types::find(conn, id).unwrap().unwrap())
        .await
}

fn time_zone_utc(time: NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A hold reads the row and judges the window open; the admin then closes the window
/// (with the lock_version bump, or in the control without it); then the hold writes
/// its seat at the lock_version it read. Returns what the hold ended with.
fn closed_between_read_and_write(
    url: &str,
    ticket_type: i32,
    bump: bool,
) -> Result<i32, RuleRefusal> {
    let pool = connect(url, 2, Duration::from_secs(10)).unwrap();
    let read = Arc::new(Barrier::new(2));
    let closed = Arc::new(Barrier::new(2));
    let now = chrono::Utc::now().naive_utc();
    let moment = SaleMoment {
        now,
        zone: time_zone::UTC,
    };
    let admin = {
        let (pool, read, closed) = (pool.clone(), read.clone(), closed.clone());
        std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            read.wait();
            let ends = Some(now - TimeDelta::minutes(1));
            if bump {
                let seen = ticket_types::find(&mut conn, ticket_type).unwrap().unwrap();
                assert!(
                    ticket_types::set_sale_window(
                        &mut conn,
                        ticket_type,
                        seen.lock_version,
                        None,
                        ends
                    )
                    .unwrap()
                    .applied()
                );
            } else {
                diesel::update(dsl::ticket_types.find(ticket_type))
                    .set(dsl::sale_ends_at.eq(ends))
                    .execute(&mut conn)
                    .unwrap();
            }
            closed.wait();
        })
    };
    let mut conn = pool.get().unwrap();
    let seen = ticket_types::find(&mut conn, ticket_type).unwrap().unwrap();
    assert_eq!(
        SaleWindow::of(&seen).judge(moment),
        Ok(()),
        "on the read, the window is open"
    );
    read.wait();
    closed.wait();
    admin.join().unwrap();
    if ticket_types::move_inventory(&mut conn, ticket_type, seen.lock_version, -1, 0)
        .unwrap()
        .applied()
    {
        return Ok(1);
    }
    // Lost the race: the allocation reads again and judges the new window.
    inventory::allocate(&mut conn, ticket_type, &[1], moment).unwrap()[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn control_a_window_closed_without_the_lock_version_bump_sells_after_it_closed() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Control")).await;
    let standing = show.ticket_type_ids[0];
    let url = app.database.url.clone();
    let outcome =
        tokio::task::spawn_blocking(move || closed_between_read_and_write(&url, standing, false))
            .await
            .unwrap();
    assert_eq!(outcome, Ok(1), "the hold believes the window is open");
    let closed = ticket_type(&app, standing).await;
    assert!(closed.sale_ends_at.is_some());
    assert_eq!(
        closed.available_tickets_count, 99,
        "and a seat was taken after sales ended"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_bump_a_hold_that_read_the_old_window_loses_and_is_refused() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Guarded")).await;
    let standing = show.ticket_type_ids[0];
    let url = app.database.url.clone();
    let outcome =
        tokio::task::spawn_blocking(move || closed_between_read_and_write(&url, standing, true))
            .await
            .unwrap();
    assert_eq!(outcome, Err(RuleRefusal::SalesEnded));
    assert_eq!(app.available(standing).await, 100, "nothing sold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_buyers_as_the_window_opens_never_holds_a_seat_before_it() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    const BUYERS: usize = 120;
    // More seats than buyers: every refusal is a request that read a `now` before the
    // opening.
    const SEATS: i32 = 200;
    // The opening comes once this many buyers have been answered: those were all too
    // early, and the requests still in flight read their `now` on either side of it.
    const EARLY: usize = BUYERS / 4;
    let mut early_in_all = Vec::new();
    for round in 0..3 {
        let show = app
            .create_event(EventSpec::new(&format!("Opening {round}")).seats("GA", 1000, SEATS))
            .await;
        let (event, ga) = (show.event_id, show.ticket_type_ids[0]);
        let buyers = futures_util::future::join_all((0..BUYERS).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            async move {
                instance
                    .registered(&format!("r{round}-b{i}@example.com"))
                    .await
            }
        }))
        .await;
        let tokens = futures_util::future::join_all(buyers.iter().map(|b| b.csrf_token())).await;
        // Both instances' clocks move together; the window opens an hour ahead of them.
        let opens = app.clock.now().max(other.clock.now()) + TimeDelta::hours(1);
        set_window(&app, ga, Some(opens), None).await;
        let answered = Arc::new(AtomicUsize::new(0));
        let mut racers: Vec<Racer> = buyers
            .into_iter()
            .zip(tokens)
            .map(|(buyer, token)| {
                let answered = answered.clone();
                Box::pin(async move {
                    let answer = buyer
                        .post_raw(
                            &format!("/events/{event}/reserve"),
                            &[
                                ("ticket_type_id", ga.to_string().as_str()),
                                ("quantity", "1"),
                                ("csrf_token", token.as_str()),
                            ],
                        )
                        .await;
                    answered.fetch_add(1, Ordering::SeqCst);
                    (answer.status().as_u16(), location(&answer))
                }) as Racer
            })
            .collect();
        let (clock_a, clock_b, seen) = (app.clock.clone(), other.clock.clone(), answered.clone());
        racers.push(Box::pin(async move {
            support::deadline(Duration::from_secs(60), || {
                let seen = seen.clone();
                async move { seen.load(Ordering::SeqCst) >= EARLY }
            })
            .await;
            clock_a.advance(TimeDelta::hours(1));
            clock_b.advance(TimeDelta::hours(1));
            (0, String::new())
        }));
        let answers = all_together(racers).await;
        let mut held = 0;
        for (status, to) in &answers[..BUYERS] {
            assert_eq!(*status, 303, "never an error");
            if to.starts_with("/bookings/") {
                held += 1;
            } else {
                assert_eq!(to, &format!("/events/{event}"), "refused back to the page");
            }
        }
        let bookings: Vec<_> = app
            .bookings()
            .await
            .into_iter()
            .filter(|t| t.ticket_type_id == ga)
            .collect();
        assert_eq!(bookings.len(), held);
        assert!(
            bookings.iter().all(|t| t.created_at >= opens),
            "round {round}: a seat held before the window opened: {:?}",
            bookings
                .iter()
                .filter(|t| t.created_at < opens)
                .map(|t| t.created_at)
                .collect::<Vec<_>>()
        );
        assert!(
            BUYERS - held >= EARLY,
            "round {round}: the first {EARLY} answers came before the opening, yet only {} were refused",
            BUYERS - held
        );
        assert_eq!(
            app.available(ga).await + held as i32,
            SEATS,
            "every seat is held or available, once"
        );
        early_in_all.push(BUYERS - held);
        // After the opening, the next buyer is served.
        let after = app.registered(&format!("r{round}-after@example.com")).await;
        let answer = after.reserve_n(event, ga, "1").await;
        assert!(location(&answer).starts_with("/bookings/"), "open now");
    }
    eprintln!("refused as too early, per round (of {BUYERS}): {early_in_all:?}");
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_closing_sales_during_a_burst_leaves_no_error_and_nothing_sold_after() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let admin = app.api_admin().await;
    const BUYERS: usize = 100;
    // Twice the seats asked for: a refusal is the closed window, never a sell-out.
    const SEATS: i32 = 400;
    for round in 0..3 {
        let show = app
            .create_event(EventSpec::new(&format!("Closing {round}")).seats("GA", 1000, SEATS))
            .await;
        let (event, ga) = (show.event_id, show.ticket_type_ids[0]);
        let buyers = futures_util::future::join_all((0..BUYERS).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            async move {
                instance
                    .registered(&format!("c{round}-b{i}@example.com"))
                    .await
            }
        }))
        .await;
        let tokens = futures_util::future::join_all(buyers.iter().map(|b| b.csrf_token())).await;
        // Sales end a minute before any buyer's `now`: once the admin's update commits,
        // no hold may be made; before it, holds are fine.
        let until = time_zone_utc(app.clock.now() - TimeDelta::minutes(1));
        let mut racers: Vec<Racer> = buyers
            .into_iter()
            .zip(tokens)
            .map(|(buyer, token)| {
                Box::pin(async move {
                    let answer = buyer
                        .post_raw(
                            &format!("/events/{event}/reserve"),
                            &[
                                ("ticket_type_id", ga.to_string().as_str()),
                                ("quantity", "2"),
                                ("csrf_token", token.as_str()),
                            ],
                        )
                        .await;
                    (answer.status().as_u16(), location(&answer))
                }) as Racer
            })
            .collect();
        let closer = admin.clone();
        racers.insert(
            BUYERS / 2,
            Box::pin(async move {
                let reply = closer
                    .patch(
                        &format!("/admin/ticket-types/{ga}"),
                        &json!({ "sale_ends_at": until }),
                    )
                    .await;
                (reply.status, reply.json["sale_status"].to_string())
            }),
        );
        let answers = all_together(racers).await;
        let (closed, buyers_answers): (Vec<_>, Vec<_>) = answers
            .into_iter()
            .enumerate()
            .partition(|(i, _)| *i == BUYERS / 2);
        assert_eq!(
            closed[0].1,
            (200, "\"sales_ended\"".to_owned()),
            "round {round}"
        );
        let mut held = 0;
        for (_, (status, to)) in &buyers_answers {
            assert_eq!(*status, 303, "round {round}: never an error");
            if to.starts_with("/bookings/") {
                held += 2;
            } else {
                assert_eq!(to, &format!("/events/{event}"));
            }
        }
        assert_eq!(app.available(ga).await + held, SEATS, "round {round}");
        // Once the admin has the answer, nobody else gets a seat, on either instance.
        for (i, instance) in [&app, &other].into_iter().enumerate() {
            let late = instance
                .registered(&format!("c{round}-late{i}@example.com"))
                .await;
            let answer = late.reserve_n(event, ga, "1").await;
            assert_eq!(location(&answer), format!("/events/{event}"));
        }
        assert_eq!(app.available(ga).await + held, SEATS);
        eprintln!("round {round}: {} seats held before sales closed", held);
    }
    app.assert_books_clean().await;
}
