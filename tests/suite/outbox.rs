//! The transactional outbox with the dev mailbox (no SMTP server configured): one mail
//! per paid booking however often it is confirmed, nothing for a change that rolled
//! back, a dead instance's claims taken over after the lease while a working one renews
//! its own through a long job, retries with backoff until dead, the admin's outbox page
//! and its "retry now", and `check`'s report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use boxoffice::app::dispatcher;
use boxoffice::db::{outbox as rows, write_transaction};
use boxoffice::domain::outbox::{self, Message};
use boxoffice::error::AppError;
use chrono::TimeDelta;
use support::fixtures::EventSpec;
use support::mail::paid_booking;
use support::race::together;
use support::stripe_shop::{WEBHOOK_SECRET, checkout, webhook};
use support::stripe_standin::{Failure, StripeStandIn};
use support::visitor::location;
use support::{TestApp, deadline};

#[tokio::test]
async fn a_booking_confirmed_twice_is_mailed_once_with_its_codes_and_a_calendar() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    let booking_id = paid_booking(&app, &ann, "Quartet at dusk", "2").await;

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
        .filter(|a| a.booking_id == booking_id)
        .map(|a| a.code)
        .collect();
    assert_eq!(codes.len(), 2);
    for code in &codes {
        assert!(mail.body_text.contains(code.as_str()), "{code} in the text");
        assert!(mail.body_html.contains(code.as_str()), "{code} in the HTML");
    }
    assert!(mail.body_text.contains(&format!("/bookings/{booking_id}")));
    assert!(mail.body_text.contains("2 seats · Stalls"));
    assert!(
        mail.body_html.contains("<title>Your tickets for "),
        "the HTML part has a title: {}",
        mail.body_html
    );
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
                outbox::enqueue(c, now, &Message::HoldExpired { booking_id: 1 })?;
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
            outbox::enqueue(c, now, &Message::HoldExpired { booking_id: 1 })
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
            outbox::enqueue(c, now, &Message::BookingPaid { booking_id: 999 })
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

/// The settings of a shop whose payments go to the stand-in at `base`, with a short
/// lease and a payment time-out longer than any test waits.
fn long_job_settings(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("STRIPE_SECRET_KEY", "sk_test_standin".into()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.into()),
        ("STRIPE_API_BASE", base.into()),
        ("PAYMENT_TIMEOUT_MS", "60000".into()),
        ("OUTBOX_LEASE_SECONDS", "3".into()),
    ]
}

fn borrowed<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_job_renews_its_lease_and_no_other_instance_takes_it_over_meanwhile() {
    let stripe = StripeStandIn::start().await;
    let settings = long_job_settings(&stripe.base);
    let app = TestApp::spawn_with(&borrowed(&settings)).await;
    let other = app.another_instance_with(&borrowed(&settings)).await;
    let show = app
        .create_event(EventSpec::new("Long job").seats("GA", 2500, 10))
        .await;
    let buyer = app.registered("ann@example.com").await;
    let reserved = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id: i32 = location(&reserved)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = stripe.complete(&checkout(&buyer, booking_id).await);
    webhook(&app, "evt_paid", "checkout.session.completed", &session).await;
    let admin = app.admin().await;
    app.deliver_all().await;
    admin
        .post(
            &format!("/admin/events/{}/cancel", show.event_id),
            &[("confirm", "yes")],
        )
        .await;

    // The refund job's call to Stripe takes as long as the test wants: far past the
    // lease of 3 s.
    stripe.fail_next(&[Failure::Held]);
    let state = app.state.clone();
    let working = tokio::spawn(async move { dispatcher::dispatch_once(&state).await });
    deadline(Duration::from_secs(10), || async {
        stripe.in_flight() == 1
    })
    .await;
    let job = || async { app.outbox_of("cancel_refund").await.remove(0) };
    let first = job().await;
    let first_lease = first.claimed_until.unwrap();
    assert_eq!(
        first.claimed_by.as_deref(),
        Some(app.state.instance.as_str())
    );

    // The working dispatcher renews the lease while the job runs …
    deadline(Duration::from_secs(10), || async {
        job().await.claimed_until.unwrap() > first_lease
    })
    .await;
    // … so once the first lease has run out, another instance still leaves the job be.
    deadline(Duration::from_secs(10), || async {
        other.clock.now() > first_lease + TimeDelta::seconds(1)
    })
    .await;
    assert_eq!(
        other.deliver_all().await.claimed,
        0,
        "not taken over mid-way"
    );
    assert_eq!(stripe.requests_to("POST", "/v1/refunds").len(), 1);

    stripe.release_held();
    let round = working.await.unwrap();
    assert_eq!(
        round.delivered, 3,
        "the cancel mail, the refund job and the event's change for partners' feed"
    );
    let done = job().await;
    assert_eq!(done.status, rows::DELIVERED);
    assert_eq!(done.attempts, 1);
    assert_eq!(stripe.refunds().len(), 1, "refunded once");
    assert_eq!(app.bookings().await[0].status, "refunded");
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_renewal_and_a_takeover_at_the_same_instant_leave_one_holder() {
    let app = TestApp::spawn().await;
    let policy = app.state.retry_policy();
    for round in 0..12 {
        let now = app.clock.now();
        app.with_db(move |c| {
            write_transaction(c, |c| {
                outbox::enqueue(c, now, &Message::HoldExpired { booking_id: round })
            })
            .unwrap()
        })
        .await;
        let claimed = app
            .with_db(move |c| outbox::claim_due(c, now, &policy, "stalled", 10).unwrap())
            .await;
        assert_eq!(claimed.len(), 1);
        let id = claimed[0].id;
        // The stalled dispatcher's lease has just run out when it renews, at the very
        // instant another takes the message over.
        let at = now + policy.lease + TimeDelta::seconds(1);
        let (pool_a, pool_b) = (app.state.pool.clone(), app.state.pool.clone());
        let (renewed, taken) = together(
            async move {
                tokio::task::spawn_blocking(move || {
                    let mut c = pool_a.get().unwrap();
                    outbox::renew(&mut c, at, &policy, "stalled", &[id]).unwrap()
                })
                .await
                .unwrap()
            },
            async move {
                tokio::task::spawn_blocking(move || {
                    let mut c = pool_b.get().unwrap();
                    outbox::claim_due(&mut c, at, &policy, "successor", 10).unwrap()
                })
                .await
                .unwrap()
            },
        )
        .await;
        let row = app.outbox().await.into_iter().find(|m| m.id == id).unwrap();
        match (renewed.as_slice(), taken.len()) {
            ([kept], 0) if *kept == id => {
                assert_eq!(row.claimed_by.as_deref(), Some("stalled"), "round {round}")
            }
            ([], 1) => assert_eq!(
                row.claimed_by.as_deref(),
                Some("successor"),
                "round {round}"
            ),
            other => panic!("round {round}: two holders or none: {other:?}"),
        }
        // Whoever holds it delivers it; the other's record is refused.
        let (holder, loser) = if taken.is_empty() {
            ("stalled", "successor")
        } else {
            ("successor", "stalled")
        };
        let claim = claimed[0].clone();
        let recorded = app
            .with_db(move |c| {
                let lost =
                    outbox::record(c, at, &policy, loser, &claim, &outbox::Outcome::Delivered)
                        .unwrap();
                let won =
                    outbox::record(c, at, &policy, holder, &claim, &outbox::Outcome::Delivered)
                        .unwrap();
                (lost, won)
            })
            .await;
        assert_eq!(
            recorded,
            (
                boxoffice::db::Guarded::Lost,
                boxoffice::db::Guarded::Applied
            )
        );
    }
}
