//! The log-in throttle on the shared limits (issue 23): failures are counted in the
//! database every instance shares, so two instances give an attacker no more guesses
//! than one; and the throttle decides before any password is hashed, so a refused
//! attempt costs no bcrypt work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::{PASSWORD, TestApp};

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

#[tokio::test]
async fn two_instances_share_the_failure_budget_of_one_account() {
    let settings = [
        ("LOGIN_FAILURES_PER_ACCOUNT", "4"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let first = TestApp::spawn_with(&settings).await;
    let second = first.another_instance_with(&settings).await;
    first.start_next_window(900, &[&second]);
    // The owner's laptop logged in on the first instance before.
    let laptop = first.registered("owner@example.com").await;
    assert_eq!(laptop.logout().await.status(), 303);

    // Guesses from many addresses, spread over both instances behind a load balancer.
    for i in 0..4 {
        let instance = if i % 2 == 0 { &first } else { &second };
        let guess = instance
            .visitor_via(&format!("203.0.113.{i}"))
            .login("Owner@Example.com", &format!("guess {i}"))
            .await;
        assert_eq!(guess.status(), 422, "guess {i} is checked");
    }
    // Four in all: the account is closed to new devices on both instances.
    for instance in [&first, &second] {
        let refused = instance
            .visitor_via("198.51.100.50")
            .login("owner@example.com", PASSWORD)
            .await;
        assert_eq!(refused.status(), 429);
        assert!((1..=900).contains(&retry_after(&refused)));
        let api = instance
            .api()
            .post(
                "/tokens",
                &json!({"email": "owner@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!((api.status, api.code()), (429, "login_throttled"));
    }
    // The owner's laptop gets in through either instance.
    let on_second = laptop.at(&second.address);
    assert_eq!(
        on_second
            .login("owner@example.com", PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn two_instances_share_the_failure_budget_of_one_address() {
    let settings = [
        ("LOGIN_FAILURES_PER_ADDRESS", "3"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let first = TestApp::spawn_with(&settings).await;
    let second = first.another_instance_with(&settings).await;
    first.start_next_window(900, &[&second]);
    for i in 0..3 {
        let instance = if i % 2 == 0 { &first } else { &second };
        let guess = instance
            .visitor_via("203.0.113.9")
            .login(&format!("someone{i}@example.com"), "guess")
            .await;
        assert_eq!(guess.status(), 422);
    }
    for instance in [&second, &first] {
        let refused = instance
            .visitor_via("203.0.113.9")
            .login("someone-else@example.com", "guess")
            .await;
        assert_eq!(refused.status(), 429, "the address is spent everywhere");
    }
    let neighbour = second
        .visitor_via("198.51.100.1")
        .login("someone@example.com", "guess")
        .await;
    assert_eq!(neighbour.status(), 422, "another address is not");
}

#[tokio::test]
async fn a_refused_attempt_costs_no_hash() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_FAILURES_PER_ACCOUNT", "2"),
        ("LOGIN_FAILURES_PER_ADDRESS", "3"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    app.start_next_window(900, &[]);
    app.api_user("target@example.com").await;
    let hashing = &app.state.hashing;

    // Checked attempts cost one hash each, known account or not.
    let before = hashing.hashed();
    for i in 0..2 {
        let wrong = app
            .visitor_via(&format!("198.51.100.{i}"))
            .login("target@example.com", "guess")
            .await;
        assert_eq!(wrong.status(), 422);
    }
    assert_eq!(hashing.hashed(), before + 2);
    // What cannot be an email is refused alike, with no hash: no account's answer could
    // be told apart by it.
    let garbage = app
        .visitor_via("198.51.100.77")
        .login(&"x".repeat(5000), "guess")
        .await;
    assert_eq!(garbage.status(), 422);
    assert_eq!(hashing.hashed(), before + 2);

    // The account is closed: refusals from new devices, web or API, cost nothing.
    let closed = hashing.hashed();
    for i in 0..5 {
        let web = app
            .visitor_via(&format!("198.51.100.{}", 10 + i))
            .login("target@example.com", PASSWORD)
            .await;
        assert_eq!(web.status(), 429);
        let api = app
            .api()
            .post(
                "/tokens",
                &json!({"email": "target@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(api.status, 429);
    }
    assert_eq!(hashing.hashed(), closed, "no hash for a refused attempt");

    // An address past its failures: the same.
    for i in 0..3 {
        let wrong = app
            .visitor_via("203.0.113.7")
            .login(&format!("nobody{i}@example.com"), "guess")
            .await;
        assert_eq!(wrong.status(), 422);
    }
    let spent = hashing.hashed();
    for i in 0..5 {
        let refused = app
            .visitor_via("203.0.113.7")
            .login(&format!("other{i}@example.com"), "guess")
            .await;
        assert_eq!(refused.status(), 429);
        assert!((1..=900).contains(&retry_after(&refused)));
    }
    assert_eq!(hashing.hashed(), spent);

    // The window ends: the account takes attempts again.
    app.start_next_window(900, &[]);
    let back = app
        .visitor_via("198.51.100.99")
        .login("target@example.com", PASSWORD)
        .await;
    assert_eq!(back.status(), 303);
}

/// The secrets of the device cookie a response sets.
fn device_cookie(response: &reqwest::Response) -> String {
    support::visitor::set_cookie(response, "boxoffice_device").expect("a device cookie")
}

async fn devices_of(app: &TestApp, email: &'static str) -> i64 {
    app.with_db(move |conn| {
        let user = boxoffice::db::users::find_by_email(conn, email)
            .unwrap()
            .unwrap();
        boxoffice::db::trusted_devices::count_for_user(conn, user.id).unwrap()
    })
    .await
}

#[tokio::test]
async fn a_device_secret_changes_at_every_log_in_and_the_old_one_no_longer_counts() {
    let app = TestApp::spawn_with(&[("LOGIN_FAILURES_PER_ACCOUNT", "2")]).await;
    app.start_next_window(900, &[]);
    let laptop = app.visitor();
    assert_eq!(
        laptop
            .register("owner@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let first = laptop.login("owner@example.com", PASSWORD).await;
    assert_eq!(first.status(), 303);
    let old = device_cookie(&first);
    // Someone copies the cookie; the owner logs in again from the laptop.
    let copy = app.visitor_with_cookie(&format!("boxoffice_device={old}"));
    assert_eq!(laptop.logout().await.status(), 303);
    let second = laptop.login("owner@example.com", PASSWORD).await;
    assert_eq!(second.status(), 303);
    let new = device_cookie(&second);
    assert_ne!(new, old, "a new secret at every log-in");
    assert_eq!(
        devices_of(&app, "owner@example.com").await,
        1,
        "replaced, not added"
    );
    assert_eq!(laptop.logout().await.status(), 303);

    // The account is closed to new devices.
    for i in 0..2 {
        let guess = app
            .visitor()
            .login("owner@example.com", &format!("guess {i}"))
            .await;
        assert_eq!(guess.status(), 422);
    }
    let hashed = app.state.hashing.hashed();
    let refused = copy.login("owner@example.com", PASSWORD).await;
    assert_eq!(
        refused.status(),
        429,
        "the old secret is no longer a known device"
    );
    assert_eq!(app.state.hashing.hashed(), hashed);
    let welcome = laptop.login("owner@example.com", PASSWORD).await;
    assert_eq!(welcome.status(), 303, "the laptop's current secret is");
    assert_ne!(device_cookie(&welcome), new);
}

#[tokio::test]
async fn a_known_device_that_keeps_failing_loses_its_pass() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_FAILURES_PER_ACCOUNT", "2"),
        ("LOGIN_FAILURES_PER_DEVICE", "3"),
    ])
    .await;
    app.start_next_window(900, &[]);
    let family = app.registered("owner@example.com").await;
    assert_eq!(family.logout().await.status(), 303);
    // Someone at the family computer guesses: the account closes after two, the
    // computer keeps its pass for one more failure of its own.
    for i in 0..3 {
        let guess = family
            .login("owner@example.com", &format!("guess {i}"))
            .await;
        assert_eq!(guess.status(), 422, "guess {i} is checked");
    }
    let refused = family.login("owner@example.com", PASSWORD).await;
    assert_eq!(
        refused.status(),
        429,
        "past its own failures, the device is new again"
    );
    app.start_next_window(900, &[]);
    assert_eq!(
        family.login("owner@example.com", PASSWORD).await.status(),
        303
    );
}
