//! What the sales pages read: money in and out per currency, bookings made and paid,
//! and when the seats that are sold now were paid. `event` narrows each to one event;
//! `None` reads the whole shop.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::Conn;
use super::schema::{bookings, payments, refunds};
use super::status::{BookingStatus, RefundStatus};

/// Money that came in (every payment that was ever paid, refunded or not), per
/// currency: (currency, minor units).
pub fn paid_in(conn: &mut Conn, event: Option<i32>) -> QueryResult<Vec<(String, i64)>> {
    let mut query = payments::table
        .inner_join(bookings::table)
        .filter(payments::paid_at.is_not_null())
        .group_by(payments::currency)
        .select((
            payments::currency,
            sql::<Nullable<BigInt>>("CAST(SUM(payments.amount_pennies) AS BIGINT)"),
        ))
        .into_boxed();
    if let Some(event) = event {
        query = query.filter(bookings::event_id.eq(event));
    }
    query.load(conn).map(per_currency)
}

/// Money that went back (succeeded refunds), per currency.
pub fn paid_back(conn: &mut Conn, event: Option<i32>) -> QueryResult<Vec<(String, i64)>> {
    let mut query = refunds::table
        .inner_join(payments::table.inner_join(bookings::table))
        .filter(refunds::status.eq(RefundStatus::Succeeded.as_str()))
        .group_by(refunds::currency)
        .select((
            refunds::currency,
            sql::<Nullable<BigInt>>("CAST(SUM(refunds.amount_pennies) AS BIGINT)"),
        ))
        .into_boxed();
    if let Some(event) = event {
        query = query.filter(bookings::event_id.eq(event));
    }
    query.load(conn).map(per_currency)
}

/// (bookings made, bookings that were ever paid: paid now or refunded since).
pub fn bookings_made_and_paid(conn: &mut Conn, event: Option<i32>) -> QueryResult<(i64, i64)> {
    let mut made = bookings::table.into_boxed();
    let mut paid = bookings::table
        .filter(bookings::paid_at.is_not_null())
        .into_boxed();
    if let Some(event) = event {
        made = made.filter(bookings::event_id.eq(event));
        paid = paid.filter(bookings::event_id.eq(event));
    }
    Ok((
        made.count().get_result(conn)?,
        paid.count().get_result(conn)?,
    ))
}

/// (paid bookings, seats they hold) right now.
pub fn paid_bookings_and_seats(conn: &mut Conn, event: Option<i32>) -> QueryResult<(i64, i64)> {
    let mut query = bookings::table
        .filter(bookings::status.eq(BookingStatus::Paid.as_str()))
        .into_boxed();
    if let Some(event) = event {
        query = query.filter(bookings::event_id.eq(event));
    }
    let (count, seats): (i64, Option<i64>) = query
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sum(bookings::quantity),
        ))
        .first(conn)?;
    Ok((count, seats.unwrap_or(0)))
}

/// When each paid booking (paid now) was paid, and its seats; only those paid from
/// `since` on when given.
pub fn paid_times(
    conn: &mut Conn,
    event: Option<i32>,
    since: Option<NaiveDateTime>,
) -> QueryResult<Vec<(NaiveDateTime, i32)>> {
    let mut query = bookings::table
        .filter(bookings::status.eq(BookingStatus::Paid.as_str()))
        .into_boxed();
    if let Some(event) = event {
        query = query.filter(bookings::event_id.eq(event));
    }
    if let Some(since) = since {
        query = query.filter(bookings::paid_at.ge(since));
    }
    let rows: Vec<(Option<NaiveDateTime>, i32)> = query
        .select((bookings::paid_at, bookings::quantity))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, seats)| at.map(|at| (at, seats)))
        .collect())
}

/// A `SUM` per currency as amounts (an empty sum is 0).
fn per_currency(rows: Vec<(String, Option<i64>)>) -> Vec<(String, i64)> {
    rows.into_iter()
        .map(|(currency, sum)| (currency, sum.unwrap_or(0)))
        .collect()
}
