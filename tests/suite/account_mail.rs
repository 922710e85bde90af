//! The account mails, end to end through the dev mailbox: "Forgot your password?" (the
//! same answer for an unknown address, a single-use link that expires after an hour and
//! ends every older session) and the address check after registering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::TimeDelta;
use support::fixtures::EventSpec;
use support::visitor::location;
use support::{PASSWORD, TestApp};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Asks for a reset link as an anonymous visitor; returns the flash shown on /login.
async fn ask_reset(app: &TestApp, email: &str) -> String {
    let visitor = app.visitor();
    let form = visitor.page("/login").await;
    assert!(form.contains("Forgot your password?"));
    let response = visitor.post("/password/forgot", &[("email", email)]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    let page = visitor.page("/login").await;
    let start = page.find("If that address").expect("the answer");
    page[start..start + 120].to_owned()
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let app = TestApp::spawn().await;
    app.registered("ann@example.com").await;
    let known = ask_reset(&app, "ann@example.com").await;
    let unknown = ask_reset(&app, "nobody@example.com").await;
    assert_eq!(known, unknown);
    app.deliver_all().await;
    assert!(app.mails_to("nobody@example.com").await.is_empty());
    assert_eq!(app.outbox_of("password_reset_asked").await.len(), 1);
    // The token is stored only as its hash.
    let link = app
        .link_in_mail("ann@example.com", "Reset your password")
        .await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let stored: Vec<String> = app
        .with_db(|conn| {
            use boxoffice::db::schema::password_resets::dsl;
            use diesel::prelude::*;
            dsl::password_resets
                .select(dsl::token_hash)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(
        stored[0],
        boxoffice::domain::accounts::password_reset::hash_token(&token)
    );
    let sent = app.outbox_of("password_reset_asked").await;
    assert!(
        !sent[0].payload.contains(&token),
        "the mailed token is forgotten"
    );
}

#[tokio::test]
async fn a_reset_link_works_once_and_ends_every_older_session() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    assert_eq!(ann.get("/bookings").await.status(), 200);
    ask_reset(&app, "ann@example.com").await;
    let link = app
        .link_in_mail("ann@example.com", "Reset your password")
        .await;
    let token = link.split("token=").nth(1).unwrap().to_owned();

    let stranger = app.visitor();
    assert!(stranger.page(&link).await.contains("Choose a new password"));
    let short = stranger
        .post(
            "/password/reset",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(short.status(), 422, "the policy applies");
    let done = stranger
        .post(
            "/password/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(done.status(), 303);

    let again = stranger
        .post(
            "/password/reset",
            &[("token", &token), ("password", "yet another passphrase")],
        )
        .await;
    assert_eq!(again.status(), 410, "single use");
    assert_eq!(stranger.get(&link).await.status(), 410);

    // Ann's old session has ended; the new password works, the old one does not.
    assert_eq!(ann.get("/bookings").await.status(), 303);
    let fresh = app.visitor();
    assert_eq!(fresh.login("ann@example.com", PASSWORD).await.status(), 422);
    assert_eq!(
        fresh.login("ann@example.com", NEW_PASSWORD).await.status(),
        303
    );
    assert_eq!(fresh.get("/bookings").await.status(), 200);
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour() {
    let app = TestApp::spawn().await;
    app.registered("ann@example.com").await;
    ask_reset(&app, "ann@example.com").await;
    let link = app
        .link_in_mail("ann@example.com", "Reset your password")
        .await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    app.clock.advance(TimeDelta::minutes(61));
    let visitor = app.visitor();
    assert_eq!(visitor.get(&link).await.status(), 410);
    let late = visitor
        .post(
            "/password/reset",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(late.status(), 410);
    assert_eq!(
        visitor.login("ann@example.com", PASSWORD).await.status(),
        303,
        "the old password still works"
    );
}

#[tokio::test]
async fn a_new_account_can_book_before_confirming_its_address_and_admins_see_who_did() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    let show = app.create_event(EventSpec::new("Unverified welcome")).await;
    let reserved = ann.reserve(show.event_id, show.ticket_type_ids[0]).await;
    assert_eq!(reserved.status(), 303, "unverified users book");

    let admin = app.admin().await;
    let before = admin.page("/admin/accounts").await;
    assert!(before.contains("ann@example.com") && before.contains("not verified"));

    let link = app
        .link_in_mail("ann@example.com", "Confirm your email address")
        .await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // Change the last character to a different one (appending a fixed '0' left the token
    // unchanged whenever it already ended in '0').
    let last = if token.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &token[..token.len() - 1]);
    assert_ne!(tampered, token);
    let visitor = app.visitor();
    assert!(visitor.page(&link).await.contains("Confirm my address"));
    let refused = visitor
        .post("/account/verify", &[("token", &tampered)])
        .await;
    assert_eq!(refused.status(), 400);
    let confirmed = visitor.post("/account/verify", &[("token", &token)]).await;
    assert_eq!(confirmed.status(), 303);

    let after = admin.page("/admin/accounts").await;
    let row = &after[after.find("ann@example.com").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(">verified<"), "{row}");
}
