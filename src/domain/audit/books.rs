//! The audit behind `boxoffice check`: does every seat add up? A booking (a ticket row)
//! holds `quantity` seats; every count here is of seats.

use std::collections::HashMap;

use crate::db::models::{Admission, Booking, Payment, Refund, TicketType};
use crate::db::resale_listings;
use crate::db::status::{AdmissionStatus, PaymentStatus, RefundStatus};
use crate::db::{Conn, admissions, bookings, events, payment_attempts, refunds, ticket_types};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::box_office::counter::COUNTER;
use crate::error::AppError;

/// What the audit found: one summary line per event and every violation.
#[derive(Debug, Default)]
pub struct BooksReport {
    pub summaries: Vec<String>,
    pub violations: Vec<String>,
    /// The summaries' figures, per event id (what the sales pages must agree with).
    pub events: std::collections::BTreeMap<i32, EventBooks>,
}

/// One event as the books count it: seats by where they are, and the money kept for
/// its bookings (succeeded payments not refunded) per currency.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventBooks {
    pub total: i64,
    pub available: i64,
    pub held: i64,
    pub sold: i64,
    pub kept: std::collections::BTreeMap<String, i64>,
}

impl BooksReport {
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Seats of one ticket type by where they are.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeatCounts {
    pub held: i64,
    pub sold: i64,
}

/// Held and sold seats per ticket type id (bookings' quantities summed).
pub fn seat_counts(conn: &mut Conn) -> Result<HashMap<i32, SeatCounts>, AppError> {
    Ok(tally(bookings::seat_counts(conn)?))
}

/// As `seat_counts`, for the ticket types `ticket_type_ids` only.
pub fn seat_counts_for(
    conn: &mut Conn,
    ticket_type_ids: &[i32],
) -> Result<HashMap<i32, SeatCounts>, AppError> {
    Ok(tally(bookings::seat_counts_for(conn, ticket_type_ids)?))
}

fn tally(rows: Vec<(i32, BookingStatus, i64)>) -> HashMap<i32, SeatCounts> {
    let mut counts: HashMap<i32, SeatCounts> = HashMap::new();
    for (ticket_type_id, status, n) in rows {
        let entry = counts.entry(ticket_type_id).or_default();
        match status {
            BookingStatus::Reserved => entry.held += n,
            BookingStatus::Paid => entry.sold += n,
            _ => {}
        }
    }
    counts
}

/// Tickets per keyset page of `each_page_of_bookings`.
const PAGE: i64 = 10_000;

/// Checks, for every ticket type, available + held seats + sold seats = total and
/// nothing negative, and that no user has two seat-taking bookings for one event; then
/// the money and the admissions of every booking, reading the bookings a keyset page at
/// a time (`WHERE id > last ORDER BY id LIMIT n`) with their payments and admissions.
pub fn audit(conn: &mut Conn) -> Result<BooksReport, AppError> {
    let mut report = BooksReport::default();
    let counts = seat_counts(conn)?;
    let ticket_types: HashMap<i32, TicketType> = ticket_types::all(conn)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut per_event: HashMap<i32, Vec<&TicketType>> = HashMap::new();
    for ticket_type in ticket_types.values() {
        per_event
            .entry(ticket_type.event_id)
            .or_default()
            .push(ticket_type);
    }
    for list in per_event.values_mut() {
        list.sort_unstable_by_key(|s| s.id);
    }
    for event in events::all(conn)? {
        let (mut total, mut available, mut held, mut sold) = (0_i64, 0_i64, 0_i64, 0_i64);
        for ticket_type in per_event
            .get(&event.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let c = counts.get(&ticket_type.id).copied().unwrap_or_default();
            let (t, a) = (
                i64::from(ticket_type.total_tickets),
                i64::from(ticket_type.available_tickets_count),
            );
            if a < 0 || a > t {
                report.violations.push(format!(
                    "ticket type {} ({}): available {a} is outside 0..={t}",
                    ticket_type.id, ticket_type.name
                ));
            }
            if a + c.held + c.sold != t {
                report.violations.push(format!(
                    "ticket type {} ({}): available {a} + held {} + sold {} != total {t}",
                    ticket_type.id, ticket_type.name, c.held, c.sold
                ));
            }
            total += t;
            available += a;
            held += c.held;
            sold += c.sold;
        }
        report.summaries.push(format!(
            "event {} \"{}\": total {total}, available {available}, held {held}, sold {sold}",
            event.id, event.title
        ));
        report.events.insert(
            event.id,
            EventBooks {
                total,
                available,
                held,
                sold,
                kept: Default::default(),
            },
        );
    }
    let seat_taking = [
        BookingStatus::Reserved.as_str(),
        BookingStatus::Paid.as_str(),
    ];
    for (user_id, event_id, n) in bookings::repeated_per_user_and_event(conn, &seat_taking)? {
        report.violations.push(format!(
            "user {user_id} has {n} live tickets for event {event_id}"
        ));
    }
    for (code, n) in admissions::repeated_codes(conn)? {
        report
            .violations
            .push(format!("admission code {code} is used {n} times"));
    }
    let resale_prices: HashMap<i32, i64> = resale_listings::all(conn)?
        .into_iter()
        .map(|l| (l.id, l.price_pennies))
        .collect();
    each_page_of_bookings(conn, |conn, page, (after, last)| {
        let page_payments = payment_attempts::for_booking_ids_in(conn, after, last)?;
        let page_admissions = admissions::for_booking_ids_in(conn, after, last)?;
        audit_money(
            conn,
            page,
            &page_payments,
            (&ticket_types, &resale_prices),
            &mut report,
        )?;
        audit_admissions(page, &page_admissions, &mut report);
        Ok(())
    })?;
    super::resale::audit_resale(conn, &mut report.violations)?;
    super::box_office::audit_counter(conn, &mut report.violations)?;
    Ok(report)
}

/// Walks every booking a keyset page at a time (`WHERE id > last ORDER BY id LIMIT n`):
/// `visit` gets each page and the ticket ids it spans (`after + 1 ..= last`), by which
/// to fetch the page's payments or admissions. Memory stays bounded and the time linear
/// whatever the table holds (the audit, and the search for money kept without a ticket).
pub fn each_page_of_bookings(
    conn: &mut Conn,
    mut visit: impl FnMut(&mut Conn, &[Booking], (i32, i32)) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut after = 0;
    loop {
        let page = bookings::page_after(conn, after, PAGE)?;
        let Some(last) = page.last().map(|t| t.id) else {
            return Ok(());
        };
        visit(conn, &page, (after, last))?;
        after = last;
    }
}

/// Each booking of `page` with its payments among `payments` (in their order): the one
/// grouping the audit and the repair (`payments::refund`) both read, so they agree.
pub fn with_their_payments<'a>(
    page: &'a [Booking],
    payments: &'a [Payment],
) -> Vec<(&'a Booking, Vec<&'a Payment>)> {
    let mut by_booking: HashMap<i32, Vec<&Payment>> = HashMap::new();
    for payment in payments {
        by_booking
            .entry(payment.booking_id)
            .or_default()
            .push(payment);
    }
    page.iter()
        .map(|booking| (booking, by_booking.remove(&booking.id).unwrap_or_default()))
        .collect()
}

/// Every paid booking has exactly one succeeded, unrefunded payment of its quantity ×
/// its ticket type's price (a counter payment's amount is checked with its sale, since a
/// complimentary one is 0: `audit::box_office`); no money is kept without a ticket; no refund is left owing.
/// `page_payments` are all the payments of the bookings in `page`.
fn audit_money(
    conn: &mut Conn,
    page: &[Booking],
    page_payments: &[Payment],
    (ticket_types, resale_prices): (&HashMap<i32, TicketType>, &HashMap<i32, i64>),
    report: &mut BooksReport,
) -> Result<(), AppError> {
    let payment_ids: Vec<i32> = page_payments.iter().map(|p| p.id).collect();
    let mut parts: HashMap<i32, Vec<Refund>> = HashMap::new();
    for part in refunds::parts_of(conn, &payment_ids)? {
        parts.entry(part.payment_id).or_default().push(part);
    }
    let given_back_seats = |payment: &Payment| -> i32 {
        parts
            .get(&payment.id)
            .map(|all| all.iter().filter_map(|r| r.seats).sum())
            .unwrap_or(0)
    };
    for (booking, mine) in with_their_payments(page, page_payments) {
        let mine = mine.as_slice();
        let kept: Vec<&Payment> = mine
            .iter()
            .copied()
            .filter(|p| p.status == PaymentStatus::Paid)
            .collect();
        let is_paid = booking.status == BookingStatus::Paid;
        // A paid booking whose refund the provider has not completed yet keeps working
        // until it does (the refund owed is reported below).
        let being_refunded = kept.is_empty()
            && mine
                .iter()
                .any(|p| p.status == PaymentStatus::RefundPending);
        if is_paid && kept.len() != 1 && !being_refunded {
            report.violations.push(format!(
                "ticket {} is paid but has {} succeeded, unrefunded payments",
                booking.id,
                kept.len()
            ));
        }
        if !is_paid && !kept.is_empty() {
            report.violations.push(format!(
                "ticket {} is {} but money was kept for it",
                booking.id, booking.status
            ));
        }
        // A resale buyer paid the listing's price (at most face value).
        if let (true, Some(payment)) = (is_paid, kept.first())
            && let Some(listing) = payment.listing_id
        {
            if resale_prices.get(&listing) != Some(&payment.amount_pennies) {
                report.violations.push(format!(
                    "ticket {} was bought on resale for {} {}, not its listing's price",
                    booking.id, payment.amount_pennies, payment.currency
                ));
            }
        } else if let (true, Some(payment), Some(ticket_type)) = (
            is_paid,
            kept.first(),
            ticket_types.get(&booking.ticket_type_id),
        ) && payment.provider != COUNTER
        {
            // The seats paid for: those the booking holds and those given back since.
            let paid_for = booking.quantity + given_back_seats(payment);
            if ticket_type.amount_pennies.checked_mul(i64::from(paid_for))
                != Some(payment.amount_pennies)
                || payment.currency != ticket_type.currency
            {
                report.violations.push(format!(
                    "ticket {} was paid {} {} but its {} seats cost {} × {} {}",
                    booking.id,
                    payment.amount_pennies,
                    payment.currency,
                    paid_for,
                    paid_for,
                    ticket_type.amount_pennies,
                    ticket_type.currency
                ));
            }
        }
    }
    let event_of: HashMap<i32, i32> = page.iter().map(|t| (t.id, t.event_id)).collect();
    for payment in page_payments {
        if payment.status == PaymentStatus::Paid
            && let Some(books) = event_of
                .get(&payment.booking_id)
                .and_then(|event| report.events.get_mut(event))
        {
            // Less what went back for seats given back from it.
            let returned: i64 = parts
                .get(&payment.id)
                .map(|all| {
                    all.iter()
                        .filter(|r| r.status == RefundStatus::Succeeded)
                        .map(|r| r.amount_pennies)
                        .sum()
                })
                .unwrap_or(0);
            *books.kept.entry(payment.currency.clone()).or_default() +=
                payment.amount_pennies - returned;
        }
        for owed in parts
            .get(&payment.id)
            .into_iter()
            .flatten()
            .filter(|r| r.status != RefundStatus::Succeeded)
        {
            report.violations.push(match owed.status {
                RefundStatus::Failed => format!(
                    "payment {} owes {} {} back for seats given back: refund {} failed at the provider ({}); retry it or return the money another way",
                    payment.id,
                    owed.amount_pennies,
                    owed.currency,
                    owed.id,
                    owed.failure_reason.as_deref().unwrap_or("no reason given")
                ),
                _ => format!(
                    "payment {} owes {} {} back for seats given back (refund {} {})",
                    payment.id, owed.amount_pennies, owed.currency, owed.id, owed.status
                ),
            });
        }
        match payment.status {
            PaymentStatus::RefundPending => {
                let latest = refunds::for_payment(conn, payment.id)?.into_iter().next();
                report.violations.push(match latest {
                    Some(refund) if refund.status == RefundStatus::Failed => format!(
                        "payment {} is owed back to the customer: refund {} failed at the provider ({}); retry it or return the money another way",
                        payment.id,
                        refund.id,
                        refund.failure_reason.as_deref().unwrap_or("no reason given")
                    ),
                    Some(refund) if refund.status == RefundStatus::Pending => format!(
                        "payment {} is owed back to the customer (refund {} pending at the provider)",
                        payment.id, refund.id
                    ),
                    _ => format!(
                        "payment {} is owed back to the customer (refund pending)",
                        payment.id
                    ),
                })
            }
            _ if payment.dispute_status.as_deref() == Some("open") => {
                report.violations.push(format!(
                    "payment {} is disputed by the customer's bank ({}): respond in Stripe's dashboard",
                    payment.id,
                    payment.provider_dispute_id.as_deref().unwrap_or("no id")
                ))
            }
            PaymentStatus::Mismatch => report.violations.push(format!(
                "payment {} was paid with a different amount or currency and needs an admin",
                payment.id
            )),
            _ => {}
        }
    }
    Ok(())
}

/// The admissions of every paid booking's current hold number exactly its quantity, at
/// positions 1..=quantity, all valid (codes used twice are found in SQL, over all rows);
/// every admission names its booking's event.
/// `page_admissions` are all the admissions of the bookings in `page`.
fn audit_admissions(page: &[Booking], page_admissions: &[Admission], report: &mut BooksReport) {
    let mut per_hold: HashMap<(i32, i32), Vec<&Admission>> = HashMap::new();
    for admission in page_admissions {
        per_hold
            .entry((admission.booking_id, admission.hold_number))
            .or_default()
            .push(admission);
    }
    let event_of: HashMap<i32, i32> = page.iter().map(|t| (t.id, t.event_id)).collect();
    for admission in page_admissions {
        match event_of.get(&admission.booking_id) {
            Some(event) if *event != admission.event_id => report.violations.push(format!(
                "admission {} names event {} but its booking {} is for event {event}",
                admission.id, admission.event_id, admission.booking_id
            )),
            _ => {}
        }
    }
    for booking in page {
        if booking.status != BookingStatus::Paid {
            continue;
        }
        let mine = per_hold
            .get(&(booking.id, booking.hold_number))
            .map(Vec::as_slice)
            .unwrap_or_default();
        // Seats given back keep their rows (void, with the time), and their positions.
        let given_back = mine.iter().filter(|a| a.given_back_at.is_some()).count();
        let mut positions: Vec<i32> = mine.iter().map(|a| a.position).collect();
        positions.sort_unstable();
        let expected: Vec<i32> =
            (1..=booking.quantity + i32::try_from(given_back).unwrap_or(0)).collect();
        if positions != expected {
            report.violations.push(format!(
                "paid booking {} of {} seats has admissions at positions {positions:?}",
                booking.id, booking.quantity
            ));
        }
        if mine.iter().any(|a| {
            (a.status != AdmissionStatus::Valid) != (a.given_back_at.is_some())
                || (a.given_back_at.is_some() && a.status != AdmissionStatus::Void)
        }) {
            report
                .violations
                .push(format!("paid booking {} has a void admission", booking.id));
        }
    }
}
