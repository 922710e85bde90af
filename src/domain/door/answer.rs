//! The answers a scan can get, in the words the door shows (and a JSON API will send).

use chrono::NaiveDateTime;

/// The seat a code belongs to, as the door reads it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatFacts {
    pub admission_id: i32,
    pub type_name: String,
    /// Seat n of N in its booking.
    pub position: i32,
    pub quantity: i32,
    /// Whose seat it is: the booking's owner, or the friend it was sent to.
    pub email: String,
    /// The name of who will use the seat, if the owner gave one.
    pub attendee: Option<String>,
}

/// Why a known code of this event does not get in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotValidReason {
    NotPaid,
    Refunded,
    Cancelled,
    /// Its refund was asked for and has not succeeded or failed yet.
    RefundUnderWay,
    /// Its booking was resold: the buyer holds new codes.
    Resold,
    /// Its booking was given away: the new holder holds new codes.
    Given,
    /// The seat was sent to someone else under a new code.
    Reissued,
    /// Its buyer gave the seat back (and was refunded for it); the booking's other seats
    /// still admit.
    GivenBack,
}

impl NotValidReason {
    pub fn words(self) -> &'static str {
        match self {
            NotValidReason::NotPaid => "not paid",
            NotValidReason::Refunded => "refunded",
            NotValidReason::Cancelled => "cancelled",
            NotValidReason::RefundUnderWay => "refund under way",
            NotValidReason::Resold => "resold",
            NotValidReason::Given => "given away",
            NotValidReason::Reissued => "sent to someone else",
            NotValidReason::GivenBack => "given back",
        }
    }

    /// The sentence the door shows under NOT VALID.
    pub fn sentence(self) -> &'static str {
        match self {
            NotValidReason::NotPaid => "This ticket is not paid.",
            NotValidReason::Refunded => "This ticket is refunded.",
            NotValidReason::Cancelled => "This ticket is cancelled.",
            NotValidReason::RefundUnderWay => {
                "This booking's refund is under way: its codes no longer admit."
            }
            NotValidReason::Resold => "This ticket was resold: only the buyer's new code admits.",
            NotValidReason::Given => {
                "This ticket was given away: only the new holder's code admits."
            }
            NotValidReason::Reissued => {
                "This seat was sent to someone else under a new code: only theirs admits."
            }
            NotValidReason::GivenBack => {
                "This seat was given back by its buyer and refunded: it no longer admits."
            }
        }
    }
}

/// What the door says about one scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanAnswer {
    /// Let them in. `retried` when this is the same gate resending the scan that
    /// admitted the seat (same nonce): the same ADMIT again.
    Admit { seat: SeatFacts, retried: bool },
    /// The seat was checked in before: when and at which gate.
    AlreadyCheckedIn {
        seat: SeatFacts,
        at: NaiveDateTime,
        gate: String,
    },
    /// No ticket has this code.
    UnknownCode,
    /// A ticket of another event.
    WrongEvent {
        event_id: i32,
        title: String,
        starts_at: NaiveDateTime,
        /// That event's time zone, to say when it starts in its local time.
        time_zone: String,
    },
    /// A ticket of this event that does not get in.
    NotValid { reason: NotValidReason },
}

impl ScanAnswer {
    /// The headline, in capitals at the door.
    pub fn headline(&self) -> &'static str {
        match self {
            ScanAnswer::Admit { .. } => "ADMIT",
            ScanAnswer::AlreadyCheckedIn { .. } => "ALREADY CHECKED IN",
            ScanAnswer::UnknownCode => "UNKNOWN CODE",
            ScanAnswer::WrongEvent { .. } => "WRONG EVENT",
            ScanAnswer::NotValid { .. } => "NOT VALID",
        }
    }

    /// A stable machine name (CSS classes, a future JSON API).
    pub fn kind(&self) -> &'static str {
        match self {
            ScanAnswer::Admit { .. } => "admit",
            ScanAnswer::AlreadyCheckedIn { .. } => "already",
            ScanAnswer::UnknownCode => "unknown",
            ScanAnswer::WrongEvent { .. } => "wrong-event",
            ScanAnswer::NotValid { .. } => "not-valid",
        }
    }

    pub fn is_admit(&self) -> bool {
        matches!(self, ScanAnswer::Admit { .. })
    }
}
