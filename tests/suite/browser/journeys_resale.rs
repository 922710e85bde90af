//! Resale in a real browser: the organiser makes a one-seat event (resale allowed, the
//! form's default), a fan pays for the seat and lists it from their booking page, a
//! second fan on a phone finds the offer on the sold-out event page and buys it through
//! the test provider's checkout, and gets a new QR code; the seller's page then says the
//! booking was passed on, and the organiser's resale page shows the sale. The offer page,
//! the buyer's booking page and the resale page have no axe-core violation at all (every
//! page on the way also passes the kit's audit: axe, 360 px, visible focus).

use super::browser::Shop;
use super::browser::audit;
use super::{PASSWORD, shop};

/// A phone's window (an iPhone 12–14's CSS pixels).
const PHONE: (u32, u32) = (390, 844);

/// Fails with every axe-core violation on the page now shown, whatever its impact.
async fn no_axe_violation(shop: &Shop, what: &str) {
    let violations = audit::axe_all(shop.client()).await;
    assert!(
        violations.is_empty(),
        "{what}: {} axe violation(s):\n  - {}",
        violations.len(),
        violations.join("\n  - ")
    );
}

/// The organiser's one-seat event, made and published through the admin pages; its id.
async fn one_seat_event(shop: &mut Shop) -> String {
    shop.server.create_admin("boss@example.com", PASSWORD);
    shop.log_in("boss@example.com", PASSWORD).await;
    shop.visit("/admin/events/new").await;
    assert!(
        shop.has("#resale_enabled:checked").await,
        "a new event allows resale"
    );
    assert_eq!(shop.value("#resale_fee_percent").await, "0");
    shop.fill("#title", "Back Room Session").await;
    shop.fill("#venue", "The Back Room").await;
    shop.set_value("#starts_at", "2031-06-01T20:00").await;
    shop.set_value("#ends_at", "2031-06-01T23:00").await;
    shop.press("Save event").await;
    let edit = shop.path().await;
    let event_id = edit
        .strip_prefix("/admin/events/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .unwrap_or_else(|| panic!("saving the event led to {edit}"))
        .to_owned();
    shop.click_link("Add a ticket type").await;
    shop.fill("#name", "Seat").await;
    shop.fill("#price", "30").await;
    shop.fill("#currency", "EUR").await;
    shop.fill("#quantity", "1").await;
    shop.press("Save ticket type").await;
    assert_eq!(shop.path().await, edit);
    shop.press("Publish").await;
    shop.press("Log out").await;
    event_id
}

#[tokio::test]
async fn a_fan_resells_a_sold_out_seat_to_another_fan_on_a_phone() {
    let mut shop = shop().await;
    let event_id = one_seat_event(&mut shop).await;
    let event_page = format!("/events/{event_id}");

    // The seller pays for the only seat and lists it at face value.
    shop.register("seller@example.com", PASSWORD).await;
    shop.visit(&event_page).await;
    shop.press("Reserve Seat").await;
    shop.press("Pay").await;
    shop.press("Pay").await;
    assert_eq!(shop.text(".status").await, "Paid");
    let seller_booking = shop.path().await;
    let seller_code = shop.text(".code").await.trim().to_owned();
    // Passing a booking on needs a confirmed address: the seller follows the mailed link.
    shop.follow_mail_link("seller@example.com", "Confirm your email address")
        .await;
    shop.press("Confirm my address").await;
    shop.visit(&seller_booking).await;
    assert_eq!(shop.value("#resale-price").await, "30.00", "face value");
    shop.press("List for resale").await;
    assert_eq!(shop.path().await, seller_booking);
    assert!(
        shop.text(".flash")
            .await
            .contains("Listed for resale at €30.00"),
        "{}",
        shop.text(".flash").await
    );
    shop.press("Log out").await;

    // A second fan, on a phone, finds the offer on the sold-out event page.
    shop.client()
        .set_window_size(PHONE.0, PHONE.1)
        .await
        .expect("a phone-sized window");
    shop.register("buyer@example.com", PASSWORD).await;
    shop.visit(&event_page).await;
    assert_eq!(shop.availability("Seat").await, "Sold out");
    assert!(shop.page_text().await.contains("Resale from other fans"));
    assert!(shop.has_button("Buy for €30.00").await);
    no_axe_violation(&shop, "the event page with the resale offer").await;
    shop.press("Buy for €30.00").await;
    assert!(
        shop.path().await.starts_with("/test-checkout/"),
        "buying leads to the provider's checkout, not {}",
        shop.path().await
    );
    shop.press("Pay").await;
    let buyer_booking = shop.path().await;
    assert!(
        buyer_booking.starts_with("/bookings/") && buyer_booking != seller_booking,
        "the buyer lands on their own booking, not {buyer_booking}"
    );
    assert_eq!(shop.text(".status").await, "Paid");
    assert!(shop.has(".qr svg").await, "a QR code is shown");
    let buyer_code = shop.text(".code").await.trim().to_owned();
    assert!(!buyer_code.is_empty());
    assert_ne!(buyer_code, seller_code, "the buyer gets a new code");
    no_axe_violation(&shop, "the buyer's booking page").await;
    shop.press("Log out").await;

    // The seller's page says the booking was passed on.
    shop.log_in("seller@example.com", PASSWORD).await;
    shop.visit(&seller_booking).await;
    assert!(
        shop.page_text()
            .await
            .contains("You passed this booking on"),
        "{}",
        shop.page_text().await
    );
    assert!(!shop.has(".qr").await, "the old code is gone from the page");
    shop.press("Log out").await;

    // The organiser sees the sale on the event's resale page, linked from the event.
    shop.log_in("boss@example.com", PASSWORD).await;
    shop.visit(&format!("/admin/events/{event_id}/edit")).await;
    shop.click_link("Resale").await;
    assert_eq!(
        shop.path().await,
        format!("/admin/events/{event_id}/resale")
    );
    let desk = shop.text("table.resale-listings").await;
    assert!(desk.contains("seller@example.com"), "{desk}");
    assert!(desk.contains("Sold to buyer@example.com"), "{desk}");
    assert!(shop.text("table.resale-totals").await.contains("€30.00"));
    no_axe_violation(&shop, "the organiser's resale page").await;
    shop.finish().await;
}
