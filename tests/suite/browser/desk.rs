//! The organiser's desk in a real browser (issue 24): the dashboard's search and status
//! filter, an event's sales with its chart, the bookings list searched by email, a
//! booking's page and its refund through the confirmation page, the exports page, and a
//! ticket type given a sale window, which the event page then announces. The journey
//! runs at a given window width (desktop 1280 px, phone 390 px); every page on the way
//! passes the audit at that width (and the 360 px layout check).

use chrono::{TimeDelta, Utc};

use super::Shop;

/// The password every account of the journey uses.
const PASSWORD: &str = "correct horse battery";

/// A buyer pays for two Standing seats of the demo concert (event 1), so that the desk
/// has a booking, a payment and a sale to show.
async fn a_paid_booking(shop: &mut Shop, buyer: &str) {
    shop.register(buyer, PASSWORD).await;
    shop.visit("/events/1").await;
    shop.set_value("#quantity-1", "2").await;
    shop.press("Reserve Standing").await;
    assert!(
        shop.path().await.starts_with("/bookings/"),
        "reserving led to {}",
        shop.path().await
    );
    shop.press("Pay").await;
    assert!(shop.path().await.starts_with("/test-checkout/"));
    shop.press("Pay").await;
    assert_eq!(shop.text(".status").await, "Paid");
    shop.press("Log out").await;
}

/// The whole desk journey at `width` pixels wide.
pub async fn journey(mut shop: Shop, width: u32) {
    let buyer = format!("desk-buyer-{width}@example.com");
    shop.server.create_admin("boss@example.com", PASSWORD);
    shop.client()
        .set_window_size(width, 900)
        .await
        .expect("set the window's width");
    a_paid_booking(&mut shop, &buyer).await;
    shop.log_in("boss@example.com", PASSWORD).await;

    // The dashboard: search by title, filter by status.
    shop.visit("/admin").await;
    assert!(shop.has_link("Rust Belt Jazz Night").await);
    assert!(shop.has_link("Open Source Summit").await);
    shop.fill("#q", "jazz").await;
    shop.set_value("#status", "on_sale").await;
    shop.press("Search").await;
    assert!(shop.path().await.starts_with("/admin?"));
    assert!(shop.has_link("Rust Belt Jazz Night").await);
    assert!(
        !shop.has_link("Open Source Summit").await,
        "the search keeps only the matching event"
    );
    assert!(shop.text(".admin-event").await.contains("On sale"));
    shop.set_value("#status", "cancelled").await;
    shop.press("Search").await;
    assert!(shop.page_text().await.contains("No event matches."));
    shop.click_link("Show every event").await;
    assert_eq!(shop.path().await, "/admin");

    // Sales at a glance, with the chart and its table.
    shop.click_link("Sales of Rust Belt Jazz Night").await;
    assert_eq!(shop.path().await, "/admin/events/1/sales");
    assert!(shop.has("svg[role=img]").await, "the chart is an SVG image");
    let figures = shop.text("table.chart-figures").await;
    assert!(figures.contains('2'), "two seats sold: {figures}");
    assert!(shop.text("table.revenue").await.contains("€50.00"));

    // The bookings, searched by the buyer's email, and the booking's page.
    shop.click_link("Bookings").await;
    assert_eq!(shop.path().await, "/admin/events/1/bookings");
    shop.fill("#q", &buyer).await;
    shop.press("Search").await;
    assert!(shop.path().await.starts_with("/admin/events/1/bookings?"));
    shop.click_link(&buyer).await;
    let booking = shop.path().await;
    assert!(booking.starts_with("/admin/bookings/"), "{booking}");
    assert!(shop.page_text().await.contains("Standing"));

    // The refund asks first, names the amount, and refuses without the confirmation.
    shop.click_link("Refund the booking…").await;
    assert_eq!(shop.path().await, format!("{booking}/refund"));
    assert!(shop.text(".confirm").await.contains("€50.00"));
    assert!(shop.text(".confirm").await.contains(&buyer));
    shop.press("Refund").await;
    assert_eq!(shop.status().await, 422, "no refund without the tick");
    assert!(shop.has(".flash-error").await);
    shop.client()
        .find(fantoccini::Locator::Css("#confirm"))
        .await
        .expect("the confirmation box")
        .click()
        .await
        .expect("tick it");
    shop.press("Refund").await;
    assert_eq!(shop.path().await, booking);
    assert!(shop.text(".flash").await.to_lowercase().contains("refund"));
    assert!(shop.page_text().await.contains("Refunded"));

    // The exports page.
    shop.visit("/admin/exports").await;
    assert!(shop.has("#from").await && shop.has("#to").await);
    assert!(shop.has_button("Download CSV").await);

    // A ticket type with a sale window, typed in the event's local time.
    shop.visit("/admin/events/2/edit").await;
    shop.click_link("Add a ticket type").await;
    let opens = (Utc::now() + TimeDelta::days(10)).naive_utc();
    let opens_local = opens.format("%Y-%m-%dT%H:%M").to_string();
    shop.fill("#name", "Early bird").await;
    shop.fill("#price", "60").await;
    shop.fill("#currency", "EUR").await;
    shop.fill("#quantity", "40").await;
    shop.set_value("#sale_starts_at", &opens_local).await;
    shop.set_value("#sale_ends_at", &opens_local).await;
    shop.press("Save ticket type").await;
    assert_eq!(shop.status().await, 422);
    assert!(
        shop.text("#sale_ends_at-error")
            .await
            .contains("Sales must end after they start")
    );
    assert_eq!(shop.value("#sale_starts_at").await, opens_local);
    shop.set_value("#sale_ends_at", "").await;
    shop.press("Save ticket type").await;
    assert_eq!(shop.path().await, "/admin/events/2/edit");
    shop.visit("/events/2").await;
    let row = shop.page_text().await;
    let announced = format!("On sale from {}", opens.format("%a %-d %b %Y, %H:%M UTC"));
    assert!(row.contains(&announced), "{announced} in {row}");
    assert!(!shop.has_button("Reserve Early bird").await);
    shop.finish().await;
}
