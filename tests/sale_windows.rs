//! Sale windows (issue 24, item 7): a ticket type is on sale from `sale_starts_at`
//! (inclusive) until `sale_ends_at` (exclusive), typed by the organiser in the event's
//! zone; the event page and the API say when it opens or that sales ended; holds (web
//! and API, one seat or a group) are refused outside the window inside the reserving
//! transaction, with the request's `now`, at both edges exactly; an admin's new window
//! bumps the lock_version, so a hold that read the old window loses its race (with a
//! control without the bump, which sells outside the new window); a burst of buyers on
//! two instances as the window opens (the test clocks move once a quarter of them were
//! answered) never holds a seat before it; and an admin closing sales in the middle of a
//! burst leaves no error, balanced books and nothing sold after the answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use boxoffice::db::models::{NewUser, TicketSchema};
use boxoffice::db::schema::ticket_schemas::dsl;
use boxoffice::db::{Conn, connect, ticket_schemas, users};
use boxoffice::domain::hold_rules::{HoldRequest, HoldRules};
use boxoffice::domain::inventory;
use boxoffice::domain::reservation::{self, Admission, ReserveOutcome};
use boxoffice::domain::sale_window::{SaleMoment, SaleWindow};
use boxoffice::domain::selling_rules::RuleRefusal;
use boxoffice::domain::time_zone::{self, Tz};
use chrono::{NaiveDateTime, TimeDelta, Timelike};
use diesel::prelude::*;
use serde_json::json;
use support::TestApp;
use support::fixtures::EventSpec;
use support::race::all_together;
use support::visitor::location;

const BERLIN: Tz = Tz::Europe__Berlin;

/// One racing request of a burst: its status and where it led (or the admin's answer).
type Racer = std::pin::Pin<Box<dyn Future<Output = (u16, String)> + Send>>;

/// Sets a ticket type's window directly (test set-up), bumping its lock_version as the
/// admin's update does.
async fn set_window(
    app: &TestApp,
    schema: i32,
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) {
    app.with_db(move |conn| {
        let seen = ticket_schemas::find(conn, schema).unwrap().unwrap();
        assert!(
            ticket_schemas::set_sale_window(conn, schema, seen.lock_version, from, until)
                .unwrap()
                .applied()
        );
    })
    .await;
}

async fn schema(app: &TestApp, id: i32) -> TicketSchema {
    app.with_db(move |conn| ticket_schemas::find(conn, id).unwrap().unwrap())
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
    let (event, standing) = (show.event_id, show.schema_ids[0]);
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
    let before = schema(&app, standing).await.lock_version;
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
    assert_eq!(schema(&app, standing).await.sale_starts_at, None);
    // A time the clocks skip is refused, naming the two choices.
    let gap = post("2031-03-30T02:30".into(), String::new()).await;
    assert_eq!(gap.status(), 422);
    let body = gap.text().await.unwrap();
    assert!(body.contains("01:30 CET or 03:30 CEST"), "{body}");

    let saved = post(opens_local.clone(), String::new()).await;
    assert_eq!(saved.status(), 303);
    let stored = schema(&app, standing).await;
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
    assert_eq!(schema(&app, standing).await.lock_version, before + 1);

    // The buyer sees when it opens, in the event's zone, and no Reserve control.
    let buyer = app.registered("early@example.com").await;
    let page = buyer.page(&format!("/events/{event}")).await;
    let text = format!("On sale from {}", time_zone::display(opens_utc, BERLIN));
    assert!(page.contains(&text), "{text} in {page}");
    assert!(text.ends_with(" CET") || text.ends_with(" CEST"));
    assert!(
        !page.contains("name=\"ticket_schema_id\""),
        "no Reserve form"
    );
    // A hold anyway (a form kept from before) is refused with the same words.
    let answer = buyer.reserve_n(event, standing, "2").await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), format!("/events/{event}"));
    let page = buyer.page(&format!("/events/{event}")).await;
    assert!(page.contains("not on sale yet: on sale from"), "{page}");
    assert!(app.tickets().await.is_empty());
    assert_eq!(app.available(standing).await, 100);

    // Once the window opens, the page offers the seats and a hold is made.
    app.clock.advance(TimeDelta::days(10));
    let page = buyer.page(&format!("/events/{event}")).await;
    assert!(!page.contains("On sale from"));
    assert!(page.contains("name=\"ticket_schema_id\""));
    let answer = buyer.reserve_n(event, standing, "2").await;
    assert!(location(&answer).starts_with("/tickets/"));
    assert_eq!(app.available(standing).await, 98);

    // The organiser closes sales: the page says so, and the next buyer is refused.
    let until_local = time_zone::form_value(whole_minute(app.clock.now()), BERLIN);
    assert_eq!(post(String::new(), until_local).await.status(), 303);
    let late = app.registered("late@example.com").await;
    let page = late.page(&format!("/events/{event}")).await;
    assert!(page.contains("Sales ended"), "{page}");
    assert!(!page.contains("name=\"ticket_schema_id\""));
    late.reserve_n(event, standing, "1").await;
    let page = late.page(&format!("/events/{event}")).await;
    assert!(
        page.contains("sales of this ticket type have ended"),
        "{page}"
    );
    assert_eq!(app.tickets().await.len(), 1);
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
    let (event, standing) = (show.event_id, show.schema_ids[0]);
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

/// A hold reads the row and judges the window open; the admin then closes the window
/// (with the lock_version bump, or in the control without it); then the hold writes
/// its seat at the lock_version it read. Returns what the hold ended with.
fn closed_between_read_and_write(url: &str, schema: i32, bump: bool) -> Result<i32, RuleRefusal> {
    let pool = connect(url, 2, Duration::from_secs(10)).unwrap();
    let read = Arc::new(Barrier::new(2));
    let closed = Arc::new(Barrier::new(2));
    let now = chrono::Utc::now().naive_utc();
    let moment = SaleMoment {
        now,
        zone: time_zone::UTC,
    };
    let admin = {
        let (pool, read, closed) = (pool.clone(), read.clone(), closed.clone());
        std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            read.wait();
            let ends = Some(now - TimeDelta::minutes(1));
            if bump {
                let seen = ticket_schemas::find(&mut conn, schema).unwrap().unwrap();
                assert!(
                    ticket_schemas::set_sale_window(
                        &mut conn,
                        schema,
                        seen.lock_version,
                        None,
                        ends
                    )
                    .unwrap()
                    .applied()
                );
            } else {
                diesel::update(dsl::ticket_schemas.find(schema))
                    .set(dsl::sale_ends_at.eq(ends))
                    .execute(&mut conn)
                    .unwrap();
            }
            closed.wait();
        })
    };
    let mut conn = pool.get().unwrap();
    let seen = ticket_schemas::find(&mut conn, schema).unwrap().unwrap();
    assert_eq!(
        SaleWindow::of(&seen).judge(moment),
        Ok(()),
        "on the read, the window is open"
    );
    read.wait();
    closed.wait();
    admin.join().unwrap();
    if ticket_schemas::move_inventory(&mut conn, schema, seen.lock_version, -1, 0)
        .unwrap()
        .applied()
    {
        return Ok(1);
    }
    // Lost the race: the allocation reads again and judges the new window.
    inventory::allocate(&mut conn, schema, &[1], moment).unwrap()[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn control_a_window_closed_without_the_lock_version_bump_sells_after_it_closed() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Control")).await;
    let standing = show.schema_ids[0];
    let url = app.database.url.clone();
    let outcome =
        tokio::task::spawn_blocking(move || closed_between_read_and_write(&url, standing, false))
            .await
            .unwrap();
    assert_eq!(outcome, Ok(1), "the hold believes the window is open");
    let closed = schema(&app, standing).await;
    assert!(closed.sale_ends_at.is_some());
    assert_eq!(
        closed.available_tickets_count, 99,
        "and a seat was taken after sales ended"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_bump_a_hold_that_read_the_old_window_loses_and_is_refused() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Guarded")).await;
    let standing = show.schema_ids[0];
    let url = app.database.url.clone();
    let outcome =
        tokio::task::spawn_blocking(move || closed_between_read_and_write(&url, standing, true))
            .await
            .unwrap();
    assert_eq!(outcome, Err(RuleRefusal::SalesEnded));
    assert_eq!(app.available(standing).await, 100, "nothing sold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_buyers_as_the_window_opens_never_holds_a_seat_before_it() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    const BUYERS: usize = 120;
    // More seats than buyers: every refusal is a request that read a `now` before the
    // opening.
    const SEATS: i32 = 200;
    // The opening comes once this many buyers have been answered: those were all too
    // early, and the requests still in flight read their `now` on either side of it.
    const EARLY: usize = BUYERS / 4;
    let mut early_in_all = Vec::new();
    for round in 0..3 {
        let show = app
            .create_event(EventSpec::new(&format!("Opening {round}")).seats("GA", 1000, SEATS))
            .await;
        let (event, ga) = (show.event_id, show.schema_ids[0]);
        let buyers = futures_util::future::join_all((0..BUYERS).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            async move {
                instance
                    .registered(&format!("r{round}-b{i}@example.com"))
                    .await
            }
        }))
        .await;
        let tokens = futures_util::future::join_all(buyers.iter().map(|b| b.csrf_token())).await;
        // Both instances' clocks move together; the window opens an hour ahead of them.
        let opens = app.clock.now().max(other.clock.now()) + TimeDelta::hours(1);
        set_window(&app, ga, Some(opens), None).await;
        let answered = Arc::new(AtomicUsize::new(0));
        let mut racers: Vec<Racer> = buyers
            .into_iter()
            .zip(tokens)
            .map(|(buyer, token)| {
                let answered = answered.clone();
                Box::pin(async move {
                    let answer = buyer
                        .post_raw(
                            &format!("/events/{event}/reserve"),
                            &[
                                ("ticket_schema_id", ga.to_string().as_str()),
                                ("quantity", "1"),
                                ("csrf_token", token.as_str()),
                            ],
                        )
                        .await;
                    answered.fetch_add(1, Ordering::SeqCst);
                    (answer.status().as_u16(), location(&answer))
                }) as Racer
            })
            .collect();
        let (clock_a, clock_b, seen) = (app.clock.clone(), other.clock.clone(), answered.clone());
        racers.push(Box::pin(async move {
            support::deadline(Duration::from_secs(60), || {
                let seen = seen.clone();
                async move { seen.load(Ordering::SeqCst) >= EARLY }
            })
            .await;
            clock_a.advance(TimeDelta::hours(1));
            clock_b.advance(TimeDelta::hours(1));
            (0, String::new())
        }));
        let answers = all_together(racers).await;
        let mut held = 0;
        for (status, to) in &answers[..BUYERS] {
            assert_eq!(*status, 303, "never an error");
            if to.starts_with("/tickets/") {
                held += 1;
            } else {
                assert_eq!(to, &format!("/events/{event}"), "refused back to the page");
            }
        }
        let tickets: Vec<_> = app
            .tickets()
            .await
            .into_iter()
            .filter(|t| t.ticket_schema_id == ga)
            .collect();
        assert_eq!(tickets.len(), held);
        assert!(
            tickets.iter().all(|t| t.created_at >= opens),
            "round {round}: a seat held before the window opened: {:?}",
            tickets
                .iter()
                .filter(|t| t.created_at < opens)
                .map(|t| t.created_at)
                .collect::<Vec<_>>()
        );
        assert!(
            BUYERS - held >= EARLY,
            "round {round}: the first {EARLY} answers came before the opening, yet only {} were refused",
            BUYERS - held
        );
        assert_eq!(
            app.available(ga).await + held as i32,
            SEATS,
            "every seat is held or available, once"
        );
        early_in_all.push(BUYERS - held);
        // After the opening, the next buyer is served.
        let after = app.registered(&format!("r{round}-after@example.com")).await;
        let answer = after.reserve_n(event, ga, "1").await;
        assert!(location(&answer).starts_with("/tickets/"), "open now");
    }
    eprintln!("refused as too early, per round (of {BUYERS}): {early_in_all:?}");
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_closing_sales_during_a_burst_leaves_no_error_and_nothing_sold_after() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let admin = app.api_admin().await;
    const BUYERS: usize = 100;
    // Twice the seats asked for: a refusal is the closed window, never a sell-out.
    const SEATS: i32 = 400;
    for round in 0..3 {
        let show = app
            .create_event(EventSpec::new(&format!("Closing {round}")).seats("GA", 1000, SEATS))
            .await;
        let (event, ga) = (show.event_id, show.schema_ids[0]);
        let buyers = futures_util::future::join_all((0..BUYERS).map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            async move {
                instance
                    .registered(&format!("c{round}-b{i}@example.com"))
                    .await
            }
        }))
        .await;
        let tokens = futures_util::future::join_all(buyers.iter().map(|b| b.csrf_token())).await;
        // Sales end a minute before any buyer's `now`: once the admin's update commits,
        // no hold may be made; before it, holds are fine.
        let until = time_zone_utc(app.clock.now() - TimeDelta::minutes(1));
        let mut racers: Vec<Racer> = buyers
            .into_iter()
            .zip(tokens)
            .map(|(buyer, token)| {
                Box::pin(async move {
                    let answer = buyer
                        .post_raw(
                            &format!("/events/{event}/reserve"),
                            &[
                                ("ticket_schema_id", ga.to_string().as_str()),
                                ("quantity", "2"),
                                ("csrf_token", token.as_str()),
                            ],
                        )
                        .await;
                    (answer.status().as_u16(), location(&answer))
                }) as Racer
            })
            .collect();
        let closer = admin.clone();
        racers.insert(
            BUYERS / 2,
            Box::pin(async move {
                let reply = closer
                    .patch(
                        &format!("/admin/ticket-types/{ga}"),
                        &json!({ "sale_ends_at": until }),
                    )
                    .await;
                (reply.status, reply.json["sale_status"].to_string())
            }),
        );
        let answers = all_together(racers).await;
        let (closed, buyers_answers): (Vec<_>, Vec<_>) = answers
            .into_iter()
            .enumerate()
            .partition(|(i, _)| *i == BUYERS / 2);
        assert_eq!(
            closed[0].1,
            (200, "\"sales_ended\"".to_owned()),
            "round {round}"
        );
        let mut held = 0;
        for (_, (status, to)) in &buyers_answers {
            assert_eq!(*status, 303, "round {round}: never an error");
            if to.starts_with("/tickets/") {
                held += 2;
            } else {
                assert_eq!(to, &format!("/events/{event}"));
            }
        }
        assert_eq!(app.available(ga).await + held, SEATS, "round {round}");
        // Once the admin has the answer, nobody else gets a seat, on either instance.
        for (i, instance) in [&app, &other].into_iter().enumerate() {
            let late = instance
                .registered(&format!("c{round}-late{i}@example.com"))
                .await;
            let answer = late.reserve_n(event, ga, "1").await;
            assert_eq!(location(&answer), format!("/events/{event}"));
        }
        assert_eq!(app.available(ga).await + held, SEATS);
        eprintln!("round {round}: {} seats held before sales closed", held);
    }
    app.assert_books_clean().await;
}
