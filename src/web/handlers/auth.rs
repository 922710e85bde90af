//! Registering, logging in and logging out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::db::users;
use crate::domain::accounts;
use crate::domain::form_errors::FieldErrors;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::{self, CurrentUser, safe_next};
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    email: String,
    next: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    email: String,
    next: String,
    error: Option<String>,
}

#[get("/register")]
pub async fn register_form(
    ctx: PageCtx,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    html(&RegisterPage {
        page: ctx.with_form("Create an account"),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        errors: FieldErrors::default(),
    })
}

#[post("/register")]
pub async fn register(
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let cost = state.settings.bcrypt_cost;
    let (email, password) = (form.email.clone(), form.password.clone());
    let registered = state
        .with_pool(move |pool| accounts::register(pool, &email, &password, cost, now))
        .await?;
    match registered {
        Ok(user) => {
            identity::log_in(&ctx.session, user.id, user.session_generation)?;
            flash::success(&ctx.session, "Welcome! Your account is ready.");
            Ok(see_other(&safe_next(Some(&form.next))))
        }
        Err(errors) => html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                page: ctx.with_form("Create an account"),
                email: form.email,
                next: safe_next(Some(&form.next)),
                errors,
            },
        ),
    }
}

#[get("/login")]
pub async fn login_form(
    ctx: PageCtx,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    html(&LoginPage {
        page: ctx.with_form("Log in"),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        error: None,
    })
}

/// The client address failed logins are counted against.
fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    let info = req.connection_info();
    let address = if trust_forwarded_for {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    address.unwrap_or("unknown").to_owned()
}

#[post("/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let address = client_address(&req, state.settings.trust_forwarded_for);
    let next = safe_next(Some(&form.next));
    let failed = |message: &str| {
        html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage {
                page: ctx.with_form("Log in"),
                email: form.email.clone(),
                next: next.clone(),
                error: Some(message.to_owned()),
            },
        )
    };
    if !state.login_throttle.allows(&form.email, &address) {
        return failed("Too many failed attempts. Wait a few minutes and try again.").map(
            |mut response| {
                *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                response
            },
        );
    }
    let cost = state.settings.bcrypt_cost;
    let (email, password) = (form.email.clone(), form.password.clone());
    let user = state
        .with_pool(move |pool| accounts::authenticate(pool, &email, &password, cost))
        .await?;
    match user {
        Some(user) => {
            state.login_throttle.record_success(&form.email);
            identity::log_in(&ctx.session, user.id, user.session_generation)?;
            Ok(see_other(&next))
        }
        None => {
            state.login_throttle.record_failure(&form.email, &address);
            failed("That email and password do not match an account.")
        }
    }
}

/// Logs out everywhere: the generation moves on, so every older cookie stops working.
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    state
        .db(move |conn| Ok(users::bump_session_generation(conn, user.id)?))
        .await?;
    identity::log_out(&ctx.session);
    Ok(see_other("/"))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

#[get("/account/password")]
pub async fn password_form(_user: CurrentUser, ctx: PageCtx) -> Result<HttpResponse, AppError> {
    html(&PasswordPage {
        page: ctx.page("Change your password"),
        errors: FieldErrors::default(),
    })
}

/// Changes the password; this session stays in, every other one ends.
#[post("/account/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let cost = state.settings.bcrypt_cost;
    let user_id = user.id;
    let changed = state
        .with_pool(move |pool| {
            accounts::change_password(
                pool,
                user_id,
                &form.current_password,
                &form.new_password,
                cost,
            )
        })
        .await?;
    match changed {
        Ok(generation) => {
            identity::log_in(&ctx.session, user_id, generation)?;
            flash::success(
                &ctx.session,
                "Your password is changed. Other devices have been logged out.",
            );
            Ok(see_other("/tickets"))
        }
        Err(errors) => html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                page: ctx.page("Change your password"),
                errors,
            },
        ),
    }
}
