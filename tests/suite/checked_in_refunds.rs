//! Refunds and the door (issue 23): a booking with a seat checked in cannot be
//! cancelled or refunded by its buyer (the page, the API), an admin refunds it only
//! with a reason (kept with the refund), and a booking whose refund is under way admits
//! nobody (NOT VALID, "refund under way") until the refund succeeds or fails. A
//! check-in and the buyer's refund request at the same instant: exactly one wins. The
//! control shows why the door decides under the booking's lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::models::Refund;
use boxoffice::db::{Guarded, bookings, checkins, refunds};
use boxoffice::domain::door::answer::{NotValidReason, ScanAnswer};
use boxoffice::domain::door::check_in::{Scan, check_in};
use boxoffice::domain::door::input::{Gate, ScannedCode};
use boxoffice::domain::door::refunds::refund_under_way;
use boxoffice::domain::payments;
use serde_json::json;
use support::door::headline;
use support::fixtures::EventSpec;
use support::race::together;
use support::stripe_shop::{checkout as stripe_checkout, payments_of, shop, webhook};
use support::visitor::location;
use support::{PASSWORD, TestApp};

/// An event whose buyers may cancel for a refund until it starts.
fn refundable(title: &str) -> EventSpec {
    EventSpec::new(title)
        .seats("GA", 3000, 20)
        .refundable_until(0)
}

async fn refunds_of(app: &TestApp, booking_id: i32) -> Vec<Refund> {
    let payments = payments_of(app, booking_id).await;
    app.with_db(move |conn| {
        payments
            .iter()
            .flat_map(|p| refunds::for_payment(conn, p.id).unwrap())
            .collect()
    })
    .await
}

async fn booking_status(app: &TestApp, booking_id: i32) -> String {
    app.bookings()
        .await
        .into_iter()
        .find(|t| t.id == booking_id)
        .unwrap()
        .status
        .as_str()
        .to_owned()
}

/// The flash message on the admin payments list.
async fn payments_flash(admin: &support::Visitor) -> String {
    let page = admin.page("/admin/payments").await;
    let at = page.find("class=\"flash").expect("a flash message");
    page[at..at + page[at..].find("</p>").unwrap()].to_owned()
}

#[tokio::test]
async fn once_a_seat_is_checked_in_its_buyer_can_no_longer_cancel_the_booking() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app.create_event(refundable("At the door")).await;
    let (buyer, booking_id, codes) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    let booking_page = format!("/bookings/{booking_id}");
    assert!(
        buyer
            .page(&booking_page)
            .await
            .contains("Cancel booking and refund")
    );

    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(
        staff.scan(sale.event_id, &codes[0], "North").await.headline,
        "ADMIT"
    );

    let page = buyer.page(&booking_page).await;
    assert!(!page.contains("Cancel booking and refund"), "no button");
    assert!(page.contains("has been checked in at the door"));
    let refused = buyer.cancel(booking_id).await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("checked in at the door, so it can no longer be cancelled")
    );

    let api = app.api().logged_in("buyer@example.com", PASSWORD).await;
    let shown = api.get(&format!("/bookings/{booking_id}")).await;
    assert!(shown.json["refundable_until"].is_null(), "{:?}", shown.json);
    let listed = api.get("/bookings").await;
    assert!(listed.json[0]["refundable_until"].is_null());
    let reply = api
        .post(&format!("/bookings/{booking_id}/cancel"), &json!({}))
        .await;
    assert_eq!((reply.status, reply.code()), (409, "checked_in"));
    assert!(reply.is_problem());

    // Nothing changed: paid, no refund, and the other seat still gets in.
    assert_eq!(booking_status(&app, booking_id).await, "paid");
    assert!(refunds_of(&app, booking_id).await.is_empty());
    assert_eq!(
        staff.scan(sale.event_id, &codes[1], "North").await.headline,
        "ADMIT"
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn an_admin_refunds_a_checked_in_booking_only_with_a_reason_which_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app.create_event(refundable("Reasons")).await;
    let (event, ticket_type) = (sale.event_id, sale.ticket_type_ids[0]);
    let (_, at_door, door_codes) = app
        .paid_booking("in@example.com", event, ticket_type, 1)
        .await;
    let (_, at_home, _) = app
        .paid_booking("home@example.com", event, ticket_type, 1)
        .await;
    let (_, by_api, api_codes) = app
        .paid_booking("api@example.com", event, ticket_type, 1)
        .await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    for code in [&door_codes[0], &api_codes[0]] {
        assert_eq!(staff.scan(event, code, "North").await.headline, "ADMIT");
    }

    // The refund's confirmation asks for a reason on the checked-in booking only.
    let payment = payments_of(&app, at_door).await[0].id;
    let confirmation = |id: i32| {
        let admin = &admin;
        async move { admin.page(&format!("/admin/payments/{id}/refund")).await }
    };
    assert!(
        confirmation(payment)
            .await
            .contains("name=\"reason\" required")
    );
    let home_payment = payments_of(&app, at_home).await[0].id;
    let home = confirmation(home_payment).await;
    assert!(home.contains("name=\"reason\"") && !home.contains("name=\"reason\" required"));

    // Without a reason: refused, nothing changed.
    let path = format!("/admin/payments/{payment}/refund");
    let refused = admin
        .post(&path, &[("reason", "  "), ("confirm", "yes")])
        .await;
    assert_eq!(location(&refused), "/admin/payments");
    assert!(payments_flash(&admin).await.contains("give a reason"));
    assert_eq!(booking_status(&app, at_door).await, "paid");
    assert!(refunds_of(&app, at_door).await.is_empty());
    // A reason that is not one line of text is a 400, and changes nothing either.
    let bad = admin
        .post(&path, &[("reason", "bad\0reason"), ("confirm", "yes")])
        .await;
    assert_eq!(bad.status(), 400);
    assert!(refunds_of(&app, at_door).await.is_empty());

    let done = admin
        .post(
            &path,
            &[
                ("reason", "seat double-booked, guest sent home"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(location(&done), "/admin/payments");
    assert_eq!(booking_status(&app, at_door).await, "refunded");
    let kept = refunds_of(&app, at_door).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].reason,
        "refunded by an admin after check-in: seat double-booked, guest sent home"
    );
    let payment_row = payments_of(&app, at_door).await.remove(0);
    assert_eq!(payment_row.status, "refunded");
    assert!(
        admin
            .page("/admin/payments")
            .await
            .contains("seat double-booked, guest sent home"),
        "shown to admins"
    );
    let rescan = staff.scan(event, &door_codes[0], "North").await;
    assert_eq!(rescan.headline, "NOT VALID");

    // A booking nobody checked in is refunded without a reason, as before.
    let plain = admin
        .post(
            &format!("/admin/tickets/{at_home}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&plain), "/admin/payments");
    assert_eq!(booking_status(&app, at_home).await, "refunded");
    assert_eq!(
        refunds_of(&app, at_home).await[0].reason,
        "refunded by an admin"
    );

    // The admin API: a reason in the body, required for the checked-in booking.
    let api = app.api_admin().await;
    let refund = format!("/admin/bookings/{by_api}/refund");
    let missing = api.post(&refund, &json!({})).await;
    assert_eq!((missing.status, missing.code()), (409, "reason_required"));
    let empty_body = api.post_bytes(&refund, None, Vec::new()).await;
    assert_eq!(empty_body.code(), "reason_required");
    let bad = api.post(&refund, &json!({"reason": "x".repeat(201)})).await;
    assert_eq!((bad.status, bad.code()), (422, "validation"));
    assert_eq!(bad.json["errors"][0]["field"], "reason");
    let wrong_shape = api.post(&refund, &json!({"reason": 5})).await;
    assert_eq!(wrong_shape.status, 422);
    assert!(refunds_of(&app, by_api).await.is_empty());
    let ok = api
        .post(&refund, &json!({"reason": "organiser's guest list"}))
        .await;
    assert_eq!(
        (ok.status, ok.json["status"].as_str()),
        (200, Some("succeeded"))
    );
    assert_eq!(
        refunds_of(&app, by_api).await[0].reason,
        "refunded by an admin after check-in: organiser's guest list"
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_booking_whose_refund_is_under_way_admits_nobody_until_the_refund_fails() {
    let shop = shop().await;
    let app = &shop.app;
    let admin = app.admin().await;
    let sale = app.create_event(refundable("Pending at Stripe")).await;
    let buyer = app.registered("buyer@example.com").await;
    let reserved = buyer.reserve(sale.event_id, sale.ticket_type_ids[0]).await;
    let booking_id: i32 = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = shop
        .stripe
        .complete(&stripe_checkout(&buyer, booking_id).await);
    webhook(app, "evt_paid", "checkout.session.completed", &session).await;
    let code = app.admissions().await[0].code.clone();
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    let door_api = app.api().logged_in("door@example.com", PASSWORD).await;
    let checkins = format!("/events/{}/checkins", sale.event_id);

    // The buyer asks for a refund; Stripe keeps it pending.
    shop.stripe.refunds_pending();
    let api = app.api().logged_in("buyer@example.com", PASSWORD).await;
    let asked = api
        .post(&format!("/bookings/{booking_id}/cancel"), &json!({}))
        .await;
    assert_eq!(
        (asked.status, asked.json["status"].as_str()),
        (200, Some("paid"))
    );
    assert_eq!(refunds_of(app, booking_id).await[0].status, "pending");

    let scan = staff.scan(sale.event_id, &code, "North").await;
    assert_eq!(scan.headline, "NOT VALID");
    assert!(scan.body.contains("refund is under way"), "{}", scan.body);
    let reply = door_api
        .post(
            &checkins,
            &json!({"code": code, "gate": "App", "nonce": "a1"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["result"], "not_valid");
    assert_eq!(reply.json["reason"], "refund under way");
    assert!(app.admissions().await[0].checked_in_at.is_none());
    assert!(
        buyer
            .page(&format!("/bookings/{booking_id}"))
            .await
            .contains("Your refund is under way")
    );

    // Stripe fails it: the money is still owed and the booking is valid again.
    let refund = shop.stripe.refunds().pop().unwrap();
    let failed = shop
        .stripe
        .settle_refund(refund["id"].as_str().unwrap(), "failed");
    webhook(app, "evt_refund_failed", "refund.failed", &failed).await;
    assert_eq!(refunds_of(app, booking_id).await[0].status, "failed");
    let scan = staff.scan(sale.event_id, &code, "North").await;
    assert_eq!(scan.headline, "ADMIT", "{}", scan.body);

    // The admin's retry of that refund now needs a reason (a seat is in).
    let payment = payments_of(app, booking_id).await[0].id;
    let path = format!("/admin/payments/{payment}/refund");
    admin.post(&path, &[("confirm", "yes")]).await;
    assert!(payments_flash(&admin).await.contains("give a reason"));
    assert_eq!(refunds_of(app, booking_id).await.len(), 1);
    admin
        .post(&path, &[("reason", "refund promised"), ("confirm", "yes")])
        .await;
    let rows = refunds_of(app, booking_id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].reason,
        "retried by an admin after check-in: refund promised"
    );
    let again = door_api
        .post(
            &checkins,
            &json!({"code": code, "gate": "App", "nonce": "a2"}),
        )
        .await;
    assert_eq!(again.json["reason"], "refund under way");

    // It succeeds: refunded, and the door says so.
    let settled = shop
        .stripe
        .settle_refund(rows[0].provider_refund_id.as_deref().unwrap(), "succeeded");
    webhook(app, "evt_refund_ok", "refund.updated", &settled).await;
    assert_eq!(booking_status(app, booking_id).await, "refunded");
    let last = door_api
        .post(
            &checkins,
            &json!({"code": code, "gate": "App", "nonce": "a3"}),
        )
        .await;
    assert_eq!(last.json["reason"], "refunded");
    app.assert_books_clean().await;
}

const ROUNDS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_check_in_and_the_buyers_refund_request_at_the_same_instant_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app.create_event(refundable("Race at the door")).await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    let door_api = app.api().logged_in("door@example.com", PASSWORD).await;
    let (mut admitted, mut refunded) = (0, 0);
    for round in 0..ROUNDS {
        let email = format!("racer{round}@example.com");
        let (_, booking_id, codes) = app
            .paid_booking(&email, sale.event_id, sale.ticket_type_ids[0], 1)
            .await;
        let buyer = app.api().logged_in(&email, PASSWORD).await;
        let cancel = {
            let path = format!("/bookings/{booking_id}/cancel");
            async move { buyer.post(&path, &json!({})).await }
        };
        // The page's scan on even rounds, a scanner app's on odd ones.
        let head = if round % 2 == 0 {
            let scan = staff
                .scan_later(sale.event_id, &codes[0], "North", &format!("r{round}"))
                .await;
            let ((status, body), cancelled) = together(scan, cancel).await;
            assert_eq!(status, 200, "round {round}: {body}");
            (headline(&body), body, cancelled)
        } else {
            let (door_api, path) = (
                door_api.clone(),
                format!("/events/{}/checkins", sale.event_id),
            );
            let code = codes[0].clone();
            let scan = async move {
                door_api
                    .post(&path, &json!({"code": code, "gate": "App", "nonce": "n"}))
                    .await
            };
            let (reply, cancelled) = together(scan, cancel).await;
            assert_eq!(reply.status, 200, "round {round}: {:?}", reply.json);
            (
                reply.json["headline"].as_str().unwrap().to_owned(),
                reply.json.to_string(),
                cancelled,
            )
        };
        let (headline, body, cancelled) = head;
        let seat = app
            .admissions()
            .await
            .into_iter()
            .find(|a| a.booking_id == booking_id)
            .unwrap();
        if headline == "ADMIT" {
            admitted += 1;
            assert_eq!(
                (cancelled.status, cancelled.code()),
                (409, "checked_in"),
                "round {round}: {:?}",
                cancelled.json
            );
            assert_eq!(booking_status(&app, booking_id).await, "paid");
            assert!(refunds_of(&app, booking_id).await.is_empty());
            assert!(seat.checked_in_at.is_some());
        } else {
            refunded += 1;
            assert_eq!(headline, "NOT VALID", "round {round}: {body}");
            assert!(body.contains("refund"), "round {round}: {body}");
            assert_eq!(cancelled.status, 200, "round {round}: {:?}", cancelled.json);
            assert_eq!(booking_status(&app, booking_id).await, "refunded");
            assert!(seat.checked_in_at.is_none(), "round {round}");
        }
    }
    assert_eq!(admitted + refunded, ROUNDS);
    println!("{admitted} rounds admitted first, {refunded} refunded first");
    app.assert_books_clean().await;
}

#[tokio::test]
async fn control_a_door_deciding_on_a_read_made_before_the_refund_lets_both_win() {
    let app = TestApp::spawn().await;
    let sale = app.create_event(refundable("Control")).await;
    let mut bookings = Vec::new();
    for email in [
        "stale@example.com",
        "first@example.com",
        "second@example.com",
    ] {
        let (_, id, codes) = app
            .paid_booking(email, sale.event_id, sale.ticket_type_ids[0], 1)
            .await;
        bookings.push((id, codes[0].clone()));
    }
    let now = app.clock.now();
    let event_id = sale.event_id;
    let scan = |code: &str| Scan {
        code: ScannedCode::parse(code).unwrap(),
        gate: Gate::parse("North").unwrap(),
        nonce: None,
    };
    let (stale, refund_first, admit_first) = app
        .with_db(move |conn| {
            let find = |conn: &mut _, id| bookings::find(conn, id).unwrap().unwrap();
            // The harmful interleaving, forced: the door reads "no refund under way"...
            let (id, code) = &bookings[0];
            let booking = find(conn, *id);
            let read_before = refund_under_way(conn, &booking).unwrap();
            // ...the buyer's refund request commits (nothing was checked in yet)...
            let asked = payments::request_buyer_refund(conn, now, booking.user_id, *id);
            // ...and the door admits on its earlier read, with the guarded update alone.
            let seat = checkins::seat_by_code(conn, code).unwrap().unwrap().0;
            let admitted = checkins::admit(conn, seat.id, now, "North", None).unwrap();
            let stale = (read_before, asked.is_ok(), admitted);

            // The rule: the check-in decides under the booking's lock. After a refund
            // request it answers NOT VALID...
            let (id, code) = &bookings[1];
            let booking = find(conn, *id);
            payments::request_buyer_refund(conn, now, booking.user_id, *id).unwrap();
            let refund_first = check_in(conn, event_id, booking.user_id, &scan(code), now);
            // ...and a refund request after a check-in is refused.
            let (id, code) = &bookings[2];
            let booking = find(conn, *id);
            let admit = check_in(conn, event_id, booking.user_id, &scan(code), now).unwrap();
            let refused = payments::request_buyer_refund(conn, now, booking.user_id, *id);
            let admit_first = (admit.is_admit(), refused.map_err(|e| e.to_string()));
            (stale, refund_first.unwrap(), admit_first)
        })
        .await;
    assert_eq!(
        stale,
        (false, true, Guarded::Applied),
        "decided on the earlier read, both the refund and the admit went through"
    );
    assert_eq!(
        refund_first,
        ScanAnswer::NotValid {
            reason: NotValidReason::RefundUnderWay
        }
    );
    assert!(admit_first.0);
    assert!(
        admit_first.1.as_ref().unwrap_err().contains("checked_in"),
        "{admit_first:?}"
    );
}
