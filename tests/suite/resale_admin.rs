//! The organiser's side of resale, through the real handlers on whichever engine the
//! suite runs on: "Allow resale between fans" and "Resale fee (%)" on the event form and
//! in the admin API (saved, validated, nothing stored on a bad value); resale switched
//! off refuses listing and buying and hides the offers; a fee set on the form is fixed on
//! the listings made afterwards; the event's resale page lists every listing with its
//! seller, buyer and status and the money per currency; only admins open it.

use boxoffice::db::models::{Event, Listing};
use boxoffice::db::status::ListingStatus;
use boxoffice::db::{events, resale_listings};
use serde_json::json;

use crate::support::visitor::{csrf_token_in, location};
use crate::support::{TestApp, Visitor};

/// The event form as an organiser fills it, resale allowed with a fee of `fee`.
fn event_form<'a>(title: &'a str, fee: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("description", "Loud."),
        ("venue", "Arena"),
        ("time_zone", "UTC"),
        ("starts_at", "2031-04-01T19:30"),
        ("ends_at", "2031-04-01T22:00"),
        ("resale_enabled", "on"),
        ("resale_fee_percent", fee),
    ]
}

/// The same form with the resale box left clear.
fn without_resale<'a>(form: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    form.iter()
        .copied()
        .filter(|(name, _)| *name != "resale_enabled")
        .collect()
}

async fn event(app: &TestApp, id: i32) -> Event {
    app.with_db(move |c| events::find(c, id).unwrap().expect("the event"))
        .await
}

async fn listings(app: &TestApp) -> Vec<Listing> {
    app.with_db(|c| resale_listings::all(c).unwrap()).await
}

/// Creates, stocks (`seats` Stalls at €25) and publishes an event through the admin
/// forms; its id and its ticket type's.
async fn organiser_event(
    app: &TestApp,
    admin: &Visitor,
    form: &[(&str, &str)],
    seats: &str,
) -> (i32, i32) {
    let created = admin.post("/admin/events", form).await;
    assert_eq!(created.status(), 303, "creating the event");
    let event_id: i32 = location(&created)
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let added = admin
        .post(
            &format!("/admin/events/{event_id}/ticket-types"),
            &[
                ("name", "Stalls"),
                ("price", "25.00"),
                ("currency", "EUR"),
                ("quantity", seats),
            ],
        )
        .await;
    assert_eq!(added.status(), 303, "adding the ticket type");
    let published = admin
        .post(&format!("/admin/events/{event_id}/publish"), &[])
        .await;
    assert_eq!(published.status(), 303, "publishing");
    let ticket_type_id = app
        .with_db(move |c| boxoffice::db::ticket_types::for_event(c, event_id).unwrap()[0].id)
        .await;
    (event_id, ticket_type_id)
}

/// Lists `booking_id` at face value; the seller lands back on the booking.
async fn list(seller: &Visitor, booking_id: i32) -> reqwest::Response {
    let listed = seller
        .post(&format!("/bookings/{booking_id}/resale"), &[("price", "")])
        .await;
    assert_eq!(location(&listed), format!("/bookings/{booking_id}"));
    listed
}

/// Presses "Buy" on a listing.
async fn press_buy(buyer: &Visitor, listing_id: i32, event_id: i32) -> reqwest::Response {
    buyer
        .post(
            &format!("/resale/{listing_id}/buy"),
            &[("event_id", &event_id.to_string())],
        )
        .await
}

/// Buys a listing through the test provider's page; the buyer's booking id.
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

#[tokio::test]
async fn the_resale_settings_are_saved_from_the_event_form_and_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let new = admin.page("/admin/events/new").await;
    assert!(
        new.contains(r#"id="resale_enabled" name="resale_enabled" type="checkbox" checked"#),
        "a new event allows resale: {new}"
    );
    assert!(new.contains(r#"name="resale_fee_percent" inputmode="numeric" value="0""#));

    // A bad fee on a new event: the form again with the message, nothing created.
    for bad in ["51", "abc", "-1", "2.5"] {
        let refused = admin
            .post("/admin/events", &event_form("Big night", bad))
            .await;
        assert_eq!(refused.status(), 422, "fee {bad:?}");
        let body = refused.text().await.unwrap();
        assert!(body.contains(r#"id="resale_fee_percent-error""#), "{body}");
        assert!(body.contains("whole number of percent from 0 to 50"));
        assert!(
            body.contains(&format!("value=\"{bad}\"")),
            "the typed fee kept"
        );
        assert!(
            body.contains(r#"value="Big night""#),
            "the other fields kept"
        );
    }
    assert!(app.with_db(|c| events::all(c).unwrap()).await.is_empty());

    let created = admin
        .post("/admin/events", &event_form("Big night", "10"))
        .await;
    assert_eq!(created.status(), 303);
    let edit = location(&created);
    let id: i32 = edit
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    let saved = event(&app, id).await;
    assert_eq!((saved.resale_enabled, saved.resale_fee_percent), (true, 10));
    let page = admin.page(&edit).await;
    assert!(page.contains(r#"value="10""#));
    assert!(page.contains(r#"type="checkbox" checked"#));
    assert!(
        page.contains(&format!(r#"href="/admin/events/{id}/resale""#)),
        "the event's page links to its resale"
    );

    // An edit with a bad fee changes nothing, the title typed with it included.
    let mut form = event_form("Bigger night", "51");
    let refused = admin.post(&format!("/admin/events/{id}"), &form).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("whole number of percent from 0 to 50"),
        "{body}"
    );
    let kept = event(&app, id).await;
    assert_eq!(
        (kept.title.as_str(), kept.resale_fee_percent),
        ("Big night", 10)
    );
    // Cleared box, fee 5: both saved.
    form[7] = ("resale_fee_percent", "5");
    let saved = admin
        .post(&format!("/admin/events/{id}"), &without_resale(&form))
        .await;
    assert_eq!(saved.status(), 303);
    let changed = event(&app, id).await;
    assert_eq!(
        (
            changed.title.as_str(),
            changed.resale_enabled,
            changed.resale_fee_percent
        ),
        ("Bigger night", false, 5)
    );
    let page = admin.page(&edit).await;
    assert!(!page.contains(r#"name="resale_enabled" type="checkbox" checked"#));

    // The admin API: the same two fields, the same defaults and bounds.
    let api = app.api_admin().await;
    let plain = api
        .post(
            "/admin/events",
            &json!({"title": "API night", "venue": "Hall", "starts_at": "2031-05-01T19:30:00Z",
                "ends_at": "2031-05-01T22:00:00Z"}),
        )
        .await;
    assert_eq!(plain.status, 201, "{:?}", plain.json);
    assert_eq!(plain.json["resale_enabled"], true, "on by default");
    assert_eq!(plain.json["resale_fee_percent"], 0);
    let api_id = plain.json["id"].as_i64().unwrap();
    let dear = api
        .post(
            "/admin/events",
            &json!({"title": "Dear night", "venue": "Hall", "starts_at": "2031-05-02T19:30:00Z",
                "ends_at": "2031-05-02T22:00:00Z", "resale_fee_percent": 51}),
        )
        .await;
    assert_eq!(dear.status, 422);
    assert_eq!(dear.code(), "validation");
    assert_eq!(dear.json["errors"][0]["field"], "resale_fee_percent");
    let patched = api
        .patch(
            &format!("/admin/events/{api_id}"),
            &json!({"resale_fee_percent": 20}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.json);
    assert_eq!(patched.json["resale_fee_percent"], 20);
    assert_eq!(patched.json["resale_enabled"], true, "unsent fields stay");
    let patched = api
        .patch(
            &format!("/admin/events/{api_id}"),
            &json!({"resale_enabled": false}),
        )
        .await;
    assert_eq!(
        (
            &patched.json["resale_enabled"],
            &patched.json["resale_fee_percent"]
        ),
        (&json!(false), &json!(20))
    );
    let wrong = api
        .patch(
            &format!("/admin/events/{api_id}"),
            &json!({"resale_fee_percent": -1}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        event(&app, api_id as i32).await.resale_fee_percent,
        20,
        "nothing stored"
    );
    let titles: Vec<String> = app
        .with_db(|c| events::all(c).unwrap())
        .await
        .into_iter()
        .map(|e| e.title)
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
}

#[tokio::test]
async fn with_resale_off_nobody_lists_or_buys_and_the_event_page_shows_no_offers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let form = event_form("Switch night", "0");
    let (event_id, stalls) = organiser_event(&app, &admin, &form, "3").await;
    let (first, first_booking, _) = app
        .paid_booking("first@example.com", event_id, stalls, 1)
        .await;
    list(&first, first_booking).await;
    let offered = listings(&app).await;
    assert_eq!(offered.len(), 1);
    let buyer = app.registered("buyer@example.com").await;
    let page = buyer.page(&format!("/events/{event_id}")).await;
    assert!(page.contains("Resale from other fans"), "{page}");

    // The organiser switches resale off.
    let off = admin
        .post(&format!("/admin/events/{event_id}"), &without_resale(&form))
        .await;
    assert_eq!(off.status(), 303);
    assert!(!event(&app, event_id).await.resale_enabled);
    for (who, visitor) in [("a buyer", &buyer), ("a visitor", &app.visitor())] {
        let page = visitor.page(&format!("/events/{event_id}")).await;
        assert!(!page.contains("Resale from other fans"), "{who}: {page}");
        assert!(!page.contains("/resale/"), "{who}: no buy button");
    }
    // The listing made before cannot be bought (no lock taken) ...
    let refused = press_buy(&buyer, offered[0].id, event_id).await;
    assert_eq!(location(&refused), format!("/events/{event_id}"));
    let page = buyer.page(&format!("/events/{event_id}")).await;
    assert!(
        page.contains("The organiser does not allow resale for this event."),
        "{page}"
    );
    let still = &listings(&app).await[0];
    assert_eq!(
        (still.status, still.locked_by),
        (ListingStatus::Listed, None)
    );
    // ... and nothing new is listed.
    let (second, second_booking, _) = app
        .paid_booking("second@example.com", event_id, stalls, 1)
        .await;
    list(&second, second_booking).await;
    let page = second.page(&format!("/bookings/{second_booking}")).await;
    assert!(
        page.contains("The organiser does not allow resale for this event."),
        "{page}"
    );
    assert_eq!(listings(&app).await.len(), 1, "nothing listed");

    // Switched on again, the old offer is back.
    let on = admin
        .post(&format!("/admin/events/{event_id}"), &form)
        .await;
    assert_eq!(on.status(), 303);
    let page = buyer.page(&format!("/events/{event_id}")).await;
    assert!(page.contains("Resale from other fans"), "{page}");
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_fee_set_on_the_form_is_fixed_on_listings_made_afterwards() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (event_id, stalls) =
        organiser_event(&app, &admin, &event_form("Fee night", "0"), "2").await;
    let (early, early_booking, _) = app
        .paid_booking("early@example.com", event_id, stalls, 1)
        .await;
    list(&early, early_booking).await;

    let ten = admin
        .post(
            &format!("/admin/events/{event_id}"),
            &event_form("Fee night", "10"),
        )
        .await;
    assert_eq!(ten.status(), 303);
    let (late, late_booking, _) = app
        .paid_booking("late@example.com", event_id, stalls, 1)
        .await;
    list(&late, late_booking).await;
    let made = listings(&app).await;
    let fee_of = |booking_id: i32| {
        made.iter()
            .find(|l| l.booking_id == booking_id)
            .map(|l| (l.price_pennies, l.fee_pennies))
            .expect("listed")
    };
    assert_eq!(fee_of(late_booking), (2500, 250), "10 % of €25.00");
    assert_eq!(
        fee_of(early_booking),
        (2500, 0),
        "a listing made before keeps its fee"
    );
    let page = late.page(&format!("/bookings/{late_booking}")).await;
    assert!(page.contains("you get €22.50 back"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_resale_page_lists_every_listing_with_its_buyer_and_the_money() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (event_id, stalls) =
        organiser_event(&app, &admin, &event_form("Desk night", "10"), "4").await;
    let resale = format!("/admin/events/{event_id}/resale");
    let empty = admin.page(&resale).await;
    assert!(empty.contains("Resale of Desk night"), "{empty}");
    assert!(empty.contains("No resale has sold yet."));
    assert!(empty.contains("Nobody has listed a booking of this event for resale."));

    // Sold: two seats listed at €40.00 (of €50.00 paid), bought by a second fan.
    let (sold_seller, sold_booking, _) = app
        .paid_booking("sold-seller@example.com", event_id, stalls, 2)
        .await;
    let listed = sold_seller
        .post(
            &format!("/bookings/{sold_booking}/resale"),
            &[("price", "40.00")],
        )
        .await;
    assert_eq!(location(&listed), format!("/bookings/{sold_booking}"));
    let sold_id = listings(&app).await[0].id;
    let buyer = app.registered("buyer@example.com").await;
    buy(&buyer, sold_id, event_id).await;
    // Withdrawn.
    let (gone_seller, gone_booking, _) = app
        .paid_booking("gone-seller@example.com", event_id, stalls, 1)
        .await;
    list(&gone_seller, gone_booking).await;
    let gone = listings(&app)
        .await
        .into_iter()
        .find(|l| l.booking_id == gone_booking)
        .unwrap();
    gone_seller
        .post(&format!("/resale/{}/withdraw", gone.id), &[])
        .await;
    // Locked by a buyer who has not paid yet.
    let (open_seller, open_booking, _) = app
        .paid_booking("open-seller@example.com", event_id, stalls, 1)
        .await;
    list(&open_seller, open_booking).await;
    let open = listings(&app)
        .await
        .into_iter()
        .find(|l| l.booking_id == open_booking)
        .unwrap();
    let slow = app.registered("slow@example.com").await;
    let pressed = press_buy(&slow, open.id, event_id).await;
    assert!(location(&pressed).contains("/test-checkout/"));
    let until = listings(&app)
        .await
        .into_iter()
        .find(|l| l.id == open.id)
        .and_then(|l| l.locked_until)
        .expect("locked");

    let page = admin.page(&resale).await;
    let sold_row = page.find("sold-seller@example.com").expect("the sold row");
    let gone_row = page
        .find("gone-seller@example.com")
        .expect("the withdrawn row");
    let open_row = page
        .find("open-seller@example.com")
        .expect("the locked row");
    assert!(
        open_row < gone_row && gone_row < sold_row,
        "newest first: {page}"
    );
    assert!(page.contains("Sold to buyer@example.com on "), "{page}");
    assert!(page.contains("Withdrawn"));
    assert!(
        page.contains(&format!("Locked until {} UTC", until.format("%H:%M"))),
        "{page}"
    );
    assert!(page.contains("2 seats · Stalls") && page.contains("1 seat · Stalls"));
    assert!(
        page.contains("€40.00") && page.contains("€4.00"),
        "price and fee"
    );
    let figures = |label: &str| -> String {
        let end = page
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {page}"));
        let start = page[..end].rfind("class=\"figure\">").unwrap() + "class=\"figure\">".len();
        page[start..end]
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .to_owned()
    };
    assert_eq!(figures("</span> listed now"), "1");
    assert_eq!(figures("</span> sold"), "1");
    assert_eq!(figures("</span> withdrawn"), "1");
    let totals = &page[page.find("resale-totals").expect("the totals table")..];
    let totals = &totals[..totals.find("</table>").unwrap()];
    assert!(totals.contains("EUR"), "{totals}");
    assert!(
        totals.contains("<td data-label=\"Resale turnover\">€40.00</td>"),
        "{totals}"
    );
    assert!(
        totals.contains("<td data-label=\"Fees kept\">€4.00</td>"),
        "{totals}"
    );
    app.deliver_all().await;
    app.assert_books_clean().await;
}

#[tokio::test]
async fn only_admins_open_an_events_resale() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(crate::support::fixtures::EventSpec::new("Guarded resale"))
        .await;
    let path = format!("/admin/events/{}/resale", show.event_id);
    let user = app.registered("user@example.com").await;
    assert_eq!(user.get(&path).await.status(), 403);
    let anonymous = app.visitor().get(&path).await;
    assert_eq!(anonymous.status(), 303);
    assert!(location(&anonymous).starts_with("/login?next="));
    let admin = app.admin().await;
    assert_eq!(admin.get(&path).await.status(), 200);
    assert_eq!(admin.get("/admin/events/999999/resale").await.status(), 404);
    assert_eq!(admin.get("/admin/events/abc/resale").await.status(), 404);
}
