//! The public pages, health check, headers and static assets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

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

/// The `href` of the page link marked `rel`, if the page has one.
fn link(html: &str, rel: &str) -> Option<String> {
    let anchor = html
        .split("<a ")
        .find(|a| a.contains(&format!("rel=\"{rel}\"")))?;
    let href = anchor.split("href=\"").nth(1)?;
    Some(href[..href.find('"')?].replace("&amp;", "&"))
}

/// The "Night NN" titles a page lists, in order.
fn nights(html: &str) -> Vec<String> {
    html.match_indices("Night ")
        .map(|(at, _)| html[at..at + 8].to_owned())
        .collect()
}

#[tokio::test]
async fn the_front_page_is_paged_by_links_to_the_next_and_previous_events() {
    let app = TestApp::spawn().await;
    for day in 1..=12 {
        app.create_event(
            EventSpec::new(&format!("Night {day:02}")).starting_in(TimeDelta::days(day)),
        )
        .await;
    }
    let visitor = app.visitor();
    let first = visitor.page("/").await;
    let names = |from: i32, to: i32| -> Vec<String> {
        (from..=to).map(|d| format!("Night {d:02}")).collect()
    };
    assert_eq!(nights(&first), names(1, 10));
    assert_eq!(link(&first, "prev"), None, "the first page has no previous");

    let second = visitor
        .page(&link(&first, "next").expect("a next link"))
        .await;
    assert_eq!(nights(&second), names(11, 12));
    assert_eq!(link(&second, "next"), None, "the end of the list");
    let back = visitor
        .page(&link(&second, "prev").expect("a previous link"))
        .await;
    assert_eq!(nights(&back), names(1, 10));

    // The last page is the last ten, reached in one step.
    let last = visitor
        .page(&link(&first, "last").expect("a last link"))
        .await;
    assert_eq!(nights(&last), names(3, 12));
    assert_eq!(link(&last, "next"), None);
    let before_last = visitor
        .page(&link(&last, "prev").expect("a previous link"))
        .await;
    assert_eq!(
        nights(&before_last),
        names(1, 10),
        "back at the start, a whole page"
    );
}

#[tokio::test]
async fn paging_through_events_that_start_together_shows_each_once() {
    let app = TestApp::spawn().await;
    // Same start for all: the id breaks the tie, across a page boundary.
    for n in 1..=23 {
        app.create_event(EventSpec::new(&format!("Night {n:02}")).starting_in(TimeDelta::days(3)))
            .await;
    }
    let visitor = app.visitor();
    let mut seen = Vec::new();
    let mut path = "/".to_owned();
    let mut pages = Vec::new();
    loop {
        let html = visitor.page(&path).await;
        seen.extend(nights(&html));
        pages.push(path.clone());
        match link(&html, "next") {
            Some(next) => path = next,
            None => break,
        }
    }
    let expected: Vec<String> = (1..=23).map(|n| format!("Night {n:02}")).collect();
    assert_eq!(seen, expected, "every event once, in order, over {pages:?}");
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn a_page_link_the_shop_did_not_write_is_a_400() {
    let app = TestApp::spawn().await;
    app.create_event(EventSpec::new("Night 01")).await;
    let visitor = app.visitor();
    for bad in [
        "/?after=garbage",
        "/?after=20270105T190000",
        "/?before=20271305T190000-1",
        "/?after=20270105T190000--4",
        "/?after=20270105T190000-0",
        "/?after=20270105T190000-99999999999",
        "/?after=20270105T190000-1&before=end",
        "/?after=end",
    ] {
        let response = visitor.get(bad).await;
        assert_eq!(response.status(), 400, "GET {bad}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("page link is not valid")
        );
    }
    // A well-formed link past the end: an empty page and a way back, not an error.
    let past = visitor.page("/?after=29990101T000000-1").await;
    assert!(past.contains("No more events here"), "{past}");
    assert_eq!(link(&past, "first").as_deref(), Some("/"));
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
