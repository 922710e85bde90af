//! The buyer gives back some seats of a paid group booking, behind a confirmation:
//! `GET /bookings/{id}/give-back` offers the seats that may go (checkboxes, sent as a
//! GET form); with `?seat=2&seat=3` it names what happens ("Give back 2 seats of
//! Standing and refund €50.00"); `POST /bookings/{id}/give-back` does it only with the
//! confirmation's `confirm=yes`, and without it answers 422 with the confirmation again
//! and nothing changed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::give_back::{self, GaveBack, GiveBackTerms};
use crate::app::refunds::RefundProgress;
use crate::db::models::Admission;
use crate::domain::bookings::selling_rules::{self, SellingRule};
use crate::domain::common::wording;
use crate::domain::payments::GiveBackChoice;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::identity::CurrentUser;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};

#[derive(Template)]
#[template(path = "booking_give_back.html")]
struct ChoosePage {
    page: Page,
    booking_id: i32,
    seats: Vec<Admission>,
    /// "any number", "in pairs"…: which counts may go.
    counts: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "booking_give_back_confirm.html")]
struct ConfirmPage {
    page: Page,
    booking_id: i32,
    /// What happens, in one sentence naming the seats and the money.
    consequence: String,
    /// "2,3": the positions, for the confirming form.
    positions: String,
    /// The booking's seats when they were chosen (see `GiveBackForm::quantity`).
    quantity: i32,
    button: String,
    error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GiveBackForm {
    #[serde(default)]
    seats: String,
    /// How many seats the booking held when the seats were chosen: positions are
    /// renumbered by a give-back, so a stale confirmation is refused, not applied to
    /// other seats.
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    confirm: String,
}

const NOT_CONFIRMED: &str =
    "Nothing was given back: confirm with the button below to give back these seats.";

/// The positions asked for (`seat=2&seat=3` in a query, `2,3` in the form): a clear 400
/// for anything that is not a seat number.
fn positions<'a>(values: impl Iterator<Item = &'a str>) -> Result<Vec<i32>, AppError> {
    values
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(|value| {
            value
                .parse::<i32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| AppError::BadRequest(format!("“{value}” is not a seat number.")))
        })
        .collect()
}

fn counts_allowed(rule: SellingRule, quantity: i32) -> String {
    let counts = give_back::allowed_counts(rule, quantity);
    match rule {
        SellingRule::Even => format!(
            "These seats are {}: give back {}.",
            selling_rules::describe(rule),
            wording::list_or(&counts)
        ),
        _ => format!(
            "Give back up to {}; the others stay valid.",
            wording::seats(i64::from(counts.last().copied().unwrap_or(1)))
        ),
    }
}

fn choose_page(ctx: &PageCtx, choice: GiveBackChoice, error: Option<String>) -> ChoosePage {
    ChoosePage {
        page: ctx.page("Give back some seats"),
        booking_id: choice.booking.id,
        counts: counts_allowed(choice.rule, choice.booking.quantity),
        seats: choice.seats,
        error,
    }
}

fn confirm_page(
    ctx: &PageCtx,
    choice: &GiveBackChoice,
    terms: &GiveBackTerms,
    error: Option<&'static str>,
) -> ConfirmPage {
    let given = i64::try_from(terms.seats.len()).unwrap_or(0);
    let which = format!(
        "{} {}",
        if given == 1 { "seat" } else { "seats" },
        wording::list_and(&terms.seats.iter().map(|s| s.position).collect::<Vec<_>>())
    );
    let seats = wording::seats(given);
    let kept = wording::seats(i64::from(terms.kept_seats));
    let type_name = &choice.type_name;
    let (consequence, button) = if terms.refund.pennies > 0 {
        (
            format!(
                "Give back {seats} of {type_name} ({which}) and refund {} to the card or account you paid with. You keep {kept}; their codes stay valid.",
                terms.refund
            ),
            format!("Give back {seats} and refund {}", terms.refund),
        )
    } else {
        (
            format!(
                "Give back {seats} of {type_name} ({which}). You keep {kept}; their codes stay valid."
            ),
            format!("Give back {seats}"),
        )
    };
    ConfirmPage {
        page: ctx.page("Give back these seats?"),
        booking_id: choice.booking.id,
        consequence,
        positions: terms
            .seats
            .iter()
            .map(|s| s.position.to_string())
            .collect::<Vec<_>>()
            .join(","),
        button,
        quantity: choice.booking.quantity,
        error,
    }
}

#[get("/bookings/{id}/give-back")]
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|error| AppError::BadRequest(format!("The address could not be read: {error}")))?;
    let wanted = positions(
        pairs
            .iter()
            .filter(|(name, _)| name == "seat")
            .map(|(_, value)| value.as_str()),
    )?;
    let choice = match give_back::choice(&state, user.id, booking_id).await {
        Ok(choice) => choice,
        Err(AppError::Refused { message, .. }) => {
            flash::error(&ctx.session, message);
            return Ok(see_other(&format!("/bookings/{booking_id}")));
        }
        Err(error) => return Err(error),
    };
    if wanted.is_empty() {
        let asked = pairs.iter().any(|(name, _)| name == "asked");
        let error = asked.then(|| "Choose at least one seat to give back.".to_owned());
        let status = if asked {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return html_with_status(status, &choose_page(&ctx, choice, error));
    }
    match give_back::terms(&choice, &wanted) {
        Ok(terms) => html(&confirm_page(&ctx, &choice, &terms, None)),
        Err(AppError::Refused { message, .. }) => html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &choose_page(&ctx, choice, Some(message)),
        ),
        Err(error) => Err(error),
    }
}

#[post("/bookings/{id}/give-back")]
pub async fn confirmed(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<GiveBackForm>,
) -> Result<HttpResponse, AppError> {
    let booking_id = path.into_inner();
    let wanted = positions(std::iter::once(form.seats.as_str()))?;
    if form.confirm != "yes" {
        // Nothing changes: the confirmation again (422), or why it cannot be (409).
        let choice = give_back::choice(&state, user.id, booking_id).await?;
        let terms = give_back::terms(&choice, &wanted)?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &confirm_page(&ctx, &choice, &terms, Some(NOT_CONFIRMED)),
        );
    }
    // A refusal (a seat gone meanwhile, the refund window closed, …) is a 409 page
    // saying why; nothing changed.
    let chosen_of = form.quantity.trim().parse::<i32>().map_err(|_| {
        AppError::BadRequest("The form does not say how many seats the booking held.".into())
    })?;
    let GaveBack {
        seats,
        kept_seats,
        refund,
        progress,
    } = give_back::give_back(&state, user.id, booking_id, wanted, chosen_of).await?;
    let given = wording::seats(i64::from(seats));
    let kept = wording::seats(i64::from(kept_seats));
    let message = match progress {
        _ if refund.pennies == 0 => {
            format!("You gave back {given}; they are back on sale. You keep {kept}.")
        }
        RefundProgress::Done => format!(
            "You gave back {given} and {refund} is on its way back to you. You keep {kept}."
        ),
        RefundProgress::Pending => format!(
            "You gave back {given}; the refund of {refund} is under way at the payment service. You keep {kept}."
        ),
    };
    flash::success(&ctx.session, message);
    Ok(see_other(&format!("/bookings/{booking_id}")))
}
