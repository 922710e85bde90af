//! The transactional outbox with the dev mailbox (no SMTP server configured): one mail
//! per paid booking however often it is confirmed, nothing for a change that rolled
//! back, a dead instance's claims taken over after the lease, retries with backoff
//! until dead, the admin's outbox page and its "retry now", and `check`'s report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use boxoffice::db::{outbox as rows, write_transaction};
use boxoffice::domain::outbox::{self, Message};
use boxoffice::error::AppError;
use chrono::TimeDelta;
use support::TestApp;
use support::mail::paid_booking;

#[tokio::test]
async fn a_booking_confirmed_twice_is_mailed_once_with_its_codes_and_a_calendar() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    let ticket_id = paid_booking(&app, &ann, "Quartet at dusk", "2").await;

    let written = app.outbox_of("booking_paid").await;
    assert_eq!(
        written.len(),
        1,
        "the success page twice writes one message"
    );
    app.deliver_all().await;
    assert_eq!(
        app.deliver_all().await.claimed,
        0,
        "nothing left to deliver"
    );

    let mails: Vec<_> = app
        .mails_to("ann@example.com")
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Your tickets"))
        .collect();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.message_id, written[0].message_id);
    assert!(mail.subject.contains("Quartet at dusk"));
    let codes: Vec<String> = app
        .admissions()
        .await
        .into_iter()
        .filter(|a| a.ticket_id == ticket_id)
        .map(|a| a.code)
        .collect();
    assert_eq!(codes.len(), 2);
    for code in &codes {
        assert!(mail.body_text.contains(code.as_str()), "{code} in the text");
        assert!(mail.body_html.contains(code.as_str()), "{code} in the HTML");
    }
    assert!(mail.body_text.contains(&format!("/tickets/{ticket_id}")));
    assert!(mail.body_text.contains("2 × Stalls"));
    assert_eq!(mail.attachment_name.as_deref(), Some("event.ics"));
    assert!(mail.attachment.as_deref().unwrap().contains("BEGIN:VEVENT"));

    // In test mode anyone may read the dev mailbox (so `cargo run` shows the mails).
    let stranger = app.visitor();
    assert!(
        stranger
            .page("/admin/mailbox")
            .await
            .contains("Quartet at dusk")
    );
    let shown = stranger.page(&format!("/admin/mailbox/{}", mail.id)).await;
    assert!(shown.contains(codes[0].as_str()));
}

#[tokio::test]
async fn a_change_that_rolls_back_writes_no_message_and_a_committed_one_always_does() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    let rolled_back = app
        .with_db(move |conn| {
            write_transaction(conn, |c| -> Result<(), AppError> {
                outbox::enqueue(c, now, &Message::HoldExpired { ticket_id: 1 })?;
                Err(AppError::Conflict("the change failed".into()))
            })
        })
        .await;
    assert!(rolled_back.is_err());
    assert!(
        app.outbox().await.is_empty(),
        "no message without its change"
    );

    app.with_db(move |conn| {
        write_transaction(conn, |c| -> Result<String, AppError> {
            outbox::enqueue(c, now, &Message::HoldExpired { ticket_id: 1 })
        })
    })
    .await
    .unwrap();
    assert_eq!(app.outbox().await.len(), 1);
}

#[tokio::test]
async fn a_claim_whose_instance_died_is_delivered_once_after_its_lease() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    paid_booking(&app, &ann, "Lease", "1").await;
    // An instance claims the message and dies before delivering it.
    let now = app.clock.now();
    let policy = app.state.retry_policy();
    let taken = app
        .with_db(move |conn| outbox::claim_due(conn, now, &policy, "dead-instance", 50).unwrap())
        .await;
    assert!(
        taken
            .iter()
            .any(|c| matches!(c.message, Ok(Message::BookingPaid { .. })))
    );

    // A restarted instance leaves it alone while the lease lasts …
    let other = app.another_instance().await;
    assert_eq!(other.deliver_all().await.claimed, 0);
    // … and delivers it, once, when the lease has run out.
    other.clock.advance(policy.lease + TimeDelta::seconds(1));
    other.deliver_all().await;
    assert_eq!(other.deliver_all().await.claimed, 0);
    let mails = app.mails_to("ann@example.com").await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.starts_with("Your tickets"))
            .count(),
        1
    );
    assert!(
        app.outbox()
            .await
            .iter()
            .all(|m| m.status == rows::DELIVERED)
    );
}

#[tokio::test]
async fn a_message_that_keeps_failing_backs_off_dies_after_five_attempts_and_can_be_retried() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    // A confirmation for a ticket that does not exist cannot be composed: it fails.
    app.with_db(move |conn| {
        write_transaction(conn, |c| {
            outbox::enqueue(c, now, &Message::BookingPaid { ticket_id: 999 })
        })
        .unwrap()
    })
    .await;

    let base = app.state.settings.outbox.backoff_base;
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        let round = app.deliver_all().await;
        assert_eq!(round.failed, 1, "attempt {attempt}");
        let message = app.outbox().await.remove(0);
        assert_eq!(message.attempts, attempt);
        assert!(message.last_error.is_some());
        if attempt < 5 {
            assert_eq!(message.status, rows::PENDING);
            waits.push(message.next_attempt_at - app.clock.now());
            assert_eq!(app.deliver_all().await.claimed, 0, "not before its wait");
            app.clock.advance(base * 2_i32.pow(attempt as u32 - 1));
        } else {
            assert_eq!(message.status, rows::DEAD);
        }
    }
    for pair in waits.windows(2) {
        assert!(pair[1] > pair[0] + base / 2, "each wait longer: {waits:?}");
    }
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(app.deliver_all().await.claimed, 0, "a dead message rests");

    let alert = app.state.settings.outbox.pending_alert;
    let at = app.clock.now();
    let problems = app
        .with_db(move |conn| outbox::problems(conn, at, alert).unwrap())
        .await;
    assert!(
        problems.iter().any(|p| p.contains("1 dead")),
        "{problems:?}"
    );

    let admin = app.admin().await;
    let page = admin.page("/admin/outbox").await;
    assert!(page.contains("dead") && page.contains("booking_paid"));
    let id = app.outbox().await[0].id;
    let retried = admin.post(&format!("/admin/outbox/{id}/retry"), &[]).await;
    assert_eq!(retried.status(), 303);
    let message = app.outbox().await.remove(0);
    assert_eq!((message.status.as_str(), message.attempts), ("pending", 0));
    assert_eq!(app.deliver_all().await.failed, 1, "tried again at once");
    // Retrying a message that is not dead says so instead of failing.
    let again = admin.post(&format!("/admin/outbox/{id}/retry"), &[]).await;
    assert_eq!(again.status(), 303);
    assert_eq!(app.visitor().get("/admin/outbox").await.status(), 303);
}

#[tokio::test]
async fn on_an_https_site_the_dev_mailbox_is_for_admins_only_even_in_test_mode() {
    let app = TestApp::spawn_with(&[
        ("PUBLIC_URL", "https://shop.example"),
        ("ALLOW_TEST_PAYMENTS", "true"),
    ])
    .await;
    assert!(app.state.test_mode());
    let anonymous = app.visitor().get("/admin/mailbox").await;
    assert_eq!(anonymous.status(), 303, "sent to log in");
    assert!(support::visitor::location(&anonymous).starts_with("/login"));
}
