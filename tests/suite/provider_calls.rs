//! Provider calls nobody can multiply or wait on: the success page asks Stripe at most
//! once per attempt every few seconds however many hits arrive (on any instance), and
//! the sweeper releases lapsed holds on time while Stripe hangs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use boxoffice::app::reconcile::PROVIDER_CALLS_AT_ONCE;
use boxoffice::domain::payments::PROVIDER_CHECK_INTERVAL;
use boxoffice::sweeper;
use chrono::TimeDelta;
use support::fixtures::EventSpec;
use support::race::all_together;
use support::stripe_shop::{WEBHOOK_SECRET, checkout, shop, webhook};
use support::stripe_standin::{Failure, StripeStandIn};
use support::visitor::location;
use support::{TestApp, Visitor, deadline};

/// A buyer holding one seat of a new event: (buyer, ticket id).
async fn holder(app: &TestApp, email: &str) -> (Visitor, i32) {
    let show = app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, 10))
        .await;
    let buyer = app.registered(email).await;
    let response = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    (buyer, booking_id)
}

/// `hits` GETs of the success page at once, each through `addresses[i % len]`: (status,
/// location, body) of each.
async fn success_hits(
    buyer: &Visitor,
    addresses: &[&str],
    session_id: &str,
    hits: usize,
) -> Vec<(u16, String, String)> {
    let requests = (0..hits)
        .map(|n| {
            let client = buyer.client.clone();
            let url = format!(
                "{}/checkout/success?session_id={session_id}",
                addresses[n % addresses.len()]
            );
            async move {
                let response = client.get(url).send().await.expect("an answer");
                let status = response.status().as_u16();
                let to = response
                    .headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                let refresh = response.headers().get("refresh").is_some();
                let body = response.text().await.unwrap();
                if status == 200 {
                    assert!(refresh, "a confirming page refreshes itself");
                }
                (status, to, body)
            }
        })
        .collect();
    all_together(requests).await
}

fn retrieves(stripe: &StripeStandIn, session_id: &str) -> usize {
    stripe
        .requests_to("GET", &format!("/v1/checkout/sessions/{session_id}"))
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_success_page_hits_at_once_ask_stripe_once_and_the_booking_ends_paid() {
    let shop = shop().await;
    let (buyer, booking_id) = holder(&shop.app, "ann@example.com").await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);

    let answers = success_hits(&buyer, &[shop.app.address.as_str()], &session_id, 20).await;
    assert_eq!(retrieves(&shop.stripe, &session_id), 1, "one provider call");
    for (status, to, body) in &answers {
        match status {
            303 => assert_eq!(to, &format!("/bookings/{booking_id}")),
            200 => assert!(body.contains("Confirming your payment"), "{body}"),
            other => panic!("answered {other}"),
        }
    }
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    // Once paid, reloads read the books and never ask again.
    let again = success_hits(&buyer, &[shop.app.address.as_str()], &session_id, 5).await;
    assert!(again.iter().all(|(status, _, _)| *status == 303));
    assert_eq!(retrieves(&shop.stripe, &session_id), 1);
    shop.app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hits_on_two_instances_share_one_call_and_a_failed_call_is_retried_only_after_the_interval()
{
    let shop = shop().await;
    let other = shop
        .app
        .another_instance_with(&[
            ("STRIPE_SECRET_KEY", "sk_test_standin"),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("STRIPE_API_BASE", &shop.stripe.base),
            ("PAYMENT_TIMEOUT_MS", "1000"),
        ])
        .await;
    let (buyer, booking_id) = holder(&shop.app, "bob@example.com").await;
    let session_id = checkout(&buyer, booking_id).await;
    shop.stripe.complete(&session_id);
    // The one call of the burst meets Stripe's rate limit.
    shop.stripe.fail_next_requests(&[Failure::RateLimited]);

    let addresses = [shop.app.address.as_str(), other.address.as_str()];
    let answers = success_hits(&buyer, &addresses, &session_id, 20).await;
    assert_eq!(
        retrieves(&shop.stripe, &session_id),
        1,
        "one call, two instances"
    );
    assert!(
        answers
            .iter()
            .all(|(status, _, body)| *status == 200 && body.contains("Confirming your payment")),
        "nobody knows yet: every hit is told it is being confirmed"
    );
    assert_eq!(shop.app.bookings().await[0].status, "reserved");
    // A reload within the interval does not ask again.
    success_hits(&buyer, &addresses, &session_id, 4).await;
    assert_eq!(retrieves(&shop.stripe, &session_id), 1);

    // After the interval, the next reload asks, and confirms.
    shop.app.clock.advance(PROVIDER_CHECK_INTERVAL);
    let back = success_hits(&buyer, &[shop.app.address.as_str()], &session_id, 1).await;
    assert_eq!(back[0].0, 303);
    assert_eq!(retrieves(&shop.stripe, &session_id), 2);
    assert_eq!(shop.app.bookings().await[0].status, "paid");
    shop.app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_webhook_confirms_what_a_coalesced_page_could_not() {
    let shop = shop().await;
    let (buyer, booking_id) = holder(&shop.app, "cat@example.com").await;
    let session_id = checkout(&buyer, booking_id).await;
    let session = shop.stripe.complete(&session_id);
    shop.stripe.fail_next_requests(&[Failure::ServerError]);
    success_hits(&buyer, &[shop.app.address.as_str()], &session_id, 10).await;
    assert_eq!(retrieves(&shop.stripe, &session_id), 1);
    assert_eq!(
        webhook(&shop.app, "evt_ok", "checkout.session.completed", &session)
            .await
            .status(),
        200
    );
    // The books know now: a reload shows the paid ticket without asking.
    let back = success_hits(&buyer, &[shop.app.address.as_str()], &session_id, 3).await;
    assert!(
        back.iter()
            .all(|(status, to, _)| *status == 303 && to == &format!("/bookings/{booking_id}"))
    );
    assert_eq!(retrieves(&shop.stripe, &session_id), 1);
    assert!(
        buyer
            .page(&format!("/bookings/{booking_id}"))
            .await
            .contains("Payment received")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lapsed_holds_are_released_on_time_while_stripe_hangs() {
    let stripe = StripeStandIn::start().await;
    // Every hanging call waits a minute before the shop gives up on it.
    let app = TestApp::spawn_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_standin"),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("STRIPE_API_BASE", &stripe.base),
        ("PAYMENT_TIMEOUT_MS", "60000"),
    ])
    .await;
    let show = app
        .create_event(EventSpec::new("Rush").seats("GA", 2500, 30))
        .await;
    let ending = app
        .create_event(EventSpec::new("Matinee").starting_in(TimeDelta::minutes(-175)))
        .await;
    let attempts = 20;
    for n in 0..attempts {
        let buyer = app.registered(&format!("fan{n}@example.com")).await;
        let response = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
        let booking_id: i32 = location(&response)
            .trim_start_matches("/bookings/")
            .parse()
            .unwrap();
        checkout(&buyer, booking_id).await;
    }
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 30 - attempts);

    // Stripe stops answering; the attempts become due for reconciliation.
    stripe.hang_all(true);
    app.clock.advance(TimeDelta::minutes(3));
    let every = Duration::from_millis(200);
    let sweeping = tokio::spawn(sweeper::run(app.state.clone().into_inner(), every));
    let in_flight = || {
        stripe
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with("/v1/checkout/sessions/"))
            .count()
    };
    assert_eq!(in_flight(), 0);
    deadline(Duration::from_secs(10), || async {
        in_flight() >= PROVIDER_CALLS_AT_ONCE
    })
    .await;

    // The holds lapse (and the matinee ends) while every provider call hangs: the next
    // sweep releases them all the same.
    app.clock.advance(TimeDelta::minutes(13));
    let ticket_type = show.ticket_type_ids[0];
    deadline(Duration::from_secs(5), || async {
        app.available(ticket_type).await == 30
    })
    .await;
    let ended = ending.event_id;
    deadline(Duration::from_secs(5), || async {
        app.with_db(move |c| {
            boxoffice::db::events::find(c, ended)
                .unwrap()
                .unwrap()
                .ended_at
                .is_some()
        })
        .await
    })
    .await;
    assert!(
        app.bookings().await.iter().all(|t| t.status == "expired"),
        "every hold released"
    );
    assert_eq!(
        in_flight(),
        PROVIDER_CALLS_AT_ONCE,
        "a bounded number of calls hang; the rest wait their turn"
    );
    sweeping.abort();
}
