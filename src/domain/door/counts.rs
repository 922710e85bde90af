//! Admitted against expected, per ticket type: the seats of paid bookings (valid
//! admissions) and how many of them are checked in.

use std::collections::HashMap;

use crate::db::models::TicketType;
use crate::db::{Conn, checkins, ticket_types};
use crate::error::AppError;

/// One ticket type's door count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoorCount {
    pub admitted: i64,
    pub expected: i64,
}

/// Door counts of the events' ticket types, by type id (a type with no paid seat is
/// absent: zero of zero).
pub fn by_type(conn: &mut Conn, event_ids: &[i32]) -> Result<HashMap<i32, DoorCount>, AppError> {
    Ok(checkins::counts(conn, event_ids)?
        .into_iter()
        .map(|(ticket_type_id, expected, admitted)| {
            (ticket_type_id, DoorCount { admitted, expected })
        })
        .collect())
}

/// One event's ticket types with their door counts, and the event's total.
pub fn for_event(
    conn: &mut Conn,
    event_id: i32,
) -> Result<(Vec<(TicketType, DoorCount)>, DoorCount), AppError> {
    let counts = by_type(conn, &[event_id])?;
    let types: Vec<(TicketType, DoorCount)> = ticket_types::for_event(conn, event_id)?
        .into_iter()
        .map(|ticket_type| {
            let count = counts.get(&ticket_type.id).copied().unwrap_or_default();
            (ticket_type, count)
        })
        .collect();
    let total = types
        .iter()
        .fold(DoorCount::default(), |sum, (_, c)| DoorCount {
            admitted: sum.admitted + c.admitted,
            expected: sum.expected + c.expected,
        });
    Ok((types, total))
}
