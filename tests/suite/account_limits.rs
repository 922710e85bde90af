//! Password changes and reset links under the shared limits (issue 23): a password
//! change is limited per account before any hash; reset requests per client address
//! (429) and reset mails per account (the same answer as a sent mail, for an existing,
//! an unknown and a limited account alike); and a completed reset or a password change
//! ends every other reset link and every other known device of the user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::visitor::{Visitor, location, set_cookie};
use support::{PASSWORD, TestApp};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Asks for a reset link for `email` as `visitor`; returns the status, where it went
/// and the message shown there.
async fn ask(visitor: &Visitor, email: &str) -> (u16, String, String) {
    let response = visitor.post("/password/forgot", &[("email", email)]).await;
    let status = response.status().as_u16();
    let to = location(&response);
    if status != 303 {
        return (status, to, response.text().await.unwrap());
    }
    let page = visitor.page(&to).await;
    let start = page.find("class=\"flash").expect("a message");
    let message = page[start..start + page[start..].find("</p>").unwrap()].to_owned();
    (status, to, message)
}

/// The reset links mailed to `email`, oldest first, as paths.
async fn links_to(app: &TestApp, email: &str) -> Vec<String> {
    app.deliver_all().await;
    app.mails_to(email)
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Reset your password"))
        .map(|m| {
            let start = m.body_text.find(&app.address).expect("a link");
            let link = m.body_text[start..].split_whitespace().next().unwrap();
            link.trim_start_matches(&app.address).to_owned()
        })
        .collect()
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn reset_mails_are_limited_per_account_and_every_answer_is_alike() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    // The mail window (300 s) and the address window (an hour) start together.
    app.start_next_window(3600, &[]);
    app.registered("ann@example.com").await;

    let first = ask(&app.visitor_via("198.51.100.1"), "ann@example.com").await;
    // Again at once, from elsewhere and typed otherwise: limited, and answered alike.
    let limited = ask(&app.visitor_via("198.51.100.2"), " ANN@example.com").await;
    let unknown = ask(&app.visitor_via("198.51.100.3"), "nobody@example.com").await;
    assert_eq!(first.0, 303);
    assert_eq!(
        first, limited,
        "a limited account is answered as a mailed one"
    );
    assert_eq!(first, unknown, "an unknown address too");
    assert_eq!(app.outbox_of("password_reset_asked").await.len(), 1);
    assert_eq!(links_to(&app, "ann@example.com").await.len(), 1, "one mail");

    // The next mail window: one more.
    app.start_next_window(300, &[]);
    let later = ask(&app.visitor_via("198.51.100.4"), "ann@example.com").await;
    assert_eq!(later, first);
    assert_eq!(links_to(&app, "ann@example.com").await.len(), 2);
}

#[tokio::test]
async fn reset_requests_are_limited_per_address() {
    let app = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("RESET_REQUESTS_PER_ADDRESS", "3"),
    ])
    .await;
    app.start_next_window(3600, &[]);
    app.registered("ann@example.com").await;
    for i in 0..3 {
        let (status, ..) = ask(
            &app.visitor_via("203.0.113.5"),
            &format!("someone{i}@example.com"),
        )
        .await;
        assert_eq!(status, 303);
    }
    let refused = app
        .visitor_via("203.0.113.5")
        .post("/password/forgot", &[("email", "ann@example.com")])
        .await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after));
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Too many reset links")
    );
    assert!(app.outbox_of("password_reset_asked").await.is_empty());
    let (status, ..) = ask(&app.visitor_via("198.51.100.9"), "ann@example.com").await;
    assert_eq!(status, 303, "another address asks");
    assert_eq!(app.outbox_of("password_reset_asked").await.len(), 1);
}

#[tokio::test]
async fn a_completed_reset_ends_every_other_link() {
    let app = TestApp::spawn_with(&[("RESET_MAILS_PER_ACCOUNT", "5")]).await;
    app.start_next_window(300, &[]);
    app.registered("ann@example.com").await;
    ask(&app.visitor(), "ann@example.com").await;
    ask(&app.visitor(), "ann@example.com").await;
    let links = links_to(&app, "ann@example.com").await;
    assert_eq!(links.len(), 2);
    let visitor = app.visitor();
    for link in &links {
        assert_eq!(visitor.get(link).await.status(), 200, "both work at first");
    }
    let done = visitor
        .post(
            "/password/reset",
            &[("token", &token_of(&links[1])), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        visitor.get(&links[0]).await.status(),
        410,
        "the other is dead"
    );
    let late = visitor
        .post(
            "/password/reset",
            &[
                ("token", &token_of(&links[0])),
                ("password", "yet another phrase"),
            ],
        )
        .await;
    assert_eq!(late.status(), 410);
    assert_eq!(
        app.visitor()
            .login("ann@example.com", NEW_PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_password_change_ends_every_reset_link() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    ask(&app.visitor(), "ann@example.com").await;
    let link = links_to(&app, "ann@example.com").await.remove(0);
    assert_eq!(app.visitor().get(&link).await.status(), 200);
    let changed = ann
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    let visitor = app.visitor();
    assert_eq!(visitor.get(&link).await.status(), 410);
    let stale = visitor
        .post(
            "/password/reset",
            &[
                ("token", &token_of(&link)),
                ("password", "someone else's choice"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 410);
    assert_eq!(
        visitor
            .login("ann@example.com", NEW_PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn password_changes_are_limited_per_account_before_any_hash() {
    let app = TestApp::spawn_with(&[("PASSWORD_CHANGES_PER_ACCOUNT", "3")]).await;
    app.start_next_window(900, &[]);
    let ann = app.registered("ann@example.com").await;
    for i in 0..3 {
        let wrong = ann
            .post(
                "/account/password",
                &[
                    ("current_password", &format!("guess {i}") as &str),
                    ("new_password", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(wrong.status(), 422);
    }
    let hashed = app.state.hashing.hashed();
    let refused = ann
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after));
    assert!(refused.text().await.unwrap().contains("Too many attempts"));
    assert_eq!(app.state.hashing.hashed(), hashed, "no hash for a refusal");
    // Another instance shares the count.
    let second = app
        .another_instance_with(&[("PASSWORD_CHANGES_PER_ACCOUNT", "3")])
        .await;
    second.clock.advance(app.clock.now() - second.clock.now());
    let there = ann
        .at(&second.address)
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(there.status(), 429);
    app.start_next_window(900, &[]);
    let changed = ann
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
}

#[tokio::test]
async fn a_password_change_or_a_reset_ends_the_other_known_devices() {
    let app = TestApp::spawn_with(&[
        ("LOGIN_FAILURES_PER_ACCOUNT", "1"),
        ("RESET_MAILS_PER_ACCOUNT", "5"),
    ])
    .await;
    app.start_next_window(900, &[]);
    let laptop = app.registered("ann@example.com").await;
    let phone = app.visitor();
    assert_eq!(phone.login("ann@example.com", PASSWORD).await.status(), 303);

    // The phone changes the password: it stays known (by a new secret), the laptop not.
    let changed = phone
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert!(set_cookie(&changed, "boxoffice_device").is_some());
    // The laptop's session ended with the change (its first page clears the stale
    // cookie). Close the account to new devices.
    assert_eq!(laptop.get("/bookings").await.status(), 303);
    let guess = app.visitor().login("ann@example.com", "guess").await;
    assert_eq!(guess.status(), 422);
    assert_eq!(
        laptop.login("ann@example.com", NEW_PASSWORD).await.status(),
        429,
        "the laptop is a new device now"
    );
    assert_eq!(
        phone.login("ann@example.com", NEW_PASSWORD).await.status(),
        303,
        "the phone is still known"
    );

    // A reset (from any browser) ends every known device.
    ask(&app.visitor(), "ann@example.com").await;
    let link = links_to(&app, "ann@example.com").await.remove(0);
    let done = app
        .visitor()
        .post(
            "/password/reset",
            &[
                ("token", &token_of(&link)),
                ("password", "the third passphrase"),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        phone.get("/bookings").await.status(),
        303,
        "its session ended"
    );
    assert_eq!(
        phone
            .login("ann@example.com", "the third passphrase")
            .await
            .status(),
        429,
        "no device of the account is known after a reset"
    );
}
