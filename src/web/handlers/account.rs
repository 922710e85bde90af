//! The account page (`/account`): where to change the password, and the personal access
//! tokens of the JSON API: made (named, scoped, with a lifetime), shown exactly once,
//! listed and revoked here.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::personal_tokens::{self, NewToken, Wanted};
use crate::db::api_tokens::PersonalToken;
use crate::domain::accounts::api_token::LIFETIMES;
use crate::domain::accounts::token_scope::TokenScope;
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html_with_status, see_other};
use crate::web::views;

/// Where a token just made waits, in the (encrypted) session, for the one page that
/// shows it.
const NEW_TOKEN: &str = "new_token";

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    email: String,
    tokens: Vec<PersonalToken>,
    new_token: Option<NewToken>,
    lifetimes: &'static [(&'static str, &'static str, Option<chrono::TimeDelta>)],
    /// The scopes this account may give a token.
    scopes: Vec<TokenScope>,
    name: String,
    scope: String,
    expires: String,
    errors: FieldErrors,
}

impl AccountPage {
    fn when(&self, time: &chrono::NaiveDateTime) -> String {
        views::when(time)
    }

    fn scope_name(&self, stored: &str) -> &'static str {
        TokenScope::parse(stored).map_or("none", TokenScope::as_str)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires: String,
    /// A personal scope; a form without one makes a buyer's token.
    #[serde(default)]
    scope: String,
}

async fn account_page(
    state: &AppState,
    user: &CurrentUser,
    ctx: &PageCtx,
    status: StatusCode,
    form: TokenForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let tokens = personal_tokens::list(state, user.id).await?;
    let scopes = personal_tokens::grantable_scopes(state, user.id).await?;
    let new_token = ctx.session.get::<NewToken>(NEW_TOKEN).ok().flatten();
    if new_token.is_some() {
        ctx.session.remove(NEW_TOKEN);
    }
    html_with_status(
        status,
        &AccountPage {
            page: ctx.page("Your account"),
            email: user.email.clone(),
            tokens,
            new_token,
            lifetimes: LIFETIMES,
            scopes,
            name: form.name,
            scope: form.scope,
            expires: if form.expires.is_empty() {
                "90".to_owned()
            } else {
                form.expires
            },
            errors,
        },
    )
}

#[get("/account")]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    account_page(
        &state,
        &user,
        &ctx,
        StatusCode::OK,
        TokenForm::default(),
        FieldErrors::default(),
    )
    .await
}

/// Makes a personal access token; the next page shows its value once.
#[post("/account/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let wanted = Wanted {
        name: &form.name,
        scope: if form.scope.is_empty() {
            TokenScope::Buyer.as_str()
        } else {
            &form.scope
        },
        expires: &form.expires,
    };
    match personal_tokens::create(&state, user.id, wanted).await? {
        Ok(made) => {
            ctx.session
                .insert(NEW_TOKEN, made)
                .map_err(|error| AppError::Internal(format!("session insert: {error}")))?;
            Ok(see_other("/account"))
        }
        Err(errors) => {
            account_page(
                &state,
                &user,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
            )
            .await
        }
    }
}

#[post("/account/tokens/{id}/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    personal_tokens::revoke(&state, user.id, path.into_inner()).await?;
    flash::success(
        &ctx.session,
        "The token is revoked: it no longer opens the API.",
    );
    Ok(see_other("/account"))
}
