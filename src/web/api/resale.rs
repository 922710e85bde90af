//! An owner passing a paid booking on over the API: `POST /api/v1/bookings/{id}/resale`
//! offers it; `GET`, `PATCH` (a new price, under `If-Match` if sent) and `DELETE`
//! (withdraw) on `/api/v1/resale/{id}`, for its seller only (anyone else's id is 404);
//! `POST /api/v1/bookings/{id}/gift` gives it away. A listing's answer carries its
//! version as `ETag`; a buyer's lock refuses changes (409 `listing_locked`), a stale
//! `If-Match` is 412.

use actix_web::body::{BoxBody, to_bytes};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::answer::Answer;
use super::body::RawBody;
use super::caller::ApiBuyer;
use super::idempotent::{self, Key};
use super::problem::{Problem, ProblemBody};
use super::resale_shapes::{
    GiftAnswer, GiftRequest, LEAST_PRICE, ListingOut, ListingRequest, RepriceRequest,
};
use crate::app::{AppState, resale};
use crate::db::models::Listing;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::resale::AskedPrice;
use crate::error::AppError;

/// Offer one of your paid bookings for resale, whole, at face value or less (its codes
/// keep working until it sells). Refused while any seat is checked in, a refund is
/// under way, the payment is disputed, or the event has started, been cancelled or
/// does not allow resale.
#[utoipa::path(
    post, path = "/api/v1/bookings/{id}/resale", tag = "resale",
    operation_id = "createResaleListing",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Your paid booking"),
        ("Idempotency-Key" = String, Header, description = "Required: a new key (a UUID) per listing; a retry with the same key and body gets the same answer"),
    ),
    request_body = ListingRequest,
    responses(
        (status = 201, description = "Listed", body = ListingOut,
            headers(
                ("ETag" = String, description = "The listing's version, `\"<version>\"`, for If-Match"),
                ("Location" = String, description = "The listing: `/api/v1/resale/{id}`"),
            )),
        (status = 400, description = "No Idempotency-Key (`idempotency_key_required`), or a body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`already_listed`, `not_paid`, `not_resellable` (it cost nothing), `checked_in`, `refund_under_way`, `disputed`, `resale_closed` (the event started, was cancelled or does not allow resale), or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `price_pennies` below the currency's minimum charge or above what you paid; or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/bookings/{id}/resale")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let booking_id = path.into_inner();
    let user_id = holder.user_id;
    let response = idempotent::run(&state, &req, user_id, &body.0, Key::Required, || async {
        let request: ListingRequest = body.parse()?;
        if let Some(price) = request.price_pennies {
            check_least(price)?;
        }
        let asked = request
            .price_pennies
            .map_or(AskedPrice::FaceValue, AskedPrice::Pennies);
        let listing = resale::list(&state, user_id, booking_id, asked)
            .await
            .map_err(price_named)?;
        Answer::created(
            format!("/api/v1/resale/{}", listing.id),
            &ListingOut::new(&listing, state.clock.now()),
        )
    })
    .await;
    tagged_from_body(response).await
}

/// One of your listings.
#[utoipa::path(
    get, path = "/api/v1/resale/{id}", tag = "resale",
    operation_id = "showResaleListing",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Your listing")),
    responses(
        (status = 200, description = "The listing", body = ListingOut,
            headers(("ETag" = String, description = "The listing's version, `\"<version>\"`, for If-Match"))),
    ),
)]
#[get("/resale/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let listing = resale::own_listing(&state, holder.user_id, path.into_inner()).await?;
    respond(&state, &listing)
}

/// Change your listing's price. With `If-Match`, only if the listing is still at that
/// version (412 otherwise); refused while a buyer is paying for it.
#[utoipa::path(
    patch, path = "/api/v1/resale/{id}", tag = "resale",
    operation_id = "repriceResaleListing",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Your listing"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|"[0-9]{1,9}")$"#,
            description = "The listing's `ETag` as you read it (`\"3\"`), or `*`: change it only if it is still at that version. One tag only; a malformed one is 400"),
    ),
    request_body = RepriceRequest,
    responses(
        (status = 200, description = "Repriced (the version goes up)", body = ListingOut,
            headers(("ETag" = String, description = "The listing's new version, `\"<version>\"`"))),
        (status = 400, description = "A malformed `If-Match`, or a body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`listing_locked` (a buyer is paying for it: try again once `locked_until` has passed), `not_listed` (sold or withdrawn), `refund_under_way`, `checked_in`, `disputed`, `resale_closed`, or `version_mismatch` (changed meanwhile, without `If-Match`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`: the listing is no longer at the version `If-Match` names; read it again", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `price_pennies` below the currency's minimum charge or above what you paid", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[patch("/resale/{id}")]
pub async fn reprice(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> Result<HttpResponse, Problem> {
    let expected = if_match(&req)?;
    let request: RepriceRequest = body.parse()?;
    check_least(request.price_pennies)?;
    let listing = resale::reprice(
        &state,
        holder.user_id,
        path.into_inner(),
        AskedPrice::Pennies(request.price_pennies),
        expected,
    )
    .await
    .map_err(|error| match error {
        AppError::Refused {
            code: code @ "version_mismatch",
            message,
        } if expected.is_some() => Problem::new(StatusCode::PRECONDITION_FAILED, code, message),
        other => price_named(other),
    })?;
    respond(&state, &listing)
}

/// Withdraw your listing: the booking is yours as before. Answers the withdrawn listing.
#[utoipa::path(
    delete, path = "/api/v1/resale/{id}", tag = "resale",
    operation_id = "withdrawResaleListing",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Your listing")),
    responses(
        (status = 200, description = "Withdrawn (`status` is `withdrawn`)", body = ListingOut,
            headers(("ETag" = String, description = "The listing's new version, `\"<version>\"`"))),
        (status = 409, description = "`listing_locked` (a buyer is paying for it: try again once `locked_until` has passed) or `not_listed` (sold or withdrawn already)", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[delete("/resale/{id}")]
pub async fn withdraw(
    state: web::Data<AppState>,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let listing = resale::withdraw(&state, holder.user_id, path.into_inner()).await?;
    respond(&state, &listing)
}

/// Give one of your paid bookings to another account, for free: its seats pass to a
/// new booking of theirs with new codes, and yours stop admitting. Refused while the
/// booking is listed for resale (withdraw the listing first).
#[utoipa::path(
    post, path = "/api/v1/bookings/{id}/gift", tag = "resale",
    operation_id = "giveBooking",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Your paid booking"),
        ("Idempotency-Key" = String, Header, description = "Required: a new key (a UUID) per gift; a retry with the same key and body gets the same answer"),
    ),
    request_body = GiftRequest,
    responses(
        (status = 201, description = "Given: your booking is `transferred`", body = GiftAnswer,
            headers(("Location" = String, description = "The receiver's booking (readable with their token only)"))),
        (status = 400, description = "No Idempotency-Key (`idempotency_key_required`), or a body that is not JSON (`bad_request`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`listed` (withdraw its listing first), `receiver_holds` (they already have a booking for the event), `not_paid`, `checked_in`, `refund_under_way`, `disputed`, `resale_closed` (the event started or was cancelled), or `idempotency_in_flight`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `email` is not an address, no account uses it, or it is yours; or `idempotency_key_reused`", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[post("/bookings/{id}/gift")]
pub async fn give(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiBuyer(holder): ApiBuyer,
    path: web::Path<i32>,
    body: RawBody,
) -> HttpResponse {
    let booking_id = path.into_inner();
    let user_id = holder.user_id;
    idempotent::run(&state, &req, user_id, &body.0, Key::Required, || async {
        let request: GiftRequest = body.parse()?;
        if !(3..=254).contains(&request.email.chars().count()) {
            return Err(Problem::invalid(
                "email",
                "An email address is 3 to 254 characters.",
            ));
        }
        let received = resale::give(&state, user_id, booking_id, request.email).await?;
        Answer::created(
            format!("/api/v1/bookings/{}", received.id),
            &GiftAnswer {
                booking_id,
                status: BookingStatus::Transferred.as_str(),
                receiver_booking_id: received.id,
            },
        )
    })
    .await
}

/// The expected version an `If-Match` names: none without the header or with `*`.
fn if_match(req: &HttpRequest) -> Result<Option<i32>, Problem> {
    let mut values = req.headers().get_all(header::IF_MATCH);
    let (Some(value), None) = (values.next(), values.next()) else {
        return if req.headers().contains_key(header::IF_MATCH) {
            Err(malformed_if_match())
        } else {
            Ok(None)
        };
    };
    let text = value.to_str().map_err(|_| malformed_if_match())?.trim();
    if text == "*" {
        return Ok(None);
    }
    text.strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|digits| (1..=9).contains(&digits.len()))
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
        .map(Some)
        .ok_or_else(malformed_if_match)
}

fn malformed_if_match() -> Problem {
    Problem::bad_request(
        "If-Match takes one listing's ETag as it was sent (\"3\", with the quotes), or *.",
    )
}

/// A price below what the schema allows is refused before anything is read.
fn check_least(price_pennies: i64) -> Result<(), Problem> {
    if price_pennies < LEAST_PRICE {
        return Err(Problem::invalid(
            "price_pennies",
            "A price is a positive number of the currency's minor unit (cents).",
        ));
    }
    Ok(())
}

/// A refusal, with the domain's `price` named as the body's field `price_pennies`.
fn price_named(error: AppError) -> Problem {
    match error {
        AppError::Unprocessable {
            field: "price",
            message,
        } => Problem::invalid("price_pennies", message),
        other => Problem::from(other),
    }
}

/// The listing, 200, with its version as `ETag`.
fn respond(state: &AppState, listing: &Listing) -> Result<HttpResponse, Problem> {
    let mut response = Answer::ok(&ListingOut::new(listing, state.clock.now()))?.respond();
    set_tag(&mut response, i64::from(listing.version));
    Ok(response)
}

fn set_tag(response: &mut HttpResponse, version: i64) {
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
}

/// A listing's successful answer, first or replayed under its Idempotency-Key (which
/// keeps status, body and `Location` only), with the `ETag` of the version in its body.
async fn tagged_from_body(response: HttpResponse) -> HttpResponse {
    if !response.status().is_success() {
        return response;
    }
    let (head, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body).await else {
        return HttpResponse::from_error(Problem::from(AppError::Internal(
            "reading a listing's answer".into(),
        )));
    };
    let version = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|listing| listing["version"].as_i64());
    let mut response = head.set_body(BoxBody::new(bytes));
    if let Some(version) = version {
        set_tag(&mut response, version);
    }
    response
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_match_is_absent_a_star_or_one_quoted_version() {
        let read = |values: &[&str]| {
            let mut req = TestRequest::patch();
            for value in values {
                req = req.append_header((header::IF_MATCH, *value));
            }
            if_match(&req.to_http_request()).map_err(|p| p.status.as_u16())
        };
        assert_eq!(read(&[]), Ok(None));
        assert_eq!(read(&["*"]), Ok(None));
        assert_eq!(read(&["\"3\""]), Ok(Some(3)));
        assert_eq!(read(&[" \"12\" "]), Ok(Some(12)));
        for bad in [
            "3",
            "W/\"3\"",
            "\"3\", \"4\"",
            "\"\"",
            "\"-1\"",
            "\"9999999999\"",
            "\"x\"",
        ] {
            assert_eq!(read(&[bad]), Err(400), "{bad}");
        }
        assert_eq!(read(&["\"3\"", "\"4\""]), Err(400), "two headers");
    }
}
