//! Giving back some seats of a paid group booking: the buyer keeps the others, the seats
//! given back go on sale again at once, their codes stop admitting, and the buyer is owed
//! their share of what the payment still keeps (pro rata), sent back through the
//! provider as a refund of its own (`refunds.seats`) while the payment stays paid. All of
//! it is decided and written in one transaction under the booking's lock, where a
//! check-in, a cancel, a resale listing or a second give-back of the same booking decide
//! too, so of two such requests at once exactly one acts on what the other left.

use chrono::NaiveDateTime;

use crate::db::models::{Admission, Booking, NewRefund, Payment, Refund};
use crate::db::status::RefundStatus;
use crate::db::{Conn, admissions, bookings, refunds, ticket_types, write_transaction};
use crate::domain::bookings::locking::require;
use crate::domain::bookings::{admissions as seats, inventory, selling_rules};
use crate::domain::payments::idempotency_key::fresh_key;
use crate::error::AppError;

/// What a give-back did.
#[derive(Debug, Clone)]
pub struct GivenBack {
    /// The refund owed for the seats (settled already when nothing goes through a
    /// provider: a free booking, or money taken at the box office's counter).
    pub refund: Refund,
    /// How many seats the booking keeps.
    pub kept_seats: i32,
}

/// The share of `remaining` that `given` of `quantity` seats are owed, rounded down (the
/// last seats to go, by a cancel, take what is left, so nothing is lost to rounding).
pub fn pro_rata(remaining: i64, quantity: i32, given: i32) -> i64 {
    if quantity <= 0 || given <= 0 {
        return 0;
    }
    let share = i128::from(remaining) * i128::from(given) / i128::from(quantity);
    i64::try_from(share).unwrap_or(remaining)
}

/// What a payment still keeps: its amount less every refund of seats given back from it
/// (owed or made).
pub fn still_kept(conn: &mut Conn, payment: &Payment) -> Result<i64, AppError> {
    let given_back: i64 = refunds::parts_of(conn, &[payment.id])?
        .iter()
        .map(|refund| refund.amount_pennies)
        .sum();
    Ok(payment.amount_pennies - given_back)
}

/// A booking's paid seats its owner may give back now, and why it may give back none.
#[derive(Debug, Clone)]
pub struct GiveBackChoice {
    pub booking: Booking,
    /// Seats that may go: valid, not checked in, not sent to a friend.
    pub seats: Vec<Admission>,
    /// The selling rule the seats were sold under.
    pub rule: selling_rules::SellingRule,
    /// The ticket type's name.
    pub type_name: String,
    /// What the payment still keeps (what the booking's seats share).
    pub kept: i64,
    pub currency: String,
}

/// What giving back some seats of a booking would do.
#[derive(Debug, Clone)]
pub struct GiveBackTerms {
    /// The seats that would go, by position.
    pub seats: Vec<Admission>,
    /// Their share of what the payment still keeps (`pro_rata`).
    pub refund_pennies: i64,
    /// How many seats the booking would keep.
    pub kept_seats: i32,
}

/// The terms of giving back the seats at `positions` (repeats counted once) as `choice`
/// stands, or why it cannot be done: the selling rule, a seat the booking does not have,
/// or one that may not go. The confirmation shows them; the give-back applies them under
/// the lock.
pub fn terms(choice: &GiveBackChoice, positions: &[i32]) -> Result<GiveBackTerms, AppError> {
    let mut wanted = positions.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let given = i32::try_from(wanted.len()).unwrap_or(i32::MAX);
    let quantity = choice.booking.quantity;
    selling_rules::judge_give_back(choice.rule, quantity, given)
        .map_err(|reason| AppError::refused("selling_rule", reason))?;
    let mut seats = Vec::with_capacity(wanted.len());
    for position in wanted {
        // The booking's seats are numbered 1..=quantity (`renumber`).
        if !(1..=quantity).contains(&position) {
            return Err(AppError::refused(
                "no_such_seat",
                format!("This booking has no seat {position}."),
            ));
        }
        let seat = choice
            .seats
            .iter()
            .find(|seat| seat.position == position)
            .ok_or_else(|| {
                AppError::refused(
                    "seat_not_returnable",
                    format!(
                        "Seat {position} cannot be given back: it was already given back, sent to a friend or checked in."
                    ),
                )
            })?;
        seats.push(seat.clone());
    }
    Ok(GiveBackTerms {
        seats,
        refund_pennies: pro_rata(choice.kept, quantity, given),
        kept_seats: quantity - given,
    })
}

/// Reads, under the booking's lock, whether and which seats of the owner's booking may be
/// given back now; the refusal says why not (the same words the give-back itself uses).
fn choice_in(
    c: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    booking_id: i32,
) -> Result<(GiveBackChoice, Payment), AppError> {
    let (booking, payment) =
        super::refund::refundable_for_buyer(c, now, user_id, booking_id, "giving back seats")?;
    let ticket_type = ticket_types::find(c, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    let rule = ticket_type.selling_rule;
    if !selling_rules::may_give_back_some(rule, booking.quantity) {
        let reason = selling_rules::judge_give_back(rule, booking.quantity, 1)
            .err()
            .unwrap_or("These seats cannot be given back one by one.");
        let reason = if booking.quantity == 1 {
            "This booking holds one seat: cancel the booking to give it back."
        } else {
            reason
        };
        return Err(AppError::refused("selling_rule", reason));
    }
    let kept = still_kept(c, &payment)?;
    let seats = seats::of(c, &booking)?
        .into_iter()
        .filter(|seat| {
            seat.status == crate::db::status::AdmissionStatus::Valid
                && seat.checked_in_at.is_none()
                && seat.holder_email.is_none()
        })
        .collect();
    Ok((
        GiveBackChoice {
            booking,
            seats,
            rule,
            type_name: ticket_type.name.clone(),
            kept,
            currency: payment.currency.clone(),
        },
        payment,
    ))
}

/// Which seats of the owner's booking may be given back now (a read: the give-back
/// decides again under the lock).
pub fn give_back_choice(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    booking_id: i32,
) -> Result<GiveBackChoice, AppError> {
    write_transaction(conn, |c| Ok(choice_in(c, now, user_id, booking_id)?.0))
}

/// Gives back the seats at `positions` of the owner's paid booking, chosen when it held
/// `chosen_of` seats (refused if it holds another number now): voids their codes,
/// shrinks the booking, puts the seats back on sale and opens the refund of their share,
/// all under the booking's lock; the refund is sent to the provider afterwards.
pub fn give_back_seats(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    booking_id: i32,
    positions: &[i32],
    chosen_of: i32,
) -> Result<GivenBack, AppError> {
    write_transaction(conn, |c| {
        let (choice, payment) = choice_in(c, now, user_id, booking_id)?;
        let booking = &choice.booking;
        // Positions are renumbered by every give-back: seats chosen on an older page
        // might name other seats now.
        if booking.quantity != chosen_of {
            return Err(AppError::refused(
                "booking_changed",
                "This booking changed since its seats were chosen: look at it again and choose anew.",
            ));
        }
        let terms = terms(&choice, positions)?;
        let given = i32::try_from(terms.seats.len()).unwrap_or(i32::MAX);
        for seat in &terms.seats {
            require(
                admissions::give_back(c, seat.id, now)?,
                "giving back a seat",
            )?;
        }
        renumber(c, booking)?;
        let kept_seats = terms.kept_seats;
        require(
            bookings::shrink(
                c,
                booking.id,
                booking.hold_number,
                booking.quantity,
                kept_seats,
            )?,
            "shrinking a booking",
        )?;
        inventory::return_seats(c, booking.ticket_type_id, given)?;
        let amount = terms.refund_pennies;
        // Nothing goes through a provider for a free booking or money taken at the box
        // office's counter (which the counter hands back): settled at once.
        let settled = amount == 0
            || payment.provider == "free"
            || payment.provider == crate::domain::box_office::counter::COUNTER;
        let key = fresh_key("refund");
        let reason = if given == 1 {
            "1 seat given back by the buyer".to_owned()
        } else {
            format!("{given} seats given back by the buyer")
        };
        let refund = refunds::insert(
            c,
            &NewRefund {
                payment_id: payment.id,
                amount_pennies: amount,
                currency: &payment.currency,
                idempotency_key: (!settled).then_some(key.as_str()),
                provider_refund_id: None,
                status: if settled {
                    RefundStatus::Succeeded
                } else {
                    RefundStatus::Requested
                },
                reason: &reason,
                created_at: now,
                updated_at: now,
                seats: Some(given),
            },
        )?;
        crate::domain::outbox::enqueue(
            c,
            now,
            &crate::domain::outbox::Message::SeatsGivenBack {
                refund_id: refund.id,
            },
        )?;
        Ok(GivenBack { refund, kept_seats })
    })
}

/// Numbers the seats the booking keeps 1, 2, … in their order, and those given back
/// after them, so "seat 2 of 2" stays true; in two passes, as positions are unique.
fn renumber(c: &mut Conn, booking: &Booking) -> Result<(), AppError> {
    let mut all = seats::with_given_back(c, booking)?;
    all.sort_by_key(|seat| (seat.given_back_at.is_some(), seat.position));
    let moves: Vec<(i32, i32)> = all
        .iter()
        .zip(1..)
        .filter(|(seat, position)| seat.position != *position)
        .map(|(seat, position)| (seat.id, position))
        .collect();
    for (id, position) in &moves {
        admissions::move_to(c, *id, position + PARKED)?;
    }
    for (id, position) in moves {
        admissions::move_to(c, id, position)?;
    }
    Ok(())
}

/// Where a seat waits while positions are renumbered (above any real position).
const PARKED: i32 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_pro_rata_rounded_down_and_the_rest_stays_with_the_last_seats() {
        assert_eq!(pro_rata(7500, 3, 1), 2500);
        assert_eq!(pro_rata(7500, 3, 2), 5000);
        assert_eq!(pro_rata(1000, 3, 1), 333);
        // After one seat of three went for 333, the two left keep 667: 333 and 334.
        assert_eq!(pro_rata(667, 2, 1), 333);
        assert_eq!(pro_rata(0, 4, 2), 0);
        assert_eq!(pro_rata(i64::MAX, 2, 1), i64::MAX / 2);
    }
}
