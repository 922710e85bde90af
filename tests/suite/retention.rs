//! The daily purge: delivered outbox messages, processed webhook events, used or
//! expired reset tokens and dev-mailbox mails go after their age, in batches; pending and
//! dead messages, live tokens and everything the books read stay, so `check` says the
//! same before and after. Several instances may purge at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::retention::{self, PURGE_BATCH, Purged};
use boxoffice::db::schema::outbox::dsl as outbox_dsl;
use boxoffice::db::{Conn, outbox as rows, password_resets, webhook_events, write_transaction};
use boxoffice::domain::outbox::{self, Message};
use boxoffice::domain::{accounts::password_reset, audit::books};
use boxoffice::error::AppError;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use support::TestApp;
use support::mail::paid_booking;
use support::race::all_together;

/// `boxoffice check`'s findings: the books' violations and the outbox's problems.
async fn check(app: &TestApp) -> Vec<String> {
    let now = app.clock.now();
    let alert = app.state.settings.outbox.pending_alert;
    app.with_db(move |c| {
        let mut found = books::audit(c).unwrap().violations;
        found.extend(outbox::problems(c, now, alert).unwrap());
        found
    })
    .await
}

/// Writes `message` now and leaves it `status` (`dead`, or `pending` due in a year).
async fn message_left(app: &TestApp, message: Message, status: &'static str) {
    let now = app.clock.now();
    app.with_db(move |c| {
        let id = write_transaction(c, |c| outbox::enqueue(c, now, &message)).unwrap();
        diesel::update(outbox_dsl::outbox.filter(outbox_dsl::message_id.eq(id)))
            .set((
                outbox_dsl::status.eq(status),
                outbox_dsl::next_attempt_at.eq(now + TimeDelta::days(365)),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
}

async fn count_table(app: &TestApp, table: &'static str) -> i64 {
    app.with_db(move |c| {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(c)
            .unwrap()
            .n
    })
    .await
}

fn ask_reset(c: &mut Conn, email: &str, now: NaiveDateTime) {
    password_reset::ask(c, email, now).unwrap();
}

#[tokio::test]
async fn the_purge_takes_only_what_is_old_and_finished() {
    let app = TestApp::spawn().await;
    let ann = app.registered("ann@example.com").await;
    let booking_id = paid_booking(&app, &ann, "Old show", "2").await;
    let now = app.clock.now();
    app.with_db(move |c| {
        webhook_events::record(c, "evt_old", "checkout.session.completed", now).unwrap();
        // A reset used, and one left to expire.
        ask_reset(c, "ann@example.com", now);
        let used = password_resets_ids(c)[0];
        assert!(password_resets::use_token(c, used, now).unwrap().applied());
        ask_reset(c, "ann@example.com", now);
    })
    .await;
    app.deliver_all().await;
    // Still needed: a dead message (an admin's to retry) and one waiting its turn.
    message_left(&app, Message::HoldExpired { booking_id }, rows::DEAD).await;
    message_left(&app, Message::BookingPaid { booking_id }, rows::PENDING).await;
    let delivered_old = app
        .outbox()
        .await
        .iter()
        .filter(|m| m.status == rows::DELIVERED)
        .count();
    assert!(delivered_old >= 3, "registration, booking and reset mails");
    let mails_old = count_table(&app, "mailbox").await;
    assert!(mails_old >= 3);

    // Forty days on, the same again, recent.
    app.clock.advance(TimeDelta::days(40));
    let bob = app.registered("bob@example.com").await;
    paid_booking(&app, &bob, "New show", "1").await;
    let now = app.clock.now();
    app.with_db(move |c| {
        webhook_events::record(c, "evt_new", "checkout.session.completed", now).unwrap();
        ask_reset(c, "bob@example.com", now);
    })
    .await;
    app.deliver_all().await;
    let outbox_before = app.outbox().await.len();
    let resets_before = count_table(&app, "password_resets").await;
    let mails_before = count_table(&app, "mailbox").await;
    let check_before = check(&app).await;

    let purged = retention::purge(&app.state).await;
    assert_eq!(
        purged,
        Purged {
            outbox: delivered_old,
            webhook_events: 1,
            password_resets: 2,
            mailbox: mails_old as usize,
            webhook_deliveries: 0,
        }
    );
    let left = app.outbox().await;
    assert_eq!(left.len(), outbox_before - delivered_old);
    assert!(
        left.iter().any(|m| m.status == rows::DEAD),
        "a dead one stays"
    );
    assert!(
        left.iter()
            .any(|m| m.status == rows::PENDING && m.kind == "booking_paid"),
        "an undelivered one stays, however old"
    );
    assert!(
        left.iter()
            .filter(|m| m.status == rows::DELIVERED)
            .all(|m| m.delivered_at.unwrap() > now - TimeDelta::days(1)),
        "recent deliveries stay"
    );
    assert_eq!(
        app.with_db(|c| webhook_events::count(c).unwrap()).await,
        1,
        "the recent event stays (a redelivery is still recognised)"
    );
    assert_eq!(
        count_table(&app, "password_resets").await,
        resets_before - 2,
        "the live token stays"
    );
    assert_eq!(count_table(&app, "mailbox").await, mails_before - mails_old);
    assert_eq!(
        check(&app).await,
        check_before,
        "`check` finds the same after a purge"
    );
    assert!(
        app.with_db(|c| books::audit(c).unwrap().is_clean()).await,
        "the books are whole"
    );
    assert_eq!(retention::purge(&app.state).await, Purged::default());
}

fn password_resets_ids(c: &mut Conn) -> Vec<i32> {
    use boxoffice::db::schema::password_resets::dsl;
    dsl::password_resets
        .order(dsl::id)
        .select(dsl::id)
        .load(c)
        .unwrap()
}

#[tokio::test]
async fn a_setting_of_zero_keeps_for_ever() {
    let app = TestApp::spawn_with(&[("RETENTION_OUTBOX_DAYS", "0")]).await;
    app.registered("ann@example.com").await;
    app.deliver_all().await;
    app.clock.advance(TimeDelta::days(400));
    let purged = retention::purge(&app.state).await;
    assert_eq!(purged.outbox, 0);
    assert!(purged.mailbox > 0, "the others still go");
    assert!(!app.outbox().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_purging_at_once_delete_each_row_once_in_batches() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let old = PURGE_BATCH as usize * 2 + 500;
    let now = app.clock.now();
    app.with_db(move |c| {
        write_transaction(c, |c| -> Result<(), AppError> {
            for booking_id in 0..old as i32 {
                outbox::enqueue(c, now, &Message::HoldExpired { booking_id })?;
            }
            Ok(())
        })
        .unwrap();
        diesel::update(outbox_dsl::outbox)
            .set((
                outbox_dsl::status.eq(rows::DELIVERED),
                outbox_dsl::delivered_at.eq(Some(now)),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
    message_left(&app, Message::BookingPaid { booking_id: 1 }, rows::PENDING).await;
    for instance in [&app, &other] {
        instance.clock.advance(TimeDelta::days(31));
    }
    let purges = [app.state.clone(), other.state.clone()]
        .into_iter()
        .map(|state| async move { retention::purge(&state).await })
        .collect();
    let purged = all_together(purges).await;
    assert_eq!(
        purged.iter().map(|p| p.outbox).sum::<usize>(),
        old,
        "each row deleted once: {purged:?}"
    );
    let left = app.outbox().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, rows::PENDING);
}
