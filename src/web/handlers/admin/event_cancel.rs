//! `GET /admin/events/{id}/cancel`: the confirmation step (or, once cancelled, how far
//! the refunds have come); `POST` with `confirm=yes` cancels the event: sales stop,
//! holds end, and every buyer is mailed and refunded in the background.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{AppState, event_lifecycle};
use crate::db::models::Event;
use crate::domain::catalogue::event_lifecycle::RefundProgress;
use crate::domain::common::wording;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};

#[derive(Template)]
#[template(path = "admin/event_cancel.html")]
struct CancelPage {
    page: Page,
    event: Event,
    progress: RefundProgress,
    error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

#[get("/admin/events/{id}/cancel")]
pub async fn page(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (event, progress) = event_lifecycle::progress(&state, path.into_inner()).await?;
    html(&CancelPage {
        page: ctx.page(format!("Cancel “{}”", event.title)),
        event,
        progress,
        error: None,
    })
}

#[post("/admin/events/{id}/cancel")]
pub async fn cancel(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    if form.confirm != "yes" {
        let (event, progress) = event_lifecycle::progress(&state, event_id).await?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CancelPage {
                page: ctx.page(format!("Cancel “{}”", event.title)),
                event,
                progress,
                error: Some("Tick the box to confirm that the event is cancelled."),
            },
        );
    }
    match event_lifecycle::cancel(&state, event_id).await {
        Ok(done) => flash::success(
            &ctx.session,
            format!(
                "Cancelled. {} released; {} being refunded and every buyer is mailed.",
                wording::count(
                    i64::try_from(done.holds_released).unwrap_or(i64::MAX),
                    "hold",
                    "holds"
                ),
                wording::count(
                    i64::try_from(done.refunds_queued).unwrap_or(i64::MAX),
                    "paid booking",
                    "paid bookings"
                ),
            ),
        ),
        Err(AppError::Conflict(message)) => flash::error(&ctx.session, message),
        Err(other) => return Err(other),
    }
    Ok(see_other(&format!("/admin/events/{event_id}/cancel")))
}
