//! Queries on `tickets`: holds, their guarded status changes, the row locks every
//! ticket transition starts with, and the owner-scoped reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Booking, Event, NewBooking, TicketType};
use super::schema::{bookings::dsl, events, ticket_types, users};
use super::status::BookingStatus;
use super::{Conn, Guarded};

pub fn insert(conn: &mut Conn, new: &NewBooking<'_>) -> QueryResult<Booking> {
    diesel::insert_into(dsl::bookings)
        .values(*new)
        .get_result(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Booking>> {
    dsl::bookings
        .find(id)
        .select(Booking::as_select())
        .first(conn)
        .optional()
}

/// A ticket only if it belongs to `user_id`: anyone else's id reads as missing.
pub fn find_owned(conn: &mut Conn, id: i32, user_id: i32) -> QueryResult<Option<Booking>> {
    dsl::bookings
        .filter(dsl::id.eq(id))
        .filter(dsl::user_id.eq(user_id))
        .select(Booking::as_select())
        .first(conn)
        .optional()
}

/// Runs a one-row query as `SELECT … FOR UPDATE` on PostgreSQL and as itself on SQLite
/// (the query is written out once per engine, each with its own backend).
macro_rules! first_locked {
    ($conn:expr, $query:expr) => {
        match $conn {
            Conn::Postgresql(pg) => $query.for_update().first(pg).optional(),
            Conn::Sqlite(sqlite) => $query.first(sqlite).optional(),
        }
    };
}

/// Reads a ticket and locks its row until the transaction ends: `SELECT … FOR UPDATE` on
/// PostgreSQL; on SQLite the caller's immediate transaction already holds the database's
/// write lock. Every transition of a ticket starts here (see `domain::bookings::locking`).
pub fn lock(conn: &mut Conn, id: i32) -> QueryResult<Option<Booking>> {
    first_locked!(conn, dsl::bookings.find(id).select(Booking::as_select()))
}

/// As `lock`, only if the ticket belongs to `user_id` (anyone else's reads as missing).
pub fn lock_owned(conn: &mut Conn, id: i32, user_id: i32) -> QueryResult<Option<Booking>> {
    first_locked!(
        conn,
        dsl::bookings
            .filter(dsl::id.eq(id))
            .filter(dsl::user_id.eq(user_id))
            .select(Booking::as_select())
    )
}

/// As `lock`, for the user's one ticket row of an event, if there is one.
pub fn lock_by_user_and_event(
    conn: &mut Conn,
    user_id: i32,
    event_id: i32,
) -> QueryResult<Option<Booking>> {
    first_locked!(
        conn,
        dsl::bookings
            .filter(dsl::user_id.eq(user_id))
            .filter(dsl::event_id.eq(event_id))
            .select(Booking::as_select())
    )
}

pub fn find_by_user_and_event(
    conn: &mut Conn,
    user_id: i32,
    event_id: i32,
) -> QueryResult<Option<Booking>> {
    dsl::bookings
        .filter(dsl::user_id.eq(user_id))
        .filter(dsl::event_id.eq(event_id))
        .select(Booking::as_select())
        .first(conn)
        .optional()
}

/// Gives a released row (expired, cancelled or refunded) a new hold; the row stays the
/// user's one row for the event, so UNIQUE(user_id, event_id) keeps guarding. A hold
/// that had lapsed (expired) is remembered in `lapsed_ticket_type_id`/`lapsed_at`;
/// otherwise what the row remembered stays.
pub fn start_new_hold(
    conn: &mut Conn,
    booking: &Booking,
    ticket_type_id: i32,
    quantity: i32,
    reserved_until: NaiveDateTime,
    code: &str,
) -> QueryResult<Guarded> {
    // Decided on the row as read; the update is guarded by its status and hold number.
    let (lapsed_type, lapsed_at) = if booking.status == BookingStatus::Expired {
        (Some(booking.ticket_type_id), booking.reserved_until)
    } else {
        (booking.lapsed_ticket_type_id, booking.lapsed_at)
    };
    let changed = diesel::update(
        dsl::bookings
            .filter(dsl::id.eq(booking.id))
            .filter(dsl::status.eq(booking.status.as_str()))
            .filter(dsl::hold_number.eq(booking.hold_number)),
    )
    .set((
        dsl::status.eq(BookingStatus::Reserved.as_str()),
        dsl::ticket_type_id.eq(ticket_type_id),
        dsl::quantity.eq(quantity),
        dsl::reserved_until.eq(Some(reserved_until)),
        dsl::hold_number.eq(dsl::hold_number + 1),
        dsl::code.eq(code),
        dsl::paid_at.eq(None::<NaiveDateTime>),
        dsl::lapsed_ticket_type_id.eq(lapsed_type),
        dsl::lapsed_at.eq(lapsed_at),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// A new booking row that is paid at once: the holder of seats passed on by a resale or
/// a gift who had no row for the event.
pub fn insert_paid(
    conn: &mut Conn,
    new: &NewBooking<'_>,
    now: NaiveDateTime,
) -> QueryResult<Booking> {
    let booking = insert(conn, new)?;
    diesel::update(dsl::bookings.filter(dsl::id.eq(booking.id)))
        .set(dsl::paid_at.eq(Some(now)))
        .get_result(conn)
}

/// Gives a released row (expired, cancelled, refunded or transferred) the seats passed
/// on to its user by a resale or a gift: paid at once, a new hold number and code; guarded
/// by the status and hold number read.
pub fn receive_seats(
    conn: &mut Conn,
    released: &Booking,
    ticket_type_id: i32,
    quantity: i32,
    code: &str,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::bookings
            .filter(dsl::id.eq(released.id))
            .filter(dsl::status.eq(released.status.as_str()))
            .filter(dsl::hold_number.eq(released.hold_number)),
    )
    .set((
        dsl::status.eq(BookingStatus::Paid.as_str()),
        dsl::ticket_type_id.eq(ticket_type_id),
        dsl::quantity.eq(quantity),
        dsl::reserved_until.eq(None::<NaiveDateTime>),
        dsl::hold_number.eq(dsl::hold_number + 1),
        dsl::code.eq(code),
        dsl::paid_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Moves one hold from `from` to `to`; `Lost` when the ticket is no longer in that
/// state (someone else got there first), which is what makes every release happen once.
pub fn transition(
    conn: &mut Conn,
    id: i32,
    hold_number: i32,
    from: BookingStatus,
    to: BookingStatus,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::bookings
            .filter(dsl::id.eq(id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::status.eq(from.as_str())),
    )
    .set(dsl::status.eq(to.as_str()))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// A paid booking keeps `to` of its `from` seats (the others were given back), guarded
/// by its hold and the quantity read under its lock.
pub fn shrink(
    conn: &mut Conn,
    id: i32,
    hold_number: i32,
    from: i32,
    to: i32,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::bookings
            .filter(dsl::id.eq(id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::status.eq(BookingStatus::Paid.as_str()))
            .filter(dsl::quantity.eq(from)),
    )
    .set(dsl::quantity.eq(to))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Marks a hold paid (from `from`, usually `reserved`).
pub fn mark_paid(
    conn: &mut Conn,
    id: i32,
    hold_number: i32,
    from: BookingStatus,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::bookings
            .filter(dsl::id.eq(id))
            .filter(dsl::hold_number.eq(hold_number))
            .filter(dsl::status.eq(from.as_str())),
    )
    .set((
        dsl::status.eq(BookingStatus::Paid.as_str()),
        dsl::paid_at.eq(Some(now)),
        dsl::reserved_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Holds whose time has run out, oldest first, at most `limit` of them.
pub fn lapsed_holds(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Booking>> {
    dsl::bookings
        .filter(dsl::status.eq(BookingStatus::Reserved.as_str()))
        .filter(dsl::reserved_until.lt(now))
        .order(dsl::reserved_until.asc())
        .limit(limit)
        .select(Booking::as_select())
        .load(conn)
}

/// How many live bookings (paid, or held until after `now`) each of `user_ids` has at
/// events other than `event_id`: (user id, count), users with none left out.
pub fn live_elsewhere(
    conn: &mut Conn,
    user_ids: &[i32],
    event_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<(i32, i64)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    dsl::bookings
        .filter(dsl::user_id.eq_any(user_ids))
        .filter(dsl::event_id.ne(event_id))
        .filter(
            dsl::status.eq(BookingStatus::Paid.as_str()).or(dsl::status
                .eq(BookingStatus::Reserved.as_str())
                .and(dsl::reserved_until.gt(now))),
        )
        .group_by(dsl::user_id)
        .select((dsl::user_id, diesel::dsl::count_star()))
        .load(conn)
}

/// A user's tickets with their event and ticket type, soonest event first.
pub fn list_for_user(
    conn: &mut Conn,
    user_id: i32,
) -> QueryResult<Vec<(Booking, Event, TicketType)>> {
    dsl::bookings
        .inner_join(events::table)
        .inner_join(ticket_types::table)
        .filter(dsl::user_id.eq(user_id))
        .order((events::starts_at.asc(), dsl::id.asc()))
        .select((
            Booking::as_select(),
            Event::as_select(),
            TicketType::as_select(),
        ))
        .load(conn)
}

/// How many seats of each ticket type are in bookings of each status:
/// (ticket_type id, status, seats).
pub fn seat_counts(conn: &mut Conn) -> QueryResult<Vec<(i32, BookingStatus, i64)>> {
    let rows: Vec<(i32, String, Option<i64>)> = dsl::bookings
        .group_by((dsl::ticket_type_id, dsl::status))
        .select((
            dsl::ticket_type_id,
            dsl::status,
            diesel::dsl::sum(dsl::quantity),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(ticket_type_id, status, seats)| {
            Ok((ticket_type_id, stored(status)?, seats.unwrap_or(0)))
        })
        .collect()
}

/// As `seat_counts`, only for the ticket types `ticket_type_ids` (one dashboard page's).
pub fn seat_counts_for(
    conn: &mut Conn,
    ticket_type_ids: &[i32],
) -> QueryResult<Vec<(i32, BookingStatus, i64)>> {
    let rows: Vec<(i32, String, Option<i64>)> = dsl::bookings
        .filter(dsl::ticket_type_id.eq_any(ticket_type_ids))
        .group_by((dsl::ticket_type_id, dsl::status))
        .select((
            dsl::ticket_type_id,
            dsl::status,
            diesel::dsl::sum(dsl::quantity),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(ticket_type_id, status, seats)| {
            Ok((ticket_type_id, stored(status)?, seats.unwrap_or(0)))
        })
        .collect()
}

/// One row of an event's bookings list: the booking, its buyer's email and its ticket
/// type's name.
pub type BookingRow = (Booking, String, String);

/// One page of an event's bookings, newest first, with the buyer's email and the ticket
/// type's name.
pub fn for_event_page(
    conn: &mut Conn,
    event_id: i32,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<BookingRow>> {
    dsl::bookings
        .inner_join(users::table)
        .inner_join(ticket_types::table)
        .filter(dsl::event_id.eq(event_id))
        .order(dsl::id.desc())
        .limit(limit)
        .offset(offset)
        .select((Booking::as_select(), users::email, ticket_types::name))
        .load(conn)
}

pub fn count_for_event(conn: &mut Conn, event_id: i32) -> QueryResult<i64> {
    dsl::bookings
        .filter(dsl::event_id.eq(event_id))
        .count()
        .get_result(conn)
}

/// A status read in a tuple (outside a model): unknown text is a deserialization error.
pub(super) fn stored<S: TryFrom<String, Error = String>>(text: String) -> QueryResult<S> {
    S::try_from(text).map_err(|error| diesel::result::Error::DeserializationError(error.into()))
}

/// Every ticket, oldest first (the audit reads them all).
pub fn all(conn: &mut Conn) -> QueryResult<Vec<Booking>> {
    dsl::bookings
        .order(dsl::id.asc())
        .select(Booking::as_select())
        .load(conn)
}

/// The ids of an event's bookings, in id order (the lock order of a batch).
pub fn ids_for_event(conn: &mut Conn, event_id: i32) -> QueryResult<Vec<i32>> {
    dsl::bookings
        .filter(dsl::event_id.eq(event_id))
        .order(dsl::id)
        .select(dsl::id)
        .load(conn)
}

/// Up to `limit` tickets with ids above `after`, in id order (a keyset page: the audit
/// walks every ticket this way with bounded memory).
pub fn page_after(conn: &mut Conn, after: i32, limit: i64) -> QueryResult<Vec<Booking>> {
    dsl::bookings
        .filter(dsl::id.gt(after))
        .order(dsl::id.asc())
        .limit(limit)
        .select(Booking::as_select())
        .load(conn)
}

/// (user id, event id, bookings) wherever one user has more than one booking in
/// `statuses` for one event.
pub fn repeated_per_user_and_event(
    conn: &mut Conn,
    statuses: &[&str],
) -> QueryResult<Vec<(i32, i32, i64)>> {
    use diesel::dsl::count_star;
    dsl::bookings
        .filter(dsl::status.eq_any(statuses))
        .group_by((dsl::user_id, dsl::event_id))
        .having(count_star().gt(1))
        .select((dsl::user_id, dsl::event_id, count_star()))
        .load(conn)
}

/// What an event's bookings list is narrowed to (the admin's search and filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingFilter {
    /// The buyer's email contains this (lower-cased; matched in any case).
    pub email_contains: Option<String>,
    /// The booking's code, or one of its seats' codes, is exactly this.
    pub code: Option<String>,
    pub status: Option<BookingStatus>,
}

diesel::define_sql_function! {
    /// SQL's `lower()`, on both engines.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The event's bookings matching `filter`, as a boxed query (no order, no limit).
fn matching(
    event_id: i32,
    filter: &BookingFilter,
) -> diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<
        diesel::dsl::InnerJoin<dsl::bookings, users::table>,
        ticket_types::table,
    >,
    <Conn as diesel::Connection>::Backend,
> {
    use super::schema::admissions;
    let mut query = dsl::bookings
        .inner_join(users::table)
        .inner_join(ticket_types::table)
        .into_boxed();
    query = query.filter(dsl::event_id.eq(event_id));
    match (&filter.email_contains, &filter.code) {
        (Some(email), Some(code)) => {
            let code = code.clone();
            query = query.filter(
                lower(users::email)
                    .like(like_pattern(email))
                    .escape('\\')
                    .or(dsl::code.eq(code.clone()))
                    .or(diesel::dsl::exists(
                        admissions::table
                            .filter(admissions::booking_id.eq(dsl::id))
                            .filter(admissions::code.eq(code)),
                    )),
            );
        }
        (Some(email), None) => {
            query = query.filter(lower(users::email).like(like_pattern(email)).escape('\\'));
        }
        (None, Some(code)) => {
            let code = code.clone();
            query = query.filter(
                dsl::code.eq(code.clone()).or(diesel::dsl::exists(
                    admissions::table
                        .filter(admissions::booking_id.eq(dsl::id))
                        .filter(admissions::code.eq(code)),
                )),
            );
        }
        (None, None) => {}
    }
    if let Some(status) = filter.status {
        query = query.filter(dsl::status.eq(status.as_str()));
    }
    query
}

/// `%text%` with LIKE's own characters escaped by `\`.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One numbered page of an event's bookings matching `filter`, newest first.
pub fn search_for_event(
    conn: &mut Conn,
    event_id: i32,
    filter: &BookingFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<BookingRow>> {
    matching(event_id, filter)
        .order(dsl::id.desc())
        .limit(limit)
        .offset(offset)
        .select((Booking::as_select(), users::email, ticket_types::name))
        .load(conn)
}

/// How many of an event's bookings match `filter`.
pub fn count_matching(conn: &mut Conn, event_id: i32, filter: &BookingFilter) -> QueryResult<i64> {
    matching(event_id, filter).count().get_result(conn)
}

/// A booking with its buyer's email (the admin's booking page).
pub fn with_email(conn: &mut Conn, id: i32) -> QueryResult<Option<(Booking, String)>> {
    dsl::bookings
        .inner_join(users::table)
        .filter(dsl::id.eq(id))
        .select((Booking::as_select(), users::email))
        .first(conn)
        .optional()
}
