//! The shop in a real browser: each test is one journey in headless Chromium against the
//! real server binary, and every page on the way must pass the audit (axe-core without
//! serious or critical violations, no sideways scrolling at 360 px, visible focus).
//!
//! Needs `chromium`, `chromium-driver` and `npm ci` (axe-core); without them these tests
//! fail with instructions rather than skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "browser/mod.rs"]
mod browser;
#[path = "browser/journeys_buyer.rs"]
mod journeys_buyer;
#[path = "browser/journeys_resale.rs"]
mod journeys_resale;

use browser::Shop;

const PASSWORD: &str = "correct horse battery";

async fn shop() -> Shop {
    Shop::open(env!("CARGO_BIN_EXE_boxoffice")).await
}

/// The number in "N left".
fn seats(availability: &str) -> u32 {
    availability
        .strip_suffix(" left")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("expected “N left”, got “{availability}”"))
}

/// The ticket id of a `/bookings/{id}` path.
fn booking_path(path: &str) -> Option<&str> {
    path.strip_prefix("/bookings/")
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

#[tokio::test]
async fn a_visitor_registers_reserves_pays_and_sees_the_ticket_code_and_qr() {
    let mut shop = shop().await;

    shop.visit("/").await;
    assert!(shop.has_link("Open Source Summit").await);
    shop.click_link("Rust Belt Jazz Night").await;
    assert_eq!(shop.path().await, "/events/1");
    assert_eq!(shop.text("h1").await, "Rust Belt Jazz Night");
    let before = seats(&shop.availability("Standing").await);
    assert!(
        !shop.has_button("Reserve").await,
        "anonymous visitors cannot reserve"
    );

    shop.press("Log in to reserve Standing").await;
    let choice = "/events/1?ticket_type_id=1&quantity=1";
    assert_eq!(shop.query_param("next").await.as_deref(), Some(choice));
    shop.sign_up("ada@example.com", PASSWORD).await;
    assert_eq!(
        shop.query_param("next").await.as_deref(),
        Some(choice),
        "registering leads to the log-in page, keeping the way back"
    );
    assert!(
        !shop.has_link("My tickets").await,
        "registering does not log in"
    );
    shop.follow_mail_link("ada@example.com", "Confirm your email address")
        .await;
    shop.press("Confirm my address").await;
    assert_eq!(
        shop.path().await,
        choice,
        "the mailed link logs in and leads back to the event, the choice kept"
    );
    assert!(shop.has_link("My tickets").await);

    shop.press("Reserve Standing").await;
    let path = shop.path().await;
    let id = booking_path(&path).unwrap_or_else(|| panic!("reserving led to {path}"));
    let id = id.to_owned();
    assert!(shop.text(".flash").await.contains("held"));
    assert_eq!(shop.text(".status").await, "On hold");

    shop.press("Pay").await;
    assert!(
        shop.path().await.starts_with("/test-checkout/"),
        "Pay leads to the test provider's page, not {}",
        shop.path().await
    );
    assert!(shop.page_text().await.to_lowercase().contains("test mode"));
    assert!(shop.has_button("Decline").await);
    shop.press("Pay").await;

    assert_eq!(shop.path().await, format!("/bookings/{id}"));
    assert_eq!(shop.text(".status").await, "Paid");
    let code = shop.text(".code").await;
    assert!(
        code.trim().len() >= 6,
        "a ticket code is shown, got “{code}”"
    );
    assert!(shop.has(".qr svg").await, "the QR code is an inline SVG");
    assert!(
        !shop.has_button("Pay").await,
        "a paid ticket has nothing to pay"
    );

    shop.click_link("My tickets").await;
    assert!(shop.text("table.tickets").await.contains("Paid"));
    shop.visit("/events/1").await;
    assert_eq!(seats(&shop.availability("Standing").await), before - 1);

    // The demo concert refunds on request until two days before: the buyer cancels.
    shop.visit(&format!("/bookings/{id}")).await;
    // Cancelling leads to a confirmation naming the seats and the money first.
    shop.click_link("Cancel booking and refund €25.00…").await;
    assert_eq!(shop.path().await, format!("/bookings/{id}/cancel"));
    assert!(
        shop.text(".consequence")
            .await
            .contains("Cancel 1 seat of Standing and refund €25.00")
    );
    shop.press("Cancel 1 seat and refund €25.00").await;
    assert!(shop.text(".flash").await.contains("refunded"));
    assert_eq!(shop.text(".status").await, "Refunded");
    shop.visit("/events/1").await;
    assert_eq!(seats(&shop.availability("Standing").await), before);
    // The API's reference page passes the same audit.
    shop.visit("/api/v1/docs").await;
    assert!(
        shop.page_text()
            .await
            .contains("POST /api/v1/events/{id}/bookings")
    );
    shop.finish().await;
}

#[tokio::test]
async fn cancelling_a_hold_puts_the_seat_back_on_sale() {
    let mut shop = shop().await;
    shop.visit("/").await;
    shop.click_link("Register").await;
    shop.submit_account_form("grace@example.com", PASSWORD, "Create account")
        .await;
    shop.submit_account_form("grace@example.com", PASSWORD, "Log in")
        .await;

    shop.visit("/events/1").await;
    let before = seats(&shop.availability("Seated").await);
    shop.press("Reserve Seated").await;
    let booking = shop.path().await;
    assert!(
        booking_path(&booking).is_some(),
        "reserving led to {booking}"
    );
    assert_eq!(shop.text(".status").await, "On hold");

    shop.visit("/events/1").await;
    assert_eq!(seats(&shop.availability("Seated").await), before - 1);
    assert!(shop.has_link("View your booking").await);

    shop.visit(&booking).await;
    shop.click_link("Cancel hold…").await;
    assert!(
        shop.text(".consequence")
            .await
            .contains("Release your hold on 1 seat of Seated")
    );
    shop.press("Release the hold").await;
    assert_eq!(shop.path().await, "/events/1");
    assert!(shop.text(".flash").await.contains("cancelled"));
    assert_eq!(seats(&shop.availability("Seated").await), before);
    assert!(
        shop.has_button("Reserve Seated").await,
        "the user can reserve again"
    );
    shop.finish().await;
}

#[tokio::test]
async fn a_declined_payment_leaves_the_hold_unpaid_and_the_user_tries_again() {
    let mut shop = shop().await;
    shop.register("alan@example.com", PASSWORD).await;
    shop.visit("/events/1").await;
    shop.press("Reserve Balcony").await;
    let booking = shop.path().await;
    assert!(
        booking_path(&booking).is_some(),
        "reserving led to {booking}"
    );

    shop.press("Pay").await;
    assert!(shop.path().await.starts_with("/test-checkout/"));
    shop.press("Decline").await;
    assert_eq!(shop.path().await, booking);
    assert!(
        shop.text(".flash")
            .await
            .to_lowercase()
            .contains("declined"),
        "the user is told the payment was declined"
    );
    assert_eq!(shop.text(".status").await, "On hold");
    assert!(!shop.has(".code").await, "no ticket code before payment");

    shop.press("Pay").await;
    assert!(shop.path().await.starts_with("/test-checkout/"));
    shop.press("Pay").await;
    assert_eq!(shop.path().await, booking);
    assert_eq!(shop.text(".status").await, "Paid");
    assert!(shop.has(".qr svg").await);
    shop.finish().await;
}

#[tokio::test]
async fn an_admin_creates_an_event_with_two_ticket_types_and_publishes_it() {
    let mut shop = shop().await;
    shop.server.create_admin("boss@example.com", PASSWORD);
    shop.visit("/").await;
    shop.click_link("Log in").await;
    shop.submit_account_form("boss@example.com", PASSWORD, "Log in")
        .await;
    shop.click_link("Admin").await;
    assert_eq!(shop.path().await, "/admin");
    shop.click_link("New event").await;
    assert_eq!(shop.path().await, "/admin/events/new");

    // A form with mistakes comes back with the messages beside the fields, input kept.
    shop.fill("#venue", "Harbour Warehouse").await;
    shop.set_value("#starts_at", "2031-03-01T19:00").await;
    shop.set_value("#ends_at", "2031-03-01T18:00").await;
    shop.fill("#description", "Lights over the water.").await;
    shop.press("Save event").await;
    assert_eq!(shop.status().await, 422);
    assert_error_beside("title", &shop).await;
    assert_error_beside("ends_at", &shop).await;
    assert!(!shop.has("#venue-error").await);
    assert_eq!(shop.value("#venue").await, "Harbour Warehouse");
    assert_eq!(shop.value("#starts_at").await, "2031-03-01T19:00");
    assert_eq!(shop.value("#description").await, "Lights over the water.");

    shop.fill("#title", "Lantern Festival").await;
    shop.set_value("#ends_at", "2031-03-01T23:30").await;
    shop.press("Save event").await;
    let edit = shop.path().await;
    assert!(
        edit.starts_with("/admin/events/") && edit.ends_with("/edit"),
        "saving led to {edit}"
    );
    let event_id = edit
        .trim_start_matches("/admin/events/")
        .trim_end_matches("/edit")
        .to_owned();

    shop.click_link("Add a ticket type").await;
    shop.fill("#name", "Lawn").await;
    shop.fill("#price", "twelve").await;
    shop.fill("#currency", "EUR").await;
    shop.fill("#quantity", "150").await;
    shop.press("Save ticket type").await;
    assert_eq!(shop.status().await, 422);
    assert_error_beside("price", &shop).await;
    assert_eq!(shop.value("#name").await, "Lawn");
    assert_eq!(shop.value("#price").await, "twelve");
    shop.fill("#price", "12.50").await;
    shop.press("Save ticket type").await;
    assert_eq!(shop.path().await, edit);

    shop.click_link("Add a ticket type").await;
    shop.fill("#name", "Boat").await;
    shop.fill("#price", "40").await;
    shop.fill("#currency", "EUR").await;
    shop.fill("#quantity", "12").await;
    shop.press("Save ticket type").await;
    assert_eq!(shop.path().await, edit);
    let types = shop.text("table").await;
    assert!(types.contains("Lawn") && types.contains("Boat"), "{types}");

    shop.visit("/").await;
    assert!(
        !shop.has_link("Lantern Festival").await,
        "not public before publishing"
    );
    shop.visit(&edit).await;
    shop.press("Publish").await;
    assert_eq!(shop.path().await, "/admin");
    assert!(shop.text(".flash").await.contains("published"));

    shop.click_link("Events").await;
    shop.click_link("Lantern Festival").await;
    assert_eq!(shop.path().await, format!("/events/{event_id}"));
    assert_eq!(shop.availability("Lawn").await, "150 left");
    assert_eq!(shop.availability("Boat").await, "12 left");
    assert!(shop.page_text().await.contains("Harbour Warehouse"));
    shop.finish().await;
}

/// The field `name` is marked invalid, and its message sits in the same `.field`.
async fn assert_error_beside(name: &str, shop: &Shop) {
    let message = shop
        .text(&format!(".field #{name}-error.field-error"))
        .await;
    assert!(!message.is_empty(), "an error message for {name}");
    let beside = shop
        .client()
        .execute(
            "const input = document.getElementById(arguments[0]);
             const error = document.getElementById(arguments[0] + '-error');
             return input.closest('.field') === error.closest('.field')
                 && input.getAttribute('aria-invalid') === 'true'
                 && input.getAttribute('aria-describedby') === error.id;",
            vec![name.into()],
        )
        .await
        .expect("inspect the field");
    assert_eq!(
        beside, true,
        "the message for {name} (“{message}”) is beside its field and described by it"
    );
}

#[tokio::test]
async fn logging_out_and_being_sent_to_log_in_and_back() {
    let mut shop = shop().await;
    shop.register("linus@example.com", PASSWORD).await;
    shop.press("Log out").await;
    assert_eq!(shop.path().await, "/");
    assert!(shop.has_link("Log in").await);
    assert!(!shop.has_link("My tickets").await);

    shop.visit("/bookings").await;
    assert_eq!(shop.path().await, "/login?next=%2Fbookings");
    shop.fill("#email", "linus@example.com").await;
    shop.fill("#password", "not the password").await;
    shop.press("Log in").await;
    assert!(shop.text("[role=alert]").await.contains("do not match"));
    assert_eq!(shop.value("#email").await, "linus@example.com");

    shop.submit_account_form("linus@example.com", PASSWORD, "Log in")
        .await;
    assert_eq!(shop.path().await, "/bookings");
    assert_eq!(shop.text("h1").await, "My tickets");
    shop.finish().await;
}

/// The control: a page with known faults fails each check, so the journeys' clean
/// audits mean something.
#[tokio::test]
async fn the_audit_catches_a_faulty_page() {
    let shop = shop().await;
    let problems = shop
        .audit_html(
            r#"<!doctype html><html lang="en"><head><title>Faulty</title>
            <style>a:focus { outline: none; }</style></head>
            <body><main>
              <h1>Faulty</h1>
              <img src="/poster.png">
              <p style="color: #c8c8c8; background: #fff">Faint text</p>
              <div style="width: 600px">A fixed-width box</div>
              <a href="/">A link without a focus ring</a>
            </main></body></html>"#,
        )
        .await;
    let report = problems.join("\n");
    for expected in [
        "axe image-alt (critical)",
        "axe color-contrast (serious)",
        "layout: at 360 px",
        "focus: no visible focus indicator on a \"A link without a focus ring\"",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "the audit should report “{expected}”; it reported:\n{report}"
        );
    }
    shop.finish().await;
}

#[tokio::test]
async fn a_new_user_books_three_standing_seats_pays_and_sees_three_codes() {
    let mut shop = shop().await;
    shop.register("trio@example.com", PASSWORD).await;
    shop.visit("/events/1").await;
    let before = seats(&shop.availability("Standing").await);
    assert!(
        shop.has("#quantity-1 option[value=\"10\"]").await,
        "up to 10 per booking"
    );
    shop.set_value("#quantity-1", "3").await;
    shop.press("Reserve Standing").await;
    let path = shop.path().await;
    assert!(booking_path(&path).is_some(), "reserving led to {path}");
    assert!(shop.text(".flash").await.contains("3 seats are held"));
    assert!(!shop.has(".code").await, "no codes before payment");

    shop.press("Pay €75.00").await;
    assert!(shop.path().await.starts_with("/test-checkout/"));
    shop.press("Pay").await;
    assert_eq!(shop.text(".status").await, "Paid");
    let text = shop.page_text().await;
    assert!(text.contains("Your 3 ticket codes"), "{text}");
    for seat in 1..=3 {
        assert!(text.contains(&format!("Seat {seat} of 3")));
    }
    assert!(
        shop.has(".seat:nth-of-type(3) .qr svg").await,
        "a QR image per seat"
    );
    shop.visit("/events/1").await;
    assert_eq!(seats(&shop.availability("Standing").await), before - 3);
    shop.finish().await;
}

/// Issue 15's "done when": an admin grants door access to a second account, which
/// admits a paid booking's seat by keyboard (a hand scanner types the code and Enter)
/// on a phone-sized screen, sees a second scan refused, and the dashboard counts it.
#[tokio::test]
async fn door_staff_admit_a_paid_seat_by_keyboard_and_a_second_scan_is_refused() {
    let mut shop = shop().await;
    shop.server.create_admin("boss@example.com", PASSWORD);
    shop.register("fan@example.com", PASSWORD).await;
    shop.visit("/events/1").await;
    shop.press("Reserve Standing").await;
    shop.press("Pay").await;
    shop.press("Pay").await;
    assert_eq!(shop.text(".status").await, "Paid");
    let code = shop.text(".code").await.trim().to_owned();
    shop.press("Log out").await;

    shop.register("door@example.com", PASSWORD).await;
    assert!(!shop.has_link("Door").await, "not door staff yet");
    shop.press("Log out").await;

    shop.log_in("boss@example.com", PASSWORD).await;
    shop.click_link("Admin").await;
    shop.click_link("Door staff").await;
    shop.fill("#email", "door@example.com").await;
    shop.press("Grant door access").await;
    assert!(
        shop.text(".flash")
            .await
            .contains("may now check tickets in")
    );
    assert!(shop.text("table").await.contains("door@example.com"));
    shop.press("Log out").await;

    shop.log_in("door@example.com", PASSWORD).await;
    shop.click_link("Door").await;
    shop.click_link("Rust Belt Jazz Night").await;
    assert_eq!(shop.path().await, "/door/events/1");
    let focused = shop
        .client()
        .execute("return document.getElementById('code').autofocus;", vec![])
        .await
        .expect("read the field");
    // (The audit moves the focus while it checks focus rings, so the attribute is read.)
    assert_eq!(
        focused, true,
        "the code field takes the focus for the scanner"
    );
    shop.fill("#gate", "North door").await;
    shop.type_and_enter("#code", &code).await;
    assert_eq!(shop.text(".answer-headline").await, "ADMIT");
    assert!(
        shop.text(".answer")
            .await
            .contains("Standing · seat 1 of 1")
    );
    assert!(shop.text(".answer").await.contains("fan@example.com"));

    shop.type_and_enter("#code", &code).await;
    assert_eq!(shop.text(".answer-headline").await, "ALREADY CHECKED IN");
    assert!(shop.text(".answer").await.contains("at North door"));
    shop.type_and_enter("#code", "NOT-A-CODE").await;
    assert_eq!(shop.text(".answer-headline").await, "UNKNOWN CODE");
    assert_eq!(shop.value("#gate").await, "North door", "the gate is kept");
    shop.visit("/admin").await;
    assert_eq!(shop.status().await, 403, "door staff see no admin pages");
    shop.visit("/").await;
    shop.press("Log out").await;

    shop.log_in("boss@example.com", PASSWORD).await;
    shop.click_link("Admin").await;
    let sales = shop.page_text().await;
    assert!(
        sales.contains("1 / 1"),
        "the dashboard counts the admitted seat: {sales}"
    );
    shop.finish().await;
}

/// Issue 24's desk at desktop width: dashboard search and filter, sales with the chart,
/// bookings search, the booking, its refund through the confirmation page, exports, a
/// ticket type with a sale window (the journey itself is in `browser/desk.rs`).
#[tokio::test]
async fn the_organisers_desk_at_desktop_width() {
    browser::desk::journey(shop().await, 1280).await;
}

/// The same desk journey on a phone's width (390 px), every page audited there.
#[tokio::test]
async fn the_organisers_desk_at_phone_width() {
    browser::desk::journey(shop().await, 390).await;
}
