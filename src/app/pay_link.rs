//! A customer's pay link (a box office sale paid by link): its page, and paying it, which
//! starts the ordinary checkout of the customer's hold (`checkout::start`, the Stripe
//! Checkout page or the built-in test provider's).

use super::AppState;
use super::checkout::{self, PayOutcome, Purchase};
use crate::domain::box_office::pay_link::{self, HOLD_ENDED, Link, LinkStatus};
use crate::error::AppError;

/// The link of `token` as its page shows it; 404 for a token nobody was sent.
pub async fn open(state: &AppState, token: String) -> Result<Link, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| pay_link::open(conn, now, &token))
        .await
}

/// Starts (or reopens) the checkout of the link's hold; returns the customer's account id
/// and where to pay. A hold that ended is refused with `hold_expired`, a paid one with
/// `already_paid`.
pub async fn pay(state: &AppState, token: String) -> Result<(i32, PayOutcome), AppError> {
    let link = open(state, token).await?;
    match link.status {
        LinkStatus::Payable => {}
        LinkStatus::Paid => {
            return Err(AppError::refused(
                "already_paid",
                "These seats are already paid: the codes are in the confirmation mail.",
            ));
        }
        LinkStatus::Ended => return Err(AppError::refused("hold_expired", HOLD_ENDED)),
    }
    let user_id = link.booking.user_id;
    let outcome = checkout::start(
        state,
        Purchase::Hold {
            user_id,
            booking_id: link.booking.id,
        },
    )
    .await?;
    Ok((user_id, outcome))
}
