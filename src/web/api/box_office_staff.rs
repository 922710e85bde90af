//! The admin API for box office staff: list the grants, grant an account the selling of
//! one event's seats or of every event's, take a grant back (the same rules as the admin
//! page).

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiAdmin;
use super::problem::{Problem, ProblemBody};
use super::shapes::utc;
use crate::app::AppState;
use crate::app::staff;
use crate::db::box_office_grants::GrantRow;
use crate::domain::box_office::access::Granted;
use crate::domain::staff::grants::StaffRole;

/// One grant: who may sell seats, and of which event.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoxOfficeGrantOut {
    pub id: i32,
    /// The account's address.
    pub email: String,
    /// The event whose seats it sells; `null`: every event.
    pub event_id: Option<i32>,
    pub event_title: Option<String>,
    #[schema(format = DateTime)]
    pub granted_at: String,
}

impl BoxOfficeGrantOut {
    fn new((row, email, event_title): GrantRow) -> BoxOfficeGrantOut {
        BoxOfficeGrantOut {
            id: row.id,
            email,
            event_id: row.event_id,
            event_title,
            granted_at: utc(row.created_at),
        }
    }
}

/// A grant to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BoxOfficeGrantInput {
    /// The address of an existing account.
    #[schema(min_length = 3, max_length = 254, example = "seller@example.com")]
    pub email: String,
    /// One event; absent or `null`: every event.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub event_id: Option<i32>,
}

/// Every box office grant.
#[utoipa::path(
    get, path = "/api/v1/admin/box-office-staff", tag = "admin",
    operation_id = "listBoxOfficeStaff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every grant, by address", body = Vec<BoxOfficeGrantOut>),
    ),
)]
#[get("/admin/box-office-staff")]
pub async fn list(state: web::Data<AppState>, _: ApiAdmin) -> Result<HttpResponse, Problem> {
    let grants: Vec<BoxOfficeGrantOut> = staff::grants(&state, StaffRole::BoxOffice)
        .await?
        .into_iter()
        .map(BoxOfficeGrantOut::new)
        .collect();
    Ok(Answer::ok(&grants)?.respond())
}

/// Grant an account the box office of one event, or of every event. Granting what the
/// account already has changes nothing and answers 200 with that grant.
#[utoipa::path(
    post, path = "/api/v1/admin/box-office-staff", tag = "admin",
    operation_id = "grantBoxOfficeStaff",
    security(("bearer" = [])),
    request_body = BoxOfficeGrantInput,
    responses(
        (status = 201, description = "Granted", body = BoxOfficeGrantOut),
        (status = 200, description = "The account already had this grant", body = BoxOfficeGrantOut),
        (status = 400, description = "Not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: no account uses this address", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: not an address, or no such event", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/admin/box-office-staff")]
pub async fn grant(
    state: web::Data<AppState>,
    ApiAdmin(admin): ApiAdmin,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let input: BoxOfficeGrantInput = body.parse()?;
    let (granted, row) = staff::grant_listed(
        &state,
        StaffRole::BoxOffice,
        admin.user_id,
        input.email,
        input.event_id,
    )
    .await?;
    let out = BoxOfficeGrantOut::new(row);
    let answer = match granted {
        Granted::New => {
            Answer::created(format!("/api/v1/admin/box-office-staff/{}", out.id), &out)?
        }
        Granted::Already => Answer::ok(&out)?,
    };
    Ok(answer.respond())
}

/// Take a grant back.
#[utoipa::path(
    delete, path = "/api/v1/admin/box-office-staff/{id}", tag = "admin",
    operation_id = "revokeBoxOfficeStaff",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The grant")),
    responses(
        (status = 204, description = "Taken back"),
        (status = 404, description = "No such grant (or already taken back)", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[delete("/admin/box-office-staff/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    _: ApiAdmin,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    if staff::revoke(&state, StaffRole::BoxOffice, path.into_inner()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(Problem::not_found())
    }
}
