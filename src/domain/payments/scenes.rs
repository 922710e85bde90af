//! Test scenes for the checkout's unit tests: a temp SQLite database with one event, a
//! ticket type, a buyer holding a seat and an open checkout attempt.

use chrono::{NaiveDateTime, TimeDelta};
use tempfile::TempDir;

use super::session::{SessionState, SessionStatus};
use crate::db::models::{EventFields, NewBooking, NewPayment, NewTicketType, NewUser};
use crate::db::status::{BookingStatus, PaymentStatus};
use crate::db::{
    Conn, bookings, connect, events, migrations, payment_attempts, ticket_types, users,
};

pub struct Scene {
    _dir: TempDir,
    pub conn: diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<Conn>>,
    pub now: NaiveDateTime,
    pub ticket_type_id: i32,
    pub booking_id: i32,
    pub payment_id: i32,
}

/// A hold of one seat of `seats` (at €25.00) with an open attempt `cs_1`.
pub fn hold(seats: i32) -> Scene {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = dir.path().join("scene.db").to_string_lossy().into_owned();
    let pool = connect(&url, 1, std::time::Duration::from_secs(5)).expect("a pool");
    let mut conn = pool.get().expect("a connection");
    migrations::run_pending(&mut conn).expect("migrations");
    let now = chrono::Utc::now().naive_utc();
    let c = &mut conn;
    let user = users::insert(
        c,
        &NewUser {
            email: "ann@example.com",
            password_hash: "x",
            is_admin: false,
            created_at: now,
        },
    )
    .expect("user");
    let event = events::insert(
        c,
        &EventFields {
            title: "Scene".into(),
            description: String::new(),
            venue: "Hall".into(),
            starts_at: now + TimeDelta::days(7),
            ends_at: now + TimeDelta::days(7) + TimeDelta::hours(2),
            refund_hours_before: None,
            high_demand: false,
            time_zone: "UTC".into(),
            resale_enabled: true,
            resale_fee_percent: 0,
        },
        now,
    )
    .expect("event");
    let ticket_type = ticket_types::insert(
        c,
        &NewTicketType {
            event_id: event.id,
            name: "GA",
            amount_pennies: 2500,
            currency: "EUR",
            total_tickets: seats,
            available_tickets_count: seats - 1,
            max_per_order: 10,
            selling_rule: crate::db::status::SellingRule::Any,
            sale_starts_at: None,
            sale_ends_at: None,
        },
    )
    .expect("ticket type");
    let booking = bookings::insert(
        c,
        &NewBooking {
            user_id: user.id,
            event_id: event.id,
            ticket_type_id: ticket_type.id,
            status: BookingStatus::Reserved,
            reserved_until: Some(now + TimeDelta::minutes(15)),
            code: "CODE-1",
            created_at: now,
            quantity: 1,
        },
    )
    .expect("ticket");
    let payment = open_attempt(c, now, booking.id, user.id, 1, "cs_1");
    Scene {
        _dir: dir,
        conn,
        now,
        ticket_type_id: ticket_type.id,
        booking_id: booking.id,
        payment_id: payment,
    }
}

/// Another open attempt of the scene's hold, with session `session_id`.
pub fn open_attempt(
    conn: &mut Conn,
    now: NaiveDateTime,
    booking_id: i32,
    user_id: i32,
    attempt: i32,
    session_id: &str,
) -> i32 {
    let payment = payment_attempts::insert(
        conn,
        &NewPayment {
            booking_id,
            user_id,
            hold_number: 1,
            attempt,
            provider: "test",
            amount_pennies: 2500,
            currency: "EUR",
            status: PaymentStatus::Creating,
            created_at: now,
            updated_at: now,
            listing_id: None,
        },
    )
    .expect("payment");
    let recorded = payment_attempts::record_session(conn, payment.id, session_id, "url", now, now)
        .expect("session recorded");
    assert!(recorded.applied());
    payment.id
}

/// The provider's word: `session_id` paid in full.
pub fn paid(session_id: &str) -> SessionState {
    SessionState {
        id: session_id.into(),
        status: SessionStatus::Complete,
        paid: true,
        no_payment_required: false,
        amount_total: Some(2500),
        currency: Some("EUR".into()),
        payment_reference: Some(format!("pi_{session_id}")),
        payment_id: None,
    }
}
