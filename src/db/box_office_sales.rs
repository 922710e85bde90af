//! Queries on `box_office_sales`: a sale per hold of a booking, found by its booking or
//! by its pay link's token hash.

use diesel::prelude::*;

use super::Conn;
use super::models::{NewSale, Sale};
use super::schema::box_office_sales::dsl;

pub fn insert(conn: &mut Conn, new: &NewSale<'_>) -> QueryResult<Sale> {
    diesel::insert_into(dsl::box_office_sales)
        .values(*new)
        .get_result(conn)
}

/// The sale of a booking's hold, if the box office sold it.
pub fn for_hold(conn: &mut Conn, booking_id: i32, hold_number: i32) -> QueryResult<Option<Sale>> {
    dsl::box_office_sales
        .filter(dsl::booking_id.eq(booking_id))
        .filter(dsl::hold_number.eq(hold_number))
        .select(Sale::as_select())
        .first(conn)
        .optional()
}

/// The sale whose pay link has this token hash.
pub fn by_link(conn: &mut Conn, token_hash: &str) -> QueryResult<Option<Sale>> {
    dsl::box_office_sales
        .filter(dsl::link_token_hash.eq(token_hash))
        .select(Sale::as_select())
        .first(conn)
        .optional()
}

/// Every sale recorded at the counter (the audit reads them all).
pub fn at_the_counter(conn: &mut Conn) -> QueryResult<Vec<Sale>> {
    dsl::box_office_sales
        .filter(dsl::payment_id.is_not_null())
        .order(dsl::id.asc())
        .select(Sale::as_select())
        .load(conn)
}

/// The customers' names of the sales of these bookings (their current holds), by booking.
pub fn names_for(conn: &mut Conn, holds: &[(i32, i32)]) -> QueryResult<Vec<(i32, String)>> {
    let ids: Vec<i32> = holds.iter().map(|(id, _)| *id).collect();
    let rows: Vec<(i32, i32, String)> = dsl::box_office_sales
        .filter(dsl::booking_id.eq_any(&ids))
        .select((dsl::booking_id, dsl::hold_number, dsl::customer_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(id, hold, _)| holds.contains(&(*id, *hold)))
        .map(|(id, _, name)| (id, name))
        .collect())
}

/// Payments of `provider` (the counter's) that no sale names: money recorded at the
/// counter for nothing the box office sold.
pub fn payments_without_sale(conn: &mut Conn, provider: &str) -> QueryResult<Vec<i32>> {
    use super::schema::payments;
    payments::table
        .left_join(dsl::box_office_sales.on(dsl::payment_id.eq(payments::id.nullable())))
        .filter(payments::provider.eq(provider))
        .filter(dsl::id.is_null())
        .select(payments::id)
        .order(payments::id.asc())
        .load(conn)
}
