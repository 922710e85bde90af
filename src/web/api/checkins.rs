//! Scanner apps at the door: `POST /api/v1/events/{id}/checkins` with `{code, gate,
//! nonce}` answers as the check-in page does (admit exactly once; the same nonce again
//! gets the same admit). Door staff of the event and admins only.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiDoor;
use super::problem::{Problem, ProblemBody};
use super::shapes::utc;
use crate::app::{AppState, door};
use crate::domain::door::answer::ScanAnswer;
use crate::domain::door::check_in::Scan;
use crate::domain::door::input::{Gate, ScannedCode, parse_nonce};
use crate::error::AppError;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckinRequest {
    /// The seat's code as scanned (spaces, dashes and case do not matter).
    pub code: String,
    /// The gate scanning, as its staff name it.
    #[schema(example = "North door")]
    pub gate: String,
    /// A new random string per scan, the same when the app resends that scan: a resent
    /// admit is answered `admit` again, not `already_checked_in`.
    pub nonce: Option<String>,
}

/// The seat a code belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatOut {
    pub ticket_type_name: String,
    /// Seat n of `quantity` in its booking.
    pub position: i32,
    pub quantity: i32,
    pub email: String,
}

/// What the door says.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckinAnswer {
    /// `admit`, `already_checked_in`, `unknown_code`, `wrong_event` or `not_valid`.
    pub result: &'static str,
    /// The words the door shows: `ADMIT`, `ALREADY CHECKED IN`, `UNKNOWN CODE`, …
    pub headline: &'static str,
    /// Present for `admit`, `already_checked_in`.
    pub seat: Option<SeatOut>,
    /// `already_checked_in`: when and where.
    #[schema(format = DateTime)]
    pub checked_in_at: Option<String>,
    pub checked_in_gate: Option<String>,
    /// `wrong_event`: the event the code is for.
    pub event_id: Option<i32>,
    pub event_title: Option<String>,
    /// `not_valid`: `not paid`, `refunded`, `cancelled`, `refund under way` (a refund
    /// was asked for and has not succeeded or failed yet), `resold`, `given away`,
    /// `sent to someone else` (the seat's code was re-issued to a friend) or `given
    /// back` (its buyer gave this seat back; the booking's other seats still admit).
    pub reason: Option<&'static str>,
    /// `admit` resent with the nonce of the scan that admitted it.
    pub retried: bool,
}

impl CheckinAnswer {
    fn new(answer: &ScanAnswer) -> CheckinAnswer {
        let mut out = CheckinAnswer {
            result: "",
            headline: answer.headline(),
            seat: None,
            checked_in_at: None,
            checked_in_gate: None,
            event_id: None,
            event_title: None,
            reason: None,
            retried: false,
        };
        let seat_of = |seat: &crate::domain::door::answer::SeatFacts| SeatOut {
            ticket_type_name: seat.type_name.clone(),
            position: seat.position,
            quantity: seat.quantity,
            email: seat.email.clone(),
        };
        match answer {
            ScanAnswer::Admit { seat, retried } => {
                out.result = "admit";
                out.seat = Some(seat_of(seat));
                out.retried = *retried;
            }
            ScanAnswer::AlreadyCheckedIn { seat, at, gate } => {
                out.result = "already_checked_in";
                out.seat = Some(seat_of(seat));
                out.checked_in_at = Some(utc(*at));
                out.checked_in_gate = Some(gate.clone());
            }
            ScanAnswer::UnknownCode => out.result = "unknown_code",
            ScanAnswer::WrongEvent {
                event_id, title, ..
            } => {
                out.result = "wrong_event";
                out.event_id = Some(*event_id);
                out.event_title = Some(title.clone());
            }
            ScanAnswer::NotValid { reason } => {
                out.result = "not_valid";
                out.reason = Some(reason.words());
            }
        }
        out
    }
}

/// Check a code in at this event's door. Every scan is answered 200 with its result;
/// only a malformed request is an error. Safe to resend with the same nonce.
#[utoipa::path(
    post, path = "/api/v1/events/{id}/checkins", tag = "door",
    operation_id = "checkInTicket",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The event")),
    request_body = CheckinRequest,
    responses(
        (status = 200, description = "The door's answer", body = CheckinAnswer),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Not door staff", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "No code or no gate", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/events/{id}/checkins")]
pub async fn create(
    state: web::Data<AppState>,
    ApiDoor(holder): ApiDoor,
    path: web::Path<i32>,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let request: CheckinRequest = body.parse()?;
    let scan = Scan {
        gate: Gate::parse(&request.gate).map_err(|e| field("gate", e))?,
        code: ScannedCode::parse(&request.code).map_err(|e| field("code", e))?,
        nonce: parse_nonce(request.nonce.as_deref().unwrap_or(""))
            .map_err(|e| field("nonce", e))?,
    };
    let answer = door::check_in_as(
        &state,
        path.into_inner(),
        holder.user_id,
        holder.every_door(),
        scan,
    )
    .await?;
    Ok(Answer::ok(&CheckinAnswer::new(&answer))?.respond())
}

/// A field's refusal from the door's input rules as a 422 naming the field.
fn field(name: &str, error: AppError) -> Problem {
    match error {
        AppError::BadRequest(message) => Problem::invalid(name, message),
        other => Problem::from(other),
    }
}
