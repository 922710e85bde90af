//! `POST /api/v1/accounts`: sign up over the API, with the rules, limits and mails of the
//! web's registration form, and the same answer whether the address was new or taken.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::RawBody;
use super::problem::{Problem, ProblemBody};
use crate::app::{AppState, accounts};
use crate::web::client_address;

/// An account to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountRequest {
    #[schema(min_length = 3, max_length = 254, example = "fan@example.com")]
    pub email: String,
    /// 8 characters to 72 bytes, no control characters.
    #[schema(min_length = 8, max_length = 72, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub password: String,
}

/// What happens next (the same for a new and a taken address).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountAnswer {
    /// Always `check_your_inbox`.
    #[schema(example = "check_your_inbox")]
    pub status: &'static str,
    pub detail: &'static str,
}

const DETAIL: &str = "If the address can be used, a mail is on its way: its link confirms the \
    address. If it already had an account, its owner is mailed how to log in or reset the \
    password instead. Get a token with POST /api/v1/tokens.";

/// Sign up. Answered `202` alike whether the address was new or already had an account
/// (nothing here tells them apart); the address's mailbox learns which. Under the web
/// form's registration limits (per client address, and for the whole shop).
#[utoipa::path(
    post, path = "/api/v1/accounts", tag = "tokens",
    operation_id = "createAccount",
    security(),
    request_body = AccountRequest,
    responses(
        (status = 202, description = "Taken: a mail follows", body = AccountAnswer),
        (status = 422, description = "`validation`: not an address, or a password outside the rules", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many accounts from this network, or for the whole shop, recently", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/accounts")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let request: AccountRequest = body.parse()?;
    let address = client_address::of(&req, &state.settings.client_addresses);
    accounts::register(&state, &address, &request.email, &request.password, "/")
        .await?
        .map_err(Problem::from)?;
    Ok(Answer::accepted(&AccountAnswer {
        status: "check_your_inbox",
        detail: DETAIL,
    })?
    .respond())
}
