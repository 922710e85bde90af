//! A user's own bookings: the list, one booking (a code and QR image per seat once
//! paid), and cancelling a hold. Every look-up is scoped by owner: anyone else's id reads as missing.

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use super::refunds::RefundProgress;
use crate::db::models::{Booking, Event, Payment, TicketType};
use crate::db::status::PaymentStatus;
use crate::db::{admissions as admissions_db, bookings, events, payment_attempts, ticket_types};
use crate::domain::bookings::admissions;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::hold_rules::HoldRequest;
use crate::domain::bookings::qr;
use crate::domain::bookings::refund_policy;
use crate::domain::bookings::reservation::{self, ReserveOutcome};
use crate::domain::door::refunds as door_refunds;
use crate::domain::payments;
use crate::domain::payments::money::Money;
use crate::error::AppError;

/// A ticket as its owner sees it.
#[derive(Debug)]
pub struct BookingDetails {
    pub booking: Booking,
    pub event: Event,
    pub ticket_type: TicketType,
    /// What the owner should see: a hold past its time reads as expired at once.
    pub status: BookingStatus,
    /// How long a live hold has left.
    pub time_left: Option<TimeDelta>,
    /// What the newest payment attempt of the current hold says, when the owner should
    /// know (a bank still processing it, or a delayed payment that failed).
    pub payment_note: Option<&'static str>,
    /// A paid booking the buyer may cancel for a refund: until when.
    pub refundable_until: Option<NaiveDateTime>,
    /// A seat of this paid booking was checked in at the door: its buyer can no longer
    /// cancel it.
    pub checked_in: bool,
    /// This paid booking's refund is under way: its codes no longer admit.
    pub refund_under_way: bool,
    /// What a paid booking's payment kept (what cancelling it would refund); `None`
    /// before payment, and in the list.
    pub kept: Option<Money>,
}

/// What the door has to say about a paid booking (nothing about any other).
#[derive(Debug, Clone, Copy, Default)]
struct AtTheDoor {
    checked_in: bool,
    refund_under_way: bool,
}

fn at_the_door(
    conn: &mut crate::db::Conn,
    booking: &Booking,
    checked_in: bool,
) -> Result<AtTheDoor, AppError> {
    if booking.status != BookingStatus::Paid {
        return Ok(AtTheDoor::default());
    }
    Ok(AtTheDoor {
        checked_in,
        refund_under_way: door_refunds::refund_under_way(conn, booking)?,
    })
}

impl BookingDetails {
    fn new(
        booking: Booking,
        event: Event,
        ticket_type: TicketType,
        now: NaiveDateTime,
        door: AtTheDoor,
    ) -> BookingDetails {
        let status = reservation::visible_status(&booking, now);
        let time_left = match (status, booking.reserved_until) {
            (BookingStatus::Reserved, Some(until)) => Some(until - now),
            _ => None,
        };
        let refundable_until = (status == BookingStatus::Paid
            && !door.checked_in
            && !door.refund_under_way
            && refund_policy::refusal(&event, now).is_none())
        .then(|| refund_policy::closes_at(&event))
        .flatten();
        BookingDetails {
            booking,
            event,
            ticket_type,
            status,
            time_left,
            payment_note: None,
            refundable_until,
            checked_in: door.checked_in,
            refund_under_way: door.refund_under_way,
            kept: None,
        }
    }
}

/// The owner's word for the newest attempt of a hold, where it matters.
fn payment_note(newest: Option<&Payment>) -> Option<&'static str> {
    let payment = newest?;
    match payment.status {
        PaymentStatus::Processing => Some(
            "Your bank is processing your payment. We confirm your booking as soon as the money arrives.",
        ),
        PaymentStatus::Failed
            if payment.status_reason.as_deref() == Some(payments::ASYNC_FAILED) =>
        {
            Some(
                "Your last payment did not go through at your bank, and nothing was charged. You can pay again while your seat is held.",
            )
        }
        _ => None,
    }
}

/// The user's tickets, soonest event first.
pub async fn list(state: &AppState, user_id: i32) -> Result<Vec<BookingDetails>, AppError> {
    let now = state.clock.now();
    let rows = state
        .db(move |conn| {
            let rows = bookings::list_for_user(conn, user_id)?;
            let paid: Vec<i32> = rows
                .iter()
                .filter(|(t, ..)| t.status == BookingStatus::Paid)
                .map(|(t, ..)| t.id)
                .collect();
            let checked_in = admissions_db::checked_in_bookings(conn, &paid)?;
            rows.into_iter()
                .map(|(booking, event, ticket_type)| {
                    let door = at_the_door(conn, &booking, checked_in.contains(&booking.id))?;
                    Ok((booking, event, ticket_type, door))
                })
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(booking, event, ticket_type, door)| {
            BookingDetails::new(booking, event, ticket_type, now, door)
        })
        .collect())
}

/// One seat of a paid booking as its owner sees it: its code and the code's QR image.
#[derive(Debug)]
pub struct SeatCode {
    pub position: i32,
    pub code: String,
    /// An SVG (empty for a seat sent to a friend: its code is theirs).
    pub qr_svg: String,
    /// Who the seat was sent to, if anyone.
    pub holder_email: Option<String>,
    /// Who will use the seat, if named.
    pub attendee_name: Option<String>,
}

/// One of the user's bookings, with each seat's code and QR image once paid (never
/// before: codes are shown only for a paid booking).
pub async fn show(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<(BookingDetails, Vec<SeatCode>), AppError> {
    let now = state.clock.now();
    let (booking, event, ticket_type, seats, note, door, kept) = state
        .db(move |conn| {
            let booking =
                bookings::find_owned(conn, booking_id, user_id)?.ok_or(AppError::NotFound)?;
            let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
            let ticket_type =
                ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
            let seats = if booking.status == BookingStatus::Paid {
                admissions::of(conn, &booking)?
            } else {
                Vec::new()
            };
            let note = if booking.status == BookingStatus::Paid {
                None
            } else {
                payment_note(
                    payment_attempts::for_hold(conn, booking.id, booking.hold_number)?.first(),
                )
            };
            let checked_in = seats.iter().any(|seat| seat.checked_in_at.is_some());
            let door = at_the_door(conn, &booking, checked_in)?;
            let kept = match payment_attempts::for_booking(conn, booking.id)?
                .into_iter()
                .find(|p| p.status == PaymentStatus::Paid)
            {
                Some(p) if booking.status == BookingStatus::Paid => Some(Money::from_stored(
                    crate::domain::payments::still_kept(conn, &p)?,
                    &p.currency,
                )),
                _ => None,
            };
            Ok((booking, event, ticket_type, seats, note, door, kept))
        })
        .await?;
    let mut booking = BookingDetails::new(booking, event, ticket_type, now, door);
    booking.payment_note = note;
    booking.kept = kept;
    let codes = if booking.status == BookingStatus::Paid {
        seats
            .into_iter()
            .map(|seat| {
                let sent = seat.holder_email.is_some();
                Ok(SeatCode {
                    position: seat.position,
                    qr_svg: if sent {
                        String::new()
                    } else {
                        qr::svg(&seat.code)?
                    },
                    code: if sent { String::new() } else { seat.code },
                    holder_email: seat.holder_email,
                    attendee_name: seat.attendee_name,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?
    } else {
        Vec::new()
    };
    Ok((booking, codes))
}

/// How many seats the user's own booking holds (for copy that counts them).
pub async fn seats(state: &AppState, user_id: i32, booking_id: i32) -> Result<i32, AppError> {
    state
        .db(move |conn| {
            Ok(bookings::find_owned(conn, booking_id, user_id)?
                .ok_or(AppError::NotFound)?
                .quantity)
        })
        .await
}

/// Cancels the user's own hold; its seat goes back on sale. Returns the ticket.
pub async fn cancel(state: &AppState, user_id: i32, booking_id: i32) -> Result<Booking, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| reservation::cancel(conn, user_id, booking_id, now))
        .await
}

/// Holds seats in a new booking (`reserve`) and returns it as its owner sees it; any
/// other outcome as `reserve` tells it.
pub async fn book(
    state: &AppState,
    event_id: i32,
    ticket_type_id: i32,
    request: HoldRequest,
) -> Result<Result<BookingDetails, ReserveOutcome>, AppError> {
    let user_id = request.user_id;
    match super::reserve::reserve(state, event_id, ticket_type_id, request).await? {
        ReserveOutcome::Reserved(booking) => {
            let (booking, _) = show(state, user_id, booking.id).await?;
            Ok(Ok(booking))
        }
        other => Ok(Err(other)),
    }
}

/// What cancelling a booking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// A hold: its seats are back on sale.
    HoldReleased,
    /// A paid booking, refunded at the buyer's request (its event allows it): done, or
    /// under way at the provider (the booking stays valid until the money is back).
    Refunded(RefundProgress),
}

/// Cancels the user's own booking: a hold is released; a paid booking is refunded where
/// its event allows it (`refund_policy`). Returns the booking as it now is.
pub async fn cancel_booking(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<(BookingDetails, Cancelled), AppError> {
    let (booking, _) = show(state, user_id, booking_id).await?;
    // This read only picks the path; each path decides under the ticket's lock. A booking
    // refunded since (the other click of a double click) takes the refund path too, so
    // its answer is "not paid" whichever click read first, never "not on hold".
    let was_paid = matches!(
        booking.booking.status,
        BookingStatus::Paid | BookingStatus::Refunded
    );
    let outcome = if was_paid {
        Cancelled::Refunded(super::refunds::refund_for_buyer(state, user_id, booking_id).await?)
    } else {
        cancel(state, user_id, booking_id).await?;
        Cancelled::HoldReleased
    };
    let (booking, _) = show(state, user_id, booking_id).await?;
    Ok((booking, outcome))
}
