//! `POST /api/v1/tokens` (log in: a bearer token for an email and password) and
//! `DELETE /api/v1/tokens/current` (revoke the token the request carries).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, post, web};

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiCaller;
use super::problem::{Problem, ProblemBody};
use super::shapes::{TokenAnswer, TokenRequest, utc};
use crate::app::AppState;
use crate::app::api_tokens::{self, TokenRequest as Outcome};
use crate::web::client_address;

/// Log in: a bearer token for an email and password (24 hours by default). Failures
/// count toward the same throttle as the web log-in; tokens minted are limited per
/// account (`API_TOKENS_PER_HOUR`). A personal access token, made on the web account
/// page, needs no password and is used the same way.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "tokens",
    operation_id = "createToken",
    security(),
    request_body = TokenRequest,
    responses(
        (status = 201, description = "A new token", body = TokenAnswer),
        (status = 400, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures for the account or from the address (`login_throttled`), or too many requests", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Too many log-ins being checked at once (`unavailable`): retry after `Retry-After`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/tokens")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let request: TokenRequest = body.parse()?;
    let address = client_address::of(&req, &state.settings.client_addresses);
    match api_tokens::issue(&state, &address, &request.email, &request.password).await? {
        Outcome::Issued { token, expires_at } => Ok(Answer::created(
            "/api/v1/tokens/current".to_owned(),
            &TokenAnswer {
                token,
                token_type: "Bearer",
                expires_at: utc(expires_at),
            },
        )?
        .respond()),
        Outcome::Refused => Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Wrong email or password.",
        )),
        Outcome::TooManyTokens(quota) => Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "This account has been given {} tokens this hour. Retry after the time in \
                 Retry-After, reuse a token, or make a personal access token on the account page.",
                quota.limit
            ),
        )
        .retry_after(quota.retry_after_seconds())),
        Outcome::Throttled { retry_after } => Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "login_throttled",
            "Too many failed log-ins for this account or from this address. Retry after the \
             time in Retry-After, use a personal access token, or reset the password.",
        )
        .retry_after(retry_after)),
    }
}

/// Revoke the token this request carries (log out this client).
#[utoipa::path(
    delete, path = "/api/v1/tokens/current", tag = "tokens",
    operation_id = "revokeCurrentToken",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
    ),
)]
#[delete("/tokens/current")]
pub async fn revoke(
    state: web::Data<AppState>,
    ApiCaller(holder): ApiCaller,
) -> Result<HttpResponse, Problem> {
    api_tokens::revoke(&state, holder.token_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
