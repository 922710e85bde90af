//! The public pages, health check, headers and static assets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::TimeDelta;
use support::TestApp;
use support::fixtures::EventSpec;

#[tokio::test]
async fn the_front_page_lists_published_upcoming_events_soonest_first() {
    let app = TestApp::spawn().await;
    app.create_event(EventSpec::new("Later").starting_in(TimeDelta::days(20)))
        .await;
    app.create_event(
        EventSpec::new("Sooner")
            .starting_in(TimeDelta::days(2))
            .seats("A", 1500, 3)
            .seats("B", 4000, 0),
    )
    .await;
    app.create_event(EventSpec::new("Draft").unpublished())
        .await;
    app.create_event(EventSpec::new("Over").starting_in(TimeDelta::days(-2)))
        .await;

    let home = app.visitor().page("/").await;
    let sooner = home.find("Sooner").expect("listed");
    let later = home.find("Later").expect("listed");
    assert!(sooner < later, "soonest first");
    assert!(!home.contains("Draft"), "unpublished events are hidden");
    assert!(!home.contains("Over"), "ended events are hidden");
    assert!(home.contains("€15.00 – €40.00"));
    assert!(home.contains("3 left"));
}

#[tokio::test]
async fn the_front_page_is_paginated() {
    let app = TestApp::spawn().await;
    for day in 1..=12 {
        app.create_event(
            EventSpec::new(&format!("Night {day:02}")).starting_in(TimeDelta::days(day)),
        )
        .await;
    }
    let first = app.visitor().page("/").await;
    assert!(first.contains("Night 10") && !first.contains("Night 11"));
    assert!(first.contains("Page 1 of 2"));
    let second = app.visitor().page("/?page=2").await;
    assert!(
        second.contains("Night 11") && second.contains("Night 12") && !second.contains("Night 01")
    );
    let beyond = app.visitor().page("/?page=99").await;
    assert!(beyond.contains("Page 2 of 2"));
}

#[tokio::test]
async fn an_event_page_shows_its_ticket_types_and_sold_out() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(
            EventSpec::new("Gala")
                .seats("Floor", 2500, 7)
                .seats("Box", 9000, 0),
        )
        .await;
    let page = app
        .visitor()
        .page(&format!("/events/{}", show.event_id))
        .await;
    assert!(page.contains("<title>Gala · boxoffice</title>"));
    assert!(page.contains("Floor") && page.contains("€25.00") && page.contains("7 left"));
    assert!(page.contains("Box") && page.contains("Sold out"));
}

#[tokio::test]
async fn unpublished_and_missing_events_are_404_for_everyone_but_admins() {
    let app = TestApp::spawn().await;
    let draft = app
        .create_event(EventSpec::new("Secret").unpublished())
        .await;
    let path = format!("/events/{}", draft.event_id);
    assert_eq!(app.visitor().get(&path).await.status(), 404);
    assert_eq!(
        app.registered("u@example.com")
            .await
            .get(&path)
            .await
            .status(),
        404
    );
    assert_eq!(app.admin().await.get(&path).await.status(), 200);
    let missing = app.visitor().get("/events/999999").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
    assert_eq!(
        app.visitor().get("/events/not-a-number").await.status(),
        404
    );
    assert_eq!(app.visitor().get("/no/such/page").await.status(), 404);
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let response = app.visitor().get("/healthz").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/nowhere", "/static/app.css", "/healthz"] {
        let response = app.visitor().get(path).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "same-origin");
    }
}

#[tokio::test]
async fn the_stylesheet_is_cached_and_versioned() {
    let app = TestApp::spawn().await;
    let home = app.visitor().page("/").await;
    assert!(home.contains("/static/app.css?v="));
    let response = app.visitor().get("/static/app.css").await;
    assert_eq!(response.status(), 200);
    let cache = response
        .headers()
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cache.contains("max-age=31536000"));
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn anonymous_browsing_sets_no_cookie() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Quiet")).await;
    for path in ["/".to_owned(), format!("/events/{}", show.event_id)] {
        let response = app.visitor().get(&path).await;
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{path} set a cookie"
        );
    }
}

#[tokio::test]
async fn every_response_carries_its_own_request_id() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let ids: Vec<String> =
        futures_util::future::join_all([visitor.get("/"), visitor.get("/nowhere")])
            .await
            .iter()
            .map(|r| {
                r.headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
    assert!(
        ids.iter()
            .all(|id| id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit())),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
}
