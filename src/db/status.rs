//! The states a ticket and a checkout attempt move through, as types from the database
//! up. Their stored spellings appear here and nowhere else.

use std::fmt;

/// A ticket: `reserved` → `paid` → `refunded`, or `reserved` → `expired` / `cancelled`;
/// a paid booking whose seats passed to another holder (resold or given) is
/// `transferred`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    Reserved,
    Paid,
    Expired,
    Cancelled,
    Refunded,
    /// Its seats passed to another holder's booking (resold or given away); its codes
    /// no longer admit.
    Transferred,
}

/// A checkout attempt (`payments.status`): `creating` → `open` → `paid` (or `expired`,
/// `failed`); money kept by mistake goes `refund_pending` → `refunded`; a payment of the
/// wrong amount is `mismatch` until an admin decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Creating,
    Open,
    /// The session completed but the money is not there yet (a bank debit or another
    /// delayed method): paid or failed later, by Stripe's async events.
    Processing,
    Failed,
    Expired,
    Paid,
    RefundPending,
    Refunded,
    Mismatch,
}

/// One refund (`refunds.status`): `requested` (its key made, the call not answered yet)
/// → `pending` (the provider accepted it) → `succeeded` or `failed`; `unsure` after a 5xx,
/// which Stripe replays under the key: the refund is looked up before a new key is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    Requested,
    Unsure,
    Pending,
    Succeeded,
    Failed,
}

/// How a ticket type may be bought (`ticket_types.selling_rule`); the rules themselves
/// are in `domain::bookings::selling_rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SellingRule {
    /// Any quantity up to the cap.
    Any,
    /// An even quantity (sold in pairs).
    Even,
    /// Exactly every seat still available: the buyer takes the rest at once.
    AllTogether,
    /// Any quantity that does not leave exactly one seat available.
    AvoidOne,
}

/// Where an event stands for its organiser (not stored: read from its dates, its
/// publishing, its cancellation and its ticket types; `domain::catalogue::event_status`). The text
/// is the admin dashboard's `?status=` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventStatus {
    /// Not published, not started.
    Draft,
    /// Published, not started, seats left.
    OnSale,
    /// Published, not started, no seat left.
    SoldOut,
    /// Started, not ended: sales are over.
    Running,
    /// Its end has passed.
    Ended,
    Cancelled,
}

/// One seat of a paid booking at the door: `valid`, or `void` once its booking is
/// refunded (or, for migrated rows, was never paid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdmissionStatus {
    Valid,
    Void,
    /// Its booking was resold: the buyer holds new codes.
    Resold,
    /// Its booking was given away: the new holder holds new codes.
    Given,
}

/// A resale listing (`resale_listings.status`): `listed` → `sold` or `withdrawn`. While
/// listed it may be locked by one buyer until `locked_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListingStatus {
    Listed,
    Sold,
    Withdrawn,
}

/// The text form, parsing, and comparisons with text (`status == "paid"` in tests and
/// templates) for a status enum.
macro_rules! stored_as_text {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// How a stored status is read (`#[diesel(deserialize_as = String)]`).
        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<$name, String> {
                $name::parse(&text).ok_or_else(|| {
                    format!("unknown {} {text:?}", stringify!($name))
                })
            }
        }

        /// How a status is written (`#[diesel(serialize_as = String)]`).
        impl From<$name> for String {
            fn from(status: $name) -> String {
                status.as_str().to_owned()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

stored_as_text!(BookingStatus {
    Reserved => "reserved",
    Paid => "paid",
    Expired => "expired",
    Cancelled => "cancelled",
    Refunded => "refunded",
    Transferred => "transferred",
});

stored_as_text!(ListingStatus {
    Listed => "listed",
    Sold => "sold",
    Withdrawn => "withdrawn",
});

stored_as_text!(PaymentStatus {
    Creating => "creating",
    Open => "open",
    Processing => "processing",
    Failed => "failed",
    Expired => "expired",
    Paid => "paid",
    RefundPending => "refund_pending",
    Refunded => "refunded",
    Mismatch => "mismatch",
});

stored_as_text!(RefundStatus {
    Requested => "requested",
    Unsure => "unsure",
    Pending => "pending",
    Succeeded => "succeeded",
    Failed => "failed",
});

stored_as_text!(SellingRule {
    Any => "any",
    Even => "even",
    AllTogether => "all_together",
    AvoidOne => "avoid_one",
});

stored_as_text!(EventStatus {
    Draft => "draft",
    OnSale => "on_sale",
    SoldOut => "sold_out",
    Running => "running",
    Ended => "ended",
    Cancelled => "cancelled",
});

stored_as_text!(AdmissionStatus {
    Valid => "valid",
    Void => "void",
    Resold => "resold",
    Given => "given",
});

impl BookingStatus {
    /// Whether a ticket in this state keeps a seat out of `available_tickets_count`.
    pub fn holds_seat(self) -> bool {
        matches!(self, BookingStatus::Reserved | BookingStatus::Paid)
    }
}

impl PaymentStatus {
    /// States in which no money has moved yet.
    pub const UNSETTLED: [PaymentStatus; 5] = [
        PaymentStatus::Creating,
        PaymentStatus::Open,
        PaymentStatus::Processing,
        PaymentStatus::Expired,
        PaymentStatus::Failed,
    ];
}

/// The stored spellings of some statuses, for `eq_any` filters.
pub fn texts<S: Copy + Into<String>>(statuses: &[S]) -> Vec<String> {
    statuses.iter().map(|&s| s.into()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_text() {
        for &status in BookingStatus::ALL {
            assert_eq!(BookingStatus::try_from(status.to_string()), Ok(status));
        }
        for &status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::try_from(status.to_string()), Ok(status));
        }
        for &rule in SellingRule::ALL {
            assert_eq!(SellingRule::try_from(rule.to_string()), Ok(rule));
        }
        for &status in AdmissionStatus::ALL {
            assert_eq!(AdmissionStatus::try_from(status.to_string()), Ok(status));
        }
        assert!(BookingStatus::try_from("sold".to_owned()).is_err());
        assert_eq!(PaymentStatus::RefundPending, "refund_pending");
    }
}
