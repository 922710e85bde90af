//! The migrations of the engine under test run up, down and up again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::{connect, migrations};
use std::time::Duration;
use support::TestDatabase;

#[test]
fn migrations_run_up_down_and_up_again() {
    let database = TestDatabase::create();
    let pool = connect(&database.url, 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    assert!(migrations::run_pending(&mut conn).unwrap() >= 1);
    assert_eq!(
        migrations::run_pending(&mut conn).unwrap(),
        0,
        "nothing left to run"
    );
    assert!(migrations::revert_all(&mut conn).unwrap() >= 1);
    assert!(migrations::run_pending(&mut conn).unwrap() >= 1);
}

/// A database populated under the schema before group bookings is carried over: every
/// ticket becomes a booking of one seat with one admission keeping its code (valid only
/// when paid), every ticket type gets the default cap and rule, and the books add up.
#[test]
fn a_populated_database_is_migrated_to_group_bookings() {
    use boxoffice::db::status::{AdmissionStatus, BookingStatus, SellingRule};
    use boxoffice::db::{admissions, bookings, ticket_types};
    use diesel::RunQueryDsl;

    let database = TestDatabase::create();
    let pool = connect(&database.url, 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    migrations::run_pending(&mut conn).unwrap();
    let reverted = migrations::revert_to(&mut conn, "2026-11-22-000001").unwrap();
    assert!(reverted >= 1, "back to the schema before group bookings");
    for statement in [
        "INSERT INTO users (email, password_hash, is_admin, session_generation, created_at) VALUES \
         ('ann@example.com', 'x', FALSE, 0, '2026-01-01 00:00:00'), \
         ('bob@example.com', 'x', FALSE, 0, '2026-01-01 00:00:00'), \
         ('cat@example.com', 'x', FALSE, 0, '2026-01-01 00:00:00')",
        "INSERT INTO events (title, description, venue, starts_at, ends_at, published, created_at) \
         VALUES ('Old show', '', 'Hall', '2030-01-01 20:00:00', '2030-01-01 23:00:00', TRUE, '2026-01-01 00:00:00')",
        "INSERT INTO ticket_schemas (event_id, name, amount_pennies, currency, total_tickets, available_tickets_count, lock_version) \
         VALUES (1, 'GA', 2500, 'EUR', 10, 8, 3)",
        "INSERT INTO tickets (user_id, event_id, ticket_schema_id, status, reserved_until, hold_number, code, created_at, paid_at) VALUES \
         (1, 1, 1, 'paid', NULL, 2, 'PAID-0000-0000-0000-0001', '2026-01-02 00:00:00', '2026-01-02 00:05:00'), \
         (2, 1, 1, 'reserved', '2029-12-31 00:00:00', 1, 'HELD-0000-0000-0000-0002', '2026-01-03 00:00:00', NULL), \
         (3, 1, 1, 'expired', '2026-01-01 00:15:00', 1, 'GONE-0000-0000-0000-0003', '2026-01-01 00:00:00', NULL)",
        "INSERT INTO payments (ticket_id, user_id, hold_number, attempt, provider, amount_pennies, currency, status, created_at, updated_at, paid_at) \
         VALUES (1, 1, 2, 1, 'test', 2500, 'EUR', 'paid', '2026-01-02 00:00:00', '2026-01-02 00:05:00', '2026-01-02 00:05:00')",
    ] {
        diesel::sql_query(statement).execute(&mut conn).unwrap();
    }

    assert_eq!(migrations::run_pending(&mut conn).unwrap(), reverted);

    let all = bookings::all(&mut conn).unwrap();
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|t| t.quantity == 1),
        "every ticket holds one seat"
    );
    let seats = admissions::all(&mut conn).unwrap();
    assert_eq!(seats.len(), 3, "one admission per existing ticket");
    for booking in &all {
        let mine: Vec<_> = seats
            .iter()
            .filter(|a| a.booking_id == booking.id)
            .collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            mine[0].code, booking.code,
            "the admission keeps the ticket's code"
        );
        assert_eq!(mine[0].position, 1);
        assert_eq!(mine[0].hold_number, booking.hold_number);
        assert!(mine[0].checked_in_at.is_none());
        let expected = if booking.status == BookingStatus::Paid {
            AdmissionStatus::Valid
        } else {
            AdmissionStatus::Void
        };
        assert_eq!(mine[0].status, expected, "ticket {}", booking.id);
    }
    let schema = ticket_types::find(&mut conn, 1).unwrap().unwrap();
    assert_eq!(
        (schema.max_per_order, schema.selling_rule),
        (10, SellingRule::Any)
    );
    assert_eq!(
        (schema.available_tickets_count, schema.lock_version),
        (8, 3)
    );
    let report = boxoffice::domain::audit::books::audit(&mut conn).unwrap();
    assert!(report.is_clean(), "{:?}", report.violations);

    // The CHECK constraints hold from now on.
    assert!(
        diesel::sql_query("UPDATE tickets SET quantity = 0 WHERE id = 1")
            .execute(&mut conn)
            .is_err()
    );
    assert!(
        diesel::sql_query("UPDATE ticket_schemas SET max_per_order = 51 WHERE id = 1")
            .execute(&mut conn)
            .is_err()
    );
    assert!(
        diesel::sql_query("UPDATE ticket_schemas SET selling_rule = 'odd' WHERE id = 1")
            .execute(&mut conn)
            .is_err()
    );

    // And the migration goes down and up again with the data in place.
    let down = migrations::revert_to(&mut conn, "2026-11-22-000001").unwrap();
    assert_eq!(down, reverted);
    assert_eq!(migrations::run_pending(&mut conn).unwrap(), down);
    assert_eq!(admissions::all(&mut conn).unwrap().len(), 3);
}
