//! Giving back some seats of a group booking (issue 27, item 2's partial cancellation),
//! through the real handlers on whichever engine the suite runs on: a confirmation names
//! the seats and the money; the seats go back on sale at once, their codes stop admitting
//! and the others still do; the share refunded is pro rata and the rest comes back with a
//! later cancel; the selling rule, sent and checked-in seats, other people's bookings and
//! bad input are refused with nothing changed; a refund Stripe cannot take now stays owed
//! until reconciliation sends it; racing a cancel or a second tab leaves the books exact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeDelta;

use crate::support;

use boxoffice::app::reconcile;
use boxoffice::db::models::Refund;
use boxoffice::db::refunds;
use support::fixtures::EventSpec;
use support::stripe_shop::{checkout, payments_of, shop, webhook};
use support::stripe_standin::Failure;
use support::visitor::location;
use support::{TestApp, Visitor};

async fn refunds_all(app: &TestApp) -> Vec<Refund> {
    app.with_db(|c| refunds::all(c).unwrap()).await
}

async fn booking(app: &TestApp, booking_id: i32) -> (String, i32) {
    let found = app
        .bookings()
        .await
        .into_iter()
        .find(|t| t.id == booking_id)
        .unwrap();
    (found.status.as_str().to_owned(), found.quantity)
}

/// A refundable event with one type of 10 seats at €25.00 under `rule`, and a paid
/// booking of `quantity` seats on it: (buyer, booking, codes by position, event, type).
async fn group(
    app: &TestApp,
    email: &str,
    rule: &str,
    quantity: i32,
) -> (Visitor, i32, Vec<String>, i32, i32) {
    let show = app
        .create_event(
            EventSpec::new(&format!("Group of {email}"))
                // All together sells only every seat left at once.
                .seats(
                    "Standing",
                    2500,
                    if rule == "all_together" { quantity } else { 10 },
                )
                .refundable_until(48),
        )
        .await;
    let ticket_type = show.ticket_type_ids[0];
    if rule != "any" {
        app.set_terms(ticket_type, 10, rule).await;
    }
    let (buyer, booking_id, codes) = app
        .paid_booking(email, show.event_id, ticket_type, quantity)
        .await;
    (buyer, booking_id, codes, show.event_id, ticket_type)
}

/// The confirmed form, as the confirmation page sends it for a booking of `of` seats.
async fn give_back_of(buyer: &Visitor, booking_id: i32, seats: &str, of: i32) -> reqwest::Response {
    buyer
        .post(
            &format!("/bookings/{booking_id}/give-back"),
            &[
                ("seats", seats),
                ("quantity", &of.to_string()),
                ("confirm", "yes"),
            ],
        )
        .await
}

/// As `give_back_of`, confirmed for the booking as it stands now.
async fn give_back(
    app: &TestApp,
    buyer: &Visitor,
    booking_id: i32,
    seats: &str,
) -> reqwest::Response {
    let of = booking(app, booking_id).await.1;
    give_back_of(buyer, booking_id, seats, of).await
}

#[tokio::test]
async fn seats_given_back_after_a_confirmation_are_refunded_pro_rata_and_stop_admitting() {
    let app = TestApp::spawn().await;
    let (buyer, booking_id, codes, event_id, ticket_type) =
        group(&app, "group@example.com", "any", 3).await;
    assert_eq!(app.available(ticket_type).await, 7);

    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(
        page.contains(&format!("href=\"/bookings/{booking_id}/give-back\"")),
        "{page}"
    );
    let choose = buyer
        .page(&format!("/bookings/{booking_id}/give-back"))
        .await;
    for position in 1..=3 {
        assert!(
            choose.contains(&format!("name=\"seat\" value=\"{position}\"")),
            "{choose}"
        );
    }
    let confirm = buyer
        .get(&format!("/bookings/{booking_id}/give-back?asked=1&seat=3"))
        .await;
    assert_eq!(confirm.status(), 200);
    let confirm = confirm.text().await.unwrap();
    assert!(
        confirm.contains(
            "Give back 1 seat of Standing (seat 3) and refund €25.00 to the card or account you paid with. You keep 2 seats"
        ),
        "{confirm}"
    );
    assert!(confirm.contains("name=\"seats\" value=\"3\""), "{confirm}");
    assert!(
        confirm.contains("name=\"quantity\" value=\"3\""),
        "{confirm}"
    );
    // Without the confirmation's field: the confirmation again, nothing changed.
    let unconfirmed = buyer
        .post(
            &format!("/bookings/{booking_id}/give-back"),
            &[("seats", "3")],
        )
        .await;
    assert_eq!(unconfirmed.status(), 422);
    assert!(
        unconfirmed
            .text()
            .await
            .unwrap()
            .contains("Nothing was given back")
    );
    assert_eq!(booking(&app, booking_id).await, ("paid".into(), 3));
    assert!(refunds_all(&app).await.is_empty());

    let done = give_back(&app, &buyer, booking_id, "3").await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), format!("/bookings/{booking_id}"));
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(
        page.contains(
            "You gave back 1 seat and €25.00 is on its way back to you. You keep 2 seats."
        ),
        "{page}"
    );
    assert!(!page.contains(&codes[2]), "the seat given back is gone");
    assert!(page.contains(&codes[0]) && page.contains(&codes[1]));
    assert_eq!(booking(&app, booking_id).await, ("paid".into(), 2));
    assert_eq!(app.available(ticket_type).await, 8, "back on sale at once");
    let made = refunds_all(&app).await;
    assert_eq!(made.len(), 1);
    assert_eq!(
        (
            made[0].amount_pennies,
            made[0].seats,
            made[0].status.as_str()
        ),
        (2500, Some(1), "succeeded")
    );
    app.assert_books_clean().await;

    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    let gone = door.scan(event_id, &codes[2], "North").await;
    assert_eq!(gone.headline, "NOT VALID");
    assert!(gone.body.contains("given back"), "{}", gone.body);
    assert_eq!(
        door.scan(event_id, &codes[0], "North").await.headline,
        "ADMIT"
    );

    app.deliver_all().await;
    let mails = app.mails_to("group@example.com").await;
    let mail = mails
        .iter()
        .find(|m| m.subject.starts_with("You gave back 1 seat for"))
        .expect("the give-back mail");
    assert!(mail.body_text.contains("€25.00"), "{}", mail.body_text);
    assert!(mail.body_text.contains("You keep 2 seats"));
}

#[tokio::test]
async fn what_is_left_comes_back_with_a_later_cancel_and_the_books_balance() {
    let app = TestApp::spawn().await;
    let (buyer, booking_id, _, _, ticket_type) = group(&app, "rest@example.com", "any", 4).await;
    assert_eq!(
        give_back(&app, &buyer, booking_id, "1,4").await.status(),
        303
    );
    assert_eq!(booking(&app, booking_id).await, ("paid".into(), 2));
    app.assert_books_clean().await;
    // The seats kept are numbered 1 and 2 again: "seat 2 of 2" stays true.
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("Seat 2 of 2"), "{page}");
    assert!(!page.contains("Seat 3 of"), "{page}");
    assert!(page.contains("Cancel booking and refund €50.00"), "{page}");

    let confirm = buyer.page(&format!("/bookings/{booking_id}/cancel")).await;
    assert!(
        confirm.contains("Cancel 2 seats of Standing and refund €50.00"),
        "{confirm}"
    );
    assert_eq!(buyer.cancel(booking_id).await.status(), 303);
    assert_eq!(booking(&app, booking_id).await.0, "refunded");
    assert_eq!(app.available(ticket_type).await, 10);
    let amounts: Vec<i64> = refunds_all(&app)
        .await
        .iter()
        .map(|r| r.amount_pennies)
        .collect();
    assert_eq!(amounts, vec![5000, 5000], "€100 back in all, never more");
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_selling_rule_and_each_seats_state_limit_what_may_go_back() {
    let app = TestApp::spawn().await;
    // Pairs: one seat of four is refused, two go.
    let (pairs, pairs_id, _, _, _) = group(&app, "pairs@example.com", "even", 4).await;
    let one = pairs
        .get(&format!("/bookings/{pairs_id}/give-back?asked=1&seat=2"))
        .await;
    assert_eq!(one.status(), 422);
    assert!(one.text().await.unwrap().contains("sold in pairs"));
    let refused = give_back(&app, &pairs, pairs_id, "2").await;
    assert_eq!(refused.status(), 409);
    assert_eq!(booking(&app, pairs_id).await, ("paid".into(), 4));
    assert_eq!(give_back(&app, &pairs, pairs_id, "2,3").await.status(), 303);
    assert_eq!(booking(&app, pairs_id).await, ("paid".into(), 2));

    // All together: only whole; the booking page offers no give-back.
    let (block, block_id, _, _, _) = group(&app, "block@example.com", "all_together", 3).await;
    let page = block.page(&format!("/bookings/{block_id}")).await;
    assert!(!page.contains("/give-back"), "{page}");
    let away = block.get(&format!("/bookings/{block_id}/give-back")).await;
    assert_eq!(location(&away), format!("/bookings/{block_id}"));
    assert!(
        block
            .page(&format!("/bookings/{block_id}"))
            .await
            .contains("sold only all together")
    );
    assert_eq!(give_back(&app, &block, block_id, "1").await.status(), 409);

    // Any: every seat at once is a cancel, not a give-back; no seat is refused.
    let (any, any_id, codes, event_id, _) = group(&app, "any@example.com", "any", 3).await;
    assert_eq!(give_back(&app, &any, any_id, "1,2,3").await.status(), 409);
    assert_eq!(give_back(&app, &any, any_id, "").await.status(), 409);
    assert_eq!(give_back(&app, &any, any_id, "9").await.status(), 409);
    for bad in ["abc", "-1", "0", "1;2", "99999999999"] {
        assert_eq!(
            give_back(&app, &any, any_id, bad).await.status(),
            400,
            "{bad}"
        );
    }
    // Someone else's booking: not found, nothing changed.
    let stranger = app.registered("stranger@example.com").await;
    assert_eq!(give_back(&app, &stranger, any_id, "1").await.status(), 404);
    assert_eq!(
        stranger
            .get(&format!("/bookings/{any_id}/give-back"))
            .await
            .status(),
        404
    );
    // A seat sent to a friend is theirs: not offered, refused.
    let sent = any
        .post(
            &format!("/bookings/{any_id}/seats/2/send"),
            &[("email", "friend@example.com"), ("name", "")],
        )
        .await;
    assert_eq!(location(&sent), format!("/bookings/{any_id}"));
    let choose = any.page(&format!("/bookings/{any_id}/give-back")).await;
    assert!(!choose.contains("name=\"seat\" value=\"2\""), "{choose}");
    assert_eq!(give_back(&app, &any, any_id, "2").await.status(), 409);
    assert_eq!(booking(&app, any_id).await, ("paid".into(), 3));
    // A seat checked in: the booking can no longer give back or cancel.
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(door.scan(event_id, &codes[0], "G").await.headline, "ADMIT");
    assert_eq!(give_back(&app, &any, any_id, "3").await.status(), 409);
    assert_eq!(booking(&app, any_id).await, ("paid".into(), 3));
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_refund_stripe_cannot_take_now_stays_owed_until_reconciliation_sends_it() {
    let shop = shop().await;
    let app = &shop.app;
    let show = app
        .create_event(
            EventSpec::new("Stripe group")
                .seats("Standing", 2500, 10)
                .refundable_until(48),
        )
        .await;
    let buyer = app.registered("stripe@example.com").await;
    let reserved = buyer
        .reserve_n(show.event_id, show.ticket_type_ids[0], "3")
        .await;
    let booking_id: i32 = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = shop.stripe.complete(&checkout(&buyer, booking_id).await);
    webhook(
        app,
        "evt_group_paid",
        "checkout.session.completed",
        &session,
    )
    .await;
    assert_eq!(booking(app, booking_id).await, ("paid".into(), 3));

    // Stripe is down: the seat goes back anyway, the refund stays owed and reported.
    shop.stripe.fail_next(&[Failure::ServerError]);
    let done = give_back(app, &buyer, booking_id, "2").await;
    assert_eq!(done.status(), 303);
    assert!(
        buyer
            .page(&format!("/bookings/{booking_id}"))
            .await
            .contains("the refund of €25.00 is under way")
    );
    assert_eq!(booking(app, booking_id).await, ("paid".into(), 2));
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 8);
    let violations = app
        .with_db(|c| {
            boxoffice::domain::audit::books::audit(c)
                .unwrap()
                .violations
        })
        .await;
    assert!(
        violations
            .iter()
            .any(|v| v.contains("back for seats given back")),
        "{violations:?}"
    );

    // Still down when reconciliation first tries: tried once, then left to wait its
    // turn rather than asked again every round.
    shop.app.clock.advance(TimeDelta::minutes(3));
    shop.stripe.fail_next_requests(&[Failure::RateLimited]);
    let before = shop.stripe.requests().len();
    assert_eq!(reconcile::reconcile(&app.state).await, 0);
    let tried = shop.stripe.requests().len();
    assert!(tried > before, "reconciliation asked Stripe");
    assert_eq!(reconcile::reconcile(&app.state).await, 0);
    assert_eq!(
        shop.stripe.requests().len(),
        tried,
        "not asked again at once"
    );

    shop.app.clock.advance(TimeDelta::minutes(3));
    assert_eq!(reconcile::reconcile(&app.state).await, 1);
    let sent: Vec<_> = shop
        .stripe
        .refunds()
        .into_iter()
        .filter(|r| r["status"] == "succeeded")
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["amount"], 2500);
    let payment = &payments_of(app, booking_id).await[0];
    assert_eq!(payment.status, "paid", "the payment keeps the other seats");
    app.assert_books_clean().await;

    // Cancelling the rest refunds what is left: Stripe accepts €50.00 more of €75.00.
    assert_eq!(buyer.cancel(booking_id).await.status(), 303);
    assert_eq!(booking(app, booking_id).await.0, "refunded");
    let total: i64 = shop
        .stripe
        .refunds()
        .iter()
        .filter(|r| r["status"] == "succeeded")
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 7500);
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_give_back_racing_a_cancel_or_a_second_tab_leaves_exact_books() {
    let app = TestApp::spawn().await;
    for round in 0..6 {
        let (buyer, booking_id, _, _, ticket_type) =
            group(&app, &format!("race{round}@example.com"), "any", 3).await;
        let (a, b) = (buyer.at(&app.address), buyer.at(&app.address));
        let (first, second) = if round % 2 == 0 {
            // Two tabs give back the same seat.
            support::race::together(
                async move { give_back_of(&a, booking_id, "3", 3).await.status().as_u16() },
                async move { give_back_of(&b, booking_id, "3", 3).await.status().as_u16() },
            )
            .await
        } else {
            // A give-back and a cancel of the whole booking.
            support::race::together(
                async move { give_back_of(&a, booking_id, "3", 3).await.status().as_u16() },
                async move { b.cancel(booking_id).await.status().as_u16() },
            )
            .await
        };
        let (status, quantity) = booking(&app, booking_id).await;
        let payment_id = app
            .with_db(move |c| {
                boxoffice::db::payment_attempts::for_booking(c, booking_id).unwrap()[0].id
            })
            .await;
        let mine: Vec<Refund> = refunds_all(&app)
            .await
            .into_iter()
            .filter(|r| r.payment_id == payment_id)
            .collect();
        if round % 2 == 0 {
            let mut answers = [first, second];
            answers.sort_unstable();
            assert_eq!(answers, [303, 409], "round {round}: one tab gives it back");
            assert_eq!((status.as_str(), quantity), ("paid", 2), "round {round}");
            assert_eq!(app.available(ticket_type).await, 8, "round {round}");
            assert_eq!(mine.len(), 1, "round {round}: one refund of one seat");
            assert_eq!(mine[0].amount_pennies, 2500, "round {round}");
        } else {
            assert_eq!(second, 303, "round {round}: the cancel always goes through");
            assert_eq!(status, "refunded", "round {round}");
            assert_eq!(app.available(ticket_type).await, 10, "round {round}");
            assert!(first == 303 || first == 409, "round {round}: {first}");
            let back: i64 = mine.iter().map(|r| r.amount_pennies).sum();
            assert_eq!(back, 7500, "round {round}: all of it back, never more");
        }
        app.assert_books_clean().await;
    }
}

#[tokio::test]
async fn the_api_gives_back_seats_once_and_refuses_a_stale_or_empty_request() {
    let app = TestApp::spawn().await;
    let (_, booking_id, codes, _, ticket_type) = group(&app, "api@example.com", "any", 3).await;
    let api = app
        .api()
        .logged_in("api@example.com", support::PASSWORD)
        .await;
    let path = format!("/bookings/{booking_id}/give-back");

    let empty = api
        .post(&path, &serde_json::json!({"seats": [], "seats_held": 3}))
        .await;
    assert_eq!((empty.status, empty.code()), (422, "validation"));
    let unknown = api
        .post(
            &path,
            &serde_json::json!({"seats": [2], "seats_held": 3, "x": 1}),
        )
        .await;
    assert_eq!((unknown.status, unknown.code()), (422, "validation"));
    let stale = api
        .post(&path, &serde_json::json!({"seats": [2], "seats_held": 4}))
        .await;
    assert_eq!((stale.status, stale.code()), (409, "booking_changed"));
    assert_eq!(booking(&app, booking_id).await, ("paid".into(), 3));

    let body = serde_json::json!({"seats": [2], "seats_held": 3});
    let done = api.post_keyed(&path, "give-back-1", &body).await;
    assert_eq!(done.status, 200, "{:?}", done.json);
    assert_eq!(done.json["seats_given_back"], 1);
    assert_eq!(done.json["seats_kept"], 2);
    assert_eq!(done.json["refund"]["amount_minor"], 2500);
    assert_eq!(done.json["refund_status"], "succeeded");
    // A retry under the same key gets the same answer and gives nothing more back.
    let again = api.post_keyed(&path, "give-back-1", &body).await;
    assert_eq!((again.status, &again.json), (200, &done.json));
    // The same request without the key is stale now: the booking holds 2.
    let twice = api.post(&path, &body).await;
    assert_eq!((twice.status, twice.code()), (409, "booking_changed"));
    assert_eq!(booking(&app, booking_id).await, ("paid".into(), 2));
    assert_eq!(app.available(ticket_type).await, 8);
    assert_eq!(refunds_all(&app).await.len(), 1);

    let read = api.get(&format!("/bookings/{booking_id}")).await;
    let seats: Vec<&str> = read.json["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(seats, vec![codes[0].as_str(), codes[2].as_str()]);
    app.assert_books_clean().await;
}
