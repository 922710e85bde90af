//! The audit of resale money and transfers: every sold listing has exactly one
//! succeeded buyer payment of its price, one refund to its seller of the price less the
//! fee, one transfer, and the new holder's seats; no listing is sold twice; no payment
//! is refunded for more than it took; a booking passed on admits nobody any more.

use std::collections::HashMap;

use crate::db::models::{Payment, Refund};
use crate::db::status::{AdmissionStatus, ListingStatus, PaymentStatus, RefundStatus};
use crate::db::{Conn, admissions, booking_transfers, bookings, payment_attempts};
use crate::db::{refunds, resale_listings};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::error::AppError;

/// Appends what is wrong with resale and transfers to `violations`.
pub fn audit_resale(conn: &mut Conn, violations: &mut Vec<String>) -> Result<(), AppError> {
    let listings = resale_listings::all(conn)?;
    let listed: HashMap<i32, i64> = resale_listings::listed_per_event(conn)?
        .into_iter()
        .collect();
    for event in crate::db::events::all(conn)? {
        let actual = listed.get(&event.id).copied().unwrap_or(0);
        if i64::from(event.resale_listed) != actual {
            violations.push(format!(
                "event {} counts {} resale offers but {actual} are listed",
                event.id, event.resale_listed
            ));
        }
    }
    let transfers = booking_transfers::all(conn)?;
    let all_refunds = refunds::all(conn)?;
    let mut refunds_of: HashMap<i32, Vec<&Refund>> = HashMap::new();
    for refund in &all_refunds {
        refunds_of
            .entry(refund.payment_id)
            .or_default()
            .push(refund);
    }
    let payments = payment_attempts::all(conn)?;
    for payment in &payments {
        let given_back: i64 = refunds_of
            .get(&payment.id)
            .into_iter()
            .flatten()
            .filter(|r| matches!(r.status, RefundStatus::Succeeded | RefundStatus::Pending))
            .map(|r| r.amount_pennies)
            .sum();
        if given_back > payment.amount_pennies {
            violations.push(format!(
                "payment {} took {} but {} was refunded",
                payment.id, payment.amount_pennies, given_back
            ));
        }
    }
    let mut buyers_of: HashMap<i32, Vec<&Payment>> = HashMap::new();
    for payment in &payments {
        if let Some(listing) = payment.listing_id {
            buyers_of.entry(listing).or_default().push(payment);
        }
    }
    let mut transfers_of: HashMap<i32, usize> = HashMap::new();
    for transfer in &transfers {
        if let Some(listing) = transfer.listing_id {
            *transfers_of.entry(listing).or_default() += 1;
        }
    }
    let took_money = |p: &&Payment| {
        matches!(
            p.status,
            PaymentStatus::Paid | PaymentStatus::RefundPending | PaymentStatus::Refunded
        )
    };
    for listing in listings.iter().filter(|l| l.status == ListingStatus::Sold) {
        let bought: Vec<&Payment> = buyers_of
            .get(&listing.id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| took_money(p) && Some(p.user_id) == listing.buyer_id)
            .collect();
        let succeeded: Vec<&&Payment> = bought
            .iter()
            .filter(|p| p.amount_pennies == listing.price_pennies && p.paid_at.is_some())
            .collect();
        if succeeded.is_empty() {
            violations.push(format!(
                "resale listing {} is sold but no payment of its price {} {} bought it",
                listing.id, listing.price_pennies, listing.currency
            ));
        }
        let n = transfers_of.get(&listing.id).copied().unwrap_or(0);
        if n != 1 {
            violations.push(format!(
                "resale listing {} is sold but has {n} transfers",
                listing.id
            ));
        }
        let owed = listing.price_pennies - listing.fee_pennies;
        let seller_refunded = payments
            .iter()
            .filter(|p| p.booking_id == listing.booking_id && p.listing_id.is_none())
            .flat_map(|p| refunds_of.get(&p.id).into_iter().flatten())
            .any(|r| r.amount_pennies == owed);
        if !seller_refunded {
            violations.push(format!(
                "resale listing {} is sold but its seller has no refund of {owed} {}",
                listing.id, listing.currency
            ));
        }
    }
    for transfer in &transfers {
        let Some(from) = bookings::find(conn, transfer.from_booking_id)? else {
            continue;
        };
        if from.hold_number == transfer.from_hold_number
            && from.status != BookingStatus::Transferred
        {
            violations.push(format!(
                "booking {} passed its seats on (transfer {}) but is {}",
                from.id, transfer.id, from.status
            ));
        }
        let still_valid = admissions::for_hold(conn, from.id, transfer.from_hold_number)?
            .iter()
            .any(|a| a.status == AdmissionStatus::Valid);
        if still_valid {
            violations.push(format!(
                "booking {} passed its seats on (transfer {}) but a code of it still admits",
                from.id, transfer.id
            ));
        }
    }
    Ok(())
}
