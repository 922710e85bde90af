//! The catalogue: events and their ticket types, as visitors browse them and as admins
//! write them (forms, publishing, the lifecycle), their sale windows and descriptions.

pub mod browse;
pub mod event_admin;
pub mod event_form;
pub mod event_lifecycle;
pub mod event_pages;
pub mod event_status;
pub mod markdown;
pub mod sale_window;
pub mod ticket_type_form;
