//! The states a ticket row moves through, and which of them hold a seat.

/// `reserved` → `paid` → `refunded`, or `reserved` → `expired` / `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketStatus {
    Reserved,
    Paid,
    Expired,
    Cancelled,
    Refunded,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 5] = [
        TicketStatus::Reserved,
        TicketStatus::Paid,
        TicketStatus::Expired,
        TicketStatus::Cancelled,
        TicketStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Reserved => "reserved",
            TicketStatus::Paid => "paid",
            TicketStatus::Expired => "expired",
            TicketStatus::Cancelled => "cancelled",
            TicketStatus::Refunded => "refunded",
        }
    }

    pub fn parse(value: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether a ticket in this state keeps a seat out of `available_tickets_count`.
    pub fn holds_seat(self) -> bool {
        matches!(self, TicketStatus::Reserved | TicketStatus::Paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for status in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(TicketStatus::parse("sold"), None);
    }
}
