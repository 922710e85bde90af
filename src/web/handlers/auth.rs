//! Registering (which never logs in: the mailed link does), logging in and logging out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::accounts;
use crate::app::login::{Attempt, LogIn, log_in};
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::{self, CurrentUser, safe_next};
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::{client_address, trusted_device};

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
    /// The log-in page, keeping `next`.
    login_link: String,
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
    let next = safe_next(query.next.as_deref());
    html(&RegisterPage {
        page: ctx.with_form("Create an account"),
        email: String::new(),
        login_link: login_url(&next),
        next,
        errors: FieldErrors::default(),
    })
}

/// What every registration is told, new email or not: nothing in the answer (status,
/// wording, redirect, session) says whether the email already had an account. A new
/// account's mail holds the link that confirms it and logs in; a taken address's owner
/// is mailed that someone tried, with the ways to log in.
pub const REGISTERED: &str = "Check your inbox: we sent a link to finish signing up. \
     Following it logs you in and brings you back here.";

/// `/login`, keeping where the visitor was going.
pub fn login_url(next: &str) -> String {
    if next == "/" {
        return "/login".to_owned();
    }
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    format!("/login?{query}")
}

#[post("/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(Some(&form.next));
    let form_page = |errors| {
        html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                page: ctx.with_form("Create an account"),
                email: form.email.clone(),
                next: next.clone(),
                login_link: login_url(&next),
                errors,
            },
        )
    };
    let address = client_address::of(&req, &state.settings.client_addresses);
    match accounts::register(&state, &address, &form.email, &form.password, &next).await? {
        // Created or already registered: the same answer.
        Ok(()) => {
            flash::success(&ctx.session, REGISTERED);
            Ok(see_other(&login_url(&next)))
        }
        Err(errors) => form_page(errors),
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

#[post("/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let address = client_address::of(&req, &state.settings.client_addresses);
    let next = safe_next(Some(&form.next));
    let answer = |status: StatusCode, message: &str| {
        html_with_status(
            status,
            &LoginPage {
                page: ctx.with_form("Log in"),
                email: form.email.clone(),
                next: next.clone(),
                error: Some(message.to_owned()),
            },
        )
    };
    let device_secrets = trusted_device::presented(&req);
    let attempt = Attempt {
        address: &address,
        email: &form.email,
        password: &form.password,
        device_secrets: Some(&device_secrets),
    };
    match log_in(&state, attempt).await? {
        LogIn::Welcome { user, device } => {
            identity::log_in(&ctx.session, user.id, user.session_generation)?;
            let mut response = see_other(&next);
            if let Some(device) = device {
                let secure = state.settings.cookies_secure();
                trusted_device::remember(&mut response, &req, &device, secure);
            }
            Ok(response)
        }
        LogIn::ClosedToNewDevices { retry_after } => with_retry_after(
            answer(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed attempts for this account. If it is yours, log in from a \
                 device you have used here before, or wait a few minutes and try again.",
            )?,
            retry_after,
        ),
        LogIn::AddressThrottled { retry_after } => with_retry_after(
            answer(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed log-ins come from your network. Try again in a few \
                 minutes, or log in from a device you have used here before.",
            )?,
            retry_after,
        ),
        LogIn::Refused => answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That email and password do not match an account.",
        ),
    }
}

/// Adds `Retry-After` (seconds) to a refusal.
fn with_retry_after(mut response: HttpResponse, seconds: u64) -> Result<HttpResponse, AppError> {
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(seconds.max(1)),
    );
    Ok(response)
}

/// Logs out everywhere: the generation moves on, so every older cookie stops working.
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    accounts::log_out_everywhere(&state, user.id).await?;
    identity::log_out(&ctx.session);
    Ok(see_other("/"))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    errors: FieldErrors,
    error: Option<String>,
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
        error: None,
    })
}

/// Changes the password; this session and this device stay in, every other session,
/// API token, reset link and known device ends.
#[post("/account/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let user_id = user.id;
    let form_page = |status, errors, error: Option<&str>| {
        html_with_status(
            status,
            &PasswordPage {
                page: ctx.page("Change your password"),
                errors,
                error: error.map(str::to_owned),
            },
        )
    };
    let changed = accounts::change_password(
        &state,
        user_id,
        &form.current_password,
        &form.new_password,
        &trusted_device::presented(&req),
    )
    .await?;
    match changed {
        accounts::PasswordChange::Changed { generation, device } => {
            identity::log_in(&ctx.session, user_id, generation)?;
            flash::success(
                &ctx.session,
                "Your password is changed. Other devices have been logged out.",
            );
            let mut response = see_other("/bookings");
            trusted_device::remember(
                &mut response,
                &req,
                &device,
                state.settings.cookies_secure(),
            );
            Ok(response)
        }
        accounts::PasswordChange::Invalid(errors) => {
            form_page(StatusCode::UNPROCESSABLE_ENTITY, errors, None)
        }
        accounts::PasswordChange::TooMany { retry_after } => with_retry_after(
            form_page(
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::default(),
                Some(
                    "Too many attempts to change this account's password. Please wait a few \
                     minutes and try again.",
                ),
            )?,
            retry_after,
        ),
    }
}
