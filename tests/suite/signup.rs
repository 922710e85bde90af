//! Signing up and carrying on (issue 27, item 1): registering never logs in and answers a
//! new and a taken address alike, byte for byte; the new account's mailed link confirms
//! the address, logs in once (for 24 hours) and lands on the page the visitor came from
//! with their choice kept; the taken address's owner is told by mail; an account whose
//! address is not confirmed holds and pays one booking (`UNCONFIRMED_BOOKINGS`) until it
//! follows the link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::TimeDelta;
use serde_json::json;
use support::fixtures::EventSpec;
use support::mail::pay;
use support::visitor::location;
use support::{PASSWORD, TestApp, Visitor};

const CONFIRM: &str = "Confirm your email address";
const ATTEMPTED: &str = "Someone tried to register with your address";

async fn spawn(unconfirmed_bookings: &str) -> TestApp {
    TestApp::spawn_with(&[("UNCONFIRMED_BOOKINGS", unconfirmed_bookings)]).await
}

/// Registers `email` from a form whose `next` is `next`.
async fn register_from(visitor: &Visitor, email: &str, next: &str) -> reqwest::Response {
    visitor
        .post(
            "/register",
            &[("email", email), ("password", PASSWORD), ("next", next)],
        )
        .await
}

/// A page with its CSRF tokens (the only thing that may differ) blanked.
fn without_tokens(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let end = rest.find('"').unwrap();
        out.push_str("TOKEN");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `text` as the pages write it in an attribute (askama escapes `&` as `&#38;`).
fn attribute(text: &str) -> String {
    text.replace('&', "&#38;")
}

/// The value of query parameter `name` in a path.
fn query_param(path: &str, name: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap()
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Follows the address check link `link` as its page does: opens it, then presses the
/// button (the token and `next` from the page's form).
async fn follow_confirmation(visitor: &Visitor, link: &str) -> reqwest::Response {
    let page = visitor.page(link).await;
    assert!(page.contains("Confirm my address and log in"), "{page}");
    let token = query_param(link, "token").expect("a token in the link");
    let next = query_param(link, "next").unwrap_or_else(|| "/".into());
    assert!(
        page.contains(&format!("name=\"next\" value=\"{}\"", attribute(&next))),
        "the page keeps next: {page}"
    );
    visitor
        .post("/account/verify", &[("token", &token), ("next", &next)])
        .await
}

async fn is_logged_in(visitor: &Visitor) -> bool {
    visitor.page("/").await.contains("My tickets")
}

async fn is_confirmed(app: &TestApp, email: &str) -> bool {
    let email = email.to_owned();
    app.with_db(move |conn| boxoffice::db::users::find_by_email(conn, &email).unwrap())
        .await
        .expect("the account")
        .email_verified_at
        .is_some()
}

#[tokio::test]
async fn a_new_and_a_taken_address_get_the_same_answer_and_only_the_owner_hears_of_it() {
    let app = spawn("1").await;
    let owner = app.registered("taken@example.com").await;
    owner.logout().await;
    let before = app.outbox().await.len();
    let show = app.create_event(EventSpec::new("Same answer")).await;
    let next = format!("/events/{}", show.event_id);

    let newcomer = app.visitor();
    let intruder = app.visitor();
    let new = register_from(&newcomer, "new@example.com", &next).await;
    let taken = register_from(&intruder, "TAKEN@example.com", &next).await;

    assert_eq!(new.status(), 303);
    assert_eq!(taken.status(), 303);
    let expected = format!("/login?next=%2Fevents%2F{}", show.event_id);
    assert_eq!(location(&new), expected);
    assert_eq!(location(&taken), expected);
    let header_names = |r: &reqwest::Response| {
        let mut names: Vec<String> = r
            .headers()
            .keys()
            .map(|k| k.as_str().to_owned())
            .filter(|k| k != "date" && k != "x-request-id")
            .collect();
        names.sort();
        names
    };
    assert_eq!(header_names(&new), header_names(&taken));
    let cookie_names = |r: &reqwest::Response| {
        let mut names: Vec<String> = r
            .cookies()
            .map(|c| format!("{}; {:?} {:?}", c.name(), c.path(), c.http_only()))
            .collect();
        names.sort();
        names
    };
    assert_eq!(cookie_names(&new), cookie_names(&taken));
    let new_body = new.text().await.unwrap();
    assert_eq!(new_body, taken.text().await.unwrap());

    let new_page = newcomer.get(&expected).await;
    let taken_page = intruder.get(&expected).await;
    assert_eq!(new_page.status(), 200);
    assert_eq!(taken_page.status(), 200);
    let new_page = new_page.text().await.unwrap();
    let taken_page = taken_page.text().await.unwrap();
    assert!(
        new_page.contains("Check your inbox: we sent a link to finish signing up."),
        "{new_page}"
    );
    assert_eq!(
        without_tokens(&new_page),
        without_tokens(&taken_page),
        "the page followed is the same, byte for byte apart from its CSRF tokens"
    );

    // Nobody is logged in, and the taken account is as it was.
    assert!(!is_logged_in(&newcomer).await);
    assert!(!is_logged_in(&intruder).await);
    assert_eq!(intruder.get("/bookings").await.status(), 303);
    assert_eq!(
        intruder.login("taken@example.com", PASSWORD).await.status(),
        303,
        "the owner's password still opens the account"
    );

    // One message each: the new address its link, the owner a note with the ways in.
    let written: Vec<String> = app.outbox().await[before..]
        .iter()
        .map(|m| m.kind.clone())
        .collect();
    assert_eq!(written, ["registered", "registration_attempted"]);
    let links = app.links_in_mail("taken@example.com", ATTEMPTED).await;
    assert_eq!(
        links,
        [
            format!("/login?next=%2Fevents%2F{}", show.event_id),
            "/password/forgot".to_owned()
        ]
    );
    let note = app
        .mails_to("taken@example.com")
        .await
        .into_iter()
        .find(|m| m.subject == ATTEMPTED)
        .unwrap();
    assert!(note.body_text.contains("It already has an account"));
    assert!(
        !note.body_text.contains("/account/verify"),
        "the owner's note holds no link that logs anyone in"
    );
    let link = app.link_in_mail("new@example.com", CONFIRM).await;
    assert!(link.starts_with("/account/verify?token="), "{link}");
}

#[tokio::test]
async fn registering_with_a_taken_address_again_and_again_mails_its_owner_once_per_window() {
    let app = spawn("1").await;
    app.start_next_window(300, &[]);
    app.registered("taken@example.com").await;
    for _ in 0..3 {
        let response = register_from(&app.visitor(), "taken@example.com", "/").await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/login");
    }
    assert_eq!(app.outbox_of("registration_attempted").await.len(), 1);
}

#[tokio::test]
async fn the_link_confirms_logs_in_once_and_lands_on_the_event_with_the_choice_kept() {
    let app = spawn("1").await;
    let show = app
        .create_event(EventSpec::new("Choice kept").seats("Stalls", 2500, 20))
        .await;
    let (event_id, type_id) = (show.event_id, show.ticket_type_ids[0]);
    let visitor = app.visitor();

    // A logged-out visitor chooses on the event page: a GET form, no state.
    let event_page = visitor.page(&format!("/events/{event_id}")).await;
    assert!(
        event_page.contains(&format!(
            "<form method=\"get\" action=\"/events/{event_id}/reserve\""
        )),
        "{event_page}"
    );
    assert!(event_page.contains("Log in to reserve"));
    let chosen = visitor
        .get(&format!(
            "/events/{event_id}/reserve?ticket_type_id={type_id}&quantity=2"
        ))
        .await;
    assert_eq!(chosen.status(), 303);
    let next = format!("/events/{event_id}?ticket_type_id={type_id}&quantity=2");
    let login = location(&chosen);
    assert_eq!(query_param(&login, "next").as_deref(), Some(next.as_str()));
    assert!(login.starts_with("/login?"));
    let legacy = visitor
        .get(&format!(
            "/events/{event_id}/reserve?ticket_schema_id={type_id}&quantity=2"
        ))
        .await;
    assert_eq!(
        location(&legacy),
        login,
        "the legacy field name is accepted"
    );
    assert!(app.bookings().await.is_empty(), "choosing holds nothing");

    // The log-in page offers both ways on, each keeping the choice.
    let page = visitor.page(&login).await;
    let kept = format!("name=\"next\" value=\"{}\"", attribute(&next));
    assert_eq!(page.matches(&kept).count(), 2, "log in and sign up: {page}");
    let registered = register_from(&visitor, "ada@example.com", &next).await;
    assert_eq!(location(&registered), login);
    assert!(!is_logged_in(&visitor).await, "registering does not log in");

    let link = app.link_in_mail("ada@example.com", CONFIRM).await;
    assert_eq!(query_param(&link, "next").as_deref(), Some(next.as_str()));
    // The mail may be opened in another browser: the link is all it needs.
    let reader = app.visitor();
    let confirmed = follow_confirmation(&reader, &link).await;
    assert_eq!(confirmed.status(), 303);
    assert_eq!(location(&confirmed), next);
    assert!(is_confirmed(&app, "ada@example.com").await);
    let landed = reader.page(&next).await;
    assert!(landed.contains("My tickets"), "logged in");
    assert!(landed.contains("your address is confirmed, and you are logged in"));
    assert!(
        landed.contains("<option value=\"2\" selected>2</option>"),
        "the choice is selected: {landed}"
    );
    assert!(landed.contains(&format!(
        "<form method=\"post\" action=\"/events/{event_id}/reserve\""
    )));
    // Logged in, the same choice leads straight back to the event page.
    let back = reader
        .get(&format!(
            "/events/{event_id}/reserve?ticket_type_id={type_id}&quantity=2"
        ))
        .await;
    assert_eq!(
        (back.status().as_u16(), location(&back)),
        (303, next.clone())
    );
    // One click reserves: the form as the page fills it.
    let held = reader.reserve_n(event_id, type_id, "2").await;
    assert!(location(&held).starts_with("/bookings/"), "{:?}", held);
    assert_eq!(app.bookings().await[0].quantity, 2);

    // A second use logs nobody in and says why.
    let again = app.visitor();
    let token = query_param(&link, "token").unwrap();
    let used = again
        .post("/account/verify", &[("token", &token), ("next", &next)])
        .await;
    assert_eq!(used.status(), 410);
    let body = used.text().await.unwrap();
    assert!(body.contains("This link has been used already"), "{body}");
    assert!(!body.contains("My tickets"));
    assert!(!is_logged_in(&again).await);
}

#[tokio::test]
async fn an_expired_link_says_so_and_logs_nobody_in() {
    let app = spawn("1").await;
    register_from(&app.visitor(), "late@example.com", "/").await;
    let link = app.link_in_mail("late@example.com", CONFIRM).await;
    app.clock
        .advance(TimeDelta::hours(24) + TimeDelta::minutes(1));
    let visitor = app.visitor();
    let token = query_param(&link, "token").unwrap();
    let expired = visitor.post("/account/verify", &[("token", &token)]).await;
    assert_eq!(expired.status(), 410);
    let body = expired.text().await.unwrap();
    assert!(body.contains("This link has expired"), "{body}");
    assert!(body.contains("href=\"/login\""), "a way on: {body}");
    assert!(!is_logged_in(&visitor).await);
    assert!(!is_confirmed(&app, "late@example.com").await);

    // Garbage is a clear 400, never a 500.
    for bad in ["", "x", "1.2.3", "99999.1.abc"] {
        let answer = visitor.post("/account/verify", &[("token", bad)]).await;
        assert_eq!(answer.status(), 400, "{bad:?}");
    }
}

#[tokio::test]
async fn an_unconfirmed_account_holds_and_pays_one_booking_until_it_confirms() {
    let app = spawn("1").await;
    let email = "one@example.com";
    let buyer = app.registered(email).await;
    let first = app.create_event(EventSpec::new("First show")).await;
    let second = app.create_event(EventSpec::new("Second show")).await;

    let held = buyer
        .reserve(first.event_id, first.ticket_type_ids[0])
        .await;
    assert!(location(&held).starts_with("/bookings/"));
    let booking_id: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    pay(&buyer, booking_id).await;

    let refused = buyer
        .reserve(second.event_id, second.ticket_type_ids[0])
        .await;
    assert_eq!(refused.status(), 403);
    assert!(!refused.headers().contains_key("retry-after"));
    let page = refused.text().await.unwrap();
    assert!(page.contains("Confirm your address first"), "{page}");
    assert!(page.contains("more than one booking"), "{page}");
    assert!(page.contains("action=\"/account/verify/resend\""), "{page}");
    assert_eq!(app.available(second.ticket_type_ids[0]).await, 100);
    assert_eq!(app.bookings().await.len(), 1);

    // The JSON API says the same, as a problem.
    let api = app.api().logged_in(email, PASSWORD).await;
    let answer = api
        .post_keyed(
            &format!("/events/{}/bookings", second.event_id),
            "second-1",
            &json!({"ticket_type_id": second.ticket_type_ids[0], "quantity": 1}),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (403, "address_unconfirmed"));
    assert!(answer.is_problem());
    assert!(
        answer.json["type"]
            .as_str()
            .unwrap()
            .ends_with("#problem-address_unconfirmed"),
        "{:?}",
        answer.json
    );
    assert_eq!(app.bookings().await.len(), 1);

    // The way on: the refusal's button mails a new link, which leads back to the event.
    let back = format!("/events/{}", second.event_id);
    assert!(
        page.contains(&format!("name=\"next\" value=\"{back}\"")),
        "{page}"
    );
    let resent = buyer
        .post("/account/verify/resend", &[("next", &back)])
        .await;
    assert_eq!(location(&resent), "/account/verify/resend");
    let link = app.link_in_mail(email, CONFIRM).await;
    let confirmed = follow_confirmation(&buyer, &link).await;
    assert_eq!(
        (confirmed.status().as_u16(), location(&confirmed)),
        (303, back)
    );
    assert!(is_logged_in(&buyer).await);
    let held = buyer
        .reserve(second.event_id, second.ticket_type_ids[0])
        .await;
    assert!(location(&held).starts_with("/bookings/"), "{held:?}");
    let third = app.create_event(EventSpec::new("Third show")).await;
    let answer = api
        .post_keyed(
            &format!("/events/{}/bookings", third.event_id),
            "third-1",
            &json!({"ticket_type_id": third.ticket_type_ids[0], "quantity": 1}),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.json);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_cancelled_hold_gives_the_unconfirmed_allowance_back() {
    let app = spawn("1").await;
    let buyer = app.registered("changes@example.com").await;
    let first = app.create_event(EventSpec::new("Changed my mind")).await;
    let second = app.create_event(EventSpec::new("This one")).await;
    let held = buyer
        .reserve(first.event_id, first.ticket_type_ids[0])
        .await;
    let booking_id: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    assert_eq!(
        buyer
            .reserve(second.event_id, second.ticket_type_ids[0])
            .await
            .status(),
        403
    );
    assert_eq!(buyer.cancel(booking_id).await.status(), 303);
    let held = buyer
        .reserve(second.event_id, second.ticket_type_ids[0])
        .await;
    assert!(location(&held).starts_with("/bookings/"), "{held:?}");
}

#[tokio::test]
async fn unconfirmed_bookings_is_read_from_the_configuration() {
    let app = spawn("2").await;
    let buyer = app.registered("two@example.com").await;
    let mut shows = Vec::new();
    for title in ["One", "Two", "Three"] {
        shows.push(app.create_event(EventSpec::new(title)).await);
    }
    for show in &shows[..2] {
        let held = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
        assert!(location(&held).starts_with("/bookings/"), "{held:?}");
    }
    let refused = buyer
        .reserve(shows[2].event_id, shows[2].ticket_type_ids[0])
        .await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("more than 2 bookings")
    );

    let strict = spawn("0").await;
    let buyer = strict.registered("none@example.com").await;
    let show = strict.create_event(EventSpec::new("Confirm first")).await;
    let refused = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("any booking"));
    let link = strict.link_in_mail("none@example.com", CONFIRM).await;
    assert_eq!(follow_confirmation(&buyer, &link).await.status(), 303);
    let held = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert!(location(&held).starts_with("/bookings/"), "{held:?}");
}

#[tokio::test]
async fn next_to_another_host_stays_local() {
    let app = spawn("1").await;
    for (i, evil) in [
        "//evil.example",
        "https://evil.example/",
        "/%09/evil.example",
        "/\\evil.example",
    ]
    .into_iter()
    .enumerate()
    {
        let email = format!("victim{i}@example.com");
        let visitor = app.visitor();
        let registered = register_from(&visitor, &email, evil).await;
        assert_eq!(registered.status(), 303);
        assert_eq!(location(&registered), "/login", "{evil:?}");
        let link = app.link_in_mail(&email, CONFIRM).await;
        assert_eq!(query_param(&link, "next"), None, "{link}");
        // A link edited to lead elsewhere still lands at home.
        let token = query_param(&link, "token").unwrap();
        let confirmed = app
            .visitor()
            .post("/account/verify", &[("token", &token), ("next", evil)])
            .await;
        assert_eq!(confirmed.status(), 303);
        assert_eq!(location(&confirmed), "/", "{evil:?}");
    }
    // The choice's GET keeps only numbers, and says what is wrong with anything else.
    let visitor = app.visitor();
    for bad in [
        "ticket_type_id=abc",
        "ticket_type_id=",
        "ticket_type_id=1&quantity=0",
        "ticket_type_id=1&quantity=many",
    ] {
        let answer = visitor.get(&format!("/events/1/reserve?{bad}")).await;
        assert_eq!(answer.status(), 400, "{bad}");
    }
    // On the event page an odd choice is only ignored.
    let show = app.create_event(EventSpec::new("Odd choice")).await;
    let page = visitor
        .get(&format!(
            "/events/{}?ticket_type_id=x&quantity=%00",
            show.event_id
        ))
        .await;
    assert_eq!(page.status(), 200);
    let page = visitor
        .get(&format!(
            "/events/{}?ticket_type_id=1&ticket_type_id=2&ticket_schema_id=3",
            show.event_id
        ))
        .await;
    assert_eq!(
        page.status(),
        200,
        "a repeated field is ignored, not refused"
    );
}

/// Two holds of one unconfirmed account at the same instant, at two events (two ticket
/// types: two batches, two transactions): exactly one goes through, round after round,
/// on both engines. No control yet: with the account's row lock removed this still
/// passed on PostgreSQL (something else in the hold transaction serialises one user's
/// holds), so the lock is a second guard this test does not single out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_holds_of_an_unconfirmed_account_at_once_take_one_booking() {
    const ROUNDS: usize = 8;
    let app = spawn("1").await;
    let first = app.create_event(EventSpec::new("First show")).await;
    let second = app.create_event(EventSpec::new("Second show")).await;
    for round in 0..ROUNDS {
        let email = format!("racer{round}@example.com");
        let buyer = std::sync::Arc::new(app.registered(&email).await);
        let (a, b) = (buyer.clone(), buyer);
        let (event_a, type_a) = (first.event_id, first.ticket_type_ids[0]);
        let (event_b, type_b) = (second.event_id, second.ticket_type_ids[0]);
        let (one, other) = support::race::together(
            async move { a.reserve(event_a, type_a).await.status().as_u16() },
            async move { b.reserve(event_b, type_b).await.status().as_u16() },
        )
        .await;
        let mut statuses = [one, other];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 403], "round {round}: one hold, one refusal");
        let held = app
            .bookings()
            .await
            .into_iter()
            .filter(|b| b.status == "reserved")
            .count();
        assert_eq!(held, round + 1, "round {round}: one booking per account");
    }
    assert_eq!(
        app.available(first.ticket_type_ids[0]).await
            + app.available(second.ticket_type_ids[0]).await,
        200 - ROUNDS as i32,
        "one seat per round, none lost"
    );
    app.assert_books_clean().await;
}
