//! The door: `GET /door` (the events whose door the user keeps), `GET /door/events/{id}`
//! (the check-in page) and `POST /door/events/{id}/scan` (one scan, answered on the page).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use rand::RngCore;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::door::{self, DoorView};
use crate::db::models::Event;
use crate::domain::door::check_in::Scan;
use crate::domain::door::input::{Gate, ScannedCode, parse_nonce};
use crate::error::AppError;
use crate::web::assets;
use crate::web::csrf::CsrfForm;
use crate::web::door_staff::DoorStaff;
use crate::web::gate_cookie;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, html_with_status};
use crate::web::views::{self, AnswerView};

#[derive(Template)]
#[template(path = "door/events.html")]
struct DoorEventsPage {
    page: Page,
    events: Vec<Event>,
}

#[get("/door")]
pub async fn events(
    user: CurrentUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let events = door::my_events(&state, user.id, user.is_admin)
        .await?
        .ok_or(AppError::Forbidden)?;
    html(&DoorEventsPage {
        page: ctx.page("Door: check-in"),
        events,
    })
}

#[derive(Template)]
#[template(path = "door/check_in.html")]
struct CheckInPage {
    page: Page,
    door: DoorView,
    answer: Option<AnswerView>,
    /// A problem with the form itself (no code, no gate name).
    problem: Option<String>,
    gate: String,
    /// Fresh per render: a resent request carries the same one (see `check_in`).
    nonce: String,
    script_url: &'static str,
}

fn nonce() -> String {
    let mut bytes = [0_u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn page_of(ctx: &PageCtx, door: DoorView, gate: String) -> CheckInPage {
    CheckInPage {
        page: ctx.page(format!("Check-in: {}", door.event.title)),
        door,
        answer: None,
        problem: None,
        gate,
        nonce: nonce(),
        script_url: assets::door_js_url(),
    }
}

#[get("/door/events/{id}")]
pub async fn check_in(
    staff: DoorStaff,
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let view = door::door(&state, staff.event_id).await?;
    // The gate this device named last, or the default: the first scan on a new device
    // needs no typing.
    let gate = gate_cookie::read(&req).map_or_else(|| Gate::DEFAULT.to_owned(), |g| g.0);
    html(&page_of(&ctx, view, gate))
}

#[derive(Debug, Deserialize)]
pub struct ScanForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    gate: String,
    #[serde(default)]
    nonce: String,
}

/// A scan. The answer is rendered by this POST itself, with the form again, rather than
/// redirected to a GET: at the door every scan is a new answer that must show at once
/// (a redirect doubles the round trips on a venue's poor network, and the answer would
/// have to travel through the session), and resending this POST is harmless by design:
/// it carries the page's nonce, so a retried or reloaded scan gets the same ADMIT again.
#[post("/door/events/{id}/scan")]
pub async fn scan(
    staff: DoorStaff,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ScanForm>,
) -> Result<HttpResponse, AppError> {
    let parsed = Gate::parse(&form.gate).and_then(|gate| {
        Ok(Scan {
            code: ScannedCode::parse(&form.code)?,
            nonce: parse_nonce(&form.nonce)?,
            gate,
        })
    });
    let scan = match parsed {
        Ok(scan) => scan,
        Err(AppError::BadRequest(message)) => {
            let view = door::door(&state, staff.event_id).await?;
            // The gate typed is shown again, less what cannot be shown.
            let gate: String = form
                .gate
                .trim()
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            let mut page = page_of(&ctx, view, gate);
            page.problem = Some(message);
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(other) => return Err(other),
    };
    let gate = scan.gate.clone();
    let code = scan.code.clone();
    let (answer, view) = door::scan(&state, staff.event_id, staff.user.id, scan).await?;
    let mut page = page_of(&ctx, view, gate.0.clone());
    page.answer = Some(views::answer(
        &answer,
        code.as_ref().map(|c| c.0.as_str()),
        &page.door.event.time_zone,
    ));
    let mut response = html(&page)?;
    gate_cookie::remember(&mut response, &gate, state.settings.cookies_secure());
    Ok(response)
}
