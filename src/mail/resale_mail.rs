//! The mails of resale and gifts to the one who let the seats go: "sold, your refund is
//! on its way" and "given away". (Whoever receives seats gets the usual confirmation
//! with codes and calendar file, `BookingPaid`.)

use askama::Template;

use super::Mail;
use super::compose::{Context, booking_calendar, render, when};
use crate::db::{Conn, booking_transfers, bookings, events, resale_listings, users};
use crate::domain::common::wording;
use crate::domain::payments::money::Money;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "mail/passed_on.txt")]
struct PassedOnText<'a> {
    v: &'a PassedOn,
}

#[derive(Template)]
#[template(path = "mail/passed_on.html")]
struct PassedOnHtml<'a> {
    v: &'a PassedOn,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

struct PassedOn {
    headline: String,
    event: String,
    when: String,
    /// What happened, one sentence per line.
    lines: Vec<String>,
    link: String,
}

/// To the seller of a sold listing: sold, codes no longer valid, refund on its way.
pub fn sold(conn: &mut Conn, context: &Context<'_>, listing_id: i32) -> Result<Mail, AppError> {
    let listing = resale_listings::find(conn, listing_id)?.ok_or(AppError::NotFound)?;
    let booking = bookings::find(conn, listing.booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, listing.event_id)?.ok_or(AppError::NotFound)?;
    let seller = users::find(conn, listing.seller_id)?.ok_or(AppError::NotFound)?;
    let money = |pennies| Money::from_stored(pennies, &listing.currency).to_string();
    let mut lines = vec![
        format!(
            "Your {} sold on resale for {}.",
            wording::seats(i64::from(listing.quantity)),
            money(listing.price_pennies)
        ),
        "Your codes no longer admit: the buyer holds new ones.".to_owned(),
    ];
    lines.push(if listing.fee_pennies > 0 {
        format!(
            "We are refunding {} to the card you paid with (the price less the resale fee of {}); a second mail confirms the refund.",
            money(listing.price_pennies - listing.fee_pennies),
            money(listing.fee_pennies)
        )
    } else {
        format!(
            "We are refunding {} to the card you paid with; a second mail confirms the refund.",
            money(listing.price_pennies)
        )
    });
    let view = PassedOn {
        headline: "Your booking was resold".into(),
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        lines,
        link: format!("{}/bookings/{}", context.public_url, booking.id),
    };
    let subject = format!("Resold: {}", event.title);
    mail(
        context,
        seller.email,
        subject,
        &view,
        Some(booking_calendar(context, &booking, &event, true)),
    )
}

/// To the giver of a booking: given away, codes no longer valid.
pub fn given(conn: &mut Conn, context: &Context<'_>, transfer_id: i32) -> Result<Mail, AppError> {
    let transfer = booking_transfers::find(conn, transfer_id)?.ok_or(AppError::NotFound)?;
    let booking = bookings::find(conn, transfer.from_booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let giver = users::find(conn, transfer.from_user_id)?.ok_or(AppError::NotFound)?;
    let receiver = users::find(conn, transfer.to_user_id)?.ok_or(AppError::NotFound)?;
    let view = PassedOn {
        headline: "You gave your booking away".into(),
        event: event.title.clone(),
        when: when(&event.starts_at, &event.time_zone),
        lines: vec![
            format!(
                "Your {} now belong to {}, who has new codes.",
                wording::seats(i64::from(booking.quantity)),
                receiver.email
            ),
            "Your own codes no longer admit. No money moved.".to_owned(),
        ],
        link: format!("{}/bookings/{}", context.public_url, booking.id),
    };
    let subject = format!("Given away: {}", event.title);
    mail(
        context,
        giver.email,
        subject,
        &view,
        Some(booking_calendar(context, &booking, &event, true)),
    )
}

fn mail(
    context: &Context<'_>,
    to: String,
    subject: String,
    view: &PassedOn,
    attachment: Option<super::Attachment>,
) -> Result<Mail, AppError> {
    Ok(Mail {
        message_id: context.message_id.to_owned(),
        to,
        text: render(&PassedOnText { v: view })?,
        html: render(&PassedOnHtml {
            v: view,
            subject: &subject,
        })?,
        subject,
        attachment,
    })
}
