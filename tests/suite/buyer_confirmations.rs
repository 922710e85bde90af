//! Confirm before you lose something (issue 27, item 2): the buyer's cancel goes through
//! a confirmation page naming the seats and the money; the POST that cancels is refused
//! (422, nothing changed) without the confirmation's field; the print view carries no
//! cancel control; the CSRF token is still required.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::refunds;
use support::fixtures::EventSpec;
use support::visitor::location;
use support::{TestApp, Visitor};

async fn refunds_all(app: &TestApp) -> Vec<boxoffice::db::models::Refund> {
    app.with_db(|c| refunds::all(c).unwrap()).await
}

async fn status_of(app: &TestApp, booking_id: i32) -> String {
    app.bookings()
        .await
        .into_iter()
        .find(|t| t.id == booking_id)
        .unwrap()
        .status
        .as_str()
        .to_owned()
}

/// Holds `quantity` seats: (buyer, ticket id).
async fn hold(
    app: &TestApp,
    email: &str,
    event_id: i32,
    ticket_type_id: i32,
    n: &str,
) -> (Visitor, i32) {
    let buyer = app.registered(email).await;
    let reserved = buyer.reserve_n(event_id, ticket_type_id, n).await;
    let booking_id = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .expect("reserving leads to the booking");
    (buyer, booking_id)
}

#[tokio::test]
async fn a_paid_booking_is_cancelled_only_after_a_confirmation_naming_seats_and_money() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Confirmed")
                .seats("Standing", 2500, 10)
                .refundable_until(48),
        )
        .await;
    let ticket_type = sale.ticket_type_ids[0];
    let (buyer, booking_id, _) = app
        .paid_booking("buyer@example.com", sale.event_id, ticket_type, 3)
        .await;
    assert_eq!(app.available(ticket_type).await, 7);

    // The ticket page links to the confirmation; it has no form that cancels.
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(
        page.contains(&format!("href=\"/bookings/{booking_id}/cancel\"")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("action=\"/bookings/{booking_id}/cancel\"")),
        "no one-tap cancel on the ticket page"
    );
    assert!(page.contains("Cancel booking and refund €75.00"));

    let confirm = buyer.get(&format!("/bookings/{booking_id}/cancel")).await;
    assert_eq!(confirm.status(), 200);
    let confirm = confirm.text().await.unwrap();
    assert!(
        confirm.contains("Cancel 3 seats of Standing and refund €75.00"),
        "{confirm}"
    );
    assert!(confirm.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(
        status_of(&app, booking_id).await,
        "paid",
        "a GET changes nothing"
    );

    // Without the confirmation's field (an old form, a stray tap), or with another
    // value: refused with the confirmation again, and nothing changed.
    for fields in [&[][..], &[("confirm", "no")][..], &[("confirm", "")][..]] {
        let refused = buyer
            .post(&format!("/bookings/{booking_id}/cancel"), fields)
            .await;
        assert_eq!(refused.status(), 422, "{fields:?}");
        let body = refused.text().await.unwrap();
        assert!(body.contains("Nothing was cancelled"), "{body}");
        assert!(body.contains("Cancel 3 seats of Standing and refund €75.00"));
    }
    // Without the CSRF token: refused too.
    let forged = buyer
        .client
        .post(buyer.url(&format!("/bookings/{booking_id}/cancel")))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());
    assert_eq!(status_of(&app, booking_id).await, "paid");
    assert_eq!(app.available(ticket_type).await, 7);
    assert!(refunds_all(&app).await.is_empty(), "no refund was made");

    // Confirmed: refunded in full, the seats back on sale, the books balanced.
    let done = buyer.cancel(booking_id).await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), format!("/bookings/{booking_id}"));
    assert_eq!(status_of(&app, booking_id).await, "refunded");
    let made = refunds_all(&app).await;
    assert_eq!(made.len(), 1);
    assert_eq!(
        (made[0].amount_pennies, made[0].currency.as_str()),
        (7500, "EUR")
    );
    assert_eq!(
        app.available(ticket_type).await,
        10,
        "the 3 seats are back on sale"
    );
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("cancelled and refunded"));
    assert!(!page.contains(&format!("/bookings/{booking_id}/cancel")));
    app.assert_books_clean().await;

    // Once refunded, the confirmation is gone: the booking page says why.
    let gone = buyer.get(&format!("/bookings/{booking_id}/cancel")).await;
    assert_eq!(location(&gone), format!("/bookings/{booking_id}"));
    assert!(
        buyer
            .page(&format!("/bookings/{booking_id}"))
            .await
            .contains("no longer holds any seat")
    );
}

#[tokio::test]
async fn a_free_booking_is_given_up_without_any_word_of_a_refund() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Open rehearsal")
                .seats("Free entry", 0, 10)
                .refundable_until(0),
        )
        .await;
    let ticket_type = sale.ticket_type_ids[0];
    let (buyer, booking_id) = hold(&app, "free@example.com", sale.event_id, ticket_type, "2").await;
    buyer.pay(booking_id).await;
    assert_eq!(status_of(&app, booking_id).await, "paid");
    assert_eq!(app.available(ticket_type).await, 8);

    let confirm = buyer.page(&format!("/bookings/{booking_id}/cancel")).await;
    assert!(
        confirm.contains("Cancel 2 seats of Free entry."),
        "{confirm}"
    );
    let what = &confirm[confirm.find("What happens").unwrap()..];
    assert!(!what.to_lowercase().contains("refund"), "{what}");
    assert!(!what.contains("€"), "{what}");

    assert_eq!(buyer.cancel_unconfirmed(booking_id).await.status(), 422);
    assert_eq!(status_of(&app, booking_id).await, "paid");
    let done = buyer.cancel(booking_id).await;
    assert_eq!(done.status(), 303);
    assert_eq!(status_of(&app, booking_id).await, "refunded");
    assert_eq!(app.available(ticket_type).await, 10);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_hold_is_released_only_after_its_confirmation() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Held").seats("Balcony", 4000, 10))
        .await;
    let ticket_type = sale.ticket_type_ids[0];
    let (buyer, booking_id) =
        hold(&app, "holder@example.com", sale.event_id, ticket_type, "2").await;
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains(&format!("href=\"/bookings/{booking_id}/cancel\"")));
    assert!(!page.contains(&format!("action=\"/bookings/{booking_id}/cancel\"")));

    let confirm = buyer.page(&format!("/bookings/{booking_id}/cancel")).await;
    assert!(
        confirm.contains("Release your hold on 2 seats of Balcony."),
        "{confirm}"
    );
    assert!(confirm.contains("Nothing was paid, so nothing is refunded."));

    let refused = buyer.cancel_unconfirmed(booking_id).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(status_of(&app, booking_id).await, "reserved");
    assert_eq!(app.available(ticket_type).await, 8);

    let done = buyer.cancel(booking_id).await;
    assert_eq!(location(&done), format!("/events/{}", sale.event_id));
    assert_eq!(status_of(&app, booking_id).await, "cancelled");
    assert_eq!(app.available(ticket_type).await, 10);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_booking_that_cannot_be_cancelled_has_no_confirmation_and_says_why() {
    let app = TestApp::spawn().await;
    let strict = app
        .create_event(EventSpec::new("Strict").seats("A", 3000, 10))
        .await;
    let (buyer, booking_id, _) = app
        .paid_booking(
            "strict@example.com",
            strict.event_id,
            strict.ticket_type_ids[0],
            1,
        )
        .await;
    let asked = buyer.get(&format!("/bookings/{booking_id}/cancel")).await;
    assert_eq!(location(&asked), format!("/bookings/{booking_id}"));
    assert!(
        buyer
            .page(&format!("/bookings/{booking_id}"))
            .await
            .contains("does not offer refunds")
    );
    let refused = buyer.cancel_unconfirmed(booking_id).await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("does not offer refunds")
    );
    let refused = buyer.cancel(booking_id).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(status_of(&app, booking_id).await, "paid");

    // Someone else's booking reads as missing, confirmation page included.
    let other = app.registered("other@example.com").await;
    assert_eq!(
        other
            .get(&format!("/bookings/{booking_id}/cancel"))
            .await
            .status(),
        404
    );
    assert_eq!(other.cancel(booking_id).await.status(), 404);
    assert_eq!(status_of(&app, booking_id).await, "paid");
}

#[tokio::test]
async fn the_print_view_carries_no_cancel_control() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Printed")
                .seats("Standing", 2500, 10)
                .refundable_until(48),
        )
        .await;
    let (buyer, booking_id, _) = app
        .paid_booking(
            "print@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            1,
        )
        .await;
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    let at = page
        .find(&format!("/bookings/{booking_id}/cancel"))
        .unwrap();
    let section = page[..at].rfind("<section").unwrap();
    assert!(
        page[section..at].contains("no-print"),
        "the cancel link sits in a section hidden when printed: {}",
        &page[section..at]
    );
    let css_path = page
        .split("href=\"")
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .find(|href| href.contains(".css"))
        .unwrap()
        .to_owned();
    let css = buyer.page(&css_path).await;
    let print = &css[css.find("@media print").unwrap()..];
    let print = &print[..print.find("\n}").unwrap()];
    assert!(print.contains(".no-print"), "{print}");
    assert!(print.contains("display: none"), "{print}");
}

#[tokio::test]
async fn once_a_seat_is_checked_in_there_is_no_confirmation_to_cancel() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app
        .create_event(
            EventSpec::new("Doors open")
                .seats("GA", 2500, 10)
                .refundable_until(0),
        )
        .await;
    let (buyer, booking_id, codes) = app
        .paid_booking("in@example.com", sale.event_id, sale.ticket_type_ids[0], 2)
        .await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(
        staff.scan(sale.event_id, &codes[0], "North").await.headline,
        "ADMIT"
    );
    let asked = buyer.get(&format!("/bookings/{booking_id}/cancel")).await;
    assert_eq!(location(&asked), format!("/bookings/{booking_id}"));
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("checked in at the door"), "{page}");
    assert!(!page.contains(&format!("/bookings/{booking_id}/cancel")));
    let refused = buyer.cancel_unconfirmed(booking_id).await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("checked in at the door")
    );
    assert_eq!(buyer.cancel(booking_id).await.status(), 409);
    assert_eq!(status_of(&app, booking_id).await, "paid");
    assert!(refunds_all(&app).await.is_empty());
}
