//! What the metrics endpoint reads at scrape time: seats held and sold, checkout
//! attempts by state, and how long the oldest unsent outbox message has waited.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;

use super::Conn;
use super::outbox::PENDING;
use super::schema::{bookings, outbox, payments};
use super::status::BookingStatus;

/// The shop's state as gauges, read in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShopGauges {
    /// Seats on hold (the quantity of every `reserved` booking).
    pub seats_held: i64,
    /// Seats paid for (the quantity of every `paid` booking).
    pub seats_sold: i64,
    /// Checkout attempts per stored status.
    pub payments_by_state: Vec<(String, i64)>,
    /// When the oldest message still waiting to be sent was written (`None`: none waits).
    pub oldest_pending_outbox: Option<NaiveDateTime>,
}

fn seats_in(conn: &mut Conn, status: BookingStatus) -> QueryResult<i64> {
    bookings::table
        .filter(bookings::status.eq(status.as_str()))
        .select(sum(bookings::quantity))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// Reads every gauge (a few aggregate queries, no locks taken).
pub fn read(conn: &mut Conn) -> QueryResult<ShopGauges> {
    let seats_held = seats_in(conn, BookingStatus::Reserved)?;
    let seats_sold = seats_in(conn, BookingStatus::Paid)?;
    let payments_by_state = payments::table
        .group_by(payments::status)
        .select((payments::status, count_star()))
        .order(payments::status)
        .load::<(String, i64)>(conn)?;
    let oldest_pending_outbox = outbox::table
        .filter(outbox::status.eq(PENDING))
        .select(min(outbox::created_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    Ok(ShopGauges {
        seats_held,
        seats_sold,
        payments_by_state,
        oldest_pending_outbox,
    })
}
