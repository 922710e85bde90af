//! The offline fallback, for admins: `GET /admin/events/{id}/door-list.csv` and the
//! printable `GET /admin/events/{id}/door-list`, every valid code of an event with its
//! ticket type, seat and email.
//!
//! The CSV is written by the `csv` crate: emails and ticket type names are user input
//! and may hold commas, quotes or line breaks, which it quotes by the RFC 4180 rules. A
//! cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading
//! apostrophe.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::{AppState, door};
use crate::db::checkins::DoorListRow;
use crate::db::models::Event;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/door_list.html")]
struct DoorListPage {
    page: Page,
    event: Event,
    rows: Vec<DoorListRow>,
}

#[get("/admin/events/{id}/door-list")]
pub async fn printable(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (event, rows) = door::door_list(&state, path.into_inner()).await?;
    html(&DoorListPage {
        page: ctx.page(format!("Door list: {}", event.title)),
        event,
        rows,
    })
}

#[get("/admin/events/{id}/door-list.csv")]
pub async fn csv_file(
    _admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let (_, rows) = door::door_list(&state, event_id).await?;
    let body = to_csv(&rows)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"door-list-event-{event_id}.csv\""),
        ))
        .body(body))
}

/// A spreadsheet would run a cell starting with one of these as a formula.
fn defused(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn to_csv(rows: &[DoorListRow]) -> Result<Vec<u8>, AppError> {
    let failed = |error: csv::Error| AppError::Internal(format!("door list CSV: {error}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "code",
            "ticket_type",
            "seat",
            "of",
            "email",
            "checked_in_at",
        ])
        .map_err(failed)?;
    for (code, type_name, position, quantity, email, checked_in_at) in rows {
        writer
            .write_record([
                defused(code),
                defused(type_name),
                position.to_string(),
                quantity.to_string(),
                defused(email),
                checked_in_at.map(|at| views::iso(&at)).unwrap_or_default(),
            ])
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|error| AppError::Internal(format!("door list CSV: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let rows = vec![(
            "AAAA-BBBB".to_owned(),
            "VIP, \"front\"".to_owned(),
            1,
            2,
            "=cmd@example.com".to_owned(),
            None,
        )];
        let text = String::from_utf8(to_csv(&rows).unwrap()).unwrap();
        assert_eq!(
            text,
            "code,ticket_type,seat,of,email,checked_in_at\n\
             AAAA-BBBB,\"VIP, \"\"front\"\"\",1,2,'=cmd@example.com,\n"
        );
    }
}
