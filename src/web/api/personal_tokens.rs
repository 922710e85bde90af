//! Personal access tokens over the API: `POST /api/v1/tokens/personal` (named, scoped,
//! with an optional lifetime; shown once), `GET` to list them and `DELETE …/{id}` to
//! revoke one. Making one needs a token minted with the password in the last 15 minutes
//! (so neither a stolen short-lived token nor a personal one can turn itself into a
//! long-lived one); listing and revoking, a token minted with the password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiCaller;
use super::problem::{Problem, ProblemBody};
use super::shapes::utc;
use crate::app::AppState;
use crate::app::api_tokens::TokenHolder;
use crate::app::personal_tokens::{self, Wanted};
use crate::db::api_tokens::PersonalToken;
use crate::domain::accounts::token_scope::TokenScope;

/// A personal access token to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonalTokenRequest {
    /// What it is for (1–60 characters, no control characters).
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*\S[^\x00-\x1f\x7f-\x9f]*$",
        example = "Box office till 2"
    )]
    pub name: String,
    pub scope: PersonalScope,
    /// Days until it expires: 7, 30, 90 or 365; absent or `null`: it never expires.
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 7, maximum = 365, multiple_of = 1)]
    pub expires_in_days: Option<u16>,
}

/// What a personal access token may do: `buyer` bookings, resale and gifts; `door` check
/// codes in (door staff only); `box_office` sell to named customers (box office staff
/// only); `admin` everything an admin may (admins only).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonalScope {
    Buyer,
    Door,
    BoxOffice,
    Admin,
}

impl PersonalScope {
    fn scope(self) -> TokenScope {
        match self {
            PersonalScope::Buyer => TokenScope::Buyer,
            PersonalScope::Door => TokenScope::Door,
            PersonalScope::BoxOffice => TokenScope::BoxOffice,
            PersonalScope::Admin => TokenScope::Admin,
        }
    }
}

/// The lifetimes offered, in days.
const LIFETIME_DAYS: [u16; 4] = [7, 30, 90, 365];

/// A personal access token as listed (never its value).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalTokenOut {
    pub id: i32,
    pub name: String,
    #[schema(pattern = "^(buyer|door|box_office|admin|full)$")]
    pub scope: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

impl PersonalTokenOut {
    fn new(token: PersonalToken) -> PersonalTokenOut {
        PersonalTokenOut {
            id: token.id,
            name: token.name.unwrap_or_default(),
            scope: token.scope,
            created_at: utc(token.created_at),
            expires_at: token.expires_at.map(utc),
            last_used_at: token.last_used_at.map(utc),
        }
    }
}

/// A personal access token just made: the only time its value is seen.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewPersonalToken {
    pub id: i32,
    pub name: String,
    #[schema(pattern = "^(buyer|door|box_office|admin)$")]
    pub scope: String,
    /// Send it as `Authorization: Bearer <token>`. Shown once; only its hash is kept.
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// 403 unless `holder` is a token minted with the password (recently, to make one).
fn authorize(holder: &TokenHolder, making: Option<chrono::NaiveDateTime>) -> Result<(), Problem> {
    let allowed = match making {
        Some(now) => personal_tokens::logged_in_recently(holder, now),
        None => personal_tokens::may_manage(holder),
    };
    if allowed {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "recent_log_in_required",
            if making.is_some() {
                "Make personal access tokens with a token minted with your password \
                 (POST /api/v1/tokens) in the last 15 minutes."
            } else {
                "Manage personal access tokens with a token minted with your password \
                 (POST /api/v1/tokens)."
            },
        ))
    }
}

/// Make a personal access token: named, scoped, with an optional lifetime. Needs a token
/// minted with the password in the last 15 minutes.
#[utoipa::path(
    post, path = "/api/v1/tokens/personal", tag = "tokens",
    operation_id = "createPersonalToken",
    security(("bearer" = [])),
    request_body = PersonalTokenRequest,
    responses(
        (status = 201, description = "Made: its value is shown this once", body = NewPersonalToken),
        (status = 403, description = "`recent_log_in_required`: not a token minted with the password in the last 15 minutes", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a bad name, scope or lifetime, a scope beyond the account's roles, or 20 live tokens already", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/tokens/personal")]
pub async fn create(
    state: web::Data<AppState>,
    ApiCaller(holder): ApiCaller,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    authorize(&holder, Some(state.clock.now()))?;
    let request: PersonalTokenRequest = body.parse()?;
    if request.name.chars().count() > 60 {
        return Err(Problem::invalid("name", "Use at most 60 characters."));
    }
    let expires = match request.expires_in_days {
        None => "never".to_owned(),
        Some(days) if LIFETIME_DAYS.contains(&days) => days.to_string(),
        Some(_) => {
            return Err(Problem::invalid(
                "expires_in_days",
                "Use 7, 30, 90 or 365 days, or null for a token that never expires.",
            ));
        }
    };
    let wanted = Wanted {
        name: &request.name,
        scope: request.scope.scope().as_str(),
        expires: &expires,
    };
    let made = personal_tokens::create(&state, holder.user_id, wanted)
        .await?
        .map_err(Problem::from)?;
    let out = NewPersonalToken {
        id: made.id,
        name: made.name,
        scope: made.scope.as_str().to_owned(),
        token: made.token,
        expires_at: made.expires_at.map(utc),
    };
    Ok(Answer::created(format!("/api/v1/tokens/personal/{}", out.id), &out)?.respond())
}

/// The account's live personal access tokens, newest first (never their values).
#[utoipa::path(
    get, path = "/api/v1/tokens/personal", tag = "tokens",
    operation_id = "listPersonalTokens",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The live personal access tokens", body = Vec<PersonalTokenOut>),
        (status = 403, description = "`recent_log_in_required`: not a token minted with the password", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[get("/tokens/personal")]
pub async fn list(
    state: web::Data<AppState>,
    ApiCaller(holder): ApiCaller,
) -> Result<HttpResponse, Problem> {
    authorize(&holder, None)?;
    let tokens: Vec<PersonalTokenOut> = personal_tokens::list(&state, holder.user_id)
        .await?
        .into_iter()
        .map(PersonalTokenOut::new)
        .collect();
    Ok(Answer::ok(&tokens)?.respond())
}

/// Revoke one of the account's personal access tokens.
#[utoipa::path(
    delete, path = "/api/v1/tokens/personal/{id}", tag = "tokens",
    operation_id = "revokePersonalToken",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "The token")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "`recent_log_in_required`: not a token minted with the password", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such live token of yours", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[delete("/tokens/personal/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    ApiCaller(holder): ApiCaller,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    authorize(&holder, None)?;
    personal_tokens::revoke(&state, holder.user_id, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
