//! The notice to a booking's holder that its event was cancelled (with what happens to
//! their money: a paid booking is refunded in full, a hold simply ends).

use askama::Template;

use super::Mail;
use super::compose::{Context, booking_calendar, render, when};
use crate::db::{Conn, bookings, events, users};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "mail/event_cancelled.txt")]
struct CancelledText<'a> {
    v: &'a CancelledView,
}

#[derive(Template)]
#[template(path = "mail/event_cancelled.html")]
struct CancelledHtml<'a> {
    v: &'a CancelledView,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct CancelledView {
    event: String,
    when: String,
    paid: bool,
    link: String,
}

pub fn compose(conn: &mut Conn, context: &Context<'_>, booking_id: i32) -> Result<Mail, AppError> {
    let booking = bookings::find(conn, booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, booking.user_id)?.ok_or(AppError::NotFound)?;
    let paid = matches!(
        booking.status,
        BookingStatus::Paid | BookingStatus::Refunded
    );
    let view = CancelledView {
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        paid,
        link: format!("{}/bookings/{}", context.public_url, booking.id),
    };
    let subject = format!("Cancelled: {}", event.title);
    // Only a paid booking was sent a calendar entry: that entry is called off.
    let attachment = paid.then(|| booking_calendar(context, &booking, &event, true));
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to: user.email,
        text: render(&CancelledText { v: &view })?,
        html: render(&CancelledHtml {
            v: &view,
            subject: &subject,
        })?,
        subject,
        attachment,
    })
}
