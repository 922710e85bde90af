//! The events feed partners poll, on both engines: every event once, in order and
//! without gaps while bookings are made at once and two dispatchers publish at once (a
//! cursor polling meanwhile included), publishing twice adds nothing; and, on
//! PostgreSQL, the counter row's guard beside its control (identity ids commit out of
//! order).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::collections::HashSet;

use actix_web::web;
use boxoffice::app::{AppState, dispatcher};
use boxoffice::domain::outbox::Message;
use boxoffice::domain::webhooks::feed::{self, Published};
use serde_json::json;
use support::TestApp;
use support::fixtures::EventSpec;
use support::race::{all_together, together};
use support::webhook_receiver::read_feed;

/// Runs one instance's dispatcher until nothing is due.
async fn drain(state: web::Data<AppState>) {
    while dispatcher::dispatch_once(&state).await.claimed > 0 {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_feed_has_every_event_once_in_order_without_gaps_under_concurrency() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let sale = app
        .create_event(EventSpec::new("Rush").seats("A", 1000, 100))
        .await;
    let admin = app.api_admin().await;
    let mut buyers = Vec::new();
    for n in 0..24 {
        buyers.push(app.api_user(&format!("fan{n}@example.com")).await);
    }
    let path = format!("/events/{}/bookings", sale.event_id);
    let body = json!({"ticket_type_id": sale.ticket_type_ids[0], "quantity": 1});
    let holds = all_together(
        buyers
            .into_iter()
            .enumerate()
            .map(|(n, buyer)| {
                let (path, body) = (path.clone(), body.clone());
                async move { buyer.post_keyed(&path, &format!("rush-{n}"), &body).await }
            })
            .collect(),
    )
    .await;
    assert!(holds.iter().all(|r| r.status == 201));

    // Two instances' dispatchers publish at once while a partner polls with its cursor:
    // what the cursor reads as it goes is the whole feed, each event once, in order.
    let polling = {
        let admin = admin.clone();
        tokio::spawn(async move {
            let (mut seen, mut after) = (Vec::new(), 0);
            while seen.len() < 24 {
                let page = admin
                    .get(&format!("/events-feed?after={after}&limit=3"))
                    .await;
                assert_eq!(page.status, 200);
                let events = page.json["events"].as_array().unwrap().clone();
                after = page.json["next_after"].as_i64().unwrap();
                seen.extend(events);
            }
            seen
        })
    };
    together(drain(app.state.clone()), drain(other.state.clone())).await;
    let polled = polling.await.unwrap();
    let feed = read_feed(&admin, 5).await;
    assert_eq!(
        polled, feed,
        "the cursor read everything, once, as it was published"
    );
    let positions: Vec<i64> = feed
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=24).collect::<Vec<i64>>(),
        "consecutive, in order"
    );
    let ids: HashSet<&str> = feed.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 24, "every event once");
    let booked: HashSet<i64> = feed
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "booking.held");
            e["data"]["booking_id"].as_i64().unwrap()
        })
        .collect();
    let held: HashSet<i64> = app
        .bookings()
        .await
        .iter()
        .map(|b| i64::from(b.id))
        .collect();
    assert_eq!(booked, held);

    // Publishing a message again (an outbox delivery retried after its mail failed, or
    // taken over after a lease) adds nothing.
    let now = app.clock.now();
    let again = app
        .with_db(move |conn| {
            boxoffice::db::outbox::all(conn)
                .unwrap()
                .into_iter()
                .map(|row| {
                    let message = Message::parse(&row.payload).unwrap();
                    feed::publish(conn, &row.message_id, &message, row.created_at, now).unwrap()
                })
                .collect::<Vec<_>>()
        })
        .await;
    assert_eq!(again.len(), 24);
    assert!(again.iter().all(|p| *p == Published::Nothing));
    assert_eq!(read_feed(&admin, 500).await, feed);
}

/// The guard and its control, on PostgreSQL (SQLite runs one write transaction at a
/// time, so nothing commits late there): ids from an identity column commit out of
/// order, so a cursor over them would skip the late one; a feed position is taken under
/// the counter row's lock, so the next publisher waits for the commit and no reader ever
/// sees a later position without the earlier.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_position_is_never_visible_before_an_earlier_one_commits() {
    use boxoffice::db::feed_events::{self, FeedEventRow};
    use boxoffice::db::{outbox as rows, write_transaction};
    use diesel::RunQueryDsl;

    let app = TestApp::spawn().await;
    if !app.state.settings.database_url.starts_with("postgres") {
        return;
    }
    let pool = app.state.pool.clone();
    let now = app.clock.now();
    let (mut first, mut second, mut reader) = (
        pool.get().unwrap(),
        pool.get().unwrap(),
        pool.get().unwrap(),
    );

    // The control: an identity id taken first, committed last.
    diesel::sql_query("BEGIN").execute(&mut *first).unwrap();
    rows::insert(&mut first, "late", "booking_held", "{}", now).unwrap();
    rows::insert(&mut second, "early", "booking_held", "{}", now).unwrap();
    let seen: Vec<String> = rows::all(&mut reader)
        .unwrap()
        .into_iter()
        .map(|r| r.message_id)
        .collect();
    assert_eq!(seen, vec!["early"], "the later id is visible alone");
    diesel::sql_query("COMMIT").execute(&mut *first).unwrap();
    let all = rows::all(&mut reader).unwrap();
    assert_eq!(
        all[0].message_id, "late",
        "… and the earlier id came after it"
    );

    // The guard: the second publisher waits on the counter row until the first commits.
    let row = move |position: i32, id: &str| FeedEventRow {
        position,
        message_id: id.to_owned(),
        event_type: "booking.held".into(),
        body: "{}".into(),
        created_at: now,
    };
    diesel::sql_query("BEGIN").execute(&mut *first).unwrap();
    let one = feed_events::next_position(&mut first).unwrap();
    feed_events::insert(&mut first, &row(one, "one")).unwrap();
    let waiting = tokio::task::spawn_blocking(move || {
        write_transaction(&mut second, |c| {
            let two = feed_events::next_position(c)?;
            feed_events::insert(c, &row(two, "two"))?;
            Ok::<_, diesel::result::Error>(two)
        })
        .unwrap()
    });
    let lock_waits = || {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM pg_stat_activity \
              WHERE wait_event_type = 'Lock' AND datname = current_database())",
        ))
        .get_result::<i64>(&mut *pool.get().unwrap())
        .unwrap()
    };
    support::deadline(std::time::Duration::from_secs(10), || async {
        lock_waits() == 1
    })
    .await;
    assert!(!waiting.is_finished(), "the second publisher waits");
    assert!(feed_events::after(&mut reader, 0, 10).unwrap().is_empty());
    diesel::sql_query("COMMIT").execute(&mut *first).unwrap();
    assert_eq!(waiting.await.unwrap(), one + 1);
    let positions: Vec<i32> = feed_events::after(&mut reader, 0, 10)
        .unwrap()
        .iter()
        .map(|e| e.position)
        .collect();
    assert_eq!(positions, vec![1, 2]);
}
