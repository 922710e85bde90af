//! Outgoing webhooks and the event feed: which outbox messages partners see and under
//! which type (`event_types`), the feed's gap-free positions and payloads (`feed`),
//! which endpoint addresses are allowed (`address_policy`), an endpoint's settings as
//! an admin gives them (`endpoint_form`), and the retry rules of a delivery (`retries`).

pub mod address_policy;
pub mod endpoint_form;
pub mod event_types;
pub mod feed;
pub mod retries;
