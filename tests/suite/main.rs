//! The integration suite: every test file is a module of this one test binary, so the
//! suite builds and links one executable instead of one per file (disk and link time).
//! Files needing outside programs are compiled only with their feature (see Cargo.toml).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod abuse;
mod account_limits;
mod account_mail;
mod accounts;
mod admin;
mod api;
mod api_accounts;
mod api_contract;
mod api_door_staff;
mod api_races;
mod api_resale;
mod api_stripe;
mod api_tokens;
mod bad_input;
mod box_office;
mod buyer_confirmations;
mod buyer_refunds;
mod calendar_files;
mod catalogue;
mod checked_in_refunds;
mod cli;
mod client_addresses;
mod currencies;
mod delayed_payments;
mod desk_bookings;
mod desk_dashboard;
mod desk_exports;
mod desk_sales;
mod desk_time_zones;
mod dev_mailbox;
mod door;
mod door_race;
#[cfg(feature = "browser")]
mod e2e_browser;
mod event_lifecycle;
mod events_feed;
mod fuzz_forms;
mod give_back;
mod group_bookings;
mod group_payments_stripe;
mod holds;
#[cfg(feature = "html")]
mod html_validity;
mod intake;
mod inventory_race;
mod legacy_paths;
mod login_throttle;
#[cfg(feature = "smtp")]
mod mail_smtp;
mod metrics;
mod migrations;
mod openapi_document;
mod outbox;
mod paper_cuts;
mod password_hashing;
mod payment_races;
mod payment_repair;
mod payments_stripe;
mod payments_test_provider;
mod provider_calls;
mod provider_faults;
#[cfg(feature = "proxy")]
mod proxy;
mod refund_lifecycle;
mod resale;
mod resale_admin;
mod resale_stripe;
mod reservations;
mod retention;
mod sale_windows;
mod sale_windows_race;
mod scale_seed;
mod seat_shares;
mod selling_rules_race;
mod shared_limits;
mod signup;
mod stripe_idempotency;
mod webhooks;
