//! The mail to a friend a seat was sent to: the seat's code and QR image, the event, and
//! (when the address has no account) how to make one.

use askama::Template;

use super::Mail;
use super::compose::{Context, booking_calendar, render, when};
use crate::db::{Conn, admissions, bookings, events, ticket_types, users};
use crate::domain::bookings::qr;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "mail/seat_sent.txt")]
struct SeatSentText<'a> {
    v: &'a SeatSent,
}

#[derive(Template)]
#[template(path = "mail/seat_sent.html")]
struct SeatSentHtml<'a> {
    v: &'a SeatSent,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct SeatSent {
    from: String,
    event: String,
    when: String,
    venue: String,
    seat: String,
    attendee: Option<String>,
    code: String,
    qr_svg: String,
    /// Where to make an account, when the address has none.
    sign_up: Option<String>,
}

pub fn compose(
    conn: &mut Conn,
    context: &Context<'_>,
    admission_id: i32,
) -> Result<Mail, AppError> {
    let seat = admissions::find(conn, admission_id)?.ok_or(AppError::NotFound)?;
    let to = seat
        .holder_email
        .clone()
        .ok_or_else(|| AppError::Internal(format!("seat {admission_id} was sent to nobody")))?;
    let booking = bookings::find(conn, seat.booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let ticket_type =
        ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    let owner = users::find(conn, booking.user_id)?.ok_or(AppError::NotFound)?;
    let has_account = users::find_by_email(conn, &to)?.is_some();
    let view = SeatSent {
        from: owner.email,
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        venue: event.venue.clone(),
        seat: format!(
            "{} · seat {} of {}",
            ticket_type.name, seat.position, booking.quantity
        ),
        attendee: seat.attendee_name.clone(),
        qr_svg: qr::svg(&seat.code)?,
        code: seat.code,
        sign_up: (!has_account).then(|| format!("{}/register", context.public_url)),
    };
    let subject = format!("A ticket for {} from {}", event.title, view.from);
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to,
        text: render(&SeatSentText { v: &view })?,
        html: render(&SeatSentHtml {
            v: &view,
            subject: &subject,
        })?,
        subject,
        attachment: Some(booking_calendar(context, &booking, &event, false)),
    })
}
