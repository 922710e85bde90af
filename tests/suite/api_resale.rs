//! Resale and gifts over the JSON API, through real HTTP on whichever engine the suite
//! runs on: a booking listed with an Idempotency-Key (replayed, still one listing) shows
//! among the event's public offers, a buyer's purchase locks it and answers a checkout
//! that, paid through the test provider, passes the seats; a stale `If-Match` is 412 and
//! a locked listing refuses changes with 409, each changing nothing; a holder of a
//! booking cannot buy; a gift answers the receiver's booking and transfers the giver's.

use boxoffice::db::models::Listing;
use boxoffice::db::resale_listings;
use boxoffice::db::status::ListingStatus;
use chrono::TimeDelta;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::api::{Api, Reply};
use crate::support::fixtures::EventSpec;
use crate::support::visitor::{csrf_token_in, location};
use crate::support::{PASSWORD, TestApp, Visitor};

async fn listings(app: &TestApp) -> Vec<Listing> {
    app.with_db(|conn| resale_listings::all(conn).expect("listings"))
        .await
}

/// A fan with a paid booking of `quantity` seats: their web session, their API client
/// and the booking's id.
async fn fan_with_booking(
    app: &TestApp,
    email: &str,
    event_id: i32,
    ticket_type_id: i32,
    quantity: i32,
) -> (Visitor, Api, i32) {
    let (visitor, booking_id, _) = app
        .paid_booking(email, event_id, ticket_type_id, quantity)
        .await;
    (
        visitor,
        app.api().logged_in(email, PASSWORD).await,
        booking_id,
    )
}

/// A registered fan without a booking: their web session (to pay on the test
/// provider's page) and their API client.
async fn fan(app: &TestApp, email: &str) -> (Visitor, Api) {
    let visitor = app.registered(email).await;
    (visitor, app.api().logged_in(email, PASSWORD).await)
}

/// A request of `method` to `path` with the client's token and an `If-Match`.
async fn with_if_match(
    app: &TestApp,
    client: &Api,
    method: Method,
    path: &str,
    if_match: &str,
    body: &Value,
) -> Reply {
    let builder = reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", app.address))
        .bearer_auth(client.token.as_deref().expect("a token"))
        .header("If-Match", if_match)
        .json(body);
    client.send(builder).await
}

/// Pays a purchase's checkout on the test provider's page as `buyer`, then comes back
/// to the success page, which confirms; the buyer's booking id.
async fn pay(buyer: &Visitor, checkout_url: &str) -> i64 {
    let checkout = buyer.path_of(checkout_url);
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
async fn a_listing_made_over_the_api_is_offered_bought_and_paid_and_passes_to_the_buyer() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("API resale").seats("Standing", 2500, 2))
        .await;
    let event_id = show.event_id;
    let (_, seller, seller_booking) = fan_with_booking(
        &app,
        "seller@example.com",
        event_id,
        show.ticket_type_ids[0],
        2,
    )
    .await;
    let offers_path = format!("/events/{event_id}/resale");
    let none = app.api().get(&offers_path).await;
    assert_eq!(none.status, 200);
    assert_eq!(none.json, json!([]));
    let empty_tag = none.header("etag").expect("an ETag").to_owned();

    // Listed at €40 for two €25 seats, under a key: 201 with its address and version.
    let list_path = format!("/bookings/{seller_booking}/resale");
    let body = json!({"price_pennies": 4000});
    let listed = seller.post_keyed(&list_path, "list-1", &body).await;
    assert_eq!(listed.status, 201, "{:?}", listed.json);
    let listing_id = listed.json["id"].as_i64().unwrap();
    assert_eq!(
        listed.header("location"),
        Some(format!("/api/v1/resale/{listing_id}").as_str())
    );
    assert_eq!(listed.header("etag"), Some("\"1\""));
    assert_eq!(listed.json["status"], "listed");
    assert_eq!(listed.json["booking_id"], seller_booking);
    assert_eq!(listed.json["price"]["amount_minor"], 4000);
    assert_eq!(listed.json["price"]["currency"], "EUR");
    assert_eq!(listed.json["fee"]["amount_minor"], 0);
    assert_eq!(listed.json["version"], 1);
    assert_eq!(listed.json["locked_until"], Value::Null);

    // The same key again: the same answer, replayed; still one listing.
    let replayed = seller.post_keyed(&list_path, "list-1", &body).await;
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.json, listed.json);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.header("etag"), Some("\"1\""));
    assert_eq!(replayed.header("location"), listed.header("location"));
    assert_eq!(listings(&app).await.len(), 1);
    // The same key with another body is refused; a new key finds it listed already.
    let reused = seller
        .post_keyed(&list_path, "list-1", &json!({"price_pennies": 3000}))
        .await;
    assert_eq!(
        (reused.status, reused.code()),
        (422, "idempotency_key_reused")
    );
    let twice = seller.post_keyed(&list_path, "list-2", &body).await;
    assert_eq!((twice.status, twice.code()), (409, "already_listed"));
    assert!(twice.is_problem());
    assert_eq!(listings(&app).await.len(), 1);

    // The seller reads it; anyone else's token finds nothing.
    let own = seller.get(&format!("/resale/{listing_id}")).await;
    assert_eq!(own.status, 200);
    assert_eq!(own.header("etag"), Some("\"1\""));
    assert_eq!(own.json, listed.json);
    let (buyer_web, buyer) = fan(&app, "buyer@example.com").await;
    assert_eq!(
        buyer.get(&format!("/resale/{listing_id}")).await.status,
        404
    );

    // The public offers show it, with a new tag; HEAD answers the same without a body.
    let offers = app.api().get(&offers_path).await;
    assert_eq!(offers.status, 200);
    assert_ne!(offers.header("etag"), Some(empty_tag.as_str()));
    assert_eq!(
        offers.json,
        json!([{
            "listing_id": listing_id,
            "ticket_type_id": show.ticket_type_ids[0],
            "ticket_type_name": "Standing",
            "quantity": 2,
            "price": {"amount_minor": 4000, "currency": "EUR", "display": "€40.00"},
        }])
    );
    let head = app
        .api()
        .send_typed(Method::HEAD, &offers_path, None, None, Vec::new())
        .await;
    assert_eq!((head.status, head.json.clone()), (200, Value::Null));
    assert_eq!(head.header("etag"), offers.header("etag"));

    // The buyer buys: locked for them, with a checkout to pay on.
    let purchase_path = format!("/resale/{listing_id}/purchase");
    let bought = buyer.post_keyed(&purchase_path, "buy-1", &json!({})).await;
    assert_eq!(bought.status, 200, "{:?}", bought.json);
    let checkout_url = bought.json["checkout_url"].as_str().unwrap().to_owned();
    assert!(checkout_url.contains("/test-checkout/"), "{checkout_url}");
    assert_eq!(bought.json["listing"]["id"], listing_id);
    assert_eq!(bought.json["listing"]["price"]["amount_minor"], 4000);
    assert!(bought.json["listing"]["locked_until"].is_string());
    let again = buyer.post_keyed(&purchase_path, "buy-1", &json!({})).await;
    assert_eq!(again.json, bought.json, "replayed");
    // Locked: no longer offered.
    assert_eq!(app.api().get(&offers_path).await.json, json!([]));

    // Paid through the test provider: the seats are the buyer's, the listing sold.
    let buyer_booking = pay(&buyer_web, &checkout_url).await;
    assert_ne!(buyer_booking, i64::from(seller_booking));
    let sold = seller.get(&format!("/resale/{listing_id}")).await;
    assert_eq!(sold.json["status"], "sold", "{:?}", sold.json);
    assert!(sold.json["sold_at"].is_string());
    assert_eq!(sold.json["locked_until"], Value::Null);
    let theirs = buyer.get(&format!("/bookings/{buyer_booking}")).await;
    assert_eq!(theirs.status, 200);
    assert_eq!(theirs.json["status"], "paid");
    assert_eq!(theirs.json["quantity"], 2);
    assert_eq!(theirs.json["seats"].as_array().unwrap().len(), 2);
    let mine = seller.get(&format!("/bookings/{seller_booking}")).await;
    assert_eq!(mine.json["status"], "transferred");
    assert_eq!(
        app.with_db(move |conn| resale_listings::all(conn).unwrap()[0].status)
            .await,
        ListingStatus::Sold
    );
    app.deliver_all().await;
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stale_if_match_is_412_and_a_locked_listing_refuses_changes_with_409() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Reprice").seats("Stalls", 2500, 3))
        .await;
    let (_, seller, booking_id) = fan_with_booking(
        &app,
        "seller@example.com",
        show.event_id,
        show.ticket_type_ids[0],
        1,
    )
    .await;
    let listed = seller
        .post_keyed(&format!("/bookings/{booking_id}/resale"), "l", &json!({}))
        .await;
    assert_eq!(listed.status, 201, "{:?}", listed.json);
    assert_eq!(listed.json["price"]["amount_minor"], 2500, "face value");
    let id = listed.json["id"].as_i64().unwrap();
    let path = format!("/resale/{id}");
    let price = |pennies: i64| json!({"price_pennies": pennies});

    // At the version read: repriced, the version goes up.
    let changed = with_if_match(&app, &seller, Method::PATCH, &path, "\"1\"", &price(2000)).await;
    assert_eq!(changed.status, 200, "{:?}", changed.json);
    assert_eq!(changed.header("etag"), Some("\"2\""));
    assert_eq!(changed.json["price"]["amount_minor"], 2000);
    // The old version again: 412, nothing changed.
    let stale = with_if_match(&app, &seller, Method::PATCH, &path, "\"1\"", &price(1500)).await;
    assert_eq!(
        (stale.status, stale.code()),
        (412, "version_mismatch"),
        "{:?}",
        stale.json
    );
    assert!(stale.is_problem());
    // A malformed If-Match is 400; a price above what was paid 422: nothing changed.
    let malformed = with_if_match(&app, &seller, Method::PATCH, &path, "2", &price(1500)).await;
    assert_eq!((malformed.status, malformed.code()), (400, "bad_request"));
    let dear = seller.patch(&path, &price(2501)).await;
    assert_eq!((dear.status, dear.code()), (422, "validation"));
    assert_eq!(dear.json["errors"][0]["field"], "price_pennies");
    let nothing = seller.patch(&path, &price(0)).await;
    assert_eq!((nothing.status, nothing.code()), (422, "validation"));
    let now = seller.get(&path).await;
    assert_eq!(now.json["price"]["amount_minor"], 2000);
    assert_eq!(now.json["version"], 2);
    // Without If-Match the lock state alone decides; `*` matches any version.
    assert_eq!(seller.patch(&path, &price(1900)).await.status, 200);
    let starred = with_if_match(&app, &seller, Method::PATCH, &path, "*", &price(1800)).await;
    assert_eq!(starred.header("etag"), Some("\"4\""));
    // Not the seller's: 404.
    let (_, buyer) = fan(&app, "buyer@example.com").await;
    assert_eq!(buyer.patch(&path, &price(1000)).await.status, 404);
    assert_eq!(buyer.delete(&path).await.status, 404);

    // A buyer locks it: neither repriced (even at the current version) nor withdrawn.
    let bought = buyer
        .post_keyed(&format!("{path}/purchase"), "b", &json!({}))
        .await;
    assert_eq!(bought.status, 200, "{:?}", bought.json);
    let locked = with_if_match(&app, &seller, Method::PATCH, &path, "\"4\"", &price(1500)).await;
    assert_eq!((locked.status, locked.code()), (409, "listing_locked"));
    let kept = seller.delete(&path).await;
    assert_eq!((kept.status, kept.code()), (409, "listing_locked"));
    let still = seller.get(&path).await;
    assert_eq!(still.json["status"], "listed");
    assert_eq!(still.json["price"]["amount_minor"], 1800);
    assert_eq!(still.json["version"], 4);
    assert!(still.json["locked_until"].is_string());

    // The lock lapses unpaid: withdrawn (200 with the listing), then nothing to withdraw.
    app.clock.advance(TimeDelta::minutes(11));
    let withdrawn = seller.delete(&path).await;
    assert_eq!(withdrawn.status, 200, "{:?}", withdrawn.json);
    assert_eq!(withdrawn.json["status"], "withdrawn");
    assert_eq!(withdrawn.header("etag"), Some("\"5\""));
    let gone = seller.delete(&path).await;
    assert_eq!((gone.status, gone.code()), (409, "not_listed"));
    assert_eq!(listings(&app).await[0].status, ListingStatus::Withdrawn);
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_holder_of_a_booking_cannot_buy_an_offer_nor_a_seller_their_own() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Holders").seats("Stalls", 2500, 3))
        .await;
    let (_, seller, booking_id) = fan_with_booking(
        &app,
        "seller@example.com",
        show.event_id,
        show.ticket_type_ids[0],
        1,
    )
    .await;
    let (_, holder, _) = fan_with_booking(
        &app,
        "holder@example.com",
        show.event_id,
        show.ticket_type_ids[0],
        1,
    )
    .await;
    let listed = seller
        .post_keyed(&format!("/bookings/{booking_id}/resale"), "l", &json!({}))
        .await;
    let purchase = format!("/resale/{}/purchase", listed.json["id"]);

    let holding = holder.post_keyed(&purchase, "h", &json!({})).await;
    assert_eq!(
        (holding.status, holding.code()),
        (409, "already_holding"),
        "{:?}",
        holding.json
    );
    assert!(holding.is_problem());
    let own = seller.post_keyed(&purchase, "s", &json!({})).await;
    assert_eq!((own.status, own.code()), (409, "own_listing"));
    assert!(listings(&app).await[0].locked_by.is_none(), "no lock taken");

    // A purchase needs a key; an unknown listing is 404.
    let (_, buyer) = fan(&app, "buyer@example.com").await;
    let unkeyed = buyer.post(&purchase, &json!({})).await;
    assert_eq!(
        (unkeyed.status, unkeyed.code()),
        (400, "idempotency_key_required")
    );
    assert_eq!(
        buyer
            .post_keyed("/resale/999999/purchase", "x", &json!({}))
            .await
            .status,
        404
    );
    // One buyer locks it (a `null` body is no body); the next one is told so.
    assert_eq!(
        buyer.post_keyed(&purchase, "b", &Value::Null).await.status,
        200
    );
    let (_, late) = fan(&app, "late@example.com").await;
    let refused = late.post_keyed(&purchase, "l", &json!({})).await;
    assert_eq!((refused.status, refused.code()), (409, "listing_locked"));
    // The offers of an unknown or unpublished event are 404, as the event is.
    let draft = app
        .create_event(EventSpec::new("Draft").seats("A", 1000, 1).unpublished())
        .await;
    for id in [999_999, draft.event_id] {
        let missing = app.api().get(&format!("/events/{id}/resale")).await;
        assert_eq!((missing.status, missing.code()), (404, "not_found"));
    }
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_gift_over_the_api_transfers_the_booking_and_answers_the_receivers_booking_id() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Gifts").seats("Stalls", 2500, 3))
        .await;
    let (_, giver, booking_id) = fan_with_booking(
        &app,
        "giver@example.com",
        show.event_id,
        show.ticket_type_ids[0],
        2,
    )
    .await;
    let friend = app.api_user("friend@example.com").await;
    let gift = format!("/bookings/{booking_id}/gift");
    let to = |email: &str| json!({"email": email});

    // Nobody there, oneself, or listed: refused, nothing passes.
    let nobody = giver
        .post_keyed(&gift, "g0", &to("nobody@example.com"))
        .await;
    assert_eq!((nobody.status, nobody.code()), (422, "validation"));
    assert_eq!(nobody.json["errors"][0]["field"], "email");
    let oneself = giver
        .post_keyed(&gift, "g1", &to("giver@example.com"))
        .await;
    assert_eq!(oneself.status, 422);
    let listed = giver
        .post_keyed(&format!("/bookings/{booking_id}/resale"), "l", &json!({}))
        .await;
    let listed_gift = giver
        .post_keyed(&gift, "g2", &to("friend@example.com"))
        .await;
    assert_eq!((listed_gift.status, listed_gift.code()), (409, "listed"));
    let withdrawn = giver
        .delete(&format!("/resale/{}", listed.json["id"]))
        .await;
    assert_eq!(withdrawn.status, 200);
    assert_eq!(app.bookings().await.len(), 1);

    // Given: 201 with the receiver's booking, which only the receiver reads.
    let given = giver
        .post_keyed(&gift, "g3", &to("Friend@Example.com"))
        .await;
    assert_eq!(given.status, 201, "{:?}", given.json);
    assert_eq!(given.json["booking_id"], booking_id);
    assert_eq!(given.json["status"], "transferred");
    let received = given.json["receiver_booking_id"].as_i64().unwrap();
    assert!(given.json.get("seats").is_none(), "no codes for the giver");
    assert_eq!(
        given.header("location"),
        Some(format!("/api/v1/bookings/{received}").as_str())
    );
    let replayed = giver
        .post_keyed(&gift, "g3", &to("Friend@Example.com"))
        .await;
    assert_eq!((replayed.status, &replayed.json), (201, &given.json));
    assert_eq!(app.bookings().await.len(), 2, "one gift");

    let mine = giver.get(&format!("/bookings/{booking_id}")).await;
    assert_eq!(mine.json["status"], "transferred");
    assert_eq!(
        giver.get(&format!("/bookings/{received}")).await.status,
        404
    );
    let theirs = friend.get(&format!("/bookings/{received}")).await;
    assert_eq!(theirs.json["status"], "paid");
    assert_eq!(theirs.json["seats"].as_array().unwrap().len(), 2);
    // Given away already: nothing more to give.
    let again = giver
        .post_keyed(&gift, "g4", &to("friend@example.com"))
        .await;
    assert_eq!((again.status, again.code()), (409, "not_paid"));
    app.assert_books_clean().await;
}
