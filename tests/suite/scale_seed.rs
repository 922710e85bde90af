//! `boxoffice seed-scale` at a small size: the counts asked for, every booking state, books
//! that `boxoffice check` finds clean, seeded users who can log in, and a second run that
//! appends after the first, and an admin dashboard a page of events at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::process::{Command, Output};

use boxoffice::db::schema::{admissions, bookings, events, payments, ticket_types, users};
use boxoffice::domain::{audit::books, payments as payment_rules, seed::scale_seed};
use diesel::prelude::*;
use support::{SESSION_KEY, TestApp, TestDatabase};

fn boxoffice(database: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("SESSION_KEY", SESSION_KEY)
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[derive(Debug, PartialEq, Eq)]
struct Counts {
    events: i64,
    ticket_types: i64,
    users: i64,
    bookings: i64,
}

#[tokio::test]
async fn seed_scale_writes_every_state_with_clean_books() {
    let app = TestApp::spawn().await;
    let seeded = boxoffice(
        &app.database,
        &[
            "seed-scale",
            "--events",
            "20",
            "--users",
            "200",
            "--bookings",
            "1000",
        ],
    );
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(
        text(&seeded).contains("seeded 20 events, 100 ticket types, 200 users, 1000 bookings"),
        "{}",
        text(&seeded)
    );

    let counts = |conn: &mut boxoffice::db::Conn| Counts {
        events: events::table.count().get_result(conn).unwrap(),
        ticket_types: ticket_types::table.count().get_result(conn).unwrap(),
        users: users::table.count().get_result(conn).unwrap(),
        bookings: bookings::table.count().get_result(conn).unwrap(),
    };
    let found = app.with_db(counts).await;
    assert_eq!(
        found,
        Counts {
            events: 20,
            ticket_types: 100,
            users: 200,
            bookings: 1000
        }
    );

    let (statuses, paid_seats, admissions, checked_in, paid_payments) = app
        .with_db(|conn| {
            let statuses: Vec<String> = bookings::table
                .select(bookings::status)
                .distinct()
                .order(bookings::status)
                .load(conn)
                .unwrap();
            let paid_seats: Option<i64> = bookings::table
                .filter(bookings::status.eq_any(["paid", "refunded"]))
                .select(diesel::dsl::sum(bookings::quantity))
                .first(conn)
                .unwrap();
            let admissions: i64 = admissions::table.count().get_result(conn).unwrap();
            let checked_in: i64 = admissions::table
                .filter(admissions::checked_in_at.is_not_null())
                .count()
                .get_result(conn)
                .unwrap();
            let paid_payments: i64 = payments::table
                .filter(payments::status.eq("paid"))
                .count()
                .get_result(conn)
                .unwrap();
            (statuses, paid_seats, admissions, checked_in, paid_payments)
        })
        .await;
    assert_eq!(
        statuses,
        ["cancelled", "expired", "paid", "refunded", "reserved"]
    );
    assert_eq!(Some(admissions), paid_seats, "one admission per seat sold");
    assert!(checked_in > 0, "some seats were scanned at the door");
    assert!(paid_payments > 0);

    let check = boxoffice(&app.database, &["check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("books: clean"), "{}", text(&check));

    // A seeded buyer logs in with the shared password and sees their bookings.
    let (email, title) = app
        .with_db(|conn| {
            bookings::table
                .inner_join(users::table)
                .inner_join(events::table)
                .filter(bookings::status.eq("paid"))
                .select((users::email, events::title))
                .first::<(String, String)>(conn)
                .unwrap()
        })
        .await;
    let buyer = app.visitor();
    assert_eq!(
        buyer.login(&email, scale_seed::PASSWORD).await.status(),
        303
    );
    let page = buyer.get("/bookings").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&title));

    // A second run goes after the first; the books still add up. Its ~12,000 admissions
    // fill whole INSERT batches: the batch size must follow the row's real column count
    // (SQLite refuses more than 32,766 binds in one statement). With 11,000 bookings in
    // all, the audit and the repair's search each read two keyset pages of 10,000.
    let now = app.clock.now();
    let report = app
        .with_db(move |conn| {
            let size = scale_seed::ScaleSize {
                events: 5,
                types_per_event: 2,
                users: 2_100,
                bookings: 10_000,
            };
            let report = scale_seed::seed(conn, size, now, "not-a-real-hash", &mut |_| {}).unwrap();
            let audit = books::audit(conn).unwrap();
            assert!(audit.is_clean(), "{:?}", audit.violations);
            // The seeded refunds and second payments are all accounted for: the
            // repair's paged search finds no money kept without a ticket.
            let kept = payment_rules::money_kept_without_a_ticket(conn).unwrap();
            assert!(kept.is_empty(), "{kept:?}");
            report
        })
        .await;
    assert_eq!(report.bookings, 10_000);
    assert!(report.admissions > 3_334, "{report:?}");
    let found = app.with_db(counts).await;
    assert_eq!(found.bookings, 11_000);
    assert_eq!(found.ticket_types, 110);

    // The dashboard shows 20 of the 25 events a page, newest start first.
    let admin = app.admin().await;
    let first = admin.page("/admin").await;
    let older = first
        .split("<a ")
        .find(|a| a.contains("rel=\"next\""))
        .and_then(|a| a.split("href=\"").nth(1))
        .map(|href| href[..href.find('"').unwrap()].to_owned())
        .expect("a link to older events");
    let second = admin.page(&older).await;
    assert!(!second.contains("rel=\"next\""), "{second}");
    let sections = |html: &str| html.matches("<section class=\"admin-event\"").count();
    assert_eq!((sections(&first), sections(&second)), (20, 5));

    // Money kept for an expired booking on each side of the page boundary (ticket ids
    // up to 10,000 and past it): the repair's paged search finds both, and only them.
    let (damaged, kept) = app
        .with_db(|conn| {
            let mut damaged = Vec::new();
            for (low, high) in [(1, 10_000), (10_001, i32::MAX)] {
                let payment_id: i32 = payments::table
                    .inner_join(bookings::table)
                    .filter(bookings::status.eq("expired"))
                    .filter(bookings::id.between(low, high))
                    .select(payments::id)
                    .order(payments::id.desc())
                    .first(conn)
                    .unwrap();
                diesel::update(payments::table.find(payment_id))
                    .set((
                        payments::status.eq("paid"),
                        payments::paid_at.eq(payments::updated_at.nullable()),
                    ))
                    .execute(conn)
                    .unwrap();
                damaged.push(payment_id);
            }
            let mut kept: Vec<i32> = payment_rules::money_kept_without_a_ticket(conn)
                .unwrap()
                .iter()
                .map(|k| k.payment_id)
                .collect();
            kept.sort_unstable();
            (damaged, kept)
        })
        .await;
    let mut expected = damaged.clone();
    expected.sort_unstable();
    assert_eq!(kept, expected, "damaged {damaged:?}");
}
