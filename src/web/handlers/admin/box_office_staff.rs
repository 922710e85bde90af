//! `GET /admin/box-office-staff`: who sells which event's seats; `POST
//! /admin/box-office-staff`: grant an account (by email) the box office of one event or
//! of all; `POST /admin/box-office-staff/{id}/revoke`: take a grant back.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::box_office::{self, StaffView};
use crate::app::staff;
use crate::domain::box_office::access::Granted;
use crate::domain::staff::grants::StaffRole;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

const HERE: &str = "/admin/box-office-staff";

#[derive(Template)]
#[template(path = "admin/box_office_staff.html")]
struct BoxOfficeStaffPage {
    page: Page,
    staff: StaffView,
}

#[get("/admin/box-office-staff")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let staff = box_office::staff(&state).await?;
    html(&BoxOfficeStaffPage {
        page: ctx.page("Admin: box office staff"),
        staff,
    })
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    email: String,
    /// An event id, or `all`.
    #[serde(default)]
    event: String,
}

fn parse_scope(field: &str) -> Result<Option<i32>, AppError> {
    match field.trim() {
        "all" => Ok(None),
        id => id
            .parse()
            .map(Some)
            .map_err(|_| AppError::BadRequest("Choose an event, or all events.".into())),
    }
}

#[post("/admin/box-office-staff")]
pub async fn grant(
    AdminUser(admin): AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let scope = parse_scope(&form.event)?;
    let email = form.email.trim().to_owned();
    match staff::grant(&state, StaffRole::BoxOffice, admin.id, form.email, scope).await {
        Ok(Granted::New) => flash::success(&ctx.session, format!("{email} may now sell seats.")),
        Ok(Granted::Already) => {
            flash::info(&ctx.session, format!("{email} already had that access."))
        }
        Err(AppError::Conflict(message) | AppError::BadRequest(message)) => {
            flash::error(&ctx.session, message)
        }
        Err(other) => return Err(other),
    }
    Ok(see_other(HERE))
}

#[post("/admin/box-office-staff/{id}/revoke")]
pub async fn revoke(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    if staff::revoke(&state, StaffRole::BoxOffice, path.into_inner()).await? {
        flash::success(&ctx.session, "Box office access taken back.");
    } else {
        flash::info(&ctx.session, "That access was already taken back.");
    }
    Ok(see_other(HERE))
}
