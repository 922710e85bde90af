//! What a hold must pass besides the seats (issue 23, holds by throwaway accounts): the
//! holds per account and per client address per hour, the cool-down after a lapsed hold,
//! a confirmed address on a high-demand event, and the bookings an account whose address
//! is not confirmed may have (`domain::accounts::unconfirmed`). All of it is judged inside the
//! reserving batch's transaction (`reservation::hold_seats`), on the database's state, so
//! it holds across instances, and a refused or failed hold leaves no trace:
//!
//! - the two counts are shared counters (`domain::limits`), raised for every request and
//!   locked at the start of the transaction in one statement (one fixed order, so
//!   batches never deadlock), judged in arrival order on the count before the batch, and
//!   set right before the commit (a second statement, only when some request was not
//!   held): a request refused, sold out or lost counts nothing, a counted hold exists;
//! - the cool-down is read from the user's booking row for the event, which the batch
//!   has already locked;
//! - the unconfirmed accounts among the batch's buyers are one read by primary key (their
//!   rows locked), their live bookings elsewhere one grouped count; a high-demand event
//!   refuses them all, any other event once they have their allowance of bookings.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::Conn;
use crate::db::models::Booking;
use crate::domain::accounts::unconfirmed::Standings;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::limits::{Limit, Subject, shared};
use crate::error::AppError;

/// One reserve request, as the seat line carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRequest {
    pub user_id: i32,
    /// Seats asked for.
    pub quantity: i32,
    /// The client's address (`web::client_address`), counted by the per-address limit.
    pub address: String,
}

impl HoldRequest {
    pub fn new(user_id: i32, quantity: i32, address: impl Into<String>) -> HoldRequest {
        HoldRequest {
            user_id,
            quantity,
            address: address.into(),
        }
    }
}

/// The settings the rules apply (`config::limits`).
#[derive(Debug, Clone, Copy)]
pub struct HoldRules {
    /// Holds per account per hour, cancelled ones included.
    pub per_user: Limit,
    /// Holds per client address per hour, every account behind it together.
    pub per_address: Limit,
    /// The wait after a hold of a ticket type lapsed unpaid before that type may be held
    /// again; zero: none.
    pub cooldown: TimeDelta,
    /// The live bookings an account whose address is not confirmed may have
    /// (`UNCONFIRMED_BOOKINGS`).
    pub unconfirmed_bookings: u32,
}

impl HoldRules {
    /// No rule at all (a test of the seats alone).
    pub fn off() -> HoldRules {
        HoldRules {
            per_user: Limit::new("holds_user", 0, Duration::from_secs(3600)),
            per_address: Limit::new("holds_address", 0, Duration::from_secs(3600)),
            cooldown: TimeDelta::zero(),
            unconfirmed_bookings: u32::MAX,
        }
    }

    /// Whether `limit` is the per-address one.
    pub fn is_per_address(&self, limit: &Limit) -> bool {
        limit.name == self.per_address.name
    }

    /// The counters of a request, for the limits that are on.
    pub fn counters(&self, request: &HoldRequest) -> Vec<(Limit, Subject)> {
        [
            (self.per_user, Subject::user(request.user_id)),
            (self.per_address, Subject::address(&request.address)),
        ]
        .into_iter()
        .filter(|(limit, _)| !limit.is_off())
        .collect()
    }
}

/// Why a hold was refused before any seat was looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldRefusal {
    /// The account has taken its holds for this hour.
    AccountLimit {
        allowance: u32,
        until: NaiveDateTime,
        retry_after: u64,
    },
    /// The client address has taken its holds for this hour (every account behind it).
    AddressLimit {
        allowance: u32,
        until: NaiveDateTime,
        retry_after: u64,
    },
    /// The user's last hold of this ticket type lapsed unpaid a moment ago.
    CoolingDown {
        until: NaiveDateTime,
        retry_after: u64,
    },
    /// A high-demand event, and the account's address is not confirmed.
    AddressUnconfirmed,
    /// The account's address is not confirmed and it already has the bookings such an
    /// account may have (`UNCONFIRMED_BOOKINGS`).
    UnconfirmedLimit { allowance: u32 },
}

impl HoldRefusal {
    /// The stable code the JSON API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            HoldRefusal::AccountLimit { .. } => "hold_limit",
            HoldRefusal::AddressLimit { .. } => "address_hold_limit",
            HoldRefusal::CoolingDown { .. } => "hold_cooldown",
            HoldRefusal::AddressUnconfirmed | HoldRefusal::UnconfirmedLimit { .. } => {
                "address_unconfirmed"
            }
        }
    }

    /// Seconds to wait before trying again, for a refusal that ends by waiting.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            HoldRefusal::AccountLimit { retry_after, .. }
            | HoldRefusal::AddressLimit { retry_after, .. }
            | HoldRefusal::CoolingDown { retry_after, .. } => Some(*retry_after),
            HoldRefusal::AddressUnconfirmed | HoldRefusal::UnconfirmedLimit { .. } => None,
        }
    }

    /// The refusal of a request over `limit` (the per-address one when `per_address`).
    pub fn over_limit(limit: &Limit, per_address: bool, now: NaiveDateTime) -> HoldRefusal {
        let (allowance, until) = (limit.allowance, limit.window_end(now));
        let retry_after = seconds_until(until, now);
        if per_address {
            HoldRefusal::AddressLimit {
                allowance,
                until,
                retry_after,
            }
        } else {
            HoldRefusal::AccountLimit {
                allowance,
                until,
                retry_after,
            }
        }
    }
}

/// "in 4 minutes, at 14:05 UTC".
fn wait_words(until: NaiveDateTime, seconds: u64) -> String {
    let minutes = seconds.div_ceil(60).max(1);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let span = match (hours, minutes) {
        (0, 1) => "1 minute".to_owned(),
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".to_owned(),
        (h, 0) => format!("{h} hours"),
        (h, m) => format!("{h} h {m} min"),
    };
    format!("in {span}, at {} UTC", until.format("%H:%M"))
}

impl fmt::Display for HoldRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldRefusal::AccountLimit {
                allowance,
                until,
                retry_after,
            } => write!(
                f,
                "You have held seats {allowance} times in the last hour, the most one account \
                 may. You can hold seats again {}.",
                wait_words(*until, *retry_after)
            ),
            HoldRefusal::AddressLimit {
                allowance,
                until,
                retry_after,
            } => write!(
                f,
                "Seats have been held {allowance} times in the last hour from your network, the \
                 most one address may (everyone on a shared Wi-Fi counts together). You can hold \
                 seats again {}.",
                wait_words(*until, *retry_after)
            ),
            HoldRefusal::CoolingDown { until, retry_after } => write!(
                f,
                "Your last hold of this ticket type ran out without payment, so it is kept for \
                 other buyers for a few minutes. You can hold it again {}.",
                wait_words(*until, *retry_after)
            ),
            HoldRefusal::AddressUnconfirmed => f.write_str(
                "This event is in high demand, so holding seats needs a confirmed email \
                 address. Follow the link we mailed you when you registered, or ask for a new \
                 one.",
            ),
            HoldRefusal::UnconfirmedLimit { allowance } => {
                let bookings = match allowance {
                    0 => "any booking".to_owned(),
                    1 => "more than one booking".to_owned(),
                    n => format!("more than {n} bookings"),
                };
                write!(
                    f,
                    "Your email address is not confirmed yet, and an account needs a \
                     confirmed address to have {bookings}. Follow the link we mailed you \
                     when you registered, or ask for a new one, then book again."
                )
            }
        }
    }
}

/// When the user may hold `ticket_type_id` again, if they must still wait: their booking row
/// for the event (locked by the batch; a lapsed hold on it already released) says when
/// their last hold of that type lapsed unpaid — the row's own hold, if it expired, or
/// the earlier one the row remembers.
pub fn cooldown_until(
    row: &Booking,
    ticket_type_id: i32,
    cooldown: TimeDelta,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    if cooldown <= TimeDelta::zero() {
        return None;
    }
    let own = (row.status == BookingStatus::Expired && row.ticket_type_id == ticket_type_id)
        .then_some(row.reserved_until)
        .flatten();
    let remembered = (row.lapsed_ticket_type_id == Some(ticket_type_id))
        .then_some(row.lapsed_at)
        .flatten();
    let lapsed_at = own.or(remembered)?;
    let until = lapsed_at + cooldown;
    (until > now).then_some(until)
}

/// Whole seconds from `now` to `until`, rounded up (waiting that long is enough), at
/// least 1.
fn seconds_until(until: NaiveDateTime, now: NaiveDateTime) -> u64 {
    let millis = (until - now).num_milliseconds().max(1);
    u64::try_from((millis + 999) / 1000).unwrap_or(1)
}

/// One shared counter as a batch sees it.
#[derive(Debug, Clone, Copy)]
struct Counter {
    limit: Limit,
    /// The count before this batch.
    before: i64,
    /// Hits this batch wrote at the lock: one per request.
    written: i64,
    /// Requests let through whose hold stands.
    held: i64,
}

/// One batch's view of the hold counts, locked for the rest of its transaction.
///
/// The lock is one statement that adds a hit for every request and returns the counts:
/// in a rush nearly every request is held, so that is usually the only statement, and
/// the hits of requests not held (refused, sold out, lost) are taken back by a second
/// one before the commit. Nobody else sees the counts in between: the rows stay locked
/// (SQLite: the transaction is the only writer).
pub struct HoldLedger {
    rules: HoldRules,
    now: NaiveDateTime,
    /// Confirmed buyers of a high-demand event; `None`: the event is not high-demand.
    confirmed: Option<HashSet<i32>>,
    /// Where the buyers with an unconfirmed address stand (`UNCONFIRMED_BOOKINGS`).
    standings: Standings,
    counters: HashMap<(&'static str, Subject), Counter>,
}

impl HoldLedger {
    /// Locks the counters of every request of the batch and reads them (one statement);
    /// call it first in the transaction, before any other lock is taken.
    pub fn lock(
        conn: &mut Conn,
        rules: HoldRules,
        now: NaiveDateTime,
        requests: &[HoldRequest],
    ) -> diesel::QueryResult<HoldLedger> {
        let asks: Vec<(Limit, Subject, i32)> = requests
            .iter()
            .flat_map(|request| rules.counters(request))
            .map(|(limit, subject)| (limit, subject, 1))
            .collect();
        let after = shared::add_counts(conn, &asks, now)?;
        let mut counters: HashMap<(&'static str, Subject), Counter> = HashMap::new();
        for ((limit, subject, _), after) in asks.into_iter().zip(after) {
            let counter = counters.entry((limit.name, subject)).or_insert(Counter {
                limit,
                before: after,
                written: 0,
                held: 0,
            });
            counter.written += 1;
            counter.before = after - counter.written;
        }
        Ok(HoldLedger {
            rules,
            now,
            confirmed: None,
            standings: Standings::none(rules.unconfirmed_bookings),
            counters,
        })
    }

    /// A high-demand event: only these users (those whose address is confirmed, read
    /// in this transaction) may hold.
    pub fn require_confirmed(&mut self, confirmed: impl IntoIterator<Item = i32>) {
        self.confirmed = Some(confirmed.into_iter().collect());
    }

    /// Where the batch's buyers with an unconfirmed address stand (read in this
    /// transaction, `Standings::read`).
    pub fn judge_unconfirmed(&mut self, standings: Standings) {
        self.standings = standings;
    }

    /// Whether `request` may hold `ticket_type_id`, judged in order: a confirmed address (a
    /// high-demand event), the bookings of an unconfirmed account, the cool-down after a lapsed hold of that type (on `row`, the
    /// user's booking row for the event), then the counts, each on the count before the
    /// batch plus the requests of the batch let through before it. A request let through
    /// is counted at once; `withdraw` takes it back if its hold is not made.
    pub fn admit(
        &mut self,
        request: &HoldRequest,
        row: Option<&Booking>,
        ticket_type_id: i32,
    ) -> Result<(), HoldRefusal> {
        if let Some(confirmed) = &self.confirmed
            && !confirmed.contains(&request.user_id)
        {
            return Err(HoldRefusal::AddressUnconfirmed);
        }
        if !self.standings.allows(request.user_id) {
            return Err(HoldRefusal::UnconfirmedLimit {
                allowance: self.standings.allowance(),
            });
        }
        if let Some(until) =
            row.and_then(|row| cooldown_until(row, ticket_type_id, self.rules.cooldown, self.now))
        {
            return Err(HoldRefusal::CoolingDown {
                until,
                retry_after: seconds_until(until, self.now),
            });
        }
        let counters = self.rules.counters(request);
        for (limit, subject) in &counters {
            let per_address = self.rules.is_per_address(limit);
            let Some(counter) = self.counters.get(&(limit.name, subject.clone())) else {
                // `lock` locked every request's counters: a missing one is a bug, and
                // refusing is the safe answer.
                log::error!("hold counter {} {subject:?} was not locked", limit.name);
                return Err(HoldRefusal::over_limit(limit, per_address, self.now));
            };
            let count = counter.before + counter.held;
            if !limit.quota(count + 1, self.now).allowed {
                return Err(HoldRefusal::over_limit(limit, per_address, self.now));
            }
        }
        for (limit, subject) in counters {
            if let Some(counter) = self.counters.get_mut(&(limit.name, subject)) {
                counter.held += 1;
            }
        }
        Ok(())
    }

    /// Takes back the count of a request `admit` let through whose hold was not made
    /// (sold out, refused by the selling rule, or another request of the user won).
    pub fn withdraw(&mut self, request: &HoldRequest) {
        for (limit, subject) in self.rules.counters(request) {
            if let Some(counter) = self.counters.get_mut(&(limit.name, subject)) {
                counter.held -= 1;
            }
        }
    }

    /// Once the batch's bookings are written: takes back the hits of the requests not
    /// held (one statement, none when every request was held), so each counter ends at
    /// the count before the batch plus its holds; the counters are still locked, so each
    /// must come to exactly that, or the whole batch rolls back.
    pub fn settle(self, conn: &mut Conn) -> Result<(), AppError> {
        let mut corrections = Vec::new();
        let mut expected = Vec::new();
        for ((_, subject), counter) in self.counters {
            if counter.held == counter.written {
                continue;
            }
            let hits = i32::try_from(counter.held - counter.written)
                .map_err(|_| AppError::Internal("too many holds in one batch".into()))?;
            corrections.push((counter.limit, subject, hits));
            expected.push(counter.before + counter.held);
        }
        let counted = shared::add_counts(conn, &corrections, self.now)?;
        if counted != expected {
            return Err(AppError::Internal(format!(
                "hold counts moved under their lock: expected {expected:?}, counted {counted:?}"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn row(status: BookingStatus, ticket_type_id: i32, reserved_until: &str) -> Booking {
        Booking {
            id: 1,
            user_id: 7,
            event_id: 3,
            ticket_type_id,
            status,
            reserved_until: Some(at(reserved_until)),
            hold_number: 1,
            code: "X".into(),
            created_at: at("2026-12-07 09:00:00"),
            paid_at: None,
            quantity: 1,
            lapsed_ticket_type_id: None,
            lapsed_at: None,
        }
    }

    #[test]
    fn a_lapsed_hold_keeps_its_type_for_others_until_the_cooldown_ends() {
        let five = TimeDelta::minutes(5);
        let lapsed = row(BookingStatus::Expired, 10, "2026-12-07 10:00:00");
        let now = at("2026-12-07 10:03:00");
        assert_eq!(
            cooldown_until(&lapsed, 10, five, now),
            Some(at("2026-12-07 10:05:00"))
        );
        assert_eq!(cooldown_until(&lapsed, 11, five, now), None, "another type");
        assert_eq!(
            cooldown_until(&lapsed, 10, five, at("2026-12-07 10:05:00")),
            None,
            "over when it ends"
        );
        assert_eq!(cooldown_until(&lapsed, 10, TimeDelta::zero(), now), None);
        let cancelled = row(BookingStatus::Cancelled, 10, "2026-12-07 10:00:00");
        assert_eq!(
            cooldown_until(&cancelled, 10, five, now),
            None,
            "a cancel is not a lapse (the hourly count covers it)"
        );
    }

    #[test]
    fn the_cooldown_survives_a_hold_of_another_type_on_the_same_row() {
        // Type 10 lapsed at 10:00; the row then held type 11 and was cancelled.
        let mut moved_on = row(BookingStatus::Cancelled, 11, "2026-12-07 10:16:00");
        moved_on.lapsed_ticket_type_id = Some(10);
        moved_on.lapsed_at = Some(at("2026-12-07 10:00:00"));
        let now = at("2026-12-07 10:02:00");
        assert_eq!(
            cooldown_until(&moved_on, 10, TimeDelta::minutes(5), now),
            Some(at("2026-12-07 10:05:00"))
        );
        assert_eq!(
            cooldown_until(&moved_on, 11, TimeDelta::minutes(5), now),
            None
        );
    }

    #[test]
    fn refusals_say_when_and_carry_a_stable_code() {
        let until = at("2026-12-07 11:00:00");
        let refusal = HoldRefusal::AccountLimit {
            allowance: 10,
            until,
            retry_after: 181,
        };
        assert_eq!(refusal.code(), "hold_limit");
        assert_eq!(refusal.retry_after(), Some(181));
        let text = refusal.to_string();
        assert!(text.contains("10 times in the last hour"), "{text}");
        assert!(text.contains("in 4 minutes, at 11:00 UTC"), "{text}");
        assert_eq!(wait_words(until, 60), "in 1 minute, at 11:00 UTC");
        assert_eq!(wait_words(until, 3600), "in 1 hour, at 11:00 UTC");
        assert_eq!(wait_words(until, 3900), "in 1 h 5 min, at 11:00 UTC");
        assert_eq!(HoldRefusal::AddressUnconfirmed.retry_after(), None);
        assert_eq!(
            HoldRefusal::AddressUnconfirmed.code(),
            "address_unconfirmed"
        );
        let unconfirmed = HoldRefusal::UnconfirmedLimit { allowance: 1 };
        assert_eq!(unconfirmed.code(), "address_unconfirmed");
        assert_eq!(unconfirmed.retry_after(), None);
        assert!(unconfirmed.to_string().contains("more than one booking"));
    }
}
