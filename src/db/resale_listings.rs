//! Queries on `resale_listings`: a paid booking offered for resale, its one-buyer lock
//! and its guarded changes (every change of a listing is an `UPDATE … WHERE` the state
//! the caller decided on, and its row count is acted on).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Listing, NewListing};
use super::schema::resale_listings::dsl;
use super::status::ListingStatus;
use super::{Conn, Guarded};

/// A new listing (`listed`), counted on its event in the same statement sequence; the
/// caller's transaction holds both.
pub fn insert(conn: &mut Conn, new: &NewListing<'_>) -> QueryResult<Listing> {
    let listing: Listing = diesel::insert_into(dsl::resale_listings)
        .values(*new)
        .get_result(conn)?;
    count_on_event(conn, listing.event_id, 1)?;
    Ok(listing)
}

/// Moves the event's count of listed listings by `by`.
fn count_on_event(conn: &mut Conn, event_id: i32, by: i32) -> QueryResult<usize> {
    use super::schema::events::dsl as events;
    diesel::update(events::events.filter(events::id.eq(event_id)))
        .set(events::resale_listed.eq(events::resale_listed + by))
        .execute(conn)
}

/// A listing left `listed` (withdrawn or sold): one fewer offered on its event.
fn uncount(conn: &mut Conn, id: i32) -> QueryResult<()> {
    let event_id: i32 = dsl::resale_listings
        .find(id)
        .select(dsl::event_id)
        .first(conn)?;
    count_on_event(conn, event_id, -1).map(|_| ())
}

/// Per event, how many listings are `listed` (the audit compares the kept counts).
pub fn listed_per_event(conn: &mut Conn) -> QueryResult<Vec<(i32, i64)>> {
    use diesel::dsl::count_star;
    dsl::resale_listings
        .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
        .group_by(dsl::event_id)
        .select((dsl::event_id, count_star()))
        .load(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Listing>> {
    dsl::resale_listings
        .find(id)
        .select(Listing::as_select())
        .first(conn)
        .optional()
}

/// The booking's open (listed) listing, if any.
pub fn open_for_booking(conn: &mut Conn, booking_id: i32) -> QueryResult<Option<Listing>> {
    dsl::resale_listings
        .filter(dsl::booking_id.eq(booking_id))
        .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
        .select(Listing::as_select())
        .first(conn)
        .optional()
}

/// The listings of a booking, newest first (its page shows the latest).
pub fn for_booking(conn: &mut Conn, booking_id: i32) -> QueryResult<Vec<Listing>> {
    dsl::resale_listings
        .filter(dsl::booking_id.eq(booking_id))
        .order(dsl::id.desc())
        .select(Listing::as_select())
        .load(conn)
}

/// An event's listings on offer at `now`: listed and not locked by a buyer, cheapest
/// first.
pub fn offered(conn: &mut Conn, event_id: i32, now: NaiveDateTime) -> QueryResult<Vec<Listing>> {
    dsl::resale_listings
        .filter(dsl::event_id.eq(event_id))
        .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
        .filter(dsl::locked_until.is_null().or(dsl::locked_until.le(now)))
        .order((dsl::price_pennies.asc(), dsl::id.asc()))
        .select(Listing::as_select())
        .load(conn)
}

/// Every listing of an event, newest first (the organiser's view).
pub fn for_event(conn: &mut Conn, event_id: i32) -> QueryResult<Vec<Listing>> {
    dsl::resale_listings
        .filter(dsl::event_id.eq(event_id))
        .order(dsl::id.desc())
        .select(Listing::as_select())
        .load(conn)
}

/// Every listing (the audit).
pub fn all(conn: &mut Conn) -> QueryResult<Vec<Listing>> {
    dsl::resale_listings
        .order(dsl::id.asc())
        .select(Listing::as_select())
        .load(conn)
}

/// Another listing of the event that `buyer_id` holds locked at `now`, if any.
pub fn other_locked_by(
    conn: &mut Conn,
    event_id: i32,
    buyer_id: i32,
    except: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<Listing>> {
    dsl::resale_listings
        .filter(dsl::event_id.eq(event_id))
        .filter(dsl::id.ne(except))
        .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
        .filter(dsl::locked_by.eq(buyer_id))
        .filter(dsl::locked_until.gt(now))
        .select(Listing::as_select())
        .first(conn)
        .optional()
}

/// Locks a free listing for `buyer_id` until `until`: applies only to a listing still
/// listed and not locked at `now` (never locked, or its lock lapsed). Of two buyers at
/// the same instant exactly one gets it: on PostgreSQL the second update waits for the
/// first's row lock and then finds the condition false.
pub fn take_lock(
    conn: &mut Conn,
    id: i32,
    buyer_id: i32,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::resale_listings
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
            .filter(dsl::locked_until.is_null().or(dsl::locked_until.le(now))),
    )
    .set((
        dsl::locked_by.eq(Some(buyer_id)),
        dsl::locked_until.eq(Some(until)),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Listings still listed whose lock lapsed by `now`, at most `limit`.
pub fn lapsed_locks(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Listing>> {
    dsl::resale_listings
        .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
        .filter(dsl::locked_until.le(now))
        .order(dsl::locked_until.asc())
        .limit(limit)
        .select(Listing::as_select())
        .load(conn)
}

/// Clears a lapsed lock, if it is still the one read (`until`).
pub fn clear_lock(
    conn: &mut Conn,
    id: i32,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::resale_listings
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
            .filter(dsl::locked_until.eq(until))
            .filter(dsl::locked_until.le(now)),
    )
    .set((
        dsl::locked_by.eq(None::<i32>),
        dsl::locked_until.eq(None::<NaiveDateTime>),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Changes the price of a listed, unlocked listing at `version` (bumping it).
pub fn reprice(
    conn: &mut Conn,
    id: i32,
    version: i32,
    price_pennies: i64,
    fee_pennies: i64,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::resale_listings
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(version))
            .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
            .filter(dsl::locked_until.is_null().or(dsl::locked_until.le(now))),
    )
    .set((
        dsl::price_pennies.eq(price_pennies),
        dsl::fee_pennies.eq(fee_pennies),
        dsl::version.eq(dsl::version + 1),
        dsl::locked_by.eq(None::<i32>),
        dsl::locked_until.eq(None::<NaiveDateTime>),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Withdraws a listed listing; unless `even_locked` (an admin's refund, a cancelled
/// event), only while no buyer holds its lock.
pub fn withdraw(
    conn: &mut Conn,
    id: i32,
    now: NaiveDateTime,
    even_locked: bool,
) -> QueryResult<Guarded> {
    let target = dsl::resale_listings
        .filter(dsl::id.eq(id))
        .filter(dsl::status.eq(ListingStatus::Listed.as_str()));
    let values = (
        dsl::status.eq(ListingStatus::Withdrawn.as_str()),
        dsl::version.eq(dsl::version + 1),
        dsl::updated_at.eq(now),
    );
    let changed = if even_locked {
        diesel::update(target).set(values).execute(conn)?
    } else {
        diesel::update(target.filter(dsl::locked_until.is_null().or(dsl::locked_until.le(now))))
            .set(values)
            .execute(conn)?
    };
    if changed == 1 {
        uncount(conn, id)?;
    }
    Ok(Guarded::from_rows(changed))
}

/// Marks a listing sold to `buyer_id`: applies only while it is listed at `version` and
/// either locked by that buyer or locked by nobody at `now` (a payment that arrives after
/// its lock lapsed still buys a listing nobody else took meanwhile).
pub fn mark_sold(
    conn: &mut Conn,
    id: i32,
    version: i32,
    buyer_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::resale_listings
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(version))
            .filter(dsl::status.eq(ListingStatus::Listed.as_str()))
            .filter(
                dsl::locked_by
                    .eq(buyer_id)
                    .or(dsl::locked_until.is_null())
                    .or(dsl::locked_until.le(now)),
            ),
    )
    .set((
        dsl::status.eq(ListingStatus::Sold.as_str()),
        dsl::version.eq(dsl::version + 1),
        dsl::buyer_id.eq(Some(buyer_id)),
        dsl::sold_at.eq(Some(now)),
        dsl::locked_by.eq(None::<i32>),
        dsl::locked_until.eq(None::<NaiveDateTime>),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        uncount(conn, id)?;
    }
    Ok(Guarded::from_rows(changed))
}
