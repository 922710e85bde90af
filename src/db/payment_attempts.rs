//! Queries on `payments`: one row per checkout attempt, moved through its states only
//! by guarded updates (`WHERE status = from`), so each transition happens once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{NewPayment, Payment};
use super::schema::bookings;
use super::schema::payments::dsl;
use super::status::{BookingStatus, ListingStatus, PaymentStatus, texts};
use super::{Conn, Guarded};

pub fn insert(conn: &mut Conn, new: &NewPayment<'_>) -> QueryResult<Payment> {
    diesel::insert_into(dsl::payments)
        .values(*new)
        .get_result(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<Payment>> {
    dsl::payments
        .find(id)
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_session(conn: &mut Conn, session_id: &str) -> QueryResult<Option<Payment>> {
    dsl::payments
        .filter(dsl::provider_session_id.eq(session_id))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

/// The attempt of a session, only if it is one of `user_id`'s (anyone else's reads as
/// missing).
pub fn find_session_of_user(
    conn: &mut Conn,
    session_id: &str,
    user_id: i32,
) -> QueryResult<Option<Payment>> {
    dsl::payments
        .filter(dsl::provider_session_id.eq(session_id))
        .filter(dsl::user_id.eq(user_id))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_provider_payment(conn: &mut Conn, payment_id: &str) -> QueryResult<Option<Payment>> {
    dsl::payments
        .filter(dsl::provider_payment_id.eq(payment_id))
        .select(Payment::as_select())
        .first(conn)
        .optional()
}

/// The attempts of one hold, newest first.
pub fn for_hold(conn: &mut Conn, booking_id: i32, hold_number: i32) -> QueryResult<Vec<Payment>> {
    dsl::payments
        .filter(dsl::booking_id.eq(booking_id))
        .filter(dsl::hold_number.eq(hold_number))
        .order(dsl::attempt.desc())
        .select(Payment::as_select())
        .load(conn)
}

pub fn for_booking(conn: &mut Conn, booking_id: i32) -> QueryResult<Vec<Payment>> {
    dsl::payments
        .filter(dsl::booking_id.eq(booking_id))
        .order(dsl::id.asc())
        .select(Payment::as_select())
        .load(conn)
}

/// The newest payments with their ticket's status, for the admin list.
pub fn recent_with_booking_status(
    conn: &mut Conn,
    limit: i64,
) -> QueryResult<Vec<(Payment, BookingStatus)>> {
    let rows: Vec<(Payment, String)> = dsl::payments
        .inner_join(bookings::table)
        .order(dsl::id.desc())
        .limit(limit)
        .select((Payment::as_select(), bookings::status))
        .load(conn)?;
    rows.into_iter()
        .map(|(payment, status)| Ok((payment, super::bookings::stored(status)?)))
        .collect()
}

/// One payment as the admin list shows it: with its booking's status, buyer and event.
pub type ListedPayment = (Payment, BookingStatus, String, i32, String);

/// Up to `limit` payments older than `before` (all when `None`), newest first: a keyset
/// page of the admin list, with each one's booking status, buyer's email, event id and
/// event title.
pub fn listed_before(
    conn: &mut Conn,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<ListedPayment>> {
    use super::schema::{events, users};
    let mut query = dsl::payments
        .inner_join(
            bookings::table
                .inner_join(events::table)
                .inner_join(users::table),
        )
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(dsl::id.lt(before));
    }
    let rows: Vec<(Payment, String, String, i32, String)> = query
        .order(dsl::id.desc())
        .limit(limit)
        .select((
            Payment::as_select(),
            bookings::status,
            users::email,
            events::id,
            events::title,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(payment, status, email, event_id, title)| {
            Ok((
                payment,
                super::bookings::stored(status)?,
                email,
                event_id,
                title,
            ))
        })
        .collect()
}

pub fn all(conn: &mut Conn) -> QueryResult<Vec<Payment>> {
    dsl::payments
        .order(dsl::id.asc())
        .select(Payment::as_select())
        .load(conn)
}

/// Attempts in `statuses` due a look by reconciliation: untouched since `before` and
/// never looked at, or past their next look; the longest untouched first.
pub fn stale(
    conn: &mut Conn,
    statuses: &[PaymentStatus],
    before: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    dsl::payments
        .filter(dsl::status.eq_any(texts(statuses)))
        .filter(
            dsl::next_check_at
                .is_null()
                .and(dsl::updated_at.lt(before))
                .or(dsl::next_check_at.le(now)),
        )
        .order(dsl::updated_at.asc())
        .limit(limit)
        .select(Payment::as_select())
        .load(conn)
}

/// Keeps the exact request an attempt is about to send, once: `Lost` when another
/// request of the same attempt stored its own first (then that one is resent).
pub fn record_request(conn: &mut Conn, id: i32, request: &str) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments
            .filter(dsl::id.eq(id))
            .filter(dsl::request.is_null()),
    )
    .set(dsl::request.eq(request))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Records the provider's session on an attempt by its id, whatever its state, unless it
/// already has another session (`Lost`); an attempt still being created (or given up
/// while its request was answered) becomes `open`.
pub fn record_session(
    conn: &mut Conn,
    id: i32,
    session_id: &str,
    checkout_url: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments.filter(dsl::id.eq(id)).filter(
            dsl::provider_session_id
                .is_null()
                .or(dsl::provider_session_id.eq(session_id)),
        ),
    )
    .set((
        dsl::provider_session_id.eq(session_id),
        dsl::checkout_url.eq(checkout_url),
        dsl::expires_at.eq(expires_at),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(Guarded::Lost);
    }
    let _reopened: Guarded = transition(
        conn,
        id,
        &[PaymentStatus::Creating, PaymentStatus::Failed],
        PaymentStatus::Open,
        None,
        now,
    )?;
    Ok(Guarded::Applied)
}

/// Records a session on an attempt that has none yet (its creation timed out on our
/// side and the provider's word arrived first); `Lost` if it already has one.
pub fn adopt_session(
    conn: &mut Conn,
    id: i32,
    session_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments
            .filter(dsl::id.eq(id))
            .filter(dsl::provider_session_id.is_null()),
    )
    .set((
        dsl::provider_session_id.eq(session_id),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Moves an attempt from one of `from` to `to`, with a reason; `Lost` if it was not in
/// any of those states.
pub fn transition(
    conn: &mut Conn,
    id: i32,
    from: &[PaymentStatus],
    to: PaymentStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq_any(texts(from))),
    )
    .set((
        dsl::status.eq(to.as_str()),
        dsl::status_reason.eq(reason),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Moves a payment to the booking (and hold) it now pays for: the seats it paid passed
/// to another holder's booking (a resale's buyer payment, a gift's original payment).
pub fn move_to_booking(
    conn: &mut Conn,
    id: i32,
    from_booking_id: i32,
    to_booking_id: i32,
    hold_number: i32,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments
            .filter(dsl::id.eq(id))
            .filter(dsl::booking_id.eq(from_booking_id)),
    )
    .set((
        dsl::booking_id.eq(to_booking_id),
        dsl::hold_number.eq(hold_number),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Records that the provider took the money for this attempt.
pub fn mark_paid(
    conn: &mut Conn,
    id: i32,
    from: &[PaymentStatus],
    to: PaymentStatus,
    provider_payment_id: Option<&str>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq_any(texts(from))),
    )
    .set((
        dsl::status.eq(to.as_str()),
        dsl::provider_payment_id.eq(provider_payment_id),
        dsl::status_reason.eq(reason),
        dsl::paid_at.eq(Some(now)),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Records a completed refund.
pub fn mark_refunded(
    conn: &mut Conn,
    id: i32,
    from: &[PaymentStatus],
    refund_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq_any(texts(from))),
    )
    .set((
        dsl::status.eq(PaymentStatus::Refunded.as_str()),
        dsl::provider_refund_id.eq(refund_id),
        dsl::refunded_at.eq(Some(now)),
        dsl::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Marks an attempt as looked at without a result: `checks` in a row so far, next look
/// at `next`. Others' turns come first meanwhile.
pub fn check_later(
    conn: &mut Conn,
    id: i32,
    checks: i32,
    next: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(dsl::payments.find(id))
        .set((
            dsl::checks.eq(checks),
            dsl::next_check_at.eq(Some(next)),
            dsl::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Takes this attempt's turn to ask the provider about it: `Applied` for the one caller
/// (on any instance) whose turn it is, `Lost` while someone asked less than `interval`
/// ago. The row decides, so it holds across instances.
pub fn claim_provider_check(
    conn: &mut Conn,
    id: i32,
    now: NaiveDateTime,
    interval: chrono::TimeDelta,
) -> QueryResult<Guarded> {
    let changed = diesel::update(
        dsl::payments.filter(dsl::id.eq(id)).filter(
            dsl::provider_checked_at
                .is_null()
                .or(dsl::provider_checked_at.le(now - interval)),
        ),
    )
    .set(dsl::provider_checked_at.eq(now))
    .execute(conn)?;
    Ok(Guarded::from_rows(changed))
}

/// Marks an attempt as just looked at, so reconciliation moves on to others.
pub fn touch(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(dsl::payments.find(id))
        .set(dsl::updated_at.eq(now))
        .execute(conn)
}

/// Open attempts whose hold has ended (released, or replaced by a newer hold): their
/// sessions should be closed at the provider.
pub fn open_for_ended_holds(
    conn: &mut Conn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    let mut ended: Vec<Payment> = dsl::payments
        .inner_join(bookings::table)
        .filter(dsl::status.eq(PaymentStatus::Open.as_str()))
        .filter(dsl::listing_id.is_null())
        .filter(dsl::next_check_at.is_null().or(dsl::next_check_at.le(now)))
        .order(dsl::updated_at.asc())
        .filter(
            bookings::status
                .ne(BookingStatus::Reserved.as_str())
                .or(bookings::hold_number.ne(dsl::hold_number)),
        )
        .limit(limit)
        .select(Payment::as_select())
        .load(conn)?;
    // A resale buyer's session lives as long as their lock on the listing: it ends when
    // the listing is no longer listed, or is no longer locked by them.
    use super::schema::resale_listings as listings;
    let lapsed: Vec<Payment> = dsl::payments
        .inner_join(listings::table.on(dsl::listing_id.eq(listings::id.nullable())))
        .filter(dsl::status.eq(PaymentStatus::Open.as_str()))
        .filter(dsl::next_check_at.is_null().or(dsl::next_check_at.le(now)))
        .filter(
            listings::status
                .ne(ListingStatus::Listed.as_str())
                .or(listings::locked_by.is_null())
                .or(listings::locked_by.ne(dsl::user_id.nullable()))
                .or(listings::locked_until.le(now)),
        )
        .order(dsl::updated_at.asc())
        .limit(limit)
        .select(Payment::as_select())
        .load(conn)?;
    ended.extend(lapsed);
    Ok(ended)
}

/// Records a dispute of this payment and where it stands (`open`, `won`, `lost`).
pub fn record_dispute(
    conn: &mut Conn,
    id: i32,
    dispute_id: &str,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(dsl::payments.find(id))
        .set((
            dsl::provider_dispute_id.eq(dispute_id),
            dsl::dispute_status.eq(status),
            dsl::updated_at.eq(now),
        ))
        .execute(conn)
}

/// The payments of the tickets with ids in `after + 1 ..= last`, by id (the audit's
/// page of payments beside its page of tickets).
pub fn for_booking_ids_in(conn: &mut Conn, after: i32, last: i32) -> QueryResult<Vec<Payment>> {
    dsl::payments
        .filter(dsl::booking_id.gt(after))
        .filter(dsl::booking_id.le(last))
        .order(dsl::id.asc())
        .select(Payment::as_select())
        .load(conn)
}
