//! Accounts over the API (issue 26, item 3): signing up with `POST /api/v1/accounts`
//! under the web form's rules, limits and mails, answered alike for a new and a taken
//! address; personal access tokens made, listed and revoked over the API only right
//! after a password log-in; and what each token scope may and may not do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::TimeDelta;
use serde_json::json;
use support::fixtures::EventSpec;
use support::{PASSWORD, TestApp};

const CONFIRM: &str = "Confirm your email address";
const ATTEMPTED: &str = "Someone tried to register with your address";

async fn user_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use boxoffice::db::schema::users::dsl;
        use diesel::prelude::*;
        dsl::users.count().get_result::<i64>(conn).unwrap()
    })
    .await
}

#[tokio::test]
async fn signing_up_over_the_api_answers_a_new_and_a_taken_address_alike() {
    let app = TestApp::spawn().await;
    app.registered("taken@example.com").await;
    let before = app.outbox().await.len();

    let new = app
        .api()
        .post(
            "/accounts",
            &json!({"email": "new@example.com", "password": PASSWORD}),
        )
        .await;
    let taken = app
        .api()
        .post(
            "/accounts",
            &json!({"email": "TAKEN@example.com", "password": "another password"}),
        )
        .await;
    assert_eq!(new.status, 202, "{:?}", new.json);
    assert_eq!(taken.status, 202);
    assert_eq!(new.json, taken.json, "nothing tells them apart");
    assert_eq!(new.json["status"], "check_your_inbox");
    let names = |reply: &support::api::Reply| {
        let mut names: Vec<String> = reply
            .headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .filter(|k| k != "date" && k != "x-request-id" && !k.starts_with("ratelimit"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&new), names(&taken));

    // The same mails as the web form: the new address its link, the owner a note.
    let written: Vec<String> = app.outbox().await[before..]
        .iter()
        .map(|m| m.kind.clone())
        .collect();
    assert_eq!(written, ["registered", "registration_attempted"]);
    app.deliver_all().await;
    assert!(
        !app.link_in_mail("new@example.com", CONFIRM)
            .await
            .is_empty()
    );
    let attempts = app
        .mails_to("taken@example.com")
        .await
        .into_iter()
        .filter(|mail| mail.subject.contains(ATTEMPTED))
        .count();
    assert_eq!(attempts, 1, "the owner hears of it once");
    assert_eq!(
        user_count(&app).await,
        2,
        "the taken address made no account"
    );

    // The new account logs in over the API at once; the taken one keeps its password.
    app.api().logged_in("new@example.com", PASSWORD).await;
    app.api().logged_in("taken@example.com", PASSWORD).await;
    let wrong = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "taken@example.com", "password": "another password"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
}

#[tokio::test]
async fn a_bad_sign_up_is_refused_and_makes_nothing() {
    let app = TestApp::spawn().await;
    let api = app.api();
    let short = api
        .post(
            "/accounts",
            &json!({"email": "a@example.com", "password": "short"}),
        )
        .await;
    assert_eq!((short.status, short.code()), (422, "validation"));
    assert_eq!(short.json["errors"][0]["field"], "password");
    let not_an_address = api
        .post(
            "/accounts",
            &json!({"email": "nobody", "password": PASSWORD}),
        )
        .await;
    assert_eq!(not_an_address.status, 422);
    assert_eq!(not_an_address.json["errors"][0]["field"], "email");
    let missing = api
        .post("/accounts", &json!({"email": "a@example.com"}))
        .await;
    assert_eq!(missing.status, 422);
    let as_text = api
        .send_typed(
            reqwest::Method::POST,
            "/accounts",
            Some("text/plain"),
            None,
            br#"{"email":"b@example.com","password":"correct horse battery"}"#.to_vec(),
        )
        .await;
    assert_eq!(
        (as_text.status, as_text.code()),
        (415, "unsupported_media_type")
    );
    assert_eq!(user_count(&app).await, 0);
    assert!(app.outbox().await.is_empty());
}

#[tokio::test]
async fn the_api_and_the_web_form_share_the_registration_limit() {
    let app = TestApp::spawn_with(&[("REGISTRATIONS_PER_ADDRESS", "2")]).await;
    app.start_next_window(3600, &[]);
    assert_eq!(
        app.visitor()
            .register("web@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let second = app
        .api()
        .post(
            "/accounts",
            &json!({"email": "api@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(second.status, 202);
    let third = app
        .api()
        .post(
            "/accounts",
            &json!({"email": "api2@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((third.status, third.code()), (429, "rate_limited"));
    assert!(third.header("retry-after").is_some());
    assert_eq!(
        app.visitor()
            .register("web2@example.com", PASSWORD)
            .await
            .status(),
        429,
        "the web form counts the API's sign-ups"
    );
    assert_eq!(user_count(&app).await, 2);
}

/// Makes a personal token with `api` (a password log-in's token).
async fn personal(api: &support::api::Api, scope: &str) -> support::api::Reply {
    api.post(
        "/tokens/personal",
        &json!({"name": format!("{scope} till"), "scope": scope, "expires_in_days": 30}),
    )
    .await
}

#[tokio::test]
async fn a_personal_token_is_made_over_the_api_only_right_after_a_password_log_in() {
    let app = TestApp::spawn().await;
    let fan = app.api_user("fan@example.com").await;

    let made = personal(&fan, "buyer").await;
    assert_eq!(made.status, 201, "{:?}", made.json);
    let id = made.json["id"].as_i64().unwrap();
    assert_eq!(
        made.header("location"),
        Some(format!("/api/v1/tokens/personal/{id}").as_str())
    );
    assert_eq!(made.json["scope"], "buyer");
    assert!(made.json["expires_at"].is_string());
    let token = made.json["token"].as_str().unwrap().to_owned();
    let buyer = app.api().with_token(&token);
    assert_eq!(buyer.get("/bookings").await.status, 200);

    // A personal token cannot make (or list) others: no long-lived token breeds another.
    let bred = personal(&buyer, "buyer").await;
    assert_eq!((bred.status, bred.code()), (403, "recent_log_in_required"));
    assert_eq!(buyer.get("/tokens/personal").await.status, 403);

    // Listed (never with its value) to the password log-in's token.
    let listed = fan.get("/tokens/personal").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json.as_array().unwrap().len(), 1);
    assert_eq!(listed.json[0]["name"], "buyer till");
    assert_eq!(listed.json[0]["scope"], "buyer");
    assert!(listed.json[0].get("token").is_none());
    assert!(!listed.json.to_string().contains(&token[3..]));

    // Fifteen minutes after the log-in, its token no longer makes tokens (it still lists).
    app.clock.advance(TimeDelta::minutes(16));
    let late = personal(&fan, "buyer").await;
    assert_eq!((late.status, late.code()), (403, "recent_log_in_required"));
    assert_eq!(fan.get("/tokens/personal").await.status, 200);

    // Another's token id is not found; the owner revokes it and it stops working.
    let other = app.api_user("other@example.com").await;
    assert_eq!(
        other.delete(&format!("/tokens/personal/{id}")).await.status,
        404
    );
    assert_eq!(
        fan.delete(&format!("/tokens/personal/{id}")).await.status,
        204
    );
    assert_eq!(buyer.get("/bookings").await.status, 401);
    assert_eq!(
        fan.delete(&format!("/tokens/personal/{id}")).await.status,
        404
    );

    // Bad fields are a 422 naming the field, and make nothing.
    let fresh = app.api().logged_in("fan@example.com", PASSWORD).await;
    for (body, field) in [
        (json!({"name": " ", "scope": "buyer"}), "name"),
        (
            json!({"name": "x", "scope": "buyer", "expires_in_days": 8}),
            "expires_in_days",
        ),
        (json!({"name": "x".repeat(61), "scope": "buyer"}), "name"),
    ] {
        let refused = fresh.post("/tokens/personal", &body).await;
        assert_eq!(refused.status, 422, "{body}");
        assert_eq!(refused.json["errors"][0]["field"], field, "{body}");
    }
    let root = fresh
        .post("/tokens/personal", &json!({"name": "x", "scope": "full"}))
        .await;
    assert_eq!(root.status, 422, "full is for password log-ins only");
    assert_eq!(fresh.get("/tokens/personal").await.json, json!([]));
}

#[tokio::test]
async fn each_scope_does_what_it_names_and_no_more() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Scoped").seats("Floor", 1500, 10))
        .await;
    let admin = app.api_admin().await;
    let fan = app.api_user("fan@example.com").await;
    let doorman = app.api_user("door@example.com").await;

    // A scope beyond the account's roles is refused.
    for scope in ["door", "admin"] {
        let refused = personal(&fan, scope).await;
        assert_eq!(refused.status, 422, "{scope}");
        assert_eq!(refused.json["errors"][0]["field"], "scope");
    }
    let granted = admin
        .post(
            "/admin/door-staff",
            &json!({"email": "door@example.com", "event_id": show.event_id}),
        )
        .await;
    assert_eq!(granted.status, 201);
    assert_eq!(personal(&doorman, "admin").await.status, 422);

    let token = |reply: support::api::Reply| {
        assert_eq!(reply.status, 201, "{:?}", reply.json);
        app.api().with_token(reply.json["token"].as_str().unwrap())
    };
    let fan_buyer = token(personal(&fan, "buyer").await);
    let door_door = token(personal(&doorman, "door").await);
    let door_buyer = token(personal(&doorman, "buyer").await);
    let admin_door = token(personal(&admin, "door").await);
    let admin_buyer = token(personal(&admin, "buyer").await);
    let admin_admin = token(personal(&admin, "admin").await);

    let scan = |api: support::api::Api| {
        let path = format!("/events/{}/checkins", show.event_id);
        async move {
            api.post(&path, &json!({"code": "NOSUCHCODE", "gate": "North"}))
                .await
        }
    };
    let book = |api: support::api::Api, key: &'static str| {
        let path = format!("/events/{}/bookings", show.event_id);
        let body = json!({"ticket_type_id": show.ticket_type_ids[0]});
        async move { api.post_keyed(&path, key, &body).await }
    };

    // Door tokens check in and do nothing else.
    let answered = scan(door_door.clone()).await;
    assert_eq!(answered.status, 200, "{:?}", answered.json);
    assert_eq!(answered.json["result"], "unknown_code");
    assert_eq!(scan(admin_door.clone()).await.status, 200);
    let refused = book(door_door.clone(), "d-1").await;
    assert_eq!((refused.status, refused.code()), (403, "token_scope"));
    assert_eq!(door_door.get("/bookings").await.code(), "token_scope");
    let admin_api = admin_door.get("/admin/events").await;
    assert_eq!((admin_api.status, admin_api.code()), (403, "token_scope"));

    // Buyer tokens book and do not check in, even for door staff and admins.
    let refused = scan(door_buyer.clone()).await;
    assert_eq!((refused.status, refused.code()), (403, "token_scope"));
    assert_eq!(scan(admin_buyer.clone()).await.code(), "token_scope");
    assert_eq!(admin_buyer.get("/admin/events").await.code(), "token_scope");
    assert_eq!(book(fan_buyer.clone(), "f-1").await.status, 201);
    assert_eq!(fan_buyer.get("/admin/events").await.code(), "forbidden");

    // An admin token does all an admin may.
    assert_eq!(admin_admin.get("/admin/events").await.status, 200);
    assert_eq!(scan(admin_admin.clone()).await.status, 200);
    assert_eq!(book(admin_admin.clone(), "a-1").await.status, 201);

    // Nothing a refused token tried was done: one booking each for the fan and the admin.
    let bookings = app.bookings().await;
    assert_eq!(bookings.len(), 2);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_account_page_offers_only_the_scopes_the_account_has() {
    let app = TestApp::spawn().await;
    let fan = app.registered("fan@example.com").await;
    let page = fan.page("/account").await;
    assert!(page.contains("value=\"buyer\""));
    assert!(!page.contains("value=\"door\""));
    assert!(!page.contains("value=\"admin\""));
    let forged = fan
        .post(
            "/account/tokens",
            &[("name", "sneaky"), ("expires", "30"), ("scope", "admin")],
        )
        .await;
    assert_eq!(forged.status(), 422);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("Only an admin&#39;s account may make an admin token.")
    );

    let admin = app.admin().await;
    let page = admin.page("/account").await;
    assert!(page.contains("value=\"door\"") && page.contains("value=\"admin\""));
    let made = admin
        .post(
            "/account/tokens",
            &[("name", "till"), ("expires", "30"), ("scope", "door")],
        )
        .await;
    assert_eq!(made.status(), 303);
    let page = admin.page("/account").await;
    assert!(
        page.contains("Door: check codes in"),
        "the new token names its scope"
    );
    assert!(page.contains("<td>door</td>"));
}

#[tokio::test]
async fn a_door_token_has_its_own_allowance_sized_for_a_gate() {
    let app = TestApp::spawn_with(&[
        ("API_REQUESTS_PER_MINUTE", "3"),
        ("API_REQUESTS_PER_USER_PER_MINUTE", "3"),
        ("API_DOOR_REQUESTS_PER_MINUTE", "6"),
    ])
    .await;
    app.start_next_window(60, &[]);
    let show = app
        .create_event(EventSpec::new("Gate").seats("Floor", 1500, 10))
        .await;
    let admin = app.api_admin().await;
    let door = personal(&admin, "door").await;
    assert_eq!(door.status, 201);
    let gate = app.api().with_token(door.json["token"].as_str().unwrap());
    let path = format!("/events/{}/checkins", show.event_id);
    let scan = json!({"code": "NOSUCHCODE", "gate": "North"});
    for i in 0..6 {
        let answered = gate.post(&path, &scan).await;
        assert_eq!(answered.status, 200, "scan {i} within the door's allowance");
    }
    let refused = gate.post(&path, &scan).await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    assert_eq!(refused.header("ratelimit-limit"), Some("6"));

    // The control: the admin's password log-in token has the general allowance (it made
    // one request already, the personal token).
    let scans = [
        admin.post(&path, &scan).await.status,
        admin.post(&path, &scan).await.status,
        admin.post(&path, &scan).await.status,
    ];
    assert_eq!(scans, [200, 200, 429]);
}

#[tokio::test]
async fn a_box_office_token_sells_at_the_counter_and_does_nothing_else() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Counter").seats("Stalls", 2500, 10))
        .await;
    let admin = app.api_admin().await;
    let clerk = app.api_user("clerk@example.com").await;
    let fan = app.api_user("fan@example.com").await;
    assert_eq!(
        personal(&clerk, "box_office").await.status,
        422,
        "not staff yet"
    );
    assert_eq!(personal(&fan, "box_office").await.status, 422);
    let granted = admin
        .post(
            "/admin/box-office-staff",
            &json!({"email": "clerk@example.com", "event_id": show.event_id}),
        )
        .await;
    assert_eq!(granted.status, 201, "{:?}", granted.json);
    let made = personal(&clerk, "box_office").await;
    assert_eq!(made.status, 201, "{:?}", made.json);
    assert_eq!(made.json["scope"], "box_office");
    let till = app.api().with_token(made.json["token"].as_str().unwrap());
    let door_till = {
        let made = personal(&admin, "door").await;
        app.api().with_token(made.json["token"].as_str().unwrap())
    };

    let sales = format!("/events/{}/sales", show.event_id);
    let sale = |email: &str| {
        json!({
            "ticket_type_id": show.ticket_type_ids[0],
            "quantity": 2,
            "customer_email": email,
            "customer_name": "Ann Example",
            "payment": "cash",
            "note": "till 1",
        })
    };
    let sold = till
        .post_keyed(&sales, "till-1", &sale("ann@example.com"))
        .await;
    assert_eq!(sold.status, 201, "{:?}", sold.json);

    // It neither books for itself, nor checks in, nor uses the admin API.
    let booked = till
        .post_keyed(
            &format!("/events/{}/bookings", show.event_id),
            "b-1",
            &json!({"ticket_type_id": show.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!((booked.status, booked.code()), (403, "token_scope"));
    let scanned = till
        .post(
            &format!("/events/{}/checkins", show.event_id),
            &json!({"code": "NOSUCHCODE", "gate": "North"}),
        )
        .await;
    assert_eq!((scanned.status, scanned.code()), (403, "token_scope"));

    // A door token, even an admin's, does not sell.
    let refused = door_till
        .post_keyed(&sales, "till-2", &sale("bob@example.com"))
        .await;
    assert_eq!((refused.status, refused.code()), (403, "token_scope"));
    assert_eq!(app.bookings().await.len(), 1, "only the till's sale");
    app.assert_books_clean().await;
}

/// Live personal tokens of `user_id`.
async fn live_personal(app: &TestApp, user_id: i32) -> usize {
    let now = app.clock.now();
    app.with_db(move |c| {
        let user = boxoffice::db::users::find(c, user_id).unwrap().unwrap();
        boxoffice::db::api_tokens::live_personal(c, user_id, user.session_generation, now)
            .unwrap()
            .len()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tokens_made_at_once_never_pass_the_cap_of_twenty() {
    use boxoffice::app::personal_tokens::{self, Wanted};
    let app = TestApp::spawn().await;
    for round in 0..4 {
        let email = format!("cap{round}@example.com");
        app.api_user(&email).await;
        let user_id = app
            .with_db(move |c| {
                boxoffice::db::users::find_by_email(c, &email)
                    .unwrap()
                    .unwrap()
                    .id
            })
            .await;
        fn wanted(name: &str) -> Wanted<'_> {
            Wanted {
                name,
                scope: "buyer",
                expires: "30",
            }
        }
        for n in 0..19 {
            let name = format!("token {n}");
            personal_tokens::create(&app.state, user_id, wanted(&name))
                .await
                .unwrap()
                .expect("made");
        }
        let (a, b) = (app.state.clone(), app.state.clone());
        let (first, second) = support::race::together(
            async move {
                personal_tokens::create(a.get_ref(), user_id, wanted("twentieth a"))
                    .await
                    .unwrap()
                    .is_ok()
            },
            async move {
                personal_tokens::create(b.get_ref(), user_id, wanted("twentieth b"))
                    .await
                    .unwrap()
                    .is_ok()
            },
        )
        .await;
        assert!(first ^ second, "round {round}: exactly one is made");
        assert_eq!(live_personal(&app, user_id).await, 20, "round {round}");
    }
}
