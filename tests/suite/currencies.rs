//! Prices in currencies with three decimals and with none reach Stripe in the unit it
//! expects, and the payment is then confirmed (issue 9): a BHD price typed as 12.5 was
//! sent as 1250, a tenth of the price.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::ticket_types;
use support::TestApp;
use support::fixtures::EventSpec;
use support::stripe_standin::StripeStandIn;
use support::visitor::location;

#[tokio::test]
async fn three_decimal_and_zero_decimal_prices_are_charged_exactly() {
    let stripe = StripeStandIn::start().await;
    let app = TestApp::spawn_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_standin"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_standin"),
        ("STRIPE_API_BASE", &stripe.base),
        ("PAYMENT_TIMEOUT_MS", "2000"),
    ])
    .await;
    let admin = app.admin().await;
    let cases = [
        ("Manama", "12.5", "BHD", "12500", "bhd", "12.500 BHD"),
        ("Kuwait", "7.25", "kwd", "7250", "kwd", "7.250 KWD"),
        ("Tokyo", "3000", "JPY", "3000", "jpy", "¥3,000"),
        ("Seoul", "15000", "KRW", "15000", "krw", "15,000 KRW"),
    ];
    for (i, (city, price, currency, sent, sent_currency, shown)) in cases.into_iter().enumerate() {
        let show = app
            .create_event(EventSpec::new(city).seats("Floor", 100, 5))
            .await;
        let form = [
            ("name", "Local"),
            ("price", price),
            ("currency", currency),
            ("quantity", "5"),
        ];
        let path = format!("/admin/events/{}/ticket-types", show.event_id);
        assert_eq!(admin.post(&path, &form).await.status(), 303, "{city}");
        let ticket_type = app
            .with_db(move |c| ticket_types::for_event(c, show.event_id).unwrap())
            .await
            .into_iter()
            .find(|s| s.name == "Local")
            .unwrap();
        let page = app
            .visitor()
            .page(&format!("/events/{}", show.event_id))
            .await;
        assert!(page.contains(shown), "{city}: {shown} on the event page");

        let buyer = app.registered(&format!("buyer{i}@example.com")).await;
        let booking: i32 = location(&buyer.reserve(show.event_id, ticket_type.id).await)
            .trim_start_matches("/bookings/")
            .parse()
            .unwrap();
        let to = location(&buyer.pay(booking).await);
        let session_id = to
            .strip_prefix("https://checkout.stripe.test/c/pay/")
            .unwrap_or_else(|| panic!("{city}: not sent to Stripe: {to}"))
            .to_owned();
        let request = stripe
            .requests_to("POST", "/v1/checkout/sessions")
            .pop()
            .unwrap();
        assert_eq!(
            request.field("line_items[0][price_data][unit_amount]"),
            Some(sent),
            "{city}"
        );
        assert_eq!(
            request.field("line_items[0][price_data][currency]"),
            Some(sent_currency)
        );

        stripe.complete(&session_id);
        let back = buyer
            .get(&format!("/checkout/success?session_id={session_id}"))
            .await;
        assert_eq!(location(&back), format!("/bookings/{booking}"));
        let bookings = app.bookings().await;
        let paid = bookings.iter().find(|t| t.id == booking).unwrap();
        assert_eq!(paid.status, "paid", "{city}: confirmed, not a mismatch");
    }
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_price_below_stripes_minimum_charge_is_refused_with_the_figure() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Cheap")).await;
    let path = format!("/admin/events/{}/ticket-types", show.event_id);
    let form = |price: &'static str, currency: &'static str| {
        [
            ("name", price),
            ("price", price),
            ("currency", currency),
            ("quantity", "5"),
        ]
    };
    let refused = admin.post(&path, &form("0.49", "EUR")).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("id=\"price-error\"") && body.contains("€0.50"),
        "{body}"
    );
    assert_eq!(admin.post(&path, &form("0.29", "GBP")).await.status(), 422);
    let before = app
        .with_db(move |c| ticket_types::for_event(c, show.event_id).unwrap().len())
        .await;
    assert_eq!(admin.post(&path, &form("0.50", "EUR")).await.status(), 303);
    assert_eq!(
        admin.post(&path, &form("0", "EUR")).await.status(),
        303,
        "free"
    );
    let after = app
        .with_db(move |c| ticket_types::for_event(c, show.event_id).unwrap().len())
        .await;
    assert_eq!(after, before + 2);
}
