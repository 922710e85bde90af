//! Events and ticket types made directly through the database layer, for tests whose
//! subject is not the admin forms.

use boxoffice::db::models::{EventFields, NewTicketType};
use boxoffice::db::{events, ticket_types};
use chrono::{NaiveDateTime, TimeDelta};

use super::TestApp;

/// An event that starts `starts_in` from now; `types` are (name, price in cents, seats).
pub struct EventSpec {
    pub title: String,
    pub starts_in: TimeDelta,
    pub published: bool,
    pub types: Vec<(String, i64, i32)>,
    /// Buyers may cancel a paid booking for a refund until this many hours before.
    pub refund_hours_before: Option<i32>,
    /// Holding seats needs a confirmed address.
    pub high_demand: bool,
    /// The event's IANA time zone (UTC unless `in_zone`).
    pub time_zone: String,
}

impl EventSpec {
    pub fn new(title: &str) -> EventSpec {
        EventSpec {
            title: title.to_owned(),
            starts_in: TimeDelta::days(7),
            published: true,
            refund_hours_before: None,
            high_demand: false,
            time_zone: "UTC".into(),
            types: vec![("Standing".into(), 2500, 100)],
        }
    }

    pub fn seats(mut self, name: &str, pennies: i64, seats: i32) -> EventSpec {
        if self.types.len() == 1 && self.types[0].0 == "Standing" && name != "Standing" {
            self.types.clear();
        }
        self.types.retain(|t| t.0 != name);
        self.types.push((name.to_owned(), pennies, seats));
        self
    }

    pub fn refundable_until(mut self, hours_before: i32) -> EventSpec {
        self.refund_hours_before = Some(hours_before);
        self
    }

    pub fn high_demand(mut self) -> EventSpec {
        self.high_demand = true;
        self
    }

    pub fn in_zone(mut self, zone: &str) -> EventSpec {
        self.time_zone = zone.to_owned();
        self
    }

    pub fn unpublished(mut self) -> EventSpec {
        self.published = false;
        self
    }

    pub fn starting_in(mut self, delta: TimeDelta) -> EventSpec {
        self.starts_in = delta;
        self
    }
}

/// A created event: its id and its ticket types' ids in the order given.
pub struct Created {
    pub event_id: i32,
    pub ticket_type_ids: Vec<i32>,
}

impl TestApp {
    pub async fn create_event(&self, spec: EventSpec) -> Created {
        let now: NaiveDateTime = self.clock.now();
        self.with_db(move |conn| {
            let starts_at = now + spec.starts_in;
            let event = events::insert(
                conn,
                &EventFields {
                    title: spec.title.clone(),
                    description: "A test event.".into(),
                    venue: "Test Hall".into(),
                    starts_at,
                    ends_at: starts_at + TimeDelta::hours(3),
                    refund_hours_before: spec.refund_hours_before,
                    high_demand: spec.high_demand,
                    time_zone: spec.time_zone.clone(),
                    resale_enabled: true,
                    resale_fee_percent: 0,
                },
                now,
            )
            .expect("insert event");
            let ticket_type_ids = spec
                .types
                .iter()
                .map(|(name, pennies, seats)| {
                    ticket_types::insert(
                        conn,
                        &NewTicketType {
                            event_id: event.id,
                            name,
                            amount_pennies: *pennies,
                            currency: "EUR",
                            total_tickets: *seats,
                            available_tickets_count: *seats,
                            max_per_order: 10,
                            selling_rule: boxoffice::db::status::SellingRule::Any,
                            sale_starts_at: None,
                            sale_ends_at: None,
                        },
                    )
                    .expect("insert ticket type")
                    .id
                })
                .collect();
            if spec.published {
                events::set_published(conn, event.id, true).expect("publish");
            }
            Created {
                event_id: event.id,
                ticket_type_ids,
            }
        })
        .await
    }

    /// Sets a ticket type's cap per booking and selling rule.
    pub async fn set_terms(&self, ticket_type_id: i32, max_per_order: i32, rule: &str) {
        let rule = rule.to_owned();
        self.with_db(move |conn| {
            use boxoffice::db::schema::ticket_types::dsl;
            use diesel::prelude::*;
            diesel::update(dsl::ticket_types.find(ticket_type_id))
                .set((
                    dsl::max_per_order.eq(max_per_order),
                    dsl::selling_rule.eq(rule),
                ))
                .execute(conn)
                .expect("set the selling terms");
        })
        .await
    }

    /// Every admission (one row per seat of a paid booking).
    pub async fn admissions(&self) -> Vec<boxoffice::db::models::Admission> {
        self.with_db(|conn| boxoffice::db::admissions::all(conn).expect("admissions"))
            .await
    }

    /// The available count of a ticket type.
    pub async fn available(&self, ticket_type_id: i32) -> i32 {
        self.with_db(move |conn| {
            ticket_types::find(conn, ticket_type_id)
                .expect("query")
                .expect("ticket type exists")
                .available_tickets_count
        })
        .await
    }

    /// Every ticket row (for assertions on the books).
    pub async fn bookings(&self) -> Vec<boxoffice::db::models::Booking> {
        self.with_db(|conn| boxoffice::db::bookings::all(conn).expect("tickets"))
            .await
    }
}
