//! Publishing to the feed: an outbox message partners see becomes a feed event at the
//! next gap-free position, with its JSON body (`{id, type, created_at, position, data}`)
//! fixed once, and one pending delivery per enabled endpoint subscribed to its type —
//! all in one transaction, so an event is never published without its deliveries.

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::event_types;
use crate::db::feed_events::{self, FeedEventRow};
use crate::db::{
    Conn, admissions, booking_transfers, bookings, events, is_unique_violation, payment_attempts,
    refunds, resale_listings, webhook_deliveries, webhook_endpoints, write_transaction,
};
use crate::domain::outbox::Message;
use crate::error::AppError;

/// What publishing a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Now in the feed at this position, with this many deliveries queued.
    At { position: i32, deliveries: usize },
    /// Already in the feed (a retried outbox delivery), or not a feed message.
    Nothing,
}

/// Publishes the outbox message `message_id` (written at `created_at`) if partners see
/// it and it is not in the feed yet. Safe to call again for the same message.
pub fn publish(
    conn: &mut Conn,
    message_id: &str,
    message: &Message,
    created_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Published, AppError> {
    let Some(event_type) = event_types::of(message) else {
        return Ok(Published::Nothing);
    };
    if feed_events::contains(conn, message_id)? {
        return Ok(Published::Nothing);
    }
    let published = write_transaction(conn, |c| -> Result<Published, AppError> {
        // The counter's row lock is held from here to the commit: the next publisher
        // waits, so positions are consecutive and in commit order.
        let position = feed_events::next_position(c)?;
        let body = json!({
            "id": message_id,
            "type": event_type,
            "created_at": utc(created_at),
            "position": position,
            "data": data(c, message)?,
        });
        feed_events::insert(
            c,
            &FeedEventRow {
                position,
                message_id: message_id.to_owned(),
                event_type: event_type.to_owned(),
                body: body.to_string(),
                created_at,
            },
        )?;
        let endpoints: Vec<i32> = webhook_endpoints::enabled(c)?
            .into_iter()
            .filter(|e| event_types::subscribes(&e.event_types, event_type))
            .map(|e| e.id)
            .collect();
        let deliveries = webhook_deliveries::insert_for(c, &endpoints, position, now)?;
        Ok(Published::At {
            position,
            deliveries,
        })
    });
    match published {
        // Another dispatcher published it meanwhile (a lease taken over): rolled back,
        // the counter with it.
        Err(AppError::Database(error)) if is_unique_violation(&error) => Ok(Published::Nothing),
        other => other,
    }
}

fn utc(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The `data` of an event: the ids it is about and what a partner needs to act on it,
/// read as it stands at publication. A row gone since (a deleted draft) leaves the ids.
fn data(conn: &mut Conn, message: &Message) -> Result<Value, AppError> {
    Ok(match message {
        Message::BookingHeld { booking_id }
        | Message::BookingPaid { booking_id }
        | Message::HoldExpired { booking_id }
        | Message::BookingCancelled { booking_id }
        | Message::EventCancelled { booking_id }
        | Message::CancelRefund { booking_id }
        | Message::PayLinkSent { booking_id, .. } => booking(conn, *booking_id)?,
        Message::BookingGiven { transfer_id } => {
            match booking_transfers::find(conn, *transfer_id)? {
                Some(t) => json!({
                    "transfer_id": t.id,
                    "from_booking_id": t.from_booking_id,
                    "booking_id": t.to_booking_id,
                    "booking": booking(conn, t.to_booking_id)?,
                }),
                None => json!({ "transfer_id": transfer_id }),
            }
        }
        Message::Refunded { payment_id } | Message::ResaleRefund { payment_id } => {
            match payment_attempts::find(conn, *payment_id)? {
                Some(p) => json!({
                    "payment_id": p.id,
                    "booking_id": p.booking_id,
                    "amount_pennies": p.amount_pennies,
                    "currency": p.currency,
                    "status": p.status.as_str(),
                }),
                None => json!({ "payment_id": payment_id }),
            }
        }
        Message::SeatsGivenBack { refund_id } => match refunds::find(conn, *refund_id)? {
            Some(r) => {
                let booking_id = payment_attempts::find(conn, r.payment_id)?.map(|p| p.booking_id);
                json!({
                    "refund_id": r.id,
                    "payment_id": r.payment_id,
                    "booking_id": booking_id,
                    "seats": r.seats,
                    "amount_pennies": r.amount_pennies,
                    "currency": r.currency,
                    "booking": match booking_id {
                        Some(id) => booking(conn, id)?,
                        None => Value::Null,
                    },
                })
            }
            None => json!({ "refund_id": refund_id }),
        },
        Message::CheckedIn { admission_id } | Message::SeatSent { admission_id } => {
            match admissions::find(conn, *admission_id)? {
                Some(a) => {
                    let event_id = bookings::find(conn, a.booking_id)?.map(|b| b.event_id);
                    json!({
                        "admission_id": a.id,
                        "booking_id": a.booking_id,
                        "event_id": event_id,
                        "gate": a.gate,
                        "checked_in_at": a.checked_in_at.map(utc),
                    })
                }
                None => json!({ "admission_id": admission_id }),
            }
        }
        Message::EventChanged { event_id, .. } => match events::find(conn, *event_id)? {
            Some(e) => json!({
                "event_id": e.id,
                "title": e.title,
                "venue": e.venue,
                "starts_at": utc(e.starts_at),
                "ends_at": utc(e.ends_at),
                "time_zone": e.time_zone,
                "published": e.published,
                "cancelled": e.cancelled_at.is_some(),
            }),
            None => json!({ "event_id": event_id }),
        },
        Message::ResaleListed { listing_id }
        | Message::ResaleLocked { listing_id, .. }
        | Message::ResaleUnlocked { listing_id }
        | Message::ResaleWithdrawn { listing_id }
        | Message::ResaleSold { listing_id } => match resale_listings::find(conn, *listing_id)? {
            Some(l) => json!({
                "listing_id": l.id,
                "booking_id": l.booking_id,
                "event_id": l.event_id,
                "ticket_type_id": l.ticket_type_id,
                "seats": l.quantity,
                "price_pennies": l.price_pennies,
                "currency": l.currency,
                "status": l.status.as_str(),
            }),
            None => json!({ "listing_id": listing_id }),
        },
        Message::Registered { user_id, .. }
        | Message::RegistrationAttempted { user_id, .. }
        | Message::PasswordResetAsked { user_id, .. } => json!({ "user_id": user_id }),
    })
}

fn booking(conn: &mut Conn, booking_id: i32) -> Result<Value, AppError> {
    Ok(match bookings::find(conn, booking_id)? {
        Some(b) => json!({
            "booking_id": b.id,
            "event_id": b.event_id,
            "ticket_type_id": b.ticket_type_id,
            "seats": b.quantity,
            "status": b.status.as_str(),
            "paid_at": b.paid_at.map(utc),
        }),
        None => json!({ "booking_id": booking_id }),
    })
}
