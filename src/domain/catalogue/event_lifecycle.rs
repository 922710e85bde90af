//! An event's life after publishing: `ended` once its end has passed (the sweeper), or
//! `cancelled` by an admin: sales stop, holds are released, and every booking's holder
//! is told and every paid booking refunded through the outbox (a mail and a refund job
//! per booking, written in the transaction that cancels).

use chrono::NaiveDateTime;

use crate::db::{Conn, Guarded, bookings, events, write_transaction};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::inventory;
use crate::domain::bookings::locking::require;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// What cancelling did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled {
    pub holds_released: usize,
    pub refunds_queued: usize,
}

/// Where a cancelled event's refunds stand.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RefundProgress {
    /// Paid bookings not refunded yet.
    pub waiting: usize,
    pub refunded: usize,
}

/// Marks every event whose end has passed as ended.
pub fn mark_ended(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(events::mark_ended(conn, now)?)
}

/// Cancels an event in one transaction; `Conflict` when it already was.
pub fn cancel(conn: &mut Conn, event_id: i32, now: NaiveDateTime) -> Result<Cancelled, AppError> {
    write_transaction(conn, |c| {
        events::find(c, event_id)?.ok_or(AppError::NotFound)?;
        if events::mark_cancelled(c, event_id, now)? == Guarded::Lost {
            return Err(AppError::Conflict(
                "This event has already been cancelled.".into(),
            ));
        }
        let done = wind_down(c, event_id, now, true)?;
        let change = Message::EventChanged {
            event_id,
            change: crate::domain::outbox::EventChange::Cancelled,
        };
        outbox::enqueue(c, now, &change)?;
        Ok(done)
    })
}

/// Releases holds taken on cancelled events while they were being cancelled (the
/// sweeper's round); returns how many.
pub fn release_stray_holds(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    let mut released = 0;
    for event_id in events::cancelled_with_holds(conn)? {
        released += write_transaction(conn, |c| wind_down(c, event_id, now, false))?.holds_released;
    }
    Ok(released)
}

/// Under each booking's lock, in id order: a hold is released (its seats back) and its
/// holder told; a paid booking's holder is told and its refund queued (`with_paid`).
fn wind_down(
    c: &mut Conn,
    event_id: i32,
    now: NaiveDateTime,
    with_paid: bool,
) -> Result<Cancelled, AppError> {
    let mut done = Cancelled::default();
    for id in bookings::ids_for_event(c, event_id)? {
        let Some(booking) = bookings::lock(c, id)? else {
            continue;
        };
        match booking.status {
            BookingStatus::Reserved => {
                let moved = bookings::transition(
                    c,
                    booking.id,
                    booking.hold_number,
                    BookingStatus::Reserved,
                    BookingStatus::Cancelled,
                )?;
                require(moved, "releasing a hold of a cancelled event")?;
                inventory::return_seats(c, booking.ticket_type_id, booking.quantity)?;
                outbox::enqueue(c, now, &Message::EventCancelled { booking_id: id })?;
                done.holds_released += 1;
            }
            BookingStatus::Paid if with_paid => {
                outbox::enqueue(c, now, &Message::EventCancelled { booking_id: id })?;
                outbox::enqueue(c, now, &Message::CancelRefund { booking_id: id })?;
                done.refunds_queued += 1;
            }
            _ => {}
        }
    }
    Ok(done)
}

/// How far a cancelled event's refunds have come.
pub fn progress(conn: &mut Conn, event_id: i32) -> Result<RefundProgress, AppError> {
    let mut progress = RefundProgress::default();
    for id in bookings::ids_for_event(conn, event_id)? {
        match bookings::find(conn, id)?.map(|t| t.status) {
            Some(BookingStatus::Paid) => progress.waiting += 1,
            Some(BookingStatus::Refunded) => progress.refunded += 1,
            _ => {}
        }
    }
    Ok(progress)
}
