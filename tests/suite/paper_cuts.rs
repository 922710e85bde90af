//! The paper cuts a real user hits (issue 27, item 5), each with its check: error pages
//! keep the logged-in header; the door's gate starts as "Main entrance" and remembers
//! the last one; inline QR images carry no XML prolog; mail HTML parts have a title;
//! counted copy ("1 seat", "3 seats", "tickets are confirmed"), "Free" read sensibly,
//! money with grouped digits on pages and in mail; the API reference renders its
//! Markdown; every control has a visible focus ring; the door works without its script.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::TestApp;
use support::door::nonce_in;
use support::fixtures::EventSpec;
use support::mail::pay;
use support::visitor::location;

/// The text of the page's flash message.
fn flash(page: &str) -> &str {
    let at = page.find("class=\"flash").expect("a flash message");
    &page[at..at + page[at..].find("</p>").unwrap()]
}

#[tokio::test]
async fn error_pages_keep_the_logged_in_header() {
    let app = TestApp::spawn().await;
    let buyer = app.registered("ann@example.com").await;
    let missing = buyer.get("/no/such/page").await;
    assert_eq!(missing.status(), 404);
    let body = missing.text().await.unwrap();
    assert!(body.contains("Page not found"), "{body}");
    assert!(
        body.contains("href=\"/bookings\""),
        "the user's navigation: {body}"
    );
    assert!(body.contains("Log out"), "{body}");
    assert!(!body.contains("href=\"/login\""), "{body}");

    let forbidden = buyer.get("/admin").await;
    assert_eq!(forbidden.status(), 403);
    let body = forbidden.text().await.unwrap();
    assert!(
        body.contains("Not allowed") && body.contains("Log out"),
        "{body}"
    );

    // A missing booking (someone else's reads the same) and a missing event.
    let body = buyer.get("/bookings/999999").await.text().await.unwrap();
    assert!(body.contains("Page not found") && body.contains("Log out"));
    let body = buyer.get("/events/999999").await.text().await.unwrap();
    assert!(body.contains("Page not found") && body.contains("Log out"));

    // The log-out button on an error page works (its CSRF token is the session's).
    let logged_out = buyer.post("/logout", &[]).await;
    assert_eq!(logged_out.status(), 303);
    let body = buyer.get("/no/such/page").await.text().await.unwrap();
    assert!(body.contains("href=\"/login\"") && !body.contains("Log out"));

    // Anonymous visitors still get the plain page; the API still answers in JSON.
    let anonymous = app.visitor().get("/no/such/page").await;
    assert_eq!(anonymous.status(), 404);
    assert!(anonymous.text().await.unwrap().contains("href=\"/login\""));
    let api = app.visitor().get("/api/v1/events/999999").await;
    assert_eq!(api.status(), 404);
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );
}

#[tokio::test]
async fn the_gate_starts_as_main_entrance_and_remembers_the_last_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app
        .create_event(EventSpec::new("Door").seats("GA", 1000, 10))
        .await;
    let (_, _, codes) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    let door = format!("/door/events/{}", sale.event_id);
    let page = staff.page(&door).await;
    assert!(
        page.contains("name=\"gate\" value=\"Main entrance\""),
        "a new device's gate field is filled: {page}"
    );
    // The page works without its script: a plain form POST with a submit button.
    assert!(page.contains(&format!("action=\"{door}/scan\"")));
    assert!(page.contains("type=\"submit\""));
    assert!(
        page.contains("defer"),
        "the camera script never blocks the page"
    );

    // The first scan on the new device, with the field as the page filled it, admits.
    let first = staff
        .scan_with(sale.event_id, &codes[0], "Main entrance", &nonce_in(&page))
        .await;
    assert_eq!((first.status, first.headline.as_str()), (200, "ADMIT"));
    let admitted = app.admissions().await;
    let seat = admitted.iter().find(|a| a.code == codes[0]).unwrap();
    assert_eq!(seat.gate.as_deref(), Some("Main entrance"));

    // Another gate named: the device remembers it.
    let second = staff.scan(sale.event_id, &codes[1], "North door").await;
    assert_eq!(second.headline, "ADMIT");
    assert!(
        staff
            .page(&door)
            .await
            .contains("name=\"gate\" value=\"North door\"")
    );
}

#[tokio::test]
async fn ticket_pages_inline_qr_images_without_an_xml_prolog() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("QR").seats("GA", 1000, 10))
        .await;
    let (buyer, booking_id, _) = app
        .paid_booking("qr@example.com", sale.event_id, sale.ticket_type_ids[0], 2)
        .await;
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert_eq!(page.matches("<svg").count(), 2, "one QR image per seat");
    assert!(!page.contains("<?xml"), "no XML prolog inside HTML");
}

#[tokio::test]
async fn copy_counts_seats_and_money_reads_with_grouped_digits() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(
            EventSpec::new("Gala")
                .seats("Box", 123_450, 10)
                .refundable_until(0),
        )
        .await;
    let ticket_type = sale.ticket_type_ids[0];
    let event_page = app
        .visitor()
        .page(&format!("/events/{}", sale.event_id))
        .await;
    assert!(event_page.contains("€1,234.50"), "{event_page}");

    let buyer = app.registered("gala@example.com").await;
    let held = buyer.reserve_n(sale.event_id, ticket_type, "3").await;
    let booking_id: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("3 × €1,234.50 = €3,703.50"), "{page}");
    assert!(page.contains("Pay €3,703.50"));
    pay(&buyer, booking_id).await;
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(
        flash(&page).contains("Payment received. Your tickets are confirmed."),
        "{}",
        flash(&page)
    );
    let confirm = buyer.page(&format!("/bookings/{booking_id}/cancel")).await;
    assert!(
        confirm.contains("Cancel 3 seats of Box and refund €3,703.50"),
        "{confirm}"
    );

    // The mails: a title on every HTML part, seats counted, money grouped.
    app.deliver_all().await;
    assert_eq!(buyer.cancel(booking_id).await.status(), 303);
    app.deliver_all().await;
    let mails = app.mails_to("gala@example.com").await;
    assert!(mails.len() >= 3, "{}", mails.len());
    for mail in &mails {
        assert!(
            mail.body_html
                .contains(&format!("<title>{}</title>", mail.subject)),
            "{}: {}",
            mail.subject,
            mail.body_html
        );
    }
    let paid = mails
        .iter()
        .find(|m| m.subject == "Your tickets for Gala")
        .expect("the booking's mail");
    assert!(
        paid.body_text.contains("3 seats · Box"),
        "{}",
        paid.body_text
    );
    let refunded = mails
        .iter()
        .find(|m| m.subject == "Your refund for Gala")
        .expect("the refund's mail");
    assert!(
        refunded.body_text.contains("€3,703.50"),
        "{}",
        refunded.body_text
    );

    // One seat: singular copy everywhere.
    let single = app.registered("solo@example.com").await;
    let held = single.reserve_n(sale.event_id, ticket_type, "1").await;
    let single_id: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    pay(&single, single_id).await;
    let page = single.page(&format!("/bookings/{single_id}")).await;
    assert!(flash(&page).contains("Your ticket is confirmed."));
    let confirm = single.page(&format!("/bookings/{single_id}/cancel")).await;
    assert!(confirm.contains("Cancel 1 seat of Box"), "{confirm}");
    app.deliver_all().await;
    let mails = app.mails_to("solo@example.com").await;
    let paid = mails
        .iter()
        .find(|m| m.subject == "Your tickets for Gala")
        .unwrap();
    assert!(paid.body_text.contains("1 seat · Box"));
    assert!(
        paid.body_text
            .contains("Your seat code (show it at the door)")
    );
}

#[tokio::test]
async fn free_bookings_read_free_once() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Open day").seats("Community", 0, 10))
        .await;
    let buyer = app.registered("free@example.com").await;
    let held = buyer
        .reserve_n(sale.event_id, sale.ticket_type_ids[0], "3")
        .await;
    let booking_id: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(!page.contains("× Free"), "{page}");
    assert!(!page.contains("Pay Free"), "{page}");
    assert!(page.contains("<dd>Free</dd>"), "{page}");
    assert!(page.contains("Confirm your 3 free seats"), "{page}");
    let confirmed = buyer.pay(booking_id).await;
    assert_eq!(location(&confirmed), format!("/bookings/{booking_id}"));
    let page = buyer.page(&format!("/bookings/{booking_id}")).await;
    assert!(flash(&page).contains("Your free tickets are confirmed."));
}

#[tokio::test]
async fn cancelling_an_event_counts_what_it_did_in_words() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app
        .create_event(EventSpec::new("Called off").seats("GA", 1000, 10))
        .await;
    let buyer = app.registered("held@example.com").await;
    buyer.reserve(sale.event_id, sale.ticket_type_ids[0]).await;
    let path = format!("/admin/events/{}/cancel", sale.event_id);
    let done = admin.post(&path, &[("confirm", "yes")]).await;
    assert_eq!(done.status(), 303);
    let page = admin.page(&location(&done)).await;
    let message = flash(&page);
    assert!(message.contains("1 hold released"), "{message}");
    assert!(message.contains("0 paid bookings"), "{message}");
    assert!(!message.contains("(s)"), "{message}");
}

#[tokio::test]
async fn the_api_reference_renders_its_markdown() {
    let app = TestApp::spawn().await;
    let page = app.visitor().page("/api/v1/docs").await;
    let prose = &page[..page
        .find("id=\"schemas\"")
        .expect("the ticket_types section")];
    assert!(
        !prose.contains('`'),
        "no raw Markdown backticks in the prose"
    );
    assert!(prose.contains("<code>"), "code spans are rendered");
    // The page keeps the logged-in header too.
    let buyer = app.registered("dev@example.com").await;
    assert!(buyer.page("/api/v1/docs").await.contains("Log out"));
}

#[tokio::test]
async fn every_control_has_a_visible_focus_ring_and_mail_wraps_on_a_phone() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let home = visitor.page("/").await;
    let css_path = home
        .split("href=\"")
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .find(|href| href.contains(".css"))
        .unwrap()
        .to_owned();
    let css = visitor.page(&css_path).await;
    let rule = &css[..css.find("outline: 3px solid").expect("a focus ring")];
    let selectors = &rule[rule.rfind('}').unwrap()..];
    for control in [
        "a:focus-visible",
        "button:focus-visible",
        "input:focus-visible",
        "textarea:focus-visible",
        "select:focus-visible",
        "summary:focus-visible",
    ] {
        assert!(selectors.contains(control), "{control} in {selectors}");
    }
    assert!(css.contains("pre.mail-text { white-space: pre-wrap; overflow-wrap: anywhere; }"));
}
