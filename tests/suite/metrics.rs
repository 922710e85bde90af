//! `GET /metrics`: off unless a token is configured, then only for that bearer token;
//! request counts by route pattern and the shop's gauges in Prometheus text format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::TestApp;
use support::fixtures::EventSpec;

const TOKEN: &str = "scrape-token-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the metrics request")
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn metrics_are_off_without_a_token() {
    let app = TestApp::spawn().await;
    assert_eq!(scrape(&app, None).await.status(), 404);
    let response = scrape(&app, Some(TOKEN)).await;
    assert_eq!(response.status(), 404);
    let page = response.text().await.unwrap();
    let unknown = app
        .visitor()
        .get("/no-such-page")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.contains("<html"),
        unknown.contains("<html"),
        "the same 404 page as any unknown path"
    );
}

#[tokio::test]
async fn metrics_need_the_configured_bearer_token() {
    let app = TestApp::spawn_with(&[("METRICS_TOKEN", TOKEN)]).await;
    assert_eq!(scrape(&app, None).await.status(), 401);
    assert_eq!(
        scrape(&app, Some("scrape-token-0123456780")).await.status(),
        401
    );
    let response = scrape(&app, Some(TOKEN)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_seats_match_the_books() {
    let app = TestApp::spawn_with(&[("METRICS_TOKEN", TOKEN)]).await;
    let show = app
        .create_event(EventSpec::new("Jazz").seats("Standing", 2500, 10))
        .await;
    let series = r#"boxoffice_http_requests_total{method="GET",route="/events/{id}",status="2xx"}"#;
    let before = scrape(&app, Some(TOKEN)).await.text().await.unwrap();
    let seen_before = sample(&before, series).unwrap_or(0.0);

    let ann = app.registered("ann@example.com").await;
    ann.page(&format!("/events/{}", show.event_id)).await;
    ann.page(&format!("/events/{}", show.event_id)).await;
    let response = ann.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(response.status(), 303);

    let bob = app.registered("bob@example.com").await;
    support::mail::paid_booking(&app, &bob, "Opera", "2").await;

    let body = scrape(&app, Some(TOKEN)).await.text().await.unwrap();
    assert_eq!(sample(&body, series), Some(seen_before + 2.0), "{body}");
    assert!(
        !body.contains(&format!("route=\"/events/{}\"", show.event_id)),
        "the raw path is never a label"
    );
    assert!(body.contains("boxoffice_http_request_duration_seconds_bucket{"));
    assert_eq!(
        sample(&body, "boxoffice_seats_held"),
        Some(1.0),
        "ann's hold"
    );
    assert_eq!(
        sample(&body, "boxoffice_seats_sold"),
        Some(2.0),
        "bob's two seats"
    );
    assert_eq!(
        sample(&body, r#"boxoffice_payments{state="paid"}"#),
        Some(1.0)
    );
    assert!(sample(&body, "boxoffice_db_pool_wait_seconds_count").unwrap() > 0.0);
    assert_eq!(
        sample(&body, "boxoffice_db_pool_max_connections"),
        Some(8.0)
    );
    // Bob's confirmation waits in the outbox (no dispatcher runs in tests).
    assert!(sample(&body, "boxoffice_outbox_lag_seconds").unwrap() >= 0.0);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_shared_limits_show_their_state() {
    let app =
        TestApp::spawn_with(&[("METRICS_TOKEN", TOKEN), ("API_REQUESTS_PER_MINUTE", "2")]).await;
    app.start_next_window(60, &[]);
    let anonymous = app.api();
    let answers: Vec<u16> = list_events_times(&anonymous, 3).await;
    assert_eq!(answers, [200, 200, 429]);
    let body = scrape(&app, Some(TOKEN)).await.text().await.unwrap();
    assert_eq!(
        sample(&body, r#"boxoffice_limit_subjects{limit="api_requests"}"#),
        Some(1.0),
        "one address counted: {body}"
    );
    assert_eq!(
        sample(
            &body,
            r#"boxoffice_limit_refusals_total{limit="api_requests"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &body,
            r#"boxoffice_limit_subjects{limit="login_failures_account"}"#
        ),
        Some(0.0),
        "every limit is listed"
    );
}

async fn list_events_times(api: &support::api::Api, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(api.get("/events").await.status);
    }
    statuses
}
