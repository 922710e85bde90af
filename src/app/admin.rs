//! What admins do: the sales overview, events and their ticket types, an event's
//! bookings, the payments list and refunds (in `refunds`). The admin check itself is
//! the front door's.

use super::AppState;
use crate::db::bookings::BookingFilter;
use crate::db::events::DeskFilter;
use crate::db::models::{Event, Payment, TicketType};
use crate::db::status::{BookingStatus, PaymentStatus, RefundStatus};
use crate::db::{Conn, events, payment_attempts, refunds, ticket_types};
use crate::domain::catalogue::event_admin::{self, Overview};
use crate::domain::catalogue::event_form::EventForm;
use crate::domain::catalogue::ticket_type_form::TicketTypeForm;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::common::time_zone;
use crate::domain::desk::desk_pages::DeskAt;
use crate::error::AppError;

/// How many attempts the payments list shows.
const PAYMENTS_LISTED: i64 = 500;

pub use super::booking_desk::{BOOKINGS_PER_PAGE, BookingLine, BookingsPage};

/// An event's bookings (email, type, quantity, status, paid at), page by page.
pub async fn bookings(
    state: &AppState,
    event_id: i32,
    page: i64,
) -> Result<BookingsPage, AppError> {
    super::booking_desk::bookings(state, event_id, BookingFilter::default(), page).await
}

/// A page of the events matching `filter`, upcoming first, each with its status and
/// sold / held / available per ticket type.
pub async fn overview(
    state: &AppState,
    filter: DeskFilter,
    at: DeskAt,
) -> Result<Overview, AppError> {
    let now = state.clock.now();
    state
        .db(move |c| event_admin::overview(c, now, &filter, at))
        .await
}

/// Creates an event from the form, or says which fields are wrong.
pub async fn create_event(
    state: &AppState,
    form: EventForm,
) -> Result<Result<Event, FieldErrors>, AppError> {
    let now = state.clock.now();
    let zone = state.settings.default_time_zone;
    state
        .db(move |conn| event_admin::create_event(conn, &form, now, zone))
        .await
}

/// An event and its ticket types, for editing.
pub async fn event_with_types(
    state: &AppState,
    event_id: i32,
) -> Result<(Event, Vec<TicketType>), AppError> {
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let types = ticket_types::for_event(conn, event_id)?;
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
) -> Result<Result<(Event, Vec<TicketType>), FieldErrors>, AppError>
where
    F: FnOnce(EventForm) -> EventForm + Send + 'static,
{
    let now = state.clock.now();
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let form = edit(EventForm::from_event(&event));
            if let Err(errors) = event_admin::update_event(conn, event_id, &form, now)? {
                return Ok(Err(errors));
            }
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let types = ticket_types::for_event(conn, event_id)?;
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
) -> Result<Result<SavedType, FieldErrors>, AppError>
where
    F: FnOnce(TicketTypeForm) -> TicketTypeForm + Send + 'static,
{
    state
        .db(move |conn| {
            let ticket_type = ticket_types::find(conn, id)?.ok_or(AppError::NotFound)?;
            let event = events::find(conn, ticket_type.event_id)?.ok_or(AppError::NotFound)?;
            let zone = time_zone::stored(&event.time_zone);
            let form = edit(TicketTypeForm::from_schema(&ticket_type, zone));
            Ok(event_admin::update_ticket_type(conn, id, &form)?
                .map(|ticket_type| SavedType { ticket_type, zone }))
        })
        .await
}

/// A ticket type as saved, with its event's time zone (its sale window is local to it).
#[derive(Debug, Clone)]
pub struct SavedType {
    pub ticket_type: TicketType,
    pub zone: time_zone::Tz,
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
    let now = state.clock.now();
    state
        .db(move |conn| event_admin::update_event(conn, event_id, &form, now))
        .await
}

/// Publishes (puts on sale) or unpublishes (hides) an event; returns it.
pub async fn set_published(
    state: &AppState,
    event_id: i32,
    published: bool,
) -> Result<Event, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| event_admin::set_published(conn, event_id, published, now))
        .await
}

pub async fn ticket_type(state: &AppState, id: i32) -> Result<TicketType, AppError> {
    state
        .db(move |conn| ticket_types::find(conn, id)?.ok_or(AppError::NotFound))
        .await
}

pub async fn add_ticket_type(
    state: &AppState,
    event_id: i32,
    form: TicketTypeForm,
) -> Result<Result<SavedType, FieldErrors>, AppError> {
    state
        .db(move |conn| {
            let saved = event_admin::add_ticket_type(conn, event_id, &form)?;
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let zone = time_zone::stored(&event.time_zone);
            Ok(saved.map(|ticket_type| SavedType { ticket_type, zone }))
        })
        .await
}

/// Saves a ticket type; returns its event's id and the outcome.
pub async fn update_ticket_type(
    state: &AppState,
    id: i32,
    form: TicketTypeForm,
) -> Result<(i32, Result<TicketType, FieldErrors>), AppError> {
    state
        .db(move |conn| {
            let ticket_type = ticket_types::find(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((
                ticket_type.event_id,
                event_admin::update_ticket_type(conn, id, &form)?,
            ))
        })
        .await
}

/// The newest checkout attempts with their ticket's status (the API's list).
pub async fn payments(
    state: &AppState,
) -> Result<Vec<(Payment, BookingStatus, Option<String>)>, AppError> {
    state
        .db(|conn| {
            let listed = payment_attempts::recent_with_booking_status(conn, PAYMENTS_LISTED)?;
            listed
                .into_iter()
                .map(|(payment, booking_status)| {
                    let note = refund_note(conn, &payment)?;
                    Ok((payment, booking_status, note))
                })
                .collect()
        })
        .await
}

/// Payments per page of the admin list.
pub const PAYMENTS_PER_PAGE: i64 = 50;

/// One payment in the admin list: who paid, for which event, and what to know of its
/// refund.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub payment: Payment,
    pub booking_status: BookingStatus,
    pub email: String,
    pub event_id: i32,
    pub event_title: String,
    pub note: Option<String>,
}

/// A keyset page of the payments, newest first: those older than `before`.
#[derive(Debug, Clone)]
pub struct PaymentsPage {
    pub lines: Vec<PaymentLine>,
    /// The `before` of the next (older) page, when there is one.
    pub next: Option<i32>,
    /// Whether this is not the first page.
    pub has_newer: bool,
}

pub async fn payments_page(
    state: &AppState,
    before: Option<i32>,
) -> Result<PaymentsPage, AppError> {
    state
        .db(move |conn| {
            let mut rows = payment_attempts::listed_before(conn, before, PAYMENTS_PER_PAGE + 1)?;
            let more = rows.len() as i64 > PAYMENTS_PER_PAGE;
            rows.truncate(PAYMENTS_PER_PAGE as usize);
            let next = if more {
                rows.last().map(|row| row.0.id)
            } else {
                None
            };
            let lines = rows
                .into_iter()
                .map(|(payment, booking_status, email, event_id, event_title)| {
                    let note = refund_note(conn, &payment)?;
                    Ok(PaymentLine {
                        payment,
                        booking_status,
                        email,
                        event_id,
                        event_title,
                        note,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            Ok(PaymentsPage {
                lines,
                next,
                has_newer: before.is_some(),
            })
        })
        .await
}

/// One payment with its buyer and event (the refund's confirmation step).
pub async fn payment_line(state: &AppState, payment_id: i32) -> Result<PaymentLine, AppError> {
    state
        .db(move |conn| {
            let row = payment_attempts::listed_before(conn, Some(payment_id.saturating_add(1)), 1)?
                .into_iter()
                .next()
                .filter(|row| row.0.id == payment_id)
                .ok_or(AppError::NotFound)?;
            let (payment, booking_status, email, event_id, event_title) = row;
            let note = refund_note(conn, &payment)?;
            Ok(PaymentLine {
                payment,
                booking_status,
                email,
                event_id,
                event_title,
                note,
            })
        })
        .await
}

/// One payment for its refund's confirmation, and whether that refund needs a reason
/// (the payment of a paid booking with a seat checked in at the door).
pub async fn payment_to_refund(
    state: &AppState,
    payment_id: i32,
) -> Result<(PaymentLine, bool), AppError> {
    let line = payment_line(state, payment_id).await?;
    let booking_id = line.payment.booking_id;
    let refunds_the_booking = line.booking_status == BookingStatus::Paid
        && line.payment.status != PaymentStatus::Mismatch;
    let needs_reason = refunds_the_booking
        && super::refunds::checked_in_bookings(state, vec![booking_id])
            .await?
            .contains(&booking_id);
    Ok((line, needs_reason))
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
