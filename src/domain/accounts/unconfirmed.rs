//! What an account whose address is not confirmed may do: have at most
//! `UNCONFIRMED_BOOKINGS` live bookings (held or paid; 1 by default) until it follows the
//! link mailed at registration. Registering never signs in and costs no mailbox, so a
//! farm of fresh accounts gets one booking each; the owner of a real address confirms it
//! with one click and books on.
//!
//! This is the one rule for every way an account takes seats: holds today (judged inside
//! the reserving batch's transaction, `domain::bookings::reservation::hold_seats`), and
//! resale listings and gifts when they come, which call [`Standings::read`] and
//! [`Standings::allows`] with the same allowance rather than a rule of their own.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::{Conn, bookings, users};

/// Where the accounts of one request (or one batch of requests) stand: for each one
/// whose address is not confirmed, its live bookings outside the event being booked.
/// Confirmed accounts are not listed: they may book without this limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standings {
    /// The allowance (`UNCONFIRMED_BOOKINGS`).
    allowance: u32,
    /// Unconfirmed account → its live bookings elsewhere.
    unconfirmed: HashMap<i32, i64>,
}

impl Standings {
    /// Reads the standings of `user_ids` about to take seats at `event_id`, locking the
    /// unconfirmed accounts' rows for the rest of the caller's write transaction, so that
    /// two bookings of one unconfirmed account at once are judged one after the other.
    /// Call it inside that transaction, after the booking rows' locks.
    pub fn read(
        conn: &mut Conn,
        allowance: u32,
        user_ids: &[i32],
        event_id: i32,
        now: NaiveDateTime,
    ) -> diesel::QueryResult<Standings> {
        let unconfirmed = users::lock_unconfirmed_among(conn, user_ids)?;
        let mut counts: HashMap<i32, i64> = unconfirmed.iter().map(|&id| (id, 0)).collect();
        for (user_id, live) in bookings::live_elsewhere(conn, &unconfirmed, event_id, now)? {
            counts.insert(user_id, live);
        }
        Ok(Standings {
            allowance,
            unconfirmed: counts,
        })
    }

    /// Standings with no unconfirmed account in them (everyone may book).
    pub fn none(allowance: u32) -> Standings {
        Standings {
            allowance,
            unconfirmed: HashMap::new(),
        }
    }

    /// Standings as given: `unconfirmed` maps each unconfirmed account to its live
    /// bookings elsewhere (for a caller that counted them itself, and for tests).
    pub fn of(allowance: u32, unconfirmed: HashMap<i32, i64>) -> Standings {
        Standings {
            allowance,
            unconfirmed,
        }
    }

    /// Whether `user_id` may take one more booking: always when its address is
    /// confirmed; otherwise only while its live bookings stay within the allowance.
    pub fn allows(&self, user_id: i32) -> bool {
        match self.unconfirmed.get(&user_id) {
            None => true,
            Some(&live) => may_take_another(self.allowance, live),
        }
    }

    /// The allowance this was read with (for the refusal's words).
    pub fn allowance(&self) -> u32 {
        self.allowance
    }
}

/// The rule itself: an unconfirmed account with `live` bookings may take one more when
/// that keeps it within `allowance`.
pub fn may_take_another(allowance: u32, live: i64) -> bool {
    live.saturating_add(1) <= i64::from(allowance)
}

/// Why an account may not pass a booking on (list it for resale, give it away) yet: its
/// address is not confirmed and the shop asks for that first; `None` when it may.
pub fn pass_on_refusal(confirmed: bool, unconfirmed_may_pass_on: bool) -> Option<&'static str> {
    (!confirmed && !unconfirmed_may_pass_on).then_some(
        "Confirm your email address first (follow the link we mailed you, or ask for it again on your account page): then you can resell or give away a booking.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfirmed_account_books_up_to_its_allowance_and_a_confirmed_one_freely() {
        assert!(may_take_another(1, 0), "the first booking");
        assert!(
            !may_take_another(1, 1),
            "a second one waits for the confirmation"
        );
        assert!(may_take_another(3, 2));
        assert!(!may_take_another(3, 3));
        assert!(!may_take_another(0, 0), "0: nothing before confirming");

        let standings = Standings::of(1, HashMap::from([(7, 1), (8, 0)]));
        assert!(!standings.allows(7), "unconfirmed, one booking already");
        assert!(standings.allows(8), "unconfirmed, none yet");
        assert!(standings.allows(9), "not listed: confirmed");
        assert!(Standings::none(0).allows(7));
        assert_eq!(standings.allowance(), 1);
    }
}
