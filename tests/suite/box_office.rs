//! The box office (issue 26 item 4): staff of an event (or admins) sell seats to a named
//! customer over the API, paid at the counter at once or by a mailed link; the door names
//! the customer; the customer claims the account made for them and sees the booking;
//! counter sales racing web buyers on the last seats never oversell.

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::api::Api;
use crate::support::fixtures::EventSpec;
use crate::support::race::all_together;
use crate::support::visitor::location;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// A seller holding the box office of `event` (`None`: every event), granted by `admin`.
async fn seller(app: &TestApp, admin: &Api, email: &str, event: Option<i32>) -> Api {
    let seller = app.api_user(email).await;
    let granted = admin
        .post(
            "/admin/box-office-staff",
            &json!({"email": email, "event_id": event}),
        )
        .await;
    assert_eq!(granted.status, 201, "{:?}", granted.json);
    seller
}

fn sale(ticket_type_id: i32, quantity: i32, email: &str, name: &str, payment: &str) -> Value {
    json!({
        "ticket_type_id": ticket_type_id,
        "quantity": quantity,
        "customer_email": email,
        "customer_name": name,
        "payment": payment,
        "note": "receipt 42",
    })
}

#[tokio::test]
async fn a_cash_sale_is_paid_at_once_admits_the_named_customer_and_is_claimed_by_reset() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Counter Show").seats("Stalls", 2500, 10))
        .await;
    let (event_id, stalls) = (show.event_id, show.ticket_type_ids[0]);
    let admin = app.api_admin().await;
    let seller = seller(&app, &admin, "seller@example.com", Some(event_id)).await;
    let sales = format!("/events/{event_id}/sales");
    let body = sale(stalls, 2, "Ann@Example.com", "Ann  Lee", "cash");

    let sold = seller.post_keyed(&sales, "sale-1", &body).await;
    assert_eq!(sold.status, 201, "{:?}", sold.json);
    assert_eq!(sold.json["status"], "paid");
    assert_eq!(sold.json["customer_email"], "ann@example.com");
    assert_eq!(sold.json["customer_name"], "Ann Lee");
    assert_eq!(sold.json["price"]["amount_minor"], 5000);
    assert_eq!(sold.json["note"], "receipt 42");
    let codes: Vec<String> = sold.json["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 2);
    assert_eq!(app.available(stalls).await, 8);

    // The same key and body: the same sale, replayed, nothing sold twice.
    let again = seller.post_keyed(&sales, "sale-1", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json, sold.json);
    assert_eq!(app.available(stalls).await, 8);
    // A second sale to the same customer for the same event: one booking per person.
    let second = seller
        .post_keyed(
            &sales,
            "sale-2",
            &sale(stalls, 1, "ann@example.com", "Ann", "cash"),
        )
        .await;
    assert_eq!((second.status, second.code()), (409, "already_booked"));
    assert_eq!(second.json["booking_id"], sold.json["booking_id"]);
    assert_eq!(app.available(stalls).await, 8);

    // The counter payment is a payments row of seats × price, recorded as cash.
    let booking_id = i32::try_from(sold.json["booking_id"].as_i64().unwrap()).unwrap();
    let payments = crate::support::stripe_shop::payments_of(&app, booking_id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].provider, "counter");
    assert_eq!(payments[0].amount_pennies, 5000);
    assert!(payments[0].paid_at.is_some());

    // The door admits each seat and names the customer.
    let door = app.admin().await;
    let answer = door.scan(event_id, &codes[1], "Box office gate").await;
    assert_eq!(answer.headline, "ADMIT", "{}", answer.body);
    assert!(
        answer.body.contains("Name on the ticket: Ann Lee"),
        "{}",
        answer.body
    );
    // The export names the customer on each seat.
    let csv = door
        .page(&format!("/admin/events/{event_id}/bookings.csv"))
        .await;
    assert_eq!(csv.matches(",Ann Lee\n").count(), 2, "{csv}");
    app.assert_books_clean().await;

    // The confirmation mail carries the codes and the way to claim the account.
    app.deliver_all().await;
    let mails = app.mails_to("ann@example.com").await;
    let confirmation = mails
        .iter()
        .find(|m| m.subject.starts_with("Your tickets for Counter Show"))
        .expect("a confirmation");
    assert!(confirmation.body_text.contains(&codes[0]));
    assert!(confirmation.body_text.contains("/password/forgot"));

    // The account has no password: the customer claims it by a reset, then sees it.
    let customer = app.visitor();
    assert_eq!(customer.login("ann@example.com", "!").await.status(), 422);
    let asked = customer
        .post("/password/forgot", &[("email", "ann@example.com")])
        .await;
    assert_eq!(asked.status(), 303);
    let link = app
        .link_in_mail("ann@example.com", "Reset your password")
        .await;
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let reset = customer
        .post(
            "/password/reset",
            &[("token", token.as_str()), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(reset.status(), 303);
    assert_eq!(
        customer
            .login("ann@example.com", NEW_PASSWORD)
            .await
            .status(),
        303
    );
    let page = customer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("Counter Show"), "{page}");
    assert!(page.contains(&codes[0]), "the codes of the paid booking");

    // A counter payment is refunded at the counter: recorded as done, the seats back.
    let refunded = admin
        .post_keyed(
            &format!("/admin/bookings/{booking_id}/refund"),
            "refund-1",
            &json!({"reason": "changed plans"}),
        )
        .await;
    assert!(refunded.status < 300, "{:?}", refunded.json);
    assert_eq!(app.available(stalls).await, 10);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn complimentary_needs_an_admin_and_staff_of_one_event_cannot_sell_another() {
    let app = TestApp::spawn().await;
    let a = app
        .create_event(EventSpec::new("Event A").seats("A", 1000, 5))
        .await;
    let b = app
        .create_event(EventSpec::new("Event B").seats("B", 1000, 5))
        .await;
    let admin = app.api_admin().await;
    let seller = seller(&app, &admin, "seller@example.com", Some(a.event_id)).await;
    let a_sales = format!("/events/{}/sales", a.event_id);

    let free = seller
        .post_keyed(
            &a_sales,
            "comp-1",
            &sale(
                a.ticket_type_ids[0],
                1,
                "guest@example.com",
                "Guest",
                "complimentary",
            ),
        )
        .await;
    assert_eq!(
        (free.status, free.code()),
        (403, "complimentary_needs_admin")
    );
    assert!(
        free.json["detail"]
            .as_str()
            .unwrap()
            .contains("Only an admin")
    );
    let other = seller
        .post_keyed(
            &format!("/events/{}/sales", b.event_id),
            "other-1",
            &sale(
                b.ticket_type_ids[0],
                1,
                "guest@example.com",
                "Guest",
                "cash",
            ),
        )
        .await;
    assert_eq!(
        other.status, 404,
        "another event's box office reads as missing"
    );
    let buyer = app.api_user("buyer@example.com").await;
    let no_role = buyer
        .post_keyed(
            &a_sales,
            "none-1",
            &sale(
                a.ticket_type_ids[0],
                1,
                "guest@example.com",
                "Guest",
                "cash",
            ),
        )
        .await;
    assert_eq!(no_role.status, 403);
    let wrong_type = seller
        .post_keyed(
            &a_sales,
            "type-1",
            &sale(
                b.ticket_type_ids[0],
                1,
                "guest@example.com",
                "Guest",
                "cash",
            ),
        )
        .await;
    assert_eq!(wrong_type.status, 422, "{:?}", wrong_type.json);
    assert_eq!(wrong_type.json["errors"][0]["field"], "ticket_type_id");
    let no_name = seller
        .post_keyed(
            &a_sales,
            "name-1",
            &sale(a.ticket_type_ids[0], 1, "guest@example.com", " ", "cash"),
        )
        .await;
    assert_eq!(no_name.status, 422, "{:?}", no_name.json);
    assert_eq!(app.available(a.ticket_type_ids[0]).await, 5, "nothing sold");
    assert_eq!(app.available(b.ticket_type_ids[0]).await, 5);

    // An admin gives seats away: paid, for nothing, and the books agree.
    let given = admin
        .post_keyed(
            &a_sales,
            "comp-2",
            &sale(
                a.ticket_type_ids[0],
                2,
                "guest@example.com",
                "Guest",
                "complimentary",
            ),
        )
        .await;
    assert_eq!(given.status, 201, "{:?}", given.json);
    assert_eq!(given.json["status"], "paid");
    assert_eq!(given.json["price"]["amount_minor"], 0);
    app.assert_books_clean().await;
    // A grant taken back closes the box office.
    let grants = admin.get("/admin/box-office-staff").await;
    let id = grants.json[0]["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .delete(&format!("/admin/box-office-staff/{id}"))
            .await
            .status,
        204
    );
    let revoked = seller
        .post_keyed(
            &a_sales,
            "cash-9",
            &sale(a.ticket_type_ids[0], 1, "late@example.com", "Late", "cash"),
        )
        .await;
    assert_eq!(revoked.status, 403);
}

/// The path of the pay link mailed to `email`.
async fn pay_link(app: &TestApp, email: &str) -> String {
    let link = app.link_in_mail(email, "Pay for your tickets for").await;
    assert!(link.starts_with("/pay/"), "{link}");
    link
}

#[tokio::test]
async fn a_mailed_link_is_paid_on_the_test_provider_without_a_password() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Link Show").seats("Stalls", 1500, 4))
        .await;
    let admin = app.api_admin().await;
    let seller = seller(&app, &admin, "partner@example.com", None).await;
    let sold = seller
        .post_keyed(
            &format!("/events/{}/sales", show.event_id),
            "link-1",
            &sale(
                show.ticket_type_ids[0],
                3,
                "bo@example.com",
                "Bo Berg",
                "link",
            ),
        )
        .await;
    assert_eq!(sold.status, 201, "{:?}", sold.json);
    assert_eq!(sold.json["status"], "reserved");
    assert!(sold.json["hold_expires_at"].is_string());
    assert_eq!(sold.json["codes"], json!([]));
    assert_eq!(app.available(show.ticket_type_ids[0]).await, 1, "held");

    let link = pay_link(&app, "bo@example.com").await;
    let token = link.trim_start_matches("/pay/").to_owned();
    let kept: Vec<String> = app
        .with_db(|conn| {
            use boxoffice::db::schema::box_office_sales::dsl;
            use diesel::prelude::*;
            dsl::box_office_sales
                .select(dsl::link_token_hash.assume_not_null())
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        kept,
        vec![boxoffice::domain::accounts::password_reset::hash_token(
            &token
        )]
    );
    let sent = app.outbox_of("pay_link_sent").await;
    assert!(
        !sent[0].payload.contains(&token),
        "the mailed token is forgotten"
    );

    // A stranger's browser, no account: the link's page, then the test checkout.
    let customer = app.visitor();
    let page = customer.page(&link).await;
    assert!(
        page.contains("Bo Berg") && page.contains("€45.00"),
        "{page}"
    );
    let started = customer.post(&link, &[]).await;
    assert_eq!(started.status(), 303);
    let checkout = customer.path_of(&location(&started));
    assert!(checkout.starts_with("/test-checkout/"), "{checkout}");
    assert_eq!(customer.get(&checkout).await.status(), 200);
    let declined = customer.post(&format!("{checkout}/decline"), &[]).await;
    assert_eq!(location(&declined), link, "declining goes back to the link");
    let paid = customer.post(&format!("{checkout}/pay"), &[]).await;
    assert_eq!(paid.status(), 303);
    let success = customer.get(&customer.path_of(&location(&paid))).await;
    assert_eq!(success.status(), 303);
    assert_eq!(location(&success), link, "back to the link's page");
    assert!(customer.page(&link).await.contains("Paid."));

    let booking_id = i32::try_from(sold.json["booking_id"].as_i64().unwrap()).unwrap();
    let seats: Vec<_> = app
        .admissions()
        .await
        .into_iter()
        .filter(|a| a.booking_id == booking_id)
        .collect();
    assert_eq!(seats.len(), 3);
    assert!(
        seats
            .iter()
            .all(|a| a.attendee_name.as_deref() == Some("Bo Berg"))
    );
    // The link pays once: a second try says so.
    let twice = customer.post(&link, &[]).await;
    assert_eq!(location(&twice), link);
    // Someone else's browser cannot reach the customer's account or bookings.
    assert_eq!(
        customer
            .get(&format!("/bookings/{booking_id}"))
            .await
            .status(),
        303
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_link_whose_hold_lapsed_says_the_hold_ended() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Lapse Show").seats("Stalls", 1500, 4))
        .await;
    let admin = app.api_admin().await;
    let sold = admin
        .post_keyed(
            &format!("/events/{}/sales", show.event_id),
            "link-1",
            &sale(show.ticket_type_ids[0], 2, "cy@example.com", "Cy", "link"),
        )
        .await;
    assert_eq!(sold.status, 201, "{:?}", sold.json);
    let link = pay_link(&app, "cy@example.com").await;
    let customer = app.visitor();
    assert_eq!(customer.get(&link).await.status(), 200);

    app.clock.advance(TimeDelta::minutes(16));
    let ended = customer.get(&link).await;
    assert_eq!(ended.status(), 410);
    let text = ended.text().await.unwrap();
    assert!(text.contains("the hold ended"), "{text}");
    let tried = customer.post(&link, &[]).await;
    assert_eq!(location(&tried), link, "no checkout for a hold that ended");
    let again = customer.get(&link).await;
    assert_eq!(again.status(), 410);
    let again = again.text().await.unwrap();
    assert!(again.contains("the hold ended"), "the page says so again");
    assert!(
        again.contains("Nothing was charged"),
        "and, in the flash or the page, that nothing was paid"
    );
    assert_eq!(
        app.visitor()
            .get(&format!("/pay/{}", "0".repeat(64)))
            .await
            .status(),
        404,
        "a token nobody was sent"
    );
    app.assert_books_clean().await;
}

/// One round of the race: `web` buyers and `counter` sales of one seat each at once on
/// `seats` seats; returns (held by web buyers, sold at the counter, refused sold out).
async fn race_round(
    app: &TestApp,
    round: usize,
    seller: &Api,
    buyers: &[Api],
    counter: usize,
    seats: i32,
) -> (usize, usize, usize) {
    let show = app
        .create_event(EventSpec::new(&format!("Race {round}")).seats("Last seats", 1000, seats))
        .await;
    let (event_id, type_id) = (show.event_id, show.ticket_type_ids[0]);
    let mut racers = Vec::new();
    for (i, buyer) in buyers.iter().enumerate() {
        let buyer = buyer.clone();
        racers.push(Box::pin(async move {
            let reply = buyer
                .post_keyed(
                    &format!("/events/{event_id}/bookings"),
                    &format!("web-{round}-{i}"),
                    &json!({"ticket_type_id": type_id, "quantity": 1}),
                )
                .await;
            ("web", reply.status, reply.code().to_owned())
        })
            as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>);
    }
    for i in 0..counter {
        let seller = seller.clone();
        racers.push(Box::pin(async move {
            let reply = seller
                .post_keyed(
                    &format!("/events/{event_id}/sales"),
                    &format!("counter-{round}-{i}"),
                    &sale(
                        type_id,
                        1,
                        &format!("walk-in-{i}@example.com"),
                        "Walk In",
                        "cash",
                    ),
                )
                .await;
            ("counter", reply.status, reply.code().to_owned())
        }));
    }
    let answers = all_together(racers).await;
    let won = |side: &str| {
        answers
            .iter()
            .filter(|(s, status, _)| *s == side && *status == 201)
            .count()
    };
    let sold_out = answers
        .iter()
        .filter(|(_, status, code)| *status == 409 && code == "sold_out")
        .count();
    assert_eq!(
        won("web") + won("counter") + sold_out,
        answers.len(),
        "every racer held a seat or heard sold out: {answers:?}"
    );
    assert_eq!(
        won("web") + won("counter"),
        usize::try_from(seats).unwrap(),
        "exactly the seats there were: {answers:?}"
    );
    assert_eq!(app.available(type_id).await, 0);
    (won("web"), won("counter"), sold_out)
}

#[tokio::test(flavor = "multi_thread")]
async fn counter_sales_racing_web_buyers_on_the_last_seats_never_oversell() {
    let app = TestApp::spawn().await;
    let admin = app.api_admin().await;
    let seller = seller(&app, &admin, "counter@example.com", None).await;
    let mut buyers = Vec::new();
    for i in 0..4 {
        buyers.push(app.api_user(&format!("fan-{i}@example.com")).await);
    }
    let (mut web, mut counter, mut refused) = (0, 0, 0);
    for round in 0..6 {
        // More demand (8) than seats (3): the race is real, someone must lose.
        let (w, c, r) = race_round(&app, round, &seller, &buyers, 4, 3).await;
        web += w;
        counter += c;
        refused += r;
    }
    assert_eq!(web + counter, 18, "3 seats a round, never more");
    assert_eq!(refused, 30, "5 racers a round heard sold out");
    assert!(
        web > 0 && counter > 0,
        "both sides won seats: web {web}, counter {counter}"
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_counter_page_sells_for_box_office_staff_of_the_event_only() {
    let app = TestApp::spawn().await;
    let a = app
        .create_event(EventSpec::new("Page Show").seats("Stalls", 1200, 5))
        .await;
    let b = app
        .create_event(EventSpec::new("Other Show").seats("Stalls", 1200, 5))
        .await;
    let admin = app.admin().await;
    let staff = app.registered("clerk@example.com").await;
    assert_eq!(staff.get("/box-office").await.status(), 403, "no grant yet");
    let event_a = a.event_id.to_string();
    let granted = admin
        .post(
            "/admin/box-office-staff",
            &[("email", "clerk@example.com"), ("event", event_a.as_str())],
        )
        .await;
    assert_eq!(location(&granted), "/admin/box-office-staff");
    assert!(
        admin
            .page("/admin/box-office-staff")
            .await
            .contains("clerk@example.com")
    );

    assert!(
        staff.page("/").await.contains("href=\"/box-office\""),
        "the Box office link, once granted"
    );
    let list = staff.page("/box-office").await;
    assert!(
        list.contains("Page Show") && !list.contains("Other Show"),
        "{list}"
    );
    let counter = format!("/box-office/events/{}", a.event_id);
    let form = staff.page(&counter).await;
    assert!(form.contains("Card terminal"));
    assert!(!form.contains("Complimentary"), "offered to admins only");
    assert_eq!(
        staff
            .get(&format!("/box-office/events/{}", b.event_id))
            .await
            .status(),
        404
    );
    let sales = format!("{counter}/sales");
    let type_id = a.ticket_type_ids[0].to_string();
    let fields = |payment: &'static str| {
        [
            ("ticket_type_id", type_id.clone()),
            ("quantity", "2".to_owned()),
            ("customer_email", "dee@example.com".to_owned()),
            ("customer_name", "Dee Dee".to_owned()),
            ("payment", payment.to_owned()),
            ("note", String::new()),
        ]
    };
    let pairs =
        |fields: &[(&'static str, String); 6]| -> Vec<(&'static str, String)> { fields.to_vec() };
    let comp = pairs(&fields("complimentary"));
    let comp: Vec<(&str, &str)> = comp.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = staff.post(&sales, &comp).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("Only an admin"));
    let card = pairs(&fields("card_terminal"));
    let card: Vec<(&str, &str)> = card.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sold = staff.post(&sales, &card).await;
    assert_eq!(location(&sold), counter);
    let page = staff.page(&counter).await;
    assert!(page.contains("Sold 2 seat(s) to Dee Dee"), "{page}");
    let again = staff.post(&sales, &card).await;
    assert_eq!(again.status(), 422);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("already has a booking")
    );
    assert_eq!(app.available(a.ticket_type_ids[0]).await, 3);
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_books_catch_a_counter_payment_that_does_not_add_up() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Audit Show").seats("Stalls", 2000, 5))
        .await;
    let admin = app.api_admin().await;
    let seller = seller(&app, &admin, "till@example.com", None).await;
    let sales = format!("/events/{}/sales", show.event_id);
    let cash = seller
        .post_keyed(
            &sales,
            "cash-1",
            &sale(show.ticket_type_ids[0], 2, "eve@example.com", "Eve", "cash"),
        )
        .await;
    assert_eq!(cash.status, 201, "{:?}", cash.json);
    let free = admin
        .post_keyed(
            &sales,
            "comp-1",
            &sale(
                show.ticket_type_ids[0],
                1,
                "fay@example.com",
                "Fay",
                "complimentary",
            ),
        )
        .await;
    assert_eq!(free.status, 201, "{:?}", free.json);
    app.assert_books_clean().await;

    // Damage on purpose: the cash recorded short, the free sale put on a clerk's name.
    let till_id = i32::try_from(cash.json["seller_id"].as_i64().unwrap()).unwrap();
    app.with_db(move |conn| {
        use boxoffice::db::schema::{box_office_sales, payments};
        use diesel::prelude::*;
        diesel::update(payments::table.filter(payments::provider.eq("counter")))
            .filter(payments::amount_pennies.eq(4000))
            .set(payments::amount_pennies.eq(3000))
            .execute(conn)
            .unwrap();
        diesel::update(
            box_office_sales::table.filter(box_office_sales::payment.eq("complimentary")),
        )
        .set(box_office_sales::seller_id.eq(till_id))
        .execute(conn)
        .unwrap();
    })
    .await;
    let report = app
        .with_db(|conn| boxoffice::domain::audit::books::audit(conn).unwrap())
        .await;
    let found = report.violations.join("\n");
    assert!(
        found.contains("(cash) records 3000 EUR but 2 seats × 2000 EUR"),
        "{found}"
    );
    assert!(
        found.contains("is complimentary but its seller till@example.com is not an admin"),
        "{found}"
    );
}
