//! The JSON API under `/api/v1`, beside the HTML shop on the same port: bearer tokens
//! (never the session cookie), problem+json errors, idempotency keys, rate limits, and
//! an OpenAPI 3.1 document generated from these handlers. Each handler extracts,
//! authorizes (`ApiCaller` / `ApiAdmin`), makes one use-case call (`app`) and answers.
//!
//! May import what `web` may: `app` and the types its use cases take and return.

pub mod accounts;
pub mod admin_events;
pub mod admin_sales;
pub mod admin_shapes;
pub mod answer;
pub mod body;
pub mod bookings;
pub mod box_office;
pub mod box_office_staff;
pub mod caller;
pub mod checkins;
pub mod docs_page;
pub mod door_staff;
pub mod etag;
pub mod events;
pub mod events_feed;
pub mod give_back;
pub mod idempotent;
pub mod limits;
pub mod no_route;
pub mod openapi;
pub mod openapi_links;
pub mod paging;
pub mod personal_tokens;
pub mod problem;
pub mod resale;
pub mod resale_offers;
pub mod resale_shapes;
pub mod shapes;
pub mod tokens;
pub mod webhooks;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, error, web};

use problem::Problem;

/// The `/api/v1` scope: its routes, its rate limits, and problem+json for every failure
/// to extract a path or query.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/api/v1")
        .wrap(from_fn(limits::enforce))
        .app_data(
            web::PathConfig::default()
                .error_handler(|_: error::PathError, _: &HttpRequest| Problem::not_found().into()),
        )
        .app_data(web::QueryConfig::default().error_handler(
            |err: error::QueryPayloadError, _: &HttpRequest| {
                Problem::bad_request(format!("A query parameter is wrong: {err}")).into()
            },
        ))
        // The hot routes first: actix tries the routes in this order, and each pattern
        // with an `{id}` before the one that matches costs a regex run. None of these
        // patterns matches a path another route answers.
        .service(events::show)
        .service(checkins::create)
        .service(accounts::create)
        .service(tokens::create)
        .service(tokens::revoke)
        .service(personal_tokens::create)
        .service(personal_tokens::list)
        .service(personal_tokens::revoke)
        .service(events::list)
        .service(bookings::create)
        .service(bookings::list)
        .service(bookings::show)
        .service(bookings::checkout)
        .service(bookings::cancel)
        .service(give_back::give_back_seats)
        .service(resale_offers::offers)
        .service(resale_offers::purchase)
        .service(resale::create)
        .service(resale::show)
        .service(resale::reprice)
        .service(resale::withdraw)
        .service(resale::give)
        .service(admin_events::list)
        .service(admin_events::create)
        .service(admin_events::show)
        .service(admin_events::update)
        .service(admin_events::remove)
        .service(admin_events::publish)
        .service(admin_events::unpublish)
        .service(admin_events::cancel)
        .service(admin_events::add_ticket_type)
        .service(admin_events::update_ticket_type)
        .service(admin_sales::bookings)
        .service(admin_sales::payments)
        .service(admin_sales::refund)
        .service(door_staff::list)
        .service(door_staff::grant)
        .service(door_staff::revoke)
        .service(webhooks::list)
        .service(webhooks::create)
        .service(webhooks::show)
        .service(webhooks::update)
        .service(webhooks::enable)
        .service(webhooks::disable)
        .service(webhooks::remove)
        .service(webhooks::replay)
        .service(events_feed::feed)
        .service(box_office::create)
        .service(box_office_staff::list)
        .service(box_office_staff::grant)
        .service(box_office_staff::revoke)
        .service(openapi::json)
        .service(docs_page::docs)
        .default_service(web::to(no_route::no_route))
}
