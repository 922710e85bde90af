//! The feed's event types: the public names of the outbox messages partners see. The
//! names are a contract (`booking.paid`, …), kept apart from the outbox's own kinds.

use crate::domain::outbox::{EventChange, Message};

/// Every type an endpoint may subscribe to, in the order the docs list them.
pub const ALL: &[&str] = &[
    "booking.held",
    "booking.paid",
    "booking.expired",
    "booking.cancelled",
    "booking.given",
    "booking.seats_given_back",
    "payment.refunded",
    "checkin.created",
    "event.published",
    "event.unpublished",
    "event.updated",
    "event.cancelled",
    "resale.listed",
    "resale.locked",
    "resale.unlocked",
    "resale.withdrawn",
    "resale.sold",
];

/// The feed type of a message, or `None` for one partners do not see (mails to one
/// person, jobs, account messages).
pub fn of(message: &Message) -> Option<&'static str> {
    Some(match message {
        Message::BookingHeld { .. } => "booking.held",
        Message::BookingPaid { .. } => "booking.paid",
        Message::HoldExpired { .. } => "booking.expired",
        Message::BookingCancelled { .. } => "booking.cancelled",
        Message::BookingGiven { .. } => "booking.given",
        Message::SeatsGivenBack { .. } => "booking.seats_given_back",
        Message::Refunded { .. } => "payment.refunded",
        Message::CheckedIn { .. } => "checkin.created",
        Message::EventChanged { change, .. } => match change {
            EventChange::Published => "event.published",
            EventChange::Unpublished => "event.unpublished",
            EventChange::Updated => "event.updated",
            EventChange::Cancelled => "event.cancelled",
        },
        Message::ResaleListed { .. } => "resale.listed",
        Message::ResaleLocked { .. } => "resale.locked",
        Message::ResaleUnlocked { .. } => "resale.unlocked",
        Message::ResaleWithdrawn { .. } => "resale.withdrawn",
        Message::ResaleSold { .. } => "resale.sold",
        Message::Registered { .. }
        | Message::RegistrationAttempted { .. }
        | Message::PasswordResetAsked { .. }
        | Message::EventCancelled { .. }
        | Message::CancelRefund { .. }
        | Message::ResaleRefund { .. }
        | Message::SeatSent { .. }
        | Message::PayLinkSent { .. } => return None,
    })
}

/// Whether an endpoint subscribed to `subscribed` (comma-separated types, or `*`)
/// receives events of `event_type`.
pub fn subscribes(subscribed: &str, event_type: &str) -> bool {
    subscribed
        .split(',')
        .map(str::trim)
        .any(|s| s == "*" || s == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_a_message_maps_to_is_listed() {
        let samples = [
            Message::BookingHeld { booking_id: 1 },
            Message::CheckedIn { admission_id: 1 },
            Message::EventChanged {
                event_id: 1,
                change: EventChange::Cancelled,
            },
            Message::ResaleSold { listing_id: 1 },
        ];
        for message in samples {
            let kind = of(&message);
            assert!(kind.is_some_and(|k| ALL.contains(&k)), "{message:?}");
        }
        assert_eq!(of(&Message::EventCancelled { booking_id: 1 }), None);
    }

    #[test]
    fn a_star_subscribes_to_everything_and_a_list_to_its_members() {
        assert!(subscribes("*", "booking.paid"));
        assert!(subscribes(
            "booking.paid, checkin.created",
            "checkin.created"
        ));
        assert!(!subscribes("booking.paid", "booking.held"));
    }
}
