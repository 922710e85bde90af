//! The JSON API through real HTTP on both engines: tokens, the catalogue, bookings with
//! idempotency keys, the admin API, the door, rate limits, errors and the OpenAPI
//! document. (Races: tests/suite/api_races.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::fixtures::EventSpec;
use support::{PASSWORD, TestApp};

// ---- tokens -------------------------------------------------------------------------

#[tokio::test]
async fn a_token_is_issued_for_the_right_password_only_and_revoked_on_request() {
    let app = TestApp::spawn().await;
    let buyer = app.api_user("buyer@example.com").await;
    assert!(buyer.token.as_deref().is_some_and(|t| t.starts_with("bo_")));
    assert_eq!(buyer.get("/bookings").await.status, 200);

    let wrong = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "buyer@example.com", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "invalid_credentials");
    assert!(wrong.is_problem());
    let missing = app
        .api()
        .post("/tokens", &json!({"email": "x@example.com"}))
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.code(), "validation");
    let garbage = app
        .api()
        .post_bytes("/tokens", None, b"{not json".to_vec())
        .await;
    assert_eq!(garbage.status, 400);

    assert_eq!(buyer.delete("/tokens/current").await.status, 204);
    let after = buyer.get("/bookings").await;
    assert_eq!(after.status, 401);
    assert_eq!(
        after.header("www-authenticate"),
        Some(r#"Bearer realm="boxoffice", error="invalid_token""#)
    );
    let anonymous = app.api().get("/bookings").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some(r#"Bearer realm="boxoffice""#)
    );
}

#[tokio::test]
async fn revoking_and_logging_out_everywhere_end_tokens_on_every_instance() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let on_first = first.api_user("buyer@example.com").await;
    let on_second = on_first.at(&second.address);
    assert_eq!(on_second.get("/bookings").await.status, 200);
    assert_eq!(on_first.delete("/tokens/current").await.status, 204);
    assert_eq!(
        on_second.get("/bookings").await.status,
        401,
        "revoked on the other instance"
    );

    // Logging out everywhere on the web ends every token too.
    let token = first.api().logged_in("buyer@example.com", PASSWORD).await;
    assert_eq!(token.at(&second.address).get("/bookings").await.status, 200);
    let web = first.visitor();
    assert_eq!(web.login("buyer@example.com", PASSWORD).await.status(), 303);
    let user_id = first
        .with_db(|conn| {
            boxoffice::db::users::find_by_email(conn, "buyer@example.com")
                .expect("query")
                .expect("user")
                .id
        })
        .await;
    boxoffice::app::accounts::log_out_everywhere(&first.state, user_id)
        .await
        .expect("log out everywhere");
    assert_eq!(token.at(&second.address).get("/bookings").await.status, 401);
}

#[tokio::test]
async fn the_api_ignores_the_session_cookie_and_the_shop_ignores_bearer_tokens() {
    let app = TestApp::spawn().await;
    let web = app.registered("buyer@example.com").await;
    // The web session's cookie does not open the API.
    let with_cookie = web.get("/api/v1/bookings").await;
    assert_eq!(with_cookie.status(), 401);
    // A bearer token does not open the web pages.
    let api = app.api().logged_in("buyer@example.com", PASSWORD).await;
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/bookings", app.address))
        .bearer_auth(api.token.as_deref().expect("token"))
        .send()
        .await
        .expect("answer");
    assert_eq!(page.status(), 303, "sent to log in");
}

// ---- the catalogue ------------------------------------------------------------------

#[tokio::test]
async fn events_are_listed_page_by_page_with_their_ticket_types() {
    let app = TestApp::spawn().await;
    for n in 0..3 {
        app.create_event(EventSpec::new(&format!("Show {n}")).seats("Standing", 2500, 100))
            .await;
    }
    let draft = app
        .create_event(EventSpec::new("Draft").seats("A", 100, 1).unpublished())
        .await;
    let api = app.api();
    let first = api.get("/events?page_size=2").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json["count"], 3);
    assert_eq!(first.json["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(first.json["next"], "/api/v1/events?page=2&page_size=2");
    assert_eq!(first.json["previous"], serde_json::Value::Null);
    let second = api.get("/events?page=2&page_size=2").await;
    assert_eq!(second.json["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(second.json["previous"], "/api/v1/events?page=1&page_size=2");
    assert_eq!(api.get("/events?page=3&page_size=2").await.status, 404);
    assert_eq!(api.get("/events?page_size=51").await.status, 422);
    assert_eq!(api.get("/events?page=0").await.status, 422);
    assert_eq!(api.get("/events?page=abc").await.status, 400);

    let id = first.json["results"][0]["id"].as_i64().expect("an id");
    let event = api.get(&format!("/events/{id}")).await;
    assert_eq!(event.status, 200);
    let kind = &event.json["ticket_types"][0];
    assert_eq!(kind["price"]["amount_minor"], 2500);
    assert_eq!(kind["price"]["currency"], "EUR");
    assert_eq!(kind["price"]["display"], "€25.00");
    assert_eq!(kind["seats_left"], 100);
    assert_eq!(kind["selling_rule"], "any");
    assert_eq!(kind["max_per_order"], 10);
    assert_eq!(event.json["on_sale"], true);
    assert!(
        event.json["starts_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    let hidden = api.get(&format!("/events/{}", draft.event_id)).await;
    assert_eq!((hidden.status, hidden.code()), (404, "not_found"));
    assert_eq!(api.get("/events/not-a-number").await.status, 404);
    assert_eq!(api.get("/events/99999999999").await.status, 404);
    let nowhere = api.get("/no/such/thing").await;
    assert_eq!(nowhere.status, 404);
    assert!(nowhere.is_problem());
}

// ---- bookings -----------------------------------------------------------------------

#[tokio::test]
async fn a_partner_books_retries_safely_pays_and_reads_the_codes() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Concert").seats("Standing", 2500, 10))
        .await;
    let (event, kind) = (sale.event_id, sale.ticket_type_ids[0]);
    let buyer = app.api_user("buyer@example.com").await;
    let path = format!("/events/{event}/bookings");
    let body = json!({"ticket_type_id": kind, "quantity": 2});

    let held = buyer.post_keyed(&path, "order-1", &body).await;
    assert_eq!(held.status, 201, "{:?}", held.json);
    let id = held.json["id"].as_i64().expect("an id");
    assert_eq!(
        held.header("location"),
        Some(format!("/api/v1/bookings/{id}").as_str())
    );
    assert_eq!(held.json["status"], "reserved");
    assert_eq!(held.json["quantity"], 2);
    assert_eq!(held.json["total"]["amount_minor"], 5000);
    assert!(held.json["hold_expires_at"].is_string());
    assert_eq!(held.json["seats"], json!([]));
    assert_eq!(app.available(kind).await, 8);

    // The same key and body: the same answer, replayed; nothing more is held.
    let again = buyer.post_keyed(&path, "order-1", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json, held.json);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.available(kind).await, 8);
    // The same key with another body: refused.
    let other = buyer
        .post_keyed(
            &path,
            "order-1",
            &json!({"ticket_type_id": kind, "quantity": 3}),
        )
        .await;
    assert_eq!(
        (other.status, other.code()),
        (422, "idempotency_key_reused")
    );
    // No key: refused before anything happens.
    let keyless = buyer.post(&path, &body).await;
    assert_eq!(
        (keyless.status, keyless.code()),
        (400, "idempotency_key_required")
    );
    // A second booking for the event, new key: the first is named.
    let second = buyer.post_keyed(&path, "order-2", &body).await;
    assert_eq!((second.status, second.code()), (409, "already_booked"));
    assert_eq!(second.json["booking_id"], id);

    // Pay: the checkout URL, the same again on a retry.
    let pay_path = format!("/bookings/{id}/checkout");
    let checkout = buyer.post_keyed(&pay_path, "pay-1", &json!({})).await;
    assert_eq!(checkout.status, 200, "{:?}", checkout.json);
    let url = checkout.json["checkout_url"]
        .as_str()
        .expect("a URL")
        .to_owned();
    assert_eq!(checkout.json["status"], "reserved");
    let retried = buyer.post_keyed(&pay_path, "pay-2", &json!({})).await;
    assert_eq!(
        retried.json["checkout_url"],
        url.as_str(),
        "the open session again"
    );
    let session_id = url.rsplit('/').next().expect("a session id").to_owned();
    let user_id = app.bookings().await[0].user_id;
    // Paying in test mode confirms at once, as Stripe's webhook would: an API client
    // never visits the success page.
    boxoffice::app::test_checkout::pay(&app.state, |id| id == user_id, &session_id)
        .await
        .expect("paid");

    let paid = buyer.get(&format!("/bookings/{id}")).await;
    assert_eq!(paid.json["status"], "paid");
    let seats = paid.json["seats"].as_array().expect("seats");
    assert_eq!(seats.len(), 2);
    assert!(
        seats
            .iter()
            .all(|s| s["code"].as_str().is_some_and(|c| c.len() >= 8))
    );
    let listed = buyer.get("/bookings").await;
    assert_eq!(listed.json["count"], 1);
    assert_eq!(listed.json["results"][0]["status"], "paid");
    // Paid, at an event without refunds on request: the booking stands.
    let cancel = buyer
        .post(&format!("/bookings/{id}/cancel"), &json!({}))
        .await;
    assert_eq!((cancel.status, cancel.code()), (409, "not_refundable"));
    let late = buyer.post_keyed(&pay_path, "pay-3", &json!({})).await;
    assert_eq!((late.status, late.code()), (409, "already_paid"));
    app.assert_books_clean().await;
}

#[tokio::test]
async fn refusals_name_their_reason_and_change_nothing() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Club")
                .seats("Pairs", 1000, 4)
                .seats("Last", 1000, 1),
        )
        .await;
    let other = app
        .create_event(EventSpec::new("Elsewhere").seats("X", 100, 5))
        .await;
    app.set_terms(sale.ticket_type_ids[0], 4, "even").await;
    let buyer = app.api_user("buyer@example.com").await;
    let path = format!("/events/{}/bookings", sale.event_id);
    let book = |kind: i32, quantity: serde_json::Value, key: &'static str| {
        let buyer = buyer.clone();
        let path = path.clone();
        async move {
            buyer
                .post_keyed(
                    &path,
                    key,
                    &json!({"ticket_type_id": kind, "quantity": quantity}),
                )
                .await
        }
    };
    let odd = book(sale.ticket_type_ids[0], json!(3), "k1").await;
    assert_eq!((odd.status, odd.code()), (409, "selling_rule"));
    assert!(odd.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
    let zero = book(sale.ticket_type_ids[0], json!(0), "k2").await;
    assert_eq!((zero.status, zero.code()), (422, "validation"));
    assert_eq!(zero.json["errors"][0]["field"], "quantity");
    let huge = book(sale.ticket_type_ids[0], json!(1e12), "k3").await;
    assert_eq!(huge.status, 422);
    let foreign = book(other.ticket_type_ids[0], json!(1), "k4").await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (422, "validation"),
        "a type of another event"
    );
    assert_eq!(foreign.json["errors"][0]["field"], "ticket_type_id");
    let missing = buyer
        .post_keyed(
            "/events/999999/bookings",
            "k5",
            &json!({"ticket_type_id": 1}),
        )
        .await;
    assert_eq!(missing.status, 404);
    let bad_key = buyer
        .post_keyed(&path, "has space", &json!({"ticket_type_id": 1}))
        .await;
    assert_eq!(bad_key.status, 422);
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 4);

    // Sold out: someone else takes the last seat first.
    let first = app.api_user("first@example.com").await;
    let taken = first
        .post_keyed(
            &path,
            "a",
            &json!({"ticket_type_id": sale.ticket_type_ids[1]}),
        )
        .await;
    assert_eq!(taken.status, 201);
    let sold_out = book(sale.ticket_type_ids[1], json!(1), "k6").await;
    assert_eq!((sold_out.status, sold_out.code()), (409, "sold_out"));
    app.assert_books_clean().await;
}

#[tokio::test]
async fn nobody_reads_or_touches_another_users_booking() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Gig").seats("A", 1500, 5))
        .await;
    let owner = app.api_user("owner@example.com").await;
    let held = owner
        .post_keyed(
            &format!("/events/{}/bookings", sale.event_id),
            "mine",
            &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
        )
        .await;
    let id = held.json["id"].as_i64().expect("id");
    let intruder = app.api_user("intruder@example.com").await;
    assert_eq!(intruder.get(&format!("/bookings/{id}")).await.status, 404);
    let pay = intruder
        .post_keyed(&format!("/bookings/{id}/checkout"), "x", &json!({}))
        .await;
    assert_eq!(pay.status, 404);
    let cancel = intruder
        .post(&format!("/bookings/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(cancel.status, 404);
    assert_eq!(intruder.get("/bookings").await.json["count"], 0);
    // The owner cancels the hold: its seat goes back on sale.
    let cancelled = owner
        .post(&format!("/bookings/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.json["status"], "cancelled");
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 5);
    let twice = owner
        .post(&format!("/bookings/{id}/cancel"), &json!({}))
        .await;
    assert_eq!((twice.status, twice.code()), (409, "not_on_hold"));
    // Every admin operation is closed to a buyer (403) and to no token (401).
    for path in ["/admin/events", "/admin/payments"] {
        assert_eq!(owner.get(path).await.status, 403);
        assert_eq!(app.api().get(path).await.status, 401);
    }
    let refund = owner
        .post(&format!("/admin/bookings/{id}/refund"), &json!({}))
        .await;
    assert_eq!(refund.status, 403);
    app.assert_books_clean().await;
}

// ---- admin --------------------------------------------------------------------------

#[tokio::test]
async fn an_admin_creates_publishes_changes_and_cancels_events() {
    let app = TestApp::spawn().await;
    let admin = app.api_admin().await;
    let bad = admin
        .post("/admin/events", &json!({"title": "", "venue": "Hall", "starts_at": "soon", "ends_at": "2027-05-01T23:00:00Z"}))
        .await;
    assert_eq!((bad.status, bad.code()), (422, "validation"));
    let fields: Vec<&str> = bad.json["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"title") && fields.contains(&"starts_at"),
        "{fields:?}"
    );

    let created = admin
        .post_keyed(
            "/admin/events",
            "create-1",
            &json!({"title": "Opera", "venue": "House", "description": "Tosca",
                    "starts_at": "2030-05-01T19:30:00Z", "ends_at": "2030-05-01T23:00:00+00:00"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    assert_eq!(created.json["published"], false);
    assert_eq!(created.json["starts_at"], "2030-05-01T19:30:00Z");
    let id = created.json["id"].as_i64().expect("id");
    let replay = admin
        .post_keyed(
            "/admin/events",
            "create-1",
            &json!({"title": "Opera", "venue": "House", "description": "Tosca",
                    "starts_at": "2030-05-01T19:30:00Z", "ends_at": "2030-05-01T23:00:00+00:00"}),
        )
        .await;
    assert_eq!(replay.json["id"], id, "one event, not two");
    assert_eq!(
        admin
            .get("/admin/events")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let kind = admin
        .post(
            &format!("/admin/events/{id}/ticket-types"),
            &json!({"name": "Stalls", "price": "45.00", "currency": "EUR", "quantity": 20, "max_per_order": 4, "selling_rule": "even"}),
        )
        .await;
    assert_eq!(kind.status, 201, "{:?}", kind.json);
    assert_eq!(kind.json["price"]["amount_minor"], 4500);
    let kind_id = kind.json["id"].as_i64().expect("id");
    let cheap = admin
        .post(
            &format!("/admin/events/{id}/ticket-types"),
            &json!({"name": "Cheap", "price": "0.10", "quantity": 5}),
        )
        .await;
    assert_eq!(cheap.status, 422, "below Stripe's minimum charge");
    assert_eq!(
        app.api().get(&format!("/events/{id}")).await.status,
        404,
        "a draft"
    );

    let published = admin
        .post(&format!("/admin/events/{id}/publish"), &json!({}))
        .await;
    assert_eq!(published.json["published"], true);
    assert_eq!(app.api().get(&format!("/events/{id}")).await.status, 200);
    let renamed = admin
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"title": "Opera night"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json["title"], "Opera night");
    assert_eq!(renamed.json["venue"], "House", "unsent fields stay");
    let refundable = admin
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"refund_hours_before": 48}),
        )
        .await;
    assert_eq!(refundable.json["refund_hours_before"], 48);
    assert_eq!(refundable.json["title"], "Opera night");
    let strict = admin
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"refund_hours_before": null}),
        )
        .await;
    assert_eq!(strict.json["refund_hours_before"], serde_json::Value::Null);
    let wrong = admin
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"refund_hours_before": -3}),
        )
        .await;
    assert_eq!(wrong.json["errors"][0]["field"], "refund_hours_before");
    let more = admin
        .patch(
            &format!("/admin/ticket-types/{kind_id}"),
            &json!({"quantity": 30}),
        )
        .await;
    assert_eq!(
        (more.status, more.json["seats_left"].clone()),
        (200, json!(30))
    );
    let deleted = admin.delete(&format!("/admin/events/{id}")).await;
    assert_eq!((deleted.status, deleted.code()), (409, "not_a_draft"));

    // A buyer books and pays; the admin sees it, then cancels the event.
    let buyer = app.api_user("buyer@example.com").await;
    let held = buyer
        .post_keyed(
            &format!("/events/{id}/bookings"),
            "b",
            &json!({"ticket_type_id": kind_id, "quantity": 2}),
        )
        .await;
    assert_eq!(held.status, 201, "{:?}", held.json);
    let bookings = admin.get(&format!("/admin/events/{id}/bookings")).await;
    assert_eq!(bookings.json["count"], 1);
    assert_eq!(bookings.json["results"][0]["email"], "buyer@example.com");
    let cancelled = admin
        .post_keyed(&format!("/admin/events/{id}/cancel"), "c", &json!({}))
        .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.json);
    assert_eq!(cancelled.json["holds_released"], 1);
    let again = admin
        .post(&format!("/admin/events/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(again.status, 409);

    // A draft without bookings can be deleted.
    let draft = admin
        .post(
            "/admin/events",
            &json!({"title": "Maybe", "venue": "Tent", "starts_at": "2030-06-01T19:00", "ends_at": "2030-06-01T22:00"}),
        )
        .await;
    let draft_id = draft.json["id"].as_i64().expect("id");
    assert_eq!(
        admin
            .delete(&format!("/admin/events/{draft_id}"))
            .await
            .status,
        204
    );
    assert_eq!(
        admin.get(&format!("/admin/events/{draft_id}")).await.status,
        404
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn an_admin_refunds_a_paid_booking_and_sees_the_payments() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Refundable").seats("A", 3000, 5))
        .await;
    let (_, booking_id, _) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    let admin = app.api_admin().await;
    let payments = admin.get("/admin/payments").await;
    assert_eq!(payments.status, 200);
    assert_eq!(payments.json[0]["status"], "paid");
    assert_eq!(payments.json[0]["booking_id"], booking_id);
    assert_eq!(payments.json[0]["amount"]["amount_minor"], 6000);
    let refund = admin
        .post_keyed(
            &format!("/admin/bookings/{booking_id}/refund"),
            "r1",
            &json!({}),
        )
        .await;
    assert_eq!(refund.status, 200, "{:?}", refund.json);
    assert_eq!(refund.json["status"], "succeeded");
    let replayed = admin
        .post_keyed(
            &format!("/admin/bookings/{booking_id}/refund"),
            "r1",
            &json!({}),
        )
        .await;
    assert_eq!(replayed.json, refund.json);
    let twice = admin
        .post_keyed(
            &format!("/admin/bookings/{booking_id}/refund"),
            "r2",
            &json!({}),
        )
        .await;
    assert_eq!(twice.status, 409, "refunded once only");
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 5);
    app.assert_books_clean().await;
}

// ---- the door -----------------------------------------------------------------------

#[tokio::test]
async fn a_scanner_app_admits_each_seat_once() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Door").seats("A", 1000, 5))
        .await;
    let elsewhere = app
        .create_event(EventSpec::new("Other").seats("B", 1000, 5))
        .await;
    let (_, _, codes) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    let web_admin = app.admin().await;
    app.door_staff(&web_admin, "door@example.com", &sale.event_id.to_string())
        .await;
    app.door_staff(
        &web_admin,
        "other-door@example.com",
        &elsewhere.event_id.to_string(),
    )
    .await;
    let staff = app.api().logged_in("door@example.com", PASSWORD).await;
    let path = format!("/events/{}/checkins", sale.event_id);
    let scan = |code: &str, nonce: &str| json!({"code": code, "gate": "North", "nonce": nonce});

    let admit = staff.post(&path, &scan(&codes[0], "n1")).await;
    assert_eq!(admit.status, 200, "{:?}", admit.json);
    assert_eq!(admit.json["result"], "admit");
    assert_eq!(admit.json["headline"], "ADMIT");
    assert_eq!(admit.json["seat"]["position"], 1);
    assert_eq!(admit.json["seat"]["quantity"], 2);
    let resent = staff.post(&path, &scan(&codes[0], "n1")).await;
    assert_eq!(
        (
            resent.json["result"].clone(),
            resent.json["retried"].clone()
        ),
        (json!("admit"), json!(true))
    );
    let again = staff.post(&path, &scan(&codes[0], "n2")).await;
    assert_eq!(again.json["result"], "already_checked_in");
    assert_eq!(again.json["checked_in_gate"], "North");
    let unknown = staff.post(&path, &scan("ZZZZ-ZZZZ", "n3")).await;
    assert_eq!(unknown.json["result"], "unknown_code");
    let no_gate = staff
        .post(&path, &json!({"code": codes[1], "gate": " "}))
        .await;
    assert_eq!(
        (no_gate.status, no_gate.json["errors"][0]["field"].clone()),
        (422, json!("gate"))
    );

    let other_door = app
        .api()
        .logged_in("other-door@example.com", PASSWORD)
        .await;
    assert_eq!(
        other_door.post(&path, &scan(&codes[1], "n4")).await.status,
        404
    );
    let buyer = app.api().logged_in("buyer@example.com", PASSWORD).await;
    assert_eq!(buyer.post(&path, &scan(&codes[1], "n5")).await.status, 403);
    let wrong = other_door
        .post(
            &format!("/events/{}/checkins", elsewhere.event_id),
            &scan(&codes[1], "n6"),
        )
        .await;
    assert_eq!(wrong.json["result"], "wrong_event");
    assert_eq!(wrong.json["event_id"], sale.event_id);
}

// ---- limits, errors, the document -----------------------------------------------------

#[tokio::test]
async fn rate_limits_tell_where_the_caller_stands_and_refuse_past_them() {
    let app = TestApp::spawn_with(&[
        ("API_REQUESTS_PER_MINUTE", "6"),
        ("API_BOOKINGS_PER_MINUTE", "2"),
    ])
    .await;
    // Limits count in fixed windows: start at the beginning of one.
    app.start_next_window(60, &[]);
    // The token request is this address's first of 6.
    let buyer = app.api_user("buyer@example.com").await;
    let anonymous = app.api();
    for left in (0..5).rev() {
        let reply = anonymous.get("/events").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("ratelimit-limit"), Some("6"));
        assert_eq!(
            reply.header("ratelimit-remaining"),
            Some(left.to_string().as_str())
        );
    }
    let refused = anonymous.get("/events").await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    assert!(
        refused
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().is_ok_and(|s| (1..=60).contains(&s)))
    );
    // The token has its own allowance; bookings have a stricter one per user.
    let mut sales = Vec::new();
    for n in 0..3 {
        sales.push(
            app.create_event(EventSpec::new(&format!("Sale {n}")).seats("A", 1000, 5))
                .await,
        );
    }
    for (n, sale) in sales.iter().enumerate() {
        let reply = buyer
            .post_keyed(
                &format!("/events/{}/bookings", sale.event_id),
                &format!("k{n}"),
                &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
            )
            .await;
        if n < 2 {
            assert_eq!(reply.status, 201, "booking {n}: {:?}", reply.json);
        } else {
            assert_eq!((reply.status, reply.code()), (429, "rate_limited"));
            assert_eq!(reply.header("ratelimit-limit"), Some("2"));
        }
    }
    assert_eq!(
        buyer.get("/bookings").await.status,
        200,
        "other requests still pass"
    );
    assert_eq!(
        app.bookings().await.len(),
        2,
        "the refused booking held nothing"
    );
}

#[tokio::test]
async fn bad_bytes_get_a_4xx_problem_never_a_5xx() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Fuzz").seats("A", 1000, 5))
        .await;
    let buyer = app.api_user("buyer@example.com").await;
    let path = format!("/events/{}/bookings", sale.event_id);
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[1,2]".to_vec(),
        b"{\"ticket_type_id\": \"1\"}".to_vec(),
        b"{\"ticket_type_id\": -1, \"quantity\": -5}".to_vec(),
        vec![0xff, 0x00, 0x7b],
        vec![b'{'; 20_000],
    ];
    for (n, body) in bodies.into_iter().enumerate() {
        let reply = buyer.post_bytes(&path, Some(&format!("f{n}")), body).await;
        assert!(
            (400..500).contains(&reply.status),
            "body {n}: {}",
            reply.status
        );
        assert!(reply.is_problem(), "body {n}");
    }
    assert_eq!(app.bookings().await.len(), 0);
}

#[tokio::test]
async fn the_openapi_document_and_its_reference_page_are_served() {
    let app = TestApp::spawn().await;
    let doc = app.api().get("/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.json["openapi"], "3.1.0");
    assert!(doc.json["paths"]["/api/v1/events/{id}/bookings"]["post"].is_object());
    let page = app.visitor().get("/api/v1/docs").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("POST /api/v1/events/{id}/bookings"));
    assert!(html.contains("id=\"problem-sold_out\""));
}

#[tokio::test]
async fn failed_token_requests_count_toward_the_login_throttle() {
    let app = TestApp::spawn_with(&[("LOGIN_FAILURES_PER_ACCOUNT", "2")]).await;
    app.start_next_window(900, &[]);
    app.api_user("target@example.com").await;
    for _ in 0..2 {
        let wrong = app
            .api()
            .post(
                "/tokens",
                &json!({"email": "target@example.com", "password": "guess"}),
            )
            .await;
        assert_eq!(wrong.status, 401);
    }
    // Closed to new devices: an API client is one, even with the right password.
    let closed = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "target@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((closed.status, closed.code()), (429, "login_throttled"));
    // Until the throttle's window ends, not a fixed guess.
    let retry_after: u64 = closed.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
}

#[tokio::test]
async fn an_idempotency_key_is_kept_a_day_then_forgotten() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Window").seats("A", 1000, 10))
        .await;
    let other = app
        .create_event(EventSpec::new("Later").seats("B", 1000, 10))
        .await;
    let buyer = app.api_user("buyer@example.com").await;
    let first = buyer
        .post_keyed(
            &format!("/events/{}/bookings", sale.event_id),
            "reused-key",
            &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!(first.status, 201);
    let elsewhere = format!("/events/{}/bookings", other.event_id);
    let body = json!({"ticket_type_id": other.ticket_type_ids[0]});
    let early = buyer.post_keyed(&elsewhere, "reused-key", &body).await;
    assert_eq!(early.code(), "idempotency_key_reused");
    app.clock.advance(
        boxoffice::domain::api::idempotency::REPLAY_WINDOW + chrono::TimeDelta::minutes(1),
    );
    boxoffice::app::api_idempotency::forget_old(&app.state).await;
    let count = app
        .with_db(|conn| {
            use boxoffice::db::schema::idempotency_keys::dsl;
            use diesel::prelude::*;
            dsl::idempotency_keys
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(count, 0, "the sweeper forgets keys past the window");
    assert_eq!(
        buyer.get("/bookings").await.status,
        401,
        "the token lapsed after 24 h too"
    );
    let buyer = app.api().logged_in("buyer@example.com", PASSWORD).await;
    let later = buyer.post_keyed(&elsewhere, "reused-key", &body).await;
    assert_eq!(later.status, 201, "the key runs afresh: {:?}", later.json);
    assert_eq!(later.json["event_id"], other.event_id);
}
