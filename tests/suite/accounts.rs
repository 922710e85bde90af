//! Registering, logging in and out, CSRF, throttling and session revocation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::users;
use support::visitor::location;
use support::{PASSWORD, TestApp};

async fn user_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use boxoffice::db::schema::users::dsl;
        use diesel::prelude::*;
        dsl::users.count().get_result::<i64>(conn).unwrap()
    })
    .await
}

#[tokio::test]
async fn registering_stores_a_bcrypt_hash_and_the_user_then_logs_in() {
    // Registering no longer logs in (issue 9): a taken email must get the very same
    // answer, and that answer cannot be a session for someone else's account. The mailed
    // link logs in (tests/suite/signup.rs); so does the password, as here.
    let app = TestApp::spawn().await;
    let ann = app.visitor();
    let response = ann.register("  Ann@Example.com ", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    let login_page = ann.page("/login").await;
    assert!(login_page.contains("Check your inbox: we sent a link to finish signing up."));
    assert!(!login_page.contains("My tickets"), "not logged in yet");

    let response = ann.login("ann@example.com", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    let home = ann.page("/").await;
    assert!(
        home.contains("My tickets"),
        "the nav shows the logged-in menu"
    );
    let user = app
        .with_db(|conn| users::find_by_email(conn, "ann@example.com").unwrap())
        .await
        .expect("stored lower-cased");
    assert!(
        user.password_hash.starts_with("$2"),
        "a bcrypt hash, not the password"
    );
    assert!(!user.is_admin);
}

#[tokio::test]
async fn a_taken_email_in_any_case_changes_nothing_and_gets_the_same_answer() {
    // Was: 422 "already exists" (which told anyone the address had an account).
    let app = TestApp::spawn().await;
    app.registered("bob@example.com").await;
    let before = app
        .with_db(|conn| users::find_by_email(conn, "bob@example.com").unwrap())
        .await
        .unwrap();
    let other = app.visitor();
    let response = other.register("BOB@example.COM", "another password").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    assert!(
        other
            .page("/login")
            .await
            .contains("Check your inbox: we sent a link to finish signing up.")
    );
    assert_eq!(user_count(&app).await, 1);
    let after = app
        .with_db(|conn| users::find_by_email(conn, "bob@example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(after.password_hash, before.password_hash, "nothing changed");
    assert_eq!(
        other
            .login("bob@example.com", "another password")
            .await
            .status(),
        422,
        "the second registration's password opens nothing"
    );
}

#[tokio::test]
async fn bad_registration_fields_are_named_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let response = app.visitor().register("not-an-email", "short").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("id=\"email-error\""));
    assert!(body.contains("id=\"password-error\""));
    assert_eq!(user_count(&app).await, 0);
}

#[tokio::test]
async fn login_logout_and_the_same_answer_for_either_mistake() {
    let app = TestApp::spawn().await;
    app.registered("cat@example.com").await;

    let visitor = app.visitor();
    let wrong_password = visitor.login("cat@example.com", "not the password").await;
    assert_eq!(wrong_password.status(), 422);
    let wrong_password = wrong_password.text().await.unwrap();
    let unknown_email = visitor.login("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown_email.status(), 422);
    let unknown_email = unknown_email.text().await.unwrap();
    let message = "That email and password do not match an account.";
    assert!(wrong_password.contains(message) && unknown_email.contains(message));

    let response = visitor.login("cat@example.com", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(visitor.get("/bookings").await.status(), 200);

    let response = visitor.logout().await;
    assert_eq!(response.status(), 303);
    let response = visitor.get("/bookings").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=%2Fbookings");
}

#[tokio::test]
async fn logging_in_goes_back_to_the_page_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    app.registered("dan@example.com").await;
    let visitor = app.visitor();
    let response = visitor
        .post(
            "/login",
            &[
                ("email", "dan@example.com"),
                ("password", PASSWORD),
                ("next", "/bookings"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/bookings");
    let other = app.visitor();
    let response = other
        .post(
            "/login",
            &[
                ("email", "dan@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn a_post_without_the_right_csrf_token_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    visitor.csrf_token().await; // the session exists, but the form omits its token
    let missing = visitor
        .post_raw(
            "/register",
            &[("email", "eve@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(missing.status(), 403);
    let wrong = visitor
        .post_raw(
            "/register",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 403);
    let stranger = app.visitor();
    let token_of_another_session = visitor.csrf_token().await;
    let cross = stranger
        .post_raw(
            "/register",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("csrf_token", &token_of_another_session),
            ],
        )
        .await;
    assert_eq!(cross.status(), 403);
    assert_eq!(user_count(&app).await, 0);
}

#[tokio::test]
async fn logging_out_ends_every_other_session_of_the_user() {
    let app = TestApp::spawn().await;
    let laptop = app.registered("fay@example.com").await;
    let phone = app.visitor();
    assert_eq!(phone.login("fay@example.com", PASSWORD).await.status(), 303);
    assert_eq!(phone.get("/bookings").await.status(), 200);

    assert_eq!(laptop.logout().await.status(), 303);
    let response = phone.get("/bookings").await;
    assert_eq!(
        response.status(),
        303,
        "the phone's older cookie no longer works"
    );
}

#[tokio::test]
async fn changing_the_password_ends_older_sessions() {
    let app = TestApp::spawn().await;
    let laptop = app.registered("gil@example.com").await;
    let phone = app.visitor();
    assert_eq!(phone.login("gil@example.com", PASSWORD).await.status(), 303);

    let response = laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        laptop.get("/bookings").await.status(),
        200,
        "the session that changed it stays in"
    );
    assert_eq!(
        phone.get("/bookings").await.status(),
        303,
        "the other session is ended"
    );
    let again = app.visitor();
    assert_eq!(again.login("gil@example.com", PASSWORD).await.status(), 422);
    assert_eq!(
        again
            .login("gil@example.com", "a brand new secret")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_but_successes_are_not() {
    let app = TestApp::spawn_with(&[("LOGIN_FAILURES_PER_ACCOUNT", "3")]).await;
    app.start_next_window(900, &[]);
    app.registered("hal@example.com").await;
    let attacker = app.visitor();
    for _ in 0..3 {
        assert_eq!(
            attacker.login("hal@example.com", "guess").await.status(),
            422
        );
    }
    let throttled = attacker.login("hal@example.com", PASSWORD).await;
    assert_eq!(
        throttled.status(),
        429,
        "even the right password waits once throttled"
    );
    assert!(
        throttled
            .text()
            .await
            .unwrap()
            .contains("Too many failed attempts")
    );

    // Many correct logins from one address are never limited.
    app.registered("ivy@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            app.visitor()
                .login("ivy@example.com", PASSWORD)
                .await
                .status(),
            303
        );
    }
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    let response = app.visitor().get("/login").await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("the login form starts a session")
        .to_owned();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "http PUBLIC_URL: not Secure");
}
