//! `GET /admin/events/{id}/checkins`: an event's door (admitted / expected per ticket
//! type, the seats checked in, the audit trail); `POST /admin/admissions/{id}/undo`:
//! revert a check-in with a reason.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::door_admin::{self, CheckinsView};
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/checkins.html")]
struct CheckinsPage {
    page: Page,
    view: CheckinsView,
}

#[get("/admin/events/{id}/checkins")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let view = door_admin::checkins(&state, path.into_inner()).await?;
    html(&CheckinsPage {
        page: ctx.page(format!("Check-ins for {}", view.door.event.title)),
        view,
    })
}

#[derive(Debug, Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    reason: String,
    /// The event page to come back to.
    #[serde(default)]
    event: String,
}

#[post("/admin/admissions/{id}/undo")]
pub async fn undo(
    AdminUser(admin): AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<UndoForm>,
) -> Result<HttpResponse, AppError> {
    let back = form.event.trim().parse::<i32>().ok();
    match door_admin::undo(&state, path.into_inner(), admin.id, form.reason).await {
        Ok(event_id) => {
            flash::success(&ctx.session, "Check-in undone: the code admits again.");
            Ok(see_other(&format!("/admin/events/{event_id}/checkins")))
        }
        Err(AppError::Conflict(message) | AppError::BadRequest(message)) if back.is_some() => {
            flash::error(&ctx.session, message);
            Ok(see_other(&format!(
                "/admin/events/{}/checkins",
                back.unwrap_or_default()
            )))
        }
        Err(other) => Err(other),
    }
}
