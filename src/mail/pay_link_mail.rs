//! The mail of a box office sale paid by link: what was sold, how long the seats are
//! held, and the link that pays for them (no password needed).

use askama::Template;

use super::Mail;
use super::compose::{Context, render, when};
use crate::db::{Conn, bookings, box_office_sales, events, ticket_types, users};
use crate::domain::common::{time_zone, wording};
use crate::domain::payments::money::Money;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "mail/pay_link.txt")]
struct PayLinkText<'a> {
    v: &'a PayLink,
}

#[derive(Template)]
#[template(path = "mail/pay_link.html")]
struct PayLinkHtml<'a> {
    v: &'a PayLink,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct PayLink {
    name: String,
    event: String,
    when: String,
    venue: String,
    seats: String,
    ticket_type: String,
    amount: String,
    /// When the hold ends, in the event's zone.
    until: String,
    link: String,
}

pub fn compose(
    conn: &mut Conn,
    context: &Context<'_>,
    booking_id: i32,
    token: &str,
) -> Result<Mail, AppError> {
    let booking = bookings::find(conn, booking_id)?.ok_or(AppError::NotFound)?;
    let sale = box_office_sales::for_hold(conn, booking.id, booking.hold_number)?
        .ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let ticket_type =
        ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, booking.user_id)?.ok_or(AppError::NotFound)?;
    let total = ticket_type
        .amount_pennies
        .saturating_mul(i64::from(booking.quantity));
    let view = PayLink {
        name: sale.customer_name,
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        venue: event.venue.clone(),
        seats: wording::seats(i64::from(booking.quantity)),
        ticket_type: ticket_type.name,
        amount: Money::from_stored(total, &ticket_type.currency).to_string(),
        until: booking.reserved_until.map_or_else(String::new, |until| {
            time_zone::display(until, time_zone::stored(&event.time_zone))
        }),
        link: format!("{}/pay/{token}", context.public_url),
    };
    let subject = format!("Pay for your tickets for {}", event.title);
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to: user.email,
        text: render(&PayLinkText { v: &view })?,
        html: render(&PayLinkHtml {
            v: &view,
            subject: &subject,
        })?,
        subject,
        attachment: None,
    })
}
