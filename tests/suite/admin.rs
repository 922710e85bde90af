//! The admin area: access rules, event and ticket type forms, publishing, and
//! quantity changes that keep the books right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::{events, ticket_types};
use support::TestApp;
use support::fixtures::EventSpec;
use support::visitor::location;

const EVENT_FORM: [(&str, &str); 5] = [
    ("title", "Spring Concert"),
    ("description", "Strings and brass."),
    ("venue", "Old Town Hall"),
    ("starts_at", "2031-04-01T19:30"),
    ("ends_at", "2031-04-01T22:00"),
];

#[tokio::test]
async fn every_admin_route_is_403_for_users_and_a_login_redirect_for_visitors() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Guarded")).await;
    let (e, t) = (show.event_id, show.ticket_type_ids[0]);
    let gets = [
        "/admin".to_owned(),
        "/admin/events/new".to_owned(),
        format!("/admin/events/{e}/edit"),
        format!("/admin/events/{e}/ticket-types/new"),
        format!("/admin/ticket-types/{t}/edit"),
    ];
    let posts = [
        "/admin/events".to_owned(),
        format!("/admin/events/{e}"),
        format!("/admin/events/{e}/publish"),
        format!("/admin/events/{e}/unpublish"),
        format!("/admin/events/{e}/ticket-types"),
        format!("/admin/ticket-types/{t}"),
    ];
    let user = app.registered("user@example.com").await;
    let visitor = app.visitor();
    for path in &gets {
        assert_eq!(user.get(path).await.status(), 403, "GET {path} as a user");
        let response = visitor.get(path).await;
        assert_eq!(response.status(), 303, "GET {path} anonymously");
        assert!(location(&response).starts_with("/login?next="));
    }
    for path in &posts {
        assert_eq!(
            user.post(path, &EVENT_FORM).await.status(),
            403,
            "POST {path} as a user"
        );
        assert_eq!(
            visitor.post(path, &EVENT_FORM).await.status(),
            303,
            "POST {path} anonymously"
        );
    }
    let titles = app.with_db(|c| events::all(c).unwrap()).await;
    assert_eq!(titles.len(), 1, "nothing was created");
}

#[tokio::test]
async fn an_admin_creates_edits_and_publishes_an_event_with_ticket_types() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    assert!(admin.page("/").await.contains("href=\"/admin\""));

    let response = admin.post("/admin/events", &EVENT_FORM).await;
    assert_eq!(response.status(), 303);
    let edit = location(&response);
    let event_id: i32 = edit
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    assert!(
        !app.visitor().page("/").await.contains("Spring Concert"),
        "new events start unpublished"
    );
    assert_eq!(
        app.visitor()
            .get(&format!("/events/{event_id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        admin.get(&format!("/events/{event_id}")).await.status(),
        200,
        "admins see drafts"
    );

    for (name, price, quantity) in [("Stalls", "45.00", "100"), ("Balcony", "25.5", "40")] {
        let response = admin
            .post(
                &format!("/admin/events/{event_id}/ticket-types"),
                &[
                    ("name", name),
                    ("price", price),
                    ("currency", "eur"),
                    ("quantity", quantity),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "adding {name}");
    }
    let mut edited = EVENT_FORM;
    edited[2] = ("venue", "New Town Hall");
    assert_eq!(
        admin
            .post(&format!("/admin/events/{event_id}"), &edited)
            .await
            .status(),
        303
    );
    assert_eq!(
        admin
            .post(&format!("/admin/events/{event_id}/publish"), &[])
            .await
            .status(),
        303
    );

    let home = app.visitor().page("/").await;
    assert!(home.contains("Spring Concert"));
    assert!(home.contains("€25.50 – €45.00"));
    assert!(home.contains("140 left"));
    let page = app.visitor().page(&format!("/events/{event_id}")).await;
    assert!(page.contains("New Town Hall"));
    let ticket_types = app
        .with_db(move |c| ticket_types::for_event(c, event_id).unwrap())
        .await;
    assert_eq!(ticket_types.len(), 2);
    assert_eq!(
        (
            ticket_types[0].amount_pennies,
            ticket_types[0].currency.as_str()
        ),
        (2550, "EUR")
    );
    let dashboard = admin.page("/admin").await;
    assert!(dashboard.contains("Spring Concert") && dashboard.contains("Balcony"));

    assert_eq!(
        admin
            .post(&format!("/admin/events/{event_id}/unpublish"), &[])
            .await
            .status(),
        303
    );
    assert!(!app.visitor().page("/").await.contains("Spring Concert"));
}

#[tokio::test]
async fn invalid_forms_come_back_with_messages_and_the_input_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = admin
        .post(
            "/admin/events",
            &[
                ("title", ""),
                ("description", "Kept <b>text</b>"),
                ("venue", "Hall"),
                ("starts_at", "2031-04-01T19:30"),
                ("ends_at", "2031-04-01T18:00"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("id=\"title-error\""));
    assert!(body.contains("The event must end after it starts."));
    assert!(
        body.contains("Kept &#60;b&#62;text&#60;/b&#62;")
            || body.contains("Kept &lt;b&gt;text&lt;/b&gt;"),
        "input kept, escaped"
    );
    assert!(body.contains("value=\"2031-04-01T19:30\""));
    assert!(app.with_db(|c| events::all(c).unwrap()).await.is_empty());

    let show = app.create_event(EventSpec::new("Typed")).await;
    let response = admin
        .post(
            &format!("/admin/events/{}/ticket-types", show.event_id),
            &[
                ("name", "VIP"),
                ("price", "12.345"),
                ("currency", "EURO"),
                ("quantity", "many"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("id=\"currency-error\"") && body.contains("id=\"quantity-error\""));
    assert!(body.contains("value=\"VIP\"") && body.contains("value=\"many\""));
    let count = app
        .with_db(move |c| ticket_types::for_event(c, show.event_id).unwrap().len())
        .await;
    assert_eq!(count, 1);
}

#[tokio::test]
async fn title_and_start_are_unique_together() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    assert_eq!(admin.post("/admin/events", &EVENT_FORM).await.status(), 303);
    let response = admin.post("/admin/events", &EVENT_FORM).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already starts at that time")
    );
    let mut later = EVENT_FORM;
    later[3] = ("starts_at", "2031-04-02T19:30");
    later[4] = ("ends_at", "2031-04-02T22:00");
    assert_eq!(
        admin.post("/admin/events", &later).await.status(),
        303,
        "same title, another day"
    );
    assert_eq!(app.with_db(|c| events::all(c).unwrap()).await.len(), 2);
}

#[tokio::test]
async fn quantity_changes_move_availability_and_never_below_what_is_taken() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Sized").seats("GA", 1000, 10))
        .await;
    let ticket_type = show.ticket_type_ids[0];
    for i in 0..3 {
        let buyer = app.registered(&format!("b{i}@example.com")).await;
        buyer.reserve(show.event_id, ticket_type).await;
    }
    let admin = app.admin().await;
    let edit = |quantity: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post(
                    &format!("/admin/ticket-types/{ticket_type}"),
                    &[
                        ("name", "GA"),
                        ("price", "10.00"),
                        ("currency", "EUR"),
                        ("quantity", quantity),
                    ],
                )
                .await
        }
    };
    assert_eq!(edit("25").await.status(), 303);
    assert_eq!(app.available(ticket_type).await, 22);
    assert_eq!(edit("5").await.status(), 303);
    assert_eq!(app.available(ticket_type).await, 2);
    let refused = edit("2").await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("3 tickets are already sold or held")
    );
    assert_eq!(app.available(ticket_type).await, 2);
    assert_eq!(edit("3").await.status(), 303);
    assert_eq!(app.available(ticket_type).await, 0);
    app.assert_books_clean().await;
}
