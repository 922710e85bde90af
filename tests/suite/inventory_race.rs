//! The optimistic lock, driven deliberately: many writers read the same row, wait at a
//! barrier, then all write at once. Without the lock_version condition (the control) they
//! all "succeed" and seats are sold twice; with it exactly one wins each round.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use boxoffice::db::schema::ticket_types::dsl;
use boxoffice::db::{connect, migrations, ticket_types};
use boxoffice::domain::bookings::inventory;
use diesel::prelude::*;
use support::TestDatabase;
use support::fixtures::EventSpec;

const WRITERS: usize = 8;

async fn ticket_type(app: &support::TestApp, seats: i32) -> i32 {
    app.create_event(EventSpec::new("Race").seats("GA", 1000, seats))
        .await
        .ticket_type_ids[0]
}

/// Runs `write` on `WRITERS` threads, each with its own connection, after all have read.
fn burst(
    url: &str,
    ticket_type_id: i32,
    write: fn(&mut boxoffice::db::Conn, i32, i32, i32) -> bool,
) -> usize {
    let pool = connect(url, WRITERS as u32, Duration::from_secs(10)).unwrap();
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let seen = ticket_types::find(&mut conn, ticket_type_id)
                    .unwrap()
                    .unwrap();
                barrier.wait();
                write(
                    &mut conn,
                    ticket_type_id,
                    seen.lock_version,
                    seen.available_tickets_count,
                )
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|&won| won)
        .count()
}

fn naive_write(
    conn: &mut boxoffice::db::Conn,
    id: i32,
    _version: i32,
    seen_available: i32,
) -> bool {
    diesel::update(dsl::ticket_types.find(id))
        .set(dsl::available_tickets_count.eq(seen_available - 1))
        .execute(conn)
        .unwrap()
        == 1
}

fn guarded_write(conn: &mut boxoffice::db::Conn, id: i32, version: i32, _seen: i32) -> bool {
    ticket_types::move_inventory(conn, id, version, -1, 0)
        .unwrap()
        .applied()
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_lock_version_a_burst_sells_seats_twice() {
    let app = support::TestApp::spawn().await;
    let ticket_type = ticket_type(&app, 10).await;
    let url = app.database.url.clone();
    let winners = tokio::task::spawn_blocking(move || burst(&url, ticket_type, naive_write))
        .await
        .unwrap();
    let left = app.available(ticket_type).await;
    assert_eq!(
        winners, WRITERS,
        "every naive writer believes it took a seat"
    );
    assert_eq!(
        left,
        9,
        "but only one seat left the inventory: {} sold twice",
        WRITERS - 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_lock_version_exactly_one_writer_wins() {
    let app = support::TestApp::spawn().await;
    let ticket_type = ticket_type(&app, 10).await;
    let url = app.database.url.clone();
    let winners = tokio::task::spawn_blocking(move || burst(&url, ticket_type, guarded_write))
        .await
        .unwrap();
    assert_eq!(winners, 1);
    assert_eq!(app.available(ticket_type).await, 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn take_seat_retries_lost_races_until_sold_out() {
    let app = support::TestApp::spawn().await;
    let ticket_type = ticket_type(&app, 5).await;
    let url = app.database.url.clone();
    let taken = tokio::task::spawn_blocking(move || {
        let pool = connect(&url, WRITERS as u32, Duration::from_secs(10)).unwrap();
        let handles: Vec<_> = (0..WRITERS * 2)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let mut conn = pool.get().unwrap();
                    inventory::take_seat(&mut conn, ticket_type)
                        .unwrap()
                        .is_ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&t| t)
            .count()
    })
    .await
    .unwrap();
    assert_eq!(taken, 5);
    assert_eq!(app.available(ticket_type).await, 0);
}

#[test]
fn the_database_refuses_a_negative_inventory() {
    let database = TestDatabase::create();
    let pool = connect(&database.url, 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    migrations::run_pending(&mut conn).unwrap();
    diesel::sql_query(
        "INSERT INTO events (title, description, venue, starts_at, ends_at, published, created_at) \
         VALUES ('C', '', 'V', '2030-01-01 10:00:00', '2030-01-01 12:00:00', TRUE, '2026-01-01 00:00:00')",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO ticket_schemas (event_id, name, amount_pennies, currency, total_tickets, available_tickets_count) \
         VALUES (1, 'GA', 100, 'EUR', 1, 1)",
    )
    .execute(&mut conn)
    .unwrap();
    let below_zero = diesel::update(dsl::ticket_types.find(1))
        .set(dsl::available_tickets_count.eq(-1))
        .execute(&mut conn);
    assert!(below_zero.is_err(), "CHECK (available_tickets_count >= 0)");
    let above_total = diesel::update(dsl::ticket_types.find(1))
        .set(dsl::available_tickets_count.eq(2))
        .execute(&mut conn);
    assert!(
        above_total.is_err(),
        "CHECK (available_tickets_count <= total_tickets)"
    );
}

#[tokio::test]
async fn a_batch_of_buyers_is_served_in_order_with_duplicates_and_sell_out() {
    use boxoffice::domain::bookings::hold_rules::{HoldRequest, HoldRules};
    use boxoffice::domain::bookings::reservation::{ReserveOutcome, hold_seats};
    let app = support::TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Batch").seats("GA", 1000, 4))
        .await;
    let (event, ticket_type) = (show.event_id, show.ticket_type_ids[0]);
    let ann = app.registered("ann@example.com").await;
    ann.reserve(event, ticket_type).await;
    let mut ids = Vec::new();
    for email in ["ann", "bob", "cat", "dan", "eve"] {
        let email = format!("{email}@example.com");
        if email != "ann@example.com" {
            app.registered(&email).await;
        }
        let user = app
            .with_db(move |c| {
                boxoffice::db::users::find_by_email(c, &email)
                    .unwrap()
                    .unwrap()
            })
            .await;
        ids.push(user.id);
    }
    let (ann_id, bob, cat, dan, eve) = (ids[0], ids[1], ids[2], ids[3], ids[4]);
    let now = app.clock.now();
    let batch: Vec<HoldRequest> = [bob, cat, bob, dan, eve, ann_id]
        .into_iter()
        .map(|user| HoldRequest::new(user, 1, "192.0.2.1"))
        .collect();
    let outcomes = app
        .with_db(move |c| {
            hold_seats(
                c,
                now,
                chrono::TimeDelta::minutes(15),
                HoldRules::off(),
                event,
                ticket_type,
                &batch,
            )
            .unwrap()
        })
        .await;
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|o| match o {
            ReserveOutcome::Reserved(_) => "reserved",
            ReserveOutcome::SoldOut => "sold out",
            ReserveOutcome::AlreadyHolding(_) => "already",
            ReserveOutcome::Refused(_) => "refused",
            ReserveOutcome::Limited(_) => "limited",
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "reserved", "reserved", "already", "reserved", "sold out", "already"
        ]
    );
    assert_eq!(app.available(ticket_type).await, 0);
    assert_eq!(app.bookings().await.len(), 4);
    app.assert_books_clean().await;
}
