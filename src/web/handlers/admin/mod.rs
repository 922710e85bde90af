//! The admin area: the sales dashboard, the forms for events and ticket types, and the
//! desk's views of bookings, payments, the door and resale.
//! Every handler takes `AdminUser` first: anonymous users are sent to log in, others get 403.

pub mod accounts;
pub mod booking;
pub mod bookings;
pub mod box_office_staff;
pub mod checkins;
pub mod dashboard;
pub mod door_list;
pub mod door_staff;
pub mod event_cancel;
pub mod events;
pub mod exports;
pub mod mailbox;
pub mod outbox;
pub mod payments;
pub mod resale;
pub mod sales;
pub mod ticket_types;
pub mod webhooks;
