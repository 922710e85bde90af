//! The audit behind `boxoffice check`: does every seat add up? A booking (a ticket row)
//! holds `quantity` seats; every count here is of seats.

use std::collections::HashMap;

use super::ticket_status::TicketStatus;
use crate::db::models::Admission;
use crate::db::status::{AdmissionStatus, PaymentStatus, RefundStatus};
use crate::db::{Conn, admissions, events, payments, refunds, ticket_schemas, tickets};
use crate::error::AppError;

/// What the audit found: one summary line per event and every violation.
#[derive(Debug, Default)]
pub struct BooksReport {
    pub summaries: Vec<String>,
    pub violations: Vec<String>,
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
    let mut counts: HashMap<i32, SeatCounts> = HashMap::new();
    for (schema_id, status, n) in tickets::seat_counts(conn)? {
        let entry = counts.entry(schema_id).or_default();
        match status {
            TicketStatus::Reserved => entry.held += n,
            TicketStatus::Paid => entry.sold += n,
            _ => {}
        }
    }
    Ok(counts)
}

/// Checks, for every ticket type, available + held seats + sold seats = total and
/// nothing negative, and that no user has two seat-taking bookings for one event.
pub fn audit(conn: &mut Conn) -> Result<BooksReport, AppError> {
    let mut report = BooksReport::default();
    let counts = seat_counts(conn)?;
    let schemas = ticket_schemas::all(conn)?;
    for event in events::all(conn)? {
        let (mut total, mut available, mut held, mut sold) = (0_i64, 0_i64, 0_i64, 0_i64);
        for schema in schemas.iter().filter(|s| s.event_id == event.id) {
            let c = counts.get(&schema.id).copied().unwrap_or_default();
            let (t, a) = (
                i64::from(schema.total_tickets),
                i64::from(schema.available_tickets_count),
            );
            if a < 0 || a > t {
                report.violations.push(format!(
                    "ticket type {} ({}): available {a} is outside 0..={t}",
                    schema.id, schema.name
                ));
            }
            if a + c.held + c.sold != t {
                report.violations.push(format!(
                    "ticket type {} ({}): available {a} + held {} + sold {} != total {t}",
                    schema.id, schema.name, c.held, c.sold
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
    }
    let mut per_user_event: HashMap<(i32, i32), u32> = HashMap::new();
    for ticket in tickets::all(conn)? {
        if Some(ticket.status).is_some_and(TicketStatus::holds_seat) {
            *per_user_event
                .entry((ticket.user_id, ticket.event_id))
                .or_default() += 1;
        }
    }
    for ((user_id, event_id), n) in per_user_event {
        if n > 1 {
            report.violations.push(format!(
                "user {user_id} has {n} live tickets for event {event_id}"
            ));
        }
    }
    audit_money(conn, &schemas, &mut report)?;
    audit_admissions(conn, &mut report)?;
    Ok(report)
}

/// Every paid booking has exactly one succeeded, unrefunded payment of its quantity ×
/// its ticket type's price; no money is kept without a ticket; no refund is left owing.
fn audit_money(
    conn: &mut Conn,
    schemas: &[crate::db::models::TicketSchema],
    report: &mut BooksReport,
) -> Result<(), AppError> {
    let all_payments = payments::all(conn)?;
    let all_tickets = tickets::all(conn)?;
    for ticket in &all_tickets {
        let kept: Vec<_> = all_payments
            .iter()
            .filter(|p| p.ticket_id == ticket.id && p.status == PaymentStatus::Paid)
            .collect();
        let is_paid = ticket.status == TicketStatus::Paid;
        // A paid booking whose refund the provider has not completed yet keeps working
        // until it does (the refund owed is reported below).
        let being_refunded = kept.is_empty()
            && all_payments
                .iter()
                .any(|p| p.ticket_id == ticket.id && p.status == PaymentStatus::RefundPending);
        if is_paid && kept.len() != 1 && !being_refunded {
            report.violations.push(format!(
                "ticket {} is paid but has {} succeeded, unrefunded payments",
                ticket.id,
                kept.len()
            ));
        }
        if !is_paid && !kept.is_empty() {
            report.violations.push(format!(
                "ticket {} is {} but money was kept for it",
                ticket.id, ticket.status
            ));
        }
        if let (true, Some(payment), Some(schema)) = (
            is_paid,
            kept.first(),
            schemas.iter().find(|s| s.id == ticket.ticket_schema_id),
        ) && (schema
            .amount_pennies
            .checked_mul(i64::from(ticket.quantity))
            != Some(payment.amount_pennies)
            || payment.currency != schema.currency)
        {
            report.violations.push(format!(
                "ticket {} was paid {} {} but its {} seats cost {} × {} {}",
                ticket.id,
                payment.amount_pennies,
                payment.currency,
                ticket.quantity,
                ticket.quantity,
                schema.amount_pennies,
                schema.currency
            ));
        }
    }
    for payment in &all_payments {
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
/// positions 1..=quantity, all valid; no code is used twice.
fn audit_admissions(conn: &mut Conn, report: &mut BooksReport) -> Result<(), AppError> {
    let all = admissions::all(conn)?;
    let mut codes: HashMap<&str, u32> = HashMap::new();
    let mut per_hold: HashMap<(i32, i32), Vec<&Admission>> = HashMap::new();
    for admission in &all {
        *codes.entry(admission.code.as_str()).or_default() += 1;
        per_hold
            .entry((admission.ticket_id, admission.hold_number))
            .or_default()
            .push(admission);
    }
    for (code, n) in codes {
        if n > 1 {
            report
                .violations
                .push(format!("admission code {code} is used {n} times"));
        }
    }
    for ticket in tickets::all(conn)? {
        if ticket.status != TicketStatus::Paid {
            continue;
        }
        let mine = per_hold
            .get(&(ticket.id, ticket.hold_number))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut positions: Vec<i32> = mine.iter().map(|a| a.position).collect();
        positions.sort_unstable();
        let expected: Vec<i32> = (1..=ticket.quantity).collect();
        if positions != expected {
            report.violations.push(format!(
                "paid booking {} of {} seats has admissions at positions {positions:?}",
                ticket.id, ticket.quantity
            ));
        }
        if mine.iter().any(|a| a.status != AdmissionStatus::Valid) {
            report
                .violations
                .push(format!("paid booking {} has a void admission", ticket.id));
        }
    }
    Ok(())
}
