//! What cancelling one of the buyer's own bookings would do, in words the confirmation
//! page names before anything happens: a hold released, a paid booking refunded (how much
//! comes back), a free booking given up, or why it cannot be cancelled at all.

use super::AppState;
use super::bookings::{self, BookingDetails};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::refund_policy;
use crate::domain::payments::money::Money;
use crate::error::AppError;

/// What a confirmed cancel would do to a booking, as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelTerms {
    /// A hold: its seats go back on sale; nothing was paid.
    ReleaseHold,
    /// A paid booking: its seats are given up and this amount goes back to the buyer.
    Refund(Money),
    /// A free booking: its seats are given up; there is no money to return.
    GiveUpFree,
    /// It cannot be cancelled now, and why (the same reason the cancel itself gives).
    Refused(String),
}

/// The booking as its owner sees it and what cancelling it would do. Only a read: the
/// cancel itself decides again under the ticket's lock.
pub async fn terms(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<(BookingDetails, CancelTerms), AppError> {
    let (booking, _) = bookings::show(state, user_id, booking_id).await?;
    let terms = match booking.status {
        BookingStatus::Reserved => CancelTerms::ReleaseHold,
        BookingStatus::Paid => paid_terms(state, &booking),
        _ => CancelTerms::Refused(
            "This booking no longer holds any seat, so there is nothing to cancel.".into(),
        ),
    };
    Ok((booking, terms))
}

fn paid_terms(state: &AppState, booking: &BookingDetails) -> CancelTerms {
    if booking.refund_under_way {
        return CancelTerms::Refused("This booking's refund is already under way.".into());
    }
    if booking.checked_in {
        return CancelTerms::Refused(
            "A seat of this booking has been checked in at the door, so it can no longer be cancelled or refunded.".into(),
        );
    }
    if booking.refundable_until.is_none() {
        let reason = refund_policy::refusal(&booking.event, state.clock.now())
            .unwrap_or_else(|| "This booking can no longer be cancelled.".into());
        return CancelTerms::Refused(reason);
    }
    match &booking.kept {
        Some(amount) if amount.pennies > 0 => CancelTerms::Refund(amount.clone()),
        Some(_) => CancelTerms::GiveUpFree,
        None => CancelTerms::Refused("This booking's refund is already under way.".into()),
    }
}
