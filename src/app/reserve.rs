//! Reserving seats: the checks that need no lock, then this instance's line for the
//! ticket type, whose queued buyers are served in batches (one transaction, one commit
//! each); other instances still race, and the lock_version check decides. The hold rules
//! (`domain::bookings::hold_rules`: holds per account and per address, the cool-down, a confirmed
//! address on a high-demand event, the bookings of an unconfirmed account) are judged inside the batch's transaction, and so is
//! the ticket type's sale window (`domain::catalogue::sale_window`, on the row the seats come from,
//! with the request's `now`); a refusal of the shared counts is remembered here until
//! its window ends, so a client over its limit is answered without queueing again.

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use super::limits;
use super::state::on_pool;
use crate::db::DbPool;
use crate::domain::bookings::hold_rules::{HoldRefusal, HoldRequest, HoldRules};
use crate::domain::bookings::reservation::{self, Admission, ReserveOutcome};
use crate::error::AppError;

/// The most reserve requests of one ticket type served by one transaction.
pub const RESERVE_BATCH: usize = 128;

const RETRY: &str = "Your reservation could not be completed. Please try again.";

/// The hold rules of this shop's settings.
pub fn hold_rules(state: &AppState) -> HoldRules {
    let limits = &state.settings.limits;
    HoldRules {
        per_user: limits.holds_per_user,
        per_address: limits.holds_per_address,
        cooldown: limits.hold_cooldown,
        unconfirmed_bookings: limits.unconfirmed_bookings,
    }
}

/// Holds `request.quantity` seats of `ticket_type_id` at `event_id` for `request.user_id` in
/// one booking, or says why not (the hold rules, the cap and the selling rule are judged
/// inside the batch's transaction).
pub async fn reserve(
    state: &AppState,
    event_id: i32,
    ticket_type_id: i32,
    request: HoldRequest,
) -> Result<ReserveOutcome, AppError> {
    let rules = hold_rules(state);
    let now = state.clock.now();
    // Each hold counts, cancelled or not: one account cannot keep a type sold out by
    // cancelling and holding again. A count the database refused stays refused until
    // its window ends.
    for (limit, subject) in rules.counters(&request) {
        if limits::remembered(state, &limit, &subject).is_some() {
            let refusal = HoldRefusal::over_limit(&limit, rules.is_per_address(&limit), now);
            return Ok(ReserveOutcome::Limited(refusal));
        }
    }
    let hold = state.settings.hold();
    let user_id = request.user_id;
    let admission = state
        .db(move |conn| reservation::admit(conn, now, user_id, event_id, ticket_type_id))
        .await?;
    match admission {
        Admission::SoldOut => return Ok(ReserveOutcome::SoldOut),
        Admission::Refused(refusal) => return Ok(ReserveOutcome::Refused(refusal)),
        Admission::Proceed => {}
    }
    let pool = state.pool.clone();
    let serve = move |requests: Vec<HoldRequest>| {
        let pool = pool.clone();
        async move { hold_batch(&pool, now, hold, rules, event_id, ticket_type_id, requests).await }
    };
    let outcome = state
        .seat_line
        .submit(ticket_type_id, request.clone(), serve)
        .await
        .unwrap_or_else(|| Err(AppError::Unavailable(RETRY.into())))?;
    if let ReserveOutcome::Limited(
        HoldRefusal::AccountLimit { .. } | HoldRefusal::AddressLimit { .. },
    ) = &outcome
    {
        let per_address = matches!(
            outcome,
            ReserveOutcome::Limited(HoldRefusal::AddressLimit { .. })
        );
        for (limit, subject) in rules.counters(&request) {
            if rules.is_per_address(&limit) == per_address {
                limits::note_refusal(state, &limit, &subject);
            }
        }
    }
    Ok(outcome)
}

/// Holds seats for one batch of buyers; a failed batch tells each of them to retry.
async fn hold_batch(
    pool: &DbPool,
    now: NaiveDateTime,
    hold: TimeDelta,
    rules: HoldRules,
    event_id: i32,
    ticket_type_id: i32,
    requests: Vec<HoldRequest>,
) -> Vec<Result<ReserveOutcome, AppError>> {
    let count = requests.len();
    match on_pool(pool, move |conn| {
        reservation::hold_seats(conn, now, hold, rules, event_id, ticket_type_id, &requests)
    })
    .await
    {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(error) => {
            log::error!(
                "reserving a batch of {count} for ticket type {ticket_type_id} failed: {error}"
            );
            (0..count)
                .map(|_| Err(AppError::Unavailable(RETRY.into())))
                .collect()
        }
    }
}
