//! Password hashing on its own bounded pool (issue 23): while every hashing thread and
//! every place in its queue is taken, log-ins, token requests and registrations are
//! refused at once with 503 and `Retry-After`, and page views and holds, which never
//! hash, are served as usual.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::json;
use support::fixtures::EventSpec;
use support::visitor::location;
use support::{PASSWORD, TestApp, deadline};

/// Takes every thread (`threads`) and every place of the queue (`queue`) of the app's
/// hashing pool with jobs that wait for the returned sender (dropping it ends them).
async fn occupy_the_hashing_pool(app: &TestApp, threads: i64, queue: i64) -> mpsc::Sender<()> {
    let (release, wait) = mpsc::channel::<()>();
    let wait = Arc::new(Mutex::new(wait));
    // One job at a time, each seen running (or queued) before the next is sent, so none
    // is refused because a thread had not yet taken the one before.
    let steps = (1..=threads)
        .map(|running| (running, 0))
        .chain((1..=queue).map(|waiting| (threads, waiting)));
    for (running, waiting) in steps {
        let (state, wait) = (app.state.clone(), Arc::clone(&wait));
        tokio::spawn(async move {
            state
                .hashing
                .run(move || {
                    // Threads after the first wait for this lock, then for the release.
                    let _ = wait.lock().unwrap().recv();
                })
                .await
        });
        let state = app.state.clone();
        let seen = Arc::new(Mutex::new((0, 0)));
        let last = Arc::clone(&seen);
        let reached = tokio::time::timeout(
            Duration::from_secs(10),
            deadline(Duration::from_secs(3600), || {
                let now = (state.hashing.running(), state.hashing.waiting());
                *last.lock().unwrap() = now;
                async move { now == (running, waiting) }
            }),
        )
        .await;
        assert!(
            reached.is_ok(),
            "the hashing pool never showed (running, waiting) = {:?}; last seen {:?}",
            (running, waiting),
            *seen.lock().unwrap()
        );
    }
    release
}

#[tokio::test]
async fn a_flood_of_logins_is_refused_at_once_while_pages_and_holds_are_served() {
    let app = TestApp::spawn_with(&[
        ("PASSWORD_HASHING_THREADS", "1"),
        ("PASSWORD_HASHING_QUEUE", "1"),
    ])
    .await;
    let show = app
        .create_event(EventSpec::new("On sale now").seats("Stalls", 2500, 100))
        .await;
    let buyer = app.registered("buyer@example.com").await;
    app.registered("fan@example.com").await;

    let release = occupy_the_hashing_pool(&app, 1, 1).await;

    // A flood of log-ins, right and wrong: none waits for a hash, each is told to retry.
    let visitors: Vec<_> = (0..20).map(|_| app.visitor()).collect();
    let answers = futures_util::future::join_all(visitors.iter().enumerate().map(|(i, v)| {
        let password = if i % 2 == 0 {
            PASSWORD
        } else {
            "a wrong guess"
        };
        v.login("fan@example.com", password)
    }))
    .await;
    for answer in &answers {
        assert_eq!(answer.status(), 503);
        assert_eq!(
            answer
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("2")
        );
    }
    let token = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "fan@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((token.status, token.code()), (503, "unavailable"));
    assert!(token.header("retry-after").is_some());
    let newcomer = app.visitor().register("new@example.com", PASSWORD).await;
    assert_eq!(newcomer.status(), 503);
    assert!(app.state.hashing.refused() >= 22);

    // Meanwhile the event page and a hold are served: they never wait behind a hash.
    let page = app
        .visitor()
        .page(&format!("/events/{}", show.event_id))
        .await;
    assert!(page.contains("On sale now"));
    let held = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert!(
        location(&held).starts_with("/bookings/"),
        "the hold is taken: {}",
        location(&held)
    );
    assert_eq!(
        app.state.hashing.running() + app.state.hashing.waiting(),
        2,
        "the hashing pool was full all along"
    );

    drop(release);
    let state = app.state.clone();
    deadline(Duration::from_secs(10), || {
        let idle = state.hashing.running() + state.hashing.waiting() == 0;
        async move { idle }
    })
    .await;
    let fan = app.visitor();
    assert_eq!(fan.login("fan@example.com", PASSWORD).await.status(), 303);
}
