//! Reserving seats (and a logged-out visitor's choice, kept on the way through logging
//! in) and the user's own bookings: list and show (cancelling is `ticket_cancel`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::bookings::{self, BookingDetails, SeatCode};
use crate::app::reserve as reservations;
use crate::db::models::{Booking, Event, TicketType};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::hold_rules::HoldRequest;
use crate::domain::bookings::reservation::ReserveOutcome;
use crate::error::AppError;
use crate::web::client_address;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::handlers::auth::login_url;
use crate::web::handlers::hold_refused;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

#[derive(Debug, Deserialize)]
pub struct ReserveForm {
    /// The ticket type; pages and scripts made before the rename post it as
    /// `ticket_schema_id`, which is still accepted.
    #[serde(default, alias = "ticket_schema_id")]
    ticket_type_id: String,
    /// How many seats; missing or empty means 1.
    #[serde(default)]
    quantity: String,
}

/// The quantity field: empty means 1; anything but a whole number of at least 1 is a
/// clear 400 (the cap and the selling rule are judged by the reserve itself).
fn parse_quantity(field: &str) -> Result<i32, AppError> {
    let field = field.trim();
    if field.is_empty() {
        return Ok(1);
    }
    match field.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(i32::try_from(n).unwrap_or(i32::MAX)),
        _ => Err(AppError::BadRequest(
            "Choose how many seats to book: a whole number of at least 1.".into(),
        )),
    }
}

/// A choice made on an event page: the ticket type and how many seats, as the reserve
/// form names them (GET from a logged-out visitor's form; the legacy `ticket_schema_id`
/// is accepted).
#[derive(Debug, Deserialize)]
pub struct Choice {
    #[serde(default, alias = "ticket_schema_id")]
    ticket_type_id: String,
    #[serde(default)]
    quantity: String,
}

/// `GET /events/{id}/reserve`: what a logged-out visitor's choice on the event page
/// submits. It changes nothing: it leads to the log-in page (where one can also create
/// an account), whose `next` is the event page with the choice selected, so after
/// logging in, or after following the link mailed at registration, one click reserves.
/// A logged-in user goes straight back to the event page with the choice selected.
#[get("/events/{id}/reserve")]
pub async fn choose(
    ctx: PageCtx,
    path: web::Path<i32>,
    query: web::Query<Choice>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let ticket_type_id: i32 = query
        .ticket_type_id
        .trim()
        .parse()
        .ok()
        .filter(|&id| id > 0)
        .ok_or_else(|| AppError::BadRequest("Choose a ticket type.".into()))?;
    let quantity = parse_quantity(&query.quantity)?;
    let event_page = format!(
        "/events/{event_id}?{}",
        serde_urlencoded::to_string([("ticket_type_id", ticket_type_id), ("quantity", quantity)])
            .unwrap_or_default()
    );
    Ok(see_other(&match ctx.user {
        Some(_) => event_page,
        None => login_url(&event_page),
    }))
}

#[post("/events/{id}/reserve")]
pub async fn reserve(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ReserveForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let ticket_type_id: i32 = form
        .ticket_type_id
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("Choose a ticket type.".into()))?;
    let quantity = parse_quantity(&form.quantity)?;
    let address = client_address::of(&req, &state.settings.client_addresses);
    let request = HoldRequest::new(user.id, quantity, address);
    let outcome = reservations::reserve(&state, event_id, ticket_type_id, request).await?;
    Ok(match outcome {
        ReserveOutcome::Reserved(booking) => {
            let minutes = state.settings.hold_minutes;
            flash::success(
                &ctx.session,
                match booking.quantity {
                    1 => format!("Your seat is held for {minutes} minutes. Pay to make it yours."),
                    n => format!(
                        "Your {n} seats are held for {minutes} minutes. Pay to make them yours."
                    ),
                },
            );
            see_other(&format!("/bookings/{}", booking.id))
        }
        ReserveOutcome::AlreadyHolding(booking) => {
            flash::info(
                &ctx.session,
                "You already have a booking for this event (one booking per person per event).",
            );
            see_other(&format!("/bookings/{}", booking.id))
        }
        ReserveOutcome::SoldOut => {
            flash::error(&ctx.session, "Sorry, that ticket type is sold out.");
            see_other(&format!("/events/{event_id}"))
        }
        ReserveOutcome::Refused(refusal) => {
            flash::error(&ctx.session, refusal.to_string());
            see_other(&format!("/events/{event_id}"))
        }
        ReserveOutcome::Limited(refusal) => hold_refused::page(&ctx, event_id, &refusal)?,
    })
}

/// A ticket as its owner sees it, ready for a template.
pub struct BookingView {
    pub booking: Booking,
    pub event: Event,
    pub ticket_type: TicketType,
    pub status: BookingStatus,
    pub time_left: Option<String>,
    pub payment_note: Option<&'static str>,
    /// A paid booking its buyer may cancel for a refund: until when.
    pub refundable_until: Option<chrono::NaiveDateTime>,
    /// What the door has to say of a paid booking (see `app::bookings::Booking`).
    pub checked_in: bool,
    pub refund_under_way: bool,
    /// What cancelling a paid booking would refund: its payment's amount.
    pub kept: Option<crate::domain::payments::money::Money>,
}

impl BookingView {
    fn new(booking: BookingDetails) -> BookingView {
        BookingView {
            time_left: booking.time_left.map(views::duration_left),
            booking: booking.booking,
            event: booking.event,
            ticket_type: booking.ticket_type,
            status: booking.status,
            payment_note: booking.payment_note,
            refundable_until: booking.refundable_until,
            checked_in: booking.checked_in,
            refund_under_way: booking.refund_under_way,
            kept: booking.kept,
        }
    }

    pub fn status_label(&self) -> &'static str {
        views::status_label(self.status)
    }

    pub fn status_class(&self) -> &'static str {
        self.status.as_str()
    }

    pub fn is_held(&self) -> bool {
        self.status == BookingStatus::Reserved
    }

    /// The amount a cancel would refund: what the payment kept (the price may have
    /// changed since), or the booking's total where that is not known.
    pub fn refund_amount(&self) -> String {
        match &self.kept {
            Some(amount) => amount.to_string(),
            None => views::total(&self.ticket_type, self.booking.quantity),
        }
    }

    pub fn is_paid(&self) -> bool {
        self.status == BookingStatus::Paid
    }

    /// Whether some of this paid booking's seats may be given back (its selling rule and
    /// its size allow it; whether a seat is free to go is decided on the next page).
    pub fn may_give_back_some(&self) -> bool {
        crate::domain::bookings::selling_rules::may_give_back_some(
            self.ticket_type.selling_rule,
            self.booking.quantity,
        )
    }

    pub fn is_transferred(&self) -> bool {
        self.status == BookingStatus::Transferred
    }

    /// The price field's starting value for a resale listing: what was paid.
    pub fn face_value_field(&self) -> String {
        match &self.kept {
            Some(amount) => amount.major_units(),
            None => String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "bookings.html")]
struct BookingsPage {
    page: Page,
    bookings: Vec<BookingView>,
}

#[get("/bookings")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let bookings = bookings::list(&state, user.id)
        .await?
        .into_iter()
        .map(BookingView::new)
        .collect();
    html(&BookingsPage {
        page: ctx.page("My tickets"),
        bookings,
    })
}

#[derive(Template)]
#[template(path = "booking.html")]
struct BookingPage {
    page: Page,
    view: BookingView,
    codes: Vec<SeatCode>,
    /// The owner's latest resale listing of this booking, while it is listed.
    listing: Option<ListingView>,
}

/// A booking's open resale listing as its page shows it.
pub struct ListingView {
    pub id: i32,
    pub price: String,
    /// The price in major units, for the reprice field.
    pub price_field: String,
    /// What the seller gets back when it sells (price less the fee).
    pub back: String,
    /// A buyer is paying right now: it cannot change.
    pub locked: bool,
}

#[get("/bookings/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let (booking, codes) = bookings::show(&state, user.id, booking_id).await?;
    let now = state.clock.now();
    let listing = crate::app::resale::listing_of(&state, user.id, booking_id)
        .await?
        .filter(|l| l.status == crate::db::status::ListingStatus::Listed)
        .map(|l| {
            let money = |p| crate::domain::payments::money::Money::from_stored(p, &l.currency);
            ListingView {
                id: l.id,
                price: money(l.price_pennies).to_string(),
                price_field: money(l.price_pennies).major_units(),
                back: money(l.price_pennies - l.fee_pennies).to_string(),
                locked: l.locked_until.is_some_and(|until| until > now),
            }
        });
    let view = BookingView::new(booking);
    html(&BookingPage {
        page: ctx.page(format!("Booking for {}", view.event.title)),
        view,
        codes,
        listing,
    })
}
