//! The HTTP intake's bounds: past `HTTP_MAX_CONNECTIONS` per worker, a connection waits
//! in the listen backlog and is answered once a slot frees, never refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use futures_util::future::join_all;
use support::TestApp;
use tokio::net::TcpStream;

const LIMITS: &[(&str, &str)] = &[("HTTP_WORKERS", "1"), ("HTTP_MAX_CONNECTIONS", "2")];

fn host_port(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn past_the_connection_cap_a_request_waits_and_is_answered_when_a_slot_frees() {
    let app = TestApp::spawn_with(LIMITS).await;
    // Two idle connections take the only worker's two slots.
    let first = TcpStream::connect(host_port(&app)).await.unwrap();
    let second = TcpStream::connect(host_port(&app)).await.unwrap();
    let visitor = app.visitor();
    let mut waiting = Box::pin(visitor.get("/healthz"));
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut waiting)
            .await
            .is_err(),
        "a third connection is not served while two hold the cap"
    );
    drop(first);
    let answered = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("answered once a slot frees");
    assert_eq!(answered.status(), 200);
    drop(second);
}

#[tokio::test]
async fn a_crowd_far_over_the_cap_is_queued_and_every_request_answered() {
    let app = TestApp::spawn_with(LIMITS).await;
    // A connection per buyer, closed after its answer, as the rush's buyers do (an idle
    // keep-alive connection would hold its slot until the server's keep-alive ends).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = format!("{}/healthz", app.address);
    let answers = join_all((0..64).map(|_| client.get(&url).send())).await;
    assert!(
        answers
            .iter()
            .all(|answer| answer.as_ref().is_ok_and(|a| a.status() == 200)),
        "every one of 64 requests on 2 connection slots answered: {answers:?}"
    );
}
