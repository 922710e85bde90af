//! Time zones (issue 24): an organiser in Berlin types 20:00 and every page, mail, the
//! calendar file (read by a real iCalendar parser), the door and the API say 20:00 CET;
//! a local time a daylight-saving change skips or repeats is refused naming both
//! readings. Both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::events;
use icalendar::{Calendar, CalendarComponent, Component};
use serde_json::json;
use support::TestApp;
use support::visitor::location;

/// Creates an event through the admin form; returns the redirect's response.
async fn post_event(
    admin: &support::Visitor,
    starts_at: &str,
    ends_at: &str,
    zone: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("title", "Winter Gala"),
        ("description", "Dancing."),
        ("venue", "Tempodrom"),
        ("starts_at", starts_at),
        ("ends_at", ends_at),
    ];
    if let Some(zone) = zone {
        form.push(("time_zone", zone));
    }
    admin.post("/admin/events", &form).await
}

fn event_id_of(response: &reqwest::Response) -> i32 {
    location(response)
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_event_in_berlin_at_20_00_reads_20_00_cet_on_every_page_mail_ics_door_and_api() {
    let app = TestApp::spawn_with(&[("DEFAULT_TIME_ZONE", "Europe/Berlin")]).await;
    let admin = app.admin().await;
    let form = admin.page("/admin/events/new").await;
    assert!(
        form.contains("<option selected>Europe/Berlin</option>"),
        "the form starts in DEFAULT_TIME_ZONE"
    );
    assert!(form.contains("Starts (local time)") && !form.contains("(UTC)"));

    // No zone sent: the shop's default.
    let created = post_event(&admin, "2031-12-25T20:00", "2031-12-25T23:30", None).await;
    assert_eq!(created.status(), 303);
    let event_id = event_id_of(&created);
    let event = app
        .with_db(move |c| events::find(c, event_id).unwrap().unwrap())
        .await;
    assert_eq!(event.time_zone, "Europe/Berlin");
    assert_eq!(
        event.starts_at.format("%Y-%m-%d %H:%M").to_string(),
        "2031-12-25 19:00",
        "stored in UTC"
    );
    let edit = admin.page(&format!("/admin/events/{event_id}/edit")).await;
    assert!(
        edit.contains("value=\"2031-12-25T20:00\""),
        "edited in local time"
    );
    let added = admin
        .post(
            &format!("/admin/events/{event_id}/ticket-types"),
            &[
                ("name", "Standing"),
                ("price", "25.00"),
                ("currency", "EUR"),
                ("quantity", "50"),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let published = admin
        .post(&format!("/admin/events/{event_id}/publish"), &[])
        .await;
    assert_eq!(published.status(), 303);

    let expected = "Thu 25 Dec 2031, 20:00 CET";
    let visitor = app.visitor();
    assert!(visitor.page("/").await.contains(expected), "front page");
    let page = visitor.page(&format!("/events/{event_id}")).await;
    assert!(page.contains(expected), "event page");
    assert!(page.contains("Thu 25 Dec 2031, 23:30 CET"), "its end too");
    assert!(!page.contains("UTC"), "{page}");
    assert!(admin.page("/admin").await.contains(expected), "dashboard");

    let ticket_type_id = app
        .with_db(move |c| boxoffice::db::ticket_types::for_event(c, event_id).unwrap()[0].id)
        .await;
    let (buyer, booking_id, _codes) = app
        .paid_booking("ada@example.com", event_id, ticket_type_id, 2)
        .await;
    assert!(
        buyer.page("/bookings").await.contains(expected),
        "my tickets"
    );
    assert!(
        buyer
            .page(&format!("/bookings/{booking_id}"))
            .await
            .contains(expected),
        "the booking"
    );
    assert!(
        admin.page("/door").await.contains(expected),
        "the door's list"
    );

    app.deliver_all().await;
    let mails = app.mails_to("ada@example.com").await;
    let confirmation = mails
        .iter()
        .find(|m| m.subject.starts_with("Your tickets"))
        .expect("the confirmation mail");
    assert!(confirmation.body_text.contains(expected), "mail text");
    assert!(confirmation.body_html.contains(expected), "mail html");
    let ics = confirmation.attachment.clone().expect("the calendar file");
    let calendar: Calendar = ics.parse().expect("a real iCalendar parser reads it");
    let event_component = calendar
        .components
        .iter()
        .find_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .expect("one VEVENT");
    let start = event_component.properties().get("DTSTART").unwrap();
    assert_eq!(
        start.value(),
        "20311225T200000",
        "the local wall-clock time"
    );
    assert_eq!(
        start.params().get("TZID").map(|p| p.value()),
        Some("Europe/Berlin"),
        "in the event's zone"
    );
    assert!(
        ics.contains("TZOFFSETTO:+0100\r\nTZNAME:CET\r\n"),
        "the zone's offset at the event, defined in the file"
    );
    let description = event_component.property_value("DESCRIPTION").unwrap();
    assert!(
        description.contains("20:00 CET"),
        "the local time in the text: {description}"
    );

    let api = app.api().get(&format!("/events/{event_id}")).await;
    assert_eq!(api.status, 200);
    assert_eq!(api.json["time_zone"], "Europe/Berlin");
    assert_eq!(api.json["starts_at"], "2031-12-25T19:00:00Z");
    assert_eq!(api.json["starts_at_local"], "2031-12-25T20:00:00+01:00");
    assert_eq!(api.json["starts_at_text"], expected);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_local_time_that_daylight_saving_skips_or_repeats_is_refused_naming_both() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // 30 March 2031: at 02:00 CET Berlin's clocks jump to 03:00 CEST.
    let skipped = post_event(
        &admin,
        "2031-03-30T02:30",
        "2031-03-30T05:00",
        Some("Europe/Berlin"),
    )
    .await;
    assert_eq!(skipped.status(), 422);
    let body = skipped.text().await.unwrap();
    assert!(body.contains("does not exist in Europe/Berlin"), "{body}");
    assert!(body.contains("Choose 01:30 CET or 03:30 CEST."), "{body}");
    // 26 October 2031: 02:00–03:00 happens twice.
    let repeated = post_event(
        &admin,
        "2031-10-26T02:30",
        "2031-10-26T05:00",
        Some("Europe/Berlin"),
    )
    .await;
    assert_eq!(repeated.status(), 422);
    let body = repeated.text().await.unwrap();
    assert!(body.contains("happens twice in Europe/Berlin"), "{body}");
    assert!(
        body.contains("02:30 CEST (UTC+02:00) or an hour later 02:30 CET (UTC+01:00)"),
        "{body}"
    );
    let unknown = post_event(
        &admin,
        "2031-10-26T20:00",
        "2031-10-26T22:00",
        Some("Mars/Olympus"),
    )
    .await;
    assert_eq!(unknown.status(), 422);
    assert_eq!(
        app.with_db(|c| events::count(c).unwrap()).await,
        0,
        "nothing was created"
    );
    // Either side of the change is fine, each with its own abbreviation.
    let summer = post_event(
        &admin,
        "2031-03-30T03:00",
        "2031-03-30T05:00",
        Some("Europe/Berlin"),
    )
    .await;
    assert_eq!(summer.status(), 303);
    let id = event_id_of(&summer);
    let event = app
        .with_db(move |c| events::find(c, id).unwrap().unwrap())
        .await;
    assert_eq!(
        event.starts_at.format("%H:%M").to_string(),
        "01:00",
        "03:00 CEST is 01:00 UTC"
    );
    assert!(
        admin
            .page(&format!("/events/{id}"))
            .await
            .contains("Sun 30 Mar 2031, 03:00 CEST")
    );
}

#[tokio::test]
async fn the_api_takes_a_zone_with_local_times_or_exact_instants() {
    let app = TestApp::spawn().await;
    let admin = app.api_admin().await;
    let local = admin
        .post(
            "/admin/events",
            &json!({"title": "Jazz", "venue": "Hall", "starts_at": "2031-07-01T20:00",
                    "ends_at": "2031-07-01T23:00", "time_zone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(local.status, 201, "{:?}", local.json);
    assert_eq!(local.json["starts_at"], "2031-07-01T18:00:00Z");
    assert_eq!(local.json["starts_at_local"], "2031-07-01T20:00:00+02:00");
    assert_eq!(local.json["starts_at_text"], "Tue 1 Jul 2031, 20:00 CEST");
    let exact = admin
        .post(
            "/admin/events",
            &json!({"title": "Blues", "venue": "Hall", "starts_at": "2031-10-26T02:30:00+01:00",
                    "ends_at": "2031-10-26T05:00:00+01:00", "time_zone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(
        exact.status, 201,
        "an ambiguous local time given with its offset"
    );
    assert_eq!(exact.json["starts_at"], "2031-10-26T01:30:00Z");
    assert_eq!(exact.json["starts_at_text"], "Sun 26 Oct 2031, 02:30 CET");
    let ambiguous = admin
        .post(
            "/admin/events",
            &json!({"title": "Folk", "venue": "Hall", "starts_at": "2031-10-26T02:30",
                    "ends_at": "2031-10-26T05:00", "time_zone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(ambiguous.status, 422);
    assert_eq!(ambiguous.code(), "validation");
    let bad_zone = admin
        .post(
            "/admin/events",
            &json!({"title": "Rock", "venue": "Hall", "starts_at": "2031-10-26T20:00",
                    "ends_at": "2031-10-26T23:00", "time_zone": "Berlin"}),
        )
        .await;
    assert_eq!(bad_zone.status, 422);
    // Moving the event to another zone keeps its wall-clock time.
    let id = local.json["id"].as_i64().unwrap();
    let moved = admin
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"time_zone": "America/New_York"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.json);
    assert_eq!(moved.json["starts_at_text"], "Tue 1 Jul 2031, 20:00 EDT");
    assert_eq!(moved.json["starts_at"], "2031-07-02T00:00:00Z");
}
