//! Queries on `ticket_types`, including the optimistic-lock update of the inventory.

use diesel::prelude::*;

use super::models::{NewTicketType, TicketType};
use super::schema::ticket_types::dsl;
use super::status::SellingRule;
use super::{Conn, Guarded};

pub fn for_event(conn: &mut Conn, event_id: i32) -> QueryResult<Vec<TicketType>> {
    on_engine!(conn, c => dsl::ticket_types
        .filter(dsl::event_id.eq(event_id))
        .order((dsl::amount_pennies.asc(), dsl::id.asc()))
        .select(TicketType::as_select())
        .load(c))
}

/// The ticket types of several events at once (one query for a page of events).
pub fn for_events(conn: &mut Conn, event_ids: &[i32]) -> QueryResult<Vec<TicketType>> {
    dsl::ticket_types
        .filter(dsl::event_id.eq_any(event_ids))
        .order((dsl::amount_pennies.asc(), dsl::id.asc()))
        .select(TicketType::as_select())
        .load(conn)
}

/// The ticket types of the events starting between `first` and `last` (both included),
/// cheapest first: a page of events in start order reads its ticket types as one range
/// of the start index, in a static query diesel prepares once (`for_events`' list of ids
/// is new SQL for the database to parse on every page on SQLite). The caller keeps those
/// of its own events (others may share an edge's start).
pub fn for_events_starting_between(
    conn: &mut Conn,
    first: chrono::NaiveDateTime,
    last: chrono::NaiveDateTime,
) -> QueryResult<Vec<TicketType>> {
    use super::schema::events;
    on_engine!(conn, c => dsl::ticket_types
        .inner_join(events::table)
        .filter(events::starts_at.between(first, last))
        .order((dsl::amount_pennies.asc(), dsl::id.asc()))
        .select(TicketType::as_select())
        .load(c))
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<TicketType>> {
    dsl::ticket_types
        .find(id)
        .select(TicketType::as_select())
        .first(conn)
        .optional()
}

pub fn all(conn: &mut Conn) -> QueryResult<Vec<TicketType>> {
    dsl::ticket_types
        .order(dsl::id.asc())
        .select(TicketType::as_select())
        .load(conn)
}

pub fn insert(conn: &mut Conn, new: &NewTicketType<'_>) -> QueryResult<TicketType> {
    diesel::insert_into(dsl::ticket_types)
        .values(*new)
        .get_result(conn)
}

/// How a ticket type may be bought: the cap per booking and the selling rule. Applies to
/// reserves from now on; bookings already made are never re-judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellingTerms {
    pub max_per_order: i32,
    pub selling_rule: SellingRule,
}

/// Renames or re-prices a ticket type and sets its selling terms (the inventory is
/// changed only by `move_inventory`). Guarded: a new price applies only while no seat is sold or held
/// at the moment of the write, so a hold committed after the caller's read wins; `Lost`
/// then (or for a missing row).
pub fn update_details(
    conn: &mut Conn,
    id: i32,
    name: &str,
    amount_pennies: i64,
    currency: &str,
    terms: SellingTerms,
) -> QueryResult<Guarded> {
    let same_price = dsl::amount_pennies
        .eq(amount_pennies)
        .and(dsl::currency.eq(currency));
    let changed = diesel::update(
        dsl::ticket_types.filter(dsl::id.eq(id)).filter(
            dsl::available_tickets_count
                .eq(dsl::total_tickets)
                .or(same_price),
        ),
    )
    .set((
        dsl::name.eq(name),
        dsl::amount_pennies.eq(amount_pennies),
        dsl::currency.eq(currency),
        dsl::max_per_order.eq(terms.max_per_order),
        dsl::selling_rule.eq(terms.selling_rule.as_str()),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Sets a ticket type's sale window (UTC), only if nobody changed the row since
/// `lock_version` was read, and bumps the lock_version: a hold that judged the old
/// window loses its optimistic-lock update, re-reads and judges the new one. `Lost`
/// means the row changed meanwhile (or is gone): re-read and try again.
pub fn set_sale_window(
    conn: &mut Conn,
    id: i32,
    lock_version: i32,
    starts_at: Option<chrono::NaiveDateTime>,
    ends_at: Option<chrono::NaiveDateTime>,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::ticket_types
            .filter(dsl::id.eq(id))
            .filter(dsl::lock_version.eq(lock_version)),
    )
    .set((
        dsl::sale_starts_at.eq(starts_at),
        dsl::sale_ends_at.eq(ends_at),
        dsl::lock_version.eq(dsl::lock_version + 1),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// The optimistic-lock update: moves the available count by `delta_available` and the
/// total by `delta_total`, only if nobody changed the row since `lock_version` was read
/// and the count stays at or above zero. `Lost` means a lost race or not enough seats,
/// and the caller re-reads to tell which.
pub fn move_inventory(
    conn: &mut Conn,
    id: i32,
    lock_version: i32,
    delta_available: i32,
    delta_total: i32,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::ticket_types
            .filter(dsl::id.eq(id))
            .filter(dsl::lock_version.eq(lock_version))
            .filter(dsl::available_tickets_count.ge(-delta_available)),
    )
    .set((
        dsl::available_tickets_count.eq(dsl::available_tickets_count + delta_available),
        dsl::total_tickets.eq(dsl::total_tickets + delta_total),
        dsl::lock_version.eq(dsl::lock_version + 1),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// (seats available, seats in all) over every ticket type (the shop's sales page).
pub fn seat_totals(conn: &mut Conn) -> QueryResult<(i64, i64)> {
    let (available, total): (Option<i64>, Option<i64>) = dsl::ticket_types
        .select((
            diesel::dsl::sum(dsl::available_tickets_count),
            diesel::dsl::sum(dsl::total_tickets),
        ))
        .first(conn)?;
    Ok((available.unwrap_or(0), total.unwrap_or(0)))
}
