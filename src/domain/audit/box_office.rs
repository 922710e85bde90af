//! The box office in `boxoffice check`: every counter payment is named by exactly one
//! sale, of the same booking's hold, recorded with a time, by an existing seller, for
//! the seats × the ticket type's price (0 when complimentary, which only an admin may
//! record), in its currency. (That every paid booking has exactly one payment is the
//! books' own check, counter payments included.)

use crate::db::{Conn, bookings, box_office_sales, payment_attempts, ticket_types, users};
use crate::domain::box_office::counter::{self, COUNTER};
use crate::domain::box_office::order::SalePayment;
use crate::error::AppError;

pub fn audit_counter(conn: &mut Conn, violations: &mut Vec<String>) -> Result<(), AppError> {
    for sale in box_office_sales::at_the_counter(conn)? {
        let Some(payment_id) = sale.payment_id else {
            continue;
        };
        let Some(payment) = payment_attempts::find(conn, payment_id)? else {
            violations.push(format!(
                "box office sale {} names payment {payment_id}, which does not exist",
                sale.id
            ));
            continue;
        };
        if payment.provider != COUNTER
            || payment.booking_id != sale.booking_id
            || payment.hold_number != sale.hold_number
        {
            violations.push(format!(
                "box office sale {} names payment {}, which is not its booking's counter payment",
                sale.id, payment.id
            ));
        }
        if payment.paid_at.is_none() {
            violations.push(format!(
                "counter payment {} of sale {} has no time it was taken",
                payment.id, sale.id
            ));
        }
        let method = SalePayment::parse(&sale.payment);
        match users::find(conn, sale.seller_id)? {
            None => violations.push(format!(
                "box office sale {} names seller {}, who does not exist",
                sale.id, sale.seller_id
            )),
            Some(seller) if method == Some(SalePayment::Complimentary) && !seller.is_admin => {
                violations.push(format!(
                    "box office sale {} is complimentary but its seller {} is not an admin",
                    sale.id, seller.email
                ))
            }
            Some(_) => {}
        }
        let booking = bookings::find(conn, sale.booking_id)?;
        let ticket_type = match &booking {
            Some(booking) => ticket_types::find(conn, booking.ticket_type_id)?,
            None => None,
        };
        let (Some(booking), Some(ticket_type), Some(method)) = (booking, ticket_type, method)
        else {
            violations.push(format!(
                "box office sale {} has no booking, ticket type or known payment method",
                sale.id
            ));
            continue;
        };
        let expected = counter::amount(method, ticket_type.amount_pennies, booking.quantity);
        if expected != Some(payment.amount_pennies) || payment.currency != ticket_type.currency {
            violations.push(format!(
                "counter payment {} ({}) records {} {} but {} seats × {} {} is {:?}",
                payment.id,
                sale.payment,
                payment.amount_pennies,
                payment.currency,
                booking.quantity,
                ticket_type.amount_pennies,
                ticket_type.currency,
                expected
            ));
        }
    }
    for payment_id in box_office_sales::payments_without_sale(conn, COUNTER)? {
        violations.push(format!(
            "counter payment {payment_id} is named by no box office sale"
        ));
    }
    Ok(())
}
