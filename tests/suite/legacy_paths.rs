//! What was published before the shop's words were straightened keeps working: the
//! booking pages' old `/tickets…` paths redirect permanently to `/bookings…` (mails and
//! bookmarks already out there), forms posted from pages opened before the move arrive,
//! and the reserve form's old field name `ticket_schema_id` is still read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::TestApp;
use support::fixtures::EventSpec;
use support::visitor::location;

fn booking_id_in(location: &str) -> i32 {
    location
        .strip_prefix("/bookings/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a booking location: {location}"))
}

#[tokio::test]
async fn every_old_booking_path_redirects_permanently_to_its_new_place() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Jazz").seats("Standing", 2500, 10))
        .await;
    let ann = app.registered("ann@example.com").await;
    let id = booking_id_in(&location(
        &ann.reserve(show.event_id, show.ticket_type_ids[0]).await,
    ));

    for (old, new) in [
        ("/tickets".to_owned(), "/bookings".to_owned()),
        ("/tickets?page=2".to_owned(), "/bookings?page=2".to_owned()),
        (format!("/tickets/{id}"), format!("/bookings/{id}")),
        (
            format!("/tickets/{id}/cancel"),
            format!("/bookings/{id}/cancel"),
        ),
    ] {
        let answer = ann.get(&old).await;
        assert_eq!(answer.status(), 308, "GET {old}");
        assert_eq!(location(&answer), new, "GET {old}");
    }
    // The new places answer, and what they show is the booking.
    let page = ann.page(&format!("/bookings/{id}")).await;
    assert!(page.contains("On hold"), "{page}");
    assert!(ann.page("/bookings").await.contains("Jazz"));

    // A visitor who is not logged in is redirected too (the new page then asks them to
    // log in): the redirect reveals nothing about the booking.
    let stranger = app.visitor().get(&format!("/tickets/{id}")).await;
    assert_eq!(stranger.status(), 308);
    assert_eq!(location(&stranger), format!("/bookings/{id}"));
}

#[tokio::test]
async fn a_form_posted_to_an_old_path_is_sent_on_with_its_method() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Jazz").seats("Standing", 2500, 10))
        .await;
    let ann = app.registered("ann@example.com").await;
    let id = booking_id_in(&location(
        &ann.reserve(show.event_id, show.ticket_type_ids[0]).await,
    ));

    let old = ann
        .post(&format!("/tickets/{id}/cancel"), &[("confirm", "yes")])
        .await;
    assert_eq!(old.status(), 308, "308 keeps the POST and its body");
    assert_eq!(location(&old), format!("/bookings/{id}/cancel"));
    assert_eq!(
        app.bookings().await[0].status,
        "reserved",
        "the redirect itself changes nothing"
    );

    // The browser repeats the POST at the new place, which does what was asked.
    let moved = ann.post(&location(&old), &[("confirm", "yes")]).await;
    assert_eq!(moved.status(), 303);
    assert_eq!(app.bookings().await[0].status, "cancelled");
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 10);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_reserve_form_still_reads_the_old_field_name() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Jazz").seats("Standing", 2500, 10))
        .await;
    let ann = app.registered("ann@example.com").await;
    let ticket_type = show.ticket_type_ids[0].to_string();

    let answer = ann
        .post(
            &format!("/events/{}/reserve", show.event_id),
            &[("ticket_schema_id", &ticket_type)],
        )
        .await;
    assert_eq!(answer.status(), 303);
    let id = booking_id_in(&location(&answer));
    assert_eq!(app.bookings().await[0].id, id);
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 9);

    // Both names at once is a malformed form: a clear 400, and nothing held.
    let bob = app.registered("bob@example.com").await;
    let both = bob
        .post(
            &format!("/events/{}/reserve", show.event_id),
            &[
                ("ticket_type_id", &ticket_type),
                ("ticket_schema_id", &ticket_type),
            ],
        )
        .await;
    assert_eq!(both.status(), 400);
    assert_eq!(app.bookings().await.len(), 1);
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 9);
    app.assert_books_clean().await;
}
