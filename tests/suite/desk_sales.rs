//! Sales at a glance (issue 24, item 2): after payments, a refund, a hold and a check-in,
//! the event's and the shop's sales pages show seats, revenue per currency (gross,
//! refunded, net), bookings, the holds that became payments and the chart, whose figures
//! equal its table's and the books' (`boxoffice check`'s audit). Both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::domain::{audit::books, desk::sales};
use support::TestApp;
use support::fixtures::EventSpec;

/// The number in `<span class="figure">N</span> {what}`.
fn figure(page: &str, what: &str) -> String {
    let at = page
        .find(&format!("</span> {what}"))
        .unwrap_or_else(|| panic!("{what} on the page"));
    let before = &page[..at];
    before[before.rfind('>').unwrap() + 1..].to_owned()
}

/// The text of the first `<td data-label="{label}"…>` after `after`.
fn cell(page: &str, after: &str, label: &str) -> String {
    let rest = &page[page.find(after).unwrap_or_else(|| panic!("{after}"))..];
    let rest = &rest[rest.find(&format!("data-label=\"{label}\"")).unwrap()..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    rest[..rest.find("</td>").unwrap()].to_owned()
}

#[tokio::test]
async fn the_sales_pages_figures_equal_the_chart_the_table_and_the_books() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app
        .create_event(
            EventSpec::new("Jazz")
                .seats("Seated", 4500, 10)
                .seats("Standing", 2500, 20),
        )
        .await;
    let (e, seated, standing) = (
        show.event_id,
        show.ticket_type_ids[0],
        show.ticket_type_ids[1],
    );
    let (_, _ada, ada_codes) = app.paid_booking("ada@example.com", e, standing, 2).await;
    app.paid_booking("bob@example.com", e, seated, 1).await;
    let (_, dan, _) = app.paid_booking("dan@example.com", e, standing, 1).await;
    let refunded = admin
        .post(
            &format!("/admin/bookings/{dan}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refunded.status(), 303);
    let cat = app.registered("cat@example.com").await;
    assert_eq!(cat.reserve_n(e, standing, "3").await.status(), 303);
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(
        staff.scan(e, &ada_codes[0], "North").await.headline,
        "ADMIT"
    );

    let page = admin.page(&format!("/admin/events/{e}/sales")).await;
    assert_eq!(figure(&page, "seats sold"), "3");
    assert_eq!(figure(&page, "seats held"), "3");
    assert_eq!(figure(&page, "seats available of 30"), "24");
    assert_eq!(figure(&page, "seats checked in"), "1");
    assert!(page.contains("2</span> paid bookings, 3 seats"), "{page}");
    assert!(
        page.contains("75%</span> of 4 holds became payments"),
        "{page}"
    );
    assert_eq!(
        cell(&page, "<th scope=\"row\">EUR</th>", "Gross"),
        "€120.00"
    );
    assert_eq!(
        cell(&page, "<th scope=\"row\">EUR</th>", "Refunded"),
        "€25.00"
    );
    assert_eq!(cell(&page, "<th scope=\"row\">EUR</th>", "Net"), "€95.00");
    assert_eq!(cell(&page, "Standing <span", "Sold"), "2");
    assert_eq!(cell(&page, "Standing <span", "Held"), "3");
    assert_eq!(cell(&page, "Standing <span", "Checked in"), "1");
    assert_eq!(cell(&page, "Seated <span", "Sold"), "1");
    // The chart: an SVG with a text alternative, and a table of the same figures.
    assert!(page.contains("<svg viewBox=") && page.contains("role=\"img\""));
    assert!(page.contains("<desc id=\"chart-desc\">Seats sold per hour"));
    let bars: i64 = page
        .split("<rect class=\"bar\"")
        .skip(1)
        .map(|bar| {
            let title = &bar[bar.find("<title>").unwrap() + 7..bar.find("</title>").unwrap()];
            title.rsplit(": ").next().unwrap().parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(bars, 3, "the bars add up to the seats sold");
    let table_total = cell(
        &page,
        "<tr class=\"total\"><th scope=\"row\">All</th>",
        "Seats sold",
    );
    assert_eq!(table_total, "3", "the table beside it says the same");

    // The books (`boxoffice check`) agree with the page.
    let report = app.with_db(|c| books::audit(c).unwrap()).await;
    assert!(report.is_clean(), "{:?}", report.violations);
    let booked = &report.events[&e];
    assert_eq!((booked.sold, booked.held, booked.available), (3, 3, 24));
    assert_eq!(
        booked.kept.get("EUR"),
        Some(&9500),
        "money kept = net revenue"
    );
    let (_, figures) = app.with_db(move |c| sales::for_event(c, e).unwrap()).await;
    assert_eq!(figures.total.sold, booked.sold);
    assert_eq!(figures.total.held, booked.held);
    assert_eq!(figures.chart.total(), booked.sold);
    assert_eq!(figures.revenue[0].net(), booked.kept["EUR"]);

    // The whole shop's page adds up the same (one event here).
    let shop = admin.page("/admin/sales").await;
    assert_eq!(figure(&shop, "seats sold"), "3");
    assert_eq!(cell(&shop, "<th scope=\"row\">EUR</th>", "Net"), "€95.00");
    assert!(shop.contains("<svg viewBox="));
    assert_eq!(app.visitor().get("/admin/sales").await.status(), 303);
    assert_eq!(
        app.registered("eve@example.com")
            .await
            .get(&format!("/admin/events/{e}/sales"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn an_event_without_sales_says_so() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Quiet")).await;
    let page = admin
        .page(&format!("/admin/events/{}/sales", show.event_id))
        .await;
    assert!(page.contains("No money has come in yet."));
    assert!(page.contains("No seat sold yet."));
    assert!(!page.contains("<svg"));
    assert_eq!(admin.get("/admin/events/999999/sales").await.status(), 404);
}
