//! Holding a seat for a user, letting it go, and expiring holds whose time ran out.
//!
//! The seat and the ticket row change in one transaction: the batch's hold counts are
//! locked first (`domain::bookings::hold_rules`), then the buyers' ticket rows
//! (`domain::bookings::locking`), then the optimistic-lock decrement of the inventory, then the
//! tickets; UNIQUE(user_id, event_id) is the last guard, and a violation gives the seat
//! straight back in the same transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::{Connection, QueryResult};

use crate::db::models::{Booking, NewBooking};
use crate::db::{
    Conn, Guarded, bookings, events, is_unique_violation, ticket_types, users, write_transaction,
};
use crate::domain::accounts::unconfirmed::Standings;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::hold_rules::{HoldLedger, HoldRefusal, HoldRequest, HoldRules};
use crate::domain::bookings::inventory;
use crate::domain::bookings::locking::require;
use crate::domain::bookings::selling_rules::RuleRefusal;
use crate::domain::bookings::ticket_code;
use crate::domain::catalogue::sale_window::{SaleMoment, SaleWindow};
use crate::domain::common::time_zone;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// How a reserve request ended, when it did not fail.
#[derive(Debug, Clone)]
pub enum ReserveOutcome {
    Reserved(Booking),
    SoldOut,
    /// The quantity asked for cannot be bought now (the cap, the selling rule, or fewer
    /// seats left); says why.
    Refused(RuleRefusal),
    /// The user already holds or owns a ticket for this event.
    AlreadyHolding(Booking),
    /// Refused before the seats were looked at (`hold_rules`): too many holds, a
    /// cool-down, an unconfirmed address on a high-demand event; says why and how long.
    Limited(HoldRefusal),
}

/// Whether a ticket still keeps its seat for the user at `now`.
pub fn is_live(booking: &Booking, now: NaiveDateTime) -> bool {
    match booking.status {
        BookingStatus::Paid => true,
        BookingStatus::Reserved => booking.reserved_until.is_some_and(|until| until > now),
        _ => false,
    }
}

/// The status a person should see: a hold past its time reads as expired even before
/// the sweeper has released it.
pub fn visible_status(booking: &Booking, now: NaiveDateTime) -> BookingStatus {
    match booking.status {
        BookingStatus::Reserved if !is_live(booking, now) => BookingStatus::Expired,
        status => status,
    }
}

/// What the checks before the line decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Sold out, and the user has no seat of their own here: nothing to wait in line for.
    SoldOut,
    /// Outside the type's sale window at the request's `now` (the transaction judges
    /// the window again, on the row it writes).
    Refused(RuleRefusal),
    /// Go on to `hold_seats`.
    Proceed,
}

/// The checks that need no lock, run before queueing for the seat: the event is
/// published and not started, the ticket type belongs to it and is inside its sale
/// window, and the plain sold-out answer during a rush. Reads only.
pub fn admit(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    event_id: i32,
    ticket_type_id: i32,
) -> Result<Admission, AppError> {
    let event = events::find(conn, event_id)?
        .filter(|event| event.published)
        .ok_or(AppError::NotFound)?;
    if event.starts_at <= now {
        return Err(AppError::refused(
            "not_on_sale",
            "This event has already started, so tickets are no longer on sale.",
        ));
    }
    if event.cancelled_at.is_some() {
        return Err(AppError::refused(
            "not_on_sale",
            "This event has been cancelled, so tickets are no longer on sale.",
        ));
    }
    let ticket_type = ticket_types::find(conn, ticket_type_id)?
        .filter(|ticket_type| ticket_type.event_id == event_id)
        .ok_or_else(|| AppError::Unprocessable {
            field: "ticket_type_id",
            message: "That ticket type is not sold for this event.".into(),
        })?;
    let moment = SaleMoment {
        now,
        zone: time_zone::stored(&event.time_zone),
    };
    if let Err(refusal) = SaleWindow::of(&ticket_type).judge(moment) {
        return Ok(Admission::Refused(refusal));
    }
    if ticket_type.available_tickets_count > 0 {
        return Ok(Admission::Proceed);
    }
    // A live ticket, or the user's own lapsed hold (which `hold_seats` releases and can
    // take again), needs the full path.
    let has_own_seat = bookings::find_by_user_and_event(conn, user_id, event_id)?
        .is_some_and(|t| is_live(&t, now) || t.status == BookingStatus::Reserved);
    Ok(if has_own_seat {
        Admission::Proceed
    } else {
        Admission::SoldOut
    })
}

/// Where one buyer of a batch stands inside the transaction.
enum Step {
    Done(ReserveOutcome),
    /// Needs `quantity` seats; carries the user's released row for the event, if any.
    Wants(Option<Booking>, i32),
    /// Another request of the same user won (in this batch, or elsewhere): answered
    /// with that ticket after the transaction.
    Duplicate,
}

/// Holds seats of one ticket type for a batch of admitted buyers (queued requests of an
/// on-sale spike), in one transaction. First the batch's hold counts are raised and
/// locked (`HoldLedger`, one statement) and each request that wants seats is judged, in arrival
/// order, by the hold rules (a confirmed address on a high-demand event, the bookings of
/// an unconfirmed account, the cool-down,
/// the holds per account and per address); then one optimistic-lock update allocates
/// the seats for those let through (`inventory::allocate`, which judges each request by
/// the cap and the selling rule against the seats left, in arrival order); each booking
/// is written in its own savepoint so one user's UNIQUE(user_id, event_id) violation
/// rolls back only that booking; any seat not used goes straight back; and the counts
/// of requests not held are taken back (one statement, none when all were held).
/// Answers in order.
pub fn hold_seats(
    conn: &mut Conn,
    now: NaiveDateTime,
    hold: TimeDelta,
    rules: HoldRules,
    event_id: i32,
    ticket_type_id: i32,
    requests: &[HoldRequest],
) -> Result<Vec<ReserveOutcome>, AppError> {
    let until = now + hold;
    let steps = write_transaction(conn, |c| -> Result<Vec<(i32, Step)>, AppError> {
        // Read again inside the transaction: an admin may have cancelled it meanwhile.
        let event = events::find(c, event_id)?;
        if event.as_ref().is_some_and(|e| e.cancelled_at.is_some()) {
            return Err(AppError::Conflict(
                "This event has been cancelled, so tickets are no longer on sale.".into(),
            ));
        }
        // The shared counts before any other lock, always in one order: two batches
        // sharing a user or an address (another event, another instance) wait for each
        // other here and nowhere else.
        let mut ledger = HoldLedger::lock(c, rules, now, requests)?;
        // Lock the buyers' existing rows first, in the lock order (ascending user id).
        let mut existing: BTreeMap<i32, Option<Booking>> = requests
            .iter()
            .map(|request| (request.user_id, None))
            .collect();
        for (&user_id, row) in existing.iter_mut() {
            *row = bookings::lock_by_user_and_event(c, user_id, event_id)?;
        }
        let mut seen = HashSet::new();
        let mut steps = Vec::with_capacity(requests.len());
        for request in requests {
            let user_id = request.user_id;
            if !seen.insert(user_id) {
                steps.push((user_id, Step::Duplicate));
                continue;
            }
            let step = match existing.remove(&user_id).flatten() {
                Some(booking) if is_live(&booking, now) => {
                    Step::Done(ReserveOutcome::AlreadyHolding(booking))
                }
                Some(mut booking) => {
                    if booking.status == BookingStatus::Reserved {
                        // A lapsed hold the sweeper has not reached yet: release it first.
                        release(c, &booking, BookingStatus::Expired)?;
                        booking.status = BookingStatus::Expired.to_owned();
                    }
                    Step::Wants(Some(booking), request.quantity)
                }
                None => Step::Wants(None, request.quantity),
            };
            steps.push((user_id, step));
        }
        // The hold rules, in arrival order, on what this transaction read and locked.
        let buyers: Vec<i32> = steps
            .iter()
            .filter(|(_, step)| matches!(step, Step::Wants(..)))
            .map(|(user_id, _)| *user_id)
            .collect();
        if event.as_ref().is_some_and(|e| e.high_demand) {
            ledger.require_confirmed(users::confirmed_among(c, &buyers)?);
        }
        // Unconfirmed accounts: their rows locked (after the booking rows, always in
        // this order), their live bookings elsewhere counted.
        ledger.judge_unconfirmed(Standings::read(
            c,
            rules.unconfirmed_bookings,
            &buyers,
            event_id,
            now,
        )?);
        for (request, (_, step)) in requests.iter().zip(steps.iter_mut()) {
            if let Step::Wants(row, _) = step
                && let Err(refusal) = ledger.admit(request, row.as_ref(), ticket_type_id)
            {
                *step = Step::Done(ReserveOutcome::Limited(refusal));
            }
        }
        let wanting: Vec<usize> = (0..steps.len())
            .filter(|&i| matches!(steps[i].1, Step::Wants(..)))
            .collect();
        let quantities: Vec<i32> = wanting
            .iter()
            .map(|&i| match steps[i].1 {
                Step::Wants(_, quantity) => quantity,
                _ => 0,
            })
            .collect();
        // Seats go to buyers in arrival order, each judged by the rule on what is left;
        // their bookings are written in the lock order, so two batches never wait on
        // each other's new rows in a cycle.
        // The sale window is judged here, on the row the allocation's update guards and
        // with the batch's `now`: an admin's new window bumps its lock_version.
        let moment = SaleMoment {
            now,
            zone: time_zone::stored(event.as_ref().map_or("UTC", |e| e.time_zone.as_str())),
        };
        let allocation = inventory::allocate(c, ticket_type_id, &quantities, moment)?;
        let mut winners = Vec::new();
        for (&index, decision) in wanting.iter().zip(allocation) {
            match decision {
                Ok(_) => winners.push(index),
                Err(refusal) => {
                    ledger.withdraw(&requests[index]);
                    steps[index].1 = Step::Done(match refusal {
                        RuleRefusal::SoldOut => ReserveOutcome::SoldOut,
                        refusal => ReserveOutcome::Refused(refusal),
                    });
                }
            }
        }
        winners.sort_by_key(|&index| steps[index].0);
        let mut unused = 0;
        for index in winners {
            let (user_id, step) = &mut steps[index];
            let Step::Wants(released, quantity) = step else {
                continue;
            };
            let (released, quantity) = (released.take(), *quantity);
            let written = c.transaction(|c| {
                write_hold(
                    c,
                    *user_id,
                    event_id,
                    ticket_type_id,
                    quantity,
                    released,
                    now,
                    until,
                )
            });
            *step = match written {
                Ok(Some(booking)) => {
                    let held = Message::BookingHeld {
                        booking_id: booking.id,
                    };
                    outbox::enqueue(c, now, &held)?;
                    Step::Done(ReserveOutcome::Reserved(booking))
                }
                Ok(None) => {
                    unused += quantity;
                    ledger.withdraw(&requests[index]);
                    Step::Duplicate
                }
                Err(error) if is_unique_violation(&error) => {
                    unused += quantity;
                    ledger.withdraw(&requests[index]);
                    Step::Duplicate
                }
                Err(error) => return Err(error.into()),
            };
        }
        if unused > 0 {
            inventory::return_seats(c, ticket_type_id, unused)?;
        }
        // Only the holds written stay counted, in this transaction: a refused or failed
        // hold leaves no count, and a counted hold exists.
        ledger.settle(c)?;
        Ok(steps)
    })?;
    // A user's first request refused in this batch answers their other requests in it
    // too, when none of them made a booking.
    let mut refused: HashMap<i32, ReserveOutcome> = HashMap::new();
    for (user_id, step) in &steps {
        if let Step::Done(
            outcome @ (ReserveOutcome::SoldOut
            | ReserveOutcome::Refused(_)
            | ReserveOutcome::Limited(_)),
        ) = step
        {
            refused.entry(*user_id).or_insert_with(|| outcome.clone());
        }
    }
    steps
        .into_iter()
        .map(|(user_id, step)| match step {
            Step::Done(outcome) => Ok(outcome),
            Step::Wants(..) => Err(AppError::Internal(
                "a buyer was left without an answer".into(),
            )),
            Step::Duplicate => {
                // Another request of this user (a double click, another tab or instance)
                // won; end on its ticket.
                match bookings::find_by_user_and_event(conn, user_id, event_id)? {
                    Some(booking) => Ok(ReserveOutcome::AlreadyHolding(booking)),
                    None => refused.get(&user_id).cloned().ok_or_else(|| {
                        AppError::Unavailable(
                            "Your reservation could not be completed. Please try again.".into(),
                        )
                    }),
                }
            }
        })
        .collect()
}

/// Writes one user's hold of `quantity` seats: a new row, or a new hold on their
/// released row. `None` when the released row changed meanwhile (another request of the
/// user got there first).
#[allow(clippy::too_many_arguments)]
fn write_hold(
    conn: &mut Conn,
    user_id: i32,
    event_id: i32,
    ticket_type_id: i32,
    quantity: i32,
    released: Option<Booking>,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<Booking>> {
    let code = ticket_code::generate();
    match released {
        None => bookings::insert(
            conn,
            &NewBooking {
                user_id,
                event_id,
                ticket_type_id,
                status: BookingStatus::Reserved,
                reserved_until: Some(until),
                code: &code,
                created_at: now,
                quantity,
            },
        )
        .map(Some),
        Some(released) => {
            if bookings::start_new_hold(conn, &released, ticket_type_id, quantity, until, &code)?
                == Guarded::Lost
            {
                return Ok(None);
            }
            bookings::find(conn, released.id)
        }
    }
}

/// Moves a reserved booking to `to` and returns all its seats. The caller holds the ticket's
/// lock and has seen it reserved, so the guarded update must apply.
fn release(conn: &mut Conn, booking: &Booking, to: BookingStatus) -> Result<(), AppError> {
    require(
        bookings::transition(
            conn,
            booking.id,
            booking.hold_number,
            BookingStatus::Reserved,
            to,
        )?,
        "releasing a hold",
    )?;
    inventory::return_seats(conn, booking.ticket_type_id, booking.quantity)
}

/// Cancels the user's own hold and puts its seat back on sale, under the ticket's lock:
/// a payment confirmed at the same instant either wins (and the cancel is refused) or
/// finds the booking cancelled (and its money goes back).
pub fn cancel(
    conn: &mut Conn,
    user_id: i32,
    booking_id: i32,
    now: NaiveDateTime,
) -> Result<Booking, AppError> {
    write_transaction(conn, |c| {
        let booking = bookings::lock_owned(c, booking_id, user_id)?.ok_or(AppError::NotFound)?;
        match booking.status {
            BookingStatus::Reserved => {}
            BookingStatus::Paid => {
                return Err(AppError::refused(
                    "already_paid",
                    "This booking is already paid, so it can no longer be cancelled.",
                ));
            }
            _ => {
                return Err(AppError::refused(
                    "not_on_hold",
                    "Only a booking that is on hold can be cancelled.",
                ));
            }
        }
        release(c, &booking, BookingStatus::Cancelled)?;
        outbox::enqueue(c, now, &Message::BookingCancelled { booking_id })?;
        bookings::find(c, booking_id)?.ok_or(AppError::NotFound)
    })
}

/// Voids a hold for an admin (any buyer's): cancelled, its seats back on sale, under
/// the booking's lock. A booking that is paid (or no longer held) is refused.
pub fn void_hold(
    conn: &mut Conn,
    booking_id: i32,
    now: NaiveDateTime,
) -> Result<Booking, AppError> {
    write_transaction(conn, |c| {
        let booking = bookings::lock(c, booking_id)?.ok_or(AppError::NotFound)?;
        match booking.status {
            BookingStatus::Reserved => {}
            BookingStatus::Paid => {
                return Err(AppError::refused(
                    "already_paid",
                    "This booking is paid: refund it instead of voiding it.",
                ));
            }
            _ => {
                return Err(AppError::refused(
                    "not_on_hold",
                    "Only a booking that is on hold can be voided.",
                ));
            }
        }
        release(c, &booking, BookingStatus::Cancelled)?;
        outbox::enqueue(c, now, &Message::BookingCancelled { booking_id })?;
        bookings::find(c, booking_id)?.ok_or(AppError::NotFound)
    })
}

/// Expires up to `batch` holds whose time ran out and returns their seats; returns how
/// many this call released. Safe to run from several instances at once, and against a
/// payment's confirmation: each hold is looked at again under its row lock, and only a
/// hold still reserved and past its time is released.
pub fn expire_lapsed(conn: &mut Conn, now: NaiveDateTime, batch: i64) -> Result<usize, AppError> {
    let lapsed = bookings::lapsed_holds(conn, now, batch)?;
    let mut released = 0;
    for seen in &lapsed {
        let expired = write_transaction(conn, |c| -> Result<bool, AppError> {
            let Some(booking) = bookings::lock(c, seen.id)? else {
                return Ok(false);
            };
            let still_lapsed = booking.status == BookingStatus::Reserved
                && booking.hold_number == seen.hold_number
                && booking.reserved_until.is_some_and(|until| until < now);
            if still_lapsed {
                release(c, &booking, BookingStatus::Expired)?;
                let expired = crate::domain::outbox::Message::HoldExpired {
                    booking_id: booking.id,
                };
                crate::domain::outbox::enqueue(c, now, &expired)?;
            }
            Ok(still_lapsed)
        })?;
        if expired {
            released += 1;
        }
    }
    Ok(released)
}
