//! The JSON API's tokens (issue 23): minting with a password is limited per account, and
//! personal access tokens, made on the account page from a logged-in session, are shown
//! once, listed, revoked there, keep working while the log-in throttle has closed
//! `POST /api/v1/tokens`, and end with a log-out everywhere or a password change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::visitor::{Visitor, location};
use support::{PASSWORD, TestApp};

/// The token shown on the account page right after it was made.
fn token_on(page: &str) -> Option<String> {
    let at = page.find("<code id=\"new-token\">")? + "<code id=\"new-token\">".len();
    Some(page[at..at + page[at..].find('<')?].to_owned())
}

/// Makes a personal access token as `who`; returns its value.
async fn make_token(who: &Visitor, name: &str, expires: &str) -> String {
    let made = who
        .post("/account/tokens", &[("name", name), ("expires", expires)])
        .await;
    assert_eq!(made.status(), 303, "making {name}");
    assert_eq!(location(&made), "/account");
    token_on(&who.page("/account").await).expect("the new token, once")
}

#[tokio::test]
async fn a_personal_token_is_shown_once_listed_used_and_revoked() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    assert!(ann.page("/").await.contains("href=\"/account\""));
    assert!(
        ann.page("/account")
            .await
            .contains("no personal access tokens")
    );

    let token = make_token(&ann, "Deploy script", "never").await;
    assert!(token.starts_with("bo_"));
    let page = ann.page("/account").await;
    assert!(token_on(&page).is_none(), "shown only once");
    assert!(!page.contains(&token));
    assert!(page.contains("Deploy script"));
    assert!(page.contains("no expiry"));
    assert!(page.contains(">never<"), "not used yet");
    let stored: Vec<String> = app
        .with_db(|conn| {
            use boxoffice::db::schema::api_tokens::dsl;
            use diesel::prelude::*;
            dsl::api_tokens.select(dsl::token_hash).load(conn).unwrap()
        })
        .await;
    assert_eq!(
        stored,
        [boxoffice::domain::accounts::api_token::hash_token(&token)]
    );

    // It works as a bearer token, exactly like a minted one.
    let api = app.api().with_token(&token);
    assert_eq!(api.get("/bookings").await.status, 200);
    assert!(
        !ann.page("/account").await.contains(">never<"),
        "last use shown"
    );

    // Anyone else's, or a made-up id, is not found; the owner revokes it.
    let bob = app.registered("bob@example.com").await;
    let id = app
        .with_db(|conn| {
            use boxoffice::db::schema::api_tokens::dsl;
            use diesel::prelude::*;
            dsl::api_tokens.select(dsl::id).first::<i32>(conn).unwrap()
        })
        .await;
    let path = format!("/account/tokens/{id}/revoke");
    assert_eq!(bob.post(&path, &[]).await.status(), 404);
    assert_eq!(
        ann.post("/account/tokens/x/revoke", &[]).await.status(),
        404
    );
    assert_eq!(api.get("/bookings").await.status, 200);
    let revoked = ann.post(&path, &[]).await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(api.get("/bookings").await.status, 401);
    assert!(
        ann.page("/account")
            .await
            .contains("no personal access tokens")
    );
}

#[tokio::test]
async fn a_bad_name_or_lifetime_makes_no_token() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    for (name, expires) in [("", "30"), ("ok", "forever"), ("a\u{7}bell", "30")] {
        let refused = ann
            .post("/account/tokens", &[("name", name), ("expires", expires)])
            .await;
        assert_eq!(refused.status(), 422, "{name:?} {expires:?}");
    }
    // Without the session's CSRF token: refused too.
    let forged = ann
        .post_raw("/account/tokens", &[("name", "x"), ("expires", "30")])
        .await;
    assert_eq!(forged.status(), 403);
    let anonymous = app
        .visitor()
        .post("/account/tokens", &[("name", "x"), ("expires", "30")])
        .await;
    assert_eq!(anonymous.status(), 303, "sent to log in");
    let count = app
        .with_db(|conn| {
            use boxoffice::db::schema::api_tokens::dsl;
            use diesel::prelude::*;
            dsl::api_tokens.count().get_result::<i64>(conn).unwrap()
        })
        .await;
    assert_eq!(count, 0);
    // A lifetime is kept.
    let token = make_token(&ann, "Week", "7").await;
    assert_eq!(
        app.api().with_token(&token).get("/bookings").await.status,
        200
    );
    app.clock.advance(chrono::TimeDelta::days(7));
    assert_eq!(
        app.api().with_token(&token).get("/bookings").await.status,
        401
    );
}

#[tokio::test]
async fn a_personal_token_works_while_the_log_in_throttle_is_closed() {
    let app = TestApp::spawn_with(&[("LOGIN_FAILURES_PER_ACCOUNT", "2")]).await;
    app.start_next_window(900, &[]);
    let owner = app.registered("owner@example.com").await;
    let token = make_token(&owner, "Box office sync", "90").await;

    for _ in 0..2 {
        let wrong = app
            .api()
            .post(
                "/tokens",
                &json!({"email": "owner@example.com", "password": "guess"}),
            )
            .await;
        assert_eq!(wrong.status, 401);
    }
    let closed = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "owner@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((closed.status, closed.code()), (429, "login_throttled"));

    let api = app.api().with_token(&token);
    assert_eq!(api.get("/bookings").await.status, 200);
    let sale = app
        .create_event(support::fixtures::EventSpec::new("Still selling").seats("A", 1000, 5))
        .await;
    let booked = api
        .post_keyed(
            &format!("/events/{}/bookings", sale.event_id),
            "pat-1",
            &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.json);
}

#[tokio::test]
async fn personal_tokens_end_with_a_log_out_everywhere_or_a_password_change() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    let token = make_token(&ann, "Laptop", "never").await;
    let api = app.api().with_token(&token);
    assert_eq!(api.get("/bookings").await.status, 200);
    assert_eq!(ann.logout().await.status(), 303);
    assert_eq!(api.get("/bookings").await.status, 401);

    assert_eq!(ann.login("ann@example.com", PASSWORD).await.status(), 303);
    let again = make_token(&ann, "Laptop again", "30").await;
    assert_eq!(
        app.api().with_token(&again).get("/bookings").await.status,
        200
    );
    let changed = ann
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(
        app.api().with_token(&again).get("/bookings").await.status,
        401
    );
    assert!(
        ann.page("/account")
            .await
            .contains("no personal access tokens")
    );
}

#[tokio::test]
async fn tokens_minted_with_a_password_are_limited_per_account() {
    let app = TestApp::spawn_with(&[("API_TOKENS_PER_HOUR", "3")]).await;
    app.start_next_window(3600, &[]);
    // The first of three.
    let buyer = app.api_user("buyer@example.com").await;
    for _ in 0..2 {
        app.api().logged_in("buyer@example.com", PASSWORD).await;
    }
    // A wrong password is not a token minted: it is refused as such.
    let wrong = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "buyer@example.com", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let fourth = app
        .api()
        .post(
            "/tokens",
            &json!({"email": "buyer@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((fourth.status, fourth.code()), (429, "rate_limited"));
    let retry_after: u64 = fourth.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=3600).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_eq!(
        buyer.get("/bookings").await.status,
        200,
        "earlier tokens work"
    );
    let tokens = app
        .with_db(|conn| {
            use boxoffice::db::schema::api_tokens::dsl;
            use diesel::prelude::*;
            dsl::api_tokens.count().get_result::<i64>(conn).unwrap()
        })
        .await;
    assert_eq!(tokens, 3, "the fourth was not stored");
    // Another account has its own allowance.
    app.api_user("other@example.com").await;
    // The next window gives the account tokens again.
    app.start_next_window(3600, &[]);
    app.api().logged_in("buyer@example.com", PASSWORD).await;
}
