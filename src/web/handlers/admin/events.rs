//! Creating, editing, publishing and unpublishing events.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::app::{AppState, admin};
use crate::domain::catalogue::event_form::EventForm;
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/event_form.html")]
struct EventFormPage {
    page: Page,
    /// `None` for a new event.
    event_id: Option<i32>,
    form: EventForm,
    errors: FieldErrors,
}

impl EventFormPage {
    fn action(&self) -> String {
        match self.event_id {
            Some(id) => format!("/admin/events/{id}"),
            None => "/admin/events".to_owned(),
        }
    }
}

fn form_page(
    ctx: &PageCtx,
    event_id: Option<i32>,
    form: EventForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let title = if event_id.is_some() {
        "Edit event"
    } else {
        "New event"
    };
    let page = EventFormPage {
        page: ctx.page(title),
        event_id,
        form,
        errors,
    };
    if page.errors.is_empty() {
        html(&page)
    } else {
        html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

#[get("/admin/events/new")]
pub async fn new(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let form = EventForm::new_in(state.settings.default_time_zone);
    form_page(&ctx, None, form, FieldErrors::default())
}

#[post("/admin/events")]
pub async fn create(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<EventForm>,
) -> Result<HttpResponse, AppError> {
    match admin::create_event(&state, form.clone()).await? {
        Ok(event) => {
            flash::success(
                &ctx.session,
                "Event created. Add its ticket types, then publish it.",
            );
            Ok(see_other(&format!("/admin/events/{}/edit", event.id)))
        }
        Err(errors) => form_page(&ctx, None, form, errors),
    }
}

#[derive(Template)]
#[template(path = "admin/event_edit.html")]
struct EventEditPage {
    page: Page,
    form: EventForm,
    errors: FieldErrors,
    event: crate::db::models::Event,
    ticket_types: Vec<crate::db::models::TicketType>,
}

impl EventEditPage {
    fn action(&self) -> String {
        format!("/admin/events/{}", self.event.id)
    }
}

#[get("/admin/events/{id}/edit")]
pub async fn edit(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (event, ticket_types) = admin::event_with_types(&state, path.into_inner()).await?;
    html(&EventEditPage {
        page: ctx.page(format!("Edit {}", event.title)),
        form: EventForm::from_event(&event),
        errors: FieldErrors::default(),
        event,
        ticket_types,
    })
}

#[post("/admin/events/{id}")]
pub async fn update(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<EventForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    match admin::update_event(&state, id, form.clone()).await? {
        Ok(()) => {
            flash::success(&ctx.session, "Event saved.");
            Ok(see_other(&format!("/admin/events/{id}/edit")))
        }
        Err(errors) => form_page(&ctx, Some(id), form, errors),
    }
}

async fn publish_as(
    state: web::Data<AppState>,
    ctx: PageCtx,
    id: i32,
    published: bool,
) -> Result<HttpResponse, AppError> {
    let event = match admin::set_published(&state, id, published).await {
        Ok(event) => event,
        Err(AppError::Refused { message, .. }) => {
            flash::error(&ctx.session, message);
            return Ok(see_other(&format!("/admin/events/{id}/edit")));
        }
        Err(other) => return Err(other),
    };
    let message = if published {
        format!("“{}” is published and on sale.", event.title)
    } else {
        format!("“{}” is unpublished and hidden from visitors.", event.title)
    };
    flash::success(&ctx.session, message);
    Ok(see_other("/admin"))
}

#[post("/admin/events/{id}/publish")]
pub async fn publish(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    publish_as(state, ctx, path.into_inner(), true).await
}

#[post("/admin/events/{id}/unpublish")]
pub async fn unpublish(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    publish_as(state, ctx, path.into_inner(), false).await
}
