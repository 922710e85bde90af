//! The buyer gives back some seats of a paid group booking: what it would do (the
//! confirmation names the seats and the money), and doing it (the seats back on sale at
//! once, the refund of their share sent to the provider; a refund that cannot be sent
//! now stays owed and is retried by reconciliation).

use super::AppState;
use super::refunds::{RefundProgress, refund_part};
use crate::db::models::Admission;
use crate::db::status::RefundStatus;
use crate::domain::bookings::selling_rules::{self, SellingRule};
use crate::domain::payments::money::Money;
use crate::domain::payments::{self, GiveBackChoice};
use crate::error::AppError;

/// Which seats of the booking may be given back now, and under which rule.
pub async fn choice(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<GiveBackChoice, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| payments::give_back_choice(conn, now, user_id, booking_id))
        .await
}

/// What giving back `positions` would do, for the confirmation: the domain's terms,
/// the refund as money.
#[derive(Debug, Clone)]
pub struct GiveBackTerms {
    pub seats: Vec<Admission>,
    /// The refund of their share (zero for free seats).
    pub refund: Money,
    /// How many seats the booking keeps.
    pub kept_seats: i32,
}

/// The terms of giving back `positions` of the booking, or why it cannot be done (the
/// same words the give-back itself answers with).
pub fn terms(choice: &GiveBackChoice, positions: &[i32]) -> Result<GiveBackTerms, AppError> {
    let terms = payments::give_back_terms(choice, positions)?;
    Ok(GiveBackTerms {
        seats: terms.seats,
        refund: Money::from_stored(terms.refund_pennies, &choice.currency),
        kept_seats: terms.kept_seats,
    })
}

/// How many seats a choice lets go at once: the quantities the rule allows.
pub fn allowed_counts(rule: SellingRule, quantity: i32) -> Vec<i32> {
    (1..quantity)
        .filter(|&given| selling_rules::judge_give_back(rule, quantity, given).is_ok())
        .collect()
}

/// What a give-back did.
#[derive(Debug, Clone)]
pub struct GaveBack {
    pub seats: i32,
    pub kept_seats: i32,
    pub refund: Money,
    pub progress: RefundProgress,
}

/// Gives back the seats at `positions` of the buyer's booking, chosen when it held
/// `chosen_of` seats, and sends their refund.
/// The seats are back on sale whatever the provider answers; a refund it cannot take now
/// stays owed (reconciliation retries it) and the answer says so.
pub async fn give_back(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
    positions: Vec<i32>,
    chosen_of: i32,
) -> Result<GaveBack, AppError> {
    let now = state.clock.now();
    let given = state
        .db(move |conn| {
            payments::give_back_seats(conn, now, user_id, booking_id, &positions, chosen_of)
        })
        .await?;
    let refund = given.refund;
    let progress = if refund.status == RefundStatus::Succeeded {
        RefundProgress::Done
    } else {
        match refund_part(state, refund.id).await {
            Ok(progress) => progress,
            Err(error) => {
                log::warn!(
                    "the refund {} of seats given back is owed: {error}",
                    refund.id
                );
                RefundProgress::Pending
            }
        }
    };
    Ok(GaveBack {
        seats: refund.seats.unwrap_or(1),
        kept_seats: given.kept_seats,
        refund: Money::from_stored(refund.amount_pennies, &refund.currency),
        progress,
    })
}
