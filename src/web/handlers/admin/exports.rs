//! The organiser's CSV exports, streamed: `GET /admin/events/{id}/bookings.csv` (one row
//! per seat: code, ticket type, seat n of N, email, status, paid at, checked in at and
//! gate; a booking without seats is one row) and `GET /admin/exports/payments.csv
//! ?from=YYYY-MM-DD&to=YYYY-MM-DD` (every payment, then every refund, made in those days,
//! UTC), with the form at `GET /admin/exports`. Rows are read a keyset page at a time
//! and written as they come (the `csv` crate quotes; cells a spreadsheet would run as a
//! formula are defused), so a 100,000-row export never holds more than a page.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use futures_util::stream;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::exports::{self, MoneyCursor};
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};

/// A spreadsheet would run a cell starting with one of these as a formula.
pub fn defused(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// Records as CSV bytes (the header first when given), every cell defused.
pub fn csv_bytes(header: Option<&[&str]>, records: &[Vec<String>]) -> Result<Bytes, AppError> {
    let failed = |error: csv::Error| AppError::Internal(format!("CSV: {error}"));
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(records.len() * 96));
    if let Some(header) = header {
        writer.write_record(header).map_err(failed)?;
    }
    for record in records {
        writer
            .write_record(record.iter().map(|cell| defused(cell)))
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|error| AppError::Internal(format!("CSV: {error}")))
}

fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// Where a streamed export stands: the header not yet written, or a cursor.
enum Step<C> {
    Header(C),
    Next(C),
}

#[get("/admin/events/{id}/bookings.csv")]
pub async fn bookings_csv(
    _admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let zone = exports::event_zone(&state, event_id).await?;
    let rows = stream::unfold(Some(Step::Header(0)), move |step| {
        let state = state.clone();
        async move {
            let (after, header) = match step? {
                Step::Header(after) => (after, Some(&exports::ATTENDEE_HEADER[..])),
                Step::Next(after) => (after, None),
            };
            let page = exports::attendees_page(&state, event_id, zone, after).await;
            match page {
                Ok((records, next)) => {
                    if records.is_empty() && header.is_none() {
                        return None;
                    }
                    let chunk = csv_bytes(header, &records);
                    Some((chunk, next.map(Step::Next)))
                }
                Err(error) => {
                    log::error!("bookings export of event {event_id} failed: {error}");
                    Some((Err(error), None))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(&format!("event-{event_id}-bookings.csv")))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(rows))
}

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The days asked for, as `[from 00:00, the day after to 00:00)` UTC; a 400 for dates
/// that are not dates or run backwards.
fn range(query: &RangeQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let day = |text: &str, default: NaiveDate| match text.trim() {
        "" => Ok(default),
        given => NaiveDate::parse_from_str(given, "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest("Give the dates as YYYY-MM-DD, like 2026-12-31.".into())
        }),
    };
    let from = day(&query.from, today - TimeDelta::days(30))?;
    let to = day(&query.to, today)?;
    if to < from {
        return Err(AppError::BadRequest(
            "The range ends before it starts: swap the dates.".into(),
        ));
    }
    Ok((from, to))
}

#[get("/admin/exports/payments.csv")]
pub async fn payments_csv(
    _admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let (from_day, to_day) = range(&query, state.clock.now().date())?;
    let from = from_day.and_time(NaiveTime::MIN);
    let to = to_day.and_time(NaiveTime::MIN) + TimeDelta::days(1);
    let rows = stream::unfold(Some(Step::Header(MoneyCursor::Payments(0))), move |step| {
        let state = state.clone();
        async move {
            let (cursor, header) = match step? {
                Step::Header(cursor) => (cursor, Some(&exports::MONEY_HEADER[..])),
                Step::Next(cursor) => (cursor, None),
            };
            if cursor == MoneyCursor::Done {
                return None;
            }
            match exports::money_page(&state, from, to, cursor).await {
                Ok((records, next)) => Some((csv_bytes(header, &records), Some(Step::Next(next)))),
                Err(error) => {
                    log::error!("payments export failed: {error}");
                    Some((Err(error), None))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(&format!(
            "payments-{}-to-{}.csv",
            from_day.format("%Y-%m-%d"),
            to_day.format("%Y-%m-%d")
        )))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(rows))
}

#[derive(Template)]
#[template(path = "admin/exports.html")]
struct ExportsPage {
    page: Page,
    from: String,
    to: String,
}

#[get("/admin/exports")]
pub async fn form(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.now().date();
    html(&ExportsPage {
        page: ctx.page("Exports"),
        from: (today - TimeDelta::days(30)).format("%Y-%m-%d").to_string(),
        to: today.format("%Y-%m-%d").to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let records = vec![vec![
            "VIP, \"front\"".to_owned(),
            "=HYPERLINK(\"x\")".to_owned(),
            "-1".to_owned(),
            "line\nbreak".to_owned(),
        ]];
        let bytes = csv_bytes(Some(&["a", "b", "c", "d"]), &records).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            "a,b,c,d\n\"VIP, \"\"front\"\"\",\"'=HYPERLINK(\"\"x\"\")\",'-1,\"line\nbreak\"\n"
        );
    }
}
