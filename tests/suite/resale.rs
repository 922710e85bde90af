//! Resale between fans and gifts, through the real handlers on whichever engine the
//! suite runs on: a listed booking bought through the test provider passes to its buyer
//! with new codes while the seller's old codes stop admitting and their payment is
//! refunded by the price less the fee; two buyers racing for one listing get exactly one
//! lock; reprice and withdraw wait for a lock to lapse; a gift passes a booking for free.

use boxoffice::db::models::{Booking, Listing, Payment, Refund};
use boxoffice::db::status::{BookingStatus, ListingStatus, PaymentStatus, RefundStatus};
use boxoffice::db::{bookings, payment_attempts, refunds, resale_listings};
use chrono::TimeDelta;

use crate::support::fixtures::EventSpec;
use crate::support::race::together;
use crate::support::visitor::{csrf_token_in, location};
use crate::support::{TestApp, Visitor};

/// How many times the lock race is run (each round a fresh listing).
const ROUNDS: usize = 6;

async fn listings(app: &TestApp) -> Vec<Listing> {
    app.with_db(|conn| resale_listings::all(conn).expect("listings"))
        .await
}

async fn listing_status(app: &TestApp, id: i32) -> ListingStatus {
    app.with_db(move |conn| {
        resale_listings::find(conn, id)
            .expect("read")
            .expect("listing")
            .status
    })
    .await
}

async fn booking(app: &TestApp, id: i32) -> Booking {
    app.with_db(move |conn| bookings::find(conn, id).expect("read").expect("booking"))
        .await
}

async fn payments_of(app: &TestApp, booking_id: i32) -> Vec<Payment> {
    app.with_db(move |conn| payment_attempts::for_booking(conn, booking_id).expect("payments"))
        .await
}

async fn refunds_of(app: &TestApp, payment_id: i32) -> Vec<Refund> {
    app.with_db(move |conn| refunds::for_payment(conn, payment_id).expect("refunds"))
        .await
}

/// Lists `booking_id` at `price` (major units, "" for face value); the listing.
async fn list(app: &TestApp, seller: &Visitor, booking_id: i32, price: &str) -> Listing {
    let listed = seller
        .post(
            &format!("/bookings/{booking_id}/resale"),
            &[("price", price)],
        )
        .await;
    assert_eq!(location(&listed), format!("/bookings/{booking_id}"));
    listings(app)
        .await
        .into_iter()
        .find(|l| l.booking_id == booking_id && l.status == ListingStatus::Listed)
        .expect("the booking is listed")
}

/// Presses "Buy" on a listing; the response (a redirect to checkout, or back with a
/// message).
async fn press_buy(buyer: &Visitor, listing_id: i32, event_id: i32) -> reqwest::Response {
    buyer
        .post(
            &format!("/resale/{listing_id}/buy"),
            &[("event_id", &event_id.to_string())],
        )
        .await
}

/// Buys a listing through the test provider's page; returns the buyer's booking id.
async fn buy(buyer: &Visitor, listing_id: i32, event_id: i32) -> i32 {
    let pressed = press_buy(buyer, listing_id, event_id).await;
    let checkout = buyer.path_of(&location(&pressed));
    assert!(checkout.starts_with("/test-checkout/"), "{checkout}");
    let page = buyer.page(&checkout).await;
    let token = csrf_token_in(&page).expect("a CSRF token");
    let paid = buyer
        .post_raw(&format!("{checkout}/pay"), &[("csrf_token", &token)])
        .await;
    assert_eq!(paid.status(), 303, "paying");
    let back = buyer.get(&buyer.path_of(&location(&paid))).await;
    location(&back)
        .trim_start_matches("/bookings/")
        .parse()
        .expect("the success page leads to the buyer's booking")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resold_booking_passes_with_new_codes_and_the_seller_gets_the_price_less_the_fee() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Resale night").seats("Standing", 2500, 2))
        .await;
    let event_id = show.event_id;
    app.with_db(move |conn| {
        use boxoffice::db::schema::events::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::events.find(event_id))
            .set(dsl::resale_fee_percent.eq(10))
            .execute(conn)
            .expect("a 10 % resale fee");
    })
    .await;
    let (seller, seller_booking, old_codes) = app
        .paid_booking("seller@example.com", event_id, show.ticket_type_ids[0], 2)
        .await;
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 0, "sold out");

    // Above face value is refused; the listing is made at €40 for two €25 seats.
    let too_dear = seller
        .post(
            &format!("/bookings/{seller_booking}/resale"),
            &[("price", "50.01")],
        )
        .await;
    assert_eq!(location(&too_dear), format!("/bookings/{seller_booking}"));
    assert!(
        listings(&app).await.is_empty(),
        "nothing listed above face value"
    );
    let listing = list(&app, &seller, seller_booking, "40.00").await;
    assert_eq!((listing.price_pennies, listing.fee_pennies), (4000, 400));

    // A buyer finds it on the sold-out event page and buys it.
    let buyer = app.registered("buyer@example.com").await;
    let page = buyer.page(&format!("/events/{event_id}")).await;
    assert!(page.contains("Resale from other fans"), "{page}");
    assert!(page.contains("Buy for €40.00"), "{page}");
    assert!(
        page.contains("Resale from €40.00"),
        "shown on the sold-out type: {page}"
    );
    let bought = buy(&buyer, listing.id, event_id).await;
    assert_ne!(bought, seller_booking, "the buyer's own booking row");
    let theirs = booking(&app, bought).await;
    assert_eq!(theirs.status, BookingStatus::Paid);
    assert_eq!(theirs.quantity, 2);
    assert_eq!(
        booking(&app, seller_booking).await.status,
        BookingStatus::Transferred
    );
    assert_eq!(
        app.available(show.ticket_type_ids[0]).await,
        0,
        "no inventory moved"
    );

    // New codes: the buyer's admit, the seller's answer "resold".
    let new_codes: Vec<String> = app
        .admissions()
        .await
        .into_iter()
        .filter(|a| a.booking_id == bought && a.hold_number == theirs.hold_number)
        .map(|a| a.code)
        .collect();
    assert_eq!(new_codes.len(), 2);
    assert!(new_codes.iter().all(|c| !old_codes.contains(c)));
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    let old = door.scan(event_id, &old_codes[0], "North").await;
    assert_eq!(old.headline, "NOT VALID");
    assert!(old.body.contains("resold"), "{}", old.body);
    assert_eq!(
        door.scan(event_id, &new_codes[0], "North").await.headline,
        "ADMIT"
    );

    // The seller's refund job runs: €36 back (€40 less the 10 % fee).
    app.deliver_all().await;
    let seller_payment = payments_of(&app, seller_booking)
        .await
        .into_iter()
        .find(|p| p.listing_id.is_none() && p.amount_pennies == 5000)
        .expect("the seller's payment stays with their booking");
    assert_eq!(seller_payment.status, PaymentStatus::Refunded);
    let refunded = refunds_of(&app, seller_payment.id).await;
    assert_eq!(refunded.len(), 1);
    assert_eq!(refunded[0].amount_pennies, 3600);
    assert_eq!(refunded[0].status, RefundStatus::Succeeded);
    let buyer_payment = payments_of(&app, bought)
        .await
        .into_iter()
        .find(|p| p.listing_id == Some(listing.id))
        .expect("the buyer's payment moved with the seats");
    assert_eq!(buyer_payment.status, PaymentStatus::Paid);
    assert_eq!(buyer_payment.amount_pennies, 4000);
    let mails = app.mails_to("seller@example.com").await;
    assert!(mails.iter().any(|m| m.subject == "Resold: Resale night"));
    assert!(
        app.mails_to("buyer@example.com")
            .await
            .iter()
            .any(|m| m.subject == "Your tickets for Resale night")
    );
    // The seller's page says so; buying one's own kind again is refused cleanly.
    let seller_page = seller.page(&format!("/bookings/{seller_booking}")).await;
    assert!(
        seller_page.contains("You passed this booking on"),
        "{seller_page}"
    );
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listing_is_refused_for_what_cannot_be_resold_and_a_holder_cannot_buy() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Refusals").seats("Stalls", 2500, 5))
        .await;
    let (seller, booking_id, codes) = app
        .paid_booking("s@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    // Below Stripe's minimum for EUR (€0.50).
    let cheap = seller
        .post(
            &format!("/bookings/{booking_id}/resale"),
            &[("price", "0.20")],
        )
        .await;
    assert_eq!(location(&cheap), format!("/bookings/{booking_id}"));
    assert!(listings(&app).await.is_empty());
    // Listed twice: the second is refused.
    let listing = list(&app, &seller, booking_id, "").await;
    assert_eq!(listing.price_pennies, 2500, "face value by default");
    seller
        .post(&format!("/bookings/{booking_id}/resale"), &[("price", "")])
        .await;
    assert_eq!(listings(&app).await.len(), 1);
    // Someone who holds a booking for the event cannot buy it.
    let (holder, _, _) = app
        .paid_booking("h@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let refused = press_buy(&holder, listing.id, show.event_id).await;
    assert_eq!(location(&refused), format!("/events/{}", show.event_id));
    assert!(listings(&app).await[0].locked_by.is_none(), "no lock taken");
    // The seller cannot buy their own listing either.
    let own = press_buy(&seller, listing.id, show.event_id).await;
    assert_eq!(location(&own), format!("/events/{}", show.event_id));
    // Withdrawn, then checked in: no longer listable.
    let withdrawn = seller
        .post(&format!("/resale/{}/withdraw", listing.id), &[])
        .await;
    assert_eq!(location(&withdrawn), format!("/bookings/{booking_id}"));
    assert_eq!(listings(&app).await[0].status, ListingStatus::Withdrawn);
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "d@example.com", "all").await;
    assert_eq!(
        door.scan(show.event_id, &codes[0], "G").await.headline,
        "ADMIT"
    );
    seller
        .post(&format!("/bookings/{booking_id}/resale"), &[("price", "")])
        .await;
    assert_eq!(
        listings(&app).await.len(),
        1,
        "a checked-in booking is not listed"
    );
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_buyers_pressing_buy_at_once_get_exactly_one_lock() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Lock race").seats("Stalls", 2500, ROUNDS as i32))
        .await;
    let mut locked_rounds = 0;
    for round in 0..ROUNDS {
        let (seller, booking_id, _) = app
            .paid_booking(
                &format!("seller{round}@example.com"),
                show.event_id,
                show.ticket_type_ids[0],
                1,
            )
            .await;
        let listing = list(&app, &seller, booking_id, "").await;
        let a = app.registered(&format!("a{round}@example.com")).await;
        let b = app.registered(&format!("b{round}@example.com")).await;
        let (event_id, id) = (show.event_id, listing.id);
        let (ra, rb) = together(
            async move { location(&press_buy(&a, id, event_id).await) },
            async move { location(&press_buy(&b, id, event_id).await) },
        )
        .await;
        let to_checkout = [&ra, &rb]
            .iter()
            .filter(|l| l.contains("/test-checkout/"))
            .count();
        assert_eq!(to_checkout, 1, "round {round}: {ra} / {rb}");
        let now = listings(&app)
            .await
            .into_iter()
            .find(|l| l.id == id)
            .expect("listing");
        assert!(now.locked_by.is_some(), "round {round}: locked");
        locked_rounds += 1;
        // The lock keeps the listing off the event page for everyone.
        let page = app.visitor().page(&format!("/events/{event_id}")).await;
        assert!(!page.contains("Resale from other fans"), "round {round}");
    }
    assert_eq!(locked_rounds, ROUNDS);
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_locked_listing_cannot_change_until_its_lock_lapses() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Lock lapse").seats("Stalls", 2500, 3))
        .await;
    let (seller, booking_id, _) = app
        .paid_booking("s@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let listing = list(&app, &seller, booking_id, "").await;
    let buyer = app.registered("b@example.com").await;
    let pressed = press_buy(&buyer, listing.id, show.event_id).await;
    assert!(location(&pressed).contains("/test-checkout/"));
    let checkout = buyer.path_of(&location(&pressed));
    // Locked: neither repriced nor withdrawn.
    seller
        .post(
            &format!("/resale/{}/price", listing.id),
            &[("price", "20.00")],
        )
        .await;
    seller
        .post(&format!("/resale/{}/withdraw", listing.id), &[])
        .await;
    let still = &listings(&app).await[0];
    assert_eq!(
        (still.status, still.price_pennies),
        (ListingStatus::Listed, 2500)
    );
    // The lock lapses (lazily: the seller may change it before the sweeper runs).
    app.clock.advance(TimeDelta::minutes(11));
    seller
        .post(
            &format!("/resale/{}/price", listing.id),
            &[("price", "20.00")],
        )
        .await;
    assert_eq!(
        listings(&app).await[0].price_pennies,
        2000,
        "repriced after the lapse"
    );
    // Offered again: another buyer locks it; their lock lapses and the sweeper frees it.
    let page = app
        .visitor()
        .page(&format!("/events/{}", show.event_id))
        .await;
    assert!(
        page.contains("€20.00"),
        "offered again at the new price: {page}"
    );
    let other = app.registered("c@example.com").await;
    assert!(
        location(&press_buy(&other, listing.id, show.event_id).await).contains("/test-checkout/")
    );
    assert!(listings(&app).await[0].locked_until.is_some());
    app.clock.advance(TimeDelta::minutes(11));
    assert_eq!(
        boxoffice::app::sweeps::unlock_lapsed_listings(&app.state).await,
        1
    );
    assert!(
        listings(&app).await[0].locked_by.is_none(),
        "the sweeper cleared the lock"
    );
    assert!(!app.outbox_of("resale_unlocked").await.is_empty());
    // The first checkout session, abandoned, leaves the seller's booking as it was.
    let _ = checkout;
    assert_eq!(booking(&app, booking_id).await.status, BookingStatus::Paid);
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_gift_passes_the_booking_with_new_codes_and_no_money() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Gift night").seats("Stalls", 2500, 3))
        .await;
    let (giver, booking_id, old_codes) = app
        .paid_booking(
            "giver@example.com",
            show.event_id,
            show.ticket_type_ids[0],
            1,
        )
        .await;
    let _friend = app.registered("friend@example.com").await;
    let confirm = giver
        .page(&format!(
            "/bookings/{booking_id}/give?email=friend%40example.com"
        ))
        .await;
    assert!(confirm.contains("your codes stop working"), "{confirm}");
    let given = giver
        .post(
            &format!("/bookings/{booking_id}/give"),
            &[("email", "friend@example.com")],
        )
        .await;
    assert_eq!(location(&given), format!("/bookings/{booking_id}"));
    assert_eq!(
        booking(&app, booking_id).await.status,
        BookingStatus::Transferred
    );
    let all = app.bookings().await;
    let received = all
        .iter()
        .find(|b| b.id != booking_id && b.status == BookingStatus::Paid)
        .expect("the friend's booking");
    let payments = payments_of(&app, received.id).await;
    assert_eq!(payments.len(), 1, "the payment went with the seats");
    assert_eq!(payments[0].status, PaymentStatus::Paid);
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "d@example.com", "all").await;
    let old = door.scan(show.event_id, &old_codes[0], "G").await;
    assert!(old.body.contains("given away"), "{}", old.body);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn control_a_lock_decided_on_an_earlier_read_gives_two_buyers_the_listing() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Lock control").seats("Stalls", 2500, 2))
        .await;
    let (seller, booking_id, _) = app
        .paid_booking("s@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    let listing = list(&app, &seller, booking_id, "").await;
    let a = app.registered("a@example.com").await;
    let b = app.registered("b@example.com").await;
    let _ = (a, b);
    let now = app.clock.now();
    let (stale, guarded) = app
        .with_db(move |conn| {
            use boxoffice::db::schema::resale_listings::dsl;
            use diesel::prelude::*;
            // The harmful interleaving, forced: both buyers read the listing free...
            let read_a = resale_listings::find(conn, listing.id).unwrap().unwrap();
            let read_b = resale_listings::find(conn, listing.id).unwrap().unwrap();
            assert!(read_a.locked_until.is_none() && read_b.locked_until.is_none());
            // ...and each locks it on its own read, with an update that does not
            // re-check: both "win".
            let until = now + TimeDelta::minutes(10);
            let mut won = 0;
            for buyer in [2, 3] {
                won += diesel::update(dsl::resale_listings.find(listing.id))
                    .set((
                        dsl::locked_by.eq(Some(buyer)),
                        dsl::locked_until.eq(Some(until)),
                    ))
                    .execute(conn)
                    .unwrap();
            }
            diesel::update(dsl::resale_listings.find(listing.id))
                .set((
                    dsl::locked_by.eq(None::<i32>),
                    dsl::locked_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)
                .unwrap();
            // The rule: the lock is one update guarded by "listed and not locked now".
            let first = resale_listings::take_lock(conn, listing.id, 2, now, until).unwrap();
            let second = resale_listings::take_lock(conn, listing.id, 3, now, until).unwrap();
            (won, (first, second))
        })
        .await;
    assert_eq!(
        stale, 2,
        "decided on the earlier read, both buyers got the lock"
    );
    assert_eq!(
        guarded,
        (
            boxoffice::db::Guarded::Applied,
            boxoffice::db::Guarded::Lost
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resale_payment_racing_an_admin_refund_of_the_listed_booking_ends_in_one_of_two_clean_books()
 {
    let app = TestApp::spawn().await;
    let rounds = 6;
    let show = app
        .create_event(EventSpec::new("Refund race").seats("Stalls", 2500, rounds))
        .await;
    let admin = app.admin().await;
    let (mut sold, mut refunded) = (0, 0);
    for round in 0..rounds {
        let (seller, booking_id, _) = app
            .paid_booking(
                &format!("s{round}@example.com"),
                show.event_id,
                show.ticket_type_ids[0],
                1,
            )
            .await;
        let listing = list(&app, &seller, booking_id, "").await;
        let buyer = app.registered(&format!("b{round}@example.com")).await;
        let pressed = press_buy(&buyer, listing.id, show.event_id).await;
        let checkout = buyer.path_of(&location(&pressed));
        let success = app.paid_at_provider_unheard(&checkout);
        let token = crate::support::visitor::csrf_token_in(
            &admin
                .page(&format!("/admin/bookings/{booking_id}/refund"))
                .await,
        )
        .expect("a csrf token");
        let (admin_c, buyer_c) = (admin.at(&app.address), buyer.at(&app.address));
        let refund_path = format!("/admin/bookings/{booking_id}/refund");
        together(
            async move {
                admin_c
                    .post_raw(&refund_path, &[("csrf_token", &token), ("confirm", "yes")])
                    .await
                    .status()
            },
            async move { buyer_c.get(&success).await.status() },
        )
        .await;
        app.deliver_all().await;
        let seller_booking = booking(&app, booking_id).await;
        let listing_id = listing.id;
        let buyer_payment = app
            .with_db(move |conn| payment_attempts::all(conn).expect("payments"))
            .await
            .into_iter()
            .find(|p| p.listing_id == Some(listing_id))
            .expect("the buyer's attempt");
        match seller_booking.status {
            BookingStatus::Transferred => {
                sold += 1;
                assert_ne!(buyer_payment.booking_id, booking_id, "moved with the seats");
                assert_eq!(buyer_payment.status, PaymentStatus::Paid, "round {round}");
                // The admin's refund came second and found nothing paid to refund.
                assert_eq!(listing_status(&app, listing_id).await, ListingStatus::Sold);
            }
            BookingStatus::Refunded => {
                refunded += 1;
                assert_eq!(
                    buyer_payment.status,
                    PaymentStatus::Refunded,
                    "round {round}"
                );
                assert_eq!(
                    listing_status(&app, listing_id).await,
                    ListingStatus::Withdrawn
                );
            }
            other => panic!("round {round}: the seller's booking is {other}"),
        }
        app.assert_books_clean().await;
    }
    assert_eq!(sold + refunded, rounds);
    println!("{sold} rounds sold first, {refunded} refunded first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unconfirmed_address_confirms_before_it_resells_or_gives_a_booking_away() {
    let app = TestApp::spawn_with(&[("UNCONFIRMED_MAY_PASS_ON", "false")]).await;
    let show = app
        .create_event(EventSpec::new("Confirm first").seats("Stalls", 2500, 3))
        .await;
    let (seller, booking_id, _) = app
        .paid_booking("s@example.com", show.event_id, show.ticket_type_ids[0], 1)
        .await;
    app.registered("friend@example.com").await;
    let listed = seller
        .post(&format!("/bookings/{booking_id}/resale"), &[("price", "")])
        .await;
    assert_eq!(location(&listed), format!("/bookings/{booking_id}"));
    let page = seller.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("Confirm your email address first"), "{page}");
    seller
        .post(
            &format!("/bookings/{booking_id}/give"),
            &[("email", "friend@example.com")],
        )
        .await;
    assert!(listings(&app).await.is_empty());
    assert_eq!(booking(&app, booking_id).await.status, BookingStatus::Paid);
    // Confirmed, the same request lists it.
    let user_id = booking(&app, booking_id).await.user_id;
    let now = app.clock.now();
    app.with_db(move |conn| {
        let _ = boxoffice::db::users::mark_verified(conn, user_id, now).expect("confirmed");
    })
    .await;
    list(&app, &seller, booking_id, "").await;
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_buyer_locks_one_offer_of_an_event_at_a_time() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("One at a time").seats("Stalls", 2500, 2))
        .await;
    let mut offers = Vec::new();
    for email in ["s1@example.com", "s2@example.com"] {
        let (seller, booking_id, _) = app
            .paid_booking(email, show.event_id, show.ticket_type_ids[0], 1)
            .await;
        offers.push(list(&app, &seller, booking_id, "").await.id);
    }
    let buyer = app.registered("b@example.com").await;
    assert!(
        location(&press_buy(&buyer, offers[0], show.event_id).await).contains("/test-checkout/")
    );
    let second = press_buy(&buyer, offers[1], show.event_id).await;
    assert_eq!(location(&second), format!("/events/{}", show.event_id));
    let now = listings(&app).await;
    assert!(
        now.iter()
            .any(|l| l.id == offers[1] && l.locked_by.is_none()),
        "the second stays free"
    );
    // Pressing the first again sends the buyer back to the same checkout.
    assert!(
        location(&press_buy(&buyer, offers[0], show.event_id).await).contains("/test-checkout/")
    );
}
