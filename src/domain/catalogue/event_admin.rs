//! What admins change: events, their ticket types and quantities, publishing.

use chrono::NaiveDateTime;

use crate::db::events::DeskFilter;
use crate::db::models::{Event, NewTicketType, TicketType};
use crate::db::ticket_types::SellingTerms;
use crate::db::{Conn, Guarded, events, is_unique_violation, ticket_types, write_transaction};
use crate::domain::audit::books::{self, SeatCounts};
use crate::domain::bookings::inventory::{self, Refusal};
use crate::domain::catalogue::event_form::EventForm;
use crate::domain::catalogue::event_status::{self, EventStatus};
use crate::domain::catalogue::ticket_type_form::TicketTypeForm;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::common::time_zone::{self, Tz};
use crate::domain::desk::desk_pages::{self, DeskAt};
use crate::domain::door::counts::{self as door_counts, DoorCount};
use crate::domain::outbox::{self, EventChange, Message};
use crate::error::AppError;

const DUPLICATE_EVENT: &str = "An event with this title already starts at that time.";
const DUPLICATE_TYPE: &str = "This event already has a ticket type with that name.";

/// Creates an unpublished event, or says which fields are wrong. A form without a time
/// zone takes `default_zone` (`DEFAULT_TIME_ZONE`).
pub fn create_event(
    conn: &mut Conn,
    form: &EventForm,
    now: NaiveDateTime,
    default_zone: Tz,
) -> Result<Result<Event, FieldErrors>, AppError> {
    let mut form = form.clone();
    if form.time_zone.trim().is_empty() {
        form.time_zone = default_zone.name().to_owned();
    }
    let fields = match form.parse() {
        Ok(fields) => fields,
        Err(errors) => return Ok(Err(errors)),
    };
    match events::insert(conn, &fields, now) {
        Ok(event) => Ok(Ok(event)),
        Err(error) if is_unique_violation(&error) => Ok(Err(one_error("title", DUPLICATE_EVENT))),
        Err(error) => Err(error.into()),
    }
}

pub fn update_event(
    conn: &mut Conn,
    id: i32,
    form: &EventForm,
    now: NaiveDateTime,
) -> Result<Result<(), FieldErrors>, AppError> {
    let event = events::find(conn, id)?.ok_or(AppError::NotFound)?;
    // A form without a zone keeps the event's.
    let mut form = form.clone();
    if form.time_zone.trim().is_empty() {
        form.time_zone = event.time_zone;
    }
    let fields = match form.parse() {
        Ok(fields) => fields,
        Err(errors) => return Ok(Err(errors)),
    };
    // A published event's change is a feed event, written with it; the UNIQUE
    // violation rolls the transaction back before it is turned into a field error.
    let updated = write_transaction(conn, |c| -> Result<(), AppError> {
        events::update(c, id, &fields)?;
        if event.published {
            let change = Message::EventChanged {
                event_id: id,
                change: EventChange::Updated,
            };
            outbox::enqueue(c, now, &change)?;
        }
        Ok(())
    });
    match updated {
        Ok(()) => Ok(Ok(())),
        Err(AppError::Database(error)) if is_unique_violation(&error) => {
            Ok(Err(one_error("title", DUPLICATE_EVENT)))
        }
        Err(error) => Err(error),
    }
}

/// Publishes (puts on sale) or unpublishes an event. Publishing an event without a
/// ticket type is refused: it would show as on sale with nothing to buy.
pub fn set_published(
    conn: &mut Conn,
    id: i32,
    published: bool,
    now: NaiveDateTime,
) -> Result<Event, AppError> {
    write_transaction(conn, |conn| {
        let before = events::find(conn, id)?.ok_or(AppError::NotFound)?;
        let changed = if published {
            events::publish_with_types(conn, id)?
        } else {
            events::set_published(conn, id, false)?
        };
        if changed == 0 {
            return Err(AppError::refused(
                "no_ticket_types",
                "Add at least one ticket type before publishing: an event without one would show as on sale with nothing to buy.",
            ));
        }
        if before.published != published {
            let change = if published {
                EventChange::Published
            } else {
                EventChange::Unpublished
            };
            outbox::enqueue(
                conn,
                now,
                &Message::EventChanged {
                    event_id: id,
                    change,
                },
            )?;
        }
        events::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Deletes a draft: an unpublished event without bookings. Anything else is refused
/// (unpublish or cancel it instead); a missing event is `NotFound`.
pub fn delete_draft(conn: &mut Conn, id: i32) -> Result<(), AppError> {
    write_transaction(conn, |c| {
        events::find(c, id)?.ok_or(AppError::NotFound)?;
        if events::delete_draft(c, id)? {
            Ok(())
        } else {
            Err(AppError::refused(
                "not_a_draft",
                "Only an unpublished event without bookings can be deleted. Unpublish or cancel it instead.",
            ))
        }
    })
}

pub fn add_ticket_type(
    conn: &mut Conn,
    event_id: i32,
    form: &TicketTypeForm,
) -> Result<Result<TicketType, FieldErrors>, AppError> {
    let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
    let parsed = match form.parse(time_zone::stored(&event.time_zone)) {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(Err(errors)),
    };
    let new = NewTicketType {
        event_id,
        name: &parsed.name,
        amount_pennies: parsed.price.pennies,
        currency: parsed.price.currency.as_str(),
        total_tickets: parsed.quantity,
        available_tickets_count: parsed.quantity,
        max_per_order: parsed.max_per_order,
        selling_rule: parsed.selling_rule,
        sale_starts_at: parsed.sale_starts_at,
        sale_ends_at: parsed.sale_ends_at,
    };
    match ticket_types::insert(conn, &new) {
        Ok(ticket_type) => Ok(Ok(ticket_type)),
        Err(error) if is_unique_violation(&error) => Ok(Err(one_error("name", DUPLICATE_TYPE))),
        Err(error) => Err(error.into()),
    }
}

/// Edits a ticket type; a new quantity moves the available count by the difference
/// under the lock_version rule and never below what is sold or held. A new cap or
/// selling rule applies to reserves from now on: bookings already made stay as they are.
/// A new sale window (local times in the event's zone) is written by a guarded update
/// that bumps the lock_version, so a hold that read the old window loses its race and
/// is judged again on the new one.
pub fn update_ticket_type(
    conn: &mut Conn,
    id: i32,
    form: &TicketTypeForm,
) -> Result<Result<TicketType, FieldErrors>, AppError> {
    let ticket_type = ticket_types::find(conn, id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, ticket_type.event_id)?.ok_or(AppError::NotFound)?;
    let parsed = match form.parse(time_zone::stored(&event.time_zone)) {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(Err(errors)),
    };
    enum Failure {
        Fields(FieldErrors),
        App(AppError),
    }
    impl From<diesel::result::Error> for Failure {
        fn from(error: diesel::result::Error) -> Self {
            if is_unique_violation(&error) {
                Failure::Fields(one_error("name", DUPLICATE_TYPE))
            } else {
                Failure::App(error.into())
            }
        }
    }
    impl From<AppError> for Failure {
        fn from(error: AppError) -> Self {
            Failure::App(error)
        }
    }
    let result = write_transaction(conn, |c| -> Result<TicketType, Failure> {
        let before = ticket_types::find(c, id)?.ok_or(AppError::NotFound)?;
        let repriced = before.amount_pennies != parsed.price.pennies
            || before.currency != parsed.price.currency.as_str();
        let priced_after_sales = || {
            Failure::Fields(one_error(
                "price",
                "Tickets of this type are already sold or held, so its price cannot change; add a new ticket type instead.",
            ))
        };
        if repriced && before.available_tickets_count < before.total_tickets {
            return Err(priced_after_sales());
        }
        // The guard decides again at the write: a hold that committed after our read wins.
        if ticket_types::update_details(
            c,
            id,
            &parsed.name,
            parsed.price.pennies,
            parsed.price.currency.as_str(),
            SellingTerms {
                max_per_order: parsed.max_per_order,
                selling_rule: parsed.selling_rule,
            },
        )? == Guarded::Lost
        {
            return Err(priced_after_sales());
        }
        if let Err(refusal) = inventory::resize(c, id, parsed.quantity)? {
            let committed = match refusal {
                Refusal::BelowCommitted { committed } => committed,
                Refusal::SoldOut => 0,
            };
            return Err(Failure::Fields(one_error(
                "quantity",
                format!(
                    "{committed} tickets are already sold or held; the quantity cannot go below that."
                ),
            )));
        }
        set_window(c, id, parsed.sale_starts_at, parsed.sale_ends_at)?;
        Ok(ticket_types::find(c, id)?.ok_or(AppError::NotFound)?)
    });
    match result {
        Ok(ticket_type) => Ok(Ok(ticket_type)),
        Err(Failure::Fields(errors)) => Ok(Err(errors)),
        Err(Failure::App(error)) => Err(error),
    }
}

/// Writes a ticket type's sale window when it differs from the stored one: read, then
/// the guarded update at that lock_version, again on a lost race (a hold committed in
/// between), a bounded number of times.
fn set_window(
    conn: &mut Conn,
    id: i32,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    const ATTEMPTS: u32 = 64;
    for _ in 0..ATTEMPTS {
        let seen = ticket_types::find(conn, id)?.ok_or(AppError::NotFound)?;
        if (seen.sale_starts_at, seen.sale_ends_at) == (starts_at, ends_at) {
            return Ok(());
        }
        if ticket_types::set_sale_window(conn, id, seen.lock_version, starts_at, ends_at)?.applied()
        {
            return Ok(());
        }
    }
    Err(AppError::Unavailable(
        "Tickets of this type are selling fast and the sale window could not be saved. Please try again.".into(),
    ))
}

fn one_error(field: &'static str, message: impl Into<String>) -> FieldErrors {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    errors
}

/// One ticket type's seats on the dashboard.
#[derive(Debug, Clone)]
pub struct TypeSales {
    pub ticket_type: TicketType,
    pub counts: SeatCounts,
    /// Seats admitted at the door of those expected (paid).
    pub door: DoorCount,
}

/// One event on the dashboard.
#[derive(Debug, Clone)]
pub struct EventSales {
    pub event: Event,
    pub status: EventStatus,
    pub types: Vec<TypeSales>,
}

/// Events per page of the admin dashboard.
pub const DASHBOARD_PAGE_SIZE: i64 = 20;

/// One page of the dashboard: its events and the links to the pages beside it.
#[derive(Debug, Clone)]
pub struct Overview {
    pub events: Vec<EventSales>,
    pub previous: Option<DeskAt>,
    pub next: Option<DeskAt>,
}

/// The page `at` of the events matching `filter` (upcoming soonest first, then the past
/// latest first), each with its status and sold / held / available per ticket type. A
/// keyset page, and only its ticket types are counted, so the page costs the same
/// whatever the shop holds.
pub fn overview(
    conn: &mut Conn,
    now: NaiveDateTime,
    filter: &DeskFilter,
    at: DeskAt,
) -> Result<Overview, AppError> {
    let page = desk_pages::read(conn, now, filter, at, DASHBOARD_PAGE_SIZE)?;
    let found: Vec<Event> = page.events.into_iter().map(|(_, event)| event).collect();
    let event_ids: Vec<i32> = found.iter().map(|e| e.id).collect();
    let mut ticket_types = ticket_types::for_events(conn, &event_ids)?;
    ticket_types.sort_unstable_by_key(|s| s.id);
    let ticket_type_ids: Vec<i32> = ticket_types.iter().map(|s| s.id).collect();
    let counts = books::seat_counts_for(conn, &ticket_type_ids)?;
    let door = door_counts::by_type(conn, &event_ids)?;
    let events = found
        .into_iter()
        .map(|event| {
            let mine: Vec<TicketType> = ticket_types
                .iter()
                .filter(|s| s.event_id == event.id)
                .cloned()
                .collect();
            let status = event_status::of(&event, &mine, now);
            let types = mine
                .into_iter()
                .map(|ticket_type| TypeSales {
                    counts: counts.get(&ticket_type.id).copied().unwrap_or_default(),
                    door: door.get(&ticket_type.id).copied().unwrap_or_default(),
                    ticket_type,
                })
                .collect();
            EventSales {
                event,
                status,
                types,
            }
        })
        .collect();
    Ok(Overview {
        events,
        previous: page.previous,
        next: page.next,
    })
}
