//! The routes table.

use actix_web::web;

use super::assets;
use super::handlers::{
    account, address_check, admin, auth, catalogue, checkout, door, health, password_reset,
    test_checkout, tickets,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::api::scope())
        .service(catalogue::home)
        .service(catalogue::event)
        .service(tickets::reserve)
        .service(tickets::list)
        .service(tickets::show)
        .service(tickets::cancel)
        .service(checkout::pay)
        .service(checkout::success)
        .service(checkout::stripe_webhook)
        .service(test_checkout::show)
        .service(test_checkout::pay)
        .service(test_checkout::decline)
        .service(auth::register_form)
        .service(auth::register)
        .service(auth::login_form)
        .service(auth::login)
        .service(auth::logout)
        .service(account::show)
        .service(account::create_token)
        .service(account::revoke_token)
        .service(auth::password_form)
        .service(auth::change_password)
        .service(password_reset::forgot_form)
        .service(password_reset::forgot)
        .service(password_reset::reset_form)
        .service(password_reset::reset)
        .service(address_check::page)
        .service(address_check::confirm)
        .service(admin::accounts::list)
        .service(admin::dashboard::dashboard)
        .service(admin::bookings::list)
        .service(admin::events::new)
        .service(admin::events::create)
        .service(admin::events::edit)
        .service(admin::events::update)
        .service(admin::events::publish)
        .service(admin::events::unpublish)
        .service(admin::event_cancel::page)
        .service(admin::event_cancel::cancel)
        .service(admin::ticket_types::new)
        .service(admin::ticket_types::create)
        .service(admin::ticket_types::edit)
        .service(admin::ticket_types::update)
        .service(admin::door_staff::list)
        .service(admin::door_staff::grant)
        .service(admin::door_staff::revoke)
        .service(admin::checkins::list)
        .service(admin::checkins::undo)
        .service(admin::door_list::printable)
        .service(admin::door_list::csv_file)
        .service(door::events)
        .service(door::check_in)
        .service(door::scan)
        .service(admin::payments::list)
        .service(admin::payments::refund)
        .service(admin::payments::refund_payment)
        .service(admin::outbox::list)
        .service(admin::outbox::retry)
        .service(admin::mailbox::list)
        .service(admin::mailbox::show)
        .service(health::healthz)
        .service(super::metrics::exposition)
        .service(assets::stylesheet)
        .service(assets::door_script);
}

/// Anything not routed: the 404 page.
pub async fn not_found() -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::NotFound)
}
