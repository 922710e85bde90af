//! The scale data set (`boxoffice seed-scale`): a deterministic plan of events, ticket
//! types, users and bookings in every state, written with books that `check` finds clean.
//!
//! Every row is a pure function of its index (`plan`), so the generator keeps only the
//! seat totals of each ticket type in memory and writes bookings a chunk at a time.

use std::time::Instant;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::Conn;
use crate::db::bulk_seed::{
    self, IdBases, SeedAdmission, SeedBooking, SeedEvent, SeedPayment, SeedRefund, SeedTicketType,
    SeedUser,
};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::selling_rules::DEFAULT_MAX_PER_ORDER;
use crate::error::AppError;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSize {
    pub events: u32,
    pub types_per_event: u32,
    pub users: u32,
    pub bookings: u32,
}

impl Default for ScaleSize {
    fn default() -> ScaleSize {
        ScaleSize {
            events: 10_000,
            types_per_event: 5,
            users: 200_000,
            bookings: 1_000_000,
        }
    }
}

/// The password every seeded user logs in with.
pub const PASSWORD: &str = "scale-password";
/// Bookings generated and written per round (bounds the generator's memory).
const CHUNK: u32 = 20_000;
const TYPE_NAMES: [&str; 5] = ["Standing", "Seated", "Balcony", "Box", "Student"];

/// What was written, and how long it took.
#[derive(Debug, Default, Clone)]
pub struct SeedReport {
    pub events: usize,
    pub ticket_types: usize,
    pub users: usize,
    pub bookings: usize,
    pub payments: usize,
    pub refunds: usize,
    pub admissions: usize,
    /// Bookings by state: paid (not checked in), checked in, held, expired, refunded,
    /// cancelled.
    pub states: [usize; 6],
    pub seconds: f64,
}

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Published, not started: on the front page.
    Upcoming,
    /// Published, over and marked ended.
    Ended,
    /// Never published, never booked.
    Draft,
}

/// The state a booking is generated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingState {
    Paid,
    CheckedIn,
    Held,
    Expired,
    Refunded,
    Cancelled,
}

impl BookingState {
    fn index(self) -> usize {
        self as usize
    }

    fn booking_status(self) -> BookingStatus {
        match self {
            BookingState::Paid | BookingState::CheckedIn => BookingStatus::Paid,
            BookingState::Held => BookingStatus::Reserved,
            BookingState::Expired => BookingStatus::Expired,
            BookingState::Refunded => BookingStatus::Refunded,
            BookingState::Cancelled => BookingStatus::Cancelled,
        }
    }

    /// Whether the booking's seats are out of the ticket type's available count.
    pub fn takes_seats(self) -> bool {
        matches!(
            self,
            BookingState::Paid | BookingState::CheckedIn | BookingState::Held
        )
    }
}

/// One booking of the plan, before ids are offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedBooking {
    pub user: u32,
    /// Index into all events (never a draft).
    pub event: u32,
    /// Index of the ticket type within its event.
    pub ticket_type: u32,
    pub quantity: i32,
    pub state: BookingState,
}

/// splitmix64: a well-mixed, reproducible number per (index, salt).
fn mix(index: u64, salt: u64) -> u64 {
    let mut z = index
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The deterministic plan for one size.
#[derive(Debug, Clone)]
pub struct Plan {
    pub size: ScaleSize,
    /// Indexes of the events that take bookings (all but drafts).
    bookable: Vec<u32>,
}

impl Plan {
    pub fn new(size: ScaleSize) -> Result<Plan, String> {
        if size.events == 0 || size.types_per_event == 0 || size.users == 0 {
            return Err("events, ticket types and users must be at least 1".into());
        }
        if size.types_per_event as usize > TYPE_NAMES.len() {
            return Err(format!(
                "at most {} ticket types per event",
                TYPE_NAMES.len()
            ));
        }
        let bookable: Vec<u32> = (0..size.events)
            .filter(|&e| event_kind(e) != EventKind::Draft)
            .collect();
        // A user books each event at most once (UNIQUE(user_id, event_id)): user u's
        // k-th booking is at bookable event (u + k) mod n, distinct while k < n.
        let per_user = size.bookings.div_ceil(size.users);
        if per_user as usize > bookable.len() {
            return Err(format!(
                "{} bookings for {} users need at least {per_user} published events, there are {}",
                size.bookings,
                size.users,
                bookable.len()
            ));
        }
        Ok(Plan { size, bookable })
    }

    pub fn booking(&self, i: u32) -> PlannedBooking {
        let user = i % self.size.users;
        let round = i / self.size.users;
        let n = self.bookable.len() as u64;
        let event = self.bookable[((u64::from(user) + u64::from(round)) % n) as usize];
        let h = mix(u64::from(i), 1);
        let ticket_type = (h % u64::from(self.size.types_per_event)) as u32;
        let quantity = match (h >> 8) % 100 {
            0..50 => 1,
            50..80 => 2,
            80..92 => 3,
            _ => 4,
        };
        let roll = (h >> 16) % 100;
        let state = match event_kind(event) {
            EventKind::Upcoming => match roll {
                0..60 => BookingState::Paid,
                60..65 => BookingState::Held,
                65..85 => BookingState::Expired,
                85..93 => BookingState::Refunded,
                _ => BookingState::Cancelled,
            },
            // Over: most paid bookings were scanned at the door, no hold is left.
            _ => match roll {
                0..15 => BookingState::Paid,
                15..65 => BookingState::CheckedIn,
                65..85 => BookingState::Expired,
                85..93 => BookingState::Refunded,
                _ => BookingState::Cancelled,
            },
        };
        PlannedBooking {
            user,
            event,
            ticket_type,
            quantity,
            state,
        }
    }

    /// Seats taken (held or paid) per ticket type, indexed `event * types + type`.
    pub fn seats_taken(&self) -> Vec<i32> {
        let types = self.size.types_per_event as usize;
        let mut taken = vec![0_i32; self.size.events as usize * types];
        for i in 0..self.size.bookings {
            let b = self.booking(i);
            if b.state.takes_seats() {
                taken[b.event as usize * types + b.ticket_type as usize] += b.quantity;
            }
        }
        taken
    }
}

/// Every 33rd event is a draft, one in eight is over; the rest are on sale.
pub fn event_kind(e: u32) -> EventKind {
    match mix(u64::from(e), 2) % 100 {
        0..3 => EventKind::Draft,
        3..15 => EventKind::Ended,
        _ => EventKind::Upcoming,
    }
}

/// A code shaped like the shop's (Crockford base32, groups of four), unique per
/// (prefix, number).
fn code(prefix: &str, number: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut symbols = [b'0'; 16];
    let mut n = number;
    for slot in symbols.iter_mut().rev() {
        *slot = ALPHABET[(n % 32) as usize];
        n /= 32;
    }
    let s: String = symbols.iter().map(|&b| b as char).collect();
    format!(
        "{prefix}-{}-{}-{}-{}",
        &s[0..4],
        &s[4..8],
        &s[8..12],
        &s[12..16]
    )
}

/// The ticket code a seeded booking gets (for benchmarks: the booking's id is enough).
pub fn ticket_code(booking_id: i32) -> String {
    code("TCKT", booking_id as u64)
}

/// The admission code of seat `position` (1-based) of a seeded booking.
pub fn admission_code(booking_id: i32, position: i32) -> String {
    code("ADMN", (booking_id as u64) * 8 + position as u64)
}

fn id(base: i32, index: u32) -> i32 {
    base + index as i32 + 1
}

/// Writes the plan of `size` after whatever the database holds; `password_hash` is the
/// one bcrypt hash every seeded user shares (computed once by the caller).
pub fn seed(
    conn: &mut Conn,
    size: ScaleSize,
    now: NaiveDateTime,
    password_hash: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<SeedReport, AppError> {
    let started = Instant::now();
    let plan = Plan::new(size).map_err(AppError::Internal)?;
    let max_rows = u64::from(size.bookings) * 8 + u64::from(size.events) * 8;
    if max_rows > i32::MAX as u64 / 2 {
        return Err(AppError::Internal("too many rows for 32-bit ids".into()));
    }
    let bases = bulk_seed::id_bases(conn)?;
    let mut report = SeedReport::default();

    let taken = plan.seats_taken();
    let (events, ticket_types) = events_and_types(&plan, &bases, &taken, now);
    report.events = bulk_seed::insert_events(conn, &events)?;
    report.ticket_types = bulk_seed::insert_ticket_types(conn, &ticket_types)?;
    progress(&format!(
        "{} events, {} ticket types",
        report.events, report.ticket_types
    ));

    let mut start = 0;
    while start < size.users {
        let end = (start + CHUNK * 5).min(size.users);
        let users: Vec<SeedUser> = (start..end)
            .map(|u| {
                let uid = id(bases.users, u);
                let joined =
                    now - TimeDelta::days(400) + TimeDelta::minutes(i64::from(u % 500_000));
                SeedUser {
                    id: uid,
                    email: format!("user{uid}@scale.example"),
                    password_hash: password_hash.to_owned(),
                    is_admin: false,
                    session_generation: 0,
                    created_at: joined,
                    email_verified_at: Some(joined),
                }
            })
            .collect();
        report.users += bulk_seed::insert_users(conn, &users)?;
        start = end;
    }
    progress(&format!("{} users", report.users));

    let mut start = 0;
    while start < size.bookings {
        let end = (start + CHUNK).min(size.bookings);
        let rows = bookings(
            &plan,
            &bases,
            &events,
            &ticket_types,
            start..end,
            now,
            &mut report,
        );
        report.bookings += bulk_seed::insert_bookings(conn, &rows.bookings)?;
        report.payments += bulk_seed::insert_payments(conn, &rows.payments)?;
        report.refunds += bulk_seed::insert_refunds(conn, &rows.refunds)?;
        report.admissions += bulk_seed::insert_admissions(conn, &rows.admissions)?;
        start = end;
        if start.is_multiple_of(200_000) || start == size.bookings {
            progress(&format!("{start} bookings"));
        }
    }
    bulk_seed::reset_sequences(conn)?;
    bulk_seed::analyze(conn)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn events_and_types(
    plan: &Plan,
    bases: &IdBases,
    taken: &[i32],
    now: NaiveDateTime,
) -> (Vec<SeedEvent>, Vec<SeedTicketType>) {
    let types = plan.size.types_per_event;
    let mut events = Vec::with_capacity(plan.size.events as usize);
    let mut ticket_types = Vec::with_capacity(taken.len());
    for e in 0..plan.size.events {
        let eid = id(bases.events, e);
        let h = mix(u64::from(e), 3);
        let kind = event_kind(e);
        let day =
            TimeDelta::days(1 + (h % 365) as i64) + TimeDelta::hours(10 + (h >> 9) as i64 % 11);
        let starts_at = match kind {
            EventKind::Ended => now - day - TimeDelta::days(1),
            _ => now + day,
        };
        let ends_at = starts_at + TimeDelta::hours(3);
        events.push(SeedEvent {
            id: eid,
            title: format!("Scale event {eid}"),
            description: format!(
                "Generated event {eid} of the scale data set: {} ticket types.",
                types
            ),
            venue: format!("Hall {}", h % 97 + 1),
            starts_at,
            ends_at,
            published: kind != EventKind::Draft,
            created_at: now - TimeDelta::days(400),
            ended_at: (kind == EventKind::Ended).then_some(ends_at),
            cancelled_at: None,
            refund_hours_before: h.is_multiple_of(3).then_some(48),
        });
        for t in 0..types {
            let index = (e * types + t) as usize;
            let seats_taken = taken[index];
            let spare = (mix(index as u64, 4) % 200) as i32 + 10;
            ticket_types.push(SeedTicketType {
                id: id(bases.ticket_types, e * types + t),
                event_id: eid,
                name: TYPE_NAMES[t as usize],
                amount_pennies: 1500 + i64::from(t) * 1000 + (h % 10) as i64 * 100,
                currency: "EUR",
                total_tickets: seats_taken + spare,
                available_tickets_count: spare,
                lock_version: 0,
                max_per_order: DEFAULT_MAX_PER_ORDER,
                selling_rule: "any",
            });
        }
    }
    (events, ticket_types)
}

/// The rows of one range of bookings.
struct BookingRows {
    bookings: Vec<SeedBooking>,
    payments: Vec<SeedPayment>,
    refunds: Vec<SeedRefund>,
    admissions: Vec<SeedAdmission>,
}

fn bookings(
    plan: &Plan,
    bases: &IdBases,
    events: &[SeedEvent],
    ticket_types: &[SeedTicketType],
    range: std::ops::Range<u32>,
    now: NaiveDateTime,
    report: &mut SeedReport,
) -> BookingRows {
    let mut rows = BookingRows {
        bookings: Vec::with_capacity(range.len()),
        payments: Vec::new(),
        refunds: Vec::new(),
        admissions: Vec::new(),
    };
    let types = plan.size.types_per_event;
    for i in range {
        let b = plan.booking(i);
        report.states[b.state.index()] += 1;
        let event = &events[b.event as usize];
        let ticket_type = &ticket_types[(b.event * types + b.ticket_type) as usize];
        let tid = id(bases.bookings, i);
        let created_at = event.starts_at.min(now)
            - TimeDelta::minutes(60 + (mix(u64::from(i), 5) % 200_000) as i64);
        let paid_at = created_at + TimeDelta::minutes(3);
        let was_paid = matches!(
            b.state,
            BookingState::Paid | BookingState::CheckedIn | BookingState::Refunded
        );
        rows.bookings.push(SeedBooking {
            id: tid,
            user_id: id(bases.users, b.user),
            event_id: event.id,
            ticket_type_id: ticket_type.id,
            status: b.state.booking_status().as_str(),
            reserved_until: match b.state {
                // Longer than a real hold, so the sweeper leaves a benchmark's data be.
                BookingState::Held => Some(now + TimeDelta::hours(2)),
                BookingState::Expired | BookingState::Cancelled => {
                    Some(created_at + TimeDelta::minutes(15))
                }
                _ => None,
            },
            hold_number: 1,
            code: ticket_code(tid),
            created_at,
            paid_at: was_paid.then_some(paid_at),
            quantity: b.quantity,
        });
        let amount = ticket_type.amount_pennies * i64::from(b.quantity);
        let payment_status = match b.state {
            BookingState::Paid | BookingState::CheckedIn => Some("paid"),
            BookingState::Refunded => Some("refunded"),
            BookingState::Expired if i.is_multiple_of(2) => Some("expired"),
            _ => None,
        };
        if let Some(status) = payment_status {
            let pid = id(bases.payments, i);
            let refunded_at = (status == "refunded").then_some(paid_at + TimeDelta::days(1));
            rows.payments.push(SeedPayment {
                id: pid,
                booking_id: tid,
                user_id: id(bases.users, b.user),
                hold_number: 1,
                attempt: 1,
                provider: "test",
                provider_session_id: Some(format!("cs_scale_{pid}")),
                amount_pennies: amount,
                currency: "EUR",
                status,
                expires_at: Some(created_at + TimeDelta::minutes(30)),
                created_at,
                updated_at: refunded_at.unwrap_or(created_at),
                paid_at: was_paid.then_some(paid_at),
                refunded_at,
            });
            if let Some(at) = refunded_at {
                rows.refunds.push(SeedRefund {
                    id: id(bases.refunds, i),
                    payment_id: pid,
                    amount_pennies: amount,
                    currency: "EUR",
                    idempotency_key: Some(format!("scale-refund-{pid}")),
                    provider_refund_id: Some(format!("re_scale_{pid}")),
                    status: "succeeded",
                    reason: "requested_by_customer",
                    created_at: at,
                    updated_at: at,
                });
            }
        }
        if was_paid {
            for position in 1..=b.quantity {
                let checked_in = b.state == BookingState::CheckedIn;
                rows.admissions.push(SeedAdmission {
                    id: id(bases.admissions, i * 4 + position as u32 - 1),
                    booking_id: tid,
                    event_id: event.id,
                    hold_number: 1,
                    position,
                    code: admission_code(tid, position),
                    status: if b.state == BookingState::Refunded {
                        "void"
                    } else {
                        "valid"
                    },
                    checked_in_at: checked_in.then_some(event.starts_at),
                    gate: checked_in.then_some("A"),
                    created_at: paid_at,
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_user_books_an_event_once_and_never_a_draft() {
        let plan = Plan::new(ScaleSize {
            events: 30,
            types_per_event: 5,
            users: 50,
            bookings: 1000,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut seen = HashSet::new();
        for i in 0..1000 {
            let b = plan.booking(i);
            assert!(seen.insert((b.user, b.event)), "booking {i} repeats");
            assert_ne!(event_kind(b.event), EventKind::Draft);
            assert!((1..=4).contains(&b.quantity));
        }
    }

    #[test]
    fn too_many_bookings_per_user_are_refused() {
        let size = ScaleSize {
            events: 3,
            types_per_event: 1,
            users: 1,
            bookings: 10,
        };
        assert!(Plan::new(size).is_err());
    }

    #[test]
    fn codes_are_shaped_like_the_shops_and_distinct() {
        let a = admission_code(1, 1);
        assert_eq!(a.len(), 24);
        assert_ne!(a, admission_code(1, 2));
        assert_ne!(ticket_code(7), admission_code(7, 1));
    }
}
