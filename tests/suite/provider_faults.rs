//! Stripe's faults against refunds: a rate limit (429), a rejected API key (401), an
//! outage (5xx) and a time-out leave a refund owed and retried under its key (or, after
//! a 5xx, looked up first), never failed; only Stripe's real refusal fails one. An event
//! cancel's refund jobs wait out a long rate limit without using up their attempts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::app::reconcile;
use boxoffice::db::outbox as rows;
use boxoffice::db::status::BookingStatus;
use boxoffice::db::{models::Refund, refunds};
use boxoffice::domain::outbox;
use chrono::TimeDelta;
use support::Visitor;
use support::fixtures::EventSpec;
use support::stripe_shop::{Shop, checkout, payments_of, shop, webhook};
use support::stripe_standin::Failure;
use support::visitor::location;

/// A paid booking at €25.00 of a new event: (buyer, ticket id, event id).
async fn paid(shop: &Shop, email: &str) -> (Visitor, i32, i32) {
    let show = shop
        .app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, 10))
        .await;
    let buyer = shop.app.registered(email).await;
    let booking_id = paid_on(shop, &buyer, show.event_id, show.ticket_type_ids[0]).await;
    (buyer, booking_id, show.event_id)
}

/// `buyer` holds and pays a seat of the event's first type: the ticket id.
async fn paid_on(shop: &Shop, buyer: &Visitor, event_id: i32, ticket_type_id: i32) -> i32 {
    let response = buyer.reserve(event_id, ticket_type_id).await;
    let booking_id: i32 = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let session = shop.stripe.complete(&checkout(buyer, booking_id).await);
    let answer = webhook(
        &shop.app,
        &format!("evt_paid_{booking_id}"),
        "checkout.session.completed",
        &session,
    )
    .await;
    assert_eq!(answer.status(), 200);
    booking_id
}

async fn refund_rows(shop: &Shop, booking_id: i32) -> Vec<Refund> {
    let payment_id = payments_of(&shop.app, booking_id).await[0].id;
    shop.app
        .with_db(move |c| refunds::for_payment(c, payment_id).unwrap())
        .await
}

async fn booking_status(shop: &Shop, booking_id: i32) -> BookingStatus {
    shop.app
        .bookings()
        .await
        .into_iter()
        .find(|t| t.id == booking_id)
        .unwrap()
        .status
}

async fn violations(shop: &Shop) -> Vec<String> {
    shop.app
        .with_db(|c| {
            boxoffice::domain::audit::books::audit(c)
                .unwrap()
                .violations
        })
        .await
}

#[tokio::test]
async fn a_rate_limit_a_rejected_key_an_outage_or_a_time_out_leaves_the_refund_owed_and_retried() {
    let shop = shop().await;
    let admin = shop.app.admin().await;
    for (n, failure) in [
        Failure::RateLimited,
        Failure::Unauthorized,
        Failure::ServerError,
        Failure::Hang,
    ]
    .into_iter()
    .enumerate()
    {
        let (_, booking_id, _) = paid(&shop, &format!("fan{n}@example.com")).await;
        let reference = payments_of(&shop.app, booking_id).await[0]
            .provider_payment_id
            .clone()
            .unwrap();
        let sent_for = |stripe: &support::stripe_standin::StripeStandIn| {
            stripe
                .requests_to("POST", "/v1/refunds")
                .into_iter()
                .filter(|r| r.field("payment_intent") == Some(reference.as_str()))
                .collect::<Vec<_>>()
        };
        shop.stripe.fail_next(&[failure]);
        admin
            .post(
                &format!("/admin/tickets/{booking_id}/refund"),
                &[("confirm", "yes")],
            )
            .await;
        assert!(
            admin
                .page("/admin/payments")
                .await
                .contains("could not be made now"),
            "{failure:?}: the admin is told it will be retried"
        );
        let rows = refund_rows(&shop, booking_id).await;
        assert_eq!(rows.len(), 1, "{failure:?}");
        let expected = if failure == Failure::ServerError {
            "unsure"
        } else {
            "requested"
        };
        assert_eq!(rows[0].status, expected, "{failure:?}: never failed");
        assert_eq!(
            payments_of(&shop.app, booking_id).await[0].status,
            "refund_pending"
        );
        assert_eq!(
            booking_status(&shop, booking_id).await,
            "paid",
            "{failure:?}"
        );
        assert!(
            !violations(&shop)
                .await
                .iter()
                .any(|v| v.contains("failed at the provider")),
            "{failure:?}: not reported as a failed refund"
        );

        // Reconciliation retries it: under the same key (nothing was kept under it),
        // or after a 5xx under a new key once the lookup found nothing.
        shop.app.clock.advance(TimeDelta::minutes(3));
        reconcile::reconcile(&shop.app.state).await;
        assert_eq!(
            booking_status(&shop, booking_id).await,
            "refunded",
            "{failure:?}"
        );
        let sent = sent_for(&shop.stripe);
        assert_eq!(sent.len(), 2, "{failure:?}");
        if failure == Failure::ServerError {
            assert_ne!(sent[0].idempotency_key, sent[1].idempotency_key);
        } else {
            assert_eq!(
                sent[0].idempotency_key, sent[1].idempotency_key,
                "{failure:?}: the same key again"
            );
        }
        let made = shop
            .stripe
            .refunds()
            .into_iter()
            .filter(|r| r["payment_intent"] == reference.as_str())
            .count();
        assert_eq!(made, 1, "{failure:?}: the money went back once");
    }
    shop.app.assert_books_clean().await;
}

#[tokio::test]
async fn only_a_real_refusal_fails_a_refund() {
    let shop = shop().await;
    let (_, booking_id, _) = paid(&shop, "ann@example.com").await;
    let reference = payments_of(&shop.app, booking_id).await[0]
        .provider_payment_id
        .clone()
        .unwrap();
    // Someone started a refund of the whole charge in Stripe's dashboard; it has not
    // gone through yet, so Stripe refuses another (`charge_already_refunded`).
    let dashboard = shop.stripe.dashboard_refund(&reference, 2500);
    shop.stripe
        .settle_refund(dashboard["id"].as_str().unwrap(), "pending");
    let admin = shop.app.admin().await;
    admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    let rows = refund_rows(&shop, booking_id).await;
    assert_eq!(rows[0].status, "failed");
    assert!(
        rows[0]
            .failure_reason
            .as_deref()
            .unwrap()
            .contains("charge_already_refunded"),
        "{:?}",
        rows[0].failure_reason
    );
    assert!(
        violations(&shop)
            .await
            .iter()
            .any(|v| v.contains("failed at the provider")),
        "reported until an admin acts"
    );
}

#[tokio::test]
async fn a_cancelled_events_refund_jobs_outlast_a_long_rate_limit_without_dying() {
    let shop = shop().await;
    let show = shop
        .app
        .create_event(EventSpec::new("Storm").seats("GA", 2500, 10))
        .await;
    let mut paid_bookings = Vec::new();
    for n in 0..2 {
        let buyer = shop.app.registered(&format!("fan{n}@example.com")).await;
        paid_bookings.push(paid_on(&shop, &buyer, show.event_id, show.ticket_type_ids[0]).await);
    }
    shop.app.deliver_all().await;
    let admin = shop.app.admin().await;
    let cancelled = admin
        .post(
            &format!("/admin/events/{}/cancel", show.event_id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(cancelled.status(), 303);

    // Stripe turns the shop away for longer than five attempts would last: a rate
    // limit, then a rejected key (rotated without telling the shop), by turns.
    let rounds = 6;
    let mut refusals = Vec::new();
    for _ in 0..rounds {
        refusals.extend([Failure::RateLimited, Failure::Unauthorized]);
    }
    shop.stripe.fail_next(&refusals);
    let policy = shop.app.state.retry_policy();
    for round in 0..rounds {
        let done = shop.app.deliver_all().await;
        assert_eq!(done.failed, 0, "round {round}: no attempt used");
        assert_eq!(done.deferred, 2, "round {round}");
        let jobs = shop.app.outbox_of("cancel_refund").await;
        assert_eq!(jobs.len(), 2);
        for job in &jobs {
            assert_eq!(job.status, rows::PENDING, "round {round}: never dead");
            assert_eq!(job.attempts, 0);
            assert_eq!(job.deferrals, round + 1);
            assert!(
                job.last_error
                    .as_deref()
                    .unwrap()
                    .contains("could not be made now")
            );
        }
        // Backing off: not tried again before its wait.
        assert_eq!(shop.app.deliver_all().await.claimed, 0, "round {round}");
        shop.app
            .clock
            .advance(outbox::deferral_wait(&policy, round) + TimeDelta::seconds(1));
    }
    assert_eq!(shop.stripe.requests_to("POST", "/v1/refunds").len(), 12);

    // Stripe answers again: every refund goes through, each once.
    let done = shop.app.deliver_all().await;
    assert_eq!(done.delivered, 2 + 2, "two jobs and their refund mails");
    for booking_id in &paid_bookings {
        assert_eq!(booking_status(&shop, *booking_id).await, "refunded");
    }
    assert_eq!(shop.stripe.refunds().len(), 2);
    shop.app.assert_books_clean().await;
    let now = shop.app.clock.now();
    let problems = shop
        .app
        .with_db(move |c| outbox::problems(c, now, TimeDelta::hours(1)).unwrap())
        .await;
    assert!(problems.is_empty(), "{problems:?}");
}
