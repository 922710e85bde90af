//! Queries on `events`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::models::{Event, EventFields};
use super::schema::events::dsl;
use super::status::{BookingStatus, EventStatus};

/// Which events a page in start order walks.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Published, neither ended nor cancelled, ending after this instant (the front
    /// page and the API's list).
    OnSale(NaiveDateTime),
    /// Every event.
    All,
    /// The admin dashboard's events that match `filter`: those not ended yet at `now`
    /// (`upcoming`), or those that have (the past).
    Desk {
        now: NaiveDateTime,
        upcoming: bool,
        filter: &'a DeskFilter,
    },
}

/// What the admin dashboard's list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DeskFilter {
    #[default]
    Everything,
    /// Events whose title or venue contains this text (any case), in one status or any.
    Matching {
        text: Option<String>,
        status: Option<EventStatus>,
    },
}

diesel::define_sql_function! {
    /// SQL's `lower()` (both engines): case-insensitive search without `ILIKE`, which
    /// SQLite lacks.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `text` as a LIKE pattern that matches it anywhere, its own `%`, `_` and `\` taken
/// literally (escaped with `\`), lower-cased.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Published, neither ended nor cancelled, ending after `now`. The bare `published`
/// (no bound `= true`) matches the partial index `events_on_sale`'s predicate on both
/// engines.
#[diesel::dsl::auto_type(no_type_alias)]
fn on_sale(now: NaiveDateTime) -> _ {
    dsl::published
        .and(dsl::ended_at.is_null())
        .and(dsl::cancelled_at.is_null())
        .and(dsl::ends_at.gt(now))
}

/// Up to `limit` events of `scope` in `(starts_at, id)` order, strictly after `from` in
/// the direction read (`ascending`: soonest first), from the first or the last event
/// without it. A keyset read: it seeks to `from` in an index and stops after `limit`
/// rows, so the last page costs what the first does.
pub fn by_start(
    conn: &mut Conn,
    scope: Scope,
    from: Option<(NaiveDateTime, i32)>,
    ascending: bool,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    if let Scope::OnSale(now) = scope {
        return on_sale_by_start(conn, now, from, ascending, limit);
    }
    let mut query = dsl::events.into_boxed();
    match scope {
        Scope::OnSale(now) => query = query.filter(on_sale(now)),
        Scope::All => {}
        Scope::Desk {
            now,
            upcoming,
            filter,
        } => {
            query = if upcoming {
                query.filter(dsl::ends_at.gt(now))
            } else {
                query.filter(dsl::ends_at.le(now))
            };
            if let DeskFilter::Matching { text, status } = filter {
                if let Some(text) = text {
                    let pattern = contains_pattern(text);
                    query = query.filter(
                        lower(dsl::title)
                            .like(pattern.clone())
                            .escape('\\')
                            .or(lower(dsl::venue).like(pattern).escape('\\')),
                    );
                }
                if let Some(status) = status {
                    query = in_status(query, *status, now);
                }
            }
        }
    }
    if let Some((starts_at, id)) = from {
        // `(starts_at, id) > (a, b)` written so that both engines seek on `starts_at`.
        query = if ascending {
            query
                .filter(dsl::starts_at.ge(starts_at))
                .filter(dsl::starts_at.gt(starts_at).or(dsl::id.gt(id)))
        } else {
            query
                .filter(dsl::starts_at.le(starts_at))
                .filter(dsl::starts_at.lt(starts_at).or(dsl::id.lt(id)))
        };
    }
    query = if ascending {
        query.order((dsl::starts_at.asc(), dsl::id.asc()))
    } else {
        query.order((dsl::starts_at.desc(), dsl::id.desc()))
    };
    query.limit(limit).select(Event::as_select()).load(conn)
}

/// `by_start` for the front page (`Scope::OnSale`): the same reads written as four
/// static queries on the engine's own connection (`on_engine!`), which diesel prepares
/// once per connection and keeps, where a boxed query is parsed by the database again on
/// every request.
fn on_sale_by_start(
    conn: &mut Conn,
    now: NaiveDateTime,
    from: Option<(NaiveDateTime, i32)>,
    ascending: bool,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    let on_sale = dsl::events.filter(on_sale(now));
    let soonest = (dsl::starts_at.asc(), dsl::id.asc());
    let latest = (dsl::starts_at.desc(), dsl::id.desc());
    on_engine!(conn, c => match (from, ascending) {
        (None, true) => on_sale
            .order(soonest)
            .limit(limit)
            .select(Event::as_select())
            .load(c),
        (None, false) => on_sale
            .order(latest)
            .limit(limit)
            .select(Event::as_select())
            .load(c),
        // `(starts_at, id) > (a, b)` written so that both engines seek on `starts_at`.
        (Some((starts_at, id)), true) => on_sale
            .filter(dsl::starts_at.ge(starts_at))
            .filter(dsl::starts_at.gt(starts_at).or(dsl::id.gt(id)))
            .order(soonest)
            .limit(limit)
            .select(Event::as_select())
            .load(c),
        (Some((starts_at, id)), false) => on_sale
            .filter(dsl::starts_at.le(starts_at))
            .filter(dsl::starts_at.lt(starts_at).or(dsl::id.lt(id)))
            .order(latest)
            .limit(limit)
            .select(Event::as_select())
            .load(c),
    })
}

/// Narrows a query of events to those in `status` at `now` (the rules of
/// `domain::catalogue::event_status`, in SQL: cancelled first, then started or ended, then draft,
/// then sold out or on sale by whether a ticket type has seats left).
fn in_status<'q>(
    query: super::schema::events::BoxedQuery<'q, <Conn as diesel::Connection>::Backend>,
    status: EventStatus,
    now: NaiveDateTime,
) -> super::schema::events::BoxedQuery<'q, <Conn as diesel::Connection>::Backend> {
    use super::schema::ticket_types;
    if status == EventStatus::Cancelled {
        return query.filter(dsl::cancelled_at.is_not_null());
    }
    let query = query.filter(dsl::cancelled_at.is_null());
    let started = dsl::starts_at.le(now).or(dsl::ended_at.is_not_null());
    match status {
        EventStatus::Ended => query.filter(dsl::ended_at.is_not_null().or(dsl::ends_at.le(now))),
        EventStatus::Running => query
            .filter(dsl::ended_at.is_null())
            .filter(dsl::ends_at.gt(now))
            .filter(dsl::starts_at.le(now)),
        _ => {
            let query = query.filter(diesel::dsl::not(started));
            let seats_left = diesel::dsl::exists(
                ticket_types::table
                    .filter(ticket_types::event_id.eq(dsl::id))
                    .filter(ticket_types::available_tickets_count.gt(0)),
            );
            match status {
                EventStatus::Draft => query.filter(dsl::published.eq(false)),
                EventStatus::OnSale => query.filter(dsl::published.eq(true)).filter(seats_left),
                _ => query
                    .filter(dsl::published.eq(true))
                    .filter(diesel::dsl::not(seats_left)),
            }
        }
    }
}

/// How many events are on sale at `now` (the API's page count).
pub fn count_on_sale(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<i64> {
    dsl::events.filter(on_sale(now)).count().get_result(conn)
}

/// One OFFSET page of the events on sale, soonest first (the API's `?page=N`).
pub fn on_sale_page(
    conn: &mut Conn,
    now: NaiveDateTime,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Event>> {
    dsl::events
        .filter(on_sale(now))
        .order((dsl::starts_at.asc(), dsl::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(Event::as_select())
        .load(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Event>> {
    on_engine!(conn, c => dsl::events
        .find(id)
        .select(Event::as_select())
        .first(c)
        .optional())
}

/// Every event, newest start first, for the admin dashboard.
pub fn all(conn: &mut Conn) -> QueryResult<Vec<Event>> {
    dsl::events
        .order((dsl::starts_at.desc(), dsl::id.desc()))
        .select(Event::as_select())
        .load(conn)
}

pub fn insert(conn: &mut Conn, fields: &EventFields, now: NaiveDateTime) -> QueryResult<Event> {
    diesel::insert_into(dsl::events)
        .values((fields, dsl::published.eq(false), dsl::created_at.eq(now)))
        .get_result(conn)
}

pub fn update(conn: &mut Conn, id: i32, fields: &EventFields) -> QueryResult<usize> {
    diesel::update(dsl::events.find(id))
        .set(fields)
        .execute(conn)
}

pub fn set_published(conn: &mut Conn, id: i32, published: bool) -> QueryResult<usize> {
    diesel::update(dsl::events.find(id))
        .set(dsl::published.eq(published))
        .execute(conn)
}

/// Publishes an event only if it has a ticket type, in one statement (0 rows: it has
/// none, or does not exist).
pub fn publish_with_types(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    use super::schema::ticket_types;
    diesel::update(
        dsl::events
            .filter(dsl::id.eq(id))
            .filter(diesel::dsl::exists(
                ticket_types::table.filter(ticket_types::event_id.eq(id)),
            )),
    )
    .set(dsl::published.eq(true))
    .execute(conn)
}

pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    dsl::events.count().get_result(conn)
}

/// Marks every event whose end has passed as ended; returns how many changed.
pub fn mark_ended(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        dsl::events
            .filter(dsl::ended_at.is_null())
            .filter(dsl::cancelled_at.is_null())
            .filter(dsl::ends_at.le(now)),
    )
    .set(dsl::ended_at.eq(now))
    .execute(conn)
}

/// Cancels an event; `Lost` when it was already cancelled.
pub fn mark_cancelled(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<super::Guarded> {
    diesel::update(
        dsl::events
            .filter(dsl::id.eq(id))
            .filter(dsl::cancelled_at.is_null()),
    )
    .set(dsl::cancelled_at.eq(now))
    .execute(conn)
    .map(super::Guarded::from_rows)
}

/// The ids of cancelled events that still have holds (a hold taken while the cancel
/// committed), for the sweeper.
pub fn cancelled_with_holds(conn: &mut Conn) -> QueryResult<Vec<i32>> {
    use super::schema::bookings;
    dsl::events
        .inner_join(bookings::table)
        .filter(dsl::cancelled_at.is_not_null())
        .filter(bookings::status.eq(BookingStatus::Reserved.as_str()))
        .select(dsl::id)
        .distinct()
        .load(conn)
}

/// Deletes an unpublished event that has never had a booking, with its ticket types and
/// door grants; `false` (nothing deleted) when it is published or has bookings. Run it
/// in a transaction: the event's row is deleted last, guarded again, so a publish or a
/// booking committed meanwhile leaves it standing (and the caller rolls back).
pub fn delete_draft(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    use super::schema::{bookings, door_grants, ticket_types};
    let is_draft = dsl::published
        .eq(false)
        .and(diesel::dsl::not(diesel::dsl::exists(
            bookings::table.filter(bookings::event_id.eq(id)),
        )));
    let still_draft: bool =
        diesel::select(diesel::dsl::exists(dsl::events.find(id).filter(is_draft)))
            .get_result(conn)?;
    if !still_draft {
        return Ok(false);
    }
    diesel::delete(door_grants::table.filter(door_grants::event_id.eq(id))).execute(conn)?;
    diesel::delete(ticket_types::table.filter(ticket_types::event_id.eq(id))).execute(conn)?;
    let deleted = diesel::delete(dsl::events.find(id).filter(is_draft)).execute(conn)?;
    Ok(deleted == 1)
}
