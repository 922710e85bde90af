//! Rules of the JSON API that are not HTTP: what an `Idempotency-Key` remembers and
//! replays (the keys the shop sends Stripe are `payments::idempotency_key`'s).

pub mod idempotency;
