//! The box office counter: `GET /box-office` (the events the seller may sell), `GET
//! /box-office/events/{id}` (the sale form) and `POST /box-office/events/{id}/sales`
//! (one sale; a wrong field re-renders the form with its message, 422; a refusal such
//! as sold out or a customer who already has a booking comes back as a message).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::box_office::{self, Seller, Sold};
use crate::db::models::{Event, TicketType};
use crate::domain::bookings::reservation::ReserveOutcome;
use crate::domain::box_office::order::{COMPLIMENTARY_NEEDS_ADMIN, SaleOrder, SalePayment};
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::views;

fn seller(user: &CurrentUser) -> Seller {
    Seller {
        user_id: user.id,
        is_admin: user.is_admin,
    }
}

#[derive(Template)]
#[template(path = "box_office/events.html")]
struct EventsPage {
    page: Page,
    events: Vec<Event>,
}

#[get("/box-office")]
pub async fn events(
    user: CurrentUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let events = box_office::my_events(&state, seller(&user))
        .await?
        .ok_or(AppError::Forbidden)?;
    html(&EventsPage {
        page: ctx.page("Box office"),
        events,
    })
}

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SaleForm {
    #[serde(default)]
    ticket_type_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    customer_email: String,
    #[serde(default)]
    customer_name: String,
    #[serde(default)]
    payment: String,
    #[serde(default)]
    note: String,
}

/// The form as shown again.
struct Shown {
    ticket_type_id: i32,
    quantity: String,
    customer_email: String,
    customer_name: String,
    payment: String,
    note: String,
}

#[derive(Template)]
#[template(path = "box_office/counter.html")]
struct CounterPage {
    page: Page,
    event: Event,
    types: Vec<TicketType>,
    payments: Vec<(&'static str, &'static str)>,
    form: Shown,
    problem: Option<String>,
}

async fn counter_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    event_id: i32,
    form: Shown,
    problem: Option<String>,
) -> Result<CounterPage, AppError> {
    let (event, types) = box_office::counter_view(state, event_id).await?;
    let payments = SalePayment::ALL
        .into_iter()
        .filter(|p| user.is_admin || !p.needs_admin())
        .map(|p| (p.as_str(), p.label()))
        .collect();
    Ok(CounterPage {
        page: ctx.page(format!("Box office: {}", event.title)),
        event,
        types,
        payments,
        form,
        problem,
    })
}

#[get("/box-office/events/{id}")]
pub async fn counter(
    user: CurrentUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    box_office::authorize(&state, seller(&user), event_id).await?;
    let form = Shown {
        ticket_type_id: 0,
        quantity: "1".into(),
        customer_email: String::new(),
        customer_name: String::new(),
        payment: "cash".into(),
        note: String::new(),
    };
    html(&counter_page(&state, &ctx, &user, event_id, form, None).await?)
}

/// What a sale did, for the seller.
fn sold_words(sold: &Sold) -> String {
    let seats = sold.booking.quantity;
    if sold.codes.is_empty() {
        format!(
            "Held {seats} seat(s) for {} ({}): the payment link is on its way to them.",
            sold.sale.customer_name, sold.customer_email
        )
    } else {
        format!(
            "Sold {seats} seat(s) to {} ({}), {}. Codes: {}.",
            sold.sale.customer_name,
            sold.customer_email,
            sold.sale.payment.replace('_', " "),
            sold.codes.join(", ")
        )
    }
}

#[post("/box-office/events/{id}/sales")]
pub async fn sell(
    user: CurrentUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<SaleForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let seller = seller(&user);
    box_office::authorize(&state, seller, event_id).await?;
    let here = format!("/box-office/events/{event_id}");
    let parsed = SaleOrder::parse(
        form.ticket_type_id.trim().parse().unwrap_or(0),
        form.quantity.trim().parse().unwrap_or(0),
        &form.customer_email,
        &form.customer_name,
        form.payment.trim(),
        &form.note,
    )
    .and_then(|order| {
        if order.payment.needs_admin() && !user.is_admin {
            Err(AppError::Unprocessable {
                field: "payment",
                message: COMPLIMENTARY_NEEDS_ADMIN.into(),
            })
        } else {
            Ok(order)
        }
    });
    let outcome = match parsed {
        Ok(order) => box_office::sell(&state, seller, event_id, order).await,
        Err(error) => Err(error),
    };
    let message = match outcome {
        Ok(Ok(sold)) => {
            flash::success(&ctx.session, sold_words(&sold));
            return Ok(see_other(&here));
        }
        Ok(Err(ReserveOutcome::SoldOut)) => "This ticket type is sold out.".to_owned(),
        Ok(Err(ReserveOutcome::Refused(refusal))) => refusal.to_string(),
        Ok(Err(ReserveOutcome::AlreadyHolding(_))) => {
            "This customer already has a booking for this event: one booking per person per event."
                .to_owned()
        }
        Ok(Err(ReserveOutcome::Limited(refusal))) => refusal.to_string(),
        Ok(Err(ReserveOutcome::Reserved(_))) => {
            return Err(AppError::Internal(
                "a sale returned a hold as a refusal".into(),
            ));
        }
        Err(AppError::Unprocessable { message, .. }) => message,
        Err(AppError::Conflict(message) | AppError::Refused { message, .. }) => message,
        Err(other) => return Err(other),
    };
    let shown = Shown {
        ticket_type_id: form.ticket_type_id.trim().parse().unwrap_or(0),
        quantity: form.quantity,
        customer_email: form.customer_email,
        customer_name: form.customer_name,
        payment: form.payment,
        note: form.note,
    };
    let page = counter_page(&state, &ctx, &user, event_id, shown, Some(message)).await?;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
