//! The money side of a booking, in three ideas: the payment **attempt** (what the pay
//! button opens), the **completion** (what a provider's word about a session does to the
//! books) and the **refund**; with them disputes, money and its minimum charge, and the
//! idempotency keys sent to the provider. Every transition of a booking follows
//! `domain::bookings::locking`: lock the booking row, decide on what was read under the
//! lock, act on every guarded update's outcome.
//!
//! Rules: a paid hold becomes a paid booking; a payment that lands after its hold lapsed
//! takes a free seat under the optimistic lock or is refunded; a payment for a booking
//! that was cancelled or refunded meanwhile, and a second payment for a paid booking, are
//! refunded; a payment whose amount or currency differs is held for an admin.

mod attempt;
mod completion;
mod delayed_payment;
mod disputes;
mod give_back;
pub mod idempotency_key;
pub mod minimum_charge;
pub mod money;
pub mod provider_check;
mod provider_events;
mod refund;
mod refund_record;
mod resale_settlement;
#[cfg(test)]
pub(crate) mod scenes;
pub mod session;

pub use attempt::{
    Earlier, NewCheckout, PayPlan, earlier_attempt, plan_payment, session_created, session_failed,
};
pub use completion::{Completion, apply_session};
pub use delayed_payment::{ASYNC_FAILED, PROCESSING};
pub use give_back::{
    GiveBackChoice, GivenBack, give_back_choice, give_back_seats, still_kept,
    terms as give_back_terms,
};
pub use provider_check::{PROVIDER_CHECK_INTERVAL, Turn, buyer_turn, take_turn};
pub use provider_events::{EventOutcome, apply_event};
pub use refund::{
    KeptMoney, money_kept_without_a_ticket, refund_done, request_buyer_refund,
    request_payment_refund, request_refund, return_kept_money,
};
pub use refund_record::{
    RefundStep, next_part_step, next_refund_step, refund_answered, refund_refused, refund_rekeyed,
    refund_unsure,
};

pub use crate::db::status::PaymentStatus;
