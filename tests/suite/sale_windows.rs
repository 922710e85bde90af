//! Sale windows (issue 24, item 7): a ticket type is on sale from `sale_starts_at`
//! (inclusive) until `sale_ends_at` (exclusive), typed by the organiser in the event's
//! zone; the event page and the API say when it opens or that sales ended; holds (web
//! and API, one seat or a group) are refused outside the window inside the reserving
//! transaction, with the request's `now`, at both edges exactly. The races (an admin's
//! new window against holds in flight, bursts at the opening and at a close) are in
//! sale_windows_race.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::models::{NewUser, TicketType};
use boxoffice::db::{Conn, ticket_types, users};
use boxoffice::domain::bookings::hold_rules::{HoldRequest, HoldRules};
use boxoffice::domain::bookings::reservation::{self, Admission, ReserveOutcome};
use boxoffice::domain::bookings::selling_rules::RuleRefusal;
use boxoffice::domain::common::time_zone::{self, Tz};
use chrono::{NaiveDateTime, TimeDelta, Timelike};
use serde_json::json;
use support::TestApp;
use support::fixtures::EventSpec;
use support::visitor::location;

const BERLIN: Tz = Tz::Europe__Berlin;

/// Sets a ticket type's window directly (test set-up), bumping its lock_version as the
/// admin's update does.
async fn set_window(
    app: &TestApp,
    ticket_type: i32,
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) {
    app.with_db(move |conn| {
        let seen = ticket_types::find(conn, ticket_type).unwrap().unwrap();
        assert!(
            ticket_types::set_sale_window(conn, ticket_type, seen.lock_version, from, until)
                .unwrap()
                .applied()
        );
    })
    .await;
}

async fn ticket_type(app: &TestApp, id: i32) -> TicketType {
    app.with_db(move |conn| ticket_types::find(conn, id).unwrap().unwrap())
        .await
}

/// A time on a whole minute (what a `datetime-local` input can say).
fn whole_minute(time: NaiveDateTime) -> NaiveDateTime {
    time.with_second(0).unwrap().with_nanosecond(0).unwrap()
}

fn new_user(conn: &mut Conn, email: &str) -> i32 {
    users::insert(
        conn,
        &NewUser {
            email,
            password_hash: "x",
            is_admin: false,
            created_at: chrono::Utc::now().naive_utc(),
        },
    )
    .unwrap()
    .id
}

#[tokio::test]
async fn the_admin_types_a_window_in_the_events_zone_and_the_page_says_when_it_opens() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(
            EventSpec::new("Winter Gala")
                .in_zone("Europe/Berlin")
                .starting_in(TimeDelta::days(60)),
        )
        .await;
    let (event, standing) = (show.event_id, show.ticket_type_ids[0]);
    let admin = app.admin().await;
    let form = admin
        .page(&format!("/admin/ticket-types/{standing}/edit"))
        .await;
    assert!(
        form.contains("On sale from") && form.contains("Until"),
        "{form}"
    );
    assert!(form.contains("local time in Europe/Berlin"));

    let opens_utc = whole_minute(app.clock.now() + TimeDelta::days(10));
    let opens_local = time_zone::form_value(opens_utc, BERLIN);
    let before = ticket_type(&app, standing).await.lock_version;
    let post = |from: String, until: String| {
        let admin = &admin;
        async move {
            admin
                .post(
                    &format!("/admin/ticket-types/{standing}"),
                    &[
                        ("name", "Standing"),
                        ("price", "25.00"),
                        ("currency", "EUR"),
                        ("quantity", "100"),
                        ("sale_starts_at", from.as_str()),
                        ("sale_ends_at", until.as_str()),
                    ],
                )
                .await
        }
    };
    // Until must follow from.
    let refused = post(opens_local.clone(), opens_local.clone()).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Sales must end after they start"), "{body}");
    assert_eq!(ticket_type(&app, standing).await.sale_starts_at, None);
    // A time the clocks skip is refused, naming the two choices.
    let gap = post("2031-03-30T02:30".into(), String::new()).await;
    assert_eq!(gap.status(), 422);
    let body = gap.text().await.unwrap();
    assert!(body.contains("01:30 CET or 03:30 CEST"), "{body}");

    let saved = post(opens_local.clone(), String::new()).await;
    assert_eq!(saved.status(), 303);
    let stored = ticket_type(&app, standing).await;
    assert_eq!(stored.sale_starts_at, Some(opens_utc), "stored as UTC");
    assert_eq!(stored.sale_ends_at, None);
    assert_eq!(
        stored.lock_version,
        before + 1,
        "a new window bumps the lock_version"
    );
    let form = admin
        .page(&format!("/admin/ticket-types/{standing}/edit"))
        .await;
    assert!(
        form.contains(&format!("value=\"{opens_local}\"")),
        "shown again in local time"
    );
    // Saving the same window again leaves the lock alone.
    assert_eq!(post(opens_local.clone(), String::new()).await.status(), 303);
    assert_eq!(ticket_type(&app, standing).await.lock_version, before + 1);

    // The buyer sees when it opens, in the event's zone, and no Reserve control.
    let buyer = app.registered("early@example.com").await;
    let page = buyer.page(&format!("/events/{event}")).await;
    let text = format!("On sale from {}", time_zone::display(opens_utc, BERLIN));
    assert!(page.contains(&text), "{text} in {page}");
    assert!(text.ends_with(" CET") || text.ends_with(" CEST"));
    assert!(!page.contains("name=\"ticket_type_id\""), "no Reserve form");
    // A hold anyway (a form kept from before) is refused with the same words.
    let answer = buyer.reserve_n(event, standing, "2").await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), format!("/events/{event}"));
    let page = buyer.page(&format!("/events/{event}")).await;
    assert!(page.contains("not on sale yet: on sale from"), "{page}");
    assert!(app.bookings().await.is_empty());
    assert_eq!(app.available(standing).await, 100);

    // Once the window opens, the page offers the seats and a hold is made.
    app.clock.advance(TimeDelta::days(10));
    let page = buyer.page(&format!("/events/{event}")).await;
    assert!(!page.contains("On sale from"));
    assert!(page.contains("name=\"ticket_type_id\""));
    let answer = buyer.reserve_n(event, standing, "2").await;
    assert!(location(&answer).starts_with("/bookings/"));
    assert_eq!(app.available(standing).await, 98);

    // The organiser closes sales: the page says so, and the next buyer is refused.
    let until_local = time_zone::form_value(whole_minute(app.clock.now()), BERLIN);
    assert_eq!(post(String::new(), until_local).await.status(), 303);
    let late = app.registered("late@example.com").await;
    let page = late.page(&format!("/events/{event}")).await;
    assert!(page.contains("Sales ended"), "{page}");
    assert!(!page.contains("name=\"ticket_type_id\""));
    late.reserve_n(event, standing, "1").await;
    let page = late.page(&format!("/events/{event}")).await;
    assert!(
        page.contains("sales of this ticket type have ended"),
        "{page}"
    );
    assert_eq!(app.bookings().await.len(), 1);
    assert_eq!(app.available(standing).await, 98);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_api_writes_and_shows_the_window_and_refuses_holds_outside_it() {
    let app = TestApp::spawn().await;
    let admin = app.api_admin().await;
    let show = app
        .create_event(
            EventSpec::new("API Gala")
                .in_zone("Europe/Berlin")
                .starting_in(TimeDelta::days(400))
                .seats("Seated", 5000, 50),
        )
        .await;
    let event = show.event_id;
    let opens = whole_minute(app.clock.now() + TimeDelta::days(30));
    let opens_local = time_zone::form_value(opens, BERLIN);
    let created = admin
        .post(
            &format!("/admin/events/{event}/ticket-types"),
            &json!({"name": "Early", "price": "30.00", "quantity": 20,
                    "sale_starts_at": opens_local, "sale_ends_at": null}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    let early = created.json["id"].as_i64().unwrap() as i32;
    assert_eq!(created.json["sale_starts_at"], time_zone_utc(opens));
    assert_eq!(
        created.json["sale_starts_at_local"],
        time_zone::rfc3339(opens, BERLIN)
    );
    assert_eq!(created.json["sale_ends_at"], serde_json::Value::Null);
    assert_eq!(created.json["sale_status"], "not_yet_on_sale");
    assert_eq!(
        created.json["sale_text"],
        format!("On sale from {}", time_zone::display(opens, BERLIN))
    );
    // The event's public view says the same.
    let public = app.api().get(&format!("/events/{event}")).await;
    let listed = public.json["ticket_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == early)
        .unwrap()
        .clone();
    assert_eq!(listed["sale_status"], "not_yet_on_sale");
    assert_eq!(listed["sale_starts_at"], time_zone_utc(opens));

    // Bad windows are 422 naming the field.
    let backwards = admin
        .patch(
            &format!("/admin/ticket-types/{early}"),
            &json!({"sale_ends_at": time_zone_utc(opens - TimeDelta::hours(1))}),
        )
        .await;
    assert_eq!(backwards.status, 422, "{:?}", backwards.json);
    assert!(backwards.json.to_string().contains("sale_ends_at"));
    let repeated = admin
        .patch(
            &format!("/admin/ticket-types/{early}"),
            &json!({"sale_starts_at": "2031-10-26T02:30"}),
        )
        .await;
    assert_eq!(repeated.status, 422);
    assert!(repeated.json.to_string().contains("happens twice"));

    // Holds outside the window: one seat and a group, both refused with a clear code.
    let buyer = app.api_user("buyer@example.com").await;
    for (key, quantity) in [("early-1", 1), ("early-3", 3)] {
        let refused = buyer
            .post_keyed(
                &format!("/events/{event}/bookings"),
                key,
                &json!({"ticket_type_id": early, "quantity": quantity}),
            )
            .await;
        assert_eq!(refused.status, 409, "{:?}", refused.json);
        assert_eq!(refused.code(), "not_yet_on_sale");
        assert!(refused.is_problem());
        assert!(
            refused.json["detail"]
                .as_str()
                .unwrap()
                .contains(&time_zone::display(opens, BERLIN))
        );
    }
    // The organiser clears the start and ends sales a minute ago: sales ended.
    let closed = admin
        .patch(
            &format!("/admin/ticket-types/{early}"),
            &json!({"sale_starts_at": null,
                    "sale_ends_at": time_zone_utc(app.clock.now() - TimeDelta::minutes(1))}),
        )
        .await;
    assert_eq!(closed.status, 200, "{:?}", closed.json);
    assert_eq!(closed.json["sale_starts_at"], serde_json::Value::Null);
    assert_eq!(closed.json["sale_status"], "sales_ended");
    assert_eq!(closed.json["sale_text"], "Sales ended");
    let refused = buyer
        .post_keyed(
            &format!("/events/{event}/bookings"),
            "ended-2",
            &json!({"ticket_type_id": early, "quantity": 2}),
        )
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.code(), "sales_ended");
    // Cleared again: on sale, and the group is held.
    let reopened = admin
        .patch(
            &format!("/admin/ticket-types/{early}"),
            &json!({"sale_ends_at": null}),
        )
        .await;
    assert_eq!(reopened.json["sale_status"], "on_sale");
    assert_eq!(reopened.json["sale_text"], serde_json::Value::Null);
    let held = buyer
        .post_keyed(
            &format!("/events/{event}/bookings"),
            "open-2",
            &json!({"ticket_type_id": early, "quantity": 2}),
        )
        .await;
    assert_eq!(held.status, 201, "{:?}", held.json);
    assert_eq!(app.available(early).await, 18);
    app.assert_books_clean().await;
}

fn time_zone_utc(time: NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test]
async fn the_reserving_transaction_judges_both_edges_exactly() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Edges").starting_in(TimeDelta::days(30)))
        .await;
    let (event, standing) = (show.event_id, show.ticket_type_ids[0]);
    // Whole seconds, so every engine stores them exactly.
    let from = whole_minute(app.clock.now() + TimeDelta::days(1));
    let until = from + TimeDelta::hours(2);
    set_window(&app, standing, Some(from), Some(until)).await;
    let tick = TimeDelta::microseconds(1);
    let outcomes = app
        .with_db(move |conn| {
            let mut hold = |email: &str, now: NaiveDateTime| {
                let user = new_user(conn, email);
                let admitted = reservation::admit(conn, now, user, event, standing).unwrap();
                let held = reservation::hold_seats(
                    conn,
                    now,
                    TimeDelta::minutes(15),
                    HoldRules::off(),
                    event,
                    standing,
                    &[HoldRequest::new(user, 2, "127.0.0.1")],
                )
                .unwrap()
                .remove(0);
                (admitted, held)
            };
            vec![
                hold("before@example.com", from - tick),
                hold("at-start@example.com", from),
                hold("last@example.com", until - tick),
                hold("at-end@example.com", until),
            ]
        })
        .await;
    let utc = time_zone::UTC;
    let not_yet = RuleRefusal::NotYetOnSale {
        opens: from,
        zone: utc,
    };
    assert_eq!(outcomes[0].0, Admission::Refused(not_yet));
    assert!(
        matches!(outcomes[0].1, ReserveOutcome::Refused(r) if r == not_yet),
        "a microsecond early, the transaction refuses too: {:?}",
        outcomes[0].1
    );
    assert_eq!(outcomes[1].0, Admission::Proceed);
    assert!(matches!(&outcomes[1].1, ReserveOutcome::Reserved(t) if t.created_at == from));
    assert_eq!(outcomes[2].0, Admission::Proceed);
    assert!(matches!(&outcomes[2].1, ReserveOutcome::Reserved(t) if t.created_at == until - tick));
    assert_eq!(outcomes[3].0, Admission::Refused(RuleRefusal::SalesEnded));
    assert!(matches!(
        outcomes[3].1,
        ReserveOutcome::Refused(RuleRefusal::SalesEnded)
    ));
    assert_eq!(app.available(standing).await, 96);
    app.assert_books_clean().await;
}
