//! The booking as the organiser's unit (issue 24, item 3): an event's bookings searched
//! by email and code and filtered by status; a booking's page with its seats, payments,
//! refunds and mails; its refund behind a confirmation naming the amount and the buyer
//! (and refused without it); a hold voided behind one; the confirmation resent; the
//! payments list naming buyer, event, amount, status and date. Both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::{bookings, payment_attempts};
use support::TestApp;
use support::fixtures::EventSpec;
use support::visitor::location;

async fn booking_status(app: &TestApp, id: i32) -> String {
    app.with_db(move |c| bookings::find(c, id).unwrap().unwrap().status.to_string())
        .await
}

#[tokio::test]
async fn a_booking_is_found_by_email_or_code_opened_and_refunded_only_once_confirmed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app
        .create_event(EventSpec::new("Jazz").seats("Standing", 2500, 20))
        .await;
    let (e, s) = (show.event_id, show.ticket_type_ids[0]);
    let (_ada, ada, _) = app.paid_booking("ada@example.com", e, s, 2).await;
    let (_bob, bob, bob_codes) = app.paid_booking("bob@example.com", e, s, 1).await;
    let cat = app.registered("cat@example.com").await;
    assert_eq!(cat.reserve_n(e, s, "3").await.status(), 303);

    let list = |query: &str| {
        let admin = &admin;
        let path = format!("/admin/events/{e}/bookings{query}");
        async move { admin.page(&path).await }
    };
    let all = list("").await;
    assert!(all.contains("3 bookings."), "{all}");
    let by_email = list("?q=ADA%40EXAMPLE").await;
    assert!(by_email.contains(&format!("/admin/bookings/{ada}\"")));
    assert!(!by_email.contains(&format!("/admin/bookings/{bob}\"")));
    // A seat's code, typed in lower case without its hyphens.
    let typed = bob_codes[0].replace('-', "").to_lowercase();
    let by_code = list(&format!("?q={typed}")).await;
    assert!(
        by_code.contains(&format!("/admin/bookings/{bob}\"")),
        "{by_code}"
    );
    assert!(by_code.contains("1 booking match."));
    let held = list("?status=reserved").await;
    assert!(held.contains("cat@example.com") && !held.contains("ada@example.com"));
    assert_eq!(
        admin
            .get(&format!("/admin/events/{e}/bookings?status=lost"))
            .await
            .status(),
        400
    );

    let page = admin.page(&format!("/admin/bookings/{ada}")).await;
    assert!(page.contains("2 × Standing"));
    assert!(page.contains("€50.00, paid"), "the payment: {page}");
    assert!(page.contains("booking_paid"), "its confirmation mail");
    let seats = app.admissions().await;
    for seat in seats.iter().filter(|a| a.booking_id == ada) {
        assert!(page.contains(&seat.code), "seat {} listed", seat.position);
    }
    let confirm = admin.page(&format!("/admin/bookings/{ada}/refund")).await;
    assert!(
        confirm.contains("Yes, refund €50.00 to ada@example.com"),
        "the confirmation names the amount and the buyer: {confirm}"
    );

    // Without the confirmation: the page again, and nothing changes.
    let available = app.available(s).await;
    for path in [
        format!("/admin/bookings/{ada}/refund"),
        format!("/admin/tickets/{ada}/refund"),
    ] {
        let unconfirmed = admin.post(&path, &[]).await;
        assert_eq!(unconfirmed.status(), 422, "{path}");
        assert!(unconfirmed.text().await.unwrap().contains("Tick the box"));
    }
    assert_eq!(booking_status(&app, ada).await, "paid");
    assert_eq!(app.available(s).await, available);
    let kept = app
        .with_db(move |c| payment_attempts::for_booking(c, ada).unwrap())
        .await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].status.to_string(), "paid");

    let refunded = admin
        .post(
            &format!("/admin/bookings/{ada}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refunded.status(), 303);
    assert_eq!(location(&refunded), format!("/admin/bookings/{ada}"));
    assert_eq!(booking_status(&app, ada).await, "refunded");
    assert_eq!(app.available(s).await, available + 2, "both seats back");
    let after = admin.page(&format!("/admin/bookings/{ada}")).await;
    assert!(after.contains("Refunded. The seats are back on sale"));
    assert!(after.contains("succeeded"), "the refund row: {after}");
    assert!(
        !after.contains("Refund the booking…"),
        "nothing left to refund"
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_hold_is_voided_behind_a_confirmation_and_a_confirmation_is_resent() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Folk")).await;
    let (e, s) = (show.event_id, show.ticket_type_ids[0]);
    let (_ada, ada, _) = app.paid_booking("ada@example.com", e, s, 1).await;
    let bob = app.registered("bob@example.com").await;
    let held = bob.reserve_n(e, s, "2").await;
    let hold: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let before = app.available(s).await;

    let confirm = admin.page(&format!("/admin/bookings/{hold}/void")).await;
    assert!(confirm.contains("Yes, void the hold of bob@example.com"));
    let unconfirmed = admin
        .post(&format!("/admin/bookings/{hold}/void"), &[])
        .await;
    assert_eq!(unconfirmed.status(), 422);
    assert_eq!(booking_status(&app, hold).await, "reserved");
    let voided = admin
        .post(
            &format!("/admin/bookings/{hold}/void"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(voided.status(), 303);
    assert_eq!(booking_status(&app, hold).await, "cancelled");
    assert_eq!(app.available(s).await, before + 2);
    // A paid booking is not voided (refund it instead).
    let refused = admin
        .post(
            &format!("/admin/bookings/{ada}/void"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status(), 303);
    assert_eq!(booking_status(&app, ada).await, "paid");

    let sent_before = app.outbox_of("booking_paid").await.len();
    let resent = admin
        .post(&format!("/admin/bookings/{ada}/resend"), &[])
        .await;
    assert_eq!(resent.status(), 303);
    assert_eq!(app.outbox_of("booking_paid").await.len(), sent_before + 1);
    app.deliver_all().await;
    let mails = app.mails_to("ada@example.com").await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.starts_with("Your tickets"))
            .count(),
        2,
        "the confirmation, and its copy"
    );
    let not_paid = admin
        .post(&format!("/admin/bookings/{hold}/resend"), &[])
        .await;
    assert_eq!(not_paid.status(), 303);
    assert_eq!(app.outbox_of("booking_paid").await.len(), sent_before + 1);
    // Nobody but an admin.
    let user = app.registered("eve@example.com").await;
    for path in [
        format!("/admin/bookings/{ada}"),
        format!("/admin/bookings/{ada}/refund"),
        format!("/admin/bookings/{hold}/void"),
    ] {
        assert_eq!(user.get(&path).await.status(), 403, "{path}");
    }
    assert_eq!(
        user.post(
            &format!("/admin/bookings/{ada}/refund"),
            &[("confirm", "yes")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(admin.get("/admin/bookings/999999").await.status(), 404);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_payments_list_names_buyer_event_amount_and_date_and_its_refund_is_confirmed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app
        .create_event(EventSpec::new("Opera").seats("Stalls", 4000, 10))
        .await;
    let (_ada, ada, _) = app
        .paid_booking("ada@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let payment = app
        .with_db(move |c| payment_attempts::for_booking(c, ada).unwrap()[0].id)
        .await;
    let list = admin.page("/admin/payments").await;
    for expected in [
        "ada@example.com",
        "Opera",
        "€40.00",
        &format!("href=\"/admin/bookings/{ada}\""),
        &format!("href=\"/admin/payments/{payment}/refund\""),
    ] {
        assert!(list.contains(expected), "{expected}: {list}");
    }
    let confirm = admin
        .page(&format!("/admin/payments/{payment}/refund"))
        .await;
    assert!(confirm.contains("Refund €40.00 to ada@example.com?"));
    let unconfirmed = admin
        .post(&format!("/admin/payments/{payment}/refund"), &[])
        .await;
    assert_eq!(unconfirmed.status(), 422);
    assert_eq!(booking_status(&app, ada).await, "paid");
    let done = admin
        .post(
            &format!("/admin/payments/{payment}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&done), "/admin/payments");
    assert_eq!(booking_status(&app, ada).await, "refunded");
    app.assert_books_clean().await;
}
