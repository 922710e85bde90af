//! Outgoing webhooks, on both engines: deliveries signed and verified by a real
//! receiver, retried through one that fails then recovers, never lost across a restart,
//! sent once by two instances at once, private addresses refused, an endpoint disabled
//! after failures in a row, re-enabled, a delivery replayed, the admin page, retention.
//! (The feed's order and gaps: tests/suite/events_feed.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::collections::HashSet;

use actix_web::web;
use boxoffice::app::AppState;
use boxoffice::db::webhook_endpoints::{self, EndpointFields};
use boxoffice::providers::signature::{self, SignatureError};
use chrono::TimeDelta;
use serde_json::{Value, json};
use support::TestApp;
use support::fixtures::EventSpec;
use support::race::together;
use support::visitor::location;
use support::webhook_receiver::{Receiver, add_endpoint, read_feed};

fn verifies(app: &TestApp, received: &support::webhook_receiver::Received, secret: &str) {
    let now = app.clock.now().and_utc().timestamp();
    assert_eq!(
        signature::verify(received.body.as_bytes(), &received.signature, secret, now),
        Ok(()),
        "{}",
        received.signature
    );
}

#[tokio::test]
async fn a_paid_booking_and_a_check_in_reach_the_endpoint_signed() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let admin = app.api_admin().await;
    let (id, secret) =
        add_endpoint(&admin, &receiver.url, &["booking.paid", "checkin.created"]).await;
    assert!(secret.starts_with("whsec_"));
    let sale = app
        .create_event(EventSpec::new("Signed").seats("A", 1500, 10))
        .await;
    let (_, booking_id, codes) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    app.deliver_all().await;
    let round = app.deliver_webhooks().await;
    assert_eq!((round.claimed, round.delivered), (1, 1), "{round:?}");

    let got = receiver.received();
    assert_eq!(
        got.len(),
        1,
        "booking.paid only: the hold is not subscribed"
    );
    verifies(&app, &got[0], &secret);
    let now = app.clock.now().and_utc().timestamp();
    assert_eq!(
        signature::verify(
            got[0].body.as_bytes(),
            &got[0].signature,
            "whsec_other",
            now
        ),
        Err(SignatureError::Mismatch)
    );
    let paid = got[0].json();
    assert_eq!(paid["type"], "booking.paid");
    assert_eq!(paid["id"], got[0].event_id.as_str());
    assert_eq!(paid["data"]["booking_id"], booking_id);
    assert_eq!(paid["data"]["event_id"], sale.event_id);
    assert_eq!(paid["data"]["seats"], 2);
    assert_eq!(paid["data"]["status"], "paid");

    let scan = json!({"code": codes[0], "gate": "North", "nonce": "n1"});
    let admitted = admin
        .post(&format!("/events/{}/checkins", sale.event_id), &scan)
        .await;
    assert_eq!(admitted.json["result"], "admit", "{:?}", admitted.json);
    app.deliver_all().await;
    app.deliver_webhooks().await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    verifies(&app, &got[1], &secret);
    let checked_in = got[1].json();
    assert_eq!(checked_in["type"], "checkin.created");
    assert_eq!(checked_in["data"]["booking_id"], booking_id);
    assert_eq!(checked_in["data"]["event_id"], sale.event_id);
    assert_eq!(checked_in["data"]["gate"], "North");
    assert!(checked_in["position"].as_i64() > paid["position"].as_i64());

    let shown = admin.get(&format!("/admin/webhook-endpoints/{id}")).await;
    assert_eq!(shown.status, 200);
    let log = shown.json["deliveries"].as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["event_type"], "checkin.created", "newest first");
    for delivery in log {
        assert_eq!(delivery["status"], "delivered");
        assert_eq!(delivery["last_status_code"], 200);
        assert_eq!(delivery["last_response"], "receiver answered 200");
    }
}

#[tokio::test]
async fn a_receiver_that_fails_then_recovers_gets_the_event_after_backoff() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[500, 503]);
    let admin = app.api_admin().await;
    let (id, secret) = add_endpoint(&admin, &receiver.url, &["booking.paid"]).await;
    let sale = app
        .create_event(EventSpec::new("Flaky").seats("A", 1500, 10))
        .await;
    app.paid_booking(
        "buyer@example.com",
        sale.event_id,
        sale.ticket_type_ids[0],
        1,
    )
    .await;
    app.deliver_all().await;

    assert_eq!(
        app.deliver_webhooks().await.retrying,
        1,
        "500: tried again later"
    );
    let shown = admin.get(&format!("/admin/webhook-endpoints/{id}")).await;
    let delivery = &shown.json["deliveries"][0];
    assert_eq!(delivery["status"], "pending");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status_code"], 500);
    assert_eq!(delivery["last_response"], "receiver answered 500");
    assert_eq!(
        app.deliver_webhooks().await.claimed,
        0,
        "nothing is due before the backoff"
    );

    app.clock.advance(TimeDelta::seconds(31));
    assert_eq!(app.deliver_webhooks().await.retrying, 1, "503");
    app.clock.advance(TimeDelta::seconds(31));
    assert_eq!(app.deliver_webhooks().await.claimed, 0, "the wait doubled");
    app.clock.advance(TimeDelta::seconds(30));
    assert_eq!(app.deliver_webhooks().await.delivered, 1);

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|r| r.body == got[0].body && r.event_id == got[0].event_id)
    );
    verifies(&app, &got[2], &secret);
    let shown = admin.get(&format!("/admin/webhook-endpoints/{id}")).await;
    assert_eq!(shown.json["deliveries"][0]["status"], "delivered");
    assert_eq!(shown.json["deliveries"][0]["attempts"], 3);
    assert_eq!(shown.json["consecutive_failures"], 0);
}

#[tokio::test]
async fn events_are_not_lost_when_the_instance_that_wrote_them_stops() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let admin = app.api_admin().await;
    add_endpoint(&admin, &receiver.url, &[]).await;
    let sale = app
        .create_event(EventSpec::new("Restart").seats("A", 1500, 10).unpublished())
        .await;
    // Published to the feed by this instance, never delivered by it.
    let published = admin
        .post(
            &format!("/admin/events/{}/publish", sale.event_id),
            &json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{:?}", published.json);
    app.deliver_all().await;
    // Written by this instance, not even published to the feed.
    app.paid_booking(
        "buyer@example.com",
        sale.event_id,
        sale.ticket_type_ids[0],
        1,
    )
    .await;
    assert!(receiver.received().is_empty());

    // A new instance on the same database (this one never runs its loops again).
    let restarted = app.another_instance().await;
    restarted.deliver_all().await;
    restarted.deliver_webhooks().await;
    let types: Vec<Value> = receiver
        .events()
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(
        types,
        vec![
            json!("event.published"),
            json!("booking.held"),
            json!("booking.paid")
        ]
    );
    let feed = read_feed(&admin, 2).await;
    assert_eq!(feed.len(), 3);
}

#[tokio::test]
async fn private_addresses_are_refused_without_the_flag() {
    let app = TestApp::spawn_with(&[("WEBHOOK_ALLOW_PRIVATE_URLS", "false")]).await;
    let admin = app.api_admin().await;
    for url in [
        "http://partner.example.com/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/hook",
        "https://localhost/hook",
        "https://100.64.0.1/hook",
    ] {
        let refused = admin
            .post("/admin/webhook-endpoints", &json!({"url": url}))
            .await;
        assert_eq!(refused.status, 422, "{url}: {:?}", refused.json);
        assert!(refused.is_problem());
    }
    let fine = admin
        .post(
            "/admin/webhook-endpoints",
            &json!({"url": "https://partner.example.com/hook"}),
        )
        .await;
    assert_eq!(fine.status, 201, "{:?}", fine.json);
    // Disabled, so this test sends nothing to the world.
    let id = fine.json["id"].as_i64().unwrap();
    admin
        .post(
            &format!("/admin/webhook-endpoints/{id}/disable"),
            &json!({}),
        )
        .await;

    // An endpoint stored while the rule was off is refused again when delivering.
    let receiver = Receiver::start().await;
    let now = app.clock.now();
    let url = receiver.url.clone();
    app.with_db(move |conn| {
        let fields = EndpointFields {
            url,
            description: String::new(),
            event_types: "*".into(),
        };
        webhook_endpoints::insert(conn, &fields, "whsec_x", now).unwrap();
    })
    .await;
    let sale = app
        .create_event(EventSpec::new("Inside").seats("A", 1000, 5).unpublished())
        .await;
    admin
        .post(
            &format!("/admin/events/{}/publish", sale.event_id),
            &json!({}),
        )
        .await;
    app.deliver_all().await;
    assert_eq!(app.deliver_webhooks().await.retrying, 1);
    assert!(receiver.received().is_empty(), "nothing was sent");
    let listed = admin.get("/admin/webhook-endpoints").await;
    let stored = listed.json.as_array().unwrap().last().unwrap().clone();
    let shown = admin
        .get(&format!("/admin/webhook-endpoints/{}", stored["id"]))
        .await;
    let error = shown.json["deliveries"][0]["last_error"].as_str().unwrap();
    assert!(error.contains("refused"), "{error}");
}

#[tokio::test]
async fn an_endpoint_is_disabled_after_failures_in_a_row_then_replayed() {
    let app = TestApp::spawn_with(&[
        ("WEBHOOK_MAX_ATTEMPTS", "1"),
        ("WEBHOOK_DISABLE_AFTER", "2"),
    ])
    .await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[500, 500]);
    let admin = app.api_admin().await;
    let (id, secret) = add_endpoint(&admin, &receiver.url, &["event.published"]).await;
    let mut events = Vec::new();
    for title in ["First", "Second", "Third"] {
        let sale = app
            .create_event(EventSpec::new(title).seats("A", 1000, 5).unpublished())
            .await;
        events.push(sale.event_id);
    }
    for event_id in &events[..2] {
        let published = admin
            .post(&format!("/admin/events/{event_id}/publish"), &json!({}))
            .await;
        assert_eq!(published.status, 200);
    }
    app.deliver_all().await;
    let round = app.deliver_webhooks().await;
    assert_eq!((round.failed, round.disabled), (2, 1), "{round:?}");
    let shown = admin.get(&format!("/admin/webhook-endpoints/{id}")).await;
    assert_eq!(shown.json["enabled"], false);
    let reason = shown.json["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("2 deliveries in a row failed"), "{reason}");
    let log = shown.json["deliveries"].as_array().unwrap().clone();
    assert!(log.iter().all(|d| d["status"] == "failed"));
    let reported = app
        .with_db(|conn| boxoffice::domain::webhooks::problems(conn).unwrap())
        .await;
    assert_eq!(reported.len(), 1, "`boxoffice check` says so");
    assert!(reported[0].contains(&receiver.url), "{reported:?}");

    // Disabled: nothing more is queued for it.
    admin
        .post(&format!("/admin/events/{}/publish", events[2]), &json!({}))
        .await;
    app.deliver_all().await;
    assert_eq!(app.deliver_webhooks().await.claimed, 0);

    let enabled = admin
        .post(&format!("/admin/webhook-endpoints/{id}/enable"), &json!({}))
        .await;
    assert_eq!(enabled.status, 200);
    assert_eq!(enabled.json["enabled"], true);
    assert_eq!(enabled.json["consecutive_failures"], 0);
    let reported = app
        .with_db(|conn| boxoffice::domain::webhooks::problems(conn).unwrap())
        .await;
    assert!(reported.is_empty());
    let first = log.last().unwrap()["id"].as_i64().unwrap();
    let replayed = admin
        .post(
            &format!("/admin/webhook-endpoints/{id}/deliveries/{first}/replay"),
            &json!({}),
        )
        .await;
    assert_eq!(replayed.status, 200, "{:?}", replayed.json);
    assert_eq!(replayed.json["status"], "pending");
    assert_eq!(app.deliver_webhooks().await.delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    verifies(&app, &got[2], &secret);
    assert_eq!(got[2].json()["data"]["event_id"], events[0]);
    assert_eq!(got[2].body, got[0].body, "the same event, the same body");

    // Replaying it again sends it once more; another endpoint's delivery is not found.
    let again = admin
        .post(
            &format!("/admin/webhook-endpoints/{id}/deliveries/{first}/replay"),
            &json!({}),
        )
        .await;
    assert_eq!(again.status, 200);
    app.deliver_webhooks().await;
    assert_eq!(receiver.received().len(), 4);
    let elsewhere = admin
        .post(
            &format!(
                "/admin/webhook-endpoints/{}/deliveries/{first}/replay",
                id + 1
            ),
            &json!({}),
        )
        .await;
    assert_eq!(elsewhere.status, 404);
}

#[tokio::test]
async fn bad_input_and_other_callers_get_a_clear_4xx() {
    let app = TestApp::spawn().await;
    let admin = app.api_admin().await;
    let buyer = app.api_user("buyer@example.com").await;
    let ok = json!({"url": "https://partner.example.com/hook"});
    assert_eq!(
        buyer.post("/admin/webhook-endpoints", &ok).await.status,
        403
    );
    assert_eq!(buyer.get("/events-feed").await.status, 403);
    assert_eq!(app.api().get("/events-feed").await.status, 401);

    let not_json = admin
        .post_bytes("/admin/webhook-endpoints", None, b"{url".to_vec())
        .await;
    assert_eq!(not_json.status, 400);
    for body in [
        json!({}),
        json!({"url": 7}),
        json!({"url": "not a url"}),
        json!({"url": "https://partner.example.com/hook", "event_types": ["booking.exploded"]}),
        json!({"url": "https://partner.example.com/hook", "description": "x".repeat(201)}),
        json!({"url": "https://partner.example.com/hook", "secret": "mine"}),
    ] {
        let refused = admin.post("/admin/webhook-endpoints", &body).await;
        assert_eq!(refused.status, 422, "{body}: {:?}", refused.json);
    }
    for query in ["after=-1", "limit=0", "limit=501", "after=99999999999"] {
        let refused = admin.get(&format!("/events-feed?{query}")).await;
        assert_eq!(refused.status, 422, "{query}");
    }
    assert_eq!(admin.get("/events-feed?after=abc").await.status, 400);
    assert_eq!(admin.get("/admin/webhook-endpoints/999").await.status, 404);
    assert_eq!(
        admin
            .patch("/admin/webhook-endpoints/999", &ok)
            .await
            .status,
        404
    );
    assert_eq!(
        admin.delete("/admin/webhook-endpoints/999").await.status,
        404
    );
    assert_eq!(
        admin
            .post("/admin/webhook-endpoints/999/enable", &json!({}))
            .await
            .status,
        404
    );
    let empty = admin.get("/events-feed").await;
    assert_eq!(empty.status, 200);
    assert_eq!(
        empty.json,
        json!({"events": [], "next_after": 0, "last_position": 0})
    );

    // Changing and deleting an endpoint.
    let created = admin.post("/admin/webhook-endpoints", &ok).await;
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(created.json["event_types"], json!(["*"]));
    let changed = admin
        .patch(
            &format!("/admin/webhook-endpoints/{id}"),
            &json!({"url": "https://other.example.com/in", "event_types": ["resale.sold", "booking.paid"]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.json);
    assert_eq!(
        changed.json["event_types"],
        json!(["booking.paid", "resale.sold"])
    );
    assert_eq!(changed.json["secret"], created.json["secret"]);
    assert_eq!(
        admin
            .delete(&format!("/admin/webhook-endpoints/{id}"))
            .await
            .status,
        204
    );
    assert_eq!(admin.get("/admin/webhook-endpoints").await.json, json!([]));
}

#[tokio::test]
async fn the_admin_page_adds_an_endpoint_shows_its_log_and_replays() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[418]);
    let admin = app.admin().await;
    assert!(app.visitor().get("/admin/webhooks").await.status() != 200);
    assert!(
        admin
            .page("/admin")
            .await
            .contains("href=\"/admin/webhooks\"")
    );

    let refused = admin
        .post("/admin/webhooks", &[("url", "ftp://partner.example.com/")])
        .await;
    assert_eq!(location(&refused), "/admin/webhooks");
    assert!(admin.page("/admin/webhooks").await.contains("https://"));
    let without_token = admin
        .post_raw("/admin/webhooks", &[("url", receiver.url.as_str())])
        .await;
    assert_eq!(without_token.status(), 403, "CSRF on every POST");

    let added = admin
        .post(
            "/admin/webhooks",
            &[
                ("url", receiver.url.as_str()),
                ("description", "Partner <b>CRM</b>"),
                ("event_types", "event.published, event.cancelled"),
            ],
        )
        .await;
    let page_path = location(&added);
    assert!(page_path.starts_with("/admin/webhooks/"), "{page_path}");
    let page = admin.page(&page_path).await;
    assert!(page.contains("whsec_"));
    assert!(
        page.contains("Partner ") && !page.contains("<b>CRM"),
        "escaped"
    );
    assert!(page.contains("event.published,event.cancelled"));

    let sale = app
        .create_event(EventSpec::new("Paged").seats("A", 1000, 5).unpublished())
        .await;
    let published = admin
        .post(&format!("/admin/events/{}/publish", sale.event_id), &[])
        .await;
    assert_eq!(published.status(), 303);
    app.deliver_all().await;
    assert_eq!(app.deliver_webhooks().await.retrying, 1);
    let page = admin.page(&page_path).await;
    assert!(page.contains("event.published"));
    assert!(page.contains("HTTP 418"));
    assert!(page.contains("receiver answered 418"));

    let delivery = app
        .with_db(|conn| {
            use boxoffice::db::schema::webhook_deliveries::dsl;
            use diesel::prelude::*;
            dsl::webhook_deliveries
                .select(dsl::id)
                .first::<i32>(conn)
                .unwrap()
        })
        .await;
    let replayed = admin
        .post(&format!("{page_path}/deliveries/{delivery}/replay"), &[])
        .await;
    assert_eq!(location(&replayed), page_path);
    assert_eq!(app.deliver_webhooks().await.delivered, 1, "due at once");
    assert_eq!(receiver.received().len(), 2);

    let disabled = admin.post(&format!("{page_path}/disable"), &[]).await;
    assert_eq!(location(&disabled), page_path);
    assert!(
        admin
            .page(&page_path)
            .await
            .contains("disabled by an admin")
    );
    admin.post(&format!("{page_path}/enable"), &[]).await;
    assert!(admin.page("/admin/webhooks").await.contains("Disable"));
    let deleted = admin.post(&format!("{page_path}/delete"), &[]).await;
    assert_eq!(location(&deleted), "/admin/webhooks");
    assert!(
        admin
            .page("/admin/webhooks")
            .await
            .contains("No endpoints yet.")
    );
}

#[tokio::test]
async fn finished_deliveries_are_purged_after_their_retention_and_the_feed_stays() {
    let app = TestApp::spawn().await;
    let (fine, failing) = (Receiver::start().await, Receiver::start().await);
    failing.answer_with(&[500]);
    let admin = app.api_admin().await;
    add_endpoint(&admin, &fine.url, &[]).await;
    let (failing_id, _) = add_endpoint(&admin, &failing.url, &[]).await;
    let sale = app
        .create_event(EventSpec::new("Kept").seats("A", 1000, 5).unpublished())
        .await;
    admin
        .post(
            &format!("/admin/events/{}/publish", sale.event_id),
            &json!({}),
        )
        .await;
    app.deliver_all().await;
    let round = app.deliver_webhooks().await;
    assert_eq!((round.delivered, round.retrying), (1, 1));

    app.clock.advance(TimeDelta::days(31));
    let purged = boxoffice::app::retention::purge(&app.state).await;
    assert_eq!(
        purged.webhook_deliveries, 1,
        "the delivered one; the pending one stays"
    );
    // A month on, the admin's token has expired: log in again.
    let admin = app
        .api()
        .logged_in("api-admin@example.com", support::PASSWORD)
        .await;
    let shown = admin
        .get(&format!("/admin/webhook-endpoints/{failing_id}"))
        .await;
    assert_eq!(
        shown.json["deliveries"][0]["status"], "pending",
        "{:?}",
        shown.json
    );
    assert_eq!(read_feed(&admin, 10).await.len(), 1, "the feed is kept");
}

/// Runs one instance's deliverer until nothing is due.
async fn drain_deliveries(state: web::Data<AppState>) {
    while boxoffice::app::webhooks::deliverer::deliver_once(&state)
        .await
        .claimed
        > 0
    {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_delivering_at_once_send_each_event_once() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let receiver = Receiver::start().await;
    let admin = app.api_admin().await;
    add_endpoint(&admin, &receiver.url, &["event.published"]).await;
    for n in 0..25 {
        let sale = app
            .create_event(
                EventSpec::new(&format!("Show {n}"))
                    .seats("A", 1000, 5)
                    .unpublished(),
            )
            .await;
        admin
            .post(
                &format!("/admin/events/{}/publish", sale.event_id),
                &json!({}),
            )
            .await;
    }
    app.deliver_all().await;
    together(
        drain_deliveries(app.state.clone()),
        drain_deliveries(other.state.clone()),
    )
    .await;
    let got = receiver.received();
    let ids: HashSet<&str> = got.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!((got.len(), ids.len()), (25, 25), "each event sent once");
}
