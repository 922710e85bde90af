//! Queries on `payments`: one row per checkout attempt.
