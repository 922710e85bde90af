//! The organiser's dashboard (issue 24): upcoming events first, then the past; search by
//! title and venue; a status filter with the right status shown; keyset pages across
//! the two lists; publishing without a ticket type refused; descriptions in Markdown,
//! sanitised. Both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::events;
use chrono::TimeDelta;
use support::TestApp;
use support::fixtures::EventSpec;
use support::visitor::location;

/// The titles of the events on a dashboard page, in order.
fn titles(page: &str) -> Vec<String> {
    page.split("<h2 id=\"event-")
        .skip(1)
        .filter_map(|part| {
            let link = part.split_once("/edit\">")?.1;
            Some(link.split_once("</a>")?.0.to_owned())
        })
        .collect()
}

/// The href of the link with `rel`.
fn link(page: &str, rel: &str) -> Option<String> {
    let at = page.find(&format!("rel=\"{rel}\""))?;
    let before = &page[..at];
    let href = before.rfind("href=\"")?;
    let value = &before[href + 6..];
    Some(value[..value.find('"')?].replace("&amp;", "&"))
}

#[tokio::test]
async fn upcoming_first_then_past_in_keyset_pages_that_keep_the_search() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // 15 upcoming (day 1..15 ahead) and 10 past (day 1..10 ago).
    for day in 1..=15 {
        app.create_event(
            EventSpec::new(&format!("Upcoming {day:02}")).starting_in(TimeDelta::days(day)),
        )
        .await;
    }
    for day in 1..=10 {
        app.create_event(
            EventSpec::new(&format!("Past {day:02}")).starting_in(TimeDelta::days(-day)),
        )
        .await;
    }
    let first = admin.page("/admin").await;
    let mut expected: Vec<String> = (1..=15).map(|d| format!("Upcoming {d:02}")).collect();
    expected.extend((1..=5).map(|d| format!("Past {d:02}")));
    assert_eq!(titles(&first), expected, "soonest first, then latest past");
    assert!(link(&first, "prev").is_none());
    let next = link(&first, "next").expect("a next page");
    let second = admin.page(&next).await;
    assert_eq!(
        titles(&second),
        (6..=10).map(|d| format!("Past {d:02}")).collect::<Vec<_>>()
    );
    assert!(link(&second, "next").is_none());
    let back = admin.page(&link(&second, "prev").unwrap()).await;
    assert_eq!(titles(&back), expected, "back to the first page");
    // The last page is the last twenty, across the two lists.
    let last = admin.page(&link(&first, "last").unwrap()).await;
    let mut tail: Vec<String> = (6..=15).map(|d| format!("Upcoming {d:02}")).collect();
    tail.extend((1..=10).map(|d| format!("Past {d:02}")));
    assert_eq!(titles(&last), tail);
    let before_last = admin.page(&link(&last, "prev").unwrap()).await;
    assert_eq!(
        titles(&before_last),
        expected,
        "less than a page before it: the first page"
    );

    // A search narrows both lists and the links keep it.
    let found = admin.page("/admin?q=past+0").await;
    assert_eq!(
        titles(&found),
        (1..=9).map(|d| format!("Past {d:02}")).collect::<Vec<_>>(),
        "any case, title or venue"
    );
    let by_venue = admin.page("/admin?q=TEST+HALL").await;
    assert_eq!(titles(&by_venue).len(), 20, "every event is in Test Hall");
    assert!(link(&by_venue, "next").unwrap().contains("q=TEST+HALL"));
    let literal = admin.page("/admin?q=%25").await;
    assert!(
        titles(&literal).is_empty(),
        "% is a character, not a wildcard"
    );
    assert_eq!(admin.get("/admin?status=sleeping").await.status(), 400);
    assert_eq!(admin.get("/admin?after=x1-1").await.status(), 400);
}

#[tokio::test]
async fn each_event_shows_its_status_and_the_filter_finds_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let on_sale = app.create_event(EventSpec::new("Selling")).await;
    let sold_out = app
        .create_event(EventSpec::new("Gone").seats("Only", 1000, 1))
        .await;
    app.paid_booking(
        "ada@example.com",
        sold_out.event_id,
        sold_out.ticket_type_ids[0],
        1,
    )
    .await;
    app.create_event(EventSpec::new("Sketch").unpublished())
        .await;
    app.create_event(EventSpec::new("Over").starting_in(TimeDelta::days(-2)))
        .await;
    app.create_event(EventSpec::new("Tonight").starting_in(TimeDelta::minutes(-30)))
        .await;
    let cancelled = app.create_event(EventSpec::new("Called off")).await;
    let cancel = admin
        .post(
            &format!("/admin/events/{}/cancel", cancelled.event_id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(cancel.status(), 303);
    let page = admin.page("/admin").await;
    for (title, label) in [
        ("Selling", "On sale"),
        ("Gone", "Sold out"),
        ("Sketch", "Draft"),
        ("Over", "Ended"),
        ("Tonight", "Under way"),
        ("Called off", "Cancelled"),
    ] {
        let section = page
            .split(&format!("/edit\">{title}</a>"))
            .nth(1)
            .unwrap_or_else(|| panic!("{title} is listed"));
        let meta = section.split("</p>").next().unwrap();
        assert!(meta.contains(label), "{title} reads {label}: {meta}");
    }
    for (status, title) in [
        ("on_sale", "Selling"),
        ("sold_out", "Gone"),
        ("draft", "Sketch"),
        ("ended", "Over"),
        ("running", "Tonight"),
        ("cancelled", "Called off"),
    ] {
        let filtered = admin.page(&format!("/admin?status={status}")).await;
        assert_eq!(titles(&filtered), vec![title.to_owned()], "{status}");
    }
    // Every cell names its column for a narrow screen.
    assert!(page.contains("<td data-label=\"Seats sold\">"));
    assert!(on_sale.event_id > 0);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn publishing_an_event_without_a_ticket_type_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = admin
        .post(
            "/admin/events",
            &[
                ("title", "Empty"),
                ("venue", "Hall"),
                ("starts_at", "2031-05-01T20:00"),
                ("ends_at", "2031-05-01T22:00"),
            ],
        )
        .await;
    let id: i32 = location(&created)
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let refused = admin
        .post(&format!("/admin/events/{id}/publish"), &[])
        .await;
    assert_eq!(refused.status(), 303);
    assert_eq!(location(&refused), format!("/admin/events/{id}/edit"));
    let edit = admin.page(&format!("/admin/events/{id}/edit")).await;
    assert!(
        edit.contains("Add at least one ticket type before publishing"),
        "{edit}"
    );
    let event = app
        .with_db(move |c| events::find(c, id).unwrap().unwrap())
        .await;
    assert!(!event.published, "still a draft");
    let api = app.api_admin().await;
    let answer = api
        .post(
            &format!("/admin/events/{id}/publish"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), "no_ticket_types");
    assert!(!app.visitor().page("/").await.contains("Empty"));
}

#[tokio::test]
async fn descriptions_are_markdown_rendered_and_sanitised_on_the_page_and_in_the_api() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Markdown")).await;
    let id = show.event_id;
    let source = "## Line-up\n\n**Big band** [tickets](https://example.com) \
                  [evil](javascript:alert(1)) <script>alert(2)</script> \
                  <img src=x onerror=alert(3)>";
    let saved = admin
        .post(
            &format!("/admin/events/{id}"),
            &[
                ("title", "Markdown"),
                ("venue", "Hall"),
                ("starts_at", "2031-05-01T20:00"),
                ("ends_at", "2031-05-01T22:00"),
                ("description", source),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let page = app.visitor().page(&format!("/events/{id}")).await;
    assert!(page.contains("<h2>Line-up</h2>"), "{page}");
    assert!(page.contains("<strong>Big band</strong>"));
    assert!(page.contains(
        "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">tickets</a>"
    ));
    assert!(!page.contains("javascript:"), "no javascript: link");
    assert!(!page.contains("<script>alert(2)"), "no script");
    assert!(!page.contains("<img"), "no raw HTML element");
    assert!(page.contains("&lt;script&gt;"), "raw HTML shows as text");
    let api = app.api().get(&format!("/events/{id}")).await;
    assert_eq!(api.json["description"], source, "the source as typed");
    let html = api.json["description_html"].as_str().unwrap();
    assert!(html.contains("<strong>Big band</strong>"));
    assert!(!html.contains("javascript:") && !html.contains("<script") && !html.contains("<img"));
}
