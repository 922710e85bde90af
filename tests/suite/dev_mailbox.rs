//! Who may read the dev mailbox, which holds every reset link (issue 23): anyone only
//! on a test shop reachable from its own machine alone (a loopback `BIND` and a
//! loopback `PUBLIC_URL`, as `cargo run`); anywhere else admins only, plain http or not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::TestApp;
use support::visitor::location;

/// Asks for a password reset link for a registered user and delivers it into the dev
/// mailbox: the mail's id.
async fn a_reset_link_in_the_mailbox(app: &TestApp) -> i32 {
    app.registered("ann@example.com").await;
    let asked = app
        .visitor()
        .post("/password/forgot", &[("email", "ann@example.com")])
        .await;
    assert_eq!(asked.status(), 303);
    app.deliver_all().await;
    let mails = app.mails_to("ann@example.com").await;
    let reset = mails
        .iter()
        .find(|m| m.body_text.contains("/password/reset"))
        .expect("the reset link was mailed");
    reset.id
}

#[tokio::test]
async fn on_a_loopback_test_shop_anyone_reads_the_mailbox() {
    for public_url in [None, Some("http://localhost:8080")] {
        let mut vars = vec![("BIND", "127.0.0.1:0")];
        vars.extend(public_url.map(|url| ("PUBLIC_URL", url)));
        let app = TestApp::spawn_with(&vars).await;
        let id = a_reset_link_in_the_mailbox(&app).await;
        let anonymous = app.visitor();
        assert!(
            anonymous
                .page("/admin/mailbox")
                .await
                .contains("ann@example.com"),
            "{public_url:?}"
        );
        let mail = anonymous.page(&format!("/admin/mailbox/{id}")).await;
        assert!(mail.contains("/password/reset"));
    }
}

/// Anonymous visitors are sent to log in, other users refused, admins let in.
async fn admins_only(app: &TestApp) {
    let id = a_reset_link_in_the_mailbox(app).await;
    for path in ["/admin/mailbox".to_owned(), format!("/admin/mailbox/{id}")] {
        let anonymous = app.visitor().get(&path).await;
        assert_eq!(anonymous.status(), 303, "{path}");
        assert!(location(&anonymous).starts_with("/login"), "{path}");
        let body = app.visitor().get(&path).await.text().await.unwrap();
        assert!(!body.contains("/password/reset"), "{path}");
    }
    let user = app.registered("bob@example.com").await;
    assert_eq!(user.get("/admin/mailbox").await.status(), 403);
    assert_eq!(
        user.get(&format!("/admin/mailbox/{id}")).await.status(),
        403
    );
    let admin = app.admin().await;
    assert!(
        admin
            .page(&format!("/admin/mailbox/{id}"))
            .await
            .contains("/password/reset")
    );
}

#[tokio::test]
async fn a_test_shop_on_plain_http_with_a_public_address_shows_the_mailbox_to_admins_only() {
    let app = TestApp::spawn_with(&[
        ("BIND", "127.0.0.1:0"),
        ("PUBLIC_URL", "http://tickets.example"),
    ])
    .await;
    assert!(app.state.test_mode());
    admins_only(&app).await;
}

#[tokio::test]
async fn a_test_shop_listening_on_every_interface_shows_the_mailbox_to_admins_only() {
    // Its public address is a loopback one, but anyone on the network can reach it.
    let app = TestApp::spawn_with(&[
        ("BIND", "0.0.0.0:0"),
        ("PUBLIC_URL", "http://127.0.0.1:8080"),
    ])
    .await;
    assert!(app.state.test_mode());
    admins_only(&app).await;
}
