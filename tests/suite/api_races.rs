//! The JSON API under concurrency, on both engines: the same idempotency key sent at
//! once (one hold, one answer), a key still in flight (409 with Retry-After), and 200 API
//! buyers on 50 seats at one instant (exactly 50 held, books clean).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::TestApp;
use support::fixtures::EventSpec;
use support::race::{all_together, together};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_sent_twice_at_once_holds_once_and_both_get_its_answer_or_wait() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Double click").seats("A", 1000, 100))
        .await;
    let path = format!("/events/{}/bookings", sale.event_id);
    for round in 0..15 {
        let buyer = app.api_user(&format!("buyer{round}@example.com")).await;
        let body = json!({"ticket_type_id": sale.ticket_type_ids[0], "quantity": 2});
        let key = format!("click-{round}");
        let (a, b) = together(
            {
                let (buyer, path, key, body) =
                    (buyer.clone(), path.clone(), key.clone(), body.clone());
                async move { buyer.post_keyed(&path, &key, &body).await }
            },
            {
                let (buyer, path, key, body) =
                    (buyer.clone(), path.clone(), key.clone(), body.clone());
                async move { buyer.post_keyed(&path, &key, &body).await }
            },
        )
        .await;
        let statuses = [a.status, b.status];
        assert!(
            statuses.contains(&201),
            "round {round}: one holds: {statuses:?}"
        );
        for reply in [&a, &b] {
            match reply.status {
                201 => assert_eq!(reply.json["quantity"], 2),
                409 => {
                    assert_eq!(reply.code(), "idempotency_in_flight");
                    assert!(reply.header("retry-after").is_some());
                }
                other => panic!("round {round}: unexpected {other}: {:?}", reply.json),
            }
        }
        if a.status == 201 && b.status == 201 {
            assert_eq!(a.json, b.json, "round {round}: a replay is the same answer");
        }
        // Whatever the interleaving, a retry now gets the kept answer.
        let retry = buyer.post_keyed(&path, &key, &body).await;
        assert_eq!(retry.status, 201);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    }
    let bookings = app.bookings().await;
    assert_eq!(bookings.len(), 15, "one booking per buyer");
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 100 - 30);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_key_still_in_flight_is_answered_409_with_retry_after_until_it_finishes_or_lapses() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("In flight").seats("A", 1000, 10))
        .await;
    let buyer = app.api_user("buyer@example.com").await;
    let user_id = app
        .with_db(|conn| {
            boxoffice::db::users::find_by_email(conn, "buyer@example.com")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let path = format!("/events/{}/bookings", sale.event_id);
    let body = json!({"ticket_type_id": sale.ticket_type_ids[0]});
    let hash = boxoffice::domain::api::idempotency::fingerprint(
        "POST",
        &format!("/api/v1{path}"),
        serde_json::to_vec(&body).unwrap().as_slice(),
    );
    // Another instance's first request with this key is running (claimed, not finished).
    let now = app.clock.now();
    app.with_db(move |conn| {
        boxoffice::domain::api::idempotency::begin(conn, now, user_id, "busy", &hash).unwrap()
    })
    .await;
    let waiting = buyer.post_keyed(&path, "busy", &body).await;
    assert_eq!(
        (waiting.status, waiting.code()),
        (409, "idempotency_in_flight")
    );
    let wait: u64 = waiting.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert!(app.bookings().await.is_empty(), "nothing ran");
    // The first request never finished (its instance died): after its lease the key is
    // taken over and the request runs.
    app.clock
        .advance(boxoffice::domain::api::idempotency::LEASE + chrono::TimeDelta::seconds(1));
    let ran = buyer.post_keyed(&path, "busy", &body).await;
    assert_eq!(ran.status, 201, "{:?}", ran.json);
    assert_eq!(app.bookings().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_api_buyers_on_fifty_seats_hold_exactly_fifty() {
    let app = TestApp::spawn_with(&[("API_REQUESTS_PER_MINUTE", "10000")]).await;
    let sale = app
        .create_event(EventSpec::new("On sale now").seats("Standing", 2000, 50))
        .await;
    let mut buyers = Vec::new();
    for n in 0..200 {
        buyers.push(app.api_user(&format!("fan{n}@example.com")).await);
    }
    let path = format!("/events/{}/bookings", sale.event_id);
    let body = json!({"ticket_type_id": sale.ticket_type_ids[0]});
    let replies = all_together(
        buyers
            .into_iter()
            .enumerate()
            .map(|(n, buyer)| {
                let (path, body) = (path.clone(), body.clone());
                async move { buyer.post_keyed(&path, &format!("fan-{n}"), &body).await }
            })
            .collect(),
    )
    .await;
    let held = replies.iter().filter(|r| r.status == 201).count();
    let sold_out = replies
        .iter()
        .filter(|r| r.status == 409 && r.code() == "sold_out")
        .count();
    let other: Vec<_> = replies
        .iter()
        .filter(|r| r.status != 201 && r.code() != "sold_out")
        .map(|r| (r.status, r.code().to_owned()))
        .collect();
    assert_eq!(
        other,
        Vec::<(u16, String)>::new(),
        "every buyer answered held or sold out"
    );
    assert_eq!((held, sold_out), (50, 150));
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 0);
    assert_eq!(app.bookings().await.len(), 50);
    app.assert_books_clean().await;
}
