//! What the box office does: grant and revoke box office staff (as for the door), list
//! the events a seller may sell, and sell seats to a named customer: the customer's
//! account found or made, the seats held through the ordinary reservation (the same
//! inventory, cap, selling rule and sale window as a web booking; `reservation::admit`
//! and `hold_seats`), then paid at the counter at once or left on hold with a mailed pay
//! link.

use super::AppState;
use crate::db::box_office_grants::{self, GrantRow};
use crate::db::models::{Booking, Event, Sale, TicketType};
use crate::db::{admissions, events, ticket_types};
use crate::domain::bookings::hold_rules::{HoldRequest, HoldRules};
use crate::domain::bookings::reservation::{self, Admission, ReserveOutcome};
use crate::domain::box_office::access::{self, Access};
use crate::domain::box_office::order::{self, SaleOrder};
use crate::domain::box_office::{counter, pay_link};
use crate::error::AppError;

/// The address a staff sale's hold is counted under (the hold rules are off for it).
const COUNTER_ADDRESS: &str = "box-office";

/// Who sells.
#[derive(Debug, Clone, Copy)]
pub struct Seller {
    pub user_id: i32,
    pub is_admin: bool,
}

/// A sale made: the booking (paid, or held while its link is unpaid), its sale, the
/// customer's address and the seats' codes (once paid).
#[derive(Debug, Clone)]
pub struct Sold {
    pub booking: Booking,
    pub sale: Sale,
    pub ticket_type: TicketType,
    pub customer_email: String,
    pub codes: Vec<String>,
}

/// Whether the seller may sell `event_id`'s seats: box office staff of other events read
/// it as missing (404), anyone else is forbidden (403).
pub async fn authorize(state: &AppState, seller: Seller, event_id: i32) -> Result<(), AppError> {
    let access = state
        .db(move |conn| access::may_sell(conn, seller.user_id, seller.is_admin, event_id))
        .await?;
    match access {
        Access::Allowed => Ok(()),
        Access::OtherEvents => Err(AppError::NotFound),
        Access::NoRole => Err(AppError::Forbidden),
    }
}

/// The events the seller may sell, soonest first; `None` when they are not box office
/// staff.
pub async fn my_events(state: &AppState, seller: Seller) -> Result<Option<Vec<Event>>, AppError> {
    state
        .db(move |conn| access::events_for(conn, seller.user_id, seller.is_admin))
        .await
}

/// The counter page of an event the seller may sell: the event and its ticket types.
pub async fn counter_view(
    state: &AppState,
    event_id: i32,
) -> Result<(Event, Vec<TicketType>), AppError> {
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            Ok((event, ticket_types::for_event(conn, event_id)?))
        })
        .await
}

/// Sells `order` at `event_id` for `seller` (already authorized for the event; a
/// complimentary sale is refused here unless the seller is an admin). `Err(outcome)`
/// says why no seats were held (sold out, the selling rule, the sale window, or the
/// customer already has a booking for the event).
pub async fn sell(
    state: &AppState,
    seller: Seller,
    event_id: i32,
    order: SaleOrder,
) -> Result<Result<Sold, ReserveOutcome>, AppError> {
    if order.payment.needs_admin() && !seller.is_admin {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let hold = state.settings.hold();
    let email = order.customer_email.clone();
    let ticket_type_id = order.ticket_type_id;
    let quantity = order.quantity;
    let (customer_id, outcome) = state
        .db(move |conn| {
            let customer_id = order::customer(conn, &email, now)?;
            let outcome =
                match reservation::admit(conn, now, customer_id, event_id, ticket_type_id)? {
                    Admission::SoldOut => ReserveOutcome::SoldOut,
                    Admission::Refused(refusal) => ReserveOutcome::Refused(refusal),
                    // Staff vouch for the customer: the rules against throwaway accounts
                    // (holds per hour per account and per address, the cool-down, an
                    // unconfirmed account's allowance) do not apply to their sale.
                    Admission::Proceed => reservation::hold_seats(
                        conn,
                        now,
                        hold,
                        HoldRules::off(),
                        event_id,
                        ticket_type_id,
                        &[HoldRequest::new(customer_id, quantity, COUNTER_ADDRESS)],
                    )?
                    .into_iter()
                    .next()
                    .ok_or_else(|| AppError::Internal("a sale's hold got no answer".into()))?,
                };
            Ok((customer_id, outcome))
        })
        .await?;
    let held = match outcome {
        ReserveOutcome::Reserved(booking) => booking,
        other => return Ok(Err(other)),
    };
    let customer_email = order.customer_email.as_str().to_owned();
    let seller_id = seller.user_id;
    let booking_id = held.id;
    let settled = state
        .db(move |conn| {
            let (booking, sale) = if order.payment.at_counter() {
                counter::settle(conn, now, &held, &order, seller_id)?
            } else {
                let sale = pay_link::record(conn, now, &held, &order, seller_id)?;
                (held, sale)
            };
            let ticket_type =
                ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
            let codes = admissions::for_hold(conn, booking.id, booking.hold_number)?
                .into_iter()
                .map(|a| a.code)
                .collect();
            Ok(Sold {
                booking,
                sale,
                ticket_type,
                customer_email,
                codes,
            })
        })
        .await;
    if settled.is_err() {
        // The seats go back at once rather than when the hold lapses; nothing was paid.
        let now = state.clock.now();
        let voided = state
            .db(move |conn| reservation::void_hold(conn, booking_id, now))
            .await;
        if let Err(error) = voided {
            log::warn!(
                "sale of booking {booking_id} (customer {customer_id}) failed and its hold stays until it lapses: {error}"
            );
        }
    }
    settled.map(Ok)
}

/// The box office staff page: every grant, and the events to grant.
#[derive(Debug)]
pub struct StaffView {
    pub grants: Vec<GrantRow>,
    pub events: Vec<Event>,
}

pub async fn staff(state: &AppState) -> Result<StaffView, AppError> {
    state
        .db(|conn| {
            Ok(StaffView {
                grants: box_office_grants::all_with_names(conn)?,
                events: events::all(conn)?,
            })
        })
        .await
}
