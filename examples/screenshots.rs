//! Captures the shop's main pages and the organiser's desk at phone (360 px) and desktop
//! (1280 px) widths as PNGs (default folder `docs/screenshots/`). Run it through `scripts/screenshots.sh`, which
//! builds the server binary first; it drives the same kit as the browser tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/suite/browser/mod.rs"]
mod browser;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use browser::Shop;

const PASSWORD: &str = "correct horse battery";
const WIDTHS: [(u32, &str); 2] = [(360, "phone"), (1280, "desktop")];

/// The server binary beside this example's (`target/<profile>/boxoffice`), unless
/// `BOXOFFICE_BIN` says otherwise.
fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BOXOFFICE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("path of this example");
    exe.parent()
        .and_then(Path::parent)
        .expect("the example lives in target/<profile>/examples")
        .join("boxoffice")
}

async fn capture(shop: &Shop, folder: &Path, name: &str) {
    for (width, label) in WIDTHS {
        let png = shop.screenshot(width).await;
        let file = folder.join(format!("{name}-{label}.png"));
        std::fs::write(&file, &png).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        println!("{} ({} KB)", file.display(), png.len().div_ceil(1024));
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));
    std::fs::create_dir_all(&folder).expect("create the screenshot folder");
    let mut shop = Shop::open(server_binary()).await.without_audit();
    shop.server.create_admin("admin@example.com", PASSWORD);

    shop.visit("/").await;
    capture(&shop, &folder, "front").await;

    shop.register("visitor@example.com", PASSWORD).await;
    shop.visit("/events/1").await;
    capture(&shop, &folder, "event").await;
    shop.press("Reserve Seated").await;
    shop.press("Pay").await;
    let paid = if shop.path().await.starts_with("/test-checkout/") {
        shop.press("Pay").await;
        shop.visit(&shop.path().await).await; // the paid ticket, without the flash
        capture(&shop, &folder, "ticket").await;
        true
    } else {
        eprintln!(
            "no test checkout page (Pay led to {}): the paid ticket with its QR code was not captured",
            shop.path().await
        );
        false
    };

    shop.visit("/").await;
    shop.press("Log out").await;
    shop.log_in("admin@example.com", PASSWORD).await;
    shop.visit("/admin").await;
    capture(&shop, &folder, "admin-dashboard").await;
    shop.visit("/admin/events/new").await;
    capture(&shop, &folder, "admin-event-form").await;

    // The organiser's desk (issue 24): sales with the chart, the bookings, one booking,
    // its refund's confirmation, the exports, a ticket type's form with a sale window.
    shop.visit("/admin/events/1/sales").await;
    capture(&shop, &folder, "desk-sales").await;
    shop.visit("/admin/events/1/bookings").await;
    capture(&shop, &folder, "desk-bookings").await;
    if paid {
        shop.click_link("visitor@example.com").await;
        capture(&shop, &folder, "desk-booking").await;
        shop.click_link("Refund the booking…").await;
        capture(&shop, &folder, "desk-refund-confirm").await;
    }
    shop.visit("/admin/exports").await;
    capture(&shop, &folder, "desk-exports").await;
    shop.visit("/admin/events/2/ticket-types/new").await;
    shop.fill("#name", "Early bird").await;
    shop.fill("#price", "60").await;
    shop.fill("#quantity", "40").await;
    shop.set_value("#sale_starts_at", "2031-12-01T10:00").await;
    shop.set_value("#sale_ends_at", "2031-12-20T18:00").await;
    capture(&shop, &folder, "desk-ticket-type-form").await;
    shop.finish().await;
    if paid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
