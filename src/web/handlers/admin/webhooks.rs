//! `GET /admin/webhooks`: partners' webhook endpoints, with a form to add one;
//! `GET /admin/webhooks/{id}`: one endpoint, its secret and its delivery log. The POSTs
//! add, enable, disable and delete an endpoint, and replay one delivery.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::webhooks::endpoints::{self, EndpointInput, EndpointView};
use crate::db::webhook_endpoints::EndpointRow;
use crate::domain::webhooks::event_types;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

const HERE: &str = "/admin/webhooks";

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    page: Page,
    endpoints: Vec<EndpointRow>,
    types: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct WebhookPage {
    page: Page,
    view: EndpointView,
}

#[get("/admin/webhooks")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let endpoints = endpoints::list(&state).await?;
    html(&WebhooksPage {
        page: ctx.page("Admin: webhooks"),
        endpoints,
        types: event_types::ALL,
    })
}

#[get("/admin/webhooks/{id}")]
pub async fn show(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let view = endpoints::show(&state, path.into_inner()).await?;
    html(&WebhookPage {
        page: ctx.page("Admin: webhook endpoint"),
        view,
    })
}

#[derive(Debug, Deserialize)]
pub struct EndpointForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: String,
    /// Types separated by commas or spaces; empty: every type.
    #[serde(default)]
    event_types: String,
}

#[post("/admin/webhooks")]
pub async fn create(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<EndpointForm>,
) -> Result<HttpResponse, AppError> {
    let input = EndpointInput {
        url: form.url,
        description: form.description,
        event_types: vec![form.event_types],
    };
    match endpoints::create(&state, input).await {
        Ok(row) => {
            flash::success(&ctx.session, "Endpoint added: give its partner the secret.");
            Ok(see_other(&format!("{HERE}/{}", row.id)))
        }
        Err(AppError::Unprocessable { message, .. }) => {
            flash::error(&ctx.session, message);
            Ok(see_other(HERE))
        }
        Err(other) => Err(other),
    }
}

#[post("/admin/webhooks/{id}/enable")]
pub async fn enable(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let row = endpoints::set_enabled(&state, path.into_inner(), true).await?;
    flash::success(
        &ctx.session,
        "Endpoint enabled: waiting deliveries go out now.",
    );
    Ok(see_other(&format!("{HERE}/{}", row.id)))
}

#[post("/admin/webhooks/{id}/disable")]
pub async fn disable(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let row = endpoints::set_enabled(&state, path.into_inner(), false).await?;
    flash::success(&ctx.session, "Endpoint disabled: nothing is sent to it.");
    Ok(see_other(&format!("{HERE}/{}", row.id)))
}

#[post("/admin/webhooks/{id}/delete")]
pub async fn delete(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    if endpoints::delete(&state, path.into_inner()).await? {
        flash::success(&ctx.session, "Endpoint deleted.");
    } else {
        flash::info(&ctx.session, "That endpoint was already deleted.");
    }
    Ok(see_other(HERE))
}

#[post("/admin/webhooks/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<(i32, i32)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (endpoint_id, delivery_id) = path.into_inner();
    match endpoints::replay(&state, endpoint_id, delivery_id).await {
        Ok(_) => flash::success(&ctx.session, "Delivery queued again."),
        Err(AppError::Conflict(message)) => flash::error(&ctx.session, message),
        Err(other) => return Err(other),
    }
    Ok(see_other(&format!("{HERE}/{endpoint_id}")))
}
