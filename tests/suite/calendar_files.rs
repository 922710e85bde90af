//! Calendar files that follow the event (issue 27, item 4): the confirmation's `.ics`
//! names the booking with the shop's host, is written in the event's zone, links to the
//! booking and folds its lines; a refund of the whole booking and a cancelled event each
//! send the same entry called off (`METHOD:CANCEL`, a higher `SEQUENCE`). Every file is
//! read by a real iCalendar parser. Both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, Event, EventStatus};
use support::TestApp;
use support::fixtures::EventSpec;

/// The calendar a mail carries, parsed, with its one event.
fn parsed(ics: &str) -> (Calendar, Event) {
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
    }
    let calendar: Calendar = ics.parse().expect("a real iCalendar parser reads it");
    let event = calendar.events().next().expect("one VEVENT").clone();
    (calendar, event)
}

#[tokio::test]
async fn the_confirmation_entry_is_called_off_by_a_refund_under_the_same_uid() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("A long evening of music whose title alone runs past the fold")
                .seats("Standing", 2500, 10)
                .in_zone("Europe/Berlin")
                .refundable_until(48),
        )
        .await;
    let (buyer, booking_id, _) = app
        .paid_booking("ada@example.com", sale.event_id, sale.ticket_type_ids[0], 2)
        .await;
    app.deliver_all().await;
    let mails = app.mails_to("ada@example.com").await;
    let confirmation = mails
        .iter()
        .find(|m| m.subject.starts_with("Your tickets"))
        .expect("the confirmation");
    let (calendar, entry) = parsed(confirmation.attachment.as_deref().expect("an .ics"));
    assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
    let uid = entry.get_uid().expect("a UID").to_owned();
    // The host of PUBLIC_URL (here the test server's own, 127.0.0.1:port).
    assert_eq!(uid, format!("booking-{booking_id}-1@127.0.0.1"));
    assert_eq!(entry.get_sequence(), Some(0));
    assert_eq!(
        entry.get_url(),
        Some(format!("{}/bookings/{booking_id}", app.address).as_str())
    );
    match entry.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { tzid, .. })) => {
            assert_eq!(tzid, "Europe/Berlin")
        }
        other => panic!("a start in the event's zone, not {other:?}"),
    }
    assert!(
        confirmation
            .attachment
            .as_deref()
            .unwrap()
            .contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"),
        "the zone is defined in the file"
    );

    let cancelled = buyer.cancel(booking_id).await;
    assert_eq!(cancelled.status(), 303);
    assert_eq!(app.bookings().await[0].status, "refunded");
    app.deliver_all().await;
    let mails = app.mails_to("ada@example.com").await;
    let refund = mails
        .iter()
        .find(|m| m.subject.starts_with("Your refund"))
        .expect("the refund mail");
    let (calendar, entry) = parsed(refund.attachment.as_deref().expect("a cancelling .ics"));
    assert_eq!(calendar.property_value("METHOD"), Some("CANCEL"));
    assert_eq!(entry.get_uid(), Some(uid.as_str()), "the same entry");
    assert_eq!(entry.get_sequence(), Some(1), "a later revision");
    assert_eq!(entry.get_status(), Some(EventStatus::Cancelled));
}

#[tokio::test]
async fn a_cancelled_event_calls_off_the_entries_it_sent_and_sends_none_to_a_hold() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Rained off").seats("Field", 2500, 10))
        .await;
    let (_, booking_id, _) = app
        .paid_booking(
            "paid@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            1,
        )
        .await;
    let holder = app.registered("held@example.com").await;
    let held = holder.reserve(sale.event_id, sale.ticket_type_ids[0]).await;
    assert_eq!(held.status(), 303);
    app.deliver_all().await;

    let admin = app.admin().await;
    let cancel = admin
        .post(
            &format!("/admin/events/{}/cancel", sale.event_id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(cancel.status(), 303);
    app.deliver_all().await;

    let notice = app
        .mails_to("paid@example.com")
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Cancelled"))
        .expect("the paid buyer's notice");
    let (calendar, entry) = parsed(notice.attachment.as_deref().expect("a cancelling .ics"));
    assert_eq!(calendar.property_value("METHOD"), Some("CANCEL"));
    assert!(
        entry
            .get_uid()
            .unwrap()
            .starts_with(&format!("booking-{booking_id}-1@")),
        "the booking's entry"
    );
    assert_eq!(entry.get_status(), Some(EventStatus::Cancelled));
    // A UTC event is written in UTC.
    assert!(matches!(
        entry.get_start(),
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(_)))
    ));

    let hold_notice = app
        .mails_to("held@example.com")
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Cancelled"))
        .expect("the holder's notice");
    assert!(
        hold_notice.attachment.is_none(),
        "a hold was never sent a calendar entry"
    );
}
