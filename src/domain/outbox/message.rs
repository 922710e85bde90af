//! The messages the shop writes to its outbox: one variant per thing that happened.

use serde::{Deserialize, Serialize};

/// What happened, with the ids a consumer needs to read the rest when it delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// A booking became paid (written only by the transition that made it so).
    BookingPaid {
        #[serde(rename = "ticket_id")]
        booking_id: i32,
    },
    /// A payment's refund was recorded.
    Refunded { payment_id: i32 },
    /// A hold ran out and its seats went back on sale.
    HoldExpired {
        #[serde(rename = "ticket_id")]
        booking_id: i32,
    },
    /// Someone registered (or asked for the mail again): the address check mail, whose
    /// link confirms the address, logs in once and leads to `next` (a local path, checked
    /// again when the link is followed).
    Registered {
        user_id: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Someone tried to register with the address of this existing account: its owner
    /// is told, with the way to log in (back to `next`) or reset the password.
    RegistrationAttempted {
        user_id: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Someone asked to reset their password. The token is the one mailed; only its
    /// hash is kept with the user.
    PasswordResetAsked { user_id: i32, token: String },
    /// The event of this booking was cancelled: its holder is told.
    EventCancelled {
        #[serde(rename = "ticket_id")]
        booking_id: i32,
    },
    /// A job: refund this paid booking of a cancelled event through the provider.
    CancelRefund {
        #[serde(rename = "ticket_id")]
        booking_id: i32,
    },
    /// A booking was listed for resale (a marketplace event; nobody is mailed).
    ResaleListed { listing_id: i32 },
    /// A buyer locked a listing while they pay (a marketplace event).
    ResaleLocked { listing_id: i32, buyer_id: i32 },
    /// A buyer's lock lapsed and the listing is offered again (a marketplace event).
    ResaleUnlocked { listing_id: i32 },
    /// The seller (or an admin's refund) took a listing off sale (a marketplace event).
    ResaleWithdrawn { listing_id: i32 },
    /// A listing was sold: its seller is told, with the refund on its way.
    ResaleSold { listing_id: i32 },
    /// A job: send the resold booking's seller their refund through the provider.
    ResaleRefund { payment_id: i32 },
    /// A booking was given away: its giver is told (the receiver gets `BookingPaid`).
    BookingGiven { transfer_id: i32 },
    /// The buyer gave back some seats of a paid booking (`refunds.seats`): they are told,
    /// with the refund of their share on its way; it is sent by the request itself (and
    /// retried by reconciliation).
    SeatsGivenBack { refund_id: i32 },
    /// A seat was sent to a friend: the friend gets its code.
    SeatSent { admission_id: i32 },
    /// A buyer held seats (a feed event; nobody is mailed).
    BookingHeld { booking_id: i32 },
    /// A buyer (or an admin) cancelled a booking (a feed event; its refund, if any, has
    /// its own `Refunded`).
    BookingCancelled { booking_id: i32 },
    /// An event was published, changed or cancelled as a whole (a feed event; each
    /// holder of a cancelled event gets its own `EventCancelled` mail).
    EventChanged { event_id: i32, change: EventChange },
    /// A seat was checked in at the door (a feed event).
    CheckedIn { admission_id: i32 },
    /// The box office sold a hold paid by a link: the customer is mailed the link. The
    /// token is the one mailed; only its hash is kept with the sale.
    PayLinkSent {
        #[serde(rename = "ticket_id")]
        booking_id: i32,
        token: String,
    },
}

/// What happened to an event (`Message::EventChanged`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventChange {
    Published,
    Unpublished,
    Updated,
    Cancelled,
}

impl Message {
    /// The stored spelling of the variant (`outbox.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Message::BookingPaid { .. } => "booking_paid",
            Message::Refunded { .. } => "refunded",
            Message::HoldExpired { .. } => "hold_expired",
            Message::Registered { .. } => "registered",
            Message::RegistrationAttempted { .. } => "registration_attempted",
            Message::PasswordResetAsked { .. } => "password_reset_asked",
            Message::EventCancelled { .. } => "event_cancelled",
            Message::CancelRefund { .. } => "cancel_refund",
            Message::ResaleListed { .. } => "resale_listed",
            Message::ResaleLocked { .. } => "resale_locked",
            Message::ResaleUnlocked { .. } => "resale_unlocked",
            Message::ResaleWithdrawn { .. } => "resale_withdrawn",
            Message::ResaleSold { .. } => "resale_sold",
            Message::ResaleRefund { .. } => "resale_refund",
            Message::BookingGiven { .. } => "booking_given",
            Message::SeatSent { .. } => "seat_sent",
            Message::SeatsGivenBack { .. } => "seats_given_back",
            Message::BookingHeld { .. } => "booking_held",
            Message::BookingCancelled { .. } => "booking_cancelled",
            Message::EventChanged { .. } => "event_changed",
            Message::CheckedIn { .. } => "checked_in",
            Message::PayLinkSent { .. } => "pay_link_sent",
        }
    }

    /// Reads a stored payload back.
    pub fn parse(payload: &str) -> Result<Message, serde_json::Error> {
        serde_json::from_str(payload)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_payload_reads_back_as_written_and_names_its_kind() {
        let message = Message::BookingPaid { booking_id: 7 };
        let payload = serde_json::to_string(&message).unwrap();
        assert!(payload.contains("\"kind\":\"booking_paid\""));
        assert_eq!(Message::parse(&payload).unwrap(), message);
        assert_eq!(message.kind(), "booking_paid");
    }

    #[test]
    fn a_registration_written_before_next_existed_still_reads() {
        let old = Message::parse(r#"{"kind":"registered","user_id":4}"#).unwrap();
        assert_eq!(
            old,
            Message::Registered {
                user_id: 4,
                next: None
            }
        );
        let attempt = Message::RegistrationAttempted {
            user_id: 4,
            next: Some("/events/2".into()),
        };
        let payload = serde_json::to_string(&attempt).unwrap();
        assert!(payload.contains("\"kind\":\"registration_attempted\""));
        assert_eq!(Message::parse(&payload).unwrap(), attempt);
    }
}
