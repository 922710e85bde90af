//! The mail to a buyer who gave back some seats of a group booking: how many, the seats
//! they keep, and the refund of their share on its way.

use askama::Template;

use super::Mail;
use super::compose::{Context, render, when};
use crate::db::{Conn, bookings, events, payment_attempts, refunds, ticket_types, users};
use crate::domain::common::wording;
use crate::domain::payments::money::Money;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "mail/seats_given_back.txt")]
struct GivenBackText<'a> {
    v: &'a GivenBack,
}

#[derive(Template)]
#[template(path = "mail/seats_given_back.html")]
struct GivenBackHtml<'a> {
    v: &'a GivenBack,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct GivenBack {
    event: String,
    when: String,
    /// "1 seat of Standing".
    given: String,
    /// "2 seats".
    kept: String,
    /// "€25.00", or `None` when nothing was paid for them.
    amount: Option<String>,
    link: String,
}

pub fn compose(conn: &mut Conn, context: &Context<'_>, refund_id: i32) -> Result<Mail, AppError> {
    let refund = refunds::find(conn, refund_id)?.ok_or(AppError::NotFound)?;
    let payment = payment_attempts::find(conn, refund.payment_id)?.ok_or(AppError::NotFound)?;
    let booking = bookings::find(conn, payment.booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let ticket_type =
        ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    let user = users::find(conn, booking.user_id)?.ok_or(AppError::NotFound)?;
    let given = i64::from(refund.seats.unwrap_or(1));
    let view = GivenBack {
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        given: format!("{} of {}", wording::seats(given), ticket_type.name),
        kept: wording::seats(i64::from(booking.quantity)),
        amount: (refund.amount_pennies > 0)
            .then(|| Money::from_stored(refund.amount_pennies, &refund.currency).to_string()),
        link: format!("{}/bookings/{}", context.public_url, booking.id),
    };
    let subject = format!(
        "You gave back {} for {}",
        wording::seats(given),
        event.title
    );
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to: user.email,
        text: render(&GivenBackText { v: &view })?,
        html: render(&GivenBackHtml {
            v: &view,
            subject: &subject,
        })?,
        subject,
        attachment: None,
    })
}
