//! What each outbox message says to a person: the mail, rendered from askama templates
//! (plain text and HTML) with what the database holds when it is delivered. Messages
//! that nobody is mailed about compose to `None`.

use askama::Template;

use super::{Attachment, Mail, ics};
use crate::db::{Conn, admissions, bookings, events, payment_attempts, ticket_types, users};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::common::time_zone;
use crate::domain::common::wording;
use crate::domain::outbox::Message;
use crate::domain::payments::money::Money;
use crate::error::AppError;

/// How an event's time reads in mail: in the event's own zone, "Fri 25 Dec 2026, 20:00
/// CET".
pub(super) fn when(time: &chrono::NaiveDateTime, zone: &str) -> String {
    time_zone::display(*time, time_zone::stored(zone))
}

/// What every mail needs besides its message.
pub struct Context<'a> {
    pub public_url: &'a str,
    pub message_id: &'a str,
    pub created_at: chrono::NaiveDateTime,
    /// The key that signs links (the address check).
    pub signing_key: &'a [u8],
    /// The shop's sender (`MAIL_FROM`): the organiser of the calendar entries.
    pub mail_from: &'a str,
}

#[derive(Template)]
#[template(path = "mail/booking_paid.txt")]
struct BookingPaidText<'a> {
    v: &'a BookingPaid,
}

#[derive(Template)]
#[template(path = "mail/booking_paid.html")]
struct BookingPaidHtml<'a> {
    v: &'a BookingPaid,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct BookingPaid {
    event: String,
    when: String,
    venue: String,
    ticket_type: String,
    /// "1 seat" / "3 seats".
    seats: String,
    codes: Vec<String>,
    link: String,
    /// Where an account made by the box office (no password yet) is claimed.
    claim: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/refunded.txt")]
struct RefundedText<'a> {
    v: &'a Refunded,
}

#[derive(Template)]
#[template(path = "mail/refunded.html")]
struct RefundedHtml<'a> {
    v: &'a Refunded,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct Refunded {
    event: String,
    when: String,
    amount: String,
    link: String,
}

pub(super) fn render(template: &impl Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|error| AppError::Internal(format!("mail template: {error}")))
}

/// The mail for `message`, or `None` when it mails nobody.
pub fn compose(
    conn: &mut Conn,
    context: &Context<'_>,
    message: &Message,
) -> Result<Option<Mail>, AppError> {
    match message {
        Message::BookingPaid { booking_id } => booking_paid(conn, context, *booking_id).map(Some),
        Message::Refunded { payment_id } => refunded(conn, context, *payment_id).map(Some),
        Message::HoldExpired { .. }
        | Message::CancelRefund { .. }
        | Message::ResaleRefund { .. }
        | Message::ResaleListed { .. }
        | Message::ResaleLocked { .. }
        | Message::ResaleUnlocked { .. }
        | Message::ResaleWithdrawn { .. } => Ok(None),
        Message::ResaleSold { listing_id } => {
            super::resale_mail::sold(conn, context, *listing_id).map(Some)
        }
        Message::PayLinkSent { booking_id, token } => {
            super::pay_link_mail::compose(conn, context, *booking_id, token).map(Some)
        }
        Message::SeatsGivenBack { refund_id } => {
            super::give_back_mail::compose(conn, context, *refund_id).map(Some)
        }
        Message::SeatSent { admission_id } => {
            super::seat_mail::compose(conn, context, *admission_id).map(Some)
        }
        Message::BookingGiven { transfer_id } => {
            super::resale_mail::given(conn, context, *transfer_id).map(Some)
        }
        Message::EventCancelled { booking_id } => {
            super::cancel_mail::compose(conn, context, *booking_id).map(Some)
        }
        Message::Registered { .. }
        | Message::RegistrationAttempted { .. }
        | Message::PasswordResetAsked { .. } => {
            super::account_mail::compose(conn, context, message)
        }
        // Events for partners' webhooks only.
        Message::BookingHeld { .. }
        | Message::BookingCancelled { .. }
        | Message::EventChanged { .. }
        | Message::CheckedIn { .. } => Ok(None),
    }
}

fn booking_paid(conn: &mut Conn, context: &Context<'_>, booking_id: i32) -> Result<Mail, AppError> {
    let booking = bookings::find(conn, booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let ticket_type =
        ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, booking.user_id)?.ok_or(AppError::NotFound)?;
    let codes = admissions::for_hold(conn, booking.id, booking.hold_number)?
        .into_iter()
        .map(|a| a.code)
        .collect();
    let view = BookingPaid {
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        venue: event.venue.clone(),
        ticket_type: ticket_type.name,
        seats: wording::seats(i64::from(booking.quantity)),
        codes,
        link: format!("{}/bookings/{}", context.public_url, booking.id),
        claim: (user.password_hash == crate::domain::box_office::order::NO_PASSWORD)
            .then(|| format!("{}/password/forgot", context.public_url)),
    };
    let calendar = booking_calendar(context, &booking, &event, false);
    // One subject whatever the count: mail filters and the desk's tests match on it.
    let subject = format!("Your tickets for {}", event.title);
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to: user.email,
        text: render(&BookingPaidText { v: &view })?,
        html: render(&BookingPaidHtml {
            v: &view,
            subject: &subject,
        })?,
        subject,
        attachment: Some(calendar),
    })
}

/// The booking's calendar entry as a file: the confirmation's (`PUBLISH`, revision 0) or,
/// once the event is cancelled or the booking refunded, its cancellation (`CANCEL`,
/// revision 1), both under the booking's one UID.
pub(super) fn booking_calendar(
    context: &Context<'_>,
    booking: &crate::db::models::Booking,
    event: &crate::db::models::Event,
    cancelled: bool,
) -> Attachment {
    let uid = ics::booking_uid(booking.id, booking.hold_number, context.public_url);
    let link = format!("{}/bookings/{}", context.public_url, booking.id);
    let body = ics::calendar(&ics::CalendarEntry {
        uid: &uid,
        sequence: u32::from(cancelled),
        cancelled,
        title: &event.title,
        venue: &event.venue,
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        zone: time_zone::stored(&event.time_zone),
        link: &link,
        organizer: context.mail_from,
        stamp: context.created_at,
    });
    let method = if cancelled { "CANCEL" } else { "PUBLISH" };
    Attachment {
        filename: if cancelled {
            "cancelled.ics"
        } else {
            "event.ics"
        }
        .into(),
        content_type: format!("text/calendar; charset=utf-8; method={method}"),
        body,
    }
}

fn refunded(conn: &mut Conn, context: &Context<'_>, payment_id: i32) -> Result<Mail, AppError> {
    let payment = payment_attempts::find(conn, payment_id)?.ok_or(AppError::NotFound)?;
    let booking = bookings::find(conn, payment.booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, payment.user_id)?.ok_or(AppError::NotFound)?;
    let view = Refunded {
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        amount: Money::from_stored(refunded_amount(conn, &payment)?, &payment.currency).to_string(),
        link: format!("{}/bookings/{}", context.public_url, booking.id),
    };
    let subject = format!("Your refund for {}", event.title);
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to: user.email,
        text: render(&RefundedText { v: &view })?,
        html: render(&RefundedHtml {
            v: &view,
            subject: &subject,
        })?,
        subject,
        // A booking refunded whole leaves the buyer's calendar; a partial refund keeps it.
        attachment: matches!(
            booking.status,
            BookingStatus::Refunded | BookingStatus::Transferred
        )
        .then(|| booking_calendar(context, &booking, &event, true)),
    })
}

/// What the payment's succeeded refunds gave back (a resold booking's seller gets only
/// part of their payment back); the whole payment when no refund row says otherwise.
fn refunded_amount(conn: &mut Conn, payment: &crate::db::models::Payment) -> Result<i64, AppError> {
    let succeeded: i64 = crate::db::refunds::for_payment(conn, payment.id)?
        .iter()
        // Seats given back earlier had their own refunds (and mails).
        .filter(|r| r.status == crate::db::status::RefundStatus::Succeeded && r.seats.is_none())
        .map(|r| r.amount_pennies)
        .sum();
    Ok(if succeeded > 0 {
        succeeded
    } else {
        payment.amount_pennies
    })
}
