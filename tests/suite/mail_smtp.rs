//! Mail through a real SMTP server (aiosmtpd, started by the tests themselves): a server
//! that is down is retried with backoff until it comes back, one down for good leaves
//! the message dead after five attempts (shown in `/admin/outbox`, retried from there),
//! and two instances on one database deliver each message exactly once.
//! Needs `--features smtp` and Debian's python3-aiosmtpd; fails without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::collections::HashSet;

use boxoffice::db::{outbox as rows, write_transaction};
use boxoffice::domain::outbox::{self, Message};
use chrono::TimeDelta;
use support::TestApp;
use support::mail::paid_booking;
use support::smtp::{SmtpSink, free_port, message_id};

fn confirmations(messages: &[String]) -> Vec<&String> {
    messages
        .iter()
        .filter(|m| m.contains("Subject: Your tickets"))
        .collect()
}

#[tokio::test]
async fn a_server_that_is_down_is_retried_with_backoff_until_it_comes_back() {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[("SMTP_URL", &url), ("SMTP_TIMEOUT_SECONDS", "5")]).await;
    let ann = app.registered("ann@example.com").await;
    let booking_id = paid_booking(&app, &ann, "Backoff", "2").await;
    let written = app.outbox_of("booking_paid").await;
    assert_eq!(written.len(), 1);

    let base = app.state.settings.outbox.backoff_base;
    for attempt in 1..=2 {
        assert!(app.deliver_all().await.failed >= 1, "attempt {attempt}");
        let message = app.outbox_of("booking_paid").await.remove(0);
        assert_eq!(
            (message.status.as_str(), message.attempts),
            ("pending", attempt)
        );
        assert!(message.last_error.as_deref().unwrap().contains("SMTP"));
        assert_eq!(app.deliver_all().await.claimed, 0, "waits its backoff");
        app.clock.advance(base * 2_i32.pow(attempt as u32 - 1));
    }

    let sink = SmtpSink::start(port);
    app.deliver_all().await;
    let message = app.outbox_of("booking_paid").await.remove(0);
    assert_eq!(message.status, rows::DELIVERED);
    let received = sink.wait_for(1).await;
    let received = confirmations(&received);
    assert_eq!(received.len(), 1);
    let mail = received[0];
    assert!(message_id(mail).contains(&written[0].message_id));
    assert!(mail.contains("multipart/alternative"));
    assert!(mail.contains("text/calendar"));
    assert!(mail.contains("event.ics"));
    assert!(mail.contains(&format!("/bookings/{booking_id}")));
}

#[tokio::test]
async fn a_server_down_for_good_leaves_the_message_dead_after_five_attempts() {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[("SMTP_URL", &url), ("SMTP_TIMEOUT_SECONDS", "5")]).await;
    let ann = app.registered("ann@example.com").await;
    paid_booking(&app, &ann, "Dead letter", "1").await;

    for _ in 0..5 {
        app.deliver_all().await;
        app.clock.advance(TimeDelta::hours(2));
    }
    let message = app.outbox_of("booking_paid").await.remove(0);
    assert_eq!((message.status.as_str(), message.attempts), ("dead", 5));
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(app.deliver_all().await.claimed, 0);

    let admin = app.admin().await;
    let page = admin.page("/admin/outbox").await;
    assert!(page.contains("dead") && page.contains("SMTP"), "{page}");
    let sink = SmtpSink::start(port);
    let retried = admin
        .post(&format!("/admin/outbox/{}/retry", message.id), &[])
        .await;
    assert_eq!(retried.status(), 303);
    app.deliver_all().await;
    assert_eq!(confirmations(&sink.wait_for(1).await).len(), 1);
    let message = app.outbox_of("booking_paid").await.remove(0);
    assert_eq!(message.status, rows::DELIVERED);
}

#[tokio::test]
async fn two_instances_deliver_each_message_exactly_once() {
    let sink = SmtpSink::start(free_port());
    let url = sink.url();
    let first = TestApp::spawn_with(&[("SMTP_URL", &url)]).await;
    let second = first.another_instance_with(&[("SMTP_URL", &url)]).await;
    let ann = first.registered("ann@example.com").await;
    let booking_id = paid_booking(&first, &ann, "Twice", "1").await;
    // 40 more messages, as if 40 bookings had been paid at once.
    let now = first.clock.now();
    first
        .with_db(move |conn| {
            write_transaction(conn, |c| {
                for _ in 0..40 {
                    outbox::enqueue(c, now, &Message::BookingPaid { booking_id })?;
                }
                Ok::<_, boxoffice::error::AppError>(())
            })
            .unwrap()
        })
        .await;

    let (a, b) = tokio::join!(first.deliver_all(), second.deliver_all());
    assert_eq!(a.failed + b.failed, 0);
    let written: HashSet<String> = first
        .outbox_of("booking_paid")
        .await
        .into_iter()
        .map(|m| {
            assert_eq!(m.status, rows::DELIVERED);
            m.message_id
        })
        .collect();
    assert_eq!(written.len(), 41);
    assert_eq!(a.delivered + b.delivered, first.outbox().await.len());

    let received = sink.wait_for(41).await;
    let received = confirmations(&received);
    assert_eq!(received.len(), 41, "each message once");
    let ids: HashSet<String> = received.iter().map(|m| message_id(m)).collect();
    assert_eq!(ids.len(), 41, "no message twice");
    for id in &written {
        assert!(ids.iter().any(|seen| seen.contains(id.as_str())));
    }
}
