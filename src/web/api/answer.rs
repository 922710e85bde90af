//! A successful API answer before it is sent: status, JSON body and `Location`; kept as
//! such by an idempotency key and replayed byte for byte.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde::Serialize;

use super::problem::Problem;
use crate::domain::api::idempotency::KeptAnswer;

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl Answer {
    pub fn ok(body: &impl Serialize) -> Result<Answer, Problem> {
        Answer::with_status(StatusCode::OK, body)
    }

    /// 202: taken, with its effect to follow (a mail).
    pub fn accepted(body: &impl Serialize) -> Result<Answer, Problem> {
        Answer::with_status(StatusCode::ACCEPTED, body)
    }

    /// 201 with the new resource's address.
    pub fn created(location: String, body: &impl Serialize) -> Result<Answer, Problem> {
        let mut answer = Answer::with_status(StatusCode::CREATED, body)?;
        answer.location = Some(location);
        Ok(answer)
    }

    fn with_status(status: StatusCode, body: &impl Serialize) -> Result<Answer, Problem> {
        let body = serde_json::to_string(body).map_err(|error| {
            Problem::from(crate::error::AppError::Internal(format!(
                "JSON answer: {error}"
            )))
        })?;
        Ok(Answer {
            status,
            body,
            location: None,
        })
    }

    pub fn respond(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        response.body(self.body)
    }

    /// What an idempotency key keeps of an outcome (a problem's body too, below 500).
    pub fn kept(outcome: &Result<Answer, Problem>) -> KeptAnswer {
        match outcome {
            Ok(answer) => KeptAnswer {
                status: answer.status.as_u16(),
                body: answer.body.clone(),
                location: answer.location.clone(),
            },
            Err(problem) => KeptAnswer {
                status: problem.status.as_u16(),
                body: serde_json::to_string(&problem.body()).unwrap_or_default(),
                location: None,
            },
        }
    }

    /// A kept answer, sent again, marked `Idempotent-Replayed: true` as Stripe does.
    pub fn replay(kept: KeptAnswer) -> HttpResponse {
        let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
        let mut response = HttpResponse::build(status);
        response
            .content_type(if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            })
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("Idempotent-Replayed", "true"));
        if let Some(location) = kept.location {
            response.insert_header((header::LOCATION, location));
        }
        response.body(kept.body)
    }
}
