//! Who is calling the API: the holder of the request's bearer token (never the session
//! cookie, so no CSRF exposure), looked up once per request, and the extractors
//! `ApiCaller` (any live token), `ApiBuyer` (a token whose scope may buy), `ApiDoor` (one
//! whose scope may check in), `ApiSeller` (one whose scope may sell at the box office)
//! and `ApiAdmin` (an admin's, of a scope that allows it).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::problem::Problem;
use crate::app::AppState;
use crate::app::api_tokens::{self, TokenHolder};

/// What the request's `Authorization` header turned out to be.
#[derive(Debug, Clone)]
pub enum Bearer {
    Absent,
    /// A token was sent but is malformed, unknown, expired or revoked.
    Invalid,
    Valid(TokenHolder),
}

/// The token of an `Authorization: Bearer …` header (`None` without one; an
/// `Authorization` header of another scheme is a token that does not work).
fn presented(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let value = headers.get(AUTHORIZATION)?;
    let text = value.to_str().map_err(|_| ()).ok();
    let token = text.and_then(|text| {
        let (scheme, token) = text.trim().split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    });
    Some(token.ok_or(()))
}

/// The request's bearer, looked up once (the rate limiter and the handler share it).
pub async fn resolve(req: &HttpRequest) -> Result<Bearer, Problem> {
    if let Some(bearer) = req.extensions().get::<Bearer>() {
        return Ok(bearer.clone());
    }
    let bearer = match presented(req.headers()) {
        None => Bearer::Absent,
        Some(Err(())) => Bearer::Invalid,
        Some(Ok(token)) => {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| {
                    Problem::from(crate::error::AppError::Internal("state missing".into()))
                })?
                .clone();
            match api_tokens::authenticate(&state, &token).await? {
                Some(holder) => Bearer::Valid(holder),
                None => Bearer::Invalid,
            }
        }
    };
    req.extensions_mut().insert(bearer.clone());
    Ok(bearer)
}

/// The holder of a live token; 401 otherwise.
#[derive(Debug, Clone)]
pub struct ApiCaller(pub TokenHolder);

impl FromRequest for ApiCaller {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<ApiCaller, Problem>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(&req).await? {
                Bearer::Valid(holder) => Ok(ApiCaller(holder)),
                Bearer::Absent => Err(Problem::unauthorized(false)),
                Bearer::Invalid => Err(Problem::unauthorized(true)),
            }
        })
    }
}

/// An extractor for a live token whose scope passes `TokenScope::$allows`; 403
/// `token_scope`, naming what the token cannot `$what`, for any other.
macro_rules! scoped_caller {
    ($(#[$doc:meta])* $name:ident, $allows:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub TokenHolder);

        impl FromRequest for $name {
            type Error = Problem;
            type Future = Pin<Box<dyn Future<Output = Result<$name, Problem>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let caller = ApiCaller::from_request(req, payload);
                Box::pin(async move {
                    let ApiCaller(holder) = caller.await?;
                    if holder.scope.$allows() {
                        Ok($name(holder))
                    } else {
                        Err(Problem::out_of_scope(holder.scope, $what))
                    }
                })
            }
        }
    };
}

scoped_caller!(
    /// A live token whose scope may book, pay, resell and give away (not a door token).
    ApiBuyer,
    allows_buying,
    "book, pay, resell or give away"
);

scoped_caller!(
    /// A live token whose scope may sell to named customers (where its account keeps
    /// the box office: the use case decides).
    ApiSeller,
    allows_selling,
    "sell at the box office"
);

scoped_caller!(
    /// A live token whose scope may check codes in (where its account keeps the door:
    /// the use case decides); not a buyer's token.
    ApiDoor,
    allows_door,
    "check codes in"
);

/// An admin's live token of a scope that allows the admin API; 401 without one, 403 for
/// anyone else's (`token_scope` for an admin's buyer or door token).
#[derive(Debug, Clone)]
pub struct ApiAdmin(pub TokenHolder);

impl FromRequest for ApiAdmin {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<ApiAdmin, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = ApiCaller::from_request(req, payload);
        Box::pin(async move {
            let ApiCaller(holder) = caller.await?;
            if holder.is_admin {
                Ok(ApiAdmin(holder))
            } else if holder.admin_account {
                Err(Problem::out_of_scope(holder.scope, "use the admin API"))
            } else {
                Err(Problem::forbidden())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn with(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn only_the_bearer_scheme_carries_a_token() {
        assert_eq!(presented(&HeaderMap::new()), None);
        assert_eq!(presented(&with("Bearer bo_abc")), Some(Ok("bo_abc".into())));
        assert_eq!(
            presented(&with("bearer  bo_abc ")),
            Some(Ok("bo_abc".into()))
        );
        assert_eq!(presented(&with("Basic dXNlcjpwYXNz")), Some(Err(())));
        assert_eq!(presented(&with("Bearer")), Some(Err(())));
    }
}
