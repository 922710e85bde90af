//! The demo shop: two published events with ticket types, seeded into an empty database.

use chrono::{NaiveDateTime, NaiveTime, TimeDelta};

use crate::db::models::{EventFields, NewTicketType};
use crate::db::{Conn, events, ticket_types, write_transaction};
use crate::domain::bookings::selling_rules::{self, SellingRule};
use crate::error::AppError;

/// A demo ticket type: name, price in cents, quantity.
type DemoType = (&'static str, i64, i32);

/// Seeds the demo events; returns how many events were added (0 when they exist).
pub fn seed(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    let evening = |days: i64, hour: u32| {
        let day = (now + TimeDelta::days(days)).date();
        day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
    };
    let demo: [(EventFields, &[DemoType]); 2] = [
        (
            EventFields {
                title: "Rust Belt Jazz Night".into(),
                description: "An evening of big-band jazz in the old foundry hall. Doors open one hour before the show.".into(),
                venue: "The Foundry, Main Hall".into(),
                starts_at: evening(30, 20),
                ends_at: evening(30, 23),
                refund_hours_before: Some(48),
                high_demand: false,
                time_zone: "UTC".into(),
                resale_enabled: true,
                resale_fee_percent: 0,
            },
            &[("Standing", 2500, 200), ("Seated", 4500, 80), ("Balcony", 6500, 20)],
        ),
        (
            EventFields {
                title: "Open Source Summit".into(),
                description: "A day of talks and workshops on building software in the open. Lunch included.".into(),
                venue: "Congress Centre, Room A".into(),
                starts_at: evening(60, 9),
                ends_at: evening(60, 18),
                refund_hours_before: None,
                high_demand: false,
                time_zone: "UTC".into(),
                resale_enabled: true,
                resale_fee_percent: 0,
            },
            &[("Community", 0, 100), ("Regular", 12000, 300)],
        ),
    ];
    write_transaction(conn, |c| {
        let mut added = 0;
        for (fields, types) in &demo {
            let exists = events::all(c)?.iter().any(|e| e.title == fields.title);
            if exists {
                continue;
            }
            let event = events::insert(c, fields, now)?;
            for (name, pennies, quantity) in types.iter() {
                ticket_types::insert(
                    c,
                    &NewTicketType {
                        event_id: event.id,
                        name,
                        amount_pennies: *pennies,
                        currency: "EUR",
                        total_tickets: *quantity,
                        available_tickets_count: *quantity,
                        max_per_order: selling_rules::DEFAULT_MAX_PER_ORDER,
                        selling_rule: SellingRule::Any,
                        sale_starts_at: None,
                        sale_ends_at: None,
                    },
                )?;
            }
            events::set_published(c, event.id, true)?;
            added += 1;
        }
        Ok(added)
    })
}

/// Seeds the demo only when the database has no event at all (first start).
pub fn seed_if_empty(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    if events::count(conn)? > 0 {
        return Ok(0);
    }
    seed(conn, now)
}
