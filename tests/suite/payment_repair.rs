//! Repairing money the old race kept: `boxoffice check --repair` (the real binary),
//! the same repair in process, and the admin's refund button for one payment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::process::{Command, Output};

use boxoffice::app::{reconcile, refunds};
use boxoffice::db::models::Payment;
use boxoffice::db::payment_attempts;
use chrono::TimeDelta;
use support::damage;
use support::fixtures::EventSpec;
use support::stripe_standin::StripeStandIn;
use support::visitor::location;
use support::{SESSION_KEY, TestApp, Visitor};

async fn holder(app: &TestApp, email: &str) -> (Visitor, i32, i32) {
    let show = app
        .create_event(EventSpec::new(&format!("Show for {email}")).seats("GA", 2500, 10))
        .await;
    let buyer = app.registered(email).await;
    let response = buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    (buyer, booking_id, show.ticket_type_ids[0])
}

/// Pay at the test provider and come back: the ticket is paid. Returns the payment's
/// provider reference.
async fn pay(app: &TestApp, buyer: &Visitor, booking_id: i32) -> String {
    let checkout = buyer.path_of(&location(&buyer.pay(booking_id).await));
    let paid = buyer.post(&format!("{checkout}/pay"), &[]).await;
    buyer.get(&buyer.path_of(&location(&paid))).await;
    payments_of(app, booking_id).await[0]
        .provider_payment_id
        .clone()
        .unwrap()
}

async fn payments_of(app: &TestApp, booking_id: i32) -> Vec<Payment> {
    app.with_db(move |c| payment_attempts::for_booking(c, booking_id).unwrap())
        .await
}

async fn violations(app: &TestApp) -> Vec<String> {
    app.with_db(|c| {
        boxoffice::domain::audit::books::audit(c)
            .unwrap()
            .violations
    })
    .await
}

/// A ticket whose hold was paid at the test provider and then cancelled, its money
/// kept: the old confirm × cancel race. Returns (ticket id, payment id).
async fn money_kept_for_a_cancelled_ticket(app: &TestApp, email: &str) -> (i32, i32) {
    let (buyer, booking_id, _) = holder(app, email).await;
    let checkout = buyer.path_of(&location(&buyer.pay(booking_id).await));
    app.paid_at_provider_unheard(&checkout);
    let reference = app
        .state
        .provider
        .retrieve_session(checkout.trim_start_matches("/test-checkout/"))
        .await
        .unwrap()
        .payment_reference
        .unwrap();
    let payment_id = damage::keep_money_for_cancelled_ticket(app, booking_id, &reference).await;
    (booking_id, payment_id)
}

/// A paid ticket with a second attempt paid too: the old confirm × confirm race.
/// Returns (ticket id, the second payment's id, ticket_type id).
async fn a_second_payment_kept(app: &TestApp, email: &str) -> (i32, i32, i32) {
    let (buyer, booking_id, ticket_type) = holder(app, email).await;
    let first = buyer.path_of(&location(&buyer.pay(booking_id).await));
    // The first session runs out on our side; the second tab opens another.
    let now = app.clock.now();
    app.with_db(move |c| {
        use boxoffice::db::schema::payments::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::payments.filter(dsl::booking_id.eq(booking_id)))
            .set(dsl::expires_at.eq(Some(now)))
            .execute(c)
            .unwrap();
    })
    .await;
    let second = buyer.path_of(&location(&buyer.pay(booking_id).await));
    assert_ne!(first, second);
    // Both sessions are paid at the provider; only the second is confirmed here.
    app.paid_at_provider_unheard(&first);
    let paid_second = buyer.post(&format!("{second}/pay"), &[]).await;
    buyer.get(&buyer.path_of(&location(&paid_second))).await;
    let first_reference = app
        .state
        .provider
        .retrieve_session(first.trim_start_matches("/test-checkout/"))
        .await
        .unwrap()
        .payment_reference
        .unwrap();
    let rows = payments_of(app, booking_id).await;
    let unconfirmed = rows.iter().find(|p| p.status != "paid").unwrap().id;
    damage::keep_a_second_payment(app, unconfirmed, &first_reference).await;
    (booking_id, unconfirmed, ticket_type)
}

#[tokio::test]
async fn the_repair_refunds_money_kept_without_a_ticket_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (cancelled, kept) = money_kept_for_a_cancelled_ticket(&app, "ann@example.com").await;
    let (paid, second, ticket_type) = a_second_payment_kept(&app, "bob@example.com").await;
    let (carl, honest, _) = holder(&app, "carl@example.com").await;
    pay(&app, &carl, honest).await;
    let found = violations(&app).await;
    assert!(
        found
            .iter()
            .any(|v| v.contains("is cancelled but money was kept")),
        "{found:?}"
    );
    assert!(found.iter().any(|v| v.contains("2 succeeded")), "{found:?}");

    let repairs = refunds::repair_kept_money(&app.state).await.unwrap();
    let mut repaired: Vec<_> = repairs
        .iter()
        .map(|r| (r.kept.payment_id, r.error.clone()))
        .collect();
    repaired.sort();
    assert_eq!(repaired, vec![(kept, None), (second, None)]);
    assert!(violations(&app).await.is_empty(), "the books are clean");
    let statuses = |rows: Vec<Payment>| -> Vec<String> {
        rows.into_iter().map(|p| p.status.to_string()).collect()
    };
    assert_eq!(statuses(payments_of(&app, cancelled).await), ["refunded"]);
    let mut both = statuses(payments_of(&app, paid).await);
    both.sort();
    assert_eq!(both, ["paid", "refunded"], "the ticket keeps one payment");
    assert_eq!(app.bookings().await[1].status, "paid");
    assert_eq!(app.available(ticket_type).await, 9, "its seat stays sold");
    assert_eq!(statuses(payments_of(&app, honest).await), ["paid"]);
    assert!(
        refunds::repair_kept_money(&app.state)
            .await
            .unwrap()
            .is_empty(),
        "a second repair finds nothing"
    );
}

#[tokio::test]
async fn an_admin_refunds_one_kept_payment_from_the_payments_list() {
    let app = TestApp::spawn().await;
    let (_, payment_id) = money_kept_for_a_cancelled_ticket(&app, "ann@example.com").await;
    let admin = app.admin().await;
    let list = admin.page("/admin/payments").await;
    assert!(list.contains("Money kept without a paid booking"));
    assert!(list.contains(&format!("/admin/payments/{payment_id}/refund")));

    let ann = app.visitor();
    ann.login("ann@example.com", support::PASSWORD).await;
    let path = format!("/admin/payments/{payment_id}/refund");
    assert_eq!(ann.post(&path, &[]).await.status(), 403, "admins only");
    let response = admin.post(&path, &[("confirm", "yes")]).await;
    assert_eq!(location(&response), "/admin/payments");
    assert!(admin.page("/admin/payments").await.contains("Refunded."));
    assert!(violations(&app).await.is_empty());

    admin.post(&path, &[("confirm", "yes")]).await;
    assert!(
        admin
            .page("/admin/payments")
            .await
            .contains("already been refunded"),
        "a second click is told why nothing happened"
    );
    assert_eq!(
        admin
            .post("/admin/payments/999999/refund", &[("confirm", "yes")])
            .await
            .status(),
        404
    );
}

/// Runs `boxoffice check --repair` on the app's database (off the async runtime, which
/// serves the shop and the stand-in meanwhile).
async fn check_repair(app: &TestApp, env: &[(&str, &str)]) -> Output {
    let url = app.database.url.clone();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_boxoffice"))
            .args(["check", "--repair"])
            .env("DATABASE_URL", url)
            .env("SESSION_KEY", SESSION_KEY)
            .env("RUST_LOG", "warn")
            .envs(env)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn check_repair_refunds_through_stripe_with_an_idempotency_key() {
    let stripe = StripeStandIn::start().await;
    let settings = [
        ("STRIPE_SECRET_KEY", "sk_test_standin"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_standin"),
        ("STRIPE_API_BASE", stripe.base.as_str()),
    ];
    let app = TestApp::spawn_with(&settings).await;
    let (buyer, booking_id, _) = holder(&app, "ann@example.com").await;
    let to = location(&buyer.pay(booking_id).await);
    let session_id = to.rsplit('/').next().unwrap().to_owned();
    stripe.complete(&session_id);
    let reference = format!("pi_{}", &session_id[3..]);
    let payment_id = damage::keep_money_for_cancelled_ticket(&app, booking_id, &reference).await;

    let output = check_repair(&app, &settings).await;
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    assert!(
        printed.contains(&format!(
            "repaired: payment {payment_id} of booking {booking_id} (€25.00): money kept for a cancelled ticket: refunded"
        )),
        "{printed}"
    );
    assert!(printed.contains("books: clean"), "{printed}");
    let refunds = stripe.requests_to("POST", "/v1/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].field("payment_intent"), Some(reference.as_str()));
    assert_eq!(refunds[0].field("amount"), Some("2500"));
    assert!(refunds[0].idempotency_key.is_some());
    assert_eq!(payments_of(&app, booking_id).await[0].status, "refunded");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_repair_leaves_a_refund_it_cannot_make_to_reconciliation() {
    let app = TestApp::spawn().await;
    let (booking_id, _) = money_kept_for_a_cancelled_ticket(&app, "ann@example.com").await;
    // The test provider's sessions live in the server's memory: the command cannot
    // refund them itself, so it marks the money owed and says so.
    let output = check_repair(&app, &[]).await;
    let printed = text(&output);
    assert!(!output.status.success(), "money is still owed: {printed}");
    assert!(printed.contains("repair pending: payment"), "{printed}");
    assert!(printed.contains("refund pending"), "{printed}");
    assert_eq!(
        payments_of(&app, booking_id).await[0].status,
        "refund_pending"
    );

    app.clock.advance(TimeDelta::minutes(3));
    assert_eq!(reconcile::reconcile(&app.state).await, 1);
    assert_eq!(payments_of(&app, booking_id).await[0].status, "refunded");
    assert!(violations(&app).await.is_empty());
}
