//! Limits shared by every instance (issue 23): two instances on one database share each
//! budget, so N instances never multiply what one client may do, and a refused subject
//! stays refused on every instance until its window ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::domain::limits::{Limit, Subject, shared};
use support::{PASSWORD, TestApp};

async fn user_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use boxoffice::db::schema::users::dsl;
        use diesel::prelude::*;
        dsl::users.count().get_result::<i64>(conn).unwrap()
    })
    .await
}

#[tokio::test]
async fn two_instances_share_the_registrations_of_one_address() {
    let first = TestApp::spawn_with(&[("REGISTRATIONS_PER_ADDRESS", "3")]).await;
    let second = first
        .another_instance_with(&[("REGISTRATIONS_PER_ADDRESS", "3")])
        .await;
    first.start_next_window(3600, &[&second]);
    // One address alternates between the instances behind a load balancer.
    for (i, instance) in [&first, &second, &first].into_iter().enumerate() {
        let response = instance
            .visitor()
            .register(&format!("farm{i}@example.com"), PASSWORD)
            .await;
        assert_eq!(response.status(), 303, "registration {i} is allowed");
    }
    for instance in [&second, &first] {
        let refused = instance
            .visitor()
            .register("farm-more@example.com", PASSWORD)
            .await;
        assert_eq!(
            refused.status(),
            429,
            "the budget is spent on both instances"
        );
    }
    assert_eq!(user_count(&first).await, 3);
}

#[tokio::test]
async fn two_instances_share_a_tokens_request_budget() {
    let settings = [("API_REQUESTS_PER_MINUTE", "6")];
    let first = TestApp::spawn_with(&settings).await;
    let second = first.another_instance_with(&settings).await;
    first.start_next_window(60, &[&second]);
    let buyer = first.api_user("buyer@example.com").await;
    let token = buyer.token.clone().unwrap();
    let on_second = second.api().with_token(&token);
    let mut remaining = Vec::new();
    for n in 0..6 {
        let client = if n % 2 == 0 { &buyer } else { &on_second };
        let reply = client.get("/bookings").await;
        assert_eq!(reply.status, 200, "request {n}");
        remaining.push(reply.header("ratelimit-remaining").unwrap().to_owned());
    }
    assert_eq!(
        remaining,
        ["5", "4", "3", "2", "1", "0"],
        "one count for both"
    );
    for client in [&buyer, &on_second] {
        let refused = client.get("/bookings").await;
        assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    }
    // The next window opens on both instances.
    first.start_next_window(60, &[&second]);
    assert_eq!(on_second.get("/bookings").await.status, 200);
}

#[tokio::test]
async fn more_tokens_buy_no_more_requests() {
    let settings = [
        ("API_REQUESTS_PER_MINUTE", "100"),
        ("API_REQUESTS_PER_USER_PER_MINUTE", "5"),
    ];
    let app = TestApp::spawn_with(&settings).await;
    app.start_next_window(60, &[]);
    let first_token = app.api_user("minter@example.com").await;
    let second_token = app.api().logged_in("minter@example.com", PASSWORD).await;
    assert_ne!(first_token.token, second_token.token);
    let mut answers = Vec::new();
    for n in 0..8 {
        let client = if n % 2 == 0 {
            &first_token
        } else {
            &second_token
        };
        answers.push(client.get("/bookings").await.status);
    }
    assert_eq!(answers, [200, 200, 200, 200, 200, 429, 429, 429]);
}

/// The counter itself, on the engine under test: concurrent hits from many connections
/// each see an exact count, so exactly the allowance is allowed.
#[tokio::test]
async fn concurrent_hits_allow_exactly_the_allowance() {
    let app = TestApp::spawn().await;
    let limit = Limit::new("test_burst", 10, std::time::Duration::from_secs(3600));
    let now = app.clock.now();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(40));
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let pool = app.state.pool.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().unwrap();
                shared::take(&mut conn, &limit, &Subject::everyone(), now).unwrap()
            })
            .await
            .unwrap()
        }));
    }
    let mut allowed = 0;
    let mut remaining = Vec::new();
    for task in tasks {
        let quota = task.await.unwrap();
        if quota.allowed {
            allowed += 1;
            remaining.push(quota.remaining);
        }
    }
    assert_eq!(allowed, 10, "exactly the allowance, on this engine");
    remaining.sort_unstable();
    assert_eq!(
        remaining,
        (0..10).collect::<Vec<u32>>(),
        "each saw its own count"
    );
}

#[tokio::test]
async fn ended_windows_are_purged() {
    let app = TestApp::spawn().await;
    let minute = Limit::new("test_purge", 5, std::time::Duration::from_secs(60));
    let now = app.clock.now();
    app.with_db(move |conn| {
        shared::take(conn, &minute, &Subject::user(1), now).unwrap();
        shared::take(conn, &minute, &Subject::user(2), now).unwrap();
    })
    .await;
    let purged = boxoffice::app::limits::purge_expired(&app.state)
        .await
        .unwrap();
    assert_eq!(purged, 0, "live windows stay");
    app.clock.advance(chrono::TimeDelta::seconds(61));
    let purged = boxoffice::app::limits::purge_expired(&app.state)
        .await
        .unwrap();
    assert_eq!(purged, 2);
    let left = app
        .with_db(move |conn| shared::count(conn, &minute, &Subject::user(1), now).unwrap())
        .await;
    assert_eq!(left, 0);
}
