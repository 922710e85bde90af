//! The Stripe adapter against a local stand-in of Stripe's API: the requests we send,
//! failures and time-outs, signed webhooks (valid, tampered, stale, replayed, parallel),
//! late payments, double payments, mismatched amounts and reconciliation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::reconcile;
use boxoffice::app::sweeps;
use boxoffice::db::webhook_events;
use boxoffice::providers::signature;
use chrono::TimeDelta;
use futures_util::future::join_all;
use serde_json::json;
use support::Visitor;
use support::fixtures::EventSpec;
use support::stripe_shop::{Shop, WEBHOOK_SECRET, checkout, deliver, payments_of, shop, webhook};
use support::stripe_standin::{Failure, StripeStandIn};
use support::visitor::location;

/// A buyer holding a ticket of `seats` seats at €25.00: (buyer, ticket id, ticket_type id, event id).
async fn holder(shop: &Shop, email: &str, seats: i32) -> (Visitor, i32, i32, i32) {
    let show = shop
        .app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, seats))
        .await;
    let buyer = shop.app.registered(email).await;
    let booking_id = reserve(&buyer, show.event_id, show.ticket_type_ids[0]).await;
    (buyer, booking_id, show.ticket_type_ids[0], show.event_id)
}

async fn reserve(buyer: &Visitor, event_id: i32, ticket_type_id: i32) -> i32 {
    let response = buyer.reserve(event_id, ticket_type_id).await;
    location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap()
}

/// Back from Stripe's page to the success URL: lands on the ticket; returns its page.
async fn return_from_stripe(buyer: &Visitor, session_id: &str, booking_id: i32) -> String {
    let back = buyer
        .get(&format!("/checkout/success?session_id={session_id}"))
        .await;
    assert_eq!(location(&back), format!("/bookings/{booking_id}"));
    buyer.page(&format!("/bookings/{booking_id}")).await
}

#[tokio::test]
async fn a_checkout_session_is_created_with_the_ticket_and_an_idempotency_key() {
    let shop = shop().await;
    let (buyer, booking_id, _, event_id) = holder(&shop, "ann@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;

    let created = shop.stripe.requests_to("POST", "/v1/checkout/sessions");
    assert_eq!(created.len(), 1);
    let request = &created[0];
    assert_eq!(
        request.authorization.as_deref(),
        Some("Bearer sk_test_standin")
    );
    // A random key (not derived from our ids, which another database shares), stored
    // with the attempt's request so a retry resends both.
    let key = request.idempotency_key.clone().unwrap();
    assert!(
        key.starts_with("boxoffice-checkout-") && key.len() == "boxoffice-checkout-".len() + 36
    );
    let stored = payments_of(&shop.app, booking_id).await[0]
        .request
        .clone()
        .unwrap();
    assert!(stored.contains(&key));
    assert_eq!(request.field("mode"), Some("payment"));
    assert_eq!(
        request.field("line_items[0][price_data][unit_amount]"),
        Some("2500")
    );
    assert_eq!(
        request.field("line_items[0][price_data][currency]"),
        Some("eur")
    );
    assert_eq!(request.field("line_items[0][quantity]"), Some("1"));
    assert!(
        request
            .field("line_items[0][price_data][product_data][name]")
            .unwrap()
            .contains("GA")
    );
    assert_eq!(
        request.field("client_reference_id"),
        Some(booking_id.to_string().as_str())
    );
    assert_eq!(
        request.field("metadata[ticket_id]"),
        Some(booking_id.to_string().as_str())
    );
    assert_eq!(
        request.field("metadata[event_id]"),
        Some(event_id.to_string().as_str())
    );
    // The PaymentIntent names our payment too: a dashboard refund or a dispute on it
    // leads back to the booking.
    let payment_id = payments_of(&shop.app, booking_id).await[0].id.to_string();
    assert_eq!(
        request.field("payment_intent_data[metadata][payment_id]"),
        Some(payment_id.as_str())
    );
    assert_eq!(
        request.field("payment_intent_data[metadata][ticket_id]"),
        Some(booking_id.to_string().as_str())
    );
    assert!(request.field("metadata[user_id]").is_some());
    assert_eq!(request.field("customer_email"), Some("ann@example.com"));
    assert_eq!(
        request.field("success_url"),
        Some(
            format!(
                "{}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
                shop.app.address
            )
            .as_str()
        )
    );
    assert_eq!(
        request.field("cancel_url"),
        Some(format!("{}/bookings/{booking_id}", shop.app.address).as_str())
    );
    let expires: i64 = request.field("expires_at").unwrap().parse().unwrap();
    assert!(
        expires >= chrono::Utc::now().timestamp() + 30 * 60,
        "Stripe's minimum of 30 minutes"
    );

    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].status.as_str(),
            rows[0].provider_session_id.as_deref()
        ),
        ("open", Some(session_id.as_str()))
    );

    // A double submit or a retry returns the same session without asking Stripe again.
    assert_eq!(checkout(&buyer, booking_id).await, session_id);
    assert_eq!(
        shop.stripe
            .requests_to("POST", "/v1/checkout/sessions")
            .len(),
        1
    );
}

#[tokio::test]
async fn stripe_failing_or_hanging_keeps_the_hold_and_charges_nothing() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "bob@example.com", 10).await;

    shop.stripe.fail_next(&[Failure::ServerError]);
    let response = buyer.pay(booking_id).await;
    assert_eq!(location(&response), format!("/bookings/{booking_id}"));
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("payment service is unavailable") && page.contains("On hold"));
    assert_eq!(payments_of(&shop.app, booking_id).await[0].status, "failed");

    shop.stripe.fail_next(&[Failure::Hang]);
    let response = buyer.pay(booking_id).await;
    assert_eq!(
        location(&response),
        format!("/bookings/{booking_id}"),
        "a time-out is answered, not waited on"
    );
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(
        rows[1].status, "creating",
        "the outcome is unknown: keep the attempt and its key"
    );

    // The next try reuses attempt 2's key, so a session Stripe may have made is not doubled.
    let session = checkout(&buyer, booking_id).await;
    let keys: Vec<_> = shop
        .stripe
        .requests_to("POST", "/v1/checkout/sessions")
        .into_iter()
        .map(|r| r.idempotency_key.unwrap())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_ne!(keys[0], keys[1], "a failed attempt's key is never reused");
    assert_eq!(keys[1], keys[2], "a timed-out attempt's key is");
    assert!(session.starts_with("cs_test_standin"));
    assert_eq!(shop.app.available(ticket_type).await, 9);
    assert_eq!(shop.app.bookings().await[0].status, "reserved");
}

#[tokio::test]
async fn a_create_retried_after_a_time_out_resends_the_identical_request() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "pat@example.com", 10).await;
    // Stripe creates the session, but its answer comes after our time-out.
    shop.stripe.fail_next(&[Failure::SlowAnswer]);
    let first = buyer.pay(booking_id).await;
    assert_eq!(location(&first), format!("/bookings/{booking_id}"));
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "creating"
    );

    // Minutes later (Stripe has long finished) the user tries again: the same key must
    // carry the same parameters (Stripe answers 400 idempotency_error otherwise), so the
    // first session comes back.
    support::deadline(std::time::Duration::from_secs(10), || async {
        shop.stripe.in_flight() == 0
    })
    .await;
    shop.app.clock.advance(TimeDelta::minutes(5));
    let session_id = checkout(&buyer, booking_id).await;
    let created = shop.stripe.requests_to("POST", "/v1/checkout/sessions");
    assert_eq!(created.len(), 2);
    let params = |i: usize| {
        let mut form = created[i].form.clone();
        form.sort();
        form
    };
    for i in 1..created.len() {
        assert_eq!(created[0].idempotency_key, created[i].idempotency_key);
        assert_eq!(params(0), params(i), "the identical request");
    }
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "open");
    assert_eq!(
        rows[0].provider_session_id.as_deref(),
        Some(session_id.as_str())
    );
}

#[tokio::test]
async fn the_stand_in_refuses_a_reused_key_with_other_parameters_as_stripe_does() {
    let stripe = StripeStandIn::start().await;
    let client = reqwest::Client::new();
    let expires_at = (chrono::Utc::now().timestamp() + 3600).to_string();
    let send = |reference: &'static str| {
        client
            .post(format!("{}/v1/checkout/sessions", stripe.base))
            .header("Authorization", "Bearer sk_test_standin")
            .header("Idempotency-Key", "same-key")
            .form(&[
                ("client_reference_id", reference),
                ("expires_at", expires_at.as_str()),
            ])
            .send()
    };
    assert_eq!(send("t1").await.unwrap().status(), 200);
    assert_eq!(send("t1").await.unwrap().status(), 200, "a replay");
    let other = send("t2").await.unwrap();
    assert_eq!(other.status(), 400);
    assert!(other.text().await.unwrap().contains("idempotency_error"));
}

#[tokio::test]
async fn a_signed_completed_event_confirms_the_ticket_once() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "cat@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    let session = shop.stripe.complete(&session_id);

    let response = webhook(&shop.app, "evt_1", "checkout.session.completed", &session).await;
    assert_eq!(response.status(), 200);
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    let replay = webhook(&shop.app, "evt_1", "checkout.session.completed", &session).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(
        shop.app
            .with_db(|c| webhook_events::count(c).unwrap())
            .await,
        1
    );
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].provider_payment_id.as_deref(),
        Some(format!("pi_{}", &session_id[3..]).as_str())
    );

    // The success page afterwards shows the paid ticket and changes nothing.
    assert!(
        return_from_stripe(&buyer, &session_id, booking_id)
            .await
            .contains("<svg")
    );
    shop.app.assert_books_clean().await;

    // Unknown event types are acknowledged and ignored.
    let other = webhook(
        &shop.app,
        "evt_2",
        "customer.created",
        &json!({"id": "cus_1"}),
    )
    .await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn bad_signatures_are_refused_and_write_nothing() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "dan@example.com", 10).await;
    let session = shop.stripe.complete(&checkout(&buyer, booking_id).await);
    let body = StripeStandIn::event("evt_bad", "checkout.session.completed", &session);
    let now = chrono::Utc::now().timestamp();

    let tampered_body = body.replace("\"paid\"", "\"PAID\"");
    let cases = [
        (
            tampered_body,
            signature::sign(body.as_bytes(), WEBHOOK_SECRET, now),
        ),
        (
            body.clone(),
            signature::sign(body.as_bytes(), WEBHOOK_SECRET, now - 600),
        ),
        (
            body.clone(),
            signature::sign(body.as_bytes(), "whsec_wrong", now),
        ),
        (body.clone(), String::new()),
    ];
    for (payload, header) in cases {
        assert_eq!(deliver(&shop.app, &payload, &header).await.status(), 400);
    }
    assert_eq!(shop.app.bookings().await[0].status, "reserved");
    assert_eq!(
        shop.app
            .with_db(|c| webhook_events::count(c).unwrap())
            .await,
        0
    );
}

#[tokio::test]
async fn the_success_page_before_the_webhook_and_parallel_deliveries_apply_once() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "eve@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    let session = shop.stripe.complete(&session_id);

    assert!(
        return_from_stripe(&buyer, &session_id, booking_id)
            .await
            .contains("Payment received")
    );

    let body = StripeStandIn::event("evt_par", "checkout.session.completed", &session);
    let header = signature::sign(
        body.as_bytes(),
        WEBHOOK_SECRET,
        chrono::Utc::now().timestamp(),
    );
    let answers = join_all((0..6).map(|_| deliver(&shop.app, &body, &header))).await;
    assert!(answers.iter().all(|a| a.status() == 200));
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "paid");
    assert_eq!(
        shop.app.available(ticket_type).await,
        9,
        "one seat, taken once"
    );
    assert_eq!(
        shop.app
            .with_db(|c| webhook_events::count(c).unwrap())
            .await,
        1
    );
    assert!(shop.stripe.requests_to("POST", "/v1/refunds").is_empty());
    shop.app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_webhook_and_the_success_page_at_the_same_instant_confirm_once() {
    let shop = shop().await;
    let show = shop
        .app
        .create_event(EventSpec::new("Race").seats("GA", 2500, 100))
        .await;
    let rounds = 10;
    for round in 0..rounds {
        let buyer = shop.app.registered(&format!("w{round}@example.com")).await;
        let booking_id = reserve(&buyer, show.event_id, show.ticket_type_ids[0]).await;
        let session_id = checkout(&buyer, booking_id).await;
        let session = shop.stripe.complete(&session_id);
        let body = StripeStandIn::event(
            &format!("evt_race_{round}"),
            "checkout.session.completed",
            &session,
        );
        let header = signature::sign(
            body.as_bytes(),
            WEBHOOK_SECRET,
            shop.app.clock.now().and_utc().timestamp(),
        );
        let hook = shop
            .app
            .visitor()
            .client
            .post(format!("{}/webhooks/stripe", shop.app.address))
            .header("Stripe-Signature", header)
            .header("Content-Type", "application/json")
            .body(body)
            .send();
        let page = buyer
            .client
            .get(buyer.url(&format!("/checkout/success?session_id={session_id}")))
            .send();
        let (hook, page) = support::race::together(hook, page).await;
        assert_eq!(hook.unwrap().status(), 200, "round {round}");
        assert_eq!(page.unwrap().status(), 303, "round {round}");
        let rows = payments_of(&shop.app, booking_id).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, "paid", "round {round}");
        assert!(
            buyer
                .page(&format!("/bookings/{booking_id}"))
                .await
                .contains("Payment received")
        );
    }
    assert!(shop.stripe.requests_to("POST", "/v1/refunds").is_empty());
    assert_eq!(
        shop.app.available(show.ticket_type_ids[0]).await,
        100 - rounds
    );
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_late_payment_takes_a_free_seat() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "fay@example.com", 5).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(sweeps::sweep_once(&shop.app.state).await, 1);
    assert_eq!(shop.app.available(ticket_type).await, 5);

    let session = shop.stripe.complete(&session_id);
    assert_eq!(
        webhook(
            &shop.app,
            "evt_late",
            "checkout.session.completed",
            &session
        )
        .await
        .status(),
        200
    );
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    assert_eq!(shop.app.available(ticket_type).await, 4);
    assert!(shop.stripe.requests_to("POST", "/v1/refunds").is_empty());
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_late_payment_with_no_seat_left_is_refunded_automatically() {
    let shop = shop().await;
    let (ann, booking_id, ticket_type, event_id) = holder(&shop, "gil@example.com", 1).await;
    let session_id = checkout(&ann, booking_id).await;
    shop.app.clock.advance(TimeDelta::minutes(16));
    sweeps::sweep_once(&shop.app.state).await;
    let bob = shop.app.registered("bob@example.com").await;
    reserve(&bob, event_id, ticket_type).await;
    assert_eq!(shop.app.available(ticket_type).await, 0);

    shop.stripe.complete(&session_id);
    assert!(
        return_from_stripe(&ann, &session_id, booking_id)
            .await
            .contains("refunded in full")
    );

    let refunds = shop.stripe.requests_to("POST", "/v1/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refunds[0].field("payment_intent"),
        Some(format!("pi_{}", &session_id[3..]).as_str())
    );
    assert_eq!(refunds[0].field("amount"), Some("2500"));
    assert!(
        refunds[0]
            .idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("boxoffice-refund-")
    );
    let rows = payments_of(&shop.app, booking_id).await;
    assert_eq!(rows[0].status, "refunded");
    assert_eq!(shop.app.available(ticket_type).await, 0, "never oversold");
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn two_sessions_both_paid_keep_one_and_refund_the_other() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "hal@example.com", 10).await;
    let first = checkout(&buyer, booking_id).await;
    // The first tab's session has run out on our side; a second tab opens a new one.
    shop.app
        .with_db(move |c| {
            use boxoffice::db::schema::payments::dsl;
            use diesel::prelude::*;
            diesel::update(dsl::payments.filter(dsl::provider_session_id.eq(first.clone())))
                .set(dsl::expires_at.eq(Some(chrono::Utc::now().naive_utc())))
                .execute(c)
                .unwrap();
        })
        .await;
    let first = payments_of(&shop.app, booking_id).await[0]
        .provider_session_id
        .clone()
        .unwrap();
    let second = checkout(&buyer, booking_id).await;
    assert_ne!(first, second);

    for (n, session_id) in [&first, &second].into_iter().enumerate() {
        let session = shop.stripe.complete(session_id);
        let answer = webhook(
            &shop.app,
            &format!("evt_two_{n}"),
            "checkout.session.completed",
            &session,
        )
        .await;
        assert_eq!(answer.status(), 200);
    }
    let rows = payments_of(&shop.app, booking_id).await;
    let statuses: Vec<_> = rows.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, vec!["paid", "refunded"]);
    assert_eq!(shop.stripe.requests_to("POST", "/v1/refunds").len(), 1);
    assert_eq!(shop.app.available(ticket_type).await, 9);
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn a_payment_of_the_wrong_amount_is_not_confirmed_and_is_shown_to_admins() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "ivy@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);
    let session = shop
        .stripe
        .update(&session_id, |s| s["amount_total"] = json!(100));
    assert_eq!(
        webhook(&shop.app, "evt_mis", "checkout.session.completed", &session)
            .await
            .status(),
        200
    );
    assert_eq!(shop.app.bookings().await[0].status, "reserved");
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "mismatch"
    );
    let admin = shop.app.admin().await;
    assert!(
        admin
            .page("/admin/payments")
            .await
            .contains("amount or currency differs")
    );
    let report = shop
        .app
        .with_db(|c| boxoffice::domain::audit::books::audit(c).unwrap())
        .await;
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("different amount"))
    );
}

#[tokio::test]
async fn reconciliation_finds_a_payment_whose_webhook_was_lost() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "jay@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);
    assert_eq!(
        reconcile::reconcile(&shop.app.state).await,
        0,
        "too soon to ask"
    );
    shop.app.clock.advance(TimeDelta::minutes(3));
    assert_eq!(reconcile::reconcile(&shop.app.state).await, 1);
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn reconciliation_keeps_an_attempt_through_rate_limits_and_auth_errors_and_fails_it_only_when_stripe_has_no_such_session()
 {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "kim@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);
    let retrieve_path = format!("/v1/checkout/sessions/{session_id}");
    for (checks, failure) in [
        Failure::RateLimited,
        Failure::Unauthorized,
        Failure::ServerError,
    ]
    .into_iter()
    .enumerate()
    {
        shop.app.clock.advance(TimeDelta::minutes(61));
        shop.stripe.fail_next_requests(&[failure]);
        assert_eq!(
            reconcile::reconcile(&shop.app.state).await,
            0,
            "{failure:?}"
        );
        let row = payments_of(&shop.app, booking_id).await.remove(0);
        assert_eq!(
            row.status, "open",
            "{failure:?} keeps the attempt for a later sweep"
        );
        // Backing off: 2, 4, 8 minutes…
        assert_eq!(row.checks, checks as i32 + 1);
        let wait = row.next_check_at.unwrap() - shop.app.clock.now();
        let backoff = reconcile::backoff(row.checks);
        assert!(
            wait <= backoff && wait > backoff - TimeDelta::seconds(5),
            "{wait}"
        );
        let asked = shop.stripe.requests_to("GET", &retrieve_path).len();
        reconcile::reconcile(&shop.app.state).await;
        assert_eq!(
            shop.stripe.requests_to("GET", &retrieve_path).len(),
            asked,
            "not asked again before its backoff"
        );
    }
    shop.app.clock.advance(TimeDelta::minutes(61));
    assert_eq!(reconcile::reconcile(&shop.app.state).await, 1);
    assert_eq!(
        shop.app.bookings().await[0].status,
        "paid",
        "found in the end"
    );
    shop.app.assert_books_clean().await;

    // A session Stripe has never heard of (another account's, a wiped test mode): only
    // its 404 ends the attempt.
    let (other, other_booking, _, _) = holder(&shop, "lou@example.com", 10).await;
    checkout(&other, other_booking).await;
    shop.app
        .with_db(move |c| {
            use boxoffice::db::schema::payments::dsl;
            use diesel::prelude::*;
            diesel::update(dsl::payments.filter(dsl::booking_id.eq(other_booking)))
                .set(dsl::provider_session_id.eq("cs_test_unknown"))
                .execute(c)
                .unwrap();
        })
        .await;
    shop.app.clock.advance(TimeDelta::minutes(3));
    reconcile::reconcile(&shop.app.state).await;
    let rows = payments_of(&shop.app, other_booking).await;
    assert_eq!(rows[0].status, "failed");
    assert!(
        rows[0]
            .status_reason
            .as_deref()
            .unwrap()
            .contains("does not know this session")
    );
}

#[tokio::test]
async fn a_refund_made_in_stripe_reaches_the_books() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "kim@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    let session = shop.stripe.complete(&session_id);
    webhook(
        &shop.app,
        "evt_paid",
        "checkout.session.completed",
        &session,
    )
    .await;
    // Refunded in Stripe's dashboard. Since API 2022-11-15 the Charge does not embed its
    // refunds: the shop reads them from the Refunds API.
    let made = shop
        .stripe
        .dashboard_refund(session["payment_intent"].as_str().unwrap(), 2500);
    let charge = json!({
        "id": "ch_1", "object": "charge", "amount": 2500, "amount_refunded": 2500,
        "payment_intent": session["payment_intent"],
    });
    assert_eq!(
        webhook(&shop.app, "evt_ref", "charge.refunded", &charge)
            .await
            .status(),
        200
    );
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0]
            .provider_refund_id
            .as_deref(),
        made["id"].as_str()
    );
    assert_eq!(shop.app.available(ticket_type).await, 10);
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn an_admin_refund_goes_through_stripe_with_an_idempotency_key() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "lee@example.com", 10).await;
    let session = shop.stripe.complete(&checkout(&buyer, booking_id).await);
    webhook(&shop.app, "evt_p", "checkout.session.completed", &session).await;
    let admin = shop.app.admin().await;

    shop.stripe.fail_next(&[Failure::ServerError]);
    admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(
        admin
            .page("/admin/payments")
            .await
            .contains("could not be made now")
    );
    assert_eq!(
        shop.app.bookings().await[0].status,
        "paid",
        "no seat back before the money is back"
    );

    shop.app.clock.advance(TimeDelta::minutes(3));
    assert_eq!(
        reconcile::reconcile(&shop.app.state).await,
        1,
        "the pending refund is retried"
    );
    // Stripe replays a 5xx under its key for a day: the retry first asks which refunds
    // exist for the payment, finds none of ours, and only then sends a new key.
    let refunds = shop.stripe.requests_to("POST", "/v1/refunds");
    assert_eq!(refunds.len(), 2);
    assert_ne!(refunds[0].idempotency_key, refunds[1].idempotency_key);
    assert_eq!(refunds[0].form, refunds[1].form);
    assert_eq!(shop.stripe.requests_to("GET", "/v1/refunds").len(), 1);
    assert_eq!(shop.stripe.refunds().len(), 1, "one refund made");
    assert_eq!(shop.app.bookings().await[0].status, "refunded");
    assert_eq!(shop.app.available(ticket_type).await, 10);
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn an_expired_session_event_closes_the_attempt_and_the_next_pay_opens_a_new_one() {
    let shop = shop().await;
    let (buyer, booking_id, _, _) = holder(&shop, "max@example.com", 10).await;
    let first = checkout(&buyer, booking_id).await;
    let session = shop
        .stripe
        .update(&first, |s| s["status"] = json!("expired"));
    assert_eq!(
        webhook(&shop.app, "evt_exp", "checkout.session.expired", &session)
            .await
            .status(),
        200
    );
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "expired"
    );
    assert_eq!(
        shop.app.bookings().await[0].status,
        "reserved",
        "the hold itself is untouched"
    );
    let second = checkout(&buyer, booking_id).await;
    assert_ne!(first, second);
    let keys: Vec<_> = shop
        .stripe
        .requests_to("POST", "/v1/checkout/sessions")
        .into_iter()
        .map(|r| r.idempotency_key.unwrap())
        .collect();
    assert_ne!(keys[0], keys[1], "a new attempt, a new key");
}

#[tokio::test]
async fn when_a_hold_ends_its_open_session_is_closed_at_stripe() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "ned@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(sweeps::sweep_once(&shop.app.state).await, 1);
    assert_eq!(
        reconcile::close_sessions_of_ended_holds(&shop.app.state).await,
        1
    );
    let expire_path = format!("/v1/checkout/sessions/{session_id}/expire");
    assert_eq!(shop.stripe.requests_to("POST", &expire_path).len(), 1);
    assert_eq!(shop.stripe.session(&session_id)["status"], "expired");
    assert_eq!(
        payments_of(&shop.app, booking_id).await[0].status,
        "expired"
    );
    assert_eq!(shop.app.available(ticket_type).await, 10);
    assert_eq!(
        reconcile::close_sessions_of_ended_holds(&shop.app.state).await,
        0,
        "once"
    );
}

#[tokio::test]
async fn a_session_paid_just_before_its_hold_ended_is_kept_by_reconciliation() {
    let shop = shop().await;
    let (buyer, booking_id, ticket_type, _) = holder(&shop, "oli@example.com", 10).await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);
    shop.app.clock.advance(TimeDelta::minutes(16));
    sweeps::sweep_once(&shop.app.state).await;
    assert_eq!(
        reconcile::close_sessions_of_ended_holds(&shop.app.state).await,
        0,
        "Stripe will not close a paid session: it is asked what happened instead"
    );
    assert_eq!(
        shop.app.bookings().await[0].status,
        "paid",
        "the seat was still free: the late payment keeps it"
    );
    assert_eq!(shop.app.available(ticket_type).await, 9);
    shop.app.assert_books_clean().await;
}
