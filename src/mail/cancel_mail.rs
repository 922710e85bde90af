//! The notice to a booking's holder that its event was cancelled (with what happens to
//! their money: a paid booking is refunded in full, a hold simply ends).

use askama::Template;

use super::Mail;
use super::compose::{Context, booking_calendar, render, when};
use crate::db::{Conn, events, tickets, users};
use crate::domain::ticket_status::TicketStatus;
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

pub fn compose(conn: &mut Conn, context: &Context<'_>, ticket_id: i32) -> Result<Mail, AppError> {
    let ticket = tickets::find(conn, ticket_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, ticket.event_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, ticket.user_id)?.ok_or(AppError::NotFound)?;
    let paid = matches!(ticket.status, TicketStatus::Paid | TicketStatus::Refunded);
    let view = CancelledView {
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        paid,
        link: format!("{}/tickets/{}", context.public_url, ticket.id),
    };
    let subject = format!("Cancelled: {}", event.title);
    // Only a paid booking was sent a calendar entry: that entry is called off.
    let attachment = paid.then(|| booking_calendar(context, &ticket, &event, true));
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
