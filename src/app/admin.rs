//! What admins do: the sales overview, events and their ticket types, an event's
//! bookings, the payments list and refunds (in `refunds`). The admin check itself is
//! the front door's.

use super::AppState;
use crate::db::models::{Event, Payment, Ticket, TicketSchema};
use crate::db::status::{PaymentStatus, RefundStatus, TicketStatus};
use crate::db::{Conn, events, payments, refunds, ticket_schemas, tickets};
use crate::domain::event_admin::{self, Overview};
use crate::domain::event_form::EventForm;
use crate::domain::event_pages::PageAt;
use crate::domain::form_errors::FieldErrors;
use crate::domain::reservation;
use crate::domain::ticket_type_form::TicketTypeForm;
use crate::error::AppError;

/// How many attempts the payments list shows.
const PAYMENTS_LISTED: i64 = 500;
/// Bookings per page of an event's bookings list.
pub const BOOKINGS_PER_PAGE: i64 = 50;

/// One booking in an event's list, as an admin reads it.
#[derive(Debug)]
pub struct BookingLine {
    pub ticket: Ticket,
    pub email: String,
    pub type_name: String,
    /// A hold past its time reads as expired at once.
    pub status: TicketStatus,
}

/// One page of an event's bookings, newest first.
#[derive(Debug)]
pub struct BookingsPage {
    pub event: Event,
    pub bookings: Vec<BookingLine>,
    pub page: i64,
    pub pages: i64,
    /// How many bookings all pages hold.
    pub total: i64,
}

/// An event's bookings (email, type, quantity, status, paid at), page by page.
pub async fn bookings(
    state: &AppState,
    event_id: i32,
    page: i64,
) -> Result<BookingsPage, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let total = tickets::count_for_event(conn, event_id)?;
            let pages = ((total + BOOKINGS_PER_PAGE - 1) / BOOKINGS_PER_PAGE).max(1);
            let page = page.clamp(1, pages);
            let rows = tickets::for_event_page(
                conn,
                event_id,
                BOOKINGS_PER_PAGE,
                (page - 1) * BOOKINGS_PER_PAGE,
            )?;
            let bookings = rows
                .into_iter()
                .map(|(ticket, email, type_name)| BookingLine {
                    status: reservation::visible_status(&ticket, now),
                    ticket,
                    email,
                    type_name,
                })
                .collect();
            Ok(BookingsPage {
                event,
                bookings,
                page,
                pages,
                total,
            })
        })
        .await
}

/// Every event with sold / held / available per ticket type.
pub async fn overview(state: &AppState, at: PageAt) -> Result<Overview, AppError> {
    state.db(move |c| event_admin::overview(c, at)).await
}

/// Creates an event from the form, or says which fields are wrong.
pub async fn create_event(
    state: &AppState,
    form: EventForm,
) -> Result<Result<Event, FieldErrors>, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| event_admin::create_event(conn, &form, now))
        .await
}

/// An event and its ticket types, for editing.
pub async fn event_with_types(
    state: &AppState,
    event_id: i32,
) -> Result<(Event, Vec<TicketSchema>), AppError> {
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let types = ticket_schemas::for_event(conn, event_id)?;
            Ok((event, types))
        })
        .await
}

pub async fn event(state: &AppState, event_id: i32) -> Result<Event, AppError> {
    state
        .db(move |conn| events::find(conn, event_id)?.ok_or(AppError::NotFound))
        .await
}

/// Applies `edit` to an event's form and saves it; returns the event and its ticket
/// types as saved, or the fields to fix.
pub async fn edit_event<F>(
    state: &AppState,
    event_id: i32,
    edit: F,
) -> Result<Result<(Event, Vec<TicketSchema>), FieldErrors>, AppError>
where
    F: FnOnce(EventForm) -> EventForm + Send + 'static,
{
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let form = edit(EventForm::from_event(&event));
            if let Err(errors) = event_admin::update_event(conn, event_id, &form)? {
                return Ok(Err(errors));
            }
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let types = ticket_schemas::for_event(conn, event_id)?;
            Ok(Ok((event, types)))
        })
        .await
}

/// Applies `edit` to a ticket type's form and saves it (within the rules of
/// `update_ticket_type`); returns it as saved, or the fields to fix.
pub async fn edit_ticket_type<F>(
    state: &AppState,
    id: i32,
    edit: F,
) -> Result<Result<TicketSchema, FieldErrors>, AppError>
where
    F: FnOnce(TicketTypeForm) -> TicketTypeForm + Send + 'static,
{
    state
        .db(move |conn| {
            let schema = ticket_schemas::find(conn, id)?.ok_or(AppError::NotFound)?;
            let form = edit(TicketTypeForm::from_schema(&schema));
            event_admin::update_ticket_type(conn, id, &form)
        })
        .await
}

/// Deletes a draft event (unpublished, no bookings).
pub async fn delete_draft(state: &AppState, event_id: i32) -> Result<(), AppError> {
    state
        .db(move |conn| event_admin::delete_draft(conn, event_id))
        .await
}

/// Every event, drafts included, newest start first.
pub async fn all_events(state: &AppState) -> Result<Vec<Event>, AppError> {
    state.db(|conn| Ok(events::all(conn)?)).await
}

pub async fn update_event(
    state: &AppState,
    event_id: i32,
    form: EventForm,
) -> Result<Result<(), FieldErrors>, AppError> {
    state
        .db(move |conn| event_admin::update_event(conn, event_id, &form))
        .await
}

/// Publishes (puts on sale) or unpublishes (hides) an event; returns it.
pub async fn set_published(
    state: &AppState,
    event_id: i32,
    published: bool,
) -> Result<Event, AppError> {
    state
        .db(move |conn| event_admin::set_published(conn, event_id, published))
        .await
}

pub async fn ticket_type(state: &AppState, id: i32) -> Result<TicketSchema, AppError> {
    state
        .db(move |conn| ticket_schemas::find(conn, id)?.ok_or(AppError::NotFound))
        .await
}

pub async fn add_ticket_type(
    state: &AppState,
    event_id: i32,
    form: TicketTypeForm,
) -> Result<Result<TicketSchema, FieldErrors>, AppError> {
    state
        .db(move |conn| event_admin::add_ticket_type(conn, event_id, &form))
        .await
}

/// Saves a ticket type; returns its event's id and the outcome.
pub async fn update_ticket_type(
    state: &AppState,
    id: i32,
    form: TicketTypeForm,
) -> Result<(i32, Result<TicketSchema, FieldErrors>), AppError> {
    state
        .db(move |conn| {
            let schema = ticket_schemas::find(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((
                schema.event_id,
                event_admin::update_ticket_type(conn, id, &form)?,
            ))
        })
        .await
}

/// The newest checkout attempts with their ticket's status.
pub async fn payments(
    state: &AppState,
) -> Result<Vec<(Payment, TicketStatus, Option<String>)>, AppError> {
    state
        .db(|conn| {
            let listed = payments::recent_with_ticket_status(conn, PAYMENTS_LISTED)?;
            listed
                .into_iter()
                .map(|(payment, ticket_status)| {
                    let note = refund_note(conn, &payment)?;
                    Ok((payment, ticket_status, note))
                })
                .collect()
        })
        .await
}

/// What an admin must know of a payment's money going back: a refund the provider
/// failed, or one still pending there.
fn refund_note(conn: &mut Conn, payment: &Payment) -> Result<Option<String>, AppError> {
    if payment.status != PaymentStatus::RefundPending {
        return Ok(None);
    }
    let latest = refunds::for_payment(conn, payment.id)?.into_iter().next();
    Ok(latest.and_then(|refund| match refund.status {
        RefundStatus::Failed => Some(format!(
            "Refund failed at the payment service ({}): the money is still owed. Retry it, or return it another way.",
            refund.failure_reason.as_deref().unwrap_or("no reason given")
        )),
        RefundStatus::Pending => Some("Refund pending at the payment service.".to_owned()),
        _ => None,
    }))
}
