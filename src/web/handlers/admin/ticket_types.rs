//! Adding and editing an event's ticket types (name, price, currency, quantity, the cap
//! per booking, the selling rule and the sale window).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::app::{AppState, admin};
use crate::domain::bookings::selling_rules::SellingRule;
use crate::domain::catalogue::ticket_type_form::TicketTypeForm;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::common::time_zone;
use crate::domain::payments::money::COMMON_CURRENCIES;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/ticket_type_form.html")]
struct TicketTypeFormPage {
    page: Page,
    event_id: i32,
    event_title: String,
    /// The event's IANA zone: the sale window's times are local to it.
    time_zone: String,
    /// `None` for a new ticket type.
    ticket_type_id: Option<i32>,
    form: TicketTypeForm,
    errors: FieldErrors,
    currencies: &'static [&'static str],
    rules: &'static [SellingRule],
}

impl TicketTypeFormPage {
    fn action(&self) -> String {
        match self.ticket_type_id {
            Some(id) => format!("/admin/ticket-types/{id}"),
            None => format!("/admin/events/{}/ticket-types", self.event_id),
        }
    }
}

async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    event_id: i32,
    ticket_type_id: Option<i32>,
    form: TicketTypeForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let event = admin::event(state, event_id).await?;
    let title = if ticket_type_id.is_some() {
        "Edit ticket type"
    } else {
        "New ticket type"
    };
    let page = TicketTypeFormPage {
        page: ctx.page(title),
        event_id,
        event_title: event.title,
        time_zone: event.time_zone,
        ticket_type_id,
        form,
        errors,
        currencies: &COMMON_CURRENCIES,
        rules: SellingRule::ALL,
    };
    if page.errors.is_empty() {
        html(&page)
    } else {
        html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

#[get("/admin/events/{id}/ticket-types/new")]
pub async fn new(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    form_page(
        &state,
        &ctx,
        path.into_inner(),
        None,
        TicketTypeForm::blank(),
        FieldErrors::default(),
    )
    .await
}

#[post("/admin/events/{id}/ticket-types")]
pub async fn create(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<TicketTypeForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    match admin::add_ticket_type(&state, event_id, form.clone()).await? {
        Ok(saved) => {
            flash::success(
                &ctx.session,
                format!("Ticket type “{}” added.", saved.ticket_type.name),
            );
            Ok(see_other(&format!("/admin/events/{event_id}/edit")))
        }
        Err(errors) => form_page(&state, &ctx, event_id, None, form, errors).await,
    }
}

#[get("/admin/ticket-types/{id}/edit")]
pub async fn edit(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let ticket_type = admin::ticket_type(&state, id).await?;
    let event = admin::event(&state, ticket_type.event_id).await?;
    let form = TicketTypeForm::from_schema(&ticket_type, time_zone::stored(&event.time_zone));
    form_page(
        &state,
        &ctx,
        ticket_type.event_id,
        Some(id),
        form,
        FieldErrors::default(),
    )
    .await
}

#[post("/admin/ticket-types/{id}")]
pub async fn update(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<TicketTypeForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (event_id, result) = admin::update_ticket_type(&state, id, form.clone()).await?;
    match result {
        Ok(ticket_type) => {
            flash::success(
                &ctx.session,
                format!("Ticket type “{}” saved.", ticket_type.name),
            );
            Ok(see_other(&format!("/admin/events/{event_id}/edit")))
        }
        Err(errors) => form_page(&state, &ctx, event_id, Some(id), form, errors).await,
    }
}
