//! Holds by throwaway accounts (issue 23): the holds per account and per client address
//! per hour, counted in the reserving transaction (so concurrent reserves on several
//! events and instances never pass the allowance, and a refused hold counts nothing); a
//! confirmed address for high-demand events, judged on the account as it is now; the
//! cool-down after a lapsed hold. Through real HTTP (the shop and the JSON API), on the
//! engine under test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use boxoffice::app::sweeps;
use boxoffice::domain::bookings::hold_rules::{HoldRequest, HoldRules};
use boxoffice::domain::bookings::reservation::{ReserveOutcome, hold_seats};
use boxoffice::domain::limits::{Limit, Subject, shared};
use chrono::TimeDelta;
use serde_json::json;
use support::fixtures::{Created, EventSpec};
use support::race::all_together;
use support::visitor::{csrf_token_in, location};
use support::{PASSWORD, TestApp, Visitor};

const HOUR: Duration = Duration::from_secs(3600);

fn is_hold(response: &reqwest::Response) -> bool {
    response.status() == 303 && location(response).starts_with("/bookings/")
}

async fn user_id(app: &TestApp, email: &str) -> i32 {
    let email = email.to_owned();
    app.with_db(move |c| {
        boxoffice::db::users::find_by_email(c, &email)
            .unwrap()
            .unwrap()
            .id
    })
    .await
}

/// The shared count of `subject` under `limit` in the window of the app's clock.
async fn counted(app: &TestApp, limit: Limit, subject: Subject) -> i64 {
    let now = app.clock.now();
    app.with_db(move |c| shared::count(c, &limit, &subject, now).unwrap())
        .await
}

/// A visitor from `address` (the app trusts one proxy) who registered and logged in.
async fn registered_from(app: &TestApp, address: &str, email: &str) -> Visitor {
    let visitor = app.visitor_via(address);
    assert_eq!(visitor.register(email, PASSWORD).await.status(), 303);
    assert_eq!(visitor.login(email, PASSWORD).await.status(), 303);
    visitor
}

/// The path of the newest address check link mailed to `email`.
async fn address_check_link(app: &TestApp, email: &str) -> String {
    app.deliver_all().await;
    let mail = app
        .mails_to(email)
        .await
        .into_iter()
        .rev()
        .find(|m| m.subject.starts_with("Confirm your email address"))
        .unwrap_or_else(|| panic!("an address check mail to {email}"));
    let start = mail.body_text.find(&app.address).expect("a link");
    let link = mail.body_text[start..].split_whitespace().next().unwrap();
    link.trim_start_matches(&app.address).to_owned()
}

/// One user fires reserves at eight events at once, half through each of two instances,
/// round after round (each in a fresh hourly window): exactly the allowance is held each
/// time, never more, and the shared count says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_users_concurrent_reserves_never_pass_the_hourly_allowance() {
    let settings = [("HOLDS_PER_USER_PER_HOUR", "3")];
    let first = TestApp::spawn_with(&settings).await;
    let second = first.another_instance_with(&settings).await;
    let email = "racer@example.com";
    let racer = first.registered(email).await;
    let racer_id = user_id(&first, email).await;
    let token = racer.csrf_token().await;
    let limit = first.state.settings.limits.holds_per_user;
    for round in 0..6 {
        first.start_next_window(3600, &[&second]);
        let mut shows: Vec<Created> = Vec::new();
        for i in 0..8 {
            shows.push(
                first
                    .create_event(EventSpec::new(&format!("Round {round} show {i}")))
                    .await,
            );
        }
        let reserves = shows
            .iter()
            .enumerate()
            .map(|(i, show)| {
                let base = if i % 2 == 0 {
                    &first.address
                } else {
                    &second.address
                };
                let visitor = racer.at(base);
                let path = format!("/events/{}/reserve", show.event_id);
                let (ticket_type, token) = (show.ticket_type_ids[0].to_string(), token.clone());
                async move {
                    let response = visitor
                        .post_raw(
                            &path,
                            &[("ticket_type_id", &ticket_type), ("csrf_token", &token)],
                        )
                        .await;
                    (is_hold(&response), response.status().as_u16())
                }
            })
            .collect();
        let answers = all_together(reserves).await;
        let held = answers.iter().filter(|(held, _)| *held).count();
        assert_eq!(held, 3, "round {round}: exactly the allowance: {answers:?}");
        assert!(
            answers.iter().all(|(held, status)| *held || *status == 429),
            "round {round}: the rest are told to wait: {answers:?}"
        );
        let live: Vec<i32> = shows.iter().map(|s| s.event_id).collect();
        let holds = first
            .bookings()
            .await
            .into_iter()
            .filter(|t| t.user_id == racer_id && live.contains(&t.event_id))
            .count();
        assert_eq!(holds, 3, "round {round}: three bookings");
        assert_eq!(counted(&first, limit, Subject::user(racer_id)).await, 3);
    }
    first.assert_books_clean().await;
}

/// The control: the old order — check the count, hold, then record — lets a burst of one
/// user's reserves through when every check runs before any record (forced here with a
/// barrier between them); the same burst through the hold that counts in its own
/// transaction holds exactly the allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_checking_before_the_hold_and_recording_after_lets_a_burst_through() {
    const BURST: usize = 6;
    let app = TestApp::spawn().await;
    let email = "burst@example.com";
    app.registered(email).await;
    let buyer = user_id(&app, email).await;
    let limit = Limit::new("holds_user", 2, HOUR);
    let rules = HoldRules {
        per_user: limit,
        ..HoldRules::off()
    };
    let burst = |app: &TestApp, counted_in_the_hold: bool, shows: Vec<Created>| {
        let barrier = Arc::new(std::sync::Barrier::new(BURST));
        let now = app.clock.now();
        let tasks: Vec<_> = shows
            .into_iter()
            .map(|show| {
                let (pool, barrier) = (app.state.pool.clone(), barrier.clone());
                tokio::task::spawn_blocking(move || {
                    let mut conn = pool.get().unwrap();
                    let subject = Subject::user(buyer);
                    let ask = [HoldRequest::new(buyer, 1, "192.0.2.9")];
                    let hold = |conn: &mut boxoffice::db::Conn, rules: HoldRules| {
                        let outcome = hold_seats(
                            conn,
                            now,
                            TimeDelta::minutes(15),
                            rules,
                            show.event_id,
                            show.ticket_type_ids[0],
                            &ask,
                        )
                        .unwrap();
                        matches!(outcome[0], ReserveOutcome::Reserved(_))
                    };
                    if counted_in_the_hold {
                        barrier.wait();
                        return hold(&mut conn, rules);
                    }
                    let checked = shared::peek(&mut conn, &limit, &subject, now).unwrap();
                    barrier.wait();
                    if !checked.allowed {
                        return false;
                    }
                    let held = hold(&mut conn, HoldRules::off());
                    if held {
                        shared::record(&mut conn, &limit, &subject, now).unwrap();
                    }
                    held
                })
            })
            .collect();
        async move {
            let mut held = 0;
            for task in tasks {
                held += usize::from(task.await.unwrap());
            }
            held
        }
    };
    let mut shows = Vec::new();
    for i in 0..2 * BURST {
        shows.push(
            app.create_event(EventSpec::new(&format!("Burst {i}")))
                .await,
        );
    }
    let counted_shows = shows.split_off(BURST);

    app.start_next_window(3600, &[]);
    let held = burst(&app, false, shows).await;
    assert_eq!(held, BURST, "check-then-record lets every request through");
    assert_eq!(
        counted(&app, limit, Subject::user(buyer)).await,
        BURST as i64
    );

    app.start_next_window(3600, &[]);
    let held = burst(&app, true, counted_shows).await;
    assert_eq!(
        held, 2,
        "counted in the hold's transaction: exactly the allowance"
    );
    assert_eq!(counted(&app, limit, Subject::user(buyer)).await, 2);
}

/// A refused or failed hold leaves no count: a quantity over the cap, then two holds
/// use up an allowance of two, and the third is refused with a clear page.
#[tokio::test]
async fn refused_holds_count_nothing_and_the_limit_page_says_when() {
    let app = TestApp::spawn_with(&[("HOLDS_PER_USER_PER_HOUR", "2")]).await;
    app.start_next_window(3600, &[]);
    let email = "counted@example.com";
    let buyer = app.registered(email).await;
    let id = user_id(&app, email).await;
    let limit = app.state.settings.limits.holds_per_user;
    let shows = [
        app.create_event(EventSpec::new("One")).await,
        app.create_event(EventSpec::new("Two")).await,
        app.create_event(EventSpec::new("Three")).await,
    ];
    let over_cap = buyer
        .reserve_n(shows[0].event_id, shows[0].ticket_type_ids[0], "11")
        .await;
    assert_eq!(
        location(&over_cap),
        format!("/events/{}", shows[0].event_id)
    );
    assert_eq!(counted(&app, limit, Subject::user(id)).await, 0);
    for show in &shows[..2] {
        assert!(is_hold(
            &buyer.reserve(show.event_id, show.ticket_type_ids[0]).await
        ));
    }
    assert_eq!(counted(&app, limit, Subject::user(id)).await, 2);
    let refused = buyer
        .reserve(shows[2].event_id, shows[2].ticket_type_ids[0])
        .await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    let page = refused.text().await.unwrap();
    assert!(page.contains("2 times in the last hour"), "{page}");
    assert!(page.contains("You can hold seats again in"), "{page}");
    assert_eq!(
        counted(&app, limit, Subject::user(id)).await,
        2,
        "refusals count nothing"
    );
    assert_eq!(app.available(shows[2].ticket_type_ids[0]).await, 100);
}

/// Holds per client address: every account behind one address shares the allowance;
/// another address is not affected.
#[tokio::test]
async fn accounts_behind_one_address_share_its_hold_allowance() {
    let app = TestApp::spawn_with(&[
        ("HOLDS_PER_ADDRESS_PER_HOUR", "3"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    app.start_next_window(3600, &[]);
    let show = app.create_event(EventSpec::new("Farm")).await;
    let (event, ticket_type) = (show.event_id, show.ticket_type_ids[0]);
    let farm = "198.51.100.7";
    for i in 0..3 {
        let account = registered_from(&app, farm, &format!("farm{i}@example.com")).await;
        assert!(
            is_hold(&account.reserve(event, ticket_type).await),
            "account {i}"
        );
    }
    let limit = app.state.settings.limits.holds_per_address;
    assert_eq!(counted(&app, limit, Subject::address(farm)).await, 3);
    for i in 3..5 {
        let account = registered_from(&app, farm, &format!("farm{i}@example.com")).await;
        let refused = account.reserve(event, ticket_type).await;
        assert_eq!(refused.status(), 429, "account {i}");
        assert!(refused.headers().contains_key("retry-after"));
        assert!(refused.text().await.unwrap().contains("from your network"));
    }
    assert_eq!(counted(&app, limit, Subject::address(farm)).await, 3);
    assert_eq!(app.available(ticket_type).await, 97);
    let elsewhere = registered_from(&app, "203.0.113.5", "elsewhere@example.com").await;
    assert!(is_hold(&elsewhere.reserve(event, ticket_type).await));
}

/// A high-demand event needs a confirmed address: refused (403, with the button that
/// mails a new link) until the user follows the link, then held at once in the same
/// session; an ordinary event never asks. The JSON API says `address_unconfirmed`.
#[tokio::test]
async fn high_demand_events_need_a_confirmed_address_ordinary_ones_do_not() {
    let app = TestApp::spawn().await;
    let hot = app
        .create_event(EventSpec::new("Hot ticket").high_demand())
        .await;
    let plain = app.create_event(EventSpec::new("Plain show")).await;
    let email = "ann@example.com";
    let ann = app.registered(email).await;
    let event_page = ann.page(&format!("/events/{}", hot.event_id)).await;
    assert!(event_page.contains("High demand"), "the event page says so");
    assert!(
        !ann.page(&format!("/events/{}", plain.event_id))
            .await
            .contains("High demand")
    );

    let refused = ann.reserve(hot.event_id, hot.ticket_type_ids[0]).await;
    assert_eq!(refused.status(), 403);
    assert!(!refused.headers().contains_key("retry-after"));
    let page = refused.text().await.unwrap();
    assert!(page.contains("needs a confirmed email address"), "{page}");
    assert!(page.contains("action=\"/account/verify/resend\""), "{page}");
    assert!(csrf_token_in(&page).is_some());
    assert_eq!(app.available(hot.ticket_type_ids[0]).await, 100);
    assert!(app.bookings().await.is_empty());

    assert!(is_hold(
        &ann.reserve(plain.event_id, plain.ticket_type_ids[0]).await
    ));

    let resend_page = ann.page("/account/verify/resend").await;
    assert!(resend_page.contains(email) && resend_page.contains("Mail me a new link"));
    let resent = ann.post("/account/verify/resend", &[]).await;
    assert_eq!(location(&resent), "/account/verify/resend");
    assert!(
        ann.page("/account/verify/resend")
            .await
            .contains("We mailed a new link")
    );
    assert_eq!(
        app.outbox_of("registered").await.len(),
        2,
        "registration and resend"
    );
    let link = address_check_link(&app, email).await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(
        ann.post("/account/verify", &[("token", &token)])
            .await
            .status(),
        303
    );
    // The same session, no new log-in: the reserve reads the account as it is now.
    assert!(is_hold(
        &ann.reserve(hot.event_id, hot.ticket_type_ids[0]).await
    ));
    assert!(
        ann.page("/account/verify/resend")
            .await
            .contains("is confirmed")
    );

    let api = app.api_user("api-buyer@example.com").await;
    let answer = api
        .post_keyed(
            &format!("/events/{}/bookings", hot.event_id),
            "hot-1",
            &json!({"ticket_type_id": hot.ticket_type_ids[0], "quantity": 1}),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (403, "address_unconfirmed"));
    assert!(answer.is_problem());
    assert!(answer.header("retry-after").is_none());
    app.assert_books_clean().await;
}

#[tokio::test]
async fn asking_for_the_address_check_mail_again_is_limited() {
    let app = TestApp::spawn_with(&[("ADDRESS_CHECK_MAILS_PER_HOUR", "2")]).await;
    app.start_next_window(3600, &[]);
    let ann = app.registered("ann@example.com").await;
    for _ in 0..2 {
        assert_eq!(ann.post("/account/verify/resend", &[]).await.status(), 303);
    }
    let refused = ann.post("/account/verify/resend", &[]).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(app.outbox_of("registered").await.len(), 3);
    let anonymous = app.visitor().get("/account/verify/resend").await;
    assert!(location(&anonymous).starts_with("/login?next="));
}

/// A hold that lapses unpaid keeps its ticket type from its holder for the cool-down (5
/// minutes from the lapse by default), whether the sweeper released it or the next
/// reserve did; another type is free at once; holding another type and cancelling does
/// not shorten the wait; when it ends, the type can be held again.
#[tokio::test]
async fn a_lapsed_hold_cools_down_before_its_type_is_held_again() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(
            EventSpec::new("Cool")
                .seats("Front", 5000, 10)
                .seats("Back", 2000, 10),
        )
        .await;
    let (event, front, back) = (
        show.event_id,
        show.ticket_type_ids[0],
        show.ticket_type_ids[1],
    );
    let ann = app.registered("ann@example.com").await;
    let bob = app.registered("bob@example.com").await;
    let booking: i32 = location(&ann.reserve(event, front).await)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    assert!(is_hold(&bob.reserve(event, front).await));
    let lapses_at = app.bookings().await[0].reserved_until.unwrap();

    app.clock.advance(TimeDelta::minutes(16));
    assert_eq!(sweeps::sweep_once(&app.state).await, 2);
    let refused = ann.reserve(event, front).await;
    assert_eq!(refused.status(), 429);
    let wait: i64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let ends = lapses_at + TimeDelta::minutes(5);
    let left = (ends - app.clock.now()).num_seconds();
    assert!((left..=left + 2).contains(&wait), "{wait} s, {left} s left");
    let page = refused.text().await.unwrap();
    assert!(page.contains("ran out without payment"), "{page}");
    assert!(
        page.contains(&ends.format("at %H:%M UTC").to_string()),
        "{page}"
    );

    // Another type of the event is not cooling down; holding it and cancelling does not
    // make the lapsed one free.
    let other = ann.reserve(event, back).await;
    assert_eq!(location(&other), format!("/bookings/{booking}"));
    assert_eq!(ann.cancel(booking).await.status(), 303);
    assert_eq!(ann.reserve(event, front).await.status(), 429);

    // The API says the same, with a code and Retry-After; a 429 is not kept under its
    // Idempotency-Key, so the same request is answered afresh once the wait is over.
    let api = app.api().logged_in("bob@example.com", PASSWORD).await;
    let body = json!({"ticket_type_id": front, "quantity": 1});
    let path = format!("/events/{event}/bookings");
    let answer = api.post_keyed(&path, "again-1", &body).await;
    assert_eq!((answer.status, answer.code()), (429, "hold_cooldown"));
    let api_wait: i64 = answer.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (wait - 2..=wait).contains(&api_wait),
        "bob's hold lapsed with ann's: {api_wait} s"
    );

    app.clock.advance(TimeDelta::seconds(wait));
    assert!(
        is_hold(&ann.reserve(event, front).await),
        "the wait is over"
    );
    let answer = api.post_keyed(&path, "again-1", &body).await;
    assert_eq!(answer.status, 201, "{:?}", answer.json);
    app.assert_books_clean().await;
}

/// A hold past its time that no sweeper has released yet cools down too: the next
/// reserve releases it (its seat goes back) and refuses the same type.
#[tokio::test]
async fn a_lapsed_hold_released_by_the_next_reserve_cools_down_too() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("NoSweep").seats("GA", 1000, 1))
        .await;
    let (event, ticket_type) = (show.event_id, show.ticket_type_ids[0]);
    let ann = app.registered("ann@example.com").await;
    assert!(is_hold(&ann.reserve(event, ticket_type).await));
    assert_eq!(app.available(ticket_type).await, 0);
    app.clock.advance(TimeDelta::minutes(16));
    let refused = ann.reserve(event, ticket_type).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        app.available(ticket_type).await,
        1,
        "the lapsed seat is back on sale"
    );
    let bob = app.registered("bob@example.com").await;
    assert!(
        is_hold(&bob.reserve(event, ticket_type).await),
        "for someone else"
    );
    app.assert_books_clean().await;
}

/// The JSON API's account limit: 429 `hold_limit` with `Retry-After`, as a problem; the
/// same request (same key) holds once the next hour starts.
#[tokio::test]
async fn the_api_answers_hold_limit_with_retry_after() {
    let app = TestApp::spawn_with(&[("HOLDS_PER_USER_PER_HOUR", "1")]).await;
    app.start_next_window(3600, &[]);
    let api = app.api_user("api@example.com").await;
    let one = app.create_event(EventSpec::new("One")).await;
    let two = app.create_event(EventSpec::new("Two")).await;
    let book = |show: &Created| {
        (
            format!("/events/{}/bookings", show.event_id),
            json!({"ticket_type_id": show.ticket_type_ids[0], "quantity": 1}),
        )
    };
    let (path, body) = book(&one);
    assert_eq!(api.post_keyed(&path, "one", &body).await.status, 201);
    let (path, body) = book(&two);
    let refused = api.post_keyed(&path, "two", &body).await;
    assert_eq!((refused.status, refused.code()), (429, "hold_limit"));
    assert!(refused.is_problem());
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait));
    app.start_next_window(3600, &[]);
    let held = api.post_keyed(&path, "two", &body).await;
    assert_eq!(held.status, 201, "{:?}", held.json);

    // The reference lists the codes, and the operation's responses name them.
    let doc = app.api().get("/openapi.json").await.json;
    let responses = &doc["paths"]["/api/v1/events/{id}/bookings"]["post"]["responses"];
    let too_many = responses["429"]["description"].as_str().unwrap();
    for code in ["hold_limit", "address_hold_limit", "hold_cooldown"] {
        assert!(too_many.contains(code), "{too_many}");
    }
    assert!(responses["429"]["headers"]["Retry-After"].is_object());
    let forbidden = responses["403"]["description"].as_str().unwrap();
    assert!(forbidden.contains("address_unconfirmed"));
    let reference = app
        .visitor()
        .get("/api/v1/docs")
        .await
        .text()
        .await
        .unwrap();
    for code in [
        "hold_limit",
        "address_hold_limit",
        "hold_cooldown",
        "address_unconfirmed",
    ] {
        assert!(
            reference.contains(&format!("id=\"problem-{code}\"")),
            "{code}"
        );
    }
}

/// The organiser's switch: the admin form's checkbox and the admin API's field.
#[tokio::test]
async fn organisers_mark_an_event_high_demand_on_the_form_and_in_the_api() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut form = vec![
        ("title", "Big night"),
        ("description", "Loud."),
        ("venue", "Arena"),
        ("starts_at", "2031-04-01T19:30"),
        ("ends_at", "2031-04-01T22:00"),
        ("high_demand", "on"),
    ];
    let created = admin.post("/admin/events", &form).await;
    assert_eq!(created.status(), 303);
    let edit = location(&created);
    let event_id: i32 = edit
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    async fn high_demand(app: &TestApp, event_id: i32) -> bool {
        app.with_db(move |c| {
            boxoffice::db::events::find(c, event_id)
                .unwrap()
                .unwrap()
                .high_demand
        })
        .await
    }
    assert!(high_demand(&app, event_id).await);
    assert!(admin.page(&edit).await.contains(" checked"));
    form.pop();
    let cleared = admin
        .post(&format!("/admin/events/{event_id}"), &form)
        .await;
    assert_eq!(cleared.status(), 303);
    assert!(
        !high_demand(&app, event_id).await,
        "an unticked box clears it"
    );
    form.push(("high_demand", "maybe"));
    let odd = admin
        .post(&format!("/admin/events/{event_id}"), &form)
        .await;
    assert_eq!(odd.status(), 422);

    let api = app.api_admin().await;
    let made = api
        .post(
            "/admin/events",
            &json!({"title": "API night", "venue": "Hall", "starts_at": "2031-05-01T19:30:00Z",
                "ends_at": "2031-05-01T22:00:00Z", "high_demand": true}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.json);
    assert_eq!(made.json["high_demand"], true);
    let id = made.json["id"].as_i64().unwrap();
    let patched = api
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"title": "API night!"}),
        )
        .await;
    assert_eq!(patched.json["high_demand"], true, "unsent fields stay");
    let patched = api
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"high_demand": false}),
        )
        .await;
    assert_eq!(patched.json["high_demand"], false);
    let wrong = api
        .patch(
            &format!("/admin/events/{id}"),
            &json!({"high_demand": "yes"}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    let plain = api
        .post(
            "/admin/events",
            &json!({"title": "Quiet night", "venue": "Hall", "starts_at": "2031-05-02T19:30:00Z",
                "ends_at": "2031-05-02T22:00:00Z"}),
        )
        .await;
    assert_eq!(plain.json["high_demand"], false, "off by default");
}
